"""Versioned schema migrations, run when storage connects.

Each migration is frozen DDL: once released it never changes, so a database
made by any older version is brought forward step by step. The version lives
in ``schema_version``. A database newer than this code is refused, never
touched.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import Connection, text

from polls.core.errors import Unavailable


def _initial(conn: Connection) -> None:
    serial = "INTEGER" if conn.dialect.name == "sqlite" else "BIGSERIAL"
    for statement in (
        """CREATE TABLE presentations (
            id VARCHAR(32) PRIMARY KEY,
            code VARCHAR(8) NOT NULL,
            title TEXT NOT NULL,
            language VARCHAR(2) NOT NULL,
            tags TEXT NOT NULL,
            document TEXT NOT NULL,
            state TEXT NOT NULL,
            created_at DOUBLE PRECISION NOT NULL,
            closed_at DOUBLE PRECISION)""",
        "CREATE UNIQUE INDEX presentations_open_code ON presentations (code) "
        "WHERE closed_at IS NULL",
        """CREATE TABLE secrets (
            presentation_id VARCHAR(32) NOT NULL,
            role VARCHAR(16) NOT NULL,
            hash VARCHAR(64) NOT NULL,
            PRIMARY KEY (presentation_id, role))""",
        """CREATE TABLE participants (
            presentation_id VARCHAR(32) NOT NULL,
            participant VARCHAR(32) NOT NULL,
            joined_at DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (presentation_id, participant))""",
        f"""CREATE TABLE responses (
            id {serial} PRIMARY KEY,
            presentation_id VARCHAR(32) NOT NULL,
            slide_id VARCHAR(40) NOT NULL,
            participant VARCHAR(32) NOT NULL,
            submission_id VARCHAR(64) NOT NULL,
            value TEXT NOT NULL,
            item_count INTEGER NOT NULL,
            created_at DOUBLE PRECISION NOT NULL,
            UNIQUE (presentation_id, participant, submission_id))""",
        "CREATE INDEX responses_slide ON responses (presentation_id, slide_id, id)",
        """CREATE TABLE moderation (
            presentation_id VARCHAR(32) NOT NULL,
            slide_id VARCHAR(40) NOT NULL,
            item VARCHAR(200) NOT NULL,
            hidden_at DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (presentation_id, slide_id, item))""",
    ):
        conn.execute(text(statement))


# The responses table as SQLite has had it since version 2 (frozen: later versions add to it).
_SQLITE_RESPONSES = """CREATE TABLE responses_new (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            presentation_id VARCHAR(32) NOT NULL,
            slide_id VARCHAR(40) NOT NULL,
            participant VARCHAR(32) NOT NULL,
            submission_id VARCHAR(64) NOT NULL,
            value TEXT NOT NULL,
            item_count INTEGER NOT NULL,
            created_at DOUBLE PRECISION NOT NULL{constraints})"""
_SQLITE_COPY_RESPONSES = (
    "INSERT INTO responses_new (id, presentation_id, slide_id, participant, submission_id,"
    " value, item_count, created_at) SELECT id, presentation_id, slide_id, participant,"
    " submission_id, value, item_count, created_at FROM responses ORDER BY id"
)


def _rebuild_responses(conn: Connection, constraints: str, indexes: tuple[str, ...]) -> None:
    """Rebuild SQLite's responses table with its rows and ids, as SQLite needs for a new key."""
    for statement in (
        _SQLITE_RESPONSES.format(constraints=constraints),
        _SQLITE_COPY_RESPONSES,
        "DROP TABLE responses",
        "ALTER TABLE responses_new RENAME TO responses",
        *indexes,
    ):
        conn.execute(text(statement))


def _response_ids_never_reused(conn: Connection) -> None:
    """SQLite gave the id of a deleted answer that had been the highest to the next answer.

    Moderation keys open answers by id, so a new answer could come out hidden under the id of a
    withdrawn one that a presenter had hidden. AUTOINCREMENT never gives an id twice; the table
    is rebuilt, as SQLite needs for that. PostgreSQL's sequence never reused an id.
    """
    if conn.dialect.name != "sqlite":
        return
    _rebuild_responses(
        conn,
        ",\n            UNIQUE (presentation_id, participant, submission_id)",
        ("CREATE INDEX responses_slide ON responses (presentation_id, slide_id, id)",),
    )


