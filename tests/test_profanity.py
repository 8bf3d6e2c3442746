"""The swear-word lists: whole words and compounds are caught, everyday words are left alone."""

from __future__ import annotations

import pytest

from polls.core.profanity import fold, is_profane, lists

SWEARING = [
    # Dutch: the common ones, their forms, and the habit of putting kanker-/kut-/klote- before
    # anything at all
    "kut", "Kut!", "KUT-ding", "kutding", "kutweer", "klote", "kloten", "klotezooi", "lul",
    "kanker", "kankerweer", "kankerlijer", "Kankerhond", "tering", "teringlijer", "tyfus",
    "tyfusweer", "pleuris", "godverdomme", "Godverdomme!", "godvergeten", "verdomme", "hoer",
    "hoeren", "hoerenzoon", "slet", "klootzak", "mongool", "debiel", "flikker", "kutwijf",
    "“kut”", "(klote)",
    # English
    "fuck", "fucking", "Fucked", "motherfucker", "shit", "shithead", "bullshit", "cunt",
    "dickhead", "asshole", "bitch", "bastard", "wanker", "twat", "slut", "whore", "retard",
]  # fmt: skip
EVERYDAY = [
    # sharing a stem or a beginning with a swear word, or another meaning of its letters
    "teer", "teren", "hoera", "lullig", "kutte", "zak", "eikel", "sukkel", "arm", "armoede",
    "kankerpatiënt", "kankeronderzoek", "kankerbestrijding", "kloppen", "klokken", "slecht",
    "schitterend", "cockpit", "dickens", "Scunthorpe", "assassin", "class",
    "shiitake", "classic", "therapist", "grape", "hello", "pussycat",
]  # fmt: skip


@pytest.mark.parametrize("word", SWEARING)
def test_swear_words_and_their_compounds_are_caught(word: str) -> None:
    """Each swear word, its forms and the compounds made with it are found."""
    assert is_profane(word)


@pytest.mark.parametrize("word", EVERYDAY)
def test_words_that_only_look_like_swearing_are_not(word: str) -> None:
    """Words that share letters, a stem or a beginning with a swear word are left alone."""
    assert not is_profane(word)


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_most_frequent_words_are_left_alone(language: str) -> None:
    """Of the 5,000 most frequent words of Dutch and of English (wordfreq), only those that are
    themselves on a list are caught: thousands of everyday words, none flagged by mistake."""
    from wordfreq import top_n_list

    words = top_n_list(language, 5000)
    on_the_list = {word for word in words if fold(word) in lists().words}
    harmless = [word for word in words if word not in on_the_list]
    assert len(harmless) >= 300
    assert [word for word in harmless if is_profane(word)] == []


def test_a_phrase_is_caught_by_any_of_its_words() -> None:
    """An open answer with a swear word anywhere in it is caught; one without is not."""
    assert is_profane("wat een kutavond was dit")
    assert not is_profane("wat een fijne avond was dit")
