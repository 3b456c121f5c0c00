"""Withdrawing a sent plan, and the manager hearing that the employee confirmed one, over HTTP: the employee
takes the plan back before the manager decides (the manager's open card goes stale, the manager and stand-in
are told, reminders stop), edits and sends it again; nobody else can withdraw it, and not once approved."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.app import DATABASE, OUTBOX, dialog_config
from cards.verbs import Verb
from scheduler.jobs import JobContext, remind_waiting_reviews
from store import audit, plans
from store.directory import assign, assign_stand_in, organisation_by_key
from store.models.plan import PlanState
from store.outbox import messages_for
from store.people import aware
from tests.directory_fixtures import give_finished_assessment, import_people, person_row, seed_organisation
from tests.fakes.activities import TeamsUser
from tests.harness import Chat, card_text, iter_actions, latest_plan_of, person_id_of
from tests.scenario.test_plan_signoff import activities_on

WITHDRAW, SEND, EDIT = "Dra tillbaka", "Skicka till min chef", "Redigera planen"
APPROVE, CHANGES, SAVE_REVIEW = "Godkänn planen", "Begär ändringar", "Spara ändringar"
WITHDRAWN_NOTICE = "Anna Lindberg har dragit tillbaka sin plan"
CONFIRMED_NOTICE = "Anna Lindberg har bekräftat sin utvecklingsplan"
STALE = "Planen har ändrats sedan det här kortet skickades"


@pytest.fixture
def bot(clocked_bot):
    """Every test here runs on the clock: notifications respect working hours."""
    return clocked_bot


@pytest.fixture
def directory(bot, anna, karin, omar, maria, tmp_path):
    """Karin manages Anna and Omar; Maria, a colleague, may be made Karin's stand-in. Karin never wrote."""
    seed_organisation(_db(bot))
    report = import_people(_db(bot), tmp_path, [person_row(karin, role="Chef"), person_row(anna, manager=karin),
                                                person_row(omar, manager=karin), person_row(maria, manager=karin)])
    assert report.ok, report.errors
    return report


def _db(bot):
    return bot.app[DATABASE]


def _messages(bot, prefix: str):
    with _db(bot).session() as session:
        return messages_for(session, campaign_prefix=prefix)


def _titles(card: dict) -> set[str]:
    return {action.get("title") for action in iter_actions(card)}


def _cards_saying(connector, user: TeamsUser, words: str) -> list[dict]:
    return [c for c in connector.cards(user.conversation_id) if words in card_text(c)]


async def _card_saying(connector, user: TeamsUser, words: str) -> dict:
    """Waits until a card with these words has reached the user's chat, and returns the latest such card."""
    await connector.wait_for_async(lambda activities: any(words in card_text(a) for a in activities),
                                   conversation_id=user.conversation_id)
    return _cards_saying(connector, user, words)[-1]


async def _send_plan(chat: Chat, bot, clock) -> dict:
    """The employee writes, has a finished assessment, drafts the plan and sends it; returns their plan card."""
    await chat.say("hjälp")
    give_finished_assessment(_db(bot), person_id_of(bot, chat.user), now=clock.now() - timedelta(days=3))
    plan_card = (await chat.say("min plan"))[0]
    return (await chat.click(await _write_goal(chat, plan_card), SEND))[0]


async def _write_goal(chat: Chat, plan_card: dict) -> dict:
    """Keeps the drafted priorities and writes a goal: a plan with nothing written is not sent."""
    edit = (await chat.click(plan_card, "Redigera planen"))[0]
    return (await chat.click(edit, "Spara", {"priority_1": "3.1", "priority_2": "4.2", "priority_3": "1.2",
                                              "goals": "Göra korta filmer om bibliotekets program."}))[0]


async def _review_card(connector, karin) -> dict:
    return await _card_saying(connector, karin, "Utvecklingsplan 2026: Anna Lindberg")


async def _send_back_and_resend(chat: Chat, bot, connector, karin, clock) -> dict:
    """Anna sends, Karin asks for changes, Anna changes and sends again; returns Anna's resent plan card."""
    await _send_plan(chat, bot, clock)
    manager = Chat(bot, connector, karin, seen=1)
    await manager.click(await _review_card(connector, karin), CHANGES, {"comment": "Lägg till en kurs i 4.2."})
    notice = await _card_saying(connector, chat.user, "Lägg till en kurs i 4.2.")
    chat.seen = len(chat.cards())
    edit = (await chat.click(notice, EDIT))[0]
    saved = (await chat.click(edit, "Spara", {"priority_1": "3.1", "priority_2": "4.2", "priority_3": "1.2",
                                              "activities": "Kurs i informationssäkerhet (4.2)."}))[0]
    return (await chat.click(saved, "Skicka igen"))[0]


