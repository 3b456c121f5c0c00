"""A whole digital maturity survey round over HTTP on a manual clock: scheduled by an admin, opened by the
daily job with an invitation in every chat, answered card by card, reminders only to those who have not
answered, closed with a notice to the coordinator, results within the anonymity rules for coordinator and
employees, the export, and a look at every table showing that no answer can be tied to a person."""

from __future__ import annotations

import argparse
import csv
import io
from datetime import datetime, timezone

import pytest
from sqlalchemy import Date, DateTime, inspect, select, text

from bot.app import DATABASE, dialog_config
from bot.cli import survey as survey_cli
from dialogs.clock import ManualClock
from store.models.survey import SurveyInvitation, SurveyResponse, SurveyRound
from tests.harness import Chat, card_text, person_id_of
from tests.survey_fixtures import (
    INVITATION_TITLE, READY_TITLE, REMINDER_TITLE, answer_survey, make_staff, run_job, schedule, titled,
)

# Thursday 1 October 2026, 10:00 in Stockholm: the round's first day, a working morning.
OPENING = datetime(2026, 10, 1, 8, 0, tzinfo=timezone.utc)
DAY_7 = datetime(2026, 10, 8, 8, 0, tzinfo=timezone.utc)  # Thursday
DAY_14 = datetime(2026, 10, 15, 8, 0, tzinfo=timezone.utc)  # Thursday
TWO_DAYS_BEFORE_CLOSING = datetime(2026, 10, 29, 9, 0, tzinfo=timezone.utc)  # Thursday (CET from 25 Oct)
AFTER_CLOSING = datetime(2026, 11, 2, 8, 0, tzinfo=timezone.utc)  # Monday


@pytest.fixture
def clock():
    return ManualClock(OPENING)


async def test_a_whole_round_with_twelve_people_in_two_units_and_a_small_unit_merged_into_its_parent(
        clocked_bot, connector, clock, tmp_path):
    bot = clocked_bot
    db = bot.app[DATABASE]
    # KF (the administration itself) 2 people, SSB 6, KH 4; KH will have only 3 answers.
    staff = make_staff(connector, tmp_path, db, {"KF": 2, "SSB": 6, "KH": 4})
    chats = {user.email: Chat(bot, connector, user) for user in staff.everyone}
    coordinator_chat = chats[staff.coordinator.email]
    await coordinator_chat.install()
    round_id = schedule(db, dialog_config(bot.settings))

    assert await run_job(bot, clock) == 12
    for chat in chats.values():
        assert len(titled(chat, INVITATION_TITLE)) == 1, chat.user.name
    assert await run_job(bot, clock) == 0, "a second run the same day sends nothing again"

    silent = staff.people["KH"][3]
    respondents = [u for u in staff.everyone if u is not silent]
    for number, user in enumerate(respondents):
        chat = chats[user.email]
        chat.seen = len(chat.cards())
        (invitation,) = titled(chat, INVITATION_TITLE)
        # SSB agrees (4), the rest are neutral (3).
        value = 4 if user in staff.people["SSB"] else 3
        thanks = await answer_survey(chat, invitation, value=value, comment=f"Fritext nummer {number}")
        assert "Tack för dina svar!" in card_text(thanks)

    employee_chat = chats[staff.people["SSB"][0].email]
    early = await employee_chat.say("resultat")
    assert "Det finns inget resultat att visa ännu" in card_text(early[0]), "no results before closing"

    clock.set(DAY_7)
    assert await run_job(bot, clock) == 1
    assert [len(titled(chats[u.email], REMINDER_TITLE)) for u in staff.everyone] == \
        [1 if u is silent else 0 for u in staff.everyone], "only the one who has not answered is reminded"
    clock.set(DAY_14)
    assert await run_job(bot, clock) == 1
    clock.set(TWO_DAYS_BEFORE_CLOSING)
    assert await run_job(bot, clock) == 1
    assert len(titled(chats[silent.email], REMINDER_TITLE)) == 3
    assert "sista dagen är 2026-10-31" in card_text(titled(chats[silent.email], REMINDER_TITLE)[-1])

    clock.set(AFTER_CLOSING)
    assert await run_job(bot, clock) == 1, "the coordinator is told that the results are ready"
    (ready,) = titled(coordinator_chat, READY_TITLE)
    assert "11 av 12 inbjudna svarade" in card_text(ready)
    coordinator_chat.seen = len(coordinator_chat.cards())
    results = card_text((await coordinator_chat.click(ready, "Visa resultatet"))[0])
    assert "Digital mognad: Stockholms stad, kulturförvaltningen" in results
    assert "11 av 12 (92 %)" in results
    # SSB (6 answers) stands alone; KH's 3 answers are counted in Kulturförvaltningen with its own 2.
    assert "Stadsbiblioteket\n6 av 6\n4,0" in results
    assert "Kulturförvaltningen\n5 av 6\n3,0" in results
    assert "Kulturhuset" not in results
    assert "Fritext nummer 0" in results, "coordinators read free text of groups of at least 5"

    employee_chat.seen = len(employee_chat.cards())
    employee_view = card_text((await employee_chat.say("resultat"))[0])
    assert "Så här svarade 11 medarbetare (92 % av de inbjudna)" in employee_view
    assert "Stadsbiblioteket" not in employee_view and "Fritext" not in employee_view

    out_file = tmp_path / "resultat.csv"
    assert survey_cli.run(argparse.Namespace(survey_command="export", round=round_id, out=str(out_file)), db,
                          dialog_config(bot.settings), out=io.StringIO()) == 0
    with out_file.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    assert {row["group"] for row in rows} == {"Stockholms stad, kulturförvaltningen (total)", "Stadsbiblioteket",
                                              "Kulturförvaltningen"}
    ssb_capability = next(r for r in rows if r["group"] == "Stadsbiblioteket" and r["dimension"] == "capability")
    assert (ssb_capability["n"], ssb_capability["mean"], ssb_capability["answers_4"]) == ("6", "4.0", "30")

    _no_answer_can_be_tied_to_a_person(bot, staff, round_id, respondents)


