"""The "aktiviteter för mig" turn against the help turn, in the same run, on a catalogue of 2,000 published
activities and 50 concurrent people with finished self-assessments and targets (issue 13: at most 1.5x the
help turn's bot CPU per turn, and every card under 28 KB whatever the catalogue's size).

    python -m bench.activities [--people 50] [--activities 2000] [--seconds 10] [--warmup 2]
                               [--backend sqlite|postgres|both] [--repeat 1]

As bench/turns.py: the bot alone in its process (bench/servers.py), the fake Teams connector in another, the
load generator (bench/load.py, one client per person, typed text, the card reply through the connector) in a
third. One database per backend is seeded before the bot starts (the catalogue, the people, their
assessments) and both subjects run against it, help first, then activities, alternating over --repeat rounds.
Prints bot CPU ms per turn, p50/p99, replies and the largest card, and both turns through the dispatcher alone
(SQL statements and thread CPU, bench/turn_meter.py); writes bench/results/activities-<stamp>.json.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from bench.connector_process import ConnectorProcess
from bench.databases import Databases, postgres_server_url
from bench.load import LoadSpec, Scenario, run_load
from bench.servers import OURS, ServerProcess
from bench.turns import _percentile, report_header

RESULTS = Path(__file__).resolve().parent / "results"
COMPETENCES = ("1.1 1.2 1.3 2.1 2.2 2.3 2.4 2.5 2.6 3.1 3.2 3.3 3.4 4.1 4.2 4.3 4.4 5.1 5.2 5.3 5.4").split()
FORMATS = ("course", "elearning", "lecture", "workshop", "webinar", "network", "mentoring", "study_visit")


class ActivitiesScenario(Scenario):
    """Typed "aktiviteter": the "för mig" page goes back as a card through the connector."""

    name = "activities"

    def activity(self, client) -> dict[str, Any]:
        from tests.fakes import activities as teams

        return teams.text(client.user, "aktiviteter", service_url=client.service_url)


def _load_process(spec: LoadSpec, conn) -> None:
    """The load process's entry: registers the scenario (the process is spawned), then runs bench/load.py."""
    from bench import load

    load.SCENARIOS[ActivitiesScenario.name] = ActivitiesScenario
    load.run(spec, conn)


@dataclass
class Options:
    people: int = 50
    activities: int = 2000
    seconds: float = 10.0
    warmup: float = 2.0
    repeat: int = 1
    backends: list[str] = field(default_factory=lambda: ["sqlite"])
    postgres_url: str | None = None
    out: Path = RESULTS
    write: bool = True
    quiet: bool = False


def seed(database_url: str, users: list[Any], *, activities: int, now: datetime, seed: int = 7) -> None:
    """The organisation, `activities` published activities (dated ones in the coming months, a fifth
    self-paced), and each user as a person with a finished assessment and targets (random, seeded)."""
    from store.activities import save_activity
    from store.assessments import finish_assessment, start_assessment
    from store.db import Database
    from store.directory import save_organisation
    from store.models.core import Person
    from store.targets import set_personal_targets

    rng = random.Random(seed)
    db = Database(database_url)
    db.migrate()
    with db.session() as session:
        organisation, _ = save_organisation(session, key="stockholm-kultur", name="Kulturförvaltningen")
        for number in range(activities):
            low = rng.randint(1, 6)
            self_paced = number % 5 == 0
            starts = now + timedelta(days=rng.randint(3, 150), hours=rng.randint(0, 8))
            save_activity(session, organisation_id=organisation.id, key=f"bench-{number}", now=now,
                          status="published", values={
                              "title_sv": f"Aktivitet {number}: " + "kurs i digital kompetens " * 3,
                              "title_en": f"Activity {number}", "format": rng.choice(FORMATS),
                              "description_sv": "Beskrivning " * 30,
                              "competences": ",".join(rng.sample(COMPETENCES, rng.randint(1, 3))),
                              "level_min": low, "level_max": min(8, low + rng.randint(1, 3)),
                              "hours": rng.choice((1.0, 1.5, 3.0, 6.0)), "self_paced": self_paced,
                              "starts_at": None if self_paced else starts,
                              "ends_at": None if self_paced else starts + timedelta(hours=3),
                              "place": "Stadsbiblioteket, Sveavägen 73", "provider": "Kulturförvaltningen",
                              "capacity": None if self_paced else rng.choice((None, 12, 20, 40)),
                              "registration_deadline": None if self_paced else starts - timedelta(days=2)})
        for user in users:
            person = Person(tenant_id=user.tenant_id, teams_user_id=user.teams_id, aad_object_id=user.aad_object_id,
                            name=user.name, locale="sv-SE", welcomed_at=now)
            session.add(person)
            session.flush()
            assessment = start_assessment(session, person_id=person.id, mode="short", framework_version="2.2",
                                          instrument_version="2026.1", now=now - timedelta(days=1))
            levels = {key: rng.randint(1, 5) for key in COMPETENCES}
            finish_assessment(session, assessment=assessment, levels=levels, now=now - timedelta(days=1))
            set_personal_targets(session, person_id=person.id, now=now,
                                 targets={key: min(8, level + rng.randint(0, 3)) for key, level in levels.items()})
    db.dispose()


