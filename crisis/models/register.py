"""The register of vulnerable persons (CASF L121-6-1): what the law lets the commune hold.

Identity, date of birth, eligibility category, address, phone, home-care service, person to call
in an emergency, date and origin of the request (and the third party's identity). Nothing about
health beyond the category. The register's data lives here, never in a partner record that other
partners could see; ``beneficiary`` links the entry to the golden record (matching engine).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from crisis.vocab import Eligibility, EndReason, RegistrationStatus, RequestedBy


class Registration(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        "registry.Organization",
        on_delete=models.PROTECT,
        related_name="crisis_registrations",
        verbose_name=_("commune (tenue du registre)"),
    )
    beneficiary = models.ForeignKey(
        "registry.Beneficiary",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("fiche consolidée"),
    )
    status = models.CharField(
        _("statut"), max_length=20, choices=RegistrationStatus.choices, db_index=True
    )
    category = models.CharField(_("catégorie"), max_length=20, choices=Eligibility.choices)
    requested_by = models.CharField(
        _("origine de la demande"), max_length=20, choices=RequestedBy.choices
    )
    person = models.JSONField(_("identité et coordonnées"), default=dict, blank=True)
    lives_alone = models.BooleanField(_("vit seule"), default=False)
    home_care_service = models.CharField(
        _("service d'aide ou de soins à domicile"), max_length=200, blank=True, default=""
    )
    contact_name = models.CharField(
        _("personne à prévenir"), max_length=200, blank=True, default=""
    )
    contact_phone = models.CharField(
        _("téléphone de la personne à prévenir"), max_length=40, blank=True, default=""
    )
    contact_relation = models.CharField(_("lien"), max_length=100, blank=True, default="")
    third_party_name = models.CharField(
        _("tiers demandeur"), max_length=200, blank=True, default=""
    )
    third_party_contact = models.CharField(
        _("coordonnées du tiers"), max_length=254, blank=True, default=""
    )
    third_party_relation = models.CharField(
        _("lien du tiers avec la personne"), max_length=100, blank=True, default=""
    )
    transmitted_by = models.CharField(
        _("transmis par"),
        max_length=200,
        blank=True,
        default="",
        help_text=_("Département (APA à domicile, PCH) ou CARSAT."),
    )
    requested_at = models.DateTimeField(_("date de la demande"))
    acknowledgment_due = models.DateField(_("accusé de réception dû le"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("accusé de réception le"), null=True, blank=True)
    informed_at = models.DateTimeField(_("personne informée le"), null=True, blank=True)
    objected_at = models.DateTimeField(_("opposition le"), null=True, blank=True)
    ended_at = models.DateTimeField(_("fin de l'inscription"), null=True, blank=True)
    end_reason = models.CharField(
        _("motif de fin"), max_length=20, choices=EndReason.choices, blank=True, default=""
    )
    grant = models.ForeignKey(
        "consent.Grant",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("base légale (registre)"),
    )
    intervention_grant = models.ForeignKey(
        "consent.Grant",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("base légale (intervention pendant le plan)"),
    )
    # Weight of past outcomes (hospitalised, escalated, need reported): called earlier next time.
    attention = models.PositiveSmallIntegerField(_("vigilance (appels passés)"), default=0)
    alerts_opt_out = models.BooleanField(_("ne souhaite pas recevoir d'alertes"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("saisie par"),
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    class Meta:
        verbose_name = _("inscription au registre")
        verbose_name_plural = _("registre des personnes vulnérables")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["organization", "status"], name="crisis_reg_org_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(requested_by="third_party")
                | ~models.Q(third_party_name="")
                | models.Q(status__in=["objected", "removed"]),
                name="crisis_reg_third_party_named",
            ),
        ]

    def __str__(self) -> str:
        return f"Inscription {str(self.id)[:8]}"

    def commune_code(self) -> str:
        """The person's commune (INSEE): their address's code, else the one commune the
        register's holder serves ("" when neither says). Named in the crisis events, so that
        the observatory counts the person where the register is kept."""
        code = ((self.person or {}).get("address") or {}).get("insee_code") or ""
        served = self.organization.insee_codes or []
        return code or (served[0] if len(served) == 1 else "")

    @property
    def display_name(self) -> str:
        """For screens that already passed the disclosure gate (never ``__str__``)."""
        person = self.person or {}
        name = person.get("usage_name") or person.get("birth_name") or ""
        return " ".join(part for part in (name.upper(), person.get("first_names", "")) if part)

    @property
    def phone(self) -> str:
        return (self.person or {}).get("phone", "")

    @property
    def address(self) -> str:
        address = (self.person or {}).get("address") or {}
        return " ".join(
            part
            for part in (address.get("line"), address.get("postcode"), address.get("city"))
            if part
        )
