"""Coding open answers into themes: the researcher's themes of a presentation, the edits made
to them, and themes suggested from the answers themselves.

Pure functions. A presentation's :class:`Coding` holds its themes and which answers each
applies to (answers named by their response id, as moderation names them: nothing about a
participant is kept here). Every edit returns a new Coding; storage keeps it whole, with a
version that makes two researchers' edits at once follow each other instead of one losing
the other's.

:func:`suggest` groups answers by the words they share, in the form the word cloud groups
words by (:func:`polls.core.words.word_key`: dictionary form, case and accents folded),
leaving function words out. It is offline and deterministic: the same answers give the same
suggestions, in the same order, with the same names (docs/research.md, "Themes").
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence

import msgspec
import regex

from polls.core.errors import BadMessage
from polls.core.i18n import N_
from polls.core.stopwords import stopwords
from polls.core.words import clean_text, display_form, visible_length, word_key

MAX_THEMES = 100
MAX_NAME = 80
MAX_SUGGESTIONS = 12
_TOKEN = regex.compile(r"[\p{L}\p{N}][\p{L}\p{N}'’]*")


class Theme(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    name: str


class Coding(msgspec.Struct, frozen=True, kw_only=True):
    """A presentation's themes and the answers each applies to."""

    version: int = 0  # how many times it was saved; storage checks it on each save
    themes: tuple[Theme, ...] = ()
    assigned: dict[str, tuple[str, ...]] = msgspec.field(default_factory=dict)
    handled: tuple[str, ...] = ()  # keys of suggestions accepted or dismissed
    next_id: int = 1

    def theme(self, theme_id: str) -> Theme:
        for theme in self.themes:
            if theme.id == theme_id:
                return theme
        raise BadMessage(N_("That theme no longer exists."))

    def names_of(self, answer: str) -> list[str]:
        """The names of an answer's themes, in the order of the themes."""
        given = set(self.assigned.get(answer, ()))
        return [theme.name for theme in self.themes if theme.id in given]

    def counts(self, answers: Iterable[str]) -> dict[str, int]:
        """How many of these answers each theme applies to, by theme id."""
        counted = Counter(t for answer in answers for t in self.assigned.get(answer, ()))
        return {theme.id: counted.get(theme.id, 0) for theme in self.themes}


class Suggestion(msgspec.Struct, frozen=True, kw_only=True):
    """Answers that share a word: ``key`` names the word (its grouping form), ``name`` the
    suggested theme, ``words`` its most characteristic words as people typed them."""

    key: str
    name: str
    words: list[str]
    answers: list[str]


encode_coding = msgspec.json.Encoder().encode
_decoder = msgspec.json.Decoder(Coding)


def decode_coding(data: bytes | str) -> Coding:
    return _decoder.decode(data)


# ---- edits ---------------------------------------------------------------------------------


def _clean_name(name: str) -> str:
    cleaned = clean_text(name)
    if not cleaned:
        raise BadMessage(N_("Give the theme a name."))
    if visible_length(cleaned) > MAX_NAME:
        raise BadMessage(N_("A theme's name may be at most %(count)s characters."), count=MAX_NAME)
    return cleaned


def _named(coding: Coding, name: str, besides: str = "") -> Theme | None:
    folded = name.casefold()
    for theme in coding.themes:
        if theme.name.casefold() == folded and theme.id != besides:
            return theme
    return None


def add_theme(coding: Coding, name: str) -> tuple[Coding, str]:
    """A new theme (or the one that already has this name); returns its id too."""
    name = _clean_name(name)
    existing = _named(coding, name)
    if existing is not None:
        return coding, existing.id
    if len(coding.themes) >= MAX_THEMES:
        raise BadMessage(N_("A presentation can have at most %(count)s themes."), count=MAX_THEMES)
    theme = Theme(id=f"t{coding.next_id}", name=name)
    changed = msgspec.structs.replace(
        coding, themes=(*coding.themes, theme), next_id=coding.next_id + 1
    )
    return changed, theme.id


def rename_theme(coding: Coding, theme_id: str, name: str) -> Coding:
    coding.theme(theme_id)
    name = _clean_name(name)
    if _named(coding, name, besides=theme_id) is not None:
        raise BadMessage(
            N_("Another theme is called “%(name)s”: merge the two instead."), name=name
        )
    themes = tuple(Theme(id=t.id, name=name) if t.id == theme_id else t for t in coding.themes)
    return msgspec.structs.replace(coding, themes=themes)


def merge_themes(coding: Coding, sources: Sequence[str], into: str) -> Coding:
    """Move every answer of the source themes to ``into``; the sources go."""
    coding.theme(into)
    doomed = {theme_id for theme_id in sources if theme_id != into}
    for theme_id in doomed:
        coding.theme(theme_id)
    if not doomed:
        raise BadMessage(N_("Choose another theme to merge with."))
    assigned = {}
    for answer, given in coding.assigned.items():
        kept = [t for t in given if t not in doomed]
        if len(kept) < len(given) and into not in kept:
            kept.append(into)
        assigned[answer] = tuple(kept)
    themes = tuple(t for t in coding.themes if t.id not in doomed)
    return msgspec.structs.replace(coding, themes=themes, assigned=assigned)


def delete_theme(coding: Coding, theme_id: str) -> Coding:
    coding.theme(theme_id)
    themes = tuple(t for t in coding.themes if t.id != theme_id)
    assigned = {
        answer: tuple(t for t in given if t != theme_id)
        for answer, given in coding.assigned.items()
    }
    return msgspec.structs.replace(coding, themes=themes, assigned=_without_empty(assigned))


