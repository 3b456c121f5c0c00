"""The directory link is made when the directory is imported: people who used the bot before HR's export named
them show their real status in their manager's "mina medarbetare" at once, not only after their next message."""

from __future__ import annotations

import pytest

from bot.app import DATABASE
from sqlmodel import select

from store.models.core import AuditEvent
from store.directory import entry_for_person_id
from tests.directory_fixtures import give_finished_assessment, import_people, person_row, seed_organisation
from tests.harness import Chat, card_text, person_id_of


@pytest.fixture
def bot(clocked_bot):
    return clocked_bot


def _member_block(team_text: str, name: str) -> str:
    """The lines of one person on the team card, up to the next person."""
    start = team_text.index(name)
    rest = team_text[start + len(name):]
    ends = [rest.index(other) for other in ("Anna Lindberg", "Omar Haddad") if other in rest]
    return team_text[start:start + len(name) + (min(ends) if ends else len(rest))]


async def test_people_who_wrote_before_the_import_show_their_status_to_their_manager_at_once(
        bot, connector, chat, anna, karin, omar, clock, tmp_path):
    db = bot.app[DATABASE]
    seed_organisation(db)
    await chat.say("hjälp")  # Anna writes while the directory does not know her yet
    await Chat(bot, connector, omar).say("hjälp")
    give_finished_assessment(db, person_id_of(bot, anna), now=clock.now())
    with db.session() as session:
        assert entry_for_person_id(session, person_id_of(bot, anna)) is None

    # HR's export names Anna by e-mail only, and Omar by AAD object id under an address Teams never gave.
    report = import_people(db, tmp_path, [person_row(karin, role="Chef"),
                                          person_row(anna, manager=karin, aad=False),
                                          person_row(omar, manager=karin, email="o.haddad@stockholm.se")],
                           now=clock.now())
    assert sorted(report.linked) == sorted([anna.email, "o.haddad@stockholm.se"])

    team = card_text((await Chat(bot, connector, karin).say("mina medarbetare"))[0])
    anna_says, omar_says = _member_block(team, "Anna Lindberg"), _member_block(team, "Omar Haddad")
    assert "Självskattning Klar 2026-03-10" in anna_says
    assert "Har inte börjat använda appen" not in anna_says
    assert "Har inte börjat använda appen" not in omar_says and "Självskattning Inte gjord" in omar_says
    with db.session() as session:
        linked = session.exec(select(AuditEvent).where(AuditEvent.action == "directory.linked")).all()
        assert {e.details["by"] for e in linked} == {"email", "aad_object_id"}


async def test_a_person_linked_to_an_active_entry_is_not_taken_by_a_second_import_of_another_organisation(
        bot, connector, chat, anna, karin, clock, tmp_path):
    db = bot.app[DATABASE]
    seed_organisation(db)
    seed_organisation(db, key="nacka-kof", name="Nacka kultur och fritid")
    await chat.say("hjälp")
    import_people(db, tmp_path, [person_row(karin, role="Chef"), person_row(anna, manager=karin)], now=clock.now())

    second = import_people(db, tmp_path, [person_row(anna, name="Anna Lindberg")], org="nacka-kof", now=clock.now())

    assert second.linked == []
    with db.session() as session:
        entry = entry_for_person_id(session, person_id_of(bot, anna))
        assert entry is not None and entry.manager_entry_id is not None, "still Karin's report in Stockholm"
