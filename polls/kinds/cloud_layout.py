"""Where the words of a word cloud stand: computed once, on the server, for the screen and the
research export alike. Pure and deterministic.

A word is placed once, when it first appears, on a spiral from the middle, where its box at
the largest size a word is ever drawn (plus a margin) overlaps no box placed before; it never
moves after that. A word is drawn at a share of that size that grows with its count, so a
drawn word always lies inside its own reserved box: words grow in place and never overlap. The
screen fits the box around the drawn words to its size with one transform (``fit``).
"""

from __future__ import annotations

import math

import msgspec

LARGEST = 100.0  # font size, in cloud units, of the most mentioned word
SMALLEST_SHARE = 0.4  # the least mentioned word, as a share of LARGEST
MARGIN = 24.0  # between reserved boxes
CELL = 200.0  # of the grid that finds nearby boxes
CANVAS = (1600.0, 900.0)  # what the screen and the export draw into


def text_box(text: str, size: float) -> tuple[float, float]:
    """Width and height of a word at a font size (wide characters take about an em)."""
    wide = sum(1 for c in text if ord(c) > 0x2E80)  # CJK and emoji
    return ((len(text) - wide) * 0.64 * size + wide * 1.05 * size + 0.2 * size, 1.15 * size)


class Spot(msgspec.Struct, frozen=True):
    """A word's reserved place: its centre and half its reserved width and height."""

    x: float
    y: float
    half_width: float
    half_height: float


STEP = 20.0  # along the spiral, in cloud units
TURN = 60.0  # the spiral's radius grows by this much each turn


def spiral(index: int) -> tuple[float, float, float]:
    """The index-th point of an elliptic spiral with the screen's proportions (and its angle),
    points about STEP apart along it."""
    angle = math.sqrt(index * STEP * 4 * math.pi / TURN)
    radius = TURN * angle / (2 * math.pi)
    return radius * math.cos(angle) * 1.6, radius * math.sin(angle) * 0.9, angle


class CloudLayout:
    """The places of one cloud's words, in the order they were first placed."""

    def __init__(self) -> None:
        self.spots: dict[str, Spot] = {}
        self._grid: dict[tuple[int, int], list[Spot]] = {}
        # No word, not even one of a single letter, fits at a spiral point before this one, now
        # or later (boxes are never taken away): searches start here.
        self._frontier = 0
        self._starts: dict[float, int] = {}  # by half width: where the last such word stood
        narrowest = text_box("i", LARGEST)
        self._least = (narrowest[0] / 2 + MARGIN / 2, narrowest[1] / 2 + MARGIN / 2)

    def place(self, key: str, text: str) -> Spot:
        """The word's place: found the first time, the same ever after."""
        found = self.spots.get(key)
        if found is not None:
            return found
        width, height = text_box(text, LARGEST)
        half_width, half_height = width / 2 + MARGIN / 2, height / 2 + MARGIN / 2
        while not self._free(*spiral(self._frontier)[:2], *self._least):
            self._frontier += 1
        # Where a narrower word could not stand, this one cannot either (all boxes are of one
        # height): start after the last place found for a word as wide or narrower.
        index = max(
            [self._frontier] + [start for wide, start in self._starts.items() if wide <= half_width]
        )
        while True:
            x, y, _ = spiral(index)
            if self._free(x, y, half_width, half_height):
                break
            index += 1
        self._starts[half_width] = index
        spot = Spot(x, y, half_width, half_height)
        self.spots[key] = spot
        for cell in _cells(x, y, half_width, half_height):
            self._grid.setdefault(cell, []).append(spot)
        return spot

    def _free(self, x: float, y: float, half_width: float, half_height: float) -> bool:
        for cell in _cells(x, y, half_width, half_height):
            for other in self._grid.get(cell, ()):
                if (
                    abs(other.x - x) < other.half_width + half_width
                    and abs(other.y - y) < other.half_height + half_height
                ):
                    return False
        return True


def _cells(x: float, y: float, half_width: float, half_height: float) -> list[tuple[int, int]]:
    left, right = math.floor((x - half_width) / CELL), math.floor((x + half_width) / CELL)
    top, bottom = math.floor((y - half_height) / CELL), math.floor((y + half_height) / CELL)
    return [(i, j) for i in range(left, right + 1) for j in range(top, bottom + 1)]


def drawn_size(text: str, count: int, top: int, spot: Spot) -> float:
    """A word's font size: a share of the largest that grows with its count, and never wider
    than its reserved place (a later spelling may be longer than the first)."""
    share = SMALLEST_SHARE + (1 - SMALLEST_SHARE) * math.sqrt(count / max(top, 1))
    size = LARGEST * share
    width = text_box(text, size)[0]
    room = 2 * spot.half_width - MARGIN
    return size * room / width if width > room else size


def bounds(words: list[tuple[float, float, float, str]]) -> tuple[float, float, float, float]:
    """The box around drawn words (x, y, size, text): left, top, right, bottom."""
    if not words:
        return (-CANVAS[0] / 2, -CANVAS[1] / 2, CANVAS[0] / 2, CANVAS[1] / 2)
    left = top = math.inf
    right = bottom = -math.inf
    for x, y, size, text in words:
        width, height = text_box(text, size)
        left, right = min(left, x - width / 2), max(right, x + width / 2)
        top, bottom = min(top, y - height / 2), max(bottom, y + height / 2)
    return (left, top, right, bottom)


def fit(view: tuple[float, float, float, float]) -> tuple[float, float, float]:
    """The one transform that shows a cloud's box in the canvas, centred with a margin, never
    enlarged past its own size: scale, then translate x and y (``static/kinds/word_cloud.js``
    does the same)."""
    left, top, right, bottom = view
    width, height = max(right - left, 1.0), max(bottom - top, 1.0)
    scale = min(CANVAS[0] * 0.94 / width, CANVAS[1] * 0.94 / height, 2.0)
    return (
        scale,
        CANVAS[0] / 2 - scale * (left + right) / 2,
        CANVAS[1] / 2 - scale * (top + bottom) / 2,
    )
