"""A slide kind is one module: the registry, and a kind defined entirely in this file."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import msgspec
import pytest
from starlette.testclient import TestClient

from polls import kinds
from polls.core.errors import DocumentInvalid, InvalidAnswer
from polls.core.models import Slide, StoredResponse
from polls.domain.documents import decode_document, validate_document
from polls.kinds.base import CheckedAnswer, Form, Item, Kind, Latest, Results, Tally
from polls.kinds.fields import QUESTION, Boolean, Integer
from tests.conftest import participant_headers, receive_until

ROOT = Path(__file__).resolve().parent.parent


# ---- a yes/no question, defined here and nowhere else ------------------------------------


class YesNo(Slide, tag="yes_no", kw_only=True, frozen=True):
    question: str
    allow_maybe: bool = False


class YesNoTally(Tally):
    kind = "yes_no"

    def __init__(self) -> None:
        super().__init__()
        self.latest = Latest()
        self.answers: dict[str, str] = {}

    def apply(self, response: StoredResponse) -> None:
        super().apply(response)
        if self.latest.is_newer(response):
            self.answers[response.participant] = str(response.value["answer"])

    def snapshot(self, hidden: frozenset[str] = frozenset()) -> Results:
        counts = {choice: 0 for choice in ("yes", "no", "maybe")}
        for answer in self.answers.values():
            counts[answer] += 1
        return {**super().snapshot(hidden), "counts": counts}


class YesNoKind(Kind[YesNo]):
    name = "yes_no"
    label = "Yes or no"
    slide_type = YesNo
    fields = (QUESTION, Boolean(name="allow_maybe", label="Allow maybe"))
    columns: ClassVar[dict[str, str]] = {"value": "yes, no or maybe"}
    answers_replace = True

    def check_answer(self, slide: YesNo, value: dict[str, Any], language: str) -> CheckedAnswer:
        allowed = ("yes", "no", "maybe") if slide.allow_maybe else ("yes", "no")
        if value.get("answer") not in allowed:
            raise InvalidAnswer("Answer yes or no.")
        return CheckedAnswer({"answer": value["answer"]}, 1)

    def form_answer(self, slide: YesNo, form: Form) -> dict[str, Any]:
        return {"answer": next(iter(form.get("answer", [])), "")}

    def new_tally(self, slide: YesNo, language: str) -> Tally:
        return YesNoTally()

    def items(
        self, slide: YesNo, response: StoredResponse, language: str, hidden: set[str]
    ) -> list[Item]:
        answer = str(response.value["answer"])
        return [Item(value=answer, number={"yes": 1.0, "no": 0.0}.get(answer))]

    def result_rows(self, results: Results) -> list[list[Any]]:
        return [["answer", "count"], *([k, v] for k, v in results["counts"].items())]


@pytest.fixture
def yes_no() -> Iterator[Kind[Any]]:
    kind = kinds.register(YesNoKind())
    yield kind
    kinds.unregister("yes_no")


DOCUMENT = {
    "title": "Quick check",
    "language": "en",
    "slides": [{"kind": "yes_no", "id": "useful", "question": "Was this useful?"}],
}


def test_a_kind_defined_in_a_test_goes_through_every_layer(
    yes_no: Kind[Any], client: TestClient
) -> None:
    """Documents, a phone's answer over the socket, the tally, the presenter's results and
    the CSV export all work for a kind registered from outside the package."""
    with pytest.raises(DocumentInvalid) as problems:
        validate_document({**DOCUMENT, "slides": [{"kind": "yes_no", "allow_maybe": "often"}]})
    assert problems.value.problems == [
        "slides[0].question: is required",
        "slides[0].allow_maybe: must be true or false",
    ]
    created = client.post("/api/presentations", json=DOCUMENT)
    assert created.status_code == 201, created.text
    data = created.json()
    presentation_id, code = data["id"], data["code"].replace(" ", "")
    presenter_key = data["presenter_url"].split("key=", 1)[1]
    screen_headers = {"origin": "http://testserver", "authorization": f"Bearer {presenter_key}"}
    with client.websocket_connect(
        f"/ws/present/{presentation_id}", headers=screen_headers
    ) as screen:
        for phone, answer in (("phone-one-0000000000", "yes"), ("phone-two-0000000000", "no")):
            with client.websocket_connect(
                f"/ws/join/{code}", headers=participant_headers(phone)
            ) as ws:
                slide = receive_until(ws, lambda m: m["type"] == "slide")
                assert slide["slide"] == {
                    "kind": "yes_no",
                    "id": "useful",
                    "question": "Was this useful?",
                    "allow_maybe": False,
                }
                ws.send_json({"type": "answer", "id": "a1", "slide": "useful", "value": {}})
                assert receive_until(ws, lambda m: m["type"] == "error")["code"] == "invalid_answer"
                ws.send_json(
                    {"type": "answer", "id": "a2", "slide": "useful", "value": {"answer": answer}}
                )
                assert receive_until(ws, lambda m: m["type"] == "ack")["id"] == "a2"
        live = receive_until(
            screen,
            lambda m: m["type"] == "results" and m["results"]["answered"] == 2,
        )
    assert live["results"]["counts"] == {"yes": 1, "no": 1, "maybe": 0}
    export = client.get(
        f"/research/{presentation_id}/export.csv",
        headers={"authorization": "Bearer " + data["researcher_url"].split("key=", 1)[1]},
    )
    assert export.status_code == 200, export.text
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8"), newline="")))
    assert sorted((r["slide_kind"], r["value"], r["value_number"]) for r in rows) == [
        ("yes_no", "no", "0"),
        ("yes_no", "yes", "1"),
    ]


def test_a_stored_document_is_read_back_by_its_kinds(yes_no: Kind[Any]) -> None:
    """A stored slide of any registered kind decodes to its own struct, defaults included."""
    document = validate_document(DOCUMENT)
    stored = msgspec.json.encode(document)
    assert decode_document(stored) == document
    assert isinstance(decode_document(stored).slides[0], YesNo)


def test_a_stored_slide_of_an_unknown_kind_is_refused() -> None:
    """Decoding a slide whose kind is not registered fails loudly instead of losing fields."""
    stored = b'{"title": "t", "slides": [{"kind": "yes_no", "id": "s1", "question": "q"}]}'
    with pytest.raises(msgspec.ValidationError, match="unknown slide kind"):
        decode_document(stored)


def test_a_kind_whose_fields_do_not_match_its_slide_is_refused() -> None:
    """Registering a kind checks that its field list and its slide struct name the same
    fields, and that the struct's tag is the kind's name."""

    class Missing(YesNoKind):
        fields = (QUESTION,)

    with pytest.raises(TypeError, match="do not match"):
        kinds.register(Missing())

    class Misnamed(YesNoKind):
        name = "yes_or_no"

    with pytest.raises(TypeError, match="tag"):
        kinds.register(Misnamed())
    assert "yes_no" not in kinds.names() and "yes_or_no" not in kinds.names()


def test_fields_take_their_defaults_from_the_slide() -> None:
    """The editor's defaults are the slide struct's own: written once."""
    for kind in kinds.all_kinds():
        struct_defaults = {
            f.name: f.default
            for f in msgspec.structs.fields(kind.slide_type)
            if f.default is not msgspec.NODEFAULT
        }
        for field in kind.fields:
            if field.name in struct_defaults:
                assert field.default == struct_defaults[field.name], (kind.name, field.name)
    word_cloud = kinds.find("word_cloud")
    assert word_cloud is not None
    assert word_cloud.new_slide() == {
        "kind": "word_cloud",
        "question": "",
        "max_words": 3,
        "max_length": 25,
    }
    limits = next(f for f in word_cloud.fields if isinstance(f, Integer) and f.name == "max_words")
    assert (limits.low, limits.high) == (1, 5)


def test_readme_table_of_kinds_is_the_registry() -> None:
    """README's table of slide kinds lists every registered kind with its fields, defaults
    and limits as the kinds' modules define them."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([a-z_]+)` \| (`.*) \|$", readme, flags=re.MULTILINE))
    expected = {kind.name: kinds.readme_fields(kind) for kind in kinds.all_kinds()}
    assert rows == expected


def test_the_editor_and_presenter_get_each_kind_from_the_server(client: TestClient) -> None:
    """The editor page embeds every kind's fields with their limits, in the page's language,
    and each kind's browser module exists."""
    page = client.get("/new", headers={"accept-language": "nl"})
    assert page.status_code == 200
    embedded = re.search(r'data-kinds="([^"]*)"', page.text)
    assert embedded is not None
    described = msgspec.json.decode(html.unescape(embedded.group(1)))
    assert list(described["kinds"]) == kinds.names()
    word_cloud = described["kinds"]["word_cloud"]
    assert word_cloud["label"] == "Woordwolk"
    max_words = next(f for f in word_cloud["fields"] if f["name"] == "max_words")
    assert (max_words["min"], max_words["max"], max_words["default"]) == (1, 5, 3)
    for info in described["kinds"].values():
        assert client.get(info["script"]).status_code == 200, info["script"]
