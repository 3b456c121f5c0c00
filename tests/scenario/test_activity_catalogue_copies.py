"""Each bot instance ranks "aktiviteter för mig" from its own copy of the catalogue (store/catalogue.py): what a
coordinator publishes, edits or cancels on one instance shows on the next "aktiviteter" on every instance on
the same database, at once, with no timer to wait for."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.app import DATABASE
from tests.directory_fixtures import give_finished_assessment
from tests.harness import Chat, RunningBot, card_text, person_id_of, settings_for_tests
from tests.scenario.test_activities import NEW_ACTIVITY, REASON, people  # noqa: F401  (the fixture)

EDITED_TITLE = "Mobilfilm och ljud för biblioteket"
LATER_ACTIVITY = {**NEW_ACTIVITY, "title_sv": "Redigera film i mobilen", "start_date": "2026-03-24",
                  "deadline": "2026-03-23", "capacity": ""}


@pytest.fixture
def bot(clocked_bot):
    return clocked_bot


@pytest.fixture
async def other_instance(database_url, clock):
    """A second bot process on the same database, as behind a load balancer."""
    running = await RunningBot(settings_for_tests(database_url), clock=clock).start()
    yield running
    await running.stop()


async def test_publishing_editing_and_cancelling_on_one_instance_show_at_once_on_both(
        bot, other_instance, connector, people, anna, maria, clock):  # noqa: F811
    # Anna's chat through either instance (the same conversation: a reply is the last card she sees).
    here, there = Chat(bot, connector, anna), Chat(other_instance, connector, anna)
    await here.say("hjälp")
    give_finished_assessment(bot.app[DATABASE], person_id_of(bot, anna), now=clock.now() - timedelta(days=1))
    before = [card_text((await chat.say("aktiviteter"))[-1]) for chat in (here, there)]
    assert all("Mobilfilm" not in text for text in before), "both instances now hold a copy without it"

    coordinator = Chat(bot, connector, maria)
    form = (await coordinator.say("ny aktivitet"))[0]
    listing = (await coordinator.click(form, "Spara och publicera", NEW_ACTIVITY))[0]
    assert "Aktiviteten är publicerad" in card_text(listing)
    for chat in (there, here):
        mine = card_text((await chat.say("aktiviteter"))[-1])
        assert "Mobilfilm för biblioteket" in mine and REASON in mine

    edit_form = (await coordinator.click(listing, "Redigera"))[0]
    listing = (await coordinator.click(edit_form, "Spara och publicera", {**NEW_ACTIVITY, "title_sv": EDITED_TITLE}))[0]
    assert EDITED_TITLE in card_text(listing)
    for chat in (there, here):
        assert EDITED_TITLE in card_text((await chat.say("aktiviteter"))[-1])

    after = (await coordinator.click(listing, "Ställ in"))[0]
    assert "Aktiviteten är inställd" in card_text(after)
    for chat in (there, here):
        assert "Mobilfilm" not in card_text((await chat.say("aktiviteter"))[-1])


async def test_the_last_place_taken_on_one_instance_moves_the_activity_behind_the_free_ones_on_the_other(
        bot, other_instance, connector, people, anna, omar, maria, clock):  # noqa: F811
    anna_chat, omar_there = Chat(bot, connector, anna), Chat(other_instance, connector, omar)
    for chat, user in ((anna_chat, anna), (omar_there, omar)):
        await chat.say("hjälp")
        give_finished_assessment(bot.app[DATABASE], person_id_of(bot, user), now=clock.now() - timedelta(days=1))
    coordinator = Chat(bot, connector, maria)
    for values in (NEW_ACTIVITY, LATER_ACTIVITY):  # one place on the first, no limit on the later one
        form = (await coordinator.say("ny aktivitet"))[0]
        await coordinator.click(form, "Spara och publicera", values)
    offered = card_text((await omar_there.say("aktiviteter"))[-1])
    assert offered.index(NEW_ACTIVITY["title_sv"]) < offered.index(LATER_ACTIVITY["title_sv"]), "earliest first"

    mine = (await anna_chat.say("aktiviteter"))[-1]
    assert card_text(mine).index(NEW_ACTIVITY["title_sv"]) < card_text(mine).index(LATER_ACTIVITY["title_sv"])
    await anna_chat.click(mine, "Anmäl mig")  # the first activity's button: its only place

    offered = card_text((await omar_there.say("aktiviteter"))[-1])
    assert offered.index(LATER_ACTIVITY["title_sv"]) < offered.index(NEW_ACTIVITY["title_sv"]), "full ones last"
    assert "Fullbokad: du kan ställa dig på väntelistan." in offered
