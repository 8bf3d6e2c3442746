"""Word-cloud images (SVG, PNG) of a cloud as the presenter's screen drew it.

The places and sizes come from the results (``polls.kinds.cloud_layout``): the export draws
the same words at the same places as the screen, fitted to the picture by the same transform.
"""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from polls.kinds.cloud_layout import CANVAS, fit

WIDTH, HEIGHT = int(CANVAS[0]), int(CANVAS[1])
PALETTE = ("#0b4f9c", "#8a1b61", "#0d5a2b", "#7a4a00", "#3d2a8a", "#6b1111")


def transform(view: list[float]) -> str:
    """The SVG transform that fits the cloud's box into the picture."""
    scale, dx, dy = fit((view[0], view[1], view[2], view[3]))
    return f"translate({dx:.2f} {dy:.2f}) scale({scale:.4f})"


def to_svg(words: list[dict[str, Any]], view: list[float], title: str = "") -> str:
    """An SVG of the cloud; every text is escaped."""
    label = quoteattr(title or "word cloud")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label={label}>',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
    ]
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    parts.append(f'<g transform="{transform(view)}">')
    for index, word in enumerate(words):
        colour = PALETTE[index % len(PALETTE)]
        parts.append(
            f'<text x="{word["x"]:.1f}" y="{word["y"]:.1f}" font-size="{word["size"]:.1f}" '
            f'fill="{colour}" text-anchor="middle" dominant-baseline="central" '
            f'font-family="system-ui, sans-serif" font-weight="700">{escape(word["text"])}'
            f"<title>{escape(word['text'])}: {word['count']}</title></text>"
        )
    parts.append("</g></svg>")
    return "\n".join(parts)


def to_png(words: list[dict[str, Any]], view: list[float]) -> bytes:
    """The same cloud drawn as a PNG (Pillow's built-in font)."""
    from PIL import Image, ImageDraw, ImageFont

    scale, dx, dy = fit((view[0], view[1], view[2], view[3]))
    image = Image.new("RGB", (WIDTH, HEIGHT), "#ffffff")
    draw = ImageDraw.Draw(image)
    for index, word in enumerate(words):
        font = ImageFont.load_default(size=max(1.0, word["size"] * scale))
        where = (dx + scale * word["x"], dy + scale * word["y"])
        draw.text(where, word["text"], font=font, fill=PALETTE[index % len(PALETTE)], anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
