"""Opening a plan for review by its id is the manager's (or an assigned stand-in's) alone: another manager, a
colleague and the employee herself are refused over HTTP, and the refusal shows nothing of the plan."""

from __future__ import annotations

import pytest

from bot.app import DATABASE
from cards.verbs import Verb
from tests.directory_fixtures import import_people, person_row, seed_organisation
from tests.harness import Chat, card_text, latest_plan_of, registered_user
from tests.scenario.test_plan_signoff import _send_plan

GOAL = "Göra korta filmer om bibliotekets program."


@pytest.fixture
def bot(clocked_bot):
    return clocked_bot


@pytest.fixture
def people(bot, connector, anna, karin, omar, maria, tmp_path):
    """Karin manages Anna and Omar; Maria manages Lena in another unit."""
    lena = registered_user(connector, "Lena Sjöberg")
    seed_organisation(bot.app[DATABASE])
    report = import_people(bot.app[DATABASE], tmp_path, [
        person_row(karin, role="Chef"), person_row(anna, manager=karin), person_row(omar, manager=karin),
        person_row(maria, role="Chef", unit="KH"), person_row(lena, manager=maria, unit="KH")])
    assert report.ok, report.errors
    return lena


@pytest.mark.parametrize("who", ["maria", "omar", "anna"])
async def test_someone_who_is_not_the_reviewer_cannot_open_the_plan_by_its_id(
        bot, connector, chat, anna, karin, omar, maria, people, clock, who):
    await _send_plan(chat, bot, clock)
    plan = latest_plan_of(bot, anna)
    intruder = {"maria": Chat(bot, connector, maria), "omar": Chat(bot, connector, omar), "anna": chat}[who]
    await intruder.say("hjälp")
    intruder.seen = len(intruder.cards())

    submitted = await intruder.submit({"verb": Verb.REVIEW_OPEN, "plan_id": plan.id, "version": plan.version})
    executed, _ = await intruder.execute(Verb.REVIEW_OPEN, {"plan_id": plan.id, "version": plan.version})

    for answer in (card_text(submitted[0]), card_text(executed.card)):
        expected = "din egen plan" if who == "anna" else "Bara medarbetarens chef"
        assert expected in answer
        assert GOAL not in answer and "Utvecklingsplan 2026: Anna Lindberg" not in answer


async def test_the_manager_opens_the_same_plan_by_its_id(bot, connector, chat, anna, karin, people, clock):
    await _send_plan(chat, bot, clock)
    plan = latest_plan_of(bot, anna)
    manager = Chat(bot, connector, karin)

    executed, _ = await manager.execute(Verb.REVIEW_OPEN, {"plan_id": plan.id, "version": plan.version})

    assert "Utvecklingsplan 2026: Anna Lindberg" in card_text(executed.card) and GOAL in card_text(executed.card)
