"""Schema migrations: databases of older versions open in newer ones; newer ones are refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, CursorResult, create_engine, text

from polls.core.errors import Unavailable
from polls.storage import open_storage
from polls.storage.migrations import HEAD, MIGRATIONS, migrate

pytestmark = pytest.mark.anyio
OLD_DOCUMENT = (
    '{"title":"Old","language":"en","tags":{},"slides":[{"kind":"content","id":"s1","title":"x"}]}'
)
OLD_STATE = '{"current":0,"locked":[],"results_hidden":[],"version":1}'


def insert_answer(
    conn: Connection, participant: str, submission_id: str, answer_id: int | None = None
) -> CursorResult[Any]:
    """Store an answer straight into the table (a retry of a stored one changes nothing)."""
    return conn.execute(
        text(
            "INSERT INTO responses (id, presentation_id, slide_id, participant, submission_id,"
            " value, item_count, created_at) VALUES (:id, 'p', 's', :who, :sid, '{}', 1, 1.0)"
            " ON CONFLICT DO NOTHING"
        ),
        {"id": answer_id, "who": participant, "sid": submission_id},
    )


def test_every_migration_applies_in_order_and_only_once(tmp_path: Path) -> None:
    """Each version is applied once; running again changes nothing."""
    engine = create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    with engine.begin() as conn:
        assert migrate(conn) == [number for number, _, _ in MIGRATIONS]
    with engine.begin() as conn:
        assert migrate(conn) == []
        assert conn.execute(text("SELECT MAX(version) FROM schema_version")).scalar() == HEAD


@pytest.mark.parametrize("start", [number for number, _, _ in MIGRATIONS])
async def test_a_database_of_each_older_version_opens_with_its_data(
    tmp_path: Path, start: int
) -> None:
    """Data written at an older schema version is still there after upgrading."""
    path = tmp_path / "old.db"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        migrate(conn, target=start)
        conn.execute(
            text(
                "INSERT INTO presentations (id, code, title, language, tags, document, state,"
                " created_at) VALUES ('old', '11112222', 'Old', 'en', '{}', :document, :state, 1.0)"
            ),
            {"document": OLD_DOCUMENT, "state": OLD_STATE},
        )
    engine.dispose()
    storage = open_storage(f"sqlite:///{path}")
    await storage.connect()
    found = await storage.presentation_by_code("11112222")
    await storage.disconnect()
    assert found is not None and found.document.title == "Old"


async def test_answers_keep_their_ids_and_later_ones_never_reuse_them(tmp_path: Path) -> None:
    """A version-1 SQLite database keeps its answers, ids included, and after the upgrade the id
    of a deleted answer is not given to the next one."""
    path = tmp_path / "v1.db"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        migrate(conn, target=1)
        for number in (1, 2, 3):
            insert_answer(conn, f"w{number}", "1", number * 10)
    with engine.begin() as conn:
        assert migrate(conn) == [number for number, _, _ in MIGRATIONS if number > 1]
        assert conn.execute(text("SELECT id FROM responses ORDER BY id")).scalars().all() == [
            10,
            20,
            30,
        ]
        conn.execute(text("DELETE FROM responses WHERE id = 30"))
        insert_answer(conn, "w4", "1")
        newest = conn.execute(text("SELECT MAX(id) FROM responses")).scalar()
    engine.dispose()
    assert newest == 31


async def test_a_newer_database_is_refused_untouched(tmp_path: Path) -> None:
    """A database from a newer polls is not opened (and not damaged)."""
    path = tmp_path / "new.db"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        migrate(conn)
        conn.execute(text(f"INSERT INTO schema_version VALUES ({HEAD + 1}, 'future', 0)"))
    engine.dispose()
    storage = open_storage(f"sqlite:///{path}")
    with pytest.raises(Unavailable, match="newer"):
        await storage.connect()
    await storage.disconnect()


@pytest.mark.parametrize("kept", [[10, 20], []])
async def test_rebuilding_the_answers_table_keeps_ids_never_reused(
    tmp_path: Path, kept: list[int]
) -> None:
    """A version-2 SQLite database keeps its answers through the rebuild of version 3, and the
    ids of answers deleted before it (even of all of them) are not given out again."""
    engine = create_engine(f"sqlite:///{tmp_path / 'v2.db'}")
    with engine.begin() as conn:
        migrate(conn, target=2)
        for number in (10, 20, 30):
            insert_answer(conn, "w", f"s{number}", number)
        conn.execute(text("DELETE FROM responses WHERE id = 30"))
        for number in (10, 20):
            if number not in kept:
                conn.execute(text("DELETE FROM responses WHERE id = :id"), {"id": number})
    with engine.begin() as conn:
        assert migrate(conn, target=3) == [3]
        assert conn.execute(text("SELECT id FROM responses ORDER BY id")).scalars().all() == kept
        assert insert_answer(conn, "w", "s40").rowcount == 1
        retried = insert_answer(conn, "w", "s40")
        newest = conn.execute(text("SELECT MAX(id) FROM responses")).scalar()
    engine.dispose()
    assert newest == 31
    assert retried.rowcount == 0
