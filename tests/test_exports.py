"""Datasets and export formats, checked cell by cell (pure, no service)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import jsonschema
import openpyxl

from polls.core.models import Moderation, Presentation, State, StoredResponse
from polls.domain.documents import validate_document
from polls.research.dataset import Source, build_dataset, question_id
from polls.research.exports import codebook_markdown, safe_cell, to_csv, to_json
from polls.research.workbook import to_xlsx, write_xlsx
from tests.conftest import DOCUMENT

ROOT = Path(__file__).resolve().parent.parent
_next_id = iter(range(1, 100_000))


def presentation(pid: str, **document: Any) -> Presentation:
    return Presentation(
        id=pid,
        code="12345678",
        document=validate_document({**DOCUMENT, **document}),
        state=State(),
        created_at=1_767_225_600.0,  # 2026-01-01T00:00:00Z
    )


def answer(
    pid: str, slide: str, who: str, value: dict[str, Any], at: float = 1_767_229_200.0
) -> StoredResponse:
    rid = next(_next_id)
    return StoredResponse(
        id=rid,
        presentation_id=pid,
        slide_id=slide,
        participant=who,
        submission_id=f"s{rid}",
        value=value,
        created_at=at,
    )


def source(
    p: Presentation, responses: list[StoredResponse], hidden: list[tuple[str, str]] = ()
) -> Source:  # type: ignore[assignment]
    return Source(
        presentation=p,
        responses=responses,
        moderation=[Moderation(slide_id=s, item=i) for s, i in hidden],
        joined=len({r.participant for r in responses}),
    )


def two_sessions() -> list[Source]:
    arnhem = presentation("arnhem", tags={"region": "Arnhem", "audience": "residents"})
    nijmegen = presentation("nijmegen", tags={"region": "Nijmegen"})
    return [
        source(
            arnhem,
            [
                answer("arnhem", "words", "cookie-a", {"words": ["Hoop", '=HYPERLINK("x")']}),
                answer("arnhem", "scales", "cookie-a", {"ratings": {"0": 2, "1": "skip"}}),
                answer("arnhem", "scales", "cookie-a", {"ratings": {"0": 5}}),  # changed: 5 counts
                answer("arnhem", "role", "cookie-b", {"choices": [0]}),
                answer("arnhem", "role", "cookie-b", {"choices": [2]}),  # changed: C counts
                answer("arnhem", "tips", "cookie-b", {"text": 'Meer koffie,\n"graag"'}),
                answer("arnhem", "words", "cookie-b", {"words": ["kut"]}),
            ],
            hidden=[("words", "kut")],
        ),
        source(nijmegen, [answer("nijmegen", "scales", "cookie-a", {"ratings": {"0": 3}})]),
    ]


def rows_of(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


def test_csv_has_one_row_per_answer_item_with_the_answers_that_count() -> None:
    """Words, ratings, choices and open answers each get a row; changed answers count once."""
    rows = rows_of(to_csv(build_dataset(two_sessions())))
    arnhem = [r for r in rows if r["presentation_id"] == "arnhem"]
    assert [(r["slide_kind"], r["item"], r["value"]) for r in arnhem] == [
        ("word_cloud", "", "Hoop"),
        ("word_cloud", "", '\'=HYPERLINK("x")'),
        ("word_cloud", "", "kut"),
        ("scales", "Useful", "5"),
        ("scales", "Fun", ""),
        ("multiple_choice", "", "C"),
        ("open_ended", "", 'Meer koffie,\n"graag"'),
    ]
    scale = arnhem[3]
    assert (
        scale["value_number"] == "5"
        and scale["tag_region"] == "Arnhem"
        and scale["tag_audience"] == "residents"
    )
    assert arnhem[4]["skipped"] == "1" and arnhem[4]["value_number"] == ""
    assert arnhem[5]["value_number"] == "3"  # option position, from 1
    assert arnhem[0]["value_normalised"] == "hoop"
    assert arnhem[2]["hidden"] == "1" and arnhem[2]["profanity"] == "1"
    assert arnhem[0]["answered_at"] == "2026-01-01T01:00:00Z"
    assert {r["tag_audience"] for r in rows if r["presentation_id"] == "nijmegen"} == {""}


def test_pseudonyms_are_per_presentation_unless_linked() -> None:
    """The same phone is P0001 in each session by default, and one pseudonym when linked."""
    separate = rows_of(to_csv(build_dataset(two_sessions())))
    by_session = {
        (r["presentation_id"], r["participant"]) for r in separate if r["slide_kind"] == "scales"
    }
    assert by_session == {("arnhem", "P0001"), ("nijmegen", "P0003")}
    linked = rows_of(to_csv(build_dataset(two_sessions(), link_participants=True)))
    assert {r["participant"] for r in linked if r["slide_kind"] == "scales"} == {"P0001"}
    assert all("cookie" not in r["participant"] for r in separate)


def test_same_questions_line_up_across_presentations() -> None:
    """The same kind and question text share one question id in every session."""
    dataset = build_dataset(two_sessions())
    scale_ids = {r.question_id for r in dataset.rows if r.slide_kind == "scales"}
    assert len(scale_ids) == 1
    assert len(dataset.questions) == 4
    other = validate_document(
        {"title": "x", "slides": [{"kind": "scales", "question": "  agree? ", "statements": ["a"]}]}
    )
    assert question_id(other.slides[0]) == scale_ids.pop()


def test_csv_quoting_and_excel_bom() -> None:
    """RFC 4180: CRLF rows, quoted commas, quotes and newlines; a BOM only for Excel."""
    plain = to_csv(build_dataset(two_sessions()))
    assert not plain.startswith(b"\xef\xbb\xbf") and b"\r\n" in plain
    assert b'"Meer koffie,\n""graag"""' in plain
    assert to_csv(build_dataset(two_sessions()), excel=True).startswith(b"\xef\xbb\xbf")


