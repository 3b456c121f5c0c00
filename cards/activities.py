"""Learning activities: the catalogue pages ("för mig", all, by area, by format), one activity with sign-up,
the coordinator's form, list and attendance card, notices (a freed place, a cancelled session, reminders),
and the proposal sections the profile and the plan show.

Every list shows at most PAGE_SIZE activities, so a card stays far below 28 KB whatever the catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time
from typing import Any, Callable, Mapping, Sequence

from cards.elements import (
    Element, action_rows, action_set, card, choice_set, container, execute, facts, heading, submit, text, text_input,
)
from cards.i18n import Lang, t
from cards.verbs import Verb
from cards.digcomp_titles import DigCompTitles
from cards.sample_titles import sample_titles

PAGE_SIZE = 5
PLAN_LINKS_SHOWN = 4  # a plan's catalogue activities shown on its card (the review card is the largest)
FORMATS = ("course", "elearning", "lecture", "workshop", "webinar", "network", "mentoring", "study_visit")
VIEWS = ("mine", "all", "area", "format", "signed")
FORM_INPUTS = ("title_sv", "title_en", "description_sv", "description_en", "format", "competences", "level_min",
               "level_max", "roles", "hours", "start_date", "start_time", "end_time", "place", "online_url",
               "provider", "capacity", "deadline", "shared", "more_sessions")
TITLE_MAX, DESCRIPTION_MAX = 200, 2000


@dataclass(frozen=True)
class ReasonView:
    competence: str
    level: int
    target: int


@dataclass(frozen=True)
class ActivityView:
    """What the activity cards show; the dialog fills it from the store, with times in local time."""

    id: int
    title: str
    format: str
    competences: Sequence[str]
    level_min: int
    level_max: int
    hours: float
    self_paced: bool
    version: int = 1
    description: str | None = None
    # The activity is only in this language (shown to someone who reads the other one).
    only_in: str | None = None
    starts: datetime | None = None
    ends: datetime | None = None
    place: str | None = None
    online_url: str | None = None
    provider: str | None = None
    capacity: int | None = None
    places_left: int | None = None
    deadline: datetime | None = None
    status: str = "published"
    my_status: str | None = None  # signed_up, waiting, completed, declined, cancelled
    waiting_position: int | None = None
    my_hours: float | None = None
    reason: ReasonView | None = None
    signed_up: int = 0  # for coordinators
    waiting: int = 0
    open_for_signup: bool = True
    # The meetings of a course of several (cards.activity_sessions.SessionView), on the activity's own card.
    sessions: Sequence[Any] = ()


@dataclass(frozen=True)
class AttendeeView:
    person_id: int
    name: str
    status: str  # signed_up or completed


@dataclass(frozen=True)
class DoneView:
    title: str
    hours: float
    completed_on: date


@dataclass(frozen=True)
class ListPage:
    view: str  # one of VIEWS
    page: int  # 0-based
    total: int | None  # None: not counted (proposals are ranked only as far as the page)
    choice: str | None = None  # the area key or format of an "area"/"format" view
    more: bool = False  # another page follows

    @property
    def pages(self) -> int | None:
        return None if self.total is None else max(1, -(-self.total // PAGE_SIZE))


# ---- words -------------------------------------------------------------------------------------------------

def hours_text(lang: Lang, hours: float) -> str:
    shown = str(int(hours)) if float(hours).is_integer() else f"{hours:g}"
    return t(lang, "activities.hours", hours=shown.replace(".", ",") if lang == "sv" else shown)


def _area_title(titles: DigCompTitles, key: str) -> str:
    return next((area.title for area in titles.areas if area.key == key), key)


def competence_title(lang: Lang, titles: DigCompTitles, key: str) -> str:
    try:
        return f"{key} {titles.competence(key)}"
    except KeyError:
        return key


def reason_text(lang: Lang, reason: ReasonView, titles: DigCompTitles) -> str:
    """"Utvecklar 3.1 Utveckla digitalt innehåll: du är på nivå 2, målet är 4"."""
    return t(lang, "activities.reason", competence=competence_title(lang, titles, reason.competence),
             level=reason.level, target=reason.target)


def when_text(lang: Lang, view: ActivityView) -> str:
    if view.self_paced or view.starts is None:
        return t(lang, "activities.self_paced")
    start = view.starts.strftime("%Y-%m-%d %H:%M")
    if view.ends is None:
        return start
    end = view.ends.strftime("%H:%M") if view.ends.date() == view.starts.date() else view.ends.strftime("%Y-%m-%d %H:%M")
    return f"{start}–{end}"


def where_text(lang: Lang, view: ActivityView) -> str | None:
    if view.place:
        return view.place
    if view.online_url:
        return t(lang, "activities.online")
    return None


def places_text(lang: Lang, view: ActivityView) -> str | None:
    if view.self_paced or view.capacity is None:
        return None
    if view.places_left is not None and view.places_left <= 0:
        return t(lang, "activities.places_full")
    return t(lang, "activities.places_left", left=view.places_left, capacity=view.capacity)


def status_text(lang: Lang, view: ActivityView) -> str | None:
    if view.my_status == "signed_up":
        return t(lang, "activities.my.signed_up")
    if view.my_status == "waiting":
        return t(lang, "activities.my.waiting", position=view.waiting_position or 1)
    if view.my_status == "completed":
        return t(lang, "activities.my.completed", hours=hours_text(lang, view.my_hours or view.hours))
    return None


def summary_line(lang: Lang, view: ActivityView) -> str:
    parts = [t(lang, f"activities.format.{view.format}"), when_text(lang, view)]
    where = where_text(lang, view)
    if where:
        parts.append(where)
    parts.append(hours_text(lang, view.hours))
    return " · ".join(parts)


# ---- sections shared by several cards ----------------------------------------------------------------------

def _ids(view: ActivityView, **extra: Any) -> dict[str, Any]:
    return {"activity_id": view.id, **extra}


def sign_up_action(lang: Lang, view: ActivityView) -> Element:
    full = view.places_left is not None and view.places_left <= 0 and not view.self_paced
    return execute(t(lang, "activities.action.waitlist" if full else "activities.action.sign_up"),
                   Verb.ACTIVITY_SIGN_UP, _ids(view), style="positive")


def activity_item(lang: Lang, view: ActivityView, titles: DigCompTitles, *, plan_id: int | None = None,
                  separator: bool = True) -> Element:
    """One activity in a list: title, when and where, the reason, and its buttons."""
    items: list[Element] = [text(view.title, weight="Bolder"), text(summary_line(lang, view), subtle=True,
                                                                    spacing="None")]
    if view.reason is not None:
        items.append(text(reason_text(lang, view.reason, titles), color="Accent", spacing="Small"))
    mine = status_text(lang, view)
    if mine:
        items.append(text(mine, color="Good", spacing="Small"))
    elif view.places_left is not None and view.places_left <= 0 and not view.self_paced:
        items.append(text(t(lang, "activities.full_waitlist"), color="Warning", spacing="Small"))
    buttons = [execute(t(lang, "activities.action.open"), Verb.ACTIVITY_OPEN, _ids(view))]
    if view.my_status in (None, "cancelled", "declined") and view.open_for_signup:
        buttons.insert(0, sign_up_action(lang, view))
    if plan_id is not None:
        buttons.append(execute(t(lang, "activities.action.plan_add"), Verb.ACTIVITY_PLAN_ADD,
                               _ids(view, plan_id=plan_id,
                                    competence=view.reason.competence if view.reason else None)))
    items.append(action_set(buttons))
    return container(items, separator=separator)


def activity_proposals(lang: Lang, proposals: Sequence[ActivityView], *, titles: DigCompTitles,
                       heading_key: str = "activities.proposals.title", plan_id: int | None = None,
                       more: bool = True) -> list[Element]:
    """The proposal section the profile, the assessment's last card and the plan show: the top matches with
    their reasons, each with "Anmäl mig" (and "Lägg till i planen" on a plan); empty when there are none."""
    if not proposals:
        return []
    section: list[Element] = [text(t(lang, heading_key), weight="Bolder", size="Medium", spacing="Large")]
    section += [activity_item(lang, view, titles, plan_id=plan_id, separator=index > 0)
                for index, view in enumerate(proposals)]
    if more:
        section.append(action_set([execute(t(lang, "activities.action.more"), Verb.ACTIVITIES_SHOW,
                                           {"view": "mine"})]))
    return section


DONE_SHOWN = 3  # the latest completed activities on the plan and the profile (the total counts them all)


def done_section(lang: Lang, done: Sequence[DoneView], total_hours: float) -> list[Element]:
    """Completed activities and their hours, for the plan and the profile; empty when there are none."""
    if not done:
        return []
    done = done[:DONE_SHOWN]
    return [text(t(lang, "activities.done.title", hours=hours_text(lang, total_hours)), weight="Bolder",
                 spacing="Medium"),
            facts([(d.completed_on.isoformat(), f"{d.title} ({hours_text(lang, d.hours)})") for d in done])]


def plan_links_section(lang: Lang, linked: Sequence[ActivityView], *, plan_id: int, removable: bool
                       ) -> list[Element]:
    """Catalogue activities chosen for a plan; the employee (draft) or the manager (review) may remove them."""
    if not linked:
        return []
    section: list[Element] = [text(t(lang, "activities.plan.chosen"), weight="Bolder", spacing="Medium")]
    for view in linked[:PLAN_LINKS_SHOWN]:
        line = f"{view.title} · {when_text(lang, view)}"
        mine = status_text(lang, view)
        section.append(text(f"{line}{' · ' + mine if mine else ''}", spacing="Small"))
        if removable:
            section.append(action_set([execute(t(lang, "activities.action.plan_remove"), Verb.ACTIVITY_PLAN_REMOVE,
                                               {"activity_id": view.id, "plan_id": plan_id})]))
    return section


# ---- the catalogue pages -----------------------------------------------------------------------------------

def _nav(lang: Lang, page: ListPage) -> list[Element]:
    tabs = [(view, t(lang, f"activities.view.{view}")) for view in ("mine", "all", "signed")]
    return [action_set([execute(("• " if page.view == view else "") + label, Verb.ACTIVITIES_SHOW, {"view": view})
                        for view, label in tabs])]


def _filters(lang: Lang, titles: DigCompTitles, page: ListPage) -> list[Element]:
    areas = [(f"{area.key} {area.title}", area.key) for area in titles.areas]
    formats = [(t(lang, f"activities.format.{key}"), key) for key in FORMATS]
    return [columns_of(
        [choice_set("area", label=t(lang, "activities.filter.area"), choices=areas, expanded=False,
                    value=page.choice if page.view == "area" else None),
         action_set([execute(t(lang, "activities.filter.show"), Verb.ACTIVITIES_SHOW, {"view": "area"})])],
        [choice_set("format", label=t(lang, "activities.filter.format"), choices=formats, expanded=False,
                    value=page.choice if page.view == "format" else None),
         action_set([execute(t(lang, "activities.filter.show"), Verb.ACTIVITIES_SHOW, {"view": "format"})])],
    )]


def columns_of(*cols: Sequence[Element]) -> Element:
    return {"type": "ColumnSet", "columns": [{"type": "Column", "width": "stretch", "items": list(c)} for c in cols]}


def _paging(lang: Lang, page: ListPage) -> list[Element]:
    if page.page == 0 and not page.more:
        return []
    data = {"view": page.view, **({page.view: page.choice} if page.choice and page.view in ("area", "format") else {})}
    buttons = []
    if page.page > 0:
        buttons.append(execute(t(lang, "activities.page.previous"), Verb.ACTIVITIES_SHOW, {**data, "page": page.page - 1}))
    if page.more:
        buttons.append(execute(t(lang, "activities.page.next"), Verb.ACTIVITIES_SHOW, {**data, "page": page.page + 1}))
    where = t(lang, "activities.page.of", page=page.page + 1, pages=page.pages, total=page.total) \
        if page.total is not None else t(lang, "activities.page.number", page=page.page + 1)
    return [text(where, subtle=True, size="Small"), action_set(buttons)]


def catalogue_card(lang: Lang, *, items: Sequence[ActivityView], page: ListPage, titles: DigCompTitles,
                   notice: str | None = None, notice_color: str = "Good", empty_key: str | None = None) -> dict:
    """"aktiviteter": one page of a view, with the tabs, the area and format filters and paging."""
    title = t(lang, f"activities.title.{page.view}")
    if page.view == "area" and page.choice:
        try:
            title = t(lang, "activities.title.area_of", area=f"{page.choice} {_area_title(titles, page.choice)}")
        except KeyError:
            pass
    elif page.view == "format" and page.choice in FORMATS:
        title = t(lang, "activities.title.format_of", format=t(lang, f"activities.format.{page.choice}"))
    body: list[Element] = [heading(title)]
    if notice:
        body.append(text(notice, color=notice_color, weight="Bolder"))
    body += _nav(lang, page)
    if page.view == "mine":
        body.append(text(t(lang, "activities.mine.intro"), subtle=True, size="Small"))
    if items:
        body += [activity_item(lang, view, titles, separator=index > 0) for index, view in enumerate(items)]
    else:
        body.append(text(t(lang, empty_key or f"activities.empty.{page.view}"), subtle=True))
    body += _paging(lang, page)
    body += _filters(lang, titles, page)
    return card(body, [submit(t(lang, "menu.help"), Verb.HELP)], lang=lang)


def no_assessment_card(lang: Lang) -> dict:
    return card([heading(t(lang, "activities.title.mine")), text(t(lang, "activities.no_assessment"))],
                [execute(t(lang, "activities.view.all"), Verb.ACTIVITIES_SHOW, {"view": "all"}),
                 submit(t(lang, "menu.assessment"), Verb.ASSESSMENT_START)], lang=lang)


# ---- one activity ------------------------------------------------------------------------------------------

def detail_facts(lang: Lang, view: ActivityView, titles: DigCompTitles) -> Element:
    pairs = [(t(lang, "activities.fact.format"), t(lang, f"activities.format.{view.format}")),
             (t(lang, "activities.fact.when"), when_text(lang, view))]
    where = where_text(lang, view)
    if where:
        pairs.append((t(lang, "activities.fact.where"), where))
    pairs.append((t(lang, "activities.fact.hours"), hours_text(lang, view.hours)))
    pairs.append((t(lang, "activities.fact.competences"),
                  ", ".join(competence_title(lang, titles, key) for key in view.competences)))
    pairs.append((t(lang, "activities.fact.levels"), t(lang, "activities.levels", low=view.level_min,
                                                       high=view.level_max)))
    if view.provider:
        pairs.append((t(lang, "activities.fact.provider"), view.provider))
    places = places_text(lang, view)
    if places:
        pairs.append((t(lang, "activities.fact.places"), places))
    if view.deadline and not view.self_paced:
        pairs.append((t(lang, "activities.fact.deadline"), view.deadline.strftime("%Y-%m-%d")))
    return facts(pairs)


def activity_card(lang: Lang, *, view: ActivityView, titles: DigCompTitles, notice: str | None = None,
                  notice_color: str = "Good") -> dict:
    """One activity: what, when, where, why for this person, and what the person can do now."""
    body: list[Element] = [heading(view.title)]
    if notice:
        body.append(text(notice, color=notice_color, weight="Bolder"))
    if view.status == "cancelled":
        body.append(text(t(lang, "activities.cancelled"), color="Attention", weight="Bolder"))
    if view.only_in:
        body.append(text(t(lang, "activities.only_in_swedish" if view.only_in == "sv" else "activities.only_in_english"),
                         subtle=True, size="Small"))
    if view.description:
        body.append(text(view.description))
    if view.reason is not None:
        body.append(text(reason_text(lang, view.reason, titles), color="Accent"))
    body.append(detail_facts(lang, view, titles))
    if len(view.sessions) > 1:
        from cards.activity_sessions import sessions_section

        body += sessions_section(lang, view.sessions)
    mine = status_text(lang, view)
    if mine:
        body.append(text(mine, color="Good", weight="Bolder"))
    actions: list[Element] = []
    if view.my_status in ("signed_up", "waiting"):
        actions.append(execute(t(lang, "activities.action.cancel_signup"), Verb.ACTIVITY_CANCEL_SIGNUP, _ids(view)))
    elif view.my_status != "completed" and view.open_for_signup and view.status == "published":
        actions.append(sign_up_action(lang, view))
        if view.my_status != "declined":
            actions.append(execute(t(lang, "activities.action.decline"), Verb.ACTIVITY_DECLINE, _ids(view)))
    if view.self_paced and view.my_status != "completed" and view.status == "published":
        body.append(text_input("done_hours", label=t(lang, "activities.done.hours_label"),
                               value=_plain_number(view.hours), max_length=6))
        actions.append(execute(t(lang, "activities.action.done"), Verb.ACTIVITY_DONE, _ids(view)))
    if view.online_url:
        actions.append({"type": "Action.OpenUrl", "title": t(lang, "activities.action.link"), "url": view.online_url})
    actions.append(execute(t(lang, "activities.action.back"), Verb.ACTIVITIES_SHOW, {"view": "mine"}))
    return card([*body, *action_rows(actions)], lang=lang)


def _plain_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


# ---- notices (through the outbox) --------------------------------------------------------------------------

def _notice(lang: Lang, title: str, body: str, view: ActivityView) -> dict:
    return card([heading(title), text(body), text(summary_line(lang, view), subtle=True)],
                [execute(t(lang, "activities.action.open"), Verb.ACTIVITY_OPEN, _ids(view))], lang=lang)


def promoted_notice_card(lang: Lang, *, view: ActivityView) -> dict:
    return _notice(lang, t(lang, "activities.promoted.title"), t(lang, "activities.promoted.body", title=view.title),
                   view)


def cancelled_notice_card(lang: Lang, *, view: ActivityView) -> dict:
    return card([heading(t(lang, "activities.cancelled_notice.title")),
                 text(t(lang, "activities.cancelled_notice.body", title=view.title, when=when_text(lang, view)))],
                [execute(t(lang, "activities.view.mine"), Verb.ACTIVITIES_SHOW, {"view": "mine"})], lang=lang)


def reminder_card(lang: Lang, *, view: ActivityView) -> dict:
    return _notice(lang, t(lang, "activities.reminder.title"),
                   t(lang, "activities.reminder.body", title=view.title, when=when_text(lang, view),
                     where=where_text(lang, view) or t(lang, "activities.online")), view)


# ---- coordinators ------------------------------------------------------------------------------------------

def _level_choices() -> list[tuple[str, str]]:
    return [(str(level), str(level)) for level in range(1, 9)]


def activity_form_card(lang: Lang, *, values: Mapping[str, Any] | None = None, activity_id: int | None = None,
                       version: int | None = None, problems: Sequence[str] = (), titles: DigCompTitles
                       ) -> dict:
    """The coordinator's form for a new activity or an edit; `values` as the inputs send them."""
    values = dict(values or {})
    v = lambda key: (str(values[key]) if values.get(key) not in (None, "") else None)  # noqa: E731
    body: list[Element] = [heading(t(lang, "activities.form.title_edit" if activity_id else "activities.form.title_new")),
                           text(t(lang, "activities.form.intro"), subtle=True)]
    for problem in problems:
        body.append(text(problem, color="Attention"))
    body += [
        text_input("title_sv", label=t(lang, "activities.form.title_sv"), value=v("title_sv"), max_length=TITLE_MAX),
        text_input("title_en", label=t(lang, "activities.form.title_en"), value=v("title_en"), max_length=TITLE_MAX),
        text_input("description_sv", label=t(lang, "activities.form.description_sv"), value=v("description_sv"),
                   multiline=True, max_length=DESCRIPTION_MAX),
        text_input("description_en", label=t(lang, "activities.form.description_en"), value=v("description_en"),
                   multiline=True, max_length=DESCRIPTION_MAX),
        choice_set("format", label=t(lang, "activities.form.format"), expanded=False, required=True,
                   error_message=t(lang, "activities.form.format_missing"), value=v("format"),
                   choices=[(t(lang, f"activities.format.{key}"), key) for key in FORMATS]),
        {**choice_set("competences", label=t(lang, "activities.form.competences"), expanded=False, required=True,
                      error_message=t(lang, "activities.form.competences_missing"), value=v("competences"),
                      choices=[(f"{key} {title}", key) for area in titles.areas for key, title in area.competences]),
         "isMultiSelect": True},
        columns_of([choice_set("level_min", label=t(lang, "activities.form.level_min"), expanded=False,
                               choices=_level_choices(), value=v("level_min") or "1")],
                   [choice_set("level_max", label=t(lang, "activities.form.level_max"), expanded=False,
                               choices=_level_choices(), value=v("level_max") or "8")]),
        text_input("roles", label=t(lang, "activities.form.roles"), value=v("roles"),
                   placeholder=t(lang, "activities.form.roles_hint"), max_length=500),
        text_input("hours", label=t(lang, "activities.form.hours"), value=v("hours") or "1", max_length=6),
        text(t(lang, "activities.form.dated_hint"), subtle=True, size="Small"),
        columns_of([{"type": "Input.Date", "id": "start_date", "label": t(lang, "activities.form.start_date"),
                     **({"value": v("start_date")} if v("start_date") else {})}],
                   [{"type": "Input.Time", "id": "start_time", "label": t(lang, "activities.form.start_time"),
                     **({"value": v("start_time")} if v("start_time") else {})}],
                   [{"type": "Input.Time", "id": "end_time", "label": t(lang, "activities.form.end_time"),
                     **({"value": v("end_time")} if v("end_time") else {})}]),
        text_input("place", label=t(lang, "activities.form.place"), value=v("place"), max_length=300),
        text_input("online_url", label=t(lang, "activities.form.online_url"), value=v("online_url"), max_length=500),
        text_input("more_sessions", label=t(lang, "activity_sessions.form.more"), value=v("more_sessions"),
                   placeholder=t(lang, "activity_sessions.form.more_hint"), multiline=True, max_length=2000),
        text_input("provider", label=t(lang, "activities.form.provider"), value=v("provider"), max_length=200),
        columns_of([text_input("capacity", label=t(lang, "activities.form.capacity"), value=v("capacity"),
                               max_length=5)],
                   [{"type": "Input.Date", "id": "deadline", "label": t(lang, "activities.form.deadline"),
                     **({"value": v("deadline")} if v("deadline") else {})}]),
        {"type": "Input.Toggle", "id": "shared", "title": t(lang, "activities.form.shared"),
         "label": t(lang, "activities.form.shared_label"), "value": "true" if v("shared") == "true" else "false",
         "valueOn": "true", "valueOff": "false"},
    ]
    ids = {"activity_id": activity_id, "version": version} if activity_id else {}
    actions = [execute(t(lang, "activities.form.save_draft"), Verb.ACTIVITY_SAVE, {**ids, "publish": False}),
               execute(t(lang, "activities.form.save_publish"), Verb.ACTIVITY_SAVE, {**ids, "publish": True},
                       style="positive"),
               _without_inputs(execute(t(lang, "activities.action.back_coordinator"), Verb.ACTIVITIES_MINE, {}))]
    return card([*body, *action_rows(actions)], lang=lang)


