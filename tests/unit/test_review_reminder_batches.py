"""The weekly review reminders as the job sends them for a whole batch of plans at once: the manager and the
manager's current stand-ins, each once and in their language, the stand-in's card saying so; nobody for an
employee who has left; the same whether the plans come in one batch or one at a time. And the views the
batch builds its cards from are the ones a single plan's card shows (dialogs.plan.plan_views = plan_view)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from dialogs.clock import ManualClock
from dialogs.config import DialogConfig
from dialogs.plan import plan_view, plan_views
from scheduler.jobs import remind_waiting_reviews
from store import directory, outbox, plans
from store.db import Database
from store.models.core import Person
from store.models.directory import StandIn
from store.models.plan import Plan, PlanState
from tests.directory_fixtures import ANNA_LEVELS, give_finished_assessment, import_people, seed_organisation
from tests.harness import card_text

SENT_AT = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)  # Monday 10:00 in Stockholm
DUE = SENT_AT + timedelta(days=8)
DOMAIN = "stockholm.example"
# (key, name, manager key, AAD object id): Karin manages everyone; Berit stands in for her (and is a report
# of hers too); Gustav's stand-in period for Karin is over.
PEOPLE = [("karin", "Karin Ek", "", "5d0c2b1e-7a41-4c55-9a0e-1f2b3c4d5e01"),
          ("berit", "Berit Holm", "karin", "5d0c2b1e-7a41-4c55-9a0e-1f2b3c4d5e02"),
          ("gustav", "Gustav Lund", "karin", "5d0c2b1e-7a41-4c55-9a0e-1f2b3c4d5e03"),
          ("anna", "Anna Lindberg", "karin", ""),
          ("olle", "Olle Berg", "karin", ""), ("sara", "Sara Nord", "karin", "")]
PRIORITIES = [{"competence": c, "level": 2, "target": 5, "agreed_level": None} for c in ("3.1", "4.2", "1.2")]


def _email(key: str) -> str:
    return f"{key}@{DOMAIN}"


@pytest.fixture
def db(database_url, tmp_path):
    database = Database(database_url)
    database.migrate()
    seed_organisation(database)
    rows = [(_email(key), name, "", "SSB", "Chef" if not manager else "Bibliotekarie",
             _email(manager) if manager else "", aad) for key, name, manager, aad in PEOPLE]
    assert import_people(database, tmp_path, rows, now=SENT_AT).ok
    yield database
    database.dispose()


def _person(db, key: str, *, locale: str = "sv-SE") -> int:
    """`key` writes to the bot once: a person with a chat, linked to their directory entry."""
    name, aad = next((name, aad) for k, name, _, aad in PEOPLE if k == key)
    with db.session() as session:
        person = Person(tenant_id="tenant", teams_user_id=f"29:{key}", aad_object_id=aad or None, name=name,
                        email=_email(key), locale=locale, service_url="https://smba.example/emea/",
                        conversation_reference={"serviceUrl": "https://smba.example/emea/",
                                                "conversation": {"id": f"a:{key}"}})
        session.add(person)
        session.flush()
        assert directory.entry_for_person(session, person) is not None
        return person.id


def _entry(session, key: str):
    return directory.entry_by_email(session, directory.organisation_by_key(session, "stockholm-kultur"), _email(key))


def _stand_in(db, key: str, *, ends_at: datetime | None = None) -> None:
    with db.session() as session:
        karin, stand_in = _entry(session, "karin"), _entry(session, key)
        session.add(StandIn(manager_entry_id=karin.id, stand_in_entry_id=stand_in.id, assigned_by_entry_id=karin.id,
                            starts_at=SENT_AT - timedelta(days=30), ends_at=ends_at))


def _sent_plan(db, person_id: int) -> int:
    with db.session() as session:
        plan = plans.create_plan(session, person_id=person_id, period=2026, assessment_id=None, now=SENT_AT,
                                 priorities=PRIORITIES)
        plans.change_state(session, plan, to=PlanState.SENT, expected_version=1, actor_person_id=person_id,
                           now=SENT_AT, sent_at=SENT_AT)
        return plan.id


def _reminders(db) -> dict[tuple[int, str], str]:
    """(plan id, recipient's e-mail) -> the card's text, of every review reminder enqueued."""
    with db.session() as session:
        found = {}
        for message in outbox.messages_for(session, campaign_prefix="plan-review-reminder:"):
            recipient = directory.entry_for_person_id(session, message.recipient_person_id)
            found[(int(message.campaign.split(":")[1]), recipient.email)] = card_text(message.card)
        return found


def _reminded_times(db, plan_id: int) -> int:
    with db.session() as session:
        return plans.plan_by_id(session, plan_id).review_reminders


@pytest.mark.parametrize("batch_size", [1, 500])
def test_each_waiting_plan_reminds_the_manager_and_her_current_stand_in_once(db, job_context, batch_size):
    anna, olle, berit = _person(db, "anna"), _person(db, "olle"), _person(db, "berit", locale="en-US")
    _person(db, "gustav")
    _stand_in(db, "berit")
    _stand_in(db, "berit")  # an overlapping second assignment of the same stand-in
    _stand_in(db, "gustav", ends_at=SENT_AT)
    anna_plan, olle_plan, berit_plan = _sent_plan(db, anna), _sent_plan(db, olle), _sent_plan(db, berit)
    job_context.clock.set(DUE)

    assert remind_waiting_reviews(job_context, batch_size=batch_size) == 5

    sent = _reminders(db)
    karin, berit_email = _email("karin"), _email("berit")
    # Berit's own plan goes to Karin alone: nobody reviews their own plan as a stand-in.
    assert set(sent) == {(anna_plan, karin), (anna_plan, berit_email), (olle_plan, karin),
                         (olle_plan, berit_email), (berit_plan, karin)}
    assert "Påminnelse: planen från Anna Lindberg har väntat på dig i 8 dagar." in sent[(anna_plan, karin)]
    assert "ersättare" not in sent[(anna_plan, karin)]
    assert "Reminder: the plan from Olle Berg has been waiting for you for 8 days." in sent[(olle_plan, berit_email)]
    assert "You are reviewing as a stand-in for Karin Ek." in sent[(olle_plan, berit_email)]
    assert [_reminded_times(db, plan_id) for plan_id in (anna_plan, olle_plan, berit_plan)] == [1, 1, 1]
    with db.session() as session:
        assert _entry(session, "karin").person_id is not None, "Karin, who never wrote, is reached by her AAD id"

    assert remind_waiting_reviews(job_context, batch_size=batch_size) == 0, "a second run finds nothing due"


def test_when_the_manager_has_left_her_stand_in_is_reminded_alone(db, job_context):
    anna = _person(db, "anna")
    _person(db, "berit")
    _stand_in(db, "berit")
    plan_id = _sent_plan(db, anna)
    with db.session() as session:
        _entry(session, "karin").active = False
    job_context.clock.set(DUE)

    assert remind_waiting_reviews(job_context) == 1

    assert set(_reminders(db)) == {(plan_id, _email("berit"))}


def test_an_employee_who_has_left_gets_no_reminder_sent_for_her_and_the_rest_of_the_batch_does(db, job_context):
    anna, olle = _person(db, "anna"), _person(db, "olle")
    anna_plan, olle_plan = _sent_plan(db, anna), _sent_plan(db, olle)
    with db.session() as session:
        _entry(session, "anna").active = False
    job_context.clock.set(DUE)

    assert remind_waiting_reviews(job_context) == 1

    assert set(_reminders(db)) == {(olle_plan, _email("karin"))}
    assert _reminded_times(db, anna_plan) == 0


def test_plans_at_the_most_reminders_are_left_alone_and_the_others_in_the_batch_reminded(db, job_context):
    anna, olle = _person(db, "anna"), _person(db, "olle")
    anna_plan, olle_plan = _sent_plan(db, anna), _sent_plan(db, olle)
    with db.session() as session:
        plans.plan_by_id(session, anna_plan).review_reminders = 3
    job_context.clock.set(DUE)

    assert remind_waiting_reviews(job_context) == 1

    assert set(_reminders(db)) == {(olle_plan, _email("karin"))}
    assert _reminded_times(db, anna_plan) == 3


def test_the_views_of_a_batch_are_those_of_each_plan_alone(db):
    """plan_views reads for many plans at once what plan_view reads for one: owner and manager names, the
    approver, the changes asked for, the assessment's means, times sent, a newer assessment, levels to confirm."""
    anna, olle, sara, karin = _person(db, "anna"), _person(db, "olle"), _person(db, "sara"), _person(db, "karin")
    first = give_finished_assessment(db, anna, now=SENT_AT - timedelta(days=60))
    give_finished_assessment(db, anna, now=SENT_AT - timedelta(days=5), levels=ANNA_LEVELS | {"3.1": 4, "4.2": 7})
    give_finished_assessment(db, olle, now=SENT_AT - timedelta(days=60), levels=ANNA_LEVELS | {"1.2": 7})
    with db.session() as session:
        outsider = Person(tenant_id="tenant", teams_user_id="29:outsider", name="Nils Utan Katalog")
        session.add(outsider)
        session.flush()
        outsider_id = outsider.id
    at = SENT_AT
    with db.session() as session:
        # Anna: last year's plan signed; this year's drafted from her first assessment, changes asked for.
        signed = plans.create_plan(session, person_id=anna, period=2025, assessment_id=first, now=at,
                                   priorities=[{"competence": "4.2", "level": 7, "target": 8, "agreed_level": 6}])
        plans.change_state(session, signed, to=PlanState.SENT, expected_version=1, actor_person_id=anna, now=at,
                           sent_at=at)
        plans.change_state(session, signed, to=PlanState.APPROVED, expected_version=2, actor_person_id=karin,
                           now=at, approved_at=at, approved_by_person_id=karin)
        current = plans.create_plan(session, person_id=anna, period=2026, assessment_id=first, now=at,
                                    priorities=[{"competence": "3.1", "level": 2, "target": 5, "agreed_level": None},
                                                {"competence": "4.2", "level": 7, "target": 8, "agreed_level": None}])
        plans.change_state(session, current, to=PlanState.SENT, expected_version=1, actor_person_id=anna, now=at,
                           sent_at=at)
        plans.add_comment(session, current, author_person_id=karin, kind="changes_requested", text="Först", now=at)
        plans.change_state(session, current, to=PlanState.CHANGES_REQUESTED, expected_version=2,
                           actor_person_id=karin, now=at)
        plans.add_comment(session, current, author_person_id=karin, kind="changes_requested", text="Sedan", now=at)
        # Olle: a signed plan with a level to confirm and one agreed.
        olles = plans.create_plan(session, person_id=olle, period=2026, assessment_id=None, now=at,
                                  priorities=[{"competence": "1.2", "level": 7, "target": 8, "agreed_level": 7},
                                              {"competence": "2.4", "level": 8, "target": 8, "agreed_level": None}])
        plans.change_state(session, olles, to=PlanState.SENT, expected_version=1, actor_person_id=olle, now=at,
                           sent_at=at)
        plans.change_state(session, olles, to=PlanState.APPROVED, expected_version=2, actor_person_id=karin,
                           now=at, approved_at=at, approved_by_person_id=karin)
        # Sara: a plan sent and waiting; the outsider (no directory entry): a draft.
        saras = plans.create_plan(session, person_id=sara, period=2026, assessment_id=None, now=at,
                                  priorities=PRIORITIES)
        plans.change_state(session, saras, to=PlanState.SENT, expected_version=1, actor_person_id=sara, now=at,
                           sent_at=at)
        plans.create_plan(session, person_id=outsider_id, period=2026, assessment_id=None, now=at)

    config = DialogConfig()
    with db.session() as session:
        every = list(session.exec(select(Plan).order_by(Plan.id)))
        assert len(every) == 5
        alone = {plan.id: plan_view(session, plan, config) for plan in every}
        together = plan_views(session, every, config)

    assert together == alone
    anna_now = alone[current.id]
    assert (anna_now.changes_comment, anna_now.manager_name, anna_now.newer_levels) == (
        "Sedan", "Karin Ek", (("3.1", 2, 4),)), "the case the comparison covers is the one meant"
    assert alone[olles.id].to_confirm == frozenset({"2.4"}) and alone[olles.id].approved_by == "Karin Ek"
    assert alone[signed.id].area_means and alone[signed.id].times_sent == 1
