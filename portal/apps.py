from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    label = "portal"
    verbose_name = "Portail citoyen"
    default_auto_field = "django.db.models.BigAutoField"
