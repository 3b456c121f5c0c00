"""Notices about changes to an activity people have signed up for: a new time or place (to everyone signed up
and on the waiting list). A freed place after a larger capacity uses the promoted notice of cards.activities."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from cards.activities import ActivityView, sample_view, status_text, summary_line
from cards.elements import action_rows, card, execute, heading, text
from cards.i18n import Lang, t
from cards.verbs import Verb

CHANGE_KINDS = ("time", "place")


@dataclass(frozen=True)
class ChangeView:
    """One changed fact of the activity, in the reader's words: "Ändrad tid: {now} (var: {was})"."""

    kind: str  # one of CHANGE_KINDS
    now: str
    was: str


def change_line(lang: Lang, change: ChangeView) -> str:
    return t(lang, f"activity_changes.{change.kind}", now=change.now, was=change.was)


def changed_notice_card(lang: Lang, *, view: ActivityView, changes: Sequence[ChangeView]) -> dict:
    """To everyone signed up or waiting: what changed (new and old), the activity as it is now, and the
    buttons to open it or give up the place."""
    body = [heading(t(lang, "activity_changes.title")),
            text(t(lang, "activity_changes.body", title=view.title))]
    body += [text(change_line(lang, change), weight="Bolder", spacing="Small") for change in changes]
    mine = status_text(lang, view)
    if mine:
        body.append(text(mine, color="Good", spacing="Small"))
    body.append(text(summary_line(lang, view), subtle=True))
    body.append(text(t(lang, "activity_changes.cannot_come"), size="Small", subtle=True))
    buttons = [execute(t(lang, "activities.action.open"), Verb.ACTIVITY_OPEN, {"activity_id": view.id}),
               execute(t(lang, "activities.action.cancel_signup"), Verb.ACTIVITY_CANCEL_SIGNUP,
                       {"activity_id": view.id})]
    return card([*body, *action_rows(buttons)], lang=lang)


def _sample(lang: Lang) -> dict:
    view = sample_view(title="Ö" * 200, place="P" * 300, my_status="waiting", waiting_position=3)
    return changed_notice_card(lang, view=view, changes=[
        ChangeView("time", "2026-03-26 13:00–16:00", "2026-03-24 09:00–15:00"),
        ChangeView("place", "Q" * 300, "P" * 300)])


SAMPLES = {
    "activity-changed-notice": lambda lang: changed_notice_card(lang, view=sample_view(my_status="signed_up"), changes=[
        ChangeView("time", "2026-03-26 13:00–16:00", "2026-03-24 09:00–15:00")]),
    "activity-changed-notice-longest": _sample,
}
