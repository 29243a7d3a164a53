"""Versions of the trained detectors, and learning from editors' decisions.

The steps of ``detectors_retrain`` (``manage.py train_detectors
--with-decisions`` and the weekly beat task):

1. Read the editors' labels (each comment's latest decision, with the text
   the editor saw) and split them by time: decisions older than the
   evaluation window are training data; the recent window is held out.
2. Train both heads on the public data shipped with the project plus the
   older decisions, into a temporary folder.
3. Score the held-out decisions with the live version and with the new one.
4. Store the new version (its artefacts zipped into the database, so every
   worker on every host can load it) and make it active only if it is not
   worse than the live one on any head that the window can measure.

Workers look up the active version at most every
DETECTOR_VERSION_RECHECK_SECONDS and unpack it once into
``NEWSROOM_VAR_DIR/detectors/<version>/``. ``detectors_rollback`` makes the
previous version (or the shipped artefacts) active again.
"""

from __future__ import annotations

import io
import logging
import math
import shutil
import tempfile
import threading
import time
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Callable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from detection.history import Label, get_history
from detection.models import DetectorVersion

logger = logging.getLogger(__name__)

SHIPPED = "shipped"
HEADS = ("spam", "toxicity")
Progress = Callable[[str], None]


# --- Editors' decisions as labels ---------------------------------------------


def decision_labels() -> list[Label]:
    """Editors' decisions as labels, from the history ``comments`` registers
    (none when detection runs without it)."""
    history = get_history()
    return history.decision_labels() if history is not None else []


# --- Which artefacts are live ---------------------------------------------------


def shipped_artifacts_dir() -> Path:
    from detection.classifiers.model import artifacts_dir

    return artifacts_dir()


def _unpacked_dir(version: str) -> Path:
    return Path(settings.VAR_DIR) / "detectors" / version


def _unpack(row: DetectorVersion) -> Path:
    target = _unpacked_dir(row.version)
    if (target / "manifest.json").exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    # Unpack beside the target and rename: a second process never sees a
    # half-written folder.
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{row.version}-"))
    with zipfile.ZipFile(io.BytesIO(bytes(row.archive))) as archive:
        archive.extractall(tmp)
    try:
        tmp.rename(target)
    except OSError:  # another process won the race
        shutil.rmtree(tmp, ignore_errors=True)
    return target


class _ActiveDir:
    def __init__(self):
        self.lock = threading.Lock()
        self.checked_at = float("-inf")
        self.value: Path | None = None

    def get(self) -> Path:
        now = time.monotonic()
        if now - self.checked_at >= settings.DETECTOR_VERSION_RECHECK_SECONDS:
            with self.lock:
                row = (
                    DetectorVersion.objects.filter(is_active=True)
                    .only("version", "archive", "manifest")
                    .first()
                )
                why = incompatibility(row.manifest) if row is not None else None
                if why:
                    # The code was upgraded under a stored version: score with
                    # the shipped artefacts rather than not at all.
                    logger.warning("active detector version %s ignored: %s", row.version, why)
                    row = None
                self.value = _unpack(row) if row is not None else None
                self.checked_at = now
        return self.value or shipped_artifacts_dir()


_active = _ActiveDir()


def active_artifacts_dir() -> Path:
    """The folder of the live version's artefacts (the shipped ones when no
    trained version is active)."""
    return _active.get()


def active_version_name() -> str:
    row = DetectorVersion.objects.filter(is_active=True).values_list("version", flat=True).first()
    return row or SHIPPED


# --- Evaluation -----------------------------------------------------------------


def _scores(directory: Path, texts: list[str]) -> list[tuple[float, float]]:
    from detection.classifiers.model import TrainedModelChecker

    return TrainedModelChecker(artifacts=directory).score_texts(texts)


def evaluate(directory: Path, labels: list[Label]) -> dict:
    """Per head: rows, positives, ROC-AUC (when both classes have at least
    DETECTOR_EVAL_MIN_PER_CLASS rows) and the Brier score."""
    from detection.scoring import roc_auc

    out = {}
    for index, head in enumerate(HEADS):
        rows = [lab for lab in labels if lab.head == head]
        if not rows:
            out[head] = {"rows": 0}
            continue
        scores = [s[index] for s in _scores(directory, [lab.text for lab in rows])]
        ys = [lab.label for lab in rows]
        positives = sum(ys)
        enough = min(positives, len(ys) - positives) >= settings.DETECTOR_EVAL_MIN_PER_CLASS
        out[head] = {
            "rows": len(ys),
            "positives": positives,
            "auc": round(roc_auc(ys, scores), 4) if enough else None,
            "brier": round(sum((s - y) ** 2 for s, y in zip(scores, ys)) / len(ys), 4),
        }
    return out


def compare(live: dict, new: dict) -> tuple[bool, list[str]]:
    """Promote when the new version is not worse on any head the window can
    measure (AUC where it is defined, else the Brier score), within
    DETECTOR_PROMOTION_TOLERANCE. Nothing measurable: keep the live one."""
    tolerance = settings.DETECTOR_PROMOTION_TOLERANCE
    notes, measured, worse = [], 0, False
    for head in HEADS:
        a, b = live.get(head, {}), new.get(head, {})
        if not a.get("rows"):
            notes.append(f"{head}: no recent decisions")
            continue
        measured += 1
        if a.get("auc") is not None and b.get("auc") is not None:
            ok = b["auc"] >= a["auc"] - tolerance
            notes.append(f"{head}: AUC live {a['auc']:.4f}, new {b['auc']:.4f}")
        else:
            ok = b["brier"] <= a["brier"] + tolerance
            notes.append(f"{head}: Brier live {a['brier']:.4f}, new {b['brier']:.4f}")
        worse = worse or not ok
    if not measured:
        return False, [*notes, "not promoted: nothing to measure the new version on"]
    return not worse, [*notes, "promoted" if not worse else "not promoted: worse than live"]