def _without_inputs(action: Element) -> Element:
    action["associatedInputs"] = "none"
    if "fallback" in action:
        action["fallback"]["associatedInputs"] = "none"
    return action


def coordinator_item(lang: Lang, view: ActivityView) -> Element:
    state = t(lang, f"activities.status.{view.status}")
    counts = t(lang, "activities.coordinator.counts", signed=view.signed_up, waiting=view.waiting)
    items: list[Element] = [text(view.title, weight="Bolder"),
                            text(f"{state} · {summary_line(lang, view)}", subtle=True, spacing="None"),
                            text(counts, spacing="Small", size="Small")]
    buttons = []
    if view.status in ("draft", "published"):
        buttons.append(execute(t(lang, "activities.action.edit"), Verb.ACTIVITY_EDIT, _ids(view)))
    if view.status == "draft":
        buttons.append(execute(t(lang, "activities.action.publish"), Verb.ACTIVITY_PUBLISH, _ids(view, version=view.version),
                               style="positive"))
    if view.status == "published" and not view.self_paced:
        buttons.append(execute(t(lang, "activities.action.attendance"), Verb.ACTIVITY_ATTENDANCE, _ids(view)))
    if view.status in ("draft", "published") and not view.self_paced:
        buttons.append(execute(t(lang, "activity_sessions.action.sessions"), Verb.ACTIVITY_SESSIONS, _ids(view)))
    if view.status == "published" and view.open_for_signup:
        buttons.append(execute(t(lang, "activities.action.broadcast"), Verb.BROADCAST_NEW, _ids(view)))
    if view.status in ("draft", "published"):
        buttons.append(execute(t(lang, "activities.action.cancel_activity"), Verb.ACTIVITY_CANCEL,
                               _ids(view, version=view.version), style="destructive"))
    items += action_rows(buttons)
    return container(items, separator=True)


