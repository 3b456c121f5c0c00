"""When a person is reminded to assess themselves again: a year after their latest finished self-assessment."""

from __future__ import annotations

from datetime import datetime, timedelta

# DESIGN.md §2: the employee flow ends with a yearly reminder to reassess. 365 days rather than "the same date
# next year": a plain interval is the same on every database, and a day either way does not matter here.
REASSESS_AFTER = timedelta(days=365)

CAMPAIGN_PREFIX = "reassess:"


def reassessment_due(*, finished_at: datetime, now: datetime) -> bool:
    return finished_at <= now - REASSESS_AFTER


def reassessment_campaign(person_id: int, assessment_id: int) -> str:
    """One reminder per person and latest assessment: never twice for it, and again after the next one."""
    return f"{CAMPAIGN_PREFIX}{person_id}:{assessment_id}"
