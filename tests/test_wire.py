"""The WebSocket protocol under the sockets: spread keepalive pings, reading ahead, and text
frames written directly."""

from __future__ import annotations

import base64
import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import pytest
from websockets.frames import Frame, Opcode

from polls.wire import READ_AHEAD, _LastFrame, next_ping_delay, text_frame
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
def quick_pings(tmp_path: Path) -> Iterator[Service]:
    running = Service(tmp_path / "keepalive.db", POLLS_PING_INTERVAL="0.5")
    running.start()
    yield running
    running.kill()


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    running = Service(tmp_path / "wire.db")
    running.start()
    yield running
    running.kill()


def frames(reader: BinaryIO) -> Iterator[tuple[int, bytes]]:
    """The opcodes and payloads of the frames the server sends, until it closes the connection."""
    while len(head := reader.read(2)) == 2:
        length = head[1] & 0x7F
        if length >= 126:
            length = int.from_bytes(reader.read(2 if length == 126 else 8), "big")
        yield head[0] & 0x0F, reader.read(length)


def replies(reader: BinaryIO) -> Iterator[dict[str, object]]:
    """The server's text messages, decoded."""
    for opcode, payload in frames(reader):
        if opcode == Opcode.TEXT:
            yield json.loads(payload)


def join(connection: socket.socket, port: int, code: str) -> BinaryIO:
    """The handshake of a phone joining, by hand; returns the reader of what follows."""
    key = base64.b64encode(os.urandom(16)).decode()
    connection.sendall(
        (
            f"GET /ws/join/{code} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    reader = connection.makefile("rb")
    assert reader.readline().startswith(b"HTTP/1.1 101")
    while reader.readline() not in (b"\r\n", b""):
        pass
    return reader


def test_a_phone_that_stops_answering_pings_is_disconnected(quick_pings: Service) -> None:
    """The server pings an idle phone, and closes the connection when no pong comes back."""
    created = Created(quick_pings.http("POST", "/api/presentations", DOCUMENT))
    with socket.create_connection(("127.0.0.1", quick_pings.port), timeout=30) as connection:
        reader = join(connection, quick_pings.port, created.code)
        seen = [opcode for opcode, _ in frames(reader)]  # it reads, but never answers a ping
    assert PING in seen  # and then the server ended the connection: frames() returned


def client_text(message: dict[str, object]) -> bytes:
    return Frame(Opcode.TEXT, json.dumps(message).encode()).serialize(mask=True, extensions=[])


def test_messages_that_arrive_together_are_all_answered_in_order(service: Service) -> None:
    """More messages in one packet than are read ahead: each gets its reply, in order, and the
    connection reads on afterwards."""
    created = Created(service.http("POST", "/api/presentations", DOCUMENT))
    count = 3 * READ_AHEAD
    with socket.create_connection(("127.0.0.1", service.port), timeout=30) as connection:
        reader = join(connection, service.port, created.code)
        messages = replies(reader)
        assert next(messages)["type"] == "welcome"
        assert next(messages)["type"] == "slide"
        connection.sendall(
            b"".join(client_text({"type": "ping", "id": f"p{n}"}) for n in range(count))
        )
        pongs = [next(messages) for _ in range(count)]
        assert pongs == [{"type": "pong", "id": f"p{n}"} for n in range(count)]
        connection.sendall(client_text({"type": "ping", "id": "after"}))
        assert next(messages) == {"type": "pong", "id": "after"}


@pytest.mark.parametrize(
    "text", ["", "ok", "x" * 125, "x" * 126, "é" * 100, "x" * 65_535, "x" * 65_536, "🙂" * 20_000]
)
def test_text_frames_are_those_websockets_would_write(text: str) -> None:
    """Every length encoding of a server's text frame matches the reference implementation."""
    expected = Frame(Opcode.TEXT, text.encode()).serialize(mask=False, extensions=[])
    assert text_frame(text) == expected


def test_a_broadcast_is_framed_once_for_every_phone() -> None:
    """The same string sent to many phones gives the very same frame; another string its own."""
    broadcast = json.dumps({"type": "slide", "index": 2})
    first = _LastFrame.of(broadcast)
    assert _LastFrame.of(broadcast) is first
    other = json.dumps({"type": "slide", "index": 3})
    assert _LastFrame.of(other) == text_frame(other)
