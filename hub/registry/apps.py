from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "hub.registry"
    label = "registry"
    verbose_name = _("Registre des personnes")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Make the Celery app current so that shared tasks use its configuration.
        import hub.celery  # noqa: F401

        # Admin of the review queue, merge history and dedupe runs (its own module).
        from hub.registry import review_admin  # noqa: F401,E402
