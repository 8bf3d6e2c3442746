"""Research through the real service: several sessions, exports, privacy, deletion."""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import io
import json
import os
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import openpyxl
import pytest
from starlette.testclient import TestClient

from polls.cli import main
from polls.config import Settings
from polls.storage import open_storage
from polls.storage.retention import Purged, purge
from polls.web.app import create_app
from tests.conftest import DOCUMENT, Created, control

ORGANISER = "organiser-secret-token"
MARKER = "zeldzaamwoordxq"  # a word that must vanish from the database files


class Session:
    def __init__(self, client: TestClient, tags: dict[str, str], **document: Any) -> None:
        response = client.post("/api/presentations", json={**DOCUMENT, "tags": tags, **document})
        assert response.status_code == 201
        data = response.json()
        self.created = Created(data)
        self.research_key = data["researcher_url"].split("key=", 1)[1]
        self.client = client

    def answer(self, who: str, slide: int, slide_id: str, value: dict[str, Any]) -> None:
        control(self.client, self.created, type="goto", slide=slide)
        response = self.client.post(
            f"/api/join/{self.created.code}/answers",
            json={"id": f"{who}-{slide_id}", "slide": slide_id, "value": value},
            headers={"cookie": f"polls_participant={who}"},
        )
        assert response.status_code == 200, response.text


@pytest.fixture
def research_settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, organiser_token=ORGANISER)


@pytest.fixture
def service(research_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(research_settings)) as client:
        yield client


@pytest.fixture
def sessions(service: TestClient) -> list[Session]:
    """Three closing rounds in two towns: 6 + 3 + 2 participants."""
    arnhem = Session(service, {"project": "welkome-wijk", "region": "Arnhem"})
    nijmegen = Session(service, {"project": "welkome-wijk", "region": "Nijmegen"})
    other = Session(service, {"project": "elders", "region": "Arnhem"})
    for n in range(6):
        who = f"arnhem-phone-{n:04d}-xxxxxx"
        arnhem.answer(who, 3, "role", {"choices": [0 if n < 5 else 1]})
        arnhem.answer(who, 2, "scales", {"ratings": {"0": 1 + n % 5, "1": 4}})
        arnhem.answer(
            who,
            1,
            "words",
            {"words": ["Hoop" if n % 2 else "hoop!", MARKER if n == 0 else "samen"]},
        )
    for n in range(3):
        who = f"nijmegen-phone-{n:04d}-xxxx"
        nijmegen.answer(who, 2, "scales", {"ratings": {"0": 5}})
    for n in range(2):
        other.answer(f"other-phone-{n:04d}-xxxxxxx", 4, "tips", {"text": "=1+1 more coffee"})
    return [arnhem, nijmegen, other]


def csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_researcher_link_gives_read_only_downloads(
    service: TestClient, sessions: list[Session]
) -> None:
    """The researcher link becomes a cookie; with it the page and every download work."""
    arnhem = sessions[0]
    base = f"/research/{arnhem.created.id}"
    first = service.get(f"{base}?key={arnhem.research_key}", follow_redirects=False)
    assert first.status_code == 303 and "HttpOnly" in first.headers["set-cookie"]
    page = service.get(base)
    assert page.status_code == 200 and "6 joined" in page.text
    rows = csv_rows(service.get(f"{base}/export.csv").content)
    assert len({r["participant"] for r in rows}) == 6
    scale = [r for r in rows if r["slide_kind"] == "scales" and r["item"] == "Useful"]
    assert sorted(int(r["value"]) for r in scale) == [1, 1, 2, 3, 4, 5]
    assert service.get(f"{base}/export.csv?excel=1").content.startswith(b"\xef\xbb\xbf")
    book = openpyxl.load_workbook(io.BytesIO(service.get(f"{base}/export.xlsx").content))
    assert "Answers" in book.sheetnames
    assert service.get(f"{base}/codebook.md").text.startswith("# Codebook")
    svg = service.get(f"{base}/cloud/words.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml") and ">Hoop<" in svg.text
    assert service.get(f"{base}/cloud/words.png").content.startswith(b"\x89PNG")
    bundle = zipfile.ZipFile(io.BytesIO(service.get(f"{base}/export.zip").content))
    names = bundle.namelist()
    assert any(n.endswith("codebook.json") for n in names) and any(
        n.endswith("words.svg") for n in names
    )


