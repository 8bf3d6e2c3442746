"""Participants over the WebSocket: following slides, answering, and every error."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from tests.conftest import (
    DOCUMENT,
    Created,
    control,
    of_type,
    participant_headers,
    receive_until,
    results,
)

TOKEN = "participant-token-0001"


@pytest.fixture
def created(make_presentation: Callable[..., Created], client: TestClient) -> Created:
    made = make_presentation()
    control(client, made, type="goto", slide=1)  # the word cloud
    return made


@contextmanager
def phone(client: TestClient, created: Created, token: str = TOKEN) -> Iterator[Any]:
    """A participant socket that has had its welcome and the current slide."""
    with client.websocket_connect(
        f"/ws/join/{created.code}", headers=participant_headers(token)
    ) as ws:
        receive_until(ws, of_type("slide"))
        yield ws


def answer(sid: str, slide: str, value: dict[str, Any]) -> dict[str, Any]:
    return {"type": "answer", "id": sid, "slide": slide, "value": value}


def test_welcome_then_the_current_slide(client: TestClient, created: Created) -> None:
    """On connecting a phone gets the presentation and the question on screen."""
    with client.websocket_connect(
        f"/ws/join/{created.code}", headers=participant_headers(TOKEN)
    ) as ws:
        welcome = ws.receive_json()
        assert welcome["type"] == "welcome" and welcome["presentation"]["title"] == "Closing round"
        assert welcome["token"] is None  # the cookie was used
        assert abs(welcome["now"] / 1000 - time.time()) < 60  # the server's clock, for ids
        slide = ws.receive_json()
        assert slide["type"] == "slide" and slide["slide"]["id"] == "words" and slide["voting"]


def test_a_phone_without_cookie_is_given_a_token(client: TestClient, created: Created) -> None:
    """Clients without the cookie get a fresh pseudonymous token to reuse."""
    with client.websocket_connect(f"/ws/join/{created.code}", headers=participant_headers()) as ws:
        assert len(ws.receive_json()["token"]) >= 16


def test_slide_changes_reach_the_phone(client: TestClient, created: Created) -> None:
    """When the presenter moves on or locks voting, the phone hears it at once."""
    with phone(client, created) as ws:
        control(client, created, type="next")
        moved = receive_until(ws, of_type("slide"))
        assert moved["index"] == 2 and moved["slide"]["kind"] == "scales"
        control(client, created, type="voting", open=False)
        locked = receive_until(ws, of_type("slide"))
        assert locked["index"] == 2 and not locked["voting"]


def test_answers_are_acknowledged_once_and_counted_once(
    client: TestClient, created: Created
) -> None:
    """An answer is acknowledged after commit; a retry with the same id is not counted again."""
    with phone(client, created) as ws:
        ws.send_json(answer("sub-1", "words", {"words": ["Hoop", "moed"]}))
        assert receive_until(ws, of_type("ack")) == {
            "type": "ack",
            "id": "sub-1",
            "duplicate": False,
        }
        ws.send_json(answer("sub-1", "words", {"words": ["Hoop", "moed"]}))
        assert receive_until(ws, of_type("ack"))["duplicate"] is True
    words = results(client, created)["results"]["words"]
    assert sorted((w["text"], w["count"]) for w in words) == [("Hoop", 1), ("moed", 1)]


def test_retry_after_the_slide_moved_on_is_still_acknowledged(
    client: TestClient, created: Created
) -> None:
    """An answer stored just before the presenter moved on is acknowledged on retry, not refused."""
    with phone(client, created) as ws:
        ws.send_json(answer("late-1", "words", {"words": ["x"]}))
        receive_until(ws, of_type("ack"))
        control(client, created, type="next")
        ws.send_json(answer("late-1", "words", {"words": ["x"]}))
        assert receive_until(ws, of_type("ack", id="late-1"))["duplicate"] is True


def test_changing_a_choice_counts_the_last_one(client: TestClient, created: Created) -> None:
    """While voting is open a participant may change a multiple-choice answer."""
    control(client, created, type="goto", slide=3)
    with phone(client, created) as ws:
        ws.send_json(answer("c1", "role", {"choices": [0]}))
        receive_until(ws, of_type("ack"))
        ws.send_json(answer("c2", "role", {"choices": [2]}))
        receive_until(ws, of_type("ack"))
    options = results(client, created)["results"]["options"]
    assert [o["count"] for o in options] == [0, 0, 1]


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ("{not json", "bad_message"),
        ('{"type":"shout"}', "unknown_type"),
        ('{"type":"shout","id":"s1"}', "unknown_type"),
        ('{"type":"answer","id":"b1","slide":"words"}', "bad_message"),
        ('{"type":"answer","slide":"words","value":{}}', "bad_message"),
        ('{"type":"answer","id":"e1","slide":"scales","value":{"ratings":{"0":3}}}', "not_current"),
        (
            '{"type":"answer","id":"e2","slide":"words","value":{"words":["x","y","z","w"]}}',
            "invalid_answer",
        ),
        (
            '{"type":"answer","id":"e3","slide":"words","value":{"words":["' + "x" * 5000 + '"]}}',
            "invalid_answer",
        ),
    ],
)
def test_bad_messages_get_an_error_and_the_connection_stays(
    client: TestClient, created: Created, message: str, code: str
) -> None:
    """Each kind of bad message gets its error code, a reason, and the id of the message it
    refuses whenever that message had one; the socket stays usable."""
    with phone(client, created) as ws:
        ws.send_text(message)
        error = receive_until(ws, of_type("error"))
        assert error["code"] == code and error["reason"]
        sent_id = re.search(r'"id":"(\w+)"', message)
        assert error["id"] == (sent_id.group(1) if sent_id else None)
        ws.send_json({"type": "ping", "id": "still-there"})
        assert receive_until(ws, of_type("pong"))["id"] == "still-there"


def test_answers_while_voting_is_locked_are_refused(client: TestClient, created: Created) -> None:
    """A locked question refuses answers with a reason to show."""
    control(client, created, type="voting", open=False)
    with phone(client, created) as ws:
        ws.send_json(answer("l1", "words", {"words": ["x"]}))
        error = receive_until(ws, of_type("error"))
        assert error["code"] == "voting_locked" and error["id"] == "l1"


def test_word_limit_per_participant(client: TestClient, created: Created) -> None:
    """Words add up to the slide's limit; past it, a clear error."""
    with phone(client, created) as ws:
        ws.send_json(answer("w1", "words", {"words": ["a", "b"]}))
        receive_until(ws, of_type("ack"))
        ws.send_json(answer("w2", "words", {"words": ["c", "d"]}))
        error = receive_until(ws, of_type("error"))
        assert error["code"] == "limit_reached" and "1 left" in error["reason"]
        ws.send_json(answer("w3", "words", {"words": ["c"]}))
        assert receive_until(ws, of_type("ack"))["id"] == "w3"


