"""People, flow state and the audit trail behave the same on SQLite and PostgreSQL."""

from datetime import timedelta

import pytest

from dialogs.flow import FlowDefinition, FlowRun, InvalidTransition
from store import audit
from store.db import Database, downgrade
from store.flow_state import FlowSnapshot, StaleFlowState, load_flow, save_flow
from store.models.core import utcnow
from store.people import find_person, forget_conversation, latest_service_url, record_sender

REFERENCE = {"serviceUrl": "https://smba.trafficmanager.net/emea/", "conversation": {"id": "a:1chat"}}


def _record(session, **overrides):
    values = dict(tenant_id="tenant", teams_user_id="29:anna", aad_object_id="aad-anna", name="Anna Lindberg",
                  locale="sv-SE", conversation_reference=REFERENCE)
    values.update(overrides)
    return record_sender(session, **values)


def test_a_sender_is_stored_once_and_found_by_either_teams_id_or_aad_object_id(db):
    with db.session() as session:
        first = _record(session)
    with db.session() as session:
        again = _record(session, name=None, locale=None)
        assert again.id == first.id
        assert find_person(session, tenant_id="tenant", aad_object_id="aad-anna").id == first.id
        assert find_person(session, tenant_id="tenant", teams_user_id="29:anna").id == first.id
        assert find_person(session, tenant_id="other", teams_user_id="29:anna") is None
        # The install event has no name or locale; what we knew stays.
        assert (again.name, again.locale) == ("Anna Lindberg", "sv-SE")
        assert again.conversation_id == "a:1chat"


def test_the_same_teams_user_in_two_tenants_is_two_people(db):
    with db.session() as session:
        one = _record(session)
        two = _record(session, tenant_id="nacka")
    assert one.id != two.id


def test_a_deleted_chat_forgets_the_reference_and_the_tenant_keeps_its_service_url(db):
    with db.session() as session:
        person = _record(session)
    with db.session() as session:
        forget_conversation(session, person.id)
    with db.session() as session:
        person = find_person(session, tenant_id="tenant", teams_user_id="29:anna")
        assert person.conversation_reference is None and person.conversation_id is None
        assert latest_service_url(session, "tenant") == REFERENCE["serviceUrl"]


def test_flow_state_refuses_a_write_based_on_an_old_version(db):
    with db.session() as session:
        person = _record(session)
        saved = save_flow(session, person_id=person.id, snapshot=FlowSnapshot("assessment", "area_1"))
    with db.session() as session:
        save_flow(session, person_id=person.id, snapshot=FlowSnapshot("assessment", "area_2", {}, saved.version))
    with pytest.raises(StaleFlowState):
        with db.session() as session:
            save_flow(session, person_id=person.id, snapshot=FlowSnapshot("assessment", "area_9", {}, saved.version))
    with db.session() as session:
        assert load_flow(session, person_id=person.id, flow="assessment", initial="x").state == "area_2"


FLOW = FlowDefinition(
    name="demo",
    initial="idle",
    transitions={"idle": frozenset({"asking"}), "asking": frozenset({"done"}), "done": frozenset()},
    cancel_to="idle",
)


def test_a_flow_only_takes_declared_transitions_and_persists_its_data(db):
    with db.session() as session:
        person = _record(session)
        run = FlowRun(FLOW, session, person.id)
        run.go("asking", question=1)
        with pytest.raises(InvalidTransition):
            run.go("idle_forever")
    with db.session() as session:
        run = FlowRun(FLOW, session, person.id)
        assert (run.state, run.data) == ("asking", {"question": 1})
        run.cancel()
        assert run.state == "idle"


def test_a_flow_definition_with_an_undeclared_state_is_refused():
    with pytest.raises(ValueError, match="undeclared"):
        FlowDefinition("bad", "a", {"a": frozenset({"b"})}, "a")


def test_audit_events_are_kept_in_order_for_their_subject(db):
    with db.session() as session:
        audit.record(session, actor_person_id=1, action="plan.approved", subject_type="plan", subject_id=7,
                     details={"version": 3})
        audit.record(session, actor_person_id=2, action="plan.acknowledged", subject_type="plan", subject_id=7)
        audit.record(session, actor_person_id=2, action="export", subject_type="person", subject_id=7)
    with db.session() as session:
        events = audit.events_for(session, subject_type="plan", subject_id=7)
    assert [e.action for e in events] == ["plan.approved", "plan.acknowledged"]
    assert events[0].details == {"version": 3}


def test_health_status_reports_the_schema_revision(db):
    status = db.status()
    assert status["status"] == "ok"
    assert status["revision"] != "none"


def test_migrations_downgrade_to_empty_and_upgrade_again_keep_working(database_url):
    database = Database(database_url)
    database.migrate()
    downgrade(database.url, "base")
    database.migrate()
    with database.session() as session:
        assert _record(session).id is not None
    database.dispose()


def test_last_seen_is_written_at_most_once_a_minute(db):
    now = utcnow()
    with db.session() as session:
        _record(session, now=now)
    with db.session() as session:
        _record(session, now=now + timedelta(seconds=10))
    with db.session() as session:
        seen = find_person(session, tenant_id="tenant", teams_user_id="29:anna").last_seen_at
    assert abs((seen.replace(tzinfo=None) - now.replace(tzinfo=None)).total_seconds()) < 1
