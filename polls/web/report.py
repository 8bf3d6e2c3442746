"""Reports to hand over, as printable HTML and as PDF: ``/research/{id}/report.{html|pdf}``
(one presentation) and ``/api/report.{html|pdf}?tag=key=value`` (many, for the organiser).

The report is made by a research job (away from the live rooms): the data by
:func:`polls.research.report.build_report`, the page by templates/report.html in the
presentation's language, the PDF from that page by WeasyPrint.
"""

from __future__ import annotations

from collections.abc import Awaitable
from functools import lru_cache
from pathlib import Path
from typing import Any

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response

from polls.core.errors import BadMessage, Unavailable
from polls.core.i18n import N_
from polls.research.collect import collect, file_stem
from polls.research.report import build_report, shade
from polls.storage import Storage
from polls.web.assets import find_folder, page_environment
from polls.web.pages import language_context
from polls.web.progress import made_file
from polls.web.research import chosen_by_organiser, require_research

KINDS = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}
PANGO_MISSING = (
    "PDF reports need the Pango library (Debian: apt-get install libpango-1.0-0 "
    "libpangoft2-1.0-0); the HTML report works without it."
)


_environment = lru_cache(maxsize=1)(page_environment)  # one per job's process


def render_report(data: dict[str, Any], *, stylesheet: str) -> str:
    """The report page; ``stylesheet`` is the URL of static/report.css, or "" to put the
    style sheet into the page (for the PDF)."""
    style = "" if stylesheet else (find_folder("static") / "report.css").read_text("utf-8")
    # The cloud comes from polls.research.cloud.to_svg, which escapes every text it writes;
    # the style sheet is our own file.
    questions = [
        {**question, "cloud": Markup(question["cloud"])}  # noqa: S704
        if "cloud" in question
        else question
        for question in data["questions"]
    ]
    return (
        _environment()
        .get_template("report.html")
        .render(
            {
                **data,
                "questions": questions,
                "stylesheet": stylesheet,
                "style": Markup(style),  # noqa: S704
                "shade": shade,
                **language_context(data["language"]),
            }
        )
    )


async def report_file(
    storage: Storage,
    ids: list[str],
    tags: dict[str, str],
    kind: str,
    path: Path,
    *,
    min_cell: int,
    stylesheet: str,
) -> str:
    """A research job: write the report to ``path``; returns its file name."""
    sources = await collect(storage, ids, tags)
    data = build_report(sources, min_cell=min_cell, tags=tags)
    if kind == "html":
        path.write_text(render_report(data, stylesheet=stylesheet), encoding="utf-8")  # noqa: ASYNC240
    else:
        try:
            import weasyprint  # loads Pango: only where a PDF is asked for
        except OSError as missing:
            raise Unavailable(PANGO_MISSING) from missing
        page = render_report(data, stylesheet="")
        weasyprint.HTML(string=page, base_url=str(find_folder("static"))).write_pdf(path)
    return f"{file_stem(sources)}-report.{kind}"


async def report_one(request: Request) -> Response:
    """``/research/{id}/report.{html|pdf}``."""
    presentation_id = request.path_params["presentation_id"]
    await require_research(request, presentation_id)
    return await _report(request, [presentation_id], {})


async def report_many(request: Request) -> Response:
    """``/api/report.{html|pdf}?tag=key=value&id=...``: a series of sessions (organiser)."""
    refusal = N_("Reports of many presentations need the organiser token.")
    ids, tags = chosen_by_organiser(request, refusal)
    return await _report(request, ids, tags)


async def _report(request: Request, ids: list[str], tags: dict[str, str]) -> Response:
    kind = request.path_params["kind"]
    if kind not in KINDS:
        raise BadMessage(N_("A report comes as html or pdf."))
    services = request.app.state.services
    path = services.research.new_file(f".{kind}")

    def make() -> Awaitable[str]:
        return services.research.run(  # type: ignore[no-any-return]
            report_file,
            ids,
            tags,
            kind,
            path,
            min_cell=services.settings.min_cell,
            stylesheet=services.assets.url("report.css"),
        )

    return await made_file(path, make, KINDS[kind], attachment=kind == "pdf")
