"""The circuit breaker around hosted checkers, against the local fake
server: a service that fails or hangs is called a bounded number of times,
whatever the number of comments, and every comment still gets its local
scores and a reason naming the service."""

import uuid

from django.core.cache import cache
from django.test import override_settings

from comments.models import Comment, CommentStatus
from comments.services import MAX_CHECK_ATTEMPTS, comment_check
from comments.tasks import comment_check as check_task
from detection.classifiers import breaker
from tests.base import make_comment
from tests.conftest import cache_down
from tests.detection.test_hosted_checkers import (
    FakeServiceTestCase,
    akismet_settings,
    eager_tasks,
    http_settings,
)

S = CommentStatus


def distinct_comments(article, n):
    """n comments no checker relates to each other (no near-duplicates, no
    posting rate: one reader each)."""
    return [
        make_comment(article, body=f"{uuid.uuid4().hex} {uuid.uuid4().hex}",
                     author_email=f"reader{i}@example.org")
        for i in range(n)
    ]
SKIPPED_500 = (
    "Akismet not called: it failed 3 times within 60 s (last: Akismet unavailable "
    "(HTTP 500)); tried again after a 60 s cool-down; held for review"
)


@override_settings(HOSTED_BREAKER_FAILURES=3, HOSTED_BREAKER_WINDOW=60, HOSTED_BREAKER_COOLDOWN=60)
class BreakerTests(FakeServiceTestCase):
    def setUp(self):
        super().setUp()
        overrides = akismet_settings(self.fake.url)
        overrides.enable()
        self.addCleanup(overrides.disable)

    def check_all(self, comments):
        """Each comment through the real task, retries included (eager)."""
        with eager_tasks():
            for comment in comments:
                check_task.delay(comment.pk)
        return list(Comment.objects.filter(pk__in=[c.pk for c in comments]).order_by("pk"))

    def assert_held_with_local_scores(self, comments, message):
        for comment in comments:
            local = self.local_result(comment)
            self.assertEqual(comment.status, S.REVIEW)
            self.assertEqual((comment.spam_score, comment.toxicity_score), (local.spam, local.toxicity))
            self.assertEqual(comment.reasons[-1]["message"], message)
            self.assertLessEqual(comment.check_attempts, MAX_CHECK_ATTEMPTS)

    def test_a_failing_service_is_called_three_times_for_twenty_comments(self):
        self.fake.answer("/1.1/comment-check", "oops", status=500)
        comments = self.check_all(distinct_comments(self.article, 20))
        # Without the breaker: 6 tries per comment, 120 calls.
        self.assertEqual(len(self.fake.requests), 3)
        self.assert_held_with_local_scores(comments, SKIPPED_500)
        # The first comment's tries opened it; the rest never waited.
        self.assertEqual([c.check_attempts for c in comments], [4] + [1] * 19)

    @override_settings(AKISMET_TIMEOUT=0.3)  # the fake answers after 1 s
    def test_a_hanging_service_is_called_three_times(self):
        self.fake.answer("/1.1/comment-check", "false", delay=1.0)
        comments = self.check_all(distinct_comments(self.article, 20))
        self.assertEqual(len(self.fake.requests), 3)
        self.assert_held_with_local_scores(
            comments,
            "Akismet not called: it failed 3 times within 60 s (last: Akismet unavailable "
            "(timeout after 0.3 s)); tried again after a 60 s cool-down; held for review",
        )

    def test_garbage_answers_open_it_too(self):
        self.fake.answer("/1.1/comment-check", "perhaps")
        comments = self.check_all(distinct_comments(self.article, 10))
        self.assertEqual(len(self.fake.requests), 3)
        self.assertEqual(comments[0].reasons[-1]["message"],
                         "Akismet gave an unexpected answer; held for review")
        self.assertEqual(comments[-1].reasons[-1]["message"],
                         "Akismet not called: it failed 3 times within 60 s (last: Akismet gave "
                         "an unexpected answer); tried again after a 60 s cool-down; held for review")

    def test_after_the_cool_down_one_probe_closes_it_when_the_service_is_back(self):
        self.fake.answer("/1.1/comment-check", "oops", status=500)
        self.check_all([make_comment(self.article, body="First")])
        self.assertEqual(len(self.fake.requests), 3)
        cache.delete("breaker:akismet:open")  # the cool-down ends
        self.fake.answer("/1.1/comment-check", "false")
        comments = self.check_all(distinct_comments(self.article, 3))
        self.assertEqual(len(self.fake.requests), 6)  # one probe, then every check
        for comment in comments:
            self.assertEqual(comment.status, S.REVIEW)
            self.assertEqual(comment.reasons, [r.as_dict() for r in self.local_result(comment).reasons])

    def test_a_failed_probe_opens_it_again_at_once(self):
        self.fake.answer("/1.1/comment-check", "oops", status=500)
        self.check_all([make_comment(self.article, body="First")])
        cache.delete("breaker:akismet:open")
        self.check_all(distinct_comments(self.article, 5))
        self.assertEqual(len(self.fake.requests), 4)  # 3, then one probe

    def test_the_state_is_shared_through_the_cache(self):
        # Another worker process sees the breaker this one opened.
        self.fake.answer("/1.1/comment-check", "oops", status=500)
        self.check_all([make_comment(self.article, body="First")])
        self.assertEqual(cache.get("breaker:akismet:open"), "Akismet unavailable (HTTP 500)")
        self.assertTrue(breaker.skip_reason("Akismet"))

    def test_without_redis_each_process_keeps_its_own_breaker(self):
        self.fake.answer("/1.1/comment-check", "oops", status=500)
        with cache_down():
            comments = self.check_all(distinct_comments(self.article, 10))
        self.assertEqual(len(self.fake.requests), 3)
        self.assert_held_with_local_scores(comments, SKIPPED_500)

    def test_each_service_has_its_own_breaker(self):
        self.fake.answer("/1.1/comment-check", "oops", status=500)
        self.fake.answer("/moderate", '{"spam": 0.0, "toxicity": 0.0}')
        with http_settings(f"{self.fake.url}/moderate"):
            self.check_all(distinct_comments(self.article, 5))
        paths = self.fake.paths()
        self.assertEqual(paths.count("/1.1/comment-check"), 3)
        # Akismet's failures stopped the first comment's check before the
        # other service was asked, until Akismet was skipped.
        self.assertEqual(paths.count("/moderate"), 5)


class CheckAttemptsCapTests(FakeServiceTestCase):
    def test_the_last_allowed_claim_is_final_and_no_claim_goes_past_the_cap(self):
        with akismet_settings(self.fake.url), override_settings(HOSTED_BREAKER_FAILURES=1000):
            self.fake.answer("/1.1/comment-check", "oops", status=500)
            comment = make_comment(self.article, check_attempts=MAX_CHECK_ATTEMPTS - 1)
            # A message the sweep sent: the task thinks it has retries left.
            comment = self.check(comment)
            self.assertEqual((comment.status, comment.check_attempts), (S.REVIEW, MAX_CHECK_ATTEMPTS))
            self.assertEqual(comment.reasons[-1]["message"],
                             "Akismet unavailable (HTTP 500); held for review")
            spent = make_comment(self.article, body="Spent", check_attempts=MAX_CHECK_ATTEMPTS)
            self.assertIsNone(comment_check(comment_id=spent.pk))
            spent.refresh_from_db()
            self.assertEqual((spent.status, spent.check_attempts), (S.PENDING, MAX_CHECK_ATTEMPTS))
