from django.apps import AppConfig


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = "Comments"

    def ready(self):
        from comments import hooks
        from comments.selectors import CommentHistory
        from comments.services import (
            comment_cache_after_transition,
            comment_enqueue_akismet_feedback,
        )
        from detection.history import set_history

        # What the detectors may know of stored comments (near-copies,
        # posting rate, editors' decisions as labels).
        set_history(CommentHistory())
        hooks.on_transition(comment_cache_after_transition)
        hooks.on_transition(comment_enqueue_akismet_feedback)
