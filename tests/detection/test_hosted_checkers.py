"""The optional hosted checkers (Akismet, a generic HTTP moderation service)
against a local fake HTTP server: verdicts, failures, editors' feedback."""

from __future__ import annotations

import json
import socket
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from django.test import Client, SimpleTestCase, TestCase, override_settings

from detection.classifiers.akismet import stand_in_ip
from detection.classifiers.base import PermanentCheckError, TransientCheckError
from detection.classifiers.http_moderation import parse_answer
from detection.classifiers.pipeline import DEFAULT_CHECKERS, get_checkers, run_checks
from comments.models import Comment, CommentStatus, DecisionReason
from comments.services import (
    comment_akismet_feedback,
    comment_approve,
    comment_check,
    comment_mark_spam,
    comment_reject,
    comment_sample,
)
from comments.tasks import comment_check as check_task
from newsroom.celery import app as celery_app
from tests.base import BaseTestCase, ensure_editors_group, make_comment, make_editor, seed_article
from tests.conftest import wait_for

THANKS = "Thanks for making the web a better place."


class FakeService:
    """A real HTTP server on 127.0.0.1, in a thread, answering each path as
    told and recording every request it gets."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.answers: dict[str, tuple[int, dict, str, float]] = {}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                fake.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body.decode()}
                )
                status, headers, text, delay = fake.answers.get(
                    self.path, (404, {}, "no such path", 0.0)
                )
                time.sleep(delay)
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    payload = text.encode()
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # The client gave up (a time-out test).

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def answer(self, path, text, *, status=200, headers=None, delay=0.0):
        self.answers[path] = (status, headers or {}, text, delay)

    def reset(self):
        self.requests.clear()
        self.answers.clear()

    def paths(self):
        return [r["path"] for r in self.requests]

    def form(self, index=-1):
        return {k: v[0] for k, v in parse_qs(self.requests[index]["body"]).items()}

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def closed_port_url() -> str:
    """A URL where nothing listens: a real refused connection."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@contextmanager
def eager_tasks():
    """Run tasks in-process as they are sent (Celery's own eager mode)."""
    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = saved


def akismet_settings(url, **extra):
    values = {
        "AKISMET_ENABLED": True,
        "AKISMET_API_URL": url,
        "AKISMET_API_KEY": "test-key",
        "AKISMET_SITE_URL": "https://news.example.com",
        # Generous: a loaded machine must not turn a quick local answer
        # into a time-out. The time-out tests set their own.
        "AKISMET_TIMEOUT": 5,
    }
    values.update(extra)
    return override_settings(**values)


def http_settings(url, **extra):
    values = {
        "MODERATION_HTTP_ENABLED": True,
        "MODERATION_HTTP_URL": url,
        "MODERATION_HTTP_TOKEN": "",
        "MODERATION_HTTP_TIMEOUT": 5,
    }
    values.update(extra)
    return override_settings(**values)


# The rule-based checkers only: the trained model scores every text a
# little, and these tests compare a hosted verdict with exact figures.
RULES_ONLY = [p for p in DEFAULT_CHECKERS if not p.endswith("TrainedModelChecker")]


