"""The edge: whatever shape a request has, it gets 400, 401, 403, 413 or a clear card, never a 500; a person
whose ids arrive half-known is never locked out; a welcome that failed is not lost; replies go out compact UTF-8."""

import json

import pytest
from sqlalchemy.exc import OperationalError

from bot.app import DATABASE
from bot.app import SENDER
from bot.proactive import Recipient
from cards.samples import all_samples
from cards.verbs import Verb
from store.limits import column_limit
from store.models.core import Person
from store.people import find_person
from tests.fakes import activities as teams
from tests.fakes.activities import TeamsUser
from tests.harness import Chat, card_text


def _nested(depth: int) -> object:
    value: object = "deep"
    for _ in range(depth):
        value = {"a": [value]}
    return value


async def test_a_body_nested_a_thousand_levels_deep_gets_400_before_authentication(bot):
    response = await bot.post(b"[" * 1000 + b"]" * 1000)

    assert response.status == 400
    assert "nested" in response.body["error"]


@pytest.mark.parametrize("field", ["value", "channelData", "entities", "text"])
async def test_deep_nesting_inside_a_valid_activity_gets_400(chat: Chat, field):
    activity = teams.text(chat.user, "hjälp", service_url=chat.service_url)
    activity[field] = _nested(400)

    response = await chat.bot.post(activity)

    assert response.status == 400
    assert chat.cards() == []


async def test_infinity_and_nan_are_not_json_and_get_400(bot):
    assert (await bot.post(b'{"type": "message", "value": NaN}')).status == 400
    assert (await bot.post(b'{"type": "message", "value": 1e400}')).status == 400


async def test_a_body_over_the_size_limit_gets_413(chat: Chat):
    activity = teams.text(chat.user, "x" * 300_000, service_url=chat.service_url)

    assert (await chat.bot.post(activity)).status == 413


async def test_nul_bytes_and_lone_surrogates_are_cleaned_and_the_turn_answers(chat: Chat):
    activity = teams.text(chat.user, "hj\x00älp", service_url=chat.service_url)
    activity["from"]["name"] = "Anna\x00 Lindberg\ud800"
    body = json.dumps(activity)  # json writes the surrogate as \ud800, as a client could

    response = await chat.bot.post(body)

    assert response.status == 201
    assert "Vad vill du göra?" in card_text(chat.cards()[-1])
    with chat.bot.app[DATABASE].session() as session:
        person = find_person(session, tenant_id=chat.user.tenant_id, aad_object_id=chat.user.aad_object_id)
        assert person.name == "Anna Lindberg\ufffd"


async def test_an_over_long_name_and_locale_are_cut_to_their_columns_and_the_turn_answers(chat: Chat, caplog):
    activity = teams.text(chat.user, "hjälp", service_url=chat.service_url)
    activity["from"]["name"] = "Anna " + "L" * 5000
    activity["locale"] = "sv-SE" + "-x" * 100

    response = await chat.bot.post(activity)

    assert response.status == 201
    assert "Vad vill du göra?" in card_text(chat.cards()[-1])
    with chat.bot.app[DATABASE].session() as session:
        person = find_person(session, tenant_id=chat.user.tenant_id, aad_object_id=chat.user.aad_object_id)
        assert len(person.name) == column_limit(Person, "name")
        assert len(person.locale) == column_limit(Person, "locale")
    assert any("cut from.name" in message for message in caplog.messages)


@pytest.mark.parametrize("where", ["from.id", "from.aadObjectId", "tenant", "conversation.id", "serviceUrl"])
async def test_an_id_longer_than_teams_gives_gets_400(chat: Chat, where):
    activity = teams.text(chat.user, "hjälp", service_url=chat.service_url)
    long_id = "1" * 600
    if where == "from.id":
        activity["from"]["id"] = long_id
    elif where == "from.aadObjectId":
        activity["from"]["aadObjectId"] = long_id
    elif where == "tenant":
        activity["channelData"]["tenant"]["id"] = long_id
    elif where == "conversation.id":
        activity["conversation"]["id"] = long_id
    else:
        activity["serviceUrl"] = chat.service_url + "x" * 600

    response = await chat.bot.post(activity)

    assert response.status == 400
    assert where in response.body["error"]


@pytest.mark.parametrize("bad_id", [2**63, 2**64 + 5, -(2**63) - 1, "9" * 30, 1.5e300, True, [1], {"id": 1}])
async def test_an_id_out_of_range_in_card_data_reads_as_not_found(chat: Chat, bad_id):
    await chat.say("hjälp")

    plan_response, _ = await chat.execute(Verb.REVIEW_OPEN, {"plan_id": bad_id})
    assessment_cards = await chat.submit({"verb": Verb.ASSESSMENT_ANSWER, "assessment": bad_id, "area": 0})

    assert plan_response.status == 200
    assert "Något gick fel" not in card_text(plan_response.card)
    assert "Något gick fel" not in card_text(assessment_cards[-1])


# ---- identity --------------------------------------------------------------------------------------------------

