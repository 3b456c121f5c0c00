"""Idle memory of the real bot (`python -m bot`) after start-up and after N turns, beside the stock echo bot.

    python -m bench.memory [--backend sqlite|postgres|both] [--turns 1000] [--people 10] [--settle 2]

DESIGN.md §5: "idle memory under 150 MB". Each subject runs alone in a process of its own: our bot as it runs
in production (`python -m bot`, settings from the environment, scheduler on, a fresh database), the stock
echo bot as bench/servers.py serves it. Memory is read from /proc after start-up (once /healthz answers and
the process is idle), then N turns are driven over HTTP (a full self-assessment per person, then help
messages and card actions; echo messages for the echo bot) with replies going to the fake Teams connector,
and memory is read again once the process is idle. Prints a table and writes
bench/results/memory-<timestamp>.json. MB here is 10^6 bytes.
"""

from __future__ import annotations

# Only the standard library at module level: the stock echo bot and the fake connector are spawned children,
# and multiprocessing's spawn imports this module again in them, so anything imported here would be counted
# in the echo bot's memory.
import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
TARGET_MB = 150.0
MB = 1_000_000
ECHO = "echo/stock"
# /proc/<pid>/status: resident (now and peak), split by kind, and the threads.
STATUS_FIELDS = ("VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem", "VmSize")
# /proc/<pid>/smaps_rollup: the process's proportional share of shared pages, and its private pages.
ROLLUP_FIELDS = ("Rss", "Pss", "Pss_Anon", "Pss_File", "Shared_Clean", "Shared_Dirty", "Private_Clean",
                 "Private_Dirty", "Swap")
# Production's settings where tests/e2e's BotProcess sets others (quiet hours off, no scheduler).
PRODUCTION_ENV = {"RUN_SCHEDULER": "true", "WORKING_HOURS": "08:00-17:00", "WORKING_DAYS": "1-5",
                  "LOG_LEVEL": "INFO"}


@dataclass
class Options:
    turns: int = 1000
    # Concurrent people: each completes a self-assessment, then alternates help messages and card actions.
    people: int = 10
    # Seconds to wait before each reading (after /healthz answers, after the last turn), then until idle.
    settle: float = 2.0
    backends: list[str] = field(default_factory=lambda: ["sqlite"])
    postgres_url: str | None = None
    out: Path = RESULTS
    write: bool = True
    quiet: bool = False


def read_memory(pid: int) -> dict[str, Any]:
    """The process's memory as the kernel reports it, in kB (KiB), and its child processes (we expect none)."""
    status: dict[str, int] = {}
    threads = None
    with open(f"/proc/{pid}/status", encoding="ascii") as lines:
        for line in lines:
            key, _, value = line.partition(":")
            if key in STATUS_FIELDS:
                status[key] = int(value.split()[0])
            elif key == "Threads":
                threads = int(value)
    rollup: dict[str, int] | None = None
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as lines:
            rollup = {}
            for line in lines:
                key, _, value = line.partition(":")
                if key in ROLLUP_FIELDS:
                    rollup[key] = int(value.split()[0])
    except OSError:  # a kernel before 4.14, or no permission
        pass
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            children += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            pass
    reading: dict[str, Any] = {"at": time.time(), "status_kb": status, "threads": threads,
                               "smaps_rollup_kb": rollup, "children": children}
    reading.update(_megabytes(status, rollup))
    return reading


def _megabytes(status: dict[str, int], rollup: dict[str, int] | None) -> dict[str, float | None]:
    def mb(kib: int | None) -> float | None:
        return None if kib is None else kib * 1024 / MB

    return {
        "rss_mb": mb(status.get("VmRSS")),
        "peak_rss_mb": mb(status.get("VmHWM")),
        "anon_mb": mb(status.get("RssAnon")),
        "pss_mb": mb(rollup.get("Pss")) if rollup else None,
        "private_mb": mb(rollup["Private_Clean"] + rollup["Private_Dirty"]) if rollup else None,
    }


def wait_until_idle(pid: int, settle: float, *, window: float = 1.0, limit: float = 15.0) -> float | None:
    """Waits `settle` seconds, then until the process used at most one clock tick of CPU over `window`
    seconds (or `limit` seconds have passed). Returns the CPU share of the last window."""
    from bench.load import process_cpu_seconds

    time.sleep(settle)
    deadline = time.monotonic() + limit
    while True:
        before = process_cpu_seconds(pid)
        time.sleep(window)
        after = process_cpu_seconds(pid)
        if before is None or after is None:
            return None
        if after - before <= 0.011 or time.monotonic() >= deadline:
            return (after - before) / window


