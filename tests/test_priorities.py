"""Ranking and 100 points, the kinds that set priorities: documents, answers, tallies and
exports, as pure functions."""

from __future__ import annotations

import csv
import io
import itertools
import json
import random
from pathlib import Path
from typing import Any

import jsonschema
import openpyxl
import pytest

from polls.core.errors import DocumentInvalid, InvalidAnswer
from polls.core.models import Moderation, Presentation, State, StoredResponse
from polls.domain.documents import validate_document
from polls.kinds import kind_of
from polls.kinds.hundred_points import HundredPoints
from polls.kinds.ranking import Ranking
from polls.research.dataset import Source, build_dataset
from polls.research.exports import codebook_markdown, to_csv, to_json
from polls.research.workbook import to_xlsx

ROOT = Path(__file__).resolve().parent.parent
TASKS = ["Meer ontmoetingen", "Voorlichting op scholen", "Een inloopspreekuur", "Online hulp"]
DOCUMENT: dict[str, Any] = {
    "title": "Prioriteiten",
    "language": "nl",
    "slides": [
        {"kind": "ranking", "id": "eerst", "question": "Wat moet eerst?", "options": TASKS},
        {
            "kind": "hundred_points",
            "id": "budget",
            "question": "Verdeel het budget",
            "options": TASKS[:3],
        },
    ],
}
document = validate_document(DOCUMENT)
ranking, points = document.slides
assert isinstance(ranking, Ranking) and isinstance(points, HundredPoints)
_ids = itertools.count(1)


def response(slide: str, who: str, value: dict[str, Any], rid: int | None = None) -> StoredResponse:
    rid = next(_ids) if rid is None else rid
    return StoredResponse(
        id=rid,
        presentation_id="p",
        slide_id=slide,
        participant=who,
        submission_id=f"s{rid}",
        value=value,
        created_at=1_767_229_200.0 + rid,
    )


def checked(slide: Ranking | HundredPoints, value: dict[str, Any]) -> dict[str, Any]:
    return kind_of(slide).check_answer(slide, value, "nl").value


def refusal(slide: Ranking | HundredPoints, value: dict[str, Any]) -> str:
    with pytest.raises(InvalidAnswer) as refused:
        checked(slide, value)
    return str(refused.value.template % refused.value.params)


# ---- documents ---------------------------------------------------------------------------


def test_documents_name_each_problem_by_its_path() -> None:
    """Too few or too many options, a repeated option and points out of range are each reported
    at their path; points default to 100."""
    bad = {
        "title": "t",
        "slides": [
            {"kind": "ranking", "question": "Q", "options": ["only"]},
            {"kind": "ranking", "question": "Q", "options": [f"o{n}" for n in range(11)]},
            {"kind": "hundred_points", "question": "Q", "options": ["a", "A"], "points": 5},
        ],
    }
    with pytest.raises(DocumentInvalid) as problems:
        validate_document(bad)
    assert problems.value.problems == [
        "slides[0].options: must have between 2 and 10 items",
        "slides[1].options: must have between 2 and 10 items",
        "slides[2].options[1]: repeats 'A'",
        "slides[2].points: must be between 10 and 1000",
    ]
    assert points.points == 100


# ---- answers -----------------------------------------------------------------------------


def test_a_ranking_is_every_option_once_as_an_order_or_as_places() -> None:
    """An order (first place first) and the plain form's places per option are the same
    answer; anything but every option once is refused with a reason to show."""
    assert checked(ranking, {"order": [2, 0, 3, 1]}) == {"order": [2, 0, 3, 1]}
    assert checked(ranking, {"ranks": ["2", "4", "1", "3"]}) == {"order": [2, 0, 3, 1]}
    form = kind_of(ranking).form_answer(
        ranking, {"rank-0": ["2"], "rank-1": ["4"], "rank-2": ["1"], "rank-3": ["3"]}
    )
    assert checked(ranking, form) == {"order": [2, 0, 3, 1]}
    assert refusal(ranking, {"order": [0, 1, 2]}) == "Put every option in order."
    assert refusal(ranking, {"order": [0, 1, 2, 2]}) == "Put every option in order, each once."
    assert refusal(ranking, {"order": [0, 1, 2, 9]}) == "There is no such option."
    assert refusal(ranking, {"order": [0, 1, 2, True]}) == "There is no such option."
    different = "Give each option a different place, from 1 to 4."
    assert refusal(ranking, {"ranks": ["1", "1", "2", "3"]}) == different
    assert refusal(ranking, {"ranks": ["1", "2", "3", ""]}) == different
    assert refusal(ranking, {"ranks": ["1", "2", "3", "5"]}) == different
    assert refusal(ranking, {"ranks": "1234"}) == different


def test_points_must_add_up_exactly() -> None:
    """Points are whole numbers of 0 or more that add up to the slide's points, given as a
    list, a mapping of option positions or the plain form's fields."""
    assert checked(points, {"points": [50, 30, 20]}) == {"points": [50, 30, 20]}
    assert checked(points, {"points": {"0": 100}}) == {"points": [100, 0, 0]}
    form = kind_of(points).form_answer(points, {"points-0": ["60"], "points-1": ["40"]})
    assert checked(points, form) == {"points": [60, 40, 0]}
    assert (
        refusal(points, {"points": [50, 30, 10]})
        == "The points must add up to 100; yours add up to 90."
    )
    assert refusal(points, {"points": [150, -50, 0]}) == "Points must be whole numbers, 0 or more."
    assert (
        refusal(points, {"points": [50.5, 49.5, 0]}) == "Points must be whole numbers, 0 or more."
    )
    assert refusal(points, {"points": [100, 0]}) == "Give points to the options."
    assert refusal(points, {"points": {"7": 100}}) == "There is no such option."


