"""Learning activities in the chat: "aktiviteter" (for me, all, by area, by format, my sign-ups), one activity
with sign-up, waiting list, cancellation, "Inte intresserad" and completion; the coordinators' catalogue
("ny aktivitet", "mina aktiviteter": create, edit, publish, cancel, attendance); and the proposal sections
the profile and the plan show.

Coordinator rights are decided here from the sender (the directory's assignment for the activity's
organisation), never from the card: a forged coordinator action is refused and logged.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from typing import Any

from sqlmodel import Session, select

from cards.activities import (
    DONE_SHOWN, FORMATS, PAGE_SIZE, VIEWS, ActivityView, AttendeeView, DoneView, ListPage, ReasonView, activity_card,
    activity_form_card, activity_proposals, attendance_card, attendee_input_id, cancelled_notice_card,
    catalogue_card, coordinator_card, done_section, no_assessment_card, plan_links_section, promoted_notice_card,
    reminder_card,
)
from cards.elements import Element
from cards.i18n import Lang, t
from dialogs.config import DialogConfig
from dialogs.errors import NotPermitted, StaleCard, UserFacingError
from dialogs.notify import notify
from dialogs.rules.matching import ActivityFacts, rank_activities
from dialogs.turn import Reply, Turn
from store import activities as store, audit
from store.catalogue import needs_and_catalogue
from cards.digcomp_titles import DigCompTitles
from dialogs.digcomp_titles import digcomp_titles
from store.digcomp import Framework, load_framework
from store.models.activity import Activity, ActivityFormat, ActivityStatus, SignupStatus
from store.models.core import Person
from store.models.directory import Organisation
from store.models.plan import Plan
from store.people import aware

log = logging.getLogger(__name__)
FRAMEWORK_VERSION = "2.2"
PROPOSALS_ON_PROFILE = 3
PROPOSALS_PER_PRIORITY = 1
REVIEW_PROPOSALS = 3  # on the manager's review card, the largest (cards.activity_changes.REVIEW_PROPOSALS_SHOWN)
TEXT_MAX = 2000


def framework() -> Framework:
    return load_framework(FRAMEWORK_VERSION)


def _titles(lang: Lang) -> DigCompTitles:
    return digcomp_titles(FRAMEWORK_VERSION, lang)


# ---- views -------------------------------------------------------------------------------------------------

def _local(moment: datetime | None, config: DialogConfig) -> datetime | None:
    return aware(moment).astimezone(config.tz).replace(tzinfo=None) if moment else None


def activity_view(activity: Activity, lang: Lang, config: DialogConfig, *, now: datetime,
                  signup: Any = None, waiting_position: int | None = None, reason: ReasonView | None = None,
                  signed_up: int = 0, waiting: int = 0) -> ActivityView:
    """The card's view of an activity in the reader's language (the other one when it has only that)."""
    other: Lang = "en" if lang == "sv" else "sv"
    title = getattr(activity, f"title_{lang}") or getattr(activity, f"title_{other}") or activity.key
    description = getattr(activity, f"description_{lang}") or getattr(activity, f"description_{other}")
    only_in = other if not getattr(activity, f"title_{lang}") else None
    left = None
    if activity.capacity is not None and not activity.self_paced:
        left = max(0, activity.capacity - activity.places_taken - activity.external_places)
    return ActivityView(
        id=activity.id, title=title, format=activity.format, competences=tuple(store.split_list(activity.competences)),
        level_min=activity.level_min, level_max=activity.level_max, hours=activity.hours,
        self_paced=activity.self_paced, version=activity.version, description=description, only_in=only_in,
        starts=_local(activity.starts_at, config), ends=_local(activity.ends_at, config), place=activity.place,
        online_url=activity.online_url, provider=activity.provider, capacity=activity.capacity, places_left=left,
        deadline=_local(activity.registration_deadline, config), status=activity.status,
        my_status=signup.status if signup is not None else None, waiting_position=waiting_position,
        my_hours=signup.hours if signup is not None else None, reason=reason, signed_up=signed_up,
        waiting=waiting, open_for_signup=store.is_open_for_signup(activity, now))


def _signups_by_activity(session: Session, person_id: int, activity_ids: Sequence[int]) -> dict[int, Any]:
    if not activity_ids:
        return {}
    from store.models.activity import ActivitySignup

    return {s.activity_id: s for s in session.exec(select(ActivitySignup).where(
        ActivitySignup.person_id == person_id, ActivitySignup.activity_id.in_(list(activity_ids))))}


def _views(turn: Turn, activities: Sequence[Activity], reasons: Mapping[int, ReasonView] | None = None
           ) -> list[ActivityView]:
    signups = _signups_by_activity(turn.session, turn.person.id, [a.id for a in activities])
    views = []
    for activity in activities:
        signup = signups.get(activity.id)
        position = store.waiting_position(turn.session, signup) if signup is not None and \
            signup.status == SignupStatus.WAITING else None
        views.append(activity_view(activity, turn.lang, turn.config, now=turn.now, signup=signup,
                                   waiting_position=position, reason=(reasons or {}).get(activity.id)))
    return views


def proposal_views(session: Session, person: Person, *, now: datetime, lang: Lang, config: DialogConfig,
                   limit: int = PROPOSALS_ON_PROFILE, competences: Sequence[str] | None = None,
                   needs: Any = None) -> list[ActivityView]:
    """The person's top proposals as card views, each with its reason."""
    proposed, _more = store.proposals_for_person(session, person, now, limit=limit, competences=competences,
                                                 needs=needs)
    return [activity_view(p.activity, lang, config, now=now,
                          reason=ReasonView(p.proposal.competence, p.proposal.level, p.proposal.target))
            for p in proposed]


