"""Export formats of a dataset: tidy CSV, JSON, and the codebook (Markdown and JSON).

Pure functions from a :class:`~polls.research.dataset.Dataset` to bytes. The XLSX
workbook is in :mod:`polls.research.workbook`.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Callable, Iterator
from typing import IO, Any

import msgspec

from polls.kinds import all_kinds, find
from polls.kinds.base import md
from polls.research.dataset import AUDIENCE_COLUMNS, Dataset, Row
from polls.research.texts import (
    AUDIENCE_QUESTIONS,
    IMAGES,
    NORMALISATION,
    REACTIONS,
    SWEARING,
    THEMES,
)

PROGRESS_ROWS = 1000  # rows between reports of a long export's progress
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")

_COLUMNS: list[tuple[str, str, str]] = [
    ("presentation_id", "text", "Identifier of the presentation (session)."),
    ("presentation_title", "text", "Title of the presentation."),
    ("slide_position", "integer", "Position of the slide in its presentation, from 1."),
    ("slide_id", "text", "Identifier of the slide within its presentation."),
    (
        "question_id",
        "text",
        "Identifier of the question; the same kind and text across presentations share it.",
    ),
    ("slide_kind", "text", ""),
    ("question", "text", "The question as shown."),
    ("item", "text", ""),
    ("value", "text", "The answer."),
    ("value_number", "number", ""),
    ("value_normalised", "text", ""),
    (
        "participant",
        "text",
        "Pseudonym of the participant, P0001, P0002, ... in order of first answer; stable "
        "within this export only.",
    ),
    ("answered_at", "datetime", "When the answer was stored, UTC, ISO 8601."),
    (
        "hidden",
        "0/1",
        "1 if this item was kept off the screen: hidden by the presenter, or held back as "
        "swearing (see hidden_reason).",
    ),
    (
        "hidden_reason",
        "text",
        "Why it was kept off the screen: moderator (the presenter hid it), profanity (a swear "
        "word or slur, held back by the presentation's profanity setting and not shown by the "
        "presenter), or empty.",
    ),
    ("skipped", "0/1", "1 if the participant chose to skip this statement."),
    ("profanity", "0/1", "1 if the answer contains a word on the swear-word list (a hint only)."),
    (
        "themes",
        "text",
        "The themes a researcher gave this open answer, separated by '; ' (see Themes); empty "
        "for other kinds and for answers without a theme.",
    ),
]

THEME_COLUMNS: list[tuple[str, str, str]] = [
    ("presentation_id", "text", "Identifier of the presentation (session)."),
    ("slide_id", "text", "Identifier of the slide within its presentation."),
    ("question_id", "text", "Identifier of the question, as in the answer table."),
    ("participant", "text", "Pseudonym of the participant, as in the answer table."),
    ("answered_at", "datetime", "When the answer was stored, UTC, ISO 8601."),
    ("answer", "text", "The open answer."),
    ("theme", "text", "One theme the researcher gave it: one row per answer and theme."),
]


def base_columns() -> list[tuple[str, str, str]]:
    """Every column with its type and meaning; what a column holds for each slide kind comes
    from the kinds (``Kind.columns``)."""
    answerable = [kind for kind in all_kinds() if kind.takes_answers]
    described = []
    for name, kind_of_value, text in _COLUMNS:
        if name == "slide_kind":
            *rest, last = [kind.name for kind in answerable]
            text = f"{', '.join(rest)} or {last}." if rest else f"{last}."
        per_kind = [f"For {k.name}: {k.columns[name]}." for k in answerable if name in k.columns]
        if per_kind:
            everyone = len(per_kind) == len(answerable)
            text = " ".join([text, *per_kind] + ([] if everyone else ["Empty for other kinds."]))
        described.append((name, kind_of_value, text.strip()))
    return described


def columns(dataset: Dataset) -> list[str]:
    names = [name for name, _, _ in _COLUMNS]
    position = names.index("slide_position")
    return names[:position] + [f"tag_{key}" for key in dataset.tag_keys] + names[position:]


def safe_cell(text: str) -> str:
    """Neutralise text a spreadsheet would run as a formula; plain numbers stay numbers."""
    if text.startswith(FORMULA_STARTS) and not _NUMBER.match(text):
        return "'" + text
    return text


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if value == int(value) else str(value)


def row_cells(row: Row, tag_keys: list[str], *, neutralise: bool = True) -> list[str]:
    cells = [
        row.presentation_id,
        row.presentation_title,
        *(row.tags.get(key, "") for key in tag_keys),
        str(row.slide_position),
        row.slide_id,
        row.question_id,
        row.slide_kind,
        row.question,
        row.item,
        row.value,
        _number(row.value_number),
        row.value_normalised,
        row.participant,
        row.answered_at,
        "1" if row.hidden else "0",
        row.hidden_reason,
        "1" if row.skipped else "0",
        "1" if row.profanity else "0",
        "; ".join(row.themes),
    ]
    return [safe_cell(cell) for cell in cells] if neutralise else cells


def to_csv(dataset: Dataset, *, excel: bool = False) -> bytes:
    """RFC 4180 CSV, UTF-8 (with a byte-order mark for Excel when asked)."""
    buffer = io.StringIO()
    write_csv(buffer, dataset)
    data = buffer.getvalue().encode("utf-8")
    return b"\xef\xbb\xbf" + data if excel else data


def write_csv(
    target: IO[str], dataset: Dataset, progress: Callable[[int, int], None] | None = None
) -> None:
    """The CSV's rows, written one by one to a text file (UTF-8, opened with newline="");
    ``progress(rows written, rows)`` is told every 1,000 rows."""
    writer = csv.writer(target, lineterminator="\r\n")
    writer.writerow(columns(dataset))
    total = len(dataset.rows)
    for index, row in enumerate(dataset.rows, 1):
        writer.writerow(row_cells(row, dataset.tag_keys))
        if progress is not None and index % PROGRESS_ROWS == 0:
            progress(index, total)


def theme_pairs(dataset: Dataset, *, neutralise: bool = True) -> Iterator[list[str]]:
    """The long table of answers and themes: one row per answer and theme (THEME_COLUMNS)."""
    for row in dataset.rows:
        for theme in row.themes:
            cells = [
                row.presentation_id,
                row.slide_id,
                row.question_id,
                row.participant,
                row.answered_at,
                row.value,
                theme,
            ]
            yield [safe_cell(cell) for cell in cells] if neutralise else cells


def theme_counts(dataset: Dataset) -> list[dict[str, Any]]:
    """How many answers of each question each theme has, per session: every theme of the
    session with every question that has open answers (zero where it has none)."""
    counted: Counter[tuple[str, str, str]] = Counter()
    answered: Counter[tuple[str, str]] = Counter()
    questions: dict[str, dict[str, str]] = {}
    themed = {kind.name for kind in all_kinds() if kind.themed}
    for row in dataset.rows:
        if row.slide_kind not in themed:
            continue
        questions.setdefault(row.presentation_id, {})[row.question_id] = row.question
        answered[(row.presentation_id, row.question_id)] += 1
        for theme in row.themes:
            counted[(row.presentation_id, row.question_id, theme.casefold())] += 1
    return [
        {
            "presentation_id": session.id,
            "question_id": question_id,
            "question": question,
            "theme": theme,
            "answers": counted[(session.id, question_id, theme.casefold())],
            "of": answered[(session.id, question_id)],
        }
        for session in dataset.sessions
        for question_id, question in questions.get(session.id, {}).items()
        for theme in session.themes
    ]


REACTION_COLUMNS = ["presentation_id", "slide_id", "question_id", "minute", "reaction", "count"]


def reaction_rows(dataset: Dataset) -> list[list[Any]]:
    """The counts of reactions, one row per slide, minute and reaction (REACTION_COLUMNS)."""
    return [
        [r.presentation_id, r.slide_id, r.question_id, r.minute, r.reaction, r.count]
        for r in dataset.reactions
    ]


def write_reactions_csv(target: IO[str], dataset: Dataset) -> None:
    writer = csv.writer(target, lineterminator="\r\n")
    writer.writerow(REACTION_COLUMNS)
    writer.writerows(reaction_rows(dataset))


def write_theme_csv(target: IO[str], dataset: Dataset) -> None:
    """The long table of answers and themes as CSV."""
    writer = csv.writer(target, lineterminator="\r\n")
    writer.writerow([name for name, _, _ in THEME_COLUMNS])
    writer.writerows(theme_pairs(dataset))


def to_json(dataset: Dataset) -> bytes:
    """The dataset and its codebook as one JSON document (docs/export.schema.json)."""
    buffer = io.BytesIO()
    write_json(buffer, dataset)
    return buffer.getvalue()


def write_json(
    target: IO[bytes], dataset: Dataset, progress: Callable[[int, int], None] | None = None
) -> None:
    """The JSON document written piece by piece, one row per line, so that no second copy of
    the rows is made; ``progress(rows written, rows)`` is told every 1,000 rows."""
    encode = msgspec.json.encode
    head = {f: getattr(dataset, f) for f in dataset.__struct_fields__ if f != "rows"}
    target.write(encode(head)[:-1] + b',\n"rows": [')
    total = len(dataset.rows)
    for index, row in enumerate(dataset.rows, 1):
        target.write(b"\n" + encode(row) + (b"," if index < total else b""))
        if progress is not None and index % PROGRESS_ROWS == 0:
            progress(index, total)
    names = [name for name, _, _ in THEME_COLUMNS]
    target.write(b'\n],\n"answer_themes": [')
    for index, cells in enumerate(theme_pairs(dataset, neutralise=False)):
        target.write((b",\n" if index else b"\n") + encode(dict(zip(names, cells, strict=True))))
    target.write(b'\n],\n"theme_counts": ' + encode(theme_counts(dataset)))
    target.write(b',\n"codebook": ' + msgspec.json.format(encode(codebook(dataset))) + b"}\n")


def codebook(dataset: Dataset, *, min_cell: int = 5) -> dict[str, Any]:
    """What every column, question and tag means, machine-readable."""
    tag_columns = [
        {"name": f"tag_{key}", "type": "text", "description": f"The presentation's tag '{key}'."}
        for key in dataset.tag_keys
    ]
    base = [{"name": n, "type": t, "description": d} for n, t, d in base_columns()]
    position = [c["name"] for c in base].index("slide_position")
    return {
        "schema_version": dataset.schema_version,
        "exported_at": dataset.exported_at,
        "columns": base[:position] + tag_columns + base[position:],
        "questions": msgspec.to_builtins(dataset.questions),
        "tag_keys": dataset.tag_keys,
        "sessions": [
            {
                "id": s.id,
                "title": s.title,
                "language": s.language,
                "tags": s.tags,
                "created_at": s.created_at,
                "joined": s.joined,
            }
            for s in dataset.sessions
        ],
        "normalisation": NORMALISATION,
        "themes": THEMES,
        "reactions": REACTIONS,
        "audience_questions": AUDIENCE_QUESTIONS,
        "audience_columns": [
            {"name": n, "type": t, "description": d} for n, t, d in AUDIENCE_COLUMNS
        ],
        "theme_columns": [{"name": n, "type": t, "description": d} for n, t, d in THEME_COLUMNS],
        "theme_counts": theme_counts(dataset),
        "swearing": SWEARING,
        "images": IMAGES,
        "rows": (
            "One row per answer item: each word, each rated statement, each chosen option, "
            "each option of a ranking (its place) or of 100 points (its points, 0 included), "
            "each axis of a rated grid item, each open answer. Only answers that count are "
            "included: when a participant changed a rating, a choice, a ranking or their "
            "points, the newest one."
        ),
        "small_cells": (
            "Breakdowns in summaries (by the answer to a multiple-choice question, or by tag) "
            f"show '< {min_cell}' for groups of fewer than {min_cell} respondents. "
            "The long table is raw data "
            "for researchers only: do not publish it."
        ),
        "formulas": (
            "Text cells that start with =, +, -, @, tab or carriage return get a leading "
            "apostrophe in CSV, so spreadsheets do not run them."
        ),
    }


def codebook_markdown(dataset: Dataset, *, min_cell: int = 5) -> str:
    """The codebook for people: the same content as codebook(), as Markdown."""
    book = codebook(dataset, min_cell=min_cell)
    lines = [
        "# Codebook",
        "",
        f"Exported {book['exported_at']} (schema version {book['schema_version']}).",
        "",
        "## Sessions",
        "",
        "| id | title | created | joined | tags |",
        "| --- | --- | --- | --- | --- |",
    ]
    for session in book["sessions"]:
        tags = ", ".join(f"{k}: {v}" for k, v in sorted(session["tags"].items()))
        lines.append(
            f"| {session['id']} | {md(session['title'])} | {session['created_at']} | "
            f"{session['joined']} | {md(tags)} |"
        )
    lines += ["", "## Columns", "", "| column | type | meaning |", "| --- | --- | --- |"]
    lines += [f"| `{c['name']}` | {c['type']} | {md(c['description'])} |" for c in book["columns"]]
    lines += ["", "## Questions", ""]
    for question in book["questions"]:
        lines.append(f"### `{question['id']}` ({question['kind']})")
        lines += ["", md(question["text"]), ""]
        kind = find(question["kind"])
        lines += kind.codebook(question) if kind is not None else []
    lines += [
        "## Rows",
        "",
        book["rows"],
        "",
        "## Normalisation of words",
        "",
        book["normalisation"],
        "",
        "## Themes",
        "",
        book["themes"],
        "",
        *_theme_lines(book),
        "## Reactions",
        "",
        book["reactions"],
        "",
        "## Questions from the audience",
        "",
        book["audience_questions"],
        "",
        "| column | type | meaning |",
        "| --- | --- | --- |",
        *(
            f"| `{c['name']}` | {c['type']} | {md(c['description'])} |"
            for c in book["audience_columns"]
        ),
        "",
        "## Swear words",
        "",
        book["swearing"],
        "",
        "## Cloud images",
        "",
        book["images"],
    ]
    lines += ["", "## Privacy", "", book["small_cells"], "", book["formulas"], ""]
    return "\n".join(lines)


def _theme_lines(book: dict[str, Any]) -> list[str]:
    lines = ["| column | type | meaning |", "| --- | --- | --- |"]
    lines += [
        f"| `{c['name']}` | {c['type']} | {md(c['description'])} |" for c in book["theme_columns"]
    ]
    if book["theme_counts"]:
        lines += [
            "",
            "| session | question | theme | answers | of |",
            "| --- | --- | --- | --- | --- |",
        ]
        lines += [
            f"| {c['presentation_id']} | {md(c['question'])} | {md(c['theme'])} | "
            f"{c['answers']} | {c['of']} |"
            for c in book["theme_counts"]
        ]
    return [*lines, ""]
