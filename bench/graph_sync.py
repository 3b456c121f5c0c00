"""Directory sync from Microsoft Graph at city scale: a full sync of N users with managers, then a delta sync.

The fake Graph (tests/fakes/graph.py) runs in a process of its own, so the figures are the sync's: wall time,
and the growth of this process's peak RSS during the sync (Linux VmHWM, reset before each sync). The sync is
the real one (MSAL token, paging by 999, the directory import) into a fresh PostgreSQL (or SQLite) database.

    .venv/bin/python -m bench.graph_sync [--users 50000] [--changes 200] [--backend postgres|sqlite]

Targets (DESIGN §5, issue #16): full sync of 50,000 in under 2 minutes with memory growth under 100 MB;
a delta of 200 changes in under 5 s.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

TENANT = "6f1c3b8e-2d4a-4c1e-9f0a-1b2c3d4e5f60"
APP_ID = "0c8f4a5e-9b1d-4e2f-8a3c-5d6e7f809a1b"
SECRET = "bench-secret"


def _serve(users: int, conn) -> None:
    """The fake Graph's process: a tenant of `users` people in 400 departments, managers in a tree."""
    from tests.fakes.graph import FakeGraph

    graph = FakeGraph(tenant_id=TENANT, client_id=APP_ID, client_secret=SECRET).start()
    heads = [graph.add_user(f"Chef {d}", f"chef{d}@stockholm.se", department=f"Enhet {d:03d}",
                            job_title="Enhetschef", company="Stockholms stad") for d in range(400)]
    people = [graph.add_user(f"Medarbetare {i}", f"medarbetare{i}@stockholm.se", manager=heads[i % 400],
                             department=f"Enhet {i % 400:03d}", job_title=("Bibliotekarie", "Museipedagog",
                             "Handläggare", "Kulturskolelärare")[i % 4], company="Stockholms stad")
              for i in range(users - len(heads))]
    conn.send((graph.origin, graph.base_url, graph.ca_file))
    while True:
        command = conn.recv()
        if command == "stop":
            graph.stop()
            return
        changes = int(command)
        for n in range(changes):
            person = people[(n * 37) % len(people)]
            if n % 4 == 0:
                graph.update_user(person, manager=heads[(n + 1) % 400])
            elif n % 4 == 1:
                graph.update_user(person, accountEnabled=False)
            elif n % 4 == 2:
                graph.update_user(person, displayName=person.displayName + " (ny)")
            else:
                graph.add_user(f"Nyanställd {n}", f"ny{n}@stockholm.se", manager=heads[n % 400],
                               department=f"Enhet {n % 400:03d}", company="Stockholms stad")
        conn.send("done")


def _rss_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.graph_sync", description=__doc__)
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--backend", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--postgres-url")
    args = parser.parse_args(argv)

    import requests

    from bench.databases import Databases, postgres_server_url
    from bot.graph import graph_client_for
    from dialogs.directory_sync import sync_directory
    from bot.settings import Settings
    from dialogs.config import DialogConfig
    from store import directory, directory_sync
    from store.db import Database

    parent, child = multiprocessing.Pipe()
    server = multiprocessing.get_context("fork").Process(target=_serve, args=(args.users, child), daemon=True)
    server.start()
    origin, base_url, ca_file = parent.recv()
    workdir = Path(tempfile.mkdtemp(prefix="kl-graph-bench-"))
    databases = Databases(workdir, postgres_server_url(args.postgres_url) if args.backend == "postgres" else None)
    url = databases.create(args.backend)
    db = Database(url)
    db.migrate()
    try:
        with db.session() as session:
            organisation, _ = directory.save_organisation(session, key="stockholm", name="Stockholms stad",
                                                          tenant_id=TENANT)
            directory_sync.use_graph(session, organisation=organisation, rule=directory_sync.SyncRule(
                company="Stockholms stad"), nightly=True, install_app=False)
        settings = Settings(app_id=APP_ID, app_password=SECRET, app_tenant_id=TENANT, graph_base_url=base_url,
                            graph_authority_host=origin)

        def sync() -> tuple[float, int, object]:
            http = requests.Session()
            http.verify, http.trust_env = ca_file, False
            graph = graph_client_for(settings, TENANT, session=http)
            before = _rss_kb("VmRSS")
            _reset_peak()
            started = time.perf_counter()
            result = sync_directory(db, DialogConfig(), graph, organisation_key="stockholm",
                                    now=datetime.now(timezone.utc))
            elapsed = time.perf_counter() - started
            return elapsed, _rss_kb("VmHWM") - before, result

        full_time, full_growth, full = sync()
        assert full.ok, full.lines()
        parent.send(str(args.changes))
        parent.recv()
        delta_time, delta_growth, delta = sync()
        assert delta.ok, delta.lines()
        report = delta.import_report
        print(f"graph sync bench ({args.backend}, {args.users} users in 400 units, pages of 999)")
        print(f"  full sync : {full_time:6.1f} s  (target < 120 s)   peak RSS growth {full_growth / 1024:6.1f} MB "
              f"(target < 100 MB)   {full.users_read} users read, {len(full.import_report.created)} created")
        print(f"  delta sync: {delta_time:6.1f} s  (target < 5 s)     peak RSS growth {delta_growth / 1024:6.1f} MB   "
              f"{delta.users_read} records, {len(report.updated)} updated, {len(report.created)} created, "
              f"{len(report.deactivated)} left, {len(report.manager_changes)} new managers")
    finally:
        parent.send("stop")
        server.join(timeout=10)
        db.dispose()
        databases.drop(url)
        databases.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
