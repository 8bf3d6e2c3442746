"""The fault-injection suite: a PostgreSQL and a Redis of the test's own, so they can be
killed, and workers stopped by SIGKILL and SIGTERM, each in the middle of answers. After each,
every acknowledged answer is stored exactly once, no limit is exceeded (each phone stores just
the answers it sent), every screen comes to equal the stored count, and no log has a traceback.
The bounds they recover within are in docs/architecture.md ("Bounds after a fault")."""

from __future__ import annotations

import asyncio
import contextlib
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.conftest import unavailable
from tests.server import Service, running
from tests.test_outage import free_port, get, start_redis, stop

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]
PHONES = 20
ANSWERS = 6  # each, on an open question that allows that many


class Postgres:
    """initdb and pg_ctl on a spare port, in a folder of the test's own, as the postgres user
    (PostgreSQL will not run as root)."""

    def __init__(self, folder: Path) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not found or shutil.which("runuser") is None:
            unavailable("PostgreSQL's server binaries", FileNotFoundError("pg_ctl"))
        self.bin = Path(found[-1]).parent
        self.data = folder / "pgdata"
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        folder.chmod(0o777)
        self._as_postgres(
            str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"
        )

    def _as_postgres(self, *command: str) -> None:
        as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*as_user, *command], check=True, capture_output=True)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=on"
        # Its own log file: a server writing to our pipes would keep them open for good.
        self._pg_ctl("-o", options, "-l", str(self.data.parent / "server.log"), "-w", "start")

    def stop_now(self) -> None:
        """An immediate stop: no clean shutdown, like a crash of the database server."""
        self._pg_ctl("-m", "immediate", "-w", "stop")

    def _pg_ctl(self, *arguments: str) -> None:
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), *arguments)

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"


@pytest.fixture
def postgres() -> Iterator[Postgres]:
    # Outside pytest's own temporary folders, which the postgres user cannot enter.
    folder = Path(tempfile.mkdtemp(prefix="polls-pg-"))
    try:
        server = Postgres(folder)
        server.start()
        yield server
        with contextlib.suppress(subprocess.CalledProcessError):
            server.stop_now()  # unless the test left it stopped
    finally:
        shutil.rmtree(folder, ignore_errors=True)


TIPS = {
    "title": "Failover",
    "language": "nl",
    "slides": [{"kind": "open_ended", "id": "tips", "question": "Tips?", "max_answers": ANSWERS}],
}


async def phone(pick: Callable[[], Service], code: str, index: int, acked: dict[str, str]) -> None:
    """Send ANSWERS open answers, each with its own id, until each is acknowledged: a refusal
    as unavailable or a lost connection means send it again with the same id."""
    pending = [f"p{index}-a{n}" for n in range(ANSWERS)]
    cookie = {"cookie": f"polls_participant=fault-phone-{index:06d}-xx"}
    while pending:
        try:
            async with connect(
                f"ws://127.0.0.1:{pick().port}/ws/join/{code}", additional_headers=cookie
            ) as ws:
                while pending:
                    answer_id = pending[0]
                    text = f"antwoord {answer_id}"
                    await ws.send(
                        json.dumps(
                            {
                                "type": "answer",
                                "id": answer_id,
                                "slide": "tips",
                                "value": {"text": text},
                            }
                        )
                    )
                    while True:
                        reply = json.loads(await asyncio.wait_for(ws.recv(), 60))
                        if reply.get("id") == answer_id:
                            break
                    if reply["type"] == "ack":
                        acked[answer_id] = text
                        pending.pop(0)
                    else:
                        assert reply["code"] == "unavailable", reply
                        await asyncio.sleep(0.2)
        except (ConnectionClosed, OSError, TimeoutError):
            await asyncio.sleep(0.2)


