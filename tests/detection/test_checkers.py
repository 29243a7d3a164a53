from django.test import SimpleTestCase, TestCase, override_settings

from detection.classifiers.base import CheckResult, CommentSample, Reason, TransientCheckError
from detection.classifiers.duplicate import DuplicateChecker
from detection.classifiers.links import LinkChecker
from detection.classifiers.pipeline import combine, run_checks
from detection.classifiers.shouting import ShoutingChecker
from detection.classifiers.terms import TermChecker
from detection.classifiers.text import fingerprint, normalise
from detection.classifiers.threats import ThreatChecker
from comments.models import CommentStatus
from comments.services import comment_check
from tests.base import BaseTestCase, make_comment


def sample(text):
    return CommentSample(body=text)


class TextTests(SimpleTestCase):
    def test_normalise_undoes_leetspeak_and_lookalikes(self):
        self.assertEqual(normalise("Y0u  \u0456D1OT"), "you idiot")  # Cyrillic і

    def test_fingerprint_ignores_case_spacing_and_punctuation(self):
        self.assertEqual(fingerprint("Buy NOW!!  cheap"), fingerprint("buy now cheap"))


class LinkCheckerTests(TestCase):
    def test_no_links_no_score(self):
        self.assertEqual(LinkChecker().check(sample("NATO's deterrent is credible.")), CheckResult())

    def test_counts_links_and_bare_domains(self):
        one = LinkChecker().check(sample("Source: https://www.localpaper.example/world/"))
        self.assertEqual(one.spam, 0.3)
        self.assertEqual(one.reasons[0].message, "1 link")
        three = LinkChecker().check(sample("http://a.example.com www.b.example.org c-site.ru"))
        self.assertEqual(three.spam, 0.85)
        self.assertIn("c-site.ru", three.reasons[0].spans)

    def test_links_to_unknown_domains_are_circumstantial(self):
        # News comments cite sources: a plain link is no spam-specific evidence.
        result = LinkChecker().check(sample("http://a.example.com www.b.example.org c-site.ru"))
        self.assertEqual((result.spam, result.spam_specific), (0.85, 0.0))

    def test_link_shorteners_are_spam_evidence(self):
        result = LinkChecker().check(sample("Claim it here: https://bit.ly/3xYz12 before Friday"))
        self.assertEqual((result.spam, result.spam_specific), (0.6, 0.6))
        self.assertIn("Link shortener hides where the link goes", [r.message for r in result.reasons])
        self.assertEqual(LinkChecker().check(sample("https://www.bitly.example.org/x")).spam_specific, 0.0)

    def test_obfuscated_links(self):
        for text in ("visit cheapmeds dot com today", "go to cheapmeds [dot] com", "hxxp://evil"):
            with self.subTest(text=text):
                result = LinkChecker().check(sample(text))
                self.assertEqual(result.spam, 0.75)
                self.assertEqual(result.reasons[-1].message, "Disguised link")


class ShoutingCheckerTests(SimpleTestCase):
    def test_shouting(self):
        result = ShoutingChecker().check(sample("THIS IS AN OUTRAGE AND EVERYONE KNOWS IT"))
        self.assertEqual((result.spam, result.toxicity), (0.2, 0.3))
        self.assertEqual(result.reasons[0].message, "Shouting: 100% capitals")

    def test_short_capitals_are_not_shouting(self):
        self.assertEqual(ShoutingChecker().check(sample("NATO and the UN")), CheckResult())

    def test_repeated_characters(self):
        result = ShoutingChecker().check(sample("soooooo wrong!!!!!!"))
        self.assertEqual(result.reasons[0].spans, ("oooooo", "!!!!!!"))


class ThreatCheckerTests(SimpleTestCase):
    def test_threats_hold_with_the_words_that_matched(self):
        cases = {
            "I know where you live, Councillor.": ("I", "know", "where", "you", "live"),
            "Hope you get hit by a bus tomorrow.": ("Hope", "you", "get", "hit", "by", "a", "bus"),
            "Someone should pay him a visit.": ("Someone", "should", "pay", "him", "a", "visit"),
            "ill cut ur throat u little rat": ("ill", "cut", "ur"),
            "I'll k1ll y0u": ("I'll", "k1ll", "y0u"),
            "The columnist should be hunted down and shot.": ("should", "be", "hunted", "down", "and", "shot"),
            "Go hang yourself.": ("hang", "yourself"),
            "kys": ("kys",),
        }
        for body, words in cases.items():
            with self.subTest(body=body):
                result = ThreatChecker().check(sample(body))
                self.assertEqual(result.toxicity, 0.9)
                self.assertEqual(result.spam, 0.0)
                self.assertEqual(result.reasons[0].head, "toxicity")
                self.assertEqual(result.reasons[0].spans, words)

    def test_sport_idiom_and_crime_reporting_are_not_threats(self):
        for body in (
            "We'll kill them on Saturday if the midfield turns up.",
            "That joke killed me.",
            "The gunman shot three people before police arrived.",
            "Calls for the death penalty grew after the verdict.",
            "I hope the victims' families find some peace.",
            "Ministers should be held to account for this shambles.",
            "You should be ashamed of this article.",
        ):
            with self.subTest(body=body):
                self.assertEqual(ThreatChecker().check(sample(body)), CheckResult())


