"""Word-cloud normalisation: which typed words count as the same word.

Pure functions. ``clean_word`` tidies what a participant typed (it is stored
like that); ``word_key`` folds case, accents, punctuation at the ends and Dutch
or English plural forms (through the Snowball stemmers), so that "Inspiratie",
"inspiratie!" and "inspiraties" land on one word, shown in its most common
spelling.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from functools import lru_cache
from typing import Any

import snowballstemmer

# Bidirectional controls can reorder what others see on the screen; they never carry meaning
# in a single word. Zero-width joiners stay: emoji sequences need them.
_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
_STRIP_AT_ENDS = frozenset({"Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "Sm", "Sk"})
_STEMMER_NAMES = {"nl": "dutch", "en": "english"}


def clean_text(text: str) -> str:
    """NFC text without control or bidi characters, with runs of white space folded."""
    text = unicodedata.normalize("NFC", text)
    kept = []
    for char in text:
        if char in _BIDI_CONTROLS:
            continue
        category = unicodedata.category(char)
        if category == "Cc" and char not in "\n\t":
            continue
        kept.append(char)
    return " ".join("".join(kept).split())


def clean_multiline(text: str) -> str:
    """Like clean_text, but keeps line breaks (open answers may have several lines)."""
    lines = [clean_text(line) for line in text.replace("\r\n", "\n").split("\n")]
    return "\n".join(lines).strip()


def clean_word(text: str) -> str:
    """A typed word as it is stored and shown: tidied, otherwise as typed."""
    return clean_text(text)


@lru_cache(maxsize=4)
def _stemmer(language: str) -> Any:
    return snowballstemmer.stemmer(_STEMMER_NAMES.get(language, "english"))


def _strip_ends(text: str) -> str:
    start, end = 0, len(text)
    while start < end and unicodedata.category(text[start]) in _STRIP_AT_ENDS:
        start += 1
    while end > start and unicodedata.category(text[end - 1]) in _STRIP_AT_ENDS:
        end -= 1
    return text[start:end]


@lru_cache(maxsize=65536)
def word_key(text: str, language: str = "en") -> str:
    """The grouping key of a word: folded case and accents, no end punctuation, stemmed."""
    tokens = [_strip_ends(token) for token in clean_text(text).casefold().split()]
    return " ".join(_fold_accents(_stem(token, language)) for token in tokens if token)


def _stem(token: str, language: str) -> str:
    """Stem until nothing changes: the Dutch stemmer needs two rounds for mensen/mens."""
    if not token.isalpha():
        return token
    if language == "nl" and token.endswith("ën") and len(token) > 4:
        token = token[:-2]  # ideeën -> idee, knieën -> knie
    stemmer = _stemmer(language)
    for _ in range(3):
        stemmed: str = stemmer.stemWord(token)
        if stemmed == token:
            break
        token = stemmed
    return token


def _fold_accents(token: str) -> str:
    decomposed = unicodedata.normalize("NFKD", token)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def spelling(text: str) -> str:
    """How a word is shown: as typed, without punctuation at its ends."""
    return _strip_ends(clean_text(text))


def display_form(spellings: Counter[str]) -> str:
    """The spelling most people used; ties are broken the same way every time."""
    if len(spellings) == 1:  # most words: no need to compare spellings at all
        return next(iter(spellings))
    most = max(spellings.values())
    tied = [spelling for spelling, count in spellings.items() if count == most]
    return tied[0] if len(tied) == 1 else max(tied, key=_tiebreak)


def _tiebreak(spelling: str) -> tuple[int, int, str]:
    # Prefer lower case, then the shorter form (often the singular), then alphabetical first.
    inverted = "".join(chr(0x10FFFF - ord(c)) for c in spelling)
    return (-sum(c.isupper() for c in spelling), -len(spelling), inverted)