async def test_a_database_crash_loses_no_acknowledged_answer(
    tmp_path: Path, postgres: Postgres
) -> None:
    """PostgreSQL stops at once while 20 phones send answers and starts again: every answer
    acknowledged is stored exactly once, every phone gets all its answers through, and the
    log reports the outage instead of a traceback per batch."""
    with running(tmp_path / "unused.db", POLLS_DATABASE_URL=postgres.url) as service:
        made = service.http("POST", "/api/presentations", TIPS)
        code = made["code"].replace(" ", "")
        acked: dict[str, str] = {}
        phones = [
            asyncio.create_task(phone(lambda: service, code, i, acked)) for i in range(PHONES)
        ]
        while len(acked) < PHONES:  # some answers are in before the crash
            await asyncio.sleep(0.05)
        await asyncio.to_thread(postgres.stop_now)
        await asyncio.to_thread(postgres.start)
        await asyncio.wait_for(asyncio.gather(*phones), 240)
        service.kill()
    await assert_stored_once_and_quiet(acked, postgres, service)


async def test_the_first_batch_after_a_database_restart_is_stored(postgres: Postgres) -> None:
    """PostgreSQL restarts between two batches: the next ratings, limited words and joins are
    all stored at the first try (the writer's lost connections are replaced), not refused."""
    from polls.core.models import Document, Presentation, State
    from polls.storage import Status, Submission, open_storage

    storage = open_storage(postgres.url)
    await storage.connect()
    try:
        made = Presentation(
            id="restart", code="12345678", document=Document(title="t", slides=[]),
            state=State(), created_at=0.0,
        )  # fmt: skip
        await storage.create_presentation(made, {})

        def answer(who: str, limit: int) -> Submission:
            return Submission(
                presentation_id=made.id, slide_id="s", participant=who, submission_id=who,
                value={"text": who}, items=1, limit=limit, created_at=0.0,
            )  # fmt: skip

        await storage.store_answers([answer("before", 0), answer("before-limited", 3)])
        await storage.record_joins([(made.id, "before", 0.0)])
        await asyncio.to_thread(postgres.stop_now)
        await asyncio.to_thread(postgres.start)
        stored = await storage.store_answers([answer("after", 0)])
        limited = await storage.store_answers([answer("after-limited", 3)])
        joined = await storage.record_joins([(made.id, "after", 0.0)])
        assert [o.status for o in stored + limited] == [Status.STORED, Status.STORED]
        assert joined == [True]
    finally:
        await storage.disconnect()


async def stored_answer_ids(url: str) -> list[str]:
    import asyncpg

    db = await asyncpg.connect(url)
    try:
        rows = await db.fetch("SELECT submission_id FROM responses")
    finally:
        await db.close()
    return sorted(row["submission_id"] for row in rows)


async def until_screen_shows(screen: Any, total: int) -> None:
    """Read a presenter's socket until its results count exactly ``total`` answers."""
    while True:
        message = json.loads(await asyncio.wait_for(screen.recv(), 60))
        if message["type"] == "results" and message["results"]["total"] == total:
            return


def presenting(service: Service, made: dict[str, Any]) -> Any:
    key = made["presenter_url"].split("key=")[1]
    return connect(
        f"ws://127.0.0.1:{service.port}/ws/present/{made['id']}",
        additional_headers={"authorization": f"Bearer {key}"},
    )


class OwnRedis:
    """A redis-server of the test's own on a spare port, to kill and start again."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.start()

    def start(self) -> None:
        self.process = start_redis(self.port, self.folder)

    def kill(self) -> None:
        stop(self.process)  # SIGKILL


@contextlib.contextmanager
def two_workers(tmp_path: Path, postgres: Postgres) -> Iterator[tuple[Service, Service, OwnRedis]]:
    """Two `polls serve` workers sharing the test's PostgreSQL and a Redis of its own."""
    redis = OwnRedis(tmp_path)
    shared = {
        "POLLS_DATABASE_URL": postgres.url,
        "POLLS_BROKER_URL": f"redis://127.0.0.1:{redis.port}/0",
    }
    try:
        with (
            running(tmp_path / "a.db", **shared) as first,
            running(tmp_path / "b.db", **shared) as second,
        ):
            yield first, second, redis
    finally:
        redis.kill()


