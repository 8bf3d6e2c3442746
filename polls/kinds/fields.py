"""Document fields: each read and checked in one place, every problem reported by its path.

A slide kind lists its fields once (name, limits, editor label); the same list validates
documents, feeds the browser's editor (:meth:`Field.describe`) and the README's table of
kinds (:meth:`Field.summary`). Defaults are the slide struct's own, so they are written once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from polls.core.errors import Problem
from polls.core.i18n import N_


class Checker:
    """Collects problems while reading one mapping; every read names its path."""

    def __init__(self, problems: list[Problem], data: Mapping[str, Any], path: str) -> None:
        self.problems = problems
        self.data = data
        self.path = path
        self.used: set[str] = set()

    def at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def problem(self, key: str, template: str, **params: object) -> None:
        """A problem of the field ``key``; its ``template`` is marked with ``N_``."""
        self.problems.append(Problem(self.at(key), template, **params))

    def text(self, key: str, *, required: bool, max_length: int, default: str = "") -> str:
        self.used.add(key)
        value = self.data.get(key)
        if value is None:
            if required:
                self.problem(key, N_("is required"))
            return default
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.problem(key, N_("must be text"))
            return default
        text = str(value).strip()
        if required and not text:
            self.problem(key, N_("must not be empty"))
        elif len(text) > max_length:
            self.problem(key, N_("must be at most %(count)s characters"), count=max_length)
        return text

    def integer(self, key: str, default: int, low: int, high: int) -> int:
        self.used.add(key)
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(key, N_("must be a whole number"))
            return default
        if not low <= value <= high:
            self.problem(key, N_("must be between %(low)s and %(high)s"), low=low, high=high)
            return default
        return value

    def boolean(self, key: str, default: bool) -> bool:
        self.used.add(key)
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            self.problem(key, N_("must be true or false"))
            return default
        return value

    def texts(self, key: str, low: int, high: int, max_length: int) -> tuple[str, ...]:
        self.used.add(key)
        value = self.data.get(key)
        if not isinstance(value, list):
            self.problem(key, N_("is required") if value is None else N_("must be a list"))
            return ()
        if not low <= len(value) <= high:
            self.problem(
                key, N_("must have between %(low)s and %(high)s items"), low=low, high=high
            )
        items: list[str] = []
        seen: set[str] = set()
        for index, item in enumerate(value):
            where = f"{key}[{index}]"
            if isinstance(item, bool) or not isinstance(item, str | int | float):
                self.problem(where, N_("must be text"))
                continue
            text = str(item).strip()
            if not text:
                self.problem(where, N_("must not be empty"))
            elif len(text) > max_length:
                self.problem(where, N_("must be at most %(count)s characters"), count=max_length)
            elif text.casefold() in seen:
                self.problem(where, N_("repeats %(text)r"), text=text)
            seen.add(text.casefold())
            items.append(text)
        return tuple(items)

    def unknown_keys(self) -> None:
        for key in self.data:
            if key not in self.used:
                self.problem(str(key), N_("is not a known field"))


class Field(msgspec.Struct, frozen=True, kw_only=True):
    """One field of a slide kind. ``default`` is filled in from the slide struct."""

    name: str
    label: str
    default: Any = None

    editor = "text"

    def read(self, checker: Checker) -> Any:
        raise NotImplementedError

    def limits(self) -> dict[str, Any]:
        return {}

    def describe(self) -> dict[str, Any]:
        """The field for the browser's editor (the label is translated there)."""
        described = {"name": self.name, "type": self.editor, "label": self.label}
        return {**described, "default": self.default, **self.limits()}

    def summary(self) -> str:
        """The field in the README's table of kinds."""
        return f"`{self.name}`"


class Text(Field, frozen=True, kw_only=True):
    max_length: int
    required: bool = False

    def read(self, checker: Checker) -> str:
        return checker.text(
            self.name, required=self.required, max_length=self.max_length, default=self.default
        )

    def limits(self) -> dict[str, Any]:
        return {"max_length": self.max_length, "required": self.required}

    def summary(self) -> str:
        required = "required, " if self.required else ""
        return f"`{self.name}` ({required}at most {self.max_length} characters)"


class LongText(Text, frozen=True, kw_only=True):
    """Text over several lines (a text-only slide's body)."""

    editor = "area"


class Integer(Field, frozen=True, kw_only=True):
    low: int
    high: int

    editor = "number"

    def read(self, checker: Checker) -> int:
        return checker.integer(self.name, self.default, self.low, self.high)

    def limits(self) -> dict[str, Any]:
        return {"min": self.low, "max": self.high}

    def summary(self) -> str:
        return f"`{self.name}` ({self.default}; {self.low} to {self.high})"


class Boolean(Field, frozen=True, kw_only=True):
    editor = "check"

    def read(self, checker: Checker) -> bool:
        return checker.boolean(self.name, self.default)

    def summary(self) -> str:
        return f"`{self.name}` ({str(self.default).lower()})"


class Choice(Field, frozen=True, kw_only=True):
    """One of a few named values (a layout); the editor shows a menu of their labels."""

    choices: tuple[tuple[str, str], ...]  # (value, label marked with N_)

    editor = "select"

    def read(self, checker: Checker) -> str:
        value = checker.text(self.name, required=False, max_length=40, default=self.default)
        names = [name for name, _ in self.choices]
        if value not in names:
            checker.problem(self.name, N_("must be one of: %(choices)s"), choices=", ".join(names))
            return str(self.default)
        return value

    def limits(self) -> dict[str, Any]:
        return {"choices": [{"value": name, "label": label} for name, label in self.choices]}

    def summary(self) -> str:
        names = [name for name, _ in self.choices]
        return f"`{self.name}` ({self.default}; {', '.join(names[:-1])} or {names[-1]})"


class Lines(Field, frozen=True, kw_only=True):
    """A list of short texts (statements, options), one per line in the editor."""

    low: int
    high: int
    max_length: int

    editor = "lines"

    def read(self, checker: Checker) -> tuple[str, ...]:
        return checker.texts(self.name, self.low, self.high, self.max_length)

    def limits(self) -> dict[str, Any]:
        return {"min_items": self.low, "max_items": self.high, "max_length": self.max_length}

    def summary(self) -> str:
        return (
            f"`{self.name}` ({self.low} to {self.high}, each at most {self.max_length} characters)"
        )


QUESTION = Text(name="question", label=N_("Question"), max_length=300, required=True)
NOTES = LongText(name="notes", label=N_("Notes for the presenter"), max_length=5000)
# Every slide that takes answers may have one: voting closes by itself this long after the
# presenter shows it (0: only when the presenter closes it).
TIME_LIMIT = Integer(
    name="time_limit",
    label=N_("Time to answer in seconds (0: no limit)"),
    low=0,
    high=3600,
    default=0,
)
# Every slide may show an image (uploaded: its URL), with a text for those who cannot see it.
IMAGE = Text(name="image", label=N_("Image"), max_length=300)
IMAGE_ALT = Text(
    name="image_alt", label=N_("What the image shows (for those who cannot see it)"), max_length=300
)
