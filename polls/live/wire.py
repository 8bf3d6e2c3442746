"""The WebSocket protocol under our sockets: uvicorn's (websockets' sans-I/O core), tuned for a
room of thousands of phones that each send a small message now and then.

Keepalive pings, in one round for all connections. Pings keep proxies from dropping a quiet
connection and find phones that vanished without closing. uvicorn gives each connection its own
timer, started at its handshake: a room whose phones joined within a few seconds is pinged
within the same few seconds, again and again (10,000 pings in 6 s on top of 10,000 answers a
second was more than one core could do), and 10,000 timers, each replaced at every ping, kept
the garbage collector's young generation full of objects that live for an interval
(docs/benchmarks.md). Here one timer per event loop pings one of SLICES slices of the
connections at a time, so that every connection is pinged once per interval, a room's pings
are spread evenly over it, and a ping allocates nothing that outlives it. A connection whose
last ping is still unanswered when its turn comes round again is closed.

Reading ahead. uvicorn stops reading a socket after every message until the application has
taken it, and starts again after: two changes to the event loop's interest list, system calls
both, for every answer. Here a connection is paused only once READ_AHEAD of its messages wait
unread, which a phone within the message rate never reaches; memory stays bounded all the same.

Text frames written directly. A message from the server is a text frame without a mask or
extension (per-message deflate is off): a header of two to ten bytes before the UTF-8 text.
Written here, a message costs one concatenation instead of a frame object, its serialisation
and a list through websockets' sans-I/O core; and a broadcast, the same string offered to every
phone, is encoded once for all of them instead of once per phone. Anything else (closing, binary
data, a connection that is not open, a full write buffer) takes uvicorn's path.

Text frames read directly. Most of what phones send is one small text frame at a time, masked
as clients must. Once the handshake is done, this layer finds where each frame begins and ends;
a whole, unfragmented text frame it unmasks and hands to the application itself, and every
other whole frame (ping, pong, close, binary, anything malformed) it passes to websockets'
reader, which so only ever sees whole frames and handles them as it always does. A fragmented
or oversized message, a client that sent frames before the handshake was answered, or a
connection that is closing sends everything from there on through websockets alone.

Messages handed over directly. uvicorn gives the application each message through a queue and
an ASGI event, which wakes the endpoint's task and resumes it through every middleware frame
between the server and the endpoint. An endpoint may instead take the text of each message as
it is read, in a plain call, and write text frames with a plain call too: the
``polls.wire`` entry of the scope's extensions holds ``listen(handler)`` and
``send_text(text) -> bool`` (False: the message must take the ASGI path after all).
Everything else (binary messages, the disconnect, closing) still takes the ASGI path; so a
binary message, which no phone sends, can be handled after a text message that followed it.
"""

from __future__ import annotations

import asyncio
import random
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.http11 import Request
from websockets.protocol import State

try:
    from websockets.speedups import apply_mask
except ImportError:  # pragma: no cover - websockets built without its C extension
    from websockets.utils import apply_mask

READ_AHEAD = 8  # messages a connection may have waiting for the application before it is paused


TEXT_FIN = 0x81  # FIN bit and the opcode of a text frame


def text_frame(text: str) -> bytes:
    """A whole, unmasked text frame carrying text, as a server sends it (RFC 6455, 5.2)."""
    payload = text.encode()
    size = len(payload)
    if size < 126:
        return bytes((TEXT_FIN, size)) + payload
    if size < 1 << 16:
        return struct.pack("!BBH", TEXT_FIN, 126, size) + payload
    return struct.pack("!BBQ", TEXT_FIN, 127, size) + payload


class _LastFrame:
    """The frame of the last text sent, so that a broadcast is framed once for every phone."""

    text: str | None = None
    frame = b""

    @classmethod
    def of(cls, text: str) -> bytes:
        if text is not cls.text:
            cls.frame = text_frame(text)
            cls.text = text
        return cls.frame


OP_CONTINUATION, OP_TEXT = 0x0, 0x1


@dataclass
class Split:
    """What the start of a client's byte stream holds, frame by frame."""

    texts: list[tuple[int, int, bytes | None]]  # (start, end, unmasked text or None) per frame
    used: int  # bytes that make whole frames; the rest is a frame still arriving
    hand_over: bool  # the frame at `used` is one to leave to websockets, with all after it


