"""The day a session is reminded, and whether a place given on some day is already past that day's run."""

from __future__ import annotations

from datetime import date

from dialogs.rules.activity_rules import reminder_day, reminder_run_reached, session_days_reminded_on

MONDAY, TUESDAY = date(2026, 3, 16), date(2026, 3, 17)
FRIDAY, SATURDAY = date(2026, 3, 13), date(2026, 3, 14)


def test_a_monday_session_is_reminded_on_friday_and_a_tuesday_one_on_monday():
    assert reminder_day(MONDAY) == FRIDAY
    assert reminder_day(TUESDAY) == MONDAY


def test_a_closed_day_before_the_session_moves_the_reminder_to_the_open_day_before_it():
    assert reminder_day(TUESDAY, closed_dates={MONDAY}) == FRIDAY


def test_every_session_day_the_job_covers_has_that_day_as_its_reminder_day():
    for today in (FRIDAY, MONDAY, date(2026, 3, 18)):
        first, last = session_days_reminded_on(today)
        day = first
        while day <= last:
            assert reminder_day(day) == today
            day = date.fromordinal(day.toordinal() + 1)


def test_a_place_given_before_the_reminder_day_waits_for_the_run_and_from_that_day_on_is_reminded_at_once():
    assert not reminder_run_reached(TUESDAY, FRIDAY)
    assert reminder_run_reached(TUESDAY, MONDAY)
    assert reminder_run_reached(TUESDAY, TUESDAY)
    assert reminder_run_reached(MONDAY, SATURDAY), "Friday's run is over by the weekend"
