"""bench/dispatch.py runs the whole self-assessment through the dispatcher and reports every kind of turn."""

from bench.dispatch import measure, report


def test_the_dispatch_bench_times_every_kind_of_assessment_turn(sqlite_url):
    # 86 rounds for each of two people: start, mode, 83 statements answered, and the 84th's finishing answer.
    cpu = measure(sqlite_url, people=2, rounds=86, warmup=0)

    assert {kind: len(values) for kind, values in cpu.items()} == {"start": 2, "mode": 2, "answer": 166, "finish": 2}
    assert all(value > 0 for values in cpu.values() for value in values)
    printed = report("sqlite", cpu)
    assert "finish" in printed and "all       172 turns" in printed
