"""Results of one slide, derived from stored responses.

Pure and incremental: a tally is fed committed responses in any order and any
number of times (each response counts once; for scales and choices a
participant's newest answer counts), and ``snapshot`` gives the results as the
presenter sees them. Rebuilding from the response log gives the same numbers.
Each kind's tally is in its module in :mod:`polls.kinds`.
"""

from __future__ import annotations

from polls.core.models import Slide, StoredResponse
from polls.kinds import kind_of
from polls.kinds.base import Results, Tally

__all__ = ["Results", "Tally", "new_tally", "tally"]


def new_tally(slide: Slide, language: str) -> Tally:
    """An empty tally for a slide of any kind."""
    return kind_of(slide).new_tally(slide, language)


def tally(
    slide: Slide,
    responses: list[StoredResponse],
    language: str,
    hidden: frozenset[str] = frozenset(),
    *,
    hold_profanity: bool = False,
) -> Results:
    """Results of a slide from its responses, in one call, as the screen shows them: without
    what the presenter hid or (when swearing is held back) the lists hold."""
    counted = new_tally(slide, language)
    for response in responses:
        counted.apply(response)
    return counted.snapshot(counted.screened(hidden, hold_profanity)[0])
