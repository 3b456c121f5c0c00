"""The "mina uppgifter" card: what Kompetenslyft stores about the person, and the way to download all of it."""

from __future__ import annotations

from cards.elements import Element, card, facts, heading, open_url, text
from cards.i18n import Lang, t


def my_data_card(lang: Lang, *, url: str | None, assessments: int, plans: int) -> Element:
    """`url`: the tab's "Mina uppgifter" view (a Teams deep link; the local page in dev mode); None if unknown."""
    body = [heading(t(lang, "mydata.card.title")), text(t(lang, "mydata.card.intro")),
            facts([(t(lang, "mydata.card.assessments"), str(assessments)), (t(lang, "mydata.card.plans"), str(plans))]),
            text(t(lang, "mydata.card.how" if url else "mydata.card.ask"), subtle=True)]
    actions = [open_url(t(lang, "mydata.card.open"), url)] if url else []
    return card(body, actions, lang=lang)


SAMPLES = {
    "my-data": lambda lang: my_data_card(
        lang, url="https://teams.microsoft.com/l/entity/00000000-0000-0000-0000-000000000000/overview"
                  "?context=%7B%22subEntityId%22%3A%22mydata%22%7D", assessments=2, plans=1),
}
