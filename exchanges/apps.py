from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangesConfig(AppConfig):
    name = "exchanges"
    verbose_name = _("Échanges")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from exchanges import rights
        from exchanges.dispatcher import notify_committed
        from exchanges.tasks import kick_relay
        from hub.outbox.emit import events_committed

        events_committed.connect(kick_relay, dispatch_uid="passerelle-relay-kick")
        events_committed.connect(notify_committed, dispatch_uid="passerelle-dispatcher-notify")
        rights.register()  # cases and referrals in the DPO's subject access export