def test_oversized_messages_close_with_1009(client: TestClient, created: Created) -> None:
    """A message over 16 KiB closes the socket with 1009; others are unaffected."""
    headers = participant_headers(TOKEN)
    with client.websocket_connect(f"/ws/join/{created.code}", headers=headers) as other:
        receive_until(other, of_type("slide"))
        with client.websocket_connect(f"/ws/join/{created.code}", headers=headers) as ws:
            receive_until(ws, of_type("slide"))
            ws.send_text('{"type":"ping","id":"' + "x" * 17000 + '"}')
            with pytest.raises(WebSocketDisconnect) as closed:
                receive_until(ws, of_type("never"))
            assert closed.value.code == 1009
        other.send_json({"type": "ping", "id": "fine"})
        assert receive_until(other, of_type("pong"))["id"] == "fine"


def test_foreign_origins_are_refused_with_1008(client: TestClient, created: Created) -> None:
    """A page on another site cannot open a participant or presenter socket."""
    headers = {"origin": "http://evil.example"}
    with pytest.raises(WebSocketDisconnect) as refused:
        with client.websocket_connect(f"/ws/join/{created.code}", headers=headers):
            pass
    assert refused.value.code == 1008
    with pytest.raises(WebSocketDisconnect) as refused:
        with client.websocket_connect(f"/ws/present/{created.id}", headers=headers):
            pass
    assert refused.value.code == 1008


def test_allow_listed_origins_may_connect(settings: Any) -> None:
    """An origin in POLLS_ALLOWED_ORIGINS may open sockets."""
    import dataclasses

    from polls.web.app import create_app

    allowed = dataclasses.replace(settings, allowed_origins=("https://intranet.example",))
    with TestClient(create_app(allowed)) as test_client:
        made = Created(test_client.post("/api/presentations", json=DOCUMENT).json())
        with test_client.websocket_connect(
            f"/ws/join/{made.code}", headers={"origin": "https://intranet.example"}
        ) as ws:
            assert ws.receive_json()["type"] == "welcome"


def test_unknown_codes_are_told_and_closed(client: TestClient) -> None:
    """A socket to a code that opens nothing gets a reason, then a 4404 close."""
    with client.websocket_connect("/ws/join/99999999", headers=participant_headers()) as ws:
        error = ws.receive_json()
        assert error["code"] == "unknown_code"
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 4404


def test_message_floods_are_rate_limited_without_closing(
    client: TestClient, created: Created
) -> None:
    """Past the message rate a client gets rate_limited errors but stays connected."""
    with phone(client, created) as ws:
        for index in range(60):
            ws.send_json({"type": "ping", "id": f"p{index}"})
        replies = [ws.receive_json() for _ in range(60)]
        codes = {r.get("code") for r in replies if r["type"] == "error"}
        assert codes == {"rate_limited"}
        assert sum(r["type"] == "pong" for r in replies) >= 30
