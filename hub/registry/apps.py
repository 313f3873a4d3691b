from django.apps import AppConfig
from django.db.models.signals import post_migrate, post_save
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "hub.registry"
    label = "registry"
    verbose_name = _("Registre des personnes")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Make the Celery app current so that shared tasks use its configuration.
        import hub.celery  # noqa: F401

        # A newly trained matching model is used at once by this process (others within 30 s).
        from hub.registry.intake import forget_model
        from hub.registry.models import MatchingModel

        post_save.connect(
            lambda **_: forget_model(),
            sender=MatchingModel,
            weak=False,
            dispatch_uid="matching-model",
        )

        # Role groups get the permissions of every app, including apps migrated after this one.
        post_migrate.connect(_refresh_role_groups, dispatch_uid="passerelle-role-groups")


def _refresh_role_groups(sender, app_config=None, using="default", **kwargs):
    if app_config is None or app_config.label != "exchanges":
        return  # once per migrate run, after the last of our apps
    from hub.registry.roles import ensure_role_groups

    ensure_role_groups()
