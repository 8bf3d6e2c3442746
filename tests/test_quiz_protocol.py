"""A quiz over the protocol: one answer per phone, timed from the question's first showing,
the reveal over the control API, and each phone's place on the leaderboard."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.conftest import Created, control, participant_headers, receive_until, results
from tests.server import two_workers
from tests.test_end_to_end import next_message, phone_of, screen_of
from tests.test_questions import sent
from tests.test_quiz import DOCUMENT


def test_a_phone_answers_once_learns_its_score_at_the_reveal_and_its_place(
    client: TestClient, make_presentation: Callable[..., Created]
) -> None:
    """Over one socket: a quiz answer with a nickname is stored once and timed; a second
    answer is refused with the reason; the phone learns nothing of the right answer until the
    presenter reveals it; then its score; and on the leaderboard its place."""
    created = make_presentation(DOCUMENT)
    control(client, created, type="goto", slide=0)  # shown: the clock starts
    with client.websocket_connect(
        f"/ws/join/{created.code}", headers=participant_headers("phone-quiz-00000000000")
    ) as ws:
        slide = receive_until(ws, lambda m: m["type"] == "slide")
        assert slide["revealed"] is False and "correct" not in slide["slide"]
        assert slide["closes_at"] is not None  # a quiz counts down by default
        answer = {"type": "answer", "id": "q1", "slide": "hoofdstad", "value": {"choice": 1}}
        ws.send_json({**answer, "value": {"choice": 1, "name": "Anna"}})
        assert receive_until(ws, lambda m: m["type"] == "ack")["duplicate"] is False
        ws.send_json({**answer, "id": "q2", "value": {"choice": 0}})
        refused = receive_until(ws, lambda m: m["type"] == "error")
        assert refused["code"] == "limit_reached"
        assert refused["reason"] == (
            "Je hebt deze vraag al beantwoord: een quizantwoord kun je niet meer veranderen."
        )
        ws.send_json({"type": "mine", "id": "m1", "slide": "hoofdstad"})
        assert receive_until(ws, lambda m: m["type"] == "mine")["value"] == {
            "choice": 1,
            "used": 1,
        }
        assert results(client, created)["results"]["options"][1]["count"] == 1
        control(client, created, type="reveal")
        revealed = receive_until(ws, lambda m: m["type"] == "slide" and m["revealed"])
        assert revealed["voting"] is False and revealed["slide"]["correct"] == ["Amsterdam"]
        ws.send_json({"type": "mine", "id": "m2", "slide": "hoofdstad"})
        mine = receive_until(ws, lambda m: m["type"] == "mine")["value"]
        assert mine["correct"] is True and 500 <= mine["score"] <= 1000
        control(client, created, type="goto", slide=2)
        ws.send_json({"type": "mine", "id": "m3", "slide": "stand"})
        place = receive_until(ws, lambda m: m["type"] == "mine")["value"]
        assert place == {"rank": 1, "of": 1, "name": "Anna", "score": mine["score"]}
    board = results(client, created)["results"]
    assert [(p["name"], p["rank"]) for p in board["top"]] == [("Anna", 1)]
    wrong = client.post(
        f"/api/presentations/{created.id}/control",
        json={"type": "reveal", "slide": "keuze"},
        headers={"authorization": f"Bearer {created.key}"},
    )
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "bad_message"


def test_the_report_shows_the_right_answer_and_who_chose_what(
    client: TestClient, make_presentation: Callable[..., Created]
) -> None:
    """The printable report marks the right option of a quiz question with the share of the
    five players who chose each."""
    created = make_presentation(DOCUMENT)
    for who in range(5):
        response = client.post(
            f"/api/join/{created.code}/answers",
            json={"id": f"q{who}", "slide": "hoofdstad", "value": {"choice": 1 if who else 0}},
            headers={"cookie": f"polls_participant=report-{who:06d}-participant"},
        )
        assert response.status_code == 200, response.text
    page = client.get(
        f"/research/{created.id}/report.html",
        headers={"authorization": f"Bearer {created.research_key}"},
    ).text
    assert "Amsterdam <strong>✓ goed antwoord</strong>" in page
    assert "80%" in page and "20%" in page


@pytest.mark.anyio
async def test_a_quiz_across_two_workers(tmp_path: Path, postgres_url: str, redis_url: str) -> None:
    """Scaled out: players answer through either worker; the reveal reaches phones on both;
    the leaderboard on the first worker's screen counts every player, and a phone on the
    second worker gets the same place."""
    with two_workers(tmp_path, postgres_url, redis_url) as (first, second):
        created = Created(first.http("POST", "/api/presentations", DOCUMENT))
        async with (
            screen_of(first, created) as screen,
            phone_of(first, created.code, "quiz-phone-000000000001") as anna,
            phone_of(second, created.code, "quiz-phone-000000000002") as bo,
        ):
            await next_message(screen, lambda m: m["type"] == "welcome")
            for phone, choice, name in ((anna, 1, "Anna"), (bo, 0, "Bo")):
                answer = {"choice": choice, "name": name}
                reply = await sent(
                    phone, {"type": "answer", "id": name, "slide": "hoofdstad", "value": answer}
                )
                assert reply["type"] == "ack", reply
            assert (await sent(screen, {"type": "reveal", "id": "r"}))["type"] == "ack"
            revealed = await asyncio.wait_for(
                next_message(bo, lambda m: m["type"] == "slide" and m["revealed"]), 30
            )
            assert revealed["slide"]["correct"] == ["Amsterdam"]
            assert (await sent(screen, {"type": "goto", "slide": 2, "id": "g"}))["type"] == "ack"
            board = await asyncio.wait_for(
                next_message(
                    screen,
                    lambda m: (
                        m["type"] == "results"
                        and m["slide"] == "stand"
                        and m["results"]["players"] == 2
                    ),
                ),
                30,
            )
            assert [(p["name"], p["rank"]) for p in board["results"]["top"]] == [
                ("Anna", 1),
                ("Bo", 2),
            ]
            place = await sent(bo, {"type": "mine", "id": "m", "slide": "stand"})
            assert place["value"] == {"rank": 2, "of": 2, "name": "Bo", "score": 0}
