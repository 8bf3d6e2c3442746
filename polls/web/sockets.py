"""WebSocket endpoints: thin I/O around the hub and the protocol.

Each connection has a receive loop (the endpoint's coroutine) and a sender task (its peer's
pump). Under ``polls serve`` a phone's messages skip the receive loop: the WebSocket layer
(polls.wire) hands each one to the same handler in a plain call as it is read, and replies are
written at once when the connection can take them. An answer is acknowledged from a callback
once it is committed, so a phone's next message never waits for the last one's commit.
Bad messages get an error message and the connection carries on; oversized ones close it with
1009; a foreign Origin's handshake is refused (closed before it is accepted: HTTP 403).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

import msgspec
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from polls import metrics
from polls.core.codes import format_code
from polls.core.errors import MessageTooLarge, PollsError, RateLimited, Unavailable
from polls.core.i18n import N_, translations
from polls.core.security import (
    PARTICIPANT_COOKIE,
    PRESENTER,
    TokenBucket,
    new_participant_token,
    origin_allowed,
    participant_key,
    valid_participant_token,
)
from polls.domain import protocol
from polls.live.hub import Hub, refuse_over_limit
from polls.live.peer import Overflow, Peer
from polls.live.questions import refuse_questions_over_limit
from polls.live.room import Room
from polls.live.writer import UNSAVED
from polls.storage import OUTAGES, Outcome, Status, is_outage
from polls.storage.presentations import participant_url
from polls.web.access import base_url, holds_secret, open_code

log = logging.getLogger("polls.sockets")
CLOSE_POLICY = 1008
CLOSE_TOO_BIG = 1009
CLOSE_UNKNOWN = 4404
# Messages a second on average, and the burst, per connection: a phone answers now and then;
# a presenter clicks through slides, shows and hides, and may send a run of controls at once.
# Far past its limit (MAX_STRIKES refusals), a connection is closed.
PHONE_RATE, PHONE_BURST = 10.0, 30.0
SCREEN_RATE, SCREEN_BURST = 30.0, 120.0
MAX_STRIKES = 100
UNREAD = Unavailable(N_("Could not read your answers; please retry."))
DATABASE_AWAY = Unavailable(N_("The service cannot reach its database right now; please retry."))
CLOSE_TRY_AGAIN = 1013


def _origin_ok(websocket: WebSocket) -> bool:
    settings = websocket.app.state.services.settings
    return origin_allowed(
        websocket.headers.get("origin"), websocket.headers.get("host"), settings.allowed_origins
    )


async def _refuse(websocket: WebSocket, exc: PollsError, close_code: int) -> None:
    """Accept only to say why, then close: browsers cannot read a refused handshake."""
    metrics.refusals.labels(exc.code).inc()
    await websocket.accept()
    await websocket.send_text(protocol.encode(protocol.error_message(exc.code, exc.reason)))
    await websocket.close(close_code, exc.reason[:120])


async def _refuse_if_away(websocket: WebSocket, exc: BaseException) -> None:
    """A handshake whose storage lookup met a database that is away is told so and closed
    with 1013 (try again later); any other error is a bug and goes on up."""
    if not is_outage(exc):
        raise exc
    await _refuse(websocket, DATABASE_AWAY, CLOSE_TRY_AGAIN)


class Conversation:
    """The messages of one connection as they arrive: size, format and rate are checked here,
    a refusal goes back with the reason, and the connection carries on. Nothing here waits: a
    phone's answers are handled one after another while earlier ones are still being stored.
    """

    def __init__(
        self,
        websocket: WebSocket,
        peer: Peer,
        parse: Callable[[str | bytes], Any],
        gettext: Callable[[str], str],
        rate: tuple[float, float] = (PHONE_RATE, PHONE_BURST),
    ) -> None:
        self.websocket = websocket
        self.peer = peer
        self.parse = parse
        self.gettext = gettext
        self.bucket = TokenBucket(*rate)
        self.strikes = 0
        self.closing: asyncio.Task[None] | None = None

    def admit(self, data: str | bytes) -> Any | None:
        """The message, or None if it was refused (and the refusal sent) or was a ping (and
        the pong sent)."""
        if self.closing is not None:
            return None
        message_id = None
        try:
            if len(data) > protocol.MAX_MESSAGE_BYTES:
                raise MessageTooLarge(N_("Messages may be at most 16 KiB."))
            message = self.parse(data)
            message_id = message.id  # so that even a refusal names the message it refuses
            if not self.bucket.take():
                self.strikes += 1
                if self.strikes > MAX_STRIKES:
                    self.close(CLOSE_POLICY, "Too many messages.")
                    return None
                raise RateLimited(N_("Too many messages; slow down a little."))
        except MessageTooLarge as exc:
            self.close(CLOSE_TOO_BIG, exc.reason)
            return None
        except PollsError as exc:
            self.refuse(exc, message_id or exc.message_id)
            return None
        if isinstance(message, protocol.Ping):
            self.send(protocol.encode({"type": "pong", "id": message.id}))
            return None
        return message

    def refuse(self, exc: PollsError, message_id: str | None) -> None:
        metrics.refusals.labels(exc.code).inc()
        reason = exc.translated(self.gettext)
        self.send(protocol.encode(protocol.error_message(exc.code, reason, message_id)))

    def send(self, data: str) -> None:
        try:
            self.peer.send_now(data)
        except Overflow:
            self.close(CLOSE_POLICY, "The connection is not reading its replies.")

    def close(self, code: int, reason: str) -> None:
        """Close the connection (soon: the receive loop then sees it end)."""
        if self.closing is None:
            self.closing = asyncio.ensure_future(self._close(code, reason))

    async def _close(self, code: int, reason: str) -> None:
        with contextlib.suppress(Exception):
            await self.websocket.close(code, reason)


async def _serve(
    websocket: WebSocket, peer: Peer, handle: Callable[[str | bytes], Awaitable[None]]
) -> None:
    """The receive loop shared by participants and presenters, until the connection ends."""
    pump = asyncio.create_task(peer.pump())
    try:
        while True:
            received = await websocket.receive()
            if received["type"] == "websocket.disconnect":
                return
            data = received.get("text")
            if data is None:
                data = received.get("bytes")
            if data is not None:
                await handle(data)
    except WebSocketDisconnect:
        return
    finally:
        pump.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await pump
        if websocket.application_state is WebSocketState.CONNECTED:
            with contextlib.suppress(Exception):
                await websocket.close()


def _wire(websocket: WebSocket) -> dict[str, Any]:
    """What the server's WebSocket layer offers beyond ASGI (polls.wire), or nothing."""
    found: dict[str, Any] = (websocket.scope.get("extensions") or {}).get("polls.wire") or {}
    return found


