"""Editor-managed lists and the rule-based spam signals (issue #3)."""

import time

from django.test import TestCase, override_settings

from articles.models import Article
from detection.classifiers.base import CheckResult, CommentSample
from detection.classifiers.duplicate import MAX_DISTANCE as DUPLICATE_MAX_BITS
from detection.classifiers.duplicate import DuplicateChecker
from detection.classifiers.formsignals import FormSignalsChecker
from detection.classifiers.links import LinkChecker
from detection.classifiers.lures import LureChecker
from detection.classifiers.rate import RateChecker
from detection.classifiers.terms import TermChecker, lists_changed
from detection.classifiers.text import hamming, simhash
from detection.models import DomainRule, Term
from tests.base import BaseTestCase, make_comment


def sample(text, **kw):
    return CommentSample(body=text, **kw)


class ListsTestCase(TestCase):
    """Lists are compiled per process; tell the checkers when they change."""

    def setUp(self):
        lists_changed()
        self.addCleanup(lists_changed)


class DomainRuleTests(ListsTestCase):
    def test_blocked_domain_and_its_subdomains_are_spam(self):
        DomainRule.objects.create(domain="cheap-pills.example", action="block")
        lists_changed()
        result = LinkChecker().check(sample("see https://shop.cheap-pills.example/buy"))
        self.assertEqual(result.spam, 0.95)
        self.assertEqual(result.reasons[0].message, "Link to a blocked domain")
        self.assertEqual(result.reasons[0].spans, ("shop.cheap-pills.example",))

    def test_allowed_domain_does_not_count(self):
        DomainRule.objects.create(domain="localpaper.example", action="allow")
        lists_changed()
        self.assertEqual(LinkChecker().check(sample("Source: https://www.localpaper.example/world/x")), CheckResult())
        self.assertEqual(LinkChecker().check(sample("https://localpaper.example.evil.example/")).spam, 0.3)

    def test_malformed_links_are_read_not_crashed_on(self):
        DomainRule.objects.create(domain="casino-bonus.example", action="block")
        lists_changed()
        result = LinkChecker().check(sample("[url=http://casino-bonus.example]best casino[/url] http://[oops"))
        self.assertEqual(result.spam, 0.95)
        self.assertIn(("casino-bonus.example",), [r.spans for r in result.reasons])

    def test_citing_a_well_known_source_is_not_spam(self):
        # Seeded allow rules (migration 0046): the spam sets taught the model
        # that any link is spam, and readers cite their sources.
        from detection.classifiers.pipeline import run_checks

        self.assertTrue(DomainRule.objects.filter(domain="apnews.com", action="allow").exists())
        for body in (
            "AP reported the same figures: https://apnews.com/article/election-results-2026",
            "ONS data on this: https://www.ons.gov.uk/peoplepopulationandcommunity/populationandmigration",
            "WHO data on measles cases: https://www.who.int/news-room/fact-sheets/detail/measles",
        ):
            with self.subTest(body=body):
                result = run_checks(sample(body), history=False)
                self.assertLess(result.spam, 0.3)
                self.assertFalse([r for r in result.reasons if r.head == "spam"])
        # An unknown domain still counts, and an editor can block a seeded one.
        self.assertGreaterEqual(LinkChecker().check(sample("see https://pills.example/buy")).spam, 0.3)
        DomainRule.objects.filter(domain="apnews.com").update(action="block")
        lists_changed()
        self.assertEqual(LinkChecker().check(sample("https://apnews.com/x")).spam, 0.95)


