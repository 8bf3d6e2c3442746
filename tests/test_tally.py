"""Tallies: results from stored responses, counted once, newest answer wins."""

from __future__ import annotations

import itertools
from typing import Any

from polls.core.models import StoredResponse
from polls.domain.documents import validate_document
from polls.domain.tally import new_tally, tally
from tests.conftest import DOCUMENT

document = validate_document(DOCUMENT)
content, words, scales, choice, text = document.slides
_ids = itertools.count(1)


def response(slide: str, who: str, value: dict[str, Any], rid: int | None = None) -> StoredResponse:
    return StoredResponse(
        id=rid if rid is not None else next(_ids),
        presentation_id="p",
        slide_id=slide,
        participant=who,
        submission_id=f"s{rid}",
        value=value,
        created_at=1000.0 + (rid or 0),
    )


def test_word_cloud_groups_variants_and_shows_the_common_spelling() -> None:
    """Variants count together under the spelling most people typed, as they typed it."""
    results = tally(
        words,
        [
            response("words", "a", {"words": ["inspiratie", "hoop"]}),
            response("words", "b", {"words": ["inspiratie!"]}),
            response("words", "c", {"words": ["inspiraties", "Hoop"]}),
            response("words", "d", {"words": ["inspiratie"]}),
        ],
        "nl",
    )
    assert [(w["text"], w["count"]) for w in results["words"]] == [("inspiratie", 4), ("hoop", 2)]
    assert results["answered"] == 4 and results["total"] == 6


def test_hidden_words_stay_listed_but_not_counted_in_the_total() -> None:
    """Moderation flags a word; it stays in the data for the presenter to restore."""
    counted = new_tally(words, "en")
    counted.apply(response("words", "a", {"words": ["bad", "good"]}))
    key = counted.snapshot()["words"][0]["key"]
    results = counted.snapshot(frozenset({key}))
    assert [w["hidden"] for w in results["words"]] == [True, False]
    assert results["total"] == 1


def test_responses_count_once_in_any_order() -> None:
    """Applying the same response twice, or out of order, gives the same numbers."""
    items = [
        response("words", "a", {"words": ["x"]}, 10),
        response("words", "b", {"words": ["x"]}, 11),
    ]
    forward = tally(words, items + items, "en")
    backward = tally(words, list(reversed(items)), "en")
    assert forward == backward
    assert forward["words"][0]["count"] == 2


def test_scales_use_each_participants_newest_rating() -> None:
    """A changed rating replaces the old one; skips count apart."""
    results = tally(
        scales,
        [
            response("scales", "a", {"ratings": {"0": 1}}, 1),
            response("scales", "a", {"ratings": {"0": 5}}, 2),
            response("scales", "b", {"ratings": {"0": 4, "1": "skip"}}, 3),
            response("scales", "c", {"ratings": {"1": 2}}, 4),
        ],
        "en",
    )
    useful, fun = results["statements"]
    assert useful["count"] == 2 and useful["mean"] == 4.5
    assert useful["distribution"] == [0, 0, 0, 1, 1]
    assert fun["count"] == 1 and fun["skipped"] == 1 and fun["distribution"] == [0, 1, 0, 0, 0]
    assert results["answered"] == 3


def test_a_late_older_rating_does_not_override_a_newer_one() -> None:
    """Responses from several workers can arrive out of order; the newest id still wins."""
    results = tally(
        scales,
        [
            response("scales", "a", {"ratings": {"0": 5}}, 20),
            response("scales", "a", {"ratings": {"0": 1}}, 19),
        ],
        "en",
    )
    assert results["statements"][0]["mean"] == 5


def test_empty_scales_have_no_mean() -> None:
    """With no ratings the mean is absent, not zero."""
    assert tally(scales, [], "en")["statements"][0]["mean"] is None


def test_multiple_choice_counts_and_percentages() -> None:
    """Each option's count and share of respondents; a changed choice moves the vote."""
    results = tally(
        choice,
        [
            response("role", "a", {"choices": [0]}, 1),
            response("role", "b", {"choices": [1]}, 2),
            response("role", "c", {"choices": [1]}, 3),
            response("role", "a", {"choices": [1]}, 4),
        ],
        "en",
    )
    assert [(o["count"], o["percent"]) for o in results["options"]] == [
        (0, 0.0),
        (3, 100.0),
        (0, 0.0),
    ]
    assert results["respondents"] == 3


def test_open_answers_newest_first_with_moderation() -> None:
    """Open answers are listed newest first; hidden ones are flagged."""
    results = tally(
        text,
        [response("tips", "a", {"text": "first"}, 1), response("tips", "b", {"text": "second"}, 2)],
        "en",
        frozenset({"1"}),
    )
    assert [(a["text"], a["hidden"]) for a in results["answers"]] == [
        ("second", False),
        ("first", True),
    ]
    assert results["total"] == 1


def test_content_slides_have_no_results() -> None:
    """A content slide reports only how many answered (none)."""
    assert tally(content, [], "en") == {"kind": "content", "answered": 0}


def test_every_kind_gives_the_same_results_in_any_order_with_repeats() -> None:
    """Changed answers, repeats and any arrival order: the screen shows what the log says."""
    import random

    rng = random.Random(7)
    log = []
    for rid in range(1, 400):
        who = f"p{rng.randrange(40)}"
        log += [
            response(words.id, who, {"words": [rng.choice(["tea", "Tea", "coffee"])]}, rid),
            response(scales.id, who, {"ratings": {"0": rng.choice([1, 3, 5, "skip"])}}, rid),
            response(choice.id, who, {"choices": [rng.randrange(2)]}, rid),
            response(text.id, who, {"text": f"answer {rid}"}, rid),
        ]
    for slide in (words, scales, choice, text):
        ours = [r for r in log if r.slide_id == slide.id]
        assert len(ours) == 399
        expected = tally(slide, ours, "en", frozenset({"tea", "5"}))
        shuffled = ours + ours[:50]
        rng.shuffle(shuffled)
        assert tally(slide, shuffled, "en", frozenset({"tea", "5"})) == expected, slide.id


def test_words_hidden_under_their_older_keys_stay_hidden_until_shown() -> None:
    """Moderation stored when words were keyed by their stems still hides them; showing the
    word from the console (a 'show anyway' row) brings it back."""
    from polls.core.words import stem_key, word_key
    from polls.kinds.base import SHOWN_ANYWAY

    responses = [response("words", "a", {"words": ["steden", "mooi"]})]
    old = stem_key("steden", "nl")
    assert old != word_key("steden", "nl")
    hidden = tally(words, responses, "nl", frozenset({old}))
    assert {w["text"]: w["hidden"] for w in hidden["words"]} == {"steden": True, "mooi": False}
    assert hidden["total"] == 1
    shown = tally(words, responses, "nl", frozenset({old, SHOWN_ANYWAY + word_key("steden", "nl")}))
    assert not any(w["hidden"] for w in shown["words"])
