"""Message parsing and answer checks: the same rules for sockets and HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from polls.core.errors import BadMessage, InvalidAnswer, MessageTooLarge, UnknownMessage
from polls.domain.documents import validate_document
from polls.domain.protocol import (
    Answer,
    Goto,
    Ping,
    check_answer,
    check_submission_id,
    new_submission_id,
    parse_participant_message,
    parse_presenter_message,
)
from tests.conftest import DOCUMENT

document = validate_document(DOCUMENT)
_, words, scales, choice, text = document.slides


def test_an_answer_message_parses() -> None:
    """A well-formed answer becomes an Answer with its submission id."""
    message = parse_participant_message(
        '{"type":"answer","id":"abc-1","slide":"words","value":{"words":["x"]}}'
    )
    assert isinstance(message, Answer) and message.id == "abc-1"
    assert isinstance(parse_participant_message(b'{"type":"ping"}'), Ping)


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ("not json", BadMessage),
        ("[1,2]", BadMessage),
        ('{"no":"type"}', BadMessage),
        ('{"type":"dance"}', UnknownMessage),
        ('{"type":"goto","slide":1}', UnknownMessage),
        ('{"type":"answer","slide":"words","value":{}}', BadMessage),
        ('{"type":"answer","id":"a b","slide":"words","value":{}}', BadMessage),
        ('{"type":"answer","id":"' + "x" * 65 + '","slide":"w","value":{}}', BadMessage),
        ('{"type":"answer","id":"a","slide":"w","value":{},"extra":1}', BadMessage),
        ('{"type":"answer","id":"a","slide":"w","value":"' + "x" * 17000 + '"}', MessageTooLarge),
    ],
)
def test_bad_participant_messages_get_a_clear_error(data: str, error: type[Exception]) -> None:
    """Malformed, unknown, incomplete and oversized messages each get their own error."""
    with pytest.raises(error) as caught:
        parse_participant_message(data)
    assert caught.value.reason  # type: ignore[attr-defined]


def test_presenter_messages_parse() -> None:
    """Presenter controls parse; participant messages are not controls."""
    assert parse_presenter_message('{"type":"goto","slide":2,"id":"r1"}') == Goto(slide=2, id="r1")
    with pytest.raises(UnknownMessage):
        parse_presenter_message('{"type":"answer","id":"a","slide":"w","value":{}}')


def test_multibyte_text_counts_in_bytes() -> None:
    """The 16 KiB cap is on bytes, so 6,000 emoji are too many."""
    with pytest.raises(MessageTooLarge):
        parse_participant_message('{"type":"ping","id":"' + "😀" * 6000 + '"}')


def test_words_are_cleaned_and_counted() -> None:
    """Words are tidied and count as items towards the limit."""
    checked = check_answer(words, {"words": ["  Hoop ", "", "moed"]}, "nl")
    assert checked.value == {"words": ["Hoop", "moed"]} and checked.items == 2
    assert check_answer(words, {"words": "single"}, "nl").value == {"words": ["single"]}


@pytest.mark.parametrize(
    "value",
    [
        {},
        {"words": []},
        {"words": ["", "  "]},
        {"words": ["a", "b", "c", "d"]},
        {"words": ["x" * 26]},
        {"words": ["x" * 5000]},
        {"words": ["!!!"]},
        {"words": [1, 2]},
    ],
)
def test_bad_words_are_refused(value: dict[str, Any]) -> None:
    """Empty, too many, too long or punctuation-only words are refused with a reason."""
    with pytest.raises(InvalidAnswer):
        check_answer(words, value, "en")


def test_ratings_in_range_and_skips() -> None:
    """Ratings by statement index, as numbers, strings or a list; skip where allowed."""
    assert check_answer(scales, {"ratings": {"0": 5, "1": "skip"}}, "en").value == {
        "ratings": {"0": 5, "1": "skip"}
    }
    assert check_answer(scales, {"ratings": ["2", None]}, "en").value == {"ratings": {"0": 2}}


@pytest.mark.parametrize(
    "value",
    [
        {"ratings": {}},
        {"ratings": {"0": 6}},
        {"ratings": {"0": 0}},
        {"ratings": {"2": 3}},
        {"ratings": {"0": 2.5}},
        {"ratings": {"0": True}},
        {"ratings": {"x": 3}},
    ],
)
def test_bad_ratings_are_refused(value: dict[str, Any]) -> None:
    """Out of range, unknown statements and non-numbers are refused."""
    with pytest.raises(InvalidAnswer):
        check_answer(scales, value, "en")


def test_choices_single_and_multiple() -> None:
    """Single choice takes one option; options are indices."""
    assert check_answer(choice, {"choices": [2]}, "en").value == {"choices": [2]}
    assert check_answer(choice, {"choices": "1"}, "en").value == {"choices": [1]}
    for bad in ({"choices": []}, {"choices": [0, 1]}, {"choices": [3]}, {"choices": [-1]}):
        with pytest.raises(InvalidAnswer):
            check_answer(choice, bad, "en")


def test_open_text_limits() -> None:
    """Open answers keep their text, within the slide's length; formulas stay plain text."""
    assert (
        check_answer(text, {"text": "=cmd|' /C calc'!A0"}, "en").value["text"].startswith("=cmd|")
    )
    assert check_answer(text, {"text": "<script>alert(1)</script>"}, "en").items == 1
    for bad in ({"text": ""}, {"text": "   "}, {"text": "x" * 101}, {"text": 5}):
        with pytest.raises(InvalidAnswer):
            check_answer(text, bad, "en")


@pytest.mark.parametrize("good", ["a", "6f1c2d3e-aaaa-4bbb-8ccc-0123456789ab", "x" * 64, "A_1.b:2"])
def test_submission_ids_of_ascii_letters_digits_and_punctuation_pass(good: str) -> None:
    """Ids as browsers make them are taken as they are."""
    assert check_submission_id(good) == good


@pytest.mark.parametrize("bad", ["", "x" * 65, "a\n", "\u00e9t\u00e9", "\u0661", "a/b", "a b"])
def test_other_submission_ids_are_refused(bad: str) -> None:
    """Empty, too long, a trailing newline, non-ASCII letters or digits, or other signs."""
    with pytest.raises(BadMessage):
        check_submission_id(bad)


def test_new_submission_ids_sort_by_the_time_they_were_made() -> None:
    """Ids made later sort later, whatever their random part, and are valid ids."""
    made = [new_submission_id(1_764_000_000.0 + step / 1000) for step in range(0, 5000, 7)]
    assert made == sorted(made)
    assert len(set(made)) == len(made)
    assert all(check_submission_id(i) == i and len(i) == 27 for i in made)
    assert int(made[0][:11], 16) == 1_764_000_000_000


def test_content_slides_take_no_answers() -> None:
    """A content slide refuses answers."""
    with pytest.raises(InvalidAnswer):
        check_answer(document.slides[0], {"text": "hi"}, "en")
