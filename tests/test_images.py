"""Images on slides: re-encoding (metadata gone, upright, bounded), documents that name them,
`polls create` with image files, and the upload and serving over HTTP."""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image
from starlette.testclient import TestClient

from polls.core.errors import DocumentInvalid, InvalidImage
from polls.core.images import MAX_SIDE, MAX_UPLOAD, name_of
from polls.domain.documents import read_document_data, validate_document
from polls.imaging import attach_images, reencode
from tests.conftest import Created

GPS = 0x8825
ORIENTATION = 0x0112


def photo(width: int = 400, height: int = 300, orientation: int = 1) -> bytes:
    """A JPEG as a phone's camera makes it: with where it was taken and how it was held."""
    picture = Image.new("RGB", (width, height), (200, 30, 30))
    picture.paste((30, 30, 200), (0, 0, width // 2, height))  # left half blue
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "PhoneMaker"  # camera make
    exif[GPS] = {1: "N", 2: (52.0, 21.0, 0.0), 3: "E", 4: (4.0, 53.0, 0.0)}
    out = io.BytesIO()
    picture.save(out, "JPEG", exif=exif)
    return out.getvalue()


def noise(width: int, height: int) -> bytes:
    """A JPEG that hardly compresses: a few MB, like a phone's photo."""
    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(
        out, "JPEG", quality=95
    )
    assert len(out.getvalue()) > 2 * 1024 * 1024
    return out.getvalue()


def test_a_photo_loses_its_metadata_and_stands_upright() -> None:
    """Re-encoding drops every EXIF field (the GPS position and the camera included), applies
    the orientation the camera recorded, and names the result by its SHA-256."""
    original = photo(orientation=6)  # held upright: the pixels are stored turned
    assert Image.open(io.BytesIO(original)).getexif()[GPS]
    image = reencode(original)
    cleaned = Image.open(io.BytesIO(image.data))
    assert dict(cleaned.getexif()) == {} and "exif" not in cleaned.info
    assert (image.width, image.height) == (300, 400)
    assert image.content_type == "image/jpeg"
    assert image.name == hashlib.sha256(image.data).hexdigest()
    assert image.url == f"/images/{image.name}.jpg" and name_of(image.url) == image.name
    assert b"PhoneMaker" not in image.data


def test_large_pictures_shrink_and_transparent_ones_stay_png() -> None:
    """The long side becomes at most 2048 pixels; a picture with transparency stays PNG."""
    big = reencode(photo(5000, 2500))
    assert (big.width, big.height) == (MAX_SIDE, MAX_SIDE // 2)
    out = io.BytesIO()
    Image.new("RGBA", (64, 64), (0, 0, 0, 0)).save(out, "PNG")
    logo = reencode(out.getvalue())
    assert logo.content_type == "image/png" and logo.url.endswith(".png")
    assert Image.open(io.BytesIO(logo.data)).mode == "RGBA"


def test_what_is_not_a_picture_polls_can_show_is_refused_with_the_reason() -> None:
    """Text, a truncated JPEG, a file over 8 MB and a picture of too many pixels (which a
    small file can hold) are refused, each with a reason to show."""
    with pytest.raises(InvalidImage, match="not an image"):
        reencode(b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    with pytest.raises(InvalidImage, match="not an image"):
        reencode(photo()[:300])
    with pytest.raises(InvalidImage, match="at most 8 MB"):
        reencode(b"\xff" * (MAX_UPLOAD + 1))
    out = io.BytesIO()
    Image.new("1", (8000, 8000)).save(out, "PNG")
    assert len(out.getvalue()) < 100_000
    with pytest.raises(InvalidImage, match="too many pixels"):
        reencode(out.getvalue())


def test_a_slide_names_an_uploaded_image_and_says_what_it_shows() -> None:
    """An image is an uploaded image's URL, and needs a text for those who cannot see it."""
    url = reencode(photo()).url
    slide = {"kind": "content", "title": "Kijk", "image": url, "image_alt": "Een rode deur"}
    assert validate_document({"title": "t", "slides": [slide]}).slides[0].image == url
    with pytest.raises(DocumentInvalid) as problems:
        validate_document(
            {
                "title": "t",
                "slides": [
                    {**slide, "image_alt": ""},
                    {**slide, "image": "https://elsewhere.example/x.jpg"},
                    {"kind": "content", "title": "Geen", "image_alt": "iets"},
                ],
            }
        )
    assert [p.split(":")[0] for p in problems.value.problems] == [
        "slides[0].image_alt",
        "slides[1].image",
        "slides[2].image_alt",
    ]


def test_polls_create_takes_image_files_next_to_the_document(tmp_path: Path) -> None:
    """A slide's image may be a file beside the YAML: it is re-encoded and named by its URL;
    a missing file is a problem of that slide."""
    (tmp_path / "deur.jpg").write_bytes(photo())
    yaml = tmp_path / "sessie.yaml"
    yaml.write_text(
        "title: Sessie\nslides:\n  - kind: content\n    title: Kijk\n    image: deur.jpg\n"
        "    image_alt: Een rode deur\n",
        encoding="utf-8",
    )
    data = read_document_data(yaml)
    images = attach_images(data, tmp_path)
    document = validate_document(data)
    assert [image.url for image in images] == [document.slides[0].image]
    yaml.write_text(yaml.read_text(encoding="utf-8").replace("deur.jpg", "weg.jpg"), "utf-8")
    with pytest.raises(DocumentInvalid, match=r"slides\[0\]\.image: cannot read weg.jpg"):
        attach_images(read_document_data(yaml), tmp_path)


def test_an_uploaded_image_is_served_for_good_and_only_presenters_upload(
    client: TestClient, make_presentation: Callable[..., Created]
) -> None:
    """The presenter uploads a photo; it is served under its hash with a year's caching (and
    304 when the browser has it); others cannot upload; a file that is no picture is refused
    with the reason."""
    created = make_presentation()
    url = f"/api/presentations/{created.id}/images"
    refused = client.post(url, content=photo(), headers={"content-type": "image/jpeg"})
    assert refused.status_code == 403
    key = {"authorization": f"Bearer {created.key}"}
    uploaded = client.post(url, content=photo(orientation=6), headers=key)
    assert uploaded.status_code == 201, uploaded.text
    found = uploaded.json()
    assert (found["width"], found["height"]) == (300, 400)
    served = client.get(found["url"])
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert Image.open(io.BytesIO(served.content)).size == (300, 400)
    again = client.get(found["url"], headers={"if-none-match": served.headers["etag"]})
    assert again.status_code == 304
    assert client.get(found["url"].replace(".jpg", ".png")).status_code == 404
    assert client.get("/images/" + "0" * 64 + ".jpg").status_code == 404
    text = client.post(url, content=b"hello", headers=key)
    assert text.status_code == 422 and text.json()["error"]["code"] == "invalid_image"
    # A phone's photo is several MB: far past the 512 KiB every other request may carry.
    big = client.post(url, content=noise(1600, 1200), headers=key)
    assert big.status_code == 201, big.text
    over = client.post(url, content=b"\xff" * (MAX_UPLOAD + 1), headers=key)
    assert over.status_code == 413 and over.json()["error"]["code"] == "too_large"
