"""A broadcast to N recipients through real bot processes (`python -m bot`) on one PostgreSQL, against a fake
Teams connector that enforces a per-tenant limit (429 with Retry-After above it) and answers 1 % of sends
with 503. Prints the duration against the minimum the configured rate allows (N / rate; the connector's
limit is set to the same rate, so the edge is really tested), duplicates and losses, for one instance, two
instances, and two instances with one killed -9 at 50 % and restarted.

    .venv/bin/python -m bench.broadcast                              # 10,000 recipients at 50/s, 3 runs each
    .venv/bin/python -m bench.broadcast --n 2000 --runs 1 --scenarios one,two,kill
    .venv/bin/python -m bench.broadcast --rate 1000 --scenarios one,two   # the sender's own ceiling

The rows are enqueued straight through the store (store.outbox.enqueue_many), as a coordinator's broadcast
would in one transaction. "from enqueue" counts from that commit to the last message Teams accepted;
"sending" from the first accepted to the last. Instances look for work every OUTBOX_POLL_SECONDS (1 here);
a broadcast enqueued by a turn wakes its own instance at once. "busiest second" is the most calls the
connector admitted in any one-second window (its limiter refuses the one above the rate). The connector runs
in this process with the cyclic garbage collector off: see bench/README.md, "Broadcast delivery pace".
"""

from __future__ import annotations

import argparse
import gc
import statistics
import tempfile
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

from store import outbox
from store.db import Database
from store.models.outbox import OutboxStatus
from tests.fakes.connector import FakeTeamsConnector, busiest_second
from tests.harness import PostgresDatabases, postgres_server_url
from tests.processes import BotProcess, reachable_people

CARD = {"type": "AdaptiveCard", "version": "1.5",
        "body": [{"type": "TextBlock", "text": "Ny aktivitet: Digitalt kompetenslyft, introduktion", "wrap": True}]}


def _run(scenario: str, *, n: int, rate: float, server_url: str, workdir: Path) -> dict:
    databases = PostgresDatabases(server_url)
    url = databases.create()
    db = Database(url)
    db.migrate()
    connector = FakeTeamsConnector(enforce_teams_limits=True, tenant_requests_per_second=int(rate)).start()
    # The fake keeps every request it answers: with 10,000 of them the cyclic collector's full passes stopped
    # this process (and the connector's thread) for up to 0.3 s, and the sends that queued meanwhile were
    # stamped all at once, a burst that Teams would never see. Nothing here makes cycles worth collecting.
    gc.collect()
    gc.disable()
    processes: list[BotProcess] = []
    try:
        people = reachable_people(db, connector, n)
        connector.fail_randomly(fail=0.01, status=503, seed=len(scenario))
        env = {"OUTBOX_TENANT_RATE": f"{rate:g}", "OUTBOX_POLL_SECONDS": "1", "LOG_LEVEL": "WARNING"}
        count = 1 if scenario == "one" else 2
        processes = [BotProcess(url, log_path=workdir / f"{scenario}-{i}.log", **env).start() for i in range(count)]
        with db.session() as session:
            outbox.enqueue_many(session, campaign="bench", cards=[(p, CARD) for p in people],
                                now=datetime.now(timezone.utc))
        enqueued = time.monotonic()
        killed_at = restarted_at = None
        # Generous: at a high rate the sender's own ceiling (about 100-150/s per machine here) sets the pace.
        deadline = enqueued + max(n / rate * 3, n / 20) + 60
        while time.monotonic() < deadline:
            delivered = connector.accepted_count()
            if scenario == "kill" and killed_at is None and delivered >= n // 2:
                processes[0].kill()
                killed_at = time.monotonic()
                processes[0] = BotProcess(url, log_path=workdir / f"{scenario}-restarted.log", **env).start()
                restarted_at = time.monotonic()
            if delivered >= n and _unsent(db) == 0:
                break
            time.sleep(0.5)
        finished = time.monotonic()
        activities = connector.activities()
        accepted = [a for a in activities if a["_kind"] in ("send", "reply")]
        requests = connector.requests
        per_chat = Counter(a["_conversation_id"] for a in accepted)
        with db.session() as session:
            counts = outbox.campaign_counts(session, campaign="bench")
            throttled = outbox.tenant_throttled(session)
        admitted = sorted(r.at for r in requests if r.status < 300)
        first_at = min(r.at for r in requests if r.status < 300) if accepted else None
        last_at = max(r.at for r in requests if r.status < 300) if accepted else None
        return {
            "scenario": scenario, "n": n, "rate": rate, "minimum": n / rate,
            # The connector stamps requests with time.monotonic(), the clock `enqueued` was read from.
            "from_enqueue": (last_at if last_at else finished) - enqueued,
            "sending": (last_at - first_at) if accepted else None,
            "duplicates": sum(c - 1 for c in per_chat.values() if c > 1),
            "losses": n - len(per_chat),
            "sent_rows": counts.by_status[OutboxStatus.SENT],
            "failed_rows": counts.by_status[OutboxStatus.FAILED],
            "http_429": sum(1 for r in requests if r.status == 429),
            "http_5xx": sum(1 for r in requests if r.status >= 500),
            "throttled_recorded": sum(throttled.values()),
            "busiest_second": busiest_second(admitted),
            "takeover": (killed_at, restarted_at),
        }
    finally:
        gc.enable()
        for process in processes:
            process.kill()
        connector.stop()
        db.dispose()
        databases.drop(url)


def _unsent(db: Database) -> int:
    with db.session() as session:
        counts = outbox.campaign_counts(session, campaign="bench")
    return counts.unsent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scenarios", default="one,two,kill")
    parser.add_argument("--postgres-url", default=None)
    args = parser.parse_args(argv)
    server_url = args.postgres_url or postgres_server_url()
    if not server_url:
        parser.error("PostgreSQL needed: --postgres-url or KL_TEST_POSTGRES_URL (scripts/postgres.sh prints it)")
    workdir = Path(tempfile.mkdtemp(prefix="bench-broadcast-"))
    print(f"broadcast to {args.n} recipients at {args.rate:g}/s (connector limit {args.rate:g}/s, 1 % 503); "
          f"minimum {args.n / args.rate:.1f} s; logs in {workdir}")
    failed = False
    for scenario in args.scenarios.split(","):
        results = [_run(scenario, n=args.n, rate=args.rate, server_url=server_url, workdir=workdir)
                   for _ in range(args.runs)]
        for r in results:
            print(f"  {scenario:5} run: from enqueue {r['from_enqueue']:.1f} s ({r['from_enqueue'] / r['minimum']:.3f}x), "
                  f"sending {r['sending']:.1f} s, duplicates {r['duplicates']}, losses {r['losses']}, "
                  f"sent rows {r['sent_rows']}, failed rows {r['failed_rows']}, 429s {r['http_429']}, "
                  f"5xx {r['http_5xx']}, busiest second {r['busiest_second']}")
        median = statistics.median(r["from_enqueue"] for r in results)
        print(f"{scenario:5} median of {len(results)}: {median:.1f} s = {median / results[0]['minimum']:.3f}x the "
              f"minimum; duplicates {sum(r['duplicates'] for r in results)}, "
              f"losses {sum(r['losses'] for r in results)}")
        failed |= any(r["duplicates"] or r["losses"] for r in results)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
