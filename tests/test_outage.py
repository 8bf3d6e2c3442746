"""Outages of the database and the broker, against the real service: reported once, refused
as 'unavailable' (retry) with the connection kept, and visible on /ready."""

from __future__ import annotations

import json
import shutil
import socket
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.conftest import DOCUMENT, unavailable
from tests.server import Service, free_port, running

pytestmark = pytest.mark.e2e


def get(service: Service, path: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(service.url + path, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def post(service: Service, path: str, body: Any, key: str) -> tuple[int, Any]:
    request = urllib.request.Request(
        service.url + path,
        method="POST",
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json", "authorization": f"Bearer {key}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def start_redis(port: int, folder: Path) -> subprocess.Popen[bytes]:
    """A Redis of the test's own on a spare port, ready when it accepts a connection."""
    binary = shutil.which("redis-server")
    if binary is None:
        unavailable("redis-server", FileNotFoundError("redis-server"))
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise
            time.sleep(0.05)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()
        process.wait()


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """A Redis of this test's own, on a spare port, that the test may kill."""
    port = free_port()
    process = start_redis(port, tmp_path)
    yield port, process
    stop(process)


def test_ready_reports_the_broker_going_away(
    tmp_path: Path, redis_server: tuple[int, subprocess.Popen[bytes]]
) -> None:
    """/ready says ready while the database and Redis answer and 503 with 'broker:
    unavailable' once Redis is gone; /health (liveness) stays 200 throughout."""
    port, process = redis_server
    with running(tmp_path / "ready.db", POLLS_BROKER_URL=f"redis://127.0.0.1:{port}/0") as service:
        status, body = get(service, "/ready")
        assert status == 200
        assert body.items() >= {"status": "ready", "database": "ok", "broker": "ok"}.items()
        process.kill()
        process.wait()
        status, body = get(service, "/ready")
        assert status == 503 and body["broker"] == "unavailable" and body["database"] == "ok"
        assert get(service, "/health") == (200, {"status": "ok"})


def test_a_locked_database_is_refused_as_unavailable_and_reported_once(tmp_path: Path) -> None:
    """While another process holds the database locked, presenter controls over HTTP get 503
    'unavailable' and over the socket an 'unavailable' error with the socket kept; once the
    lock goes the same socket's control is applied. The log says it once each way, with no
    traceback."""
    with running(tmp_path / "locked.db") as service:
        made = service.http("POST", "/api/presentations", DOCUMENT)
        key = made["presenter_url"].split("key=")[1]
        path = f"/api/presentations/{made['id']}/control"
        with connect(
            f"ws://127.0.0.1:{service.port}/ws/present/{made['id']}",
            additional_headers={"authorization": f"Bearer {key}"},
        ) as screen:
            assert json.loads(screen.recv())["type"] == "welcome"
            blocker = sqlite3.connect(service.database, isolation_level=None, timeout=30)
            blocker.execute("BEGIN EXCLUSIVE")
            try:
                status, body = post(service, path, {"type": "next"}, key)
                assert status == 503 and body["error"]["code"] == "unavailable", body
                screen.send(json.dumps({"type": "next", "id": "n1"}))
                refusal = next_of(screen, "n1")
                assert refusal["type"] == "error" and refusal["code"] == "unavailable"
            finally:
                blocker.rollback()
                blocker.close()
            screen.send(json.dumps({"type": "next", "id": "n2"}))
            applied = next_of(screen, "n2")
            assert applied["type"] == "ack" and applied["state"]["current"] == 1
        service.kill()
    log = "".join(service.output)
    assert log.count("the database is unavailable") == 1, log
    assert log.count("the database is back") == 1, log
    assert "Traceback" not in log


def next_of(screen: Any, message_id: str) -> dict[str, Any]:
    """The reply to one message; results and state updates meanwhile are skipped."""
    while True:
        message: dict[str, Any] = json.loads(screen.recv(timeout=60))
        if message.get("id") == message_id:
            return message


def join(service: Service, code: str, who: str) -> Any:
    return connect(
        f"ws://127.0.0.1:{service.port}/ws/join/{code}",
        additional_headers={"cookie": f"polls_participant={who}"},
    )


def slide_of(phone: Any) -> dict[str, Any]:
    while True:
        message: dict[str, Any] = json.loads(phone.recv(timeout=30))
        if message["type"] in ("slide", "error"):
            return message


def test_a_room_opened_while_redis_is_down_heals(tmp_path: Path) -> None:
    """With Redis away a phone's join is refused as unavailable (close 1013, so the page
    tries again) instead of opening a room that can never hear; once Redis is back the phone
    joins and follows the presenter."""
    port = free_port()
    redis = start_redis(port, tmp_path)
    with running(tmp_path / "heal.db", POLLS_BROKER_URL=f"redis://127.0.0.1:{port}/0") as service:
        made = service.http("POST", "/api/presentations", DOCUMENT)
        key = made["presenter_url"].split("key=")[1]
        code = made["code"].replace(" ", "")
        stop(redis)
        with join(service, code, "heal-phone-0000000001") as phone:
            refusal = json.loads(phone.recv(timeout=30))
            assert refusal["type"] == "error" and refusal["code"] == "unavailable"
            with pytest.raises(ConnectionClosed) as closed:
                phone.recv(timeout=30)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1013
        redis = start_redis(port, tmp_path)
        try:
            with join(service, code, "heal-phone-0000000001") as phone:
                assert slide_of(phone)["index"] == 0
                status, _ = post(service, f"/api/presentations/{made['id']}/control",
                                 {"type": "next"}, key)  # fmt: skip
                assert status == 200
                assert slide_of(phone)["index"] == 1
        finally:
            stop(redis)


def test_a_slide_change_during_a_redis_outage_reaches_the_other_worker(
    tmp_path: Path, postgres_url: str
) -> None:
    """Two workers on PostgreSQL and Redis; Redis dies; the presenter moves on through one
    worker, and a phone on the other worker gets the new slide anyway (rooms read the state
    from storage every few seconds while events can be lost)."""
    port = free_port()
    redis = start_redis(port, tmp_path)
    shared = {
        "POLLS_DATABASE_URL": postgres_url,
        "POLLS_BROKER_URL": f"redis://127.0.0.1:{port}/0",
    }
    try:
        with (
            running(tmp_path / "a.db", **shared) as first,
            running(tmp_path / "b.db", **shared) as second,
        ):
            made = first.http("POST", "/api/presentations", DOCUMENT)
            key = made["presenter_url"].split("key=")[1]
            code = made["code"].replace(" ", "")
            with (
                connect(
                    f"ws://127.0.0.1:{first.port}/ws/present/{made['id']}",
                    additional_headers={"authorization": f"Bearer {key}"},
                ) as screen,
                join(second, code, "moved-phone-000000001") as phone,
            ):
                assert json.loads(screen.recv(timeout=30))["type"] == "welcome"
                assert slide_of(phone)["index"] == 0
                stop(redis)
                screen.send(json.dumps({"type": "next", "id": "n1"}))
                assert next_of(screen, "n1")["type"] == "ack"
                assert slide_of(phone)["index"] == 1
    finally:
        stop(redis)


def test_an_answer_whose_event_was_lost_reaches_the_screen_within_seconds(tmp_path: Path) -> None:
    """An answer committed without its event ever being sent (as by a worker that died right
    after its commit) reaches the presenter's screen at the next check of the newest stored
    answer, every few seconds, instead of at the next full catch-up."""
    port = free_port()
    redis = start_redis(port, tmp_path)
    try:
        with running(
            tmp_path / "lost.db", POLLS_BROKER_URL=f"redis://127.0.0.1:{port}/0"
        ) as service:
            made = service.http("POST", "/api/presentations", DOCUMENT)
            key = made["presenter_url"].split("key=")[1]
            status, _ = post(service, f"/api/presentations/{made['id']}/control",
                             {"type": "goto", "slide": 4}, key)  # fmt: skip
            assert status == 200
            with connect(
                f"ws://127.0.0.1:{service.port}/ws/present/{made['id']}",
                additional_headers={"authorization": f"Bearer {key}"},
            ) as screen:
                assert results_of(screen)["results"]["answered"] == 0
                with sqlite3.connect(service.database) as db:
                    db.execute(
                        "INSERT INTO responses (presentation_id, slide_id, participant,"
                        " submission_id, value, item_count, created_at)"
                        " VALUES (?, 'tips', 'lost-worker-phone', 'lost-1', ?, 1, ?)",
                        (made["id"], json.dumps({"text": "Van een verdwenen worker"}), time.time()),
                    )
                while (answered := results_of(screen)["results"]["answered"]) == 0:
                    pass
                assert answered == 1
    finally:
        stop(redis)


def results_of(screen: Any) -> dict[str, Any]:
    while True:
        message: dict[str, Any] = json.loads(screen.recv(timeout=20))
        if message["type"] == "results":
            return message
