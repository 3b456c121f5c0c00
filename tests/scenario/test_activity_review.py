"""The manager's review of a plan over HTTP: the manager sees catalogue activities proposed for the plan's
priorities, adds and removes them (each a new version of the plan whose snapshot lists the linked activities),
and the version she approves holds them; someone else's forged addition is refused and logged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from bot.app import DATABASE, OUTBOX
from cards.verbs import Verb
from store import plans
from store.models.activity import PlanActivity
from store.models.plan import PlanState
from tests.directory_fixtures import give_finished_assessment
from tests.harness import Chat, card_text, find_action, iter_actions, latest_plan_of, person_id_of
from tests.scenario.test_activities import _published_activity, people  # noqa: F401 (a fixture)
from tests.scenario.test_plan_signoff import _write_goal

TITLE = "Mobilfilm för biblioteket"
PROPOSALS = "Förslag ur katalogen för planens prioriteringar"


@pytest.fixture
def bot(clocked_bot):
    return clocked_bot


async def _sent_plan(bot, connector, anna, clock) -> int:
    chat = Chat(bot, connector, anna)
    await chat.say("hjälp")
    give_finished_assessment(bot.app[DATABASE], person_id_of(bot, anna), now=clock.now() - timedelta(days=1))
    plan_card = (await chat.say("min plan"))[0]
    sent = (await chat.click(await _write_goal(chat, plan_card), "Skicka till min chef"))[0]
    assert "Planen är skickad till Karin Ek." in card_text(sent)
    return latest_plan_of(bot, anna).id


def _versions(bot, plan_id: int):
    with bot.app[DATABASE].session() as session:
        return plans.versions_of(session, plans.plan_by_id(session, plan_id))


async def test_the_managers_review_notice_shows_the_activities_the_employee_chose_and_proposes_more(
        bot, connector, people, anna, karin, maria, clock):
    await _published_activity(bot, connector, maria)
    chat = Chat(bot, connector, anna)
    await chat.say("hjälp")
    give_finished_assessment(bot.app[DATABASE], person_id_of(bot, anna), now=clock.now() - timedelta(days=1))
    await _write_goal(chat, (await chat.say("min plan"))[0])
    chosen = (await chat.click((await chat.say("min plan"))[0], "Lägg till i planen"))[0]
    await chat.click(chosen, "Skicka till min chef")

    await bot.app[OUTBOX].drain()
    (review,) = [c for c in connector.cards(karin.conversation_id) if "Utvecklingsplan 2026" in card_text(c)]
    assert "Valda aktiviteter ur katalogen" in card_text(review) and TITLE in card_text(review)
    find_action(review, "Ta bort ur planen")


async def test_the_manager_adds_and_removes_catalogue_activities_in_the_review_and_approves_them_signed(
        bot, connector, people, anna, karin, maria, clock):
    await _published_activity(bot, connector, maria)
    plan_id = await _sent_plan(bot, connector, anna, clock)
    manager = Chat(bot, connector, karin)
    await manager.say("hjälp")

    response, _ = await manager.execute(Verb.REVIEW_OPEN, {"plan_id": plan_id})
    review = response.card
    assert PROPOSALS in card_text(review) and TITLE in card_text(review)
    assert "För 3.1 Utveckla digitalt innehåll: nivå 2 nu, målet är 5" in card_text(review)
    assert "Anmäl mig" not in [a.get("title") for a in iter_actions(review)], "the manager signs nobody up"
    version_before = latest_plan_of(bot, anna).version

    added = (await manager.click(review, "Lägg till i planen"))[0]
    assert "Aktiviteten är tillagd i planen." in card_text(added)
    assert "Valda aktiviteter ur katalogen" in card_text(added) and PROPOSALS not in card_text(added)
    latest = _versions(bot, plan_id)[-1]
    assert (latest.version, latest.change) == (version_before + 1, "activity_added")
    assert [a["title_sv"] for a in latest.snapshot["linked_activities"]] == [TITLE]

    removed = (await manager.click(added, "Ta bort ur planen"))[0]
    assert "Aktiviteten är borttagen ur planen." in card_text(removed)
    assert _versions(bot, plan_id)[-1].snapshot["linked_activities"] == []

    again = (await manager.click(removed, "Lägg till i planen"))[0]
    outcome = (await manager.click(again, "Godkänn planen"))[0]
    assert "Du har godkänt planen." in card_text(outcome)
    approved = _versions(bot, plan_id)[-1]
    assert approved.state == PlanState.APPROVED
    assert [(a["title_sv"], a["competence"]) for a in approved.snapshot["linked_activities"]] == [(TITLE, "3.1")]
    assert approved.snapshot["linked_activities"][0]["starts_at"].startswith("2026-03-17T12:00")


async def test_the_employees_own_additions_to_a_draft_are_versions_of_the_plan_too(
        bot, connector, people, anna, maria, clock):
    await _published_activity(bot, connector, maria)
    chat = Chat(bot, connector, anna)
    await chat.say("hjälp")
    give_finished_assessment(bot.app[DATABASE], person_id_of(bot, anna), now=clock.now() - timedelta(days=1))
    plan = (await chat.say("min plan"))[0]
    assert find_action(plan, "Anmäl mig"), "the employee signs up herself"

    added = (await chat.click(plan, "Lägg till i planen"))[0]

    assert "Aktiviteten finns nu i din plan." in card_text(added)
    plan_id = latest_plan_of(bot, anna).id
    assert [a["title_sv"] for a in _versions(bot, plan_id)[-1].snapshot["linked_activities"]] == [TITLE]


async def test_a_colleagues_forged_addition_to_a_plan_under_review_is_refused_logged_and_changes_nothing(
        bot, connector, people, anna, omar, maria, clock, caplog):
    await _published_activity(bot, connector, maria)
    plan_id = await _sent_plan(bot, connector, anna, clock)
    versions = len(_versions(bot, plan_id))
    omar_chat = Chat(bot, connector, omar)
    await omar_chat.say("hjälp")
    with bot.app[DATABASE].session() as session:
        from store.models.activity import Activity

        activity_id = session.exec(select(Activity.id)).one()

    response, _ = await omar_chat.execute(Verb.ACTIVITY_PLAN_ADD, {"plan_id": plan_id, "activity_id": activity_id})

    assert "Du har inte behörighet till det här. Ingenting har ändrats." in card_text(response.card)
    assert any("refused plan activity change" in r.message for r in caplog.records)
    with bot.app[DATABASE].session() as session:
        assert session.exec(select(PlanActivity)).all() == []
    assert len(_versions(bot, plan_id)) == versions
