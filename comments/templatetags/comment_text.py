"""Template filters for what readers wrote.

Readers' text is plain text: it is escaped first, and only then are line
breaks and http(s) URLs turned into markup that this code writes itself.
HTML from readers is never rendered.
"""

from __future__ import annotations

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# Scheme required: "javascript:", "data:" and bare words never become links.
# Quotes and angle brackets end a URL, so it cannot break out of href="...".
# Bidirectional controls (U+202A-U+202E, U+2066-U+2069) end it too: "‮" in
# a link would show its text reversed ("moc.elpmaxe" read as another site).
_URL = re.compile(r"\bhttps?://[^\s<>\"'`\u202a-\u202e\u2066-\u2069]+", re.IGNORECASE)
# Punctuation that usually ends the sentence rather than the URL.
_TRAILING = ".,;:!?)]}*"
LINK_REL = "nofollow ugc noopener"


def _link(url: str) -> str:
    tail = ""
    while url and url[-1] in _TRAILING:
        # Keep a closing bracket that belongs to the URL (Wikipedia style).
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        tail = url[-1] + tail
        url = url[:-1]
    if len(url) <= len("https://"):
        return escape(url + tail)
    safe = escape(url)
    return (
        f'<a href="{safe}" rel="{LINK_REL}">{safe}</a>'
        f"{escape(tail)}"
    )


@register.filter(is_safe=True)
def comment_text(value: str) -> SafeString:
    """Escape, auto-link http(s) URLs, and keep line breaks."""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    out: list[str] = []
    pos = 0
    for match in _URL.finditer(text):
        out.append(escape(text[pos : match.start()]))
        out.append(_link(match.group(0)))
        pos = match.end()
    out.append(escape(text[pos:]))
    return mark_safe("".join(out).replace("\n", "<br>"))
