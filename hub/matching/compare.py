"""Field comparators: a pair of ``Prepared`` records -> one agreement level per field.

Levels are ordered from the strongest agreement to ``different``; ``missing`` (one side has
no value) is always last and carries no weight.
"""

from __future__ import annotations

from rapidfuzz.distance import OSA, JaroWinkler
from rapidfuzz.fuzz import token_set_ratio

from .record import Prepared

__all__ = ["COMPARISONS", "LEVELS", "compare_levels"]

COMPARISONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "surname",
        ("exact", "swapped", "partial", "phonetic", "typo", "fuzzy", "different", "missing"),
    ),
    (
        "first_names",
        (
            "exact",
            "swapped",
            "partial",
            "usual_form",
            "phonetic",
            "typo",
            "fuzzy",
            "crossed",
            "different",
            "different_sex",
            "missing",
        ),
    ),
    ("sex", ("exact", "different", "missing")),
    (
        "birth_date",
        (
            "exact",
            "exact_placeholder",
            "partial",
            "day_month_swapped",
            "typo",
            "year_off_by_one",
            "different",
            "missing",
        ),
    ),
    ("birth_place", ("exact", "fuzzy", "different", "missing")),
    ("city", ("exact", "same_postcode", "same_city", "different", "missing")),
    ("address", ("exact", "fuzzy", "different", "missing")),
    ("phone", ("exact", "typo", "different", "missing")),
    ("email", ("exact", "fuzzy", "different", "missing")),
    ("nir", ("exact", "typo", "different", "missing")),
)
LEVELS: dict[str, tuple[str, ...]] = dict(COMPARISONS)

# level indices, named for readability in the hot path
N_EXACT, N_SWAPPED, N_PARTIAL, N_PHON, N_TYPO, N_FUZZY, N_DIFF, N_MISS = range(8)
(
    F_EXACT,
    F_SWAPPED,
    F_PARTIAL,
    F_USUAL,
    F_PHON,
    F_TYPO,
    F_FUZZY,
    F_CROSSED,
    F_DIFF,
    F_DIFF_SEX,
    F_MISS,
) = range(11)
D_EXACT, D_PLACEHOLDER, D_PARTIAL, D_SWAP, D_TYPO, D_YEAR, D_DIFF, D_MISS = range(8)

NAME_FUZZY = 0.88  # Jaro-Winkler similarity for the ``fuzzy`` name level
PLACE_FUZZY = 0.92
ADDRESS_FUZZY = 85.0  # token-set ratio (0..100)

_jw = JaroWinkler.normalized_similarity
_osa = OSA.distance


def _name_level(
    a_keys: tuple[str, ...],
    a_phon: tuple[str, ...],
    b_keys: tuple[str, ...],
    b_phon: tuple[str, ...],
) -> tuple[int, str]:
    """Best level over every (name of a, name of b); returns (level, agreed value)."""
    if len(a_keys) == 1 and len(b_keys) == 1:
        if a_keys[0] == b_keys[0]:
            return N_EXACT, a_keys[0]
    else:
        common = set(a_keys).intersection(b_keys)
        if common:
            return N_EXACT, min(common)
    best = N_DIFF
    for i, x in enumerate(a_keys):
        for j, y in enumerate(b_keys):
            if best > N_PARTIAL and min(len(x), len(y)) >= 3 and (x in y or y in x):
                best = N_PARTIAL
            elif best > N_PHON and a_phon[i] and a_phon[i] == b_phon[j]:
                best = N_PHON
            elif best > N_TYPO and _osa(x, y, score_cutoff=1) <= 1:
                best = N_TYPO
            elif best > N_FUZZY and _jw(x, y, score_cutoff=NAME_FUZZY):
                best = N_FUZZY
    return best, ""


def _surname(a: Prepared, b: Prepared) -> tuple[int, str]:
    if not a.surnames or not b.surnames:
        return N_MISS, ""
    level, value = _name_level(a.surnames, a.surname_phon, b.surnames, b.surname_phon)
    if level == N_DIFF and a.surname_tokens & b.surname_tokens:
        # compound surnames sharing a word: GARCIA LOPEZ / LOPEZ
        level = N_PARTIAL
    return level, value


