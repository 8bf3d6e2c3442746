"""The WebSocket protocol under the sockets: one keepalive round, reading ahead, and text
frames written directly."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import pytest
from websockets.frames import Frame, Opcode

from polls.live.wire import (
    READ_AHEAD,
    SLICES,
    KeepaliveRound,
    Pinged,
    _LastFrame,
    one_small_text,
    split_frames,
    text_frame,
)
from tests.conftest import DOCUMENT, Created
from tests.server import Service, running

PING = 0x9


class Connection(Pinged):
    def __init__(self, turns: list[Pinged]) -> None:
        self.turns = turns

    def keepalive_turn(self) -> None:
        self.turns.append(self)


def test_a_room_that_joined_at_once_is_pinged_evenly_over_the_interval() -> None:
    """Every connection has its turn once per round of SLICES ticks, and each tick pings an
    even share of the room, not all of it at once; one that left has no turn."""
    loop = asyncio.new_event_loop()
    try:
        keepalive = KeepaliveRound(loop, 30.0)
        turns: list[Pinged] = []
        room = [Connection(turns) for _ in range(10 * SLICES)]
        for connection in room:
            keepalive.add(connection)
        keepalive.remove(room[0])
        per_tick = []
        for _ in range(SLICES):
            before = len(turns)
            keepalive.tick()
            per_tick.append(len(turns) - before)
        assert sorted(turns, key=id) == sorted(room[1:], key=id)
        assert max(per_tick) == 10
        before = len(turns)
        keepalive.tick()  # the next round begins with the first slice again
        assert set(turns[before:]) == set(room[SLICES::SLICES])
        for connection in room[1:]:
            keepalive.remove(connection)
        assert keepalive.timer is None  # the last one left: the round's timer is gone
    finally:
        loop.close()


# The socket tests run under both WebSocket layers: polls' own (polls/live/wire.py) and
# uvicorn's standard one, the way round an upgrade that breaks polls' (POLLS_WEBSOCKET).
LAYERS = pytest.fixture(params=["polls", "standard"])


@LAYERS
def quick_pings(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Service]:
    with running(
        tmp_path / "keepalive.db", POLLS_PING_INTERVAL="0.5", POLLS_WEBSOCKET=request.param
    ) as started:
        yield started


@LAYERS
def service(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Service]:
    with running(tmp_path / "wire.db", POLLS_WEBSOCKET=request.param) as started:
        yield started


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


def test_a_phone_that_answers_pings_stays_connected(quick_pings: Service) -> None:
    """Round after round the server pings a phone that answers, and keeps it connected."""
    created = Created(quick_pings.http("POST", "/api/presentations", DOCUMENT))
    with socket.create_connection(("127.0.0.1", quick_pings.port), timeout=30) as connection:
        reader = join(connection, quick_pings.port, created.code)
        pings = 0
        for opcode, payload in frames(reader):
            if opcode == PING:
                pings += 1
                connection.sendall(masked(Opcode.PONG, payload))
                if pings == 4:  # three whole intervals after the first ping
                    break
        connection.sendall(client_text({"type": "ping", "id": "still-here"}))
        assert {"type": "pong", "id": "still-here"} in replies(reader)


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


def masked(opcode: Opcode, payload: bytes, fin: bool = True) -> bytes:
    return Frame(opcode, payload, fin).serialize(mask=True, extensions=[])


def test_whole_text_frames_are_unmasked_and_a_partial_one_waits() -> None:
    """Two whole frames give their texts; the third, cut short, is left for the next read."""
    first, second = masked(Opcode.TEXT, b"one"), masked(Opcode.TEXT, "twee é".encode())
    third = masked(Opcode.TEXT, b"three")
    data = first + second + third[:-1]
    split = split_frames(data, 16_384)
    assert [text for _, _, text in split.texts] == [b"one", "twee é".encode()]
    assert split.used == len(first) + len(second) and not split.hand_over


@pytest.mark.parametrize("size", [0, 1, 80, 125])
def test_one_small_text_frame_is_read_as_split_frames_reads_it(size: int) -> None:
    """The quick way for a single small text frame gives the same text as the full split."""
    frame = masked(Opcode.TEXT, (b"abcdefghij" * 13)[:size])
    assert one_small_text(frame) == split_frames(frame, 16_384).texts[0][2]


@pytest.mark.parametrize(
    "data",
    [
        masked(Opcode.TEXT, b"x" * 126),  # a longer header
        masked(Opcode.TEXT, b"one") + masked(Opcode.TEXT, b"two"),
        masked(Opcode.TEXT, b"cut short")[:-1],
        masked(Opcode.TEXT, b"first part", fin=False),
        masked(Opcode.BINARY, b"bytes"),
        masked(Opcode.PING, b"ping"),
        Frame(Opcode.TEXT, b"unmasked").serialize(mask=False, extensions=[]),
        bytes([0x81 | 0x40]) + masked(Opcode.TEXT, b"reserved bit")[1:],
    ],
    ids=["long", "two", "partial", "fragment", "binary", "ping", "unmasked", "reserved"],
)
def test_anything_but_one_small_text_frame_takes_the_full_split(data: bytes) -> None:
    """Longer frames, several, partial, fragmented, other kinds, unmasked or with reserved
    bits set: the quick way declines them all."""
    assert one_small_text(data) is None


def test_a_frame_cut_anywhere_waits_for_the_rest() -> None:
    """Cut after any byte (in the header too, with a 16-bit length), a frame is not taken yet."""
    frame = masked(Opcode.TEXT, b"x" * 300)
    for cut in range(len(frame)):
        split = split_frames(frame[:cut], 16_384)
        assert split.texts == [] and split.used == 0 and not split.hand_over
    assert split_frames(frame, 16_384).texts == [(0, len(frame), b"x" * 300)]


def test_frames_other_than_masked_text_are_passed_on_whole() -> None:
    """Ping, close, binary, unmasked or reserved-bit frames come back whole, for websockets."""
    unmasked = Frame(Opcode.TEXT, b"plain").serialize(mask=False, extensions=[])
    reserved = bytearray(masked(Opcode.TEXT, b"odd"))
    reserved[0] |= 0x40
    others = [
        masked(Opcode.PING, b"p"),
        masked(Opcode.BINARY, b"\x00"),
        unmasked,
        bytes(reserved),
        masked(Opcode.CLOSE, b"\x03\xe8"),
    ]
    data = b"".join(others)
    split = split_frames(data, 16_384)
    assert [data[start:end] for start, end, _ in split.texts] == others
    assert all(text is None for _, _, text in split.texts)


@pytest.mark.parametrize(
    "frame",
    [
        masked(Opcode.TEXT, b"part", fin=False),
        masked(Opcode.CONT, b"rest"),
        masked(Opcode.TEXT, b"x" * 20_000),
        Frame(Opcode.TEXT, b"x" * 70_000).serialize(mask=True, extensions=[])[:20],
    ],
    ids=["fragment", "continuation", "too-large", "64-bit-length"],
)
def test_fragments_and_oversized_frames_are_handed_over_with_the_rest(frame: bytes) -> None:
    """From a fragment or a frame over the size limit on, everything is left to websockets."""
    before = masked(Opcode.TEXT, b"ok")
    split = split_frames(before + frame + masked(Opcode.TEXT, b"after"), 16_384)
    assert [text for _, _, text in split.texts] == [b"ok"]
    assert split.used == len(before) and split.hand_over


def close_code(reader: BinaryIO) -> int:
    """The code of the close frame the server sends (after any other frames)."""
    for opcode, payload in frames(reader):
        if opcode == Opcode.CLOSE:
            return int.from_bytes(payload[:2], "big")
    raise AssertionError("the server closed without a close frame")


@pytest.fixture
def joined(service: Service) -> Iterator[tuple[socket.socket, BinaryIO]]:
    """A phone joined by hand, past its welcome and slide."""
    created = Created(service.http("POST", "/api/presentations", DOCUMENT))
    with socket.create_connection(("127.0.0.1", service.port), timeout=30) as connection:
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        reader = join(connection, service.port, created.code)
        messages = replies(reader)
        assert [next(messages)["type"], next(messages)["type"]] == ["welcome", "slide"]
        yield connection, reader


def test_a_message_sent_byte_by_byte_is_answered(joined: tuple[socket.socket, BinaryIO]) -> None:
    """However the network cuts a frame up, the whole message arrives once."""
    connection, reader = joined
    for byte in client_text({"type": "ping", "id": "slow"}):
        connection.sendall(bytes([byte]))
    connection.sendall(client_text({"type": "ping", "id": "next"}))
    messages = replies(reader)
    assert [next(messages), next(messages)] == [
        {"type": "pong", "id": "slow"},
        {"type": "pong", "id": "next"},
    ]


def test_control_frames_and_fragments_still_work(joined: tuple[socket.socket, BinaryIO]) -> None:
    """A client's pings get their pongs at once, and a message sent in fragments is answered,
    in order with the messages around it."""
    connection, reader = joined
    message = json.dumps({"type": "ping", "id": "parts"}).encode()
    connection.sendall(
        masked(Opcode.PING, b"hello")
        + client_text({"type": "ping", "id": "plain"})
        + masked(Opcode.TEXT, message[:7], fin=False)
        + masked(Opcode.PING, b"between")
        + masked(Opcode.CONT, message[7:])
        + client_text({"type": "ping", "id": "last"})
    )
    pongs, answered = [], []
    for opcode, payload in frames(reader):
        if opcode == Opcode.PONG:
            pongs.append(payload.decode())
        else:
            answered.append(json.loads(payload)["id"])
        if len(pongs) + len(answered) == 5:
            break
    assert pongs == ["hello", "between"]
    assert answered == ["plain", "parts", "last"]


def test_answers_in_one_packet_are_all_acknowledged_and_a_ping_does_not_wait(
    service: Service,
) -> None:
    """Answers that arrive together are stored and acknowledged in the order sent, and a ping
    among them is answered at once, without waiting for their commit."""
    created = Created(service.http("POST", "/api/presentations", DOCUMENT))
    control = {"type": "goto", "slide": 2}  # the scales
    service.http("POST", f"/api/presentations/{created.id}/control", control, key=created.key)
    with socket.create_connection(("127.0.0.1", service.port), timeout=30) as connection:
        reader = join(connection, service.port, created.code)
        messages = replies(reader)
        assert [next(messages)["type"], next(messages)["type"]] == ["welcome", "slide"]
        answers = [
            {"type": "answer", "id": f"a{n}", "slide": "scales", "value": {"ratings": [n + 1]}}
            for n in range(4)
        ]
        connection.sendall(
            b"".join(client_text(answer) for answer in answers[:2])
            + client_text({"type": "ping", "id": "meanwhile"})
            + b"".join(client_text(answer) for answer in answers[2:])
        )
        got = [next(messages) for _ in range(5)]
    assert got[0] == {"type": "pong", "id": "meanwhile"}
    assert [(m["type"], m["id"], m["duplicate"]) for m in got[1:]] == [
        ("ack", f"a{n}", False) for n in range(4)
    ]
    stored = service.http(
        "GET", f"/api/presentations/{created.id}/results?slide=scales", key=created.key
    )
    assert stored["results"]["statements"][0]["count"] == 1  # one phone: its newest rating


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        (masked(Opcode.TEXT, b"x" * 20_000), 1009),
        (
            masked(Opcode.TEXT, b"x" * 10_000, fin=False) + masked(Opcode.CONT, b"x" * 10_000),
            1009,
        ),
        (masked(Opcode.TEXT, b"\xff\xfe"), 1007),
        (Frame(Opcode.TEXT, b"{}").serialize(mask=False, extensions=[]), 1002),
    ],
    ids=["too-large", "too-large-in-fragments", "not-utf-8", "unmasked"],
)
def test_bad_frames_close_the_connection_with_their_code(
    joined: tuple[socket.socket, BinaryIO], frame: bytes, code: int
) -> None:
    """Too large (whole or in fragments), invalid UTF-8 or unmasked: the server closes with the
    code RFC 6455 gives."""
    connection, reader = joined
    connection.sendall(frame)
    assert close_code(reader) == code


def test_a_client_still_sending_an_oversized_message_sees_1009(tmp_path: Path) -> None:
    """A client library sending a 2 MB message in fragments is told 1009 (message too big):
    polls' own layer reads and drops the rest instead of resetting the connection under it.
    (uvicorn's standard layer closes the socket with the rest unread, so such a client may see
    a reset instead: one reason polls has its own layer.)"""
    from websockets.exceptions import ConnectionClosedError
    from websockets.sync.client import connect

    with running(tmp_path / "wire.db", POLLS_WEBSOCKET="polls") as service:
        created = Created(service.http("POST", "/api/presentations", DOCUMENT))
        with connect(f"ws://127.0.0.1:{service.port}/ws/join/{created.code}") as phone:
            assert [json.loads(phone.recv())["type"] for _ in range(2)] == ["welcome", "slide"]
            with pytest.raises(ConnectionClosedError) as closed:
                phone.send(["x" * 5000 for _ in range(400)])
                phone.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009


def test_a_foreign_origin_gets_403_at_the_handshake(service: Service) -> None:
    """Under the real server, a socket from another site's page is refused before it opens:
    the handshake gets HTTP 403 (what docs/protocol.md says), for phones and screens alike."""
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    created = Created(service.http("POST", "/api/presentations", DOCUMENT))
    for path in (f"/ws/join/{created.code}", f"/ws/present/{created.id}"):
        with pytest.raises(InvalidStatus) as refused:
            connect(f"ws://127.0.0.1:{service.port}{path}", origin="http://evil.example")
        assert refused.value.response.status_code == 403
