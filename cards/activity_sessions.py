"""The meetings of an activity that has several (a course of three meetings): the list on the activity's card,
the coordinator's card to cancel one meeting, and the notice that one meeting is cancelled."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Sequence

from cards.activities import ActivityView, activity_card, sample_view, summary_line, when_text
from cards.elements import Element, action_rows, card, container, execute, facts, heading, text
from cards.i18n import Lang, t, t_count
from cards.sample_titles import sample_titles
from cards.verbs import Verb

SESSIONS_SHOWN = 20  # a course has a handful; the card stays small whatever a file says


@dataclass(frozen=True)
class SessionView:
    id: int
    starts: datetime  # local time
    ends: datetime | None = None
    place: str | None = None
    online_url: str | None = None
    cancelled: bool = False
    past: bool = False


def session_text(lang: Lang, session: SessionView) -> str:
    """"2026-03-17 13:00–16:00 · Stadsbiblioteket" (or "Online")."""
    when = when_text(lang, ActivityView(id=0, title="", format="", competences=(), level_min=1, level_max=8,
                                        hours=0.0, self_paced=False, starts=session.starts, ends=session.ends))
    where = session.place or (t(lang, "activities.online") if session.online_url else None)
    line = f"{when} · {where}" if where else when
    return f"{line} ({t(lang, 'activity_sessions.cancelled')})" if session.cancelled else line


def sessions_section(lang: Lang, sessions: Sequence[SessionView]) -> list[Element]:
    """On the activity's card: every meeting, numbered, the cancelled ones marked."""
    held = sum(1 for s in sessions if not s.cancelled)
    return [text(t_count(lang, "activity_sessions.title", held), weight="Bolder", spacing="Medium"),
            facts([(f"{number}.", session_text(lang, s)) for number, s in enumerate(sessions[:SESSIONS_SHOWN], 1)])]


def sessions_card(lang: Lang, *, view: ActivityView, sessions: Sequence[SessionView], notice: str | None = None,
                  notice_color: str = "Good") -> dict:
    """The coordinator's meetings of one activity, each coming one with "Ställ in träffen" while another is
    left (the last one is cancelled with the whole activity)."""
    body: list[Element] = [heading(t(lang, "activity_sessions.card.title", title=view.title))]
    if notice:
        body.append(text(notice, color=notice_color, weight="Bolder"))
    body.append(text(t(lang, "activity_sessions.card.intro"), subtle=True, size="Small"))
    held = sum(1 for s in sessions if not s.cancelled)
    for number, session in enumerate(sessions[:SESSIONS_SHOWN], 1):
        items: list[Element] = [text(f"{number}. {session_text(lang, session)}", spacing="Small")]
        if not session.cancelled and not session.past and held > 1:
            items += action_rows([execute(t(lang, "activity_sessions.action.cancel"), Verb.ACTIVITY_SESSION_CANCEL,
                                          {"activity_id": view.id, "session_id": session.id,
                                           "version": view.version}, style="destructive")])
        body.append(container(items, separator=number > 1))
    if held <= 1:
        body.append(text(t(lang, "activity_sessions.card.last"), subtle=True, size="Small"))
    return card([*body, *action_rows([execute(t(lang, "activities.action.back_coordinator"), Verb.ACTIVITIES_MINE,
                                              {})])], lang=lang)


def session_cancelled_notice_card(lang: Lang, *, view: ActivityView, session: SessionView,
                                  remaining: Sequence[SessionView]) -> dict:
    """To everyone signed up or waiting: one meeting is cancelled, the others are held, the place stands."""
    body: list[Element] = [heading(t(lang, "activity_sessions.notice.title")),
                           text(t(lang, "activity_sessions.notice.body", title=view.title,
                                  when=session_text(lang, replace(session, cancelled=False))))]
    if remaining:
        body += sessions_section(lang, remaining)
    body.append(text(summary_line(lang, view), subtle=True))
    return card([*body, *action_rows([execute(t(lang, "activities.action.open"), Verb.ACTIVITY_OPEN,
                                              {"activity_id": view.id})])], lang=lang)


def _course(count: int, *, longest: bool = False) -> list[SessionView]:
    start = datetime(2026, 3, 24, 13, 0)
    return [SessionView(id=40 + i, starts=start + timedelta(weeks=i), ends=start + timedelta(weeks=i, hours=3),
                        place=("P" * 300) if longest else "Kulturhuset, Sergels torg", cancelled=i == 1)
            for i in range(count)]


SAMPLES = {
    "activity-with-sessions": lambda lang: activity_card(lang, titles=sample_titles(lang),
                                                         view=sample_view(sessions=_course(3))),
    "activity-sessions-coordinator": lambda lang: sessions_card(lang, view=sample_view(), sessions=_course(3)),
    "activity-sessions-coordinator-longest": lambda lang: sessions_card(
        lang, view=sample_view(title="Ö" * 200), sessions=_course(SESSIONS_SHOWN, longest=True),
        notice=t(lang, "activity_sessions.notice.cancelled", count=12)),
    "activity-session-cancelled-notice": lambda lang: session_cancelled_notice_card(
        lang, view=sample_view(), session=_course(3)[1], remaining=[s for s in _course(3) if not s.cancelled]),
}