def test_research_needs_a_secret(service: TestClient, sessions: list[Session]) -> None:
    """Without a secret nothing is readable; the presenter's secret works; wrong ones do not."""
    arnhem = sessions[0]
    fresh = TestClient(service.app)
    base = f"/research/{arnhem.created.id}"
    assert fresh.get(f"{base}/export.csv").status_code == 403
    assert fresh.get(f"{base}?key=wrong").status_code == 403
    other_key = {"authorization": f"Bearer {sessions[1].research_key}"}
    assert fresh.get(f"{base}/export.csv", headers=other_key).status_code == 403
    presenter = {"authorization": f"Bearer {arnhem.created.key}"}
    assert fresh.get(f"{base}/export.csv", headers=presenter).status_code == 200
    assert fresh.get("/api/export.csv?tag=region=Arnhem").status_code == 403


def test_many_sessions_by_tag_line_up(service: TestClient, sessions: list[Session]) -> None:
    """The organiser exports every session of a project at once; questions share ids."""
    headers = {"authorization": f"Bearer {ORGANISER}"}
    rows = csv_rows(
        service.get("/api/export.csv?tag=project=welkome-wijk", headers=headers).content
    )
    assert {r["tag_region"] for r in rows} == {"Arnhem", "Nijmegen"}
    assert {r["presentation_id"] for r in rows} == {sessions[0].created.id, sessions[1].created.id}
    scale_ids = {
        (r["presentation_id"], r["question_id"]) for r in rows if r["slide_kind"] == "scales"
    }
    assert len({question for _, question in scale_ids}) == 1 and len(scale_ids) == 2
    narrowed = service.get(
        "/api/export.json?tag=project=welkome-wijk&tag=region=nijmegen", headers=headers
    )
    assert [s["tags"]["region"] for s in narrowed.json()["sessions"]] == ["Nijmegen"]
    formulas = csv_rows(service.get("/api/export.csv?tag=project=elders", headers=headers).content)
    assert [r["value"] for r in formulas] == ["'=1+1 more coffee"] * 2


def test_segmented_results_suppress_small_groups(
    service: TestClient, sessions: list[Session]
) -> None:
    """Results broken down by role show the 5 residents and hide the lone volunteer as '< 5'."""
    arnhem = sessions[0].created
    response = service.get(
        f"/api/presentations/{arnhem.id}/results",
        params={"slide": "scales", "segment": "role"},
        headers={"authorization": f"Bearer {arnhem.key}"},
    )
    groups = {g["option"]: g["results"] for g in response.json()["segments"]}
    assert groups["A"]["answered"] == 5 and groups["A"]["statements"][1]["mean"] == 4
    assert groups["B"] == {"kind": "scales", "answered": "< 5", "suppressed": True}
    assert groups["C"]["answered"] == "< 5"


def test_withdrawal_leaves_no_trace(
    service: TestClient, sessions: list[Session], research_settings: Settings
) -> None:
    """A participant deletes their answers on their phone; the word is gone from the files."""
    arnhem = sessions[0]
    database = Path(research_settings.database_url.removeprefix("sqlite:///"))
    assert MARKER.encode() in database.read_bytes() + _wal(database)
    who = {"cookie": "polls_participant=arnhem-phone-0000-xxxxxx"}
    page = service.get(f"/{arnhem.created.code}/withdraw", headers=who)
    assert page.status_code == 200 and "Delete my answers" in page.text
    done = service.post(f"/{arnhem.created.code}/withdraw", headers=who)
    assert "Your answers have been deleted." in done.text
    assert MARKER.encode() not in database.read_bytes() + _wal(database)
    rows = csv_rows(
        service.get(f"/research/{arnhem.created.id}/export.csv", headers=_research(arnhem)).content
    )
    assert len({r["participant"] for r in rows}) == 5
    words = service.get(
        f"/api/presentations/{arnhem.created.id}/results?slide=words",
        headers={"authorization": f"Bearer {arnhem.created.key}"},
    ).json()
    assert words["joined"] == 5 and words["results"]["answered"] == 5


