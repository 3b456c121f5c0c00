"""When a survey round opens, reminds and closes: pure date rules, and the outbox campaign keys that make
every invitation, reminder and results notice go out once per person whatever restarts in between."""

from __future__ import annotations

from datetime import date, timedelta

# Reminders to those who have not answered: 7 and 14 days after opening, and 2 days before closing.
REMINDER_DAYS_AFTER_OPENING = (7, 14)
REMINDER_DAYS_BEFORE_CLOSING = 2
OCTOBER = 10


def default_period(today: date) -> tuple[date, date]:
    """The yearly round runs through October: this year's (from today, when October has begun), or next
    year's once this October is over."""
    closes = date(today.year, OCTOBER, 31)
    if today > closes:
        return date(today.year + 1, OCTOBER, 1), date(today.year + 1, OCTOBER, 31)
    return max(date(today.year, OCTOBER, 1), today), closes


def reminder_dates(opens_on: date, closes_on: date) -> list[tuple[str, date]]:
    """The reminders a round has, as (kind, local date), in date order; a date outside the open period or
    shared with an earlier reminder is dropped."""
    candidates = [(f"day{days}", opens_on + timedelta(days=days)) for days in REMINDER_DAYS_AFTER_OPENING]
    candidates.append(("closing", closes_on - timedelta(days=REMINDER_DAYS_BEFORE_CLOSING)))
    seen: set[date] = set()
    result = []
    for kind, day in sorted(candidates, key=lambda pair: pair[1]):
        if opens_on < day <= closes_on and day not in seen:
            seen.add(day)
            result.append((kind, day))
    return result


def reminder_due(opens_on: date, closes_on: date, today: date) -> tuple[str, date] | None:
    """The latest reminder whose date has come while the round is open: a job that missed a reminder sends
    the one that is due now, never two at once."""
    if not opens_on <= today <= closes_on:
        return None
    due = [(kind, day) for kind, day in reminder_dates(opens_on, closes_on) if day <= today]
    return due[-1] if due else None


def should_open(opens_on: date, closes_on: date, today: date) -> bool:
    return opens_on <= today <= closes_on


def should_close(closes_on: date, today: date) -> bool:
    """The round takes answers all of its last day, and closes the day after."""
    return today > closes_on


def invitation_campaign(round_id: int) -> str:
    return f"survey-invite:{round_id}"


def reminder_campaign(round_id: int, kind: str) -> str:
    return f"survey-reminder:{round_id}:{kind}"


def results_campaign(round_id: int) -> str:
    return f"survey-results:{round_id}"
