"""Set-wise writes: many model rows in one statement, ``COPY`` on PostgreSQL.

``insert(model, objs)`` writes the rows as ``bulk_create`` would (``auto_now`` and
``auto_now_add`` fields set on the objects), through ``COPY ... FROM STDIN`` on PostgreSQL:
the values are adapted by psycopg's C code, not one Python placeholder at a time. Auto ids
are taken from the table's sequence first (one query), so the objects know their ids and
keep the order they were given. Elsewhere (SQLite) it is ``bulk_create``.

``update(model, objs, fields)`` writes the given fields of existing rows: one statement per
row sent in one batch (psycopg's pipeline on PostgreSQL, ``executemany`` on SQLite), which
costs less than ``bulk_update``'s ``CASE WHEN`` over a thousand rows.
"""

from __future__ import annotations

from django.db import connection, models
from psycopg.types.json import Jsonb

BATCH = 1000


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _take_ids(model, objs: list) -> None:
    pk = model._meta.pk
    missing = [obj for obj in objs if getattr(obj, pk.attname) is None]
    if not missing:
        return
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, pk.column, len(missing)],
        )
        ids = sorted(row[0] for row in cursor.fetchall())
    for obj, value in zip(missing, ids, strict=True):
        setattr(obj, pk.attname, value)


def _auto(field) -> bool:
    return bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))


def _insert_sql(model, columns: list[str]) -> str:
    quote = connection.ops.quote_name
    return "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 (names from the model)
        quote(model._meta.db_table),
        ", ".join(quote(column) for column in columns),
        ", ".join(["%s"] * len(columns)),
    )


def _insert_many(model, objs: list) -> list:
    """SQLite: one prepared INSERT run for every row (``executemany``). Writers are serialised
    (transactions start IMMEDIATE), so auto ids are the ones after the last row's, in order."""
    pk = model._meta.pk
    auto = getattr(objs[0], pk.attname) is None
    fields = [f for f in model._meta.concrete_fields if not (auto and f.primary_key)]
    params = [
        [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields] for obj in objs
    ]
    with connection.cursor() as cursor:
        cursor.executemany(_insert_sql(model, [f.column for f in fields]), params)
        if auto:
            cursor.execute(
                f"SELECT max({connection.ops.quote_name(pk.column)}) FROM "  # noqa: S608
                f"{connection.ops.quote_name(model._meta.db_table)}"
            )
            last = cursor.fetchone()[0]
    if auto:
        for obj, value in zip(objs, range(last - len(objs) + 1, last + 1), strict=True):
            setattr(obj, pk.attname, value)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
    return objs


def insert_values(model, columns: list[str], rows: list[tuple]) -> None:
    """Insert plain rows (tuples of ``columns``' values; ids left to the database), with no
    model instance built: for the many small rows of an index (blocking keys)."""
    if not rows:
        return
    if not _postgres():
        fields = [model._meta.get_field(column) for column in columns]
        with connection.cursor() as cursor:
            cursor.executemany(
                _insert_sql(model, [field.column for field in fields]),
                [
                    [f.get_db_prep_save(v, connection) for f, v in zip(fields, row, strict=True)]
                    for row in rows
                ],
            )
        return
    quote = connection.ops.quote_name
    sql = "COPY {} ({}) FROM STDIN".format(  # noqa: S608 (names from the model)
        quote(model._meta.db_table), ", ".join(quote(column) for column in columns)
    )
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def insert(model, objs: list, *, extra: dict | None = None) -> list:
    """Insert ``objs`` (instances of ``model``) in order; returns them with their ids.

    ``extra``: column -> one value for every row, written as is (PostgreSQL only: an outbox
    event's transaction id).
    """
    if not objs:
        return objs
    if not _postgres():
        return _insert_many(model, objs)
    _take_ids(model, objs)
    fields = list(model._meta.concrete_fields)
    extra = extra or {}
    fields = [field for field in fields if field.column not in extra]
    columns = [field.column for field in fields] + list(extra)
    quote = connection.ops.quote_name
    sql = "COPY {} ({}) FROM STDIN".format(  # noqa: S608 (names from the model)
        quote(model._meta.db_table), ", ".join(quote(column) for column in columns)
    )
    constants = list(extra.values())
    # psycopg adapts plain values itself (in C); only JSON needs its wrapper.
    plain = [(field.attname, field.pre_save if _auto(field) else None) for field in fields]
    json = {i for i, field in enumerate(fields) if isinstance(field, models.JSONField)}
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for obj in objs:
            row = [
                pre_save(obj, True) if pre_save else getattr(obj, attname)
                for attname, pre_save in plain
            ]
            for i in json:
                row[i] = None if row[i] is None else Jsonb(row[i])
            copy.write_row(row + constants)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
    return objs


def update(model, objs: list, fields: list[str]) -> None:
    """Write ``fields`` of each object (existing rows, by primary key)."""
    if not objs:
        return
    meta = model._meta
    targets = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608 (names from the model)
        quote(meta.db_table),
        ", ".join(f"{quote(field.column)} = %s" for field in targets),
        quote(meta.pk.column),
    )
    params = [
        [field.get_db_prep_save(field.pre_save(obj, False), connection) for field in targets]
        + [meta.pk.get_db_prep_save(obj.pk, connection)]
        for obj in objs
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