# ---- "aktiviteter" -----------------------------------------------------------------------------------------

def _page_number(data: Mapping[str, Any]) -> int:
    try:
        return max(0, int(data.get("page") or 0))
    except (TypeError, ValueError):
        return 0


def show_activities(turn: Turn) -> Reply:
    """"aktiviteter": for me first; the tabs and filters of the card choose the other views."""
    view = str(turn.data.get("view") or "mine")
    if view not in VIEWS:
        view = "mine"
    page = _page_number(turn.data)
    return Reply.of(catalogue_reply_card(turn, view, page))


def catalogue_reply_card(turn: Turn, view: str, page: int, *, notice: str | None = None,
                         notice_color: str = "Good") -> dict:
    offset = page * PAGE_SIZE
    choice = None
    reasons: dict[int, ReasonView] = {}
    if view == "mine":
        needs, copy = needs_and_catalogue(turn.session, person=turn.person)  # one statement
        if needs is None:
            return no_assessment_card(turn.lang)
        proposed, more = store.proposals_for_person(turn.session, turn.person, turn.now, limit=PAGE_SIZE,
                                                    offset=offset, needs=needs, catalogue=copy)
        total = None if proposed or page else 0
        activities = [p.activity for p in proposed]
        reasons = {p.activity.id: ReasonView(p.proposal.competence, p.proposal.level, p.proposal.target)
                   for p in proposed}
    elif view == "signed":
        rows = store.signups_of_person(turn.session, person_id=turn.person.id, statuses=[
            SignupStatus.SIGNED_UP, SignupStatus.WAITING, SignupStatus.COMPLETED])
        total = len(rows)
        activities = [activity for _signup, activity in rows[offset:offset + PAGE_SIZE]]
    else:
        organisations = store.organisations_of(turn.session, turn.person)
        competences, fmt = None, None
        if view == "area":
            choice = str(turn.data.get("area") or "1")
            try:
                competences = [c.key for c in framework().area(choice).competences]
            except KeyError:
                choice, competences = "1", [c.key for c in framework().area("1").competences]
        elif view == "format":
            choice = str(turn.data.get("format") or FORMATS[0])
            choice = choice if choice in FORMATS else FORMATS[0]
            fmt = choice
        activities, total = store.catalogue_page(turn.session, organisation_ids=organisations, now=turn.now,
                                                 offset=offset, limit=PAGE_SIZE, competences=competences, format=fmt)
    if view == "mine":  # proposals leave out whatever the person signed up for, waits for, did or declined
        items = [activity_view(a, turn.lang, turn.config, now=turn.now, reason=reasons.get(a.id)) for a in activities]
    else:
        items = _views(turn, activities, reasons)
    more = more if view == "mine" else offset + PAGE_SIZE < (total or 0)
    return catalogue_card(turn.lang, items=items, page=ListPage(view, page, total, choice, more),
                          titles=_titles(turn.lang),
                          notice=notice, notice_color=notice_color)


def _activity(turn: Turn, *, for_update: bool = False) -> Activity:
    activity = store.activity_by_id(turn.session, turn.data.get("activity_id"), for_update=for_update)
    if activity is None:
        raise UserFacingError("activity_not_found", f"no activity {turn.data.get('activity_id')!r}")
    return activity


