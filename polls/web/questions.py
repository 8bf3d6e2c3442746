"""The audience's questions over plain HTTP: the JSON fallback of phones without a socket, and
the page that works without JavaScript. Both send the same messages as the socket does, so they
are stored once per submission id and refused for the same reasons."""

from __future__ import annotations

import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from polls.core.codes import format_code
from polls.core.errors import PollsError
from polls.core.i18n import N_, translations
from polls.core.security import PARTICIPANT_COOKIE, participant_key, valid_participant_token
from polls.domain import protocol
from polls.kinds.qa import QUESTION_LENGTH
from polls.live.hub import Hub
from polls.live.questions import refuse_questions_over_limit
from polls.live.room import Room
from polls.storage import Outcome, Status
from polls.web.access import (
    known_participant,
    open_code,
    participant_token,
    remember_participant,
)
from polls.web.api import participant_message
from polls.web.pages import render

SORTS = ("votes", "new")


async def questions(request: Request) -> Response:
    """``GET /api/join/{code}/questions``: the questions as phones see them, with this
    participant's own (``mine``: asked and upvoted)."""
    hub: Hub = request.app.state.services.hub
    token = request.cookies.get(PARTICIPANT_COOKIE)
    code = await open_code(request, request.path_params["code"])
    async with hub.room_by_code(code) as room:
        who = participant_key(token) if token and valid_participant_token(token) else ""
        reply = await hub.asking.watch(room, who)
    return JSONResponse(reply, headers={"Cache-Control": "no-store"})


async def ask(request: Request) -> Response:
    """``POST /api/join/{code}/questions``: the ``ask`` message, acknowledged once stored."""
    hub: Hub = request.app.state.services.hub
    token, minted = participant_token(request)
    message = await participant_message(request, "ask", N_("Send a question here."))
    assert isinstance(message, protocol.Ask)
    code = await open_code(request, request.path_params["code"])
    async with hub.room_by_code(code) as room:
        outcome = await _asked(hub, room, participant_key(token), message)
    response = JSONResponse(_ack(message.id, outcome))
    if minted:
        remember_participant(request, response, token)
    return response


async def upvote(request: Request) -> Response:
    """``POST /api/join/{code}/upvotes``: the ``upvote`` message. Only from a participant the
    page has given a cookie: a fresh one per request would be a fresh vote every time."""
    hub: Hub = request.app.state.services.hub
    who = known_participant(request, N_("Open the presentation's page before voting on questions."))
    message = await participant_message(request, "upvote", N_("Send an upvote here."))
    assert isinstance(message, protocol.Upvote)
    code = await open_code(request, request.path_params["code"])
    async with hub.room_by_code(code) as room:
        outcome = await hub.asking.upvote(room, who, message)
    return JSONResponse(_ack(message.id, outcome))


async def _asked(hub: Hub, room: Room, who: str, message: protocol.Ask) -> Outcome:
    await hub.join(room, who)  # a phone with a cookie from another presentation joins here
    outcome = await hub.asking.ask(room, who, message)
    refuse_questions_over_limit(outcome)
    return outcome


def _ack(message_id: str, outcome: Outcome) -> dict[str, Any]:
    return protocol.ack_message(message_id, duplicate=outcome.status is not Status.STORED)


async def page(request: Request) -> Response:
    """``/{code}/questions``: ask, read and upvote the audience's questions with plain forms
    (phones without JavaScript); each form carries a submission id of its own, so sending it
    twice counts once."""
    hub: Hub = request.app.state.services.hub
    code = await open_code(request, request.path_params["code"])
    token, minted = participant_token(request)
    who = participant_key(token)
    sort = request.query_params.get("sort", "votes")
    sort = sort if sort in SORTS else "votes"
    error: PollsError | None = None
    sent = ""
    async with hub.room_by_code(code) as room:
        if request.method == "POST":
            form = await request.form()
            action = str(form.get("action", ""))
            try:
                submission = protocol.check_submission_id(str(form.get("submission", "")))
                if action == "ask":
                    message = protocol.Ask(id=submission, text=str(form.get("text", "")))
                    await _asked(hub, room, who, message)
                    sent = "asked"
                else:
                    question = str(form.get("question", ""))
                    vote = protocol.Upvote(
                        id=submission,
                        question=int(question) if question.isdecimal() else 0,
                        up=form.get("up") == "1",
                    )
                    await hub.asking.upvote(room, who, vote)
                    sent = f"q{vote.question}"
            except PollsError as exc:
                error = exc
            else:
                target = f"/{code}/questions?sort={sort}&sent={sent}"
                response: Response = RedirectResponse(target, 303)
                if minted:
                    remember_participant(request, response, token)
                return response
        listed = await hub.asking.watch(room, who)
        presentation = room.presentation
    gettext = translations(presentation.document.language)
    items: list[dict[str, Any]] = listed["items"]
    mine = listed["mine"] or {"asked": [], "upvoted": []}
    shown_ids = {item["id"] for item in items}
    if sort == "new":
        items = sorted(items, key=lambda item: -item["id"])
    now = time.time()
    context = {
        "presentation": presentation,
        "language": presentation.document.language,
        "code": code,
        "code_display": format_code(code),
        "sort": sort,
        "answering": next((i for i in items if i["status"] == "answering"), None),
        "open_items": [i for i in items if i["status"] == "open"],
        "answered_items": [i for i in items if i["status"] == "answered"],
        "upvoted": set(mine["upvoted"]),
        "waiting": [asked for asked in mine["asked"] if asked["id"] not in shown_ids],
        "asked_now": request.query_params.get("sent") == "asked",
        "max_length": QUESTION_LENGTH,
        "submission": protocol.new_submission_id(now),
        "new_id": lambda: protocol.new_submission_id(now),
        "error": error.translated(gettext) if error else None,
    }
    response = render(request, "questions.html", context, error.status if error else 200)
    response.headers["Cache-Control"] = "no-store"
    if minted:
        remember_participant(request, response, token)
    return response
