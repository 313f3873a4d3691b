"""The tamper-evident access log and the signed checkpoints of the chains: append-only tables.

Imported by ``consent.models`` (Django finds models there).
"""

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
    """Every read and write of personal data, hash-chained: each row's hash covers the previous.

    Rows are appended freely by the request (no lock); the sequencer then gives each a position
    (``seq``) and chains it (``prev_hash``, ``hash``), in the order it finds them committed."""

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
    # Few indexes: every audited read inserts one row (the bench counts them).
    client = models.ForeignKey(
        "registry.PartnerClient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("client partenaire"),
        db_index=False,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("utilisateur"),
        db_index=False,
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
    # The seal: written once by the sequencer (consent.seal), never by the request. Until then
    # the row is "en attente de scellement": seq is NULL and both hashes are empty.
    seq = models.BigIntegerField(_("position dans la chaîne"), null=True, blank=True, unique=True)
    prev_hash = models.CharField(_("empreinte précédente"), max_length=64, blank=True, default="")
    # Not unique: the chain, not an index, proves integrity (and a random 64-char key per
    # row is the costliest index to maintain).
    hash = models.CharField(_("empreinte"), max_length=64, blank=True, default="")

    class Meta:
        verbose_name = _("journal des accès")
        verbose_name_plural = _("journal des accès")
        ordering = ["id"]
        default_permissions = ("view",)
        indexes = [
            # The sequencer's work queue: small, since rows leave it within a second or two.
            models.Index(
                fields=["id"], condition=models.Q(seq__isnull=True), name="accesslog_unsealed"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.id} {self.action} {self.resource} {self.decision}"


class ChainCheckpoint(AppendOnly):
    """A signed statement of a chain's head at a point in time (HMAC keyed from SECRET_KEY).

    It detects what a chain alone cannot: rows removed from the end, or a chain recomputed by
    someone with database rights but without the key.
    """

    id = models.BigAutoField(primary_key=True)
    chain = models.CharField(_("chaîne"), max_length=30)
    at = models.DateTimeField(_("date"))
    # A position in the chain: the id for the grant ledger, ``seq`` for the access log.
    last_id = models.BigIntegerField(_("dernière ligne"))
    head_hash = models.CharField(_("empreinte de tête"), max_length=64)
    row_count = models.BigIntegerField(_("nombre de lignes"))
    signature = models.CharField(_("signature"), max_length=64)

    class Meta:
        verbose_name = _("point de contrôle signé")
        verbose_name_plural = _("points de contrôle signés")
        ordering = ["-id"]
        default_permissions = ("view",)
        indexes = [models.Index(fields=["chain", "last_id"], name="checkpoint_chain_position")]

    def __str__(self) -> str:
        return f"{self.chain} #{self.last_id} @ {self.at:%Y-%m-%d %H:%M}"
