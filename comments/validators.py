"""Validators for what readers write: text a reader can actually see.

Unicode's "format" characters (category Cf: zero-width spaces and joiners,
the byte-order mark, soft hyphens, direction marks and overrides) take no
room on the page. A body or name made only of them (and white space) looks
empty to every reader and editor, so it is refused with a clear message.
Direction overrides and isolates (U+202A-U+202E, U+2066-U+2069) in a name
reorder the text around it ("Bob\u202egnp.exe" shows as "Bobexe.png"):
they are refused in names, where nobody needs them.
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

BIDI_CONTROLS = frozenset(
    [chr(c) for c in range(0x202A, 0x202F)] + [chr(c) for c in range(0x2066, 0x206A)]
)


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


@deconstructible
class NoBidiControlsValidator:
    """Refuse text-direction overrides and isolates (U+202A-U+202E,
    U+2066-U+2069)."""

    message = (
        "Names cannot contain text-direction control characters (U+202A to U+202E, "
        "U+2066 to U+2069): they make the text around them display in another order."
    )
    code = "bidi_control"

    def __call__(self, value: str) -> None:
        if any(ch in BIDI_CONTROLS for ch in value):
            raise ValidationError(self.message, code=self.code)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NoBidiControlsValidator)
