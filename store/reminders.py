"""Which plans are due a reminder, decided in SQL and read in batches by plan id, so that a job over 50,000
people loads only the plans it will remind (not those reminded the most times already, nor those reminded
this week); and the reminders counted for a whole batch in one statement.

The rules are dialogs.rules.plan_rules' (review_reminder_due, draft_reminder_due); the jobs check each plan
against them again, so this query may only ever narrow what they would have found.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.orm import defer
from sqlmodel import Session, select

from store.models.core import Person
from store.models.plan import Plan

# The owner's stored conversation reference (about 1 KB of JSON each) is for the outbox worker, not the jobs:
# left unread, loaded only if something asks for it.
_NOT_THE_CHAT = defer(Person.conversation_reference)


def plans_awaiting_review_reminder(session: Session, *, states: Iterable[str], now: datetime, after: timedelta,
                                   max_reminders: int, after_plan_id: int = 0, limit: int = 200
                                   ) -> list[tuple[Plan, Person]]:
    """Plans (id > `after_plan_id`, ascending) waiting for review for `after` or longer, reminded fewer than
    `max_reminders` times and not within `after`, each with its owner."""
    threshold = now - after
    return list(session.exec(
        select(Plan, Person).join(Person, Person.id == Plan.person_id).options(_NOT_THE_CHAT)
        .where(Plan.id > after_plan_id, Plan.state.in_(list(states)), Plan.state_changed_at <= threshold,
               Plan.review_reminders < max_reminders,
               or_(Plan.last_review_reminder_at.is_(None), Plan.last_review_reminder_at <= threshold))
        .order_by(Plan.id).limit(limit)).all())


def drafts_due_reminder(session: Session, *, state: str, now: datetime, after: timedelta, max_reminders: int,
                        after_plan_id: int = 0, limit: int = 500) -> list[tuple[Plan, Person]]:
    """Drafts (id > `after_plan_id`, ascending) neither changed nor sent for `after`, reminded fewer than
    `max_reminders` times and not within `after`, each with its owner."""
    threshold = now - after
    return list(session.exec(
        select(Plan, Person).join(Person, Person.id == Plan.person_id).options(_NOT_THE_CHAT)
        .where(Plan.id > after_plan_id, Plan.state == state, Plan.state_changed_at <= threshold,
               Plan.updated_at <= threshold, Plan.draft_reminders < max_reminders,
               or_(Plan.last_draft_reminder_at.is_(None), Plan.last_draft_reminder_at <= threshold))
        .order_by(Plan.id).limit(limit)).all())


def count_review_reminders(session: Session, plan_ids: Sequence[int], *, now: datetime) -> None:
    """One reminder more on each of these plans, without a new version (reminders change nothing signed)."""
    if plan_ids:
        session.execute(update(Plan).where(Plan.id.in_(list(plan_ids)))
                        .values(review_reminders=Plan.review_reminders + 1, last_review_reminder_at=now)
                        .execution_options(synchronize_session=False))


def count_draft_reminders(session: Session, plan_ids: Sequence[int], *, now: datetime) -> None:
    if plan_ids:
        session.execute(update(Plan).where(Plan.id.in_(list(plan_ids)))
                        .values(draft_reminders=Plan.draft_reminders + 1, last_draft_reminder_at=now)
                        .execution_options(synchronize_session=False))
