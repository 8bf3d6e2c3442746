"""HTML pages: joining, the participant page (a plain form without JavaScript), the presenter
screen, and error pages. Jinja2 escapes every participant text."""

from __future__ import annotations

import math
import time
from typing import Any

import msgspec
import segno
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from polls.core.codes import format_code, parse_code
from polls.core.errors import PollsError, Problem
from polls.core.i18n import N_, catalog, preferred_language, translations
from polls.core.models import Slide
from polls.core.security import (
    PARTICIPANT_COOKIE,
    PRESENTER,
    participant_key,
    presenter_cookie,
    secret_matches,
    valid_participant_token,
)
from polls.domain import protocol
from polls.domain.documents import document_to_data
from polls.kinds import all_kinds, browser_kinds, kind_of
from polls.kinds.fields import IMAGE_ALT, NOTES, TIME_LIMIT
from polls.kinds.players import player_name
from polls.web.access import (
    base_url,
    open_code,
    participant_token,
    remember_participant,
    require_presenter,
    swap_key_for_cookie,
)
from polls.web.assets import Assets


def render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> Response:
    """Render a page in the presentation's language (or the browser's, outside one)."""
    services = request.app.state.services
    language = context.get("language") or preferred_language(request.headers.get("accept-language"))
    gettext = translations(language)
    presentation = context.get("presentation")
    days = services.settings.retention_days
    if presentation is not None and presentation.document.retention_days:
        days = presentation.document.retention_days
    privacy = services.settings.privacy_notice or gettext(PRIVACY) % {"days": days}
    context = {**context, **language_context(language), "privacy": privacy}
    response = services.templates.TemplateResponse(request, name, context, status_code=status_code)
    return response  # type: ignore[no-any-return]


def language_context(language: str) -> dict[str, Any]:
    """What a template needs to speak a language: ``_``/``gettext`` and ``ngettext``."""
    gettext = translations(language)
    return {
        "language": language,
        "_": gettext,
        "gettext": gettext,
        "ngettext": catalog(language).ngettext,
    }


PRIVACY = N_(
    "Your answers are anonymous: no name, account or address is stored. They appear on the "
    "shared screen, are kept for %(days)s days to evaluate this session and are then deleted. "
    "You can delete your own answers at any time."
)


def error_page(request: Request, status: int, reason: str) -> Response:
    return render(request, "error.html", {"status": status, "reason": reason}, status)


def localised(request: Request, exc: PollsError, language: str | None = None) -> str:
    """An error's reason in the page's language."""
    chosen = language or preferred_language(request.headers.get("accept-language"))
    return exc.translated(translations(chosen))


def localised_problems(request: Request, problems: list[str]) -> dict[str, Any]:
    """A document's problems in the browser's language: ``problems`` as "path: message" lines
    and ``fields``, each problem's path and message, for the editor to put beside its field."""
    gettext = translations(preferred_language(request.headers.get("accept-language")))
    fields = [
        {"path": p.path, "message": p.translated(gettext)}
        if isinstance(p, Problem)
        else {"path": "", "message": str(p)}
        for p in problems
    ]
    lines = [f"{f['path']}: {f['message']}" if f["path"] else f["message"] for f in fields]
    return {"problems": lines, "fields": fields}


async def home(request: Request) -> Response:
    return render(request, "join.html", {"code": "", "error": None})


async def join(request: Request) -> Response:
    """``/join?code=...``: the join form's target; sends the phone to the presentation."""
    typed = request.query_params.get("code", "")[:64]
    code = parse_code(typed)
    if code is None:
        gettext = translations(preferred_language(request.headers.get("accept-language")))
        context = {"code": typed, "error": gettext(N_("A join code has 8 digits."))}
        return render(request, "join.html", context, 400)
    return RedirectResponse(f"/{code}", status_code=303)