def _reason_for(turn: Turn, activity: Activity) -> ReasonView | None:
    needs = store.person_needs(turn.session, person=turn.person)
    if needs is None:
        return None
    facts = ActivityFacts(id=activity.id, organisation_id=activity.organisation_id,
                          competences=tuple(store.split_list(activity.competences)), level_min=activity.level_min,
                          level_max=activity.level_max, roles=frozenset(store.split_list(activity.roles)),
                          status=activity.status, shared=activity.shared, self_paced=activity.self_paced,
                          starts_at=aware(activity.starts_at) if activity.starts_at else None,
                          registration_deadline=None, capacity=None)
    ranked = rank_activities(replace(needs, excluded=frozenset()), [facts], turn.now)
    return ReasonView(ranked[0].competence, ranked[0].level, ranked[0].target) if ranked else None


def _one(turn: Turn, activity: Activity, *, notice: str | None = None, notice_color: str = "Good") -> dict:
    view = _views(turn, [activity], {activity.id: r} if (r := _reason_for(turn, activity)) else None)[0]
    from dialogs.activity_sessions import session_views

    view = replace(view, sessions=session_views(turn.session, activity, turn.config, turn.now))
    return activity_card(turn.lang, view=view, titles=_titles(turn.lang), notice=notice, notice_color=notice_color)


def open_activity(turn: Turn) -> Reply:
    return Reply.of(_one(turn, _activity(turn)))


SIGN_UP_NOTICES = {
    store.SignUpOutcome.SIGNED_UP: ("activities.notice.signed_up", "Good"),
    store.SignUpOutcome.WAITING: ("activities.notice.waiting", "Warning"),
    store.SignUpOutcome.ALREADY_SIGNED_UP: ("activities.notice.already_signed_up", "Good"),
    store.SignUpOutcome.ALREADY_WAITING: ("activities.notice.already_waiting", "Warning"),
    store.SignUpOutcome.ALREADY_DONE: ("activities.notice.already_done", "Good"),
    store.SignUpOutcome.CLOSED: ("activities.notice.closed", "Attention"),
}


def sign_up_notice(lang: Lang, result: store.SignUpResult) -> tuple[str, str]:
    """The sentence and colour that tell the person what a sign-up did (for any card with "Anmäl mig")."""
    key, color = SIGN_UP_NOTICES[result.outcome]
    if result.outcome == store.SignUpOutcome.SIGNED_UP and result.activity is not None and result.activity.self_paced:
        key = "activities.notice.signed_up_self_paced"
    return t(lang, key, position=result.position or 1), color


def sign_up(turn: Turn) -> Reply:
    """"Anmäl mig" on any card that shows an activity (broadcasts' too: see docs/activities.md)."""
    result = store.sign_up(turn.session, activity_id=turn.data.get("activity_id"), person=turn.person, now=turn.now)
    if result.outcome == store.SignUpOutcome.NOT_FOUND:
        raise UserFacingError("activity_not_found", f"sign-up for unknown activity {turn.data.get('activity_id')!r}")
    if result.outcome == store.SignUpOutcome.SIGNED_UP:
        from dialogs.activity_changes import remind_if_late

        remind_if_late(turn.session, result.activity, turn.person.id, now=turn.now, config=turn.config)
    notice, color = sign_up_notice(turn.lang, result)
    return Reply.of(_one(turn, result.activity, notice=notice, notice_color=color))


def cancel_signup(turn: Turn) -> Reply:
    result = store.cancel_signup(turn.session, activity_id=turn.data.get("activity_id"), person=turn.person,
                                 now=turn.now)
    if result.outcome == store.CancelOutcome.NOT_FOUND:
        raise UserFacingError("activity_not_found", f"cancel for unknown activity {turn.data.get('activity_id')!r}")
    if result.promoted_person_id is not None:
        tell_promoted(turn.session, result.activity, result.promoted_person_id, now=turn.now, config=turn.config)
    key = "activities.notice.cancelled_signup" if result.outcome == store.CancelOutcome.CANCELLED \
        else "activities.notice.not_signed_up"
    return Reply.of(_one(turn, result.activity, notice=t(turn.lang, key)))


def tell_promoted(session: Session, activity: Activity, person_id: int, *, now: datetime, config: DialogConfig
                  ) -> bool:
    from dialogs.activity_changes import remind_if_late

    person = session.get(Person, person_id)
    if person is None:
        return False
    told = notify(session, recipient=person, campaign=f"activity-promoted:{activity.id}:{int(now.timestamp())}",
                  card=lambda lang: promoted_notice_card(lang, view=activity_view(activity, lang, config, now=now)),
                  now=now, config=config)
    remind_if_late(session, activity, person_id, now=now, config=config)  # the day's reminder run may be over
    return bool(told)


