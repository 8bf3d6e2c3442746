"""The XLSX export: a summary per presentation, a sheet per question with the results as the
presenter saw them (and broken down by multiple-choice answers), the long table and
the codebook. Formulas are never written: every text is a string."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import xlsxwriter

from polls.core.models import Slide, slide_kind
from polls.domain.tally import tally
from polls.kinds import find, kind_of
from polls.research.audience import AUDIENCE_COLUMNS, audience_rows
from polls.research.breakdown import by_tag, segmented
from polls.research.dataset import Dataset, Source, iso
from polls.research.exports import (
    PROGRESS_ROWS,
    REACTION_COLUMNS,
    THEME_COLUMNS,
    codebook,
    columns,
    reaction_rows,
    row_cells,
    theme_counts,
    theme_pairs,
)
from polls.storage.base import hidden_by_slide

_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


class _Sheets:
    """Unique, valid sheet names (at most 31 characters)."""

    def __init__(self, book: Any) -> None:
        self.book = book
        self.used: set[str] = set()

    def add(self, name: str) -> Any:
        base = _BAD_SHEET_CHARS.sub(" ", name).strip("' ")[:31] or "Sheet"
        candidate, n = base, 1
        while candidate.casefold() in self.used:
            n += 1
            candidate = f"{base[: 31 - len(str(n)) - 1]}~{n}"
        self.used.add(candidate.casefold())
        return self.book.add_worksheet(candidate)


def _write_rows(sheet: Any, start: int, rows: list[list[Any]], bold: Any = None) -> int:
    for offset, cells in enumerate(rows):
        for col, cell in enumerate(cells):
            if isinstance(cell, bool):
                sheet.write_number(start + offset, col, int(cell))
            elif isinstance(cell, int | float):
                sheet.write_number(start + offset, col, cell)
            elif cell is None:
                continue
            else:
                sheet.write_string(start + offset, col, str(cell), bold if offset == 0 else None)
    return start + len(rows)


def _result_rows(results: dict[str, Any]) -> list[list[Any]]:
    if results.get("suppressed"):
        return [["respondents", results["answered"]]]
    kind = find(results["kind"])
    return [] if kind is None else kind.result_rows(results)


def _question_sheet(
    sheets: _Sheets, bold: Any, source: Source, number: int, slide: Slide, min_cell: int
) -> None:
    document = source.presentation.document
    hidden = frozenset(hidden_by_slide(source.moderation).get(slide.id, set()))
    position = document.slides.index(slide) + 1
    question = kind_of(slide).heading(slide)
    sheet = sheets.add(f"{number}.{position} {question}")
    own = [r for r in source.responses if r.slide_id == slide.id]
    results = tally(
        slide, own, document.language, hidden, hold_profanity=document.profanity == "hide"
    )
    line = _write_rows(
        sheet,
        0,
        [
            ["presentation", document.title],
            ["question", question],
            ["kind", slide_kind(slide)],
            ["respondents", results["answered"]],
        ],
    )
    line = _write_rows(sheet, line + 1, _result_rows(results), bold)
    groupings = [s for s in document.slides if kind_of(s).groups_participants and s is not slide]
    for choice in groupings:
        line += 1
        _write_rows(sheet, line, [[f"By answer to: {kind_of(choice).heading(choice)}"]], bold)
        line += 1
        for group in segmented(
            slide,
            choice,
            source.responses,
            document.language,
            min_cell=min_cell,
            hidden=hidden,
            hold_profanity=document.profanity == "hide",
        ):
            line = _write_rows(sheet, line, [[group["option"]]], bold)
            line = _write_rows(sheet, line, _result_rows(group["results"]), bold) + 1
    sheet.set_column(0, 0, 48)


def _tag_sheet(sheet: Any, bold: Any, dataset: Dataset, min_cell: int) -> None:
    """Scales and choices across sessions, per tag value (the same question lined up)."""
    line = 0
    for question in dataset.questions:
        kind = find(question.kind)
        if kind is None or kind.by_tag is None:
            continue
        line = _write_rows(sheet, line, [[question.text, question.id]], bold)
        for key in dataset.tag_keys:
            line = _write_rows(sheet, line, by_tag(dataset, question, key, min_cell=min_cell), bold)
        line += 1
    sheet.set_column(0, 0, 40)


def _theme_sheets(sheets: _Sheets, bold: Any, dataset: Dataset) -> None:
    """Counts per theme (per question and session, and across sessions by name), and the long
    table of answers and themes."""
    counts = theme_counts(dataset)
    sheet = sheets.add("Themes")
    titles = {session.id: session.title for session in dataset.sessions}
    rows: list[list[Any]] = [["session", "presentation id", "question", "theme", "answers", "of"]]
    fields = ("presentation_id", "question", "theme", "answers", "of")
    rows += [[titles[c["presentation_id"]], *(c[field] for field in fields)] for c in counts]
    line = _write_rows(sheet, 0, rows, bold) + 1
    if len(dataset.sessions) > 1:
        totals: dict[tuple[str, str], list[Any]] = {}
        for c in counts:
            key = (c["question"], c["theme"].casefold())
            total = totals.setdefault(key, [c["question"], c["theme"], 0, 0])
            total[2] += c["answers"]
            total[3] += c["of"]
        summary = [["All sessions"], ["question", "theme", "answers", "of"], *totals.values()]
        _write_rows(sheet, line, summary, bold)
    sheet.set_column(0, 0, 30)
    sheet.set_column(2, 2, 48)
    sheet.set_column(3, 3, 24)
    pairs = sheets.add("Answer themes")
    _write_rows(pairs, 0, [[name for name, _, _ in THEME_COLUMNS]], bold)
    for index, cells in enumerate(theme_pairs(dataset, neutralise=False), 1):
        for col, cell in enumerate(cells):
            pairs.write_string(index, col, cell)
    pairs.set_column(5, 5, 60)


def to_xlsx(dataset: Dataset, sources: list[Source], *, min_cell: int = 5) -> bytes:
    """The workbook, in memory (for the ZIP bundle)."""
    buffer = io.BytesIO()
    _write_workbook(buffer, dataset, sources, min_cell, {"in_memory": True})
    return buffer.getvalue()


def write_xlsx(
    path: Path,
    dataset: Dataset,
    sources: list[Source],
    *,
    min_cell: int = 5,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """The workbook, written to a file in XlsxWriter's constant-memory mode: each row goes to
    disk once its sheet moves past it (every sheet here is written top to bottom);
    ``progress(answer rows written, rows)`` is told every 1,000 rows."""
    mode = {"constant_memory": True}
    _write_workbook(str(path), dataset, sources, min_cell, mode, progress)


def _write_workbook(
    target: Any,
    dataset: Dataset,
    sources: list[Source],
    min_cell: int,
    mode: dict[str, bool],
    progress: Callable[[int, int], None] | None = None,
) -> None:
    book = xlsxwriter.Workbook(
        target,
        {
            **mode,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    bold = book.add_format({"bold": True})
    sheets = _Sheets(book)
    summary = sheets.add("Summary")
    line = 0
    for number, source in enumerate(sources, 1):
        presentation = source.presentation
        document = presentation.document
        rows: list[list[Any]] = [
            [f"{number}. {document.title}"],
            ["presentation id", presentation.id],
            ["created", iso(presentation.created_at)],
            ["language", document.language],
            *[[f"tag {key}", value] for key, value in sorted(document.tags.items())],
            ["joined", source.joined],
            ["slide", "kind", "question", "respondents"],
        ]
        for position, slide in enumerate(document.slides, 1):
            kind = kind_of(slide)
            if not kind.takes_answers:
                continue
            answered = len({r.participant for r in source.responses if r.slide_id == slide.id})
            rows.append([position, slide_kind(slide), kind.heading(slide), answered])
        line = _write_rows(summary, line, rows, bold) + 1
    summary.set_column(0, 0, 18)
    summary.set_column(2, 2, 60)
    for number, source in enumerate(sources, 1):
        for slide in source.presentation.document.slides:
            if kind_of(slide).takes_answers:
                _question_sheet(sheets, bold, source, number, slide, min_cell)
    if len(sources) > 1 and dataset.tag_keys:
        _tag_sheet(sheets.add("By tag"), bold, dataset, min_cell)
    answers = sheets.add("Answers")
    _write_rows(answers, 0, [columns(dataset)], bold)
    number_column = columns(dataset).index("value_number")
    for index, row in enumerate(dataset.rows, 1):
        # Cells are written as strings, so nothing needs neutralising against formulas.
        for col, cell in enumerate(row_cells(row, dataset.tag_keys, neutralise=False)):
            if col == number_column and cell:
                answers.write_number(index, col, float(cell))
            else:
                answers.write_string(index, col, cell)
        if progress is not None and index % PROGRESS_ROWS == 0:
            progress(index, len(dataset.rows))
    if any(session.themes for session in dataset.sessions):
        _theme_sheets(sheets, bold, dataset)
    if dataset.reactions:
        reactions = sheets.add("Reactions")
        _write_rows(reactions, 0, [REACTION_COLUMNS, *reaction_rows(dataset)], bold)
    if dataset.audience_questions:
        asked = sheets.add("Audience questions")
        header = [name for name, _, _ in AUDIENCE_COLUMNS]
        _write_rows(asked, 0, [header, *audience_rows(dataset, neutralise=False)], bold)
    book_sheet = sheets.add("Codebook")
    book_data = codebook(dataset, min_cell=min_cell)
    _write_rows(
        book_sheet,
        0,
        [["column", "type", "meaning"]]
        + [[c["name"], c["type"], c["description"]] for c in book_data["columns"]]
        + [
            [],
            ["normalisation", book_data["normalisation"]],
            ["privacy", book_data["small_cells"]],
        ],
        bold,
    )
    book_sheet.set_column(0, 0, 22)
    book_sheet.set_column(2, 2, 90)
    book.close()
