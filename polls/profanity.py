"""A short list of common Dutch and English swear words, to flag (never hide) words in exports.

Flagging is a hint for researchers and moderators; what to hide stays a person's choice.
"""

from __future__ import annotations

from functools import lru_cache

from polls.words import word_key

WORDS = {
    "en": (
        "fuck fucking fucker shit shitty bullshit crap damn dick cock prick pussy cunt bitch "
        "bastard asshole arse arsehole wanker twat slut whore retard idiot moron"
    ),
    "nl": (
        "kut klote kloten lul eikel zak sukkel trut hoer slet tering kanker tyfus pleuris "
        "godverdomme verdomme shit fuck mongool debiel idioot klootzak kankerlijer"
    ),
}


@lru_cache(maxsize=4)
def _keys(language: str) -> frozenset[str]:
    words = WORDS.get(language, "").split() + WORDS["en"].split()
    return frozenset(word_key(word, language) for word in words)


def is_profane(key: str, language: str) -> bool:
    """Whether a normalised word (a word key) is on the list, in any of its forms."""
    return bool(key) and any(part in _keys(language) for part in key.split())
