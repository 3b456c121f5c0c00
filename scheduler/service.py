"""APScheduler 3.x in the app: an AsyncIOScheduler whose jobs live in the application database.

The job table (apscheduler_jobs) is created by migration 0003_directory_plan, not by the job store, so
migrations own the whole schema; the job store's create-if-missing then finds it and does nothing.

Jobs are registered once and kept across restarts: a job already in the table keeps its next run time, so a
run missed while the app was down happens at start-up if it is within `misfire_grace_time`, and several
missed runs coalesce into one. The stored job is a reference to `run_job` with the job's id; the context it
needs (database, clock, settings) cannot be pickled, so the running service lends it through a registry.
Only the elected leader runs a scheduler (scheduler.leader), so the job store is never shared; the jobs
still lock and are idempotent (scheduler.jobs), should a deposed leader's run overlap its successor's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from scheduler.broadcasts import BROADCAST_CHECK_SECONDS, advance_broadcasts
from scheduler.jobs import (
    JobContext, delete_expired_records, purge_sent_messages, remind_activity_sessions, remind_to_reassess,
    remind_unsent_drafts, remind_waiting_reviews, run_survey_rounds, sync_directories,
)
from store.models.scheduler import SCHEDULER_JOBS_TABLE

log = logging.getLogger(__name__)

MISFIRE_GRACE = 6 * 3600  # a daily reminder missed by up to six hours still runs (once)


@dataclass(frozen=True)
class ScheduledJob:
    id: str
    func: Callable[[JobContext], int]
    trigger: Callable[[ZoneInfo], BaseTrigger]


def default_jobs() -> list[ScheduledJob]:
    """Daily on weekdays, early in working hours; the jobs themselves decide what is due."""
    return [
        ScheduledJob("plan_review_reminders", remind_waiting_reviews,
                     lambda tz: CronTrigger(day_of_week="mon-fri", hour=8, minute=30, timezone=tz)),
        ScheduledJob("plan_draft_reminders", remind_unsent_drafts,
                     lambda tz: CronTrigger(day_of_week="mon-fri", hour=9, minute=0, timezone=tz)),
        ScheduledJob("reassessment_reminders", remind_to_reassess,
                     lambda tz: CronTrigger(day_of_week="mon-fri", hour=9, minute=30, timezone=tz)),
        # Every night, before anyone is at work: managers and units are right by the morning's reminders.
        ScheduledJob("directory_sync", sync_directories, lambda tz: CronTrigger(hour=2, minute=15, timezone=tz)),
        # Opens, reminds and closes survey rounds; on working mornings, so reminders go out at once and stop
        # for whoever answered the day before.
        ScheduledJob("survey_rounds", run_survey_rounds,
                     lambda tz: CronTrigger(day_of_week="mon-fri", hour=8, minute=15, timezone=tz)),
        # Retention: nightly, outside working hours (RETENTION_YEARS, default 5).
        ScheduledJob("retention", delete_expired_records,
                     lambda tz: CronTrigger(hour=3, minute=30, timezone=tz)),
        ScheduledJob("broadcasts", advance_broadcasts,
                     lambda tz: IntervalTrigger(seconds=BROADCAST_CHECK_SECONDS, timezone=tz)),
        ScheduledJob("activity_reminders", remind_activity_sessions,
                     lambda tz: CronTrigger(day_of_week="mon-fri", hour=8, minute=15, timezone=tz)),
        # Housekeeping sends nothing, so any night will do.
        ScheduledJob("outbox_retention", purge_sent_messages,
                     lambda tz: CronTrigger(hour=3, minute=15, timezone=tz)),
    ]


# The running service's context and job functions, by job id: what `run_job` needs but cannot be pickled.
_RUNNING: dict[str, tuple[JobContext, Callable[[JobContext], int]]] = {}


def run_job(job_id: str) -> int:
    """What the job store keeps a reference to; runs the job with the running service's context."""
    running = _RUNNING.get(job_id)
    if running is None:
        log.warning("scheduled job %s fired with no running scheduler service; skipped", job_id)
        return 0
    context, func = running
    try:
        result = func(context)
    except Exception:
        log.exception("scheduled job %s failed", job_id)
        if context.on_job_done:
            context.on_job_done(job_id, "failed")
        raise
    if context.on_job_done:
        context.on_job_done(job_id, "ok")
    return result


class SchedulerService:
    def __init__(self, context: JobContext, *, jobs: Sequence[ScheduledJob] | None = None,
                 misfire_grace_time: int = MISFIRE_GRACE) -> None:
        self._context = context
        self._jobs = list(default_jobs() if jobs is None else jobs)
        self._tz = context.config.tz
        self._misfire_grace_time = misfire_grace_time
        self.scheduler = self._new_scheduler()
        self._started_before = False

    def _new_scheduler(self) -> AsyncIOScheduler:
        return AsyncIOScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=self._context.db.engine, tablename=SCHEDULER_JOBS_TABLE)},
            job_defaults={"coalesce": True, "misfire_grace_time": self._misfire_grace_time, "max_instances": 1},
            timezone=self._tz,
        )

    def start(self) -> None:
        """Starts paused, registers the jobs (keeping stored ones), then runs: a missed run fires right away.
        May be called again after shutdown (leadership lost and won back): a fresh scheduler then starts."""
        if self._started_before:
            self.scheduler = self._new_scheduler()
        self._started_before = True
        for job in self._jobs:
            _RUNNING[job.id] = (self._context, job.func)
        self.scheduler.start(paused=True)
        for job in self._jobs:
            trigger = job.trigger(self._tz)
            stored = self.scheduler.get_job(job.id)
            if stored is None:
                self.scheduler.add_job(run_job, trigger=trigger, args=[job.id], id=job.id, name=job.id)
                log.info("scheduled job %s added: %s", job.id, trigger)
            elif str(stored.trigger) != str(trigger):
                self.scheduler.reschedule_job(job.id, trigger=trigger)
                log.info("scheduled job %s rescheduled: %s", job.id, trigger)
        self.scheduler.resume()

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        for job in self._jobs:
            if _RUNNING.get(job.id, (None,))[0] is self._context:
                del _RUNNING[job.id]
