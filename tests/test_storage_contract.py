"""One contract for every storage backend: memory, SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

from polls.core.images import StoredImage
from polls.core.models import Presentation, ReactionCount, State
from polls.domain.documents import validate_document
from polls.kinds import kind_of
from polls.kinds.qa import MAX_QUESTIONS, QA_SLIDE, QaTally, upvote_value
from polls.storage import Status, Storage, Submission, open_storage
from tests.conftest import DOCUMENT

pytestmark = pytest.mark.anyio
document = validate_document(DOCUMENT)
QUIZ: dict[str, Any] = {
    "title": "Quiz",
    "slides": [
        {"kind": "quiz", "id": "q", "question": "Which?", "options": ["X", "Y"], "correct": ["Y"]}
    ],
}
PRIORITIES: dict[str, Any] = {
    "title": "Priorities",
    "slides": [
        {"kind": "ranking", "id": "first", "question": "First?", "options": ["X", "Y", "Z"]},
        {"kind": "hundred_points", "id": "budget", "question": "Spend", "options": ["X", "Y"]},
        {
            "kind": "grid",
            "id": "plane",
            "question": "Where?",
            "items": ["X", "Y"],
            "x_label": "Effort",
            "y_label": "Impact",
        },
    ],
}


@pytest.fixture(params=["memory", "sqlite", "postgres"])
async def storage(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Storage]:
    if request.param == "memory":
        url = "memory://"
    elif request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'contract.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    backend = open_storage(url)
    await backend.connect()
    try:
        yield backend
    finally:
        await backend.disconnect()


_counter = iter(range(10_000_000, 99_999_999, 7919))


def presentation(code: str | None = None, **changes: Any) -> Presentation:
    fields: dict[str, Any] = {
        "id": f"p{time.monotonic_ns()}",
        "code": code or str(next(_counter)),
        "document": document,
        "state": State(),
        "created_at": time.time(),
    }
    fields.update(changes)
    return Presentation(**fields)


def submission(
    p: Presentation, who: str, sid: str, slide: str = "words", **changes: Any
) -> Submission:
    fields: dict[str, Any] = {
        "presentation_id": p.id,
        "slide_id": slide,
        "participant": who,
        "submission_id": sid,
        "value": {"words": ["x"]},
        "items": 1,
        "limit": 3,
        "created_at": time.time(),
    }
    fields.update(changes)
    return Submission(**fields)


async def test_presentations_round_trip(storage: Storage) -> None:
    """A stored presentation reads back whole, by id and by code."""
    p = presentation()
    assert await storage.create_presentation(p, {"presenter": "hash"})
    assert await storage.presentation(p.id) == p
    assert await storage.presentation_by_code(p.code) == p
    assert p in await storage.presentations()
    assert await storage.secret_hash(p.id, "presenter") == "hash"
    assert await storage.secret_hash(p.id, "researcher") is None


async def test_codes_are_unique_among_open_presentations(storage: Storage) -> None:
    """An open presentation's code cannot be taken; a closed one's can."""
    first = presentation()
    assert await storage.create_presentation(first, {})
    assert not await storage.create_presentation(presentation(first.code), {})
    assert await storage.close_presentation(first.id, time.time())
    assert await storage.presentation_by_code(first.code) is None
    again = presentation(first.code)
    assert await storage.create_presentation(again, {})
    assert await storage.presentation_by_code(first.code) == again
    assert not await storage.close_presentation(first.id, time.time())


async def test_state_document_and_secret_updates(storage: Storage) -> None:
    """Presenter state, the document and a new secret are saved."""
    p = presentation()
    await storage.create_presentation(p, {"presenter": "old"})
    state = State(current=2, locked=("words",), results_hidden=("scales",), version=5)
    await storage.save_state(p.id, state)
    changed = validate_document({**DOCUMENT, "title": "Renamed"})
    await storage.update_document(p.id, changed)
    await storage.set_secret_hash(p.id, "presenter", "new")
    found = await storage.presentation(p.id)
    assert found is not None and found.state == state and found.document.title == "Renamed"
    assert await storage.secret_hash(p.id, "presenter") == "new"


async def test_joins_count_each_participant_once(storage: Storage) -> None:
    """Joining twice, even in one batch, counts once."""
    p = presentation()
    await storage.create_presentation(p, {})
    now = time.time()
    assert await storage.record_joins([(p.id, "a", now), (p.id, "b", now), (p.id, "a", now)]) == [
        True,
        True,
        False,
    ]
    assert await storage.record_joins([(p.id, "b", now)]) == [False]
    assert await storage.joined_count(p.id) == 2


async def test_answers_are_stored_once_per_submission_id(storage: Storage) -> None:
    """A retried submission is a duplicate that points at the stored response."""
    p = presentation()
    await storage.create_presentation(p, {})
    first = await storage.store_answers([submission(p, "a", "s1"), submission(p, "a", "s1")])
    assert [o.status for o in first] == [Status.STORED, Status.DUPLICATE]
    again = await storage.store_answers([submission(p, "a", "s1")])
    assert again[0].status is Status.DUPLICATE
    assert again[0].response is not None and first[0].response is not None
    assert again[0].response.id == first[0].response.id
    assert len(await storage.responses(p.id)) == 1
    found = await storage.response(p.id, "a", "s1")
    assert found is not None and found.value == {"words": ["x"]}
    assert await storage.response(p.id, "a", "nope") is None


async def test_a_retried_rating_points_at_the_stored_one(storage: Storage) -> None:
    """An answer without a limit (a rating, a choice) sent again, alone or beside new ones, is
    stored once, and the retry points at the stored response and its value."""
    p = presentation()
    await storage.create_presentation(p, {})
    rating = {"ratings": {"0": 4}}
    first = await storage.store_answers([submission(p, "a", "r1", "scale", limit=0, value=rating)])
    again = await storage.store_answers(
        [
            submission(p, "b", "r1", "scale", limit=0),
            submission(p, "a", "r1", "scale", limit=0, value={"ratings": {"0": 1}}),
            submission(p, "a", "r1", "scale", limit=0),
        ]
    )
    assert [o.status for o in again] == [Status.STORED, Status.DUPLICATE, Status.DUPLICATE]
    assert first[0].response is not None and again[1].response is not None
    assert again[1].response.id == first[0].response.id
    assert again[1].response.value == rating
    assert len(await storage.responses(p.id, "scale")) == 2


async def test_word_limits_hold_across_batches(storage: Storage) -> None:
    """A participant's words add up to the slide's limit and no further."""
    p = presentation()
    await storage.create_presentation(p, {})
    outcomes = await storage.store_answers(
        [
            submission(p, "a", "1", items=2),
            submission(p, "b", "1", items=3),
            submission(p, "a", "2", items=2),
        ]
    )
    assert [o.status for o in outcomes] == [Status.STORED, Status.STORED, Status.LIMIT]
    assert outcomes[2].remaining == 1
    later = await storage.store_answers([submission(p, "a", "3", items=1), submission(p, "a", "4")])
    assert [o.status for o in later] == [Status.STORED, Status.LIMIT]
    assert len(await storage.responses(p.id, "words")) == 3


async def test_responses_keep_their_values_in_order(storage: Storage) -> None:
    """The log returns every response with its value, oldest first, per slide."""
    p = presentation()
    await storage.create_presentation(p, {})
    values: list[dict[str, Any]] = [{"ratings": {"0": 4, "1": "skip"}}, {"ratings": {"0": 1}}]
    for index, value in enumerate(values):
        await storage.store_answers(
            [submission(p, f"w{index}", "s", slide="scales", value=value, limit=0)]
        )
    await storage.store_answers([submission(p, "w9", "s", value={"words": ["ünïcode 🎉"]})])
    scales = await storage.responses(p.id, "scales")
    assert [r.value for r in scales] == values
    assert scales[0].id < scales[1].id
    assert (await storage.responses(p.id, "words"))[0].value == {"words": ["ünïcode 🎉"]}
    assert len(await storage.responses(p.id)) == 3
    assert [r.value for r in await storage.responses(p.id, "scales", scales[0].id)] == values[1:]
    assert [r.value for r in await storage.responses(p.id, "scales", 0, 1)] == values[:1]


async def test_the_newest_response_id_of_a_slide(storage: Storage) -> None:
    """Each slide's newest stored answer id, 0 before any: how a room tells it missed some."""
    p = presentation()
    await storage.create_presentation(p, {})
    assert await storage.newest_response_id(p.id, "words") == 0
    await storage.store_answers([submission(p, "a", "s1"), submission(p, "b", "s2")])
    await storage.store_answers(
        [submission(p, "c", "s3", slide="scales", value={"ratings": {"0": 3}}, limit=0)]
    )
    words = await storage.responses(p.id, "words")
    scales = await storage.responses(p.id, "scales")
    assert await storage.newest_response_id(p.id, "words") == words[-1].id
    assert await storage.newest_response_id(p.id, "scales") == scales[-1].id
    assert await storage.newest_response_id("elsewhere", "words") == 0


