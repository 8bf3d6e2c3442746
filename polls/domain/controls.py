"""What the presenter's controls do to the presentation state. Pure functions."""

from __future__ import annotations

import msgspec

from polls.core.errors import BadMessage
from polls.core.i18n import N_
from polls.core.models import Document, State
from polls.domain.protocol import Control, Goto, Hide, Next, Previous, Restore, ShowResults, Voting
from polls.kinds.base import SHOWN_ANYWAY

MAX_ITEM_LENGTH = 199  # stored with SHOWN_ANYWAY before it in a column of 200


def apply_control(document: Document, state: State, control: Control) -> State:
    """The state after a control; the same object when nothing changes."""
    count = len(document.slides)
    current = min(state.current, max(count - 1, 0))
    if isinstance(control, Goto):
        if not 0 <= control.slide < count:
            raise BadMessage(f"There is no slide {control.slide}; slides go from 0 to {count - 1}.")
        return _changed(state, current=control.slide)
    if isinstance(control, Next):
        return _changed(state, current=min(current + 1, count - 1))
    if isinstance(control, Previous):
        return _changed(state, current=max(current - 1, 0))
    if isinstance(control, Voting):
        slide_id = _slide_id(document, control.slide, current)
        return _changed(state, locked=_toggle(state.locked, slide_id, add=not control.open))
    if isinstance(control, ShowResults):
        slide_id = _slide_id(document, control.slide, current)
        hidden = _toggle(state.results_hidden, slide_id, add=not control.visible)
        return _changed(state, results_hidden=hidden)
    assert isinstance(control, Hide | Restore)
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