def test_formula_cells_are_neutralised() -> None:
    """Cells a spreadsheet would execute get an apostrophe; negative numbers stay numbers."""
    for dangerous in ("=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(dangerous).startswith("'")
    assert safe_cell("-2") == "-2" and safe_cell("hoop") == "hoop" and safe_cell("") == ""


def test_json_export_follows_its_schema() -> None:
    """The JSON export validates against docs/export.schema.json and carries the codebook."""
    schema = json.loads((ROOT / "docs" / "export.schema.json").read_text())
    exported = json.loads(to_json(build_dataset(two_sessions())))
    jsonschema.validate(exported, schema)
    assert exported["rows"][0]["value"] == "Hoop"
    assert {c["name"] for c in exported["codebook"]["columns"]} >= {
        "tag_region",
        "value",
        "participant",
    }


def test_codebook_describes_questions_scales_and_tags() -> None:
    """The Markdown codebook lists columns, scale ranges and labels, options and normalisation."""
    book = codebook_markdown(build_dataset(two_sessions()))
    assert "`tag_region`" in book and "`value_normalised`" in book
    assert "Scale 1 (low) to 5 (high)" in book and "- [3] C" in book
    assert "Snowball" in book and "< 5" in book


def test_xlsx_summary_results_breakdowns_and_answers() -> None:
    """The workbook has a summary, per-question results, suppressed breakdowns and all answers."""
    sources = two_sessions()
    workbook = openpyxl.load_workbook(io.BytesIO(to_xlsx(build_dataset(sources), sources)))
    assert workbook.sheetnames[0] == "Summary" and workbook.sheetnames[-2:] == [
        "Answers",
        "Codebook",
    ]
    summary = [
        [c for c in row if c is not None] for row in workbook["Summary"].iter_rows(values_only=True)
    ]
    assert ["tag region", "Arnhem"] in summary and ["joined", 2] in summary
    scales = workbook["1.3 Agree"]
    cells = [[c for c in row if c is not None] for row in scales.iter_rows(values_only=True)]
    assert ["Useful", 1, 5, 0, 0, 0, 0, 0, 1] in cells
    assert ["respondents", "< 5"] in cells  # breakdown by the role question: one person per group
    answers = list(workbook["Answers"].iter_rows(values_only=True))
    header = list(answers[0])
    formula_row = next(r for r in answers if r[header.index("value")] == '=HYPERLINK("x")')
    assert formula_row is not None  # stored as text, never as a formula
    assert (
        workbook["Answers"]
        .cell(row=answers.index(formula_row) + 1, column=header.index("value") + 1)
        .data_type
        == "s"
    )


def test_per_tag_breakdowns_suppress_small_groups() -> None:
    """Across sessions, each tag value gets its figures, or '< 5' when fewer than 5 answered."""
    from polls.research.breakdown import by_tag

    big = presentation("big", tags={"region": "Arnhem"})
    small = presentation("small", tags={"region": "Ede"})
    responses = [answer("big", "scales", f"b{n}", {"ratings": {"0": 4, "1": 2}}) for n in range(5)]
    sources = [
        source(big, responses),
        source(small, [answer("small", "scales", "s1", {"ratings": {"0": 1}})]),
    ]
    dataset = build_dataset(sources)
    scales = next(q for q in dataset.questions if q.kind == "scales")
    assert by_tag(dataset, scales, "region", min_cell=5) == [
        ["region", "respondents", "mean: Useful", "mean: Fun"],
        ["Arnhem", 5, 4.0, 2.0],
        ["Ede", "< 5"],
    ]
    workbook = openpyxl.load_workbook(io.BytesIO(to_xlsx(dataset, sources)))
    cells = [
        [c for c in row if c is not None] for row in workbook["By tag"].iter_rows(values_only=True)
    ]
    assert ["Ede", "< 5"] in cells and ["Arnhem", 5, 4, 2] in cells


def test_plain_csv_parses_without_a_csv_library() -> None:
    """A simple dataset reads back with plain string splitting: no stray quotes or line breaks."""
    plain = presentation("plain", tags={"region": "Ede"})
    sources = [source(plain, [answer("plain", "scales", "x", {"ratings": {"0": 4, "1": "skip"}})])]
    text = to_csv(build_dataset(sources)).decode("utf-8")
    lines = text.split("\r\n")
    assert lines[-1] == "" and len(lines) == 4
    header, first = lines[0].split(","), lines[1].split(",")
    record = dict(zip(header, first, strict=True))
    assert (
        record["tag_region"] == "Ede"
        and record["item"] == "Useful"
        and record["value_number"] == "4"
    )
    assert record["participant"] == "P0001" and record["skipped"] == "0"


def test_the_streamed_workbook_holds_every_cell_of_the_workbook_in_memory(tmp_path: Path) -> None:
    """The workbook an export writes to its file in constant memory (rows flushed as they are
    written) has every sheet and cell of the one built in memory: no row was written out of
    order and lost."""
    sources = two_sessions()
    dataset = build_dataset(sources, now=0)
    write_xlsx(tmp_path / "streamed.xlsx", dataset, sources)
    streamed = openpyxl.load_workbook(tmp_path / "streamed.xlsx")
    in_memory = openpyxl.load_workbook(io.BytesIO(to_xlsx(dataset, sources)))
    assert streamed.sheetnames == in_memory.sheetnames
    for name in in_memory.sheetnames:
        expected = [list(row) for row in in_memory[name].iter_rows(values_only=True)]
        assert [list(row) for row in streamed[name].iter_rows(values_only=True)] == expected
        assert any(any(cell is not None for cell in row) for row in expected)
