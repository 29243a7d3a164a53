"""`make audit` says plainly what it could not check (issue #15 item 8).
pip-audit's own summary says "No known vulnerabilities found" when it
skipped every package; scripts/audit.py reads its JSON report instead."""

import importlib.util
from pathlib import Path

from django.test import SimpleTestCase

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "audit.py"
spec = importlib.util.spec_from_file_location("audit_script", SCRIPT)
audit = importlib.util.module_from_spec(spec)
spec.loader.exec_module(audit)

SKIPPED = {"name": "django", "skip_reason": "Dependency not found on PyPI and could not be audited: django (5.2.19)"}
CLEAN = {"name": "celery", "version": "5.7.0", "vulns": []}
VULNERABLE = {"name": "django", "version": "5.2.1", "vulns": [
    {"id": "PYSEC-2025-1", "fix_versions": ["5.2.2"], "aliases": ["CVE-2025-0001"], "description": "x"}]}


class AuditSummaryTests(SimpleTestCase):
    def test_every_package_skipped_is_not_a_clean_bill(self):
        status, lines = audit.summarise({"dependencies": [SKIPPED, SKIPPED]}, source="requirements.txt")
        self.assertEqual(status, 2)
        self.assertIn("COULD NOT CHECK 2 of 2 packages", lines[0])
        self.assertNotIn("no known vulnerabilities", " ".join(lines))

    def test_some_skipped_still_incomplete(self):
        status, lines = audit.summarise({"dependencies": [CLEAN, SKIPPED]}, source="r.txt")
        self.assertEqual(status, 2)
        self.assertIn("COULD NOT CHECK 1 of 2 packages", lines[0])

    def test_vulnerabilities_are_listed_with_their_fix(self):
        status, lines = audit.summarise({"dependencies": [CLEAN, VULNERABLE]}, source="r.txt")
        self.assertEqual(status, 1)
        self.assertIn("r.txt: django 5.2.1: PYSEC-2025-1 (fixed in 5.2.2)", lines)

    def test_all_checked_and_clean(self):
        status, lines = audit.summarise({"dependencies": [CLEAN]}, source="r.txt")
        self.assertEqual((status, lines), (0, ["r.txt: checked 1 packages: no known vulnerabilities."]))

    def test_an_empty_report_checked_nothing(self):
        status, lines = audit.summarise({}, source="r.txt")
        self.assertEqual(status, 2)
        self.assertIn("nothing was checked", lines[-1])