def coordinator_card(lang: Lang, *, organisation: str, items: Sequence[ActivityView], page: ListPage,
                     notice: str | None = None, notice_color: str = "Good") -> dict:
    """"mina aktiviteter" for a coordinator: the organisation's catalogue, drafts first, paged."""
    body: list[Element] = [heading(t(lang, "activities.coordinator.title", organisation=organisation))]
    if notice:
        body.append(text(notice, color=notice_color, weight="Bolder"))
    body.append(text(t(lang, "activities.coordinator.intro"), subtle=True, size="Small"))
    body += [coordinator_item(lang, view) for view in items] or [text(t(lang, "activities.coordinator.empty"),
                                                                      subtle=True)]
    if (page.pages or 1) > 1:
        buttons = []
        if page.page > 0:
            buttons.append(execute(t(lang, "activities.page.previous"), Verb.ACTIVITIES_MINE, {"page": page.page - 1}))
        if page.page + 1 < page.pages:
            buttons.append(execute(t(lang, "activities.page.next"), Verb.ACTIVITIES_MINE, {"page": page.page + 1}))
        body += [text(t(lang, "activities.page.of", page=page.page + 1, pages=page.pages, total=page.total),
                      subtle=True, size="Small"), action_set(buttons)]
    return card(body, [execute(t(lang, "activities.action.new"), Verb.ACTIVITY_NEW, {}, style="positive"),
                       submit(t(lang, "menu.help"), Verb.HELP)], lang=lang)


