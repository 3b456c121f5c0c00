"""The survey's edges over HTTP: a restart between opening and the first reminder, forged and repeated
answers, results asked for too early or for too few answers, and an admin cancelling a round."""

from __future__ import annotations

import argparse
import io
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from bot.app import DATABASE, dialog_config
from bot.cli import survey as survey_cli
from cards.verbs import Verb
from dialogs.clock import ManualClock
from store import survey as survey_store
from store.models.survey import SurveyInvitation, SurveyPending, SurveyResponse
from tests.harness import Chat, RunningBot, card_text, person_id_of, registered_user, settings_for_tests
from tests.survey_fixtures import (
    INVITATION_TITLE, NEXT, READY_TITLE, REMINDER_TITLE, answer_survey, make_staff, run_job, schedule, titled,
)

OPENING = datetime(2026, 10, 1, 8, 0, tzinfo=timezone.utc)  # Thursday 10:00 in Stockholm
DAY_7 = datetime(2026, 10, 8, 8, 0, tzinfo=timezone.utc)
AFTER_CLOSING = datetime(2026, 11, 2, 8, 0, tzinfo=timezone.utc)


@pytest.fixture
def clock():
    return ManualClock(OPENING)


def _answers_stored(db, round_id: int) -> int:
    with db.session() as session:
        pending = session.get(SurveyPending, round_id)
        written = session.exec(select(SurveyResponse).where(SurveyResponse.round_id == round_id)).all()
        return len(written) + (len(pending.answers) if pending else 0)


async def test_a_restart_between_opening_and_the_first_reminder_loses_nothing_and_sends_nothing_twice(
        database_url, connector, clock, tmp_path):
    first = await RunningBot(settings_for_tests(database_url), clock=clock).start()
    db = first.app[DATABASE]
    staff = make_staff(connector, tmp_path, db, {"KF": 2, "SSB": 3, "KH": 1})
    await Chat(first, connector, staff.coordinator).install()
    round_id = schedule(db, dialog_config(first.settings))
    assert await run_job(first, clock) == 6
    halfway, finished = staff.people["SSB"][0], staff.people["SSB"][1]
    chat = Chat(first, connector, halfway)
    (invitation,) = titled(chat, INVITATION_TITLE)
    await answer_survey(chat, invitation, value=2, stop_after=3)
    done = Chat(first, connector, finished)
    await answer_survey(done, titled(done, INVITATION_TITLE)[0], value=5)
    await first.stop()

    clock.advance(timedelta(hours=3))
    second = await RunningBot(settings_for_tests(database_url), clock=clock).start()
    try:
        assert await run_job(second, clock) == 0, "the restarted bot invites nobody again"
        resumed = Chat(second, connector, halfway, seen=len(chat.cards()))
        card = (await resumed.say("enkät"))[0]
        assert "Avsnitt 4 av 9" in card_text(card), "the answers of the first three sections were kept"

        clock.set(DAY_7)
        assert await run_job(second, clock) == 5
        assert await run_job(second, clock) == 0, "a second run the same day reminds nobody again"
        for user in staff.everyone:
            user_chat = Chat(second, connector, user)
            assert len(titled(user_chat, INVITATION_TITLE)) == 1
            assert len(titled(user_chat, REMINDER_TITLE)) == (0 if user is finished else 1), user.name

        resumed.seen = len(resumed.cards())
        for _ in range(5):
            values = {statement: "2" for statement in _statement_ids(card)}
            card = (await resumed.click(card, NEXT, values))[0]
        thanks = (await resumed.click(card, "Skicka in mina svar", {"comment": ""}))[0]
        assert "Tack för dina svar!" in card_text(thanks)
        assert _answers_stored(db, round_id) == 2
    finally:
        await second.stop()


def _statement_ids(card: dict) -> list[str]:
    from cards.walk import inputs

    return [element["id"] for element in inputs(card)]


