"""CPU of the survey's turns against the help turn, in our own code (the dispatcher, no HTTP, one thread).

    python -m bench.survey [--backend sqlite|postgres|both] [--people 40]

DESIGN.md: a new flow should cost no more per turn than the help turn, within 1.5x. `--people` employees of
an organisation with an open round each type "hjälp", then answer the survey card by card (start, one answer
per dimension with every statement filled, the free text and finish); each turn's thread CPU is recorded by
kind. Prints the medians and the ratio of the survey's answer turn to the help turn.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections import defaultdict
from datetime import date, datetime, timezone
from pathlib import Path

from bench.databases import Databases, postgres_server_url
from bench.dispatch import Person
from bench.load import card_action, iter_inputs
from bot.app import dialog_config
from bot.settings import Settings
from cards.address import ADDRESSEE_KEY
from cards.verbs import Verb
from dialogs.clock import ManualClock
from dialogs.dispatch import Dispatcher
from dialogs.routes import build_router
from dialogs.turn import Kind, Request
from store import survey
from store.db import Database
from store.directory import save_organisation
from store.models.directory import DirectoryEntry, Unit

OPEN_DAY = datetime(2026, 10, 5, 8, 0, tzinfo=timezone.utc)


def _setup(db: Database, people: int) -> None:
    with db.session() as session:
        organisation, _ = save_organisation(session, key="bench", name="Bench", tenant_id="bench-tenant")
        unit = Unit(organisation_id=organisation.id, code="U", name="Enheten")
        session.add(unit)
        session.flush()
        for i in range(people):
            session.add(DirectoryEntry(organisation_id=organisation.id, email=f"p{i}@bench.se", name=f"Person {i}",
                                       unit_id=unit.id, aad_object_id=f"aad-bench-{i}"))
        survey_round = survey.schedule_round(session, organisation=organisation, opens_on=date(2026, 10, 1),
                                             closes_on=date(2026, 10, 31), min_group=5, now=OPEN_DAY)
        survey.mark_open(session, survey_round, now=OPEN_DAY)


def measure(url: str, *, people: int) -> dict[str, list[float]]:
    db = Database(url)
    db.migrate()
    _setup(db, people)
    dispatcher = Dispatcher(db, build_router(), dialog_config(Settings.from_env({}, env_file=None)),
                            ManualClock(OPEN_DAY))
    cpu: dict[str, list[float]] = defaultdict(list)

    def turn(kind: str, request: Request) -> dict:
        started = time.thread_time()
        reply = dispatcher.handle(request)
        cpu[kind].append((time.thread_time() - started) * 1e6)
        return reply.cards[0]

    try:
        for i in range(people):
            person = Person(i)
            turn("help", Request(person.sender, Kind.TEXT, text="hjälp", conversation_reference=person.reference))
            card = turn("start", Request(person.sender, Kind.TEXT, text="enkät",
                                         conversation_reference=person.reference))
            while (action := card_action(card, Verb.SURVEY_ANSWER)) is not None:
                data = {**action["data"], **{e["id"]: str((i + n) % 6) for n, e in enumerate(iter_inputs(card))}}
                card = turn("answer", person.request(Verb.SURVEY_ANSWER, data))
            action = card_action(card, Verb.SURVEY_FINISH)
            card = turn("finish", person.request(Verb.SURVEY_FINISH, {**action["data"], "comment": ""}))
            assert ADDRESSEE_KEY in str(card)
    finally:
        db.dispose()
    if len(cpu["finish"]) != people:
        raise RuntimeError("the survey did not run as expected")
    return cpu


def report(backend: str, cpu: dict[str, list[float]]) -> str:
    lines = [f"{backend}:"]
    for kind in ("help", "start", "answer", "finish"):
        lines.append(f"  {kind:<7} {len(cpu[kind]):5d} turns  median {statistics.median(cpu[kind]):7.0f} µs")
    ratio = statistics.median(cpu["answer"]) / statistics.median(cpu["help"])
    lines.append(f"  survey answer / help: {ratio:.2f}x (target: at most 1.5x)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--people", type=int, default=40)
    parser.add_argument("--postgres-url")
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    with tempfile.TemporaryDirectory(prefix="kl-survey-") as workdir:
        databases = Databases(Path(workdir), postgres_server_url(args.postgres_url) if "postgres" in backends
                              else None)
        try:
            for backend in backends:
                url = databases.create(backend)
                try:
                    print(report(backend, measure(url, people=args.people)), flush=True)
                finally:
                    databases.drop(url)
        finally:
            databases.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
