"""Memory under bad input: the bot's RSS after each of several rounds of fuzzed activities (issue 10: after a fourth
round of 7,000 at most 10 % above the first round's).

    python -m bench.fuzz_memory                       # 4 rounds of 7,000 on SQLite (a few minutes)
    python -m bench.fuzz_memory --rounds 2 --activities 500 --backend postgres

The real `python -m bot` (bench/memory.py's running_server: production's defaults, local dev mode) in its own
process, the fake connector in another, and the fuzzed activities posted from this one by 20 concurrent clients:
typed messages, Action.Submit and Action.Execute with random data, install events, with odd text, names,
locales, ids (a fresh sender in a third of them, so that anything kept per sender grows), deep nesting,
non-JSON bodies and oversized ones. Every answer must be 2xx or 400/401/403/413: a 5xx is counted and fails the
run. After each round: wait until the bot is idle, read VmRSS. `--tracemalloc` instead runs the app in this
process and prints the allocations that grew most between the end of the first round and the last.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"
ALLOWED = {200, 201, 400, 401, 403, 413}
GROWTH_LIMIT = 1.10  # the fourth round's RSS over the first's


@dataclass
class Options:
    rounds: int = 4
    activities: int = 7000
    clients: int = 20
    people: int = 200
    backend: str = "sqlite"
    seed: int = 0
    settle: float = 2.0
    tracemalloc: bool = False
    postgres_url: str | None = None
    out: Path = RESULTS
    write: bool = True


# ---- the fuzzer ------------------------------------------------------------------------------------------------

_ODD = ["", " ", "\x00", "hj\x00älp", "\\ud800", "Ω" * 300, "x" * 3000, "💥" * 70, "hjälp", "min plan",
        "<at>Kompetenslyft</at> hjälp", "\u202e", "null", "{}", "9" * 40]
_VERBS = None


def _verbs() -> list[str]:
    global _VERBS
    if _VERBS is None:
        from cards.verbs import Verb

        _VERBS = [str(verb) for verb in Verb]
    return _VERBS


def _text(rng: random.Random) -> str:
    if rng.random() < 0.4:
        return rng.choice(_ODD)
    length = rng.choice([1, 5, 20, 80, 300])
    return "".join(chr(rng.choice([rng.randrange(0x20, 0x7f), rng.randrange(0xa0, 0x2fff),
                                   rng.randrange(0x1f300, 0x1f6ff), 0])) for _ in range(length))


def _json(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth > 3 or roll < 0.5:
        return rng.choice([None, True, 0, -1, 2**63, 2**70, 1.5e300, "x", _text(rng)])
    if roll < 0.75:
        return [_json(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {_text(rng)[:20]: _json(rng, depth + 1) for _ in range(rng.randrange(4))}


def _deep(depth: int) -> Any:
    value: Any = "deep"
    for _ in range(depth):
        value = {"a": [value]}
    return value


def fuzzed_body(rng: random.Random, users: list, service_url: str) -> bytes:
    """One request body: mostly Teams-shaped activities with odd contents, some not activities at all."""
    from tests.fakes import activities as teams
    from tests.fakes.activities import TeamsUser

    roll = rng.random()
    if roll < 0.03:
        return b"[" * rng.choice([100, 1000, 5000]) + b"]"
    if roll < 0.05:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200)))
    if roll < 0.06:
        return json.dumps({"type": "message", "text": "x" * 300_000}).encode()
    user = rng.choice(users)
    if rng.random() < 0.33:  # a sender nobody has seen: whatever is kept per sender grows with these
        user = TeamsUser.create(_text(rng)[:60] or "Okänd", service_url=service_url)
    kind = rng.choice(["text", "submit", "execute", "install"])
    data: dict[str, Any] = {"verb": rng.choice(_verbs()) if rng.random() < 0.8 else _text(rng)}
    for key in rng.sample(["plan_id", "assessment", "area", "rev", "page", "to", "comment", "goals"], 3):
        data[key] = _json(rng)
    if kind == "text":
        activity = teams.text(user, _text(rng), service_url=service_url)
    elif kind == "submit":
        activity = teams.submit(user, data, service_url=service_url)
    elif kind == "execute":
        activity = teams.execute(user, data["verb"], data, service_url=service_url)
    else:
        activity = teams.install(user, service_url)
    if rng.random() < 0.3:
        activity["from"]["name"] = _text(rng)
    if rng.random() < 0.2:
        activity["locale"] = _text(rng)
    if rng.random() < 0.1:
        activity["from"].pop("aadObjectId", None)
    if rng.random() < 0.05:
        activity[rng.choice(["value", "channelData", "entities", "text"])] = _deep(rng.choice([40, 400]))
    if rng.random() < 0.05:
        activity[rng.choice(["channelData", "entities", "conversation", "recipient"])] = _json(rng)
    return json.dumps(activity).encode()


async def fuzz_round(bot_url: str, service_url: str, users: list, count: int, clients: int,
                     rng: random.Random) -> dict[str, Any]:
    import aiohttp

    bodies = [fuzzed_body(rng, users, service_url) for _ in range(count)]
    statuses: dict[int, int] = {}
    started = time.monotonic()
    queue = iter(bodies)

    async with aiohttp.ClientSession() as session:
        async def client() -> None:
            for body in queue:
                try:
                    async with session.post(f"{bot_url}/api/messages", data=body,
                                            headers={"Content-Type": "application/json"}) as response:
                        await response.read()
                        statuses[response.status] = statuses.get(response.status, 0) + 1
                except aiohttp.ClientError:
                    statuses[-1] = statuses.get(-1, 0) + 1

        await asyncio.gather(*(client() for _ in range(clients)))
    return {"sent": count, "seconds": round(time.monotonic() - started, 2),
            "statuses": {str(k): v for k, v in sorted(statuses.items())},
            "unexpected": sum(v for k, v in statuses.items() if k not in ALLOWED)}


# ---- the run ---------------------------------------------------------------------------------------------------

def run(options: Options, say=print) -> dict[str, Any]:
    from bench.connector_process import ConnectorProcess
    from bench.databases import Databases, postgres_server_url
    from bench.memory import read_memory, running_server, wait_until_idle
    from bench.turns import report_header
    from tests.fakes.activities import TeamsUser

    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    rng = random.Random(options.seed)
    rounds: list[dict[str, Any]] = []
    postgres = postgres_server_url(options.postgres_url) if options.backend == "postgres" else None
    with tempfile.TemporaryDirectory(prefix="kl-fuzz-memory-") as tmp:
        databases = Databases(Path(tmp), postgres)
        connector = ConnectorProcess().start()
        database_url = databases.create(options.backend)
        try:
            users = [TeamsUser.create(f"Fuzz Person {i}", service_url=connector.base_url)
                     for i in range(options.people)]
            connector.register(users)
            with running_server(f"bot/{options.backend}", database_url, Path(tmp)) as (url, pid, _command):
                wait_until_idle(pid, options.settle)
                start = read_memory(pid)["rss_mb"]
                say(f"idle after start-up: RSS {start:.1f} MB")
                for number in range(1, options.rounds + 1):
                    result = asyncio.run(fuzz_round(url, connector.base_url, users, options.activities,
                                                    options.clients, rng))
                    connector.reset()  # the connector's own records are not the bot's memory
                    wait_until_idle(pid, options.settle)
                    result["rss_mb"] = read_memory(pid)["rss_mb"]
                    result["round"] = number
                    rounds.append(result)
                    say(f"round {number}: {result['sent']} activities in {result['seconds']} s, "
                        f"statuses {result['statuses']}, RSS {result['rss_mb']:.1f} MB")
        finally:
            connector.stop()
            databases.drop(database_url)
            databases.close()
    first, last = rounds[0]["rss_mb"], rounds[-1]["rss_mb"]
    report = {**report_header(stamp, options), "idle_rss_mb_after_start": start, "rounds": rounds,
              "growth_last_over_first": last / first, "growth_limit": GROWTH_LIMIT,
              "met": last <= GROWTH_LIMIT * first and not any(r["unexpected"] for r in rounds)}
    if options.write:
        options.out.mkdir(parents=True, exist_ok=True)
        path = options.out / f"fuzz-memory-{stamp}.json"
        path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        report["path"] = str(path)
    return report


def run_traced(options: Options, say=print) -> None:
    """The app in this process under tracemalloc: the allocation sites that grew most from round 1 to the last."""
    import logging
    import tracemalloc

    from bot.settings import Settings
    from tests.fakes.connector import FakeTeamsConnector
    from tests.fakes.activities import TeamsUser
    from tests.harness import RunningBot

    logging.disable(logging.CRITICAL)  # the fuzz makes thousands of warnings; the figures are what matters here

    async def main() -> None:
        rng = random.Random(options.seed)
        with tempfile.TemporaryDirectory() as tmp, FakeTeamsConnector() as connector:
            users = [TeamsUser.create(f"Fuzz Person {i}", service_url=connector.base_url)
                     for i in range(options.people)]
            for user in users:
                connector.register(user)
            bot = await RunningBot(Settings(database_url=f"sqlite:///{tmp}/fuzz.db", run_scheduler=False)).start()
            try:
                tracemalloc.start(10)
                snapshots = []
                for number in range(1, options.rounds + 1):
                    result = await fuzz_round(bot.url, connector.base_url, users, options.activities,
                                              options.clients, rng)
                    connector.reset()
                    snapshots.append(tracemalloc.take_snapshot())
                    say(f"round {number}: {result['statuses']}, traced {tracemalloc.get_traced_memory()[0] / 1e6:.1f} MB")
                for stat in snapshots[-1].compare_to(snapshots[0], "traceback")[:12]:
                    say(f"{stat.size_diff / 1e3:+.1f} kB in {stat.count_diff:+d} blocks")
                    for line in stat.traceback.format()[-6:]:
                        say("    " + line)
            finally:
                await bot.stop()

    asyncio.run(main())


def parse_args(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(prog="python -m bench.fuzz_memory", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--activities", type=int, default=7000, help="fuzzed activities per round")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--people", type=int, default=200, help="known people (two thirds of the activities)")
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tracemalloc", action="store_true", help="find what grows (the app in this process)")
    parser.add_argument("--postgres-url")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    return Options(rounds=args.rounds, activities=args.activities, clients=args.clients, people=args.people,
                   backend=args.backend, seed=args.seed, tracemalloc=args.tracemalloc,
                   postgres_url=args.postgres_url, out=args.out)


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    if options.tracemalloc:
        run_traced(options)
        return 0
    report = run(options)
    growth = report["growth_last_over_first"]
    print(f"RSS after round 1: {report['rounds'][0]['rss_mb']:.1f} MB, after round {options.rounds}: "
          f"{report['rounds'][-1]['rss_mb']:.1f} MB ({growth:.3f}x; limit {GROWTH_LIMIT}x): "
          + ("met" if report["met"] else "NOT MET"))
    if report.get("path"):
        print(f"JSON: {report['path']}")
    return 0 if report["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
