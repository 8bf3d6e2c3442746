"""WebSocket endpoints: thin I/O around the hub and the protocol.

Each connection has a receive loop (this coroutine) and a sender task (its
peer's pump). Bad messages get an error message and the connection carries
on; oversized ones close it with 1009, foreign origins are refused with 1008.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from contextlib import AsyncExitStack
from typing import Any

import msgspec
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from polls import protocol
from polls.api import base_url, holds_secret
from polls.codes import format_code, parse_code
from polls.errors import MessageTooLarge, PollsError, RateLimited, UnknownCode
from polls.i18n import N_, translations
from polls.live import Overflow, Peer, Room
from polls.presentations import participant_url
from polls.security import (
    PARTICIPANT_COOKIE,
    PRESENTER,
    TokenBucket,
    new_participant_token,
    origin_allowed,
    participant_key,
    valid_participant_token,
)

log = logging.getLogger("polls.sockets")
CLOSE_POLICY = 1008
CLOSE_TOO_BIG = 1009
CLOSE_UNKNOWN = 4404
# Per connection: 10 messages a second on average, bursts of 30; far past that, it is closed.
MESSAGE_RATE, MESSAGE_BURST, MAX_STRIKES = 10.0, 30.0, 100

Handler = Callable[[Any], Coroutine[Any, Any, dict[str, Any] | None]]


def _origin_ok(websocket: WebSocket) -> bool:
    settings = websocket.app.state.services.settings
    return origin_allowed(
        websocket.headers.get("origin"), websocket.headers.get("host"), settings.allowed_origins
    )


async def _refuse(websocket: WebSocket, exc: PollsError, close_code: int) -> None:
    """Accept only to say why, then close: browsers cannot read a refused handshake."""
    await websocket.accept()
    await websocket.send_text(protocol.encode(protocol.error_message(exc.code, exc.reason)))
    await websocket.close(close_code, exc.reason[:120])


async def _serve(
    websocket: WebSocket,
    peer: Peer,
    parse: Callable[[str | bytes], Any],
    handle: Handler,
    gettext: Callable[[str], str],
) -> None:
    """The receive loop shared by participants and presenters."""
    pump = asyncio.create_task(peer.pump())
    bucket = TokenBucket(MESSAGE_RATE, MESSAGE_BURST)
    strikes = 0
    try:
        while True:
            received = await websocket.receive()
            if received["type"] == "websocket.disconnect":
                return
            data = received.get("text")
            if data is None:
                data = received.get("bytes")
            if data is None:
                continue
            message_id = None
            try:
                if len(data) > protocol.MAX_MESSAGE_BYTES:
                    raise MessageTooLarge("Messages may be at most 16 KiB.")
                message = parse(data)
                message_id = message.id  # so that even a refusal names the message it refuses
                if not bucket.take():
                    strikes += 1
                    if strikes > MAX_STRIKES:
                        await websocket.close(CLOSE_POLICY, "Too many messages.")
                        return
                    raise RateLimited(N_("Too many messages; slow down a little."))
                reply = await handle(message)
                if reply is not None:
                    await peer.reply(protocol.encode(reply))
            except MessageTooLarge as exc:
                await websocket.close(CLOSE_TOO_BIG, exc.reason)
                return
            except PollsError as exc:
                reason = exc.translated(gettext)
                peer.push(protocol.encode(protocol.error_message(exc.code, reason, message_id)))
    except Overflow:
        await websocket.close(CLOSE_POLICY, "The connection is not reading its replies.")
    except WebSocketDisconnect:
        return
    finally:
        pump.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await pump
        if websocket.application_state is WebSocketState.CONNECTED:
            with contextlib.suppress(Exception):
                await websocket.close()


async def participant(websocket: WebSocket) -> None:
    """``/ws/join/{code}``: follow the presentation and send answers."""
    if not _origin_ok(websocket):
        await websocket.close(CLOSE_POLICY, "Origin not allowed.")
        return
    services = websocket.app.state.services
    hub = services.hub
    code = parse_code(websocket.path_params["code"])
    token = websocket.cookies.get(PARTICIPANT_COOKIE)
    minted = not valid_participant_token(token)
    if token is None or minted:
        token = new_participant_token()
    async with AsyncExitStack() as stack:
        try:
            if code is None:
                raise UnknownCode(N_("A join code has 8 digits."))
            room: Room = await stack.enter_async_context(hub.room_by_code(code))
        except PollsError as exc:
            await _refuse(websocket, exc, CLOSE_UNKNOWN)
            return
        who = participant_key(token)
        await websocket.accept()
        hub.join_soon(room, who)
        peer = Peer(websocket.send_text)
        welcome = {
            "type": "welcome",
            "role": "participant",
            "presentation": protocol.presentation_summary(room.presentation),
            "token": token if minted else None,
        }
        peer.push(protocol.encode(welcome))
        peer.latest("slide", room.slide_data)
        room.add_participant(peer)

        async def handle(message: protocol.ParticipantMessage) -> dict[str, Any]:
            if isinstance(message, protocol.Ping):
                return {"type": "pong", "id": message.id}
            outcome = await hub.answer(room, who, message)
            return protocol.ack_message(message.id, duplicate=outcome.status.value != "stored")

        try:
            gettext = translations(room.presentation.document.language)
            await _serve(websocket, peer, protocol.parse_participant_message, handle, gettext)
        finally:
            room.remove(peer)


async def presenter(websocket: WebSocket) -> None:
    """``/ws/present/{id}``: live results, and the controls of the presentation."""
    if not _origin_ok(websocket):
        await websocket.close(CLOSE_POLICY, "Origin not allowed.")
        return
    services = websocket.app.state.services
    hub = services.hub
    presentation_id = websocket.path_params["presentation_id"]
    if not await holds_secret(websocket, presentation_id, PRESENTER):
        await websocket.close(CLOSE_POLICY, "Presenter access needs the presenter link.")
        return
    async with AsyncExitStack() as stack:
        try:
            room: Room = await stack.enter_async_context(hub.room(presentation_id))
        except PollsError as exc:
            await _refuse(websocket, exc, CLOSE_UNKNOWN)
            return
        await websocket.accept()
        peer = Peer(websocket.send_text)
        peer.push(protocol.encode(presenter_welcome(room, base_url(websocket))))
        room.add_presenter(peer)

        async def handle(message: protocol.PresenterMessage) -> dict[str, Any]:
            if isinstance(message, protocol.Ping):
                return {"type": "pong", "id": message.id}
            state = await hub.control(room, message)
            return {"type": "ack", "id": message.id, "state": msgspec.to_builtins(state)}

        try:
            gettext = translations(room.presentation.document.language)
            await _serve(websocket, peer, protocol.parse_presenter_message, handle, gettext)
        finally:
            room.remove(peer)


def presenter_welcome(room: Room, base_url: str) -> dict[str, Any]:
    presentation = room.presentation
    return {
        "type": "welcome",
        "role": "presenter",
        "presentation": protocol.presentation_summary(presentation),
        "code_display": format_code(presentation.code),
        "participant_url": participant_url(base_url, presentation),
        "document": msgspec.to_builtins(presentation.document),
        "state": msgspec.to_builtins(presentation.state),
        "hidden": {slide: sorted(items) for slide, items in room.hidden.items()},
    }
