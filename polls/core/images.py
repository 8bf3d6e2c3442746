"""Images on slides as stored and named: the hash of their bytes, in a URL that never changes
meaning. Decoding and re-encoding them (Pillow) is :mod:`polls.imaging`."""

from __future__ import annotations

import re

import msgspec

MAX_UPLOAD = 8 * 1024 * 1024  # bytes a presenter may upload
MAX_PIXELS = 50_000_000  # decoded size refused beyond this (a small file can decode huge)
MAX_SIDE = 2048  # the long side after re-encoding
URL = re.compile(r"^/images/([0-9a-f]{64})\.(jpg|png)$")


class StoredImage(msgspec.Struct, frozen=True, kw_only=True):
    """An image as stored and served: its name (content hash), type and bytes."""

    name: str
    content_type: str
    data: bytes
    width: int
    height: int

    @property
    def url(self) -> str:
        return f"/images/{self.name}.{'png' if self.content_type == 'image/png' else 'jpg'}"


def name_of(url: str) -> str | None:
    """The content hash an image URL names, or None if it is not one of ours."""
    found = URL.match(url)
    return found.group(1) if found else None
