"""The browser's files (static/), read once at start and served from memory.

Each file's URL carries a hash of its content (``/static/participant.js?v=3f0c...``), and so do
the imports between modules, which are rewritten to the hashed URLs: a browser keeps a file for
a year and asks again only when it changed. A request without the current hash is answered
with ``no-cache`` and an ETag (a 304 when unchanged). Text files are gzipped once, at start.
10,000 phones loading the page at the start of a session cost one read of each file.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import posixpath
import re
from pathlib import Path

import jinja2
from starlette.types import ASGIApp, Receive, Scope, Send

PACKAGE = Path(__file__).resolve().parents[1]
ROOT = PACKAGE.parent
YEAR = 365 * 24 * 3600
IMMUTABLE = f"public, max-age={YEAR}, immutable".encode()
PLAIN = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer")]
COMPRESSIBLE = {".js", ".css", ".svg", ".json", ".txt", ".html"}
# Static imports and dynamic import() of a sibling module: `from "./dom.js"`, `import("../x.js")`.
_IMPORT = re.compile(r"""(\bfrom\s*|\bimport\s*\(\s*)(["'])(\.{1,2}/[^"']+\.js)\2""")


class Asset:
    def __init__(self, body: bytes, media_type: str, compress: bool) -> None:
        self.body = body
        self.version = hashlib.sha256(body).hexdigest()[:12]
        self.media_type = media_type
        self.gzipped = gzip.compress(body, mtime=0) if compress else None
        if self.gzipped is not None and len(self.gzipped) >= len(body):
            self.gzipped = None


class Assets:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.files: dict[str, Asset] = {}
        sources = {
            path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(folder.rglob("*"))
            if path.is_file() and not path.name.startswith(".")
        }
        for name in sources:
            self._load(name, sources, ())

    def _load(self, name: str, sources: dict[str, bytes], chain: tuple[str, ...]) -> Asset:
        found = self.files.get(name)
        if found is not None:
            return found
        if name in chain:
            raise ValueError(f"static/{name} imports itself through {' -> '.join(chain)}")
        body = sources[name]
        suffix = Path(name).suffix
        if suffix == ".js":
            body = self._hash_imports(name, body, sources, (*chain, name))
        media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if suffix == ".js":
            media_type = "text/javascript"
        if media_type.startswith("text/"):
            media_type += "; charset=utf-8"
        asset = Asset(body, media_type, suffix in COMPRESSIBLE)
        self.files[name] = asset
        return asset

    def _hash_imports(
        self, name: str, body: bytes, sources: dict[str, bytes], chain: tuple[str, ...]
    ) -> bytes:
        base = posixpath.dirname(name)

        def hashed(match: re.Match[str]) -> str:
            resolved = posixpath.normpath(posixpath.join(base, match.group(3)))
            if resolved not in sources:
                raise ValueError(f"static/{name} imports {match.group(3)}, which does not exist")
            version = self._load(resolved, sources, chain).version
            quote = match.group(2)
            return f"{match.group(1)}{quote}{match.group(3)}?v={version}{quote}"

        return _IMPORT.sub(hashed, body.decode("utf-8")).encode("utf-8")

    def url(self, name: str) -> str:
        """The URL of a file in static/, with the hash of its content."""
        return f"/static/{name}?v={self.files[name].version}"

    def respond(
        self, name: str, query: bytes, request_headers: dict[bytes, bytes]
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """Status, headers and body for a request of static/{name}: a year's cache when asked
        for by its current hash, else revalidation by ETag; gzip when the browser takes it."""
        asset = self.files.get(name)
        if asset is None:
            return 404, [*PLAIN, (b"content-type", b"text/plain")], b"Not found"
        gzipped = asset.gzipped is not None and b"gzip" in request_headers.get(
            b"accept-encoding", b""
        )
        etag = f'"{asset.version}{"-gz" if gzipped else ""}"'.encode()
        current = f"v={asset.version}".encode() in query.split(b"&")
        headers = [
            *PLAIN,
            (b"etag", etag),
            (b"cache-control", IMMUTABLE if current else b"no-cache"),
            (b"vary", b"Accept-Encoding"),
        ]
        if etag in request_headers.get(b"if-none-match", b""):
            return 304, headers, b""
        body = asset.gzipped if gzipped and asset.gzipped is not None else asset.body
        headers.append((b"content-type", asset.media_type.encode()))
        headers.append((b"content-length", str(len(body)).encode()))
        if gzipped:
            headers.append((b"content-encoding", b"gzip"))
        return 200, headers, body


class ServeAssets:
    """ASGI middleware that answers ``GET /static/...`` from memory before any routing: a room
    of phones loading the page makes tens of thousands of these requests."""

    def __init__(self, app: ASGIApp, assets: Assets) -> None:
        self.app = app
        self.assets = assets

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith("/static/"):
            await self.app(scope, receive, send)
            return
        status, headers, body = self.assets.respond(
            path[len("/static/") :], scope["query_string"], dict(scope["headers"])
        )
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def find_folder(folder: str) -> Path:
    """templates/ and static/ inside the installed package (a wheel puts them there), else
    beside it (a checkout or an editable install)."""
    for base in (PACKAGE, ROOT):
        if (base / folder).is_dir():
            return base / folder
    raise RuntimeError(f"cannot find the {folder}/ folder")


def page_environment() -> jinja2.Environment:
    """Jinja for the pages in templates/: escaping on, translations through the context."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(find_folder("templates"))),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
    )
