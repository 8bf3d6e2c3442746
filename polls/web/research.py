"""Research access over HTTP: the researcher page, downloads, word-cloud images, deleting answers.

A presentation's researcher link (read-only) and its presenter link both give access to its
data; the deployment's organiser token gives access to every presentation and to exports of
many sessions at once.
"""

from __future__ import annotations

from collections.abc import Awaitable

import msgspec
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from polls.core.errors import BadMessage, Forbidden, NotFound
from polls.core.i18n import N_, languages, preferred_language, translations
from polls.core.security import PRESENTER, RESEARCHER, hash_secret, secret_matches
from polls.kinds import kind_of
from polls.research import jobs
from polls.research.collect import FORMATS, parse_tags, stored_coding
from polls.research.dataset import iso
from polls.research.offload import Progress
from polls.web.access import bearer, holds_secret, swap_key_for_cookie
from polls.web.pages import render as render_page
from polls.web.progress import made_file, with_progress


def organiser(request: Request) -> bool:
    token: str = request.app.state.services.settings.organiser_token
    return bool(token) and secret_matches(bearer(request), hash_secret(token))


async def require_research(request: Request, presentation_id: str) -> None:
    """The organiser token, or this presentation's researcher or presenter secret."""
    if organiser(request) or await holds_secret(request, presentation_id, RESEARCHER, PRESENTER):
        return
    raise Forbidden(N_("This needs the researcher or presenter link of this presentation."))


