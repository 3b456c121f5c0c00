"""CPU of the survey's turns against the help turn, in our own code (the dispatcher, no HTTP, one thread).

    python -m bench.survey [--backend sqlite|postgres|both] [--people 40]

DESIGN.md: a new flow should cost no more per turn than the help turn, within 1.5x. `--people` employees of
an organisation with an open round each type "hjälp" twice (the first creates the person; the second is the
help turn measured), then answer the survey card by card (start, one answer per dimension with every statement
filled, the free text and finish); each turn's thread CPU is recorded by kind (bench/turn_meter.py). Prints the
medians and each kind's ratio to the help turn; `--statements` counts each turn's SQL statements as well.
"""

from __future__ import annotations

import argparse
import statistics
from datetime import date, datetime, timezone

from bench.dispatch import Person
from bench.load import card_action, iter_inputs
from bench.turn_meter import TurnMeter, add_backend_arguments, cpu_lines, dispatcher_for, run_each_backend
from cards.address import ADDRESSEE_KEY
from cards.verbs import Verb
from dialogs.clock import ManualClock
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
    """Thread CPU (µs) of each turn by kind."""
    return dict(run_survey(url, people=people).cpu)


def run_survey(url: str, *, people: int, counting: bool = False) -> TurnMeter:
    """The people's survey through a TurnMeter (with `counting`, each turn's statements too)."""
    db = Database(url)
    db.migrate()
    _setup(db, people)
    meter = TurnMeter(dispatcher_for(db, ManualClock(OPEN_DAY)), counting=counting)
    try:
        for i in range(people):
            person = Person(i)
            help_request = Request(person.sender, Kind.TEXT, text="hjälp", conversation_reference=person.reference)
            meter.turn("help", help_request, measuring=False)  # a person's first turn creates them: not a help turn
            meter.turn("help", help_request)
            card = meter.turn("start", Request(person.sender, Kind.TEXT, text="enkät",
                                               conversation_reference=person.reference)).cards[0]
            while (action := card_action(card, Verb.SURVEY_ANSWER)) is not None:
                data = {**action["data"], **{e["id"]: str((i + n) % 6) for n, e in enumerate(iter_inputs(card))}}
                card = meter.turn("answer", person.request(Verb.SURVEY_ANSWER, data)).cards[0]
            action = card_action(card, Verb.SURVEY_FINISH)
            card = meter.turn("finish", person.request(Verb.SURVEY_FINISH, {**action["data"], "comment": ""})).cards[0]
            assert ADDRESSEE_KEY in str(card)
    finally:
        meter.close()
        db.dispose()
    if len(meter.cpu["finish"]) != people:
        raise RuntimeError("the survey did not run as expected")
    return meter


def report(backend: str, cpu: dict[str, list[float]], statements: dict[str, str] | None = None) -> str:
    lines = [f"{backend}:"] + cpu_lines(cpu, ["help", "start", "answer", "finish"], against="help")
    ratio = statistics.median(cpu["answer"]) / statistics.median(cpu["help"])
    lines.append(f"  survey answer / help: {ratio:.2f}x (target: at most 1.5x)")
    lines += [f"  {kind:<24} {line}" for kind, line in (statements or {}).items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_backend_arguments(parser)
    parser.add_argument("--people", type=int, default=40)
    parser.add_argument("--statements", action="store_true", help="count each turn's SQL statements too")
    args = parser.parse_args(argv)

    def measure_and_report(backend: str, url: str) -> str:
        meter = run_survey(url, people=args.people, counting=args.statements)
        return report(backend, dict(meter.cpu), {kind: meter.statements_line(kind) for kind in meter.statements})

    return run_each_backend(args, "kl-survey-", measure_and_report)


if __name__ == "__main__":
    raise SystemExit(main())
