"""Swear words and slurs: which answers are kept off the screen until a presenter shows them.

Pure functions over the lists in ``polls/core/profanity_lists/<language>.txt`` (one entry a
line: a whole word, ``word*`` for compounds that begin with it, ``!word`` for a compound that is
not swearing, ``#`` for comments). A word matches when it is on a list as a whole word (case,
accents and punctuation at its ends ignored) or begins with a listed compound part; stems are
never used, so harmless words that share a stem with a swear word ("teer", "tering") stay apart.
Every list applies in every presentation: people swear in more than one language. To add a
language, add its file.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from importlib import resources

from polls.core.words import clean_text, graphemes

MIN_COMPOUND_REST = 3  # "kutding" is a compound of "kut"; "kutte" is not treated as one


class Lists:
    """Whole words, compound beginnings and exceptions of every language's list."""

    def __init__(self, lines: list[str]) -> None:
        self.words: set[str] = set()
        self.beginnings: set[str] = set()
        self.exceptions: set[str] = set()
        for line in lines:
            entry = line.split("#", 1)[0].strip()
            if not entry:
                continue
            if entry.startswith("!"):
                self.exceptions.add(fold(entry[1:]))
            elif entry.endswith("*"):
                self.beginnings.add(fold(entry[:-1]))
            else:
                self.words.add(fold(entry))
        self.longest = max((len(b) for b in self.beginnings), default=0)

    def matches(self, token: str) -> bool:
        if token in self.words:
            return True
        if token in self.exceptions:
            return False
        for end in range(1, min(self.longest, len(token) - MIN_COMPOUND_REST) + 1):
            if token[:end] in self.beginnings:
                return True
        return False


def fold(text: str) -> str:
    """Lower case without accents."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def lists() -> Lists:
    folder = resources.files("polls.core") / "profanity_lists"
    lines: list[str] = []
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        if entry.name.endswith(".txt"):
            lines.extend(entry.read_text(encoding="utf-8").splitlines())
    return Lists(lines)


def _token(text: str) -> str:
    """A word without the punctuation and symbols people put around it."""
    clusters = graphemes(text)
    while clusters and not clusters[0][0].isalnum():
        clusters.pop(0)
    while clusters and not clusters[-1][0].isalnum():
        clusters.pop()
    return fold("".join(clusters))


@lru_cache(maxsize=65536)
def is_profane(text: str) -> bool:
    """Whether any word of a text is a swear word or slur, or a compound made with one."""
    found = lists()
    return any(found.matches(_token(part)) for part in clean_text(text).replace("-", " ").split())
