"""The article body: plain text, one paragraph per line, with a small safe
Markdown subset for emphasis (``*italics*``, ``_italics_``, ``**bold**``).

Nothing else is markup: the text is HTML-escaped first, only the emphasis
markers become ``<em>``/``<strong>``, and nh3 (an allow-list sanitiser)
keeps exactly those two tags as a second line of defence. Markers follow
CommonMark's flanking rule in spirit: ``*`` and ``_`` must hug the words
they wrap, and ``_`` never works inside a word (``snake_case`` stays), so
arithmetic (``2 * 3 * 4``) and identifiers are left alone.
"""

from __future__ import annotations

import re

import nh3
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_STRONG = re.compile(r"(?<![\w*])\*\*(?=[^\s*])(.+?)(?<=[^\s*])\*\*(?![\w*])")
_EM_STAR = re.compile(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])")
_EM_UNDERSCORE = re.compile(r"(?<![\w_])_(?=[^\s_])(.+?)(?<=[^\s_])_(?![\w_])")
ALLOWED_TAGS = {"em", "strong"}


def paragraphs(body: str) -> list[str]:
    """The body's paragraphs as written (markers included)."""
    return [line.strip() for line in body.splitlines() if line.strip()]


def paragraph_plain(text: str) -> str:
    """A paragraph without its emphasis markers: what the API's plain text
    carries."""
    text = _STRONG.sub(r"\1", text)
    text = _EM_STAR.sub(r"\1", text)
    return _EM_UNDERSCORE.sub(r"\1", text)


def paragraph_html(text: str) -> SafeString:
    """A paragraph's inner HTML: escaped text with <em> and <strong>."""
    html = escape(text)
    html = _STRONG.sub(r"<strong>\1</strong>", html)
    html = _EM_STAR.sub(r"<em>\1</em>", html)
    html = _EM_UNDERSCORE.sub(r"<em>\1</em>", html)
    return mark_safe(nh3.clean(html, tags=ALLOWED_TAGS, attributes={}))


def body_html(body: str) -> SafeString:
    """The whole body as HTML paragraphs."""
    return mark_safe("".join(f"<p>{paragraph_html(p)}</p>" for p in paragraphs(body)))
