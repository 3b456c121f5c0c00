"""Whatever a client sends, the bot answers with a clear status or card and never a 500 or a stack trace."""

import pytest

from cards.verbs import Verb
from dialogs import routes
from dialogs.router import Route
from tests.fakes import activities as teams
from tests.harness import Chat, card_text


async def test_a_body_that_is_not_json_gets_400(bot):
    response = await bot.post(b"{not json", content_type="application/json")

    assert response.status == 400
    assert "JSON" in response.body["error"]


async def test_json_that_is_not_an_activity_gets_400(bot):
    assert (await bot.post([1, 2, 3])).status == 400
    assert (await bot.post({"text": "no type"})).status == 400


async def test_an_unsupported_activity_type_is_ignored_without_a_reply(bot, connector, anna):
    typing = teams.text(anna, "", service_url=connector.base_url)
    typing["type"] = "typing"

    response = await bot.post(typing)

    assert response.status == 200
    assert connector.activities(anna.conversation_id) == []


async def test_a_submit_without_a_verb_is_explained_and_changes_nothing(chat: Chat):
    cards = await chat.submit({"area": "1"})

    assert "ofullständiga uppgifter" in card_text(cards[0])


async def test_a_malformed_execute_gets_400_with_a_readable_message(bot, connector, anna):
    invoke = teams.execute(anna, Verb.HELP, {}, service_url=connector.base_url)
    invoke["value"] = {"trigger": "manual"}

    response = await bot.post(invoke)

    assert response.status == 400
    assert response.body["type"] == "application/vnd.microsoft.error"
    assert "ofullständiga uppgifter" in response.body["value"]["message"]


async def test_an_unknown_verb_is_answered_with_an_explanation_card(chat: Chat):
    response, _ = await chat.execute("assessment.v0.answer", {"verb": "assessment.v0.answer"})

    assert response.status == 200
    assert "känner inte igen den knappen" in card_text(response.card)


async def test_a_card_clicked_by_someone_other_than_its_addressee_is_refused(chat: Chat):
    menu = (await chat.say("hjälp"))[0]
    someone_elses = {"verb": Verb.ACTIVITIES_SHOW, "to": 999_999}

    cards = await chat.submit(someone_elses)

    assert "skickades till någon annan" in card_text(cards[0])
    # The person's own cards carry their own id, so their clicks pass.
    assert "Förslagen bygger på din självskattning" in card_text((await chat.click(menu, "Aktiviteter"))[0])


async def test_a_failing_handler_shows_an_error_code_and_no_stack_trace(chat: Chat, monkeypatch):
    def broken(turn):
        raise RuntimeError("database exploded at /srv/secret/path.py line 12")

    monkeypatch.setitem(routes.ROUTES, Verb.REPORT_SHOW, Route(broken, entry=True))
    from bot.app import DISPATCHER

    chat.bot.app[DISPATCHER].router = routes.build_router()

    cards = await chat.say("rapport")

    text = card_text(cards[0])
    assert "Något gick fel" in text and "felkoden" in text
    assert "secret" not in text and "Traceback" not in text


@pytest.mark.parametrize("value", ["just a string", 42, ["verb"], {"verb": 7}])
async def test_a_submit_whose_value_has_the_wrong_shape_is_explained(chat: Chat, value):
    response = await chat.bot.post(teams.submit(chat.user, {}, service_url=chat.service_url) | {"value": value})

    assert response.status in (200, 201)
    assert "ofullständiga uppgifter" in card_text(chat.cards()[-1])