class EditorTermTests(ListsTestCase):
    def test_editor_terms_match_after_normalisation(self):
        Term.objects.create(text="Putinbot", head="toxicity", weight=0.7)
        Term.objects.create(text="miracle cure", head="spam", weight=0.8)
        lists_changed()
        result = TermChecker().check(sample("You PUT1NB0T, try this m i r a c l e cure"))
        self.assertEqual((result.spam, result.toxicity), (0.8, 0.7))

    def test_inactive_terms_are_ignored(self):
        Term.objects.create(text="zzword", head="toxicity", is_active=False)
        lists_changed()
        self.assertEqual(TermChecker().check(sample("zzword")), CheckResult())

    def test_thousands_of_terms_cost_per_word_not_per_term(self):
        from detection.classifiers import terms
        from detection.classifiers.text import words

        Term.objects.bulk_create(
            [Term(text=f"badterm{i} phrase", head="toxicity", weight=0.5) for i in range(5000)]
        )
        lists_changed()
        checker = TermChecker()
        with self.assertNumQueries(1):  # the lists, compiled once per process
            checker.check(sample("warm up"))
        body = "with badterm4999 phrase and badterm0 phrase, not badterm5000 phrase or a lone badterm12"
        with self.assertNumQueries(0):
            result = checker.check(sample(body))
        self.assertEqual(result.reasons[0].spans, ("badterm0 phrase", "badterm4999 phrase"))
        self.assertEqual(result.toxicity, 0.75)  # two terms of 0.5, combined

        class CountingTable(dict):
            """A term table that counts the entries a match reads."""

            reads = 0

            def get(self, key, default=None):
                CountingTable.reads += 1
                return super().get(key, default)

            def __getitem__(self, key):
                CountingTable.reads += 1
                return super().__getitem__(key)

            def __contains__(self, key):
                CountingTable.reads += 1
                return super().__contains__(key)

            def __iter__(self):
                CountingTable.reads += len(self)
                return super().__iter__()

            def items(self):
                CountingTable.reads += len(self)
                return super().items()

        compiled = terms.compile_terms()
        counted = terms.CompiledTerms({head: CountingTable(table) for head, table in compiled.terms.items()})
        tokens = words(body)
        CountingTable.reads = 0  # compiling read them all, once
        self.assertEqual(counted.match(tokens)["toxicity"], {"badterm0 phrase": 0.5, "badterm4999 phrase": 0.5})
        # One look-up per word n-gram and list, whatever the 5,000 terms.
        self.assertLessEqual(CountingTable.reads, len(tokens) * compiled.max_words * len(compiled.terms))
        self.assertLess(CountingTable.reads, 200)


class LureTests(TestCase):
    def test_phone_numbers(self):
        result = LureChecker().check(sample("Call +44 20 7946 0958 for details"))
        self.assertEqual(result.spam, 0.5)
        self.assertEqual(result.reasons[0].spans, ("+44 20 7946 0958",))

    def test_years_and_figures_are_not_phones(self):
        for text in ("From 2022-2024 the war cost 100,000 lives", "F-16 jets, 300 km range"):
            with self.subTest(text=text):
                self.assertEqual(LureChecker().check(sample(text)), CheckResult())

    def test_cited_identifiers_are_not_phones(self):
        # Issue #12: a book's ISBN and a statistics table sent civil comments
        # towards the spam folder as "phone numbers".
        for text in ("The Age of Extremes (Vintage, 1996, ISBN 978-0-679-73005-8)",
                     "Statistics Canada table 14-10-0287-01 shows it",
                     "see 978-0-14-303943-3 on page 12", "Bill No. 2023-118-4471 passed"):
            with self.subTest(text=text):
                self.assertEqual(LureChecker().check(sample(text)), CheckResult())
        self.assertEqual(LureChecker().check(sample("Ring 020 7946 0958 to book a table for two")).spam, 0.5)

    def test_money_and_crypto_lures_with_contact(self):
        result = LureChecker().check(
            sample("I earn $500 a day with bitcoin trading, WhatsApp +1 202 555 0143")
        )
        self.assertEqual(result.spam, 0.85)
        messages = [r.message for r in result.reasons]
        self.assertEqual(messages, ["Phone number", "Money or crypto lure", "Asks to be contacted off-site"])

    def test_civil_money_talk_is_not_a_lure(self):
        text = "The $61 billion aid package passed after months of delay."
        self.assertEqual(LureChecker().check(sample(text)), CheckResult())