def decline(turn: Turn) -> Reply:
    """"Inte intresserad": never proposed again (also the broadcasts' button)."""
    activity = _activity(turn)
    declined = store.decline(turn.session, activity_id=activity.id, person=turn.person, now=turn.now)
    key = "activities.notice.declined" if declined else "activities.notice.decline_signed_up"
    if turn.data.get("source") == "broadcast":
        # From a broadcast (possibly to someone never assessed): the activity stays in view with the answer.
        return Reply.of(_one(turn, activity, notice=t(turn.lang, key)))
    return Reply.of(catalogue_reply_card(turn, "mine", 0, notice=t(turn.lang, key)))


def parse_hours(value: Any) -> float | None:
    try:
        hours = float(str(value).strip().replace(",", "."))
    except (TypeError, ValueError):
        return None
    return hours if 0 < hours <= 500 else None


def mark_done(turn: Turn) -> Reply:
    """A self-paced activity done, with the person's hours (this month's, for the ESF report)."""
    activity = _activity(turn, for_update=True)
    if not activity.self_paced:
        raise UserFacingError("activity_not_dated", f"person {turn.person.id} marked dated activity {activity.id} done")
    hours = parse_hours(turn.data.get("done_hours", activity.hours))
    if hours is None:
        return Reply.of(_one(turn, activity, notice=t(turn.lang, "activities.problem.hours_done"),
                             notice_color="Attention"))
    store.complete_self_paced(turn.session, activity=activity, person=turn.person, hours=hours, now=turn.now,
                              tz=turn.config.tz)
    from cards.activities import hours_text

    return Reply.of(_one(turn, activity, notice=t(turn.lang, "activities.notice.done",
                                                  hours=hours_text(turn.lang, hours))))


# ---- coordinators ------------------------------------------------------------------------------------------

def _coordinated(turn: Turn) -> Organisation:
    organisation = store.coordinated_organisation(turn.session, turn.person)
    if organisation is None:
        log.warning("refused coordinator action %s from person %s: not a coordinator", turn.request.verb,
                    turn.person.id)
        raise UserFacingError("not_coordinator", f"person {turn.person.id} is not a coordinator")
    return organisation


def _coordinated_activity(turn: Turn, *, for_update: bool = False) -> tuple[Organisation, Activity]:
    organisation = _coordinated(turn)
    activity = _activity(turn, for_update=for_update)
    if activity.organisation_id != organisation.id:
        log.warning("refused coordinator action %s from person %s on activity %s of another organisation",
                    turn.request.verb, turn.person.id, activity.id)
        raise NotPermitted(f"person {turn.person.id} coordinates {organisation.key}, not activity {activity.id}")
    return organisation, activity


def _check_version(activity: Activity, data: Mapping[str, Any]) -> None:
    if "version" in data and str(data.get("version")) != str(activity.version):
        raise StaleCard(f"activity {activity.id} is at {activity.version}, card had {data.get('version')!r}",
                        key="activity_changed")


def _coordinator_reply(turn: Turn, organisation: Organisation, *, page: int = 0, notice: str | None = None,
                       notice_color: str = "Good") -> dict:
    rows, total = store.activities_of_organisation(turn.session, organisation_id=organisation.id,
                                                   offset=page * PAGE_SIZE, limit=PAGE_SIZE)
    counts = _counts(turn.session, [a.id for a in rows])
    views = [activity_view(a, turn.lang, turn.config, now=turn.now, signed_up=counts.get((a.id, "signed_up"), 0),
                           waiting=counts.get((a.id, "waiting"), 0)) for a in rows]
    return coordinator_card(turn.lang, organisation=organisation.name, items=views,
                            page=ListPage("coordinator", page, total), notice=notice, notice_color=notice_color)


def _counts(session: Session, activity_ids: Sequence[int]) -> dict[tuple[int, str], int]:
    if not activity_ids:
        return {}
    from sqlalchemy import func

    from store.models.activity import ActivitySignup

    return {(activity_id, status): count for activity_id, status, count in session.exec(
        select(ActivitySignup.activity_id, ActivitySignup.status, func.count())
        .where(ActivitySignup.activity_id.in_(list(activity_ids)))
        .group_by(ActivitySignup.activity_id, ActivitySignup.status))}


def show_mine(turn: Turn) -> Reply:
    """"mina aktiviteter": a coordinator's catalogue; anyone else's sign-ups and completed activities."""
    organisation = store.coordinated_organisation(turn.session, turn.person)
    if organisation is None:
        return Reply.of(catalogue_reply_card(turn, "signed", _page_number(turn.data)))
    return Reply.of(_coordinator_reply(turn, organisation, page=_page_number(turn.data)))


def new_activity(turn: Turn) -> Reply:
    _coordinated(turn)
    return Reply.of(activity_form_card(turn.lang, titles=_titles(turn.lang)))


