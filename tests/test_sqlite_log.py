"""SQLite's fast path for answers and joins: batches stay cheap however long the log grows."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from msgspec.structs import replace as msgspec_replace
from sqlalchemy import create_engine

from polls.storage.base import Submission
from polls.storage.migrations import migrate
from polls.storage.sqlite_log import LOOKUP, SLIDE_USAGE, Usage, record_joins, store_answers


@pytest.fixture
def connection(tmp_path: Path) -> sqlite3.Connection:
    path = tmp_path / "log.db"
    with create_engine(f"sqlite:///{path}").begin() as conn:
        migrate(conn)
    return sqlite3.connect(path, isolation_level=None)


def submission(participant: str, submission_id: str, limit: int = 0) -> Submission:
    return Submission(
        presentation_id="p1",
        slide_id="words",
        participant=participant,
        submission_id=submission_id,
        value={"words": ["tea"]},
        items=1,
        limit=limit,
        created_at=1.0,
    )


@pytest.mark.parametrize(
    ("query", "seek"),
    [
        (
            LOOKUP,
            "responses_submission (presentation_id=? AND submission_id=? AND participant=?)",
        ),
        (SLIDE_USAGE, "responses_slide (presentation_id=? AND slide_id=?)"),
    ],
)
def test_lookups_seek_the_index_instead_of_scanning_the_presentation(
    connection: sqlite3.Connection, query: str, seek: str
) -> None:
    """A retry is found by one index seek; a slide's usage reads that slide's answers only."""
    blanks = ("",) * query.count("?")
    plan = " ".join(row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {query}", blanks))
    assert seek in plan, plan
    assert "SCAN" not in plan, plan


def test_a_batch_stores_each_answer_once_and_enforces_limits_across_it(
    connection: sqlite3.Connection,
) -> None:
    """Retries in and after a batch are duplicates; a word past the limit of 2 is refused."""
    first = store_answers(
        connection,
        [
            submission("ann", "a1", limit=2),
            submission("ann", "a1", limit=2),
            submission("ann", "a2", limit=2),
            submission("ann", "a3", limit=2),
        ],
    )
    assert [o.status.value for o in first] == ["stored", "duplicate", "stored", "limit"]
    again = store_answers(connection, [submission("ann", "a2", limit=2)])
    assert again[0].status.value == "duplicate"
    assert again[0].response is not None and again[0].response.value == {"words": ["tea"]}
    assert connection.execute("SELECT count(*) FROM responses").fetchone()[0] == 2


def test_joins_are_new_only_the_first_time(connection: sqlite3.Connection) -> None:
    """The joined count grows once per participant, even when a phone joins twice in one batch."""
    assert record_joins(
        connection, [("p1", "ann", 1.0), ("p1", "ann", 2.0), ("p1", "bob", 2.0)]
    ) == [
        True,
        False,
        True,
    ]
    assert record_joins(connection, [("p1", "ann", 3.0)]) == [False]


def test_usage_remembered_between_batches_matches_the_database(
    connection: sqlite3.Connection,
) -> None:
    """Counts kept between batches refuse the same answers as counting afresh would."""
    usage = Usage()
    store_answers(connection, [submission("ann", "a1", limit=2)], usage)
    assert usage.counts == {("p1", "words", "ann"): 1}
    second = store_answers(
        connection, [submission("ann", "a2", limit=2), submission("ann", "a3", limit=2)], usage
    )
    assert [o.status.value for o in second] == ["stored", "limit"]
    afresh = store_answers(connection, [submission("ann", "a4", limit=2)])
    assert afresh[0].status.value == "limit" and usage.counts == {("p1", "words", "ann"): 2}
    usage.forget()
    again = store_answers(
        connection, [submission("ann", "a5", limit=2), submission("bob", "b1")], usage
    )
    assert [o.status.value for o in again] == ["limit", "stored"]


def test_a_failed_batch_leaves_nothing_and_the_next_one_is_stored(
    connection: sqlite3.Connection,
) -> None:
    """An error inside a batch rolls all of it back; the connection takes the next batch."""
    broken = msgspec_replace(submission("bob", "b2"), value={"words": {object()}})
    with pytest.raises(TypeError):
        store_answers(connection, [submission("bob", "b1"), broken])
    assert not connection.in_transaction
    assert connection.execute("SELECT count(*) FROM responses").fetchone()[0] == 0
    assert store_answers(connection, [submission("bob", "b1")])[0].status.value == "stored"


def test_a_retried_rating_is_a_duplicate_with_the_stored_answer(
    connection: sqlite3.Connection,
) -> None:
    """Answers without a limit are inserted straight away; a retry still comes back as such."""
    rating = msgspec_replace(submission("cas", "r1"), slide_id="scales", value={"ratings": {}})
    first = store_answers(connection, [rating, rating])
    assert [o.status.value for o in first] == ["stored", "duplicate"]
    again = store_answers(connection, [rating])[0]
    assert again.status.value == "duplicate" and again.response is not None
    assert first[0].response is not None and again.response.id == first[0].response.id
    assert connection.execute("SELECT count(*) FROM responses").fetchone()[0] == 1