ATTENDANCE_MAX = 40


def attendee_input_id(person_id: int) -> str:
    return f"attended_{person_id}"


def attendance_card(lang: Lang, *, view: ActivityView, attendees: Sequence[AttendeeView], more: int = 0,
                    notice: str | None = None) -> dict:
    """The coordinator ticks who attended a dated activity; each gets the activity's hours."""
    body: list[Element] = [heading(t(lang, "activities.attendance.title", title=view.title)),
                           text(summary_line(lang, view), subtle=True)]
    if notice:
        body.append(text(notice, color="Good", weight="Bolder"))
    body.append(text(t(lang, "activities.attendance.intro", hours=hours_text(lang, view.hours))))
    for person in attendees[:ATTENDANCE_MAX]:
        body.append({"type": "Input.Toggle", "id": attendee_input_id(person.person_id), "title": person.name,
                     "label": person.name, "value": "true" if person.status == "completed" else "false",
                     "valueOn": "true", "valueOff": "false"})
    if not attendees:
        body.append(text(t(lang, "activities.attendance.nobody"), subtle=True))
    if more:
        body.append(text(t(lang, "activities.attendance.more", count=more), subtle=True, size="Small"))
    actions = [execute(t(lang, "activities.attendance.confirm"), Verb.ACTIVITY_ATTENDANCE_SAVE,
                       _ids(view), style="positive")] if attendees else []
    actions.append(execute(t(lang, "activities.action.back_coordinator"), Verb.ACTIVITIES_MINE, {}))
    return card(body, actions, lang=lang)


