"""Schemathesis hooks: generators for the hub's own formats and the NDJSON media type.

The document declares ``format: nir`` (a NIR whose last two digits are its key) and
``format: partial-date`` (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, 1880 to today); schemathesis
only knows the standard formats, so these generators let it produce valid values of them.
Loaded by ``tests/contract/test_schemathesis.py`` and, for the CLI, by
``SCHEMATHESIS_HOOKS=tests.contract.st_hooks`` (see ``schemathesis.toml``).
"""

from __future__ import annotations

import datetime as dt

import schemathesis
from hypothesis import strategies as st


@st.composite
def nirs(draw) -> str:
    body = "".join(
        [
            draw(st.sampled_from("12")),
            f"{draw(st.integers(0, 99)):02d}",
            f"{draw(st.integers(1, 12)):02d}",
            f"{draw(st.integers(1, 95)):02d}",
            f"{draw(st.integers(1, 999)):03d}",
            f"{draw(st.integers(1, 999)):03d}",
        ]
    )
    return f"{body}{97 - int(body) % 97:02d}"


@st.composite
def partial_dates(draw) -> str:
    day = draw(st.dates(min_value=dt.date(1880, 1, 1), max_value=dt.date.today()))
    precision = draw(st.sampled_from(("year", "month", "day")))
    if precision == "year":
        return f"{day.year:04d}"
    if precision == "month":
        return f"{day.year:04d}-{day.month:02d}"
    return day.isoformat()


schemathesis.openapi.format("nir", nirs())
schemathesis.openapi.format("partial-date", partial_dates())


@schemathesis.serializer("application/x-ndjson")
def ndjson_serializer(ctx, value):
    if isinstance(value, bytes):
        return value
    return str(value).encode("utf-8", "surrogatepass")


@schemathesis.hook
def filter_body(ctx, body) -> bool:
    """An import file is text: a number or an object "instead of the string" cannot be told
    apart from text once on the wire, so such bodies are not generated for the imports."""
    operation = getattr(ctx, "operation", None)
    if operation is not None and operation.path == "/api/v1/imports":
        return body is None or isinstance(body, (str, bytes))
    return True
