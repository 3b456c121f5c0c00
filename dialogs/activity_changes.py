"""What follows a coordinator's change to a published activity, and a place given late:

- a new date, time or place is told to everyone signed up and on the waiting list (their language, the outbox
  and its quiet hours): "Ändrad tid: 2026-03-18 13:00–16:00 (var: 2026-03-17 13:00–16:00)";
- a larger capacity moves the waiting list up in its order, and each person who gets a place is told, as when
  someone cancels (dialogs.activities.tell_promoted);
- someone who gets a place after the day's reminder run (signing up in the afternoon for tomorrow, or on the
  day itself) is reminded at once; the reminder's campaign key keeps it to one per person and activity.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from cards.activities import ActivityView, when_text
from cards.activity_changes import ChangeView, changed_notice_card
from cards.i18n import Lang, t, t_count
from dialogs.config import DialogConfig
from dialogs.notify import notify
from dialogs.rules.activity_rules import reminder_run_reached
from store import activities as store
from store.models.activity import Activity, ActivityStatus, SignupStatus
from store.models.core import Person
from store.people import aware

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Schedule:
    """When and where an activity is, as read before an edit."""

    self_paced: bool
    starts_at: datetime | None
    ends_at: datetime | None
    place: str | None
    online_url: str | None
    # The meetings after the first that are held: (start, end, place, link) each.
    more: tuple[tuple[datetime, datetime | None, str | None, str | None], ...] = ()

    @classmethod
    def of(cls, activity: Activity, session: Session | None = None) -> Schedule:
        more = ()
        if session is not None and not activity.self_paced:
            more = tuple((aware(m.starts_at), aware(m.ends_at) if m.ends_at else None, m.place, m.online_url)
                         for m in store.sessions_of(session, activity_id=activity.id, cancelled=False)[1:])
        return cls(activity.self_paced, aware(activity.starts_at) if activity.starts_at else None,
                   aware(activity.ends_at) if activity.ends_at else None, activity.place or None,
                   activity.online_url or None, more)

    def when_changed(self, other: Schedule) -> bool:
        return (self.self_paced, self.starts_at, self.ends_at) != (other.self_paced, other.starts_at, other.ends_at)

    def more_changed(self, other: Schedule) -> bool:
        return self.more != other.more

    def where_changed(self, other: Schedule) -> bool:
        return (self.place, self.online_url) != (other.place, other.online_url)


def _where(lang: Lang, schedule: Schedule) -> str:
    return schedule.place or schedule.online_url or t(lang, "activity_changes.no_place")


def changes_in(lang: Lang, before: Schedule, after: Schedule, *, config: DialogConfig) -> list[ChangeView]:
    """The changed time and place in the reader's words, new first and old in brackets."""
    changes = []
    if before.when_changed(after):
        changes.append(ChangeView("time", _when(lang, after, config), _when(lang, before, config)))
    if before.where_changed(after):
        changes.append(ChangeView("place", _where(lang, after), _where(lang, before)))
    if before.more_changed(after):
        changes.append(ChangeView("sessions", _more(lang, after, config), _more(lang, before, config)))
    return changes


def _more(lang: Lang, schedule: Schedule, config: DialogConfig) -> str:
    """The further meetings in words: "2026-03-24 13:00–16:00 · Kulturhuset; 2026-03-31 ..."."""
    from cards.activity_sessions import SessionView, session_text

    local = lambda moment: aware(moment).astimezone(config.tz).replace(tzinfo=None) if moment else None  # noqa: E731
    return "; ".join(session_text(lang, SessionView(0, local(start), local(end), place, url))
                     for start, end, place, url in schedule.more) or t(lang, "activity_sessions.none")


