"""Audience Q&A over the wire: questions and upvotes are stored exactly once (socket and HTTP),
the screen and the phones that follow them see votes and the presenter's decisions, hidden and
unapproved questions never reach the audience, and everything survives a restart."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import signal
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from websockets.asyncio.client import ClientConnection

from tests.conftest import DOCUMENT, Created
from tests.server import Service, running, two_workers
from tests.test_end_to_end import next_message, phone_of, screen_of

ASKING: dict[str, Any] = {
    **DOCUMENT,
    "qa": True,
    "slides": [*DOCUMENT["slides"], {"kind": "qa", "id": "ask", "question": "Your questions"}],
}
PHONES = [f"qa-phone-{n:016d}" for n in range(4)]


def post(service: Service, path: str, body: dict[str, Any], who: str) -> tuple[int, Any]:
    """A phone's JSON request over the HTTP fallback: the status and the decoded reply."""
    request = urllib.request.Request(
        f"{service.url}{path}",
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json", "cookie": f"polls_participant={who}"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status), json.loads(response.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


async def sent(phone: ClientConnection, message: dict[str, Any]) -> dict[str, Any]:
    """Send a message and return the server's reply to it (an ack or an error)."""
    await phone.send(json.dumps(message))
    return await next_message(phone, lambda m: m.get("id") == message["id"])


async def control(screen: ClientConnection, question: int, action: str) -> dict[str, Any]:
    reply = await sent(
        screen, {"type": "question", "question": question, "action": action, "id": action}
    )
    assert reply["type"] == "ack", reply
    return reply


def listed(wanted: Any) -> Any:
    """A predicate for a ``questions`` message whose items pass ``wanted``."""
    return lambda m: m["type"] == "questions" and wanted(m["items"])


@pytest.mark.anyio
async def test_a_question_upvoted_by_three_phones_answered_and_hidden(tmp_path: Path) -> None:
    """One phone asks over the socket, three upvote it (one over HTTP, one twice with the same
    id): the screen and the following phones see 3 votes; "answering now" and "answered" reach
    the phones; hiding takes it off their list; after a restart the export has it all."""
    database = tmp_path / "qa.db"
    with running(database) as service:
        created = Created(service.http("POST", "/api/presentations", ASKING))
        async with screen_of(service, created) as screen:
            await next_message(screen, lambda m: m["type"] == "welcome")
            async with (
                phone_of(service, created.code, PHONES[0]) as asker,
                phone_of(service, created.code, PHONES[1]) as voter,
                phone_of(service, created.code, PHONES[2]) as second,
            ):
                slide = await next_message(asker, lambda m: m["type"] == "slide")
                assert slide["qa"] is True
                ask = {"type": "ask", "id": "ask-1", "text": "  Who pays for this?  "}
                assert (await sent(asker, ask))["type"] == "ack"
                assert (await sent(asker, ask)) == {"type": "ack", "id": "ask-1", "duplicate": True}
                status, again = await asyncio.to_thread(  # the same question, retried over HTTP
                    post, service, f"/api/join/{created.code}/questions", ask, PHONES[0]
                )
                assert (status, again["duplicate"]) == (200, True)
                watched = await sent(voter, {"type": "questions", "id": "w1"})
                [question] = watched["items"]
                assert question["text"] == "Who pays for this?"
                assert watched["mine"] == {"asked": [], "upvoted": []}
                qid = question["id"]
                upvote = {"type": "upvote", "id": "up-1", "question": qid}
                assert (await sent(voter, upvote))["duplicate"] is False
                assert (await sent(voter, upvote))["duplicate"] is True
                assert (await sent(second, {**upvote, "id": "up-2"}))["type"] == "ack"
                status, reply = await asyncio.to_thread(
                    post,
                    service,
                    f"/api/join/{created.code}/upvotes",
                    {"id": "up-3", "question": qid},
                    PHONES[3],
                )
                assert (status, reply["duplicate"]) == (200, False)
                board = await asyncio.wait_for(
                    next_message(screen, listed(lambda items: items and items[0]["votes"] == 3)),
                    30,
                )
                assert board["items"][0]["held"] == ""
                await asyncio.wait_for(
                    next_message(voter, listed(lambda items: items[0]["votes"] == 3)), 30
                )
                await control(screen, qid, "answering")
                await asyncio.wait_for(
                    next_message(voter, listed(lambda items: items[0]["status"] == "answering")),
                    30,
                )
                await control(screen, qid, "answered")
                await asyncio.wait_for(
                    next_message(voter, listed(lambda items: items[0]["status"] == "answered")),
                    30,
                )
                await control(screen, qid, "hide")
                await asyncio.wait_for(next_message(voter, listed(lambda items: not items)), 30)
                async with screen_of(service, created) as console:  # a console opened later
                    board = await asyncio.wait_for(next_message(console, listed(bool)), 30)
                assert board["items"][0]["held"] == "hidden"
                assert board["items"][0]["votes"] == 3
                refused = await sent(second, {**upvote, "id": "up-late", "up": False})
                assert refused["code"] == "invalid_answer"
                mine = await sent(asker, {"type": "questions", "id": "w2"})
                assert mine["mine"]["asked"] == [{"id": qid, "text": "Who pays for this?"}]
        service.kill(signal.SIGKILL)
    with running(database) as service:
        exported = service.http("GET", f"/research/{created.id}/export.json", key=created.key)
        [row] = exported["audience_questions"]
        assert row["text"] == "Who pays for this?"
        assert row["votes"] == 3
        assert row["status"] == "answered"
        assert row["hidden"] is True
        assert row["asked_at"] and row["answered_at"]
        sheet = openpyxl.load_workbook(
            io.BytesIO(download(service, f"/research/{created.id}/export.xlsx", created.key))
        )["Audience questions"]
        header, *rows = list(sheet.iter_rows(values_only=True))
        assert [dict(zip(header, r, strict=True))["votes"] for r in rows] == [3]
        bundle = zipfile.ZipFile(
            io.BytesIO(download(service, f"/research/{created.id}/export.zip", created.key))
        )
        [found] = [n for n in bundle.namelist() if n.endswith("audience_questions.csv")]
        table = list(csv.DictReader(io.StringIO(bundle.read(found).decode("utf-8-sig"))))
        assert (table[0]["text"], table[0]["hidden_reason"]) == ("Who pays for this?", "moderator")
        book = download(service, f"/research/{created.id}/codebook.md", created.key).decode()
        assert "## Questions from the audience" in book and "`hidden_reason`" in book


def download(service: Service, path: str, key: str) -> bytes:
    """A researcher's download, whole."""
    request = urllib.request.Request(
        f"{service.url}{path}", headers={"authorization": f"Bearer {key}"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        body: bytes = response.read()
    return body


@pytest.mark.anyio
async def test_pre_moderation_shows_a_question_only_once_approved(tmp_path: Path) -> None:
    """With qa_moderation, a question waits in the console: the audience does not see it (nor
    can upvote it) until the presenter shows it."""
    with running(tmp_path / "moderated.db") as service:
        created = Created(
            service.http("POST", "/api/presentations", {**ASKING, "qa_moderation": True})
        )
        async with (
            screen_of(service, created) as screen,
            phone_of(service, created.code, PHONES[0]) as asker,
            phone_of(service, created.code, PHONES[1]) as voter,
        ):
            await next_message(screen, lambda m: m["type"] == "welcome")
            assert (await sent(asker, {"type": "ask", "id": "a", "text": "Why?"}))["type"] == "ack"
            console = await asyncio.wait_for(next_message(screen, listed(bool)), 30)
            [waiting] = console["items"]
            assert waiting["held"] == "pending"
            watched = await sent(voter, {"type": "questions", "id": "w"})
            assert watched["items"] == []
            mine = await sent(asker, {"type": "questions", "id": "w"})
            assert mine["mine"]["asked"] == [{"id": waiting["id"], "text": "Why?"}]
            refused = await sent(voter, {"type": "upvote", "id": "u", "question": waiting["id"]})
            assert refused["code"] == "invalid_answer"
            await control(screen, waiting["id"], "show")
            shown = await asyncio.wait_for(next_message(voter, listed(bool)), 30)
            assert [item["text"] for item in shown["items"]] == ["Why?"]


def test_questions_are_refused_with_reasons(tmp_path: Path) -> None:
    """An empty or overlong question, an eleventh one, an upvote of a question that does not
    exist, or a question to a presentation without Q&A: each is refused with its reason, and
    the HTTP list answers with the same questions as the socket."""
    with running(tmp_path / "refused.db") as service:
        created = Created(service.http("POST", "/api/presentations", ASKING))
        plain = Created(service.http("POST", "/api/presentations", DOCUMENT))
        path = f"/api/join/{created.code}/questions"
        who = PHONES[0]
        status, reply = post(service, path, {"id": "e", "text": "   "}, who)
        assert (status, reply["error"]["code"]) == (422, "invalid_answer")
        status, reply = post(service, path, {"id": "l", "text": "x" * 281}, who)
        assert "280" in reply["error"]["reason"]
        for n in range(10):
            assert post(service, path, {"id": f"q{n}", "text": f"Question {n}"}, who)[0] == 200
        status, reply = post(service, path, {"id": "q10", "text": "One more"}, who)
        assert (status, reply["error"]["code"]) == (409, "limit_reached")
        assert post(service, path, {"id": "q3", "text": "Question 3"}, who)[1]["duplicate"]
        status, reply = post(
            service, f"/api/join/{created.code}/upvotes", {"id": "u", "question": 999999}, who
        )
        assert (status, reply["error"]["code"]) == (422, "invalid_answer")
        status, reply = post(
            service, f"/api/join/{plain.code}/questions", {"id": "p", "text": "Hello?"}, who
        )
        assert (status, reply["error"]["code"]) == (400, "bad_message")
        listing = service.http("GET", path)
        assert len(listing["items"]) == 10


@pytest.mark.anyio
async def test_questions_across_two_workers(
    tmp_path: Path, postgres_url: str, redis_url: str
) -> None:
    """Scaled out: a question asked through one worker and upvoted through the other reaches the
    console on the first and the phones following on the second, and "answering now" too."""
    with two_workers(tmp_path, postgres_url, redis_url) as (first, second):
        created = Created(first.http("POST", "/api/presentations", ASKING))
        async with (
            screen_of(first, created) as screen,
            phone_of(second, created.code, PHONES[1]) as follower,
            phone_of(first, created.code, PHONES[0]) as asker,
        ):
            await next_message(screen, lambda m: m["type"] == "welcome")
            assert (await sent(asker, {"type": "ask", "id": "a", "text": "Why?"}))["type"] == "ack"
            watched = await asyncio.wait_for(
                next_message_after(follower, {"type": "questions", "id": "w"}, bool), 30
            )
            qid = watched["items"][0]["id"]
            assert (await sent(follower, {"type": "upvote", "id": "u", "question": qid}))["type"]
            await asyncio.wait_for(
                next_message(screen, listed(lambda items: items and items[0]["votes"] == 1)), 30
            )
            await control(screen, qid, "answering")
            await asyncio.wait_for(
                next_message(follower, listed(lambda items: items[0]["status"] == "answering")),
                30,
            )


async def next_message_after(
    phone: ClientConnection, message: dict[str, Any], wanted: Any
) -> dict[str, Any]:
    """Watch the questions until the list passes ``wanted`` (a question asked on another worker
    may not have reached this one's first reply)."""
    reply = await sent(phone, message)
    if wanted(reply["items"]):
        return reply
    return await next_message(phone, listed(wanted))