# ---- withdrawing --------------------------------------------------------------------------------------------

async def test_withdrawing_a_sent_plan_makes_it_a_draft_again_recorded_with_who_and_when(
        bot, connector, chat, anna, karin, directory, clock):
    sent = await _send_plan(chat, bot, clock)
    assert WITHDRAW in _titles(sent), "the button is there while the manager has not decided"
    sent_version = latest_plan_of(bot, anna).version
    clock.advance(timedelta(minutes=20))

    withdrawn = (await chat.click(sent, WITHDRAW))[0]

    text = card_text(withdrawn)
    assert "Du har dragit tillbaka planen. Karin Ek får besked nu." in text
    assert "Utkast: planen är din att arbeta med." in text and "Skickad" not in text
    assert {EDIT, SEND} <= _titles(withdrawn) and WITHDRAW not in _titles(withdrawn)
    plan = latest_plan_of(bot, anna)
    assert (plan.state, plan.version, plan.sent_at) == (PlanState.DRAFT, sent_version + 1, None)
    with _db(bot).session() as session:
        events = audit.events_for(session, subject_type="plan", subject_id=plan.id)
        last_version = plans.versions_of(session, plan)[-1]
    assert [e.action for e in events] == ["plan.created", "plan.sent", "plan.withdrawn"]
    assert events[-1].actor_person_id == person_id_of(bot, anna)
    assert {k: events[-1].details[k] for k in ("from", "to", "version")} == {
        "from": "sent", "to": "draft", "version": sent_version + 1}
    assert events[-1].details["reviewers"] == [karin.email]
    assert (last_version.change, last_version.changed_by_person_id, aware(last_version.at)) == (
        "withdrawn", person_id_of(bot, anna), clock.now())


async def test_withdrawing_a_resent_plan_returns_it_to_changes_requested_with_the_managers_comment(
        bot, connector, chat, anna, karin, directory, clock):
    resent = await _send_back_and_resend(chat, bot, connector, karin, clock)
    assert latest_plan_of(bot, anna).state == PlanState.RESENT and WITHDRAW in _titles(resent)

    withdrawn = (await chat.click(resent, WITHDRAW))[0]

    text = card_text(withdrawn)
    assert "Du har dragit tillbaka planen" in text
    assert "Karin Ek vill att du ändrar planen" in text and "Lägg till en kurs i 4.2." in text
    assert {EDIT, "Skicka igen"} <= _titles(withdrawn) and WITHDRAW not in _titles(withdrawn)
    plan = latest_plan_of(bot, anna)
    assert plan.state == PlanState.CHANGES_REQUESTED
    assert plan.activities == "Kurs i informationssäkerhet (4.2).", "the employee's changes are kept"
    with _db(bot).session() as session:
        event = audit.events_for(session, subject_type="plan", subject_id=plan.id)[-1]
    assert (event.action, event.details["from"], event.details["to"]) == (
        "plan.withdrawn", "resent", "changes_requested")


async def test_the_managers_review_card_from_before_the_withdrawal_is_refused_and_changes_nothing(
        bot, connector, chat, anna, karin, directory, clock):
    sent = await _send_plan(chat, bot, clock)
    review = await _review_card(connector, karin)
    await chat.click(sent, WITHDRAW)
    before = latest_plan_of(bot, anna)
    manager = Chat(bot, connector, karin, seen=len(connector.cards(karin.conversation_id)))

    answers = [(await manager.click(review, APPROVE))[0],
               (await manager.click(review, CHANGES, {"comment": "Lägg till 4.2."}))[0],
               (await manager.click(review, SAVE_REVIEW, {"agreed_3.1": "4"}))[0]]

    for answer in answers:
        text = card_text(answer)
        assert f"{STALE}. Här är planen som den ser ut nu; ingenting har sparats." in text
        assert "Anna Lindberg arbetar fortfarande på planen." in text
        assert not {APPROVE, CHANGES, SAVE_REVIEW} & _titles(answer), "nothing left to act on"
        assert "Prioriterade kompetenser" not in text, "a draft is the employee's until it is sent again"
    after = latest_plan_of(bot, anna)
    assert (after.state, after.version, after.priorities) == (PlanState.DRAFT, before.version, before.priorities)
    with _db(bot).session() as session:
        comments = plans.latest_comment(session, after)
    assert comments is None
    assert _messages(bot, "plan-approved:") == [] and _messages(bot, "plan-changes:") == []


