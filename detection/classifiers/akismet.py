"""Akismet, the hosted spam filter, through the ``akismet`` package.

Optional and off by default (``AKISMET_ENABLED``). Its verdicts map to spam
scores: ham 0.0, spam 0.8, "discard" (blatant spam) 0.99. Editors'
decisions go back to Akismet as submit-ham / submit-spam
(``comments.services.comment_akismet_feedback``).

Privacy: the project never stores a reader's IP address, only a keyed hash
of it, and Akismet requires ``user_ip``. It is sent a stand-in address
derived from that hash, inside the IPv6 documentation prefix 2001:db8::/32
(RFC 3849), which is nobody's real address. Akismet can still tell that
two comments came from the same reader, but not where from; its IP
reputation data is lost. See docs/hosted-checkers.md.
"""

from __future__ import annotations

import ipaddress

import akismet
import httpx
from django.conf import settings

from detection.classifiers.base import (
    CheckResult,
    CommentSample,
    PermanentCheckError,
    Reason,
)
from detection.classifiers.hosted import http_error

SERVICE = "Akismet"
DEFAULT_API_URL = "https://rest.akismet.com"
SPAM_SCORES = {
    akismet.CheckResponse.HAM: 0.0,
    akismet.CheckResponse.SPAM: 0.8,
    akismet.CheckResponse.DISCARD: 0.99,
}
_DOC_PREFIX = int(ipaddress.IPv6Address("2001:db8::"))


def stand_in_ip(ip_hash: str) -> str:
    """A stable IPv6 address in 2001:db8::/32 for one reader's IP hash."""
    low_bits = int(ip_hash[:24], 16) if ip_hash else 0
    return str(ipaddress.IPv6Address(_DOC_PREFIX | low_bits))


class _BaseURLTransport(httpx.HTTPTransport):
    """Send the requests the package addresses to rest.akismet.com to
    another base URL (a proxy, or a local fake server in tests). The package
    has no base-URL option; a custom ``http_client`` is its supported hook."""

    def __init__(self, base_url: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.base = httpx.URL(base_url)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(
            scheme=self.base.scheme, host=self.base.host, port=self.base.port
        )
        request.headers["Host"] = request.url.netloc.decode("ascii")
        return super().handle_request(request)


def _http_client() -> httpx.Client:
    """An HTTP client built from settings, read on every call so that
    changed settings (and tests' overrides) apply at once."""
    api_url = settings.AKISMET_API_URL or DEFAULT_API_URL
    transport = None
    if api_url.rstrip("/") != DEFAULT_API_URL:
        transport = _BaseURLTransport(api_url)
    return httpx.Client(
        headers={"User-Agent": akismet.USER_AGENT},
        timeout=settings.AKISMET_TIMEOUT,
        transport=transport,
    )


def _arguments(sample: CommentSample) -> dict:
    arguments = {
        "user_ip": stand_in_ip(sample.ip_hash),
        "comment_type": "comment",
        "comment_content": sample.body,
        "comment_author": sample.author_name,
        "comment_author_email": sample.author_email,
        "user_agent": sample.user_agent,
    }
    if settings.AKISMET_IS_TEST:
        arguments["is_test"] = 1
    return arguments


def _call(method: str, sample: CommentSample):
    """Call one Akismet operation; translate its errors to check errors."""
    config = akismet.Config(key=settings.AKISMET_API_KEY, url=settings.AKISMET_SITE_URL)
    with _http_client() as http:
        api = akismet.SyncClient(config=config, http_client=http)
        try:
            return getattr(api, method)(**_arguments(sample))
        except akismet.ConfigurationError:
            # Raised by the package when Akismet answers "invalid".
            raise PermanentCheckError(f"{SERVICE} rejected the API key or site URL")
        except akismet.ProtocolError:
            raise PermanentCheckError(f"{SERVICE} gave an unexpected answer")
        except akismet.RequestError as exc:
            cause = exc.__cause__ if exc.__cause__ is not None else exc
            raise http_error(SERVICE, cause, timeout=settings.AKISMET_TIMEOUT) from exc


class AkismetChecker:
    name = "akismet"
    hosted = True
    service = SERVICE

    def check(self, sample: CommentSample) -> CheckResult:
        verdict = _call("comment_check", sample)
        if verdict == akismet.CheckResponse.HAM:
            return CheckResult()
        message = (
            "Akismet: blatant spam (discard)"
            if verdict == akismet.CheckResponse.DISCARD
            else "Akismet: spam"
        )
        return CheckResult(
            spam=SPAM_SCORES[verdict], reasons=(Reason(self.name, "spam", message),)
        )


def submit(kind: str, sample: CommentSample) -> None:
    """Tell Akismet an editor's verdict: ``kind`` is "spam" or "ham"."""
    _call({"spam": "submit_spam", "ham": "submit_ham"}[kind], sample)
