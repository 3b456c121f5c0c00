"""What the dispatcher benches share (bench/dispatch.py, round_trips.py, survey.py, broadcast_turns.py and the
statement counts of activities.py): the dispatcher as the bot builds it, each turn's thread CPU and SQL
statements recorded by kind, medians printed, and a fresh database per backend.

Thread CPU does not count the waits for PostgreSQL, only the work of sending, receiving and everything in
between (on SQLite the database's own work runs in the thread, so it counts). Statements are counted by their
first word as the cursor runs them (BEGIN and COMMIT are not cursor statements and are not counted).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event

from bench.databases import Databases, postgres_server_url
from bot.app import dialog_config
from bot.settings import Settings
from dialogs.clock import Clock
from dialogs.dispatch import Dispatcher
from dialogs.routes import build_router
from dialogs.turn import Reply, Request
from store.db import Database


def by_first_word(statements: list[str]) -> Counter[str]:
    return Counter(statement.split(None, 1)[0].upper() for statement in statements)


def dispatcher_for(db: Database, clock: Clock | None = None) -> Dispatcher:
    """The dispatcher with the bot's routes and default settings, as a turn thread runs it."""
    return Dispatcher(db, build_router(), dialog_config(Settings.from_env({}, env_file=None)), clock)


class TurnMeter:
    """Runs turns through a dispatcher and records, per kind, each turn's thread CPU (µs) and its statements.

    `counting` off (the default for timing) leaves the engine without a listener, so the CPU figures carry no
    cost of counting; `measuring` off runs a turn without recording it (warm-up)."""

    def __init__(self, dispatcher: Dispatcher, *, counting: bool = False,
                 tally: Callable[[list[str]], Counter[str]] | None = None) -> None:
        self.dispatcher = dispatcher
        self.tally = tally or by_first_word
        self.cpu: dict[str, list[float]] = defaultdict(list)
        self.statements: dict[str, list[Counter[str]]] = defaultdict(list)
        self._seen: list[str] = []
        self.last_seconds = 0.0
        self.counting = counting
        if counting:
            event.listen(dispatcher.db.engine, "before_cursor_execute", self._record)

    def _record(self, _connection, _cursor, statement, *_args) -> None:
        self._seen.append(" ".join(statement.split()))

    def turn(self, kind: str, request: Request, *, measuring: bool = True) -> Reply:
        self._seen.clear()
        started = time.thread_time()
        reply = self.dispatcher.handle(request)
        self.last_seconds = time.thread_time() - started
        if measuring:
            self.record(kind, self.last_seconds, list(self._seen))
        return reply

    def record(self, kind: str, seconds: float, statements: list[str]) -> None:
        """Files a turn under `kind` (a caller that learns the kind only from the reply files it afterwards)."""
        self.cpu[kind].append(seconds * 1e6)
        if self.counting:
            self.statements[kind].append(self.tally(statements))

    @property
    def last_statements(self) -> list[str]:
        return list(self._seen)

    def close(self) -> None:
        if self.counting:
            event.remove(self.dispatcher.db.engine, "before_cursor_execute", self._record)
            self.counting = False

    def median_cpu(self, kind: str) -> float:
        return statistics.median(self.cpu[kind])

    def median_statements(self, kind: str) -> float:
        return statistics.median(sum(counted.values()) for counted in self.statements[kind])

    def statements_line(self, kind: str) -> str:
        """"7 statements (SELECT 6, UPDATE 1)": medians over the kind's turns."""
        turns = self.statements[kind]
        words = sorted({word for counted in turns for word in counted})
        parts = ", ".join(f"{word} {statistics.median(counted[word] for counted in turns):g}" for word in words)
        return f"{self.median_statements(kind):g} statements ({parts})"


def cpu_lines(cpu: dict[str, list[float]], kinds: list[str], *, against: str | None = None) -> list[str]:
    """One line per kind: turns, median thread CPU, and the ratio to `against` (the help turn)."""
    lines = []
    for kind in kinds:
        values = cpu.get(kind, [])
        if not values:
            continue
        line = f"  {kind:<24} {len(values):5d} turns  median {statistics.median(values):7.0f} µs"
        if against and cpu.get(against) and kind != against:
            line += f"  {statistics.median(values) / statistics.median(cpu[against]):4.2f}x {against}"
        lines.append(line)
    return lines


def add_backend_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--postgres-url")


def backends_of(args: argparse.Namespace) -> list[str]:
    return ["sqlite", "postgres"] if args.backend == "both" else [args.backend]


@contextmanager
def fresh_databases(backends: list[str], postgres_url: str | None, prefix: str) -> Iterator[Callable[[str], str]]:
    """`create(backend)` gives the URL of a new, empty database, dropped when the block ends."""
    with tempfile.TemporaryDirectory(prefix=prefix) as workdir:
        databases = Databases(Path(workdir), postgres_server_url(postgres_url) if "postgres" in backends else None)
        made: list[str] = []

        def create(backend: str) -> str:
            made.append(databases.create(backend))
            return made[-1]

        try:
            yield create
        finally:
            for url in made:
                databases.drop(url)
            databases.close()


def run_each_backend(args: argparse.Namespace, prefix: str, measure_and_report: Callable[[str, str], str]) -> int:
    """For each backend asked for: a fresh database, `measure_and_report(backend, url)`, its text printed."""
    backends = backends_of(args)
    with fresh_databases(backends, args.postgres_url, prefix) as create:
        for backend in backends:
            print(measure_and_report(backend, create(backend)), flush=True)
    return 0
