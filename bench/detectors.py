"""Benchmark of the trained spam and toxicity detectors.

Run from the repository root:

    .venv/bin/python bench/detectors.py [--datasets ../shared/datasets] [--artifacts DIR] [--record]

Prints, for every public test split, ROC-AUC of the head that applies
(toxicity: kaggle insults, davidson, wiki with Perspective's AUC alongside;
spam: youtube, sms) and for the project's hand-written hold-out set
(``detection/training/data/holdout.csv``, never trained on), precision/recall at a few thresholds, the latency of
scoring one comment (median / p99, one core, after warm-up) and the resident
memory of the process once the models are loaded. The output is also written
to ``bench/results/detectors.txt``; ``--record`` stores the metrics in the
artefacts' ``manifest.json``.

Works without Django (it imports ``detection.classifiers.model`` directly);
with ``--django`` it calls ``django.setup()`` first (``newsroom.settings``:
set ``DEBUG=1`` or ``SECRET_KEY``) so the RSS figure includes Django.
"""

from __future__ import annotations

import os

# One core, as in a worker; set before numpy is imported.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import io
import platform
import statistics
import sys
import time
from contextlib import redirect_stdout
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

TARGETS = {
    ("toxicity", "kaggle_insults_impermium"): 0.93,
    ("toxicity", "wiki_talk_cat_large"): 0.90,
    ("spam", "youtube_spam_collection"): 0.99,
    ("spam", "sms_spam_collection"): 0.99,
}
THRESHOLDS = (0.2, 0.35, 0.5, 0.65, 0.8, 0.9)


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def pr_at(y, p, t):
    tp = sum(1 for yi, pi in zip(y, p) if pi >= t and yi == 1)
    fp = sum(1 for yi, pi in zip(y, p) if pi >= t and yi == 0)
    fn = sum(1 for yi, pi in zip(y, p) if pi < t and yi == 1)
    prec = tp / (tp + fp) if tp + fp else float("nan")
    rec = tp / (tp + fn) if tp + fn else float("nan")
    return prec, rec, (tp + fp) / len(y)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", default=str(REPO.parent / "shared" / "datasets"))
    parser.add_argument("--artifacts", default=None, help="artefacts dir (default: the package's)")
    parser.add_argument("--django", action="store_true", help="call django.setup() first (RSS incl. Django)")
    parser.add_argument("--record", action="store_true", help="store the metrics in manifest.json")
    parser.add_argument(
        "--minilm", action="store_true", help="with the optional all-MiniLM-L6-v2 toxicity member (DETECTOR_USE_MINILM)"
    )
    parser.add_argument("--latency-samples", type=int, default=3000)
    parser.add_argument("--output", default=None, help="default: bench/results/detectors[-minilm].txt")
    args = parser.parse_args(argv)
    if args.output is None:
        name = "detectors-minilm.txt" if args.minilm else "detectors.txt"
        args.output = str(REPO / "bench" / "results" / name)

    buf = io.StringIO()

    def out(line: str = "") -> None:
        print(line, flush=True)
        buf.write(line + "\n")

    rss_start = rss_mb()
    if args.django:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
        import django

        django.setup()
    rss_django = rss_mb()
    from detection.classifiers.base import CommentSample
    from detection.classifiers.model import TrainedModelChecker, load_model

    t0 = time.perf_counter()
    checker = TrainedModelChecker(args.artifacts, use_minilm=args.minilm)
    model = load_model(args.artifacts, use_minilm=args.minilm)
    checker.warm_up()
    load_s = time.perf_counter() - t0
    rss_loaded = rss_mb()
    manifest = model.manifest

    import numpy as np

    from detection.training import datasets as D
    from detection.training.train import _auc, record_metrics

    out(f"# Detector benchmark ({time.strftime('%Y-%m-%d %H:%M:%S')})")
    out(f"artefacts: {model.directory} version {manifest['version']} (created {manifest['created']})")
    out(f"python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}, threads=1")
    out(f"members: toxicity {model.blends['toxicity']}, spam {model.blends['spam']}")
    out(f"optional MiniLM member: {'ON' if model.use_minilm else 'off'}")
    out()

    metrics: dict = {"auc": {}, "perspective_auc": {}, "latency_ms": {}, "rss_mb": {}}
    rows = []
    pr_lines = []

    def measure(head, ex, name):
        """Score ``ex`` with ``head``: labels, probabilities, AUC, ms a text;
        adds the precision/recall lines."""
        y = np.array([e.label for e in ex])
        t = time.perf_counter()
        scores = checker.score_texts([e.text for e in ex])
        ms = (time.perf_counter() - t) / len(y) * 1000
        p = np.array([s[0] if head == "spam" else s[1] for s in scores])
        for thr in THRESHOLDS:
            prec, rec, rate = pr_at(y.tolist(), p.tolist(), thr)
            pr_lines.append(f"{head:9} {name:26} {thr:5.2f} {prec:9.3f} {rec:7.3f} {rate:8.3f}")
        return y, p, _auc(y, p), ms

    for head, names in D.TEST_SETS.items():
        for name in names:
            path = Path(args.datasets) / name / "test.csv"
            if not path.exists():
                out(f"missing {path}, skipped")
                continue
            ex = D.read_csv(path, source=f"{name}/test.csv")
            y, p, auc, ms = measure(head, ex, name)
            metrics["auc"][f"{head}/{name}"] = round(auc, 4)
            persp = ""
            if ex and ex[0].extra and "perspective_score" in ex[0].extra:
                pa = _auc(y, np.array([float(e.extra["perspective_score"]) for e in ex]))
                metrics["perspective_auc"][name] = round(pa, 4)
                persp = f"{pa:.4f}"
            target = TARGETS.get((head, name))
            status = "" if target is None else ("PASS" if auc >= target else f"MISS by {target - auc:.4f}")
            rows.append((head, name, len(y), int(y.sum()), auc, persp, target, status, ms))
    # The project's own hand-written hold-out set (ships in the repository).
    holdout = D.load_holdout()
    for head in D.HEADS:
        ex = holdout[head]
        y, p, auc, ms = measure(head, ex, "holdout.csv")
        metrics["auc"][f"{head}/holdout.csv"] = round(auc, 4)
        rows.append((head, "holdout.csv (hand-written)", len(y), int(y.sum()), auc, "", None, "", ms))
        if head == "toxicity":
            kinds = sorted({e.extra["kind"] for e in ex if e.label == 1})
            recall_by_kind = {}
            for kind in kinds:
                sel = np.array([e.label == 1 and e.extra["kind"] == kind for e in ex])
                recall_by_kind[kind] = float((p[sel] >= 0.5).mean())
            civil = np.array([e.extra["kind"] == "civil" for e in ex])
            holdout_line = (
                "hold-out toxicity at 0.5: recall "
                + ", ".join(f"{k} {v:.2f}" for k, v in recall_by_kind.items())
                + f"; civil comments flagged {float((p[civil] >= 0.5).mean()):.3f}"
            )
    out("## ROC-AUC per test split (never trained on)")
    out(f"{'head':9} {'dataset':26} {'rows':>6} {'pos':>5} {'AUC':>7} {'Perspective':>11} {'target':>7}  status   ms/text")
    for head, name, n, pos, auc, persp, target, status, ms in rows:
        tgt = f"{target:.2f}" if target else "-"
        out(f"{head:9} {name:26} {n:6d} {pos:5d} {auc:7.4f} {persp or '-':>11} {tgt:>7}  {status:8} {ms:.2f}")
    out(holdout_line)
    out()
    out("## precision / recall / share flagged at thresholds (calibrated probability)")
    out(f"{'head':9} {'dataset':26} {'thr':>5} {'precision':>9} {'recall':>7} {'flagged':>8}")
    for line in pr_lines:
        out(line)
    out()

    # latency: one comment at a time through check(), real comment texts
    pool = []
    for name in ("kaggle_insults_impermium", "youtube_spam_collection", "wiki_talk_cat_large", "sms_spam_collection"):
        path = Path(args.datasets) / name / "test.csv"
        if path.exists():
            pool.extend(e.text for e in D.read_csv(path))
    rng = np.random.default_rng(0)
    sample = [pool[i] for i in rng.choice(len(pool), size=min(args.latency_samples, len(pool)), replace=False)]
    for text in sample[:200]:
        checker.check(CommentSample(body=text))
    times = []
    for text in sample:
        t = time.perf_counter()
        checker.check(CommentSample(body=text))
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    med = statistics.median(times)
    p99 = times[int(0.99 * (len(times) - 1))]
    lengths = sorted(len(t) for t in sample)
    metrics["latency_ms"] = {"median": round(med, 3), "p99": round(p99, 3), "n": len(times)}
    out("## latency of check() on one comment (one core, after warm-up)")
    out(f"n={len(times)} real comments (median length {lengths[len(lengths) // 2]} chars, p99 {lengths[int(0.99 * (len(lengths) - 1))]})")
    out(f"median {med:.3f} ms, p99 {p99:.3f} ms, max {times[-1]:.3f} ms   target: median <= 5 ms -> {'PASS' if med <= 5 else 'MISS'}")
    out()
    metrics["rss_mb"] = {
        "interpreter": round(rss_start, 1),
        "after_django_setup": round(rss_django, 1) if args.django else None,
        "models_loaded": round(rss_loaded, 1),
        "models_only": round(rss_loaded - rss_django, 1),
    }
    out("## resident memory (RSS)")
    out(f"interpreter {rss_start:.1f} MB" + (f", after django.setup() {rss_django:.1f} MB" if args.django else ""))
    out(f"after loading the models {rss_loaded:.1f} MB (models + numpy add {rss_loaded - rss_django:.1f} MB; load took {load_s:.2f} s)")
    out(f"budget: worker <= 300 MB incl. ~80 MB Django+Celery -> models may add <= 220 MB: {'PASS' if rss_loaded - rss_django <= 220 else 'MISS'}")

    out_path = Path(args.output)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(buf.getvalue(), encoding="utf-8")
    if args.record:
        record_metrics(model.directory, metrics, key="metrics_minilm" if args.minilm else "metrics")
        print(f"metrics recorded in {model.directory / 'manifest.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
