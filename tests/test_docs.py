"""The docs say what the code does: one row per status, every reason code."""

import re
from pathlib import Path

from comments.models import CommentStatus, DecisionReason

DOCS = Path(__file__).resolve().parent.parent / "docs"


def table_first_cells(text: str) -> list[str]:
    return re.findall(r"^\| `([a-z_]+)` \|", text, flags=re.MULTILINE)


def test_lifecycle_lists_each_status_once():
    rows = table_first_cells((DOCS / "comment-lifecycle.md").read_text())
    assert sorted(rows) == sorted(CommentStatus.values)


def test_api_lists_every_rejection_reason_code():
    text = (DOCS / "api.md").read_text()
    rows = table_first_cells(text)
    assert [c for c in DecisionReason.values if c != "approved"] == [r for r in rows if r in DecisionReason.values]
