"""Quiz and leaderboard as pure functions: documents, answers, scores, the reveal, the
standings and the export."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl
import pytest

from polls.core.errors import BadMessage, DocumentInvalid, InvalidAnswer
from polls.core.models import Presentation, State, StoredResponse
from polls.domain.controls import apply_control
from polls.domain.documents import validate_document
from polls.domain.protocol import Goto, Reveal, public_slide
from polls.kinds import kind_of
from polls.kinds.leaderboard import Leaderboard, LeaderboardTally
from polls.kinds.players import Played, generated_name, player_name, score, standings
from polls.kinds.quiz import Quiz, QuizTally
from polls.research.dataset import Source, build_dataset
from polls.research.exports import codebook_markdown, to_csv
from polls.research.workbook import to_xlsx

DOCUMENT: dict[str, Any] = {
    "title": "Quiz",
    "language": "nl",
    "slides": [
        {
            "kind": "quiz",
            "id": "hoofdstad",
            "question": "Hoofdstad van Nederland?",
            "options": ["Den Haag", "Amsterdam", "Rotterdam"],
            "correct": ["amsterdam"],
        },
        {
            "kind": "quiz",
            "id": "rivier",
            "question": "Welke rivier stroomt door Arnhem?",
            "options": ["Rijn", "Maas", "IJssel"],
            "correct": ["Rijn"],
            "points": 500,
            "time_limit": 0,
        },
        {"kind": "leaderboard", "id": "stand"},
        {"kind": "multiple_choice", "id": "keuze", "question": "Leuk?", "options": ["Ja", "Nee"]},
    ],
}
document = validate_document(DOCUMENT)
capital, river, board, choice = document.slides
assert isinstance(capital, Quiz) and isinstance(river, Quiz) and isinstance(board, Leaderboard)


def response(slide: str, who: str, value: dict[str, Any], rid: int) -> StoredResponse:
    return StoredResponse(
        id=rid,
        presentation_id="p",
        slide_id=slide,
        participant=who,
        submission_id=f"s{rid}",
        value=value,
        created_at=1_767_229_200.0 + rid,
    )


def test_a_quiz_names_its_right_options_and_counts_down_by_default() -> None:
    """Right options are matched to the options (in their spelling); one that is not an option
    is reported by path; a quiz counts down 20 seconds unless told otherwise."""
    assert capital.correct == ("Amsterdam",)
    assert (capital.time_limit, river.time_limit, capital.points) == (20, 0, 1000)
    bad = {**DOCUMENT["slides"][0], "correct": ["Utrecht"]}
    with pytest.raises(DocumentInvalid) as problems:
        validate_document({"title": "t", "slides": [bad]})
    assert problems.value.problems == ["slides[0].correct[0]: is not one of the options"]
    assert kind_of(capital).new_slide()["time_limit"] == 20


def test_an_answer_is_one_option_and_an_optional_clean_name() -> None:
    """One option by position, and a nickname that is cleaned, short and shown on the screen
    so never swearing; the time since the question was shown is stored with it."""
    kind = kind_of(capital)
    checked = kind.check_answer(capital, {"choice": "1", "name": "  Anna\u200b "}, "nl")
    assert checked.value == {"choice": 1, "name": "Anna"}
    assert kind.stamped(capital, checked.value, 3.2104) == {"choice": 1, "name": "Anna", "ms": 3210}
    assert kind.stamped(capital, checked.value, None) == checked.value
    for value, reason in (
        ({"choice": 3}, "Choose one option."),
        ({}, "Choose one option."),
        ({"choice": 0, "name": "x" * 25}, "A name is at most %(count)s characters."),
        ({"choice": 0, "name": "kutwijf"}, "Choose another name: this one is shown on the screen."),
        ({"choice": 0, "name": 7}, "A name must be text."),
    ):
        with pytest.raises(InvalidAnswer) as refused:
            kind.check_answer(capital, value, "nl")
        assert refused.value.template == reason
    assert kind.answer_limit(capital) == 1


def test_a_right_answer_scores_by_speed_and_a_wrong_one_nothing() -> None:
    """points × (1 − t / (2 × limit)): all of them at once, half at the last moment (and
    later), none when wrong; without a time limit all of them."""
    assert score(True, 0, 1000, 20) == 1000
    assert score(True, 5000, 1000, 20) == 875
    assert score(True, 20000, 1000, 20) == 500
    assert score(True, 90000, 1000, 20) == 500
    assert score(False, 0, 1000, 20) == 0
    assert score(True, 5000, 500, 0) == 500
    assert score(True, None, 1000, 20) == 1000


def test_the_first_answer_counts_and_the_phone_learns_its_score_only_once_revealed() -> None:
    """A quiz answer cannot be changed: the first stored one counts, whatever order they come
    in. Until the reveal a phone is told only what it chose."""
    tally = QuizTally(capital)
    for stored in (
        response("hoofdstad", "a", {"choice": 1, "ms": 4000}, 2),
        response("hoofdstad", "a", {"choice": 0, "ms": 1000}, 5),  # later: ignored
        response("hoofdstad", "b", {"choice": 0, "ms": 1000}, 3),
        response("hoofdstad", "a", {"choice": 1, "ms": 4000}, 2),  # again: once
    ):
        tally.apply(stored)
    results = tally.snapshot()
    assert [o["count"] for o in results["options"]] == [1, 1, 0]
    assert results["right"] == 1 and results["answered"] == 2
    assert tally.mine("a") == {"choice": 1, "correct": True, "score": 900, "used": 1}
    kind = kind_of(capital)
    assert kind.own(capital, tally.mine("a"), State()) == {"choice": 1, "used": 1}
    revealed = State(revealed=("hoofdstad",))
    assert kind.own(capital, tally.mine("a"), revealed) == tally.mine("a")
    assert "correct" not in public_slide(capital, State())
    assert list(public_slide(capital, revealed)["correct"]) == ["Amsterdam"]


def test_showing_a_quiz_keeps_when_and_revealing_closes_voting() -> None:
    """The first showing of a quiz question is kept (answers are timed from it, not from a
    later return); revealing its answer closes voting and ends its countdown; other slides
    have nothing to reveal."""
    shown = apply_control(document, State(), Goto(slide=0), now=100.0)
    assert shown.opened == (("hoofdstad", 100.0),) and shown.deadline("hoofdstad") == 120.0
    away = apply_control(document, shown, Goto(slide=3), now=105.0)
    back = apply_control(document, away, Goto(slide=0), now=110.0)
    assert back.opened_at("hoofdstad") == 100.0
    revealed = apply_control(document, back, Reveal(), now=111.0)
    assert revealed.revealed == ("hoofdstad",) and "hoofdstad" in revealed.locked
    assert revealed.deadline("hoofdstad") is None
    assert not revealed.voting_open("hoofdstad", 112.0)
    hidden = apply_control(document, revealed, Reveal(shown=False), now=112.0)
    assert hidden.revealed == ()
    with pytest.raises(BadMessage):
        apply_control(document, back, Reveal(slide="keuze"), now=113.0)


def test_standings_add_up_share_ranks_and_keep_names_apart() -> None:
    """Totals over questions, best first; equal totals share a rank; the newest nickname
    wins, else the generated name; a name taken twice gets a number."""
    first = {
        "a": Played(900, "Anna", 1),
        "b": Played(0, "", 2),
        "c": Played(900, "anna", 3),
        "d": Played(1000, "", 4),
    }
    second = {"a": Played(500, "", 5), "b": Played(500, "Bo", 6), "d": Played(0, "Dee", 7)}
    names = {p: f"Gast {p}" for p in "abcd"}
    table = standings([first, second], names)
    assert [(r["rank"], r["name"], r["score"]) for r in table] == [
        (1, "Anna", 1400),
        (2, "Dee", 1000),
        (3, "anna 2", 900),
        (4, "Bo", 500),
    ]
    assert all(len(r["id"]) == 10 and r["id"] != r["participant"] for r in table)
    tied = standings([{"x": Played(10, "Zed", 1), "y": Played(10, "Ann", 2)}], {})
    assert [(r["rank"], r["name"]) for r in tied] == [(1, "Ann"), (1, "Zed")]


def test_generated_names_are_stable_and_in_the_presentations_language() -> None:
    """The same participant in the same presentation always plays under the same name."""
    name = player_name("pres", "someone", "nl")
    assert name == player_name("pres", "someone", "nl") == generated_name("pres:someone", "nl")
    adjective, animal = name.split(" ")
    assert adjective[0].isupper() and animal[0].isupper()
    assert player_name("pres", "someone", "en") != name


def test_the_leaderboard_adds_up_the_quizzes_before_it_and_tells_each_phone_its_place() -> None:
    """The board shows the top players with their place before the last question, and each
    phone its own place; it is worked out again when a quiz answer counts."""
    assert kind_of(board).reads(document, board) == ("hoofdstad", "rivier")
    one, two = QuizTally(capital), QuizTally(river)
    one.apply(response("hoofdstad", "a", {"choice": 1, "ms": 0, "name": "Anna"}, 1))
    one.apply(response("hoofdstad", "b", {"choice": 1, "ms": 10000}, 2))
    two.apply(response("rivier", "b", {"choice": 0}, 3))
    two.apply(response("rivier", "a", {"choice": 1}, 4))
    tally = LeaderboardTally("nl")
    tally.attach([one, two], "pres")
    results = tally.snapshot()
    bee = player_name("pres", "b", "nl")
    assert [(p["rank"], p["name"], p["score"], p["before"]) for p in results["top"]] == [
        (1, bee, 1250, 2),
        (2, "Anna", 1000, 1),
    ]
    assert results["players"] == 2
    assert tally.mine("a") == {"rank": 2, "of": 2, "name": "Anna", "score": 1000}
    one.apply(response("hoofdstad", "c", {"choice": 1, "ms": 0}, 5))
    assert tally.snapshot()["players"] == 3
    assert tally.mine("nobody") is None


def test_the_export_has_right_or_wrong_and_the_points_but_no_names() -> None:
    """A row per answer: right or wrong, the option chosen, the points scored; nicknames stay
    out of the data and the codebook states the formula."""
    presentation = Presentation(
        id="quiz", code="12345678", document=document, state=State(), created_at=1_767_225_600.0
    )
    responses = [
        response("hoofdstad", "a", {"choice": 1, "ms": 5000, "name": "Anna"}, 1),
        response("hoofdstad", "b", {"choice": 2, "ms": 1000}, 2),
    ]
    dataset = build_dataset(
        [Source(presentation=presentation, responses=responses, moderation=[], joined=2)]
    )
    data = to_csv(dataset).decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(data, newline="")))
    assert [(r["item"], r["value"], r["value_number"]) for r in rows] == [
        ("right", "Amsterdam", "875"),
        ("wrong", "Rotterdam", "0"),
    ]
    assert "Anna" not in data
    book = codebook_markdown(dataset)
    assert "points × (1 − t / (2 × time limit))" in book and "- Amsterdam (right)" in book


def test_the_workbook_marks_the_right_option_with_its_count() -> None:
    """The XLSX question sheet of a quiz question lists the options, which is right, and how
    many chose each, read back with openpyxl."""
    presentation = Presentation(
        id="quiz", code="12345678", document=document, state=State(), created_at=1_767_225_600.0
    )
    responses = [
        response("hoofdstad", "a", {"choice": 1, "ms": 5000}, 1),
        response("hoofdstad", "b", {"choice": 1, "ms": 9000}, 2),
        response("hoofdstad", "c", {"choice": 0, "ms": 1000}, 3),
    ]
    sources = [Source(presentation=presentation, responses=responses, moderation=[], joined=3)]
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(build_dataset(sources), sources)))
    rows = [row for name in book.sheetnames for row in book[name].values]
    header = rows.index(("option", "right", "count"))
    assert rows[header + 1 : header + 4] == [
        ("Den Haag", "no", 1),
        ("Amsterdam", "yes", 2),
        ("Rotterdam", "no", 0),
    ]
