from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = "Moderation desk"

    def ready(self):
        from comments import hooks
        from moderation.selectors import ban_screen, comment_trusted_publish_reason
        from moderation.services import desk_after_transition

        hooks.add_screen(ban_screen)
        hooks.add_publish_reason(comment_trusted_publish_reason)
        hooks.on_transition(desk_after_transition)