def _submission_index_in_time_order(conn: Connection) -> None:
    """SQLite: the index that finds retries starts with the submission id, not the participant.

    Phones make submission ids that begin with the time they are sent, so new answers go to the
    end of the index together. Keyed by participant first, every answer of a busy room went to
    a page of its own among thousands, and SQLite wrote each of those 4 KiB pages to the WAL and
    again at the checkpoint: about 10 KiB written per answer, where in time order it is 2 KiB
    (docs/benchmarks.md). The table is rebuilt, as SQLite needs to drop a table's constraint;
    its AUTOINCREMENT counter is kept, so no id is given twice. PostgreSQL keeps its index, which
    its per-batch count of each participant's answers needs.
    """
    if conn.dialect.name != "sqlite":
        return
    issued = conn.execute(text("SELECT seq FROM sqlite_sequence WHERE name = 'responses'")).scalar()
    _rebuild_responses(
        conn,
        "",
        (
            "CREATE UNIQUE INDEX responses_submission"
            " ON responses (presentation_id, submission_id, participant)",
            "CREATE INDEX responses_slide ON responses (presentation_id, slide_id, id)",
        ),
    )
    if issued is not None:
        kept = conn.execute(
            text("UPDATE sqlite_sequence SET seq = MAX(seq, :issued) WHERE name = 'responses'"),
            {"issued": issued},
        )
        if kept.rowcount == 0:  # every answer had been deleted: nothing was copied
            conn.execute(
                text("INSERT INTO sqlite_sequence (name, seq) VALUES ('responses', :issued)"),
                {"issued": issued},
            )


def _deletions_counted(conn: Connection) -> None:
    """SQLite: a count of deletions of answers, which the writer of answers watches.

    The writer keeps each participant's usage of limited slides between batches; answers
    deleted by another process (``polls purge`` while the service runs) left those counts too
    high, and a participant could be refused an answer the limit allowed. Every deletion of
    answers now adds one here in its own transaction, and the writer reads it with each batch
    of limited answers. PostgreSQL counts usage from the table for every batch.
    """
    if conn.dialect.name != "sqlite":
        return
    conn.execute(
        text(
            "CREATE TABLE deletions (id INTEGER PRIMARY KEY CHECK (id = 1),"
            " generation INTEGER NOT NULL)"
        )
    )
    conn.execute(text("INSERT INTO deletions (id, generation) VALUES (1, 0)"))


def _coding(conn: Connection) -> None:
    """Researchers' themes of open answers, one document per presentation."""
    conn.execute(
        text(
            """CREATE TABLE coding (
            presentation_id VARCHAR(32) PRIMARY KEY,
            version INTEGER NOT NULL,
            data TEXT NOT NULL,
            saved_at DOUBLE PRECISION NOT NULL)"""
        )
    )


def _reactions(conn: Connection) -> None:
    """The audience's reactions, counted per slide and minute (nobody's own)."""
    conn.execute(
        text(
            """CREATE TABLE reactions (
            presentation_id VARCHAR(32) NOT NULL,
            slide_id VARCHAR(40) NOT NULL,
            minute INTEGER NOT NULL,
            reaction VARCHAR(16) NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (presentation_id, slide_id, minute, reaction))"""
        )
    )


def _images(conn: Connection) -> None:
    """Images on slides, re-encoded, named by the hash of their bytes."""
    binary = "BYTEA" if conn.dialect.name == "postgresql" else "BLOB"
    conn.execute(
        text(
            f"""CREATE TABLE images (
            name VARCHAR(64) PRIMARY KEY,
            presentation_id VARCHAR(32) NOT NULL,
            content_type VARCHAR(32) NOT NULL,
            width INTEGER NOT NULL,
            height INTEGER NOT NULL,
            data {binary} NOT NULL,
            created_at DOUBLE PRECISION NOT NULL)"""
        )
    )


MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "presentations, secrets, participants, responses, moderation", _initial),
    (2, "response ids never reused (SQLite)", _response_ids_never_reused),
    (3, "retries found by an index in time order (SQLite)", _submission_index_in_time_order),
    (4, "deletions of answers counted for the writer (SQLite)", _deletions_counted),
    (5, "themes of open answers", _coding),
    (6, "reactions counted per slide and minute", _reactions),
    (7, "images on slides", _images),
]
HEAD = MIGRATIONS[-1][0]


def current_version(conn: Connection) -> int:
    conn.execute(
        text(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
            "name TEXT NOT NULL, applied_at DOUBLE PRECISION NOT NULL)"
        )
    )
    found = conn.execute(text("SELECT MAX(version) FROM schema_version")).scalar()
    return int(found or 0)


def migrate(conn: Connection, target: int = HEAD) -> list[int]:
    """Apply every migration after the database's version up to target; return those applied."""
    if conn.dialect.name == "postgresql":
        # One worker migrates; the others wait here and then find nothing left to do.
        conn.execute(text("SELECT pg_advisory_xact_lock(7265736)"))
    version = current_version(conn)
    if version > HEAD:
        raise Unavailable(
            f"The database has schema version {version}, newer than this version of polls "
            f"knows ({HEAD}). Upgrade polls to open it."
        )
    applied = []
    for number, name, step in MIGRATIONS:
        if version < number <= target:
            step(conn)
            conn.execute(
                text("INSERT INTO schema_version (version, name, applied_at) VALUES (:v, :n, :t)"),
                {"v": number, "n": name, "t": time.time()},
            )
            applied.append(number)
    return applied
