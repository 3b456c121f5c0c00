"""The scheduled jobs, as plain functions of a JobContext: reminders about development plans, and the yearly
reminder to assess oneself again.

Only the scheduler's leader runs them (scheduler.leader). Each job reads what is due in SQL, in batches
by id, a transaction per batch that also takes the job's PostgreSQL advisory lock (should a deposed
leader's run overlap its successor's), and is idempotent anyway: a reminder is counted on the plan in the
same transaction that enqueues it, and each reminder has its own outbox campaign key, so a second run
finds nothing due.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlmodel import Session

from dialogs.clock import Clock
from dialogs.config import DialogConfig
from dialogs.notify import quiet_hours_end, recipient_lang
from dialogs.plan import review_reminders
from dialogs.rules.plan_rules import (
    AWAITING_REVIEW, DRAFT_REMINDER_AFTER, DRAFT_REMINDERS_MAX, REVIEW_REMINDER_AFTER, REVIEW_REMINDERS_MAX,
    draft_reminder_due, review_reminder_due,
)
from dialogs.rules.reassessment import CAMPAIGN_PREFIX, REASSESS_AFTER, reassessment_campaign
from cards.plan import draft_reminder_card
from cards.reassessment import reassessment_reminder_card
from store import outbox, plans, reminders
from store.reassessment import due_for_reassessment
from store.db import Database
from store.models.core import Person
from store.models.plan import Plan, PlanState
from store.people import aware

log = logging.getLogger(__name__)

# pg_try_advisory_xact_lock keys: fixed, distinct per job (and unlikely to clash with anyone else's).
LOCK_KEYS = {"plan_review_reminders": 0x4B4C_0401, "plan_draft_reminders": 0x4B4C_0402,
             "reassessment_reminders": 0x4B4C_0403, "directory_sync": 0x4B4C_0404, "survey_rounds": 0x4B4C_0406,
             "retention": 0x4B4C_0407, "broadcasts": 0x4B4C_0408, "activity_reminders": 0x4B4C_0D01}
# People read and reminded per transaction: each batch commits, so the outbox starts sending while the rest wait.
REASSESSMENT_BATCH = 500
PLAN_BATCH = 500
DRAFT_BATCH = 500


@dataclass(frozen=True)
class JobContext:
    db: Database
    clock: Clock
    config: DialogConfig
    # Thread-safe: jobs run in the scheduler's worker threads.
    wake_outbox: Callable[[], None] | None = None
    # A Microsoft Graph client for a tenant (bot.graph.graph_client_for with the app's settings), if set up.
    graph_for: Callable[[str | None], Any] | None = None
    teams_app_id: str = ""  # the app's id in the tenant's catalog, for installing it for people
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


def remind_waiting_reviews(ctx: JobContext, *, batch_size: int = PLAN_BATCH) -> int:
    """Managers whose report's plan has waited more than 7 days: a reminder a week, at most 3 per plan.

    Set-based, a batch per transaction: the plans due are chosen in SQL (store.reminders); their reviewers,
    views and cards are read for the whole batch at once (dialogs.plan.review_reminders), enqueued in one
    statement and counted in another, so the statements grow with the batches, not the plans."""
    now = ctx.clock.now()
    enqueued = 0
    after_plan_id = 0
    while True:
        with ctx.db.session() as session:
            if not holds_job_lock(session, "plan_review_reminders"):
                log.info("plan review reminders: another instance is running them")
                break
            due = reminders.plans_awaiting_review_reminder(
                session, states=AWAITING_REVIEW, now=now, after=REVIEW_REMINDER_AFTER,
                max_reminders=REVIEW_REMINDERS_MAX, after_plan_id=after_plan_id, limit=batch_size)
            # The rule itself decides, on top of the query's narrowing.
            waiting = [(plan, owner) for plan, owner in due if _review_reminder_due(plan, now)]
            cards = review_reminders(session, waiting, now=now, config=ctx.config)
            added = outbox.enqueue_rows(session, rows=[(r.campaign, r.recipient_person_id, r.card) for r in cards],
                                        now=now, not_before=quiet_hours_end(now, ctx.config))
            reminders.count_review_reminders(
                session, sorted({r.plan_id for r in cards if (r.campaign, r.recipient_person_id) in added}), now=now)
        enqueued += len(added)
        if added and ctx.wake_outbox:
            ctx.wake_outbox()
        if len(due) < batch_size:
            break
        after_plan_id = due[-1][0].id
    log.info("plan review reminders: %s enqueued", enqueued)
    return enqueued


def _review_reminder_due(plan: Plan, now: datetime) -> bool:
    times = plans.times_of(plan)
    return review_reminder_due(state=plan.state, waiting_since=times.state_changed_at,
                               reminders_sent=plan.review_reminders, last_reminder_at=times.last_review_reminder_at,
                               now=now)


def remind_unsent_drafts(ctx: JobContext, *, batch_size: int = DRAFT_BATCH) -> int:
    """Employees whose draft has not been touched or sent for 7 days: at most 2 reminders, a week apart.

    Set-based: a batch of due drafts is read in one query, its reminders enqueued in one statement and
    counted in another."""
    now = ctx.clock.now()
    enqueued = 0
    after_plan_id = 0
    while True:
        with ctx.db.session() as session:
            if not holds_job_lock(session, "plan_draft_reminders"):
                log.info("plan draft reminders: another instance is running them")
                break
            due = reminders.drafts_due_reminder(session, state=PlanState.DRAFT, now=now, after=DRAFT_REMINDER_AFTER,
                                                max_reminders=DRAFT_REMINDERS_MAX, after_plan_id=after_plan_id,
                                                limit=batch_size)
            rows, plan_of = [], {}
            for plan, owner in due:
                times = plans.times_of(plan)
                idle_since = max(times.state_changed_at, aware(plan.updated_at))
                if not draft_reminder_due(state=plan.state, idle_since=idle_since,
                                          reminders_sent=plan.draft_reminders,
                                          last_reminder_at=times.last_draft_reminder_at, now=now):
                    continue
                campaign = f"plan-draft-reminder:{plan.id}:{plan.draft_reminders + 1}"
                card = draft_reminder_card(recipient_lang(owner, ctx.config), period=plan.period,
                                           days=(now - idle_since).days)
                rows.append((campaign, owner.id, card))
                plan_of[campaign] = plan.id
            added = outbox.enqueue_rows(session, rows=rows, now=now, not_before=quiet_hours_end(now, ctx.config))
            reminders.count_draft_reminders(session, [plan_of[campaign] for campaign, _ in added], now=now)
        enqueued += len(added)
        if added and ctx.wake_outbox:
            ctx.wake_outbox()
        if len(due) < batch_size:
            break
        after_plan_id = due[-1][0].id
    log.info("plan draft reminders: %s enqueued", enqueued)
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
            # The batch's reminders in one statement; one already there (another run) is skipped.
            rows = [(reassessment_campaign(item.person.id, item.assessment_id), item.person.id,
                     reassessment_reminder_card(recipient_lang(item.person, ctx.config),
                                                last_assessed=item.finished_at.astimezone(ctx.config.tz).date()))
                    for item in due]
            batch = len(outbox.enqueue_rows(session, rows=rows, now=now, not_before=quiet_hours_end(now, ctx.config)))
            last_person_id = due[-1].person.id if due else after_person_id
        enqueued += batch
        if batch and ctx.wake_outbox:
            ctx.wake_outbox()
        if len(due) < batch_size:
            break
        after_person_id = last_person_id
    log.info("reassessment reminders: %s enqueued", enqueued)
    return enqueued


def sync_directories(ctx: JobContext) -> int:
    """Nightly: every organisation set up for Graph with --nightly gets a (delta) sync; returns how many synced.

    One organisation's failure is logged and the others still sync; the lock keeps a second instance out for
    as long as the syncs run (each sync commits on its own, so the lock is held on a connection of its own)."""
    from dialogs.directory_sync import install_app_where_missing, sync_directory
    from store.directory_sync import graph_organisations, source_of

    if ctx.graph_for is None:
        return 0
    with ctx.db.session() as lock_session:
        if not holds_job_lock(lock_session, "directory_sync"):
            return 0
        with ctx.db.session() as session:
            organisations = [(o.key, o.tenant_id, source_of(session, o.id).install_app)
                             for o in graph_organisations(session, nightly_only=True)]
        synced = 0
        for key, tenant, install in organisations:
            try:
                graph = ctx.graph_for(tenant)
                result = sync_directory(ctx.db, ctx.config, graph, organisation_key=key, now=ctx.clock.now())
                if install and ctx.teams_app_id:
                    # Before the morning's invitations and broadcasts, so they reach people new to the app.
                    installed = install_app_where_missing(ctx.db, graph, organisation_key=key,
                                                          teams_app_id=ctx.teams_app_id, now=ctx.clock.now())
                    log.info("app installation for %s: %s", key, installed)
            except Exception:
                log.exception("nightly directory sync of %s failed; the next night reads the same changes", key)
                continue
            log.info("nightly directory sync of %s: %s", key, "; ".join(result.lines()[:2]))
            synced += result.ok
        if synced and ctx.wake_outbox:
            ctx.wake_outbox()
        return synced


def run_survey_rounds(ctx: JobContext) -> int:
    """The digital maturity survey's day: open rounds whose first day has come, invite everyone in scope not
    yet invited (people who joined since, too), remind those who have not answered when a reminder is due,
    close rounds whose last day has passed and tell the coordinators. Batches of people, each in its own
    transaction under the job's lock; outbox campaign keys make every message go out once per person."""
    from dialogs import survey as survey_dialog
    from store import survey as survey_store
    from store.models.survey import RoundStatus

    now = ctx.clock.now()
    enqueued = 0
    with ctx.db.session() as session:
        if not holds_job_lock(session, "survey_rounds"):
            log.info("survey rounds: another instance is running them")
            return 0
        survey_dialog.open_due_rounds(session, now=now, config=ctx.config)
        round_ids = [r.id for r in survey_store.rounds_in_status(session, RoundStatus.OPEN)]

    def batches(round_id: int, step, cursor_name: str) -> int:
        total, cursor = 0, 0
        while cursor is not None:
            with ctx.db.session() as session:
                if not holds_job_lock(session, "survey_rounds"):
                    return total
                survey_round = survey_store.get_round(session, round_id)
                if survey_round is None or survey_round.status != RoundStatus.OPEN:
                    return total
                sent, cursor = step(session, survey_round, now=now, config=ctx.config, **{cursor_name: cursor})
            total += sent
            if sent and ctx.wake_outbox:
                ctx.wake_outbox()
        return total

    for round_id in round_ids:
        with ctx.db.session() as session:
            survey_round = survey_store.get_round(session, round_id, for_update=True)
            if survey_round is None or survey_round.status != RoundStatus.OPEN:
                continue
            closed = survey_dialog.close_if_due(session, survey_round, now=now, config=ctx.config)
            is_closed = survey_round.status == RoundStatus.CLOSED
        if is_closed:
            enqueued += closed
            continue
        enqueued += batches(round_id, survey_dialog.invite_batch, "after_entry_id")
        enqueued += batches(round_id, survey_dialog.remind_batch, "after_invitation_id")
    if enqueued and ctx.wake_outbox:
        ctx.wake_outbox()
    log.info("survey rounds: %s messages enqueued", enqueued)
    return enqueued


