"""What the detectors are configured with: editors' term and domain lists,
and the trained versions every worker loads.

The tables keep the names they had when these models lived in ``comments``
(see docs/decisions/0009-app-layering.md): moving them was a state-only
migration, with no data copied.
"""

from django.db import models
from django.db.models import Q


class ListAction(models.TextChoices):
    ALLOW = "allow", "Allow (links to it are not suspicious)"
    BLOCK = "block", "Block (links to it are spam)"


class DomainRule(models.Model):
    """An editor-managed allow or block rule for a link's domain. A rule for
    example.com also covers its subdomains."""

    domain = models.CharField(max_length=253, unique=True)
    action = models.CharField(max_length=5, choices=ListAction.choices)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "comments_domainrule"
        ordering = ["domain"]

    def __str__(self) -> str:
        return f"{self.get_action_display().split(' ')[0]} {self.domain}"


class TermHead(models.TextChoices):
    SPAM = "spam", "Spam"
    TOXICITY = "toxicity", "Toxicity"


class Term(models.Model):
    """An editor-managed word or phrase, matched after Unicode, leetspeak
    and spacing normalisation."""

    text = models.CharField(max_length=100)
    head = models.CharField(max_length=8, choices=TermHead.choices)
    weight = models.FloatField(
        default=0.6, help_text="Score one match adds (0-1); several combine."
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "comments_term"
        ordering = ["head", "text"]
        constraints = [
            models.UniqueConstraint(fields=["text", "head"], name="term_unique_per_head"),
            models.CheckConstraint(
                condition=models.Q(weight__gte=0) & models.Q(weight__lte=1),
                name="term_weight_0_1",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.text} ({self.head})"


class DetectorVersion(models.Model):
    """One trained version of the detectors' artefacts.

    The artefacts (a zip of the files ``manage.py train_detectors`` writes)
    live in the database so that every worker, on any host, loads the same
    active version. With no active row, workers use the artefacts shipped in
    ``detection/classifiers/artifacts/``.
    """

    version = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    archive = models.BinaryField()
    manifest = models.JSONField(default=dict)
    # Live against new on the held-out recent window, and the verdict.
    evaluation = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=False)
    activated_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        db_table = "comments_detectorversion"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="one_active_detector"
            )
        ]

    def __str__(self) -> str:
        return f"detectors {self.version}{' (active)' if self.is_active else ''}"