def _form_values(activity: Activity, config: DialogConfig) -> dict[str, Any]:
    starts, ends, deadline = (_local(activity.starts_at, config), _local(activity.ends_at, config),
                              _local(activity.registration_deadline, config))
    return {
        "title_sv": activity.title_sv, "title_en": activity.title_en, "description_sv": activity.description_sv,
        "description_en": activity.description_en, "format": activity.format, "competences": activity.competences,
        "level_min": activity.level_min, "level_max": activity.level_max, "roles": activity.roles,
        "hours": f"{activity.hours:g}", "start_date": starts.date().isoformat() if starts else None,
        "start_time": starts.strftime("%H:%M") if starts else None,
        "end_time": ends.strftime("%H:%M") if ends else None, "place": activity.place,
        "online_url": activity.online_url, "provider": activity.provider, "capacity": activity.capacity,
        "deadline": deadline.date().isoformat() if deadline else None, "shared": "true" if activity.shared else "false",
    }


def edit_activity(turn: Turn) -> Reply:
    _organisation, activity = _coordinated_activity(turn)
    from dialogs.activity_sessions import further_sessions_text

    values = {**_form_values(activity, turn.config),
              "more_sessions": further_sessions_text(turn.session, activity, turn.config)}
    return Reply.of(activity_form_card(turn.lang, values=values, activity_id=activity.id,
                                       version=activity.version, titles=_titles(turn.lang)))


def parse_form(data: Mapping[str, Any], config: DialogConfig) -> tuple[dict[str, Any], list[str]]:
    """The form's inputs as catalogue values, or the catalogue keys of every problem."""
    problems: list[str] = []
    text_of = lambda key, limit: (str(data.get(key) or "").strip()[:limit] or None)  # noqa: E731
    values: dict[str, Any] = {key: text_of(key, limit) for key, limit in (
        ("title_sv", 200), ("title_en", 200), ("description_sv", TEXT_MAX), ("description_en", TEXT_MAX),
        ("place", 300), ("online_url", 500), ("provider", 200))}
    if not values["title_sv"] and not values["title_en"]:
        problems.append("activities.problem.title_missing")
    fmt = str(data.get("format") or "")
    if fmt not in set(ActivityFormat):
        problems.append("activities.problem.format")
    values["format"] = fmt
    known = {c.key for c in framework().competences}
    competences = [c for c in store.split_list(str(data.get("competences") or "")) if c in known]
    if not competences:
        problems.append("activities.problem.competences")
    values["competences"] = ",".join(dict.fromkeys(competences))
    try:
        values["level_min"] = min(8, max(1, int(data.get("level_min") or 1)))
        values["level_max"] = min(8, max(1, int(data.get("level_max") or 8)))
        if values["level_min"] > values["level_max"]:
            problems.append("activities.problem.levels")
    except (TypeError, ValueError):
        problems.append("activities.problem.levels")
    values["roles"] = ",".join(r.lower() for r in store.split_list(str(data.get("roles") or "")))[:500]
    hours = parse_hours(data.get("hours") or "1")
    if hours is None:
        problems.append("activities.problem.hours")
    values["hours"] = hours or 1.0
    capacity = str(data.get("capacity") or "").strip()
    values["capacity"] = int(capacity) if capacity.isdigit() else None
    if capacity and not capacity.isdigit():
        problems.append("activities.problem.capacity")
    if values["online_url"] and not values["online_url"].startswith("https://"):
        problems.append("activities.problem.url")
    values["shared"] = str(data.get("shared") or "").lower() == "true"
    tz = config.tz
    try:
        day = date.fromisoformat(str(data["start_date"])[:10]) if data.get("start_date") else None
        start_time = time.fromisoformat(str(data["start_time"])[:5]) if data.get("start_time") else None
        end_time = time.fromisoformat(str(data["end_time"])[:5]) if data.get("end_time") else None
        deadline = date.fromisoformat(str(data["deadline"])[:10]) if data.get("deadline") else None
    except ValueError:
        problems.append("activities.problem.date")
        day = start_time = end_time = deadline = None
    if day is None and (start_time or end_time):
        problems.append("activities.problem.time_without_date")
    values["self_paced"] = day is None
    values["starts_at"] = datetime.combine(day, start_time or time(9, 0), tzinfo=tz) if day else None
    values["ends_at"] = datetime.combine(day, end_time, tzinfo=tz) if day and end_time else None
    if values["starts_at"] and values["ends_at"] and values["ends_at"] <= values["starts_at"]:
        problems.append("activities.problem.end_before_start")
    values["registration_deadline"] = datetime.combine(deadline, time(23, 59), tzinfo=tz) if deadline else None
    if deadline and day and deadline > day:
        problems.append("activities.problem.deadline_after_start")
    return values, problems


