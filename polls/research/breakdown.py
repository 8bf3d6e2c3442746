"""Results broken down by group (an other multiple-choice answer, or a tag), with
small-cell protection. Pure functions.

Any group with fewer respondents than the threshold (5 by default) is shown as
``"< 5"`` with no figures, so nobody can be singled out from a summary.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from polls.core.models import Slide, StoredResponse
from polls.domain.tally import tally
from polls.kinds import find, kind_of
from polls.research.dataset import Dataset, Question, Row

Suppressed = str


def suppressed_label(min_cell: int) -> Suppressed:
    return f"< {min_cell}"


def segment_results(
    slide: Slide,
    responses: list[StoredResponse],
    members: set[str],
    language: str,
    *,
    min_cell: int,
    hidden: frozenset[str] = frozenset(),
    hold_profanity: bool = False,
) -> dict[str, Any]:
    """Results of a slide among a group of participants, or a suppressed marker."""
    within = [r for r in responses if r.slide_id == slide.id and r.participant in members]
    results = tally(slide, within, language, hidden, hold_profanity=hold_profanity)
    if results["answered"] < min_cell:
        return {"kind": results["kind"], "answered": suppressed_label(min_cell), "suppressed": True}
    return {**results, "suppressed": False}


def segmented(
    slide: Slide,
    choice_slide: Slide,
    responses: list[StoredResponse],
    language: str,
    *,
    min_cell: int,
    hidden: frozenset[str] = frozenset(),
    hold_profanity: bool = False,
) -> list[dict[str, Any]]:
    """A slide's results for each option of an other multiple-choice slide (one whose kind
    groups participants)."""
    grouping = kind_of(choice_slide)
    groups = grouping.groups(choice_slide, responses)
    return [
        {
            "option": option,
            "results": segment_results(
                slide,
                responses,
                groups.get(index, set()),
                language,
                min_cell=min_cell,
                hidden=hidden,
                hold_profanity=hold_profanity,
            ),
        }
        for index, option in enumerate(grouping.group_names(choice_slide))
    ]


def grouped_counts(
    participants_by_group: dict[str, set[str]],
    figure: Callable[[set[str]], Any],
    *,
    min_cell: int,
) -> dict[str, Any]:
    """For each group, its figure, or the suppressed label when the group is too small."""
    return {
        group: figure(members) if len(members) >= min_cell else suppressed_label(min_cell)
        for group, members in sorted(participants_by_group.items())
    }


def by_tag(dataset: Dataset, question: Question, key: str, *, min_cell: int) -> list[list[Any]]:
    """A table of one question's results per value of one tag, small groups suppressed."""
    kind = find(question.kind)
    if kind is None or kind.by_tag is None:
        return []
    described = msgspec.to_builtins(question)
    rows = [r for r in dataset.rows if r.question_id == question.id]
    groups: dict[str, list[Row]] = {}
    for row in rows:
        groups.setdefault(row.tags.get(key) or "(none)", []).append(row)
    items = kind.tag_items(described)
    table: list[list[Any]] = [[key, "respondents", *(f"{kind.by_tag}: {item}" for item in items)]]
    for value, members in sorted(groups.items()):
        respondents = len({r.participant for r in members})
        if respondents < min_cell:
            table.append([value, suppressed_label(min_cell)])
            continue
        figures = [kind.tag_figure(item, members) for item in items]
        table.append([value, respondents, *figures])
    return table
