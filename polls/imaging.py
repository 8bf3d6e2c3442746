"""Uploaded images checked and re-encoded with Pillow.

Bytes in, bytes out. Re-encoding keeps only the pixels (no EXIF, no GPS position, no camera or
editor data), turned upright as the camera meant, at most ``MAX_SIDE`` pixels on the long side:
a photo from a phone becomes a few hundred KB that a venue's Wi-Fi can carry to every phone.
Images named as files in a document (for ``polls create``) are read and re-encoded here too.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

from polls.core.errors import DocumentInvalid, InvalidImage
from polls.core.i18n import N_
from polls.core.images import MAX_PIXELS, MAX_SIDE, MAX_UPLOAD, StoredImage, name_of

FORMATS = ("PNG", "JPEG", "WEBP", "GIF")
NOT_AN_IMAGE = N_("This file is not an image polls can show (PNG, JPEG, WebP or GIF).")


def reencode(upload: bytes) -> StoredImage:
    """An uploaded image checked and re-encoded; InvalidImage with the reason otherwise.

    Pictures with transparency stay PNG; everything else becomes JPEG (quality 85). Animated
    images keep their first frame."""
    if len(upload) > MAX_UPLOAD:
        raise InvalidImage(N_("An image may be at most %(most)s MB."), most=MAX_UPLOAD >> 20)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(upload)) as opened:
                if opened.format not in FORMATS:
                    raise InvalidImage(NOT_AN_IMAGE)
                width, height = opened.size
                if width * height > MAX_PIXELS:
                    raise InvalidImage(N_("This image has too many pixels (at most 50 million)."))
                opened.seek(0)
                picture = ImageOps.exif_transpose(opened)
                picture.load()
    except (
        UnidentifiedImageError,
        OSError,
        ValueError,
        SyntaxError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as error:
        raise InvalidImage(NOT_AN_IMAGE) from error
    picture.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    transparent = picture.mode in ("RGBA", "LA") or (
        picture.mode == "P" and "transparency" in picture.info
    )
    out = io.BytesIO()
    if transparent:
        picture.convert("RGBA").save(out, "PNG", optimize=True)
        content_type = "image/png"
    else:
        picture.convert("RGB").save(out, "JPEG", quality=85, optimize=True, progressive=True)
        content_type = "image/jpeg"
    data = out.getvalue()
    return StoredImage(
        name=hashlib.sha256(data).hexdigest(),
        content_type=content_type,
        data=data,
        width=picture.width,
        height=picture.height,
    )


def attach_images(data: Any, folder: Path) -> list[StoredImage]:
    """Re-encode the images a document's slides name as files (relative to ``folder``) and name
    them by their URLs in ``data`` instead; the images, for the caller to store. A file that
    cannot be read or is no image is a problem of its slide."""
    slides = data.get("slides") if isinstance(data, dict) else None
    images: list[StoredImage] = []
    problems = []
    for index, slide in enumerate(slides if isinstance(slides, list) else ()):
        given = slide.get("image") if isinstance(slide, dict) else None
        if not isinstance(given, str) or not given or name_of(given) is not None:
            continue
        try:
            image = reencode((folder / given).read_bytes())
        except OSError as exc:
            problems.append(f"slides[{index}].image: cannot read {given}: {exc.strerror}")
            continue
        except InvalidImage as exc:
            problems.append(f"slides[{index}].image: {given}: {exc.reason}")
            continue
        images.append(image)
        slide["image"] = image.url
    if problems:
        raise DocumentInvalid(problems)
    return images