def split_frames(data: bytes, max_size: int) -> Split:
    """Find the whole frames at the start of data (RFC 6455, 5.2).

    A whole, unfragmented, masked text frame of at most max_size bytes comes with its unmasked
    text; any other whole frame with None, to be passed on as it is. A fragment, or a frame
    larger than max_size, stops the split with hand_over set.
    """
    frames: list[tuple[int, int, bytes | None]] = []
    start, size = 0, len(data)
    while size - start >= 2:
        first, second = data[start], data[start + 1]
        length, head = second & 0x7F, 2
        if length == 126:
            head = 4
            if size - start < head:
                break
            length = int.from_bytes(data[start + 2 : start + 4], "big")
        elif length == 127:
            head = 10
            if size - start < head:
                break
            length = int.from_bytes(data[start + 2 : start + 10], "big")
        masked = second & 0x80
        if masked:
            head += 4
        opcode = first & 0x0F
        if not first & 0x80 or opcode == OP_CONTINUATION or length > max_size:
            return Split(frames, start, hand_over=True)
        end = start + head + length
        if end > size:
            break
        if opcode == OP_TEXT and masked and not first & 0x70:  # 0x70: reserved bits
            text = apply_mask(data[start + head : end], data[start + head - 4 : start + head])
            frames.append((start, end, text))
        else:
            frames.append((start, end, None))
        start = end
    return Split(frames, start, hand_over=False)


def one_small_text(data: bytes) -> bytes | None:
    """The unmasked text if data is exactly one whole, masked text frame of under 126 bytes
    (a header of 2 bytes and a mask of 4), else None: what split_frames would find, quicker."""
    size = len(data) - 6
    if 0 <= size < 126 and data[0] == TEXT_FIN and data[1] == 0x80 | size:
        unmasked: bytes = apply_mask(data[6:], data[2:6])
        return unmasked
    return None


LINGER_SECONDS = 2.0  # after closing for bad data, how long the rest of it is read and dropped
SLICES = 32  # a connection's turn in the keepalive round comes every interval / SLICES


class Pinged:
    """What the keepalive round needs of a connection."""

    keepalive_slice = -1  # none: not in a round

    def keepalive_turn(self) -> None:
        raise NotImplementedError


