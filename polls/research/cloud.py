"""Word-cloud layout and images (SVG, PNG).

``layout`` is pure and deterministic: the same words and counts in the same
order always give the same picture. Words are placed along a spiral from the
middle, each where it first fits without overlapping another.
"""

from __future__ import annotations

import io
import math
from xml.sax.saxutils import escape, quoteattr

import msgspec

WIDTH, HEIGHT = 1600, 900
MIN_SIZE, MAX_SIZE = 26.0, 150.0
PALETTE = ("#0b4f9c", "#8a1b61", "#0d5a2b", "#7a4a00", "#3d2a8a", "#6b1111")


class Placed(msgspec.Struct, frozen=True):
    text: str
    count: int
    x: float  # centre
    y: float  # centre
    size: float
    colour: str


def _box(text: str, size: float) -> tuple[float, float]:
    wide = sum(1 for c in text if ord(c) > 0x2E80)  # CJK and emoji take about a full em
    return ((len(text) - wide) * 0.6 * size + wide * 1.05 * size + 0.2 * size, 1.15 * size)


def layout(words: list[tuple[str, int]], width: int = WIDTH, height: int = HEIGHT) -> list[Placed]:
    """Place words (text, count) in the order given, sized by count, all of them if they fit.

    The order is the order words first appeared, so a word keeps its place while the cloud
    grows. When the words do not all fit, every size shrinks a little and layout starts over.
    """
    if not words:
        return []
    top = max(count for _, count in words)
    scale = 1.0
    for _ in range(12):
        placed = _place(words, top, scale, width, height)
        if len(placed) == len(words):
            return placed
        scale *= 0.85
    return placed


def _place(
    words: list[tuple[str, int]], top: int, scale: float, width: int, height: int
) -> list[Placed]:
    placed: list[Placed] = []
    boxes: list[tuple[float, float, float, float]] = []
    aspect = width / height
    for index, (text, count) in enumerate(words):
        size = scale * (MIN_SIZE + (MAX_SIZE - MIN_SIZE) * math.sqrt(count / top))
        box_width, box_height = _box(text, size)
        if box_width > width:
            size *= width / box_width * 0.95
            box_width, box_height = _box(text, size)
        for step in range(3000):
            angle = 0.3 * step
            radius = 2.5 * angle
            x = width / 2 + radius * math.cos(angle) * aspect / 1.4
            y = height / 2 + radius * math.sin(angle) / 1.4
            left, top_edge = x - box_width / 2, y - box_height / 2
            right, bottom = left + box_width, top_edge + box_height
            if left < 0 or top_edge < 0 or right > width or bottom > height:
                if radius > width:
                    break
                continue
            if all(right <= a or left >= c or bottom <= b or top_edge >= d for a, b, c, d in boxes):
                boxes.append((left, top_edge, right, bottom))
                placed.append(Placed(text, count, x, y, size, PALETTE[index % len(PALETTE)]))
                break
    return placed


def to_svg(words: list[tuple[str, int]], title: str = "") -> str:
    """An SVG of the cloud; every text is escaped."""
    label = quoteattr(title or "word cloud")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label={label}>',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
    ]
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    for word in layout(words):
        parts.append(
            f'<text x="{word.x:.1f}" y="{word.y:.1f}" font-size="{word.size:.1f}" '
            f'fill="{word.colour}" text-anchor="middle" dominant-baseline="central" '
            f'font-family="system-ui, sans-serif" font-weight="700">{escape(word.text)}'
            f"<title>{escape(word.text)}: {word.count}</title></text>"
        )
    parts.append("</svg>")
    return "\n".join(parts)


def to_png(words: list[tuple[str, int]]) -> bytes:
    """The same layout drawn as a PNG (Pillow's built-in font)."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (WIDTH, HEIGHT), "#ffffff")
    draw = ImageDraw.Draw(image)
    for word in layout(words):
        font = ImageFont.load_default(size=word.size)
        draw.text((word.x, word.y), word.text, font=font, fill=word.colour, anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