async def test_the_manager_and_the_stand_in_are_told_of_the_withdrawal_within_working_hours(
        bot, connector, chat, anna, karin, omar, maria, directory, clock):
    with _db(bot).session() as session:
        organisation = organisation_by_key(session, "stockholm-kultur")
        assign(session, organisation=organisation, email=omar.email, kind="admin")
        assign_stand_in(session, organisation=organisation, manager_email=karin.email, stand_in_email=maria.email,
                        admin_email=omar.email, starts_at=clock.now() - timedelta(days=1), ends_at=None)
    sent = await _send_plan(chat, bot, clock)
    await _review_card(connector, karin)
    await _review_card(connector, maria)

    await chat.click(sent, WITHDRAW)

    for reviewer in (karin, maria):
        notice = await _card_saying(connector, reviewer, WITHDRAWN_NOTICE)
        assert "Utvecklingsplanen för 2026 väntar inte längre på dig" in card_text(notice)
        assert "Mina medarbetare" in _titles(notice)
    await bot.app[OUTBOX].drain()
    (row_karin, row_maria) = _messages(bot, "plan-withdrawn:")
    assert aware(row_karin.not_before) == clock.now(), "in working hours it goes out at once"
    assert {row_karin.recipient_person_id, row_maria.recipient_person_id} == {
        person_id_of(bot, karin), person_id_of(bot, maria)}


async def test_a_withdrawal_in_the_evening_reaches_the_manager_the_next_working_morning(
        bot, connector, chat, anna, karin, directory, clock):
    sent = await _send_plan(chat, bot, clock)
    await _review_card(connector, karin)
    clock.set(datetime(2026, 3, 13, 17, 30, tzinfo=timezone.utc))  # Friday 18:30 in Stockholm

    withdrawn = (await chat.click(sent, WITHDRAW))[0]
    await bot.app[OUTBOX].drain()

    assert "Karin Ek får besked på måndag kl. 08.00." in card_text(withdrawn)
    assert "har fått besked" not in card_text(withdrawn), "not before the notice has gone out"
    assert _cards_saying(connector, karin, WITHDRAWN_NOTICE) == []
    (row,) = _messages(bot, "plan-withdrawn:")
    assert aware(row.not_before) == datetime(2026, 3, 16, 7, 0, tzinfo=timezone.utc)  # Monday 08:00
    clock.set(datetime(2026, 3, 16, 7, 0, tzinfo=timezone.utc))
    await bot.app[OUTBOX].drain()
    assert len(_cards_saying(connector, karin, WITHDRAWN_NOTICE)) == 1


async def test_clicking_withdraw_twice_withdraws_once_and_tells_the_manager_once(
        bot, connector, chat, anna, karin, directory, clock):
    sent = await _send_plan(chat, bot, clock)

    await chat.click(sent, WITHDRAW)
    second = (await chat.click(sent, WITHDRAW))[0]

    assert STALE in card_text(second)
    with _db(bot).session() as session:
        withdrawals = [e for e in audit.events_for(session, subject_type="plan", subject_id=latest_plan_of(bot, anna).id)
                       if e.action == "plan.withdrawn"]
    assert len(withdrawals) == 1 and len(_messages(bot, "plan-withdrawn:")) == 1


async def test_a_plan_the_manager_approved_cannot_be_withdrawn_and_offers_no_button(
        bot, connector, chat, anna, karin, directory, clock):
    sent = await _send_plan(chat, bot, clock)
    manager = Chat(bot, connector, karin, seen=1)
    await manager.click(await _review_card(connector, karin), APPROVE)
    await _card_saying(connector, anna, "Din utvecklingsplan är godkänd")
    chat.seen = len(chat.cards())
    approved = latest_plan_of(bot, anna)

    late_click = (await chat.click(sent, WITHDRAW))[0]
    forged = await chat.submit({"verb": Verb.PLAN_WITHDRAW, "plan_id": approved.id, "version": approved.version})
    plan_card = (await chat.say("min plan"))[0]

    refusal = "Planen kan inte dras tillbaka eftersom din chef redan har godkänt den."
    assert refusal in card_text(late_click) and refusal in card_text(forged[0])
    assert WITHDRAW not in _titles(plan_card)
    after = latest_plan_of(bot, anna)
    assert (after.state, after.version) == (PlanState.APPROVED, approved.version)
    assert _messages(bot, "plan-withdrawn:") == []


