"""Learning from editors: labels, retraining, promotion, rollback (issue #3)."""

import csv
import io
import tempfile
from datetime import timedelta
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import TestCase, override_settings
from django.utils import timezone

from detection.classifiers.base import CommentSample
from detection.classifiers.features import FEATURE_VERSION
from detection.classifiers.model import TrainedModelChecker
from detection.versions import (
    SHIPPED,
    active_artifacts_dir,
    compare,
    decision_labels,
    detectors_activate,
    detectors_retrain,
    detectors_rollback,
    shipped_artifacts_dir,
)
from comments.models import CommentStatus, ModerationEvent
from detection.models import DetectorVersion
from comments.services import comment_approve, comment_reject
from detection.training.datasets import TRAINABLE
from detection.training.train import TrainConfig
from tests.base import BaseTestCase, make_comment

S = CommentStatus
# Small and quick: one C, two folds, no blend members.
QUICK = TrainConfig(c_grid=(1.0,), severity_c_grid=(1.0,), val_folds=2, cv_folds=2,
                    use_profanity_check=False, severity_model=False)


TINY_ROWS = {
    "toxicity": [("you are a stupid idiot", 1), ("what a moron you are", 1),
                 ("thanks for the thoughtful reply", 0), ("interesting point about NATO", 0)],
    "spam": [("win free money now at http://x.example.com", 1), ("call 0800 123 456 for a prize", 1),
             ("see you at the meeting", 0), ("the article is well sourced", 0)],
}