# ---- samples -----------------------------------------------------------------------------------------------

_LOCAL = datetime(2026, 3, 24, 9, 0)


def sample_view(**changes: Any) -> ActivityView:
    view = ActivityView(
        id=17, title="Sök smartare: informationssökning för bibliotekarier", format="course",
        competences=("1.1", "1.2"), level_min=3, level_max=5, hours=6.0, self_paced=False, version=3,
        description="Avancerade sökstrategier i databaser, söktjänster och bibliotekskatalogen, med övningar på "
                    "vanliga låntagarfrågor.",
        starts=_LOCAL, ends=datetime.combine(_LOCAL.date(), time(15, 0)), place="Stadsbiblioteket, Sveavägen 73",
        provider="Stadsbiblioteket", capacity=20, places_left=4, deadline=datetime(2026, 3, 17, 23, 59),
        reason=ReasonView("1.2", 3, 5), signed_up=16, waiting=2)
    return replace(view, **changes)


def _self_paced_view() -> ActivityView:
    return sample_view(id=21, title="Tillgänglighet i digitalt innehåll", format="elearning", competences=("3.1", "3.2"),
                       hours=2.0, self_paced=True, starts=None, ends=None, place=None, capacity=None,
                       places_left=None, deadline=None, online_url="https://larportalen.example.se/tillganglighet",
                       provider="Stockholms stad, Lärportalen", reason=ReasonView("3.1", 2, 5))