def largest_card_bytes(database_url: str, users: list[Any]) -> int:
    """The largest "för mig" card any of the people gets, as sent (compact UTF-8 JSON)."""
    from cards.validate import card_size
    from dialogs.activities import catalogue_reply_card
    from dialogs.config import DialogConfig
    from dialogs.turn import Kind, Request, Sender, Turn
    from store.db import Database
    from store.people import find_person

    db = Database(database_url)
    largest = 0
    try:
        with db.session() as session:
            for user in users:
                person = find_person(session, tenant_id=user.tenant_id, aad_object_id=user.aad_object_id)
                request = Request(Sender(user.tenant_id, user.teams_id), Kind.TEXT, "aktiviteter")
                turn = Turn(request, session, person, "sv", datetime.now(timezone.utc), DialogConfig())
                for view in ("mine", "all"):
                    largest = max(largest, card_size(catalogue_reply_card(turn, view, 0)))
            session.rollback()
    finally:
        db.dispose()
    return largest


def dispatched(database_url: str, users: list[Any], rounds: int = 3) -> dict[str, dict[str, Any]]:
    """Both turns through the dispatcher alone (bench/turn_meter.py): each person's statements and thread CPU,
    after a round that is not counted (the sender's first turn stores their chat)."""
    from bench.turn_meter import TurnMeter, dispatcher_for
    from dialogs.turn import Kind, Request, Sender
    from store.db import Database

    db = Database(database_url)
    meter = TurnMeter(dispatcher_for(db), counting=True)
    try:
        for round_no in range(rounds + 1):
            for user in users:
                sender = Sender(user.tenant_id, user.teams_id, user.aad_object_id, user.name, "sv-SE")
                reference = {"activityId": "1", "bot": {"id": "28:bench"}, "channelId": "msteams",
                             "conversation": {"id": user.conversation_id, "tenantId": user.tenant_id},
                             "serviceUrl": user.service_url, "user": {"id": user.teams_id}}
                for kind, text in (("help", "hjälp"), ("activities", "aktiviteter")):
                    meter.turn(kind, Request(sender, Kind.TEXT, text=text, conversation_reference=reference),
                               measuring=round_no > 0)
    finally:
        meter.close()
        db.dispose()
    return {kind: {"statements": meter.median_statements(kind), "statements_by_kind": meter.statements_line(kind),
                   "thread_cpu_us": meter.median_cpu(kind)} for kind in ("help", "activities")}


def measure(scenario: str, server: ServerProcess, connector: ConnectorProcess, users: list[Any],
            options: Options, seed_no: int) -> dict[str, Any]:
    connector.reset()
    spec = LoadSpec(bot_url=server.url, service_url=connector.base_url, scenario=scenario, users=users,
                    warmup=options.warmup, seconds=options.seconds, server_pid=server.pid,
                    connector_pid=connector.pid, seed=seed_no)
    result = run_load(spec, timeout=options.warmup + options.seconds + 120, target=_load_process)
    expected = result["expected_replies"]
    summary = connector.wait_and_summarise(sum(expected.values()), timeout=30)
    latencies = sorted(v for values in result["latencies_ms"].values() for v in values)
    window, cpu = result["window_seconds"], result["cpu_seconds"]["server"]
    errors = sum(result["errors"].values())
    return {
        "scenario": scenario,
        "turns_per_second": len(latencies) / window if window else 0.0,
        "p50_ms": _percentile(latencies, 0.5), "p99_ms": _percentile(latencies, 0.99),
        "bot_cpu_ms_per_turn": 1000 * cpu / len(latencies) if latencies and cpu else None,
        "errors": errors, "error_samples": result["errors"],
        "replies_expected": sum(expected.values()), "replies_received": summary["total"],
        "reply_shapes": summary["shapes"],
        "verified": errors == 0 and summary["total"] == sum(expected.values()) and len(summary["shapes"]) == 1
        and bool(latencies),
    }


