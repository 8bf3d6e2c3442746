"""Faults of the database itself, against a PostgreSQL of the test's own: stopped at once in
the middle of answers and started again, it loses no acknowledged answer and stores none
twice; phones carry on by sending again, as the page does."""

from __future__ import annotations

import asyncio
import contextlib
import glob
import json
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.conftest import unavailable
from tests.server import Service, running

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
    document = {
        "title": "Storing",
        "language": "nl",
        "slides": [
            {"kind": "open_ended", "id": "tips", "question": "Tips?", "max_answers": ANSWERS}
        ],
    }
    with running(tmp_path / "unused.db", POLLS_DATABASE_URL=postgres.url) as service:
        made = service.http("POST", "/api/presentations", document)
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
    assert len(acked) == PHONES * ANSWERS
    import asyncpg

    db = await asyncpg.connect(postgres.url)
    try:
        rows = await db.fetch("SELECT submission_id, value FROM responses")
    finally:
        await db.close()
    stored = [row["submission_id"] for row in rows]
    assert sorted(stored) == sorted(acked)  # every acknowledged answer, each once
    log = "".join(service.output)
    assert "Traceback" not in log, log[-3000:]


async def test_a_worker_killed_mid_answers_loses_nothing_and_screens_agree(
    tmp_path: Path, postgres: Postgres
) -> None:
    """Two workers on PostgreSQL and Redis; the one holding the phones is SIGKILLed in the
    middle of answers; the phones fail over to the other and send again: every acknowledged
    answer is stored exactly once, and the presenter's screen on the surviving worker comes to
    show exactly the stored count."""
    from tests.test_outage import free_port, start_redis, stop

    port = free_port()
    redis = start_redis(port, tmp_path)
    document = {
        "title": "Failover",
        "language": "nl",
        "slides": [
            {"kind": "open_ended", "id": "tips", "question": "Tips?", "max_answers": ANSWERS}
        ],
    }
    shared = {"POLLS_DATABASE_URL": postgres.url, "POLLS_BROKER_URL": f"redis://127.0.0.1:{port}/0"}
    try:
        with (
            running(tmp_path / "a.db", **shared) as survivor,
            running(tmp_path / "b.db", **shared) as doomed,
        ):
            made = survivor.http("POST", "/api/presentations", document)
            key = made["presenter_url"].split("key=")[1]
            code = made["code"].replace(" ", "")
            async with connect(
                f"ws://127.0.0.1:{survivor.port}/ws/present/{made['id']}",
                additional_headers={"authorization": f"Bearer {key}"},
            ) as screen:
                acked: dict[str, str] = {}

                def up() -> Service:  # the page reconnects to whichever worker answers
                    assert doomed.process is not None
                    return doomed if doomed.process.poll() is None else survivor

                phones = [asyncio.create_task(phone(up, code, i, acked)) for i in range(PHONES)]
                while len(acked) < PHONES:
                    await asyncio.sleep(0.05)
                doomed.kill()  # SIGKILL: no goodbye to anyone
                await asyncio.wait_for(asyncio.gather(*phones), 240)
                total = PHONES * ANSWERS
                while True:
                    message = json.loads(await asyncio.wait_for(screen.recv(), 60))
                    if message["type"] == "results" and message["results"]["total"] == total:
                        break
    finally:
        stop(redis)
    assert len(acked) == PHONES * ANSWERS
    import asyncpg

    db = await asyncpg.connect(postgres.url)
    try:
        stored = [
            row["submission_id"] for row in await db.fetch("SELECT submission_id FROM responses")
        ]
    finally:
        await db.close()
    assert sorted(stored) == sorted(acked)
