"""A short list of common Dutch and English swear words, to flag (never hide) words in exports.

Flagging is a hint for researchers and moderators; what to hide stays a person's choice.
Both lists apply in every presentation: people swear in more than one language.
"""

from __future__ import annotations

from functools import lru_cache

from polls.core.words import word_key

WORDS = {
    "en": (
        "fuck fucking fucker shit shitty bullshit crap damn dick cock prick pussy cunt bitch "
        "bastard asshole arse arsehole wanker twat slut whore retard idiot moron"
    ),
    "nl": (
        "kut klote kloten lul eikel zak sukkel trut hoer slet tering kanker tyfus pleuris "
        "godverdomme verdomme mongool debiel idioot klootzak kankerlijer"
    ),
}


@lru_cache(maxsize=2)
def _keys(language: str) -> frozenset[str]:
    return frozenset(word_key(word, language) for word in WORDS[language].split())


def is_profane(text: str) -> bool:
    """Whether any word of a text is on either list, in any of its forms."""
    for language in WORDS:
        keys = _keys(language)
        if any(part in keys for part in word_key(text, language).split()):
            return True
    return False