def test_delete_all_answers(service: TestClient, sessions: list[Session]) -> None:
    """A researcher deletes one presentation's answers outright; the others keep theirs."""
    arnhem, nijmegen = sessions[0], sessions[1]
    refused = service.post(
        f"/research/{arnhem.created.id}/delete", data={"confirm": "no"}, headers=_research(arnhem)
    )
    assert refused.status_code == 400
    done = service.post(
        f"/research/{arnhem.created.id}/delete",
        data={"confirm": "delete"},
        headers=_research(arnhem),
    )
    assert done.status_code == 200 and "answers deleted" in done.text
    assert (
        csv_rows(
            service.get(
                f"/research/{arnhem.created.id}/export.csv", headers=_research(arnhem)
            ).content
        )
        == []
    )
    remaining = service.delete(
        f"/api/presentations/{nijmegen.created.id}/answers", headers=_research(nijmegen)
    )
    assert remaining.json() == {"deleted": 3}


def test_purge_deletes_only_expired_answers(research_settings: Settings) -> None:
    """Answers past their presentation's retention period are purged, and reported."""
    with TestClient(create_app(research_settings)) as client:
        short = Session(client, {"x": "y"}, retention_days=1)
        long = Session(client, {"x": "y"})
        short.answer("short-phone-00000000000", 1, "words", {"words": [MARKER]})
        long.answer("long-phone-000000000000", 1, "words", {"words": ["blijft"]})
    database = Path(research_settings.database_url.removeprefix("sqlite:///"))

    async def purge_two_days_later() -> list[Purged]:
        storage = open_storage(research_settings.database_url)
        await storage.connect()
        try:
            return await purge(storage, 365, time.time() + 2 * 86400)
        finally:
            await storage.disconnect()

    report = asyncio.run(purge_two_days_later())
    assert [(p.presentation_id, p.answers) for p in report] == [(short.created.id, 1)]
    assert MARKER.encode() not in database.read_bytes() + _wal(database)
    with mock.patch.dict(os.environ, {"POLLS_DATABASE_URL": research_settings.database_url}):
        assert main(["purge"]) == 0  # nothing else has expired today
    with TestClient(create_app(research_settings)) as client:
        rows = csv_rows(
            client.get(f"/research/{long.created.id}/export.csv", headers=_research(long)).content
        )
        assert [r["value"] for r in rows] == ["blijft"]


def test_cli_export_writes_data_and_codebook(
    research_settings: Settings, sessions: list[Session], tmp_path: Path
) -> None:
    """polls export --tag writes every format and the codebook, the same data as over HTTP."""
    with mock.patch.dict(os.environ, {"POLLS_DATABASE_URL": research_settings.database_url}):
        assert main(["export", "--tag", "project=welkome-wijk", "--output", str(tmp_path)]) == 0
    files = sorted(p.name for p in tmp_path.iterdir())
    assert any(f.endswith(".csv") for f in files) and any(f.endswith(".codebook.md") for f in files)
    data = json.loads(next(tmp_path.glob("*.json")).read_text())
    assert len(data["sessions"]) == 2


def _research(session: Session) -> dict[str, str]:
    return {"authorization": f"Bearer {session.research_key}"}


def _wal(database: Path) -> bytes:
    wal = database.with_name(database.name + "-wal")
    return wal.read_bytes() if wal.exists() else b""


