"""The WebSocket protocol under our sockets: uvicorn's (websockets' sans-I/O core), tuned for a
room of thousands of phones that each send a small message now and then.

Keepalive pings, spread out in time. Pings keep proxies from dropping a quiet connection and
find phones that vanished without closing. uvicorn sends each connection's ping a fixed interval
after its handshake, so a room whose phones joined within a few seconds is pinged within the
same few seconds, again and again: 10,000 pings in 6 s on top of 10,000 answers a second was
more than one core could do (docs/benchmarks.md). Here each ping comes after a random share,
between half and all, of the interval, so the pings of a room spread out and stay spread out.

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
"""

from __future__ import annotations

import random
import struct
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.protocol import State

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


def next_ping_delay(interval: float, draw: float) -> float:
    """Seconds until the next ping, for a draw between 0 and 1."""
    return interval * (0.5 + 0.5 * draw)


class PollsWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's WebSocket protocol with spread keepalive pings and a few messages read ahead."""

    def schedule_ping(self) -> None:
        assert self.ping_interval is not None
        delay = next_ping_delay(self.ping_interval, random.random())  # noqa: S311 - timing only
        self.ping_timer = self.loop.call_later(delay, self.send_keepalive_ping)

    async def send(self, message: Any) -> None:
        text = message.get("text") if message["type"] == "websocket.send" else None
        if (
            text is not None
            and self.conn.state is State.OPEN
            and self.handshake_complete
            and not self.disconnected
            and not self.close_sent
            and self.initial_response is None
            and self.writable.is_set()
            and not self.conn.extensions
            and not self.transport.is_closing()
        ):
            self.transport.write(_LastFrame.of(text))
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
