"""The research jobs that run away from the live rooms (:mod:`polls.research.offload`): each
is a coroutine function of a storage connection of its own and plain arguments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec

from polls.core.errors import NotFound
from polls.core.i18n import N_
from polls.kinds import kind_of
from polls.research import themes
from polls.research.breakdown import segmented
from polls.research.cloud import to_png, to_svg
from polls.research.collect import cloud_words, collect, file_stem, render, source_of
from polls.research.dataset import Source, build_dataset
from polls.research.exports import codebook, codebook_markdown, write_csv, write_json
from polls.research.offload import report_progress
from polls.research.workbook import write_xlsx
from polls.storage import Storage
from polls.storage.base import hidden_by_slide


async def export_file(
    storage: Storage,
    ids: list[str],
    tags: dict[str, str],
    kind: str,
    path: Path,
    *,
    excel: bool,
    min_cell: int,
    link_participants: bool,
) -> str:
    """Write an export of the chosen presentations to ``path``; returns its file name. Its
    progress is reported in rows written of the answer table's rows."""
    report_progress(0, 0)  # reading the answers
    sources = await collect(storage, ids, tags)
    dataset = build_dataset(sources, link_participants=link_participants)
    total = len(dataset.rows)
    report_progress(0, total)
    # A job has its process to itself: blocking on the file here stalls nobody.
    if kind == "csv":  # row by row to the file, not first into one string
        with path.open("w", encoding="utf-8-sig" if excel else "utf-8", newline="") as target:
            write_csv(target, dataset, report_progress)
    elif kind == "xlsx":
        write_xlsx(path, dataset, sources, min_cell=min_cell, progress=report_progress)
    elif kind == "json":
        with path.open("wb") as target:
            write_json(target, dataset, report_progress)
    else:
        data = render(kind, dataset, sources, excel=excel, min_cell=min_cell)
        path.write_bytes(data)  # noqa: ASYNC240
    report_progress(total, total)
    return f"{file_stem(sources)}.{kind}"


async def codebook_bytes(storage: Storage, presentation_id: str, kind: str, min_cell: int) -> bytes:
    """A presentation's codebook, as Markdown (``md``) or JSON."""
    dataset = build_dataset(await collect(storage, [presentation_id]))
    if kind == "json":
        return msgspec.json.format(msgspec.json.encode(codebook(dataset, min_cell=min_cell)))
    return codebook_markdown(dataset, min_cell=min_cell).encode()


async def cloud_picture(storage: Storage, presentation_id: str, slide_id: str, kind: str) -> bytes:
    """A word-cloud slide as the screen showed it, as SVG or PNG; reads that slide only."""
    presentation = await storage.presentation(presentation_id)
    if presentation is None:
        raise NotFound(N_("No presentation with that id."))
    source = Source(
        presentation=presentation,
        responses=await storage.responses(presentation_id, slide_id),
        moderation=await storage.moderation(presentation_id),
        joined=0,
    )
    slide, words, view = cloud_words(source, slide_id)
    if kind == "svg":
        return to_svg(words, view, kind_of(slide).heading(slide)).encode()
    return to_png(words, view)


async def segments(
    storage: Storage, presentation_id: str, slide_id: str, segment_id: str, min_cell: int
) -> list[Any]:
    """A slide's results for each option of an other multiple-choice slide."""
    presentation = await storage.presentation(presentation_id)
    if presentation is None:
        raise NotFound(N_("No presentation with that id."))
    document = presentation.document
    slide, choice = document.slide(slide_id), document.slide(segment_id)
    assert slide is not None and choice is not None  # checked before the job was sent
    responses = await storage.responses(presentation_id, slide_id)
    responses += await storage.responses(presentation_id, segment_id)
    hidden = frozenset(hidden_by_slide(await storage.moderation(presentation_id)).get(slide_id, ()))
    return segmented(
        slide,
        choice,
        responses,
        document.language,
        min_cell=min_cell,
        hidden=hidden,
        hold_profanity=document.profanity == "hide",
    )


async def themes_view(storage: Storage, presentation_id: str) -> dict[str, Any]:
    """The themes page's data: open answers with their themes, counts and suggestions."""
    presentation = await storage.presentation(presentation_id)
    if presentation is None:
        raise NotFound(N_("No presentation with that id."))
    return themes.view(await source_of(storage, presentation))
