"""The response log on SQL: joins, answers, reading them back, and deleting them.

On a SQLite file, joins and answers go through the log's own connection
(polls.storage.sqlite_log); on PostgreSQL, through the array statements of
polls.storage.postgres_log; SQLite in memory takes the queries here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import msgspec
from sqlalchemy import func, select, tuple_
from sqlalchemy.engine import Row
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from polls.core.models import QA_SLIDE, StoredResponse
from polls.storage import postgres_log, schema
from polls.storage.base import (
    Outcome,
    Submission,
    SubmissionKey,
    UsageKey,
    first_joins,
    outcomes,
    plan_batch,
)
from polls.storage.sql_engine import SqlEngine
from polls.storage.sqlite_log import DELETED

T = TypeVar("T")
_value_decoder = msgspec.json.Decoder(dict[str, Any])
_encode = msgspec.json.encode


class SqlResponseLog(SqlEngine):
    """The participants and responses tables."""

    @property
    def _insert_response(self) -> Any:
        table = schema.responses
        return (
            self._insert(table)
            .on_conflict_do_nothing(
                index_elements=["presentation_id", "participant", "submission_id"]
            )
            .returning(
                table.c.id, table.c.presentation_id, table.c.participant, table.c.submission_id
            )
        )

    # ---- participants ----------------------------------------------------------------------

    async def record_joins(self, joins: list[tuple[str, str, float]]) -> list[bool]:
        if self._log is not None:
            return await self._log.record_joins(joins)
        if self.dialect == "postgresql":
            return await self._batch(lambda conn: postgres_log.record_joins(conn, joins))
        table = schema.participants
        rows = [{"presentation_id": p, "participant": who, "joined_at": t} for p, who, t in joins]
        statement = (
            self._insert(table)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["presentation_id", "participant"])
            .returning(table.c.presentation_id, table.c.participant)
        )
        async with self.engine.begin() as conn:
            new = {(row.presentation_id, row.participant) for row in await conn.execute(statement)}
        return first_joins(joins, new)

    async def joined_count(self, presentation_id: str) -> int:
        table = schema.participants
        async with self.engine.connect() as conn:
            count = await conn.scalar(
                select(func.count())
                .select_from(table)
                .where(table.c.presentation_id == presentation_id)
            )
            return int(count or 0)

    # ---- the response log ------------------------------------------------------------------

    @staticmethod
    def _response(row: Row[Any]) -> StoredResponse:
        return StoredResponse(
            id=row.id,
            presentation_id=row.presentation_id,
            slide_id=row.slide_id,
            participant=row.participant,
            submission_id=row.submission_id,
            value=_value_decoder.decode(row.value),
            created_at=row.created_at,
        )

    async def store_answers(self, submissions: list[Submission]) -> list[Outcome]:
        if self._log is not None:
            return await self._log.store_answers(submissions)
        if self.dialect == "postgresql":
            return await self._batch(
                lambda conn: postgres_log.store_answers(conn, submissions),
                atomic=any(s.limit for s in submissions),
            )
        table = schema.responses
        by_presentation: dict[str, list[Submission]] = defaultdict(list)
        for submission in submissions:
            by_presentation[submission.presentation_id].append(submission)
        async with self.engine.begin() as conn:
            existing: dict[SubmissionKey, StoredResponse] = {}
            used: dict[UsageKey, int] = {}
            for presentation_id, group in by_presentation.items():
                # SQLite in memory (tests, one process): a file takes polls.storage.sqlite_log.
                pairs = [(s.participant, s.submission_id) for s in group]
                rows = await conn.execute(
                    select(table).where(
                        table.c.presentation_id == presentation_id,
                        tuple_(table.c.participant, table.c.submission_id).in_(pairs),
                    )
                )
                for row in rows:
                    found = self._response(row)
                    existing[(presentation_id, found.participant, found.submission_id)] = found
                limited = [s for s in group if s.limit]
                if limited:
                    rows = await conn.execute(
                        select(table.c.slide_id, table.c.participant, func.sum(table.c.item_count))
                        .where(
                            table.c.presentation_id == presentation_id,
                            table.c.slide_id.in_({s.slide_id for s in limited}),
                            table.c.participant.in_({s.participant for s in limited}),
                        )
                        .group_by(table.c.slide_id, table.c.participant)
                    )
                    for slide_id, participant, total in rows:
                        used[(presentation_id, slide_id, participant)] = int(total)
            plan = plan_batch(submissions, existing, used)
            new = [s for s, decided in zip(submissions, plan, strict=True) if decided is None]
            ids: dict[SubmissionKey, int] = {}
            if new:
                parameters = [
                    {
                        "presentation_id": s.presentation_id,
                        "slide_id": s.slide_id,
                        "participant": s.participant,
                        "submission_id": s.submission_id,
                        "value": _encode(s.value).decode(),
                        "item_count": s.items,
                        "created_at": s.created_at,
                    }
                    for s in new
                ]
                # One statement, compiled once and cached; executed for many rows at once.
                for row in await conn.execute(self._insert_response, parameters):
                    ids[(row.presentation_id, row.participant, row.submission_id)] = row.id
        return outcomes(submissions, plan, ids)

    async def _batch(
        self, work: Callable[[AsyncConnection], Awaitable[T]], *, atomic: bool = False
    ) -> T:
        """Run a batch of the writer's on PostgreSQL: in a transaction when it reads before it
        writes (limits), else as one statement that commits by itself (one round trip instead
        of three). A connection found lost (PostgreSQL restarted since the last batch) is
        replaced and the batch run once more: it is idempotent, as every answer carries its
        submission id and a join is stored once."""
        for attempt in range(2):
            try:
                async with self.writes.connect() as conn:
                    if not atomic:
                        alone = await conn.execution_options(isolation_level="AUTOCOMMIT")
                        return await work(alone)
                    async with conn.begin():
                        return await work(conn)
            except DBAPIError as exc:
                if attempt or not exc.connection_invalidated:
                    raise
        raise AssertionError("unreachable")

    async def response(
        self, presentation_id: str, participant: str, submission_id: str
    ) -> StoredResponse | None:
        table = schema.responses
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    select(table).where(
                        table.c.presentation_id == presentation_id,
                        table.c.participant == participant,
                        table.c.submission_id == submission_id,
                    )
                )
            ).first()
        return None if row is None else self._response(row)

    async def responses(
        self,
        presentation_id: str,
        slide_id: str | None = None,
        after_id: int = 0,
        limit: int | None = None,
    ) -> list[StoredResponse]:
        table = schema.responses
        query = select(table).where(table.c.presentation_id == presentation_id)
        if after_id:
            query = query.where(table.c.id > after_id)
        if slide_id is not None:
            query = query.where(table.c.slide_id == slide_id)
        query = query.order_by(table.c.id).limit(limit)
        async with self.engine.connect() as conn:
            return [self._response(row) for row in await conn.execute(query)]

    async def answer_counts(self, presentation_id: str) -> tuple[int, int]:
        table = schema.responses
        query = select(func.count(), func.count(table.c.participant.distinct())).where(
            table.c.presentation_id == presentation_id, table.c.slide_id != QA_SLIDE
        )
        async with self.engine.connect() as conn:
            answers, participants = (await conn.execute(query)).one()
            return int(answers), int(participants)

    async def newest_response_id(self, presentation_id: str, slide_id: str) -> int:
        table = schema.responses
        query = select(func.max(table.c.id)).where(
            table.c.presentation_id == presentation_id, table.c.slide_id == slide_id
        )  # one seek in the (presentation, slide, id) index
        async with self.engine.connect() as conn:
            return int(await conn.scalar(query) or 0)

    async def delete_responses(self, presentation_id: str, before: float | None = None) -> int:
        responses, participants = schema.responses, schema.participants
        async with self.engine.begin() as conn:
            doomed = responses.delete().where(responses.c.presentation_id == presentation_id)
            joins = participants.delete().where(participants.c.presentation_id == presentation_id)
            moderated = 0
            if before is not None:
                doomed = doomed.where(responses.c.created_at < before)
                joins = joins.where(participants.c.joined_at < before)
            else:
                moderation = schema.moderation
                moderated = (
                    await conn.execute(
                        moderation.delete().where(moderation.c.presentation_id == presentation_id)
                    )
                ).rowcount
            count = (await conn.execute(doomed)).rowcount
            joined = (await conn.execute(joins)).rowcount
            await self._count_deletion(conn, count)
        if count or joined or moderated:
            await self._make_final()
        return int(count)

    async def delete_participant(self, presentation_id: str, participant: str) -> int:
        async with self.engine.begin() as conn:
            count, joined = [
                (
                    await conn.execute(
                        table.delete().where(
                            table.c.presentation_id == presentation_id,
                            table.c.participant == participant,
                        )
                    )
                ).rowcount
                for table in (schema.responses, schema.participants)
            ]
            await self._count_deletion(conn, count)
        if count or joined:
            await self._make_final()
        return int(count)

    async def _count_deletion(self, conn: AsyncConnection, answers: int) -> None:
        """SQLite: tell the writer of answers, in any process, that its usage counts are stale."""
        if answers and self.dialect == "sqlite":
            await conn.exec_driver_sql(DELETED)

    async def _make_final(self) -> None:
        """Make deletions final on disk: SQLite's WAL still holds old pages until checkpointed."""
        if self.dialect == "sqlite":
            async with self.engine.connect() as conn:
                await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
