"""Hard negatives for the synthetic generator: households, twins, spouses, homonyms.

* households of 2-6 sharing a surname, an address and often a landline: a couple (the wife
  usually known by her husband's surname as usage name, so spouses share a surname), their
  children born 22-38 years later, twins of either or both sexes among them (sometimes with
  paired names, JEAN / JEANNE), a son sometimes named like his father;
* adult twins living apart (same surname, birth date and place, another first name);
* homonyms elsewhere, and homonyms at the same postcode with another birth date.
"""

from __future__ import annotations

from names import PAIRED

SIZES = (2, 3, 4, 5, 6)
SIZE_WEIGHTS = (0.35, 0.25, 0.2, 0.12, 0.08)


def _other_first(g, sex: str, taken: set[str]) -> str:
    first = g.first(sex)
    for _ in range(50):
        if first not in taken:
            break
        first = g.first(sex)
    return first


def household(g) -> list[dict]:
    r = g.r
    surname = g.surname()
    home = (g.place(), g.address())
    landline = g.phone() if r.random() < 0.5 else ""
    size = r.choices(SIZES, SIZE_WEIGHTS)[0]
    y = r.randint(1940, 1982)
    members: list[dict] = []
    taken: set[str] = set()

    def add(**over) -> dict:
        phone = landline if landline and r.random() < 0.5 else g.phone()
        sex = over.pop("sex", r.choice("FM"))
        first = over.pop("first", None) or _other_first(g, sex, taken)
        taken.add(first)
        e = g.entity(sex=sex, first=first, home=home, phone=phone, **over)
        members.append(e)
        return e

    father = add(sex="M", surname=surname, date=g.date(y, y))
    if r.random() < 0.85:  # a couple; else a single parent
        wife_y = min(max(y + r.randint(-6, 8), 1935), 1990)
        add(sex="F", date=g.date(wife_y, wife_y), spouse=surname, married_usage=True)
    n_children = size - len(members)
    twins = n_children >= 2 and r.random() < 0.2
    first_child_date = None
    for k in range(n_children):
        cy = min(y + r.randint(22, 38), 2006)
        if twins and k == 1 and first_child_date:
            prev = members[-1]
            sex = r.choice("FM")
            first = None
            if sex != prev["sex"] and r.random() < 0.3:
                forms = PAIRED if prev["sex"] == "M" else {v: k for k, v in PAIRED.items()}
                first = forms.get(prev["first"])
            add(sex=sex, first=first, surname=surname, date=first_child_date)
            continue
        if k == 0 and r.random() < 0.05:  # the son named like his father
            e = add(sex="M", first=father["first"], surname=surname, date=g.date(cy, cy))
        else:
            e = add(surname=surname, date=g.date(cy, cy))
        first_child_date = e["date"]
    return members


def twins_apart(g, e: dict) -> dict:
    r = g.r
    sex = r.choice("FM")
    first = _other_first(g, sex, {e["first"]})
    return g.entity(
        sex=sex, first=first, surname=e["surname"], date=e["date"], birth=e["birth_place"]
    )


def homonym(g, e: dict, same_postcode: bool) -> dict:
    over: dict = {"sex": e["sex"], "first": e["first"], "surname": e["surname"]}
    if same_postcode:
        over["home"] = (e["home"][0], g.address())
    return g.entity(**over)
