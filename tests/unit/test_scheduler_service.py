"""APScheduler with its jobs in the application database (SQLite and PostgreSQL): the table comes from the
migration, jobs are registered once and keep their next run across restarts, and a run missed while the
app was down happens once at start-up."""

from __future__ import annotations

import asyncio
import threading
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import inspect, select

from dialogs.clock import SystemClock
from dialogs.config import DialogConfig
from scheduler.jobs import JobContext
from scheduler.service import ScheduledJob, SchedulerService, default_jobs
from store.models.scheduler import scheduler_jobs

STOCKHOLM = ZoneInfo("Europe/Stockholm")
RUNS: list[str] = []
RAN = threading.Event()


def record_run(context: JobContext) -> int:
    RUNS.append(datetime.now(timezone.utc).isoformat())
    RAN.set()
    return 0


@pytest.fixture
def context(db):
    return JobContext(db, SystemClock(), DialogConfig())


def _next_runs(db) -> dict[str, float | None]:
    with db.engine.connect() as connection:
        return dict(connection.execute(select(scheduler_jobs.c.id, scheduler_jobs.c.next_run_time)).all())


async def test_the_job_table_comes_from_the_migration_and_the_default_jobs_run_on_weekday_mornings(db, context):
    assert "apscheduler_jobs" in inspect(db.engine).get_table_names()
    assert _next_runs(db) == {}

    service = SchedulerService(context)
    service.start()
    try:
        jobs = {job.id: job for job in service.scheduler.get_jobs()}
    finally:
        service.shutdown()

    assert set(jobs) == {"plan_review_reminders", "plan_draft_reminders", "reassessment_reminders",
                         "directory_sync", "survey_rounds", "retention", "broadcasts",
                         "activity_reminders", "outbox_retention"} == set(_next_runs(db))
    nightly = jobs["directory_sync"].next_run_time.astimezone(STOCKHOLM)
    assert (nightly.hour, nightly.minute) == (2, 15), "the directory is synced at night, before the reminders"
    review = jobs["plan_review_reminders"].next_run_time.astimezone(STOCKHOLM)
    assert review.weekday() < 5 and (review.hour, review.minute) == (8, 30)
    assert jobs["plan_review_reminders"].coalesce and jobs["plan_review_reminders"].misfire_grace_time == 6 * 3600


async def test_a_restart_keeps_each_jobs_next_run_instead_of_registering_it_again(db, context):
    first = SchedulerService(context)
    first.start()
    first.shutdown()
    stored = _next_runs(db)

    second = SchedulerService(context)
    second.start()
    second.shutdown()

    assert _next_runs(db) == stored and len(stored) == len(default_jobs())


async def test_runs_missed_while_the_app_was_down_happen_once_at_start_up(db, context):
    job = ScheduledJob("test_every_ten_minutes", record_run, lambda tz: IntervalTrigger(minutes=10, timezone=tz))
    first = SchedulerService(context, jobs=[job])
    first.start()
    first.scheduler.pause()
    # The app went down an hour ago, just before a run: six runs were missed, all within the grace time.
    first.scheduler.modify_job(job.id, next_run_time=datetime.now(timezone.utc) - timedelta(hours=1))
    first.shutdown()
    RUNS.clear()
    RAN.clear()

    second = SchedulerService(context, jobs=[job])
    second.start()
    try:
        assert await asyncio.to_thread(RAN.wait, 10), "the missed run did not happen"
        next_run = second.scheduler.get_job(job.id).next_run_time
    finally:
        second.shutdown()

    assert len(RUNS) == 1, "coalesced: one run for the six missed"
    assert next_run > datetime.now(timezone.utc), "and the next run is in the future again"
