"""bench/turns.py works: a one-second run with two clients on SQLite gives figures, no errors and no lost reply.

No timed assertion: how fast the machine is is not a test's business; that the harness counts is.
"""

from bench.turns import Options, format_table, run


def test_the_bench_measures_echo_and_help_and_the_connector_gets_every_reply(tmp_path):
    report = run(Options(clients=2, seconds=1.0, warmup=0.3, scenarios=["echo", "help"], backends=["sqlite"],
                         write=False, quiet=True, out=tmp_path))

    summary = {entry["subject"]: entry for entry in report["summary"]}
    assert set(summary) == {"echo/stock", "help/sqlite"}
    for subject, entry in summary.items():
        assert entry["activities_per_second"] > 0, subject
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
