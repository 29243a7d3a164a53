"""A generic hosted moderation service, spoken to over JSON and HTTP.

Optional and off by default (``MODERATION_HTTP_ENABLED``). The checker
POSTs ``{"text", "author_name", "article_id", "comment_id"}`` to
``MODERATION_HTTP_URL`` (with ``Authorization: Bearer
<MODERATION_HTTP_TOKEN>`` when a token is set) and expects
``{"spam": 0..1, "toxicity": 0..1, "reasons": ["...", ...]}`` back.
Nothing else about the comment is sent: no e-mail address, no IP hash.
"""

from __future__ import annotations

import math

import httpx
from django.conf import settings

from detection.classifiers.base import CheckResult, CommentSample, PermanentCheckError, Reason
from detection.classifiers.hosted import http_error

SERVICE = "Moderation service"


def _malformed(detail: str) -> PermanentCheckError:
    return PermanentCheckError(f"{SERVICE} gave a malformed answer ({detail})")


def _score(answer: dict, key: str) -> float:
    value = answer.get(key)
    # bool is an int in Python; "true" is not a score.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _malformed(f"{key!r} must be a number from 0 to 1, got {value!r}")
    if not math.isfinite(value) or not 0.0 <= value <= 1.0:
        raise _malformed(f"{key!r} must be a number from 0 to 1, got {value!r}")
    return float(value)


def parse_answer(data: object) -> tuple[float, float, list[str]]:
    """Validate the service's JSON answer: (spam, toxicity, reasons)."""
    if not isinstance(data, dict):
        raise _malformed("expected a JSON object")
    spam = _score(data, "spam")
    toxicity = _score(data, "toxicity")
    reasons = data.get("reasons", [])
    if not isinstance(reasons, list) or not all(isinstance(r, str) for r in reasons):
        raise _malformed("'reasons' must be a list of strings")
    return spam, toxicity, [r.strip()[:300] for r in reasons if r.strip()]


class HttpModerationChecker:
    name = "http_moderation"
    hosted = True
    service = SERVICE

    def check(self, sample: CommentSample) -> CheckResult:
        timeout = settings.MODERATION_HTTP_TIMEOUT
        headers = {"Accept": "application/json"}
        if settings.MODERATION_HTTP_TOKEN:
            headers["Authorization"] = f"Bearer {settings.MODERATION_HTTP_TOKEN}"
        payload = {
            "text": sample.body,
            "author_name": sample.author_name,
            "article_id": sample.article_id,
            "comment_id": sample.comment_id,
        }
        try:
            with httpx.Client(timeout=timeout) as http:
                response = http.post(settings.MODERATION_HTTP_URL, json=payload, headers=headers)
                response.raise_for_status()
        except httpx.HTTPError as exc:
            raise http_error(SERVICE, exc, timeout=timeout) from exc
        try:
            data = response.json()
        except ValueError:
            raise _malformed("not JSON") from None
        spam, toxicity, messages = parse_answer(data)
        head = "toxicity" if toxicity > spam else "spam"
        if not messages and max(spam, toxicity) > 0:
            messages = [f"spam {spam:.2f}, toxicity {toxicity:.2f}"]
        reasons = tuple(Reason(self.name, head, f"{SERVICE}: {m}") for m in messages)
        return CheckResult(spam=spam, toxicity=toxicity, reasons=reasons)
