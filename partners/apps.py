from django.apps import AppConfig


class PartnersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "partners"
    verbose_name = "Partner apps"

    def ready(self):
        from comments import hooks
        from partners import schema  # noqa: F401  (registers the extension)
        from partners.services import webhooks_after_transition

        hooks.on_transition(webhooks_after_transition)
