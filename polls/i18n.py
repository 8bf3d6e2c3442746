"""Translations of the page texts: English source strings, Dutch catalog.

Pages pick the presentation's language, or the browser's outside a presentation.
"""

from __future__ import annotations

from collections.abc import Callable

LANGUAGES = ("en", "nl")

NL: dict[str, str] = {
    "Join": "Meedoen",
    "Join a presentation": "Meedoen met een presentatie",
    "Enter the code on the screen": "Typ de code die op het scherm staat",
    "Join code": "Deelnamecode",
    "Go": "Doe mee",
    "Your answers are anonymous.": "Je antwoorden zijn anoniem.",
    "A join code has 8 digits.": "Een deelnamecode heeft 8 cijfers.",
    "No open presentation has this code. Check the code on the screen.": (
        "Er is geen open presentatie met deze code. Controleer de code op het scherm."
    ),
    "Too many wrong codes. Please wait a minute and try again.": (
        "Te vaak een verkeerde code. Wacht een minuut en probeer het opnieuw."
    ),
    "Waiting for the next question…": "Wachten op de volgende vraag…",
    "Send": "Versturen",
    "Thank you! Your answer has been received.": "Dank je! Je antwoord is ontvangen.",
    "You can change your answer while voting is open.": (
        "Je kunt je antwoord aanpassen zolang het stemmen open is."
    ),
    "Voting on this question is closed.": "Het stemmen op deze vraag is gesloten.",
    "Word": "Woord",
    "Skip": "Sla over",
    "Your answer": "Je antwoord",
    "characters left": "tekens over",
    "Choose one option.": "Kies één antwoord.",
    "Choose one or more options.": "Kies één of meer antwoorden.",
    "Something went wrong": "Er ging iets mis",
    "Back to the start": "Terug naar het begin",
    "Connected": "Verbonden",
    "Connecting…": "Verbinden…",
    "Offline — your answers will be sent when the connection is back.": (
        "Geen verbinding — je antwoorden worden verstuurd zodra er weer verbinding is."
    ),
    "Sending…": "Versturen…",
    "Question": "Vraag",
    "of": "van",
    "Presenter": "Presentator",
    "joined": "deelnemers",
    "answered": "antwoorden",
    "Previous": "Vorige",
    "Next": "Volgende",
    "Lock voting": "Stemmen sluiten",
    "Open voting": "Stemmen openen",
    "Hide results": "Resultaten verbergen",
    "Show results": "Resultaten tonen",
    "Results are hidden": "Resultaten zijn verborgen",
    "Go to": "Ga naar",
    "and enter": "en typ",
    "mean": "gemiddeld",
    "skipped": "overgeslagen",
    "hidden": "verborgen",
    "Restore": "Terugzetten",
    "Hide": "Verbergen",
    "No answers yet": "Nog geen antwoorden",
    "Break down by": "Uitsplitsen naar",
    "Everyone": "Iedereen",
    "Delete my answers": "Mijn antwoorden wissen",
    "This deletes every answer you gave in this presentation, for good. The results on the "
    "screen change too.": (
        "Hiermee wis je al je antwoorden in deze presentatie, voorgoed. De resultaten op het "
        "scherm veranderen mee."
    ),
    "Your answers have been deleted.": "Je antwoorden zijn gewist.",
    "Back to the questions": "Terug naar de vragen",
}

CATALOGS = {"nl": NL}


def translations(language: str) -> Callable[[str], str]:
    """The gettext of a language; unknown strings and languages fall back to English."""
    catalog = CATALOGS.get(language, {})

    def gettext(text: str) -> str:
        return catalog.get(text, text)

    return gettext


def preferred_language(accept_language: str | None) -> str:
    """The first supported language in an Accept-Language header; English otherwise."""
    choices: list[tuple[float, int, str]] = []
    for index, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        language = tag.strip().lower().split("-")[0]
        if language in LANGUAGES:
            choices.append((-quality, index, language))
    return sorted(choices)[0][2] if choices else "en"
