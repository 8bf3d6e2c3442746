"""Presenters: access by secret, live results, controls, moderation, state that survives."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from polls.config import Settings
from polls.web.app import create_app
from tests.conftest import (
    DOCUMENT,
    Created,
    control,
    of_type,
    participant_headers,
    presenter_headers,
    receive_until,
    results,
)


@pytest.fixture
def created(make_presentation: Callable[..., Created]) -> Created:
    return make_presentation()


def test_the_presenter_link_is_swapped_for_a_cookie(client: TestClient, created: Created) -> None:
    """The secret in the link becomes an HttpOnly cookie and the URL is cleaned."""
    response = client.get(f"/present/{created.id}?key={created.key}", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/present/{created.id}"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    page = client.get(f"/present/{created.id}")
    assert page.status_code == 200 and "3" in page.text and created.key not in page.text


@pytest.mark.parametrize("key", ["wrong", ""])
def test_a_wrong_secret_gets_403(client: TestClient, created: Created, key: str) -> None:
    """Wrong or missing secrets are refused, for the page, the API and the socket."""
    assert client.get(f"/present/{created.id}?key={key}").status_code == 403
    assert client.get(f"/present/{created.id}").status_code == 403
    headers = {"authorization": f"Bearer {key}"}
    assert (
        client.get(f"/api/presentations/{created.id}/results", headers=headers).status_code == 403
    )
    with pytest.raises(WebSocketDisconnect) as refused:
        with client.websocket_connect(f"/ws/present/{created.id}", headers=headers):
            pass
    assert refused.value.code == 1008


def test_presenter_socket_controls_and_live_results(client: TestClient, created: Created) -> None:
    """The presenter moves slides, and answers from phones show up in the results."""
    with client.websocket_connect(
        f"/ws/present/{created.id}", headers=presenter_headers(created)
    ) as screen:
        welcome = screen.receive_json()
        assert welcome["type"] == "welcome" and welcome["state"]["current"] == 0
        assert welcome["code_display"] == f"{created.code[:4]} {created.code[4:]}"
        screen.send_json({"type": "next", "id": "n1"})
        ack = receive_until(screen, of_type("ack", id="n1"))
        assert ack["state"]["current"] == 1
        with client.websocket_connect(
            f"/ws/join/{created.code}", headers=participant_headers("phone-one-token-123")
        ) as phone:
            receive_until(phone, of_type("slide"))
            phone.send_json(
                {"type": "answer", "id": "a", "slide": "words", "value": {"words": ["Hoop"]}}
            )
            receive_until(phone, of_type("ack"))
            live = receive_until(
                screen,
                lambda m: m["type"] == "results" and (m["results"] or {}).get("answered") == 1,
            )
        assert live["slide"] == "words" and live["joined"] == 1
        assert [(w["text"], w["count"]) for w in live["results"]["words"]] == [("Hoop", 1)]


def test_bad_controls_get_errors_and_the_socket_stays(client: TestClient, created: Created) -> None:
    """A control for a slide that does not exist is refused; the presenter carries on."""
    with client.websocket_connect(
        f"/ws/present/{created.id}", headers=presenter_headers(created)
    ) as screen:
        screen.send_json({"type": "goto", "slide": 99, "id": "g"})
        assert receive_until(screen, of_type("error", id="g"))["code"] == "bad_message"
        screen.send_text("nonsense")
        assert receive_until(screen, of_type("error"))["code"] == "bad_message"
        screen.send_json({"type": "goto", "slide": 2, "id": "ok"})
        assert receive_until(screen, of_type("ack", id="ok"))["state"]["current"] == 2


def test_moderation_hides_and_restores_a_word(client: TestClient, created: Created) -> None:
    """A hidden word stays in the data, flagged, and can be restored."""
    control(client, created, type="goto", slide=1)
    client.post(
        f"/api/join/{created.code}/answers",
        json={"id": "x1", "slide": "words", "value": {"words": ["rotten", "fine"]}},
    )
    key = next(
        w["key"] for w in results(client, created)["results"]["words"] if w["text"] == "rotten"
    )
    control(client, created, type="hide", slide="words", item=key)
    hidden = {w["text"]: w["hidden"] for w in results(client, created)["results"]["words"]}
    assert hidden == {"rotten": True, "fine": False}
    control(client, created, type="restore", slide="words", item=key)
    assert not any(w["hidden"] for w in results(client, created)["results"]["words"])


def test_results_can_be_hidden_until_the_right_moment(client: TestClient, created: Created) -> None:
    """Hiding results is part of the state the screen receives."""
    state = control(client, created, type="results_visible", visible=False, slide="scales")["state"]
    assert state["results_hidden"] == ["scales"]
    assert results(client, created, "scales")["visible"] is False


def test_state_and_moderation_survive_a_restart(settings: Settings) -> None:
    """Current slide, locks, hidden results and hidden items are there after a restart."""
    with TestClient(create_app(settings)) as first:
        made = Created(first.post("/api/presentations", json=DOCUMENT).json())
        control(first, made, type="goto", slide=1)
        first.post(
            f"/api/join/{made.code}/answers",
            json={"id": "r1", "slide": "words", "value": {"words": ["kept"]}},
        )
        control(first, made, type="voting", open=False)
        control(first, made, type="results_visible", visible=False)
        key = results(first, made)["results"]["words"][0]["key"]
        control(first, made, type="hide", slide="words", item=key)
    with TestClient(create_app(settings)) as second:
        found = second.get(
            f"/api/presentations/{made.id}", headers={"authorization": f"Bearer {made.key}"}
        ).json()
        assert found["state"]["current"] == 1
        assert found["state"]["locked"] == ["words"] and found["state"]["results_hidden"] == [
            "words"
        ]
        assert found["hidden"] == {"words": [key]}
        words = results(second, made)["results"]["words"]
        assert [(w["key"], w["text"], w["count"], w["hidden"]) for w in words] == [
            (key, "kept", 1, True)
        ]


def test_creating_presentations_reports_every_problem(client: TestClient) -> None:
    """An invalid document is refused with all its problems; nothing is created."""
    response = client.post("/api/presentations", json={"title": "", "slides": [{"kind": "x"}]})
    assert response.status_code == 422
    problems = response.json()["error"]["problems"]
    assert "title: must not be empty" in problems and len(problems) == 2


def test_admin_token_guards_creation_when_set(settings: Settings) -> None:
    """With POLLS_ADMIN_TOKEN set, creating needs it."""
    import dataclasses

    guarded = dataclasses.replace(settings, admin_token="let-me-in")
    with TestClient(create_app(guarded)) as test_client:
        assert test_client.post("/api/presentations", json=DOCUMENT).status_code == 403
        response = test_client.post(
            "/api/presentations", json=DOCUMENT, headers={"authorization": "Bearer let-me-in"}
        )
        assert response.status_code == 201


def test_editing_a_running_presentation_reaches_every_phone(
    client: TestClient, created: Created
) -> None:
    """A changed question is stored and shown on phones at once; slide ids keep the answers."""
    changed = {**DOCUMENT, "slides": [dict(s) for s in DOCUMENT["slides"]]}
    changed["slides"][1] = {**changed["slides"][1], "question": "Two words?", "notes": "Ask twice"}
    control(client, created, type="goto", slide=1)
    with client.websocket_connect(
        f"/ws/join/{created.code}", headers=participant_headers("phone-edit-token-1234")
    ) as phone:
        receive_until(phone, of_type("slide"))
        response = client.put(
            f"/api/presentations/{created.id}",
            json=changed,
            headers={"authorization": f"Bearer {created.key}"},
        )
        assert response.status_code == 200
        assert response.json()["document"]["slides"][1]["question"] == "Two words?"
        updated = receive_until(phone, of_type("slide"))
        assert updated["slide"]["question"] == "Two words?"
        assert "notes" not in updated["slide"]  # presenter notes never reach phones


def test_invalid_or_unauthorised_edits_are_refused(client: TestClient, created: Created) -> None:
    """An edit with problems lists them; an edit without the presenter secret is forbidden."""
    url = f"/api/presentations/{created.id}"
    bad = client.put(
        url, json={"title": "", "slides": []}, headers={"authorization": f"Bearer {created.key}"}
    )
    assert bad.status_code == 422 and "title: must not be empty" in bad.json()["error"]["problems"]
    assert client.put(url, json=DOCUMENT).status_code == 403


def test_presenter_pages_console_list_and_editor(client: TestClient, created: Created) -> None:
    """With the presenter cookie: the console, the list of presentations and the editor open."""
    client.get(f"/present/{created.id}?key={created.key}")
    console = client.get(f"/present/{created.id}/console")
    assert (
        console.status_code == 200 and 'id="slide-list"' in console.text and "<svg" in console.text
    )
    listing = client.get("/present")
    assert (
        "Closing round" in listing.text and f"{created.code[:4]} {created.code[4:]}" in listing.text
    )
    assert client.get(f"/present/{created.id}/edit").status_code == 200
    assert client.get("/new").status_code == 200
    stranger = TestClient(client.app)
    assert "Closing round" not in stranger.get("/present").text
    assert stranger.get(f"/present/{created.id}/console").status_code == 403


def test_a_presenter_may_send_a_burst_of_controls(client: TestClient, created: Created) -> None:
    """A presenter clicking quickly (a hundred controls at once) has none refused as too many,
    where a phone would be past its limit after thirty."""
    from polls.web.sockets import PHONE_BURST, SCREEN_BURST

    clicks = 100
    assert PHONE_BURST < clicks <= SCREEN_BURST
    with client.websocket_connect(
        f"/ws/present/{created.id}", headers=presenter_headers(created)
    ) as screen:
        for index in range(clicks):
            screen.send_json({"type": "next" if index % 2 == 0 else "previous", "id": f"c{index}"})
        replies = [
            receive_until(screen, lambda m: m["type"] in {"ack", "error"}) for _ in range(clicks)
        ]
        assert [reply["type"] for reply in replies] == ["ack"] * clicks
