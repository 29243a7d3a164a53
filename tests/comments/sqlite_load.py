"""Driver for test_sqlite_concurrency.py: editors approve from several
processes while another process checks new comments, all on one SQLite
file, as under `make run` (web, worker and beat share the file).

    python tests/comments/sqlite_load.py   (settings from the environment)

Prints one JSON line: the errors each process met and the final counts.
"""

import json
import multiprocessing
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

APPROVERS = 4
PER_APPROVER = 15
TO_CHECK = 30


def _setup():
    import django

    django.setup()


def approve(ids, results):
    _setup()
    from django.contrib.auth import get_user_model

    from comments.models import Comment
    from comments.services import comment_approve

    editor = get_user_model().objects.get(username="editor")
    errors = []
    for pk in ids:
        try:
            comment_approve(comment=Comment.objects.get(pk=pk), actor=editor)
        except Exception as exc:  # noqa: BLE001 - the test reports every kind
            errors.append(f"approve {pk}: {type(exc).__name__}: {exc}")
    results.put(errors)


def check(ids, results):
    _setup()
    from comments.services import comment_check

    errors = []
    for pk in ids:
        try:
            comment_check(comment_id=pk)
        except Exception as exc:  # noqa: BLE001
            errors.append(f"check {pk}: {type(exc).__name__}: {exc}")
    results.put(errors)


def main():
    _setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connections

    from articles.models import Article
    from comments.models import Comment, CommentStatus

    call_command("migrate", verbosity=0, interactive=False)
    get_user_model().objects.create_user("editor", password="x", is_staff=True)
    article = Article.objects.first()
    to_approve, to_check = [], []
    for i in range(APPROVERS * PER_APPROVER):
        c = Comment(article=article, author_name="R", author_email=f"r{i}@example.org",
                    body=f"Waiting for an editor, comment number {i}.", status=CommentStatus.REVIEW)
        c.fingerprint()
        c.save()
        to_approve.append(c.pk)
    for i in range(TO_CHECK):
        c = Comment(article=article, author_name="W", author_email=f"w{i}@example.org",
                    body=f"A new comment for the worker to check, number {i}.")
        c.fingerprint()
        c.save()
        to_check.append(c.pk)
    connections.close_all()

    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    procs = [ctx.Process(target=check, args=(to_check, results))]
    procs += [
        ctx.Process(target=approve, args=(to_approve[i::APPROVERS], results))
        for i in range(APPROVERS)
    ]
    for p in procs:
        p.start()
    errors = []
    for _ in procs:
        errors += results.get(timeout=600)
    for p in procs:
        p.join()
    print(json.dumps({
        "errors": errors,
        "approved": Comment.objects.filter(pk__in=to_approve, status=CommentStatus.APPROVED).count(),
        "checked": Comment.objects.filter(pk__in=to_check, checked_at__isnull=False).count(),
    }))


if __name__ == "__main__":
    main()
