"""Activities with several meetings: the coordinator's "Träffar" card and cancelling one meeting (everyone
signed up or waiting is told through the outbox), the meetings on the activity's card, and the form's
"Fler träffar" field. Coordinator rights come from the sender, as for every catalogue change."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlmodel import Session

from cards.activity_sessions import SessionView, session_cancelled_notice_card, sessions_card
from cards.i18n import t
from dialogs.config import DialogConfig
from dialogs.errors import UserFacingError
from dialogs.notify import notify
from dialogs.turn import Reply, Turn
from store import activities as store
from store.activities_import import parse_sessions, sessions_text
from store.models.activity import Activity, ActivitySession, ActivityStatus
from store.models.core import Person
from store.people import aware

log = logging.getLogger(__name__)


def _local(moment: datetime | None, config: DialogConfig) -> datetime | None:
    return aware(moment).astimezone(config.tz).replace(tzinfo=None) if moment else None


def session_view(meeting: ActivitySession, config: DialogConfig, now: datetime) -> SessionView:
    return SessionView(id=meeting.id, starts=_local(meeting.starts_at, config), ends=_local(meeting.ends_at, config),
                       place=meeting.place, online_url=meeting.online_url, cancelled=meeting.cancelled_at is not None,
                       past=aware(meeting.starts_at) <= now)


def session_views(session: Session, activity: Activity, config: DialogConfig, now: datetime) -> list[SessionView]:
    if activity.self_paced:
        return []
    return [session_view(m, config, now) for m in store.sessions_of(session, activity_id=activity.id)]


# ---- the form ----------------------------------------------------------------------------------------------

def form_sessions(data: Mapping[str, Any], config: DialogConfig, *, self_paced: bool
                  ) -> tuple[list[store.SessionValues] | None, list[str]]:
    """The form's "Fler träffar" as sessions (None when the card had no such field), or the problem keys."""
    if "more_sessions" not in data:
        return None, []
    try:
        more = parse_sessions(str(data.get("more_sessions") or ""), config.tz)
    except ValueError:
        return None, ["activities.problem.more_sessions"]
    if more and self_paced:
        return None, ["activities.problem.more_sessions_self_paced"]
    return more, []


def further_sessions_text(session: Session, activity: Activity, config: DialogConfig) -> str | None:
    """The edit form's "Fler träffar": every meeting after the first that is held, one per line."""
    held = store.sessions_of(session, activity_id=activity.id, cancelled=False)
    return sessions_text(held[1:], config.tz).replace(" | ", "\n") or None


# ---- the coordinator's meetings card -----------------------------------------------------------------------

def _sessions_reply(turn: Turn, activity: Activity, notice: str | None = None) -> Reply:
    from dialogs.activities import activity_view

    view = activity_view(activity, turn.lang, turn.config, now=turn.now)
    return Reply.of(sessions_card(turn.lang, view=view, sessions=session_views(turn.session, activity, turn.config,
                                                                               turn.now), notice=notice))


def show_sessions(turn: Turn) -> Reply:
    from dialogs.activities import _coordinated_activity

    _organisation, activity = _coordinated_activity(turn)
    if activity.self_paced:
        raise UserFacingError("activity_not_dated", f"sessions asked for self-paced activity {activity.id}")
    return _sessions_reply(turn, activity)


def cancel_session(turn: Turn) -> Reply:
    """"Ställ in träffen": that meeting only; the others stay, and so do the places. Everyone signed up or on the
    waiting list is told (in their language, after quiet hours)."""
    from dialogs.activities import _check_version, _coordinated_activity, activity_view

    _organisation, activity = _coordinated_activity(turn, for_update=True)
    _check_version(activity, turn.data)
    if activity.status not in (ActivityStatus.DRAFT, ActivityStatus.PUBLISHED):
        raise UserFacingError("activity_not_cancellable", f"activity {activity.id} is {activity.status}")
    try:
        meeting, told = store.cancel_session(turn.session, activity, session_id=turn.data.get("session_id"),
                                             actor_person_id=turn.person.id, now=turn.now)
    except store.ActivityError as error:
        key = "activity_session_last" if "last" in str(error) else "activity_session_not_found"
        raise UserFacingError(key, str(error)) from error
    cancelled = session_view(meeting, turn.config, turn.now)
    remaining = [v for v in session_views(turn.session, activity, turn.config, turn.now) if not v.cancelled]
    for person_id in told:
        person = turn.session.get(Person, person_id)
        if person is not None:
            notify(turn.session, recipient=person, campaign=f"activity-session-cancelled:{meeting.id}",
                   card=lambda lang: session_cancelled_notice_card(
                       lang, view=activity_view(activity, lang, turn.config, now=turn.now), session=cancelled,
                       remaining=remaining),
                   now=turn.now, config=turn.config)
    log.info("person %s cancelled session %s of activity %s; %s told", turn.person.id, meeting.id, activity.id,
             len(told))
    return _sessions_reply(turn, activity, notice=t(turn.lang, "activity_sessions.notice.cancelled",
                                                    count=len(told)))
