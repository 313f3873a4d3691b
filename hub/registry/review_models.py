"""The matching's work for people: the review queue (pairs a person decides), merges (each one
undoable) and the batch dedupe runs with their chunks. Imported by ``hub.registry.models``
(Django finds models there)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from hub.registry.refs import short_ref


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("À examiner")
    LATER = "later", _("Reporté")
    MERGED = "merged", _("Même personne (fusionnée)")
    DISTINCT = "distinct", _("Personnes différentes")


class ReviewItem(models.Model):
    """A possible duplicate for a social worker: two beneficiaries, a score and its explanation."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    beneficiary_a = models.ForeignKey(
        "registry.Beneficiary",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("personne A"),
    )
    beneficiary_b = models.ForeignKey(
        "registry.Beneficiary",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("personne B"),
    )
    score = models.FloatField(_("score"))
    grade = models.CharField(_("niveau"), max_length=20)
    explanation = models.JSONField(_("explication"), default=list)
    status = models.CharField(
        _("statut"), max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.PENDING
    )
    source = models.CharField(_("origine"), max_length=20, default="intake")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("décidé par"),
    )
    decided_at = models.DateTimeField(_("décidé le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("doublon possible")
        verbose_name_plural = _("doublons possibles (file de revue)")
        ordering = ["-score", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["beneficiary_a", "beneficiary_b"], name="review_pair_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(beneficiary_a__lt=models.F("beneficiary_b")),
                name="review_pair_ordered",
            ),
        ]

    def __str__(self) -> str:
        return _("Doublon possible n° %(ref)s") % {"ref": short_ref(self.id)}


class Merge(models.Model):
    """``source`` merged into ``target``; undone by ``unmerge`` (the row is kept, with its undoing)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    source = models.ForeignKey(
        "registry.Beneficiary",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("fusionnée"),
    )
    target = models.ForeignKey(
        "registry.Beneficiary",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("conservée"),
    )
    review_item = models.ForeignKey(
        ReviewItem, on_delete=models.PROTECT, null=True, blank=True, related_name="merges"
    )
    score = models.FloatField(_("score"), null=True, blank=True)
    explanation = models.JSONField(_("explication"), default=list, blank=True)
    before = models.JSONField(_("état avant fusion"), default=dict)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("fusionnée par"),
    )
    merged_at = models.DateTimeField(_("fusionnée le"), auto_now_add=True)
    unmerged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("défaite par"),
    )
    unmerged_at = models.DateTimeField(_("défaite le"), null=True, blank=True)

    class Meta:
        verbose_name = _("fusion")
        verbose_name_plural = _("historique des fusions")
        ordering = ["-merged_at"]

    def __str__(self) -> str:
        return _("Fusion n° %(ref)s") % {"ref": short_ref(self.id)}


class DedupeRun(models.Model):
    """A batch re-scoring of the registry, split into chunks; resumable."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    status = models.CharField(_("statut"), max_length=20, default="running")
    total_chunks = models.PositiveIntegerField(_("lots"), default=0)
    done_chunks = models.PositiveIntegerField(_("lots traités"), default=0)
    pairs_scored = models.PositiveBigIntegerField(_("paires comparées"), default=0)
    review_items = models.PositiveIntegerField(_("doublons proposés"), default=0)
    merges = models.PositiveIntegerField(_("fusions automatiques"), default=0)
    skipped_keys = models.JSONField(
        _("clés écartées (blocs trop grands)"), default=list, blank=True
    )
    started_at = models.DateTimeField(_("début"), auto_now_add=True)
    finished_at = models.DateTimeField(_("fin"), null=True, blank=True)
    # Last sign of life (a chunk started or finished, or re-queued by the sweeper): a running
    # run silent for ``JOBS_STALE_SECONDS`` has its unfinished chunks queued again.
    heartbeat_at = models.DateTimeField(_("dernier signe d'activité"), null=True, blank=True)

    class Meta:
        verbose_name = _("dédoublonnage")
        verbose_name_plural = _("dédoublonnages")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.done_chunks}/{self.total_chunks}"

    @property
    def progress(self) -> float:
        return self.done_chunks / self.total_chunks if self.total_chunks else 1.0


class DedupeChunk(models.Model):
    run = models.ForeignKey(DedupeRun, on_delete=models.CASCADE, related_name="chunks")
    number = models.PositiveIntegerField()
    done = models.BooleanField(default=False)
    keys = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "number"], name="dedupe_chunk_unique")
        ]

    def __str__(self) -> str:
        return f"{self.run_id} #{self.number}"
