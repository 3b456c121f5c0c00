"""CPU of the coordinator's broadcast turns against the help turn: the dispatcher alone, no HTTP, one thread.

    .venv/bin/python -m bench.broadcast_turns [--backend sqlite|postgres] [--people 5000] [--rounds 30]

DESIGN.md §5: a new flow's turn should cost no more than the help turn, within 1.5x. Seeds the organisation
of bench/broadcast_audience.py (201 units, 6 roles), makes person 0 its coordinator, and times each turn's
thread CPU (waits for PostgreSQL not counted; bench/turn_meter.py): "hjälp", "utskick" (the compose card with
every unit and role), the preview of a department (count and names) and a report. Prints medians and the
ratio to help; `--statements` counts each turn's SQL statements as well (a listener on the engine: a little
CPU on every turn).
"""

from __future__ import annotations

import argparse
import random
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from sqlmodel import select

from bench.broadcast_audience import seed
from bench.databases import Databases, postgres_server_url
from bench.turn_meter import TurnMeter, cpu_lines, dispatcher_for
from cards.verbs import Verb
from dialogs.turn import Kind, Request, Sender
from store import broadcasts
from store.db import Database
from store.models.directory import AssignmentKind, DirectoryEntry, OrganisationAssignment, Unit

SENDER = Sender(tenant_id="t", teams_user_id="29:0", aad_object_id="00000000-0000-4000-8000-000000000000",
                name="Person 00000", locale="sv-SE")
REFERENCE = {"activityId": "1", "bot": {"id": "28:bench"}, "channelId": "msteams",
             "conversation": {"id": "a:0", "tenantId": "t"}, "serviceUrl": "http://127.0.0.1:9/",
             "user": {"id": "29:0"}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--postgres-url")
    parser.add_argument("--statements", action="store_true", help="count each turn's SQL statements too")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        databases = Databases(Path(workdir), postgres_server_url(args.postgres_url) if args.backend == "postgres"
                              else None)
        url = databases.create(args.backend)
        db = Database(url)
        try:
            db.migrate()
            org, _, _ = seed(db, args.people, random.Random(14))
            with db.session() as session:
                entry = session.exec(select(DirectoryEntry).where(DirectoryEntry.email == "p0@stad.se")).one()
                session.add(OrganisationAssignment(organisation_id=org, entry_id=entry.id,
                                                   kind=AssignmentKind.COORDINATOR))
                department = session.exec(select(Unit.id).where(Unit.code == "D0")).one()
            meter = TurnMeter(dispatcher_for(db), counting=args.statements)

            def text(words: str) -> Request:
                return Request(SENDER, Kind.TEXT, text=words, conversation_reference=REFERENCE)

            def action(verb: str, data: dict) -> Request:
                return Request(SENDER, Kind.ACTION, verb=verb, data={"verb": verb, **data}, via_execute=True,
                               conversation_reference=REFERENCE)

            message = {"title": "Kurs", "text": "Välkommen", "units": str(department), "condition": "none"}
            meter.turn("warm-up", text("utskick"), measuring=False)
            meter.turn("warm-up", action(Verb.BROADCAST_PREVIEW, message), measuring=False)
            with db.session() as session:  # a broadcast to report on, without sending anything
                broadcast = broadcasts.create_broadcast(
                    session, organisation_id=org, created_by_person_id=entry.person_id,
                    content={"kind": "message", "title": "Kurs", "text": "x"}, audience={"units": [department]},
                    audience_count=990, send_at=datetime.now(timezone.utc), now=datetime.now(timezone.utc))
                broadcast_id = broadcast.id
            turns = {
                "help": lambda: text("hjälp"),
                "compose (utskick)": lambda: text("utskick"),
                "preview (a department)": lambda: action(Verb.BROADCAST_PREVIEW, message),
                "report": lambda: action(Verb.BROADCAST_REPORT, {"broadcast_id": broadcast_id}),
            }
            for _ in range(args.rounds):
                for name, request in turns.items():
                    card = meter.turn(name, request()).cards[0]
                    assert "Det gick inte" not in str(card)[:400], card
            meter.close()
            print(f"{args.backend}, {args.people} people, {args.rounds} rounds: thread CPU per turn (median)")
            for line in cpu_lines(meter.cpu, list(turns), against="help"):
                print(line)
            for name in meter.statements:
                print(f"  {name:<24} {meter.statements_line(name)}")
        finally:
            db.dispose()
            databases.drop(url)
            databases.close()


if __name__ == "__main__":
    main()