class Answering:
    """A participant's answers, acknowledged once they are stored."""

    def __init__(self, conversation: Conversation, hub: Hub, room: Room, who: str) -> None:
        self.conversation = conversation
        self.hub = hub
        self.room = room
        self.who = who

    def on_message(self, data: str | bytes) -> None:
        message = self.conversation.admit(data)
        if message is None:
            return
        if isinstance(message, protocol.Mine):
            self.room.spawn(self._mine(message))
            return
        if isinstance(message, protocol.React):
            try:
                self.hub.react(self.room, self.who, message)
            except PollsError as exc:
                self.conversation.refuse(exc, message.id)
            return
        if isinstance(message, protocol.Questions):
            self.room.spawn(self._watch(message))
            return
        check: Callable[[Outcome], None] = refuse_questions_over_limit
        try:
            if isinstance(message, protocol.Ask):
                pending = self.hub.asking.ask(self.room, self.who, message)
            elif isinstance(message, protocol.Upvote):
                pending = self.hub.asking.upvote(self.room, self.who, message)
            else:
                pending = self.hub.submit(self.room, self.who, message)
                check = functools.partial(refuse_over_limit, self.room, message)
        except PollsError as exc:
            self.conversation.refuse(exc, message.id)
            return
        except Exception:  # a bug must not take the connection (or the read loop) with it
            log.exception("taking an answer failed")
            self.conversation.refuse(UNSAVED, message.id)
            return
        pending.add_done_callback(functools.partial(self._stored, message.id, check))

    async def _watch(self, message: protocol.Questions) -> None:
        """Open (or close) the audience's questions on this phone: it gets them at once, with
        its own, and then as they change."""
        if not message.watch:
            self.room.feed.watch(self.conversation.peer, False)
            return
        try:
            reply = await self.hub.asking.watch(self.room, self.who)
        except PollsError as exc:
            self.conversation.refuse(exc, message.id)
            return
        except Exception:  # storage is away: the phone asks again later
            log.warning("reading the audience's questions failed", exc_info=True)
            self.conversation.refuse(UNREAD, message.id)
            return
        self.conversation.send(protocol.encode({**reply, "id": message.id}))
        self.room.feed.watch(self.conversation.peer, True)

    async def _mine(self, message: protocol.Mine) -> None:
        try:
            value = await self.room.mine(message.slide, self.who)
        except Exception:  # storage is away: the phone asks again later
            log.warning("reading a participant's answers failed", exc_info=True)
            self.conversation.refuse(UNREAD, message.id)
            return
        reply = protocol.mine_message(message.id, message.slide, value)
        self.conversation.send(protocol.encode(reply))

    async def on_queued(self, data: str | bytes) -> None:
        self.on_message(data)

    def _stored(
        self,
        message_id: str,
        check: Callable[[Outcome], None],
        pending: asyncio.Future[Outcome],
    ) -> None:
        if pending.cancelled():  # the service is stopping
            return
        try:
            outcome = pending.result()
            check(outcome)
        except PollsError as exc:
            self.conversation.refuse(exc, message_id)
            return
        except Exception:
            log.exception("storing an answer failed")
            self.conversation.refuse(UNSAVED, message_id)
            return
        duplicate = outcome.status is not Status.STORED
        self.conversation.send(
            protocol.encode(protocol.ack_message(message_id, duplicate=duplicate))
        )