async def drive(bot_url: str, service_url: str, users: list, turns: int, *, echo: bool,
                seed: int = 0) -> dict[str, Any]:
    """Posts `turns` activities over HTTP, the people concurrently, each person's turns one after another.

    Each person of our bot answers a whole self-assessment first (bench.load's AreaScenario: start, long
    mode, every statement, "Klart!"), then alternates a typed "hjälp" (the menu, a reply through the
    connector) and the menu's card action (answered in place); for the echo bot every turn is a message.
    A turn is answered when its HTTP status is 2xx and its body is what the scenario expects; the replies
    expected at the connector are returned per conversation, for the caller to compare."""
    import aiohttp

    from bench.load import AreaScenario, CardScenario, Client, EchoScenario, HelpScenario, take_turn

    def person_turns(user, number: int):
        if echo:
            scenario, client = EchoScenario(), Client(user, service_url)
            while True:
                yield scenario, client
        # One Client (its state) per scenario: the area flow and the card action keep different things.
        area, assessing = AreaScenario(seed=seed + number), Client(user, service_url)
        while not assessing.ok["finish"]:
            yield area, assessing
        menu, helping = HelpScenario(), Client(user, service_url)
        card, clicking = CardScenario(), Client(user, service_url)
        while True:
            yield menu, helping
            yield card, clicking

    statuses: Counter[int] = Counter()
    answered: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    expected: Counter[str] = Counter()
    url = f"{bot_url}/api/messages"
    headers = {"Content-Type": "application/json"}

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=len(users))) as session:

        async def post(activity: dict[str, Any]) -> tuple[int, bytes]:
            async with session.post(url, data=json.dumps(activity).encode(), headers=headers) as response:
                return response.status, await response.read()

        async def person(number: int, user, budget: int) -> None:
            plan = person_turns(user, number)
            for _ in range(budget):
                scenario, client = next(plan)
                turn = await take_turn(scenario, client, post, errors)
                if turn.status is not None:
                    statuses[turn.status] += 1
                if turn.kind is not None:
                    answered[f"{scenario.name}/{turn.kind}"] += 1
                    expected[user.conversation_id] += scenario.replies.get(turn.kind, 0)

        budgets = [turns // len(users) + (1 if i < turns % len(users) else 0) for i in range(len(users))]
        started = time.monotonic()
        await asyncio.gather(*(person(i, user, budget) for i, (user, budget) in enumerate(zip(users, budgets))))
        seconds = time.monotonic() - started
    return {
        "sent": turns,
        "http_2xx": sum(n for status, n in statuses.items() if 200 <= status < 300),
        "statuses": {str(status): n for status, n in sorted(statuses.items())},
        "answered": sum(answered.values()),
        "answered_by_kind": dict(sorted(answered.items())),
        "assessments_finished": answered["area/finish"],
        "errors": dict(errors),
        "expected_replies": dict(expected),
        "seconds": seconds,
    }


@contextmanager
def running_server(subject: str, database_url: str | None, workdir: Path):
    """Starts a subject in a process of its own and yields (its URL, its pid, what runs); stops it on exit."""
    if subject == ECHO:
        from bench.servers import STOCK, ServerProcess

        server = ServerProcess(STOCK, database_url=None, log_path=str(workdir / "echo.log")).start()
        try:
            yield server.url, server.pid, "bench.servers: bench/stock_echo.py (spawned)"
        finally:
            server.stop()
        return
    from tests.e2e.playground import BotProcess

    # The real `python -m bot` in its own process group and working directory (no developer .env read),
    # local dev mode, with production's scheduler and working hours.
    bot = BotProcess(workdir, extra_env={**PRODUCTION_ENV, "DATABASE_URL": database_url})
    with bot:
        pid = bot._process.pid  # setpriv execs the bot, so this is the bot's own pid
        yield bot.url, pid, Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ").strip()


def measure(subject: str, options: Options, connector, databases, workdir: Path, say) -> dict[str, Any]:
    from bench.people import greeted_before
    from tests.fakes.activities import TeamsUser

    backend = None if subject == ECHO else subject.split("/", 1)[1]
    users = [TeamsUser.create(f"Minne Person {i}", service_url=connector.base_url) for i in range(options.people)]
    connector.reset()
    connector.register(users)
    database_url = databases.create(backend) if backend else None
    folder = workdir / subject.replace("/", "-")
    folder.mkdir(parents=True)
    try:
        with running_server(subject, database_url, folder) as (url, pid, command):
            idle_cpu_start = wait_until_idle(pid, options.settle)
            after_start = read_memory(pid)
            say(f"  idle after start-up: RSS {after_start['rss_mb']:.1f} MB")
            if database_url:
                greeted_before(database_url, users)  # installed the app before: every turn answers as counted
            traffic = asyncio.run(drive(url, connector.base_url, users, options.turns, echo=subject == ECHO))
            replies = connector.wait_and_summarise(sum(traffic["expected_replies"].values()), timeout=30)
            idle_cpu_turns = wait_until_idle(pid, options.settle)
            after_turns = read_memory(pid)
            say(f"  idle after {options.turns} turns ({traffic['seconds']:.1f} s): RSS {after_turns['rss_mb']:.1f} MB")
    finally:
        if database_url:
            databases.drop(database_url)
    expected = traffic["expected_replies"]
    received = replies["per_conversation"]
    lost = sum(max(0, n - received.get(cid, 0)) for cid, n in expected.items())
    extra = sum(max(0, n - expected.get(cid, 0)) for cid, n in received.items())
    idle_rss = max(after_start["rss_mb"], after_turns["rss_mb"])
    return {
        "subject": subject,
        "backend": backend,
        "command": command,
        "pid": pid,
        "after_start": after_start,
        "after_turns": after_turns,
        "idle_cpu_share": {"after_start": idle_cpu_start, "after_turns": idle_cpu_turns},
        "turns": traffic,
        "replies_expected": sum(expected.values()),
        "replies_received": replies["total"],
        "replies_lost": lost,
        "replies_extra": extra,
        "connector_refused": replies["refused_count"],
        "all_answered": (traffic["http_2xx"] == traffic["sent"] == traffic["answered"] and not traffic["errors"]
                         and lost == 0 and extra == 0 and replies["refused_count"] == 0),
        "idle_rss_mb": idle_rss,
        "target_mb": TARGET_MB,
        "target_met": idle_rss < TARGET_MB,
    }


def run(options: Options) -> dict[str, Any]:
    from bench.connector_process import ConnectorProcess
    from bench.databases import Databases, postgres_server_url
    from bench.turns import report_header

    say = (lambda *a: None) if options.quiet else (lambda *a: print(*a, flush=True))
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    subjects = [ECHO] + [f"bot/{backend}" for backend in options.backends]
    postgres = postgres_server_url(options.postgres_url) if "postgres" in options.backends else None
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="kl-memory-") as tmp:
        databases = Databases(Path(tmp), postgres)
        connector = ConnectorProcess().start()
        try:
            for subject in subjects:
                say(f"{subject}: start, settle, {options.turns} turns by {options.people} people, settle")
                rows.append(measure(subject, options, connector, databases, Path(tmp), say))
        finally:
            connector.stop()
            databases.close()
    report = {**report_header(stamp, options), "subjects": rows}
    if options.write:
        options.out.mkdir(parents=True, exist_ok=True)
        path = options.out / f"memory-{stamp}.json"
        path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        report["path"] = str(path)
    return report


