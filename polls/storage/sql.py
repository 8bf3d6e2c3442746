"""SQL storage on SQLAlchemy Core (async): SQLite (WAL) embedded, PostgreSQL to scale out."""

from __future__ import annotations

import time
from collections import defaultdict
from typing import Any

import msgspec
from sqlalchemy import event, func, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from polls.models import Document, Moderation, Presentation, State, StoredResponse
from polls.storage import schema
from polls.storage.base import (
    Outcome,
    Storage,
    Submission,
    SubmissionKey,
    UsageKey,
    outcomes,
    plan_batch,
)
from polls.storage.migrations import migrate
from polls.storage.sqlite_log import SqliteLog, configure

_document_decoder = msgspec.json.Decoder(Document)
_state_decoder = msgspec.json.Decoder(State)
_value_decoder = msgspec.json.Decoder(dict[str, Any])
_encode = msgspec.json.encode


def async_url(url: str) -> str:
    """Pick the async driver for a plain database URL (sqlite:///..., postgresql://...)."""
    for plain, driver in (
        ("sqlite://", "sqlite+aiosqlite://"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    return url


class SqlStorage(Storage):
    def __init__(self, url: str) -> None:
        self.url = async_url(url)
        self._engine: AsyncEngine | None = None
        self._log: SqliteLog | None = None  # SQLite's fast path for answers and joins

    @property
    def engine(self) -> AsyncEngine:
        assert self._engine is not None, "storage is not connected"
        return self._engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    async def connect(self) -> None:
        engine = create_async_engine(self.url, pool_pre_ping=self.url.startswith("postgresql"))
        if engine.dialect.name == "sqlite":
            event.listen(engine.sync_engine, "connect", lambda dbapi, _: configure(dbapi))
        self._engine = engine
        async with engine.begin() as conn:
            await conn.run_sync(migrate)
        path = engine.url.database
        if engine.dialect.name == "sqlite" and path and path != ":memory:":
            self._log = SqliteLog(path)
            await self._log.open()

    async def disconnect(self) -> None:
        if self._log is not None:
            await self._log.close()
            self._log = None
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None

    def _insert(self, table: Any) -> Any:
        return (sqlite.insert if self.dialect == "sqlite" else postgresql.insert)(table)

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

    # ---- presentations ---------------------------------------------------------------------

    async def create_presentation(
        self, presentation: Presentation, secret_hashes: dict[str, str]
    ) -> bool:
        try:
            return await self._insert_presentation(presentation, secret_hashes)
        except IntegrityError:  # another open presentation took the code meanwhile
            return False

    async def _insert_presentation(
        self, presentation: Presentation, secret_hashes: dict[str, str]
    ) -> bool:
        document = presentation.document
        async with self.engine.begin() as conn:
            taken = await conn.scalar(
                select(func.count())
                .select_from(schema.presentations)
                .where(
                    schema.presentations.c.code == presentation.code,
                    schema.presentations.c.closed_at.is_(None),
                )
            )
            if taken:
                return False
            await conn.execute(
                schema.presentations.insert().values(
                    id=presentation.id,
                    code=presentation.code,
                    title=document.title,
                    language=document.language,
                    tags=_encode(document.tags).decode(),
                    document=_encode(document).decode(),
                    state=_encode(presentation.state).decode(),
                    created_at=presentation.created_at,
                    closed_at=presentation.closed_at,
                )
            )
            for role, secret_hash in secret_hashes.items():
                await conn.execute(
                    schema.secrets.insert().values(
                        presentation_id=presentation.id, role=role, hash=secret_hash
                    )
                )
        return True

    @staticmethod
    def _presentation(row: Row[Any]) -> Presentation:
        return Presentation(
            id=row.id,
            code=row.code,
            document=_document_decoder.decode(row.document),
            state=_state_decoder.decode(row.state),
            created_at=row.created_at,
            closed_at=row.closed_at,
        )

    async def _one(self, *where: Any) -> Presentation | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(schema.presentations).where(*where))).first()
        return None if row is None else self._presentation(row)

    async def presentation(self, presentation_id: str) -> Presentation | None:
        return await self._one(schema.presentations.c.id == presentation_id)

    async def presentation_by_code(self, code: str) -> Presentation | None:
        return await self._one(
            schema.presentations.c.code == code, schema.presentations.c.closed_at.is_(None)
        )

    async def presentations(self) -> list[Presentation]:
        table = schema.presentations
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(table).order_by(table.c.created_at.desc(), table.c.id))
            return [self._presentation(row) for row in rows]

    async def close_presentation(self, presentation_id: str, closed_at: float) -> bool:
        table = schema.presentations
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(table)
                .where(table.c.id == presentation_id, table.c.closed_at.is_(None))
                .values(closed_at=closed_at)
            )
            return bool(result.rowcount)

    async def secret_hash(self, presentation_id: str, role: str) -> str | None:
        table = schema.secrets
        async with self.engine.connect() as conn:
            found = await conn.scalar(
                select(table.c.hash).where(
                    table.c.presentation_id == presentation_id, table.c.role == role
                )
            )
            return None if found is None else str(found)

    async def set_secret_hash(self, presentation_id: str, role: str, secret_hash: str) -> None:
        statement = self._insert(schema.secrets).values(
            presentation_id=presentation_id, role=role, hash=secret_hash
        )
        statement = statement.on_conflict_do_update(
            index_elements=["presentation_id", "role"], set_={"hash": secret_hash}
        )
        async with self.engine.begin() as conn:
            await conn.execute(statement)

    async def save_state(self, presentation_id: str, state: State) -> None:
        table = schema.presentations
        async with self.engine.begin() as conn:
            await conn.execute(
                update(table)
                .where(table.c.id == presentation_id)
                .values(state=_encode(state).decode())
            )

    async def update_document(self, presentation_id: str, document: Document) -> None:
        table = schema.presentations
        async with self.engine.begin() as conn:
            await conn.execute(
                update(table)
                .where(table.c.id == presentation_id)
                .values(
                    title=document.title,
                    language=document.language,
                    tags=_encode(document.tags).decode(),
                    document=_encode(document).decode(),
                )
            )

    # ---- participants ----------------------------------------------------------------------

    async def record_joins(self, joins: list[tuple[str, str, float]]) -> list[bool]:
        if self._log is not None:
            return await self._log.record_joins(joins)
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
        seen: set[tuple[str, str]] = set()
        result = []
        for presentation_id, participant, _ in joins:
            key = (presentation_id, participant)
            result.append(key in new and key not in seen)
            seen.add(key)
        return result

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
        table = schema.responses
        by_presentation: dict[str, list[Submission]] = defaultdict(list)
        for submission in submissions:
            by_presentation[submission.presentation_id].append(submission)
        async with self.engine.begin() as conn:
            existing: dict[SubmissionKey, StoredResponse] = {}
            used: dict[UsageKey, int] = {}
            for presentation_id, group in by_presentation.items():
                # PostgreSQL seeks the unique index once per pair (a BitmapOr); SQLite, which
                # would scan, takes the fast path in polls.storage.sqlite_log instead.
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
        if count or joined or moderated:
            await self._forget()
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
        if count or joined:
            await self._forget()
        return int(count)

    async def _forget(self) -> None:
        """Make deletions final on disk: SQLite's WAL still holds old pages until checkpointed."""
        if self._log is not None:
            await self._log.forget_usage()
        if self.dialect == "sqlite":
            async with self.engine.connect() as conn:
                await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    # ---- moderation ------------------------------------------------------------------------

    async def set_moderation(
        self, presentation_id: str, slide_id: str, item: str, hidden: bool
    ) -> None:
        table = schema.moderation
        async with self.engine.begin() as conn:
            if hidden:
                await conn.execute(
                    self._insert(table)
                    .values(
                        presentation_id=presentation_id,
                        slide_id=slide_id,
                        item=item,
                        hidden_at=time.time(),
                    )
                    .on_conflict_do_nothing()
                )
            else:
                await conn.execute(
                    table.delete().where(
                        table.c.presentation_id == presentation_id,
                        table.c.slide_id == slide_id,
                        table.c.item == item,
                    )
                )

    async def moderation(self, presentation_id: str) -> list[Moderation]:
        table = schema.moderation
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(table.c.slide_id, table.c.item)
                .where(table.c.presentation_id == presentation_id)
                .order_by(table.c.hidden_at)
            )
            return [Moderation(slide_id=row.slide_id, item=row.item) for row in rows]
