from django.apps import AppConfig


class CrisisConfig(AppConfig):
    name = "crisis"
    verbose_name = "Plans d'alerte et d'urgence (registre CASF L121-6-1)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The portal's withdrawal of a confirmed registration request ends the entry.
        from crisis import portal_intake  # noqa: F401
