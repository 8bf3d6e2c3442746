"""The slide kinds: a registry from a document's ``kind`` to the module that is that kind.

Generic code (documents, protocol, tally, exports, pages) asks :func:`kind_of` and never names
a kind. Each built-in kind is one module beside this one; another is added with
:func:`register` (see docs/architecture.md, "How to add a slide kind").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import msgspec

from polls.core.models import Slide
from polls.kinds.base import Kind
from polls.kinds.content import ContentKind
from polls.kinds.grid import GridKind
from polls.kinds.hundred_points import HundredPointsKind
from polls.kinds.leaderboard import LeaderboardKind
from polls.kinds.multiple_choice import MultipleChoiceKind
from polls.kinds.open_ended import OpenEndedKind
from polls.kinds.qa import QaKind
from polls.kinds.quiz import QuizKind
from polls.kinds.ranking import RankingKind
from polls.kinds.scales import ScalesKind
from polls.kinds.word_cloud import WordCloudKind

_KINDS: dict[str, Kind[Any]] = {}
_BY_TYPE: dict[type[Slide], Kind[Any]] = {}
# Every kind has them; the documents read them for all (time_limit: kinds that take answers).
_STRUCT_ONLY = {"id", "notes", "time_limit", "image", "image_alt"}


def _with_defaults(kind: Kind[Any]) -> None:
    """Take each field's default from the slide struct, and check that the two agree."""
    struct_fields = {f.name: f for f in msgspec.structs.fields(kind.slide_type)}
    listed = [field.name for field in kind.fields]
    expected = [name for name in struct_fields if name not in _STRUCT_ONLY]
    if sorted(listed) != sorted(expected):
        raise TypeError(f"kind {kind.name!r}: fields {listed} do not match its slide {expected}")
    filled = []
    for field in kind.fields:
        default = struct_fields[field.name].default
        if default is msgspec.NODEFAULT:
            default = field.default if field.default is not None else _empty(field.editor)
        filled.append(msgspec.structs.replace(field, default=default))
    kind.fields = tuple(filled)


def _empty(editor: str) -> Any:
    return () if editor == "lines" else ""


def register(kind: Kind[Any]) -> Kind[Any]:
    """Make a kind known to documents, protocol, results, exports and pages."""
    tag = kind.slide_type.__struct_config__.tag
    if tag != kind.name:
        raise TypeError(f"kind {kind.name!r}: its slide struct has the tag {tag!r}")
    if kind.name in _KINDS:
        raise ValueError(f"kind {kind.name!r} is registered already")
    _with_defaults(kind)
    _KINDS[kind.name] = kind
    _BY_TYPE[kind.slide_type] = kind
    return kind


def unregister(name: str) -> None:
    """Forget a kind (for kinds registered by tests)."""
    kind = _KINDS.pop(name)
    del _BY_TYPE[kind.slide_type]


def find(name: object) -> Kind[Any] | None:
    """The kind of that name, or None."""
    return _KINDS.get(name) if isinstance(name, str) else None


def kind_of(slide: Slide) -> Kind[Any]:
    """The kind a slide is."""
    return _BY_TYPE[type(slide)]


def all_kinds() -> Iterator[Kind[Any]]:
    """Every registered kind, in the order registered (the editor's order)."""
    return iter(list(_KINDS.values()))


def names() -> list[str]:
    return list(_KINDS)


def readme_fields(kind: Kind[Any]) -> str:
    """A kind's fields as README's table of kinds shows them."""
    return ", ".join(field.summary() for field in kind.fields)


def slide_from_data(data: object) -> Slide:
    """A stored slide (plain data with its ``kind``) as its struct; ValueError if unknown."""
    if not isinstance(data, dict):
        raise ValueError("a stored slide must be a mapping")
    kind = find(data.get("kind"))
    if kind is None:
        raise ValueError(f"unknown slide kind {data.get('kind')!r}")
    slide: Slide = msgspec.convert(data, kind.slide_type)
    return slide


def _translated(field: dict[str, Any], translate: Callable[[str], str]) -> dict[str, Any]:
    """A field for the editor with its label (and its choices' labels) in the page's language."""
    found = {**field, "label": translate(field["label"])}
    if "choices" in found:
        found["choices"] = [{**c, "label": translate(c["label"])} for c in found["choices"]]
    return found


def browser_kinds(translate: Callable[[str], str]) -> dict[str, dict[str, Any]]:
    """What the editor and pages need of each kind, labels in the page's language: its fields
    with defaults and limits, a new slide of it, its script, whether it takes answers and
    whether other results can be broken down by it."""
    return {
        kind.name: {
            "label": translate(kind.label),
            "fields": [_translated(field, translate) for field in kind.describe_fields()],
            "script": kind.script,
            "new": kind.new_slide(),
            "answers": kind.takes_answers,
            "groups": kind.groups_participants,
        }
        for kind in all_kinds()
    }


for _builtin in (
    WordCloudKind(),
    ScalesKind(),
    MultipleChoiceKind(),
    RankingKind(),
    HundredPointsKind(),
    GridKind(),
    QuizKind(),
    LeaderboardKind(),
    OpenEndedKind(),
    ContentKind(),
    QaKind(),
):
    register(_builtin)
