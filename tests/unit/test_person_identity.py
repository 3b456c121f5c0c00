"""A person whose Teams id and AAD object id arrive in any combination stays one person and is never locked out."""

from itertools import permutations

import pytest
from sqlmodel import select

from store import audit
from store.flow_state import FlowSnapshot, load_flow, save_flow
from store.models.core import AuditEvent, FlowState, Person
from store.people import find_person, record_sender

# The lock-out found by the tester: both ids, then the same AAD object id with another Teams id, then
# the first Teams id without an AAD object id.
BOTH = ("29:X", "aad-Y")
OTHER_TEAMS_ID = ("29:Z", "aad-Y")
NO_AAD = ("29:X", None)


def _turn(db, ids, name="Anna Lindberg"):
    teams_user_id, aad_object_id = ids
    with db.session() as session:
        return record_sender(session, tenant_id="tenant", teams_user_id=teams_user_id, aad_object_id=aad_object_id,
                             name=name, locale="sv-SE", conversation_reference=None).id


def _people(db):
    with db.session() as session:
        return [(p.teams_user_id, p.aad_object_id) for p in session.exec(select(Person).order_by(Person.id))]


@pytest.mark.parametrize("order", list(permutations([BOTH, OTHER_TEAMS_ID, NO_AAD])),
                         ids=lambda order: " then ".join(f"{t}/{a}" for t, a in order))
def test_any_order_of_half_known_ids_ends_in_one_person_who_can_still_write(db, order):
    for ids in order:
        _turn(db, ids)

    person_id = _turn(db, BOTH)

    assert _people(db) == [BOTH]
    with db.session() as session:
        assert find_person(session, tenant_id="tenant", aad_object_id="aad-Y").id == person_id
        assert find_person(session, tenant_id="tenant", teams_user_id="29:X").id == person_id
    # And the next turns go on as usual.
    assert _turn(db, BOTH) == person_id
    assert _turn(db, NO_AAD) == person_id


def test_the_half_known_record_is_merged_with_its_rows_and_the_merge_is_audited(db):
    kept = _turn(db, BOTH)
    _turn(db, OTHER_TEAMS_ID)
    half = _turn(db, NO_AAD)
    with db.session() as session:
        save_flow(session, person_id=half, snapshot=FlowSnapshot("assessment", "area_2"))

    assert _turn(db, BOTH) == kept

    with db.session() as session:
        assert session.get(Person, half) is None
        assert load_flow(session, person_id=kept, flow="assessment", initial="none").state == "area_2"
        [event] = audit.events_for(session, subject_type="person", subject_id=kept)
        assert event.action == "person.ids_reconciled.merged"
        assert event.details["other_person"] == half
        assert event.details["moved_rows"] == {"flow_state.person_id": 1}


def test_rows_that_would_collide_stay_with_the_other_record_which_is_detached(db):
    kept = _turn(db, BOTH)
    with db.session() as session:
        save_flow(session, person_id=kept, snapshot=FlowSnapshot("assessment", "area_4"))
    _turn(db, OTHER_TEAMS_ID)
    half = _turn(db, NO_AAD)
    with db.session() as session:
        save_flow(session, person_id=half, snapshot=FlowSnapshot("assessment", "area_1"))

    assert _turn(db, BOTH) == kept

    with db.session() as session:
        other = session.get(Person, half)
        assert (other.teams_user_id, other.aad_object_id) == (None, None)
        assert load_flow(session, person_id=kept, flow="assessment", initial="none").state == "area_4"
        assert session.exec(select(FlowState).where(FlowState.person_id == half)).one().state == "area_1"
        [event] = session.exec(select(AuditEvent).where(AuditEvent.action.like("person.ids_reconciled%"))).all()
        assert event.action == "person.ids_reconciled.detached"
        assert event.details["rows_left"] == {"flow_state.person_id": 1}


def test_a_teams_id_that_moved_to_another_aad_object_id_leaves_the_old_record_without_it(db):
    old = _turn(db, ("29:X", "aad-old"))
    _turn(db, ("29:Q", "aad-Y"))

    new = _turn(db, BOTH)

    assert new != old
    with db.session() as session:
        assert (session.get(Person, old).teams_user_id, session.get(Person, old).aad_object_id) == (None, "aad-old")
        assert find_person(session, tenant_id="tenant", teams_user_id="29:X").id == new


def test_the_same_ids_in_another_tenant_are_left_alone(db):
    with db.session() as session:
        record_sender(session, tenant_id="nacka", teams_user_id="29:X", aad_object_id=None, name=None,
                      locale=None, conversation_reference=None)
    _turn(db, BOTH)
    _turn(db, OTHER_TEAMS_ID)
    _turn(db, BOTH)

    with db.session() as session:
        assert find_person(session, tenant_id="nacka", teams_user_id="29:X") is not None
        assert session.exec(select(AuditEvent)).all() == []
