"""Each scheduled job over 50,000 people on PostgreSQL: its time and how many statements it sent.

    .venv/bin/python -m bench.jobs                    # 50,000 people (target: each job under 10 s)
    .venv/bin/python -m bench.jobs --people 5000      # a quick look

The organisation, in proportions like the city's: every person in the directory under a manager (one per
12 people), each with a chat with the bot; 1 to 3 finished self-assessments each, the latest more than a year
old for 1 in 12 (due a reminder to reassess); a plan for 60 %: 20 % of those drafts (half idle for more than
a week), 10 % waiting for the manager (half for more than a week, some reminded already, some the maximum
number of times), the rest approved or completed; a tenth of the managers away with another manager standing
in, and as many stand-in periods over; two sent outbox messages per person, 60 % of them older than the 30
days kept. Seeded with bulk inserts; the jobs then run one after another, each twice (the
second run finds nothing new to do: idempotence and the cost of finding nothing).
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import event, insert, text

from dialogs.clock import ManualClock
from dialogs.config import DialogConfig
from scheduler.jobs import (
    JobContext, purge_sent_messages, remind_to_reassess, remind_unsent_drafts, remind_waiting_reviews,
)
from store.db import Database
from store.models.assessment import Assessment
from store.models.core import Person
from store.models.directory import DirectoryEntry, Organisation, StandIn
from store.models.outbox import OutboxMessage
from store.models.plan import Plan
from tests.harness import PostgresDatabases, postgres_server_url

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)  # a Tuesday, 10:00 in Stockholm
TENANT = "8e3f1d2a-7c4b-4a9e-9f0d-2b6c5a4e1f00"
TEAM = 12
CARD = {"type": "AdaptiveCard", "version": "1.5",
        "body": [{"type": "TextBlock", "text": "Påminnelse: din utvecklingsplan väntar", "wrap": True}] * 8}


def _reference(n: int, aad: str) -> dict:
    """A conversation reference the size of Teams' (about 600 bytes of JSON: the outbox worker needs it)."""
    return {"activityId": f"1:1{n:011d}f7Tq9GzXkqHb3vN8aYtRz2LpW0sQ", "channelId": "msteams", "locale": "sv-SE",
            "bot": {"id": "28:3a9f6c1e-5d2b-4f8a-9c7e-1b2d3e4f5a6b", "name": "Kompetenslyft"},
            "conversation": {"conversationType": "personal", "tenantId": TENANT,
                             "id": f"a:1{n:08d}Xo9bT2kLmQ8vRzY4pN6sHcJ3dW7fG5aE1uK0iB-tC9xV2nM4qL8rS6wD3yF1hZ7jP5"},
            "user": {"id": f"29:1{n:08d}Vn3kX9qLmB7tRz2YpC5sHdJ8fW4gN6aE0uK1iQ-oM3xT7vL9rS2wD5yF8hZ4jP6cB",
                     "name": f"Person {n}", "aadObjectId": aad},
            "serviceUrl": "https://smba.trafficmanager.net/emea/"}


def _chunks(rows: list[dict], size: int = 5000):
    for first in range(0, len(rows), size):
        yield rows[first:first + size]


