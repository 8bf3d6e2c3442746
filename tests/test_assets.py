"""The browser's files: hashed URLs cached for a year, gzip, ETags, imports that name hashes."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from polls.web.assets import Assets
from tests.conftest import Created, control

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def created(make_presentation: Callable[..., Created], client: TestClient) -> Created:
    made = make_presentation()
    control(client, made, type="goto", slide=2)  # the scales: their module is preloaded
    return made


def test_pages_name_their_files_by_hash_and_get_them_cached_for_a_year(
    client: TestClient, created: Created
) -> None:
    """Every file a phone's page loads has a hashed URL, is sent gzipped and may be kept a
    year; the modules it imports are named by their hashes too."""
    page = client.get(f"/{created.code}").text
    urls = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    assert {u.split("?")[0] for u in urls} >= {
        "/static/polls.css",
        "/static/participant.js",
    }
    seen: set[str] = set()
    while urls:
        url = urls.pop()
        if url in seen:
            continue
        seen.add(url)
        assert re.search(r"\?v=[0-9a-f]{12}$", url), url
        response = client.get(url, headers={"accept-encoding": "gzip"})
        assert response.status_code == 200, url
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers["content-encoding"] == "gzip"
        base = url.split("?")[0].rsplit("/", 1)[0]
        for imported in re.findall(r'from\s*"(\.{1,2}/[^"]+)"', response.text):
            assert "?v=" in imported, (url, imported)
            urls.append(str(Path(base, imported)).replace("/static/kinds/..", "/static"))
    assert "/static/dom.js" in {u.split("?")[0] for u in seen}


def test_an_unhashed_request_revalidates_with_an_etag(client: TestClient) -> None:
    """Without the current hash a file is sent with no-cache and an ETag, and a browser that
    has it gets 304; an unknown file is 404."""
    first = client.get("/static/polls.css")
    assert first.headers["cache-control"] == "no-cache"
    again = client.get("/static/polls.css", headers={"if-none-match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert client.get("/static/nothing.js").status_code == 404
    assert client.get("/static/polls.css?v=000000000000").headers["cache-control"] == "no-cache"


def test_a_module_that_imports_a_missing_file_stops_the_start(tmp_path: Path) -> None:
    """A broken import is found when the service starts, not by a phone."""
    (tmp_path / "page.js").write_text('import { el } from "./gone.js";\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"gone\.js"):
        Assets(tmp_path)


def test_a_changed_file_gets_a_new_url_and_so_does_its_importer(tmp_path: Path) -> None:
    """Changing a module changes its hash and the hash of every module that imports it."""
    (tmp_path / "kinds").mkdir()
    (tmp_path / "dom.js").write_text("export const a = 1;\n", encoding="utf-8")
    (tmp_path / "kinds" / "x.js").write_text('import { a } from "../dom.js";\n', encoding="utf-8")
    before = Assets(tmp_path)
    (tmp_path / "dom.js").write_text("export const a = 2;\n", encoding="utf-8")
    after = Assets(tmp_path)
    assert before.url("dom.js") != after.url("dom.js")
    assert before.url("kinds/x.js") != after.url("kinds/x.js")
    assert (
        after.files["kinds/x.js"]
        .body.decode()
        .endswith(f'from "../dom.js?v={after.files["dom.js"].version}";\n')
    )
