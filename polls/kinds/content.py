"""Text only: a title and a body between questions; it takes no answers."""

from __future__ import annotations

from polls.core.i18n import N_
from polls.core.models import Slide
from polls.kinds.base import Kind
from polls.kinds.fields import LongText, Text


class Content(Slide, tag="content", kw_only=True, frozen=True):
    title: str
    body: str = ""


class ContentKind(Kind[Content]):
    name = "content"
    label = N_("Text only")
    slide_type = Content
    fields = (
        Text(name="title", label=N_("Title"), max_length=200, required=True),
        LongText(name="body", label=N_("Text"), max_length=5000),
    )
    takes_answers = False

    def heading(self, slide: Content) -> str:
        return slide.title