def run(options: Options) -> dict[str, Any]:
    from tests.fakes.activities import TeamsUser

    say = (lambda *a: None) if options.quiet else (lambda *a: print(*a, flush=True))
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    postgres = postgres_server_url(options.postgres_url) if "postgres" in options.backends else None
    rows: list[dict[str, Any]] = []
    cards: dict[str, int] = {}
    dispatch: dict[str, dict[str, dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory(prefix="kl-bench-activities-") as tmp:
        databases = Databases(Path(tmp), postgres)
        connector = ConnectorProcess().start()
        try:
            for backend in options.backends:
                users = [TeamsUser.create(f"Bänk Person {i}", service_url=connector.base_url)
                         for i in range(options.people)]
                connector.register(users)
                url = databases.create(backend)
                say(f"{backend}: seeding {options.activities} activities and {options.people} people")
                seed(url, users, activities=options.activities, now=datetime.now(timezone.utc))
                cards[backend] = largest_card_bytes(url, users)
                dispatch[backend] = dispatched(url, users)
                say(f"  dispatcher alone: " + "; ".join(
                    f"{kind} {figures['statements_by_kind']}, thread CPU {figures['thread_cpu_us']:.0f} µs"
                    for kind, figures in dispatch[backend].items()))
                server = ServerProcess(OURS, database_url=url, log_path=str(Path(tmp) / f"{backend}.log")).start()
                try:
                    for round_no in range(1, options.repeat + 1):
                        for scenario in ("help", "activities"):
                            row = measure(scenario, server, connector, users, options, round_no)
                            row.update(backend=backend, round=round_no)
                            rows.append(row)
                            say(f"  [{round_no}] {scenario}/{backend}: {row['turns_per_second']:.1f} turns/s, p50 "
                                f"{row['p50_ms']:.1f} ms, p99 {row['p99_ms']:.1f} ms, bot CPU "
                                f"{row['bot_cpu_ms_per_turn']:.2f} ms/turn, errors {row['errors']}")
                            for problem, count in row["error_samples"].items():
                                say(f"    ERROR x{count}: {problem[:200]}")
                finally:
                    server.stop()
                    databases.drop(url)
        finally:
            connector.stop()
            databases.close()
    summary = []
    for backend in options.backends:
        def median(scenario: str, key: str) -> float | None:
            values = [r[key] for r in rows if r["backend"] == backend and r["scenario"] == scenario
                      and r[key] is not None]
            return statistics.median(values) if values else None

        help_cpu, activities_cpu = median("help", "bot_cpu_ms_per_turn"), median("activities", "bot_cpu_ms_per_turn")
        summary.append({
            "backend": backend, "help_cpu_ms_per_turn": help_cpu, "activities_cpu_ms_per_turn": activities_cpu,
            "cpu_ratio_to_help": activities_cpu / help_cpu if help_cpu and activities_cpu else None,
            "help_p50_ms": median("help", "p50_ms"), "activities_p50_ms": median("activities", "p50_ms"),
            "activities_p99_ms": median("activities", "p99_ms"), "largest_card_bytes": cards.get(backend),
            "dispatcher_alone": dispatch.get(backend),
            "verified": all(r["verified"] for r in rows if r["backend"] == backend),
        })
    report = {**report_header(stamp, options), "summary": summary, "rows": rows}
    if options.write:
        options.out.mkdir(parents=True, exist_ok=True)
        path = options.out / f"activities-{stamp}.json"
        path.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
        report["path"] = str(path)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.activities", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--activities", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument("--postgres-url")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    options = Options(people=args.people, activities=args.activities, seconds=args.seconds, warmup=args.warmup,
                      repeat=max(1, args.repeat),
                      backends=["sqlite", "postgres"] if args.backend == "both" else [args.backend],
                      postgres_url=args.postgres_url, out=args.out)
    report = run(options)
    print()
    for entry in report["summary"]:
        print(f"{entry['backend']}: help {entry['help_cpu_ms_per_turn']:.2f} ms/turn, aktiviteter för mig "
              f"{entry['activities_cpu_ms_per_turn']:.2f} ms/turn: {entry['cpu_ratio_to_help']:.2f}x the help turn "
              f"(target <= 1.5x); largest card {entry['largest_card_bytes']} bytes; "
              f"{'verified' if entry['verified'] else 'NOT VERIFIED'}")
    if report.get("path"):
        print(f"JSON: {report['path']}")
    return 0 if all(entry["verified"] for entry in report["summary"]) else 1


if __name__ == "__main__":
    sys.exit(main())
