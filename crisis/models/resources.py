"""Resources opened during a plan (cooled rooms, shelters, distribution points) and bookings."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ResourceKind(models.TextChoices):
    COOLED_ROOM = "cooled_room", _("Salle rafraîchie")
    SHELTER = "shelter", _("Hébergement d'urgence")
    DISTRIBUTION = "distribution", _("Point de distribution (eau, repas)")
    TRANSPORT = "transport", _("Transport")


class Resource(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        "registry.Organization",
        on_delete=models.PROTECT,
        related_name="crisis_resources",
        verbose_name=_("commune"),
    )
    kind = models.CharField(_("type"), max_length=20, choices=ResourceKind.choices)
    name = models.CharField(_("nom"), max_length=200)
    address = models.CharField(_("adresse"), max_length=300, blank=True, default="")
    capacity = models.PositiveIntegerField(_("capacité par jour"))
    is_open = models.BooleanField(_("ouvert"), default=True)

    class Meta:
        verbose_name = _("ressource")
        verbose_name_plural = _("ressources (salles, hébergements, distributions)")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class Booking(models.Model):
    """A place (or a transport) booked for a registered person, for one day."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    resource = models.ForeignKey(
        Resource, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("ressource")
    )
    registration = models.ForeignKey(
        "crisis.Registration",
        on_delete=models.PROTECT,
        related_name="bookings",
        verbose_name=_("inscription"),
    )
    call = models.ForeignKey(
        "crisis.Call", on_delete=models.PROTECT, null=True, blank=True, related_name="bookings"
    )
    day = models.DateField(_("jour"))
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("réservé par"),
    )
    created_at = models.DateTimeField(_("réservé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("réservation")
        verbose_name_plural = _("réservations")
        constraints = [
            models.UniqueConstraint(
                fields=["resource", "registration", "day"], name="crisis_booking_unique"
            )
        ]

    def __str__(self) -> str:
        return f"Réservation {str(self.id)[:8]} ({self.day:%d/%m/%Y})"
