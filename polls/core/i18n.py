"""Translations through Babel catalogs: ``polls/locales/<language>/LC_MESSAGES/messages.po``.

Source strings are English. Templates use Jinja2's i18n extension (``{{ _("...") }}``,
``{% trans %}``); Python marks participant-facing texts with ``N_`` so that extraction finds
them and they are translated where they are shown. A third language is one more catalog:
``make translations LANG_NEW=de`` starts it.
"""

from __future__ import annotations

import gettext as gettext_module
import io
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

LOCALES = Path(__file__).resolve().parent.parent / "locales"
SOURCE_LANGUAGE = "en"


def N_(text: str) -> str:
    """Mark a text for translation where it is defined; it is translated where it is shown."""
    return text


def languages() -> tuple[str, ...]:
    """English and every language with a catalog."""
    found = sorted(p.parent.parent.name for p in LOCALES.glob("*/LC_MESSAGES/messages.po"))
    return (SOURCE_LANGUAGE, *found)


@lru_cache(maxsize=16)
def catalog(language: str) -> gettext_module.NullTranslations:
    """The compiled catalog of a language (English, or unknown: no translation)."""
    po = LOCALES / language / "LC_MESSAGES" / "messages.po"
    if language == SOURCE_LANGUAGE or not po.is_file():
        return gettext_module.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as source:
        messages = read_po(source, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, messages)
    compiled.seek(0)
    return gettext_module.GNUTranslations(compiled)


def translations(language: str) -> Callable[[str], str]:
    """The gettext of a language; unknown strings and languages fall back to English."""
    return catalog(language).gettext


def preferred_language(accept_language: str | None) -> str:
    """The first supported language in an Accept-Language header; English otherwise."""
    supported = languages()
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
        if language in supported:
            choices.append((-quality, index, language))
    return sorted(choices)[0][2] if choices else SOURCE_LANGUAGE
