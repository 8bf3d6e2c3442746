"""Keepalive pings: spread out in time, and a connection that stops answering them is closed."""

from __future__ import annotations

import base64
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import pytest

from polls.keepalive import next_ping_delay
from tests.conftest import DOCUMENT, Created
from tests.server import Service

PING = 0x9


def test_pings_come_between_half_and_all_of_the_interval() -> None:
    """A room that joined at once is pinged over half the interval, never later than it."""
    assert next_ping_delay(30.0, 0.0) == 15.0
    assert next_ping_delay(30.0, 1.0) == 30.0
    delays = [next_ping_delay(30.0, draw / 10) for draw in range(11)]
    assert delays == sorted(delays) and len(set(delays)) == 11


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    running = Service(tmp_path / "keepalive.db", POLLS_PING_INTERVAL="0.5")
    running.start()
    yield running
    running.kill()


def frames(reader: BinaryIO) -> Iterator[int]:
    """The opcodes of the frames the server sends, until it closes the connection."""
    while len(head := reader.read(2)) == 2:
        length = head[1] & 0x7F
        if length >= 126:
            length = int.from_bytes(reader.read(2 if length == 126 else 8), "big")
        reader.read(length)
        yield head[0] & 0x0F


def test_a_phone_that_stops_answering_pings_is_disconnected(service: Service) -> None:
    """The server pings an idle phone, and closes the connection when no pong comes back."""
    created = Created(service.http("POST", "/api/presentations", DOCUMENT))
    with socket.create_connection(("127.0.0.1", service.port), timeout=30) as connection:
        key = base64.b64encode(os.urandom(16)).decode()
        connection.sendall(
            (
                f"GET /ws/join/{created.code} HTTP/1.1\r\nHost: 127.0.0.1:{service.port}\r\n"
                "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        reader = connection.makefile("rb")
        assert reader.readline().startswith(b"HTTP/1.1 101")
        while reader.readline() not in (b"\r\n", b""):
            pass
        seen = list(frames(reader))  # this client reads, but never answers a ping
    assert PING in seen  # and then the server ended the connection: frames() returned
