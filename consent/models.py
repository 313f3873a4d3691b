"""Legal bases, consents and the tamper-evident access log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnly(models.Model):
    """Rows are written once: no update, no delete (a PostgreSQL trigger enforces it too)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError(f"{type(self).__name__} rows are append-only")


class Decision(models.TextChoices):
    ALLOW = "allow", _("Autorisé")
    DENY = "deny", _("Refusé")


class AccessLog(AppendOnly):
    """Every read and write of personal data, hash-chained: each row's hash covers the previous."""

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(_("date"), db_index=True)
    organization = models.ForeignKey(
        "registry.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation"),
    )
    client = models.ForeignKey(
        "registry.PartnerClient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("client partenaire"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("utilisateur"),
    )
    beneficiary_id = models.UUIDField(_("personne"), null=True, blank=True, db_index=True)
    action = models.CharField(_("action"), max_length=40)
    resource = models.CharField(_("ressource"), max_length=60)
    categories = models.JSONField(_("catégories de données"), default=list)
    purpose = models.CharField(_("finalité"), max_length=60, blank=True, default="")
    basis = models.CharField(_("base"), max_length=60, blank=True, default="")
    grant_id = models.UUIDField(_("autorisation"), null=True, blank=True)
    decision = models.CharField(_("décision"), max_length=5, choices=Decision.choices)
    request_id = models.CharField(_("requête"), max_length=64, blank=True, default="")
    prev_hash = models.CharField(_("empreinte précédente"), max_length=64)
    hash = models.CharField(_("empreinte"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("journal des accès")
        verbose_name_plural = _("journal des accès")
        ordering = ["id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"#{self.id} {self.action} {self.resource} {self.decision}"
