"""What one message costs the server's WebSocket layer: uvicorn's protocol against ours.

Both protocol classes serve the same minimal echo application over a real socket pair in this
one process, taking turns, so that a machine's changing speed falls on both alike; ours serves
it twice, once through ASGI messages and once taking each message in a plain call as phones'
sockets do (the ``polls.wire`` extension). A client in the same process sends a message and
waits for the echo, again and again. The figure is the CPU time per round trip; the difference
from uvicorn's is what ``polls.wire`` saves per message. (In the service the direct way saves
more than here: this echo has no middleware between the server and itself.)

    .venv/bin/python benchmarks/socket_path.py --messages 20000 --rounds 5
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import socket
import statistics
import time
from typing import Any

import uvloop
from uvicorn.config import Config
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from uvicorn.server import ServerState
from websockets.frames import Frame, Opcode

from polls.live.wire import PollsWebSocketProtocol

MESSAGE = b'{"type":"answer","id":"a1","slide":"scale","value":{"ratings":{"0":4}}}'


async def echo(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "websocket.accept"})
    while True:
        message = await receive()
        if message["type"] != "websocket.receive":
            return
        await send({"type": "websocket.send", "text": message["text"]})


async def echo_handed_over(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The same echo, taking each message's text in a plain call and writing it back in one."""
    wire = scope["extensions"]["polls.wire"]

    def on_text(text: str) -> None:
        if not wire["send_text"](text):
            raise RuntimeError("the echo's write buffer filled up")

    wire["listen"](on_text)
    await receive()
    await send({"type": "websocket.accept"})
    while (await receive())["type"] == "websocket.receive":
        pass  # only what the WebSocket layer does not hand over comes here


class Client(asyncio.Protocol):
    """Sends a message, waits for its echo, and again, until done."""

    def __init__(self, messages: int) -> None:
        self.left = messages
        self.frame = Frame(Opcode.TEXT, MESSAGE).serialize(mask=True, extensions=[])
        self.reply_size = 2 + len(MESSAGE)
        self.buffered = 0
        self.handshaken = False
        self.done = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        transport.write(
            (
                "GET /echo HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )

    def data_received(self, data: bytes) -> None:
        if not self.handshaken:
            self.handshaken = data.endswith(b"\r\n\r\n")
            self.transport.write(self.frame)
            return
        self.buffered += len(data)
        while self.buffered >= self.reply_size:
            self.buffered -= self.reply_size
            self.left -= 1
            if self.left == 0:
                self.done.set_result(None)
                return
            self.transport.write(self.frame)


async def round_trip_cost(
    protocol: type[WebSocketsSansIOProtocol], app: Any, messages: int
) -> float:
    """CPU microseconds per message echoed by app through one connection served by protocol."""
    loop = asyncio.get_running_loop()
    config = Config(app, ws_per_message_deflate=False, ws_ping_interval=None, log_level="error")
    config.load()
    state = ServerState()
    server_side, client_side = socket.socketpair()
    await loop.connect_accepted_socket(lambda: protocol(config, state, {}, loop), server_side)
    started = time.process_time()
    _, client = await loop.create_connection(lambda: Client(messages), sock=client_side)
    await client.done
    spent = time.process_time() - started
    client.transport.close()
    await asyncio.gather(*state.tasks)  # the echo ends when it hears the connection close
    return 1e6 * spent / messages


CONTENDERS = {
    "uvicorn": (WebSocketsSansIOProtocol, echo),
    "polls": (PollsWebSocketProtocol, echo),
    "polls, handed over": (PollsWebSocketProtocol, echo_handed_over),
}


async def main(messages: int, rounds: int) -> None:
    costs: dict[str, list[float]] = {name: [] for name in CONTENDERS}
    for _ in range(rounds):
        for name, (protocol, app) in CONTENDERS.items():
            costs[name].append(await round_trip_cost(protocol, app, messages))
    baseline = costs["uvicorn"]
    for name, values in costs.items():
        line = f"{name:18} {statistics.median(values):6.1f} us per round trip"
        if values is not baseline:
            saved = statistics.median(a - b for a, b in zip(baseline, values, strict=True))
            line += f", {saved:.1f} us saved"
        print(line + f" (median of {rounds})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    arguments = parser.parse_args()
    uvloop.run(main(arguments.messages, arguments.rounds))
