"""Materialised aggregates of the observatory, and the placement of persons in zones.

``Cell`` holds counts per zone × period × breakdown, never a person. ``PersonZone`` is the
territory's working index (which commune, which IRIS, flags used by the needs indicators) keyed
by the pseudonymous beneficiary id: it never leaves this app, and nothing reads it but the
aggregation.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Cell(models.Model):
    """One count of one measure for one zone (commune, or IRIS inside it), one period."""

    measure = models.CharField(_("mesure"), max_length=40)
    level = models.CharField(_("niveau"), max_length=12)  # commune or iris
    zone = models.CharField(_("zone"), max_length=12)
    commune = models.CharField(_("commune"), max_length=5)
    epci = models.CharField(_("EPCI"), max_length=9, blank=True, default="")
    departement = models.CharField(_("département"), max_length=3, blank=True, default="")
    period = models.CharField(_("période"), max_length=7)  # YYYY-MM or YYYY
    dimension = models.CharField(_("ventilation"), max_length=20, blank=True, default="")
    category = models.CharField(_("modalité"), max_length=40, blank=True, default="")
    value = models.BigIntegerField(_("valeur"))

    class Meta:
        verbose_name = _("agrégat")
        verbose_name_plural = _("agrégats")
        indexes = [
            # Covering: a table is read from the index alone (PostgreSQL; SQLite ignores it).
            models.Index(
                fields=["measure", "level", "dimension", "period"],
                include=["zone", "category", "value"],
                name="territory_cell_read_idx",
            ),
            models.Index(fields=["commune"], name="territory_cell_commune_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.measure} {self.zone} {self.period} {self.dimension}={self.category}"


class PersonZone(models.Model):
    """Where a beneficiary counts: its person (the merge target, if merged) and zones."""

    beneficiary_id = models.UUIDField(primary_key=True)
    person_id = models.UUIDField(db_index=True)
    commune = models.CharField(max_length=5, blank=True, default="", db_index=True)
    iris = models.CharField(max_length=9, blank=True, default="")
    living_alone = models.BooleanField(default=False)
    reduced_mobility = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("placement d'une personne")
        verbose_name_plural = _("placements des personnes")

    def __str__(self) -> str:
        return f"{self.commune or '?'}"


class RefreshRun(models.Model):
    """The state of the aggregates: last refresh, last full rebuild (shown on the dashboard)."""

    name = models.CharField(max_length=20, primary_key=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    rebuilt_at = models.DateTimeField(null=True, blank=True)
    events = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("mise à jour des agrégats")
        verbose_name_plural = _("mises à jour des agrégats")

    def __str__(self) -> str:
        return self.name


class Observatory(models.Model):
    """No table: the admin entry of the observatory's dashboards, and its permission."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_observatory", "Consulter l'observatoire du territoire")]
        verbose_name = _("observatoire du territoire")
        verbose_name_plural = _("observatoire du territoire (tableaux de bord)")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


class MeasureVersion(models.Model):
    """Changes whenever a cell of this measure and period changes (set in the transaction that
    writes the cells): a published table built from other versions is out of date."""

    measure = models.CharField(max_length=40)
    period = models.CharField(max_length=7)
    version = models.CharField(max_length=32)

    class Meta:
        verbose_name = _("version d'une mesure")
        verbose_name_plural = _("versions des mesures")
        constraints = [
            models.UniqueConstraint(fields=["measure", "period"], name="territory_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.measure} {self.period}"


class PublishedTable(models.Model):
    """One period of a suppressed table (the cells ``territory.selectors`` publishes, nothing
    else), kept with the versions of the measures it was built from."""

    code = models.CharField(max_length=40)
    level = models.CharField(max_length=12)
    breakdown = models.CharField(max_length=20, blank=True, default="")
    period = models.CharField(max_length=7)
    threshold = models.PositiveIntegerField()
    rounding = models.PositiveIntegerField()
    versions = models.CharField(max_length=80)
    cells = models.JSONField()
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("tableau publié")
        verbose_name_plural = _("tableaux publiés")
        constraints = [
            models.UniqueConstraint(
                fields=["code", "level", "breakdown", "period", "threshold", "rounding"],
                name="territory_published_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.level} {self.breakdown} {self.period}"
