"""Short cards that tell a person why something did not happen, or that it is on its way."""

from __future__ import annotations

from datetime import datetime, timedelta

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


def arrival(lang: Lang, at: datetime, now: datetime) -> str:
    """When a held message reaches its reader, in words: "nu", "i dag kl. 16.00", "i morgon kl. 08.00",
    "på måndag kl. 08.00" or "den 7 januari kl. 08.00". Both times are local (the organisation's time zone)."""
    if at <= now + timedelta(minutes=1):
        return t(lang, "notice.when.now")
    clock = at.strftime("%H.%M") if lang == "sv" else at.strftime("%H:%M")
    days = (at.date() - now.date()).days
    if days == 0:
        return t(lang, "notice.when.today", time=clock)
    if days == 1:
        return t(lang, "notice.when.tomorrow", time=clock)
    if days < 7:
        return t(lang, "notice.when.weekday", day=t(lang, "notice.weekdays").split(",")[at.weekday()], time=clock)
    month = t(lang, "notice.months").split(",")[at.month - 1]
    return t(lang, "notice.when.date", day=at.day, month=month, time=clock)
