"""The table APScheduler's SQLAlchemyJobStore keeps its jobs in, declared here so migrations own it.

The columns are exactly those apscheduler.jobstores.sqlalchemy creates (3.x); the job store's own
create-if-missing then finds the table and does nothing.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, LargeBinary, Table, Unicode
from sqlmodel import SQLModel

SCHEDULER_JOBS_TABLE = "apscheduler_jobs"

scheduler_jobs = Table(
    SCHEDULER_JOBS_TABLE,
    SQLModel.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)
