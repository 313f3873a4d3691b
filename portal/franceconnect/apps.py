from django.apps import AppConfig


class FranceConnectConfig(AppConfig):
    """Its own app only so that its templates and template tags are found; it has no model."""

    name = "portal.franceconnect"
    label = "franceconnect"
    verbose_name = "FranceConnect (portail citoyen)"