def _no_answer_can_be_tied_to_a_person(bot, staff, round_id, respondents) -> None:
    """Every table after the round: the answers carry no person, no time and no sequence; no other table holds
    an answer or a free text; the register says who answered only to the day; every unit an answer names has
    at least k answers, so joining answers to the register through the unit narrows nobody down below k."""
    db = bot.app[DATABASE]
    inspector = inspect(db.engine)
    answer_columns = {c["name"]: c for c in inspector.get_columns("survey_response")}
    assert set(answer_columns) == {"id", "round_id", "unit_id", "answers", "free_text"}
    assert not [fk for fk in inspector.get_foreign_keys("survey_response") if fk["referred_table"] == "person"]
    for column in inspector.get_columns("survey_invitation"):
        assert not isinstance(column["type"], DateTime), f"the register keeps {column['name']} finer than a date"
    assert isinstance(next(c for c in inspector.get_columns("survey_invitation")
                           if c["name"] == "answered_on")["type"], Date)

    with db.session() as session:
        answers = list(session.execute(select(SurveyResponse)).scalars())
        survey_round = session.get(SurveyRound, round_id)
        register = list(session.execute(select(SurveyInvitation)).scalars())
        assert survey_round.draft_secret is None
        assert len(answers) == len(respondents) == sum(1 for r in register if r.answered_on is not None)
        assert len({a.id for a in answers}) == len(answers) and all(len(a.id) == 32 for a in answers)
        person_ids = {person_id_of(bot, u) for u in staff.everyone}
        assert not {a.id for a in answers} & {str(p) for p in person_ids}
        # Each answer's unit is a reported group: at least k answers name it.
        per_unit = {}
        for answer in answers:
            per_unit[answer.unit_id] = per_unit.get(answer.unit_id, 0) + 1
        assert min(per_unit.values()) >= survey_round.min_group
        free_texts = {a.free_text for a in answers}
        assert {f"Fritext nummer {n}" for n in range(len(respondents))} == free_texts

        # No table but survey_response holds a free text, and no draft or pending answer is left.
        for table in inspector.get_table_names():
            rows = session.execute(text(f'SELECT * FROM "{table}"')).all()
            if table in ("survey_draft", "survey_pending"):
                assert all(not row._mapping.get("answers") for row in rows), table
                continue
            if table == "survey_response":
                continue
            dumped = repr(rows)
            assert "Fritext nummer" not in dumped, f"{table} holds a free-text answer"