async def participant(request: Request) -> Response:
    """``/{code}``: one question at a time, as a form that works without JavaScript."""
    try:
        code = await open_code(request, request.path_params["code"])
    except PollsError as exc:
        if request.method == "POST" or "application/json" in request.headers.get("accept", ""):
            raise
        context = {"code": request.path_params["code"][:20], "error": localised(request, exc)}
        return render(request, "join.html", context, exc.status)
    hub = request.app.state.services.hub
    token, minted = participant_token(request)
    who = participant_key(token)
    error: PollsError | None = None
    async with hub.room_by_code(code) as room:
        hub.join_soon(room, who)  # counted once per presentation, however often it comes
        if request.method == "POST":
            form = await request.form()
            try:
                slide = room.presentation.document.slide(str(form.get("slide", "")))
                message = protocol.Answer(
                    id=protocol.check_submission_id(str(form.get("submission", ""))),
                    slide=str(form.get("slide", "")),
                    value=form_answer(slide, form) if slide is not None else {},
                )
                await hub.answer(room, who, message)
            except PollsError as exc:
                error = exc
            else:
                response: Response = RedirectResponse(f"/{code}?sent={message.slide}", 303)
                if minted:
                    remember_participant(request, response, token)
                return response
        presentation = room.presentation
        slide_message = protocol.slide_message(presentation, time.time())
        slide = presentation.current_slide
        kind = None if slide is None else kind_of(slide)
        # A phone that just got its cookie has no answers yet: no need to count the slide.
        mine = None if minted or slide is None else await room.mine(slide.id, who)
    gettext = translations(presentation.document.language)
    kinds = phone_kinds(request.app.state.services.assets)
    now = time.time()
    index, count = slide_message["index"], slide_message["count"]
    limit = 0 if kind is None or slide is None else kind.answer_limit(slide)
    left = max(0, limit - int((mine or {}).get("used", 0))) if limit else None
    sent = slide is not None and request.query_params.get("sent") == slide.id
    thanks = sent and error is None and "again" not in request.query_params
    again = ""
    if thanks and kind is not None and slide_message["voting"]:
        if kind.answers_replace:
            again = gettext(N_("Change my answer"))
        elif left is None or left > 0:
            again = gettext(N_("Add another answer"))
    context = {
        "presentation": presentation,
        "code": code,
        "code_display": format_code(code),
        "language": presentation.document.language,
        "slide": slide,
        "kind": kind,
        "heading": "" if kind is None or slide is None else kind.heading(slide),
        "slide_json": room.slide_data,
        "mine_json": msgspec.json.encode(mine).decode(),
        "kinds_json": msgspec.json.encode(kinds).decode(),
        # The modules of the kinds this presentation uses: a slide change then loads nothing.
        "preload": sorted({kinds[kind_of(s).name]["script"] for s in presentation.document.slides}),
        "mine": mine,
        "left": left,
        "voting": slide_message["voting"],
        "qa": slide_message["qa"],
        "revealed": slide_message["revealed"],
        "player": player_name(presentation.id, who, presentation.document.language),
        "time_left": _time_left(slide_message, now),
        "index": index,
        "count": count,
        "last": index == count - 1,
        "thanks": thanks,
        "again": again,
        "waiting": thanks or kind is None or not kind.takes_answers,
        "submission": protocol.new_submission_id(now),
        "now": int(now * 1000),
        "error": error.translated(gettext) if error else None,
    }
    response = render(request, "participant.html", context, error.status if error else 200)
    response.headers["Cache-Control"] = "no-store"  # it follows the presenter: never from a cache
    if minted:
        remember_participant(request, response, token)
    return response


def _time_left(slide_message: dict[str, Any], now: float) -> str:
    """What is left of a running countdown, as m:ss ("" if none runs)."""
    closes_at = slide_message.get("closes_at")
    if closes_at is None or not slide_message["voting"]:
        return ""
    seconds = max(0, math.ceil(closes_at / 1000 - now))
    return f"{seconds // 60}:{seconds % 60:02d}"


async def withdraw(request: Request) -> Response:
    """``/{code}/withdraw``: a participant deletes their own answers (asked first)."""
    code = await open_code(request, request.path_params["code"])
    hub = request.app.state.services.hub
    token = request.cookies.get(PARTICIPANT_COOKIE)
    async with hub.room_by_code(code) as room:
        presentation = room.presentation
        deleted = None
        if request.method == "POST" and token and valid_participant_token(token):
            deleted = await hub.withdraw(room.id, participant_key(token))
        elif request.method == "POST":
            deleted = 0
    return render(
        request,
        "withdraw.html",
        {
            "presentation": presentation,
            "code": code,
            "language": presentation.document.language,
            "deleted": deleted,
        },
    )


def form_answer(slide: Slide, form: FormData) -> dict[str, Any]:
    """An answer value from the plain HTML form of a slide."""
    values = {key: [str(value) for value in form.getlist(key)] for key in form}
    return kind_of(slide).form_answer(slide, values)


