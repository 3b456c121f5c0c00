"""The "rapport" / "report" card: the way to the tab "Översikt" for coordinators and managers, and for anyone
else a plain word on what they can see instead."""

from __future__ import annotations

from typing import Literal

from cards.elements import Element, card, heading, open_url, text
from cards.i18n import Lang, t

Audience = Literal["coordinator", "manager", "employee"]


def report_card(lang: Lang, *, audience: Audience, url: str | None) -> Element:
    """`url`: the tab's first view for this audience (a Teams deep link; the local page in dev mode), or None
    when the deployment does not know it."""
    if audience == "employee":
        body = [heading(t(lang, "report.card.employee_title")), text(t(lang, "report.card.employee"))]
        return card(body, [open_url(t(lang, "report.card.open_own"), url)] if url else [], lang=lang)
    body = [heading(t(lang, "report.card.title")), text(t(lang, f"report.card.{audience}"))]
    if not url:
        body.append(text(t(lang, "report.card.no_url"), subtle=True))
    return card(body, [open_url(t(lang, "report.card.open"), url)] if url else [], lang=lang)


_LINK = ("https://teams.microsoft.com/l/entity/00000000-0000-0000-0000-000000000000/overview"
         "?context=%7B%22subEntityId%22%3A%22{view}%22%7D")

SAMPLES = {
    "report-coordinator": lambda lang: report_card(lang, audience="coordinator", url=_LINK.format(view="heatmap")),
    "report-manager": lambda lang: report_card(lang, audience="manager", url=_LINK.format(view="team")),
    "report-employee": lambda lang: report_card(lang, audience="employee", url=_LINK.format(view="me")),
}
