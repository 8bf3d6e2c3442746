"""The JSON HTTP API: creating presentations, presenter controls, and the participant
fallback for phones where WebSockets do not work."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from polls.core.errors import BadMessage, Forbidden, MessageTooLarge
from polls.core.i18n import N_
from polls.core.security import (
    PARTICIPANT_COOKIE,
    hash_secret,
    participant_key,
    secret_matches,
    valid_participant_token,
)
from polls.domain import protocol
from polls.domain.documents import validate_document
from polls.kinds import kind_of
from polls.live.room import Room
from polls.research import jobs
from polls.research.dataset import iso
from polls.research.offload import Offload
from polls.storage.presentations import create_presentation, links
from polls.web.access import (
    base_url,
    bearer,
    known_participant,
    open_code,
    participant_token,
    remember_participant,
    require_presenter,
)

LONG_POLL_SECONDS = 25.0
READY_SECONDS = 3.0


async def json_body(request: Request, limit: int) -> Any:
    body = await request.body()
    if len(body) > limit:
        raise MessageTooLarge(f"The request may be at most {limit // 1024} KiB.")
    try:
        return msgspec.json.decode(body)
    except msgspec.DecodeError:
        raise BadMessage(N_("The request body is not valid JSON.")) from None


async def health(request: Request) -> Response:
    """``GET /health``: the process is alive (liveness); it says nothing of the database."""
    return JSONResponse({"status": "ok"})


async def ready(request: Request) -> Response:
    """``GET /ready``: whether the database and the broker answer now (readiness, for load
    balancers and the container's health check): 200 or 503, with each one's state."""
    services = request.app.state.services
    checks: dict[str, str] = {}
    for name, check in (("database", services.storage.ready), ("broker", services.broker.ready)):
        try:
            await asyncio.wait_for(check(), READY_SECONDS)
        except Exception:
            checks[name] = "unavailable"
        else:
            checks[name] = "ok"
    everything = all(state == "ok" for state in checks.values())
    purged = services.retention.last_success
    return JSONResponse(
        {
            "status": "ready" if everything else "unavailable",
            **checks,
            "retention_purged_at": None if purged is None else iso(purged),
        },
        status_code=200 if everything else 503,
        headers={"Cache-Control": "no-store"},
    )


async def create(request: Request) -> Response:
    """``POST /api/presentations``: a presentation document as JSON."""
    services = request.app.state.services
    token = services.settings.admin_token
    if token and not secret_matches(bearer(request), hash_secret(token)):
        raise Forbidden(N_("Creating presentations on this service needs its admin token."))
    document = validate_document(await json_body(request, 256 * 1024))
    created = await services.writer.run(lambda storage: create_presentation(storage, document))
    found = links(base_url(request), created.presentation, created)
    return JSONResponse(found, status_code=201)


async def presentation(request: Request) -> Response:
    """``GET`` a presentation (document, state, moderation); ``PUT`` a changed document."""
    presentation_id = request.path_params["presentation_id"]
    await require_presenter(request, presentation_id)
    hub = request.app.state.services.hub
    if request.method == "PUT":
        document = validate_document(await json_body(request, 256 * 1024))
        async with hub.room(presentation_id) as room:
            await hub.change_document(room, document)
    async with hub.room(presentation_id) as room:
        return JSONResponse(
            {
                "presentation": protocol.presentation_summary(room.presentation),
                "document": msgspec.to_builtins(room.presentation.document),
                "state": msgspec.to_builtins(room.presentation.state),
                "hidden": {slide: sorted(items) for slide, items in room.hidden.items()},
            }
        )


async def results(request: Request) -> Response:
    """Results of the current slide (or ``?slide=ID``) as the presenter screen gets them."""
    presentation_id = request.path_params["presentation_id"]
    await require_presenter(request, presentation_id)
    services = request.app.state.services
    async with services.hub.room(presentation_id) as room:
        slide_id = request.query_params.get("slide") or room.current_slide_id
        if slide_id is not None:
            if room.presentation.document.slide(slide_id) is None:
                raise BadMessage(f"There is no slide {slide_id[:40]!r}.")
            await room.ensure_tally(slide_id)
            await room.resync()
        message = room.results_message(slide_id)
        segment = request.query_params.get("segment")
        if segment and slide_id:
            message["segments"] = await segments(
                services.research, room, slide_id, segment, services.settings.min_cell
            )
        return JSONResponse(message)


async def segments(
    research: Offload, room: Room, slide_id: str, segment_id: str, min_cell: int
) -> list[Any]:
    """The slide's results for each option of an other multiple-choice slide (a research job:
    it reads both slides' whole logs)."""
    choice = room.presentation.document.slide(segment_id)
    if choice is None or not kind_of(choice).groups_participants:
        raise BadMessage(N_("Break results down by a multiple-choice slide."))
    return await research.run(jobs.segments, room.id, slide_id, segment_id, min_cell)


async def control(request: Request) -> Response:
    """``POST /api/presentations/{id}/control``: the same controls as the presenter socket."""
    presentation_id = request.path_params["presentation_id"]
    await require_presenter(request, presentation_id)
    body = await request.body()
    message = protocol.parse_presenter_message(body)
    if isinstance(message, protocol.Ping):
        return JSONResponse({"type": "pong", "id": message.id})
    async with request.app.state.services.hub.room(presentation_id) as room:
        state = await request.app.state.services.hub.control(room, message)
        return JSONResponse({"type": "ack", "id": message.id, "state": msgspec.to_builtins(state)})


async def _code(request: Request) -> str:
    return await open_code(request, request.path_params["code"])


async def participant_state(request: Request) -> Response:
    """``GET /api/join/{code}?version=N``: the current slide; waits while N is current."""
    hub = request.app.state.services.hub
    token, minted = participant_token(request)
    async with hub.room_by_code(await _code(request)) as room:
        if minted:
            await hub.join(room, participant_key(token))
        version = request.query_params.get("version", "")
        if version.isdigit():
            await room.wait_for_change(int(version), LONG_POLL_SECONDS)
        summary = protocol.encode(protocol.presentation_summary(room.presentation))
        response = Response(
            f'{{"presentation":{summary},"slide":{room.slide_data}}}',
            media_type="application/json",
            headers={"Cache-Control": "no-store"},
        )
    if minted:
        remember_participant(request, response, token)
    return response


async def participant_mine(request: Request) -> Response:
    """``GET /api/join/{code}/mine?slide=ID``: this participant's answers on a slide."""
    hub = request.app.state.services.hub
    token = request.cookies.get(PARTICIPANT_COOKIE)
    slide_id = request.query_params.get("slide", "")[:64]
    async with hub.room_by_code(await _code(request)) as room:
        value = None
        if valid_participant_token(token):
            assert token is not None
            value = await room.mine(slide_id, participant_key(token))
    return JSONResponse(
        protocol.mine_message(None, slide_id, value), headers={"Cache-Control": "no-store"}
    )


async def participant_withdraw(request: Request) -> Response:
    """``POST /api/join/{code}/withdraw``: delete this participant's answers."""
    token = request.cookies.get(PARTICIPANT_COOKIE)
    if not valid_participant_token(token):
        return JSONResponse({"deleted": 0})
    assert token is not None
    hub = request.app.state.services.hub
    async with hub.room_by_code(await _code(request)) as room:
        deleted = await hub.withdraw(room.id, participant_key(token))
    return JSONResponse({"deleted": deleted})


async def participant_answer(request: Request) -> Response:
    """``POST /api/join/{code}/answers``: the same answer message as over the socket."""
    hub = request.app.state.services.hub
    token, minted = participant_token(request)
    message = await participant_message(request, "answer", N_("Send an answer here."))
    assert isinstance(message, protocol.Answer)
    async with hub.room_by_code(await _code(request)) as room:
        who = participant_key(token)
        await hub.join(room, who)  # a phone with a cookie from another presentation joins here
        outcome = await hub.answer(room, who, message)
    response = JSONResponse(
        protocol.ack_message(message.id, duplicate=outcome.status.value != "stored")
    )
    if minted:
        remember_participant(request, response, token)
    return response


async def participant_react(request: Request) -> Response:
    """``POST /api/join/{code}/reactions``: the same ``react`` message as over the socket;
    answers ``{"counted": true}`` (reactions are counted, not stored one by one). Only from a
    participant the page has given a cookie: a fresh one for every request would make the limit
    per participant no limit at all."""
    hub = request.app.state.services.hub
    who = known_participant(request, N_("Open the presentation's page before reacting."))
    message = await participant_message(request, "react", N_("Send a reaction here."))
    assert isinstance(message, protocol.React)
    async with hub.room_by_code(await _code(request)) as room:
        hub.react(room, who, message)
    return JSONResponse({"counted": True})


async def participant_message(
    request: Request, kind: str, refusal: str
) -> protocol.ParticipantMessage:
    """The request's body as a participant message of one ``type`` (which may be left out);
    any other is refused with ``refusal``."""
    body = await json_body(request, protocol.MAX_MESSAGE_BYTES)
    if isinstance(body, dict):
        body.setdefault("type", kind)
    message = protocol.parse_participant_message(msgspec.json.encode(body))
    if type(message).__struct_config__.tag != kind:
        raise BadMessage(refusal)
    return message