def save_activity(turn: Turn) -> Reply:
    """The form's "Spara utkast" / "Spara och publicera", for a new activity or an edit."""
    organisation = _coordinated(turn)
    activity = None
    if turn.data.get("activity_id") not in (None, ""):
        organisation, activity = _coordinated_activity(turn, for_update=True)
        _check_version(activity, turn.data)
    values, problems = parse_form(turn.data, turn.config)
    from dialogs.activity_sessions import form_sessions

    more_sessions, session_problems = form_sessions(turn.data, turn.config, self_paced=values["self_paced"])
    problems += session_problems
    if problems:
        form = {key: turn.data.get(key) for key in turn.data}
        return Reply.of(activity_form_card(turn.lang, values=form, activity_id=activity.id if activity else None,
                                           version=activity.version if activity else None,
                                           problems=[t(turn.lang, key) for key in dict.fromkeys(problems)],
                                           titles=_titles(turn.lang)))
    publish = str(turn.data.get("publish")).lower() == "true"
    key = activity.key if activity else f"teams-{uuid.uuid4().hex[:12]}"
    from dialogs.activity_changes import Schedule, after_edit, edit_notice

    before = Schedule.of(activity, turn.session) if activity is not None else None
    saved, created = store.save_activity(turn.session, organisation_id=organisation.id, key=key, values=values,
                                         now=turn.now, actor_person_id=turn.person.id, more_sessions=more_sessions)
    # A new time or place is told to everyone signed up or waiting; more places move the waiting list up.
    told, promoted = after_edit(turn.session, saved, before, now=turn.now, config=turn.config) \
        if before is not None else (0, [])
    audit.record(turn.session, actor_person_id=turn.person.id,
                 action="activity.created" if created else "activity.edited", subject_type="activity",
                 subject_id=saved.id)
    if publish and saved.status == ActivityStatus.DRAFT:
        store.publish_activity(turn.session, saved, actor_person_id=turn.person.id, now=turn.now)
    notice = t(turn.lang, "activities.notice.published" if saved.status == ActivityStatus.PUBLISHED
               else "activities.notice.saved_draft")
    notice = edit_notice(turn.lang, notice, told=told, promoted=len(promoted))
    return Reply.of(_coordinator_reply(turn, organisation, notice=notice))


def publish_activity(turn: Turn) -> Reply:
    organisation, activity = _coordinated_activity(turn, for_update=True)
    _check_version(activity, turn.data)
    if activity.status != ActivityStatus.PUBLISHED:
        store.publish_activity(turn.session, activity, actor_person_id=turn.person.id, now=turn.now)
    return Reply.of(_coordinator_reply(turn, organisation, notice=t(turn.lang, "activities.notice.published")))


def cancel_activity(turn: Turn) -> Reply:
    """Cancels the session; everyone signed up or waiting is told through the outbox."""
    organisation, activity = _coordinated_activity(turn, for_update=True)
    _check_version(activity, turn.data)
    if activity.status not in (ActivityStatus.DRAFT, ActivityStatus.PUBLISHED):
        raise UserFacingError("activity_not_cancellable", f"activity {activity.id} is {activity.status}")
    told = store.cancel_activity(turn.session, activity, actor_person_id=turn.person.id, now=turn.now)
    for person_id in told:
        person = turn.session.get(Person, person_id)
        if person is not None:
            notify(turn.session, recipient=person, campaign=f"activity-cancelled:{activity.id}",
                   card=lambda lang: cancelled_notice_card(lang, view=activity_view(activity, lang, turn.config,
                                                                                    now=turn.now)),
                   now=turn.now, config=turn.config)
    log.info("person %s cancelled activity %s; %s told", turn.person.id, activity.id, len(told))
    return Reply.of(_coordinator_reply(turn, organisation, notice=t(turn.lang, "activities.notice.cancelled_activity",
                                                                    count=len(told))))


def _attendance_card(turn: Turn, activity: Activity, notice: str | None = None) -> dict:
    from cards.activities import ATTENDANCE_MAX

    signups = store.signups_for_activity(turn.session, activity_id=activity.id,
                                         statuses=[SignupStatus.SIGNED_UP, SignupStatus.COMPLETED])
    names = store.person_names(turn.session, [s.person_id for s in signups])
    attendees = [AttendeeView(s.person_id, names.get(s.person_id) or str(s.person_id), s.status)
                 for s in signups[:ATTENDANCE_MAX]]
    return attendance_card(turn.lang, view=activity_view(activity, turn.lang, turn.config, now=turn.now),
                           attendees=attendees, more=max(0, len(signups) - ATTENDANCE_MAX), notice=notice)


