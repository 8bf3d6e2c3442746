"""The hot writes on SQLite: one connection in one thread, a whole batch in one hand-off.

Answers and joins are most of what the service writes. Through SQLAlchemy and aiosqlite a batch
cost several round trips between the event loop and the database thread, and parameters were
processed row by row on the event loop. Here the writer hands a batch to this thread once; the
thread looks up retries, counts limits, inserts and commits with prepared statements, and hands
back the outcomes. Every other query keeps using :class:`~polls.storage.sql.SqlStorage`.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import msgspec

from polls.core.models import StoredResponse
from polls.storage.base import (
    Outcome,
    Status,
    Submission,
    SubmissionKey,
    UsageKey,
    plan_batch,
    submission_key,
    usage_key,
)
from polls.storage.base import outcomes as decide_outcomes

T = TypeVar("T")
_encode = msgspec.json.encode
_value_decoder = msgspec.json.Decoder(dict[str, Any])

LOOKUP = (
    "SELECT id, slide_id, value, created_at FROM responses"
    " WHERE presentation_id = ? AND participant = ? AND submission_id = ?"
)
# Everyone's usage of one slide, read once per slide (an empty result for a new question).
# Left to itself SQLite takes the unique index for the GROUP BY and reads every answer of the
# presentation; the slide index reads that slide's answers only.
SLIDE_USAGE = (
    "SELECT participant, sum(item_count) FROM responses INDEXED BY responses_slide"
    " WHERE presentation_id = ? AND slide_id = ? GROUP BY participant"
)
# A retry of a stored answer is ignored by the unique index; only then is it looked up.
INSERT = (
    "INSERT INTO responses"
    " (presentation_id, slide_id, participant, submission_id, value, item_count, created_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
)
# Every deletion of answers adds one (migration 4): usage kept from before it is stale.
DELETIONS = "SELECT generation FROM deletions"
DELETED = "UPDATE deletions SET generation = generation + 1"
JOIN = (
    "INSERT INTO participants (presentation_id, participant, joined_at) VALUES (?, ?, ?)"
    " ON CONFLICT DO NOTHING"
)


def configure(connection: Any) -> None:
    """The settings every SQLite connection of polls runs with."""
    cursor = connection.cursor()
    # WAL lets the screen read while the writer writes; FULL makes every commit survive power loss.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=10000")
    # Room for the indexes of a busy log in memory (the default is 2 MiB): with less, inserts
    # into a log of a few hundred thousand answers keep rereading pages.
    cursor.execute("PRAGMA cache_size=-65536")
    # Deleted answers are overwritten, not just unlinked: withdrawal and purge leave no trace.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


class Usage:
    """How many words or answers each participant has given to each limited slide, as committed.

    The log's connection is the only writer of answers, so it can keep these counts instead of
    asking the database for every limited answer. A slide's counts are read all at once the
    first time it is needed (for a new question, a query that finds nothing); asking per
    participant read each one's whole history, and an index for it made every insert dearer
    (11,000 answers/s went from p99 19 ms to 274 ms).
    """

    MOST = 200_000  # counts kept at most; past that they are read again as needed

    def __init__(self) -> None:
        self.counts: dict[UsageKey, int] = {}
        self.slides: set[tuple[str, str]] = set()
        self.deletions: int | None = None  # the count of deletions these counts were read after

    def catch_up(self, connection: sqlite3.Connection) -> None:
        """Forget the counts if answers were deleted since they were read, by any process."""
        deletions = connection.execute(DELETIONS).fetchone()[0]
        if deletions != self.deletions:
            self.forget()
            self.deletions = deletions

    def of(self, connection: sqlite3.Connection, slot: UsageKey) -> int:
        presentation_id, slide_id, _ = slot
        if (presentation_id, slide_id) not in self.slides:
            if len(self.counts) > self.MOST:
                self.forget()
            for who, total in connection.execute(SLIDE_USAGE, (presentation_id, slide_id)):
                self.counts[(presentation_id, slide_id, who)] = total
            self.slides.add((presentation_id, slide_id))
        return self.counts.get(slot, 0)

    def forget(self) -> None:
        """Read from the database again."""
        self.counts.clear()
        self.slides.clear()


def store_answers(
    connection: sqlite3.Connection, submissions: list[Submission], usage: Usage | None = None
) -> list[Outcome]:
    """Store a batch in one transaction (the write lock is taken first, so nothing interleaves)."""
    usage = Usage() if usage is None else usage
    with _transaction(connection):
        if any(s.limit for s in submissions):
            usage.catch_up(connection)
        existing: dict[SubmissionKey, StoredResponse] = {}
        used: dict[UsageKey, int] = {}
        for s in submissions:
            # Limited answers are looked up first: a retry must not count against the limit.
            # Others just try the insert, which saves a query for every rating and choice.
            if not s.limit:
                continue
            found = _lookup(connection, s)
            if found is not None:
                existing[submission_key(s)] = found
            elif (slot := usage_key(s)) not in used:
                used[slot] = usage.of(connection, slot)
        plan = plan_batch(submissions, existing, used)
        ids: dict[SubmissionKey, int] = {}
        for index, (s, decided) in enumerate(zip(submissions, plan, strict=True)):
            if decided is None:
                row = (
                    s.presentation_id,
                    s.slide_id,
                    s.participant,
                    s.submission_id,
                    _encode(s.value).decode(),
                    s.items,
                    s.created_at,
                )
                cursor = connection.execute(INSERT, row)
                if cursor.rowcount == 0:  # stored before: a retry
                    plan[index] = Outcome(Status.DUPLICATE, _lookup(connection, s))
                    continue
                assert cursor.lastrowid is not None
                ids[submission_key(s)] = cursor.lastrowid
                if s.limit:
                    used[usage_key(s)] += s.items
    usage.counts.update(used)  # committed
    return decide_outcomes(submissions, plan, ids)


def _lookup(connection: sqlite3.Connection, s: Submission) -> StoredResponse | None:
    found = connection.execute(LOOKUP, (s.presentation_id, s.participant, s.submission_id))
    row = found.fetchone()
    if row is None:
        return None
    return StoredResponse(
        id=row[0],
        presentation_id=s.presentation_id,
        slide_id=row[1],
        participant=s.participant,
        submission_id=s.submission_id,
        value=_value_decoder.decode(row[2]),
        created_at=row[3],
    )


def record_joins(connection: sqlite3.Connection, joins: list[tuple[str, str, float]]) -> list[bool]:
    """Record joins in one transaction; True for each participant new to the presentation."""
    with _transaction(connection):
        return [connection.execute(JOIN, join).rowcount == 1 for join in joins]


class _transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any error."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def __enter__(self) -> None:
        self.connection.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, *_: object) -> None:
        try:
            if kind is None:
                self.connection.execute("COMMIT")
        finally:
            # Also when COMMIT itself fails: a transaction left open would refuse every batch.
            if self.connection.in_transaction:
                self.connection.execute("ROLLBACK")


class SqliteLog:
    """A connection of its own for the response log, used from one thread of its own."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="polls-sqlite")
        self._connection: sqlite3.Connection | None = None
        self._usage = Usage()

    async def open(self) -> None:
        self._connection = await self._in_thread(self._connect)

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, isolation_level=None, cached_statements=64)
        configure(connection)
        return connection

    async def close(self) -> None:
        if self._connection is not None:
            await self._in_thread(self._connection.close)
            self._connection = None
        self._thread.shutdown()

    async def store_answers(self, submissions: list[Submission]) -> list[Outcome]:
        return await self._in_thread(lambda: store_answers(self._open(), submissions, self._usage))

    async def record_joins(self, joins: list[tuple[str, str, float]]) -> list[bool]:
        return await self._in_thread(lambda: record_joins(self._open(), joins))

    def _open(self) -> sqlite3.Connection:
        assert self._connection is not None, "the response log is not open"
        return self._connection

    async def _in_thread(self, work: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._thread, work)
