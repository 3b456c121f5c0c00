"""Turns per second of our bot against a stock botbuilder 4.17.1 echo bot, run the same way on loopback.

    python -m bench.turns [--clients 20] [--seconds 10] [--warmup 2] [--repeat 1]
                          [--backend sqlite|postgres|both] [--scenarios echo,help,card,area,answers] [--profile]

Each subject runs alone: the bot in a process of its own, one fake Teams connector in another (started
once, reset between subjects), and the N clients in a third (see bench/README.md for why). Prints a table
of activities/s, p50/p99 latency, errors, the replies the connector received against those expected, the
bot's CPU per turn, and each subject's throughput as a ratio to the stock echo bot measured in the same
run; writes the same as JSON to bench/results/turns-<timestamp>.json.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bench.connector_process import ConnectorProcess
from bench.databases import Databases, postgres_server_url
from bench.load import LoadSpec, run_load
from bench.people import greeted_before
from bench.servers import OURS, STOCK, ServerProcess

RESULTS = Path(__file__).resolve().parent / "results"
ALL_SCENARIOS = ("echo", "help", "card", "area", "answers")
DESCRIPTIONS = {
    "echo": "stock botbuilder echo bot: message -> text reply",
    "help": 'our help turn: typed "hjälp" -> menu card reply through the connector',
    "card": "our card action: Action.Execute Verb.HELP -> replacement card, no outbound call",
    "area": "our assessment statement answered -> saved -> next card (finished people start over)",
    "answers": "our assessment statement answered -> saved -> next card (assessments prepared before the clock)",
}
# The subjects of the assessment flow: run with --area-clients, their assessments prepared over HTTP first.
AREA_SCENARIOS = ("area", "answers")
# The answers subject prepares every assessment its clients will answer before the clock starts: enough for
# this many answers per second over the warm-up and the window, 84 statements an assessment (one answer turn each
# in the long mode), and a margin.
ANSWERS_ASSUMED_PER_SECOND = 500
ANSWERS_PER_ASSESSMENT = 84


@dataclass
class Options:
    clients: int = 20
    # The area turn is specified with 50 concurrent assessments, whatever the other subjects use.
    area_clients: int = 50
    seconds: float = 10.0
    warmup: float = 2.0
    # Each client takes this many turns instead of running for `seconds` after `warmup` (bench/load.py).
    turns: int | None = None
    repeat: int = 1
    backends: list[str] = field(default_factory=lambda: ["sqlite"])
    scenarios: list[str] = field(default_factory=lambda: list(ALL_SCENARIOS))
    # Prepared people (assessments) per client of the answers subject; None: answers_people_per_client's estimate.
    answers_people: int | None = None
    profile: bool = False
    postgres_url: str | None = None
    # Our bot with some of its tuning layers taken out (bench/servers.py VARIANTS), each measured beside the
    # bot as shipped in the same run: "" is the bot as shipped.
    variants: list[str] = field(default_factory=lambda: [""])
    log_level: str = "WARNING"
    write: bool = True
    save_latest: bool = False
    out: Path = RESULTS
    quiet: bool = False


@dataclass(frozen=True)
class Subject:
    scenario: str
    backend: str | None  # None: the stock echo bot has no database
    variant: str = ""  # see bench/servers.py VARIANTS

    @property
    def server(self) -> str:
        return STOCK if self.scenario == "echo" else OURS

    @property
    def label(self) -> str:
        base = f"{self.scenario}/{self.backend}" if self.backend else f"{self.scenario}/stock"
        return f"{base}/{self.variant}" if self.variant else base


def clients_of(scenario: str, options: Options) -> int:
    return options.area_clients if scenario in AREA_SCENARIOS else options.clients


def answers_people_per_client(options: Options) -> int:
    """Enough prepared people that no client of the answers subject runs out (unless told how many)."""
    if options.answers_people is not None:
        return max(1, options.answers_people)
    assessments = (options.warmup + options.seconds) * ANSWERS_ASSUMED_PER_SECOND / ANSWERS_PER_ASSESSMENT
    return math.ceil(1.2 * assessments / max(1, options.area_clients)) + 1


def area_turn_available() -> str | None:
    """The verb of the assessment's area answer, once the flow exists (a Verb and a route for it)."""
    from cards.verbs import Verb
    from dialogs.routes import ROUTES

    for verb in Verb:
        if verb.value.startswith("assessment.") and "answer" in verb.value and verb in ROUTES:
            return verb.value
    return None