class NearDuplicateTests(BaseTestCase):
    def test_simhash_is_close_for_near_copies(self):
        """Within the 3 bits the duplicate check allows (docs/detection.md):
        the same text in other case, punctuation or spacing, or with its
        first word changed. An unrelated comment is far from it."""
        text = (
            "Amazing offer for every reader of this newspaper, visit my profile today for the "
            "secret method that made me five thousand dollars in one week from home"
        )
        copies = [
            text.upper(),
            text.replace(",", " -") + "!!!",
            "  ".join(text.split()),
            text.replace("Amazing", "Incredible"),
        ]
        self.assertEqual(DUPLICATE_MAX_BITS, 3)
        for copy in copies:
            with self.subTest(copy=copy):
                self.assertLessEqual(hamming(simhash(text), simhash(copy)), 3)
        unrelated = simhash("The Kremlin has warned against strikes deep inside Russian territory")
        self.assertGreater(hamming(simhash(text), unrelated), 20)

    def test_near_copy_on_another_article(self):
        other = Article.objects.create(slug="other", headline="Other", body="x", is_published=True)
        make_comment(self.article, body="Amazing offer for every reader, visit my profile for the secret method")
        make_comment(other, body="Amazing offer for every reader, visit my profile for the secret method!!")
        result = DuplicateChecker().check(
            sample("Amazing offer for every reader - visit my profile for the secret method")
        )
        self.assertEqual(result.spam, 0.95)
        self.assertIn("on 2 articles", result.reasons[0].message)

    def test_short_replies_are_not_duplicates(self):
        make_comment(self.article, body="Agreed, well said.")
        self.assertEqual(DuplicateChecker().check(sample("Agreed, well said.")), CheckResult())


@override_settings(COMMENT_RATE_LIMIT=2, COMMENT_RATE_WINDOW_MINUTES=10)
class RateTests(BaseTestCase):
    def test_many_comments_from_one_email(self):
        for i in range(2):
            make_comment(self.article, body=f"c{i}", author_email="fast@example.org")
        self.assertEqual(RateChecker().check(sample("x", author_email="fast@example.org")).spam, 0.5)
        for i in range(2):
            make_comment(self.article, body=f"d{i}", author_email="FAST@example.org")
        result = RateChecker().check(sample("x", author_email="fast@example.org"))
        self.assertEqual(result.spam, 0.9)
        self.assertEqual(result.reasons[0].message, "5 comments from this e-mail address in 10 minutes")

    def test_per_ip_hash(self):
        for i in range(3):
            make_comment(self.article, body=f"c{i}", ip_hash="abc")
        result = RateChecker().check(sample("x", ip_hash="abc", author_email="new@example.org"))
        self.assertEqual(result.reasons[0].message, "4 comments from this IP address in 10 minutes")


class FormSignalsTests(TestCase):
    def test_honeypot(self):
        result = FormSignalsChecker().check(sample("hi", signals={"honeypot": True}))
        self.assertEqual(result.spam, 0.99)

    def test_too_fast(self):
        result = FormSignalsChecker().check(sample("hi", signals={"seconds_to_submit": 0.8}))
        self.assertEqual(result.spam, 0.6)
        self.assertEqual(result.reasons[0].message, "Submitted 0.8 s after the form was shown")

    def test_human_pace_and_api(self):
        self.assertEqual(FormSignalsChecker().check(sample("hi", signals={"seconds_to_submit": 40})), CheckResult())
        self.assertEqual(FormSignalsChecker().check(sample("hi")), CheckResult())


