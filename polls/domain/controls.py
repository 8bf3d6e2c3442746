"""What the presenter's controls do to the presentation state. Pure functions."""

from __future__ import annotations

import msgspec

from polls.core.errors import BadMessage
from polls.core.i18n import N_
from polls.core.models import Document, State
from polls.domain.protocol import (
    Control,
    Goto,
    Hide,
    Next,
    Previous,
    QuestionAction,
    Restore,
    Reveal,
    ShowResults,
    Timer,
    Voting,
)
from polls.kinds import kind_of
from polls.kinds.base import SHOWN_ANYWAY
from polls.kinds.qa import ACTIONS, QA_SLIDE

MAX_ITEM_LENGTH = 199  # stored with SHOWN_ANYWAY before it in a column of 200
MAX_COUNTDOWN = 3600  # seconds a countdown may still have to run


def apply_control(document: Document, state: State, control: Control, *, now: float) -> State:
    """The state after a control at ``now`` (seconds since 1970); the same object when
    nothing changes.

    Countdowns: showing a slide with a ``time_limit`` for the first time starts its countdown;
    ``timer`` starts one (or adds to the one running), ``timer`` with 0 seconds stops it (voting
    stays as it is then: open while it ran, closed once it had run out). Closing voting by hand
    ends a countdown; opening it again after a countdown ran out forgets that countdown.
    """
    count = len(document.slides)
    current = min(state.current, max(count - 1, 0))
    if isinstance(control, Goto):
        if not 0 <= control.slide < count:
            raise BadMessage(f"There is no slide {control.slide}; slides go from 0 to {count - 1}.")
        return _shown(document, state, control.slide, now)
    if isinstance(control, Next):
        return _shown(document, state, min(current + 1, count - 1), now)
    if isinstance(control, Previous):
        return _shown(document, state, max(current - 1, 0), now)
    if isinstance(control, Voting):
        slide_id = _slide_id(document, control.slide, current)
        deadline = state.deadline(slide_id)
        ended = deadline is not None and (not control.open or now >= deadline)
        return _changed(
            state,
            locked=_toggle(state.locked, slide_id, add=not control.open),
            deadlines=_without(state.deadlines, slide_id) if ended else state.deadlines,
        )
    if isinstance(control, Timer):
        return _timed(document, state, control, current, now)
    if isinstance(control, ShowResults):
        slide_id = _slide_id(document, control.slide, current)
        hidden = _toggle(state.results_hidden, slide_id, add=not control.visible)
        return _changed(state, results_hidden=hidden)
    if isinstance(control, Reveal):
        return _revealed(document, state, control, current)
    if isinstance(control, QuestionAction):
        return _question(state, control, now)
    assert isinstance(control, Hide | Restore)
    raise BadMessage(N_("Moderation is not a change of state."))


def check_question_action(control: QuestionAction) -> None:
    if control.action not in ACTIONS:
        raise BadMessage(
            N_("A question's action is one of: %(choices)s."), choices=", ".join(ACTIONS)
        )


def question_moderation(control: QuestionAction) -> Hide | Restore | None:
    """Hiding or showing an audience question is moderation of the Q&A; None for the actions
    that change the state."""
    if control.action == "hide":
        return Hide(slide=QA_SLIDE, item=str(control.question))
    if control.action == "show":
        return Restore(slide=QA_SLIDE, item=str(control.question))
    return None


def _question(state: State, control: QuestionAction, now: float) -> State:
    """One question answered now, answered, or neither again: at most one is being answered,
    and marking one answered keeps when."""
    check_question_action(control)
    question = control.question
    answered = tuple(pair for pair in state.answered if pair[0] != question)
    answering = 0 if state.answering == question else state.answering
    if control.action == "answering":
        return _changed(state, answering=question, answered=answered)
    if control.action == "answered":
        if any(pair[0] == question for pair in state.answered):
            return state
        return _changed(state, answering=answering, answered=(*answered, (question, now)))
    if control.action == "reopen":
        return _changed(state, answering=answering, answered=answered)
    raise BadMessage(N_("Moderation is not a change of state."))


