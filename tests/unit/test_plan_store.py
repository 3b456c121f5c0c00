"""Plans in the store on SQLite and PostgreSQL: a version and snapshot per change, an audit event per state
change, one plan per person and year, and writes guarded against changes made since the plan was read."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import IntegrityError

from dialogs.rules.plan_rules import TransitionRefused
from store import audit, plans
from store.models.core import Person
from store.models.plan import PlanState
from store.people import aware

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)
LATER = NOW + timedelta(hours=2)
PRIORITIES = [{"competence": c, "level": 2, "target": 5, "agreed_level": None} for c in ("3.1", "4.2", "1.2")]


@pytest.fixture
def people(db) -> tuple[int, int]:
    with db.session() as session:
        anna, karin = Person(tenant_id="t", teams_user_id="29:anna"), Person(tenant_id="t", teams_user_id="29:karin")
        session.add_all([anna, karin])
        session.flush()
        return anna.id, karin.id


@pytest.fixture
def plan_id(db, people) -> int:
    with db.session() as session:
        return plans.create_plan(session, person_id=people[0], period=2026, assessment_id=None, now=NOW,
                                 priorities=PRIORITIES).id


def _load(db, plan_id):
    with db.session() as session:
        plan = plans.plan_by_id(session, plan_id)
        return plan, plans.versions_of(session, plan), audit.events_for(session, subject_type="plan",
                                                                        subject_id=plan_id)


def test_a_new_plan_is_version_one_with_its_snapshot_and_an_audit_event(db, plan_id, people):
    plan, versions, events = _load(db, plan_id)

    assert (plan.state, plan.version) == (PlanState.DRAFT, 1)
    assert [(v.version, v.change, v.snapshot["priorities"]) for v in versions] == [(1, "created", PRIORITIES)]
    assert [(e.action, e.actor_person_id) for e in events] == [("plan.created", people[0])]


def test_every_change_is_a_new_version_and_saving_without_a_change_is_not(db, plan_id, people):
    with db.session() as session:
        plan = plans.plan_by_id(session, plan_id)
        plans.edit_plan(session, plan, expected_version=1, actor_person_id=people[0], now=NOW, goals="Filma",
                        target_date=date(2026, 12, 15))
        plans.edit_plan(session, plan, expected_version=2, actor_person_id=people[0], now=NOW, goals="Filma")

    plan, versions, _ = _load(db, plan_id)
    assert plan.version == 2
    assert versions[-1].snapshot["goals"] == "Filma" and versions[-1].snapshot["target_date"] == "2026-12-15"
    assert versions[0].snapshot["goals"] == "", "the old version keeps what it said"


def test_state_changes_follow_the_table_and_each_is_audited_with_from_to_and_version(db, plan_id, people):
    anna, karin = people
    with db.session() as session:
        plan = plans.plan_by_id(session, plan_id)
        plans.change_state(session, plan, to=PlanState.SENT, expected_version=1, actor_person_id=anna, now=NOW,
                           sent_at=NOW)
        plans.change_state(session, plan, to=PlanState.APPROVED, expected_version=2, actor_person_id=karin,
                           now=NOW + timedelta(days=1), approved_at=NOW, approved_by_person_id=karin)
        with pytest.raises(TransitionRefused):
            plans.change_state(session, plan, to=PlanState.DRAFT, expected_version=3, actor_person_id=anna, now=NOW)

    plan, versions, events = _load(db, plan_id)
    assert (plan.state, plan.version, plan.approved_by_person_id) == (PlanState.APPROVED, 3, karin)
    assert [(e.action, e.actor_person_id, e.details.get("from"), e.details.get("to"), e.details.get("version"))
            for e in events] == [("plan.created", anna, None, None, 1), ("plan.sent", anna, "draft", "sent", 2),
                                 ("plan.approved", karin, "sent", "approved", 3)]
    assert [v.state for v in versions] == ["draft", "sent", "approved"]


def test_a_write_based_on_an_older_read_is_refused(db, plan_id, people):
    with db.session() as first:
        plan_seen_by_first = plans.plan_by_id(first, plan_id)
        with db.session() as second:
            plans.edit_plan(second, plans.plan_by_id(second, plan_id), expected_version=1,
                            actor_person_id=people[0], now=NOW, goals="från en annan enhet")
        with pytest.raises(plans.PlanChangedConcurrently):
            plans.edit_plan(first, plan_seen_by_first, expected_version=1, actor_person_id=people[0], now=NOW,
                            goals="från den här enheten")
        first.rollback()

    plan, versions, _ = _load(db, plan_id)
    assert plan.goals == "från en annan enhet" and len(versions) == 2


def test_a_card_showing_an_older_version_cannot_change_the_plan(db, plan_id, people):
    with db.session() as session:
        plan = plans.plan_by_id(session, plan_id)
        plans.edit_plan(session, plan, expected_version=1, actor_person_id=people[0], now=NOW, goals="ny")
        with pytest.raises(plans.PlanChangedConcurrently):
            plans.change_state(session, plan, to=PlanState.SENT, expected_version=1, actor_person_id=people[0],
                               now=NOW)


def test_only_the_owner_edits_and_only_while_the_plan_is_theirs(db, plan_id, people):
    anna, karin = people
    with db.session() as session:
        plan = plans.plan_by_id(session, plan_id)
        with pytest.raises(plans.PlanNotEditable):
            plans.edit_plan(session, plan, expected_version=1, actor_person_id=karin, now=NOW, goals="x")
        plans.change_state(session, plan, to=PlanState.SENT, expected_version=1, actor_person_id=anna, now=NOW)
        with pytest.raises(plans.PlanNotEditable):
            plans.edit_plan(session, plan, expected_version=2, actor_person_id=anna, now=NOW, goals="x")


def test_one_plan_per_person_and_year(db, plan_id, people):
    with pytest.raises(IntegrityError):
        with db.session() as session:
            plans.create_plan(session, person_id=people[0], period=2026, assessment_id=None, now=NOW)
    with db.session() as session:
        assert plans.create_plan(session, person_id=people[0], period=2027, assessment_id=None, now=NOW).version == 1


def test_counting_a_reminder_does_not_make_a_new_version(db, plan_id):
    with db.session() as session:
        plan = plans.plan_by_id(session, plan_id)
        plans.count_review_reminder(session, plan, now=NOW)
        plans.count_draft_reminder(session, plan, now=NOW)

    plan, versions, _ = _load(db, plan_id)
    assert (plan.version, plan.review_reminders, plan.draft_reminders, len(versions)) == (1, 1, 1, 1)


# ---- withdrawing: a new version named "withdrawn" by the employee, an audit event `plan.withdrawn` with from
# and to, only by the owner, only while it waits, only from the version read.

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
