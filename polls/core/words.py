"""Word-cloud normalisation: which typed words count as the same word.

Pure functions. ``clean_word`` tidies what a participant typed once, at the edge (it is stored
and shown like that): NFC, no invisible format or control characters, white space folded.
``spelling`` is how a word is shown: as typed, only unwrapped from quotes or brackets around the
whole of it. ``word_key`` folds case, accents, punctuation at the ends and Dutch or English
inflections (to the dictionary form through simplemma, else the Snowball stem), so that
"Inspiratie", "inspiratie!" and "inspiraties" land on one word, shown in its most common
spelling, and "mooie" with "mooi", "leerde" with "leren", but "eenzaamheid" not with
"eenzaam". Text is handled as grapheme clusters (what a reader sees as one character), so an
emoji with a skin tone or a family joined by zero-width joiners stays whole and counts as one
character.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from functools import lru_cache
from typing import Any

import regex
import simplemma
import snowballstemmer

_GRAPHEME = regex.compile(r"\X")
_PICTOGRAPHIC = regex.compile(r"\p{Extended_Pictographic}|\p{Regional_Indicator}")
# Format characters (category Cf: zero-width space and (non-)joiners, the byte-order mark, bidi
# overrides and isolates) are invisible, or reorder what others see: they go, except a joiner
# or tag inside an emoji (families, flags of regions), which needs them.
_ZWJ = "\u200d"
# Letters and symbols that show as nothing: fillers some keyboards offer to fake a blank.
_BLANK = frozenset("\u115f\u1160\u3164\uffa0\u2800")
_STRIP_AT_ENDS = frozenset({"Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "Sm", "Sk"})
# Quotes and brackets that may wrap a whole word: taken off for display, in pairs only.
_WRAPPERS = {
    '"': '"', "'": "'", "\u201c": "\u201d", "\u201e": "\u201d", "\u2018": "\u2019",
    "\u201a": "\u2019", "\u00ab": "\u00bb", "\u2039": "\u203a", "(": ")", "[": "]", "{": "}",
}  # fmt: skip
_STEMMER_NAMES = {"nl": "dutch", "en": "english"}
# Where the dictionary and the stemmer disagree with a native speaker: the form a word is
# grouped under. Each is tested (tests/test_words.py).
EXCEPTIONS: dict[str, dict[str, str]] = {
    "nl": {
        "eenzaamheid": "eenzaamheid",  # the dictionary gives "eenzaam": another word
        "therapieen": "therapie",  # "therapieën" typed without its diaeresis
        "nuttige": "nuttig",  # an adjective, not the verb "nuttigen"
        "genoot": "genieten",  # the past tense, not the noun ("companion")
    },
    "en": {},
}


def graphemes(text: str) -> list[str]:
    """The characters a reader sees: 👍🏽 is one, as is a family of joined emoji."""
    found: list[str] = _GRAPHEME.findall(text)
    return found


def visible_length(text: str) -> int:
    """The length people see, in grapheme clusters (what limits such as max_length count)."""
    return len(text) if text.isascii() else len(graphemes(text))


def _kept(cluster: str) -> str:
    emoji = _PICTOGRAPHIC.search(cluster) is not None
    kept = []
    for char in cluster:
        category = unicodedata.category(char)
        if category == "Cf":
            if emoji and (char == _ZWJ or "\U000e0020" <= char <= "\U000e007f"):
                kept.append(char)
        elif category == "Cc":
            if char in "\n\t":
                kept.append(" ")
        elif char not in _BLANK:
            kept.append(char)
    return "".join(kept)


def clean_text(text: str) -> str:
    """NFC text without invisible format, control or filler characters, white space folded."""
    text = unicodedata.normalize("NFC", text)
    if text.isascii() and text.isprintable():  # most words: nothing to take out
        return " ".join(text.split())
    kept = "".join(_kept(cluster) for cluster in graphemes(text))
    # What was taken out may have stood between a letter and its accent: compose again.
    return " ".join(unicodedata.normalize("NFC", kept).split())


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
    """Without punctuation and symbols at the ends (for grouping, never for display); an emoji
    at an end stays, skin tone and all."""
    if text.isascii():
        start, end = 0, len(text)
        while start < end and unicodedata.category(text[start]) in _STRIP_AT_ENDS:
            start += 1
        while end > start and unicodedata.category(text[end - 1]) in _STRIP_AT_ENDS:
            end -= 1
        return text[start:end]
    clusters = graphemes(text)
    first, last = 0, len(clusters)
    while first < last and _is_edge_mark(clusters[first]):
        first += 1
    while last > first and _is_edge_mark(clusters[last - 1]):
        last -= 1
    return "".join(clusters[first:last])


def _is_edge_mark(cluster: str) -> bool:
    return (
        unicodedata.category(cluster[0]) in _STRIP_AT_ENDS and _PICTOGRAPHIC.search(cluster) is None
    )


@lru_cache(maxsize=65536)
def word_key(text: str, language: str = "en") -> str:
    """The grouping key of a word: folded case and accents, no end punctuation, and each word
    by its dictionary form (lemma), or its stem where the dictionary does not know it."""
    tokens = [_strip_ends(token) for token in clean_text(text).casefold().split()]
    return " ".join(_fold_accents(_root(token, language)) for token in tokens if token)


def load_dictionaries() -> None:
    """Load every language's dictionary now (about 0.3 s and 30 MB each), so that the first
    word of a session does not wait for it."""
    for language in _STEMMER_NAMES:
        simplemma.lemmatize("woorden", lang=language)


def _lemma(token: str, language: str) -> str | None:
    """The dictionary form, followed until it stops changing (its dictionary maps some lemmas
    on: "leert" -> "leren" -> "leer", "lessen" -> "les" -> "lessen"), the shortest of a
    cycle; None for a word the dictionary does not know."""
    seen = [token]
    while True:
        lemma = str(simplemma.lemmatize(seen[-1], lang=language)).casefold()
        if lemma == seen[-1] or lemma in seen or len(seen) > 4:
            break
        seen.append(lemma)
    if len(seen) == 1 and not simplemma.is_known(token, lang=language):
        return None
    cycle = seen[seen.index(lemma) :] if lemma in seen else [seen[-1]]
    return min(cycle, key=lambda form: (len(form), form))


@lru_cache(maxsize=65536)
def stem_key(text: str, language: str = "en") -> str:
    """The key words had before dictionary forms (stems only): moderation stored then names
    words by it, so a word hidden then stays hidden."""
    tokens = [_strip_ends(token) for token in clean_text(text).casefold().split()]
    return " ".join(_fold_accents(_stem(token, language)) for token in tokens if token)


def _root(token: str, language: str) -> str:
    """The dictionary form (simplemma: "leerde" -> "leren", "mooie" -> "mooi", "children" ->
    "child"); for a word it does not know, the Snowball stem. Where the two disagree with a
    native speaker, EXCEPTIONS decides."""
    exception = EXCEPTIONS.get(language, {}).get(token)
    if exception is not None:
        return exception
    if not any(char.isalpha() for char in token):
        return token
    lemma = _lemma(token, language)
    if lemma is not None:
        return lemma
    return _stem(token, language)


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
    """How a word is shown: as typed, only unwrapped from quotes or brackets around all of it
    ("(hoop)" shows as hoop; "=SUM(A1:A9)", "+31" and "<b>" stay as they are)."""
    text = clean_text(text)
    while len(text) > 2 and _WRAPPERS.get(text[0]) == text[-1]:
        text = text[1:-1].strip()
    return text


def display_form(spellings: Counter[str]) -> str:
    """The spelling most people used; ties are broken the same way every time."""
    if len(spellings) == 1:  # most words: no need to compare spellings at all
        return next(iter(spellings))
    most = max(spellings.values())
    tied = [spelling for spelling, count in spellings.items() if count == most]
    return tied[0] if len(tied) == 1 else max(tied, key=_tiebreak)


def _tiebreak(spelling: str) -> tuple[bool, int, int, str]:
    # Prefer a spelling without punctuation at its ends, then lower case, then the shorter
    # form (often the singular), then alphabetical first.
    inverted = "".join(chr(0x10FFFF - ord(c)) for c in spelling)
    plain = _strip_ends(spelling) == spelling
    return (plain, -sum(c.isupper() for c in spelling), -len(spelling), inverted)
