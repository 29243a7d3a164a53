import csv
import io
import tempfile
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import TestCase

from detection.scoring import confusion, reliability, roc_auc, roc_points


def write(tmp: Path, name: str, content: bytes) -> str:
    path = tmp / name
    path.write_bytes(content)
    return str(path)


class ScoreCommentsCommandTests(TestCase):
    def setUp(self):
        self.tmp = Path(self.enterContext(tempfile.TemporaryDirectory()))

    def run_command(self, *args):
        out = io.StringIO()
        call_command("score_comments", *args, stdout=out)
        return out.getvalue()

    def test_one_row_per_input_row_in_order(self):
        path = write(self.tmp, "in.csv", (
            'id,text,extra\n'
            '1,"A civil point about NATO.",x\n'
            '2,"Buy now! Click here: http://a.example.com http://b.example.net www.c.example.org",y\n'
            '3,"multi\nline",z\n'
        ).encode())
        rows = list(csv.DictReader(io.StringIO(self.run_command(path))))
        self.assertEqual([r["id"] for r in rows], ["1", "2", "3"])
        self.assertEqual(list(rows[0]), ["id", "text", "extra", "spam_score", "toxicity_score"])
        self.assertLess(float(rows[0]["spam_score"]), 0.5)
        self.assertGreater(float(rows[1]["spam_score"]), 0.9)
        self.assertEqual(rows[2]["text"], "multi\nline")

    def test_missing_text_column(self):
        path = write(self.tmp, "bad.csv", b"id,comment\n1,hello\n")
        with self.assertRaisesMessage(CommandError, "bad.csv: no 'text' column (columns found: id, comment)"):
            self.run_command(path)

    def test_bad_encoding(self):
        path = write(self.tmp, "latin.csv", "text\ncaf\u00e9\n".encode("latin-1"))
        with self.assertRaisesMessage(CommandError, "latin.csv: the file is not UTF-8 text (bad byte at position 8)"):
            self.run_command(path)

    def test_missing_file(self):
        with self.assertRaisesMessage(CommandError, "cannot read (No such file or directory)"):
            self.run_command(str(self.tmp / "nope.csv"))


class UnmigratedDatabaseTests(TestCase):
    def test_commands_say_to_migrate_instead_of_a_traceback(self):
        from django.db import connection

        path = write(Path(self.enterContext(tempfile.TemporaryDirectory())), "in.csv", b"text,label\nhello,0\n")
        # PostgreSQL DDL is transactional: the test's rollback brings it back.
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE comments_domainrule")
        for command in ("score_comments", "evaluate_detectors"):
            with self.subTest(command=command), self.assertRaisesMessage(
                CommandError, "the database is not ready (relation \"comments_domainrule\" does not exist"
            ):
                call_command(command, path, stdout=io.StringIO())


class EvaluateDetectorsCommandTests(TestCase):
    def test_prints_auc_precision_recall_confusion(self):
        tmp = Path(self.enterContext(tempfile.TemporaryDirectory()))
        path = write(tmp, "labelled.csv", (
            "text,label\n"
            "A thoughtful reply about sanctions.,0\n"
            "Stoltenberg made a fair point.,0\n"
            '"Buy now, click here, free money http://x.example.com http://y.example.net www.z.example.org",1\n'
            '"Cheap pills! Casino bonus, promo code, limited offer",1\n'
        ).encode())
        out = io.StringIO()
        call_command("evaluate_detectors", path, "--label-column", "label", "--head", "spam", stdout=out)
        text = out.getvalue()
        self.assertIn("4 rows, 2 labelled 1 (label)", text)
        self.assertIn("spam: ROC-AUC 1.000", text)
        self.assertIn("threshold  precision  recall", text)
        self.assertNotIn("toxicity:", text)

    def test_plot_writes_roc_curves_per_file_and_a_reliability_plot(self):
        tmp = Path(tempfile.mkdtemp())
        news = tmp / "news_set"
        news.mkdir()
        first = write(news, "test.csv", (
            "text,label\n"
            "A thoughtful reply about sanctions.,0\n"
            "You are a pathetic idiot and a liar.,1\n"
        ).encode())
        second = write(tmp, "other.csv", (
            "text,label\n"
            "Stoltenberg made a fair point.,0\n"
            "Shut up you ignorant moron.,1\n"
        ).encode())
        plots = tmp / "plots"
        out = io.StringIO()
        call_command("evaluate_detectors", first, second, "--head", "toxicity", "--plot", str(plots), stdout=out)
        text = out.getvalue()
        self.assertIn(f"== {first}", text)
        self.assertEqual(text.count("toxicity: ROC-AUC 1.000"), 2)
        written = sorted(p.name for p in plots.iterdir())
        self.assertEqual(written, ["reliability-toxicity.png", "roc-toxicity.png"])
        for name in written:
            self.assertEqual((plots / name).read_bytes()[:8], b"\x89PNG\r\n\x1a\n")
        self.assertIn(f"wrote {plots / 'roc-toxicity.png'}", text)

    def test_bad_label(self):
        tmp = Path(self.enterContext(tempfile.TemporaryDirectory()))
        path = write(tmp, "l.csv", b"text,label\nhello,maybe\n")
        with self.assertRaisesMessage(CommandError, "l.csv: line 2: label 'maybe' in 'label' is not 0 or 1"):
            call_command("evaluate_detectors", path, stdout=io.StringIO())

    def test_missing_label_column(self):
        tmp = Path(self.enterContext(tempfile.TemporaryDirectory()))
        path = write(tmp, "l.csv", b"text\nhello\n")
        with self.assertRaisesMessage(CommandError, "no 'y' column"):
            call_command("evaluate_detectors", path, "--label-column", "y", stdout=io.StringIO())


class MetricsTests(TestCase):
    def test_roc_auc(self):
        self.assertEqual(roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 0.75)
        self.assertEqual(roc_auc([0, 1], [0.5, 0.5]), 0.5)
        self.assertIsNone(roc_auc([1, 1], [0.2, 0.3]))

    def test_roc_points_and_reliability(self):
        self.assertEqual(roc_points([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]),
                         ([0.0, 0.0, 0.5, 0.5, 1.0], [0.0, 0.5, 0.5, 1.0, 1.0]))
        self.assertEqual(reliability([0, 1, 1, 0], [0.05, 0.95, 1.0, 0.92], bins=10),
                         [(0.05, 0.0, 1), (0.9566666666666667, 2 / 3, 3)])

    def test_confusion(self):
        c = confusion([1, 1, 0, 0], [0.9, 0.2, 0.6, 0.1], 0.5)
        self.assertEqual((c.tp, c.fp, c.fn, c.tn), (1, 1, 1, 1))
        self.assertEqual((c.precision, c.recall), (0.5, 0.5))
