"""The projector screen in a real headless Chromium: every kind fits every projector with many
answers, moderation never reaches the audience, the breakdown closes, voting locks show, and
numbers read as the presentation's language writes them. Screenshots go to tests/screenshots/."""

from __future__ import annotations

import json
import os
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import unavailable
from tests.server import Service, running
from tests.test_browser import Room, shoot

SIZES = [(1024, 768), (1280, 720), (1920, 1080), (3840, 2160)]
WORDS = [f"woord{n:03d}" for n in range(150)]
STATEMENTS = [f"Uitspraak {n + 1} over deze avond in de wijk" for n in range(10)]
OPTIONS = [f"Optie {n + 1}: een keuze met wat uitleg" for n in range(30)]
TEN = [f"Taak {n + 1}: iets wat het wijkteam zou kunnen doen" for n in range(10)]
DOCUMENT: dict[str, Any] = {
    "title": "Veel antwoorden",
    "language": "nl",
    "slides": [
        {"kind": "word_cloud", "id": "woorden", "question": "Welk woord?", "max_words": 5},
        {
            "kind": "scales",
            "id": "schalen",
            "question": "Hoe eens ben je het hiermee?",
            "statements": STATEMENTS,
            "min_label": "Helemaal oneens",
            "max_label": "Helemaal eens",
            "allow_skip": True,
        },
        {"kind": "multiple_choice", "id": "keuze", "question": "Wat kies je?", "options": OPTIONS},
        {"kind": "open_ended", "id": "tips", "question": "Tips?", "max_answers": 3},
        {"kind": "ranking", "id": "volgorde", "question": "Wat eerst?", "options": TEN},
        {"kind": "hundred_points", "id": "punten", "question": "Verdeel", "options": TEN},
        {
            "kind": "grid",
            "id": "vlak",
            "question": "Moeite en effect?",
            "items": TEN,
            "x_label": "Moeite",
            "y_label": "Effect",
        },
        {
            "kind": "quiz",
            "id": "quiz",
            "question": "Welke taak kwam het eerst?",
            "options": TEN[:8],
            "correct": [TEN[2]],
        },
        {"kind": "leaderboard", "id": "stand"},
        {"kind": "content", "id": "einde", "title": "Bedankt!", "body": "Tot ziens."},
    ],
}

pytestmark = pytest.mark.browser


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    with running(tmp_path / "screen.db") as started:
        yield started


def expect(locator: Any) -> Any:
    return Room.expect(locator)


