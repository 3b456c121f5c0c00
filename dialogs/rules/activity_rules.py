"""Pure rules of sign-up and reminders: the waiting list's order and the day a session is reminded."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta

WEEKDAYS = frozenset({1, 2, 3, 4, 5})  # ISO weekdays
_MAX_DAYS = 400


def next_open_day(day: date, *, working_days: Collection[int] = WEEKDAYS, closed_dates: Collection[date] = ()
                  ) -> date:
    """The first working day after `day` (ISO weekdays in `working_days`, not a closed date)."""
    candidate = day
    for _ in range(_MAX_DAYS):
        candidate += timedelta(days=1)
        if candidate.isoweekday() in working_days and candidate not in closed_dates:
            return candidate
    raise ValueError(f"no open day within {_MAX_DAYS} days after {day}")


def is_open_day(day: date, *, working_days: Collection[int] = WEEKDAYS, closed_dates: Collection[date] = ()) -> bool:
    return day.isoweekday() in working_days and day not in closed_dates


def session_days_reminded_on(today: date, *, working_days: Collection[int] = WEEKDAYS,
                             closed_dates: Collection[date] = ()) -> tuple[date, date] | None:
    """The session days (first, last, inclusive) whose reminder goes out `today`: the working day before.

    A session is reminded on the last open working day before its day, so on an open day the reminders
    cover every day after it up to and including the next open day (Friday covers Saturday to Monday).
    On a day that is not open, nothing is reminded (that day's sessions were reminded before).
    """
    if not is_open_day(today, working_days=working_days, closed_dates=closed_dates):
        return None
    return today + timedelta(days=1), next_open_day(today, working_days=working_days, closed_dates=closed_dates)


def reminder_day(session_day: date, *, working_days: Collection[int] = WEEKDAYS, closed_dates: Collection[date] = ()
                 ) -> date | None:
    """The day a session on `session_day` is reminded: the last open day before it (the day whose
    session_days_reminded_on covers it); None when no day within _MAX_DAYS before it is open."""
    candidate = session_day
    for _ in range(_MAX_DAYS):
        candidate -= timedelta(days=1)
        if is_open_day(candidate, working_days=working_days, closed_dates=closed_dates):
            return candidate
    return None


def reminder_run_reached(session_day: date, today: date, *, working_days: Collection[int] = WEEKDAYS,
                         closed_dates: Collection[date] = ()) -> bool:
    """Whether the reminders for a session on `session_day` are due by `today`: someone who gets a place from
    that day on (sign-up, the waiting list) is reminded at once, as the day's run may have passed already.
    (The outbox's campaign key keeps it to one reminder if the run comes after.)"""
    day = reminder_day(session_day, working_days=working_days, closed_dates=closed_dates)
    return day is None or today >= day