def delete_expired_records(ctx: JobContext) -> int:
    """Deletes finished assessments and plans older than the configured years (RETENTION_YEARS, default 5);
    one audit event per run says how many (store.reports.delete_old_records)."""
    from store.reports import delete_old_records, years_before

    now = ctx.clock.now()
    with ctx.db.session() as session:
        if not holds_job_lock(session, "retention"):
            log.info("retention: another instance is running it")
            return 0
        result = delete_old_records(session, cutoff=years_before(now, ctx.config.retention_years), now=now,
                                    actor="scheduler:retention")
    log.info("retention: deleted %s assessments and %s plans of %s people", result.assessments, result.plans,
             result.people)
    return result.assessments + result.plans


# ---- learning activities (issue 13) ------------------------------------------------------------------------

def remind_activity_sessions(ctx: JobContext) -> int:
    """People signed up for a dated activity get a reminder on the last working day before each of its sessions
    (a Monday session on the Friday), through the outbox and its quiet hours; once per session and person."""
    from datetime import datetime as _datetime, time as _time

    from dialogs.activities import reminder_for
    from dialogs.rules.activity_rules import session_days_reminded_on
    from store.activities import sessions_starting_between, signups_for_activity
    from store.models.activity import SignupStatus

    now = ctx.clock.now()
    tz = ctx.config.tz
    days = session_days_reminded_on(now.astimezone(tz).date(), working_days=ctx.config.working_days,
                                    closed_dates=ctx.config.closed_dates)
    if days is None:
        return 0
    first = _datetime.combine(days[0], _time(0), tzinfo=tz)
    last = _datetime.combine(days[1], _time(23, 59, 59), tzinfo=tz)
    enqueued = 0
    with ctx.db.session() as session:
        if not holds_job_lock(session, "activity_reminders"):
            log.info("activity reminders: another instance is running them")
            return 0
        # Each session of a course of several meetings is reminded the working day before it.
        for activity, meeting in sessions_starting_between(session, starts_from=first, starts_until=last):
            for signup in signups_for_activity(session, activity_id=activity.id, statuses=[SignupStatus.SIGNED_UP]):
                person = session.get(Person, signup.person_id)
                if person is not None and reminder_for(session, activity, person, now=now, config=ctx.config,
                                                       meeting=meeting):
                    enqueued += 1
    log.info("activity reminders: %s enqueued", enqueued)
    if enqueued and ctx.wake_outbox:
        ctx.wake_outbox()
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
