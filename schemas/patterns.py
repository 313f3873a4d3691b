"""Regular expressions of the published rules, written once for the validators and the documents.

Every pattern is valid in ECMA-262 (JSON Schema's dialect), in Python's ``re`` and in Rust's
``regex`` (used by schemathesis), so partners and tests read the same rules as the hub applies.
"""

from __future__ import annotations

import re

_DAYS = (
    "((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])"
    "|(0[469]|11)-(0[1-9]|[12][0-9]|30)"
    "|02-(0[1-9]|1[0-9]|2[0-8]))"
)
# Years 1900-2099 divisible by 4, except 1900.
_LEAP_1900_2099 = "(19([02468][48]|[2468]0|[13579][26])|20([02468][048]|[13579][26]))"
_DATE_1900_2099 = f"((19|20)[0-9]{{2}}-{_DAYS}|{_LEAP_1900_2099}-02-29)"
_TIME = (
    "T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]([.][0-9]{1,6})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"
)

#: A calendar day from 1900-01-01 to 2099-12-31, ``YYYY-MM-DD``.
DATE = f"^{_DATE_1900_2099}$"
#: An RFC 3339 date-time with an offset, on a day from 1900-01-01 to 2099-12-31.
DATE_TIME = f"^{_DATE_1900_2099}{_TIME}$"

DATE_RE = re.compile(DATE.removesuffix("$") + r"\Z")
DATE_TIME_RE = re.compile(DATE_TIME.removesuffix("$") + r"\Z")