def plan(options: Options, say) -> list[Subject]:
    subjects: list[Subject] = []
    if "echo" in options.scenarios:
        subjects.append(Subject("echo", None))
    for backend in options.backends:
        for scenario in ALL_SCENARIOS[1:]:  # ours, after the echo bot
            if scenario not in options.scenarios:
                continue
            if scenario in AREA_SCENARIOS and area_turn_available() is None:
                say(f"{scenario}: not available yet (no assessment answer verb routed in cards/verbs.py and "
                    "dialogs/routes.py)")
                continue
            for variant in options.variants:
                if variant and "no-pgdriver" in variant.split("+") and backend != "postgres":
                    continue
                subjects.append(Subject(scenario, backend, variant))
    return subjects


def _percentile(sorted_values: list[float], fraction: float) -> float | None:
    """Nearest rank: the smallest value with at least `fraction` of the values at or below it."""
    if not sorted_values:
        return None
    rank = max(1, -(-int(fraction * 1000) * len(sorted_values) // 1000))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def _server_log_problems(path: Path) -> list[str]:
    if not path.exists():
        return []
    # The start-up line of local dev mode is expected; anything else at WARNING or above is reported.
    return [line for line in path.read_text(encoding="utf-8", errors="replace").splitlines()
            if (" WARNING " in line or " ERROR " in line or " CRITICAL " in line or "Traceback" in line)
            and "local dev mode" not in line]


def run_subject(subject: Subject, options: Options, connector: ConnectorProcess, databases: Databases,
                workdir: Path, stamp: str, round_no: int, say) -> dict[str, Any]:
    from tests.fakes.activities import TeamsUser

    database_url = databases.create(subject.backend) if subject.backend else None
    log_path = workdir / f"{subject.label.replace('/', '-')}-{round_no}.log"
    server = ServerProcess(subject.server, database_url=database_url, log_path=str(log_path),
                           log_level=options.log_level, variant=subject.variant).start()
    profile_path = None
    recorder = None
    try:
        connector.reset()
        clients = clients_of(subject.scenario, options)
        # Each prepared person of the answers subject has its own identity and chat: client by client.
        people = answers_people_per_client(options) if subject.scenario == "answers" else 1
        users = [TeamsUser.create(f"Bänk Person {i}" + (f"-{j}" if people > 1 else ""),
                                  service_url=connector.base_url)
                 for i in range(clients) for j in range(people)]
        connector.register(users)
        if database_url:
            greeted_before(database_url, users)  # installed the app before: the measured turns carry no welcome
        spec = LoadSpec(bot_url=server.url, service_url=connector.base_url, scenario=subject.scenario,
                        users=users, warmup=options.warmup, seconds=options.seconds, server_pid=server.pid,
                        connector_pid=connector.pid, seed=round_no, people_per_client=people,
                        turns=options.turns)

        def on_start() -> None:
            nonlocal recorder, profile_path
            if options.profile:
                from bench.profiles import start_recording

                # Sample the measured window only: wait out the warm-up here, in the parent.
                time.sleep(options.warmup)
                profile_path = options.out / f"profile-{stamp}-{subject.label.replace('/', '-')}.txt"
                recorder = start_recording(server.pid, options.seconds, profile_path)

        result = run_load(spec, timeout=options.warmup + options.seconds + 120, on_start=on_start)
        expected = result["expected_replies"]
        summary = connector.wait_and_summarise(sum(expected.values()), timeout=30)
    finally:
        server.stop()
        if database_url:
            databases.drop(database_url)
    if recorder is not None:
        _, stderr = recorder.communicate(timeout=60)
        if recorder.returncode != 0:
            say(f"  py-spy failed: {stderr.strip()[-300:]}")
            profile_path = None

    received = summary["per_conversation"]
    lost = sum(max(0, n - received.get(cid, 0)) for cid, n in expected.items())
    extra = sum(max(0, n - expected.get(cid, 0)) for cid, n in received.items())
    by_kind = result["latencies_ms"]
    measured = result["measured_kinds"]
    latencies = sorted(v for kind in measured for v in by_kind.get(kind, []))
    completed = len(latencies)
    all_completed = sum(len(v) for v in by_kind.values())
    window = result["window_seconds"]
    cpu = result["cpu_seconds"]
    problems = _server_log_problems(log_path)
    errors = sum(result["errors"].values())
    shapes = summary["shapes"]
    others = {
        kind: {"per_second": len(values) / window if window else 0.0, "p50_ms": _percentile(sorted(values), 0.5),
               "p99_ms": _percentile(sorted(values), 0.99)}
        for kind, values in by_kind.items() if kind not in measured
    }
    kinds = {
        kind: {"per_second": len(values) / window if window else 0.0, "p50_ms": _percentile(sorted(values), 0.5),
               "p99_ms": _percentile(sorted(values), 0.99)}
        for kind, values in by_kind.items()
    }
    row = {
        "subject": subject.label,
        "scenario": subject.scenario,
        "backend": subject.backend,
        "round": round_no,
        "clients": clients,
        "window_seconds": round(window, 3),
        "completed": completed,
        "activities_per_second": completed / window if window else 0.0,
        "p50_ms": _percentile(latencies, 0.50),
        "p99_ms": _percentile(latencies, 0.99),
        "mean_ms": statistics.fmean(latencies) if latencies else None,
        "max_ms": latencies[-1] if latencies else None,
        "kinds": kinds,
        "other_turns": others,
        "errors": errors,
        "error_samples": result["errors"],
        "sent": result["sent"],
        "ok": result["ok"],
        "prepare_seconds": round(result["prepare_seconds"], 3),
        "people_per_client": result["people_per_client"],
        # Completed after preparation (warm-up, window, and turns that ended after it), by kind.
        "turns_after_prepare": result["turns_after_prepare"],
        # The answers subject: clients that finished their last prepared person and started it over.
        "clients_out_of_people": result["clients_out_of_people"],
        "replies_expected": sum(expected.values()),
        "replies_received": summary["total"],
        "replies_lost": lost,
        "replies_extra": extra,
        "reply_shapes": shapes,
        "connector_refused": summary["refused_count"],
        # Over every turn of the window (the area flow's restarts included): what one turn costs the bot.
        "bot_cpu_ms_per_turn": (1000 * cpu["server"] / all_completed) if all_completed and cpu["server"] else None,
        "bot_cpu_share": cpu["server"] / window if cpu["server"] is not None and window else None,
        "connector_cpu_share": cpu["connector"] / window if cpu["connector"] is not None and window else None,
        "load_cpu_share": cpu["load"] / window if cpu["load"] is not None and window else None,
        "machine_busy": result["machine_busy"],
        "server_log_problems": len(problems),
        "server_log_samples": problems[:5],
        "profile": str(profile_path) if profile_path else None,
    }
    # One reply shape per scenario: a second one means some turns answered something else (an error card).
    row["verified"] = (errors == 0 and lost == 0 and extra == 0 and summary["refused_count"] == 0
                       and len(shapes) <= 1 and completed > 0)
    return row


def summarise(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Median of each subject over the rounds, and its throughput as a ratio to the stock echo bot's."""
    by_subject: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_subject.setdefault(row["subject"], []).append(row)

    def median(values):
        values = [v for v in values if v is not None]
        return statistics.median(values) if values else None

    summary = []
    for label, runs in by_subject.items():
        summary.append({
            "subject": label,
            "scenario": runs[0]["scenario"],
            "backend": runs[0]["backend"],
            "rounds": len(runs),
            "clients": runs[0]["clients"],
            "other_turns_per_second": {kind: median(r["other_turns"].get(kind, {}).get("per_second") for r in runs)
                                       for kind in runs[0]["other_turns"]},
            "activities_per_second": median(r["activities_per_second"] for r in runs),
            "p50_ms": median(r["p50_ms"] for r in runs),
            "p99_ms": median(r["p99_ms"] for r in runs),
            "errors": sum(r["errors"] for r in runs),
            "replies_expected": sum(r["replies_expected"] for r in runs),
            "replies_received": sum(r["replies_received"] for r in runs),
            "replies_lost": sum(r["replies_lost"] for r in runs),
            "bot_cpu_ms_per_turn": median(r["bot_cpu_ms_per_turn"] for r in runs),
            "prepare_seconds": median(r["prepare_seconds"] for r in runs),
            "clients_out_of_people": sum(r["clients_out_of_people"] for r in runs),
            "machine_busy": median(r["machine_busy"] for r in runs),
            "verified": all(r["verified"] for r in runs),
        })
    echo = next((s["activities_per_second"] for s in summary if s["scenario"] == "echo"), None)
    for entry in summary:
        entry["ratio_to_stock_echo"] = entry["activities_per_second"] / echo if echo else None
        entry["ratio_p50_to_stock_echo"] = None
    echo_p50 = next((s["p50_ms"] for s in summary if s["scenario"] == "echo"), None)
    for entry in summary:
        if echo_p50 and entry["p50_ms"]:
            entry["ratio_p50_to_stock_echo"] = entry["p50_ms"] / echo_p50
    return summary


def _fmt(value: Any, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def format_table(summary: list[dict[str, Any]]) -> str:
    header = ("subject", "clients", "act/s", "x echo", "p50 ms", "p99 ms", "errors", "replies got/expected", "bot CPU ms/turn",
              "machine busy", "verified")
    lines = []
    for s in summary:
        lines.append((
            s["subject"], str(s["clients"]), _fmt(s["activities_per_second"], ".1f"), _fmt(s["ratio_to_stock_echo"], ".2f"),
            _fmt(s["p50_ms"], ".1f"), _fmt(s["p99_ms"], ".1f"), str(s["errors"]),
            f"{s['replies_received']}/{s['replies_expected']}", _fmt(s["bot_cpu_ms_per_turn"], ".2f"),
            _fmt(s["machine_busy"] and 100 * s["machine_busy"], ".0f") + "%", "yes" if s["verified"] else "NO",
        ))
    widths = [max(len(header[i]), *(len(line[i]) for line in lines)) for i in range(len(header))]
    render = lambda cells: "  ".join(c.ljust(w) if i == 0 else c.rjust(w)  # noqa: E731
                                     for i, (c, w) in enumerate(zip(cells, widths)))
    return "\n".join([render(header), render(tuple("-" * w for w in widths)), *map(render, lines)])


def report_header(stamp: str, options: Any) -> dict[str, Any]:
    """What every bench report starts with: when, which commit, which machine, with which options."""
    return {
        "when": stamp,
        "commit": _git_commit(),
        "machine": {"cpus": _cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "options": {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(options).items()},
    }


def _git_commit() -> str | None:
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                cwd=Path(__file__).resolve().parent, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "bot", "dialogs", "store", "cards"],
                               capture_output=True, text=True, cwd=Path(__file__).resolve().parent).stdout.strip()
        return commit + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return None


def run(options: Options) -> dict[str, Any]:
    """Runs every subject `options.repeat` times (rounds interleave subjects, so drift hits all alike)."""
    say = (lambda *a: None) if options.quiet else (lambda *a: print(*a, flush=True))
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    subjects = plan(options, say)
    postgres = postgres_server_url(options.postgres_url) if "postgres" in options.backends else None
    rows: list[dict[str, Any]] = []
    options.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kl-bench-") as tmp:
        workdir = Path(tmp)
        databases = Databases(workdir, postgres)
        connector = ConnectorProcess().start()
        try:
            for round_no in range(1, options.repeat + 1):
                for subject in subjects:
                    say(f"[{round_no}/{options.repeat}] {subject.label}: {DESCRIPTIONS[subject.scenario]} "
                        f"({clients_of(subject.scenario, options)} clients, "
                        f"{options.warmup:g} s warm-up, {options.seconds:g} s)")
                    row = run_subject(subject, options, connector, databases, workdir, stamp, round_no, say)
                    rows.append(row)
                    if subject.scenario in AREA_SCENARIOS:
                        say(f"  prepared {row['clients'] * row['people_per_client']} assessments "
                            f"({row['people_per_client']} per client) in {row['prepare_seconds']:.1f} s")
                    say(f"  {row['activities_per_second']:.1f} act/s, p50 {_fmt(row['p50_ms'], '.1f')} ms, "
                        f"p99 {_fmt(row['p99_ms'], '.1f')} ms, errors {row['errors']}, replies "
                        f"{row['replies_received']}/{row['replies_expected']}, bot CPU "
                        f"{_fmt(row['bot_cpu_ms_per_turn'], '.2f')} ms/turn")
                    for kind, other in row["other_turns"].items():
                        say(f"  besides: {kind} turns {other['per_second']:.1f}/s, p50 {_fmt(other['p50_ms'], '.1f')} "
                            f"ms (not in the figures)")
                    if subject.scenario == "answers" and row["clients_out_of_people"]:
                        say(f"  WARNING: {row['clients_out_of_people']} of {row['clients']} clients ran out of "
                            f"prepared people and started their last one over (its start and mode turns are not "
                            f"in the figures); prepare more with --answers-people")
                    for problem, count in row["error_samples"].items():
                        say(f"  ERROR x{count}: {problem}")
                    for line in row["server_log_samples"]:
                        say(f"  server log: {line[:200]}")
                    if row["reply_shapes"] and len(row["reply_shapes"]) > 1:
                        say(f"  replies of more than one shape: {row['reply_shapes']}")
                    if row["profile"]:
                        from bench.profiles import summarise as summarise_profile

                        text = summarise_profile(Path(row["profile"]), top=25)
                        Path(row["profile"]).with_suffix(".summary.txt").write_text(text + "\n", encoding="utf-8")
                        say("  profile: " + row["profile"] + "\n" + "\n".join("    " + l for l in text.splitlines()))
        finally:
            connector.stop()
            databases.close()

    summary = summarise(rows)
    report = {**report_header(stamp, options), "summary": summary, "rows": rows}
    if options.write:
        path = options.out / f"turns-{stamp}.json"
        text = json.dumps(report, indent=2, ensure_ascii=False) + "\n"
        path.write_text(text, encoding="utf-8")
        report["path"] = str(path)
        if options.save_latest:
            # The committed figures that bench/README.md quotes.
            (options.out / "latest.json").write_text(text, encoding="utf-8")
    return report


def _cpu_count() -> int | None:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def parse_args(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(prog="python -m bench.turns", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=20, help="concurrent simulated people (default 20)")
    parser.add_argument("--area-clients", type=int, default=50,
                        help="concurrent people answering assessment areas (default 50)")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured window per subject (default 10)")
    parser.add_argument("--warmup", type=float, default=2.0, help="warm-up before the window (default 2)")
    parser.add_argument("--turns", type=int,
                        help="each client takes this many turns, all measured, instead of --warmup and --seconds")
    parser.add_argument("--repeat", type=int, default=1, help="rounds over all subjects; medians are reported")
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument("--scenarios", default=",".join(ALL_SCENARIOS),
                        help="comma-separated, from: " + ",".join(ALL_SCENARIOS))
    parser.add_argument("--answers-people", type=int,
                        help="assessments prepared per client for the answers subject (default: enough for "
                             f"{ANSWERS_ASSUMED_PER_SECOND} answers/s over the warm-up and the window, and a margin)")
    parser.add_argument("--profile", action="store_true",
                        help="sample each server with py-spy during its window (lowers throughput a little)")
    parser.add_argument("--postgres-url", help="PostgreSQL server URL (default: scripts/postgres.sh)")
    parser.add_argument("--variants", default="",
                        help="comma-separated variants of our bot besides the bot as shipped (bench/servers.py "
                             "VARIANTS; join several with +), e.g. stock-io,no-pgdriver")
    parser.add_argument("--log-level", default="WARNING", help="the servers' log level (default WARNING)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where the JSON and profiles go")
    parser.add_argument("--save-latest", action="store_true",
                        help="also write the report to latest.json there (the committed figures)")
    args = parser.parse_args(argv)
    scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = [s for s in scenarios if s not in ALL_SCENARIOS]
    if unknown:
        parser.error(f"unknown scenarios {unknown}; choose from {', '.join(ALL_SCENARIOS)}")
    if "echo" not in scenarios:
        print("note: without echo there is no stock baseline, so no ratios", file=sys.stderr)
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    from bench.servers import VARIANTS

    variants = [""] + [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = [part for v in variants if v for part in v.split("+") if part not in VARIANTS]
    if unknown:
        parser.error(f"unknown variants {unknown}; choose from {', '.join(VARIANTS)}")
    return Options(clients=args.clients, area_clients=args.area_clients, seconds=args.seconds, warmup=args.warmup, turns=args.turns,
                   repeat=max(1, args.repeat),
                   backends=backends, scenarios=scenarios, answers_people=args.answers_people, profile=args.profile,
                   postgres_url=args.postgres_url, variants=variants, log_level=args.log_level.upper(), out=args.out,
                   save_latest=args.save_latest)


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    report = run(options)
    print()
    print(format_table(report["summary"]))
    if report.get("path"):
        print(f"\nJSON: {report['path']}")
    failed = [s["subject"] for s in report["summary"] if not s["verified"]]
    if failed:
        print(f"NOT VERIFIED (errors, lost or extra replies, or error cards): {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