# --- Versions ---------------------------------------------------------------------


def _json_safe(value):
    """The manifest without NaN (an AUC over one class): JSON has no NaN."""
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def _zip_dir(directory: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(directory.iterdir()):
            if path.is_file():
                archive.write(path, path.name)
    return buffer.getvalue()


def incompatibility(manifest: dict) -> str | None:
    """Why artefacts with this manifest cannot be loaded by this code, or None.

    Artefacts record the feature extraction they were trained with; a
    version stored before an upgrade that changed it cannot score."""
    from detection.classifiers import features as F

    trained = manifest.get("feature_version")
    if trained != F.FEATURE_VERSION:
        return (
            f"it was trained with feature version {trained} and this code extracts version "
            f"{F.FEATURE_VERSION}; train a new version (manage.py train_detectors --with-decisions)"
        )
    return None


def detectors_activate(*, version: DetectorVersion | None) -> None:
    """Make this version live (None: the shipped artefacts).

    Raises ValueError for a version this code cannot load."""
    if version is not None:
        why = incompatibility(version.manifest)
        if why:
            raise ValueError(f"Detector version {version.version} cannot be made live: {why}")
    with transaction.atomic():
        DetectorVersion.objects.filter(is_active=True).update(is_active=False)
        if version is not None:
            DetectorVersion.objects.filter(pk=version.pk).update(
                is_active=True, activated_at=timezone.now()
            )
    _active.checked_at = float("-inf")


def detectors_rollback(*, to_version: str | None = None) -> str:
    """Make an earlier version live: the named one, ``"shipped"``, or by
    default the one that was live before the current one. Returns its name."""
    if to_version == SHIPPED:
        detectors_activate(version=None)
        return SHIPPED
    if to_version:
        row = DetectorVersion.objects.filter(version=to_version).first()
        if row is None:
            known = ", ".join(DetectorVersion.objects.values_list("version", flat=True)[:10])
            raise ValueError(f"no detector version {to_version!r} (known: {known or 'none'}; or 'shipped')")
        detectors_activate(version=row)
        return row.version
    current = DetectorVersion.objects.filter(is_active=True).first()
    previous = (
        DetectorVersion.objects.filter(is_active=False, activated_at__isnull=False)
        .exclude(pk=getattr(current, "pk", None))
        .order_by("-activated_at")
        .first()
    )
    if current is None and previous is None:
        raise ValueError("the shipped artefacts are already live; there is nothing to roll back")
    detectors_activate(version=previous)
    return previous.version if previous else SHIPPED


def detectors_retrain(
    *,
    datasets_dir: Path | str | None = None,
    with_decisions: bool = True,
    progress: Progress = print,
    config=None,
    now=None,
) -> DetectorVersion:
    """Train a new version, evaluate it against the live one on the recent
    window of editors' decisions, store it, and promote it if not worse."""
    from detection.training.train import TrainConfig, train_detectors

    if config is None:
        config = TrainConfig(minilm=_live_has_minilm())
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.DETECTOR_EVAL_WINDOW_DAYS)
    labels = decision_labels() if with_decisions else []
    older = [lab for lab in labels if lab.decided_at < cutoff]
    recent = [lab for lab in labels if lab.decided_at >= cutoff]
    progress(
        f"editors' decisions: {len(older)} labels for training, {len(recent)} held out "
        f"(the last {settings.DETECTOR_EVAL_WINDOW_DAYS} days)"
    )
    extra = {head: [(lab.text, lab.label) for lab in older if lab.head == head] for head in HEADS}
    with tempfile.TemporaryDirectory() as tmp:
        manifest = train_detectors(
            datasets_dir or default_datasets_dir(),
            Path(tmp),
            decisions=extra,
            config=config,
            progress=progress,
        )
        progress("evaluating the live and the new version on the held-out decisions")
        live = evaluate(active_artifacts_dir(), recent)
        new = evaluate(Path(tmp), recent)
        promote, notes = compare(live, new)
        for note in notes:
            progress(f"  {note}")
        row = DetectorVersion.objects.create(
            version=manifest["version"],
            archive=_zip_dir(Path(tmp)),
            manifest=_json_safe(manifest),
            evaluation={"live_version": active_version_name(), "live": live, "new": new,
                        "promoted": promote, "notes": notes,
                        "decisions": {"training": len(older), "held_out": len(recent)}},
        )
    if promote:
        detectors_activate(version=row)
    return row


def _live_has_minilm() -> bool:
    """Keep the optional MiniLM member when the live version has one and
    this machine has the model."""
    import json

    from detection.classifiers.model import minilm_dir

    manifest = json.loads((active_artifacts_dir() / "manifest.json").read_text(encoding="utf-8"))
    return "minilm_head.npz" in manifest.get("files", []) and minilm_dir() is not None


def default_datasets_dir() -> Path:
    """The public training data shipped with the project."""
    from detection.training.datasets import DEFAULT_DATASETS_DIR

    return DEFAULT_DATASETS_DIR
