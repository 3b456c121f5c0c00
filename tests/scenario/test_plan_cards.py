"""The plan as the employee and the manager read it, over HTTP: an empty plan is not sent (and says why), and a
plan shows when a newer self-assessment gives other levels than those it was drafted from."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.app import DATABASE
from cards.verbs import Verb
from store.models.plan import PlanState
from store.outbox import messages_for
from tests.directory_fixtures import ANNA_LEVELS, give_finished_assessment
from tests.harness import Chat, card_text, iter_actions, latest_plan_of, person_id_of
from tests.plan_fixtures import import_anna_under_karin, open_plan_draft
from tests.scenario.test_plan_signoff import _write_goal

NOTHING_WRITTEN = "Skriv minst ett eget mål eller en aktivitet innan du skickar planen"


@pytest.fixture
def bot(clocked_bot):
    return clocked_bot


@pytest.fixture
def directory(bot, anna, karin, tmp_path):
    import_anna_under_karin(bot, tmp_path, anna, karin)


async def _draft(chat: Chat, bot, clock) -> dict:
    return await open_plan_draft(chat, bot, clock, assessed_days_ago=2)


async def test_a_plan_with_nothing_written_offers_no_send_button_and_a_forged_send_is_refused_clearly(
        bot, connector, chat, anna, karin, directory, clock):
    draft = await _draft(chat, bot, clock)
    assert "Skicka till min chef" not in [a["title"] for a in iter_actions(draft)]
    assert NOTHING_WRITTEN in card_text(draft)
    plan = latest_plan_of(bot, anna)

    answer = (await chat.submit({"verb": Verb.PLAN_SUBMIT, "plan_id": plan.id, "version": plan.version}))[0]

    assert "Planen skickades inte: den är tom." in card_text(answer)
    assert latest_plan_of(bot, anna).state == PlanState.DRAFT
    with bot.app[DATABASE].session() as session:
        assert messages_for(session, campaign_prefix="plan-review:") == [], "the manager gets nothing"


async def test_a_goal_is_enough_to_send_the_plan(bot, connector, chat, anna, karin, directory, clock):
    written = await _write_goal(chat, await _draft(chat, bot, clock))

    sent = (await chat.click(written, "Skicka till min chef"))[0]

    assert "Planen är skickad till Karin Ek." in card_text(sent)
    assert latest_plan_of(bot, anna).state == PlanState.SENT


async def test_a_newer_assessment_with_other_levels_shows_on_the_plan_until_it_is_redrafted(
        bot, connector, chat, anna, karin, directory, clock):
    written = await _write_goal(chat, await _draft(chat, bot, clock))
    assert "nyare självskattning" not in card_text(written)
    give_finished_assessment(bot.app[DATABASE], person_id_of(bot, anna), now=clock.now() - timedelta(hours=1),
                             levels={**ANNA_LEVELS, "3.1": 4})

    plan_card = (await chat.say("min plan"))[0]
    assert ("Du har gjort en nyare självskattning (2026-03-10) med andra nivåer än planen bygger på: 3.1: 2 → 4."
            in card_text(plan_card))
    edit = (await chat.click(plan_card, "Redigera planen"))[0]
    saved = (await chat.click(edit, "Spara", {"priority_1": "3.1", "priority_2": "4.2", "priority_3": "1.2",
                                              "goals": "Göra korta filmer."}))[0]
    assert "nyare självskattning" not in card_text(saved), "saved from the newer assessment"
    assert latest_plan_of(bot, anna).priorities[0]["level"] == 4


async def test_the_manager_sees_that_the_plan_predates_a_newer_assessment(
        bot, connector, chat, anna, karin, directory, clock):
    written = await _write_goal(chat, await _draft(chat, bot, clock))
    await chat.click(written, "Skicka till min chef")
    give_finished_assessment(bot.app[DATABASE], person_id_of(bot, anna), now=clock.now() - timedelta(hours=1),
                             levels={**ANNA_LEVELS, "4.2": 5})
    plan = latest_plan_of(bot, anna)

    review, _ = await Chat(bot, connector, karin).execute(Verb.REVIEW_OPEN, {"plan_id": plan.id})

    assert "Anna Lindberg har gjort en nyare självskattning (2026-03-10)" in card_text(review.card)
    assert "4.2: 3 → 5" in card_text(review.card)
