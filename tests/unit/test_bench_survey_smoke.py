"""bench/survey.py answers the whole survey through the dispatcher and compares its turns with the help turn."""

from bench.survey import measure, report


def test_the_survey_bench_times_each_kind_of_survey_turn_and_the_help_turn(sqlite_url):
    cpu = measure(sqlite_url, people=2)

    # Each person: "hjälp", "enkät", eight dimension answers and the finish.
    assert {kind: len(values) for kind, values in cpu.items()} == {"help": 2, "start": 2, "answer": 16, "finish": 2}
    assert "survey answer / help" in report("sqlite", cpu)
