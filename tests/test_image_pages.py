"""Images on slides in a real headless Chromium: the presenter uploads a photo in the editor
and says what it shows; phones with and without JavaScript and the screen show it, with its
text for screen readers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.server import Service, running
from tests.test_browser import Room, join_by_typing, shoot
from tests.test_images import photo
from tests.test_screen import NEXT_FRAME, fits

DOCUMENT: dict[str, Any] = {
    "title": "Met beeld",
    "language": "nl",
    "slides": [
        {"kind": "content", "id": "welkom", "title": "Welkom in de wijk"},
        {
            "kind": "multiple_choice",
            "id": "keuze",
            "question": "Welke deur?",
            "options": ["A", "B"],
        },
    ],
}

pytestmark = pytest.mark.browser


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    with running(tmp_path / "images.db") as started:
        yield started


def expect(locator: Any) -> Any:
    return Room.expect(locator)


def test_a_photo_uploaded_in_the_editor_shows_on_phones_and_the_screen(
    browser: Any, service: Service, tmp_path: Path
) -> None:
    """In the editor the presenter picks a photo for each slide (it uploads at once and shows a
    preview) and says what it shows; once saved, a phone with JavaScript, one without and the
    screen show the photo with that text, on the welcome and on the question, where the
    results still fit the projector."""
    room = Room(service, browser, DOCUMENT)
    picture = tmp_path / "deur.jpg"
    picture.write_bytes(photo(800, 600))
    editor = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
    editor.goto(f"{service.url}/present/{room.id}?key={room.key}")
    editor.goto(f"{service.url}/present/{room.id}/edit")
    for index in range(2):
        slide = editor.locator(".slide-editor").nth(index)
        slide.locator(".field-image input[type=file]").set_input_files(str(picture))
        expect(slide.locator(".image-preview")).to_be_visible()
        slide.locator(".field-image_alt input").fill("Een rode voordeur met een blauwe kant")
    shoot(editor, "editor-image")
    editor.click("button[type=submit]")
    expect(editor.locator("#editor-status")).to_have_text("Opgeslagen.")

    image = room.screen.locator("#slide-image")
    expect(image).to_be_visible()
    expect(image).to_have_attribute("alt", "Een rode voordeur met een blauwe kant")
    assert image.evaluate("img => img.complete && img.naturalWidth") == 800
    phone = join_by_typing(browser, room, viewport={"width": 320, "height": 640})
    plain = join_by_typing(browser, room, java_script_enabled=False)
    for page in (phone, plain):
        shown = page.locator("img.slide-image")
        expect(shown).to_have_attribute("alt", "Een rode voordeur met een blauwe kant")
        assert shown.evaluate("img => img.complete && img.naturalWidth") == 800
    assert phone.evaluate("document.documentElement.scrollWidth") <= 320
    shoot(phone, "phone-image-320")
    shoot(room.screen, "screen-image-content")
    room.go_to(2)
    expect(phone.locator("form.answer-form img.slide-image")).to_be_visible()
    expect(room.screen.locator("#slide-image")).to_be_visible()
    for width, height in ((1024, 768), (3840, 2160)):
        room.screen.set_viewport_size({"width": width, "height": height})
        room.screen.wait_for_function(NEXT_FRAME)
        assert fits(room.screen) == [], (width, height)
    room.screen.set_viewport_size({"width": 1920, "height": 1080})
    shoot(room.screen, "screen-image-question")
    shoot(phone, "phone-image-question-320")
