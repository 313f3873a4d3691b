"""How a person, a household or a pair is named in labels that must not print a name."""


def short_ref(pk) -> str:
    """The first block of a UUID, upper case."""
    return str(pk).split("-")[0].upper()
