"""The scheduled jobs, as plain functions of a JobContext: reminders about development plans, and the yearly
reminder to assess oneself again.

Each job opens its own transaction, takes a PostgreSQL advisory lock so that one instance runs it at a
time, and is idempotent anyway: a reminder is counted on the plan in the same transaction that enqueues
it, and each reminder has its own outbox campaign key, so a second run finds nothing due.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import text
from sqlmodel import Session

from dialogs.clock import Clock
from dialogs.config import DialogConfig
from dialogs.notify import notify
from dialogs.plan import notify_reviewers
from dialogs.rules.plan_rules import (
    AWAITING_REVIEW, DRAFT_REMINDER_AFTER, REVIEW_REMINDER_AFTER, draft_reminder_due, review_reminder_due,
)
from dialogs.rules.reassessment import CAMPAIGN_PREFIX, REASSESS_AFTER, reassessment_campaign
from cards.plan import draft_reminder_card
from cards.reassessment import reassessment_reminder_card
from store import directory, outbox, plans
from store.reassessment import due_for_reassessment
from store.db import Database
from store.models.core import Person
from store.models.plan import PlanState
from store.people import aware

log = logging.getLogger(__name__)

# pg_try_advisory_xact_lock keys: fixed, distinct per job (and unlikely to clash with anyone else's).
LOCK_KEYS = {"plan_review_reminders": 0x4B4C_0401, "plan_draft_reminders": 0x4B4C_0402,
             "reassessment_reminders": 0x4B4C_0403}
# People read and reminded per transaction: each batch commits, so the outbox starts sending while the rest wait.
REASSESSMENT_BATCH = 500


@dataclass(frozen=True)
class JobContext:
    db: Database
    clock: Clock
    config: DialogConfig
    # Thread-safe: jobs run in the scheduler's worker threads.
    wake_outbox: Callable[[], None] | None = None
    # Sent outbox rows (each with its whole card) are deleted after this long.
    outbox_retention: timedelta = timedelta(days=30)
    # Told of each run's outcome ("ok" or "failed"), for /metrics.
    on_job_done: Callable[[str, str], None] | None = None


def holds_job_lock(session: Session, job: str) -> bool:
    """On PostgreSQL: True if this transaction got the job's advisory lock (released at commit).
    SQLite serves one instance, so there is nothing to coordinate."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(session.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": LOCK_KEYS[job]}).scalar())


def remind_waiting_reviews(ctx: JobContext) -> int:
    """Managers whose report's plan has waited more than 7 days: a reminder a week, at most 3 per plan."""
    now = ctx.clock.now()
    enqueued = 0
    with ctx.db.session() as session:
        if not holds_job_lock(session, "plan_review_reminders"):
            log.info("plan review reminders: another instance is running them")
            return 0
        for plan in plans.plans_in_states(session, AWAITING_REVIEW, changed_before=now - REVIEW_REMINDER_AFTER):
            times = plans.times_of(plan)
            if not review_reminder_due(state=plan.state, waiting_since=times.state_changed_at,
                                       reminders_sent=plan.review_reminders,
                                       last_reminder_at=times.last_review_reminder_at, now=now):
                continue
            employee = directory.entry_for_person_id(session, plan.person_id)
            owner = session.get(Person, plan.person_id)
            if employee is None or not employee.active or owner is None:
                continue
            reviewers = directory.reviewers_of(session, employee, now=now)
            sent = notify_reviewers(session, plan, reviewers, employee=employee, now=now, config=ctx.config,
                                    tenant_id=owner.tenant_id, notice_key="review.reminder",
                                    notice_params={"days": (now - times.state_changed_at).days},
                                    campaign=f"plan-review-reminder:{plan.id}:{plan.review_reminders + 1}")
            if sent:
                plans.count_review_reminder(session, plan, now=now)
                enqueued += sent
    log.info("plan review reminders: %s enqueued", enqueued)
    if enqueued and ctx.wake_outbox:
        ctx.wake_outbox()
    return enqueued


def remind_unsent_drafts(ctx: JobContext) -> int:
    """Employees whose draft has not been touched or sent for 7 days: at most 2 reminders, a week apart."""
    now = ctx.clock.now()
    enqueued = 0
    with ctx.db.session() as session:
        if not holds_job_lock(session, "plan_draft_reminders"):
            log.info("plan draft reminders: another instance is running them")
            return 0
        for plan in plans.plans_in_states(session, [PlanState.DRAFT], changed_before=now - DRAFT_REMINDER_AFTER):
            times = plans.times_of(plan)
            idle_since = max(times.state_changed_at, aware(plan.updated_at))
            if not draft_reminder_due(state=plan.state, idle_since=idle_since, reminders_sent=plan.draft_reminders,
                                      last_reminder_at=times.last_draft_reminder_at, now=now):
                continue
            owner = session.get(Person, plan.person_id)
            if owner is None:
                continue
            days = (now - idle_since).days
            if notify(session, recipient=owner, campaign=f"plan-draft-reminder:{plan.id}:{plan.draft_reminders + 1}",
                      card=lambda lang, period=plan.period, days=days: draft_reminder_card(lang, period=period,
                                                                                          days=days),
                      now=now, config=ctx.config):
                plans.count_draft_reminder(session, plan, now=now)
                enqueued += 1
    log.info("plan draft reminders: %s enqueued", enqueued)
    if enqueued and ctx.wake_outbox:
        ctx.wake_outbox()
    return enqueued


def remind_to_reassess(ctx: JobContext, *, batch_size: int = REASSESSMENT_BATCH) -> int:
    """People whose latest finished self-assessment is a year old: one reminder per such assessment.

    Batches of people by id, each in its own transaction under the job's lock; a batch another instance
    handled meanwhile finds its people already reminded (the query leaves out anyone with the campaign)."""
    now = ctx.clock.now()
    enqueued = 0
    after_person_id = 0
    while True:
        with ctx.db.session() as session:
            if not holds_job_lock(session, "reassessment_reminders"):
                log.info("reassessment reminders: another instance is running them")
                break
            due = due_for_reassessment(session, finished_before=now - REASSESS_AFTER, now=now,
                                       campaign_prefix=CAMPAIGN_PREFIX, after_person_id=after_person_id,
                                       limit=batch_size)
            batch = 0
            for item in due:
                last_assessed = item.finished_at.astimezone(ctx.config.tz).date()
                if notify(session, recipient=item.person,
                          campaign=reassessment_campaign(item.person.id, item.assessment_id),
                          card=lambda lang, day=last_assessed: reassessment_reminder_card(lang, last_assessed=day),
                          now=now, config=ctx.config):
                    batch += 1
            last_person_id = due[-1].person.id if due else after_person_id
        enqueued += batch
        if batch and ctx.wake_outbox:
            ctx.wake_outbox()
        if len(due) < batch_size:
            break
        after_person_id = last_person_id
    log.info("reassessment reminders: %s enqueued", enqueued)
    return enqueued


PURGE_BATCH = 5000


def purge_sent_messages(ctx: JobContext, *, batch_size: int = PURGE_BATCH) -> int:
    """Deletes outbox rows sent more than `ctx.outbox_retention` ago, a batch per transaction."""
    sent_before = ctx.clock.now() - ctx.outbox_retention
    purged = 0
    while True:
        with ctx.db.session() as session:
            batch = outbox.purge_sent(session, sent_before=sent_before, limit=batch_size)
        purged += batch
        if batch < batch_size:
            break
    log.info("outbox retention: %s sent messages older than %s deleted", purged, ctx.outbox_retention)
    return purged
