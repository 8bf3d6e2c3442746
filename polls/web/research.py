"""Research access over HTTP: the researcher page, downloads, word-cloud images, deleting answers.

A presentation's researcher link (read-only) and its presenter link both give access to its
data; the deployment's organiser token gives access to every presentation and to exports of
many sessions at once.
"""

from __future__ import annotations

import msgspec
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from polls.core.errors import BadMessage, Forbidden
from polls.core.security import PRESENTER, RESEARCHER, hash_secret, secret_matches
from polls.kinds import kind_of
from polls.research.cloud import to_png, to_svg
from polls.research.collect import FORMATS, cloud_words, collect, file_stem, parse_tags, render
from polls.research.dataset import Source, build_dataset
from polls.research.exports import codebook, codebook_markdown
from polls.web.access import bearer, holds_secret, swap_key_for_cookie
from polls.web.pages import render as render_page


def _organiser(request: Request) -> bool:
    token: str = request.app.state.services.settings.organiser_token
    return bool(token) and secret_matches(bearer(request), hash_secret(token))


async def require_research(request: Request, presentation_id: str) -> None:
    """The organiser token, or this presentation's researcher or presenter secret."""
    if _organiser(request) or await holds_secret(request, presentation_id, RESEARCHER, PRESENTER):
        return
    raise Forbidden("This needs the researcher or presenter link of this presentation.")


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
    (source,) = await collect(services.storage, [presentation_id])
    document = source.presentation.document
    clouds = [
        {"id": s.id, "heading": kind_of(s).heading(s)}
        for s in document.slides
        if kind_of(s).draws_cloud
    ]
    answered = len({r.participant for r in source.responses})
    return render_page(
        request,
        "research.html",
        {
            "presentation": source.presentation,
            "language": document.language,
            "joined": source.joined,
            "answered": answered,
            "answers": len(source.responses),
            "clouds": clouds,
            "deleted": request.query_params.get("deleted"),
            "retention_days": document.retention_days or services.settings.retention_days,
        },
    )


async def export_one(request: Request) -> Response:
    """``/research/{id}/export.{csv|xlsx|json|zip}`` (``?excel=1`` adds a BOM to CSV)."""
    presentation_id = request.path_params["presentation_id"]
    await require_research(request, presentation_id)
    sources = await collect(request.app.state.services.storage, [presentation_id])
    return _export(request, sources, link_participants=False)


async def export_many(request: Request) -> Response:
    """``/api/export.{kind}?tag=key=value&id=...``: many sessions in one dataset (organiser)."""
    if not _organiser(request):
        raise Forbidden("Exports of many presentations need the organiser token.")
    tags = parse_tags(request.query_params.getlist("tag"))
    ids = request.query_params.getlist("id")
    if not tags and not ids:
        raise BadMessage("Choose presentations with ?tag=key=value or ?id=ID.")
    sources = await collect(request.app.state.services.storage, ids, tags)
    link = request.query_params.get("link_participants") == "1"
    return _export(request, sources, link_participants=link)


def _export(request: Request, sources: list[Source], *, link_participants: bool) -> Response:
    """The download named by the path's ``{kind}`` (``?excel=1``: CSV with a BOM)."""
    kind = request.path_params["kind"]
    if kind not in FORMATS:
        raise BadMessage("Export as csv, xlsx, json or zip.")
    dataset = build_dataset(sources, link_participants=link_participants)
    data = render(
        kind,
        dataset,
        sources,
        excel=request.query_params.get("excel") == "1",
        min_cell=request.app.state.services.settings.min_cell,
    )
    return _download(data, FORMATS[kind], f"{file_stem(sources)}.{kind}")


async def codebook_one(request: Request) -> Response:
    """``/research/{id}/codebook.{md|json}``."""
    presentation_id = request.path_params["presentation_id"]
    await require_research(request, presentation_id)
    services = request.app.state.services
    dataset = build_dataset(await collect(services.storage, [presentation_id]))
    min_cell = services.settings.min_cell
    if request.path_params["kind"] == "json":
        data = msgspec.json.format(msgspec.json.encode(codebook(dataset, min_cell=min_cell)))
        return _download(data, "application/json", "codebook.json")
    if request.path_params["kind"] == "md":
        text = codebook_markdown(dataset, min_cell=min_cell)
        return _download(text.encode(), "text/markdown; charset=utf-8", "codebook.md")
    raise BadMessage("The codebook comes as md or json.")


async def cloud(request: Request) -> Response:
    """``/research/{id}/cloud/{slide}.{svg|png}``: the word cloud as the screen showed it."""
    presentation_id = request.path_params["presentation_id"]
    await require_research(request, presentation_id)
    (source,) = await collect(request.app.state.services.storage, [presentation_id])
    slide, words, view = cloud_words(source, request.path_params["slide"])
    if request.path_params["kind"] == "svg":
        return Response(
            to_svg(words, view, kind_of(slide).heading(slide)), media_type="image/svg+xml"
        )
    if request.path_params["kind"] == "png":
        return Response(to_png(words, view), media_type="image/png")
    raise BadMessage("Word clouds come as svg or png.")


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
    if form.get("confirm") != "delete":
        raise BadMessage("Type 'delete' to confirm.")
    deleted = await hub.delete_answers(presentation_id)
    return RedirectResponse(f"/research/{presentation_id}?deleted={deleted}", status_code=303)