async def participant(websocket: WebSocket) -> None:
    """``/ws/join/{code}``: follow the presentation and send answers."""
    if not _origin_ok(websocket):
        await websocket.close(CLOSE_POLICY, "Origin not allowed.")
        return
    services = websocket.app.state.services
    hub = services.hub
    token = websocket.cookies.get(PARTICIPANT_COOKIE)
    minted = not valid_participant_token(token)
    if token is None or minted:
        token = new_participant_token()
    async with AsyncExitStack() as stack:
        try:
            code = await open_code(websocket, websocket.path_params["code"])
            room: Room = await stack.enter_async_context(hub.room_by_code(code))
        except PollsError as exc:
            later = isinstance(exc, Unavailable | RateLimited)
            await _refuse(websocket, exc, CLOSE_TRY_AGAIN if later else CLOSE_UNKNOWN)
            return
        except OUTAGES as exc:
            await _refuse_if_away(websocket, exc)
            return
        who = participant_key(token)
        wire = _wire(websocket)
        peer = Peer(websocket.send_text, write_now=wire.get("send_text"))
        gettext = translations(room.presentation.document.language)
        answering = Answering(
            Conversation(websocket, peer, protocol.parse_participant_message, gettext),
            hub,
            room,
            who,
        )
        listen = wire.get("listen")
        if listen is not None:  # before the handshake's answer: no message can come before it
            listen(answering.on_message)
        try:
            await websocket.accept()
            log.debug("a phone connected to presentation %s", room.id)
            hub.join_soon(room, who)
            welcome = {
                "type": "welcome",
                "role": "participant",
                "presentation": protocol.presentation_summary(room.presentation),
                "token": token if minted else None,
                "now": int(time.time() * 1000),  # phones put the time in submission ids
            }
            peer.push(protocol.encode(welcome))
            peer.latest("slide", room.slide_data)
            room.add_participant(peer)
            metrics.participants.inc()
            try:
                await _serve(websocket, peer, answering.on_queued)
            finally:
                metrics.participants.dec()
        finally:
            if listen is not None:
                listen(None)
            room.remove(peer)
            log.debug("a phone left presentation %s", room.id)


async def presenter(websocket: WebSocket) -> None:
    """``/ws/present/{id}``: live results, and the controls of the presentation."""
    if not _origin_ok(websocket):
        await websocket.close(CLOSE_POLICY, "Origin not allowed.")
        return
    services = websocket.app.state.services
    hub = services.hub
    presentation_id = websocket.path_params["presentation_id"]
    try:
        allowed = await holds_secret(websocket, presentation_id, PRESENTER)
    except OUTAGES as exc:
        await _refuse_if_away(websocket, exc)
        return
    if not allowed:
        await websocket.close(CLOSE_POLICY, "Presenter access needs the presenter link.")
        return
    async with AsyncExitStack() as stack:
        try:
            room: Room = await stack.enter_async_context(hub.room(presentation_id))
        except PollsError as exc:
            await _refuse(websocket, exc, CLOSE_UNKNOWN)
            return
        except OUTAGES as exc:
            await _refuse_if_away(websocket, exc)
            return
        await websocket.accept()
        log.info("a screen connected to presentation %s", room.id)
        peer = Peer(websocket.send_text, write_now=_wire(websocket).get("send_text"))
        peer.push(protocol.encode(presenter_welcome(room, base_url(websocket))))
        room.add_presenter(peer)
        gettext = translations(room.presentation.document.language)
        conversation = Conversation(
            websocket, peer, protocol.parse_presenter_message, gettext, (SCREEN_RATE, SCREEN_BURST)
        )

        async def handle(data: str | bytes) -> None:
            """Controls are applied one at a time, in the order they were sent."""
            message = conversation.admit(data)
            if message is None:
                return
            try:
                state = await hub.control(room, message)
            except PollsError as exc:
                conversation.refuse(exc, message.id)
                return
            reply = {"type": "ack", "id": message.id, "state": msgspec.to_builtins(state)}
            conversation.send(protocol.encode(reply))

        metrics.presenters.inc()
        try:
            await _serve(websocket, peer, handle)
        finally:
            metrics.presenters.dec()
            room.remove(peer)
            log.info("a screen left presentation %s", room.id)


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
        "now": int(time.time() * 1000),  # the screen counts countdowns down on this clock
    }
