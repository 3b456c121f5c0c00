"""CPU of one turn in our own code, per kind of assessment turn: the dispatcher alone, no HTTP, one thread.

    python -m bench.dispatch [--backend sqlite|postgres|both] [--people 20] [--rounds 172] [--warmup 15]

bench/turns.py measures the whole bot under load, where a change of 5 % drowns in the noise of a shared
2-core machine. This runs the self-assessment of `--people` people through `Dispatcher.handle` (the database,
the dialogs and the cards, as a turn thread runs them), round after round: each person answers the statement card
it was last given (one of its answer buttons at random, as bench/load.py does), starts over after the ending, and
each turn's thread CPU time is recorded by kind (start, mode, answer, finish). Thread CPU does not count the
waits for PostgreSQL, only the work of sending, receiving and everything in between. Medians per kind are
printed, and the mean over all turns (the flow's mix: 1 start, 1 mode, 83 answers, 1 finish).
"""

from __future__ import annotations

import argparse
import random
import statistics
from typing import Any

from bench.load import answer_actions, card_action, iter_actions
from bench.turn_meter import TurnMeter, add_backend_arguments, dispatcher_for, run_each_backend
from cards.address import ADDRESSEE_KEY
from cards.verbs import Verb
from dialogs.turn import Kind, Request, Sender
from store.db import Database


class Person:
    """One simulated employee: their identity, the card they were last given, and their addressee stamp."""

    def __init__(self, index: int) -> None:
        self.sender = Sender(tenant_id="bench-tenant", teams_user_id=f"29:bench-{index}",
                             aad_object_id=f"aad-bench-{index}", name=f"Person {index}", locale="sv-SE")
        self.reference = {"activityId": "1", "bot": {"id": "28:bench"}, "channelId": "msteams",
                          "conversation": {"id": f"a:bench-{index}", "tenantId": "bench-tenant"},
                          "serviceUrl": "http://127.0.0.1:9/", "user": {"id": f"29:bench-{index}"}}
        self.card: dict[str, Any] | None = None
        self.addressee: Any = None

    def request(self, verb: str, data: dict[str, Any]) -> Request:
        return Request(self.sender, Kind.ACTION, verb=verb, data=data, via_execute=True,
                       conversation_reference=self.reference)


def next_turn(person: Person, rng: random.Random) -> tuple[str, Request]:
    """What the person clicks next on the card they have, and the kind of turn that is."""
    card = person.card
    answers = answer_actions(card) if card else []
    if answers:
        return "answer", person.request(Verb.ASSESSMENT_ANSWER, dict(rng.choice(answers)["data"]))
    mode = card_action(card, Verb.ASSESSMENT_MODE, mode="long") if card else None
    if mode is not None:
        return "mode", person.request(Verb.ASSESSMENT_MODE, dict(mode["data"]))
    start = card_action(card, Verb.ASSESSMENT_START) if card else None  # "Ja, gör en ny skattning" within 30 days
    data: dict[str, Any] = dict(start["data"]) if start else {"verb": Verb.ASSESSMENT_START}
    if person.addressee is not None:
        data[ADDRESSEE_KEY] = person.addressee
    return "start", person.request(Verb.ASSESSMENT_START, data)


def measure(url: str, *, people: int, rounds: int, warmup: int, seed: int = 0) -> dict[str, list[float]]:
    """Thread CPU (µs) of each turn by kind."""
    cpu = dict(run_assessments(url, people=people, rounds=rounds, warmup=warmup, seed=seed).cpu)
    unexpected = set(cpu) - {"start", "mode", "answer", "finish"}
    if not cpu.get("answer") or not cpu.get("finish") or unexpected:
        raise RuntimeError(f"the flow did not run as expected: kinds {sorted(cpu)}")
    return cpu


def run_assessments(url: str, *, people: int, rounds: int, warmup: int, seed: int = 0, help_after: bool = False,
                    **meter_options: Any) -> TurnMeter:
    """The people's self-assessments, round after round, through a TurnMeter (`meter_options`: counting,
    tally); with `help_after`, each person types "hjälp" after each turn (kind "help (again)")."""
    db = Database(url)
    db.migrate()
    meter = TurnMeter(dispatcher_for(db), **meter_options)
    crowd, rng = [Person(i) for i in range(people)], random.Random(seed)
    try:
        for round_ in range(warmup + rounds):
            for person in crowd:
                kind, request = next_turn(person, rng)
                reply = meter.turn(kind, request, measuring=False)
                # An answer replaces its card with the next statement (or the ending).
                person.card = reply.cards[-1]
                if kind == "answer" and card_action(person.card, Verb.ASSESSMENT_ANSWER) is None:
                    kind = "finish"  # the last statement: "Klart!" came back
                if round_ >= warmup:
                    meter.record(kind, meter.last_seconds, meter.last_statements)
                stamps = [a["data"][ADDRESSEE_KEY] for a in iter_actions(person.card)
                          if isinstance(a.get("data"), dict) and ADDRESSEE_KEY in a["data"]]
                person.addressee = stamps[0] if stamps else person.addressee
                if help_after:
                    meter.turn("help (again)", Request(person.sender, Kind.TEXT, text="hjälp",
                                                       conversation_reference=person.reference),
                               measuring=round_ >= warmup)
    finally:
        meter.close()
        db.dispose()
    return meter


def report(backend: str, cpu: dict[str, list[float]]) -> str:
    lines = [f"{backend}:"]
    for kind in ("start", "mode", "answer", "finish"):
        values = cpu.get(kind, [])
        if values:
            lines.append(f"  {kind:<7} {len(values):5d} turns  median {statistics.median(values):7.0f} µs")
    every = [value for values in cpu.values() for value in values]
    lines.append(f"  all     {len(every):5d} turns  mean   {statistics.fmean(every):7.0f} µs")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_backend_arguments(parser)
    parser.add_argument("--people", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=172)  # two whole assessments a person
    parser.add_argument("--warmup", type=int, default=15)
    args = parser.parse_args(argv)
    return run_each_backend(args, "kl-dispatch-", lambda backend, url: report(backend, measure(
        url, people=args.people, rounds=args.rounds, warmup=args.warmup)))


if __name__ == "__main__":
    raise SystemExit(main())
