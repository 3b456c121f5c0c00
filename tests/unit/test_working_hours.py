"""Quiet hours: named cases for the edges, and every hour of 2026 against a brute-force oracle."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from dialogs.rules.working_hours import is_within_working_hours, next_allowed_moment

STOCKHOLM = ZoneInfo("Europe/Stockholm")
UTC = timezone.utc
WINDOW = dict(tz=STOCKHOLM, start=time(8, 0), end=time(17, 0))


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=STOCKHOLM)


def allowed(moment: datetime, **overrides) -> datetime:
    return next_allowed_moment(moment, **{**WINDOW, **overrides})


@pytest.mark.parametrize(
    ("moment", "expected", "why"),
    [
        (local(2026, 3, 10, 10, 0), local(2026, 3, 10, 10, 0), "Tuesday morning is inside the window"),
        (local(2026, 3, 10, 8, 0), local(2026, 3, 10, 8, 0), "the window opens at 08:00 sharp"),
        (local(2026, 3, 10, 7, 59, 59), local(2026, 3, 10, 8, 0), "just before opening waits for 08:00"),
        (local(2026, 3, 10, 16, 59, 59), local(2026, 3, 10, 16, 59, 59), "the last second before 17:00"),
        (local(2026, 3, 10, 17, 0), local(2026, 3, 11, 8, 0), "17:00 is closed: next morning"),
        (local(2026, 3, 10, 23, 30), local(2026, 3, 11, 8, 0), "late evening waits for the next morning"),
        (local(2026, 3, 13, 17, 0), local(2026, 3, 16, 8, 0), "Friday evening waits for Monday"),
        (local(2026, 3, 14, 12, 0), local(2026, 3, 16, 8, 0), "Saturday noon waits for Monday"),
        (local(2026, 3, 15, 23, 59), local(2026, 3, 16, 8, 0), "Sunday night waits for Monday"),
        (local(2026, 3, 16, 0, 0), local(2026, 3, 16, 8, 0), "Monday midnight waits for 08:00"),
        # Spring forward: Sunday 2026-03-29 02:00 CET -> 03:00 CEST.
        (local(2026, 3, 27, 18, 0), local(2026, 3, 30, 8, 0), "Friday before spring DST: Monday 08:00 CEST"),
        (local(2026, 3, 29, 2, 30), local(2026, 3, 30, 8, 0), "a moment in the DST gap itself"),
        # Fall back: Sunday 2026-10-25 03:00 CEST -> 02:00 CET.
        (local(2026, 10, 23, 17, 30), local(2026, 10, 26, 8, 0), "Friday before autumn DST: Monday 08:00 CET"),
        (local(2026, 10, 25, 2, 30), local(2026, 10, 26, 8, 0), "the repeated hour on the DST Sunday"),
    ],
)
def test_named_edges(moment: datetime, expected: datetime, why: str):
    assert allowed(moment) == expected.astimezone(UTC), why


def test_monday_after_spring_dst_opens_at_six_utc_and_after_autumn_dst_at_seven_utc():
    assert allowed(local(2026, 3, 29, 12, 0)) == datetime(2026, 3, 30, 6, 0, tzinfo=UTC)
    assert allowed(local(2026, 10, 25, 12, 0)) == datetime(2026, 10, 26, 7, 0, tzinfo=UTC)


def test_result_is_utc_and_an_allowed_moment_keeps_its_microseconds():
    moment = datetime(2026, 3, 10, 9, 15, 3, 123456, tzinfo=UTC)

    result = allowed(moment)

    assert result == moment and result.tzinfo == UTC


def test_a_window_starting_inside_the_spring_gap_opens_just_after_the_gap():
    every_day = range(7)

    result = allowed(local(2026, 3, 29, 0, 0), start=time(2, 30), end=time(5, 0), workdays=every_day)

    assert result == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 03:30 CEST, the first moment that exists


def test_a_window_starting_in_the_repeated_autumn_hour_opens_at_its_first_occurrence():
    every_day = range(7)

    result = allowed(local(2026, 10, 25, 0, 0), start=time(2, 30), end=time(5, 0), workdays=every_day)

    assert result == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST, before the clocks go back


def test_closed_dates_are_skipped_like_weekends():
    midsummer_eve, christmas_eve = date(2026, 6, 19), date(2026, 12, 24)

    assert allowed(local(2026, 6, 18, 17, 0), closed_dates={midsummer_eve}) == local(2026, 6, 22, 8, 0)
    assert allowed(local(2026, 12, 24, 9, 0), closed_dates={christmas_eve}) == local(2026, 12, 25, 8, 0)


def test_other_working_hours_from_settings_are_honoured():
    assert allowed(local(2026, 3, 10, 8, 30), start=time(9, 0), end=time(15, 30)) == local(2026, 3, 10, 9, 0)
    assert allowed(local(2026, 3, 10, 15, 30), start=time(9, 0), end=time(15, 30)) == local(2026, 3, 11, 9, 0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(moment=datetime(2026, 3, 10, 10, 0)), "timezone-aware"),
        (dict(start=time(17, 0), end=time(8, 0)), "start before"),
        (dict(workdays=()), "workday"),
    ],
)
def test_invalid_input_is_refused(kwargs, message):
    arguments = {"moment": local(2026, 3, 10, 10, 0), **WINDOW, **kwargs}
    moment = arguments.pop("moment")
    with pytest.raises(ValueError, match=message):
        next_allowed_moment(moment, **arguments)


def test_every_open_day_closed_is_a_configuration_error():
    every_day = {date(2026, 1, 1) + timedelta(days=n) for n in range(500)}
    with pytest.raises(ValueError, match="no open day"):
        allowed(local(2026, 1, 1, 9, 0), closed_dates=every_day)


def _oracle(moment: datetime) -> datetime:
    """For a quarter-hour `moment`: the first quarter-hour at or after it whose Stockholm wall time is a weekday 08:00-16:59."""
    step = moment.astimezone(UTC)
    while True:
        wall = step.astimezone(STOCKHOLM)
        if wall.weekday() < 5 and time(8, 0) <= wall.time() < time(17, 0):
            return step
        step += timedelta(minutes=15)


def test_every_hour_and_quarter_of_2026_agrees_with_a_brute_force_oracle():
    moment = datetime(2026, 1, 1, 0, 0, tzinfo=UTC)
    checked = 0
    while moment.year == 2026:
        expected = _oracle(moment)
        assert allowed(moment) == expected, moment.astimezone(STOCKHOLM).isoformat()
        assert is_within_working_hours(moment, **WINDOW) == (expected == moment)
        moment += timedelta(minutes=45)  # 45 min lands on every quarter-hour of the day over a year
        checked += 1
    assert checked > 11_000
