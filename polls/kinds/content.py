"""Text only: a title and a body between questions, in one of three layouts (title and text,
a big number with what it means, a quote with who said it); it takes no answers."""

from __future__ import annotations

from polls.core.i18n import N_
from polls.core.models import Slide
from polls.kinds.base import Kind
from polls.kinds.fields import Choice, LongText, Text

LAYOUTS = (
    ("text", N_("Title and text")),
    ("number", N_("A big number (the title) and what it means (the text)")),
    ("quote", N_("A quote (the text) and who said it (the title)")),
)


class Content(Slide, tag="content", kw_only=True, frozen=True):
    title: str
    body: str = ""
    layout: str = "text"


class ContentKind(Kind[Content]):
    name = "content"
    label = N_("Text only")
    slide_type = Content
    fields = (
        Text(name="title", label=N_("Title"), max_length=200, required=True),
        LongText(name="body", label=N_("Text"), max_length=5000),
        Choice(name="layout", label=N_("Layout"), choices=LAYOUTS),
    )
    takes_answers = False

    def heading(self, slide: Content) -> str:
        return slide.title
