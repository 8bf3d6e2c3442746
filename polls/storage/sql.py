"""SQL storage on SQLAlchemy Core (async): SQLite (WAL) embedded, PostgreSQL to scale out.

Presentations, their secrets, state and moderation are here; the response log is in
polls.storage.sql_responses and the connection in polls.storage.sql_engine.
"""

from __future__ import annotations

import time
from typing import Any

import msgspec
from sqlalchemy import func, select, update
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError

from polls.core.images import StoredImage
from polls.core.models import Document, Moderation, Presentation, ReactionCount, State
from polls.domain.documents import decode_document
from polls.storage import schema
from polls.storage.base import Storage
from polls.storage.sql_engine import async_url
from polls.storage.sql_responses import SqlResponseLog

__all__ = ["SqlStorage", "async_url"]

_state_decoder = msgspec.json.Decoder(State)
_encode = msgspec.json.encode


class SqlStorage(SqlResponseLog, Storage):
    """Storage on a SQL database: presentations here, the response log from SqlResponseLog."""

    async def ready(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(select(1))

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
            document=decode_document(row.document),
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

    # ---- reactions -------------------------------------------------------------------------

    async def add_reactions(self, counts: list[tuple[str, ReactionCount]]) -> None:
        if not counts:
            return
        table = schema.reactions
        insert = self._insert(table)
        statement = insert.on_conflict_do_update(
            index_elements=[
                table.c.presentation_id,
                table.c.slide_id,
                table.c.minute,
                table.c.reaction,
            ],
            set_={"count": table.c.count + insert.excluded.count},
        )
        rows = [
            {
                "presentation_id": presentation_id,
                "slide_id": count.slide_id,
                "minute": count.minute,
                "reaction": count.reaction,
                "count": count.count,
            }
            for presentation_id, count in counts
        ]
        async with self.engine.begin() as conn:
            for row in rows:  # one statement per row: an upsert of many rows repeats keys
                await conn.execute(statement, row)

    async def reactions(self, presentation_id: str) -> list[ReactionCount]:
        table = schema.reactions
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(table.c.slide_id, table.c.minute, table.c.reaction, table.c.count)
                .where(table.c.presentation_id == presentation_id)
                .order_by(table.c.minute, table.c.slide_id, table.c.reaction)
            )
            return [
                ReactionCount(slide_id=slide, minute=minute, reaction=reaction, count=times)
                for slide, minute, reaction, times in rows
            ]

    # ---- images ----------------------------------------------------------------------------

    async def save_image(self, presentation_id: str, image: StoredImage) -> None:
        table = schema.images
        statement = self._insert(table).on_conflict_do_nothing(index_elements=[table.c.name])
        async with self.engine.begin() as conn:
            await conn.execute(
                statement,
                {
                    "name": image.name,
                    "presentation_id": presentation_id,
                    "content_type": image.content_type,
                    "width": image.width,
                    "height": image.height,
                    "data": image.data,
                    "created_at": time.time(),
                },
            )

    async def image(self, name: str) -> StoredImage | None:
        table = schema.images
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    select(table.c.content_type, table.c.width, table.c.height, table.c.data).where(
                        table.c.name == name
                    )
                )
            ).first()
        if row is None:
            return None
        return StoredImage(
            name=name,
            content_type=str(row.content_type),
            data=bytes(row.data),
            width=int(row.width),
            height=int(row.height),
        )

    # ---- coding of answers into themes -----------------------------------------------------

    async def coding(self, presentation_id: str) -> tuple[int, str]:
        table = schema.coding
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    select(table.c.version, table.c.data).where(
                        table.c.presentation_id == presentation_id
                    )
                )
            ).first()
        return (0, "") if row is None else (int(row.version), str(row.data))

    async def save_coding(self, presentation_id: str, data: str, version: int) -> bool:
        table = schema.coding
        values = {"data": data, "version": version + 1, "saved_at": time.time()}
        async with self.engine.begin() as conn:
            if version == 0:
                statement: Any = (
                    self._insert(table)
                    .values(presentation_id=presentation_id, **values)
                    .on_conflict_do_nothing()
                )
            else:
                statement = (
                    update(table)
                    .where(table.c.presentation_id == presentation_id, table.c.version == version)
                    .values(**values)
                )
            saved = await conn.execute(statement)
        return bool(saved.rowcount)