def show_attendance(turn: Turn) -> Reply:
    _organisation, activity = _coordinated_activity(turn)
    if activity.self_paced:
        raise UserFacingError("activity_not_dated", f"attendance asked for self-paced activity {activity.id}")
    return Reply.of(_attendance_card(turn, activity))


def save_attendance(turn: Turn) -> Reply:
    """The ticked people attended: each gets the activity's hours in the month of the session."""
    _organisation, activity = _coordinated_activity(turn, for_update=True)
    if activity.self_paced:
        raise UserFacingError("activity_not_dated", f"attendance saved for self-paced activity {activity.id}")
    signed = store.signups_for_activity(turn.session, activity_id=activity.id,
                                        statuses=[SignupStatus.SIGNED_UP, SignupStatus.COMPLETED])
    attended = [s.person_id for s in signed if str(turn.data.get(attendee_input_id(s.person_id))).lower() == "true"]
    confirmed = store.confirm_attendance(turn.session, activity=activity, attended_person_ids=attended,
                                         confirmed_by_person_id=turn.person.id, now=turn.now, tz=turn.config.tz)
    return Reply.of(_attendance_card(turn, activity, notice=t(turn.lang, "activities.notice.attendance_saved",
                                                              count=len(confirmed))))


# ---- the plan, the profile and the assessment's last card --------------------------------------------------

def profile_sections(session: Session, person: Person, *, now: datetime, lang: Lang, config: DialogConfig,
                     assessed: dict[str, int | None] | None = None, targets: dict[str, int] | None = None,
                     role: Any = store._UNKNOWN) -> list[Element]:
    """The profile's (and a finished assessment's) next step: the top matches with reasons, and what is done.
    The profile passes the latest assessment's levels, the targets and the role it has just read."""
    done, total = store.done_activities(session, person_id=person.id, limit=DONE_SHOWN)
    needs = store.person_needs(session, person=person, assessed=assessed, targets=targets, role=role)
    sections = activity_proposals(lang, proposal_views(session, person, now=now, lang=lang, config=config,
                                                       needs=needs) if needs else [],
                                  titles=_titles(lang), heading_key="activities.proposals.next_step")
    return sections + done_section(lang, _done_views(done, config), total)


def _done_views(done: Sequence[store.DoneActivity], config: DialogConfig) -> list[DoneView]:
    return [DoneView(d.activity.title_sv or d.activity.title_en or d.activity.key, d.hours,
                     d.completed_at.astimezone(config.tz).date()) for d in done]


def plan_sections(session: Session, plan: Plan, *, viewer: Person, now: datetime, lang: Lang, config: DialogConfig,
                  removable: bool) -> list[Element]:
    """On a plan: the catalogue activities chosen for it, proposals per prioritised competence (the owner's
    draft only), and the owner's completed activities with their hours."""
    linked = [activity for _link, activity in store.plan_activities(session, plan_id=plan.id)]
    owner = session.get(Person, plan.person_id)
    signups = _signups_by_activity(session, plan.person_id, [a.id for a in linked])
    views = [activity_view(a, lang, config, now=now, signup=signups.get(a.id)) for a in linked]
    sections = plan_links_section(lang, views, plan_id=plan.id, removable=removable)
    # The owner's draft, or the manager's review (who may add activities too, but signs nobody up).
    if removable and owner is not None:
        chosen = {a.id for a in linked}
        proposals: list[ActivityView] = []
        for priority in plan.priorities[:5 if viewer.id == plan.person_id else REVIEW_PROPOSALS]:
            for view in proposal_views(session, owner, now=now, lang=lang, config=config, limit=2,
                                       competences=[priority["competence"]]):
                if view.id not in chosen and view.id not in {p.id for p in proposals}:
                    proposals.append(view)
                    break
        if viewer.id == plan.person_id:
            sections += activity_proposals(lang, proposals, titles=_titles(lang), plan_id=plan.id, more=False)
        else:
            from cards.activity_changes import review_proposals

            sections += review_proposals(lang, proposals, titles=_titles(lang), plan_id=plan.id)
    if owner is not None:
        done, total = store.done_activities(session, person_id=owner.id, limit=DONE_SHOWN)
        sections += done_section(lang, _done_views(done, config), total)
    return sections


def with_sections(card: dict, sections: Sequence[Element]) -> dict:
    """The card with the sections added at the end of its body (the plan's and profile's own cards)."""
    if sections:
        card = {**card, "body": [*card.get("body", []), *sections]}
    return card


def _plan_for_link(turn: Turn) -> Plan:
    from store import plans

    plan = plans.plan_by_id(turn.session, turn.data.get("plan_id"), for_update=True)
    if plan is None:
        raise UserFacingError("plan_not_found", f"no plan {turn.data.get('plan_id')!r}")
    return plan


