"""The broadcasts job: puts the rest of each confirmed broadcast's recipients in the outbox, batch by batch,
and notices when a broadcast is done, which sends its coordinator the final summary.

It runs every BROADCAST_CHECK_SECONDS, outside the outbox worker's path. Each batch is its own transaction
under the job's PostgreSQL advisory lock and the broadcast's row lock, and resumes from the broadcast's
cursor, so a crash or a second instance neither loses nor repeats a recipient (the outbox is idempotent per
campaign and recipient as well).
"""

from __future__ import annotations

import logging

from dialogs.broadcast import JOB_BATCH, fan_out_batch, finish_if_done
from scheduler.jobs import JobContext, holds_job_lock
from store import broadcasts
from store.models.broadcast import BroadcastStatus

log = logging.getLogger(__name__)

BROADCAST_CHECK_SECONDS = 30
# One run does at most this many batches per broadcast, so one huge broadcast cannot hold the job forever.
MAX_BATCHES_PER_RUN = 200


def advance_broadcasts(ctx: JobContext, *, batch_size: int = JOB_BATCH) -> int:
    """Returns how many outbox rows it added."""
    with ctx.db.session() as session:
        if not holds_job_lock(session, "broadcasts"):
            log.info("broadcasts: another instance is advancing them")
            return 0
        ids = [b.id for b in broadcasts.unfinished_broadcasts(session)]
    queued = 0
    for broadcast_id in ids:
        for _ in range(MAX_BATCHES_PER_RUN):
            with ctx.db.session() as session:
                if not holds_job_lock(session, "broadcasts"):
                    return queued
                broadcast = broadcasts.broadcast_by_id(session, broadcast_id, for_update=True)
                if broadcast is None or broadcast.status != BroadcastStatus.QUEUING:
                    break
                batch = fan_out_batch(session, broadcast, config=ctx.config, now=ctx.clock.now(), limit=batch_size)
            queued += batch.queued
            if batch.queued and ctx.wake_outbox:
                ctx.wake_outbox()
            if batch.done:
                break
        with ctx.db.session() as session:
            broadcast = broadcasts.broadcast_by_id(session, broadcast_id, for_update=True)
            if broadcast is not None and finish_if_done(session, broadcast, config=ctx.config, now=ctx.clock.now()):
                if ctx.wake_outbox:
                    ctx.wake_outbox()
    if queued:
        log.info("broadcasts: %s recipients queued", queued)
    return queued
