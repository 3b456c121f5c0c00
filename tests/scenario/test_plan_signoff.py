"""The development plan over HTTP: employee drafts and sends, the manager (who never wrote to the bot) gets a
card in a newly created chat, reviews and approves, the employee confirms; and every way that must be refused."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from types import SimpleNamespace
from urllib.parse import parse_qs, urlparse

import pytest

from bot.cli import directory as directory_cli
from bot.app import DATABASE, OUTBOX, dialog_config
from cards.verbs import Verb
from store import audit, plans
from store.models.plan import PlanState
from store.outbox import messages_for
from store.people import find_person
from tests.directory_fixtures import give_finished_assessment, import_people, person_row, seed_organisation, \
    write_people, write_units
from tests.fakes.activities import TeamsUser
from cards.walk import inputs as iter_inputs
from tests.harness import (
    Chat, card_text, find_action, iter_actions, latest_plan_of, person_id_of, registered_user,
)

@pytest.fixture
def bot(clocked_bot):
    """Every test here runs on the clock: notifications respect working hours."""
    return clocked_bot


@pytest.fixture
def directory(bot, anna, karin, omar, tmp_path):
    """Karin manages Anna and Omar; Karin has never written to the bot."""
    db = bot.app[DATABASE]
    seed_organisation(db)
    report = import_people(db, tmp_path, [person_row(karin, role="Chef"), person_row(anna, manager=karin),
                                          person_row(omar, manager=karin)])
    assert report.ok, report.errors
    return report


def _db(bot):
    return bot.app[DATABASE]


async def _cards_in(connector, user: TeamsUser, count: int, bot=None) -> list[dict]:
    await connector.wait_for_async(count, conversation_id=user.conversation_id)
    if bot is not None:
        await bot.app[OUTBOX].drain()  # the outcome is recorded just after Teams accepted the message
    return connector.cards(user.conversation_id)


def activities_on(review: dict) -> str:
    """The activities as the manager sees them: once, in the field where they may adjust them."""
    (field,) = [i for i in iter_inputs(review) if i["id"] == "activities"]
    return field.get("value", "")


def meeting_link_on(review: dict) -> str:
    """The line that books the development dialogue (a tap opens a new Teams meeting)."""
    (url,) = [a["url"] for a in iter_actions(review) if a["type"] == "Action.OpenUrl"]
    return url


async def _send_plan(chat: Chat, bot, clock) -> dict:
    """Anna writes (and is linked by e-mail), has a finished assessment, drafts the plan and sends it."""
    await chat.say("hjälp")
    give_finished_assessment(_db(bot), person_id_of(bot, chat.user), now=clock.now() - timedelta(days=3))
    plan_card = (await chat.say("min plan"))[0]
    return (await chat.click(await _write_goal(chat, plan_card), "Skicka till min chef"))[0]


async def _write_goal(chat: Chat, plan_card: dict) -> dict:
    """Keeps the drafted priorities and writes a goal: a plan with nothing written is not sent."""
    edit = (await chat.click(plan_card, "Redigera planen"))[0]
    return (await chat.click(edit, "Spara", {"priority_1": "3.1", "priority_2": "4.2", "priority_3": "1.2",
                                              "goals": "Göra korta filmer om bibliotekets program."}))[0]


async def test_the_whole_loop_employee_manager_employee_with_a_chat_created_for_the_manager(
        bot, connector, chat, anna, karin, directory, clock):
    await chat.say("hjälp")
    give_finished_assessment(_db(bot), person_id_of(bot, anna), now=clock.now())
    plan_card = (await chat.say("min plan"))[0]
    assert "Min utvecklingsplan 2026" in card_text(plan_card)
    # Drafted from the assessment: the three biggest gaps, biggest first.
    assert [p["competence"] for p in latest_plan_of(bot, anna).priorities] == ["3.1", "4.2", "1.2"]

    edit = (await chat.click(plan_card, "Redigera planen"))[0]
    saved = (await chat.click(edit, "Spara", {
        "priority_1": "4.2", "priority_2": "3.1", "priority_3": "5.4", "priority_4": "2.4", "priority_5": "",
        "goals": "Göra korta filmer om bibliotekets program.", "activities": "Kurs i mobilfilm.",
        "target_date": "2026-12-15"}))[0]
    assert "Planen är sparad." in card_text(saved)
    sent = (await chat.click(saved, "Skicka till min chef"))[0]
    assert "Planen är skickad till Karin Ek." in card_text(sent)

    # Karin never wrote: the bot creates a one-to-one chat with her by AAD object id and sends the card there.
    review = (await _cards_in(connector, karin, 1, bot))[-1]
    creates = [r for r in connector.requests if r.path == "/v3/conversations"]
    assert [c.body["members"][0]["id"] for c in creates] == [karin.aad_object_id]
    text = card_text(review)
    assert "Utvecklingsplan 2026: Anna Lindberg" in text
    assert "Självskattning 2026-03-10, medelnivå per område" in text
    assert "4.2 Skydda personuppgifter och privatliv" in text and "1. 4.2" not in text, "numbered once"
    assert activities_on(review) == "Kurs i mobilfilm." and "Kurs i mobilfilm." not in text, "shown once"
    assert [a["title"] for a in iter_actions(review) if a["type"] != "Action.OpenUrl"] == [
        "Godkänn planen", "Begär ändringar", "Spara ändringar"]
    assert "Version" not in text
    book = meeting_link_on(review)
    query = parse_qs(urlparse(book).query)
    assert urlparse(book).path == "/l/meeting/new"
    assert query["attendees"] == [anna.email] and "Anna Lindberg" in query["subject"][0]
    with _db(bot).session() as session:
        karin_person = find_person(session, tenant_id=karin.tenant_id, aad_object_id=karin.aad_object_id)
        assert karin_person.conversation_id == karin.conversation_id, "the created chat is kept for later"

    # Karin sets the agreed level of her first priority and approves, with a comment.
    manager = Chat(bot, connector, karin)
    manager.seen = len(connector.cards(karin.conversation_id))
    outcome = (await manager.click(review, "Godkänn planen",
                                   {"agreed_4.2": "4", "target_4.2": "6", "comment": "Bra plan!"}))[0]
    assert "Du har godkänt planen." in card_text(outcome)
    plan = latest_plan_of(bot, anna)
    assert plan.state == PlanState.APPROVED and plan.priorities[0]["agreed_level"] == 4
    assert plan.approved_by_person_id == karin_person.id

    # Anna is told and confirms: the double sign-off.
    notice = (await _cards_in(connector, anna, chat.seen + 1))[-1]
    assert "Din utvecklingsplan är godkänd" in card_text(notice)
    chat.seen = len(connector.cards(anna.conversation_id))
    done = (await chat.click(notice, "Jag har tagit del av planen"))[0]
    assert "Tack! Planen är nu underskriven av er båda." in card_text(done)

    plan = latest_plan_of(bot, anna)
    assert plan.state == PlanState.COMPLETED
    with _db(bot).session() as session:
        actions = [e.action for e in audit.events_for(session, subject_type="plan", subject_id=plan.id)]
        versions = [(v.version, v.change) for v in plans.versions_of(session, plan)]
    assert actions == ["plan.created", "plan.sent", "plan.reviewed", "plan.approved", "plan.completed"]
    assert [v for v, _ in versions] == list(range(1, plan.version + 1)), "every change is a numbered version"
    assert [c for _, c in versions] == ["created", "edited", "sent", "reviewed", "approved", "completed"]


async def test_asking_for_changes_sends_the_comment_and_the_resent_plan_reaches_the_manager_again(
        bot, connector, chat, anna, karin, directory, clock):
    await _send_plan(chat, bot, clock)
    review = (await _cards_in(connector, karin, 1))[-1]
    manager = Chat(bot, connector, karin, seen=1)

    refused = (await manager.click(review, "Begär ändringar", {"comment": "  "}))[0]
    assert "Skriv en kommentar" in card_text(refused)
    assert latest_plan_of(bot, anna).state == PlanState.SENT

    outcome = (await manager.click(review, "Begär ändringar", {"comment": "Lägg till en kurs i 4.2."}))[0]
    assert "Du har begärt ändringar." in card_text(outcome)
    notice = (await _cards_in(connector, anna, chat.seen + 1))[-1]
    assert "Lägg till en kurs i 4.2." in card_text(notice)

    chat.seen = len(connector.cards(anna.conversation_id))
    edit = (await chat.click(notice, "Redigera planen"))[0]
    saved = (await chat.click(edit, "Spara", {"priority_1": "3.1", "priority_2": "4.2", "priority_3": "1.2",
                                              "activities": "Kurs i informationssäkerhet (4.2)."}))[0]
    assert "Planen är sparad." in card_text(saved) and "Karin Ek vill att du ändrar planen" in card_text(saved)
    resent = (await chat.click(saved, "Skicka igen"))[0]
    assert "Planen är skickad till Karin Ek." in card_text(resent)
    assert latest_plan_of(bot, anna).state == PlanState.RESENT

    # Her chat: the first review, the welcome of the install before her first click, the second review.
    second = (await _cards_in(connector, karin, 3))[-1]
    assert activities_on(second) == "Kurs i informationssäkerhet (4.2)."
    assert "· 2 gånger" in card_text(second)
    manager.seen = 3
    await manager.click(second, "Godkänn planen")
    assert latest_plan_of(bot, anna).state == PlanState.APPROVED


async def test_an_employee_cannot_approve_their_own_plan_with_forged_card_data(
        bot, connector, chat, anna, karin, directory, clock):
    await _send_plan(chat, bot, clock)
    plan = latest_plan_of(bot, anna)

    for verb in (Verb.REVIEW_APPROVE, Verb.REVIEW_SAVE, Verb.REVIEW_CHANGES):
        cards = await chat.submit({"verb": verb, "plan_id": plan.id, "version": plan.version, "comment": "ok"})
        assert "Du kan inte granska eller godkänna din egen plan." in card_text(cards[0])
        response, _ = await chat.execute(verb, {"verb": verb, "plan_id": plan.id, "version": plan.version})
        assert "din egen plan" in card_text(response.card)

    assert latest_plan_of(bot, anna).state == PlanState.SENT and latest_plan_of(bot, anna).version == plan.version


async def test_a_colleague_with_the_same_manager_cannot_approve_even_with_the_managers_card_data(
        bot, connector, chat, anna, karin, omar, directory, clock):
    await _send_plan(chat, bot, clock)
    review = (await _cards_in(connector, karin, 1))[-1]
    data = dict(find_action(review, "Godkänn planen")["data"])
    colleague = Chat(bot, connector, omar)
    await colleague.say("hjälp")

    data.pop("to")  # the card was addressed to Karin; a forger leaves that out
    cards = await colleague.submit(data)

    assert "Bara medarbetarens chef" in card_text(cards[0])
    assert latest_plan_of(bot, anna).state == PlanState.SENT


async def test_a_card_addressed_to_the_manager_is_refused_when_someone_else_clicks_it(
        bot, connector, chat, anna, karin, omar, directory, clock):
    await _send_plan(chat, bot, clock)
    review = (await _cards_in(connector, karin, 1))[-1]
    colleague = Chat(bot, connector, omar)

    cards = await colleague.click(review, "Godkänn planen")

    assert "Det här kortet skickades till någon annan" in card_text(cards[0])
    assert latest_plan_of(bot, anna).state == PlanState.SENT


async def test_approving_twice_records_one_approval_and_tells_the_employee_once(
        bot, connector, chat, anna, karin, directory, clock):
    await _send_plan(chat, bot, clock)
    review = (await _cards_in(connector, karin, 1))[-1]
    manager = Chat(bot, connector, karin, seen=1)

    first = (await manager.click(review, "Godkänn planen"))[0]
    second = (await manager.click(review, "Godkänn planen"))[0]

    assert "Du har godkänt planen." in card_text(first)
    assert "Planen är redan godkänd" in card_text(second)
    plan = latest_plan_of(bot, anna)
    with _db(bot).session() as session:
        approvals = [e for e in audit.events_for(session, subject_type="plan", subject_id=plan.id)
                     if e.action == "plan.approved"]
        notices = messages_for(session, campaign_prefix=f"plan-approved:{plan.id}")
    assert len(approvals) == 1 and len(notices) == 1
    await connector.wait_for_async(chat.seen + 1, conversation_id=anna.conversation_id)
    approved_cards = [c for c in connector.cards(anna.conversation_id)
                      if "Din utvecklingsplan är godkänd" in card_text(c)]
    assert len(approved_cards) == 1


async def test_a_card_for_an_older_version_says_so_and_shows_the_current_version(
        bot, connector, chat, anna, karin, directory, clock):
    await _send_plan(chat, bot, clock)
    review = (await _cards_in(connector, karin, 1))[-1]
    manager = Chat(bot, connector, karin, seen=1)
    sent_version = latest_plan_of(bot, anna).version

    # Karin saves an agreed level from one device; the card on her other device still shows the old version.
    saved = (await manager.click(review, "Spara ändringar", {"agreed_3.1": "3"}))[0]
    assert "Dina ändringar är sparade." in card_text(saved)
    stale = (await manager.click(review, "Godkänn planen"))[0]

    current = latest_plan_of(bot, anna)
    assert current.version == sent_version + 1 and current.state == PlanState.SENT
    assert "Här är planen som den ser ut nu; ingenting har sparats." in card_text(stale)
    assert find_action(stale, "Godkänn planen")["data"]["version"] == current.version
    approved = (await manager.click(stale, "Godkänn planen"))[0]
    assert "Du har godkänt planen." in card_text(approved)


async def test_a_manager_who_left_is_refused_and_after_reimport_the_new_manager_gets_the_plan(
        bot, connector, chat, anna, karin, omar, directory, clock, tmp_path):
    await _send_plan(chat, bot, clock)
    old_card = (await _cards_in(connector, karin, 1))[-1]
    maria = registered_user(connector, "Maria Holm")
    people = write_people(tmp_path, [person_row(maria, role="Chef"), person_row(anna, manager=maria),
                                     person_row(omar, manager=maria)], name="personal-april.csv")
    out = StringIO()

    code = directory_cli.run(SimpleNamespace(command="import-directory", file=str(people),
                                             units=str(write_units(tmp_path)), org="stockholm-kultur",
                                             dry_run=False),
                             _db(bot), dialog_config(bot.settings), out=out, now=clock.now())
    bot.app[OUTBOX].wake()

    assert code == 0, out.getvalue()
    report = out.getvalue()
    assert "left: karin.ek@stockholm.example" in report
    assert f"new manager for {anna.email}: {karin.email} -> {maria.email}" in report
    assert "notified 1 new manager(s)" in report
    refused = (await Chat(bot, connector, karin, seen=1).click(old_card, "Godkänn planen"))[0]
    assert "Bara medarbetarens chef" in card_text(refused)

    new_card = (await _cards_in(connector, maria, 1))[-1]
    assert "Du är nu chef för Anna Lindberg" in card_text(new_card)
    approved = (await Chat(bot, connector, maria, seen=1).click(new_card, "Godkänn planen"))[0]
    assert "Du har godkänt planen." in card_text(approved)
    assert latest_plan_of(bot, anna).state == PlanState.APPROVED


async def test_mina_medarbetare_lists_reports_with_assessment_and_plan_status(
        bot, connector, chat, anna, karin, omar, directory, clock):
    await _send_plan(chat, bot, clock)
    await _cards_in(connector, karin, 1, bot)
    manager = Chat(bot, connector, karin, seen=1)

    menu = (await manager.say("hjälp"))[0]
    assert any(a["title"] == "Mina medarbetare" for a in iter_actions(menu)), "a manager sees the manager menu"
    team = (await manager.say("mina medarbetare"))[0]

    text = card_text(team)
    assert "Anna Lindberg" in text and "Omar Haddad" in text
    assert "Självskattning Klar 2026-03-07" in text and "Plan Väntar på dig" in text
    assert "Självskattning Inte gjord" in text and "Har inte börjat använda appen" in text
    opened = (await manager.click(team, "Granska Annas plan"))[0]
    assert "Utvecklingsplan 2026: Anna Lindberg" in card_text(opened)
    employee_menu = (await chat.say("hjälp"))[0]
    assert not any(a["title"] == "Mina medarbetare" for a in iter_actions(employee_menu))


async def test_someone_not_in_the_directory_is_told_whom_to_contact(bot, connector, directory, karin):
    stranger = registered_user(connector, "Sara Okänd")
    with _db(bot).session() as session:
        from store.directory import assign, organisation_by_key

        assign(session, organisation=organisation_by_key(session, "stockholm-kultur"), email=karin.email,
               kind="coordinator")
    chat = Chat(bot, connector, stranger)

    cards = await chat.say("mina medarbetare")

    text = card_text(cards[0])
    assert "Du finns inte i personalkatalogen" in text
    assert f"Karin Ek {karin.email}" in text


async def test_the_member_lookup_links_by_email_once_and_not_on_later_turns(bot, connector, chat, anna, directory):
    await chat.say("hjälp")
    await chat.say("hjälp")
    await chat.say("min plan")

    lookups = [r for r in connector.requests if "/members/" in r.path]
    assert len(lookups) == 1
    with _db(bot).session() as session:
        from store.directory import entry_for_person_id

        entry = entry_for_person_id(session, person_id_of(bot, anna))
    assert entry is not None and entry.email == anna.email


async def test_an_employee_card_for_an_older_version_shows_the_current_plan_and_sends_nothing(
        bot, connector, chat, anna, karin, directory, clock):
    await chat.say("hjälp")
    give_finished_assessment(_db(bot), person_id_of(bot, anna), now=clock.now())
    old_card = await _write_goal(chat, (await chat.say("min plan"))[0])
    edit = (await chat.click(old_card, "Redigera planen"))[0]
    await chat.click(edit, "Spara", {"priority_1": "5.4", "priority_2": "3.1", "priority_3": "4.2",
                                     "goals": "Ett annat mål."})

    stale = (await chat.click(old_card, "Skicka till min chef"))[0]

    assert "Planen har ändrats sedan det här kortet skickades" in card_text(stale)
    assert find_action(stale, "Skicka till min chef")["data"]["version"] == latest_plan_of(bot, anna).version
    assert latest_plan_of(bot, anna).state == PlanState.DRAFT
    with _db(bot).session() as session:
        assert messages_for(session, campaign_prefix="plan-review:") == []


async def test_the_menu_offers_the_manager_and_coordinator_sections_the_directory_gives(
        bot, connector, chat, anna, karin, directory):
    with _db(bot).session() as session:
        from store.directory import assign, organisation_by_key

        assign(session, organisation=organisation_by_key(session, "stockholm-kultur"), email=karin.email,
               kind="coordinator")

    manager_menu = (await Chat(bot, connector, karin).say("hjälp"))[0]
    employee_menu = (await chat.say("hjälp"))[0]

    assert {"För chefer", "För samordnare"} <= set(card_text(manager_menu).splitlines())
    assert not {"För chefer", "För samordnare"} & set(card_text(employee_menu).splitlines())


async def test_without_a_finished_assessment_the_plan_asks_for_one_first(bot, chat, directory):
    cards = await chat.say("min plan")

    assert "Gör självskattningen först" in card_text(cards[0])
    assert any(a["title"] == "Gör självskattning" for a in iter_actions(cards[0]))


async def test_someone_without_a_manager_in_the_directory_cannot_send_and_is_told_whom_to_ask(
        bot, chat, anna, clock, tmp_path):
    seed_organisation(_db(bot), contact="kompetenslyft@stockholm.example")
    assert import_people(_db(bot), tmp_path, [person_row(anna)]).ok

    cards = await _send_plan(chat, bot, clock)

    assert "Du har ingen chef i katalogen" in card_text(cards)
    assert "kompetenslyft@stockholm.example" in card_text(cards)
    assert latest_plan_of(bot, anna).state == PlanState.DRAFT
