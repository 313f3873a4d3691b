"""The outbox table (``exchanges_event``: the name it had when the outbox lived in exchanges)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Event(models.Model):
    """One change, written in the transaction of the change it describes.

    Thin: a type, ids and a time, never personal data. ``xid`` is the PostgreSQL transaction
    id that wrote the row (``pg_current_xact_id()``); the change feed and the webhook relay
    read in (xid, id) order and only below the snapshot xmin, so a long transaction committing
    late can never be skipped (see ``exchanges.feed``). On SQLite writers are serialised and
    ``xid`` stays 0: the order is the id order.
    """

    id = models.BigAutoField(primary_key=True)
    type = models.CharField(_("type"), max_length=60, db_index=True)
    organization = models.ForeignKey(
        "registry.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation à l'origine"),
    )
    recipient = models.ForeignKey(
        "registry.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation destinataire"),
    )
    shared = models.BooleanField(
        _("partagé"),
        default=False,
        help_text=_("Visible de toute organisation qui peut voir la personne concernée."),
    )
    beneficiary_id = models.UUIDField(_("personne"), null=True, blank=True, db_index=True)
    subject_id = models.CharField(_("objet"), max_length=64, blank=True, default="")
    data = models.JSONField(_("données"), default=dict)
    occurred_at = models.DateTimeField(_("survenu le"), auto_now_add=True, db_index=True)
    xid = models.BigIntegerField(_("transaction"), default=0)

    class Meta:
        db_table = "exchanges_event"
        verbose_name = _("événement")
        verbose_name_plural = _("événements")
        ordering = ["id"]
        indexes = [models.Index(fields=["xid", "id"], name="event_xid_id_idx")]

    def __str__(self) -> str:
        return f"#{self.id} {self.type}"