async def test_nobody_withdraws_someone_elses_plan_even_with_forged_card_data(
        bot, connector, chat, anna, karin, omar, directory, clock):
    sent = await _send_plan(chat, bot, clock)
    await _review_card(connector, karin)
    plan = latest_plan_of(bot, anna)
    data = {"verb": Verb.PLAN_WITHDRAW, "plan_id": plan.id, "version": plan.version}
    colleague = Chat(bot, connector, omar)
    manager = Chat(bot, connector, karin, seen=len(connector.cards(karin.conversation_id)))

    refusals = [(await colleague.submit(data))[0], (await manager.submit(data))[0],
                (await colleague.execute(Verb.PLAN_WITHDRAW, data))[0].card]
    addressed = (await colleague.click(sent, WITHDRAW))[0]  # Anna's own card, clicked by Omar

    for refusal in refusals:
        assert "Du har inte behörighet till det här. Ingenting har ändrats." in card_text(refusal)
    assert "Det här kortet skickades till någon annan" in card_text(addressed)
    after = latest_plan_of(bot, anna)
    assert (after.state, after.version) == (PlanState.SENT, plan.version)
    assert _messages(bot, "plan-withdrawn:") == []


async def test_after_withdrawing_the_employee_edits_and_sends_again_and_the_manager_gets_the_new_plan(
        bot, connector, chat, anna, karin, directory, clock):
    sent = await _send_plan(chat, bot, clock)
    await _review_card(connector, karin)

    withdrawn = (await chat.click(sent, WITHDRAW))[0]
    edit = (await chat.click(withdrawn, EDIT))[0]
    saved = (await chat.click(edit, "Spara", {"priority_1": "4.2", "priority_2": "3.1", "priority_3": "5.4",
                                              "activities": "Kurs i informationssäkerhet."}))[0]
    again = (await chat.click(saved, SEND))[0]

    assert "Planen är skickad till Karin Ek." in card_text(again) and WITHDRAW in _titles(again)
    plan = latest_plan_of(bot, anna)
    assert plan.state == PlanState.SENT, "a first sending again: the manager had not asked for changes"
    await connector.wait_for_async(
        lambda activities: len([a for a in activities if "Utvecklingsplan 2026: Anna Lindberg" in card_text(a)]) == 2,
        conversation_id=karin.conversation_id)
    new_review = _cards_saying(connector, karin, "Utvecklingsplan 2026: Anna Lindberg")[-1]
    assert activities_on(new_review) == "Kurs i informationssäkerhet."
    assert "· 2 gånger" in card_text(new_review) and "Version" not in card_text(new_review)
    manager = Chat(bot, connector, karin, seen=len(connector.cards(karin.conversation_id)))
    approved = (await manager.click(new_review, APPROVE))[0]
    assert "Du har godkänt planen." in card_text(approved)
    assert latest_plan_of(bot, anna).state == PlanState.APPROVED


async def test_review_reminders_are_not_sent_for_a_withdrawn_plan(
        bot, connector, chat, anna, karin, omar, directory, clock):
    sent = await _send_plan(chat, bot, clock)
    await chat.click(sent, WITHDRAW)
    await _send_plan(Chat(bot, connector, omar), bot, clock)  # Omar's plan keeps waiting: the control
    jobs = JobContext(_db(bot), clock, dialog_config(bot.settings))

    clock.advance(timedelta(days=8))
    reminded = remind_waiting_reviews(jobs)

    reminders = _messages(bot, "plan-review-reminder:")
    assert reminded == 1 and [m.campaign.split(":")[1] for m in reminders] == [str(latest_plan_of(bot, omar).id)]
    assert latest_plan_of(bot, anna).review_reminders == 0


# ---- the manager hears that the employee confirmed ------------------------------------------------------------

async def test_the_manager_is_told_once_when_the_employee_confirms_even_after_a_double_click(
        bot, connector, chat, anna, karin, directory, clock):
    await _send_plan(chat, bot, clock)
    manager = Chat(bot, connector, karin, seen=1)
    await manager.click(await _review_card(connector, karin), APPROVE)
    approved_notice = await _card_saying(connector, anna, "Din utvecklingsplan är godkänd")
    chat.seen = len(chat.cards())

    first = (await chat.click(approved_notice, "Jag har tagit del av planen"))[0]
    second = (await chat.click(approved_notice, "Jag har tagit del av planen"))[0]

    assert "Tack! Planen är nu underskriven av er båda." in card_text(first)
    assert "Du har redan bekräftat planen." in card_text(second)
    notice = await _card_saying(connector, karin, CONFIRMED_NOTICE)
    assert ("Utvecklingsplanen för 2026 är nu underskriven av båda: godkänd av Karin Ek 2026-03-10 och "
            "bekräftad av Anna Lindberg 2026-03-10.") in card_text(notice)
    await bot.app[OUTBOX].drain()
    assert len(_cards_saying(connector, karin, CONFIRMED_NOTICE)) == 1
    (row,) = _messages(bot, "plan-acknowledged:")
    assert row.recipient_person_id == person_id_of(bot, karin) and aware(row.not_before) == clock.now()
    opened = (await manager.click(notice, "Visa planen"))[0]
    assert "Klar: godkänd och bekräftad av Anna Lindberg." in card_text(opened)