def format_table(report: dict[str, Any]) -> str:
    turns = report["options"]["turns"]
    header = ("subject", "RSS MB idle after start", f"RSS MB idle after {turns} turns", f"PSS MB after {turns}",
              "peak (VmHWM) MB", "turns answered", f"target {TARGET_MB:g} MB")
    lines = []
    for row in report["subjects"]:
        pss = row["after_turns"]["pss_mb"]
        lines.append((
            row["subject"], f"{row['after_start']['rss_mb']:.1f}", f"{row['after_turns']['rss_mb']:.1f}",
            "-" if pss is None else f"{pss:.1f}", f"{row['after_turns']['peak_rss_mb']:.1f}",
            f"{row['turns']['answered']}/{row['turns']['sent']}" + ("" if row["all_answered"] else " NO"),
            "met" if row["target_met"] else "not met",
        ))
    widths = [max(len(header[i]), *(len(line[i]) for line in lines)) for i in range(len(header))]

    def render(cells) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    return "\n".join([render(header), render(tuple("-" * w for w in widths)), *map(render, lines)])


def parse_args(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(prog="python -m bench.memory", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="sqlite")
    # Ten people answer a whole self-assessment (86 turns each) and go on with the menu.
    parser.add_argument("--turns", type=int, default=1000, help="turns between the two readings (default 1000)")
    parser.add_argument("--people", type=int, default=10,
                        help="concurrent people; each answers a whole self-assessment first (default 10)")
    parser.add_argument("--settle", type=float, default=2.0,
                        help="seconds to wait before each reading, then until the process is idle (default 2)")
    parser.add_argument("--postgres-url", help="PostgreSQL server URL (default: scripts/postgres.sh)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where the JSON goes")
    args = parser.parse_args(argv)
    if args.turns < 1 or args.people < 1:
        parser.error("--turns and --people must be at least 1")
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    return Options(turns=args.turns, people=args.people, settle=args.settle, backends=backends,
                   postgres_url=args.postgres_url, out=args.out)


def main(argv: list[str] | None = None) -> int:
    report = run(parse_args(argv))
    print()
    print(format_table(report))
    for row in report["subjects"]:
        children = row["after_turns"]["children"]
        if children:
            print(f"note: {row['subject']} has child processes {children}, not counted above")
    if report.get("path"):
        print(f"\nJSON: {report['path']}")
    failed = [row["subject"] for row in report["subjects"] if not row["all_answered"]]
    if failed:
        print(f"NOT EVERY TURN ANSWERED (errors, lost or extra replies): {', '.join(failed)}")
        for row in report["subjects"]:
            for problem, count in row["turns"]["errors"].items():
                print(f"  {row['subject']} ERROR x{count}: {problem}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
