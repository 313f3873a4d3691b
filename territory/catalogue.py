"""The indicators of the territory's observatory (codes are part of the public API)."""

from __future__ import annotations

from territory.definitions import (
    COMMUNE_LEVELS,
    COUNT,
    DELAY,
    MONTH,
    RATE,
    SUPPORTED,
    Indicator,
    _d,
)

# Crisis indicators read the outbox events the crisis app emits (territory never imports it;
# ``tests/territory/test_crisis_indicators.py`` runs the crisis app's own services): for each
# measure, the event type and what its data must hold. Each counts distinct register entries
# (``data.registration``) in the commune the event names (``data.commune``) per month.
CRISIS_EVENTS = {
    "crisis_registered": (("crisis.registered", {"status": "active"}),),
    "crisis_called": (("crisis.call_recorded", {}),),
    "crisis_reached": (("crisis.call_recorded", {"reached": True}),),
    "crisis_escalations": (("crisis.call_escalated", {}),),
}

INDICATORS = (
    Indicator(
        "persons_supported",
        "Personnes accompagnées",
        "personnes",
        COUNT,
        "persons_supported",
        _d(
            "Personnes ayant au moins un accompagnement ouvert pendant la période.",
            "Aucun (effectif).",
            SUPPORTED,
            "Un accompagnement compte s'il a commencé avant la fin de la période et n'était pas "
            "clos avant son début. Une personne compte une fois, même suivie par plusieurs "
            "partenaires ; par type ou par partenaire, elle compte dans chaque ligne qui la "
            "concerne.",
        ),
        ("support_type", "partner_kind"),
        theme="Besoins",
    ),
    Indicator(
        "new_persons",
        "Nouvelles personnes accompagnées",
        "personnes",
        COUNT,
        "new_persons",
        _d(
            "Personnes dont le premier accompagnement (tous partenaires) commence dans la période.",
            "Aucun (effectif).",
            SUPPORTED,
            "Type et partenaire sont ceux du premier accompagnement.",
        ),
        ("support_type", "partner_kind"),
        theme="Besoins",
    ),
    Indicator(
        "homeless_persons",
        "Personnes sans domicile accompagnées (SIAO)",
        "personnes",
        COUNT,
        "homeless_persons",
        _d(
            "Personnes ayant un accompagnement ouvert d'hébergement d'urgence ou de "
            "domiciliation pendant la période.",
            "Aucun (effectif).",
            SUPPORTED,
            "Sert à suivre le nombre de personnes sans domicile dans le temps.",
        ),
        theme="Logement",
    ),
    Indicator(
        "overlaps_detected",
        "Doubles interventions détectées",
        "alertes",
        COUNT,
        "overlaps_detected",
        _d(
            "Paires d'accompagnements ouverts du même type, pour la même personne, chez deux "
            "partenaires, détectées pendant la période.",
            "Aucun (effectif).",
            SUPPORTED,
            "Une paire compte une fois, même si chacun des deux partenaires reçoit son alerte.",
        ),
        ("support_type",),
        theme="Coordination",
    ),
    Indicator(
        "overlaps_resolved",
        "Doubles interventions résolues",
        "alertes",
        COUNT,
        "overlaps_resolved",
        _d(
            "Paires de doubles interventions traitées (un des accompagnements clos) pendant "
            "la période.",
            "Aucun (effectif).",
            SUPPORTED,
            "Rattachées au mois où l'alerte a été traitée.",
        ),
        ("support_type",),
        theme="Coordination",
    ),
    Indicator(
        "duplicates_avoided",
        "Doublons évités à l'accueil",
        "fiches",
        COUNT,
        "duplicates_avoided",
        _d(
            "Fiches de partenaires rattachées à une personne déjà connue à leur arrivée, et "
            "fusions de fiches décidées pendant la période (fusions défaites exclues).",
            "Aucun (effectif).",
            SUPPORTED,
            "Chaque rattachement ou fusion évite de traiter deux fois la même personne.",
        ),
        ("kind",),
        theme="Coordination",
    ),
    Indicator(
        "referrals_sent",
        "Orientations envoyées",
        "orientations",
        COUNT,
        "referrals_sent",
        _d(
            "Orientations d'un partenaire vers un autre envoyées pendant la période.",
            "Aucun (effectif).",
            SUPPORTED,
            "Par type d'accompagnement demandé.",
        ),
        ("support_type",),
        theme="Coordination",
    ),
    Indicator(
        "referrals_answered_share",
        "Part des orientations ayant reçu une réponse",
        "%",
        RATE,
        "referrals_answered",
        _d(
            "Orientations envoyées pendant la période, acceptées ou refusées depuis.",
            "Orientations envoyées pendant la période.",
            SUPPORTED,
            "Publiée si numérateur et dénominateur passent le seuil du secret statistique.",
        ),
        denominator="referrals_sent",
        theme="Coordination",
    ),
    Indicator(
        "referral_answer_delay",
        "Délai entre l'envoi et la réponse à une orientation",
        "jours",
        DELAY,
        "referral_answer_days",
        _d(
            "Jours entiers entre l'envoi et la réponse (acceptation ou refus) : médiane et 9ᵉ "
            "décile (90 % des orientations ont reçu une réponse dans ce délai).",
            "Orientations envoyées pendant la période et ayant reçu une réponse.",
            SUPPORTED,
            "Publié si au moins le seuil d'orientations y contribue.",
        ),
        ("statistic",),
        theme="Coordination",
    ),
    Indicator(
        "referral_accept_delay",
        "Délai entre l'envoi et l'acceptation d'une orientation",
        "jours",
        DELAY,
        "referral_accept_days",
        _d(
            "Jours entiers entre l'envoi et l'acceptation : médiane et 9ᵉ décile.",
            "Orientations envoyées pendant la période et acceptées.",
            SUPPORTED,
            "Publié si au moins le seuil d'orientations y contribue.",
        ),
        ("statistic",),
        theme="Coordination",
    ),
    Indicator(
        "referrals_declined",
        "Orientations refusées",
        "orientations",
        COUNT,
        "referrals_declined",
        _d(
            "Orientations envoyées pendant la période et refusées, par motif.",
            "Aucun (effectif).",
            SUPPORTED,
            "Motifs de la liste contrôlée des refus.",
        ),
        ("reason",),
        theme="Coordination",
    ),
    Indicator(
        "exits",
        "Sorties d'accompagnement par motif",
        "sorties",
        COUNT,
        "exits",
        _d(
            "Accompagnements clos pendant la période avec un motif de sortie.",
            "Aucun (effectif).",
            SUPPORTED,
            "Par groupe de motifs (emploi durable, relogement, ...) ou par durée de "
            "l'accompagnement (30 jours ou moins, 31–90, 91–180, plus de 180).",
        ),
        ("outcome_group", "duration", "support_type"),
        theme="Résultats",
    ),
    Indicator(
        "employment_return_rate",
        "Taux de retour à l'emploi après accompagnement",
        "%",
        RATE,
        "insertion_employment_exits",
        _d(
            "Accompagnements d'insertion professionnelle clos pendant la période vers un "
            "emploi durable (CDI, CDD ou intérim de plus de 6 mois, création d'entreprise) ou "
            "de transition.",
            "Accompagnements d'insertion professionnelle clos pendant la période avec un motif, "
            "décès et départs du territoire exclus.",
            SUPPORTED,
            "Sorties comptées au mois de clôture.",
        ),
        denominator="insertion_exits",
        theme="Résultats",
    ),
    Indicator(
        "housing_exit_rate",
        "Sorties vers le logement",
        "%",
        RATE,
        "housing_rehousing_exits",
        _d(
            "Accompagnements d'hébergement, de domiciliation ou d'accès au logement clos "
            "pendant la période vers un logement ordinaire ou accompagné.",
            "Les mêmes accompagnements clos avec un motif, décès et départs exclus.",
            SUPPORTED,
            "Sorties comptées au mois de clôture.",
        ),
        denominator="housing_exits",
        theme="Logement",
    ),
    Indicator(
        "rights_access_rate",
        "Accès aux droits et aux soins",
        "%",
        RATE,
        "rights_obtained_exits",
        _d(
            "Accompagnements d'accès aux droits ou aux soins clos pendant la période avec "
            "des droits ouverts ou un accès aux soins effectif.",
            "Les mêmes accompagnements clos avec un motif, décès et départs exclus.",
            SUPPORTED,
            "Sorties comptées au mois de clôture.",
        ),
        denominator="rights_exits",
        theme="Résultats",
    ),
    Indicator(
        "isolated_persons",
        "Personnes isolées accompagnées",
        "personnes",
        COUNT,
        "isolated_supported",
        _d(
            "Personnes vivant seules (selon au moins un partenaire) ayant un accompagnement "
            "ouvert pendant la période.",
            "Aucun (effectif).",
            SUPPORTED,
            "« Vit seul(e) » est déclaré par le partenaire dans sa fiche.",
        ),
        theme="Isolement",
    ),
    Indicator(
        "isolated_contacted_share",
        "Part des personnes isolées contactées",
        "%",
        RATE,
        "isolated_contacted",
        _d(
            "Personnes isolées accompagnées dont le dernier contact enregistré tombe dans la "
            "période.",
            "Personnes isolées accompagnées pendant la période.",
            SUPPORTED,
            "Seul le dernier contact est conservé : les mois passés sont sous-estimés.",
        ),
        denominator="isolated_supported",
        theme="Isolement",
    ),
    Indicator(
        "living_alone_persons",
        "Personnes vivant seules (hyperviseur)",
        "personnes",
        COUNT,
        "isolated_supported",
        _d(
            "Personnes vivant seules ayant un accompagnement ouvert pendant la période.",
            "Aucun (effectif).",
            SUPPORTED,
            "Besoin par commune pour les plans de mobilité et d'éclairage de la ville.",
        ),
        zone_levels=COMMUNE_LEVELS,
        theme="Hypervision",
        hypervision=True,
    ),
    Indicator(
        "reduced_mobility_persons",
        "Personnes à mobilité réduite (hyperviseur)",
        "personnes",
        COUNT,
        "reduced_mobility_supported",
        _d(
            "Personnes à mobilité réduite (selon au moins un partenaire) ayant un "
            "accompagnement ouvert pendant la période.",
            "Aucun (effectif).",
            SUPPORTED,
            "Besoin par commune pour les plans de mobilité et d'éclairage de la ville.",
        ),
        zone_levels=COMMUNE_LEVELS,
        theme="Hypervision",
        hypervision=True,
    ),
    Indicator(
        "crisis_registered",
        "Personnes inscrites au registre des personnes vulnérables",
        "personnes",
        COUNT,
        "crisis_registered",
        _d(
            "Personnes inscrites (CASF L121-6-1) pendant la période.",
            "Aucun (effectif).",
            SUPPORTED,
            "Lu dans les événements du registre de crise.",
        ),
        theme="Crise",
    ),
    Indicator(
        "crisis_reached_share",
        "Part des personnes jointes pendant un plan d'alerte",
        "%",
        RATE,
        "crisis_reached",
        _d(
            "Personnes du registre jointes pendant la période.",
            "Personnes du registre appelées pendant la période.",
            SUPPORTED,
            "Lu dans les événements des campagnes d'appels.",
        ),
        denominator="crisis_called",
        theme="Crise",
    ),
    Indicator(
        "crisis_escalations",
        "Signalements pendant un plan d'alerte",
        "personnes",
        COUNT,
        "crisis_escalations",
        _d(
            "Personnes pour lesquelles un appel a donné lieu à un signalement (escalade).",
            "Aucun (effectif).",
            SUPPORTED,
            "Lu dans les événements des campagnes d'appels.",
        ),
        theme="Crise",
    ),
)
BY_CODE = {indicator.code: indicator for indicator in INDICATORS}
assert MONTH  # the period wording is shared by every definition