def _first_spelling(a: Prepared, b: Prepared) -> int:
    """Level of two different first-name fields from their spelling and usual forms alone.

    Compared part by part: one field's given names all among the other's is ``partial``
    (JEAN-PIERRE / PIERRE, MARIE CLAIRE SOPHIE / CLAIRE, JEAN / JEANPIERRE); sharing a part
    while each has another (JEAN-PIERRE / JEAN-MARC: two brothers) is ``different`` unless a
    single edit separates them.
    """
    x, y = a.first, b.first
    sa, sb = a.first_set, b.first_set
    if sa <= sb or sb <= sa:
        return F_PARTIAL
    conflict = not sa.isdisjoint(sb)
    if not conflict and len(x) >= 3 and len(y) >= 3 and (x.startswith(y) or y.startswith(x)):
        return F_PARTIAL
    ua, ub = a.first_usual, b.first_usual
    if (ua or ub) and not (ua or {x, a.first_tokens[0]}).isdisjoint(ub or {y, b.first_tokens[0]}):
        return F_USUAL
    if conflict:
        return F_TYPO if _osa(x, y, score_cutoff=1) <= 1 else F_DIFF
    if a.first_phon and a.first_phon == b.first_phon:
        return F_PHON
    if _osa(x, y, score_cutoff=1) <= 1:
        return F_TYPO
    if _jw(x, y, score_cutoff=NAME_FUZZY):
        return F_FUZZY
    if (len(sa) > 1 or len(sb) > 1) and _parts_close(sa, sb):
        return F_TYPO
    return F_DIFF


def _parts_close(sa: frozenset[str], sb: frozenset[str]) -> bool:
    """Every given name of the shorter list is within one edit of one of the longer list
    (NATHAN AHMED / NADHAN, MAMDOU MICHEL / MAMADOU). Phonetic keys of single given names
    collide too often (AGNES / ANNE) to count here."""
    small, large = (sa, sb) if len(sa) <= len(sb) else (sb, sa)
    return all(
        any(min(len(t), len(v)) >= 4 and _osa(t, v, score_cutoff=1) <= 1 for v in large)
        for t in small
    )


def _first(a: Prepared, b: Prepared) -> tuple[int, str]:
    """First-name level. Names implying opposite sexes (YOUSSEF / MICHELLE, but also JEAN /
    JEANNE or MICHEL / MICHELLE, one letter apart) are ``different_sex`` unless both records
    state the same sex, in which case one name is taken as misspelt (``typo`` at best)."""
    x, y = a.first, b.first
    if not x or not y:
        return F_MISS, ""
    if x == y:
        return F_EXACT, x
    fa, fb = a.first_sex, b.first_sex
    if fa and fb and fa != fb:
        if not (a.sex and a.sex == b.sex):
            return F_DIFF_SEX, ""
        return max(_first_spelling(a, b), F_TYPO), ""
    return _first_spelling(a, b), ""


def _close(x: str, x_phon: str, y: str, y_phon: str) -> bool:
    """Exact, or a typo-level similarity (short phonetic keys alone collide too often)."""
    return x == y or bool(_jw(x, y, score_cutoff=NAME_FUZZY))


def _swapped(a: Prepared, b: Prepared) -> bool:
    """First name and surname exchanged between the two records (exactly, phonetically or
    with a typo on each side)."""
    if not (a.first and b.first and a.surnames and b.surnames):
        return False
    return _close(a.surnames[0], a.surname_phon[0], b.first, b.first_phon) and _close(
        b.surnames[0], b.surname_phon[0], a.first, a.first_phon
    )


def _crossed(a: Prepared, b: Prepared) -> bool:
    """One record's first name is the other's surname (exactly or within a typo) while the
    other two names disagree: a first name and surname exchanged, then one of them replaced
    or badly misspelt. Relatives share a surname, not a first name with the other's surname,
    so this is no household pattern."""
    if not (a.first and b.first and a.surnames and b.surnames):
        return False
    return any(_near(s, b.first) for s in a.surnames) or any(_near(s, a.first) for s in b.surnames)


def _near(x: str, y: str) -> bool:
    """Equal, or one edit apart on names of four letters or more."""
    if x == y:
        return True
    lx, ly = len(x), len(y)
    return -1 <= lx - ly <= 1 and min(lx, ly) >= 4 and _osa(x, y, score_cutoff=1) <= 1


def _date(a: Prepared, b: Prepared) -> int:
    if not a.year or not b.year:
        return D_MISS
    if a.date == b.date:
        if a.month and a.day:
            return D_PLACEHOLDER if a.month == 1 and a.day == 1 else D_EXACT
        return D_PARTIAL
    full_a, full_b = bool(a.month and a.day), bool(b.month and b.day)
    if full_a and full_b:
        if a.year == b.year and a.month == b.day and a.day == b.month:
            return D_SWAP
        if a.year == b.year and ((a.month == 1 and a.day == 1) or (b.month == 1 and b.day == 1)):
            return D_PARTIAL  # 01/01 stands for "day unknown"
        if _osa(a.date, b.date, score_cutoff=1) <= 1:
            return D_TYPO
        if a.month == b.month and a.day == b.day and abs(a.year - b.year) == 1:
            return D_YEAR
        return D_DIFF
    # at least one partial date: agree on the parts both know
    if a.year != b.year:
        return D_YEAR if abs(a.year - b.year) == 1 and (a.month == b.month) else D_DIFF
    if a.month and b.month and a.month != b.month:
        return D_DIFF
    return D_PARTIAL


