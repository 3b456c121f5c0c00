"""SQL statements per kind of turn: what each turn costs in round trips to the database, printed, not asserted.

    python -m bench.round_trips [--backend sqlite|postgres|both] [--people 5] [--rounds 14]

On PostgreSQL every round trip costs the GIL-bound bot CPU (bench/README.md), so a turn that reads back what it
has just written, or asks in three statements what one could answer, shows here first. The self-assessment of
`--people` people runs through `Dispatcher.handle` as in bench/dispatch.py (start, mode, area answers, finish,
over and over), plus a repeated help turn; for each kind of turn the median number of statements is printed,
split by their first word, and the finishing turn's reads of `assessment_level` (the levels it has just
written: 0 expected, 1 once a previous assessment is compared). The tests keep only what a person would notice
(a repeated turn writes nothing, the profile after finishing is right); these figures moved here from them.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

from sqlalchemy import event

from bench.databases import Databases, postgres_server_url
from bench.dispatch import Person, next_turn
from bench.load import card_action, iter_actions
from bot.app import dialog_config
from bot.settings import Settings
from cards.address import ADDRESSEE_KEY
from cards.verbs import Verb
from dialogs.dispatch import Dispatcher
from dialogs.routes import build_router
from dialogs.turn import Kind, Request
from store.db import Database


def measure(url: str, *, people: int, rounds: int, seed: int = 0) -> dict[str, list[Counter[str]]]:
    """Per kind of turn, one Counter per turn: statements by first word, and `level reads` on the finish."""
    db = Database(url)
    db.migrate()
    dispatcher = Dispatcher(db, build_router(), dialog_config(Settings.from_env({}, env_file=None)))
    crowd, rng = [Person(i) for i in range(people)], random.Random(seed)
    statements: list[str] = []

    def record(_connection, _cursor, statement, *_args) -> None:
        statements.append(" ".join(statement.split()))

    by_kind: dict[str, list[Counter[str]]] = defaultdict(list)

    def turn(kind: str, request: Request):
        statements.clear()
        reply = dispatcher.handle(request)
        counted = Counter(statement.split(None, 1)[0].upper() for statement in statements)
        counted["level reads"] = sum(s.startswith("SELECT") and "FROM assessment_level" in s for s in statements)
        return reply, counted

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        for round_ in range(rounds):
            for person in crowd:
                kind, request = next_turn(person, rng)
                reply, counted = turn(kind, request)
                person.card = reply.cards[-1]
                if kind == "answer" and card_action(person.card, Verb.ASSESSMENT_ANSWER) is None:
                    kind = "finish"
                if round_ > 0:  # the first round creates every person
                    by_kind[kind].append(counted)
                stamps = [a["data"][ADDRESSEE_KEY] for a in iter_actions(person.card)
                          if isinstance(a.get("data"), dict) and ADDRESSEE_KEY in a["data"]]
                person.addressee = stamps[0] if stamps else person.addressee
                help_request = Request(person.sender, Kind.TEXT, text="hjälp",
                                       conversation_reference=person.reference)
                by_kind["help (again)"].append(turn("help", help_request)[1])
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
        db.dispose()
    return by_kind


def report(backend: str, by_kind: dict[str, list[Counter[str]]]) -> str:
    lines = [f"{backend}: median statements per turn"]
    for kind in ("start", "mode", "answer", "finish", "help (again)"):
        turns = by_kind.get(kind, [])
        if not turns:
            continue
        words = sorted({word for counted in turns for word in counted if word != "level reads"})
        total = statistics.median(sum(v for k, v in c.items() if k != "level reads") for c in turns)
        parts = ", ".join(f"{word} {statistics.median(c[word] for c in turns):g}" for word in words)
        extra = (f"; reads of assessment_level max {max(c['level reads'] for c in turns)}"
                 if kind == "finish" else "")
        lines.append(f"  {kind:<13} {len(turns):4d} turns  {total:4g} statements ({parts}){extra}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--people", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=14)
    parser.add_argument("--postgres-url")
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    with tempfile.TemporaryDirectory(prefix="kl-round-trips-") as workdir:
        databases = Databases(Path(workdir), postgres_server_url(args.postgres_url) if "postgres" in backends
                              else None)
        try:
            for backend in backends:
                url = databases.create(backend)
                try:
                    print(report(backend, measure(url, people=args.people, rounds=args.rounds)), flush=True)
                finally:
                    databases.drop(url)
        finally:
            databases.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
