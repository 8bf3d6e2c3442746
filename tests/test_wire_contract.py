"""The parts of uvicorn and websockets that polls/live/wire.py relies on beyond their public
APIs, each named: an upgrade that removes or renames one fails here, with the name, before any
phone meets it. The way round such an upgrade is POLLS_WEBSOCKET=standard (README)."""

from __future__ import annotations

import asyncio
import inspect
import re
from collections.abc import Iterator

import pytest
import uvicorn
import websockets
from uvicorn.config import Config
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from uvicorn.server import ServerState
from websockets.protocol import State
from websockets.server import ServerProtocol

WAY_ROUND = (
    "polls/live/wire.py relies on it: keep the versions in deploy/constraints.txt, or serve with "
    "POLLS_WEBSOCKET=standard until wire.py is adapted"
)

# Attributes of uvicorn's sans-I/O WebSocket protocol that wire.py reads or sets.
UVICORN_ATTRIBUTES = [
    "config",
    "loop",
    "conn",
    "queue",
    "transport",
    "close_sent",
    "close_timer",
    "disconnected",
    "handshake_initiated",
    "read_paused",
    "writable",
    "ping_interval",
    "ping_timeout",
    "pending_ping_payload",
    "ping_sent_at",
    "frames",
    "curr_msg_data_type",
]
# Methods wire.py overrides or calls, with the parameters it passes.
UVICORN_METHODS = {
    "data_received": ["data"],
    "handle_connect": ["event"],
    "handle_parser_exception": [],
    "send": ["message"],
    "send_receive_event_to_app": [],
    "start_keepalive": [],
    "stop_keepalive": [],
    "keepalive_timeout": [],
}
# Overrides that matter only while uvicorn's own code keeps calling them.
UVICORN_CALLS = [
    "self.handle_connect(",
    "self.handle_parser_exception()",
    "self.send_receive_event_to_app()",
    "self.start_keepalive()",
    "self.stop_keepalive()",
]
# What wire.py uses of websockets' sans-I/O server protocol.
WEBSOCKETS_ATTRIBUTES = ["state", "close_sent", "data_to_send", "send_ping", "extensions"]


@pytest.fixture(scope="module")
def protocol() -> Iterator[WebSocketsSansIOProtocol]:
    async def app(scope: object, receive: object, send: object) -> None:
        raise AssertionError("never called")

    loop = asyncio.new_event_loop()
    config = Config(app=app, ws="websockets-sansio", log_config=None)
    config.load()
    try:
        yield WebSocketsSansIOProtocol(config, ServerState(), {}, _loop=loop)
    finally:
        loop.close()


@pytest.mark.parametrize("name", UVICORN_ATTRIBUTES)
def test_uvicorn_protocol_has_each_attribute_wire_uses(
    protocol: WebSocketsSansIOProtocol, name: str
) -> None:
    """Each attribute of uvicorn's protocol that wire.py touches still exists."""
    assert hasattr(protocol, name), (
        f"uvicorn {uvicorn.__version__}: WebSocketsSansIOProtocol.{name} is gone; {WAY_ROUND}"
    )


@pytest.mark.parametrize(("name", "parameters"), UVICORN_METHODS.items())
def test_uvicorn_protocol_has_each_method_wire_uses(name: str, parameters: list[str]) -> None:
    """Each method wire.py overrides or calls still exists, taking the same parameters."""
    method = getattr(WebSocketsSansIOProtocol, name, None)
    assert callable(method), (
        f"uvicorn {uvicorn.__version__}: WebSocketsSansIOProtocol.{name}() is gone; {WAY_ROUND}"
    )
    found = list(inspect.signature(method).parameters)[1:]
    assert found == parameters, (
        f"uvicorn {uvicorn.__version__}: WebSocketsSansIOProtocol.{name} now takes {found}, "
        f"not {parameters}; {WAY_ROUND}"
    )


@pytest.mark.parametrize("call", UVICORN_CALLS)
def test_uvicorn_still_calls_what_wire_overrides(call: str) -> None:
    """uvicorn's own code still calls each method wire.py overrides, so the override runs."""
    source = inspect.getsource(WebSocketsSansIOProtocol)
    assert call in source, (
        f"uvicorn {uvicorn.__version__}: WebSocketsSansIOProtocol no longer calls {call}...); "
        f"{WAY_ROUND}"
    )


def test_uvicorn_sets_the_scope_at_the_handshake() -> None:
    """wire.py adds its extension to the scope that uvicorn's handshake builds."""
    source = inspect.getsource(WebSocketsSansIOProtocol.handle_connect)
    assert re.search(r"self\.scope\b.*=", source) and '"extensions"' in source, (
        f"uvicorn {uvicorn.__version__}: handle_connect no longer builds self.scope with "
        f"extensions; {WAY_ROUND}"
    )


@pytest.mark.parametrize("name", WEBSOCKETS_ATTRIBUTES)
def test_websockets_server_protocol_has_each_attribute_wire_uses(name: str) -> None:
    """Each part of websockets' sans-I/O server protocol that wire.py touches still exists."""
    assert hasattr(ServerProtocol(), name), (
        f"websockets {websockets.__version__}: ServerProtocol.{name} is gone; {WAY_ROUND}"
    )


def test_websockets_reader_buffer_and_states_are_there() -> None:
    """wire.py looks into the reader's buffer to know frames start cleanly, and compares the
    connection's state with State.OPEN; it unmasks with websockets' apply_mask."""
    reader = ServerProtocol().reader
    assert isinstance(getattr(reader, "buffer", None), bytearray), (
        f"websockets {websockets.__version__}: StreamReader.buffer is gone; {WAY_ROUND}"
    )
    assert State.OPEN.name == "OPEN"
    from polls.live.wire import apply_mask

    assert apply_mask(b"\x01\x02", b"\x01\x02\x00\x00") == b"\x00\x00"
