"""Presenter controls as pure state changes."""

from __future__ import annotations

import pytest

from polls.core.errors import BadMessage
from polls.core.models import State
from polls.domain.controls import apply_control, check_moderation
from polls.domain.documents import validate_document
from polls.domain.protocol import Goto, Hide, Next, Previous, ShowResults, Timer, Voting
from tests.conftest import DOCUMENT

document = validate_document(DOCUMENT)


def test_next_and_previous_stay_within_the_slides() -> None:
    """Next on the last slide and previous on the first change nothing."""
    state = State()
    assert apply_control(document, state, Previous(), now=0.0) is state
    last = apply_control(document, state, Goto(slide=4), now=0.0)
    assert last.current == 4 and last.version == 2
    assert apply_control(document, last, Next(), now=0.0) is last
    assert apply_control(document, last, Previous(), now=0.0).current == 3


def test_goto_outside_the_presentation_is_refused() -> None:
    """A slide number that does not exist gets a clear error."""
    with pytest.raises(BadMessage):
        apply_control(document, State(), Goto(slide=5), now=0.0)


def test_lock_and_hide_apply_to_the_current_slide_by_default() -> None:
    """Voting and results toggles act on the slide on screen unless one is named."""
    state = apply_control(document, State(current=1), Voting(open=False), now=0.0)
    assert state.locked == ("words",) and not state.voting_open("words", 0.0)
    state = apply_control(document, state, ShowResults(visible=False, slide="scales"), now=0.0)
    assert state.results_hidden == ("scales",)
    state = apply_control(document, state, Voting(open=True, slide="words"), now=0.0)
    assert state.locked == () and state.version == 4


def test_moderation_must_name_a_real_slide() -> None:
    """Hiding an item of an unknown slide is refused."""
    with pytest.raises(BadMessage):
        check_moderation(document, Hide(slide="nope", item="x"))
    check_moderation(document, Hide(slide="words", item="x"))


TIMED = validate_document(
    {
        **DOCUMENT,
        "slides": [
            {"kind": "content", "id": "welcome", "title": "Welcome"},
            {"kind": "word_cloud", "id": "words", "question": "One word?", "time_limit": 60},
            {"kind": "open_ended", "id": "tips", "question": "Tips?"},
        ],
    }
)


def test_a_time_limit_starts_counting_when_its_slide_is_first_shown() -> None:
    """Showing a slide with a time limit sets when voting closes; voting is open until then
    and closed from then on, and showing the slide again does not start it anew."""
    shown = apply_control(TIMED, State(), Next(), now=1000.0)
    assert shown.deadline("words") == 1060.0
    assert shown.voting_open("words", 1059.9) and not shown.voting_open("words", 1060.0)
    again = apply_control(
        TIMED, apply_control(TIMED, shown, Next(), now=1070.0), Previous(), now=1080.0
    )
    assert again.deadline("words") == 1060.0 and not again.voting_open("words", 1080.0)


def test_the_presenters_timer_starts_adds_and_stops() -> None:
    """A timer on a slide without a limit counts down; more seconds extend the running one;
    stopping keeps voting open while it ran and closed after it ran out."""
    on_tips = apply_control(TIMED, State(), Goto(slide=2), now=0.0)
    assert on_tips.deadline("tips") is None
    started = apply_control(TIMED, on_tips, Timer(seconds=60), now=100.0)
    longer = apply_control(TIMED, started, Timer(seconds=30), now=120.0)
    assert longer.deadline("tips") == 190.0
    stopped = apply_control(TIMED, longer, Timer(seconds=0), now=150.0)
    assert stopped.deadline("tips") is None and stopped.voting_open("tips", 1e9)
    ran_out = apply_control(TIMED, longer, Timer(seconds=0), now=200.0)
    assert ran_out.deadline("tips") is None and not ran_out.voting_open("tips", 200.0)
    restarted = apply_control(TIMED, ran_out, Timer(seconds=30), now=300.0)
    assert restarted.voting_open("tips", 329.0) and not restarted.voting_open("tips", 330.0)


def test_opening_or_closing_voting_by_hand_ends_a_countdown() -> None:
    """Closing by hand forgets the countdown; opening after it ran out opens for good;
    timers on slides without answers, or of a silly length, are refused."""
    shown = apply_control(TIMED, State(), Next(), now=0.0)
    closed = apply_control(TIMED, shown, Voting(open=False), now=10.0)
    assert closed.deadline("words") is None and not closed.voting_open("words", 11.0)
    reopened = apply_control(TIMED, shown, Voting(open=True), now=61.0)
    assert reopened.deadline("words") is None and reopened.voting_open("words", 1e9)
    with pytest.raises(BadMessage, match="no answers"):
        apply_control(TIMED, State(), Timer(seconds=30), now=0.0)
    with pytest.raises(BadMessage, match="from 1 to 3600"):
        apply_control(TIMED, shown, Timer(seconds=7200), now=0.0)
