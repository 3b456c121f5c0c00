"""Installing the app greets the person once, in their language, with the menu; help and stray text answer with it."""

from datetime import timedelta

from cards.verbs import Verb
from tests.fakes import activities as teams
from tests.fakes.activities import TeamsUser
from tests.harness import Chat, card_text, iter_actions


async def test_install_greets_once_in_swedish_with_the_main_actions(chat: Chat):
    cards = await chat.install()

    assert len(cards) == 1, "installationUpdate and conversationUpdate together must greet only once"
    welcome = card_text(cards[0])
    assert "Välkommen till Kompetenslyft" in welcome
    assert "Hej Anna!" in welcome
    verbs = {action["data"]["verb"] for action in iter_actions(cards[0])}
    assert {Verb.ASSESSMENT_START, Verb.PROFILE_SHOW, Verb.PLAN_SHOW, Verb.ACTIVITIES_SHOW} <= verbs


async def test_install_by_an_english_user_greets_in_english(clocked_bot, connector):
    user = TeamsUser.create("Oliver Smith", locale="en-US")
    connector.register(user)
    chat = Chat(clocked_bot, connector, user)
    await chat.say("help")  # Teams' install event carries no locale; the first message does
    clocked_bot.clock.advance(timedelta(days=1))  # the app removed and installed again the next day

    await clocked_bot.post(teams.install(user, connector.base_url))
    welcome = chat.cards()[-1]

    assert "Welcome to Kompetenslyft" in card_text(welcome)


async def test_an_english_user_whose_first_turn_is_a_message_is_greeted_in_english_before_the_answer(
        bot, connector):
    user = TeamsUser.create("Oliver Smith", locale="en-US")
    connector.register(user)
    chat = Chat(bot, connector, user, installed=True)  # no install event came

    cards = await chat.say("help")

    assert len(cards) == 2
    assert "Welcome to Kompetenslyft" in card_text(cards[0])
    assert "What would you like to do?" in card_text(cards[1])


async def test_install_stores_the_conversation_reference_for_later_messages(chat: Chat, bot):
    from bot.app import DATABASE
    from store.people import find_person

    await chat.install()

    with bot.app[DATABASE].session() as session:
        person = find_person(session, tenant_id=chat.user.tenant_id, aad_object_id=chat.user.aad_object_id)
        assert person is not None
        assert person.conversation_id == chat.user.conversation_id
        assert person.conversation_reference["serviceUrl"] == chat.service_url
        assert person.name == "Anna Lindberg"


async def test_help_in_swedish_and_english_answers_with_the_menu(chat: Chat):
    swedish = await chat.say("hjälp")
    english = await chat.say("Help!")

    assert "Vad vill du göra?" in card_text(swedish[0])
    assert any(a["title"] == "Gör självskattning" for a in iter_actions(swedish[0]))
    # The language follows the person's Teams locale, not the words typed.
    assert "Vad vill du göra?" in card_text(english[0])


async def test_unrecognised_text_is_quoted_back_with_the_menu(chat: Chat):
    cards = await chat.say("vad är klockan?")

    text = card_text(cards[0])
    assert "Jag förstod inte ”vad är klockan?”" in text
    assert any(a["title"] == "Min plan" for a in iter_actions(cards[0]))


async def test_every_entry_point_answers_even_before_its_flow_exists(chat: Chat):
    for command in ("skattning", "min profil", "min plan", "aktiviteter", "mina medarbetare", "ny aktivitet",
                    "utskick", "rapport"):
        cards = await chat.say(command)
        assert len(cards) == 1, command
        assert "Jag förstod inte" not in card_text(cards[0]), f"{command!r} is not routed"


async def test_menu_button_submits_route_to_the_same_entry_points(chat: Chat):
    menu = (await chat.say("hjälp"))[0]

    cards = await chat.click(menu, "Aktiviteter")

    assert "Aktiviteter för dig" in card_text(cards[0])


async def test_both_install_events_arriving_at_once_create_one_person_and_one_greeting(chat: Chat, bot):
    import asyncio

    from sqlmodel import select

    from bot.app import DATABASE
    from store.models.core import Person

    await asyncio.gather(
        bot.post(teams.install(chat.user, chat.service_url)), bot.post(teams.bot_added(chat.user, chat.service_url))
    )

    assert len(chat.cards()) == 1
    with bot.app[DATABASE].session() as session:
        assert len(session.exec(select(Person).where(Person.teams_user_id == chat.user.teams_id)).all()) == 1


async def test_in_local_dev_mode_dev_locale_overrides_the_clients_en_us(database_url, connector):
    from tests.harness import RunningBot, settings_for_tests

    user = TeamsUser.create("Anna Lindberg", locale="en-US")  # what the Agents Playground always sends
    connector.register(user)
    running = await RunningBot(settings_for_tests(database_url, dev_locale="sv-SE")).start()
    try:
        cards = await Chat(running, connector, user).say("help")
    finally:
        await running.stop()

    assert "Vad vill du göra?" in card_text(cards[0])


async def test_the_greeting_uses_the_directory_name_when_the_install_event_has_none(chat: Chat, bot, tmp_path):
    from bot.app import DATABASE
    from tests.directory_fixtures import import_people, person_row, seed_organisation

    seed_organisation(bot.app[DATABASE])
    assert import_people(bot.app[DATABASE], tmp_path, [person_row(chat.user, name="Anna Lindberg")]).ok
    install = teams.install(chat.user, chat.service_url)
    del install["from"]["name"]  # as the Agents Playground sends it

    await bot.post(install)

    assert "Hej Anna!" in card_text(chat.cards()[-1])
