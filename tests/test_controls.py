"""Presenter controls as pure state changes."""

from __future__ import annotations

import pytest

from polls.core.errors import BadMessage
from polls.core.models import State
from polls.domain.controls import apply_control, check_moderation
from polls.domain.documents import validate_document
from polls.domain.protocol import Goto, Hide, Next, Previous, ShowResults, Voting
from tests.conftest import DOCUMENT

document = validate_document(DOCUMENT)


def test_next_and_previous_stay_within_the_slides() -> None:
    """Next on the last slide and previous on the first change nothing."""
    state = State()
    assert apply_control(document, state, Previous()) is state
    last = apply_control(document, state, Goto(slide=4))
    assert last.current == 4 and last.version == 2
    assert apply_control(document, last, Next()) is last
    assert apply_control(document, last, Previous()).current == 3


def test_goto_outside_the_presentation_is_refused() -> None:
    """A slide number that does not exist gets a clear error."""
    with pytest.raises(BadMessage):
        apply_control(document, State(), Goto(slide=5))


def test_lock_and_hide_apply_to_the_current_slide_by_default() -> None:
    """Voting and results toggles act on the slide on screen unless one is named."""
    state = apply_control(document, State(current=1), Voting(open=False))
    assert state.locked == ("words",) and not state.voting_open("words")
    state = apply_control(document, state, ShowResults(visible=False, slide="scales"))
    assert state.results_hidden == ("scales",)
    state = apply_control(document, state, Voting(open=True, slide="words"))
    assert state.locked == () and state.version == 4


def test_moderation_must_name_a_real_slide() -> None:
    """Hiding an item of an unknown slide is refused."""
    with pytest.raises(BadMessage):
        check_moderation(document, Hide(slide="nope", item="x"))
    check_moderation(document, Hide(slide="words", item="x"))
