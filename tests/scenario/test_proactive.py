"""Cards sent outside a turn reach the person through the stored reference, or through a newly created chat."""

import pytest

from bot.app import DATABASE, SENDER
from bot.proactive import DeliveryFailed, Recipient
from cards.notices import coming_soon_card
from store.people import find_person
from tests.fakes.activities import TeamsUser
from tests.harness import Chat, card_text


def _stored_recipient(bot, user: TeamsUser) -> Recipient:
    with bot.app[DATABASE].session() as session:
        person = find_person(session, tenant_id=user.tenant_id, teams_user_id=user.teams_id)
        return Recipient(user.tenant_id, user.teams_id, person.service_url, person.conversation_reference)


async def test_a_card_reaches_a_person_through_the_reference_stored_at_install(chat: Chat, bot):
    await chat.install()

    delivered = await bot.app[SENDER].send_card(_stored_recipient(bot, chat.user), coming_soon_card("sv", "plan"))

    assert delivered.activity_id
    assert "Utvecklingsplanen kommer snart" in card_text(chat.cards()[-1])


async def test_a_person_who_never_wrote_gets_a_new_one_to_one_chat_by_aad_object_id(bot, connector):
    manager = TeamsUser.create("Karin Ek")
    connector.register(manager)

    delivered = await bot.app[SENDER].send_card(
        Recipient(manager.tenant_id, manager.aad_object_id, connector.base_url), coming_soon_card("en", "plan")
    )

    assert delivered.conversation_reference["conversation"]["id"] == manager.conversation_id
    assert "The development plan is coming soon" in card_text(connector.cards(manager.conversation_id)[-1])
    create = [r for r in connector.requests if r.path == "/v3/conversations"][0]
    assert create.body["channelData"]["tenant"]["id"] == manager.tenant_id


async def test_throttling_is_reported_with_teams_retry_after(chat: Chat, bot, connector):
    await chat.install()
    connector.throttle_next(1, retry_after=7)

    with pytest.raises(DeliveryFailed) as failure:
        await bot.app[SENDER].send_card(_stored_recipient(bot, chat.user), coming_soon_card("sv", "plan"))

    assert (failure.value.kind, failure.value.retry_after) == ("throttled", 7)


async def test_a_deleted_chat_is_reported_as_gone(chat: Chat, bot, connector):
    await chat.install()
    connector.delete_conversation(chat.user.conversation_id)

    with pytest.raises(DeliveryFailed) as failure:
        await bot.app[SENDER].send_card(_stored_recipient(bot, chat.user), coming_soon_card("sv", "plan"))

    assert failure.value.kind == "gone" and failure.value.status == 404


async def test_a_user_teams_does_not_know_is_reported_as_gone(bot, connector):
    with pytest.raises(DeliveryFailed) as failure:
        await bot.app[SENDER].send_card(
            Recipient("8e3f1d2a-7c4b-4a9e-9f0d-2b6c5a4e1f00", "00000000-dead-beef-0000-000000000000",
                      connector.base_url),
            coming_soon_card("sv", "plan"),
        )

    assert failure.value.kind == "gone"


async def test_healthz_reports_the_database(bot):
    response = await bot.get("/healthz")

    assert response.status == 200
    assert response.body["status"] == "ok"
    assert response.body["database"]["status"] == "ok"


async def test_privacy_and_terms_pages_linked_from_the_teams_package_are_served_in_both_languages(bot):
    import aiohttp

    async with aiohttp.ClientSession() as session:
        async with session.get(f"{bot.url}/privacy") as swedish:
            assert swedish.status == 200 and "personuppgifter" in await swedish.text()
        async with session.get(f"{bot.url}/terms?lang=en") as english:
            assert english.status == 200 and "terms of use" in await english.text()
