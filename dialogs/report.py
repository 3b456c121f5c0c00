"""'rapport' / 'report': coordinators and managers get a card that opens the tab "Översikt" where their
reports are (coordinators at the organisation's results, managers at their team); anyone else is told
plainly what they can see instead, with a link to their own page."""

from __future__ import annotations

from cards.report import report_card
from dialogs.roles import menu_roles
from dialogs.turn import Reply, Turn

FIRST_VIEW = {"coordinator": "heatmap", "manager": "team", "employee": "me"}


def show_report(turn: Turn) -> Reply:
    roles = menu_roles(turn)
    audience = "coordinator" if roles.coordinator else "manager" if roles.manager else "employee"
    return Reply.of(report_card(turn.lang, audience=audience, url=turn.config.tab_url(FIRST_VIEW[audience])))