def seed(db: Database, people: int, rng: random.Random) -> None:
    with db.session() as session:
        organisation = Organisation(key="stockholm-kultur", name="Kulturförvaltningen", tenant_id=TENANT)
        session.add(organisation)
        session.flush()
        org_id = organisation.id
    persons, entries, assessments, plans, messages, stand_ins = [], [], [], [], [], []
    for n in range(1, people + 1):
        aad = f"00000000-0000-4000-8000-{n:012d}"
        persons.append(dict(id=n, tenant_id=TENANT, aad_object_id=aad, teams_user_id=f"29:p{n}",
                            name=f"Person {n}", email=f"p{n}@stockholm.se", locale="sv-SE",
                            service_url="https://smba.trafficmanager.net/emea/", conversation_id=f"a:p{n}",
                            conversation_reference=_reference(n, aad),
                            created_at=NOW - timedelta(days=800), last_seen_at=NOW - timedelta(days=rng.randint(0, 400))))
        manager = None if n % TEAM == 1 else n - (n - 1) % TEAM
        entries.append(dict(id=n, organisation_id=org_id, email=f"p{n}@stockholm.se", name=f"Person {n}",
                            aad_object_id=aad, person_id=n, manager_entry_id=manager, active=True,
                            created_at=NOW, updated_at=NOW))
        if manager is None and n + TEAM <= people and n % (10 * TEAM) in (1, 1 + 5 * TEAM):
            # The next team's manager stands in: now (a tenth of the managers), or did until last month.
            current = n % (10 * TEAM) == 1
            stand_ins.append(dict(manager_entry_id=n, stand_in_entry_id=n + TEAM, assigned_by_entry_id=n,
                                  starts_at=NOW - timedelta(days=3 if current else 60),
                                  ends_at=NOW + timedelta(days=10) if current else NOW - timedelta(days=30),
                                  created_at=NOW - timedelta(days=60)))
        latest = NOW - timedelta(days=rng.randint(370, 500) if n % TEAM == 5 else rng.randint(20, 360))
        for k in range(rng.randint(1, 3)):
            finished = latest - timedelta(days=365 * k)
            assessments.append(dict(person_id=n, framework_version="2.2", instrument_version="2026.1", mode="long",
                                    status="finished", area_index=5, revision=1, answers={},
                                    started_at=finished - timedelta(minutes=25), updated_at=finished,
                                    finished_at=finished))
        draw = rng.random()
        if draw < 0.6:
            kind = rng.random()
            if kind < 0.2:
                changed = NOW - timedelta(days=rng.choice([2, 10, 20]))
                plans.append(_plan(n, "draft", changed, draft_reminders=rng.choice([0, 0, 1, 2])))
            elif kind < 0.3:
                changed = NOW - timedelta(days=rng.choice([3, 9, 16, 30]))
                reminded = rng.choice([0, 0, 1, 3])
                plans.append(_plan(n, "sent", changed, review_reminders=reminded,
                                   last_review=changed + timedelta(days=7) if reminded else None))
            else:
                plans.append(_plan(n, rng.choice(["approved", "completed"]), NOW - timedelta(days=100)))
        for k, age in enumerate((rng.randint(31, 300) if rng.random() < 0.6 else rng.randint(1, 29),
                                 rng.randint(1, 300))):
            sent = NOW - timedelta(days=age)
            messages.append(dict(campaign=f"seed:{n}:{k}", recipient_person_id=n, card=CARD, status="sent",
                                 attempts=1, throttled=0, not_before=sent, next_attempt_at=sent,
                                 respect_quiet_hours=True, created_at=sent, sent_at=sent))
    with db.session() as session:
        for table, rows in ((Person, persons), (DirectoryEntry, entries), (StandIn, stand_ins),
                            (Assessment, assessments), (Plan, plans), (OutboxMessage, messages)):
            for chunk in _chunks(rows):
                session.execute(insert(table), chunk)
        for table in ("person", "directory_entry"):
            session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {people})"))
    with db.engine.connect() as connection:
        connection.execute(text("ANALYZE"))
        connection.commit()
    print(f"seeded {people} people: {len(assessments)} assessments, {len(plans)} plans, "
          f"{len(stand_ins)} stand-in periods, {len(messages)} sent outbox messages")


def _plan(person_id: int, state: str, changed: datetime, *, draft_reminders: int = 0, review_reminders: int = 0,
          last_review: datetime | None = None) -> dict:
    return dict(person_id=person_id, period=2026, state=state, version=1, priorities=[], goals="Mål", activities="",
                created_at=changed, updated_at=changed, state_changed_at=changed,
                sent_at=changed if state != "draft" else None, draft_reminders=draft_reminders,
                last_draft_reminder_at=changed + timedelta(days=7) if draft_reminders else None,
                review_reminders=review_reminders, last_review_reminder_at=last_review)


def run(people: int, server_url: str) -> None:
    databases = PostgresDatabases(server_url)
    url = databases.create()
    db = Database(url)
    try:
        db.migrate()
        seed(db, people, random.Random(42))
        statements = [0]

        @event.listens_for(db.engine, "before_cursor_execute")
        def count(*_args) -> None:
            statements[0] += 1

        context = JobContext(db, ManualClock(NOW), DialogConfig())
        print(f"{'job':28} {'run':>4} {'seconds':>8} {'statements':>11} {'result':>8}")
        for name, job in (("plan_review_reminders", remind_waiting_reviews),
                          ("plan_draft_reminders", remind_unsent_drafts),
                          ("reassessment_reminders", remind_to_reassess),
                          ("outbox_retention", purge_sent_messages)):
            for attempt in (1, 2):
                statements[0] = 0
                started = time.perf_counter()
                result = job(context)
                elapsed = time.perf_counter() - started
                verdict = "" if elapsed < 10 else "  over the 10 s target"
                print(f"{name:28} {attempt:>4} {elapsed:>8.2f} {statements[0]:>11} {result:>8}{verdict}")
    finally:
        db.dispose()
        databases.drop(url)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--postgres-url", default=None)
    args = parser.parse_args(argv)
    server_url = args.postgres_url or postgres_server_url()
    if not server_url:
        parser.error("PostgreSQL needed: --postgres-url or KL_TEST_POSTGRES_URL (scripts/postgres.sh prints it)")
    run(args.people, server_url)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
