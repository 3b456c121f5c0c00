"""Withdrawing a plan in the store on SQLite and PostgreSQL: a new version named "withdrawn" by the employee,
an audit event `plan.withdrawn` with from and to, only by the owner, only while it waits, only from the
version read."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from dialogs.rules.plan_rules import TransitionRefused
from store import audit, plans
from store.db import Database
from store.models.core import Person
from store.models.plan import PlanState
from store.people import aware

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)
LATER = NOW + timedelta(hours=2)
PRIORITIES = [{"competence": c, "level": 2, "target": 5, "agreed_level": None} for c in ("3.1", "4.2", "1.2")]


@pytest.fixture
def db(database_url):
    database = Database(database_url)
    database.migrate()
    yield database
    database.dispose()


@pytest.fixture
def people(db) -> tuple[int, int]:
    with db.session() as session:
        anna, karin = Person(tenant_id="t", teams_user_id="29:anna"), Person(tenant_id="t", teams_user_id="29:karin")
        session.add_all([anna, karin])
        session.flush()
        return anna.id, karin.id


@pytest.fixture
def sent_plan_id(db, people) -> int:
    with db.session() as session:
        plan = plans.create_plan(session, person_id=people[0], period=2026, assessment_id=None, now=NOW,
                                 priorities=PRIORITIES)
        plans.change_state(session, plan, to=PlanState.SENT, expected_version=1, actor_person_id=people[0],
                           now=NOW, sent_at=NOW)
        return plan.id


def test_a_withdrawn_sent_plan_is_a_new_draft_version_by_the_employee_and_audited_as_withdrawn(
        db, sent_plan_id, people):
    anna = people[0]
    with db.session() as session:
        plans.withdraw_plan(session, plans.plan_by_id(session, sent_plan_id), expected_version=2,
                            actor_person_id=anna, now=LATER)

    with db.session() as session:
        plan = plans.plan_by_id(session, sent_plan_id)
        version = plans.versions_of(session, plan)[-1]
        event = audit.events_for(session, subject_type="plan", subject_id=sent_plan_id)[-1]
    assert (plan.state, plan.version, plan.sent_at, aware(plan.state_changed_at)) == (PlanState.DRAFT, 3, None, LATER)
    assert (version.version, version.state, version.change, version.changed_by_person_id, aware(version.at)) == (
        3, "draft", "withdrawn", anna, LATER)
    assert (event.action, event.actor_person_id, event.details) == (
        "plan.withdrawn", anna, {"from": "sent", "to": "draft", "version": 3})


def test_a_withdrawn_resent_plan_goes_back_to_changes_requested_and_keeps_its_sending_date(db, sent_plan_id, people):
    anna, karin = people
    with db.session() as session:
        plan = plans.plan_by_id(session, sent_plan_id)
        plans.change_state(session, plan, to=PlanState.CHANGES_REQUESTED, expected_version=2, actor_person_id=karin,
                           now=NOW)
        plans.change_state(session, plan, to=PlanState.RESENT, expected_version=3, actor_person_id=anna, now=NOW,
                           sent_at=NOW)
        plans.withdraw_plan(session, plan, expected_version=4, actor_person_id=anna, now=LATER)

    with db.session() as session:
        plan = plans.plan_by_id(session, sent_plan_id)
        actions = [e.action for e in audit.events_for(session, subject_type="plan", subject_id=sent_plan_id)]
    assert (plan.state, plan.version, aware(plan.sent_at)) == (PlanState.CHANGES_REQUESTED, 5, NOW)
    assert actions[-2:] == ["plan.resent", "plan.withdrawn"]


def test_only_the_owner_withdraws(db, sent_plan_id, people):
    with db.session() as session:
        with pytest.raises(plans.PlanNotEditable):
            plans.withdraw_plan(session, plans.plan_by_id(session, sent_plan_id), expected_version=2,
                                actor_person_id=people[1], now=LATER)


def test_a_plan_the_manager_decided_on_cannot_be_withdrawn(db, sent_plan_id, people):
    anna, karin = people
    with db.session() as session:
        plan = plans.plan_by_id(session, sent_plan_id)
        plans.change_state(session, plan, to=PlanState.APPROVED, expected_version=2, actor_person_id=karin, now=NOW)
        with pytest.raises(TransitionRefused):
            plans.withdraw_plan(session, plan, expected_version=3, actor_person_id=anna, now=LATER)


def test_a_withdrawal_based_on_an_older_version_is_refused(db, sent_plan_id, people):
    with db.session() as session:
        with pytest.raises(plans.PlanChangedConcurrently):
            plans.withdraw_plan(session, plans.plan_by_id(session, sent_plan_id), expected_version=1,
                                actor_person_id=people[0], now=LATER)
