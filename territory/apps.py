from django.apps import AppConfig


class TerritoryConfig(AppConfig):
    name = "territory"
    verbose_name = "Observatoire du territoire"
    default_auto_field = "django.db.models.BigAutoField"