# ---- tallies -----------------------------------------------------------------------------


def test_ranking_orders_options_by_mean_place_and_counts_each_place() -> None:
    """Three people rank; one changes their mind (the newest counts). The options come by mean
    place with Borda points (n + 1 - mean place) and how often each was in each place, the
    same whatever order and however often the responses arrive."""
    responses = [
        response("eerst", "a", {"order": [0, 1, 2, 3]}, 1),
        response("eerst", "b", {"order": [1, 0, 3, 2]}, 2),
        response("eerst", "c", {"order": [3, 2, 1, 0]}, 3),
        response("eerst", "c", {"order": [1, 2, 0, 3]}, 4),  # c changed: this counts
    ]
    expected = None
    for attempt in range(5):
        shuffled = responses * 2
        random.Random(attempt).shuffle(shuffled)
        tally = kind_of(ranking).new_tally(ranking, "nl")
        for stored in shuffled:
            tally.apply(stored)
        results = tally.snapshot()
        expected = expected or results
        assert results == expected
    assert expected is not None
    assert [(o["text"], o["mean_rank"], o["points"]) for o in expected["options"]] == [
        ("Voorlichting op scholen", 1.33, 3.67),
        ("Meer ontmoetingen", 2.0, 3.0),
        ("Een inloopspreekuur", 3.0, 2.0),
        ("Online hulp", 3.67, 1.33),
    ]
    assert expected["options"][0]["ranks"] == [2, 1, 0, 0]
    assert (expected["answered"], expected["respondents"]) == (3, 3)
    tally = kind_of(ranking).new_tally(ranking, "nl")
    for stored in responses:
        tally.apply(stored)
    assert tally.mine("c") == {"order": [1, 2, 0, 3]}
    assert tally.mine("nobody") is None


def test_points_show_the_mean_per_option_most_first() -> None:
    """Each person's newest spread counts; options come most points first with the mean per
    respondent, the total and how many gave the option anything."""
    tally = kind_of(points).new_tally(points, "nl")
    for stored in [
        response("budget", "a", {"points": [100, 0, 0]}, 11),
        response("budget", "b", {"points": [20, 50, 30]}, 12),
        response("budget", "b", {"points": [0, 70, 30]}, 13),
        response("budget", "a", {"points": [100, 0, 0]}, 11),  # again: once
    ]:
        tally.apply(stored)
    results = tally.snapshot()
    assert [(o["text"], o["mean"], o["total"], o["given"]) for o in results["options"]] == [
        ("Meer ontmoetingen", 50.0, 100, 1),
        ("Voorlichting op scholen", 35.0, 70, 1),
        ("Een inloopspreekuur", 15.0, 30, 1),
    ]
    assert results["points"] == 100 and results["respondents"] == 2
    assert tally.mine("b") == {"points": [0, 70, 30]}


# ---- exports -----------------------------------------------------------------------------


def sources() -> list[Source]:
    presentation = Presentation(
        id="prio",
        code="12345678",
        document=document,
        state=State(),
        created_at=1_767_225_600.0,
    )
    responses = [
        response("eerst", "a", {"order": [3, 2, 1, 0]}),
        response("eerst", "a", {"order": [1, 0, 2, 3]}),  # changed: this counts
        response("budget", "a", {"points": [10, 0, 90]}),
        response("budget", "b", {"points": [0, 100, 0]}),
    ]
    moderation: list[Moderation] = []
    return [Source(presentation=presentation, responses=responses, moderation=moderation, joined=2)]


def test_exports_have_a_row_per_option_with_its_place_or_points() -> None:
    """The CSV has a row per option of each counted answer (its place, or its points with 0
    included); the workbook's question sheets hold the summaries and the codebook says how
    places and points are read."""
    rows = list(
        csv.DictReader(io.StringIO(to_csv(build_dataset(sources())).decode("utf-8"), newline=""))
    )
    ranked = [(r["participant"], r["item"], r["value_number"]) for r in rows[:4]]
    assert ranked == [
        ("P0001", "Voorlichting op scholen", "1"),
        ("P0001", "Meer ontmoetingen", "2"),
        ("P0001", "Een inloopspreekuur", "3"),
        ("P0001", "Online hulp", "4"),
    ]
    spread = [(r["participant"], r["item"], r["value"]) for r in rows[4:]]
    assert spread == [
        ("P0001", "Meer ontmoetingen", "10"),
        ("P0001", "Voorlichting op scholen", "0"),
        ("P0001", "Een inloopspreekuur", "90"),
        ("P0002", "Meer ontmoetingen", "0"),
        ("P0002", "Voorlichting op scholen", "100"),
        ("P0002", "Een inloopspreekuur", "0"),
    ]
    assert {r["slide_kind"] for r in rows} == {"ranking", "hundred_points"}
    book = openpyxl.load_workbook(
        io.BytesIO(to_xlsx(build_dataset(sources()), sources())), read_only=True
    )
    sheets = {name: list(book[name].values) for name in book.sheetnames}
    ranked_sheet = next(v for v in sheets.values() if v[-5][:2] == ("option", "mean place"))
    assert ranked_sheet[-4][:5] == ("Voorlichting op scholen", 1, 4, 1, 0)
    points_sheet = next(v for v in sheets.values() if v[-4][:2] == ("option", "mean points"))
    assert points_sheet[-3] == ("Voorlichting op scholen", 50, 100, 1)
    exported = json.loads(to_json(build_dataset(sources())))
    schema = json.loads((ROOT / "docs" / "export.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(exported, schema)
    assert [q["points"] for q in exported["questions"]] == [None, 100]
    codebook = codebook_markdown(build_dataset(sources()))
    assert "place r of 4 earns 5 - r points" in codebook
    assert "spread exactly 100 points" in codebook
