"""Coding open answers into themes: the edits and the suggestions (pure functions)."""

from __future__ import annotations

from pathlib import Path

import pytest

from polls.core.errors import BadMessage
from polls.core.words import word_key
from polls.research.coding import (
    Coding,
    accept,
    add_theme,
    assign,
    decode_coding,
    delete_theme,
    dismiss,
    encode_coding,
    keep_answers,
    merge_themes,
    rename_theme,
    suggest,
    terms,
)

DATA = Path(__file__).parent / "data" / "closing_round_nl.txt"


def closing_round() -> list[tuple[str, str]]:
    """The Dutch closing-round answers written for these tests, as (answer id, text)."""
    lines = DATA.read_text(encoding="utf-8").splitlines()
    texts = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    return [(str(number), text) for number, text in enumerate(texts, start=100)]


def having(answers: list[tuple[str, str]], *forms: str) -> set[str]:
    """The answers in which one of these words occurs, in any form the cloud groups with it."""
    keys = {word_key(form, "nl") for form in forms}
    return {answer for answer, text in answers if keys & set(terms(text, "nl"))}


def test_the_test_set_is_large_enough() -> None:
    """The suggestions are tried on at least 60 realistic answers."""
    assert len(closing_round()) >= 60


@pytest.mark.parametrize(
    ("theme", "forms"),
    [
        ("praten", ("praten", "praat", "praatte")),
        ("luisteren", ("luisteren", "luister", "luisterde", "luistert", "luisterend")),
        ("eenzaamheid", ("eenzaamheid",)),
        ("buurt", ("buurt",)),
        ("hulp", ("hulp",)),
        ("vooroordeel", ("vooroordelen", "vooroordeel")),
        ("herkenning", ("herkenning",)),
    ],
)
def test_answers_that_share_a_theme_word_are_suggested_together(
    theme: str, forms: tuple[str, ...]
) -> None:
    """Every answer using a theme word, in any inflection, lands in that word's suggestion."""
    answers = closing_round()
    expected = having(answers, *forms)
    assert len(expected) >= 4
    found = {s.key: s for s in suggest(answers, "nl")}
    assert theme in found
    assert set(found[theme].answers) == expected
    assert found[theme].name.casefold() in {form.casefold() for form in forms} | {"vooroordelen"}


def test_inflections_of_one_verb_share_a_suggestion() -> None:
    """'praten', 'praat' and 'praatte' are one theme, named by the form most people typed."""
    answers = closing_round()
    talk = next(s for s in suggest(answers, "nl") if s.key == "praten")
    texts = {text for answer, text in answers if answer in talk.answers}
    assert any(" praat " in f" {t} " for t in texts) and any("praatte" in t for t in texts)
    assert talk.name == "Praten"


def test_the_strongest_themes_come_first_and_no_function_word_leads() -> None:
    """Suggestions are ordered by how many new answers they group; 'de', 'het', 'ik' lead none."""
    suggestions = suggest(closing_round(), "nl")
    assert [s.key for s in suggestions[:2]] == ["praten", "luisteren"]
    assert not {s.key for s in suggestions} & {"de", "het", "ik", "een", "dat", "zijn", "mijn"}


def test_suggestions_are_deterministic() -> None:
    """The same answers, in any order, give the same suggestions."""
    answers = closing_round()
    first = suggest(answers, "nl")
    assert suggest(list(reversed(answers)), "nl") == first


def test_accepted_and_dismissed_suggestions_do_not_come_back() -> None:
    """A suggestion once accepted or dismissed is not offered again."""
    answers = closing_round()
    talk, listen, *_ = suggest(answers, "nl")
    coding = accept(Coding(), talk, "Erover praten")
    coding = dismiss(coding, listen.key)
    again = {s.key for s in suggest(answers, "nl", coding.handled)}
    assert talk.key not in again and listen.key not in again and "hulp" in again
    assert coding.themes[0].name == "Erover praten"
    assert {a for a, given in coding.assigned.items() if given == ("t1",)} == set(talk.answers)


def test_themes_are_created_renamed_merged_and_deleted() -> None:
    """A researcher's edits do what they say and keep every answer's other themes."""
    coding, talk = add_theme(Coding(), "Praten")
    coding, listen = add_theme(coding, "  Luisteren ")
    coding, again = add_theme(coding, "praten")
    assert again == talk and [t.name for t in coding.themes] == ["Praten", "Luisteren"]
    coding = assign(coding, {"1": [talk], "2": [listen], "3": [talk, listen], "4": []})
    assert coding.names_of("3") == ["Praten", "Luisteren"] and "4" not in coding.assigned
    coding = rename_theme(coding, listen, "Goed luisteren")
    coding = merge_themes(coding, [listen], talk)
    assert [t.name for t in coding.themes] == ["Praten"]
    assert coding.assigned == {"1": (talk,), "2": (talk,), "3": (talk,)}
    assert coding.counts(["1", "2", "9"]) == {talk: 2}
    coding, hope = add_theme(coding, "Hoop")
    coding = assign(coding, {"1": [talk, hope]})
    coding = delete_theme(coding, talk)
    assert coding.assigned == {"1": (hope,)}


def test_bad_edits_are_refused_with_a_reason() -> None:
    """Empty or too long names, a name taken by another theme, a gone theme: clear errors."""
    coding, talk = add_theme(Coding(), "Praten")
    coding, listen = add_theme(coding, "Luisteren")
    with pytest.raises(BadMessage, match="name"):
        add_theme(coding, "   ")
    with pytest.raises(BadMessage, match="at most"):
        add_theme(coding, "x" * 81)
    with pytest.raises(BadMessage, match="merge"):
        rename_theme(coding, listen, "PRATEN")
    with pytest.raises(BadMessage, match="no longer"):
        merge_themes(coding, ["t99"], talk)
    with pytest.raises(BadMessage, match="another theme"):
        merge_themes(coding, [talk], talk)


def test_answers_that_are_gone_lose_their_themes_and_the_coding_round_trips() -> None:
    """Deleted answers drop out of the coding; encoding and decoding keep everything else."""
    coding, talk = add_theme(Coding(), "Praten")
    coding = assign(coding, {"1": [talk], "2": [talk]})
    kept = keep_answers(coding, ["2", "3"])
    assert kept.assigned == {"2": (talk,)}
    assert decode_coding(encode_coding(kept)) == kept
