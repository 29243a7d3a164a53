"""Links, their domains, and disguised links: the commonest signs of spam.

Editors keep allow and block lists of domains in the admin (DomainRule). A
link to an allowed domain (the newsroom's own site, a wire service) does not
count; a link to a blocked one is spam on its own. A link to any other
domain is circumstantial: news comments cite sources all the time, so it can
send a comment to review but not, on its own, to the spam folder. Link
shorteners (which hide where a link goes) and disguised links are evidence
of spam.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from detection.classifiers.base import CheckResult, CommentSample, Reason
from detection.classifiers.terms import _Compiled
from detection.classifiers.text import fold

_TLDS = r"(?:com|net|org|info|biz|io|co|ru|xyz|top|site|online|shop|me|ly|tk|uk|de|us|cn|in|club|live|link|click)"
URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
# Every repetition is bounded (a label is at most 63 characters; at most
# 8 labels before the top-level domain), so each start position scans a
# bounded stretch and a search is linear in the text (issue #15).
BARE_DOMAIN = re.compile(rf"\b[a-z0-9][a-z0-9-]{{0,62}}(?:\.[a-z0-9-]{{1,63}}){{0,8}}\.{_TLDS}\b(?:/[^\s]*)?", re.IGNORECASE)
# "example dot com", "example [dot] com", "example (.) com", "hxxp://",
# "e x a m p l e . c o m"
OBFUSCATED = re.compile(
    rf"(?:\bhxxps?\b"
    # One name (possessive: what follows it is never part of it), then the
    # disguised dot: "[dot]", "(.)", " dot ", " . ".
    rf"|\b[a-z0-9-]{{2,63}}+(?:\s*[\[\(\{{<]\s*(?:dot|\.)\s*[\]\)\}}>]\s*|\s+dot\s+|\s+\.\s*){_TLDS}\b"
    rf"|(?:\b\w\s){{4,63}}\.\s?(?:c\so\sm|n\se\st|o\sr\sg)\b)",
    re.IGNORECASE,
)


# Public URL shorteners: legitimate commenters link to the source itself.
SHORTENERS = frozenset(
    """
    bit.ly bitly.com tinyurl.com goo.gl t.co ow.ly is.gd buff.ly rebrand.ly cutt.ly shorturl.at tiny.cc rb.gy
    t.ly s.id v.gd bl.ink short.io shorte.st adf.ly linktr.ee lnkd.in soo.gd qr.ae tr.im x.co clck.ru
    """.split()
)


def domain_of(link: str) -> str:
    target = link if "://" in link else "http://" + link
    try:
        host = urlsplit(target).hostname or ""
    except ValueError:  # "http://x.win]best", "http://[x": not a valid IPv6 literal; read it as text
        host = re.match(r"[^/?#:@\[\]\s]*", target.split("://", 1)[1].lstrip("[")).group(0)
    host = host.lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def _compile_rules() -> dict[str, str]:
    from detection.models import DomainRule

    return dict(DomainRule.objects.values_list("domain", "action"))


_rules = _Compiled(_compile_rules)


def rule_for(domain: str, rules: dict[str, str]) -> str | None:
    """The rule for a domain or its closest parent domain."""
    parts = domain.split(".")
    for i in range(len(parts) - 1):
        action = rules.get(".".join(parts[i:]))
        if action:
            return action
    return None


def find_links(text: str) -> list[str]:
    links = URL.findall(text)
    bare = [d for d in BARE_DOMAIN.findall(text) if not any(d in link for link in links)]
    return links + bare


class LinkChecker:
    name = "links"

    def check(self, sample: CommentSample) -> CheckResult:
        text = sample.body
        rules = _rules.get()
        counted, blocked, shortened = [], [], []
        for link in find_links(text):
            domain = domain_of(link)
            action = rule_for(domain, rules)
            if action == "block":
                blocked.append(link)
            elif action != "allow":
                counted.append(link)
                if domain in SHORTENERS:
                    shortened.append(link)
        folded = fold(text)
        obfuscated = [
            m.group(0) for m in OBFUSCATED.finditer(folded)
            if not any(m.group(0).replace(" ", "") in f.lower() for f in counted + blocked)
        ]
        reasons = []
        spam = specific = 0.0
        if counted:
            spam = {1: 0.3, 2: 0.6}.get(len(counted), 0.85)
            noun = "link" if len(counted) == 1 else "links"
            reasons.append(Reason(self.name, "spam", f"{len(counted)} {noun}", tuple(counted[:5])))
        if shortened:
            specific = 0.6
            spam = max(spam, specific)
            reasons.append(Reason(self.name, "spam", "Link shortener hides where the link goes", tuple(shortened[:5])))
        if blocked:
            spam = specific = max(spam, 0.95)
            domains = tuple(sorted({domain_of(b) for b in blocked}))
            reasons.append(Reason(self.name, "spam", "Link to a blocked domain", domains))
        if obfuscated:
            spam = max(spam, 0.75)
            specific = max(specific, 0.75)
            reasons.append(Reason(self.name, "spam", "Disguised link", tuple(obfuscated[:5])))
        return CheckResult(spam=spam, reasons=tuple(reasons), spam_specific=specific if spam else None)


def without_allowed_links(text: str) -> str:
    """The text with links to allowed domains taken out: the newsroom has
    vouched for them, so no checker should count them against a comment."""
    rules = _rules.get()
    if not rules:
        return text
    for link in find_links(text):
        if rule_for(domain_of(link), rules) == "allow":
            text = text.replace(link, " ")
    return text