def check_moderation(document: Document, control: Hide | Restore) -> None:
    """Moderation names an existing slide and an item of sensible length."""
    _slide_id(document, control.slide, 0)
    if not 1 <= len(control.item) <= MAX_ITEM_LENGTH or control.item.startswith(SHOWN_ANYWAY):
        raise BadMessage(
            f"An item to hide must be 1-{MAX_ITEM_LENGTH} characters, not starting with "
            f"{SHOWN_ANYWAY!r}."
        )


def moderation_changes(control: Hide | Restore) -> list[tuple[str, bool]]:
    """The moderation rows a control writes, (item, present): hiding an item also withdraws a
    choice to show it anyway; showing one also shows it when the swear-word lists hold it."""
    shown = SHOWN_ANYWAY + control.item
    if isinstance(control, Hide):
        return [(control.item, True), (shown, False)]
    return [(control.item, False), (shown, True)]


def _shown(document: Document, state: State, index: int, now: float) -> State:
    """The state with slide ``index`` shown: its time limit starts counting the first time,
    and a slide that scores speed keeps when that was."""
    slide = document.slides[index]
    opened = state.opened
    if kind_of(slide).scores_speed and state.opened_at(slide.id) is None:
        opened = (*opened, (slide.id, now))
    if slide.time_limit and state.deadline(slide.id) is None and slide.id not in state.locked:
        deadlines = (*state.deadlines, (slide.id, now + slide.time_limit))
        return _changed(state, current=index, deadlines=deadlines, opened=opened)
    return _changed(state, current=index, opened=opened)


def _revealed(document: Document, state: State, control: Reveal, current: int) -> State:
    """A quiz question's right answer shown (voting on it closes, its countdown ends) or
    taken off again."""
    slide_id = _slide_id(document, control.slide, current)
    slide = document.slide(slide_id)
    assert slide is not None
    if not kind_of(slide).scores_speed:
        raise BadMessage(N_("Only a quiz question has a right answer to reveal."))
    if not control.shown:
        return _changed(state, revealed=_toggle(state.revealed, slide_id, add=False))
    return _changed(
        state,
        revealed=_toggle(state.revealed, slide_id, add=True),
        locked=_toggle(state.locked, slide_id, add=True),
        deadlines=_without(state.deadlines, slide_id),
    )


def _timed(document: Document, state: State, control: Timer, current: int, now: float) -> State:
    slide_id = _slide_id(document, control.slide, current)
    slide = document.slide(slide_id)
    assert slide is not None
    if not kind_of(slide).takes_answers:
        raise BadMessage(N_("This slide takes no answers: it has no time to answer."))
    deadline = state.deadline(slide_id)
    running = deadline is not None and now < deadline
    if control.seconds == 0:  # stop: voting stays as it is now
        ran_out = deadline is not None and not running
        return _changed(
            state,
            deadlines=_without(state.deadlines, slide_id),
            locked=_toggle(state.locked, slide_id, add=True) if ran_out else state.locked,
        )
    if not 0 < control.seconds <= MAX_COUNTDOWN:
        raise BadMessage(N_("A countdown is from 1 to %(most)s seconds."), most=MAX_COUNTDOWN)
    start = deadline if running and deadline is not None else now
    ends = min(start + control.seconds, now + MAX_COUNTDOWN)
    return _changed(
        state,
        deadlines=(*_without(state.deadlines, slide_id), (slide_id, ends)),
        locked=_toggle(state.locked, slide_id, add=False),
    )


def _without(
    deadlines: tuple[tuple[str, float], ...], slide_id: str
) -> tuple[tuple[str, float], ...]:
    return tuple(pair for pair in deadlines if pair[0] != slide_id)


def _slide_id(document: Document, wanted: str | None, current: int) -> str:
    if wanted is None:
        return document.slides[current].id
    if document.slide(wanted) is None:
        raise BadMessage(f"There is no slide {wanted[:40]!r}.")
    return wanted


def _toggle(items: tuple[str, ...], item: str, *, add: bool) -> tuple[str, ...]:
    if add:
        return items if item in items else (*items, item)
    return tuple(i for i in items if i != item)


def _changed(state: State, **changes: object) -> State:
    if all(getattr(state, name) == value for name, value in changes.items()):
        return state
    return msgspec.structs.replace(state, version=state.version + 1, **changes)
