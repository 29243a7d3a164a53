"""Loading the labelled data the detectors are trained and measured on.

The datasets directory (``../shared/datasets`` next to the repository by
default) is only read by the training command and the benchmark; the project
never reads it at run time or in tests. Every CSV there has ``text`` and
``label`` columns (1 = unwanted). See each dataset's README for its licence.

Which files may be trained on is decided here, once:

* ``davidson_hate_offensive/train.csv`` (MIT) -> toxicity
* ``youtube_spam_collection/train.csv`` (UCI, cite) -> spam
* ``sms_spam_collection/train.csv`` ("free for all purposes") -> spam
* ``detection/training/data/examples.csv`` (written for this project) -> both

Never trained on: any ``test.csv``; ``kaggle_insults_impermium`` (no licence:
measuring only); ``wiki_talk_cat_large`` (test only).
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
# The train splits whose licences allow it ship with the project (see the
# README there), so training works with only the repository at hand.
DEFAULT_DATASETS_DIR = Path(__file__).resolve().parent / "data" / "public"
EXAMPLES_CSV = Path(__file__).resolve().parent / "data" / "examples.csv"
# Hand-written news comments in the same format, kept out of training: a
# news-domain test set the benchmark reports beside the public ones.
HOLDOUT_CSV = Path(__file__).resolve().parent / "data" / "holdout.csv"

HEADS = ("spam", "toxicity")

# (dataset dir, head) pairs that may be trained on, with their licence.
TRAINABLE = (
    ("davidson_hate_offensive", "toxicity", "MIT"),
    ("youtube_spam_collection", "spam", "UCI YouTube Spam Collection (CC BY 4.0 per UCI; cite Alberto et al. 2015)"),
    ("sms_spam_collection", "spam", "SMS Spam Collection v1 ('free for all purposes'; cite Almeida et al. 2011)"),
)
# Test splits the benchmark measures, per head. Never trained on.
TEST_SETS = {
    "toxicity": (
        "civil_comments_autolabel_subset", "fox_news_comments", "wiki_talk_labels_toxicity_idterm_subset",
        "kaggle_insults_impermium", "davidson_hate_offensive", "wiki_talk_cat_large",
    ),
    "spam": ("youtube_spam_collection", "sms_spam_collection"),
}
NEVER_TRAIN = ("kaggle_insults_impermium", "wiki_talk_cat_large")

# News-domain sets (reader comments; Wikipedia talk for the idterm subset),
# trained on when their folder is present: (dataset dir, licence).
# * toxicity: their labels; the toxic-spans set is positives only, and only
#   its posts that most span annotators did not call "not toxic"
#   (``frac_not_toxic`` < 0.5) are used;
# * spam: their civil rows are legitimate comments (ham). Links, figures,
#   dates and citations are normal in them, which SMS and YouTube ham lack.
NEWS_TRAINABLE = (
    ("civil_comments_autolabel_subset", "CC0 (Civil Comments; refuel-ai/autolabel subset, MIT repo)"),
    ("civil_comments_toxic_spans", "CC0 (Civil Comments toxic spans, Pavlopoulos et al. 2021/2022)"),
    ("fox_news_comments", "MIT (Gao & Huang, RANLP 2017)"),
    ("wiki_talk_labels_toxicity_idterm_subset", "CC BY 4.0 labels (Dixon et al. 2018), text CC BY-SA 3.0 (Wikipedia)"),
)
# Positives-only set: a post counts as toxic when fewer than half of its
# span annotators ticked "not toxic".
TOXIC_SPANS = "civil_comments_toxic_spans"
TOXIC_SPANS_MAX_NOT_TOXIC = 0.5
# Sets whose labels train the toxicity head. Fox News is measured only: its
# label is hate speech, and plain rudeness is labelled 0 there.
NEWS_TOXICITY = ("civil_comments_autolabel_subset", "civil_comments_toxic_spans", "wiki_talk_labels_toxicity_idterm_subset")
# Sets whose civil rows are spam negatives.
NEWS_HAM = ("civil_comments_autolabel_subset", "fox_news_comments", "wiki_talk_labels_toxicity_idterm_subset")


@dataclass(frozen=True)
class Example:
    text: str
    label: int
    source: str  # e.g. "davidson_hate_offensive/train.csv"
    extra: dict | None = None


csv.field_size_limit(10_000_000)


def read_csv(path: Path, source: str | None = None) -> list[Example]:
    rows = []
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            text = row.pop("text")
            label = int(row.pop("label"))
            rows.append(Example(text=text, label=label, source=source or str(path), extra=row))
    return rows


def load_split(datasets_dir: Path | str, name: str, split: str) -> list[Example]:
    path = Path(datasets_dir) / name / f"{split}.csv"
    if split == "train" and name in NEVER_TRAIN:
        raise ValueError(f"{name} may not be trained on (see its README)")
    return read_csv(path, source=f"{name}/{split}.csv")


def load_examples(path: Path | str = EXAMPLES_CSV, source: str = "examples.csv") -> dict[str, list[Example]]:
    """The project's own labelled comments: ``text,label,head`` rows.

    ``kind`` (optional column) says what makes a row unwanted or not:
    ``insult`` (aimed at a participant: the reader, another commenter),
    ``threat``, ``hate`` (slurs, dehumanising a group), ``profanity``
    (vulgar, or abuse of people outside the conversation), ``spam`` or
    ``civil``. The toxicity head uses it to rank insults, threats and hate
    above mere profanity (see ``train.py``).

    ``head`` is ``spam``, ``toxicity`` or ``both`` (``both`` is only used
    with label 0: a civil, on-topic comment is a negative for both heads).
    The two heads are treated as exclusive for the project's own rows: a
    toxic example (head ``toxicity``, label 1) is also a spam negative, and
    a spam example (head ``spam``, label 1) is also a toxicity negative.
    """
    out: dict[str, list[Example]] = {h: [] for h in HEADS}
    with open(path, newline="", encoding="utf-8") as fh:
        for line_no, row in enumerate(csv.DictReader(fh), start=2):
            head = row["head"].strip()
            label = int(row["label"])
            text = row["text"]
            kind = (row.get("kind") or "").strip() or ("civil" if label == 0 else head)
            extra = {"kind": kind}
            if head not in (*HEADS, "both") or label not in (0, 1) or (head == "both" and label):
                raise ValueError(f"{path}:{line_no}: bad head/label {head!r}/{label!r}")
            if head == "both":
                for h in HEADS:
                    out[h].append(Example(text=text, label=0, source=source, extra=extra))
                continue
            out[head].append(Example(text=text, label=label, source=source, extra=extra))
            if label == 1:
                other = "spam" if head == "toxicity" else "toxicity"
                out[other].append(Example(text=text, label=0, source=source, extra=extra))
    return out


def load_holdout(path: Path | str = HOLDOUT_CSV) -> dict[str, list[Example]]:
    """The hand-written hold-out set, per head (never trained on)."""
    return load_examples(path, source="holdout.csv")


def hash_fold(text: str, folds: int = 5) -> int:
    """Deterministic fold of a text (same normalisation as the dataset split)."""
    norm = " ".join(text.lower().split())
    return int(hashlib.sha1(norm.encode("utf-8")).hexdigest(), 16) % folds


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def load_news(datasets_dir: Path | str, *, toxicity: tuple[str, ...] | None = None) -> dict[str, list[Example]]:
    """The news-domain training rows per head (empty when the folders are absent).

    ``toxicity`` limits which sets feed the toxicity head (default:
    ``NEWS_TOXICITY``). A text in several sets is kept once, with the
    label of the first set that has it (the autolabel subset's fractional
    label wins over the positives-only toxic-spans set).
    """
    out: dict[str, list[Example]] = {h: [] for h in HEADS}
    seen: set[str] = set()
    for name, _licence in NEWS_TRAINABLE:
        path = Path(datasets_dir) / name / "train.csv"
        if not path.exists():
            continue
        for e in read_csv(path, source=f"{name}/train.csv"):
            key = _norm(e.text)
            if key in seen:
                continue
            seen.add(key)
            if name == TOXIC_SPANS and float((e.extra or {}).get("frac_not_toxic") or 0) >= TOXIC_SPANS_MAX_NOT_TOXIC:
                continue
            if name in (NEWS_TOXICITY if toxicity is None else toxicity):
                out["toxicity"].append(e)
            if name in NEWS_HAM and e.label == 0:
                out["spam"].append(Example(text=e.text, label=0, source=f"{name}/train.csv (ham)", extra=e.extra))
    return out


def load_training_data(
    datasets_dir: Path | str,
    examples_path: Path | str = EXAMPLES_CSV,
    *,
    ham_for_toxicity: bool = False,
    news: bool = True,
    news_toxicity: tuple[str, ...] | None = None,
) -> dict[str, list[Example]]:
    """All rows each head is trained on, keyed by head.

    With ``ham_for_toxicity`` the spam sets' legitimate messages are also
    used as toxicity negatives (everyday conversational text). With
    ``news`` (default) the news-domain sets present in ``datasets_dir``
    are added (see ``NEWS_TRAINABLE``).
    """
    data: dict[str, list[Example]] = {h: [] for h in HEADS}
    if news:
        for h, rows in load_news(datasets_dir, toxicity=news_toxicity).items():
            data[h].extend(rows)
    for name, head, _licence in TRAINABLE:
        rows = load_split(datasets_dir, name, "train")
        data[head].extend(rows)
        if ham_for_toxicity and head == "spam":
            data["toxicity"].extend(
                Example(text=e.text, label=0, source=f"{name}/train.csv (ham)", extra=e.extra) for e in rows if e.label == 0
            )
    own = load_examples(examples_path)
    for h in HEADS:
        data[h].extend(own[h])
    return data
