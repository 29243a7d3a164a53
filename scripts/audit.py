#!/usr/bin/env python3
"""`make audit`: check the pinned requirements against known vulnerabilities.

Runs pip-audit on each requirements file with PyPI's advisory data
(``--vulnerability-service pypi``, no resolution: the files pin every
package) and says plainly what it could and could not check. pip-audit on
its own prints "No known vulnerabilities found" even when it skipped every
package (PyPI unreachable): here a skipped package is an error.

Exit status: 0 every package checked and none vulnerable; 1 a known
vulnerability; 2 some package could not be checked (no network, ...).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILES = ["requirements.txt", "requirements-dev.txt", "requirements-train.txt", "requirements-minilm.txt"]


def summarise(report: dict, *, source: str) -> tuple[int, list[str]]:
    """(exit status, lines to print) for one pip-audit JSON report."""
    deps = report.get("dependencies", [])
    skipped = [d for d in deps if d.get("skip_reason")]
    vulnerable = [d for d in deps if d.get("vulns")]
    checked = len(deps) - len(skipped)
    lines = []
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
            lines.append(f"{source}: {dep['name']} {dep.get('version', '')}: {vuln['id']} (fixed in {fixed})")
    if skipped:
        lines.append(
            f"{source}: COULD NOT CHECK {len(skipped)} of {len(deps)} packages; "
            f"their vulnerabilities are unknown. First reason: {skipped[0]['skip_reason']}"
        )
    if not vulnerable and not skipped:
        lines.append(f"{source}: checked {checked} packages: no known vulnerabilities.")
    elif vulnerable:
        lines.append(f"{source}: {len(vulnerable)} of {checked} checked packages have known vulnerabilities.")
    status = 1 if vulnerable else (2 if skipped or not deps else 0)
    if not deps:
        lines.append(f"{source}: pip-audit reported no packages at all: nothing was checked.")
    return status, lines


def audit(path: Path) -> tuple[int, list[str]]:
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        result = subprocess.run(
            [sys.executable, "-m", "pip_audit", "-r", str(path), "--no-deps", "--disable-pip",
             "--vulnerability-service", "pypi", "--progress-spinner", "off",
             "--format", "json", "--output", out.name],
            capture_output=True, text=True,
        )
        try:
            report = json.loads(Path(out.name).read_text() or "{}")
        except json.JSONDecodeError:
            report = {}
    if not report.get("dependencies") and result.returncode not in (0, 1):
        error = (result.stderr.strip().splitlines() or ["no output"])[-1]
        return 2, [f"{path.name}: COULD NOT CHECK: pip-audit failed: {error}"]
    return summarise(report, source=path.name)


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or [ROOT / f for f in FILES if (ROOT / f).exists()]
    worst = 0
    for path in paths:
        status, lines = audit(path)
        print("\n".join(lines), flush=True)
        worst = max(worst, status)
    if worst == 2:
        print("Audit incomplete: some packages could not be checked (see above). "
              "Run `make audit` where PyPI is reachable.")
    return worst


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