async def test_the_same_person_with_half_known_ids_is_never_locked_out(bot, connector):
    """The tester's sequence: (29:X, aad Y), then aad Y with another from.id, then 29:X without aadObjectId."""
    user = TeamsUser.create("Anna Lindberg")
    connector.register(user)
    other_id = TeamsUser.create("Anna Lindberg").teams_id

    def hjalp(teams_id: str, aad: str | None) -> dict:
        activity = teams.text(user, "hjälp", service_url=connector.base_url)
        activity["from"]["id"] = teams_id
        if aad is None:
            activity["from"].pop("aadObjectId", None)
        else:
            activity["from"]["aadObjectId"] = aad
        return activity

    for teams_id, aad in [(user.teams_id, user.aad_object_id), (other_id, user.aad_object_id),
                          (user.teams_id, None), (user.teams_id, user.aad_object_id),
                          (user.teams_id, user.aad_object_id)]:
        assert (await bot.post(hjalp(teams_id, aad))).status == 201

    texts = [card_text(card) for card in connector.cards(user.conversation_id)]
    # No install event came: the first turn (and the turn that did not name the AAD object id, a record of its
    # own until the next turn merges it) also carries the welcome.
    assert "Välkommen till Kompetenslyft" in texts[0]
    answers = [text for text in texts if "Välkommen till Kompetenslyft" not in text]
    assert len(answers) == 5 and all("Vad vill du göra?" in text for text in answers)
    with bot.app[DATABASE].session() as session:
        person = find_person(session, tenant_id=user.tenant_id, aad_object_id=user.aad_object_id)
        assert person.teams_user_id == user.teams_id


# ---- the welcome -----------------------------------------------------------------------------------------------

async def test_an_install_during_a_database_outage_is_greeted_with_the_next_turn(chat: Chat, monkeypatch, caplog):
    db = chat.bot.app[DATABASE]
    working_session = db.session

    def outage():
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db, "session", outage)
    during = await chat.install()
    monkeypatch.setattr(db, "session", working_session)

    after = await chat.say("hjälp")

    assert all("Välkommen" not in card_text(card) for card in during)
    assert "Välkommen till Kompetenslyft" in card_text(after[0])
    assert "Vad vill du göra?" in card_text(after[1])
    assert any("greeted with their next turn" in message for message in caplog.messages)
    # Once greeted, the next turn is a turn like any other.
    assert len(await chat.say("hjälp")) == 1


# ---- what is sent ----------------------------------------------------------------------------------------------

async def test_replies_go_out_as_compact_utf8_json(chat: Chat):
    await chat.say("hjälp")

    raw = [r.raw for r in chat.connector.requests if r.method == "POST" and "/activities" in r.path][-1]
    assert b"\\u00e4" not in raw and "Vad vill du göra?".encode() in raw
    assert b'", "' not in raw and b'": ' not in raw


async def test_an_invoke_response_goes_out_as_compact_utf8_json(chat: Chat):
    await chat.say("hjälp")
    activity = teams.execute(chat.user, Verb.HELP, {"verb": Verb.HELP}, service_url=chat.service_url)

    async with chat.bot._session.post(f"{chat.bot.url}/api/messages", json=activity) as response:
        raw = await response.read()

    assert response.status == 200
    assert "Vad vill du göra?".encode() in raw and b"\\u00" not in raw


def _compact_utf8(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


async def test_the_largest_card_as_sent_is_within_the_28_kb_budget(chat: Chat):
    """Every sample card in both languages; the largest is sent through the bot's own send path and measured at
    the connector: what arrives is the compact UTF-8 card, not a \\u-escaped one twice its size."""
    size, name, card = max((len(_compact_utf8(build(lang))), f"{name}/{lang}", build(lang))
                           for name, build in all_samples().items() for lang in ("sv", "en"))
    await chat.say("hjälp")
    with chat.bot.app[DATABASE].session() as session:
        person = find_person(session, tenant_id=chat.user.tenant_id, aad_object_id=chat.user.aad_object_id)
        recipient = Recipient(person.tenant_id, person.teams_user_id, person.service_url,
                              person.conversation_reference)

    await chat.bot.app[SENDER].send_card(recipient, card)

    raw = chat.connector.requests[-1].raw
    envelope = len(raw) - size
    assert json.loads(raw)["attachments"][0]["content"] == card
    assert 0 < envelope < 1500, f"{name}: {len(raw)} bytes sent for a card of {size}"
    assert size <= 28 * 1024, f"the largest card, {name}, is {size} bytes"


# ---- slow and idle clients -------------------------------------------------------------------------------------

async def _until_closed(reader) -> bytes:
    """Everything the server sends until it closes the connection (the wait is for that event, not a sleep)."""
    return await reader.read()


async def test_a_body_that_trickles_in_gets_408_and_the_connection_is_closed(database_url, monkeypatch, anna):
    import asyncio
    from urllib.parse import urlparse

    from bot import endpoint
    from tests.harness import RunningBot, settings_for_tests

    monkeypatch.setattr(endpoint, "BODY_SECONDS", 0.3)
    bot = await RunningBot(settings_for_tests(database_url)).start()
    try:
        url = urlparse(bot.url)
        reader, writer = await asyncio.open_connection(url.hostname, url.port)
        writer.write(b"POST /api/messages HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 1000\r\n\r\n{\"type\": ")
        await writer.drain()
        answer = await asyncio.wait_for(_until_closed(reader), 30)
        writer.close()
    finally:
        await bot.stop()

    assert answer.startswith(b"HTTP/1.1 408")


async def test_a_connection_that_never_finishes_its_headers_is_closed(database_url, monkeypatch):
    import asyncio
    from urllib.parse import urlparse

    from bot import endpoint
    from tests.harness import RunningBot, settings_for_tests

    monkeypatch.setattr(endpoint, "IDLE_SECONDS", 0.3)
    bot = await RunningBot(settings_for_tests(database_url)).start()
    try:
        url = urlparse(bot.url)
        reader, writer = await asyncio.open_connection(url.hostname, url.port)
        writer.write(b"POST /api/messages HTTP/1.1\r\nHost: bo")
        await writer.drain()
        answer = await asyncio.wait_for(_until_closed(reader), 30)
        writer.close()
    finally:
        await bot.stop()

    assert answer == b""  # closed without an answer: there was no request to answer
