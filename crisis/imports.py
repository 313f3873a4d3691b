"""Lists transmitted by the département (APA at home, PCH) or the CARSAT (CASF L121-6-1 as
amended by law 2024-317): NDJSON or CSV, one person a row, with an opposition flag.

A row whose person objected is not registered (and nothing of it is kept); every other row goes
through ``crisis.register.register_person`` with ``requested_by="transmitted"`` (the person is
informed by the notice and free to object), in its own savepoint: a bad row is rejected with its
reasons and never stops the others. The shapes are those of the record import
(``exchanges.imports``: the same record columns and NDJSON reader), plus the register's columns.
The report carries no personal data: row index, outcome, reasons.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.db import transaction

from crisis import register
from crisis.errors import CrisisError
from exchanges.importfiles import ADDRESS_COLUMNS, PLAIN_COLUMNS, ImportRejected, iter_rows
from hub.registry.actors import Actor

CRISIS_COLUMNS = ("category", "opposed", "lives_alone", "home_care_service")
CONTACT_COLUMNS = ("contact_name", "contact_phone", "contact_relation")
CSV_COLUMNS = ("external_id", *PLAIN_COLUMNS, *ADDRESS_COLUMNS, *CRISIS_COLUMNS, *CONTACT_COLUMNS)
TRUE = {"1", "true", "oui", "yes", "o", "y"}
FALSE = {"", "0", "false", "non", "no", "n"}


@dataclass
class ImportReport:
    total: int = 0
    registered: int = 0
    opposed: int = 0
    already: int = 0
    rejected: int = 0
    rows: list = field(default_factory=list)  # (index, outcome, errors)


def _flag(value, name: str, errors: list) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value if value is not None else "").strip().lower()
    if text in TRUE:
        return True
    if text not in FALSE:
        errors.append({"field": name, "message": "oui/non (true/false) expected"})
    return False


def _csv_rows(content: bytes):
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRejected("body", "the file is not valid UTF-8") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    unknown = [h for h in (reader.fieldnames or []) if h not in CSV_COLUMNS]
    if not reader.fieldnames or unknown:
        raise ImportRejected(
            unknown[0] if unknown else "body", f"known columns: {', '.join(CSV_COLUMNS)}"
        )
    for index, row in enumerate(reader):
        row = {k: (v or "").strip() for k, v in row.items() if k}
        person = {name: row[name] for name in PLAIN_COLUMNS if row.get(name)}
        address = {key: row[col] for col, key in ADDRESS_COLUMNS.items() if row.get(col)}
        if address:
            person["address"] = address
        extra = {name: row.get(name, "") for name in (*CRISIS_COLUMNS, *CONTACT_COLUMNS)}
        yield index, person, extra, []


def _ndjson_rows(content: bytes):
    for index, _external_id, obj, errors in iter_rows(content, "ndjson"):
        if errors:
            yield index, None, {}, errors
            continue
        extra = {name: obj.pop(name, "") for name in (*CRISIS_COLUMNS, *CONTACT_COLUMNS)}
        yield index, obj, extra, []


def import_transmitted(
    *, actor: Actor, content: bytes, format: str, transmitted_by: str, request_id: str = ""
) -> ImportReport:
    """Register the persons of a transmitted list in ``actor``'s register."""
    if format not in ("csv", "ndjson"):
        raise ImportRejected("format", "csv or ndjson")
    if not transmitted_by.strip():
        raise ImportRejected("transmitted_by", "name the département or the CARSAT")
    rows = _csv_rows(content) if format == "csv" else _ndjson_rows(content)
    report = ImportReport()
    for index, person, extra, errors in rows:
        report.total += 1
        opposed = _flag(extra.get("opposed"), "opposed", errors)
        lives_alone = _flag(extra.get("lives_alone"), "lives_alone", errors)
        if errors:
            report.rejected += 1
            report.rows.append((index, "rejected", errors))
            continue
        if opposed:
            report.opposed += 1
            report.rows.append((index, "opposed", []))
            continue
        contact = {
            "name": extra.get("contact_name", ""),
            "phone": extra.get("contact_phone", ""),
            "relation": extra.get("contact_relation", ""),
        }
        try:
            with transaction.atomic():
                register.register_person(
                    actor=actor,
                    person=person,
                    category=extra.get("category", ""),
                    requested_by="transmitted",
                    lives_alone=lives_alone,
                    home_care_service=str(extra.get("home_care_service") or ""),
                    emergency_contact=contact if any(contact.values()) else None,
                    transmitted_by=transmitted_by,
                    request_id=request_id or "crisis-import",
                )
        except CrisisError as exc:
            outcome = "already" if exc.status == 409 else "rejected"
            setattr(report, outcome, getattr(report, outcome) + 1)
            report.rows.append((index, outcome, exc.errors if outcome == "rejected" else []))
            if exc.status == 403:
                raise
            continue
        report.registered += 1
        report.rows.append((index, "registered", []))
    return report