def test_a_dutch_presentations_research_page_speaks_dutch(service: TestClient) -> None:
    """The research page of a Dutch presentation is in Dutch, with its counts from the
    database and when expired answers were last deleted; typing the Dutch word deletes, a
    wrong word and a wrong address are explained in Dutch to a Dutch browser."""
    dutch = Session(service, {"project": "samen"}, language="nl")
    for n in range(3):
        dutch.answer(f"dutch-phone-{n:04d}-xxxxxxxx", 1, "words", {"words": ["samen"]})
    page = service.get(f"/research/{dutch.created.id}", headers=_research(dutch)).text
    assert "3 deelnemers · 3 hebben geantwoord · 3 antwoorden bewaard" in page
    assert "Downloaden" in page and "Alle antwoorden wissen" in page
    assert "verlopen antwoorden het laatst gewist op" in page  # the purge ran at start
    assert "Download<" not in page and "answers stored" not in page
    dutch_browser = {**_research(dutch), "accept-language": "nl-NL,nl;q=0.9"}
    refused = service.post(
        f"/research/{dutch.created.id}/delete", data={"confirm": "ja"}, headers=dutch_browser
    )
    assert refused.status_code == 400 and "Typ &#39;wissen&#39; om te bevestigen." in refused.text
    missing = service.get("/research/nope/nothing", headers=dutch_browser)
    assert missing.status_code == 404 and "Op dit adres is niets te vinden." in missing.text
    done = service.post(
        f"/research/{dutch.created.id}/delete",
        data={"confirm": "Wissen"},
        headers=_research(dutch),
    )
    assert done.status_code == 200 and "3 antwoorden gewist." in done.text


def test_theme_edits_need_the_researcher_and_bad_ones_are_explained(
    service: TestClient, sessions: list[Session]
) -> None:
    """Only the researcher's or presenter's link edits themes; a refused edit comes back on
    the page with its reason, and the themes stay as they were."""
    arnhem = sessions[0]
    themes = f"/research/{arnhem.created.id}/themes"
    stranger = service.post(themes, data={"action": "add", "name": "Hoop"})
    assert stranger.status_code == 403
    added = service.post(themes, data={"action": "add", "name": "Hoop"}, headers=_research(arnhem))
    assert added.status_code == 200 and "Hoop</strong> · 0 answers" in added.text
    empty = service.post(themes, data={"action": "add", "name": "  "}, headers=_research(arnhem))
    assert empty.status_code == 400 and "Give the theme a name." in empty.text
    unknown = service.post(
        themes, data={"action": "explode", "name": "x"}, headers=_research(arnhem)
    )
    assert unknown.status_code == 400 and "Unknown edit: explode." in unknown.text
    page = service.get(themes, headers=_research(arnhem)).text
    assert page.count('class="theme"') == 1


def read_progress(data: bytes) -> tuple[list[dict[str, Any]], bytes]:
    """The lines of a download with progress, and the file after them."""
    lines: list[dict[str, Any]] = []
    while not lines or ("file" not in lines[-1] and "error" not in lines[-1]):
        line, _, data = data.partition(b"\n")
        lines.append(json.loads(line))
    return lines, data


def test_a_download_with_progress_ends_with_the_same_file(
    service: TestClient, sessions: list[Session]
) -> None:
    """What the research page's script asks for: progress, then the very file the plain link
    gives, with its name and size."""
    arnhem = sessions[0]
    path = f"/research/{arnhem.created.id}/export.csv"
    plain = service.get(path, headers=_research(arnhem))
    response = service.get(path + "?progress=1", headers=_research(arnhem))
    assert response.headers["content-type"] == "application/x-polls-progress"
    lines, data = read_progress(response.content)
    assert lines[0] == {"progress": {"done": 0, "total": 0}}
    file = lines[-1]["file"]
    assert file["name"].endswith(".csv") and file["type"].startswith("text/csv")
    assert file["size"] == len(data) and data == plain.content
