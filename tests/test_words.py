"""Word-cloud normalisation: variants of one word land together."""

from __future__ import annotations

from collections import Counter

import pytest

from polls.core.words import clean_multiline, clean_word, display_form, spelling, word_key


@pytest.mark.parametrize(
    "variants",
    [
        ["Inspiratie", "inspiratie", "INSPIRATIE!", "inspiratie.", "“inspiratie”"],
        ["café", "Cafe", "CAFÉ"],
        ["bijeenkomst", "bijeenkomsten"],
        ["idee", "ideeën"],
        ["mens", "mensen"],
        ["zorg", "zorgen"],
    ],
)
def test_dutch_variants_share_a_key(variants: list[str]) -> None:
    """Case, accents, end punctuation and Dutch plurals group together."""
    assert len({word_key(v, "nl") for v in variants}) == 1


@pytest.mark.parametrize(
    "variants", [["meeting", "Meetings"], ["idea", "ideas"], ["hope", "hopes!"]]
)
def test_english_plurals_share_a_key(variants: list[str]) -> None:
    """English plural forms group with the singular."""
    assert len({word_key(v, "en") for v in variants}) == 1


def test_different_words_stay_apart() -> None:
    """Words that differ in meaning are not merged."""
    assert word_key("hoop", "nl") != word_key("hoed", "nl")


def test_emoji_are_words() -> None:
    """An emoji alone is a word, and emoji with joiners survive cleaning."""
    family = "👨\u200d👩\u200d👧"
    assert word_key("👍") == "👍"
    assert clean_word(family) == family
    assert word_key(family) == family


def test_bidi_controls_are_removed() -> None:
    """Right-to-left marks and overrides cannot flip what the screen shows."""
    assert clean_word("\u202eabc\u202c") == "abc"
    assert word_key("\u200fhoop") == word_key("hoop")


def test_punctuation_only_has_no_key() -> None:
    """A word of only punctuation has nothing to count."""
    assert word_key("!!!") == ""
    assert word_key("") == ""
    assert word_key("   ") == ""


def test_formula_like_text_is_just_text() -> None:
    """Spreadsheet formulas are words like any other here (exports neutralise them)."""
    assert word_key("=cmd|") == "cmd"
    assert clean_word("=cmd|") == "=cmd|"


def test_very_long_words_are_handled() -> None:
    """A 5,000-character word is normalised without trouble."""
    key = word_key("a" * 5000)
    assert key.startswith("aaa") and len(key) <= 5000


def test_white_space_is_folded() -> None:
    """Runs of spaces and tabs fold to one; open answers keep their lines."""
    assert clean_word("  goede \t sfeer ") == "goede sfeer"
    assert clean_multiline("regel een\r\n  regel   twee ") == "regel een\nregel twee"


def test_most_common_spelling_is_shown() -> None:
    """The cloud shows the spelling most people typed, without end punctuation."""
    assert display_form(Counter({"Inspiratie": 1, "inspiratie": 3})) == "inspiratie"
    assert spelling("Hoop!") == "Hoop"


def test_ties_prefer_lower_case() -> None:
    """With equal counts the lower-case spelling wins, the same every time."""
    assert display_form(Counter({"Hoop": 2, "hoop": 2})) == "hoop"