def _place(x: str, y: str) -> int:
    if not x or not y:
        return 3
    if x == y:
        return 0
    if not (x.isdigit() or y.isdigit()) and _jw(x, y, score_cutoff=PLACE_FUZZY):
        return 1
    return 2


def _city(a: Prepared, b: Prepared) -> int:
    pc = bool(a.postcode and b.postcode)
    ci = bool(a.commune and b.commune)
    if not pc and not ci:
        return 4
    same_pc = pc and a.postcode == b.postcode
    same_ci = ci and (a.commune == b.commune or _jw(a.commune, b.commune) >= PLACE_FUZZY)
    if same_pc and (same_ci or not ci):
        return 0
    if same_pc:
        return 1
    if same_ci:
        return 2
    return 3


def _address(x: str, y: str) -> int:
    if not x or not y:
        return 3
    if x == y:
        return 0
    if token_set_ratio(x, y, score_cutoff=ADDRESS_FUZZY):
        return 1
    return 2


def _exactish(x: str, y: str) -> int:
    """exact / typo (one edit on an equally long identifier) / different / missing."""
    if not x or not y:
        return 3
    if x == y:
        return 0
    if len(x) == len(y) and len(x) >= 6 and _osa(x, y, score_cutoff=1) <= 1:
        return 1
    return 2


def _email(x: str, y: str) -> int:
    if not x or not y:
        return 3
    if x == y:
        return 0
    # same mailbox name at another provider; one character apart is NOT close for e-mails
    # (marie.martin12@ and marie.martin13@ are two people)
    if x.split("@", 1)[0] == y.split("@", 1)[0]:
        return 1
    return 2


def compare_levels(a: Prepared, b: Prepared) -> tuple[tuple[int, ...], str, str]:
    """Agreement level index per comparison (order of ``COMPARISONS``), plus the agreed
    surname and first name values (``""`` unless exact) for term-frequency adjustment.

    Symmetric: ``compare_levels(a, b) == compare_levels(b, a)``.
    """
    sa, sb = a.surnames, b.surnames
    if len(sa) == 1 and len(sb) == 1 and sa[0] == sb[0]:
        s_level, s_value = N_EXACT, sa[0]
    else:
        s_level, s_value = _surname(a, b)
    if a.first and a.first == b.first:
        f_level, f_value = F_EXACT, a.first
    else:
        f_level, f_value = _first(a, b)
    if s_level >= N_PHON and F_PHON <= f_level < F_MISS and s_level != N_MISS and _swapped(a, b):
        s_level, f_level = N_SWAPPED, F_SWAPPED
        s_value = f_value = ""
    elif s_level >= N_FUZZY and F_FUZZY <= f_level <= F_DIFF_SEX and _crossed(a, b):
        f_level = F_CROSSED
    # fast paths (missing / equal) inline, the helpers only for two different values
    x, y = a.birth_place, b.birth_place
    place = 3 if not x or not y else 0 if x == y else _place(x, y)
    x, y = a.address, b.address
    address = 3 if not x or not y else 0 if x == y else _address(x, y)
    x, y = a.phone, b.phone
    phone = 3 if not x or not y else 0 if x == y else _exactish(x, y)
    x, y = a.email, b.email
    email = 3 if not x or not y else 0 if x == y else _email(x, y)
    x, y = a.nir, b.nir
    nir = 3 if not x or not y else 0 if x == y else _exactish(x, y)
    # a missing sex is read from the first name (when it implies one and the names agree)
    x, y = a.sex, b.sex
    if (not x or not y) and f_level != F_DIFF_SEX and f_level != F_CROSSED:
        x, y = x or a.first_sex, y or b.first_sex
    sex = 2 if not x or not y else 0 if x == y else 1
    if a.date and a.date == b.date and a.day:
        date = D_PLACEHOLDER if a.month == 1 and a.day == 1 else D_EXACT
    else:
        date = _date(a, b)
    same_place = a.postcode and a.postcode == b.postcode and a.commune == b.commune
    city = 0 if same_place else _city(a, b)
    return (
        (s_level, f_level, sex, date, place, city, address, phone, email, nir),
        s_value,
        f_value,
    )
