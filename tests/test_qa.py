"""Audience Q&A without I/O: the tally of questions and upvotes, what the console and the
audience see, the presenter's decisions, the document and the messages."""

from __future__ import annotations

from typing import Any

import pytest

from polls.core.errors import BadMessage, DocumentInvalid, InvalidAnswer
from polls.core.models import Moderation, Presentation, State, StoredResponse
from polls.domain.controls import apply_control, question_moderation
from polls.domain.documents import validate_document
from polls.domain.protocol import Ask, QuestionAction, Upvote, parse_participant_message
from polls.kinds.qa import (
    QA_SLIDE,
    SHOWN_TO_PHONES,
    QaTally,
    Screening,
    board,
    check_question,
    public,
)
from polls.research.dataset import Source, build_dataset
from tests.conftest import DOCUMENT
from tests.test_questions import ASKING

document = validate_document(ASKING)


def logged(
    rid: int, who: str, value: dict[str, Any], at: float = 1_800_000_000.0
) -> StoredResponse:
    return StoredResponse(
        id=rid,
        presentation_id="p",
        slide_id=QA_SLIDE,
        participant=who,
        submission_id=f"s{rid}",
        value=value,
        created_at=at + rid,
    )


def log() -> list[StoredResponse]:
    return [
        logged(1, "ann", {"text": "Who pays?"}),
        logged(2, "bob", {"text": "Why so late?"}),
        logged(3, "cat", {"question": 1, "up": True}),
        logged(4, "dan", {"question": 1, "up": True}),
        logged(5, "dan", {"question": 1, "up": False}),
        logged(6, "dan", {"question": 2, "up": True}),
        logged(7, "eve", {"text": "What the fuck?"}),
        logged(8, "cat", {"question": 1, "up": True}),  # once more: still one vote
    ]


def tally_of(responses: list[StoredResponse]) -> QaTally:
    counted = QaTally()
    for response in responses:
        counted.apply(response)
    return counted


def test_upvotes_count_each_participants_newest_once_in_any_order() -> None:
    """The same log in any order, and applied twice, gives the same votes: a participant's
    newest upvote of a question counts, and taking it back removes it."""
    forwards = tally_of(log())
    backwards = tally_of(list(reversed(log())) + log())
    assert forwards.votes == backwards.votes == {1: 1, 2: 1}
    assert forwards.mine("dan") == {"asked": [], "upvoted": [2]}
    assert forwards.mine("ann") == {"asked": [{"id": 1, "text": "Who pays?"}], "upvoted": []}


def test_the_board_says_why_the_audience_does_not_see_a_question() -> None:
    """Hidden by the presenter, waiting for approval, or held as swearing: each is marked, and
    the audience's list leaves them out; "+id" (show) approves and shows past the lists."""
    counted = tally_of(log())
    state = State(answering=2, answered=((1, 1_800_000_100.0),))
    items = board(counted, state, Screening(frozenset(), premoderation=False, profanity="hide"))
    assert [(i["id"], i["status"], i["held"]) for i in items] == [
        (2, "answering", ""),
        (1, "answered", ""),
        (7, "open", "swearing"),
    ]
    assert items[1]["answered_at"] == 1_800_000_100_000
    assert [i["id"] for i in public(items)] == [2, 1]
    assert set(public(items)[0]) == {"id", "text", "votes", "at", "status"}
    moderated = board(
        counted, State(), Screening(frozenset({"1", "+2"}), premoderation=True, profanity="flag")
    )
    assert {i["id"]: i["held"] for i in moderated} == {1: "hidden", 2: "", 7: "pending"}
    flagged = board(counted, State(), Screening(frozenset(), premoderation=False, profanity="flag"))
    assert [i["id"] for i in flagged if i["flagged"]] == [7]