def _may_change_links(turn: Turn, plan: Plan) -> str:
    """"owner" (a draft of their own) or "reviewer" (the manager while the plan waits); refused otherwise."""
    from dialogs.rules.plan_rules import EMPLOYEE_EDITS
    from store import directory
    from store.models.plan import PlanState

    if plan.person_id == turn.person.id:
        if plan.state not in EMPLOYEE_EDITS:
            raise UserFacingError("plan_not_editable", f"plan {plan.id} is {plan.state}")
        return "owner"
    if plan.state in (PlanState.SENT, PlanState.RESENT):
        reviewer = directory.entry_for_person(turn.session, turn.person)
        employee = directory.entry_for_person_id(turn.session, plan.person_id)
        if directory.review_right(turn.session, reviewer=reviewer, employee=employee, now=turn.now).allowed:
            return "reviewer"
    log.warning("refused plan activity change %s from person %s on plan %s (%s): neither owner nor reviewer",
                turn.request.verb, turn.person.id, plan.id, plan.state)
    raise NotPermitted(f"person {turn.person.id} changed the activities of plan {plan.id}")


def _plan_reply(turn: Turn, plan: Plan, role: str, notice: str) -> Reply:
    from cards.plan import plan_card
    from dialogs.plan import plan_view, titles

    if role == "owner":
        base = plan_card(turn.lang, view=plan_view(turn.session, plan, turn.config), titles=titles(turn.lang),
                         notice=notice)
    else:
        from cards.review import review_card
        from store import directory

        employee = directory.entry_for_person_id(turn.session, plan.person_id)
        base = review_card(turn.lang, view=plan_view(turn.session, plan, turn.config), titles=titles(turn.lang),
                           employee_email=employee.email if employee else None, notice=notice, notice_color="Good")
    return Reply.of(with_sections(base, plan_sections(turn.session, plan, viewer=turn.person, now=turn.now,
                                                      lang=turn.lang, config=turn.config, removable=True)))


def add_to_plan(turn: Turn) -> Reply:
    plan = _plan_for_link(turn)
    role = _may_change_links(turn, plan)
    activity = _activity(turn)
    if activity.status != ActivityStatus.PUBLISHED:
        raise UserFacingError("activity_not_found", f"activity {activity.id} is {activity.status}, not linkable")
    competence = turn.data.get("competence")
    added = store.link_to_plan(turn.session, plan=plan, activity=activity,
                               competence=str(competence)[:8] if competence else None,
                               actor_person_id=turn.person.id, now=turn.now)
    if added:  # a new version of the plan, whose snapshot lists the linked activities
        from store import plans

        plans.record_linked_activities(turn.session, plan, actor_person_id=turn.person.id, now=turn.now,
                                       change="activity_added")
        log.info("person %s (%s) added activity %s to plan %s", turn.person.id, role, activity.id, plan.id)
    if role == "reviewer":
        key = "activity_changes.review.added" if added else "activity_changes.review.already"
    else:
        key = "activities.notice.plan_added" if added else "activities.notice.plan_already"
    return _plan_reply(turn, plan, role, t(turn.lang, key))


def remove_from_plan(turn: Turn) -> Reply:
    plan = _plan_for_link(turn)
    role = _may_change_links(turn, plan)
    activity = _activity(turn)
    if store.unlink_from_plan(turn.session, plan=plan, activity_id=activity.id):
        from store import plans

        plans.record_linked_activities(turn.session, plan, actor_person_id=turn.person.id, now=turn.now,
                                       change="activity_removed")
        log.info("person %s (%s) removed activity %s from plan %s", turn.person.id, role, activity.id, plan.id)
    return _plan_reply(turn, plan, role, t(turn.lang, "activity_changes.review.removed" if role == "reviewer"
                                           else "activities.notice.plan_removed"))


# ---- the reminder (scheduler/jobs.py runs it) --------------------------------------------------------------

def reminder_for(session: Session, activity: Activity, person: Person, *, now: datetime, config: DialogConfig,
                 meeting: Any = None) -> bool:
    """Enqueues the working-day-before reminder once per session and person (quiet hours apply); `meeting`
    is the session (store ActivitySession) when the activity has several."""
    campaign = f"activity-reminder:{activity.id}" if meeting is None else f"activity-reminder:{activity.id}:{meeting.id}"

    def build(lang: Lang) -> dict:
        view = activity_view(activity, lang, config, now=now)
        if meeting is not None:
            view = replace(view, starts=_local(meeting.starts_at, config), ends=_local(meeting.ends_at, config),
                           place=meeting.place, online_url=meeting.online_url)
        return reminder_card(lang, view=view)

    return notify(session, recipient=person, campaign=campaign, card=build, now=now, config=config)
