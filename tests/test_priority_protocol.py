"""Ranking and 100 points over the protocol: the socket, the JSON fallback and the plain form
refuse what does not fit with the reason and store what does, once."""

from __future__ import annotations

from collections.abc import Callable

from starlette.testclient import TestClient

from tests.conftest import Created, control, participant_headers, receive_until, results
from tests.test_priorities import DOCUMENT


def test_the_socket_refuses_a_bad_ranking_and_keeps_the_connection(
    client: TestClient, make_presentation: Callable[..., Created]
) -> None:
    """A ranking that leaves an option out is refused with the reason; the same connection then
    sends a whole ranking, acknowledged once even when sent twice, and the phone gets it back
    as its own answer."""
    created = make_presentation({**DOCUMENT, "language": "en"})
    with client.websocket_connect(
        f"/ws/join/{created.code}", headers=participant_headers("phone-rank-0000000000")
    ) as ws:
        receive_until(ws, lambda m: m["type"] == "slide")
        ws.send_json({"type": "answer", "id": "r1", "slide": "eerst", "value": {"order": [0, 1]}})
        refused = receive_until(ws, lambda m: m["type"] == "error")
        assert (refused["code"], refused["reason"]) == (
            "invalid_answer",
            "Put every option in order.",
        )
        whole = {"type": "answer", "id": "r2", "slide": "eerst", "value": {"order": [3, 2, 1, 0]}}
        ws.send_json(whole)
        assert receive_until(ws, lambda m: m["type"] == "ack")["duplicate"] is False
        ws.send_json(whole)
        assert receive_until(ws, lambda m: m["type"] == "ack")["duplicate"] is True
        ws.send_json({"type": "mine", "id": "m1", "slide": "eerst"})
        mine = receive_until(ws, lambda m: m["type"] == "mine")
        assert mine["value"] == {"order": [3, 2, 1, 0]}
    counted = results(client, created, "eerst")["results"]
    assert counted["respondents"] == 1 and counted["options"][0]["text"] == "Online hulp"


def test_points_over_json_and_the_plain_form(
    client: TestClient, make_presentation: Callable[..., Created]
) -> None:
    """Points that do not add up are refused over JSON (422, with the sum) and in the plain
    form (the page again, with the reason); those that do are stored, and the phone's newest
    answer is the one counted."""
    created = make_presentation(DOCUMENT)
    control(client, created, type="goto", slide=1)
    url = f"/api/join/{created.code}/answers"
    short = client.post(url, json={"id": "p1", "slide": "budget", "value": {"points": [50, 40, 0]}})
    assert short.status_code == 422
    reason = "The points must add up to 100; yours add up to 90."
    assert short.json()["error"]["reason"] == reason
    right = client.post(url, json={"id": "p2", "slide": "budget", "value": {"points": [50, 50, 0]}})
    assert right.json() == {"type": "ack", "id": "p2", "duplicate": False}
    form = {"slide": "budget", "submission": "f-1", "points-0": "abc", "points-1": "100"}
    page = client.post(f"/{created.code}", data=form)
    assert page.status_code == 422 and "hele getallen" in page.text
    form = {
        "slide": "budget",
        "submission": "f-2",
        "points-0": "",
        "points-1": "",
        "points-2": "100",
    }
    assert client.post(f"/{created.code}", data=form, follow_redirects=False).status_code == 303
    counted = results(client, created, "budget")["results"]
    assert counted["respondents"] == 1  # the same phone: its newest answer counts
    assert [(o["text"], o["mean"]) for o in counted["options"]] == [
        ("Een inloopspreekuur", 100.0),
        ("Meer ontmoetingen", 0.0),
        ("Voorlichting op scholen", 0.0),
    ]


def test_the_report_shows_the_order_and_the_points(
    client: TestClient, make_presentation: Callable[..., Created]
) -> None:
    """The printable report lists a ranking's options by mean place with their places, and
    the mean points per option, once five people have answered."""
    created = make_presentation(DOCUMENT)
    url = f"/api/join/{created.code}/answers"
    for who in range(5):
        cookie = {"cookie": f"polls_participant=report-{who:06d}-participant"}
        order = [3, 2, 1, 0] if who else [0, 1, 2, 3]
        value = {"id": f"r{who}", "slide": "eerst", "value": {"order": order}}
        assert client.post(url, json=value, headers=cookie).status_code == 200
    control(client, created, type="goto", slide=1)
    for who in range(5):
        cookie = {"cookie": f"polls_participant=report-{who:06d}-participant"}
        value = {"id": f"p{who}", "slide": "budget", "value": {"points": [20, 0, 80]}}
        assert client.post(url, json=value, headers=cookie).status_code == 200
    report = client.get(
        f"/research/{created.id}/report.html",
        headers={"authorization": f"Bearer {created.research_key}"},
    )
    assert report.status_code == 200, report.text
    page = report.text
    assert page.index("1. Online hulp") < page.index("4. Meer ontmoetingen")
    assert 'aria-label="1: 4, 2: 0, 3: 0, 4: 1"' in page  # Online hulp: first four times
    assert "Gemiddeld aantal punten per persoon, van de 100" in page
    assert page.index("80.0") < page.index("20.0")
