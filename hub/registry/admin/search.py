"""Person search and filters on what the viewer sees, accent-insensitive.

A word finds a person only through a value the viewer sees of them: the golden record for a
person an identity grant discloses (or for a superuser), the viewer's own partner records for
a person it supplied itself. A name known only to another partner never finds a row, so a
search (or a filter) cannot serve as an oracle on masked persons.

The term is folded in Python; the column by the database: a deterministic SQL function of ours
on SQLite (registered on the connection), TRANSLATE() on PostgreSQL (no extension needed).
"""

from __future__ import annotations

import re
import unicodedata

from django.db.models import CharField, Func, Q
from django.db.models.fields.json import KT
from django.db.models.functions import Lower
from django.utils.text import smart_split, unescape_string_literal

from consent import gate
from consent.vocab import Category
from hub.registry.actors import Actor
from hub.registry.models import PartnerRecord

NAME_FIELDS = ("birth_name", "usage_name", "first_names")

_FOLD_MAP = {
    **dict.fromkeys("àâäáãåÀÂÄÁÃÅ", "a"),
    **dict.fromkeys("çÇ", "c"),
    **dict.fromkeys("éèêëÉÈÊË", "e"),
    **dict.fromkeys("ğĞ", "g"),
    **dict.fromkeys("íìîïıÍÌÎÏİ", "i"),
    **dict.fromkeys("ñÑ", "n"),
    **dict.fromkeys("óòôöõøÓÒÔÖÕØ", "o"),
    **dict.fromkeys("şŞ", "s"),
    **dict.fromkeys("úùûüÚÙÛÜ", "u"),
    **dict.fromkeys("ýÿÝŸ", "y"),
    "-": " ",
    "'": " ",
    "’": " ",
}
_LIGATURES = {"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae"}


def fold(text: str) -> str:
    """Lower case, no accents, hyphens and apostrophes as spaces: 'Lefèvre-D’Arc' → 'lefevre d arc'."""
    text = "".join(_LIGATURES.get(char, _FOLD_MAP.get(char, char)) for char in text or "")
    text = unicodedata.normalize("NFKD", text)
    return "".join(char for char in text if not unicodedata.combining(char)).lower()


class Folded(Func):
    """``fold(column)`` in SQL."""

    function = "passerelle_fold"
    arity = 1
    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra_context):
        connection.ensure_connection()
        # Cheap, and safe on every new connection: (re)register our deterministic function.
        connection.connection.create_function("passerelle_fold", 1, fold, deterministic=True)
        return super().as_sql(compiler, connection, **extra_context)

    def as_postgresql(self, compiler, connection, **extra_context):
        sources = "".join(_FOLD_MAP)
        targets = "".join(_FOLD_MAP.values())
        template = "lower(translate(%(expressions)s, '{}', '{}'))".format(
            sources.replace("'", "''"), targets
        )
        for ligature, replacement in _LIGATURES.items():
            template = f"replace({template}, '{ligature}', '{replacement}')"
        return self.as_sql(compiler, connection, template=template, **extra_context)

    def as_sql(self, compiler, connection, **extra_context):
        if connection.vendor not in ("sqlite", "postgresql"):
            return Lower(*self.get_source_expressions()).as_sql(compiler, connection)
        return super().as_sql(compiler, connection, **extra_context)


_FR_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO_PREFIX = re.compile(r"^\d{4}(-\d{2}){0,2}$")


def birth_date_term(term: str) -> str | None:
    """'12/03/1984' → '1984-03-12'; an ISO date or prefix ('1984', '1984-03') as is."""
    match = _FR_DATE.match(term)
    if match:
        day, month, year = match.groups()
        return f"{year}-{int(month):02d}-{int(day):02d}"
    if _ISO_PREFIX.match(term):
        return term
    return None


def search_words(search_term: str) -> list[str]:
    words = []
    for bit in smart_split(search_term or ""):
        if bit.startswith(('"', "'")) and bit[0] == bit[-1]:
            bit = unescape_string_literal(bit)
        if bit.strip():
            words.append(bit)
    return words


def _own_match(actor: Actor, condition: Q) -> Q:
    """Persons (or the persons they were merged into) of the viewer's own records that meet
    ``condition`` (on the payload, or on its folded names ``_own_*``)."""
    records = (
        PartnerRecord.objects.filter(organization_id__in=actor.organization_ids)
        .alias(**{f"_own_{name}": Folded(KT(f"payload__{name}")) for name in NAME_FIELDS})
        .filter(condition)
    )
    return (
        Q(pk__in=records.values("beneficiary_id"))
        | Q(pk__in=records.values("beneficiary__merged_into_id"))
        | Q(pk__in=records.values("beneficiary__merged_into__merged_into_id"))
    )


def _seen_match(actor: Actor, golden: Q, own: Q, granted) -> Q:
    if actor.is_superuser:
        return golden
    return (Q(pk__in=granted) & golden) | _own_match(actor, own)


def _word_conditions(word: str) -> tuple[Q, Q] | None:
    date = birth_date_term(word)
    if date:
        return Q(birth_date__startswith=date), Q(payload__birth_date__startswith=date)
    term = fold(word)
    if not term.strip():
        return None
    golden, own = Q(), Q()
    for name in NAME_FIELDS:
        golden |= Q(**{f"_folded_{name}__contains": term})
        own |= Q(**{f"_own_{name}__contains": term})
    return golden, own


def search_persons(actor: Actor, queryset, search_term: str):
    """``queryset`` reduced to the identifiable persons every word finds among the values the
    viewer sees (a name, a birth date in French or ISO form)."""
    words = search_words(search_term)
    if not words:
        return queryset
    queryset = queryset.filter(pk__in=gate.identifiable(actor).values("pk")).alias(
        **{f"_folded_{name}": Folded(name) for name in NAME_FIELDS}
    )
    granted = None if actor.is_superuser else gate.granted_ids(actor, Category.IDENTITY)
    for word in words:
        conditions = _word_conditions(word)
        if conditions is None:
            continue
        queryset = queryset.filter(_seen_match(actor, *conditions, granted))
    return queryset


def filter_sex(actor: Actor, queryset, value: str):
    """Persons whose sex, as the viewer sees it, is ``value``."""
    granted = None if actor.is_superuser else gate.granted_ids(actor, Category.IDENTITY)
    return queryset.filter(_seen_match(actor, Q(sex=value), Q(payload__sex=value), granted))
