"""Synthetic French person records with known duplicates and hard negatives.

    python bench/matching/generate.py --size 100000 --out bench/matching/data/synthetic-100k

writes ``records.csv`` (our columns) and ``truth.csv`` (``id,entity``). Fixed seed: the same
size gives the same files. Noise on duplicates: case/accents, compound first names
(JEAN-PIERRE / JEAN PIERRE / JEANPIERRE / JEAN), married names (usage vs birth name, "épouse",
"née" markers), first/last swap, typos and phonetic spellings, birth date day/month swap,
one-digit typo, year +-1, partial date, 01/01 placeholder, Paris/Lyon/Marseille arrondissement
postcodes, moves, phone formats (+33, 0033), e-mail case, NIR with separators, missing fields.
Given names: a quarter of persons have a civil list of 2-3 given names (shown in full on some
records, the usual one on others; a tenth go by the second one), compound names are cut to
either part, and a few usual forms (CATHY for CATHERINE) replace the civil name.
Hard negatives (different people, not in the truth as duplicates, see ``hard.py``):
households of 2-6 sharing surname, address and landline (spouses with the same usage name,
children, twins of both sexes, a son named like his father), twins living apart, homonyms
elsewhere and at the same postcode with another birth date.
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

import hard
from names import CITIES, F_FIRST, M_FIRST, STREETS, SURNAMES, SYL_A, SYL_B, USUAL

FIELDS = [
    "id",
    "first_names",
    "birth_name",
    "usage_name",
    "sex",
    "birth_date",
    "birth_place",
    "postcode",
    "city",
    "address",
    "phone",
    "email",
    "nir",
]

SYL_C = ("", "", "", "el", "ou", "an", "er", "i", "o", "ac", "ill")


STREET_TYPES = [("rue", "r"), ("avenue", "av"), ("boulevard", "bd"), ("place", "pl")]

_PHONETIC_SWAPS = (
    ("PH", "F"),
    ("F", "PH"),
    ("AU", "O"),
    ("EAU", "O"),
    ("O", "AU"),
    ("Y", "I"),
    ("I", "Y"),
    ("C", "K"),
    ("T", "D"),
    ("D", "T"),
    ("LL", "L"),
    ("L", "LL"),
    ("NN", "N"),
    ("SS", "S"),
    ("AI", "E"),
    ("EZ", "ET"),
    ("H", ""),
)
_ACCENTS = str.maketrans("éèêëàâäîïôöûüùçÉÈÊËÀÂÎÏÔÖÛÜÇ", "eeeeaaaiioouuucEEEEAAIIOOUUC")


#: Endings of the rarer surnames of the ``insee`` draw (with ``SYL_A`` + ``SYL_C`` + ``SYL_B``).
SYL_E = ("", "", "", "e", "et", "ot", "in", "eau", "ard", "ier", "on", "y", "and", "oux", "ac")

#: How surnames are drawn. ``dense`` (the default, the bench's ``synthetic-*`` sets): 55 %
#: from the 221 common surnames with Zipf weights of exponent 0.8 (MARTIN 5.2 % of persons,
#: 14 times INSEE's 0.37 %), the rest from about 15,000 syllable names; at 1M persons a JEAN
#: MARTIN is 1 in 340 and 46 % of persons bear a surname held by more than 1 in 1,000, a
#: homonym density no French registry has. ``insee`` (the ``synthetic-insee-*`` sets): 10.5 %
#: from the common surnames with weights of exponent 0.5, so that MARTIN is 0.35 % of persons
#: (about 250,000 bearers, 0.36 % of the French, from INSEE's fichier des noms) and the twelve
#: most common 2.1 % (about 2 % in M. Tesnière's count, J. Soc. Stat. Paris 116, 1975); the
#: rest from about 190,000 syllable names. First names are drawn alike in both (JEAN 5.5 %).
SURNAME_DRAWS = {"dense": (0.55, 0.8, False), "insee": (0.105, 0.5, True)}


class Gen:
    def __init__(self, seed: int, surnames: str = "dense") -> None:
        self.r = random.Random(seed)
        self.surnames = SURNAMES
        self.common_share, exponent, self.long_tail = SURNAME_DRAWS[surnames]
        self.common_w = [1.0 / (i + 1) ** exponent for i in range(len(self.surnames))]
        self.f_w = [1.0 / (i + 1) ** 0.7 for i in range(len(F_FIRST))]
        self.m_w = [1.0 / (i + 1) ** 0.7 for i in range(len(M_FIRST))]

    # --- entities -------------------------------------------------------------------------
    def surname(self) -> str:
        r = self.r
        if r.random() < self.common_share:
            return r.choices(self.surnames, self.common_w)[0]
        s = r.choice(SYL_A) + r.choice(SYL_C) + r.choice(SYL_B)
        if self.long_tail:
            s += r.choice(SYL_E)
        return s[0].upper() + s[1:].lower()

    def first(self, sex: str) -> str:
        if sex == "F":
            return self.r.choices(F_FIRST, self.f_w)[0]
        return self.r.choices(M_FIRST, self.m_w)[0]

    def date(self, lo: int = 1935, hi: int = 2006) -> tuple[int, int, int]:
        r = self.r
        return (r.randint(lo, hi), r.randint(1, 12), r.randint(1, 28))

    def place(self) -> tuple[str, str, str]:
        return self.r.choice(CITIES)

    def address(self) -> str:
        r = self.r
        t = r.choice(STREET_TYPES)[0]
        return f"{r.randint(1, 180)} {t} {r.choice(STREETS)}"

    def phone(self) -> str:
        r = self.r
        return "0" + r.choice("67") + "".join(str(r.randint(0, 9)) for _ in range(8))

    def nir(self, sex: str, date: tuple[int, int, int], insee: str) -> str:
        r = self.r
        serial = r.randint(1, 999)
        body = f"{1 if sex == 'M' else 2}{date[0] % 100:02d}{date[1]:02d}{insee}{serial:03d}"
        num = body.replace("2A", "19").replace("2B", "18")
        return f"{body}{97 - int(num) % 97:02d}"

    def entity(self, **over: object) -> dict:
        r = self.r
        sex = over.get("sex") or r.choice("FM")
        date = over.get("date") or self.date()
        birth = over.get("birth") or self.place()
        home = over.get("home") or (self.place(), self.address())
        first = over.get("first") or self.first(sex)
        extra: list[str] = []
        if r.random() < 0.25:  # civil status lists one or two more given names
            extra = [n for n in {self.first(sex) for _ in range(r.randint(1, 2))} if n != first]
        e = {
            "sex": sex,
            "first": first,
            "given": [first, *extra],
            "surname": over.get("surname") or self.surname(),
            "spouse": over.get("spouse"),
            "married_usage": bool(over.get("married_usage")),
            "date": date,
            "birth_place": birth,
            "home": home,
            "phone": over.get("phone", self.phone() if r.random() < 0.7 else ""),
            "nir": self.nir(sex, date, birth[2]) if r.random() < 0.5 else "",
        }
        if extra and r.random() < 0.1:  # goes by the second given name
            e["first"] = extra[0]
        if e["spouse"] is None and sex == "F" and date[0] < 1990 and r.random() < 0.4:
            e["spouse"] = self.surname()
        e["email"] = (
            f"{e['first'].split('-')[0].lower().translate(_ACCENTS)}."
            f"{e['surname'].lower().replace(' ', '').translate(_ACCENTS)}"
            f"{r.randint(1, 99)}@example.{r.choice(['fr', 'com', 'net'])}"
            if r.random() < 0.4
            else ""
        )
        return e

    # --- noise ----------------------------------------------------------------------------
    def typo(self, s: str) -> str:
        r = self.r
        if len(s) < 3:
            return s
        i = r.randrange(1, len(s))
        op = r.randrange(4)
        letters = "abcdefghijklmnopqrstuvwxyz"
        if op == 0:
            return s[:i] + s[i + 1 :]
        if op == 1:
            return s[:i] + r.choice(letters) + s[i:]
        if op == 2:
            return s[:i] + r.choice(letters) + s[i + 1 :]
        if i < len(s) - 1:
            return s[:i] + s[i + 1] + s[i] + s[i + 2 :]
        return s

    def phonetic_variant(self, s: str) -> str:
        up = s.upper()
        options = [(a, b) for a, b in _PHONETIC_SWAPS if a in up[1:]]
        if not options:
            return s
        a, b = self.r.choice(options)
        i = up.index(a, 1)
        return (up[:i] + b + up[i + len(a) :]).title()

    def casing(self, s: str) -> str:
        r = self.r.random()
        if r < 0.3:
            s = s.upper()
        elif r < 0.4:
            s = s.lower()
        if self.r.random() < 0.3:
            s = s.translate(_ACCENTS)
        return s

    def first_variant(self, s: str) -> str:
        r = self.r
        if "-" in s and r.random() < 0.5:
            parts = s.split("-")
            return r.choice([" ".join(parts), "".join(parts), parts[0], parts[0], parts[-1]])
        if s in USUAL and r.random() < 0.15:
            return USUAL[s]
        return s

    def record(self, e: dict, rid: str, dup: bool) -> dict:
        r = self.r
        first, surname = e["first"], e["surname"]
        birth_name, usage_name = surname, ""
        if e["spouse"]:
            mode = r.choice([1, 2, 2, 3, 4]) if e["married_usage"] else r.randrange(5)
            if mode == 1:
                usage_name = e["spouse"]
            elif mode == 2:
                birth_name = e["spouse"]  # only the married name is known
            elif mode == 3:
                birth_name = f"{surname} {r.choice(['épouse', 'ép.', 'EPSE'])} {e['spouse']}"
            elif mode == 4:
                birth_name, usage_name = "", f"{e['spouse']} née {surname}"
        y, m, d = e["date"]
        date = f"{y:04d}-{m:02d}-{d:02d}"
        (pc, city, _insee), addr = e["home"]
        phone, email, nir = e["phone"], e["email"], e["nir"]
        sex = e["sex"]
        if len(e["given"]) > 1 and r.random() < 0.35:  # the civil list of given names
            first = r.choice([", ", " "]).join(e["given"])
        elif dup:
            first = self.first_variant(first)
        if dup:
            if r.random() < 0.06:
                first = self.typo(first)
            if r.random() < 0.05:
                first = self.phonetic_variant(first)
            if r.random() < 0.06:
                birth_name = self.typo(birth_name)
            if r.random() < 0.06:
                birth_name = self.phonetic_variant(birth_name)
            if r.random() < 0.02:
                first, birth_name = birth_name, first
            x = r.random()
            if x < 0.03 and d <= 12:
                date = f"{y:04d}-{d:02d}-{m:02d}"
            elif x < 0.06:
                digits = list(f"{y:04d}{m:02d}{d:02d}")
                i = r.choice([2, 3, 7])
                digits[i] = str((int(digits[i]) + r.randint(1, 8)) % 10)
                s = "".join(digits)
                if 1 <= int(s[4:6]) <= 12 and 1 <= int(s[6:]) <= 31:
                    date = f"{s[:4]}-{s[4:6]}-{s[6:]}"
            elif x < 0.075:
                date = f"{y + r.choice([-1, 1]):04d}-{m:02d}-{d:02d}"
            elif x < 0.10:
                date = r.choice([f"{y:04d}", f"{y:04d}-{m:02d}"])
            elif x < 0.12:
                date = f"{y:04d}-01-01"
            elif x < 0.14:
                date = ""
            if r.random() < 0.25:  # moved
                (pc, city, _), addr = self.place(), self.address()
            elif city in ("Paris", "Lyon", "Marseille") and r.random() < 0.3:
                pc2, city2, _ = r.choice([c for c in CITIES if c[1] == city])
                pc, city = pc2, r.choice([city2, f"{city2} {int(pc2[-2:])}e", city2.upper()])
            if r.random() < 0.3:
                for long, short in STREET_TYPES:
                    addr = addr.replace(f" {long} ", f" {short} ")
            if r.random() < 0.3:
                phone = self.phone() if r.random() < 0.5 else ""
            if phone and r.random() < 0.5:
                phone = r.choice(
                    [
                        f"+33 {phone[1]} {phone[2:4]} {phone[4:6]} {phone[6:8]} {phone[8:]}",
                        f"0033{phone[1:]}",
                        ".".join(phone[i : i + 2] for i in range(0, 10, 2)),
                    ]
                )
            if email and r.random() < 0.3:
                email = email.upper() if r.random() < 0.5 else ""
            if nir and r.random() < 0.3:
                nir = (
                    f"{nir[0]} {nir[1:3]} {nir[3:5]} {nir[5:7]} {nir[7:10]} {nir[10:13]} {nir[13:]}"
                )
            if r.random() < 0.05:
                sex = ""
        first, birth_name, usage_name = self.casing(first), self.casing(birth_name), usage_name
        rec = {
            "id": rid,
            "first_names": first,
            "birth_name": birth_name,
            "usage_name": usage_name,
            "sex": sex,
            "birth_date": date,
            "birth_place": e["birth_place"][1] if r.random() < 0.5 else "",
            "postcode": pc if r.random() < 0.9 else "",
            "city": city if r.random() < 0.9 else "",
            "address": addr if r.random() < 0.7 else "",
            "phone": phone if r.random() < 0.8 else "",
            "email": email,
            "nir": nir if r.random() < 0.6 else "",
        }
        return rec


def generate(
    size: int, seed: int = 42, surnames: str = "dense"
) -> tuple[list[dict], dict[str, int]]:
    """``size`` records and the truth ``{record id: entity number}``."""
    g = Gen(seed, surnames)
    r = g.r
    entities: list[dict] = []
    records: list[tuple[dict, int, bool]] = []
    n_records = 0
    while n_records < size:
        e = g.entity()
        group = [e]
        x = r.random()
        if x < 0.06:  # a household of 2-6 (couple, children, maybe twins)
            group = hard.household(g)
        elif x < 0.07:  # twins living apart
            group.append(hard.twins_apart(g, e))
        elif x < 0.08:  # homonym elsewhere
            group.append(hard.homonym(g, e, same_postcode=False))
        elif x < 0.09:  # homonym at the same postcode, another birth date
            group.append(hard.homonym(g, e, same_postcode=True))
        for ent in group:
            k = r.choices([1, 2, 3, 4], [0.72, 0.2, 0.06, 0.02])[0]
            eid = len(entities)
            entities.append(ent)
            for j in range(k):
                records.append((ent, eid, j > 0))
                n_records += 1
    records = records[:size]
    order = list(range(len(records)))
    r.shuffle(order)
    out: list[dict] = []
    truth: dict[str, int] = {}
    for n, idx in enumerate(order):
        ent, eid, dup = records[idx]
        rid = f"R{n:07d}"
        out.append(g.record(ent, rid, dup))
        truth[rid] = eid
    return out, truth


def write(out_dir: Path, records: list[dict], truth: dict[str, int]) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / "records.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=FIELDS)
        w.writeheader()
        w.writerows(records)
    with open(out_dir / "truth.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "entity"])
        w.writerows(sorted(truth.items()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--surnames", choices=sorted(SURNAME_DRAWS), default="dense")
    a = ap.parse_args()
    records, truth = generate(a.size, a.seed, a.surnames)
    write(a.out, records, truth)
    print(f"{len(records)} records -> {a.out}")


if __name__ == "__main__":
    main()
