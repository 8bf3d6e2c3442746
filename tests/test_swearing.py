"""Swear words on the screen: held back by default, shown when the presenter decides, always
kept in the data with the reason they were hidden."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.conftest import DOCUMENT, Created, control, results
from tests.test_research import csv_rows

WORDS = ["kutding", "hoop"]


def presentation(client: TestClient, **settings: Any) -> Created:
    response = client.post("/api/presentations", json={**DOCUMENT, **settings})
    assert response.status_code == 201, response.text
    return Created(response.json())


def answer(client: TestClient, made: Created, who: str, slide: str, value: dict[str, Any]) -> None:
    response = client.post(
        f"/api/join/{made.code}/answers",
        json={"id": f"{who}-{slide}", "slide": slide, "value": value},
        headers={"cookie": f"polls_participant=participant-{who}-0000"},
    )
    assert response.status_code == 200, response.text


def shown_words(client: TestClient, made: Created) -> dict[str, bool]:
    return {w["text"]: w["hidden"] for w in results(client, made)["results"]["words"]}


def exported(client: TestClient, made: Created) -> dict[str, tuple[str, str, str]]:
    """Each exported word's hidden, hidden_reason and profanity columns."""
    page = client.get(f"/research/{made.id}", params={"key": made.research_key})
    assert page.status_code == 200
    rows = csv_rows(client.get(f"/research/{made.id}/export.csv").content)
    return {r["value"]: (r["hidden"], r["hidden_reason"], r["profanity"]) for r in rows}


def test_swear_words_are_held_back_until_the_presenter_shows_them(client: TestClient) -> None:
    """By default a swear word never reaches the screen: it is listed as held back for the
    presenter, who can show it, and hide it again; the export says why it was hidden."""
    made = presentation(client)
    control(client, made, type="goto", slide=1)
    answer(client, made, "a", "words", {"words": WORDS})
    live = results(client, made)["results"]
    assert shown_words(client, made) == {"kutding": True, "hoop": False}
    key = next(w["key"] for w in live["words"] if w["text"] == "kutding")
    assert live["held"] == [key] and live["total"] == 1
    assert exported(client, made)["kutding"] == ("1", "profanity", "1")
    assert exported(client, made)["hoop"] == ("0", "", "0")

    control(client, made, type="restore", slide="words", item=key)  # the presenter shows it
    assert shown_words(client, made) == {"kutding": False, "hoop": False}
    assert results(client, made)["results"]["held"] == []
    assert exported(client, made)["kutding"] == ("0", "", "1")

    control(client, made, type="hide", slide="words", item=key)  # and hides it by hand
    assert shown_words(client, made)["kutding"] is True
    assert results(client, made)["results"]["held"] == []
    assert exported(client, made)["kutding"] == ("1", "moderator", "1")


def test_flag_shows_swearing_marked_and_show_treats_it_like_any_word(client: TestClient) -> None:
    """With `profanity: flag` a swear word is shown and marked for the console; with `show`
    it is a word like any other (the export still marks it)."""
    for mode, flagged in (("flag", True), ("show", False)):
        made = presentation(client, profanity=mode)
        control(client, made, type="goto", slide=1)
        answer(client, made, "a", "words", {"words": WORDS})
        live = results(client, made)["results"]
        assert shown_words(client, made) == {"kutding": False, "hoop": False}
        key = next(w["key"] for w in live["words"] if w["text"] == "kutding")
        assert live["held"] == [] and live["flagged"] == ([key] if flagged else [])
        assert exported(client, made)["kutding"] == ("0", "", "1")


def test_an_open_answer_with_swearing_is_held_back_from_the_wall(client: TestClient) -> None:
    """An open answer with a swear word in it waits in the console, off the wall."""
    made = presentation(client)
    control(client, made, type="goto", slide=4)
    answer(client, made, "a", "tips", {"text": "wat een kutavond"})
    answer(client, made, "b", "tips", {"text": "fijne avond"})
    wall = results(client, made)["results"]
    assert {a["text"]: a["hidden"] for a in wall["answers"]} == {
        "wat een kutavond": True,
        "fijne avond": False,
    }
    assert len(wall["held"]) == 1 and wall["total"] == 1


def test_the_exported_cloud_leaves_held_words_out(client: TestClient) -> None:
    """The word cloud as SVG (and PNG) for reports shows what the screen shows."""
    made = presentation(client)
    control(client, made, type="goto", slide=1)
    answer(client, made, "a", "words", {"words": WORDS})
    client.get(f"/research/{made.id}", params={"key": made.research_key})
    svg = client.get(f"/research/{made.id}/cloud/words.svg").text
    assert ">hoop<" in svg and "kutding" not in svg


def test_a_document_with_an_unknown_profanity_setting_is_refused(client: TestClient) -> None:
    """`profanity` takes hide, flag or show, and says so."""
    response = client.post("/api/presentations", json={**DOCUMENT, "profanity": "blur"})
    assert response.status_code == 422
    assert "profanity: must be one of: hide, flag, show" in response.text
