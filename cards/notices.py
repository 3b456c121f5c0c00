"""Short cards that tell a person why something did not happen, or that it is on its way."""

from __future__ import annotations

from cards.elements import card, heading, submit, text
from cards.i18n import Lang, t
from cards.verbs import Verb


def notice_card(lang: Lang, title: str, body: str) -> dict:
    return card([heading(title), text(body)], [submit(t(lang, "menu.help"), Verb.HELP)], lang=lang)


def coming_soon_card(lang: Lang, feature_key: str) -> dict:
    feature = t(lang, f"feature.{feature_key}")
    return card(
        [heading(t(lang, "coming_soon.title", feature=feature)), text(t(lang, "coming_soon.body"))],
        [submit(t(lang, "menu.assessment"), Verb.ASSESSMENT_START), submit(t(lang, "menu.help"), Verb.HELP)],
        lang=lang,
    )


def error_card(lang: Lang, error_key: str, **params: object) -> dict:
    return notice_card(lang, t(lang, "error.title"), t(lang, f"error.{error_key}", **params))
