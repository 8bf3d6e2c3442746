"""Word-cloud images (SVG, PNG) of a cloud as the presenter's screen drew it.

The places and sizes come from the results (``polls.kinds.cloud_layout``): the export draws
the same words at the same places as the screen, fitted to the picture by the same transform.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import regex

from polls.core.errors import Unavailable
from polls.core.i18n import N_
from polls.kinds.cloud_layout import CANVAS, fit

# Bold sans-serif fonts with every Latin letter (ë, é, ï, ö, ü, €, ...), where Debian, Alpine,
# Fedora and Arch put them; else fontconfig is asked for one that covers Dutch.
FONT_FILES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans-Bold.ttf",
)
NO_FONT = N_(
    "The PNG word cloud needs a font with every Latin letter: install DejaVu Sans "
    "(Debian: apt-get install fonts-dejavu-core). The SVG needs none."
)
# Pillow draws no colour emoji: the PNG leaves them out (the SVG keeps them).
_CLUSTER = regex.compile(r"\X")
_PICTOGRAPHIC = regex.compile(r"\p{Extended_Pictographic}|\p{Regional_Indicator}")

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


@lru_cache(maxsize=1)
def font_file() -> str:
    """A bold font with every Latin letter, or Unavailable saying what to install."""
    for candidate in FONT_FILES:
        if Path(candidate).is_file():
            return candidate
    fc_match = shutil.which("fc-match")
    if fc_match:
        found = subprocess.run(  # noqa: S603 - a fixed command and pattern, no input
            [fc_match, "--format=%{file}", "sans-serif:bold:lang=nl"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.strip()
        if found.endswith((".ttf", ".otf")) and Path(found).is_file():
            return found
    raise Unavailable(NO_FONT)


def without_emoji(text: str) -> str:
    """The text as the PNG can draw it: emoji (with their joiners and skin tones) left out."""
    if text.isascii():
        return text
    kept = [c for c in _CLUSTER.findall(text) if _PICTOGRAPHIC.search(c) is None]
    return " ".join("".join(kept).split())


def to_png(words: list[dict[str, Any]], view: list[float]) -> bytes:
    """The same cloud drawn as a PNG, in DejaVu Sans Bold (or what fontconfig finds), every
    accent included; emoji are left out (Pillow draws no colour emoji; the SVG keeps them)."""
    from PIL import Image, ImageDraw, ImageFont

    path = font_file()
    scale, dx, dy = fit((view[0], view[1], view[2], view[3]))
    image = Image.new("RGB", (WIDTH, HEIGHT), "#ffffff")
    draw = ImageDraw.Draw(image)
    for index, word in enumerate(words):
        text = without_emoji(word["text"])
        if not text:
            continue
        font = ImageFont.truetype(path, size=max(1, round(word["size"] * scale)))
        where = (dx + scale * word["x"], dy + scale * word["y"])
        draw.text(where, text, font=font, fill=PALETTE[index % len(PALETTE)], anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
