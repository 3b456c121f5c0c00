"""bench/activities.py works: a short run with a small catalogue gives both figures, no errors, every reply."""

from bench.activities import Options, run


def test_the_activities_bench_measures_both_turns_and_the_largest_card(tmp_path):
    report = run(Options(people=2, activities=60, seconds=1.0, warmup=0.3, write=False, quiet=True, out=tmp_path))

    (entry,) = report["summary"]
    assert entry["verified"], report["rows"]
    assert entry["help_cpu_ms_per_turn"] and entry["activities_cpu_ms_per_turn"]
    assert entry["cpu_ratio_to_help"] > 0
    assert 0 < entry["largest_card_bytes"] < 28 * 1024
    assert {row["scenario"] for row in report["rows"]} == {"help", "activities"}