def test_phones_get_the_most_voted_and_then_the_newest() -> None:
    """Past SHOWN_TO_PHONES questions, phones get the half with most votes and the newest of
    the rest, so a new question is always seen."""
    many = [logged(n, f"p{n}", {"text": f"Q{n}"}) for n in range(1, 302)]
    many += [logged(1000 + n, "fan", {"question": n, "up": True}) for n in range(1, 101)]
    items = public(
        board(
            tally_of(many), State(), Screening(frozenset(), premoderation=False, profanity="show")
        )
    )
    assert len(items) == SHOWN_TO_PHONES
    ids = {item["id"] for item in items}
    assert set(range(1, 101)) <= ids and 301 in ids and 101 not in ids


def test_questions_are_cleaned_and_bounded() -> None:
    """A question is cleaned like an open answer; empty or over 280 characters is refused."""
    assert check_question("  Why\u200b now?  ") == {"text": "Why now?"}
    for bad in ("   ", "x" * 281, 42):
        with pytest.raises(InvalidAnswer):
            check_question(bad)


def test_the_presenters_decisions_on_a_question() -> None:
    """One question is answered at a time; marking it answered keeps when; reopen undoes both;
    hide and show are moderation, not state; an unknown action is refused."""
    state = State()

    def act(question: int, action: str, now: float = 100.0) -> State:
        control = QuestionAction(question=question, action=action)
        return apply_control(document, state, control, now=now)

    state = act(1, "answering")
    state = act(2, "answering")
    assert (state.answering, state.answered) == (2, ())
    state = act(2, "answered", now=200.0)
    assert (state.answering, state.answered) == (0, ((2, 200.0),))
    assert act(2, "answered", now=300.0) is state  # already answered: when stays
    state = act(2, "reopen")
    assert (state.answering, state.answered) == (0, ())
    with pytest.raises(BadMessage):
        act(1, "shout")
    hidden = question_moderation(QuestionAction(question=5, action="hide"))
    assert hidden is not None and (hidden.slide, hidden.item) == (QA_SLIDE, "5")
    assert question_moderation(QuestionAction(question=5, action="answered")) is None


def test_documents_take_qa_switches_and_report_bad_ones_by_path() -> None:
    """qa and qa_moderation are true or false; anything else is a problem at its path."""
    assert document.qa and not document.qa_moderation
    assert not validate_document(DOCUMENT).qa
    with pytest.raises(DocumentInvalid) as refused:
        validate_document({**DOCUMENT, "qa": "yes", "qa_moderation": 1})
    assert {p.path for p in refused.value.problems} == {"qa", "qa_moderation"}


def test_ask_and_upvote_messages() -> None:
    """ask and upvote need a submission id; upvote defaults to up; unknown fields are refused."""
    asked = parse_participant_message(b'{"type": "ask", "id": "a1", "text": "Why?"}')
    assert asked == Ask(id="a1", text="Why?")
    voted = parse_participant_message(b'{"type": "upvote", "id": "u1", "question": 3}')
    assert voted == Upvote(id="u1", question=3, up=True)
    for bad in (
        b'{"type": "ask", "id": "no spaces", "text": "Why?"}',
        b'{"type": "upvote", "id": "u1", "question": "3"}',
        b'{"type": "ask", "id": "a1", "text": "Why?", "name": "Ann"}',
    ):
        with pytest.raises(BadMessage):
            parse_participant_message(bad)


def test_the_export_has_each_question_with_votes_status_and_reason() -> None:
    """The dataset lists each question in the order asked, with its votes, what the presenter
    made of it and why the audience did not see it; nobody's pseudonym."""
    presentation = Presentation(
        id="p",
        code="12345678",
        document=document,
        state=State(answered=((2, 1_800_000_300.0),)),
        created_at=1_800_000_000.0,
    )
    source = Source(
        presentation=presentation,
        responses=log(),
        moderation=[Moderation(slide_id=QA_SLIDE, item="1")],
        joined=5,
    )
    rows = build_dataset([source]).audience_questions
    assert [(q.number, q.votes, q.status, q.hidden_reason) for q in rows] == [
        (1, 1, "open", "moderator"),
        (2, 1, "answered", ""),
        (7, 0, "open", "profanity"),
    ]
    assert rows[1].answered_at == "2027-01-15T08:05:00Z"
    assert rows[2].profanity and rows[0].hidden and not rows[1].hidden
    assert "participant" not in rows[0].__struct_fields__
