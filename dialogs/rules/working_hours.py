"""Quiet hours: messages that are not direct replies reach people only on weekdays inside working hours.

`next_allowed_moment` is the whole rule: a moment inside the window is returned unchanged, any other
moment moves to the start of the next window. Local wall-clock time decides, so the window stays
08:00-17:00 in Stockholm on both sides of a daylight-saving change.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

WEEKDAYS = frozenset({0, 1, 2, 3, 4})  # Monday .. Friday, as datetime.weekday() counts
# More than a year of consecutive closed days would be a configuration error, not a calendar.
_MAX_DAYS_AHEAD = 400


def next_allowed_moment(
    moment: datetime,
    *,
    tz: ZoneInfo,
    start: time,
    end: time,
    workdays: Collection[int] = WEEKDAYS,
    closed_dates: Collection[date] = (),
) -> datetime:
    """The earliest moment at or after `moment` inside [start, end) local time on an open day, in UTC.

    `closed_dates` are local dates with no messages (public holidays); `workdays` are weekday numbers.
    """
    if moment.tzinfo is None:
        raise ValueError("moment must be timezone-aware; naive datetimes are ambiguous across DST changes")
    if not start < end:
        raise ValueError(f"working hours must start before they end, not {start}-{end}")
    if not workdays:
        raise ValueError("at least one weekday must be a workday")
    local = moment.astimezone(tz)
    day = local.date()
    for _ in range(_MAX_DAYS_AHEAD):
        if day.weekday() in workdays and day not in closed_dates:
            opens, closes = _local(day, start, tz), _local(day, end, tz)
            if local < opens:
                return opens.astimezone(timezone.utc)
            if local < closes:
                return moment.astimezone(timezone.utc)
        day += timedelta(days=1)
        local = max(local, _local(day, time(0, 0), tz))
    raise ValueError(f"no open day within {_MAX_DAYS_AHEAD} days of {moment.isoformat()}")


def is_within_working_hours(
    moment: datetime,
    *,
    tz: ZoneInfo,
    start: time,
    end: time,
    workdays: Collection[int] = WEEKDAYS,
    closed_dates: Collection[date] = (),
) -> bool:
    return next_allowed_moment(
        moment, tz=tz, start=start, end=end, workdays=workdays, closed_dates=closed_dates
    ) == moment.astimezone(timezone.utc)


def _local(day: date, at: time, tz: ZoneInfo) -> datetime:
    """`at` on `day` in `tz`, normalised: a wall time inside a spring-forward gap comes out just past it."""
    return datetime.combine(day, at, tzinfo=tz).astimezone(timezone.utc).astimezone(tz)
