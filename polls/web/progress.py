"""Sending the files research jobs make: plainly (:func:`made_file`), or after telling how
far the job is (:func:`with_progress`), which the research page asks for with ``?progress=1``.

One response, so it works whichever worker a proxy sends it to: JSON lines first, then the
file itself::

    {"progress": {"done": 0, "total": 0}}          reading the answers (total not known yet)
    {"progress": {"done": 5000, "total": 200000}}  rows written of rows to write
    {"file": {"name": "polls-….xlsx", "type": "application/…", "size": 8123456}}
    <size bytes: the file>

or, if the job fails, a last line ``{"error": {"code": "...", "reason": "..."}}`` (in the
browser's language). A line comes at least every KEEPALIVE seconds, so that proxies keep a
long export's connection open. When the browser goes away, the job is stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import msgspec
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import FileResponse, StreamingResponse

from polls.core.errors import PollsError
from polls.core.i18n import N_, preferred_language, translations
from polls.research.offload import Progress
from polls.web.pages import localised

log = logging.getLogger("polls")
MEDIA_TYPE = "application/x-polls-progress"
KEEPALIVE = 10.0  # seconds between lines at most
CHUNK = 1 << 16


def _line(value: object) -> bytes:
    return msgspec.json.encode(value) + b"\n"


def with_progress(
    request: Request,
    path: Path,
    media_type: str,
    make: Callable[[Progress], Awaitable[str]],
) -> StreamingResponse:
    """Stream ``make(progress)``'s progress, then the file it wrote to ``path`` under the name
    it returns; the file is deleted afterwards."""
    changed = asyncio.Event()
    latest = [0, 0]

    def progress(done: int, total: int) -> None:
        latest[:] = [done, total]
        changed.set()

    async def lines() -> AsyncIterator[bytes]:
        job = asyncio.ensure_future(make(progress))
        try:
            yield _line({"progress": {"done": 0, "total": 0}})
            while not job.done():
                waiter = asyncio.ensure_future(changed.wait())
                await asyncio.wait({job, waiter}, timeout=KEEPALIVE, return_when="FIRST_COMPLETED")
                waiter.cancel()
                changed.clear()
                if not job.done():
                    yield _line({"progress": {"done": latest[0], "total": latest[1]}})
            try:
                name = job.result()
            except PollsError as refused:
                reason = localised(request, refused)
                yield _line({"error": {"code": refused.code, "reason": reason}})
                return
            except Exception:
                log.exception("a download with progress failed")
                gettext = translations(preferred_language(request.headers.get("accept-language")))
                reason = gettext(N_("Something went wrong"))
                yield _line({"error": {"code": "internal", "reason": reason}})
                return
            size = (await asyncio.to_thread(path.stat)).st_size
            yield _line({"file": {"name": name, "type": media_type, "size": size}})
            with path.open("rb") as source:
                while chunk := await asyncio.to_thread(source.read, CHUNK):
                    yield chunk
        finally:
            if not job.done():
                job.cancel()  # the browser went away: the job's process is stopped
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await job
            await asyncio.to_thread(path.unlink, missing_ok=True)

    return StreamingResponse(lines(), media_type=MEDIA_TYPE, headers={"Cache-Control": "no-store"})


async def made_file(
    path: Path, make: Callable[[], Awaitable[str]], media_type: str, *, attachment: bool = True
) -> FileResponse:
    """The file ``make()`` writes to ``path``, under the name it returns (as an attachment, or
    to show in the browser), deleted once sent or if the job fails."""
    try:
        name = await make()
    except BaseException:
        await asyncio.to_thread(path.unlink, missing_ok=True)
        raise
    return FileResponse(
        path,
        media_type=media_type,
        filename=name if attachment else None,
        content_disposition_type="attachment" if attachment else "inline",
        headers={"Cache-Control": "no-store"},
        background=BackgroundTask(path.unlink, missing_ok=True),
    )
