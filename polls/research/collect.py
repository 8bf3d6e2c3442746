"""Gathering presentations from storage and rendering exports: shared by HTTP and the CLI."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Iterable
from typing import Any

import msgspec

from polls.core.errors import BadMessage, NotFound
from polls.core.i18n import N_
from polls.core.models import Presentation, Slide
from polls.domain.tally import tally
from polls.kinds import kind_of
from polls.research.audience import write_audience_csv
from polls.research.cloud import to_png, to_svg
from polls.research.coding import Coding, decode_coding
from polls.research.dataset import Dataset, Source, matches_tags
from polls.research.exports import (
    codebook,
    codebook_markdown,
    to_csv,
    to_json,
    write_reactions_csv,
    write_theme_csv,
)
from polls.research.workbook import to_xlsx
from polls.storage import Storage
from polls.storage.base import hidden_by_slide

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "zip": "application/zip",
}


def parse_tags(pairs: Iterable[str]) -> dict[str, str]:
    """``key=value`` pairs (from ``--tag`` or ``?tag=``) as a filter."""
    wanted: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise BadMessage(f"A tag filter is key=value, not {pair[:60]!r}.")
        wanted[key.strip()] = value.strip()
    return wanted


async def source_of(storage: Storage, presentation: Presentation) -> Source:
    return Source(
        presentation=presentation,
        responses=await storage.responses(presentation.id),
        moderation=await storage.moderation(presentation.id),
        joined=await storage.joined_count(presentation.id),
        coding=await stored_coding(storage, presentation.id),
        reactions=await storage.reactions(presentation.id),
    )


async def stored_coding(storage: Storage, presentation_id: str) -> Coding:
    """A presentation's themes as stored (none yet: an empty coding at version 0)."""
    version, data = await storage.coding(presentation_id)
    if not data:
        return Coding()
    return msgspec.structs.replace(decode_coding(data), version=version)


async def collect(
    storage: Storage, ids: Iterable[str] = (), tags: dict[str, str] | None = None
) -> list[Source]:
    """The presentations named by id and/or matching every tag, oldest first."""
    wanted = set(ids)
    chosen = [
        p
        for p in await storage.presentations()
        if (not wanted or p.id in wanted) and (not tags or matches_tags(p, tags))
    ]
    if wanted - {p.id for p in chosen} and not tags:
        raise NotFound(N_("No presentation with that id."))
    chosen.sort(key=lambda p: (p.created_at, p.id))
    return [await source_of(storage, p) for p in chosen]


def cloud_words(source: Source, slide_id: str) -> tuple[Slide, list[dict[str, Any]], list[float]]:
    """The visible words of a word-cloud slide as the screen draws them, in order of
    appearance, and the box around them."""
    slide = source.presentation.document.slide(slide_id)
    if slide is None or not kind_of(slide).draws_cloud:
        raise NotFound(N_("There is no word-cloud slide with that id."))
    hidden = frozenset(hidden_by_slide(source.moderation).get(slide_id, set()))
    own = [r for r in source.responses if r.slide_id == slide_id]
    document = source.presentation.document
    results = tally(
        slide, own, document.language, hidden, hold_profanity=document.profanity == "hide"
    )
    return slide, kind_of(slide).cloud_words(results), results.get("view", [])


def file_stem(sources: list[Source]) -> str:
    day = time.strftime("%Y-%m-%d")
    if len(sources) == 1:
        return f"polls-{sources[0].presentation.id}-{day}"
    return f"polls-{len(sources)}-sessions-{day}"


def render(
    kind: str,
    dataset: Dataset,
    sources: list[Source],
    *,
    excel: bool = False,
    min_cell: int = 5,
) -> bytes:
    """One export of a dataset built from these sources (csv, xlsx, json, or zip with all of
    them, the codebook and the clouds)."""
    if kind == "csv":
        return to_csv(dataset, excel=excel)
    if kind == "xlsx":
        return to_xlsx(dataset, sources, min_cell=min_cell)
    if kind == "json":
        return to_json(dataset)
    if kind == "zip":
        return _bundle(dataset, sources, excel=excel, min_cell=min_cell)
    raise BadMessage(f"Unknown export format {kind[:20]!r}; use csv, xlsx, json or zip.")


def _bundle(dataset: Dataset, sources: list[Source], *, excel: bool, min_cell: int) -> bytes:
    buffer = io.BytesIO()
    stem = file_stem(sources)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr(f"{stem}/answers.csv", to_csv(dataset, excel=excel))
        bundle.writestr(f"{stem}/answers.xlsx", to_xlsx(dataset, sources, min_cell=min_cell))
        bundle.writestr(f"{stem}/answers.json", to_json(dataset))
        themes = io.StringIO()
        write_theme_csv(themes, dataset)
        bundle.writestr(f"{stem}/answer_themes.csv", themes.getvalue())
        if dataset.reactions:
            reactions = io.StringIO()
            write_reactions_csv(reactions, dataset)
            bundle.writestr(f"{stem}/reactions.csv", reactions.getvalue())
        if dataset.audience_questions:
            asked = io.StringIO()
            write_audience_csv(asked, dataset)
            bundle.writestr(f"{stem}/audience_questions.csv", asked.getvalue())
        bundle.writestr(f"{stem}/codebook.md", codebook_markdown(dataset, min_cell=min_cell))
        bundle.writestr(
            f"{stem}/codebook.json",
            msgspec.json.format(msgspec.json.encode(codebook(dataset, min_cell=min_cell))),
        )
        for source in sources:
            for slide in source.presentation.document.slides:
                if kind_of(slide).draws_cloud:
                    _, words, view = cloud_words(source, slide.id)
                    name = f"{stem}/clouds/{source.presentation.id}-{slide.id}"
                    heading = kind_of(slide).heading(slide)
                    bundle.writestr(f"{name}.svg", to_svg(words, view, heading))
                    bundle.writestr(f"{name}.png", to_png(words, view))
    return buffer.getvalue()