def phone_kinds(assets: Assets) -> dict[str, dict[str, Any]]:
    """What a phone needs of each kind to show its slides in place: its script, whether it
    takes answers, and whether a new answer replaces the last."""
    return {
        kind.name: {
            "script": assets.url(kind.script),
            "answers": kind.takes_answers,
            "replaces": kind.answers_replace,
            "personal": kind.personal,
        }
        for kind in all_kinds()
    }


def kinds_json(request: Request, language: str) -> str:
    """Every kind's fields, defaults, limits and script, for the editor and the presenter."""
    gettext = translations(language)
    kinds = browser_kinds(gettext)
    for info in kinds.values():
        info["script"] = request.app.state.services.assets.url(info["script"])
    notes = {**NOTES.describe(), "label": gettext(NOTES.label)}
    time_limit = {**TIME_LIMIT.describe(), "label": gettext(TIME_LIMIT.label)}
    image_alt = {**IMAGE_ALT.describe(), "label": gettext(IMAGE_ALT.label)}
    return msgspec.json.encode(
        {"kinds": kinds, "notes": notes, "time_limit": time_limit, "image_alt": image_alt}
    ).decode()


async def presenter(request: Request) -> Response:
    """``/present/{id}``: the projected screen. ``?key=`` is swapped for a cookie once."""
    presentation_id = request.path_params["presentation_id"]
    if "key" in request.query_params:
        return await swap_key_for_cookie(
            request, presentation_id, PRESENTER, f"/present/{presentation_id}", days=180
        )
    return await _presenter_page(request, presentation_id, "screen")


async def console(request: Request) -> Response:
    """``/present/{id}/console``: the presenter's own view, with the slide list and notes."""
    return await _presenter_page(request, request.path_params["presentation_id"], "console")


async def _presenter_page(request: Request, presentation_id: str, mode: str) -> Response:
    await require_presenter(request, presentation_id)
    async with request.app.state.services.hub.room(presentation_id) as room:
        presentation = room.presentation
    join_url = base_url(request)
    direct = f"{join_url}/{presentation.code}"
    qr = segno.make(direct, error="m")
    return render(
        request,
        "presenter.html",
        {
            "presentation": presentation,
            "mode": mode,
            "language": presentation.document.language,
            "code_display": format_code(presentation.code),
            "join_host": join_url.split("://", 1)[-1],
            "qr_small": qr.svg_inline(scale=3, border=1, dark="#111418", omitsize=True),
            "qr_large": qr.svg_inline(scale=10, border=2, dark="#111418", omitsize=True),
            "document_json": msgspec.json.encode(presentation.document).decode(),
            "kinds_json": kinds_json(request, presentation.document.language),
        },
    )


async def new(request: Request) -> Response:
    """``/new``: the editor, for a new presentation."""
    settings = request.app.state.services.settings
    language = preferred_language(request.headers.get("accept-language"))
    first = next(all_kinds()).new_slide()
    new_document = {"title": "", "language": language, "tags": {}, "slides": [first]}
    return render(
        request,
        "editor.html",
        {
            "editing": None,
            "document_json": msgspec.json.encode(new_document).decode(),
            "kinds_json": kinds_json(request, language),
            "needs_token": bool(settings.admin_token),
        },
    )


async def edit(request: Request) -> Response:
    """``/present/{id}/edit``: the editor, for a presentation this browser presents."""
    presentation_id = request.path_params["presentation_id"]
    await require_presenter(request, presentation_id)
    async with request.app.state.services.hub.room(presentation_id) as room:
        presentation = room.presentation
    return render(
        request,
        "editor.html",
        {
            "editing": presentation,
            "language": presentation.document.language,
            "document_json": msgspec.json.encode(document_to_data(presentation.document)).decode(),
            "kinds_json": kinds_json(request, presentation.document.language),
            "needs_token": False,
        },
    )


async def presentations(request: Request) -> Response:
    """``/present``: the presentations this browser holds presenter links for."""
    storage = request.app.state.services.storage
    prefix = presenter_cookie("")
    mine = []
    for name, secret in request.cookies.items():
        if not name.startswith(prefix):
            continue
        found = await storage.presentation(name[len(prefix) :])
        if found is not None and secret_matches(
            secret, await storage.secret_hash(found.id, PRESENTER)
        ):
            mine.append(found)
    mine.sort(key=lambda p: -p.created_at)
    return render(
        request,
        "presentations.html",
        {"mine": mine, "format_code": format_code},
    )