async def test_moderation_is_stored_and_undone(storage: Storage) -> None:
    """Hidden items are remembered per slide and can be restored."""
    p = presentation()
    await storage.create_presentation(p, {})
    await storage.set_moderation(p.id, "words", "bad", True)
    await storage.set_moderation(p.id, "words", "bad", True)
    await storage.set_moderation(p.id, "tips", "12", True)
    assert {(m.slide_id, m.item) for m in await storage.moderation(p.id)} == {
        ("words", "bad"),
        ("tips", "12"),
    }
    await storage.set_moderation(p.id, "words", "bad", False)
    assert [(m.slide_id, m.item) for m in await storage.moderation(p.id)] == [("tips", "12")]


async def test_withdrawal_deletes_one_participant_only(storage: Storage) -> None:
    """A participant's answers and join go; everyone else's stay; their limit is free again."""
    p = presentation()
    await storage.create_presentation(p, {})
    await storage.record_joins([(p.id, "a", 1.0), (p.id, "b", 1.0)])
    await storage.store_answers([submission(p, "a", "1", items=3), submission(p, "b", "1")])
    assert await storage.delete_participant(p.id, "a") == 1
    assert [r.participant for r in await storage.responses(p.id)] == ["b"]
    assert await storage.joined_count(p.id) == 1
    assert await storage.response(p.id, "a", "1") is None
    again = await storage.store_answers([submission(p, "a", "2", items=3)])
    assert again[0].status is Status.STORED


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
async def test_answers_deleted_by_another_process_free_the_limit(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Answers purged through another connection to the database (``polls purge`` while the
    service runs) no longer count against a participant's limit in the service."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'shared.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    service, command = open_storage(url), open_storage(url)
    await service.connect()
    await command.connect()
    try:
        p = presentation()
        await service.create_presentation(p, {})
        full = await service.store_answers([submission(p, "a", "1", items=3)])
        assert full[0].status is Status.STORED
        refused = await service.store_answers([submission(p, "a", "2")])
        assert refused[0].status is Status.LIMIT
        assert await command.delete_responses(p.id, before=time.time() + 1) == 1
        again = await service.store_answers([submission(p, "a", "3", items=3)])
        assert again[0].status is Status.STORED
    finally:
        await command.disconnect()
        await service.disconnect()


async def test_the_id_of_a_deleted_answer_is_never_given_again(storage: Storage) -> None:
    """After the newest answer is withdrawn, the next one gets a new id: moderation keys open
    answers by id, and a hidden one's id must not hide someone else's answer."""
    p = presentation()
    await storage.create_presentation(p, {})
    stored = await storage.store_answers([submission(p, "a", "1"), submission(p, "b", "1")])
    newest = stored[1].response
    assert newest is not None
    assert await storage.delete_participant(p.id, "b") == 1
    after = await storage.store_answers([submission(p, "c", "1")])
    assert after[0].response is not None and after[0].response.id > newest.id


async def test_purge_by_age_and_delete_all(storage: Storage) -> None:
    """Answers older than a cutoff go; deleting all also forgets joins and moderation."""
    p = presentation()
    await storage.create_presentation(p, {})
    await storage.record_joins([(p.id, "old", 100.0), (p.id, "new", 300.0)])
    await storage.store_answers(
        [submission(p, "old", "1", created_at=100.0), submission(p, "new", "1", created_at=300.0)]
    )
    await storage.set_moderation(p.id, "words", "x", True)
    assert await storage.delete_responses(p.id, before=200.0) == 1
    assert [r.participant for r in await storage.responses(p.id)] == ["new"]
    assert await storage.joined_count(p.id) == 1
    assert len(await storage.moderation(p.id)) == 1
    assert await storage.delete_responses(p.id) == 1
    assert await storage.responses(p.id) == []
    assert await storage.joined_count(p.id) == 0 and await storage.moderation(p.id) == []
    assert await storage.presentation(p.id) is not None


@contextlib.asynccontextmanager
async def storages(url: str, count: int) -> AsyncIterator[list[Storage]]:
    """``count`` workers' storages on one database, connected."""
    workers = [open_storage(url) for _ in range(count)]
    for worker in workers:
        await worker.connect()
    try:
        yield workers
    finally:
        for worker in workers:
            await worker.disconnect()


async def test_limits_hold_for_workers_writing_at_once(request: pytest.FixtureRequest) -> None:
    """Several workers on one PostgreSQL database store one participant's words at the same
    moment: together they never pass the participant's limit."""
    url = request.getfixturevalue("postgres_url")
    async with storages(url, 4) as workers:
        p = presentation()
        await workers[0].create_presentation(p, {})
        for attempt in range(10):
            batches = [
                [submission(p, f"phone{attempt}", f"{attempt}-{w}-{n}", items=1, limit=5)
                 for n in range(2)]
                for w in range(len(workers))
            ]  # fmt: skip
            await asyncio.gather(
                *(
                    worker.store_answers(batch)
                    for worker, batch in zip(workers, batches, strict=True)
                )
            )
            stored = [
                r for r in await workers[0].responses(p.id) if r.participant == f"phone{attempt}"
            ]
            assert len(stored) == 5, attempt


async def test_one_answer_through_two_workers_at_once_is_stored_once(
    request: pytest.FixtureRequest,
) -> None:
    """A phone's answer reaching two workers on one PostgreSQL database at the same moment (a
    retry after a lost connection) is stored once; both get the same response."""
    url = request.getfixturevalue("postgres_url")
    async with storages(url, 2) as workers:
        p = presentation()
        await workers[0].create_presentation(p, {})
        for attempt in range(10):
            sent = [
                submission(p, "phone", f"id{attempt}", "scale", limit=0),
                submission(p, f"other{attempt}", "1", "scale", limit=0),
            ]
            first, second = await asyncio.gather(*(w.store_answers(sent) for w in workers))
            for index in range(2):
                statuses = {first[index].status, second[index].status}
                assert statuses == {Status.STORED, Status.DUPLICATE}, attempt
                responses = [first[index].response, second[index].response]
                assert len({r.id for r in responses if r is not None}) == 1, attempt
                assert None not in responses, attempt
        assert len(await workers[0].responses(p.id)) == 20


async def test_answer_counts_are_counted_by_the_database(storage: Storage) -> None:
    """Answers and the participants who gave them are counted per presentation; a retry of a
    stored answer counts once."""
    p, other = presentation(), presentation()
    await storage.create_presentation(p, {})
    await storage.create_presentation(other, {})
    assert await storage.answer_counts(p.id) == (0, 0)
    await storage.store_answers(
        [submission(p, "a", "1"), submission(p, "a", "2"), submission(p, "b", "3")]
    )
    await storage.store_answers([submission(p, "b", "3"), submission(other, "c", "4")])
    assert await storage.answer_counts(p.id) == (3, 2)
    assert await storage.answer_counts(other.id) == (1, 1)


async def test_a_coding_is_saved_only_over_the_version_it_was_read_at(storage: Storage) -> None:
    """Themes are kept per presentation; a save based on an older read is refused, not lost."""
    p = presentation()
    await storage.create_presentation(p, {})
    assert await storage.coding(p.id) == (0, "")
    assert await storage.save_coding(p.id, '{"a": 1}', 0)
    assert not await storage.save_coding(p.id, '{"b": 2}', 0)
    assert await storage.coding(p.id) == (1, '{"a": 1}')
    assert await storage.save_coding(p.id, '{"c": 3}', 1)
    assert not await storage.save_coding(p.id, '{"d": 4}', 1)
    assert await storage.coding(p.id) == (2, '{"c": 3}')
    assert await storage.coding("another") == (0, "")


async def test_reactions_add_up_per_slide_minute_and_reaction(storage: Storage) -> None:
    """Counts of reactions from several batches add up; presentations stay apart."""
    p = presentation()
    await storage.create_presentation(p, {})
    heart = ReactionCount(slide_id="words", minute=100, reaction="heart", count=3)
    clap = ReactionCount(slide_id="words", minute=101, reaction="clap", count=1)
    await storage.add_reactions([(p.id, heart), (p.id, clap), ("other", heart)])
    await storage.add_reactions([(p.id, msgspec.structs.replace(heart, count=2))])
    await storage.add_reactions([])
    assert await storage.reactions(p.id) == [msgspec.structs.replace(heart, count=5), clap]
    assert await storage.reactions("other") == [heart]


async def test_questions_and_upvotes_count_once_from_the_log(storage: Storage) -> None:
    """Audience questions and upvotes go through the response log: a retried submission is a
    duplicate, a participant's tenth question is the last, and the tally read back from the log
    counts each participant's newest upvote once (taking it back counts)."""
    p = presentation()
    await storage.create_presentation(p, {})
    asks = [
        submission(p, "asker", f"a{n}", QA_SLIDE, value={"text": f"Q{n}"}, limit=MAX_QUESTIONS)
        for n in range(MAX_QUESTIONS + 1)
    ]
    outcomes = await storage.store_answers(asks[:3])
    assert [o.status for o in outcomes] == [Status.STORED] * 3
    assert (await storage.store_answers([asks[0]]))[0].status is Status.DUPLICATE
    last = await storage.store_answers(asks[3:])
    assert [o.status for o in last] == [Status.STORED] * 7 + [Status.LIMIT]
    question = outcomes[0].response
    assert question is not None

    def vote(who: str, sid: str, up: bool) -> Submission:
        return submission(
            p, who, sid, QA_SLIDE, value=upvote_value(question.id, up), items=0, limit=0
        )

    votes = [vote("v1", "u1", True), vote("v2", "u2", True), vote("v1", "u1", True)]
    assert [o.status for o in await storage.store_answers(votes)] == [
        Status.STORED,
        Status.STORED,
        Status.DUPLICATE,
    ]
    await storage.store_answers([vote("v2", "u3", False), vote("v3", "u4", True)])
    counted = QaTally()
    for response in reversed(await storage.responses(p.id, QA_SLIDE)):  # any order
        counted.apply(response)
    assert counted.votes[question.id] == 2  # v1 and v3; v2 took theirs back
    assert counted.mine("v2") == {"asked": [], "upvoted": []}
    assert len(counted.texts) == MAX_QUESTIONS
    assert await storage.answer_counts(p.id) == (0, 0)  # questions and upvotes are not answers


async def test_rankings_points_and_grids_count_each_participants_newest_from_the_log(
    storage: Storage,
) -> None:
    """Rankings, spreads of points and grid ratings read back from the log give the same
    results in any order: a retried submission is stored once and a changed answer replaces
    the first."""
    ranking, points, grid = validate_document(PRIORITIES).slides
    p = presentation()
    await storage.create_presentation(p, {})

    def answer(who: str, sid: str, slide: str, value: dict[str, Any]) -> Submission:
        return submission(p, who, sid, slide, value=value, limit=0)

    stored = await storage.store_answers(
        [
            answer("a", "r1", "first", {"order": [2, 1, 0]}),
            answer("b", "r2", "first", {"order": [0, 1, 2]}),
            answer("a", "p1", "budget", {"points": [100, 0]}),
            answer("b", "p2", "budget", {"points": [30, 70]}),
            answer("a", "g1", "plane", {"ratings": {"0": [1, 1], "1": [5, 5]}}),
            answer("b", "g2", "plane", {"ratings": {"0": [3, 5]}}),
        ]
    )
    assert [o.status for o in stored] == [Status.STORED] * 6
    again = await storage.store_answers(
        [
            answer("a", "r1", "first", {"order": [2, 1, 0]}),  # a retry
            answer("a", "r3", "first", {"order": [0, 2, 1]}),  # changed: this counts
            answer("a", "g3", "plane", {"ratings": {"0": [3, 3]}}),  # item 0 changed
        ]
    )
    assert [o.status for o in again] == [Status.DUPLICATE, Status.STORED, Status.STORED]
    for slide in (ranking, points, grid):
        counted = kind_of(slide).new_tally(slide, "en")
        for response in reversed(await storage.responses(p.id, slide.id)):
            counted.apply(response)
        results = counted.snapshot()
        if slide is ranking:
            assert [(o["text"], o["mean_rank"]) for o in results["options"]] == [
                ("X", 1.0),
                ("Y", 2.5),
                ("Z", 2.5),
            ]
        elif slide is points:
            assert [(o["text"], o["mean"]) for o in results["options"]] == [
                ("X", 65.0),
                ("Y", 35.0),
            ]
        else:
            assert [(i["x"], i["y"], i["count"]) for i in results["items"]] == [
                (3.0, 4.0, 2),
                (5.0, 5.0, 1),
            ]
    assert await storage.answer_counts(p.id) == (8, 2)  # answers in the log, participants


async def test_a_quiz_answer_is_taken_once_and_read_back_with_its_time(storage: Storage) -> None:
    """One quiz answer per participant: a retry is a duplicate, a second answer is over the
    limit; read back from the log in any order it scores the same."""
    quiz = validate_document(QUIZ).slides[0]
    p = presentation()
    await storage.create_presentation(p, {})

    def answer(who: str, sid: str, value: dict[str, Any]) -> Submission:
        return submission(p, who, sid, "q", value=value, items=1, limit=1)

    first = await storage.store_answers(
        [answer("a", "s1", {"choice": 1, "ms": 0}), answer("b", "s2", {"choice": 0, "ms": 0})]
    )
    later = await storage.store_answers(
        [answer("a", "s1", {"choice": 1, "ms": 0}), answer("a", "s3", {"choice": 0, "ms": 9})]
    )
    assert [o.status for o in first + later] == [
        Status.STORED,
        Status.STORED,
        Status.DUPLICATE,
        Status.LIMIT,
    ]
    counted = kind_of(quiz).new_tally(quiz, "en")
    for response in reversed(await storage.responses(p.id, "q")):
        counted.apply(response)
    assert counted.mine("a") == {"choice": 1, "correct": True, "score": 1000, "used": 1}
    assert counted.mine("b") == {"choice": 0, "correct": False, "score": 0, "used": 1}


async def test_images_are_kept_once_by_their_content(storage: Storage) -> None:
    """An image is found by its name with its bytes and size; the same bytes saved again (by
    another presentation) are kept once; an unknown name is None."""
    picture = StoredImage(
        name="ab" * 32, content_type="image/png", data=b"\x89PNG\x00\xff", width=3, height=2
    )
    await storage.save_image("p1", picture)
    await storage.save_image("p2", picture)
    assert await storage.image(picture.name) == picture
    assert await storage.image("cd" * 32) is None