def answer(service: Service, room: Room, who: int, slide: str, value: dict[str, Any]) -> None:
    request = urllib.request.Request(
        f"{service.url}/api/join/{room.code}/answers",
        method="POST",
        data=json.dumps({"id": f"{slide}-{who}", "slide": slide, "value": value}).encode(),
        headers={
            "content-type": "application/json",
            "cookie": f"polls_participant=screen-{who:06d}-participant",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200


def fill(service: Service, room: Room) -> None:
    """150 words, 10 statements rated by 40 people, 30 options, 60 open answers, and 40
    rankings, spreads of points and grid ratings of 10 options, and 40 quiz players (half
    with long nicknames) on 8 options, revealed."""
    room.go_to(1)
    for who in range(30):
        answer(service, room, who, "woorden", {"words": WORDS[who * 5 : who * 5 + 5]})
    room.go_to(2)
    for who in range(40):
        ratings = {str(i): (who + i) % 5 + 1 for i in range(10)}
        ratings["9"] = "skip" if who % 4 == 0 else ratings["9"]
        answer(service, room, who, "schalen", {"ratings": ratings})
    room.go_to(3)
    for who in range(90):
        answer(service, room, who, "keuze", {"choices": [who % 30]})
    room.go_to(4)
    for who in range(60):
        text = f"Tip {who + 1}: " + "meer koffie en tijd om na te praten " * (1 + who % 3)
        answer(service, room, who, "tips", {"text": text.strip()})
    room.go_to(5)
    for who in range(40):
        order = [(who + n) % 10 for n in range(10)]
        answer(service, room, who, "volgorde", {"order": order[::-1] if who % 3 else order})
    room.go_to(6)
    for who in range(40):
        spread = [0] * 10
        spread[who % 10], spread[(who * 3) % 10] = 60, 40
        spread = spread if sum(spread) == 100 else [10] * 10
        answer(service, room, who, "punten", {"points": spread})
    room.go_to(7)
    for who in range(40):
        ratings = {str(i): [1 + (i + who % 2) % 5, 1 + (i * 3 + who % 3) % 5] for i in range(10)}
        answer(service, room, who, "vlak", {"ratings": ratings})
    room.go_to(8)
    for who in range(40):
        name = f"Speler {who} met een heel lange bijnaam"[:24] if who % 2 else ""
        answer(service, room, who, "quiz", {"choice": who % 8, "name": name})
    room.screen.keyboard.press("r")


SPILLS = """() => {
  const problems = [];
  const doc = document.documentElement;
  if (doc.scrollHeight > innerHeight) problems.push(`page tall ${doc.scrollHeight}`);
  if (doc.scrollWidth > innerWidth) problems.push(`page wide ${doc.scrollWidth}`);
  for (const id of ["results", "segments"]) {
    const box = document.getElementById(id);
    if (!box || box.hidden) continue;
    if (box.scrollHeight > box.clientHeight + 1) problems.push(`${id} tall ${box.scrollHeight}`);
    if (box.scrollWidth > box.clientWidth + 1) problems.push(`${id} wide ${box.scrollWidth}`);
  }
  const stage = document.querySelector(".stage").getBoundingClientRect();
  for (const node of document.querySelectorAll(".stage *")) {
    const r = node.getBoundingClientRect();
    if (r.width && (r.right > stage.right + 1 || r.bottom > stage.bottom + 1)) {
      problems.push(`${node.className || node.tagName} outside the stage`);
      break;
    }
  }
  return problems;
}"""
COVERED = """() => {
  const boxes = (selector) => [...document.querySelectorAll(selector)].map((node) =>
    [node.textContent, node.getBoundingClientRect()]);
  const labels = boxes(".grid-label"), dots = boxes(".grid-dot");
  const cross = (a, b) => a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1
    && b.top < a.bottom - 1;
  const found = [];
  labels.forEach(([text, box], index) => {
    for (const [other, near] of labels.slice(index + 1)) {
      if (cross(box, near)) found.push(`${text} / ${other}`);
    }
    if (dots.some(([, dot]) => cross(box, dot))) found.push(`${text} covers a dot`);
  });
  return found;
}"""
NEXT_FRAME = "() => new Promise(done => requestAnimationFrame(() => done(true)))"


def fits(page: Any) -> list[str]:
    """What spills over the screen: the page scrolls, or the stage or results overflow."""
    problems: list[str] = page.evaluate(SPILLS)
    return problems


def covered_labels(page: Any) -> list[str]:
    """Names in a grid that cover another name or a dot."""
    found: list[str] = page.evaluate(COVERED)
    return found


def test_every_kind_fits_every_projector(browser: Any, service: Service) -> None:
    """With many answers (150 words, 10 statements, 30 options, 60 open answers, 10 options
    ranked, given points and placed in a grid, a quiz and its leaderboard) each slide fits
    1024x768, 1280x720, 1920x1080 and 3840x2160 with nothing scrolling or spilling, and a
    grid's names cover no other name and no dot."""
    room = Room(service, browser, DOCUMENT)
    fill(service, room)
    ready = {
        1: "svg.cloud text",
        2: ".scale-row",
        3: ".bar-row",
        4: ".wall .card",
        5: ".ranking-results .scale-row",
        6: ".spread-results .bar-row",
        7: ".grid-label",
        8: ".bar-row.right",
        9: ".leaderboard-row",
        10: "#slide-body",
    }
    for position, selector in ready.items():
        room.go_to(position)
        for width, height in SIZES:
            room.screen.set_viewport_size({"width": width, "height": height})
            expect(room.screen.locator(selector).first).to_be_visible()
            room.screen.wait_for_function(NEXT_FRAME)
            kind = DOCUMENT["slides"][position - 1]["kind"]
            shoot(room.screen, f"screen-{kind}-{width}x{height}")
            spilled = fits(room.screen)
            assert spilled == [], (position, width, height, spilled)
            if kind == "grid":
                assert covered_labels(room.screen) == [], (width, height)
    room.screen.set_viewport_size({"width": 1920, "height": 1080})


def test_numbers_read_as_the_presentation_language_writes_them(
    browser: Any, service: Service
) -> None:
    """A Dutch screen writes means and shares with a decimal comma, n on one line with its
    number, and marks a locked question."""
    document = {**DOCUMENT, "slides": DOCUMENT["slides"][1:3]}
    room = Room(service, browser, document)
    for who, rating in enumerate((4, 4, 5, 4, 4)):
        answer(service, room, who, "schalen", {"ratings": {"0": rating}})
    expect(room.screen.locator(".scale-figure .mean").first).to_have_text("4,2")
    expect(room.screen.locator(".scale-figure .n").first).to_have_text("n = 5")
    room.screen.keyboard.press("l")
    expect(room.screen.locator("#locked")).to_be_visible()
    expect(room.screen.locator("#locked")).to_contain_text("Stemmen gesloten")
    room.screen.keyboard.press("l")
    expect(room.screen.locator("#locked")).to_be_hidden()
    room.go_to(2)
    for who in range(3):
        answer(service, room, who, "keuze", {"choices": [0 if who < 2 else 1]})
    expect(room.screen.locator(".bar-row .figure").first).to_have_text("2 · 66,7%")


def test_hidden_items_never_reach_the_audience(browser: Any, service: Service) -> None:
    """A word and an open answer the presenter hides leave the audience's screen entirely (no
    list, no struck-through card); the console lists both and can show them again."""
    document = {**DOCUMENT, "slides": [DOCUMENT["slides"][0], DOCUMENT["slides"][3]]}
    room = Room(service, browser, document)
    answer(service, room, 1, "woorden", {"words": ["saai", "mooi"]})
    console = room.screen.context.new_page()
    console.goto(f"{service.url}/present/{room.id}/console")
    expect(room.screen.locator("svg.cloud text")).to_have_count(2)
    room.screen.locator("svg.cloud text", has_text="saai").click()
    expect(room.screen.locator("svg.cloud text")).to_have_count(1)
    room.go_to(2)
    answer(service, room, 1, "tips", {"text": "Een grove opmerking"})
    answer(service, room, 2, "tips", {"text": "Meer koffie"})
    room.screen.locator(".card", has_text="grove").click()
    expect(room.screen.locator(".card")).to_have_count(1)
    expect(console.locator("#hidden-items li")).to_have_count(1)
    text = room.screen.locator("body").inner_text()
    assert "grove" not in text and "saai" not in text
    shoot(room.screen, "screen-moderated-open")
    shoot(console, "console-hidden")
    console.locator("#hidden-items .restore").click()
    expect(room.screen.locator(".card")).to_have_count(2)
    room.go_to(1)
    expect(console.locator("#hidden-items li")).to_have_text(["saai (1) Weer tonen"])
    assert "saai" not in room.screen.locator("body").inner_text()


def test_swearing_waits_in_the_console_until_the_presenter_shows_it(
    browser: Any, service: Service
) -> None:
    """A swear word never reaches the audience's screen: the console lists it as held back,
    and once the presenter clicks Show it joins the cloud."""
    room = Room(service, browser, {**DOCUMENT, "slides": [DOCUMENT["slides"][0]]})
    answer(service, room, 1, "woorden", {"words": ["kutding", "mooi"]})
    console = room.screen.context.new_page()
    console.set_viewport_size({"width": 1024, "height": 768})
    console.goto(f"{service.url}/present/{room.id}/console")
    expect(room.screen.locator("svg.cloud text")).to_have_count(1)
    held = console.locator("#hidden-items li")
    expect(held).to_have_count(1)
    expect(held.locator(".hidden-why")).to_have_text("tegengehouden: schelden")
    assert "kutding" not in room.screen.locator("body").inner_text()
    held.locator(".hidden-text").scroll_into_view_if_needed()
    shoot(console, "console-held-swearing")
    held.locator(".restore").click()
    expect(room.screen.locator("svg.cloud text", has_text="kutding")).to_have_count(1)
    expect(console.locator("#hidden-items li")).to_have_count(0)


def test_the_breakdown_opens_closes_and_stays_closed(browser: Any, tmp_path: Path) -> None:
    """Choosing "Iedereen" closes the breakdown, and it stays closed on the next slide."""
    with running(tmp_path / "segments.db", POLLS_MIN_CELL="1") as service:
        document = {**DOCUMENT, "slides": [DOCUMENT["slides"][2], DOCUMENT["slides"][1]]}
        room = Room(service, browser, document)
        for who in range(4):
            answer(service, room, who, "keuze", {"choices": [who % 2]})
        room.go_to(2)
        for who in range(4):
            answer(service, room, who, "schalen", {"ratings": {"0": 1 + who}})
        room.screen.hover("#segment")
        room.screen.select_option("#segment", "keuze")
        expect(room.screen.locator("#segments")).to_be_visible()
        room.screen.select_option("#segment", "")
        expect(room.screen.locator("#segments")).to_be_hidden()
        room.go_to(1)
        expect(room.screen.locator("#segments")).to_be_hidden()
        room.go_to(2)
        expect(room.screen.locator("#segments")).to_be_hidden()


def axe_path() -> Path:
    return Path(os.environ.get("POLLS_AXE", "node_modules/axe-core/axe.min.js")).resolve()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_screen_reads_at_seven_to_one_in_either_theme(
    browser: Any, service: Service, theme: str
) -> None:
    """axe-core finds no serious problem on the screen, 7:1 text contrast included, for a
    word cloud, scales and bars, in the light and the dark theme."""
    if not axe_path().exists():
        unavailable("axe-core (npm install axe-core)", FileNotFoundError(str(axe_path())))
    document = {**DOCUMENT, "theme": theme, "slides": DOCUMENT["slides"][:3]}
    room = Room(service, browser, document)
    screen = browser.new_context(viewport={"width": 1280, "height": 720}, bypass_csp=True)
    page = screen.new_page()
    page.goto(f"{service.url}/present/{room.id}?key={room.key}")
    answer(service, room, 1, "woorden", {"words": WORDS[:5]})
    problems: list[str] = []
    for position, selector in ((1, "svg.cloud text"), (2, ".scale-row"), (3, ".bar-row")):
        room.go_to(position)
        if position == 2:
            answer(service, room, 1, "schalen", {"ratings": {"0": 4, "1": 2}})
        if position == 3:
            answer(service, room, 1, "keuze", {"choices": [2]})
        expect(page.locator(selector).first).to_be_visible()
        expect(page.locator(".results .hint")).to_have_count(0)
        page.add_script_tag(path=str(axe_path()))
        found = page.evaluate(
            "axe.run(document, {resultTypes: ['violations'],"
            " rules: {'color-contrast-enhanced': {enabled: true}}}).then(r => r.violations"
            ".filter(v => ['serious', 'critical'].includes(v.impact))"
            ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', ')))"
        )
        problems += [f"slide {position}: {problem}" for problem in found]
        shoot(page, f"screen-{theme}-{position}")
    assert problems == [], "\n".join(problems)