class EditorListPermissionTests(BaseTestCase):
    def test_editors_manage_terms_and_domain_rules_in_the_admin(self):
        self.client.force_login(self.editor)
        response = self.client.post(
            "/admin/detection/term/add/", {"text": "Putinbot", "head": "toxicity", "weight": "0.7", "is_active": "on"}
        )
        self.assertEqual(response.status_code, 302)
        self.assertTrue(Term.objects.filter(text="Putinbot").exists())
        self.assertEqual(self.client.get("/admin/detection/domainrule/").status_code, 200)
        # The change reaches the checker at once.
        self.assertEqual(TermChecker().check(sample("what a putinbot")).toxicity, 0.7)

    def test_weight_outside_0_1_is_refused(self):
        self.client.force_login(self.editor)
        response = self.client.post(
            "/admin/detection/term/add/", {"text": "x", "head": "spam", "weight": "1.5", "is_active": "on"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertFalse(Term.objects.exists())


class AllowedLinksAndTheModelTests(ListsTestCase):
    def test_links_to_allowed_domains_do_not_count_for_the_model_either(self):
        from detection.classifiers.pipeline import run_checks

        text = "This is covered in detail at https://www.kyivpost.com/post/12345"
        before = run_checks(sample(text), history=False)
        DomainRule.objects.create(domain="kyivpost.com", action="allow")
        lists_changed()
        after = run_checks(sample(text), history=False)
        self.assertGreater(before.spam, 0.5)
        self.assertIn("model", [r.checker for r in before.reasons])
        self.assertLess(after.spam, 0.2)
        # An unknown domain still counts: it lifts the comment to review
        # (issue #12: a link alone never sends a comment to the spam folder).
        self.assertGreaterEqual(run_checks(sample("Cheap meds at https://pills.example.com"), history=False).spam, 0.5)


# Held-out sentences written for these tests (not in any training file): the
# kinds of civil news comment that issue #12 found in the spam folder – a
# figure and a link to a paper the allow-list does not know, a book with its
# ISBN, a reply linking a video, a long comment full of figures – and others
# like them.
CIVIL_WITH_LINKS_AND_FIGURES = [
    "The budget surplus of $1.9-billion was reported by the Finance Department, see "
    "https://www.theglobeandmail.com/news/",
    "As Hobsbawm puts it in The Age of Extremes (Vintage, 1996, ISBN 978-0-679-73005-8), the short "
    "twentieth century ended in 1991.",
    "@Margaret you should watch this interview before judging him: https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    "The federal debt was $1.17 trillion in March 2023, up from $721 billion in 2019, and interest costs "
    "alone will reach $46.5 billion in 2024-25 according to the PBO. That is more than Ottawa spends on "
    "child care, and every 1% rise in rates adds roughly $6 billion a year. The deficit of $40 billion "
    "is not a rounding error, whatever the minister said on 14 November.",
    "Council minutes from 12 June are here: https://www.halifax.ca/city-hall/agendas-meetings-reports "
    "(item 15.1.3, page 42). The $3.4M overrun was approved 9-7.",
    "https://www.thetyee.ca/News/2024/05/02/Housing-Starts-Data/",
    "Read the decision yourself, 2023 SCC 17, paragraphs 88 to 104: https://scc-csc.lexum.com/scc-csc/en/item/19985/index.do",
    "Statistics Canada table 14-10-0287-01 shows unemployment at 6.4% in April, 6.1% a year earlier.",
]
SPAM_WITH_LINKS = [
    "Great article! I make $85 an hour working from home, check www.easycash-now.com",
    "Click here to claim your free iPhone 16: bit.ly/free-iphone-claim",
    "I earn 9000 dollars a month online with my laptop, ask me how on WhatsApp +1 555 012 3456",
]


class SpamFolderEvidenceTests(ListsTestCase):
    """Issue #12: the spam folder takes near-certain spam only."""

    def test_civil_comments_with_links_and_figures_stay_out_of_the_spam_folder(self):
        from detection.classifiers.pipeline import run_checks

        for text in CIVIL_WITH_LINKS_AND_FIGURES:
            with self.subTest(text=text[:60]):
                self.assertLess(run_checks(sample(text), history=False).spam, 0.9)

    def test_spam_with_links_still_goes_to_the_spam_folder(self):
        from detection.classifiers.pipeline import run_checks

        for text in SPAM_WITH_LINKS:
            with self.subTest(text=text[:60]):
                self.assertGreaterEqual(run_checks(sample(text), history=False).spam, 0.9)

    def test_the_models_link_evidence_is_circumstantial(self):
        from detection.classifiers.model import TrainedModelChecker

        bare = TrainedModelChecker().check(sample("https://www.unknown-paper.example/2024/05/housing-data"))
        specific = bare.spam if bare.spam_specific is None else bare.spam_specific
        self.assertLess(specific, 0.5)
        lure = TrainedModelChecker().check(sample(SPAM_WITH_LINKS[0]))
        self.assertGreaterEqual(lure.spam if lure.spam_specific is None else lure.spam_specific, 0.9)


# Written for this test (not in holdout.csv or examples.csv): threats in the
# forms the hold-out's kinds cover – promised harm, veiled threats, wishes of
# violence, incitement to self-harm – mostly without the rule's phrasings.
HELD_OUT_THREATS = [
    "Keep writing lies like this and you'll find out what happens to reporters who cross us.",
    "Someone is going to put a bullet through that editor's skull one of these days, and I won't shed a tear.",
    "Your address isn't hard to find, mate. See you soon.",
    "If I ever run into you at the station I will break every bone in your face.",
    "People like the councillor deserve a rope and a tall tree.",
    "I'm coming for you and your family, journalist.",
    "Next time you show your face in town you're getting your head kicked in.",
    "Publish one more article like this and your office will burn.",
    "Do the world a favour and throw yourself off a roof.",
    "I'd love to wrap my hands around that minister's throat and squeeze.",
    "Enjoy your last week, the boys know which car is yours.",
    "Traitors like you get shot, and you will be.",
]
# Violent words in news context, sport, film and idiom: not threats.
CIVIL_WITH_VIOLENT_WORDS = [
    "The missile strike killed 12 people in the market, officials said.",
    "They will shoot the film in Belfast next spring.",
    "Honestly, a killer app for local councils would be an online planning map.",
    "Police shot the suspect after he stabbed two officers, the inquest heard.",
    "Our striker killed it in the second half; we'll destroy them in the return leg.",
    "The court jailed a man who threatened to kill the mayor.",
    "Drone attacks hit the power grid again overnight, leaving thousands without heat.",
    "This budget will murder small businesses on the high street.",
    "The execution of the prisoner in Texas was delayed again by the appeal.",
    "Troops were ordered to fire on the convoy, the report says, and two soldiers died.",
]


class ThreatFlagTests(ListsTestCase):
    """Issue #12 follow-up: a threat must reach the flag band (toxicity >= 0.5)."""

    def test_held_out_threats_are_flagged(self):
        """At least 7 of these 12 reach the flag band (the 2026.11.28.0857
        detectors flagged 2). A recall floor, not every sentence: the threat
        member is a bag of n-grams, and veiled threats in plain words ("I'm
        coming for you and your family") still score below 0.5 (model card)."""
        from detection.classifiers.pipeline import run_checks

        scores = {text: run_checks(sample(text), history=False).toxicity for text in HELD_OUT_THREATS}
        missed = [f"{score:.2f} {text}" for text, score in scores.items() if score < 0.5]
        self.assertLessEqual(len(missed), 5, "\n".join(missed))

    def test_violent_words_in_news_context_are_not_flagged(self):
        from detection.classifiers.pipeline import run_checks

        for text in CIVIL_WITH_VIOLENT_WORDS:
            with self.subTest(text=text[:60]):
                self.assertLess(run_checks(sample(text), history=False).toxicity, 0.5)
