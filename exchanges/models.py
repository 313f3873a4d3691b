"""Transactional outbox: thin events (type, ids, time; no personal data)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Event(models.Model):
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
    beneficiary_id = models.UUIDField(_("personne"), null=True, blank=True, db_index=True)
    subject_id = models.CharField(_("objet"), max_length=64, blank=True, default="")
    data = models.JSONField(_("données"), default=dict)
    occurred_at = models.DateTimeField(_("survenu le"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("événement")
        verbose_name_plural = _("événements")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"#{self.id} {self.type}"
