"""Property-based tests of everything that reads what clients send: arbitrary JSON, arbitrary
Unicode and huge numbers get a typed value or a polls error with a reason, never anything else.

``make test`` runs a short, reproducible profile; ``make fuzz`` runs 100,000 examples a target.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import msgspec
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from polls.core.errors import PollsError
from polls.core.words import clean_multiline, clean_text, clean_word, word_key
from polls.domain import protocol
from polls.domain.documents import validate_document
from polls.kinds import kind_of, names
from tests.conftest import DOCUMENT

SLIDES = validate_document(DOCUMENT).slides
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()  # unbounded: far past 64 bits
    | st.floats()  # NaN and infinities too: JSON has no such numbers
    | st.text()
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=30,
)
FIELDS = st.sampled_from(
    ["type", "id", "slide", "value", "words", "ratings", "choices", "text", "open", "item"]
)
PARTICIPANT_TYPES = [*sorted(protocol._PARTICIPANT_TYPES), "shout"]
PRESENTER_TYPES = [*sorted(protocol._PRESENTER_TYPES), "shout"]


def messages(types: list[str]) -> st.SearchStrategy[Any]:
    """Anything at all, and objects shaped almost like real messages, to reach deeper."""
    shaped = st.builds(
        lambda kind, fields: {**fields, "type": kind},
        st.sampled_from(types),
        st.dictionaries(FIELDS, JSON, max_size=5),
    )
    return JSON | shaped


def encoded(value: Any) -> str:
    return json.dumps(value)  # NaN comes out as NaN, which no JSON parser accepts


def reason_of(error: PollsError) -> str:
    assert error.code and error.reason and error.status in {400, 404, 409, 413, 422, 429}
    return error.reason


@pytest.mark.parametrize(
    ("parse", "types"),
    [
        (protocol.parse_participant_message, PARTICIPANT_TYPES),
        (protocol.parse_presenter_message, PRESENTER_TYPES),
    ],
    ids=["participant", "presenter"],
)
@given(data=st.data())
def test_any_message_is_parsed_or_refused_with_a_reason(
    parse: Callable[[str | bytes], object], types: list[str], data: st.DataObject
) -> None:
    """A phone's or a presenter's message, whatever it is, becomes a typed message or a
    polls error with a reason."""
    sent = data.draw(messages(types) | st.text() | st.binary())
    raw = sent if isinstance(sent, str | bytes) else encoded(sent)
    try:
        parse(raw)
    except PollsError as error:
        reason_of(error)


@given(
    st.sampled_from(SLIDES),
    st.dictionaries(FIELDS | st.text(max_size=8), JSON, max_size=4),
    st.sampled_from(["en", "nl"]),
)
def test_every_kinds_answer_check_takes_anything(slide: Any, value: Any, language: str) -> None:
    """Each kind's answer check turns any value into a checked answer or an invalid_answer."""
    try:
        checked = protocol.check_answer(slide, value, language)
    except PollsError as error:
        reason_of(error)
    else:
        msgspec.json.encode(checked.value)  # what is stored can be stored


@given(
    st.sampled_from(SLIDES),
    st.dictionaries(FIELDS | st.text(max_size=8), st.lists(st.text(), max_size=4), max_size=4),
)
def test_every_kinds_form_reading_takes_anything(slide: Any, form: dict[str, list[str]]) -> None:
    """Each kind's plain-form reading (the page without JavaScript) takes any fields."""
    try:
        value = kind_of(slide).form_answer(slide, form)
        protocol.check_answer(slide, value, "en")
    except PollsError as error:
        reason_of(error)


DOCUMENT_FIELDS = st.sampled_from(["title", "language", "slides", "tags", "theme", "retention"])
SLIDE_FIELDS = st.sampled_from(
    ["kind", "id", "question", "statements", "options", "min", "max", "max_words", "max_length"]
)
KINDS = st.sampled_from([*names(), "nonsense"])


def documents() -> st.SearchStrategy[Any]:
    slide = st.builds(
        lambda kind, fields: {**fields, "kind": kind},
        KINDS,
        st.dictionaries(SLIDE_FIELDS, JSON, max_size=6),
    )
    shaped = st.builds(
        lambda fields, slides: {**fields, "slides": slides},
        st.dictionaries(DOCUMENT_FIELDS, JSON, max_size=4),
        st.lists(slide, max_size=4),
    )
    return JSON | shaped


@given(documents())
def test_any_document_is_valid_or_refused_with_its_problems(data: Any) -> None:
    """The document validator returns a document or an invalid_document naming problems."""
    try:
        validate_document(data)
    except PollsError as error:
        reason_of(error)
        assert error.code == "invalid_document" and getattr(error, "problems", None)


@given(st.text())
@example("e\u200b\u0301")  # taking the zero-width space out lets the accent compose
def test_the_word_cleaner_is_idempotent(text: str) -> None:
    """Cleaning a cleaned text changes nothing; nor does grouping a grouping key's text."""
    assert clean_text(clean_text(text)) == clean_text(text)
    assert clean_word(clean_word(text)) == clean_word(text)
    assert clean_multiline(clean_multiline(text)) == clean_multiline(text)
    for language in ("en", "nl"):
        key = word_key(text, language)
        assert isinstance(key, str) and not math.isnan(len(key))
