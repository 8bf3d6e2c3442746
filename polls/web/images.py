"""Images on slides over HTTP: the presenter's upload, and serving them to phones and screens.

An image is served under the hash of its bytes, so it is cached by browsers for a year and
never changes; this process keeps the newest ones in memory, so a room of phones loading the
same picture at a slide change costs one database read.
"""

from __future__ import annotations

from collections import OrderedDict

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from polls.core.errors import MessageTooLarge, NotFound
from polls.core.i18n import N_
from polls.core.images import MAX_UPLOAD, StoredImage
from polls.imaging import reencode
from polls.web.access import require_presenter

CACHE_BYTES = 64 * 1024 * 1024
FOREVER = "public, max-age=31536000, immutable"


class ImageCache:
    """The images served most recently, up to a number of bytes."""

    def __init__(self, budget: int = CACHE_BYTES) -> None:
        self.budget = budget
        self.used = 0
        self._images: OrderedDict[str, StoredImage] = OrderedDict()

    def get(self, name: str) -> StoredImage | None:
        found = self._images.get(name)
        if found is not None:
            self._images.move_to_end(name)
        return found

    def put(self, image: StoredImage) -> None:
        if image.name in self._images or len(image.data) > self.budget:
            return
        self._images[image.name] = image
        self.used += len(image.data)
        while self.used > self.budget:
            _, dropped = self._images.popitem(last=False)
            self.used -= len(dropped.data)


_cache = ImageCache()


async def _body(request: Request, limit: int) -> bytes:
    """The request's body, refused as soon as it passes ``limit`` bytes."""
    parts = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise MessageTooLarge(N_("An image may be at most %(most)s MB."), most=limit >> 20)
        parts.append(chunk)
    return b"".join(parts)


async def upload(request: Request) -> Response:
    """``POST /api/presentations/{id}/images``: the image in the body (PNG, JPEG, WebP or GIF),
    re-encoded without its metadata; answers with its URL for a slide's ``image``."""
    presentation_id = request.path_params["presentation_id"]
    await require_presenter(request, presentation_id)
    data = await _body(request, MAX_UPLOAD)
    image = await run_in_threadpool(reencode, data)
    writer = request.app.state.services.writer
    await writer.run(lambda storage: storage.save_image(presentation_id, image))
    _cache.put(image)
    return JSONResponse(
        {"url": image.url, "width": image.width, "height": image.height}, status_code=201
    )


async def serve(request: Request) -> Response:
    """``GET /images/{name}.{ext}``: an image, cached for good."""
    name = request.path_params["name"]
    if request.headers.get("if-none-match") == f'"{name}"':
        return Response(status_code=304, headers={"cache-control": FOREVER, "etag": f'"{name}"'})
    image = _cache.get(name)
    if image is None:
        image = await request.app.state.services.storage.image(name)
        if image is not None:
            _cache.put(image)
    if image is None or image.url != request.url.path:
        raise NotFound(N_("There is no such image."))
    return Response(
        image.data,
        media_type=image.content_type,
        headers={"cache-control": FOREVER, "etag": f'"{name}"'},
    )
