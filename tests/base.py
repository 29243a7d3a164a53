"""Shared test rows: named people and the seed article."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import TestCase

from articles.models import Article
from comments.models import Comment, CommentStatus

SEED_SLUG = "kremlin-condemns-stoltenberg-long-range-missiles-remarks"


def make_editor(username="alice", password="password", *, role="chief"):
    """A staff member with a role (moderation/roles.py). Desk chief by
    default: the tests were written when editors managed bans and lists."""
    from moderation.roles import role_group_names

    user = get_user_model().objects.create_user(username, password=password, is_staff=True)
    user.groups.add(*Group.objects.filter(name__in=role_group_names(role)))
    return user


def make_comment(article, *, status=CommentStatus.PENDING, body="A fair point about NATO.", **fields):
    from django.utils import timezone

    values = {
        "author_name": "Reader",
        "author_email": "reader@example.org",
        "body": body,
        "status": status,
    }
    values.update(fields)
    if status == CommentStatus.APPROVED and "approved_at" not in values:
        values["approved_at"] = timezone.now()
    comment = Comment(article=article, **values)
    if "simhash" not in values:
        comment.fingerprint()
    comment.save()
    return comment


class BaseTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.article = Article.objects.get(slug=SEED_SLUG)
        cls.editor = make_editor()
        # Staff without the moderate permission.
        cls.staffer = get_user_model().objects.create_user("bob", password="password", is_staff=True)
        cls.reader = get_user_model().objects.create_user("carol", password="password")


def seed_article() -> Article:
    """The seed article. Transactional tests flush the tables the data
    migration filled, so they load it again through the same code."""
    import importlib

    from django.apps import apps as global_apps

    migration = importlib.import_module("articles.migrations.0002_seed_article")
    if not Article.objects.filter(slug=SEED_SLUG).exists():
        migration.load(global_apps, None)
    return Article.objects.get(slug=SEED_SLUG)


def ensure_editors_group() -> None:
    """After a flush (TransactionTestCase, live-server tests): permissions
    come back with post_migrate, the group with its permissions here."""
    from moderation.services import roles_ensure

    roles_ensure()
