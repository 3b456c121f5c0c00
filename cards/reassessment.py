"""The yearly reminder to assess oneself again, sent a year after the latest finished self-assessment."""

from __future__ import annotations

from datetime import date

from cards.elements import card, execute, heading, text
from cards.i18n import Lang, t
from cards.verbs import Verb


def reassessment_reminder_card(lang: Lang, *, last_assessed: date) -> dict:
    """`last_assessed`: the day the latest assessment was finished, in the organisation's time zone."""
    return card(
        [heading(t(lang, "reassess.title")),
         text(t(lang, "reassess.body", date=last_assessed.isoformat())),
         text(t(lang, "reassess.why"), subtle=True)],
        [execute(t(lang, "reassess.start"), Verb.ASSESSMENT_START, style="positive"),
         execute(t(lang, "menu.profile"), Verb.PROFILE_SHOW)],
        lang=lang,
    )


SAMPLES = {
    "reassessment-reminder": lambda lang: reassessment_reminder_card(lang, last_assessed=date(2025, 3, 4)),
}
