"""The word cloud's layout: words keep their places while the cloud grows, never overlap,
and the research export draws exactly what the screen does."""

from __future__ import annotations

import itertools
import re

from polls.core.models import StoredResponse
from polls.domain.tally import new_tally, tally
from polls.kinds.cloud_layout import CloudLayout, fit, text_box
from polls.kinds.word_cloud import WordCloud
from polls.research.cloud import to_png, to_svg, transform

SLIDE = WordCloud(id="words", question="Wat neem je mee?", max_words=5)
VOCABULARY = [
    "hoop", "samen", "verbinding", "rust", "moed", "inspiratie", "koffie", "buren",
    "vertrouwen", "luisteren", "nieuwe ideeën", "👍", "wijk", "Vriendschap", "steun",
]  # fmt: skip
_ids = itertools.count(1)


def response(who: int, words: list[str]) -> StoredResponse:
    rid = next(_ids)
    return StoredResponse(
        id=rid,
        presentation_id="p",
        slide_id="words",
        participant=f"phone-{who}",
        submission_id=f"s{rid}",
        value={"words": words},
        created_at=0.0,
    )


def rounds() -> list[list[StoredResponse]]:
    """Ten rounds of answers: new words join, early words are mentioned again and again."""
    made: list[list[StoredResponse]] = []
    for round_ in range(10):
        batch = [
            response(round_ * 10 + n, [VOCABULARY[(round_ + n * n) % (round_ + 6)]])
            for n in range(10)
        ]
        made.append(batch)
    return made


def boxes(results: dict[str, object]) -> list[tuple[float, float, float, float]]:
    found = []
    for word in results["words"]:  # type: ignore[attr-defined]
        width, height = text_box(word["text"], word["size"])
        found.append(
            (
                word["x"] - width / 2,
                word["y"] - height / 2,
                word["x"] + width / 2,
                word["y"] + height / 2,
            )
        )
    return found


def test_words_keep_their_places_while_the_cloud_grows() -> None:
    """Over ten rounds of new answers every word stays exactly where it was first placed,
    the first word in the middle, and no two drawn words overlap."""
    counted = new_tally(SLIDE, "nl")
    seen: dict[str, tuple[float, float]] = {}
    for batch in rounds():
        for item in batch:
            counted.apply(item)
        results = counted.snapshot()
        for word in results["words"]:
            place = (word["x"], word["y"])
            assert seen.setdefault(word["key"], place) == place, word["key"]
        drawn = boxes(results)
        for a, b in itertools.combinations(drawn, 2):
            apart = a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]
            assert apart, (a, b)
    first = min(results["words"], key=lambda w: w["order"])
    assert (first["x"], first["y"]) == (0.0, 0.0)
    assert set(seen) == {w["key"] for w in results["words"]} and len(seen) >= 10


def test_the_export_places_words_as_the_screen_did() -> None:
    """A cloud counted answer by answer with updates in between (the screen) and one counted
    from the whole log at once (the export) give the same places and sizes."""
    live = new_tally(SLIDE, "nl")
    everything: list[StoredResponse] = []
    for batch in rounds():
        for item in batch:
            live.apply(item)
        live.snapshot()
        everything += batch
    at_once = tally(SLIDE, everything, "nl")
    assert live.snapshot() == at_once


def test_a_place_is_found_once_and_kept() -> None:
    """Placing a word again gives its old place, whatever is placed in between."""
    layout = CloudLayout()
    first = layout.place("hoop", "hoop")
    layout.place("samen", "samen")
    assert layout.place("hoop", "hoop") == first


def test_the_svg_draws_the_screens_words_escaped() -> None:
    """The SVG has each word at the place and size the results give, inside the same
    transform the screen uses; text is escaped; the PNG is a PNG."""
    results = tally(SLIDE, [response(1, ["a<b>c", "hoop"]), response(2, ["hoop", "👍"])], "nl")
    words = sorted(results["words"], key=lambda w: w["order"])
    svg = to_svg(words, results["view"], "Wat neem je mee?")
    assert "a&lt;b&gt;c" in svg and "a<b>" not in svg
    assert f'<g transform="{transform(results["view"])}">' in svg
    for word in words:
        assert f'x="{word["x"]:.1f}" y="{word["y"]:.1f}" font-size="{word["size"]:.1f}"' in svg
    placed = re.findall(r"<text ", svg)
    assert len(placed) == 3
    scale, _, _ = fit(tuple(results["view"]))  # type: ignore[arg-type]
    assert 0 < scale <= 2
    assert to_png(words, results["view"]).startswith(b"\x89PNG\r\n\x1a\n")


def test_the_png_font_has_every_letter_dutch_words_use() -> None:
    """The PNG is drawn in a font with ë, é, ï, ö, ü and € (no boxes): each draws unlike the
    glyph a font shows for a character it lacks."""
    from PIL import ImageFont

    from polls.research.cloud import font_file

    font = ImageFont.truetype(font_file(), 40)
    missing = font.getmask("\U0010fffd").getbbox()
    for letter in "ëéïöüç€áàâ":
        assert font.getmask(letter).getbbox() != missing, letter


def test_the_png_leaves_emoji_out_and_keeps_the_rest() -> None:
    """Emoji (which Pillow cannot draw in colour) are left out of the PNG, the words beside
    them stay, and a cloud of only emoji is still a picture."""
    from polls.research.cloud import without_emoji

    assert without_emoji("top 👍🏽") == "top"
    assert without_emoji("👨\u200d👩\u200d👧") == ""
    assert without_emoji("ideeën €5") == "ideeën €5"
    words = [{"text": "👍🏽", "x": 0.0, "y": 0.0, "size": 60.0}, {"text": "café 👍", "x": 0.0,
             "y": 90.0, "size": 40.0}]  # fmt: skip
    assert to_png(words, [-200.0, -100.0, 200.0, 200.0]).startswith(b"\x89PNG")