def test_the_cloud_grows_in_place_and_the_export_draws_it_the_same(
    browser: Any, service: Service
) -> None:
    """Words added in ten rounds keep their centres on the screen (before the whole-cloud
    transform), and the SVG export has the same words at the same places in the same transform."""
    document = {"title": "Wolk", "language": "nl", "slides": [DOCUMENT["slides"][0]]}
    room = Room(service, browser, document)
    places: dict[str, tuple[float, float]] = {}
    for round_ in range(10):
        for who in range(3):
            words = [f"nieuw{round_}x{who}", "hoop", WORDS[round_]]
            answer(service, room, round_ * 10 + who, "woorden", {"words": words})
        distinct = 1 + 4 * (round_ + 1)
        expect(room.screen.locator("svg.cloud text")).to_have_count(distinct)
        drawn = room.screen.locator("svg.cloud text").evaluate_all(
            "nodes => nodes.map(n => [n.firstChild.nodeValue, +n.getAttribute('x'),"
            " +n.getAttribute('y')])"
        )
        for text, x, y in drawn:
            before = places.setdefault(text, (x, y))
            assert abs(before[0] - x) <= 2 and abs(before[1] - y) <= 2, (round_, text)
    shoot(room.screen, "screen-cloud-grown")
    screen_transform = room.screen.locator("svg.cloud g").evaluate("g => g.style.transform")
    request = urllib.request.Request(
        f"{service.url}/research/{room.id}/cloud/woorden.svg",
        headers={"authorization": f"Bearer {room.key}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        svg = response.read().decode()
    exported = {
        text: (float(x), float(y))
        for x, y, text in re.findall(r'<text x="([^"]+)" y="([^"]+)"[^>]*>([^<]+)<', svg)
    }
    assert exported == {text: place for text, place in places.items()}
    dx, dy, scale = (float(n) for n in re.findall(r"-?[\d.]+", screen_transform))
    group = re.search(r'<g transform="translate\(([-\d.]+) ([-\d.]+)\) scale\(([\d.]+)\)">', svg)
    assert group is not None
    exported_dx, exported_dy, exported_scale = (float(n) for n in group.groups())
    assert abs(exported_dx - dx) < 0.02 and abs(exported_dy - dy) < 0.02, screen_transform
    assert abs(exported_scale - scale) < 0.0002, screen_transform


def test_text_slides_show_a_big_number_and_a_quote_on_every_projector(
    browser: Any, service: Service
) -> None:
    """A number layout shows its title as a figure far larger than a heading, a quote layout
    shows the quote first and who said it after; both fit every projector."""
    slides = [
        {
            "kind": "content",
            "id": "getal",
            "title": "87 %",
            "body": "voelt zich welkom in de wijk",
            "layout": "number",
        },
        {
            "kind": "content",
            "id": "citaat",
            "title": "een bewoner uit Arnhem",
            "body": "Ik wist niet dat er zoveel mensen waren die hetzelfde voelden.",
            "layout": "quote",
        },
    ]
    room = Room(service, browser, {"title": "Lagen", "language": "nl", "slides": slides})
    for position, layout in ((1, "number"), (2, "quote")):
        room.go_to(position)
        expect(room.screen.locator(f".stage[data-layout={layout}]")).to_be_visible()
        for width, height in SIZES:
            room.screen.set_viewport_size({"width": width, "height": height})
            room.screen.wait_for_function(NEXT_FRAME)
            shoot(room.screen, f"screen-{layout}-{width}x{height}")
            assert fits(room.screen) == [], (layout, width, height)
        title = room.screen.locator("#slide-title").bounding_box()
        body = room.screen.locator("#slide-body").bounding_box()
        if layout == "number":
            assert title["height"] > 3 * body["height"] / 2
        else:
            assert body["y"] < title["y"]  # the quote, then who said it
    room.screen.set_viewport_size({"width": 1920, "height": 1080})


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_new_kinds_read_at_seven_to_one_in_either_theme(
    browser: Any, service: Service, theme: str
) -> None:
    """axe-core finds no serious problem, 7:1 text contrast included, on a ranking, 100
    points, a grid, a revealed quiz question and the leaderboard, in both themes."""
    if not axe_path().exists():
        unavailable("axe-core (npm install axe-core)", FileNotFoundError(str(axe_path())))
    slides = DOCUMENT["slides"][4:9]
    room = Room(service, browser, {**DOCUMENT, "theme": theme, "slides": slides})
    page = browser.new_context(viewport={"width": 1280, "height": 720}, bypass_csp=True).new_page()
    page.goto(f"{service.url}/present/{room.id}?key={room.key}")
    values = {
        "volgorde": {"order": list(range(10))},
        "punten": {"points": [100] + [0] * 9},
        "vlak": {"ratings": {"0": [2, 4], "1": [4, 2]}},
        "quiz": {"choice": 2, "name": "Anna"},
    }
    problems: list[str] = []
    for position, selector in enumerate(
        (
            ".ranking-results .scale-row",
            ".spread-results .bar-row",
            ".grid-label",
            ".bar-row.right",
            ".leaderboard-row",
        ),
        1,
    ):
        room.go_to(position)
        slide = slides[position - 1]["id"]
        if slide in values:
            answer(service, room, 1, slide, values[slide])
        if slide == "quiz":
            room.screen.keyboard.press("r")
        expect(page.locator(selector).first).to_be_visible()
        page.wait_for_function(NEXT_FRAME)
        page.add_script_tag(path=str(axe_path()))
        found = page.evaluate(
            "axe.run(document, {resultTypes: ['violations'],"
            " rules: {'color-contrast-enhanced': {enabled: true}}}).then(r => r.violations"
            ".filter(v => ['serious', 'critical'].includes(v.impact))"
            ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', ')))"
        )
        problems += [f"{slide}: {problem}" for problem in found]
        shoot(page, f"screen-{theme}-{slide}")
    assert problems == [], "\n".join(problems)