def _page_of_five() -> list[ActivityView]:
    longest = "Ö" * TITLE_MAX
    return [sample_view(id=100 + i, title=longest, place="P" * 300, provider="A" * 200,
                        places_left=0 if i == 4 else 3) for i in range(PAGE_SIZE)]


def _longest_form(lang: Lang) -> dict:
    values = {"title_sv": "Å" * TITLE_MAX, "title_en": "W" * TITLE_MAX, "description_sv": "ä" * DESCRIPTION_MAX,
              "description_en": "w" * DESCRIPTION_MAX, "format": "course", "competences": "1.1,3.1",
              "place": "p" * 300, "online_url": "https://example.se/" + "u" * 470, "provider": "v" * 200,
              "roles": "r" * 500, "more_sessions": "s" * 2000}
    return activity_form_card(lang, values=values, activity_id=5, version=2, titles=sample_titles(lang),
                              problems=[t(lang, "activities.problem.title_missing")])


def _with_activities(base: str, *, proposals: int) -> Callable[[Lang], dict]:
    """Another feature's card sample with the activity sections at their largest (longest titles and places)."""
    def build(lang: Lang) -> dict:
        from cards.samples import all_samples

        longest = sample_view(title="Ö" * TITLE_MAX, place="P" * 300)
        done = [DoneView("Ä" * TITLE_MAX, 2.5, date(2026, 3, 1))] * DONE_SHOWN
        built = all_samples()[base](lang)
        sections = plan_links_section(lang, [longest] * PLAN_LINKS_SHOWN, plan_id=1, removable=True) \
            if base != "profile" else []
        sections += activity_proposals(lang, [longest] * proposals, titles=sample_titles(lang),
                                        plan_id=1 if base != "profile" else None)
        sections += done_section(lang, done, 40.0)
        return {**built, "body": [*built["body"], *sections]}

    return build