def tiny_datasets(root: Path, *, rows: dict = TINY_ROWS, copies: int = 15) -> Path:
    """A datasets folder with a few rows per trainable set."""
    for name, head, _licence in TRAINABLE:
        folder = root / name
        folder.mkdir()
        with open(folder / "train.csv", "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["id", "text", "label"])
            for i in range(copies):
                for text, label in rows[head]:
                    writer.writerow([f"{i}", f"{text} {i}", label])
    return root


class DecisionLabelTests(BaseTestCase):
    def test_each_decision_labels_the_heads_it_speaks_for(self):
        ok = make_comment(self.article, status=S.REVIEW, body="A civil point")
        spam = make_comment(self.article, status=S.REVIEW, body="Buy pills")
        toxic = make_comment(self.article, status=S.REVIEW, body="You idiot")
        off = make_comment(self.article, status=S.REVIEW, body="Anyway, football")
        comment_approve(comment=ok, actor=self.editor)
        comment_reject(comment=spam, actor=self.editor, reason_code="spam")
        comment_reject(comment=toxic, actor=self.editor, reason_code="toxic")
        comment_reject(comment=off, actor=self.editor, reason_code="off_topic")
        labels = sorted((lab.text, lab.head, lab.label) for lab in decision_labels())
        self.assertEqual(labels, [
            ("A civil point", "spam", 0), ("A civil point", "toxicity", 0),
            ("Buy pills", "spam", 1),
            ("You idiot", "spam", 0), ("You idiot", "toxicity", 1),
        ])

    def test_only_the_latest_decision_counts(self):
        c = make_comment(self.article, status=S.REVIEW, body="Changed my mind")
        comment_reject(comment=c, actor=self.editor, reason_code="toxic")
        comment_approve(comment=c, actor=self.editor)
        self.assertEqual({(lab.head, lab.label) for lab in decision_labels()}, {("spam", 0), ("toxicity", 0)})


class CompareTests(TestCase):
    def test_not_worse_promotes(self):
        live = {"spam": {"rows": 20, "auc": 0.90, "brier": 0.1}, "toxicity": {"rows": 0}}
        new = {"spam": {"rows": 20, "auc": 0.897, "brier": 0.1}, "toxicity": {"rows": 0}}
        promote, notes = compare(live, new)
        self.assertTrue(promote)
        self.assertEqual(notes, ["spam: AUC live 0.9000, new 0.8970", "toxicity: no recent decisions", "promoted"])

    def test_worse_on_one_head_keeps_live(self):
        live = {"spam": {"rows": 20, "auc": 0.90, "brier": 0.1}, "toxicity": {"rows": 3, "auc": None, "brier": 0.10}}
        new = {"spam": {"rows": 20, "auc": 0.95, "brier": 0.1}, "toxicity": {"rows": 3, "auc": None, "brier": 0.20}}
        promote, notes = compare(live, new)
        self.assertFalse(promote)
        self.assertEqual(notes[-1], "not promoted: worse than live")

    def test_nothing_to_measure_keeps_live(self):
        promote, notes = compare({"spam": {"rows": 0}, "toxicity": {"rows": 0}}, {})
        self.assertFalse(promote)
        self.assertEqual(notes[-1], "not promoted: nothing to measure the new version on")


@override_settings(DETECTOR_VERSION_RECHECK_SECONDS=0, DETECTOR_EVAL_MIN_PER_CLASS=2)
class RetrainTests(BaseTestCase):
    def setUp(self):
        self.var = self.tmp_dir()
        override = override_settings(VAR_DIR=Path(self.var))
        override.enable()
        self.addCleanup(override.disable)

    def tmp_dir(self) -> Path:
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        return Path(tmp.name)

    def decide(self, body, code, days_ago):
        c = make_comment(self.article, status=S.REVIEW, body=body)
        if code == "approved":
            comment_approve(comment=c, actor=self.editor)
        else:
            comment_reject(comment=c, actor=self.editor, reason_code=code)
        ModerationEvent.objects.filter(comment=c).update(created_at=timezone.now() - timedelta(days=days_ago))

    def test_retrain_stores_version_evaluates_and_rollback_restores_shipped(self):
        for i in range(3):
            self.decide(f"old spam offer number {i} http://spam{i}.example.com", "spam", 30)
            self.decide(f"old civil remark number {i}", "approved", 30)
            self.decide(f"new spam offer {i} cheap pills http://p{i}.example.net", "spam", 1)
            self.decide(f"new civil remark about the Kremlin {i}", "approved", 1)
        out = []
        row = detectors_retrain(datasets_dir=tiny_datasets(self.tmp_dir()), config=QUICK, progress=out.append)
        self.assertIn("editors' decisions: 9 labels for training, 9 held out (the last 14 days)", out)
        self.assertEqual(row.evaluation["decisions"], {"training": 9, "held_out": 9})
        self.assertEqual(row.evaluation["live_version"], SHIPPED)
        self.assertEqual(row.evaluation["new"]["spam"]["rows"], 6)
        self.assertEqual(row.manifest["training_data"]["editors' decisions"]["rows"], 9)
        self.assertEqual(DetectorVersion.objects.get().is_active, row.evaluation["promoted"])

        # Whatever the verdict, an editor can make it live, and workers load it.
        detectors_activate(version=row)
        live = active_artifacts_dir()
        self.assertEqual(live, Path(self.var) / "detectors" / row.version)
        self.assertTrue((live / "manifest.json").exists())
        self.assertEqual(TrainedModelChecker().model.directory, live.resolve())
        TrainedModelChecker().check(CommentSample(body="cheap pills http://p.example.net"))

        # One command back to the shipped artefacts.
        out = io.StringIO()
        call_command("rollback_detectors", stdout=out)
        self.assertEqual(out.getvalue(), "Detectors now live: shipped\n")
        self.assertEqual(active_artifacts_dir(), shipped_artifacts_dir())
        self.assertFalse(DetectorVersion.objects.filter(is_active=True).exists())


    def test_a_clearly_worse_version_is_stored_but_not_promoted(self):
        for i in range(3):
            self.decide(f"new spam offer {i} cheap pills http://p{i}.example.net", "spam", 1)
            self.decide(f"new civil remark about the Kremlin {i}", "approved", 1)
        out = []
        # Public data that teaches the opposite of the editors' recent
        # decisions (all held out: none to learn from): spam like theirs
        # labelled civil, civil remarks like theirs labelled spam.
        poisoned = {
            "toxicity": TINY_ROWS["toxicity"],
            "spam": [("new spam offer cheap pills http://p.example.net", 0),
                     ("new civil remark about the Kremlin", 1)],
        }
        row = detectors_retrain(
            datasets_dir=tiny_datasets(self.tmp_dir(), rows=poisoned, copies=200), config=QUICK,
            progress=out.append,
        )
        live, new = row.evaluation["live"]["spam"], row.evaluation["new"]["spam"]
        self.assertEqual((live["rows"], new["rows"]), (6, 6))
        self.assertLess(new["auc"], live["auc"] - 0.5)
        self.assertFalse(row.evaluation["promoted"])
        self.assertEqual(row.evaluation["notes"][-1], "not promoted: worse than live")
        self.assertIn("  not promoted: worse than live", out)
        # Stored for an editor to inspect, not live: the shipped models stay.
        self.assertFalse(DetectorVersion.objects.get().is_active)
        self.assertEqual(active_artifacts_dir(), shipped_artifacts_dir())

class RollbackTests(BaseTestCase):
    def make_version(self, name, activated_days_ago=None):
        return DetectorVersion.objects.create(
            version=name, archive=b"", manifest={"feature_version": FEATURE_VERSION},
            activated_at=None if activated_days_ago is None else timezone.now() - timedelta(days=activated_days_ago),
        )

    def test_rolls_back_to_the_previously_live_version(self):
        old = self.make_version("v1", activated_days_ago=10)
        new = self.make_version("v2")
        detectors_activate(version=new)
        self.assertEqual(detectors_rollback(), "v1")
        self.assertTrue(DetectorVersion.objects.get(pk=old.pk).is_active)

    def test_named_version_and_unknown_version(self):
        self.make_version("v1")
        self.assertEqual(detectors_rollback(to_version="v1"), "v1")
        with self.assertRaisesMessage(CommandError, "no detector version 'v9' (known: v1; or 'shipped')"):
            call_command("rollback_detectors", "v9", stdout=io.StringIO())

    def test_nothing_to_roll_back(self):
        with self.assertRaisesMessage(CommandError, "the shipped artefacts are already live; there is nothing to roll back"):
            call_command("rollback_detectors", stdout=io.StringIO())

    def test_a_version_of_older_features_cannot_be_made_live(self):
        self.make_version("v1", activated_days_ago=10)
        DetectorVersion.objects.filter(version="v1").update(manifest={"feature_version": FEATURE_VERSION - 1})
        with self.assertRaisesMessage(
            CommandError,
            f"Detector version v1 cannot be made live: it was trained with feature version {FEATURE_VERSION - 1} "
            f"and this code extracts version {FEATURE_VERSION}; train a new version",
        ):
            call_command("rollback_detectors", "v1", stdout=io.StringIO())
        self.assertFalse(DetectorVersion.objects.filter(is_active=True).exists())

    @override_settings(DETECTOR_VERSION_RECHECK_SECONDS=0)
    def test_workers_score_with_shipped_artefacts_when_the_live_version_predates_an_upgrade(self):
        # Live before the code changed its features: ignored, not a crash.
        self.make_version("v1", activated_days_ago=10)
        DetectorVersion.objects.filter(version="v1").update(
            is_active=True, manifest={"feature_version": FEATURE_VERSION - 1}
        )
        with self.assertLogs("detection.versions", "WARNING") as logs:
            self.assertEqual(active_artifacts_dir(), shipped_artifacts_dir())
        self.assertIn("active detector version v1 ignored", logs.output[0])

    def test_versions_command_lists_them(self):
        self.make_version("v1")
        out = io.StringIO()
        call_command("detector_versions", stdout=out)
        self.assertIn("* shipped", out.getvalue())
        self.assertIn("  v1  created", out.getvalue())


class DetectorVersionAdminTests(BaseTestCase):
    def test_superuser_makes_a_version_live_in_the_admin(self):
        from django.contrib.auth import get_user_model

        row = DetectorVersion.objects.create(version="v7", archive=b"", manifest={"feature_version": FEATURE_VERSION},
                                             evaluation={"notes": ["spam: AUC live 0.9, new 0.91", "promoted"]})
        self.client.force_login(get_user_model().objects.create_superuser("root", password="pw"))
        page = self.client.get("/admin/detection/detectorversion/")
        self.assertContains(page, "v7")
        self.assertContains(page, "promoted")
        response = self.client.post(
            "/admin/detection/detectorversion/", {"action": "make_live", "_selected_action": [row.pk]}, follow=True
        )
        self.assertContains(response, "Detectors now live: v7.")
        self.assertTrue(DetectorVersion.objects.get(pk=row.pk).is_active)

    def test_admin_refuses_a_version_of_older_features(self):
        from django.contrib.auth import get_user_model

        row = DetectorVersion.objects.create(version="v6", archive=b"", manifest={"feature_version": 0})
        self.client.force_login(get_user_model().objects.create_superuser("root", password="pw"))
        response = self.client.post(
            "/admin/detection/detectorversion/", {"action": "make_live", "_selected_action": [row.pk]}, follow=True
        )
        self.assertContains(response, "Detector version v6 cannot be made live")
        self.assertFalse(DetectorVersion.objects.get(pk=row.pk).is_active)

    def test_editors_cannot_see_versions_desk_chiefs_can(self):
        from tests.base import make_editor

        self.client.force_login(make_editor("ed", role="editor"))
        self.assertEqual(self.client.get("/admin/detection/detectorversion/").status_code, 403)
        self.client.force_login(self.editor)  # a desk chief
        self.assertEqual(self.client.get("/admin/detection/detectorversion/").status_code, 200)
