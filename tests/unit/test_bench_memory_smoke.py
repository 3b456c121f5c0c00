"""bench/memory.py works: a short run on SQLite reads the memory of the stock echo bot and of `python -m bot`,
both answer every turn they are sent, and nothing it started is left running.

No assertion on the figures: whether the 150 MB target is met is for the bench to print, not for a test.
"""

import json
from pathlib import Path

from bench.memory import ECHO, Options, format_table, read_memory, run


def test_a_short_run_reads_both_subjects_memory_and_every_turn_is_answered(tmp_path):
    report = run(Options(turns=200, people=2, settle=0.3, backends=["sqlite"], out=tmp_path, quiet=True))

    written = json.loads(Path(report["path"]).read_text(encoding="utf-8"))
    subjects = {row["subject"]: row for row in written["subjects"]}
    assert set(subjects) == {ECHO, "bot/sqlite"}
    for subject, row in subjects.items():
        for reading in (row["after_start"], row["after_turns"]):
            assert reading["rss_mb"] > 0 and reading["peak_rss_mb"] >= reading["rss_mb"], (subject, reading)
            assert reading["pss_mb"] is None or reading["pss_mb"] > 0, (subject, reading)
        turns = row["turns"]
        assert turns["sent"] == turns["http_2xx"] == turns["answered"] == 200, (subject, turns)
        assert turns["errors"] == {}, (subject, turns)
        assert row["replies_expected"] > 0 and row["replies_received"] == row["replies_expected"], (subject, row)
        assert row["replies_lost"] == row["replies_extra"] == 0 and row["all_answered"], (subject, row)
        assert isinstance(row["target_met"], bool)
        # Stopped afterwards: the process is gone.
        assert not Path(f"/proc/{row['pid']}").exists(), subject

    bot = subjects["bot/sqlite"]
    assert bot["command"].endswith("-m bot"), bot["command"]  # the real bot, as production runs it
    # A hundred turns each: both people answered a whole self-assessment (86 turns: start, mode, 84 statements),
    # then help messages and card actions.
    assert bot["turns"]["assessments_finished"] == 2
    assert {"help/turn", "card/turn"} <= set(bot["turns"]["answered_by_kind"])
    assert subjects[ECHO]["turns"]["answered_by_kind"] == {"echo/turn": 200}

    table = format_table(written)
    assert ECHO in table and "bot/sqlite" in table and "target 150 MB" in table


def test_read_memory_reads_this_process():
    import os

    reading = read_memory(os.getpid())
    assert reading["rss_mb"] > 0 and reading["status_kb"]["VmRSS"] > 0 and reading["threads"] >= 1
