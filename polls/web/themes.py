"""The themes page: a researcher codes a presentation's open answers into themes.

``GET /research/{id}/themes`` shows the themes, each open question's suggestions and answers;
``POST`` makes one edit (``action``: add, rename, merge, delete, assign, accept, dismiss) and
comes back to the page. Plain forms: it works without JavaScript. An edit is saved over the
version it read; when another researcher saved in between, it is made again on theirs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from polls.core.errors import BadMessage, NotFound, Unavailable
from polls.core.i18n import N_, translations
from polls.research import coding, jobs
from polls.research.coding import Coding, Suggestion, encode_coding
from polls.research.collect import stored_coding
from polls.web.pages import render as render_page
from polls.web.research import require_research

ATTEMPTS = 5
MAX_FIELD = 200


async def page(request: Request) -> Response:
    """``GET /research/{id}/themes``."""
    presentation_id = request.path_params["presentation_id"]
    await require_research(request, presentation_id)
    return await _show(request, presentation_id)


async def _show(
    request: Request, presentation_id: str, refused: BadMessage | None = None
) -> Response:
    """The page; with the reason an edit was refused, in the presentation's language."""
    services = request.app.state.services
    presentation = await services.storage.presentation(presentation_id)
    if presentation is None:
        raise NotFound(N_("No presentation with that id."))
    language = presentation.document.language
    problem = "" if refused is None else refused.translated(translations(language))
    data = await services.research.run(jobs.themes_view, presentation_id)
    return render_page(
        request,
        "themes.html",
        {
            "presentation": presentation,
            "language": language,
            "problem": problem,
            "saved": request.query_params.get("saved") == "1",
            **data,
        },
        status_code=400 if problem else 200,
    )


async def edit(request: Request) -> Response:
    """``POST /research/{id}/themes``: one edit, then back to the page (or the page with the
    reason the edit was refused)."""
    presentation_id = request.path_params["presentation_id"]
    await require_research(request, presentation_id)
    form = await request.form()
    try:
        change = _change(form)
        await _save(request, presentation_id, change)
    except BadMessage as refused:
        return await _show(request, presentation_id, refused)
    anchor = _field(form, "return")
    target = f"/research/{presentation_id}/themes?saved=1"
    if anchor.replace("-", "").replace("_", "").isalnum():
        target += f"#{anchor}"
    return RedirectResponse(target, status_code=303)


async def _save(request: Request, presentation_id: str, change: Callable[[Coding], Coding]) -> None:
    storage = request.app.state.services.storage
    for _ in range(ATTEMPTS):
        found = await stored_coding(storage, presentation_id)
        changed = change(found)
        if changed is found:
            return
        if await storage.save_coding(
            presentation_id, encode_coding(changed).decode(), found.version
        ):
            return
    raise Unavailable(N_("Themes are being changed by others right now: try again."))


def _field(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value[:MAX_FIELD] if isinstance(value, str) else ""


def _fields(form: FormData, name: str) -> list[str]:
    return [v[:MAX_FIELD] for v in form.getlist(name) if isinstance(v, str)]


def _change(form: FormData) -> Callable[[Coding], Coding]:
    """The edit a form asks for, as a function of the coding it applies to."""
    action = _field(form, "action")
    name = _field(form, "name")
    theme = _field(form, "theme")
    if action == "add":
        return lambda found: coding.add_theme(found, name)[0]
    if action == "rename":
        return lambda found: coding.rename_theme(found, theme, name)
    if action == "merge":
        into = _field(form, "into")
        return lambda found: coding.merge_themes(found, [theme], into)
    if action == "delete":
        return lambda found: coding.delete_theme(found, theme)
    if action == "assign":
        answers = _answer_ids(_fields(form, "answers"))
        changes: dict[str, Any] = {a: _fields(form, f"a{a}") for a in answers}
        return lambda found: coding.assign(found, changes)
    if action == "accept":
        suggestion = Suggestion(
            key=_field(form, "key"),
            name=name,
            words=[],
            answers=_answer_ids(_fields(form, "answers")),
        )
        return lambda found: coding.accept(found, suggestion, name)
    if action == "dismiss":
        key = _field(form, "key")
        return lambda found: coding.dismiss(found, key)
    raise BadMessage(N_("Unknown edit: %(action)s."), action=action[:40])


def _answer_ids(values: list[str]) -> list[str]:
    """Answer ids as a form sends them: response ids, digits only."""
    return [value for value in values if value.isdecimal()][:100_000]
