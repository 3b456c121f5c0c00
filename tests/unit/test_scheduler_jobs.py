"""The reminder jobs, driven with a manual clock on SQLite and PostgreSQL: weekly reminders to the manager
(at most three), reminders of unsent drafts (at most two), quiet hours, idempotent re-runs, one instance at a time."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from dialogs.clock import ManualClock
from scheduler.jobs import LOCK_KEYS, remind_unsent_drafts, remind_waiting_reviews
from store import directory, outbox, plans
from store.db import Database
from store.models.core import Person
from store.models.plan import PlanState
from store.people import aware
from tests.directory_fixtures import import_people, seed_organisation
from tests.harness import another_instance_holding, card_text

SENT_AT = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)  # Monday 10:00 in Stockholm
KARIN_AAD = "a7a973e0-47b5-4093-8c9b-d6525b236f1a"
KARIN = ("karin.ek@stockholm.example", "Karin Ek", "", "SSB", "Chef", "", KARIN_AAD)
ANNA = ("anna.lindberg@stockholm.example", "Anna Lindberg", "", "SSB", "Bibliotekarie", "karin.ek@stockholm.example",
        "")
REFERENCE = {"serviceUrl": "https://smba.example/emea/", "conversation": {"id": "a:anna"}}
PRIORITIES = [{"competence": c, "level": 2, "target": 5, "agreed_level": None} for c in ("3.1", "4.2", "1.2")]


@pytest.fixture
def db(database_url, tmp_path):
    database = Database(database_url)
    database.migrate()
    seed_organisation(database)
    assert import_people(database, tmp_path, [KARIN, ANNA], now=SENT_AT).ok
    yield database
    database.dispose()


@pytest.fixture
def clock():
    return ManualClock(SENT_AT)


@pytest.fixture
def anna_id(db) -> int:
    with db.session() as session:
        anna = Person(tenant_id="tenant", teams_user_id="29:anna", aad_object_id="aad-anna", name="Anna Lindberg",
                      email=ANNA[0], conversation_reference=REFERENCE, service_url=REFERENCE["serviceUrl"])
        session.add(anna)
        session.flush()
        assert directory.entry_for_person(session, anna) is not None
        return anna.id


def _plan(db, person_id, *, state=PlanState.SENT, at=SENT_AT) -> int:
    with db.session() as session:
        plan = plans.create_plan(session, person_id=person_id, period=2026, assessment_id=None, now=at,
                                 priorities=PRIORITIES)
        if state != PlanState.DRAFT:
            plans.change_state(session, plan, to=PlanState.SENT, expected_version=1, actor_person_id=person_id,
                               now=at, sent_at=at)
        if state == PlanState.APPROVED:
            plans.change_state(session, plan, to=PlanState.APPROVED, expected_version=2, actor_person_id=person_id,
                               now=at)
        return plan.id


def _messages(db, prefix):
    with db.session() as session:
        return outbox.messages_for(session, campaign_prefix=prefix)


def test_the_manager_is_reminded_once_a_week_after_seven_days_and_at_most_three_times(db, clock, job_context, anna_id):
    plan_id = _plan(db, anna_id)
    sent_times = []
    for days in (6, 7, 7, 10, 14, 21, 28, 35):
        clock.set(SENT_AT + timedelta(days=days))
        if remind_waiting_reviews(job_context):
            sent_times.append(days)

    assert sent_times == [7, 14, 21]
    reminders = _messages(db, f"plan-review-reminder:{plan_id}:")
    assert [m.campaign.rsplit(":", 1)[1] for m in reminders] == ["1", "2", "3"]
    with db.session() as session:
        karin = directory.entry_by_email(session, directory.organisation_by_key(session, "stockholm-kultur"),
                                         KARIN[0])
        assert {m.recipient_person_id for m in reminders} == {karin.person_id}
        plan = plans.plan_by_id(session, plan_id)
        assert (plan.review_reminders, plan.version) == (3, 2), "reminders change nothing the two signed"
    assert "Påminnelse: planen från Anna Lindberg har väntat på dig i 7 dagar." in card_text(reminders[0].card)
    assert "i 21 dagar" in card_text(reminders[2].card)


def test_a_reminder_due_at_the_weekend_waits_for_monday_morning(db, clock, job_context, anna_id):
    _plan(db, anna_id)
    clock.set(datetime(2026, 3, 14, 11, 0, tzinfo=timezone.utc))  # Saturday noon, 12 days after sending

    assert remind_waiting_reviews(job_context) == 1

    (reminder,) = _messages(db, "plan-review-reminder:")
    assert aware(reminder.not_before) == datetime(2026, 3, 16, 7, 0, tzinfo=timezone.utc)  # Monday 08:00
    assert aware(reminder.next_attempt_at) == aware(reminder.not_before)


def test_plans_no_longer_waiting_get_no_reminder(db, clock, job_context, anna_id):
    _plan(db, anna_id, state=PlanState.APPROVED)
    clock.set(SENT_AT + timedelta(days=8))

    assert remind_waiting_reviews(job_context) == 0
    assert _messages(db, "plan-review-reminder:") == []


def test_an_unsent_draft_is_remembered_after_seven_idle_days_at_most_twice(db, clock, job_context, anna_id):
    plan_id = _plan(db, anna_id, state=PlanState.DRAFT)
    clock.set(SENT_AT + timedelta(days=7))
    assert remind_unsent_drafts(job_context) == 1
    assert remind_unsent_drafts(job_context) == 0, "a second run the same day finds nothing due"

    # Anna works on it a day later: the next reminder counts from her edit.
    with db.session() as session:
        plan = plans.plan_by_id(session, plan_id)
        plans.edit_plan(session, plan, expected_version=1, actor_person_id=anna_id,
                        now=SENT_AT + timedelta(days=8), goals="Börjat")
    clock.set(SENT_AT + timedelta(days=14))
    assert remind_unsent_drafts(job_context) == 0
    clock.set(SENT_AT + timedelta(days=15))
    assert remind_unsent_drafts(job_context) == 1
    clock.set(SENT_AT + timedelta(days=40))
    assert remind_unsent_drafts(job_context) == 0

    reminders = _messages(db, f"plan-draft-reminder:{plan_id}:")
    assert [m.recipient_person_id for m in reminders] == [anna_id, anna_id]
    assert "för 7 dagar sedan" in card_text(reminders[0].card)


def test_a_manager_we_cannot_reach_yet_is_tried_again_the_next_day(db, clock, job_context, anna_id, tmp_path):
    # Karin's entry loses its AAD object id and she never wrote: no chat can be created for her.
    with db.session() as session:
        organisation = directory.organisation_by_key(session, "stockholm-kultur")
        directory.entry_by_email(session, organisation, KARIN[0]).aad_object_id = None
    plan_id = _plan(db, anna_id)
    clock.set(SENT_AT + timedelta(days=7))
    assert remind_waiting_reviews(job_context) == 0
    with db.session() as session:
        assert plans.plan_by_id(session, plan_id).review_reminders == 0, "not counted as reminded"


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)  # PostgreSQL only
def test_while_another_instance_runs_the_job_this_one_skips_it(db, clock, job_context, anna_id):
    _plan(db, anna_id)
    clock.set(SENT_AT + timedelta(days=7))

    with another_instance_holding(db, LOCK_KEYS["plan_review_reminders"]):
        assert remind_waiting_reviews(job_context) == 0
    assert remind_waiting_reviews(job_context) == 1
