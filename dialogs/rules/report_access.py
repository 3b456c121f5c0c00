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
    # The survey's results (issue 15): coordinators the trend over rounds beside the reference organisation;
    # everyone else the organisation's latest closed round, as the "resultat" card shows it (above k only).
    MATURITY = "maturity"
    BROADCASTS = "broadcasts"  # broadcasts and their delivery figures (issue 14): coordinators


EVERYONE_VIEWS = (View.ME, View.MATURITY, View.MY_DATA)
MANAGER_VIEWS = (View.TEAM,)
COORDINATOR_VIEWS = (View.HEATMAP, View.PARTICIPATION, View.MATURITY, View.BROADCASTS, View.ESF)


def allowed_views(*, is_coordinator: bool, is_manager: bool) -> tuple[View, ...]:
    """The views in menu order; the first is where the tab opens."""
    views: tuple[View, ...] = ()
    if is_coordinator:
        views += COORDINATOR_VIEWS
    if is_manager:
        views += MANAGER_VIEWS
    return tuple(dict.fromkeys(views + EVERYONE_VIEWS))  # a view listed twice keeps its first place


def sees_maturity_trend(*, is_coordinator: bool) -> bool:
    """Coordinators see every closed round, the change and the reference organisation; others only the
    organisation's latest closed round (what the survey's employee card shows them)."""
    return is_coordinator


def may_open(view: str, *, is_coordinator: bool, is_manager: bool) -> bool:
    return view in allowed_views(is_coordinator=is_coordinator, is_manager=is_manager)
