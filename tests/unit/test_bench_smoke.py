"""bench/turns.py works: a short run with two clients on SQLite gives figures, no errors and no lost reply.

No timed assertion and no window of time: each client takes a fixed number of turns (Options.turns), so what
the run does is the same on a fast machine and a busy one; how fast the machine is is not a test's business.
"""

from bench.turns import Options, answers_people_per_client, format_table, run


def test_the_bench_measures_echo_and_help_and_the_connector_gets_every_reply(tmp_path):
    report = run(Options(clients=2, turns=15, scenarios=["echo", "help"], backends=["sqlite"],
                         write=False, quiet=True, out=tmp_path))

    summary = {entry["subject"]: entry for entry in report["summary"]}
    assert set(summary) == {"echo/stock", "help/sqlite"}
    for subject, entry in summary.items():
        assert entry["activities_per_second"] > 0, subject
        assert entry["replies_expected"] == 2 * 15, subject  # one reply a turn, every turn on the count
        assert entry["p50_ms"] is not None and entry["p99_ms"] >= entry["p50_ms"], subject
        assert entry["errors"] == 0, (subject, report["rows"])
        assert entry["replies_expected"] > 0, subject
        assert entry["replies_received"] == entry["replies_expected"], subject
        assert entry["replies_lost"] == 0 and entry["verified"], (subject, report["rows"])
    assert summary["echo/stock"]["ratio_to_stock_echo"] == 1.0
    assert summary["help/sqlite"]["ratio_to_stock_echo"] > 0
    # One reply shape per subject: the echo's text, our menu card.
    rows = {row["subject"]: row for row in report["rows"]}
    assert list(rows["echo/stock"]["reply_shapes"]) == ["text: Echo:"]
    assert len(rows["help/sqlite"]["reply_shapes"]) == 1
    assert next(iter(rows["help/sqlite"]["reply_shapes"])).startswith("card: ")
    assert "help/sqlite" in format_table(report["summary"])


def test_the_answers_subject_answers_prepared_assessments_only_and_starts_over_when_it_runs_out(tmp_path):
    def answers(people_per_client: int) -> dict:
        return run(Options(area_clients=2, turns=200, scenarios=["answers"], backends=["sqlite"],
                           answers_people=people_per_client, write=False, quiet=True, out=tmp_path))["rows"][0]

    # 200 turns a client: three people each is plenty (85 turns finish one: 84 statements and the ending),
    # one each is not.
    plenty, scarce = answers(3), answers(1)

    for row in (plenty, scarce):
        assert row["subject"] == "answers/sqlite" and row["clients"] == 2
        assert row["verified"] and row["errors"] == 0, {k: v for k, v in row.items() if k not in ("kinds",)}
        # Every answer is replaced in place (the next statement, or the ending): no message through the connector.
        assert row["replies_expected"] == row["replies_received"], row
        assert row["kinds"]["finish"]["per_second"] > 0 and row["kinds"]["answer"]["per_second"] > 0, row
    # Every prepared person started (and chose the long mode) before the clock; none on it.
    assert plenty["people_per_client"] == 3 and plenty["ok"]["start"] == plenty["ok"]["mode"] == 6
    assert set(plenty["turns_after_prepare"]) == {"answer", "finish"}, plenty["turns_after_prepare"]
    assert plenty["other_turns"] == {} and plenty["clients_out_of_people"] == 0
    # With one person each, both clients finish it and start over, counted apart from the figures.
    assert scarce["clients_out_of_people"] == 2
    assert scarce["turns_after_prepare"]["start"] > 0 and set(scarce["other_turns"]) == {"start", "mode"}


def test_the_answers_subject_prepares_enough_people_for_500_answers_a_second():
    options = Options(area_clients=50, seconds=10.0, warmup=2.0)
    assert answers_people_per_client(options) * 50 * 84 >= 500 * 12
    assert answers_people_per_client(Options(answers_people=7)) == 7
