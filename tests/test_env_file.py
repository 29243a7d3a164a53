"""The .env that `make run` leaves behind: manage.py commands work after it
in the same checkout, and real environment variables always win."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from newsroom.env import env_file_load

ROOT = Path(__file__).resolve().parent.parent
WRITE_ENV = ROOT / "scripts" / "write_env.py"


def clean_env(**extra):
    """What a newcomer's shell has after `make run`: no DEBUG, no SECRET_KEY."""
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), "LANG": "C.UTF-8"}
    env.update(extra)
    return env


def manage(*args, env, input_text=None):
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=300, input=input_text,
    )




def test_env_file_load_sets_missing_variables_only(tmp_path, monkeypatch):
    path = tmp_path / ".env"
    path.write_text(
        "# a comment\n\nNEWSROOM_T_A=one\nexport NEWSROOM_T_B='two words'\nNEWSROOM_T_C=from-file\n"
    )
    monkeypatch.delenv("NEWSROOM_T_A", raising=False)
    monkeypatch.delenv("NEWSROOM_T_B", raising=False)
    monkeypatch.setenv("NEWSROOM_T_C", "real")
    env_file_load(path)
    assert os.environ["NEWSROOM_T_A"] == "one"
    assert os.environ["NEWSROOM_T_B"] == "two words"
    assert os.environ["NEWSROOM_T_C"] == "real"
    monkeypatch.delenv("NEWSROOM_T_A")
    monkeypatch.delenv("NEWSROOM_T_B")


def test_env_file_load_names_a_bad_line(tmp_path):
    path = tmp_path / ".env"
    path.write_text("DEBUG=1\nthis is not a pair\n")
    with pytest.raises(ImproperlyConfigured, match=r"line 2: expected NAME=value"):
        env_file_load(path)


def test_env_file_load_without_a_file_does_nothing(tmp_path):
    env_file_load(tmp_path / "missing")


def test_write_env_keeps_the_secret_key_across_runs(tmp_path):
    path = tmp_path / ".env"
    subprocess.run([sys.executable, str(WRITE_ENV), str(path), "DEBUG=1"], check=True)
    first = dict(line.split("=", 1) for line in path.read_text().splitlines() if not line.startswith("#"))
    assert first["DEBUG"] == "1"
    assert len(first["SECRET_KEY"]) >= 50
    subprocess.run([sys.executable, str(WRITE_ENV), str(path), "DEBUG=1", "REDIS_URL="], check=True)
    second = dict(line.split("=", 1) for line in path.read_text().splitlines() if not line.startswith("#"))
    assert second == {**first, "REDIS_URL": ""}
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_documented_commands_work_after_make_run(tmp_path):
    """The pairs scripts/run.sh writes for the embedded defaults; then the
    commands the docs tell a newcomer to copy, in a shell without DEBUG or
    SECRET_KEY."""
    var = tmp_path / "var"
    var.mkdir()
    env_file = tmp_path / ".env"
    subprocess.run([
        sys.executable, str(WRITE_ENV), str(env_file), "DEBUG=1", f"NEWSROOM_VAR_DIR={var}",
        f"DATABASE_URL=sqlite:///{var}/db.sqlite3", "REDIS_URL=",
    ], check=True)
    env = clean_env(NEWSROOM_ENV_FILE=str(env_file))

    result = manage("migrate", "--no-input", "-v0", env=env)
    assert result.returncode == 0, result.stderr
    result = manage(
        "createsuperuser", "--no-input", "--username", "root", "--email", "root@example.org",
        env={**env, "DJANGO_SUPERUSER_PASSWORD": "a-long-enough-password"},
    )
    assert result.returncode == 0, result.stderr
    result = manage("score_comments", "-", env=env, input_text="text\nBuy cheap pills at spam.example\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "text,spam_score,toxicity_score"
    assert (var / "db.sqlite3").exists()

    # A real environment variable beats the file.
    result = manage(
        "shell", "-v0", "-c", "from django.conf import settings; print(settings.DEBUG, settings.SECRET_KEY)",
        env={**env, "DEBUG": "0", "SECRET_KEY": "from-the-real-environment"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "from-the-real-environment"]
