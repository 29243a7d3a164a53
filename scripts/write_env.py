#!/usr/bin/env python3
"""Write the local, git-ignored .env that `make run` leaves behind, so that
manage.py commands (score_comments, train_detectors, createsuperuser, ...)
run against the same database and broker with the same settings.

    scripts/write_env.py PATH NAME=value ...

The file gets the given pairs plus a SECRET_KEY: the one already in the
file if there is one (sessions and IP hashes survive a restart), else a new
random key. Settings read it only for variables the real environment does
not set (newsroom/env.py, env_file_load). Standard library only.
"""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

HEADER = (
    "# Written by `make run` (scripts/write_env.py) for local development only.\n"
    "# Settings read it for variables the real environment does not set.\n"
    "# Never deploy it: production sets real environment variables.\n"
)


def existing_secret(path: Path) -> str:
    try:
        lines = path.read_text().splitlines()
    except FileNotFoundError:
        return ""
    for line in lines:
        name, _, value = line.strip().partition("=")
        if name.strip() == "SECRET_KEY" and value.strip():
            return value.strip()
    return ""


def main(argv: list[str]) -> int:
    if len(argv) < 1:
        print(__doc__, file=sys.stderr)
        return 2
    path = Path(argv[0])
    values: dict[str, str] = {}
    for pair in argv[1:]:
        name, sep, value = pair.partition("=")
        if not sep or not name.isidentifier() or "\n" in value:
            print(f"write_env.py: expected NAME=value, not {pair!r}", file=sys.stderr)
            return 2
        values[name] = value
    values.setdefault("SECRET_KEY", existing_secret(path) or secrets.token_urlsafe(50))
    body = "".join(f"{name}={value}\n" for name, value in values.items())
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(HEADER + body)
    tmp.chmod(0o600)
    tmp.replace(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
