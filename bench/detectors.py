"""Benchmark of the trained spam and toxicity detectors.

Run from the repository root:

    .venv/bin/python bench/detectors.py [--datasets ../shared/datasets] [--artifacts DIR] [--record]

Prints, for every public test split, ROC-AUC of the head that applies
(toxicity: the news-comment sets – Civil Comments, Fox News, Wikipedia
idterm –, kaggle insults, davidson, wiki CAT with Perspective's AUC alongside;
spam: youtube, sms), the issue-#12 targets at the shipped bands measured
through the whole local check pipeline (spam folder share of civil news
comments, toxic-spans posts flagged, civil Civil Comments flagged; the
pipeline runs on a throw-away migrated SQLite database, so the seeded domain
allow-list and built-in term lists apply, without duplicate/rate history),
and for the project's hand-written hold-out set
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
    ("toxicity", "civil_comments_autolabel_subset"): 0.93,
    ("toxicity", "kaggle_insults_impermium"): 0.93,
    ("toxicity", "wiki_talk_cat_large"): 0.90,
    ("spam", "youtube_spam_collection"): 0.99,
    ("spam", "sms_spam_collection"): 0.99,
}
# Test splits whose civil rows must (almost) never reach the spam folder.
NEWS_CIVIL_SETS = ("civil_comments_autolabel_subset", "fox_news_comments", "wiki_talk_labels_toxicity_idterm_subset")
SPAM_FOLDER_MAX_CIVIL = 0.005  # civil comments at spam >= 0.9, per set
SPAM_FOLDER_MIN_SPAM = 0.90  # youtube + sms test spam at spam >= 0.9
TOXIC_SPANS_MIN_FLAGGED = 0.85  # toxic_spans test posts, frac_not_toxic < 0.5, at toxicity >= 0.5
CIVIL_CC_MAX_FLAGGED = 0.03  # civil Civil Comments (autolabel test) at toxicity >= 0.5
SPAM_HIGH, TOXICITY_LOW = 0.9, 0.5  # the shipped bands (settings.MODERATION_THRESHOLDS)
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


def _setup_pipeline(tmp: str) -> None:
    """Django on a throw-away SQLite database, migrated (seeded allow-list,
    built-in term lists), file cache; no broker is used."""
    os.environ.update(
        {"DEBUG": "1", "NEWSROOM_VAR_DIR": tmp, "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3", "REDIS_URL": ""}
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def pipeline_targets(args, checker, out) -> dict:
    """The spam-folder and flagging targets, model alone and whole pipeline."""
    import tempfile

    import numpy as np

    from detection.training import datasets as D

    from django.apps import apps

    if not apps.ready:
        _setup_pipeline(tempfile.mkdtemp(prefix="bench-detectors-"))
    from detection.classifiers.base import CommentSample
    from detection.classifiers.pipeline import run_checks

    def scores(texts):
        model = checker.score_texts(texts)
        pipe = []
        for t in texts:
            r = run_checks(CommentSample(body=t), history=False)
            pipe.append((r.spam, r.toxicity))
        return np.array(model), np.array(pipe)

    def rows(name, split="test"):
        path = Path(args.datasets) / name / f"{split}.csv"
        return D.read_csv(path, source=f"{name}/{split}.csv") if path.exists() else None

    res: dict = {}
    lines = []

    def line(what, model_v, pipe_v, target, ok):
        res[what] = {"model": round(model_v, 4), "pipeline": round(pipe_v, 4), "target": target, "met": ok}
        lines.append(f"{what:58} {model_v:7.2%} {pipe_v:9.2%}  {target:>8}  {'PASS' if ok else 'MISS'}")

    for name in NEWS_CIVIL_SETS:
        ex = rows(name)
        if ex is None:
            out(f"missing {name}/test.csv, skipped")
            continue
        civil = [e.text for e in ex if e.label == 0]
        m, p = scores(civil)
        sm, sp = float((m[:, 0] >= SPAM_HIGH).mean()), float((p[:, 0] >= SPAM_HIGH).mean())
        line(f"{name} civil ({len(civil)}) to spam folder", sm, sp, f"<= {SPAM_FOLDER_MAX_CIVIL:.1%}", sp <= SPAM_FOLDER_MAX_CIVIL)
        if name == "civil_comments_autolabel_subset":
            fm, fp = float((m[:, 1] >= TOXICITY_LOW).mean()), float((p[:, 1] >= TOXICITY_LOW).mean())
            civil_cc = (fm, fp, len(civil))
    spam = []
    for name in ("youtube_spam_collection", "sms_spam_collection"):
        ex = rows(name)
        if ex is not None:
            spam.extend(e.text for e in ex if e.label == 1)
    if spam:
        m, p = scores(spam)
        sm, sp = float((m[:, 0] >= SPAM_HIGH).mean()), float((p[:, 0] >= SPAM_HIGH).mean())
        line(f"youtube+sms test spam ({len(spam)}) to spam folder", sm, sp, f">= {SPAM_FOLDER_MIN_SPAM:.0%}", sp >= SPAM_FOLDER_MIN_SPAM)
    ex = rows("civil_comments_autolabel_subset")
    if ex is not None:
        from detection.training.train import _auc

        y = np.array([e.label for e in ex])
        m, p = scores([e.text for e in ex])
        am, ap = _auc(y, m[:, 1]), _auc(y, p[:, 1])
        res["civil_comments_autolabel_subset toxicity ROC-AUC"] = {
            "model": round(am, 4), "pipeline": round(ap, 4), "target": ">= 0.93", "met": ap >= 0.93
        }
        lines.append(f"{'civil_comments_autolabel_subset toxicity ROC-AUC (' + str(len(y)) + ')':58} {am:7.4f} {ap:9.4f}  "
                     f"{'>= 0.93':>8}  {'PASS' if ap >= 0.93 else 'MISS'}")
    ex = rows(D.TOXIC_SPANS)
    if ex is not None:
        toxic = [e.text for e in ex if float(e.extra["frac_not_toxic"]) < D.TOXIC_SPANS_MAX_NOT_TOXIC]
        m, p = scores(toxic)
        fm, fp = float((m[:, 1] >= TOXICITY_LOW).mean()), float((p[:, 1] >= TOXICITY_LOW).mean())
        line(f"toxic_spans posts ({len(toxic)}) flagged (toxicity >= 0.5)", fm, fp, f">= {TOXIC_SPANS_MIN_FLAGGED:.0%}", fp >= TOXIC_SPANS_MIN_FLAGGED)
    if "civil_cc" in locals():
        fm, fp, n = civil_cc
        line(f"civil Civil Comments ({n}) flagged (toxicity >= 0.5)", fm, fp, f"<= {CIVIL_CC_MAX_FLAGGED:.0%}", fp <= CIVIL_CC_MAX_FLAGGED)
    # The worst miss for a newsroom: a threat below the flag band (the
    # hand-written hold-out's threats, model alone and with the threats rule).
    threats = [e.text for e in D.load_holdout()["toxicity"] if e.label == 1 and e.extra["kind"] == "threat"]
    if threats:
        m, p = scores(threats)
        fm, fp = float((m[:, 1] >= TOXICITY_LOW).mean()), float((p[:, 1] >= TOXICITY_LOW).mean())
        res[f"holdout.csv threats ({len(threats)}) flagged"] = {"model": round(fm, 4), "pipeline": round(fp, 4), "target": None, "met": None}
        lines.append(f"{'holdout.csv threats (' + str(len(threats)) + ') flagged (toxicity >= 0.5)':58} {fm:7.2%} {fp:9.2%}  {'-':>8}  -")
    out("## issue #12 targets at the shipped bands (spam folder >= 0.9, toxicity flag >= 0.5)")
    out(f"{'what':58} {'model':>7} {'pipeline':>9}  {'target':>8}  status (pipeline)")
    for l in lines:
        out(l)
    return res


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
        import tempfile

        _setup_pipeline(tempfile.mkdtemp(prefix="bench-detectors-"))
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

    # issue-#12 targets at the shipped bands, through the whole local pipeline
    targets = pipeline_targets(args, checker, out)
    metrics["targets"] = targets
    out()

    # latency: one comment at a time through check(), real comment texts
    pool = []
    for name in ("kaggle_insults_impermium", "youtube_spam_collection", "wiki_talk_cat_large", "sms_spam_collection", "civil_comments_autolabel_subset"):
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
