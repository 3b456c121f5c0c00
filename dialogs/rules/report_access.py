"""Who may open which view of the tab: decided here, on the server, from the viewer's roles in the directory."""

from __future__ import annotations

from enum import StrEnum


class View(StrEnum):
    ME = "me"  # my profile, plan, activities and hours: everyone in the directory
    MY_DATA = "mydata"  # everything stored about me ("mina uppgifter"): everyone in the directory
    TEAM = "team"  # my reports (and those I stand in for): managers and stand-ins
    HEATMAP = "heatmap"  # the organisation's competence heatmap: coordinators
    PARTICIPATION = "participation"  # participation per unit and month: coordinators
    ESF = "esf"  # the ESF participant export: coordinators
    # PLUG (survey, issue 15): MATURITY = "maturity"; (broadcasts, issue 14): BROADCASTS = "broadcasts";
    # both coordinator views: add them to COORDINATOR_VIEWS and a renderer in bot/tab/views.py.


EVERYONE_VIEWS = (View.ME, View.MY_DATA)
MANAGER_VIEWS = (View.TEAM,)
COORDINATOR_VIEWS = (View.HEATMAP, View.PARTICIPATION, View.ESF)


def allowed_views(*, is_coordinator: bool, is_manager: bool) -> tuple[View, ...]:
    """The views in menu order; the first is where the tab opens."""
    views: tuple[View, ...] = ()
    if is_coordinator:
        views += COORDINATOR_VIEWS
    if is_manager:
        views += MANAGER_VIEWS
    return views + EVERYONE_VIEWS


def may_open(view: str, *, is_coordinator: bool, is_manager: bool) -> bool:
    return view in allowed_views(is_coordinator=is_coordinator, is_manager=is_manager)