def assign(coding: Coding, changes: dict[str, Iterable[str]]) -> Coding:
    """Set the themes of each answer named (replacing what it had)."""
    known = {theme.id for theme in coding.themes}
    assigned = dict(coding.assigned)
    for answer, theme_ids in changes.items():
        chosen = [t for t in dict.fromkeys(theme_ids) if t in known]
        assigned[answer] = tuple(t.id for t in coding.themes if t.id in chosen)
    return msgspec.structs.replace(coding, assigned=_without_empty(assigned))


def accept(coding: Coding, suggestion: Suggestion, name: str) -> Coding:
    """Make a suggestion a theme (or add its answers to the theme of that name)."""
    coding, theme_id = add_theme(coding, name or suggestion.name)
    assigned = dict(coding.assigned)
    for answer in suggestion.answers:
        given = assigned.get(answer, ())
        if theme_id not in given:
            assigned[answer] = (*given, theme_id)
    handled = (*coding.handled, suggestion.key)
    return msgspec.structs.replace(coding, assigned=assigned, handled=handled)


def dismiss(coding: Coding, key: str) -> Coding:
    if key in coding.handled:
        return coding
    return msgspec.structs.replace(coding, handled=(*coding.handled, key))


def keep_answers(coding: Coding, answers: Iterable[str]) -> Coding:
    """Forget the assignments of answers that are gone (deleted or withdrawn)."""
    present = set(answers)
    if all(answer in present for answer in coding.assigned):
        return coding
    assigned = {a: given for a, given in coding.assigned.items() if a in present}
    return msgspec.structs.replace(coding, assigned=assigned)


def _without_empty(assigned: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    return {answer: given for answer, given in assigned.items() if given}


# ---- suggestions ---------------------------------------------------------------------------


def terms(text: str, language: str) -> dict[str, str]:
    """The theme-bearing words of an answer: grouping key -> the word as typed (a capital
    only at the start of a word, as at a sentence's start, folded away)."""
    found: dict[str, str] = {}
    skip = stopwords(language)
    for token in _TOKEN.findall(clean_text(text)):
        token = token.strip("'’")
        folded = token.casefold()
        if len(token) < 3 or token.isdigit() or folded in skip:
            continue
        key = word_key(token, language)
        if len(key) < 3 or key in skip:
            continue
        shown = token[0].lower() + token[1:] if token[1:].islower() else token
        found.setdefault(key, shown)
    return found


def suggest(
    answers: Sequence[tuple[str, str]],
    language: str,
    handled: Iterable[str] = (),
    limit: int = MAX_SUGGESTIONS,
    scope: str = "",
) -> list[Suggestion]:
    """Themes suggested for (answer id, text) pairs, best first. A suggestion's key is its
    lead word, after ``scope:`` when a scope (the question) is given.

    Each suggestion starts from the word that most answers not yet in an earlier suggestion
    share (at least ``min_size`` of them, and at most half of all answers: a word nearly
    everyone used says little); its answers are those that have the word, in any form the
    word cloud would group with it. Words that mostly occur with it (at least 60 % of their
    answers have the lead word too) are taken up in it and lead no suggestion of their own.
    The name is the lead word; ``words`` adds up to two that are most characteristic of the
    group: in at least two of its answers and mostly there. Suggestions whose lead word was
    accepted or dismissed before are left out.
    """
    done = set(handled)
    prefix = f"{scope}:" if scope else ""
    words: dict[str, Counter[str]] = {}
    holders: dict[str, list[str]] = {}
    for answer, text in answers:
        for key, shown in terms(text, language).items():
            words.setdefault(key, Counter())[shown] += 1
            holders.setdefault(key, []).append(answer)
    total = len(answers)
    min_size = max(2, math.ceil(total / 50))
    frequency = {key: len(found) for key, found in holders.items()}
    candidates = {
        key for key, count in frequency.items() if min_size <= count <= max(min_size, total // 2)
    }
    covered: set[str] = set()
    used: set[str] = set()
    suggestions: list[Suggestion] = []
    while len(suggestions) < limit:
        open_leads = [k for k in candidates - used if prefix + k not in done]
        if not open_leads:
            break
        fresh = {k: sum(1 for a in holders[k] if a not in covered) for k in open_leads}
        lead = min(open_leads, key=lambda k: (-fresh[k], -frequency[k], k))
        if fresh[lead] < min_size:
            break
        members = set(holders[lead])
        companions = [
            key
            for key in candidates - used - {lead}
            if sum(1 for a in holders[key] if a in members) >= 0.6 * frequency[key]
        ]
        used.update([lead, *companions])
        covered |= members
        suggestion = _suggestion(lead, members, holders, words, frequency)
        suggestions.append(msgspec.structs.replace(suggestion, key=prefix + lead))
    return suggestions


def _suggestion(
    lead: str,
    members: set[str],
    holders: dict[str, list[str]],
    words: dict[str, Counter[str]],
    frequency: dict[str, int],
) -> Suggestion:
    inside = {key: sum(1 for a in found if a in members) for key, found in holders.items()}
    ranked = sorted(
        (
            key
            for key, count in inside.items()
            if count >= 2 and 2 * count >= frequency[key] and key != lead
        ),
        key=lambda k: (-(inside[k] * inside[k] / frequency[k]), k),
    )
    chosen = [lead, *ranked[:2]]
    shown = [display_form(words[key]) for key in chosen]
    ordered = sorted(members, key=lambda a: (len(a), a))  # response ids: numeric order
    name = shown[0][:1].upper() + shown[0][1:]
    return Suggestion(key=lead, name=name, words=shown, answers=ordered)
