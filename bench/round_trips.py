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
import statistics
from collections import Counter

from bench.dispatch import run_assessments
from bench.turn_meter import add_backend_arguments, by_first_word, run_each_backend


def measure(url: str, *, people: int, rounds: int, seed: int = 0) -> dict[str, list[Counter[str]]]:
    """Per kind of turn, one Counter per turn: statements by first word, and `level reads` on the finish."""
    def tally(statements: list[str]) -> Counter[str]:
        counted = by_first_word(statements)
        counted["level reads"] = sum(s.startswith("SELECT") and "FROM assessment_level" in s for s in statements)
        return counted

    # The first round creates every person: not counted.
    meter = run_assessments(url, people=people, rounds=rounds, warmup=1, seed=seed, help_after=True, counting=True,
                            tally=tally)
    return dict(meter.statements)


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
    add_backend_arguments(parser)
    parser.add_argument("--people", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=14)
    args = parser.parse_args(argv)
    return run_each_backend(args, "kl-round-trips-", lambda backend, url: report(backend, measure(
        url, people=args.people, rounds=args.rounds)))


if __name__ == "__main__":
    raise SystemExit(main())