SAMPLES = {
    "review-with-activities-longest": _with_activities("review-longest", proposals=0),
    "plan-draft-with-activities": _with_activities("plan-draft", proposals=5),
    "profile-with-activities": _with_activities("profile", proposals=3),
    "activities-mine": lambda lang: catalogue_card(lang, titles=sample_titles(lang),
                                                   items=[sample_view(), _self_paced_view()],
                                                   page=ListPage("mine", 0, None, more=True)),
    "activities-full-page": lambda lang: catalogue_card(lang, titles=sample_titles(lang), items=_page_of_five(),
                                                        page=ListPage("all", 3, 2000, more=True)),
    "activities-area": lambda lang: catalogue_card(lang, titles=sample_titles(lang), items=[_self_paced_view()],
                                                   page=ListPage("area", 0, 1, "3")),
    "activities-empty": lambda lang: catalogue_card(lang, titles=sample_titles(lang), items=[],
                                                    page=ListPage("signed", 0, 0)),
    "activities-no-assessment": lambda lang: no_assessment_card(lang),
    "activity": lambda lang: activity_card(lang, titles=sample_titles(lang), view=sample_view()),
    "activity-waiting": lambda lang: activity_card(lang, titles=sample_titles(lang),
                                                   view=sample_view(my_status="waiting", waiting_position=2,
                                                                    places_left=0),
                                                   notice=t(lang, "activities.notice.waiting", position=2),
                                                   notice_color="Warning"),
    "activity-self-paced": lambda lang: activity_card(lang, titles=sample_titles(lang), view=_self_paced_view()),
    "activity-form-new": lambda lang: activity_form_card(lang, titles=sample_titles(lang)),
    "activity-form-longest": _longest_form,
    "activities-coordinator": lambda lang: coordinator_card(
        lang, organisation="Stockholms stad, kulturförvaltningen", page=ListPage("coordinator", 0, 9),
        items=[sample_view(status="draft"), sample_view(id=18), _self_paced_view()]),
    "activity-attendance": lambda lang: attendance_card(
        lang, view=sample_view(), attendees=[AttendeeView(i, f"Person {i} " + "N" * 60, "signed_up")
                                             for i in range(ATTENDANCE_MAX)], more=3),
    "activity-promoted-notice": lambda lang: promoted_notice_card(lang, view=sample_view()),
    "activity-cancelled-notice": lambda lang: cancelled_notice_card(lang, view=sample_view()),
    "activity-reminder": lambda lang: reminder_card(lang, view=sample_view()),
}
