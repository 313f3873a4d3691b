"""Import jobs (a partner's file, its progress and heartbeat), their per-row report, and the
parts of a large file stored a piece at a time. Imported by ``exchanges.models`` (Django finds
models there)."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("En attente")
    RUNNING = "running", _("En cours")
    DONE = "done", _("Terminé")
    FAILED = "failed", _("Échec")


class ImportJob(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        "registry.Organization",
        on_delete=models.PROTECT,
        related_name="import_jobs",
        verbose_name=_("organisation"),
    )
    client_id = models.BigIntegerField(_("client partenaire"), null=True, blank=True)
    user_id = models.BigIntegerField(_("utilisateur"), null=True, blank=True)
    format = models.CharField(_("format"), max_length=10)
    content = models.BinaryField(_("contenu"))
    status = models.CharField(
        _("statut"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    total = models.PositiveIntegerField(_("lignes"), default=0)
    processed = models.PositiveIntegerField(_("lignes traitées"), default=0)
    created = models.PositiveIntegerField(_("créées"), default=0)
    linked = models.PositiveIntegerField(_("rattachées"), default=0)
    review = models.PositiveIntegerField(_("à vérifier"), default=0)
    updated = models.PositiveIntegerField(_("mises à jour"), default=0)
    unchanged = models.PositiveIntegerField(_("inchangées"), default=0)
    rejected = models.PositiveIntegerField(_("rejetées"), default=0)
    error = models.CharField(_("erreur"), max_length=300, blank=True, default="")
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    started_at = models.DateTimeField(_("commencé le"), null=True, blank=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)
    # Last sign of life: queued, started, a chunk committed, or re-queued by the sweeper
    # (``exchanges.jobs``); a job silent for ``JOBS_STALE_SECONDS`` is queued again.
    heartbeat_at = models.DateTimeField(_("dernier signe d'activité"), null=True, blank=True)

    class Meta:
        verbose_name = _("import en masse")
        verbose_name_plural = _("imports en masse")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.organization} — {self.created_at:%Y-%m-%d %H:%M}"


class ImportRow(models.Model):
    """Per-row report of an import: outcome and reasons. No personal data."""

    job = models.ForeignKey(
        ImportJob, on_delete=models.CASCADE, related_name="rows", verbose_name=_("import")
    )
    index = models.PositiveIntegerField(_("ligne"))
    external_id = models.CharField(_("identifiant"), max_length=128, blank=True, default="")
    outcome = models.CharField(_("résultat"), max_length=20)
    beneficiary_id = models.UUIDField(_("personne"), null=True, blank=True)
    errors = models.JSONField(_("motifs"), default=list, blank=True)

    class Meta:
        verbose_name = _("ligne d'import")
        verbose_name_plural = _("lignes d'import")
        ordering = ["job", "index"]
        constraints = [models.UniqueConstraint(fields=["job", "index"], name="import_row_unique")]

    def __str__(self) -> str:
        return f"{self.index}: {self.outcome}"


class ImportPart(models.Model):
    """A piece of a large import file, in order: the file is stored and read a piece at a
    time, never held whole (a small file stays in ``ImportJob.content``)."""

    job = models.ForeignKey(
        ImportJob, on_delete=models.CASCADE, related_name="parts", verbose_name=_("import")
    )
    seq = models.PositiveIntegerField(_("rang"))
    data = models.BinaryField(_("contenu"))

    class Meta:
        verbose_name = _("partie de fichier d'import")
        verbose_name_plural = _("parties de fichier d'import")
        ordering = ["job", "seq"]
        constraints = [models.UniqueConstraint(fields=["job", "seq"], name="import_part_unique")]

    def __str__(self) -> str:
        return f"{self.seq}"
