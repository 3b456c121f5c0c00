"""Notices about changes to an activity people have signed up for: a new time or place (to everyone signed up
and on the waiting list). A freed place after a larger capacity uses the promoted notice of cards.activities."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from cards.activities import (
    DONE_SHOWN, PLAN_LINKS_SHOWN, ActivityView, DoneView, competence_title, done_section, hours_text,
    plan_links_section, sample_view, status_text, summary_line, when_text,
)
from cards.digcomp_titles import DigCompTitles
from cards.elements import Element, action_rows, card, container, execute, heading, text
from cards.i18n import Lang, t
from cards.verbs import Verb

CHANGE_KINDS = ("time", "place", "sessions")
REVIEW_PROPOSALS_SHOWN = 3  # dialogs.activities.REVIEW_PROPOSALS: what the review card's budget was checked with


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


def review_proposals(lang: Lang, proposals: Sequence[ActivityView], *, titles: DigCompTitles, plan_id: int
                     ) -> list[Element]:
    """On the manager's review: catalogue activities for the plan's priorities, each with "Lägg till i planen"
    (no "Anmäl mig": the manager chooses for the plan, the employee signs up); empty when there are none."""
    if not proposals:
        return []
    section: list[Element] = [text(t(lang, "activity_changes.review.proposals"), weight="Bolder", size="Medium",
                                   spacing="Large")]
    for index, view in enumerate(proposals):
        # Without the place, so the review card stays in its budget ("Läs mer" shows it).
        brief = " · ".join((t(lang, f"activities.format.{view.format}"), when_text(lang, view),
                            hours_text(lang, view.hours)))
        items: list[Element] = [text(view.title, weight="Bolder"), text(brief, subtle=True, spacing="None")]
        if view.reason is not None:
            items.append(text(t(lang, "activity_changes.review.reason",
                                competence=competence_title(lang, titles, view.reason.competence),
                                level=view.reason.level, target=view.reason.target), color="Accent", spacing="Small"))
        items += action_rows([
            execute(t(lang, "activities.action.open"), Verb.ACTIVITY_OPEN, {"activity_id": view.id}),
            execute(t(lang, "activities.action.plan_add"), Verb.ACTIVITY_PLAN_ADD,
                    {"activity_id": view.id, "plan_id": plan_id,
                     "competence": view.reason.competence if view.reason else None})])
        section.append(container(items, separator=index > 0))
    return section


def _review_longest(lang: Lang) -> dict:
    """The manager's review at its largest: four linked activities and the proposals, longest texts."""
    from datetime import date

    from cards.sample_titles import sample_titles
    from cards.samples import all_samples

    longest = sample_view(title="Ö" * 200, place="P" * 300)
    built = all_samples()["review-longest"](lang)
    sections = plan_links_section(lang, [longest] * PLAN_LINKS_SHOWN, plan_id=1, removable=True)
    sections += review_proposals(lang, [longest] * REVIEW_PROPOSALS_SHOWN, titles=sample_titles(lang), plan_id=1)
    sections += done_section(lang, [DoneView("Ä" * 200, 2.5, date(2026, 3, 1))] * DONE_SHOWN, 40.0)
    return {**built, "body": [*built["body"], *sections]}


def _sample(lang: Lang) -> dict:
    view = sample_view(title="Ö" * 200, place="P" * 300, my_status="waiting", waiting_position=3)
    return changed_notice_card(lang, view=view, changes=[
        ChangeView("time", "2026-03-26 13:00–16:00", "2026-03-24 09:00–15:00"),
        ChangeView("place", "Q" * 300, "P" * 300)])


SAMPLES = {
    "activity-changed-notice": lambda lang: changed_notice_card(lang, view=sample_view(my_status="signed_up"), changes=[
        ChangeView("time", "2026-03-26 13:00–16:00", "2026-03-24 09:00–15:00")]),
    "activity-changed-notice-longest": _sample,
    "review-with-activities-and-proposals-longest": _review_longest,
}
