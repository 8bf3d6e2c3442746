"""Participants without WebSockets or without JavaScript: the HTTP fallback and plain forms."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from starlette.testclient import TestClient

from tests.conftest import DOCUMENT, Created, control, results


@pytest.fixture
def created(make_presentation: Callable[..., Created], client: TestClient) -> Created:
    made = make_presentation()
    control(client, made, type="goto", slide=2)  # the scales
    return made


def test_join_form_and_code_redirects(client: TestClient, created: Created) -> None:
    """The join form sends a typed code, with spaces or dashes, to the presentation."""
    home = client.get("/")
    assert home.status_code == 200 and 'inputmode="numeric"' in home.text
    typed = f"{created.code[:4]}-{created.code[4:]}"
    response = client.get("/join", params={"code": typed}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/{created.code}"


def test_a_wrong_code_gets_a_clear_page(client: TestClient) -> None:
    """A code that is not 8 digits or opens nothing gets a plain message, not a stack trace."""
    short = client.get("/join", params={"code": "123"})
    assert short.status_code == 400 and "8 digits" in short.text
    unknown = client.get("/99999999")
    assert unknown.status_code == 404 and "No open presentation has this code" in unknown.text


def test_closed_presentations_are_not_joinable(client: TestClient, settings: object) -> None:
    """After closing, the code says so."""
    made = Created(client.post("/api/presentations", json=DOCUMENT).json())
    assert client.get(f"/{made.code}").status_code == 200
    import asyncio

    from polls.storage import open_storage

    async def close() -> None:
        storage = open_storage(settings.database_url)  # type: ignore[attr-defined]
        await storage.connect()
        await storage.close_presentation(made.id, 1.0)
        await storage.disconnect()

    asyncio.run(close())
    assert client.get(f"/{made.code}").status_code == 404


def test_wrong_codes_are_counted_together_on_every_path(
    client: TestClient, created: Created
) -> None:
    """Wrong codes on the page, the JSON API and the WebSocket share one budget per client:
    once it is spent every path refuses with 'too many wrong codes', the right code too (else a
    guesser could tell right from wrong)."""
    from polls.web.access import GUESS_BURST

    wrong = iter(range(10_000_000, 20_000_000))
    for turn in range(GUESS_BURST):
        path = turn % 3
        if path == 0:
            assert client.get(f"/{next(wrong)}").status_code == 404
        elif path == 1:
            assert client.get(f"/api/join/{next(wrong)}").status_code == 404
        else:
            with client.websocket_connect(f"/ws/join/{next(wrong)}") as ws:
                assert ws.receive_json()["code"] == "unknown_code"
    assert client.get(f"/{next(wrong)}").status_code == 429
    refused = client.get(f"/api/join/{next(wrong)}")
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "rate_limited"
    with client.websocket_connect(f"/ws/join/{next(wrong)}") as ws:
        assert ws.receive_json()["code"] == "rate_limited"
    page = client.get(f"/{created.code}")
    assert page.status_code == 429 and "Too many wrong codes" in page.text


def test_the_page_sets_an_anonymous_cookie(client: TestClient, created: Created) -> None:
    """Opening the presentation gives an HttpOnly, SameSite=Lax pseudonymous cookie."""
    response = client.get(f"/{created.code}")
    cookie = response.headers["set-cookie"]
    assert (
        cookie.startswith("polls_participant=")
        and "HttpOnly" in cookie
        and "SameSite=lax" in cookie
    )
    assert "Agree?" in response.text


def test_plain_form_answers_work_without_javascript(client: TestClient, created: Created) -> None:
    """A form post stores the answer and comes back with a thank-you that waits for the next
    question; asking to change it shows the person's own ratings again."""
    page = client.get(f"/{created.code}")
    submission = re.search(r'name="submission" value="([^"]+)"', page.text)
    assert submission is not None
    form = {
        "slide": "scales",
        "submission": submission.group(1),
        "rating-0": "4",
        "rating-1": "skip",
    }
    response = client.post(f"/{created.code}", data=form, follow_redirects=False)
    assert response.status_code == 303
    thanks = client.get(response.headers["location"])
    assert "Thank you!" in thanks.text and "Wait for the next question." in thanks.text
    assert 'http-equiv="refresh"' in thanks.text and "<form" not in thanks.text
    assert f'href="/{created.code}?again=1">Change my answer' in thanks.text
    assert f'<a class="button" href="/{created.code}">Next question</a>' in thanks.text
    changing = client.get(f"/{created.code}?again=1").text
    assert re.search(r'name="rating-0" value="4" checked', changing)
    assert re.search(r'name="rating-1" value="skip" checked', changing)
    assert 'http-equiv="refresh"' not in changing
    again = client.post(f"/{created.code}", data=form, follow_redirects=False)
    assert again.status_code == 303  # a resubmitted form counts once
    statements = results(client, created)["results"]["statements"]
    assert statements[0]["distribution"] == [0, 0, 0, 1, 0] and statements[1]["skipped"] == 1