@override_settings(COMMENT_CHECKERS=RULES_ONLY)
class FakeServiceTestCase(BaseTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fake = FakeService()
        cls.addClassCleanup(cls.fake.stop)

    def setUp(self):
        self.fake.reset()

    def check(self, comment, **kwargs) -> Comment:
        comment_check(comment_id=comment.pk, **kwargs)
        comment.refresh_from_db()
        return comment

    def last_event_reason(self, comment) -> str:
        return comment.events.order_by("-id").first().reason

    def local_result(self, comment):
        """What the local checkers alone say of this comment."""
        with override_settings(AKISMET_ENABLED=False, MODERATION_HTTP_ENABLED=False):
            return run_checks(comment_sample(comment))


class HostedCheckersOffByDefaultTests(FakeServiceTestCase):
    def test_no_hosted_checker_runs_and_nothing_is_called(self):
        self.assertEqual(len(get_checkers()), len(RULES_ONLY))
        self.assertEqual([c for c in get_checkers() if getattr(c, "hosted", False)], [])
        # Pointed at the fake server but switched off: nothing may reach it.
        with override_settings(AKISMET_API_URL=self.fake.url, MODERATION_HTTP_URL=self.fake.url):
            comment = self.check(make_comment(self.article, ip_hash="ab" * 32))
            self.assertEqual(comment.status, CommentStatus.REVIEW)
            with eager_tasks(), self.captureOnCommitCallbacks(execute=True):
                comment_mark_spam(comment=comment, actor=self.editor)
        self.assertEqual(self.fake.requests, [])


class AkismetCheckerTests(FakeServiceTestCase):
    def setUp(self):
        super().setUp()
        overrides = akismet_settings(self.fake.url)
        overrides.enable()
        self.addCleanup(overrides.disable)

    def test_ham_goes_to_review_without_a_raw_ip(self):
        self.fake.answer("/1.1/comment-check", "false")
        ip_hash = "0123456789abcdef" * 4
        comment = self.check(
            make_comment(self.article, ip_hash=ip_hash, user_agent="Firefox/140")
        )
        self.assertEqual((comment.status, comment.spam_score), (CommentStatus.REVIEW, 0.0))
        self.assertEqual(comment.reasons, [])
        self.assertEqual(self.fake.paths(), ["/1.1/comment-check"])
        self.assertEqual(
            self.fake.form(),
            {
                "api_key": "test-key",
                "blog": "https://news.example.com",
                "user_ip": "2001:db8:123:4567:89ab:cdef:123:4567",
                "comment_type": "comment",
                "comment_content": "A fair point about NATO.",
                "comment_author": "Reader",
                "comment_author_email": "reader@example.org",
                "user_agent": "Firefox/140",
            },
        )

    def test_stand_in_ip_is_stable_per_reader_and_in_the_documentation_range(self):
        self.assertEqual(stand_in_ip("ff" * 32), "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff")
        self.assertEqual(stand_in_ip(""), "2001:db8::")
        self.assertNotEqual(stand_in_ip("ab" * 32), stand_in_ip("cd" * 32))

    def test_spam_verdict_scores_08_and_waits_for_an_editor(self):
        self.fake.answer("/1.1/comment-check", "true")
        comment = self.check(make_comment(self.article))
        self.assertEqual((comment.status, comment.spam_score), (CommentStatus.REVIEW, 0.8))
        self.assertEqual(comment.reasons[-1]["message"], "Akismet: spam")
        self.assertEqual(
            self.last_event_reason(comment),
            "Checked: spam 0.80, toxicity 0.00; Akismet: spam",
        )

    def test_discard_verdict_goes_to_spam(self):
        self.fake.answer(
            "/1.1/comment-check", "true", headers={"X-akismet-pro-tip": "discard"}
        )
        comment = self.check(make_comment(self.article))
        self.assertEqual((comment.status, comment.spam_score), (CommentStatus.SPAM, 0.99))
        self.assertEqual(comment.reasons[-1]["message"], "Akismet: blatant spam (discard)")

    def test_unexpected_answer_holds_for_review_with_the_local_scores(self):
        self.fake.answer("/1.1/comment-check", "perhaps")
        comment = self.check(
            make_comment(self.article, body="Source: https://www.localpaper.example/world/")
        )
        local = self.local_result(comment)
        self.assertGreater(local.spam, 0.0)
        self.assertEqual((comment.status, comment.spam_score), (CommentStatus.REVIEW, local.spam))
        self.assertEqual(
            comment.reasons,
            [
                *(r.as_dict() for r in local.reasons),
                {"checker": "akismet", "head": "spam", "spans": [],
                 "message": "Akismet gave an unexpected answer; held for review"},
            ],
        )
        self.assertTrue(
            self.last_event_reason(comment).endswith(
                "; Akismet gave an unexpected answer; held for review"
            )
        )

    def test_rejected_key_holds_for_review(self):
        self.fake.answer("/1.1/comment-check", "invalid")
        comment = self.check(make_comment(self.article))
        self.assertEqual(comment.status, CommentStatus.REVIEW)
        self.assertEqual(
            comment.reasons[-1]["message"],
            "Akismet rejected the API key or site URL; held for review",
        )

    def test_local_spam_still_goes_to_spam_when_akismet_fails(self):
        self.fake.answer("/1.1/comment-check", "Bad request", status=400)
        comment = self.check(make_comment(self.article, body="Click here for free money, buy now"))
        self.assertGreaterEqual(comment.spam_score, 0.9)
        self.assertEqual(comment.spam_score, self.local_result(comment).spam)
        self.assertEqual(comment.status, CommentStatus.SPAM)
        self.assertEqual(
            comment.reasons[-1]["message"],
            "Akismet refused the request (HTTP 400); held for review",
        )

    def test_server_error_hands_the_claim_back_for_a_retry(self):
        self.fake.answer("/1.1/comment-check", "oops", status=500)
        comment = make_comment(self.article)
        with self.assertRaisesMessage(TransientCheckError, "Akismet unavailable (HTTP 500)"):
            comment_check(comment_id=comment.pk)
        comment.refresh_from_db()
        self.assertEqual((comment.status, comment.check_attempts), (CommentStatus.PENDING, 1))

    @override_settings(AKISMET_TIMEOUT=0.3)
    def test_timeout_is_retried_then_held_for_review_on_the_last_try(self):
        self.fake.answer("/1.1/comment-check", "false", delay=3.0)
        comment = make_comment(self.article)
        with self.assertRaisesMessage(TransientCheckError, "Akismet unavailable (timeout after 0.3 s)"):
            comment_check(comment_id=comment.pk)
        # The real task with no retries left: no failure, an editor decides.
        result = check_task.apply(args=[comment.pk], retries=check_task.max_retries)
        self.assertTrue(result.successful())
        comment.refresh_from_db()
        self.assertEqual((comment.status, comment.spam_score), (CommentStatus.REVIEW, 0.0))
        self.assertEqual(
            comment.reasons[-1]["message"],
            "Akismet unavailable (timeout after 0.3 s); held for review",
        )

    def test_connection_refused_on_the_last_try_holds_for_review(self):
        with override_settings(AKISMET_API_URL=closed_port_url()):
            comment = make_comment(self.article)
            with self.assertRaisesMessage(TransientCheckError, "Akismet unavailable (connection failed)"):
                comment_check(comment_id=comment.pk)
            comment = self.check(comment, final_attempt=True)
        self.assertEqual(comment.status, CommentStatus.REVIEW)
        self.assertEqual(
            comment.reasons[-1]["message"],
            "Akismet unavailable (connection failed); held for review",
        )


class AkismetFeedbackTests(FakeServiceTestCase):
    def setUp(self):
        super().setUp()
        overrides = akismet_settings(self.fake.url)
        overrides.enable()
        self.addCleanup(overrides.disable)
        self.fake.answer("/1.1/submit-ham", THANKS)
        self.fake.answer("/1.1/submit-spam", THANKS)

    def decide(self, service, **kwargs):
        with eager_tasks(), self.captureOnCommitCallbacks(execute=True):
            return service(actor=self.editor, **kwargs)

    def test_approving_a_comment_held_as_spam_sends_ham(self):
        comment = make_comment(self.article, status=CommentStatus.SPAM, spam_score=0.95, ip_hash="ab" * 32)
        self.decide(comment_approve, comment=comment)
        self.assertEqual(self.fake.paths(), ["/1.1/submit-ham"])
        form = self.fake.form()
        self.assertEqual(form["user_ip"], stand_in_ip("ab" * 32))
        self.assertEqual(form["comment_content"], "A fair point about NATO.")

    def test_approving_a_flagged_comment_sends_ham(self):
        comment = make_comment(self.article, status=CommentStatus.REVIEW, flagged=True, spam_score=0.0)
        self.decide(comment_approve, comment=comment)
        self.assertEqual(self.fake.paths(), ["/1.1/submit-ham"])

    def test_approving_an_unsuspected_comment_sends_nothing(self):
        comment = make_comment(self.article, status=CommentStatus.REVIEW, spam_score=0.1)
        self.decide(comment_approve, comment=comment)
        self.assertEqual(self.fake.requests, [])

    def test_rejecting_as_spam_and_marking_spam_send_spam(self):
        first = make_comment(self.article, status=CommentStatus.REVIEW)
        second = make_comment(self.article, status=CommentStatus.REVIEW)
        self.decide(comment_reject, comment=first, reason_code=DecisionReason.SPAM)
        self.decide(comment_mark_spam, comment=second)
        self.assertEqual(self.fake.paths(), ["/1.1/submit-spam", "/1.1/submit-spam"])

    def test_approving_after_an_editor_called_it_spam_corrects_akismet(self):
        # Rejected as spam by mistake, then approved: Akismet hears both,
        # in order, so its last word on the comment is the editor's.
        comment = make_comment(self.article, status=CommentStatus.REVIEW, spam_score=0.1)
        self.decide(comment_reject, comment=comment, reason_code=DecisionReason.SPAM)
        comment.refresh_from_db()
        self.decide(comment_approve, comment=comment)
        self.assertEqual(self.fake.paths(), ["/1.1/submit-spam", "/1.1/submit-ham"])

    def test_rejecting_for_another_reason_sends_nothing(self):
        comment = make_comment(self.article, status=CommentStatus.REVIEW)
        self.decide(comment_reject, comment=comment, reason_code=DecisionReason.OFF_TOPIC)
        self.assertEqual(self.fake.requests, [])

    def test_the_checks_routing_to_spam_send_no_feedback(self):
        self.fake.answer("/1.1/comment-check", "true", headers={"X-akismet-pro-tip": "discard"})
        comment = make_comment(self.article)
        with eager_tasks(), self.captureOnCommitCallbacks(execute=True):
            comment = self.check(comment)
        self.assertEqual(comment.status, CommentStatus.SPAM)
        self.assertEqual(self.fake.paths(), ["/1.1/comment-check"])

    def test_akismet_down_makes_the_feedback_retry(self):
        self.fake.answer("/1.1/submit-spam", "oops", status=503)
        comment = make_comment(self.article, status=CommentStatus.REJECTED)
        with self.assertRaisesMessage(TransientCheckError, "Akismet unavailable (HTTP 503)"):
            comment_akismet_feedback(comment_id=comment.pk, kind="spam")

    def test_feedback_for_a_deleted_comment_sends_nothing(self):
        self.assertIs(comment_akismet_feedback(comment_id=0, kind="ham"), False)
        self.assertEqual(self.fake.requests, [])


class HttpModerationCheckerTests(FakeServiceTestCase):
    def setUp(self):
        super().setUp()
        overrides = http_settings(f"{self.fake.url}/moderate", MODERATION_HTTP_TOKEN="s3cret")
        overrides.enable()
        self.addCleanup(overrides.disable)

    def answer(self, data, **kwargs):
        self.fake.answer("/moderate", data if isinstance(data, str) else json.dumps(data), **kwargs)

    def test_sends_the_comment_and_token_and_uses_the_scores(self):
        self.answer({"spam": 0.1, "toxicity": 0.7, "reasons": ["Insults another reader"]})
        comment = self.check(make_comment(self.article))
        request = self.fake.requests[-1]
        self.assertEqual(
            json.loads(request["body"]),
            {
                "text": "A fair point about NATO.",
                "author_name": "Reader",
                "article_id": self.article.pk,
                "comment_id": comment.pk,
            },
        )
        self.assertEqual(request["headers"]["Authorization"], "Bearer s3cret")
        self.assertEqual(
            (comment.status, comment.spam_score, comment.toxicity_score, comment.flagged),
            (CommentStatus.REVIEW, 0.1, 0.7, True),
        )
        self.assertEqual(
            comment.reasons,
            [{"checker": "http_moderation", "head": "toxicity",
              "message": "Moderation service: Insults another reader", "spans": []}],
        )

    def test_high_spam_score_goes_to_spam(self):
        self.answer({"spam": 0.95, "toxicity": 0.0, "reasons": []})
        comment = self.check(make_comment(self.article))
        self.assertEqual(comment.status, CommentStatus.SPAM)
        self.assertEqual(
            comment.reasons[-1]["message"], "Moderation service: spam 0.95, toxicity 0.00"
        )

    def test_malformed_answer_holds_for_review(self):
        self.answer({"spam": "high", "toxicity": 0.1, "reasons": []})
        comment = self.check(make_comment(self.article))
        self.assertEqual(comment.status, CommentStatus.REVIEW)
        self.assertEqual(
            comment.reasons[-1]["message"],
            "Moderation service gave a malformed answer ('spam' must be a number "
            "from 0 to 1, got 'high'); held for review",
        )

    def test_answer_that_is_not_json_holds_for_review(self):
        self.answer("<html>Gateway</html>")
        comment = self.check(make_comment(self.article))
        self.assertEqual(
            comment.reasons[-1]["message"],
            "Moderation service gave a malformed answer (not JSON); held for review",
        )

    def test_client_error_holds_for_review_without_retrying(self):
        self.answer({"error": "bad token"}, status=401)
        comment = self.check(make_comment(self.article))
        self.assertEqual(comment.status, CommentStatus.REVIEW)
        self.assertEqual(
            comment.reasons[-1]["message"],
            "Moderation service refused the request (HTTP 401); held for review",
        )

    def test_server_error_is_retried(self):
        self.answer("down", status=502)
        comment = make_comment(self.article)
        with self.assertRaisesMessage(TransientCheckError, "Moderation service unavailable (HTTP 502)"):
            comment_check(comment_id=comment.pk)
        comment.refresh_from_db()
        self.assertEqual(comment.status, CommentStatus.PENDING)

    @override_settings(MODERATION_HTTP_TIMEOUT=0.3)
    def test_timeout_on_the_last_try_holds_for_review(self):
        self.answer({"spam": 0.0, "toxicity": 0.0}, delay=3.0)
        comment = make_comment(self.article, body="You idiot")
        with self.assertRaisesMessage(
            TransientCheckError, "Moderation service unavailable (timeout after 0.3 s)"
        ):
            comment_check(comment_id=comment.pk)
        comment = self.check(comment, final_attempt=True)
        local = self.local_result(comment)
        self.assertGreaterEqual(local.toxicity, 0.5)
        self.assertEqual(
            (comment.status, comment.toxicity_score, comment.flagged),
            (CommentStatus.REVIEW, local.toxicity, True),
        )
        self.assertEqual(
            comment.reasons[-1]["message"],
            "Moderation service unavailable (timeout after 0.3 s); held for review",
        )

    def test_connection_refused_is_retried(self):
        with http_settings(closed_port_url()):
            comment = make_comment(self.article)
            with self.assertRaisesMessage(
                TransientCheckError, "Moderation service unavailable (connection failed)"
            ):
                comment_check(comment_id=comment.pk)


class ParseAnswerTests(SimpleTestCase):
    def test_valid_answer(self):
        self.assertEqual(
            parse_answer({"spam": 1, "toxicity": 0.25, "reasons": [" Link farm ", ""]}),
            (1.0, 0.25, ["Link farm"]),
        )
        self.assertEqual(parse_answer({"spam": 0, "toxicity": 0}), (0.0, 0.0, []))

    def test_malformed_answers_say_what_is_wrong(self):
        cases = [
            ([0.1, 0.2], "expected a JSON object"),
            ({"toxicity": 0.1}, "'spam' must be a number from 0 to 1, got None"),
            ({"spam": True, "toxicity": 0.1}, "'spam' must be a number from 0 to 1, got True"),
            ({"spam": 0.1, "toxicity": 1.5}, "'toxicity' must be a number from 0 to 1, got 1.5"),
            ({"spam": 0.1, "toxicity": 0.1, "reasons": "spammy"}, "'reasons' must be a list of strings"),
        ]
        for data, detail in cases:
            with self.subTest(data=data):
                with self.assertRaisesMessage(
                    PermanentCheckError, f"Moderation service gave a malformed answer ({detail})"
                ):
                    parse_answer(data)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_worker_checks_with_akismet_and_sends_the_editors_verdict(celery_worker):
    """The whole path on a real worker: post, Akismet says spam, an editor
    approves, and submit-ham reaches the (fake) Akismet."""
    fake = FakeService()
    try:
        fake.answer("/1.1/comment-check", "true")
        fake.answer("/1.1/submit-ham", THANKS)
        article = seed_article()
        ensure_editors_group()
        editor = make_editor("edna", "pw")
        body = "Stoltenberg is right that the threats have been bluffs so far."
        with akismet_settings(fake.url, AKISMET_TIMEOUT=2.0):
            response = Client().post(
                article.get_absolute_url(),
                {"author_name": "Maria", "author_email": "maria@example.org", "body": body},
            )
            assert response.status_code == 302
            comment = Comment.objects.get(body=body)

            def checked():
                return Comment.objects.get(pk=comment.pk).status == CommentStatus.REVIEW

            wait_for(checked)
            comment.refresh_from_db()
            # Akismet's 0.8, combined with the form's own signals (the test
            # client posts no form timestamp).
            assert comment.spam_score >= 0.8
            assert "Akismet: spam" in [r["message"] for r in comment.reasons]

            comment_approve(comment=comment, actor=editor)

            def ham_sent():
                return "/1.1/submit-ham" in fake.paths()

            wait_for(ham_sent)
        assert fake.paths() == ["/1.1/comment-check", "/1.1/submit-ham"]
        assert fake.form()["comment_content"] == body
        assert fake.form()["user_ip"].startswith("2001:db8:")
    finally:
        fake.stop()


class HostedSettingsTests(SimpleTestCase):
    """A half-configured hosted checker stops the process at start-up."""

    def load_settings(self, **env):
        import os
        import runpy
        from unittest import mock

        import newsroom.settings

        # Run the settings file afresh; the live settings stay untouched.
        with mock.patch.dict(os.environ, env):
            return runpy.run_path(newsroom.settings.__file__)

    def test_akismet_on_without_a_key_refuses_to_start(self):
        from django.core.exceptions import ImproperlyConfigured

        with self.assertRaisesMessage(
            ImproperlyConfigured,
            "AKISMET_ENABLED is on but AKISMET_API_KEY or AKISMET_SITE_URL is empty.",
        ):
            self.load_settings(AKISMET_ENABLED="1", AKISMET_API_KEY="", AKISMET_SITE_URL="")

    def test_http_checker_on_without_a_url_refuses_to_start(self):
        from django.core.exceptions import ImproperlyConfigured

        with self.assertRaisesMessage(
            ImproperlyConfigured,
            "MODERATION_HTTP_ENABLED is on but MODERATION_HTTP_URL is not an http(s) URL.",
        ):
            self.load_settings(MODERATION_HTTP_ENABLED="1", MODERATION_HTTP_URL="moderation.local")

    def test_off_by_default(self):
        values = self.load_settings()
        self.assertEqual((values["AKISMET_ENABLED"], values["MODERATION_HTTP_ENABLED"]), (False, False))