async def assert_stored_once_and_quiet(
    acked: dict[str, str], postgres: Postgres, *services: Service
) -> None:
    """Every answer acknowledged is stored exactly once, and no log has a traceback."""
    assert len(acked) == PHONES * ANSWERS
    assert await stored_answer_ids(postgres.url) == sorted(acked)
    for service in services:
        log = "".join(service.output)
        assert "Traceback" not in log, log[-3000:]


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["sigkill", "sigterm"])
async def test_a_worker_stopped_mid_answers_loses_nothing_and_screens_agree(
    tmp_path: Path, postgres: Postgres, how: signal.Signals
) -> None:
    """Two workers on PostgreSQL and Redis; the one holding the phones is SIGKILLed (a crash)
    or SIGTERMed (an orderly stop) in the middle of answers; the phones fail over to the other
    and send again: every acknowledged answer is stored exactly once, the presenter's screen on
    the surviving worker comes to show exactly the stored count, and no log has a traceback."""
    with two_workers(tmp_path, postgres) as (survivor, doomed, _):
        made = survivor.http("POST", "/api/presentations", TIPS)
        code = made["code"].replace(" ", "")
        async with presenting(survivor, made) as screen:
            acked: dict[str, str] = {}

            def up() -> Service:  # the page reconnects to whichever worker answers
                assert doomed.process is not None
                return doomed if doomed.process.poll() is None else survivor

            phones = [asyncio.create_task(phone(up, code, i, acked)) for i in range(PHONES)]
            while len(acked) < PHONES:
                await asyncio.sleep(0.05)
            await asyncio.to_thread(doomed.kill, how)
            await asyncio.wait_for(asyncio.gather(*phones), 240)
            await until_screen_shows(screen, PHONES * ANSWERS)
    await assert_stored_once_and_quiet(acked, postgres, survivor, doomed)


async def test_redis_killed_mid_answers_loses_nothing_and_every_screen_agrees(
    tmp_path: Path, postgres: Postgres
) -> None:
    """Redis is SIGKILLed while phones on two workers answer and a presenter watches on each:
    answers go on being acknowledged and stored exactly once, both screens come to show the
    stored count while Redis is still away (from storage, within seconds), a screen that leaves
    during the outage is no error, and once Redis is back both workers report ready again."""
    with two_workers(tmp_path, postgres) as (first, second, redis):
        made = first.http("POST", "/api/presentations", TIPS)
        code = made["code"].replace(" ", "")
        async with presenting(first, made) as screen_a, presenting(second, made) as screen_b:
            acked: dict[str, str] = {}
            phones = [
                asyncio.create_task(
                    phone(lambda i=i: (first, second)[i % 2], code, i, acked)  # type: ignore[misc]
                )
                for i in range(PHONES)
            ]
            while len(acked) < PHONES:
                await asyncio.sleep(0.05)
            redis.kill()
            await asyncio.wait_for(asyncio.gather(*phones), 240)
            total = PHONES * ANSWERS
            await until_screen_shows(screen_a, total)
            await until_screen_shows(screen_b, total)
        redis.start()
        for service in (first, second):
            while get(service, "/ready")[0] != 200:
                await asyncio.sleep(0.1)
    await assert_stored_once_and_quiet(acked, postgres, first, second)
    for service in (first, second):
        assert "broker connection trouble" in "".join(service.output)  # reported, once


async def test_a_dead_workers_phones_leave_the_online_count(
    tmp_path: Path, postgres: Postgres
) -> None:
    """Phones held by a worker that is SIGKILLed stop counting as online on the other worker's
    screen within ONLINE_STALE_SECONDS, with no other event to prompt it."""
    with two_workers(tmp_path, postgres) as (survivor, doomed, _):
        made = survivor.http("POST", "/api/presentations", TIPS)
        code = made["code"].replace(" ", "")
        async with presenting(survivor, made) as screen, contextlib.AsyncExitStack() as held:
            for index in range(PHONES):
                cookie = {"cookie": f"polls_participant=online-phone-{index:06d}-xx"}
                await held.enter_async_context(
                    connect(
                        f"ws://127.0.0.1:{doomed.port}/ws/join/{code}", additional_headers=cookie
                    )
                )
            await until_screen_counts_online(screen, PHONES)
            await asyncio.to_thread(doomed.kill)
            await until_screen_counts_online(screen, 0)


async def until_screen_counts_online(screen: Any, online: int) -> None:
    while True:
        message = json.loads(await asyncio.wait_for(screen.recv(), 60))
        if message["type"] == "results" and message["online"] == online:
            return