def test_form_errors_are_shown_on_the_page(client: TestClient, created: Created) -> None:
    """A form answer out of range comes back with the reason, in the page."""
    form = {"slide": "scales", "submission": "f-1", "rating-0": "9"}
    response = client.post(f"/{created.code}", data=form)
    assert response.status_code == 422 and "A rating must be from 1 to 5." in response.text


def test_json_answers_share_validation_and_idempotency(
    client: TestClient, created: Created
) -> None:
    """The JSON fallback acknowledges once per submission id and refuses what the socket refuses."""
    url = f"/api/join/{created.code}/answers"
    first = client.post(url, json={"id": "h1", "slide": "scales", "value": {"ratings": {"0": 5}}})
    assert first.json() == {"type": "ack", "id": "h1", "duplicate": False}
    again = client.post(url, json={"id": "h1", "slide": "scales", "value": {"ratings": {"0": 5}}})
    assert again.json()["duplicate"] is True
    wrong = client.post(url, json={"id": "h2", "slide": "words", "value": {"words": ["x"]}})
    assert wrong.status_code == 409 and wrong.json()["error"]["code"] == "not_current"
    bad = client.post(url, content=b"{oops")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_message"
    huge = client.post(
        url, content=b'{"id":"h3","slide":"scales","value":{"x":"' + b"x" * 17000 + b'"}}'
    )
    assert huge.status_code == 413 and huge.json()["error"]["code"] == "too_large"
    assert results(client, created)["results"]["statements"][0]["count"] == 1


def test_state_polling_returns_when_the_slide_changes(client: TestClient, created: Created) -> None:
    """Phones without sockets poll the state; an old version answers at once."""
    state = client.get(f"/api/join/{created.code}").json()
    assert state["slide"]["slide"]["id"] == "scales"
    version = state["slide"]["version"]
    control(client, created, type="next")
    newer = client.get(f"/api/join/{created.code}", params={"version": version}).json()
    assert newer["slide"]["index"] == 3 and newer["slide"]["version"] > version


def test_participant_text_is_never_html(client: TestClient) -> None:
    """Titles, questions and options are escaped wherever they appear."""
    hostile = {
        **DOCUMENT,
        "title": "<script>alert(1)</script>",
        "slides": [
            {"kind": "multiple_choice", "question": "<b>q</b>", "options": ["<i>a</i>", "b"]}
        ],
    }
    made = Created(client.post("/api/presentations", json=hostile).json())
    page = client.get(f"/{made.code}").text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "<b>q</b>" not in page and "<i>a</i>" not in page


def test_pages_carry_strict_security_headers(client: TestClient) -> None:
    """No inline scripts, no framing, no referrer leaks."""
    headers = client.get("/").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY" and headers["referrer-policy"] == "no-referrer"


def test_dutch_presentations_speak_dutch(client: TestClient) -> None:
    """A Dutch presentation's page is in Dutch, with lang set."""
    made = Created(client.post("/api/presentations", json={**DOCUMENT, "language": "nl"}).json())
    page = client.get(f"/{made.code}").text
    assert '<html lang="nl">' in page and "Wachten op de volgende vraag" in page
    home = client.get("/", headers={"accept-language": "nl-NL,nl;q=0.9,en;q=0.8"}).text
    assert "Meedoen met een presentatie" in home


def test_a_participants_own_answers_over_http(client: TestClient, created: Created) -> None:
    """GET /api/join/{code}/mine gives this participant's ratings that count on a slide, and
    nothing for someone who has not answered (the HTTP fallback of the 'mine' message)."""
    cookie = {"cookie": "polls_participant=mine-http-phone-0000001"}
    url = f"/api/join/{created.code}/answers"
    for sid, rating in (("m1", 2), ("m2", 5)):
        sent = client.post(
            url, json={"id": sid, "slide": "scales", "value": {"ratings": {"0": rating}}},
            headers=cookie,
        )  # fmt: skip
        assert sent.status_code == 200
    mine = client.get(f"/api/join/{created.code}/mine?slide=scales", headers=cookie).json()
    assert mine == {"type": "mine", "id": None, "slide": "scales", "value": {"ratings": {"0": 5}}}
    other = {"cookie": "polls_participant=mine-http-phone-0000002"}
    nobody = client.get(f"/api/join/{created.code}/mine?slide=scales", headers=other).json()
    assert nobody["value"] is None
