"""The embedded default (SQLite under `make run`) never answers "database is
locked" while editors approve and a worker checks at the same time."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

DRIVER = Path(__file__).with_name("sqlite_load.py")


@pytest.mark.worker
def test_concurrent_approvals_and_checks_on_sqlite(tmp_path):
    env = {
        "PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), "LANG": "C.UTF-8",
        "DEBUG": "1", "NEWSROOM_ENV_FILE": "", "NEWSROOM_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3", "REDIS_URL": "",
        "LOG_LEVEL": "WARNING",
    }
    result = subprocess.run(
        [sys.executable, str(DRIVER)], env=env, capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["errors"] == []
    assert outcome["approved"] == 60
    assert outcome["checked"] == 30
