"""Validators for what readers write: text a reader can actually see.

Unicode's "format" characters (category Cf: zero-width spaces and joiners,
the byte-order mark, soft hyphens, direction marks and overrides) take no
room on the page. A body or name made only of them (and white space) looks
empty to every reader and editor, so it is refused with a clear message.
(Direction overrides and isolates, U+202A-U+202E and U+2066-U+2069, are
dropped from names by ``comments.services.comment_create``.)
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

def has_visible_text(value: str) -> bool:
    """Whether anything in ``value`` shows on the page."""
    return any(not ch.isspace() and unicodedata.category(ch) != "Cf" for ch in value)


@deconstructible
class VisibleTextValidator:
    """Refuse a value made only of invisible characters and white space."""

    message = (
        "This contains only invisible characters (such as zero-width spaces); "
        "write something readers can see."
    )
    code = "invisible"

    def __call__(self, value: str) -> None:
        if value and not has_visible_text(value):
            raise ValidationError(self.message, code=self.code)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, VisibleTextValidator)
