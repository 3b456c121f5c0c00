"""The broadcast audience at city scale: how long the preview's count (and five names) takes for each kind of
rule over 50,000 people, and how fast the fan-out puts recipients in the outbox, on PostgreSQL or SQLite.

    .venv/bin/python -m bench.broadcast_audience                     # PostgreSQL (scripts/postgres.sh)
    .venv/bin/python -m bench.broadcast_audience --backend sqlite --people 20000 --fan-out 5000

Seeds one organisation: a unit tree (10 departments x 20 units), 6 roles, `--people` directory entries, half
of them Teams persons with a finished self-assessment (21 levels each), a role with targets, and a plan for
every fourth. Prints the median of `--repeat` timings per rule and the fan-out rate (rows per second).
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import insert, select, text

from bench.databases import Databases, postgres_server_url
from dialogs.config import DialogConfig
from dialogs.rules.audience import units_with_descendants, year_start
from store import broadcasts
from store.db import Database
from store.models.assessment import Assessment, AssessmentLevel, PersonRole, RoleProfile, RoleTarget
from store.models.core import Person
from store.models.directory import DirectoryEntry, DirectoryRole, Organisation, Unit
from store.models.plan import Plan

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)
COMPETENCES = [f"{a}.{c}" for a, n in ((1, 3), (2, 6), (3, 4), (4, 4), (5, 4)) for c in range(1, n + 1)]


def seed(db: Database, people: int, rng: random.Random) -> tuple[int, dict[int, int | None], int]:
    with db.session() as session:
        organisation = Organisation(key="stad", name="Staden")
        session.add(organisation)
        session.flush()
        org = organisation.id
        top = Unit(organisation_id=org, code="TOP", name="Förvaltningen")
        session.add(top)
        session.flush()
        units = []
        for d in range(10):
            department = Unit(organisation_id=org, code=f"D{d}", name=f"Avdelning {d}", parent_id=top.id)
            session.add(department)
            session.flush()
            for u in range(20):
                unit = Unit(organisation_id=org, code=f"D{d}U{u}", name=f"Enhet {d}.{u}", parent_id=department.id)
                session.add(unit)
                session.flush()
                units.append(unit.id)
        roles = []
        for r in range(6):
            role = DirectoryRole(organisation_id=org, key=f"r{r}", name=f"Roll {r}")
            session.add(role)
            session.flush()
            roles.append(role.id)
        profile = RoleProfile(key="bib", title_sv="Bibliotekarie", title_en="Librarian")
        session.add(profile)
        session.flush()
        session.execute(insert(RoleTarget), [{"role_profile_id": profile.id, "competence": c, "target": 5}
                                            for c in COMPETENCES])
        department = top.id
    for start in range(0, people, 5000):
        chunk = range(start, min(people, start + 5000))
        with db.session() as session:
            persons = [{"tenant_id": "t", "aad_object_id": f"00000000-0000-4000-8000-{i:012d}",
                        "teams_user_id": f"29:{i}", "name": f"Person {i:05d}", "conversation_id": f"a:{i}"}
                       for i in chunk if i % 2 == 0]
            ids = list(session.execute(insert(Person).returning(Person.id, Person.teams_user_id), persons)) \
                if persons else []
            person_of = {int(teams_id[3:]): person_id for person_id, teams_id in ids}
            session.execute(insert(DirectoryEntry), [
                {"organisation_id": org, "email": f"p{i}@stad.se", "name": f"Person {i:05d}",
                 "unit_id": rng.choice(units), "role_id": rng.choice(roles), "person_id": person_of.get(i),
                 "aad_object_id": f"00000000-0000-4000-8000-{i:012d}" if i % 10 else None, "active": True,
                 "created_at": NOW, "updated_at": NOW} for i in chunk])
            if not person_of:
                continue
            session.execute(insert(PersonRole), [{"person_id": p, "role_profile_id": profile.id, "source": "self",
                                                  "updated_at": NOW} for p in person_of.values()])
            assessments = list(session.execute(insert(Assessment).returning(Assessment.id), [
                {"person_id": p, "framework_version": "2.2", "instrument_version": "2026.1", "mode": "short",
                 "status": "finished", "answers": {}, "started_at": NOW - timedelta(days=40 + i % 300),
                 "updated_at": NOW, "finished_at": NOW - timedelta(days=39 + i % 300), "area_index": 5,
                 "revision": 2} for i, p in person_of.items()]).scalars())
            session.execute(insert(AssessmentLevel), [{"assessment_id": a, "competence": c, "level": rng.randint(0, 8)}
                                                      for a in assessments for c in COMPETENCES])
            session.execute(insert(Plan), [
                {"person_id": p, "period": 2026, "state": "draft", "version": 1, "goals": "", "activities": "",
                 "priorities": [{"competence": rng.choice(COMPETENCES), "level": 2, "target": 5}],
                 "created_at": NOW, "updated_at": NOW, "state_changed_at": NOW, "review_reminders": 0,
                 "draft_reminders": 0} for i, p in person_of.items() if i % 4 == 0])
    with db.session() as session:
        tree = broadcasts.unit_tree(session, organisation_id=org)
        first_department = session.execute(select(Unit.id).where(Unit.code == "D0")).scalar_one()
    return org, tree, first_department


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--fan-out", type=int, default=10_000, help="recipients to put in the outbox (0: skip)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres-url")
    args = parser.parse_args()
    rng = random.Random(14)
    with tempfile.TemporaryDirectory() as workdir:
        databases = Databases(Path(workdir), postgres_server_url(args.postgres_url) if args.backend == "postgres"
                              else None)
        url = databases.create(args.backend)
        db = Database(url)
        try:
            db.migrate()
            started = time.perf_counter()
            org, tree, department = seed(db, args.people, rng)
            with db.engine.connect() as connection:  # as autovacuum would after an import of this size
                connection.execute(text("ANALYZE"))
                connection.commit()
            print(f"{args.backend}: seeded {args.people} people in {time.perf_counter() - started:.1f} s")
            rules = {
                "everyone": broadcasts.AudienceQuery(org),
                "department (20 units)": broadcasts.AudienceQuery(org, unit_ids=units_with_descendants([department],
                                                                                                        tree)),
                "gap >= 3 on 3.1 or 4.2": broadcasts.AudienceQuery(org, condition="gap", competences=("3.1", "4.2"),
                                                                   min_gap=3),
                "plan names 3.1": broadcasts.AudienceQuery(org, condition="plan", competences=("3.1",)),
                "not assessed this year": broadcasts.AudienceQuery(
                    org, condition="not_assessed", assessed_since=year_start(NOW, DialogConfig().tz)),
            }
            for name, query in rules.items():
                def preview(query=query):
                    with db.session() as session:
                        return broadcasts.audience_size(session, query)
                seconds, size = timed(preview, args.repeat)
                print(f"  preview {name:28s} {size.count:6d} people  {seconds * 1000:7.1f} ms (median of "
                      f"{args.repeat})")
            if args.fan_out:
                with db.session() as session:
                    creator = session.execute(select(Person.id).limit(1)).scalar_one()
                    broadcast = broadcasts.create_broadcast(
                        session, organisation_id=org, created_by_person_id=creator, content={}, audience={},
                        audience_count=args.people, send_at=NOW, now=NOW)
                    broadcast_id = broadcast.id
                card = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": "x" * 400}]}
                queued, started = 0, time.perf_counter()
                while queued < args.fan_out:
                    with db.session() as session:
                        broadcast = broadcasts.broadcast_by_id(session, broadcast_id, for_update=True)
                        batch = broadcasts.fan_out(session, broadcast, broadcasts.AudienceQuery(org),
                                                   card_for=lambda locale: card, tenant_id="t", not_before=NOW,
                                                   now=NOW, limit=500)
                    queued += batch.queued
                    if batch.done:
                        break
                seconds = time.perf_counter() - started
                print(f"  fan-out: {queued} outbox rows in {seconds:.1f} s = {queued / seconds:.0f} rows/s "
                      f"(batches of 500, people created from AAD ids included)")
        finally:
            db.dispose()
            databases.drop(url)
            databases.close()


if __name__ == "__main__":
    main()
