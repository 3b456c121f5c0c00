"""The fake connector refuses what Teams refuses: another bot's token, a conversation it never created, a burst
over Teams' per-conversation or per-tenant limit (time stands still but for advance(): no sleeps)."""

from urllib.parse import quote

import requests

from tests.fakes import FakeTeamsConnector, TeamsUser


def _send(fake: FakeTeamsConnector, conversation_id: str, **headers: str) -> requests.Response:
    url = f"{fake.base_url}v3/conversations/{quote(conversation_id, safe='')}/activities"
    return requests.post(url, json={"type": "message", "text": "hej"}, headers=headers, timeout=5)


def test_with_a_bot_token_only_that_token_is_accepted():
    anna = TeamsUser.create("Anna Lindberg")
    with FakeTeamsConnector(bot_token="the-bots-token") as fake:
        fake.register(anna)
        statuses = [_send(fake, anna.conversation_id, **headers).status_code for headers in
                    ({}, {"Authorization": "Bearer another-bots-token"}, {"Authorization": "Bearer the-bots-token"})]

    assert statuses == [401, 401, 201]


def test_a_conversation_the_connector_never_created_is_not_found():
    anna = TeamsUser.create("Anna Lindberg")
    with FakeTeamsConnector() as fake:
        fake.register(anna)
        unknown = _send(fake, TeamsUser.create("Nobody").conversation_id)
        known = _send(fake, anna.conversation_id)

    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "ConversationNotFound"
    assert known.status_code == 201


def test_a_person_clicking_once_a_second_is_never_throttled_but_a_burst_is():
    anna = TeamsUser.create("Anna Lindberg")
    with FakeTeamsConnector(enforce_teams_limits=True, clock=lambda: 1000.0) as fake:
        fake.register(anna)
        paced = []
        for _ in range(20):
            fake.advance(1.0)
            paced.append(_send(fake, anna.conversation_id).status_code)
        fake.advance(60.0)
        burst = [_send(fake, anna.conversation_id).status_code for _ in range(8)]

    assert paced == [201] * 20
    assert burst == [201] * 7 + [429]


def test_one_tenant_is_held_to_its_requests_per_second_across_conversations():
    people = [TeamsUser.create(f"Person {i}") for i in range(6)]
    with FakeTeamsConnector(enforce_teams_limits=True, tenant_requests_per_second=5, clock=lambda: 1000.0) as fake:
        for person in people:
            fake.register(person)
        fake.advance(10.0)
        statuses = [_send(fake, person.conversation_id).status_code for person in people]

    assert statuses == [201] * 5 + [429]