class TermCheckerTests(TestCase):
    def test_matches_after_normalisation(self):
        result = TermChecker().check(sample("You 1d10t, shut up"))
        self.assertEqual(result.toxicity, 0.84)  # 1 - (1 - 0.6)^2
        self.assertEqual(result.reasons[0].spans, ("idiot", "shut up"))

    def test_no_partial_word_matches(self):
        # "Scunthorpe" and "class" must not match short terms inside words.
        self.assertEqual(TermChecker().check(sample("Scunthorpe United won the class final")), CheckResult())

    def test_spam_phrases(self):
        result = TermChecker().check(sample("Click here for free money, buy now"))
        self.assertEqual(result.spam, 0.936)
        self.assertEqual(result.reasons[0].spans, ("buy now", "click here", "free money"))

    def test_spaced_out_letters(self):
        result = TermChecker().check(sample("what an i d i o t"))
        self.assertEqual(result.reasons[0].spans, ("idiot",))

    def test_numbers_and_exclamations_are_not_leetspeak(self):
        # "2024!!!" must not turn into letters; "now!" stays "now".
        self.assertEqual(TermChecker().check(sample("In 2024!!! we saw it, now!")), CheckResult())


class CombineTests(SimpleTestCase):
    def test_noisy_or(self):
        r = Reason("x", "spam", "m")
        combined = combine([CheckResult(spam=0.5, reasons=(r,)), CheckResult(spam=0.5, toxicity=0.2)])
        self.assertEqual((combined.spam, combined.toxicity), (0.75, 0.2))
        self.assertEqual(combined.reasons, (r,))

    def test_circumstantial_spam_evidence_never_reaches_the_spam_band(self):
        links = CheckResult(spam=0.85, spam_specific=0.0)
        model = CheckResult(spam=0.7)
        # 1 - 0.15 * 0.3 = 0.955 as a plain noisy-OR; capped below 0.9
        self.assertEqual(combine([links, model]).spam, 0.85)
        self.assertEqual(combine([links]).spam, 0.85)
        # spam-specific evidence alone still gets there, links or not
        self.assertEqual(combine([links, CheckResult(spam=0.95)]).spam, 0.95)
        self.assertEqual(combine([CheckResult(spam=0.6), CheckResult(spam=0.8)]).spam, 0.92)


class DuplicateCheckerTests(BaseTestCase):
    def test_copy_of_recent_comment(self):
        make_comment(self.article, body="Everyone should read this amazing offer now")
        result = DuplicateChecker().check(CommentSample(body="EVERYONE should read this amazing offer, now!"))
        self.assertEqual(result.spam, 0.6)
        self.assertIn("Same or nearly the same text as 1 recent comment(s)", result.reasons[0].message)

    def test_history_off_skips_it(self):
        make_comment(self.article, body="Everyone should read this amazing offer now")
        with_history = run_checks(CommentSample(body="Everyone should read this amazing offer now"))
        without = run_checks(CommentSample(body="Everyone should read this amazing offer now"), history=False)
        self.assertIn("duplicate", [r.checker for r in with_history.reasons])
        self.assertNotIn("duplicate", [r.checker for r in without.reasons])


class FlakyChecker:
    name = "flaky"

    def check(self, sample):
        raise TransientCheckError("service timed out")


@override_settings(COMMENT_CHECKERS=["tests.detection.test_checkers.FlakyChecker"])
class TransientErrorTests(BaseTestCase):
    def test_transient_error_hands_the_claim_back(self):
        comment = make_comment(self.article)
        with self.assertRaises(TransientCheckError):
            comment_check(comment_id=comment.pk)
        comment.refresh_from_db()
        self.assertEqual(comment.status, CommentStatus.PENDING)
        self.assertEqual(comment.check_attempts, 1)

    def test_task_failure_holds_for_editor(self):
        from comments.tasks import comment_check as task

        comment = make_comment(self.article)
        # Run the real task body eagerly with no retries left: on_failure
        # must hand the comment to an editor.
        result = task.apply(args=[comment.pk], retries=task.max_retries)
        self.assertTrue(result.failed())
        comment.refresh_from_db()
        self.assertEqual(comment.status, CommentStatus.REVIEW)
        self.assertIn("Automatic checks failed (TransientCheckError)", comment.reasons[-1]["message"])