def _when(lang: Lang, schedule: Schedule, config: DialogConfig) -> str:
    local = lambda moment: aware(moment).astimezone(config.tz).replace(tzinfo=None) if moment else None  # noqa: E731
    return when_text(lang, ActivityView(id=0, title="", format="", competences=(), level_min=1, level_max=8,
                                        hours=0.0, self_paced=schedule.self_paced, starts=local(schedule.starts_at),
                                        ends=local(schedule.ends_at)))


def tell_schedule_change(session: Session, activity: Activity, before: Schedule, *, now: datetime,
                         config: DialogConfig) -> int:
    """Tells everyone signed up or waiting that the time or place changed; returns how many were told."""
    from dialogs.activities import activity_view

    after = Schedule.of(activity, session)
    if activity.status != ActivityStatus.PUBLISHED or (not before.when_changed(after)
                                                       and not before.where_changed(after)
                                                       and not before.more_changed(after)):
        return 0
    told = 0
    for signup in store.signups_for_activity(session, activity_id=activity.id,
                                             statuses=[SignupStatus.SIGNED_UP, SignupStatus.WAITING]):
        person = session.get(Person, signup.person_id)
        if person is None:
            continue
        position = store.waiting_position(session, signup) if signup.status == SignupStatus.WAITING else None

        def build(lang: Lang, signup=signup, position=position) -> dict:
            view = activity_view(activity, lang, config, now=now, signup=signup, waiting_position=position)
            return changed_notice_card(lang, view=view, changes=changes_in(lang, before, after, config=config))

        if notify(session, recipient=person, campaign=f"activity-changed:{activity.id}:v{activity.version}",
                  card=build, now=now, config=config):
            told += 1
    log.info("activity %s moved or changed place; %s signed up or waiting told", activity.id, told)
    return told


def fill_freed_places(session: Session, activity: Activity, *, now: datetime, config: DialogConfig) -> list[int]:
    """After an edit: the waiting list moves up into the freed places, in order, and each is told (and
    reminded, if the reminders for the session have gone out already)."""
    from dialogs.activities import tell_promoted

    promoted = store.fill_freed_places(session, activity, now=now)
    for person_id in promoted:
        tell_promoted(session, activity, person_id, now=now, config=config)  # with the reminder, if late
    return promoted


def after_edit(session: Session, activity: Activity, before: Schedule, *, now: datetime, config: DialogConfig
               ) -> tuple[int, list[int]]:
    """A coordinator saved a published activity: tell of a new time or place, and fill freed places."""
    told = tell_schedule_change(session, activity, before, now=now, config=config)
    return told, fill_freed_places(session, activity, now=now, config=config)


def edit_notice(lang: Lang, notice: str, *, told: int, promoted: int) -> str:
    """The coordinator's "saved" notice, with who is told of the change and who got a place."""
    parts = [notice]
    if told:
        parts.append(t_count(lang, "activity_changes.notice.told", told))
    if promoted:
        parts.append(t_count(lang, "activity_changes.notice.promoted", promoted))
    return " ".join(parts)


def remind_if_late(session: Session, activity: Activity, person_id: int, *, now: datetime, config: DialogConfig
                   ) -> bool:
    """Someone got a place (signed up, moved up): each coming session whose reminder run has come already
    (the working day before it, or its own day) is reminded now (quiet hours apply). False when none is due
    yet (the job sends them), or the person already had it: the campaign is per session and person."""
    from dialogs.activities import reminder_for

    if activity.self_paced or activity.status != ActivityStatus.PUBLISHED:
        return False
    person = session.get(Person, person_id)
    if person is None:
        return False
    today = now.astimezone(config.tz).date()
    reminded = False
    for meeting in store.sessions_of(session, activity_id=activity.id, cancelled=False):
        starts = aware(meeting.starts_at)
        if starts <= now or not reminder_run_reached(starts.astimezone(config.tz).date(), today,
                                                     working_days=config.working_days,
                                                     closed_dates=config.closed_dates):
            continue
        reminded = bool(reminder_for(session, activity, person, now=now, config=config, meeting=meeting)) or reminded
    return reminded
