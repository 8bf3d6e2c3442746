"""The 2×2 grid: documents, answers, tallies and exports, as pure functions."""

from __future__ import annotations

import csv
import io
import random
from typing import Any

import openpyxl
import pytest

from polls.core.errors import DocumentInvalid, InvalidAnswer
from polls.core.models import Presentation, State, StoredResponse
from polls.domain.documents import validate_document
from polls.kinds import kind_of
from polls.kinds.grid import Grid
from polls.research.dataset import Source, build_dataset
from polls.research.exports import codebook_markdown, to_csv
from polls.research.workbook import to_xlsx

ITEMS = ["Meer ontmoetingen", "Online hulp", "Een buurtkrant"]
DOCUMENT: dict[str, Any] = {
    "title": "Grid",
    "language": "nl",
    "slides": [
        {
            "kind": "grid",
            "id": "plan",
            "question": "Impact en moeite?",
            "items": ITEMS,
            "x_label": "Moeite",
            "y_label": "Impact",
        }
    ],
}
grid = validate_document(DOCUMENT).slides[0]
assert isinstance(grid, Grid)


def response(who: str, value: dict[str, Any], rid: int) -> StoredResponse:
    return StoredResponse(
        id=rid,
        presentation_id="p",
        slide_id="plan",
        participant=who,
        submission_id=f"s{rid}",
        value=value,
        created_at=1_767_229_200.0 + rid,
    )


def refusal(value: dict[str, Any]) -> str:
    with pytest.raises(InvalidAnswer) as refused:
        kind_of(grid).check_answer(grid, value, "nl")
    return str(refused.value.template % refused.value.params)


def test_a_grid_needs_both_axis_labels_and_a_real_scale() -> None:
    """Missing axis labels and a scale the wrong way round are reported by path."""
    slide = {"kind": "grid", "question": "Q", "items": ["a"], "min": 5, "max": 1}
    with pytest.raises(DocumentInvalid) as problems:
        validate_document({"title": "t", "slides": [slide]})
    assert problems.value.problems == [
        "slides[0].x_label: is required",
        "slides[0].y_label: is required",
        "slides[0].max: must be above min, with at most 11 points on the scale",
    ]


def test_each_item_is_rated_on_both_axes_within_the_scale() -> None:
    """Any subset of items, each with two ratings in range; the plain form's fields give the
    same answer; one axis alone or a rating off the scale is refused with the reason."""
    check = kind_of(grid).check_answer
    assert check(grid, {"ratings": {"2": [1, 5], "0": ["3", "4"]}}, "nl").value == {
        "ratings": {"0": [3, 4], "2": [1, 5]}
    }
    form = kind_of(grid).form_answer(grid, {"x-1": ["2"], "y-1": ["5"]})
    assert check(grid, form, "nl").value == {"ratings": {"1": [2, 5]}}
    half = kind_of(grid).form_answer(grid, {"x-1": ["2"]})
    assert refusal(half) == "Rate Online hulp on both axes."
    assert refusal({"ratings": {"0": [3, None]}}) == "Rate Meer ontmoetingen on both axes."
    assert refusal({"ratings": {"0": [0, 3]}}) == "A rating must be from 1 to 5."
    assert refusal({"ratings": {"0": [True, 3]}}) == "A rating must be from 1 to 5."
    assert refusal({"ratings": {"7": [3, 3]}}) == "There is no such item."
    assert refusal({"ratings": {}}) == "Rate at least one item."


def test_the_mean_and_spread_per_item_count_each_participants_newest() -> None:
    """Means and standard deviations per axis, from each participant's newest rating of each
    item, the same in any order and however often responses arrive."""
    responses = [
        response("a", {"ratings": {"0": [1, 5], "1": [2, 2]}}, 1),
        response("b", {"ratings": {"0": [3, 3]}}, 2),
        response("a", {"ratings": {"0": [5, 5]}}, 3),  # a changed item 0 only
    ]
    first = None
    for attempt in range(4):
        shuffled = responses * 2
        random.Random(attempt).shuffle(shuffled)
        tally = kind_of(grid).new_tally(grid, "nl")
        for stored in shuffled:
            tally.apply(stored)
        results = tally.snapshot()
        first = first or results
        assert results == first
    assert first is not None
    assert first["items"][0] == {
        "text": "Meer ontmoetingen",
        "count": 2,
        "x": 4.0,
        "y": 4.0,
        "sd_x": 1.0,
        "sd_y": 1.0,
    }
    assert first["items"][1]["x"] == 2.0 and first["items"][2]["count"] == 0
    assert (first["x_label"], first["y_label"]) == ("Moeite", "Impact")
    tally = kind_of(grid).new_tally(grid, "nl")
    for stored in responses:
        tally.apply(stored)
    assert tally.mine("a") == {"ratings": {"0": [5, 5], "1": [2, 2]}}


def test_the_export_has_a_row_per_item_and_axis() -> None:
    """Each rated item gives two rows, 'item — axis', with the newest ratings; the codebook
    names both axes."""
    presentation = Presentation(
        id="grid",
        code="12345678",
        document=validate_document(DOCUMENT),
        state=State(),
        created_at=1_767_225_600.0,
    )
    responses = [
        response("a", {"ratings": {"0": [1, 5], "1": [2, 2]}}, 1),
        response("a", {"ratings": {"0": [5, 4]}}, 2),
    ]
    source = Source(presentation=presentation, responses=responses, moderation=[], joined=1)
    dataset = build_dataset([source])
    rows = list(csv.DictReader(io.StringIO(to_csv(dataset).decode("utf-8"), newline="")))
    assert [(r["item"], r["value_number"]) for r in rows] == [
        ("Meer ontmoetingen — Moeite", "5"),
        ("Meer ontmoetingen — Impact", "4"),
        ("Online hulp — Moeite", "2"),
        ("Online hulp — Impact", "2"),
    ]
    assert "Moeite (horizontal) and Impact (vertical)" in codebook_markdown(dataset)


def test_the_workbook_has_the_means_and_spreads_per_item() -> None:
    """The XLSX question sheet of a grid holds each item's n, means and standard deviations
    per axis, read back with openpyxl."""
    presentation = Presentation(
        id="grid",
        code="12345678",
        document=validate_document(DOCUMENT),
        state=State(),
        created_at=1_767_225_600.0,
    )
    responses = [
        response("a", {"ratings": {"0": [1, 5]}}, 1),
        response("b", {"ratings": {"0": [3, 3]}}, 2),
    ]
    sources = [Source(presentation=presentation, responses=responses, moderation=[], joined=2)]
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(build_dataset(sources), sources)))
    rows = [row for name in book.sheetnames for row in book[name].values]
    header = rows.index(("item", "n", "mean Moeite", "sd Moeite", "mean Impact", "sd Impact"))
    assert rows[header + 1] == ("Meer ontmoetingen", 2, 2, 1, 4, 1)