async def test_forged_repeated_stale_and_foreign_answers_change_nothing(clocked_bot, connector, clock, tmp_path):
    bot = clocked_bot
    db = bot.app[DATABASE]
    staff = make_staff(connector, tmp_path, db, {"KF": 1, "SSB": 5})
    await Chat(bot, connector, staff.coordinator).install()
    round_id = schedule(db, dialog_config(bot.settings))
    await run_job(bot, clock)
    anna, omar = staff.people["SSB"][0], staff.people["SSB"][1]
    chat = Chat(bot, connector, anna)
    (invitation,) = titled(chat, INVITATION_TITLE)
    first_card = (await chat.click(invitation, "Svara på enkäten"))[0]
    statements = _statement_ids(first_card)

    forged = await chat.click(first_card, NEXT, {**{s: "3" for s in statements}, statements[0]: "7"})
    assert "Kortet skickade ofullständiga uppgifter" in card_text(forged[0])
    partial = await chat.click(first_card, NEXT, {statements[0]: "3"})
    assert "Svara på alla påståenden i avsnittet" in card_text(partial[0])
    second_card = (await chat.click(first_card, NEXT, {s: "4" for s in statements}))[0]
    assert "Avsnitt 2 av 9" in card_text(second_card)
    stale = await chat.click(first_card, NEXT, {s: "1" for s in statements})
    assert "Avsnitt 2 av 9" in card_text(stale[0]), "an older card shows where the person is, saving nothing"
    with db.session() as session:
        survey_round = survey_store.get_round(session, round_id)
        draft = survey_store.load_draft(session, survey_round, person_id_of(bot, anna))
        assert {draft.answers[s] for s in statements} == {4}

    omar_chat = Chat(bot, connector, omar)
    foreign = await omar_chat.click(second_card, NEXT, {s: "5" for s in _statement_ids(second_card)})
    assert "Det här kortet skickades till någon annan" in card_text(foreign[0])

    outsider = registered_user(connector, "Ulla Utanför")
    outsider_chat = Chat(bot, connector, outsider)
    response, _ = await outsider_chat.execute(Verb.SURVEY_START, {"round": round_id})
    assert "du finns inte i den organisationens personalkatalog" in card_text(response.card)

    card = second_card
    for _ in range(7):
        card = (await chat.click(card, NEXT, {s: "3" for s in _statement_ids(card)}))[0]
    last = card
    thanks = (await chat.click(last, "Skicka in mina svar", {"comment": "Bra"}))[0]
    assert "Tack för dina svar!" in card_text(thanks)
    again = await chat.click(last, "Skicka in mina svar", {"comment": "Bra igen"})
    assert "Du har redan svarat på årets enkät" in card_text(again[0])
    restart = await chat.click(invitation, "Svara på enkäten")
    assert "Du har redan svarat på årets enkät" in card_text(restart[0])
    assert _answers_stored(db, round_id) == 1, "one answer per person and round"
    with db.session() as session:
        answered = [i for i in session.exec(select(SurveyInvitation)) if i.answered_on is not None]
        assert [(i.person_id, i.answered_on.isoformat()) for i in answered] == [(person_id_of(bot, anna),
                                                                               "2026-10-01")]


async def test_results_are_not_shown_before_closing_nor_for_fewer_answers_than_the_threshold(
        clocked_bot, connector, clock, tmp_path):
    bot = clocked_bot
    db = bot.app[DATABASE]
    staff = make_staff(connector, tmp_path, db, {"KF": 1, "SSB": 5})
    coordinator = Chat(bot, connector, staff.coordinator)
    await coordinator.install()
    round_id = schedule(db, dialog_config(bot.settings))
    await run_job(bot, clock)
    for user in staff.people["SSB"][:3]:
        chat = Chat(bot, connector, user)
        await answer_survey(chat, titled(chat, INVITATION_TITLE)[0], value=4)

    employee = Chat(bot, connector, staff.people["SSB"][0])
    response, _ = await employee.execute(Verb.SURVEY_RESULTS, {"round": round_id})
    assert "Det finns inget resultat att visa ännu" in card_text(response.card), "the round is still open"

    clock.set(AFTER_CLOSING)
    await run_job(bot, clock)
    (ready,) = titled(coordinator, READY_TITLE)
    assert "3 av 6 inbjudna svarade" in card_text(ready)
    coordinator.seen = len(coordinator.cards())
    shown = await coordinator.click(ready, "Visa resultatet")
    assert "bara om minst 5 har svarat" in card_text(shown[0])
    employee.seen = len(employee.cards())
    assert "bara om minst 5 har svarat" in card_text((await employee.say("resultat"))[0])
    assert _answers_stored(db, round_id) == 0, "three answers could never be shown: deleted at closing"
    err = io.StringIO()
    assert survey_cli.run(argparse.Namespace(survey_command="export", round=round_id, out=str(tmp_path / "r.csv")),
                          db, dialog_config(bot.settings), out=io.StringIO(), err=err) == 1
    assert "fewer than 5 answers" in err.getvalue()


async def test_an_admin_lists_and_cancels_a_round_and_nobody_is_invited(clocked_bot, connector, clock, tmp_path):
    bot = clocked_bot
    db = bot.app[DATABASE]
    config = dialog_config(bot.settings)
    staff = make_staff(connector, tmp_path, db, {"KF": 1, "SSB": 2})
    round_id = schedule(db, config)
    out = io.StringIO()
    assert survey_cli.run(argparse.Namespace(survey_command="list", org=None), db, config, out=out) == 0
    assert f"{round_id}\tstockholm-kultur\t2026-10-01 to 2026-10-31\tscheduled\t0 of 0 answered\tk=5" in out.getvalue()
    err = io.StringIO()
    assert survey_cli.run(argparse.Namespace(survey_command="schedule", org=["stockholm-kultur"], opens=None,
                                             closes=None, min_group=5), db, config, out=io.StringIO(), err=err,
                          now=OPENING) == 1
    assert "already has round" in err.getvalue()
    assert survey_cli.run(argparse.Namespace(survey_command="cancel", round=round_id), db, config,
                          out=io.StringIO()) == 0
    assert await run_job(bot, clock) == 0
    assert all(not titled(Chat(bot, connector, user), INVITATION_TITLE) for user in staff.everyone)
    err = io.StringIO()
    assert survey_cli.run(argparse.Namespace(survey_command="schedule", org=["stockholm-kultur"], opens=None,
                                             closes=None, min_group=2), db, config, out=io.StringIO(), err=err) == 1
    assert "from 3 to 25" in err.getvalue()
