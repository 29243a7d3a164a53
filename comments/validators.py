"""Validators for what readers write: text a reader can actually see.

Unicode's "format" characters (category Cf: zero-width spaces and joiners,
the byte-order mark, soft hyphens, direction marks and overrides) take no
room on the page. A body or name made only of them (and white space) looks
empty to every reader and editor, so it is refused with a clear message.
Direction overrides and isolates (U+202A-U+202E, U+2066-U+2069) reverse
how the rest of a line reads: in a name, "Bob\u202egnp.exe" shows as
"Bobexe.png". Names holding them are refused with a message that says which
characters to remove; the reader's input is kept.
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


DIRECTION_CONTROLS = frozenset([*map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A))])


@deconstructible
class NoDirectionControlsValidator:
    """Refuse direction overrides and isolates (U+202A-U+202E, U+2066-U+2069)."""

    message = (
        "Names cannot contain direction-control characters (U+202A to U+202E, "
        "U+2066 to U+2069): they change how the text around them reads. Remove them."
    )
    code = "direction_control"

    def __call__(self, value: str) -> None:
        if value and not DIRECTION_CONTROLS.isdisjoint(value):
            raise ValidationError(self.message, code=self.code)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NoDirectionControlsValidator)