class KeepaliveRound:
    """Pings every connection of one event loop once per interval, a slice at a time."""

    def __init__(self, loop: asyncio.AbstractEventLoop, interval: float) -> None:
        self.loop = loop
        self.interval = interval
        self.slices: list[set[Pinged]] = [set() for _ in range(SLICES)]
        self.joining = 0  # the slice the next connection joins: round robin keeps them even
        self.turn = 0  # the slice pinged at the next tick
        self.timer: asyncio.TimerHandle | None = None

    def add(self, connection: Pinged) -> None:
        connection.keepalive_slice = self.joining
        self.slices[self.joining].add(connection)
        self.joining = (self.joining + 1) % SLICES
        if self.timer is None:
            self.timer = self.loop.call_later(self.interval / SLICES, self.tick)

    def remove(self, connection: Pinged) -> None:
        if connection.keepalive_slice >= 0:
            self.slices[connection.keepalive_slice].discard(connection)
            connection.keepalive_slice = -1
            if not any(self.slices):  # the last one left: no timer, no round
                self.stop()

    def stop(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        _rounds.pop((self.loop, self.interval), None)

    def tick(self) -> None:
        """Give the connections of this turn's slice their turn, then wait for the next."""
        for connection in list(self.slices[self.turn]):
            connection.keepalive_turn()
        self.turn = (self.turn + 1) % SLICES
        if any(self.slices):
            self.timer = self.loop.call_later(self.interval / SLICES, self.tick)
        else:
            self.stop()


_rounds: dict[tuple[asyncio.AbstractEventLoop, float], KeepaliveRound] = {}


def keepalive_round(loop: asyncio.AbstractEventLoop, interval: float) -> KeepaliveRound:
    """The keepalive round of this event loop for this interval, made when first needed."""
    found = _rounds.get((loop, interval))
    if found is None:
        found = _rounds[(loop, interval)] = KeepaliveRound(loop, interval)
    return found


class PollsWebSocketProtocol(WebSocketsSansIOProtocol, Pinged):
    """uvicorn's WebSocket protocol with one keepalive round for all connections, a few messages
    read ahead, and text frames read and written directly."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clean_start = False  # the handshake's request came alone: frames start after it
        self._arriving: bytes | None = None  # reading frames here: the part of one not yet in
        self._text_handler: Callable[[str], None] | None = None
        self._lingering = False  # closed for bad data: what still comes is dropped

    def handle_parser_exception(self) -> None:
        """Bad data (a message past the size limit, even in fragments; invalid UTF-8; a broken
        frame) gets its close frame, as in uvicorn; then, unlike uvicorn, the connection reads
        and drops what the client still sends for up to LINGER_SECONDS before it is closed.
        Closed at once with data unread, it would be reset, and a client still sending the
        rest of a large message would lose the close frame: 1006 instead of 1009."""
        assert self.conn.close_sent is not None
        close = self.conn.close_sent
        self.queue.put_nowait(
            {"type": "websocket.disconnect", "code": close.code, "reason": close.reason}
        )
        self.transport.write(b"".join(self.conn.data_to_send()))
        self.close_sent = True
        if not self._lingering:  # uvicorn's close timer: the application's end leaves it be
            self._lingering = True
            self.close_timer = self.loop.call_later(LINGER_SECONDS, self.transport.close)

    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        if self.close_sent:  # the handshake was refused: there is no application to hand to
            return
        self.scope["extensions"]["polls.wire"] = {
            "listen": self.listen,
            "send_text": self.send_text_now,
        }

    def listen(self, handler: Callable[[str], None] | None) -> None:
        """Hand the text of each message read from now on to handler (None: to the queue)."""
        self._text_handler = handler

    def data_received(self, data: bytes) -> None:
        if self._lingering:
            return  # the rest of what got this connection closed
        if self._arriving is None and self._clean_start and self.conn.state is State.OPEN:
            self._arriving = b""
        if self._arriving is not None:
            self._read_frames(self._arriving + data if self._arriving else data)
            return
        initiated = self.handshake_initiated
        super().data_received(data)
        # A client sends frames only once the handshake is answered (browsers and libraries
        # do): then they begin with the next byte. Otherwise websockets reads on alone.
        self._clean_start = (
            not initiated
            and self.handshake_initiated
            and data.endswith(b"\r\n\r\n")
            and not self.conn.reader.buffer
        )

    def _read_frames(self, data: bytes) -> None:
        if self.conn.state is State.OPEN and not self.close_sent:
            text = one_small_text(data)
            if text is not None:  # most of what phones send: no need to split anything
                self._arriving = b""
                self._take_text(text)
                return
        split = split_frames(data, self.config.ws_max_size)
        for start, end, text in split.texts:
            if self.conn.state is not State.OPEN or self.close_sent:
                self._leave_to_websockets(data[start:])
                return
            if text is None:
                super().data_received(data[start:end])  # a whole frame: websockets reads it
            else:
                self._take_text(text)
        if split.hand_over:
            self._leave_to_websockets(data[split.used :])
        else:
            self._arriving = data[split.used :]

    def _take_text(self, text: bytes) -> None:
        """A whole text message: to the endpoint's handler, or else through the ASGI queue."""
        handler = self._text_handler
        if handler is not None:
            try:
                decoded = text.decode()
            except UnicodeDecodeError:
                pass  # uvicorn's path below closes the connection with 1007
            else:
                handler(decoded)
                return
        self.curr_msg_data_type = "text"
        self.frames = [text]
        self.send_receive_event_to_app()

    def _leave_to_websockets(self, data: bytes) -> None:
        self._arriving = None
        self._clean_start = False
        if data and not self.transport.is_closing():
            super().data_received(data)

    def start_keepalive(self) -> None:
        if self.ping_interval:
            keepalive_round(self.loop, self.ping_interval).add(self)

    def stop_keepalive(self) -> None:
        found = _rounds.get((self.loop, self.ping_interval or 0.0))
        if found is not None:
            found.remove(self)
        self.pending_ping_payload = None

    def keepalive_turn(self) -> None:
        """Close the connection if the last ping is unanswered; else ping it."""
        if self.close_sent or self.transport.is_closing():
            return
        if self.pending_ping_payload is not None and self.ping_timeout is not None:
            self.keepalive_timeout()
            return
        # What uvicorn's send_keepalive_ping does, without the pong timer it starts for every
        # ping: here the next turn is the deadline. A random payload identifies this ping;
        # uvicorn's handle_pong ignores any other pong.
        self.pending_ping_payload = struct.pack("!I", random.getrandbits(32))
        self.ping_sent_at = self.loop.time()
        self.conn.send_ping(self.pending_ping_payload)
        self.transport.write(b"".join(self.conn.data_to_send()))

    def send_text_now(self, text: str) -> bool:
        """Write a text message at once, if nothing stands in the way; False if something does
        (the connection is not open, or its write buffer is full)."""
        # OPEN means websockets sent the handshake's 101: the handshake is complete and no
        # other HTTP response was begun.
        if (
            self.conn.state is State.OPEN
            and not self.disconnected
            and not self.close_sent
            and self.writable.is_set()
            and not self.conn.extensions
            and not self.transport.is_closing()
        ):
            self.transport.write(_LastFrame.of(text))
            return True
        return False

    async def send(self, message: Any) -> None:
        text = message.get("text") if message["type"] == "websocket.send" else None
        if text is not None and self.send_text_now(text):
            return
        await super().send(message)

    def send_receive_event_to_app(self) -> None:
        paused = self.read_paused
        self.read_paused = True  # so uvicorn does not pause reading after this one message
        try:
            super().send_receive_event_to_app()
        finally:
            self.read_paused = paused
        # uvicorn's receive() starts reading again once the application has taken them all.
        if not paused and self.queue.qsize() >= READ_AHEAD:
            self.read_paused = True
            self.transport.pause_reading()