def _download(data: bytes, media_type: str, filename: str) -> Response:
    return Response(
        data,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


async def page(request: Request) -> Response:
    """``/research/{id}``: downloads for one presentation. ``?key=`` becomes a cookie once."""
    presentation_id = request.path_params["presentation_id"]
    services = request.app.state.services
    if "key" in request.query_params:
        return await swap_key_for_cookie(
            request, presentation_id, RESEARCHER, f"/research/{presentation_id}", days=365
        )
    await require_research(request, presentation_id)
    presentation = await services.storage.presentation(presentation_id)
    if presentation is None:
        raise NotFound(N_("No presentation with that id."))
    answers, answered = await services.storage.answer_counts(presentation_id)
    purged = services.retention.last_success
    document = presentation.document
    clouds = [
        {"id": s.id, "heading": kind_of(s).heading(s)}
        for s in document.slides
        if kind_of(s).draws_cloud
    ]
    return render_page(
        request,
        "research.html",
        {
            "presentation": presentation,
            "language": document.language,
            "joined": await services.storage.joined_count(presentation_id),
            "answered": answered,
            "answers": answers,
            "clouds": clouds,
            "has_open": any(kind_of(s).themed for s in document.slides),
            "themes_count": len((await stored_coding(services.storage, presentation_id)).themes),
            "deleted": request.query_params.get("deleted"),
            "retention_days": document.retention_days or services.settings.retention_days,
            "purged_at": None if purged is None else iso(purged).replace("T", " ")[:16],
            "min_cell": services.settings.min_cell,
            "confirm_word": Markup("<strong>%s</strong>")
            % translations(document.language)(CONFIRM_WORD),
        },
    )


async def export_one(request: Request) -> Response:
    """``/research/{id}/export.{csv|xlsx|json|zip}`` (``?excel=1`` adds a BOM to CSV)."""
    presentation_id = request.path_params["presentation_id"]
    await require_research(request, presentation_id)
    return await _export(request, [presentation_id], {}, link_participants=False)


def chosen_by_organiser(request: Request, refusal: str) -> tuple[list[str], dict[str, str]]:
    """The presentations named by ``?id=`` and ``?tag=key=value``, for the organiser only
    (anyone else gets ``refusal``)."""
    if not organiser(request):
        raise Forbidden(refusal)
    tags = parse_tags(request.query_params.getlist("tag"))
    ids = request.query_params.getlist("id")
    if not tags and not ids:
        raise BadMessage(N_("Choose presentations with ?tag=key=value or ?id=ID."))
    return ids, tags


async def export_many(request: Request) -> Response:
    """``/api/export.{kind}?tag=key=value&id=...``: many sessions in one dataset (organiser)."""
    refusal = N_("Exports of many presentations need the organiser token.")
    ids, tags = chosen_by_organiser(request, refusal)
    link = request.query_params.get("link_participants") == "1"
    return await _export(request, ids, tags, link_participants=link)


async def _export(
    request: Request, ids: list[str], tags: dict[str, str], *, link_participants: bool
) -> Response:
    """The download named by the path's ``{kind}`` (``?excel=1``: CSV with a BOM), made by a
    research job and streamed from its file (``?progress=1``: after its progress, see
    :mod:`polls.web.progress`)."""
    kind = request.path_params["kind"]
    if kind not in FORMATS:
        raise BadMessage(N_("Export as csv, xlsx, json or zip."))
    services = request.app.state.services
    path = services.research.new_file(f".{kind}")

    def make(progress: Progress | None = None) -> Awaitable[str]:
        return services.research.run(  # type: ignore[no-any-return]
            jobs.export_file,
            ids,
            tags,
            kind,
            path,
            progress=progress,
            excel=request.query_params.get("excel") == "1",
            min_cell=services.settings.min_cell,
            link_participants=link_participants,
        )

    if request.query_params.get("progress") == "1":  # the research page's script
        return with_progress(request, path, FORMATS[kind], make)
    return await made_file(path, make, FORMATS[kind])


async def codebook_one(request: Request) -> Response:
    """``/research/{id}/codebook.{md|json}``."""
    presentation_id = request.path_params["presentation_id"]
    await require_research(request, presentation_id)
    services = request.app.state.services
    kind = request.path_params["kind"]
    if kind not in {"md", "json"}:
        raise BadMessage(N_("The codebook comes as md or json."))
    data = await services.research.run(
        jobs.codebook_bytes, presentation_id, kind, services.settings.min_cell
    )
    if kind == "json":
        return _download(data, "application/json", "codebook.json")
    return _download(data, "text/markdown; charset=utf-8", "codebook.md")


async def cloud(request: Request) -> Response:
    """``/research/{id}/cloud/{slide}.{svg|png}``: the word cloud as the screen showed it."""
    presentation_id = request.path_params["presentation_id"]
    await require_research(request, presentation_id)
    kind = request.path_params["kind"]
    if kind not in {"svg", "png"}:
        raise BadMessage(N_("Word clouds come as svg or png."))
    data = await request.app.state.services.research.run(
        jobs.cloud_picture, presentation_id, request.path_params["slide"], kind
    )
    return Response(data, media_type="image/svg+xml" if kind == "svg" else "image/png")


async def delete_answers(request: Request) -> Response:
    """Delete every answer of a presentation: ``POST /research/{id}/delete`` (form, with
    ``confirm=delete``) or ``DELETE /api/presentations/{id}/answers``."""
    presentation_id = request.path_params["presentation_id"]
    await require_research(request, presentation_id)
    hub = request.app.state.services.hub
    if request.method == "DELETE":
        return Response(
            msgspec.json.encode({"deleted": await hub.delete_answers(presentation_id)}),
            media_type="application/json",
        )
    form = await request.form()
    typed = str(form.get("confirm", "")).strip().casefold()
    if typed not in _confirm_words():
        raise BadMessage(N_("Type '%(word)s' to confirm."), word=typed_word(request))
    deleted = await hub.delete_answers(presentation_id)
    return RedirectResponse(f"/research/{presentation_id}?deleted={deleted}", status_code=303)


# The word a researcher types to delete every answer, in the page's language (or English).
CONFIRM_WORD = N_("delete")


def typed_word(request: Request) -> str:
    """The confirmation word in the language the researcher's browser asks for."""
    language = preferred_language(request.headers.get("accept-language"))
    return translations(language)(CONFIRM_WORD)


def _confirm_words() -> set[str]:
    return {translations(language)(CONFIRM_WORD).casefold() for language in languages()}
