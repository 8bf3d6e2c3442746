"""Quiz players: how an answer scores, the names players go by, and the standings.

Pure functions. A player's name is the nickname they gave on a quiz answer (their newest), or
a name made from their pseudonymous key (an adjective and a bird or beast, "Blauwe Reiger"):
nobody's real name is needed to play.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from polls.core.errors import InvalidAnswer
from polls.core.i18n import N_
from polls.core.profanity import is_profane
from polls.core.words import clean_text, visible_length

MAX_NAME = 24  # characters as a reader counts them
TOP = 10  # players the screen shows

_ADJECTIVES = {
    "nl": [
        "Blauwe",
        "Groene",
        "Rode",
        "Gele",
        "Paarse",
        "Oranje",
        "Zilveren",
        "Gouden",
        "Vrolijke",
        "Dappere",
        "Snelle",
        "Slimme",
        "Rustige",
        "Stille",
        "Wijze",
        "Kleine",
        "Grote",
        "Vlugge",
        "Zonnige",
        "Vriendelijke",
        "Moedige",
        "Lieve",
        "Sterke",
        "Nieuwsgierige",
        "Eerlijke",
        "Trouwe",
        "Vlotte",
        "Kalme",
        "Heldere",
        "Warme",
    ],
    "en": [
        "Blue",
        "Green",
        "Red",
        "Yellow",
        "Purple",
        "Orange",
        "Silver",
        "Golden",
        "Cheerful",
        "Brave",
        "Quick",
        "Clever",
        "Calm",
        "Quiet",
        "Wise",
        "Little",
        "Great",
        "Swift",
        "Sunny",
        "Friendly",
        "Bold",
        "Kind",
        "Strong",
        "Curious",
        "Honest",
        "Loyal",
        "Nimble",
        "Gentle",
        "Bright",
        "Warm",
    ],
}
_ANIMALS = {
    "nl": [
        "Reiger",
        "Uil",
        "Vos",
        "Das",
        "Egel",
        "Merel",
        "Mus",
        "Kikker",
        "Otter",
        "Zwaan",
        "Eend",
        "Gans",
        "Spreeuw",
        "Valk",
        "Haas",
        "Bever",
        "Wolf",
        "Beer",
        "Mol",
        "Kraai",
        "Ekster",
        "Specht",
        "Kievit",
        "Zeehond",
        "Dolfijn",
        "Walvis",
        "Vlinder",
        "Hommel",
        "Libel",
        "Schildpad",
    ],
    "en": [
        "Heron",
        "Owl",
        "Fox",
        "Badger",
        "Hedgehog",
        "Blackbird",
        "Sparrow",
        "Frog",
        "Otter",
        "Swan",
        "Duck",
        "Goose",
        "Starling",
        "Falcon",
        "Hare",
        "Beaver",
        "Wolf",
        "Bear",
        "Mole",
        "Crow",
        "Magpie",
        "Woodpecker",
        "Lapwing",
        "Seal",
        "Dolphin",
        "Whale",
        "Butterfly",
        "Bumblebee",
        "Dragonfly",
        "Turtle",
    ],
}


def score(correct: bool, milliseconds: int | None, points: int, time_limit: int) -> int:
    """Points for one quiz answer: 0 if wrong; if right, ``points`` less up to half of them
    for the time taken: points × (1 − t / (2 × time_limit)), rounded, with t the seconds from
    the question's first showing to the answer, so an answer at the last moment still earns
    half. Without a time limit (or a time) a right answer earns all the points."""
    if not correct:
        return 0
    if not time_limit or milliseconds is None:
        return points
    taken = min(max(milliseconds / 1000, 0.0), float(time_limit))
    return round(points * (1 - taken / (2 * time_limit)))


def generated_name(seed: str, language: str) -> str:
    """An anonymous player's name, the same for the same seed (presentation and participant)."""
    adjectives = _ADJECTIVES.get(language, _ADJECTIVES["en"])
    animals = _ANIMALS.get(language, _ANIMALS["en"])
    number = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big")
    adjective = adjectives[number % len(adjectives)]
    return f"{adjective} {animals[number // len(adjectives) % len(animals)]}"


def player_name(presentation_id: str, participant: str, language: str) -> str:
    """The name a participant plays under until they give one, in one presentation."""
    return generated_name(f"{presentation_id}:{participant}", language)


def check_name(raw: object) -> str:
    """A nickname as given (cleaned), "" for none; InvalidAnswer with the reason otherwise."""
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise InvalidAnswer(N_("A name must be text."))
    name = clean_text(raw)
    if visible_length(name) > MAX_NAME:
        raise InvalidAnswer(N_("A name is at most %(count)s characters."), count=MAX_NAME)
    if name and is_profane(name):
        raise InvalidAnswer(N_("Choose another name: this one is shown on the screen."))
    return name


class Played:
    """One player's result on one quiz question."""

    __slots__ = ("name", "order", "score")

    def __init__(self, score: int, name: str, order: int) -> None:
        self.score = score
        self.name = name
        self.order = order  # the response id: the newest nickname wins


def standings(
    questions: Iterable[Mapping[str, Played]], names: Mapping[str, str]
) -> list[dict[str, Any]]:
    """Every player's total over the questions, best first: rank (equal scores share one),
    name (their newest nickname, else ``names``; a name taken twice gets a number), score and
    a short id that names no one. ``names`` gives the generated name of each participant."""
    totals: dict[str, int] = {}
    nicknames: dict[str, tuple[int, str]] = {}
    for question in questions:
        for participant, played in question.items():
            totals[participant] = totals.get(participant, 0) + played.score
            if played.name and played.order > nicknames.get(participant, (-1, ""))[0]:
                nicknames[participant] = (played.order, played.name)
    shown = {p: nicknames[p][1] if p in nicknames else names[p] for p in totals}
    ordered = sorted(totals, key=lambda p: (-totals[p], shown[p].casefold(), p))
    seen: dict[str, int] = {}
    table = []
    rank = 0
    for position, participant in enumerate(ordered, 1):
        if position == 1 or totals[participant] != totals[ordered[position - 2]]:
            rank = position
        name = shown[participant]
        taken = seen.get(name.casefold(), 0) + 1
        seen[name.casefold()] = taken
        table.append(
            {
                "id": hashlib.sha256(participant.encode()).hexdigest()[:10],
                "participant": participant,
                "rank": rank,
                "name": name if taken == 1 else f"{name} {taken}",
                "score": totals[participant],
            }
        )
    return table
