"""A conversation survives a restart of the bot: its state is in the database, not in the process."""

from bot.app import DATABASE
from store.people import find_person
from tests.harness import Chat, RunningBot, card_text, settings_for_tests
from tests.scenario.test_assessment import LEVEL_3, answer_areas, progress, start_long


async def test_an_assessment_begun_before_a_restart_resumes_at_the_same_statement_after_it(
    database_url, connector, anna
):
    first = await RunningBot(settings_for_tests(database_url)).start()
    chat = Chat(first, connector, anna)
    try:
        await chat.install()
        card = await start_long(chat)
        card = await answer_areas(chat, card, 2, LEVEL_3)
        assert progress(card) == "Område 3 av 5 · påstående 1 av 16"
    finally:
        await first.stop()

    second = await RunningBot(settings_for_tests(database_url)).start()
    try:
        chat.bot = second
        resumed = (await chat.say("skattning"))[0]
        continued = await chat.click(resumed, "Fortsätt")

        assert progress(continued[0]) == "Område 3 av 5 · påstående 1 av 16"
        with second.app[DATABASE].session() as session:
            person = find_person(session, tenant_id=anna.tenant_id, aad_object_id=anna.aad_object_id)
            assert person.conversation_id == anna.conversation_id, "the reference stored before the restart"
    finally:
        await second.stop()


async def test_the_conversation_reference_stored_before_a_restart_still_delivers_proactive_cards(
    database_url, connector, anna
):
    from bot.app import SENDER
    from bot.proactive import Recipient
    from cards.notices import coming_soon_card

    first = await RunningBot(settings_for_tests(database_url)).start()
    await Chat(first, connector, anna).install()
    await first.stop()

    second = await RunningBot(settings_for_tests(database_url)).start()
    try:
        with second.app[DATABASE].session() as session:
            person = find_person(session, tenant_id=anna.tenant_id, aad_object_id=anna.aad_object_id)
            recipient = Recipient(anna.tenant_id, anna.teams_id, person.service_url, person.conversation_reference)
        await second.app[SENDER].send_card(recipient, coming_soon_card("sv", "report"))
        assert "Rapporter kommer snart" in card_text(connector.cards(anna.conversation_id)[-1])
    finally:
        await second.stop()
