from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q

from comments.validators import NoDirectionControlsValidator, VisibleTextValidator


class CommentStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    CHECKING = "checking", "Checking"
    REVIEW = "review", "Awaiting review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    SPAM = "spam", "Spam"
    # Withdrawn by its author (or removed for good): never served again.
    REMOVED = "removed", "Removed"


class DecisionReason(models.TextChoices):
    """Why an editor decided as they did; rejections always carry one.
    Editors' decisions are labels for the detectors' training."""

    APPROVED = "approved", "Approved"
    SPAM = "spam", "Spam"
    TOXIC = "toxic", "Toxic or abusive"
    OFF_TOPIC = "off_topic", "Off-topic"
    PERSONAL_DATA = "personal_data", "Personal data"
    LEGAL = "legal", "Legal risk"
    OTHER = "other", "Other"


class CommentQuerySet(models.QuerySet):
    def in_moderation(self):
        """Comments an editor still has to decide on."""
        return self.filter(status=CommentStatus.REVIEW)


class Comment(models.Model):
    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="comments"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    author_name = models.CharField(
        max_length=100, validators=[VisibleTextValidator(), NoDirectionControlsValidator()]
    )
    # Never shown publicly; editors see it.
    author_email = models.EmailField(max_length=254)
    body = models.TextField(
        max_length=5000, validators=[MaxLengthValidator(5000), VisibleTextValidator()]
    )
    # A keyed hash of the poster's IP address (never the raw address).
    ip_hash = models.CharField(max_length=64, blank=True, db_index=True)
    user_agent = models.CharField(max_length=300, blank=True)

    status = models.CharField(
        max_length=10, choices=CommentStatus.choices, default=CommentStatus.PENDING
    )
    status_changed_at = models.DateTimeField(auto_now_add=True)
    spam_score = models.FloatField(null=True, blank=True)
    toxicity_score = models.FloatField(null=True, blank=True)
    # The larger of the two scores: the admin orders the queue by it.
    risk = models.FloatField(default=0.0)
    # Held for review because the toxicity head fired: top of the queue.
    flagged = models.BooleanField(default=False)
    reasons = models.JSONField(default=list, blank=True)
    # What the form saw (honeypot, seconds to submit); empty for the API.
    signals = models.JSONField(default=dict, blank=True)
    # 64-bit SimHash of the text, for near-duplicate detection, and its
    # four 16-bit bands: texts at most 3 bits apart share at least one band,
    # so an indexed lookup on the bands finds the candidates.
    simhash = models.BigIntegerField(null=True, blank=True)
    simhash_b0 = models.PositiveIntegerField(null=True, blank=True)
    simhash_b1 = models.PositiveIntegerField(null=True, blank=True)
    simhash_b2 = models.PositiveIntegerField(null=True, blank=True)
    simhash_b3 = models.PositiveIntegerField(null=True, blank=True)
    check_attempts = models.PositiveSmallIntegerField(default=0)

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    # The author asked to be e-mailed when an editor decides.
    notify_author = models.BooleanField(
        default=False, verbose_name="E-mail me when my comment is approved or rejected"
    )
    # Which decision the author was last told about (so a decision that is
    # undone and taken again is not mailed twice).
    author_notified_status = models.CharField(max_length=10, blank=True)
    # Rejected because of a shadow ban: its author still sees it as if it
    # were awaiting moderation; nobody else ever does.
    shadow = models.BooleanField(default=False)
    # Last time its author edited the text (within the edit window).
    edited_at = models.DateTimeField(null=True, blank=True)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        permissions = [("moderate_comment", "Can moderate comments")]
        indexes = [
            # The public list: approved comments of an article, oldest first.
            models.Index(
                fields=["article", "approved_at", "id"],
                name="comment_public_idx",
                condition=Q(status="approved"),
            ),
            # The editors' queue and the sweep.
            models.Index(
                fields=["status", "-flagged", "-risk", "created_at"],
                name="comment_queue_idx",
            ),
            models.Index(fields=["status", "status_changed_at"], name="comment_sweep_idx"),
            # Near-duplicates: one index per SimHash band.
            *[
                models.Index(fields=[f"simhash_b{i}", "created_at"], name=f"comment_simhash_b{i}_idx")
                for i in range(4)
            ],
            # Posting-rate checks.
            models.Index(fields=["author_email", "created_at"], name="comment_email_rate_idx"),
            models.Index(fields=["ip_hash", "created_at"], name="comment_ip_rate_idx"),
            # An author's record on the desk and the trust check.
            models.Index(fields=["author_email", "status"], name="comment_author_idx"),
            # The article page: approved top-level comments, one page at a
            # time in either order (keyset on approved_at, id).
            models.Index(
                fields=["article", "approved_at", "id"],
                name="comment_public_top_idx",
                condition=Q(status="approved", parent__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author_name}: {self.excerpt}"

    def fingerprint(self) -> list[str]:
        """Compute the SimHash fields from the body; returns their names."""
        from detection.classifiers.text import simhash, simhash_bands

        self.simhash = simhash(self.body)
        self.simhash_b0, self.simhash_b1, self.simhash_b2, self.simhash_b3 = simhash_bands(self.simhash)
        return ["simhash", "simhash_b0", "simhash_b1", "simhash_b2", "simhash_b3"]

    @property
    def excerpt(self) -> str:
        text = " ".join(self.body.split())
        return text if len(text) <= 80 else text[:79] + "\u2026"


class ModerationEvent(models.Model):
    """One status change of a comment. Append-only: never updated or deleted."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="events")
    # Null for the system (the check pipeline, the sweep).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    # Set on editors' decisions; empty for the system's moves.
    reason_code = models.CharField(max_length=16, choices=DecisionReason.choices, blank=True)
    reason = models.TextField(blank=True)
    spam_score = models.FloatField(null=True, blank=True)
    toxicity_score = models.FloatField(null=True, blank=True)
    # The text as the editor saw it when deciding (a training label must
    # not change when a reader later edits the comment).
    body_snapshot = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        who = self.actor or "system"
        return f"{who}: {self.from_status or '-'} \u2192 {self.to_status}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Moderation events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Moderation events are append-only.")


class ReportReason(models.TextChoices):
    SPAM = "spam", "Spam or advertising"
    ABUSE = "abuse", "Abusive, hateful or threatening"
    OFF_TOPIC = "off_topic", "Off-topic"
    PERSONAL_DATA = "personal_data", "Shares someone's personal data"
    OTHER = "other", "Something else"


class CommentReport(models.Model):
    """A reader's report of a public comment: one per browser session for
    each comment (keyed hashes, never raw values). Readers sharing an IP
    address may each report, but only the first report from an address
    within COMMENT_REPORT_IP_WINDOW_MINUTES counts towards the threshold."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")
    reason = models.CharField(max_length=16, choices=ReportReason.choices)
    session_hash = models.CharField(max_length=64)
    ip_hash = models.CharField(max_length=64, blank=True)
    # False: another report from this IP already counted within the window.
    counted = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "session_hash"], name="report_once_per_session"
            ),
        ]
        indexes = [models.Index(fields=["comment", "ip_hash"], name="report_comment_ip_idx")]

    def __str__(self) -> str:
        return f"Report of comment {self.comment_id}: {self.get_reason_display()}"


class IdempotencyRecord(models.Model):
    """An Idempotency-Key seen on a submission, per client: a retry with
    the same key returns the same comment and creates none."""

    client = models.CharField(max_length=80)
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # Created in the partners app; moved here with its table (see the
        # layering decision record).
        db_table = "partners_idempotencyrecord"
        constraints = [
            models.UniqueConstraint(fields=["client", "key"], name="idempotency_client_key_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.client}: {self.key}"
