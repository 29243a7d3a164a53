"""What the apps above ``comments`` add to a comment's lifecycle.

``comments`` sits below ``moderation`` and ``partners`` and never imports
them (docs/decisions/0009-app-layering.md). Instead each of them registers
here, in its ``AppConfig.ready()``, what it needs to know or decide:

- ``after_transition``: called inside the transaction that wrote a status
  change (one ``ModerationEvent``), with the comment and the two statuses.
  A listener that acts outside the database (a task, a mail, a cache bump)
  schedules itself with ``transaction.on_commit``. Cache invalidation,
  webhooks, notices to authors, queue alerts and hosted-checker feedback
  all arrive this way.
- ``screen``: asked by ``comment_create`` before a comment is stored; may
  return a ``Screening`` that rejects it at once (bans). The first one that
  answers wins.
- ``publish_reason``: asked after the checks routed a comment to review;
  may return why it can be published at once (trusted commenters on an
  article whose policy allows it). The first non-empty answer wins.

The registry is filled at start-up and only read afterwards. There is one
registry per process; tests that need a listener register it and remove it
with ``unregister``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from comments.models import Comment


class AfterTransition(Protocol):
    def __call__(self, *, comment: Comment, from_status: str, to_status: str) -> None: ...


@dataclass(frozen=True)
class Screening:
    """A comment refused before it is checked: stored as ``rejected``
    (``shadow``: its author still sees it as awaiting moderation)."""

    shadow: bool
    reason: str


class Screen(Protocol):
    def __call__(self, *, author_email: str, ip_hash: str) -> Screening | None: ...


class PublishReason(Protocol):
    def __call__(self, *, comment: Comment, spam: float, flagged: bool) -> str: ...


_after_transition: list[AfterTransition] = []
_screens: list[Screen] = []
_publish_reasons: list[PublishReason] = []


def _add(registry: list, hook: Callable) -> Callable:
    if hook not in registry:
        registry.append(hook)
    return hook


def on_transition(hook: AfterTransition) -> AfterTransition:
    """Register a listener for every status change (usable as a decorator)."""
    return _add(_after_transition, hook)


def add_screen(hook: Screen) -> Screen:
    return _add(_screens, hook)


def add_publish_reason(hook: PublishReason) -> PublishReason:
    return _add(_publish_reasons, hook)


def unregister(hook: Callable) -> None:
    for registry in (_after_transition, _screens, _publish_reasons):
        if hook in registry:
            registry.remove(hook)


def run_after_transition(*, comment: Comment, from_status: str, to_status: str) -> None:
    for hook in _after_transition:
        hook(comment=comment, from_status=from_status, to_status=to_status)


def screen(*, author_email: str, ip_hash: str) -> Screening | None:
    for hook in _screens:
        found = hook(author_email=author_email, ip_hash=ip_hash)
        if found is not None:
            return found
    return None


def publish_reason(*, comment: Comment, spam: float, flagged: bool) -> str:
    for hook in _publish_reasons:
        reason = hook(comment=comment, spam=spam, flagged=flagged)
        if reason:
            return reason
    return ""
