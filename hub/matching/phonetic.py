"""A compact French phonetic key.

jellyfish offers Soundex, Metaphone and NYSIIS, all tuned for English: ``metaphone`` keeps
``GN``, ``EAU``, ``AU`` and terminal silent letters apart, so ``Bertaud``/``Berteau``/
``Bertot`` get three keys. French names need French rules, so this module implements a key in
the spirit of Soundex2/Phonex (F. Brouard): rewrite French graphemes to one sound letter, drop
silent endings and vowels after the first sound, squeeze repeats. It is domain logic, kept
short on purpose; string *distances* still come from rapidfuzz.

The key is not truncated; blocking uses a 4-character prefix.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["phonetic"]

# Ordered rewrites on an uppercase A-Z string (applied once each, in order).
_V = "AEIOUY"
_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), r)
    for p, r in (
        (r"[^A-Z]", ""),
        (r"(.)\1+", r"\1"),
        # silent plural-like endings, then verb-like endings
        (r"(?<=..)[SXZ]$", ""),
        (r"(?<=.)(ER|EZ|ET|AI|AIS|AIT)$", "E"),
        # consonant groups
        (r"SCH|SH|CH", "9"),  # /ʃ/
        (r"PH", "F"),
        (r"BV", "V"),
        (r"TH", "T"),
        (r"GU(?=[EIY])", "K"),
        (r"QU|Q|CK|C(?=[AOUKLRT])|C$", "K"),
        (r"C(?=[EIY])", "S"),
        (r"GN", "N"),
        (r"G(?=[EIY])", "J"),
        (r"X", "KS"),
        (r"W", "V"),
        (rf"(?<=[{_V}])S(?=[{_V}])", "Z"),
        (r"Z", "S"),
        (r"H", ""),
        # nasal vowels (a vowel or a final E after N/M keeps them oral: JEAN / JEANNE)
        (rf"(AIN|EIN|IN|YN|UN|IM|YM)(?![{_V}])", "3"),
        (rf"(AN|AM|EN|EM)(?![{_V}])", "1"),
        (rf"(ON|OM)(?![{_V}])", "2"),
        # silent final E, then a silent final consonant
        (r"(?<=.)E$", ""),
        (r"(?<=..)[TDP]$", ""),
        # oral vowel groups (only the first sound keeps its vowel)
        (r"EAU|AU|O", "O"),
        (r"AI|EI", "E"),
        (r"OU", "U"),
        (r"Y", "I"),
    )
)
_VOWELS = re.compile(r"[AEIOU]")
_REPEAT = re.compile(r"(.)\1+")


@lru_cache(maxsize=200_000)
def phonetic(word: str) -> str:
    """French phonetic key of one folded word or glued name (``""`` for ``""``).

    >>> phonetic("BERTAUD") == phonetic("BERTEAU") == phonetic("BERTOT")
    True
    """
    s = word.upper()
    for pattern, repl in _RULES:
        s = pattern.sub(repl, s)
    if not s:
        return ""
    head, tail = s[0], s[1:]
    tail = _VOWELS.sub("", tail)
    return _REPEAT.sub(r"\1", head + tail)
