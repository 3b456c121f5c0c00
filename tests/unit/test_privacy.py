"""Export and erasure of one person: everything about them comes out, their own records go, others' stay."""

import json

import pytest
from sqlmodel import SQLModel, select

import store.models  # noqa: F401  (every table on the metadata)
from store import audit
from store.db import Database
from store.models.assessment import Assessment, AssessmentLevel, PersonalTarget
from store.models.core import AuditEvent, FlowState, Person
from store.models.directory import DirectoryEntry, Organisation
from store.models.outbox import OutboxMessage
from store.models.plan import Plan, PlanComment, PlanVersion
from store.privacy import (
    ERASED_NAME, PERSON_REFERENCES, PersonNotFound, erase_person, export_person, find_person_by_email,
)


def _seed(session):
    """Anna (employee) and Karin (her manager), each with a plan; Karin commented on Anna's and vice versa."""
    org = Organisation(key="stockholm-kultur", name="Kulturförvaltningen")
    anna = Person(tenant_id="t", teams_user_id="29:anna", aad_object_id="aad-anna", name="Anna Lindberg",
                  email="anna.lindberg@stockholm.se", conversation_reference={"conversation": {"id": "a:1"}})
    karin = Person(tenant_id="t", teams_user_id="29:karin", name="Karin Ek", email="karin.ek@stockholm.se")
    session.add_all([org, anna, karin])
    session.flush()
    session.add(DirectoryEntry(organisation_id=org.id, email="anna.lindberg@stockholm.se", name="Anna Lindberg",
                               person_id=anna.id, aad_object_id="aad-anna"))
    assessment = Assessment(person_id=anna.id, framework_version="2.2", instrument_version="2026.1", mode="long",
                            answers={"c1_1_f": "2"})
    session.add(assessment)
    session.flush()
    session.add(AssessmentLevel(assessment_id=assessment.id, competence="1.1", level=3))
    session.add(PersonalTarget(person_id=anna.id, competence="3.1", target=5))
    anna_plan = Plan(person_id=anna.id, period=2026, goals="Lära mig tillgänglighet", approved_by_person_id=karin.id)
    karin_plan = Plan(person_id=karin.id, period=2026, goals="Leda digitalt")
    session.add_all([anna_plan, karin_plan])
    session.flush()
    session.add(PlanVersion(plan_id=anna_plan.id, version=1, state="draft", change="created",
                            changed_by_person_id=anna.id))
    session.add(PlanComment(plan_id=anna_plan.id, version=1, author_person_id=karin.id, kind="comment",
                            text="Bra mål"))
    session.add(PlanComment(plan_id=karin_plan.id, version=1, author_person_id=anna.id, kind="comment",
                            text="Anna tycker till om Karins plan"))
    session.add(FlowState(person_id=anna.id, flow="plan", state="editing", data={}))
    session.add(OutboxMessage(campaign="plan-approved:1", recipient_person_id=anna.id, card={"type": "AdaptiveCard"}))
    audit.record(session, actor_person_id=karin.id, action="plan.approved", subject_type="plan",
                 subject_id=anna_plan.id)
    return anna, karin, karin_plan


def test_every_column_that_points_at_a_person_is_handled_by_export_and_erasure():
    references = {
        (table.name, column.name)
        for table in SQLModel.metadata.sorted_tables
        for column in table.columns
        for key in column.foreign_keys
        if key.column.table.name == "person"
    }
    assert references == set(PERSON_REFERENCES)


def test_export_contains_everything_about_the_person_and_is_audited(db):
    with db.session() as session:
        anna, _, _ = _seed(session)
    with db.session() as session:
        person = find_person_by_email(session, "Anna.Lindberg@stockholm.se ")
        export = export_person(session, person_id=person.id, actor="admin@stockholm.se")

    text = json.dumps(export, ensure_ascii=False)
    assert export["person"]["name"] == "Anna Lindberg"
    assert export["assessments"][0]["levels"][0]["level"] == 3
    assert export["plans"][0]["goals"] == "Lära mig tillgänglighet"
    assert export["plans"][0]["comments"][0]["text"] == "Bra mål"
    assert export["comments_on_others_plans"][0]["text"] == "Anna tycker till om Karins plan"
    assert export["personal_targets"][0]["target"] == 5
    assert "Karin Ek" not in text, "another person's data must not leak into the export"
    with db.session() as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "person.exported")).all()
    assert [(e.subject_id, e.details["by"]) for e in events] == [(str(anna.id), "admin@stockholm.se")]


def test_erasure_removes_the_persons_own_records_and_keeps_others_consistent(db):
    with db.session() as session:
        anna, karin, karin_plan = _seed(session)
    with db.session() as session:
        counts = erase_person(session, person_id=anna.id, actor="admin@stockholm.se")

    assert counts["assessments"] == 1 and counts["plans"] == 1 and counts["messages_queued"] == 1
    with db.session() as session:
        tombstone = session.get(Person, anna.id)
        assert (tombstone.name, tombstone.email, tombstone.aad_object_id) == (ERASED_NAME, None, None)
        assert tombstone.conversation_reference is None
        assert session.exec(select(Assessment).where(Assessment.person_id == anna.id)).all() == []
        assert session.exec(select(Plan).where(Plan.person_id == anna.id)).all() == []
        assert session.exec(select(FlowState).where(FlowState.person_id == anna.id)).all() == []
        entry = session.exec(select(DirectoryEntry)).one()
        assert (entry.name, entry.active, entry.person_id) == (ERASED_NAME, False, None)
        assert "anna" not in entry.email
        # Karin's plan keeps Anna's comment, now pointing at the tombstone; Karin is untouched.
        assert session.exec(select(PlanComment).where(PlanComment.plan_id == karin_plan.id)).one().author_person_id \
            == anna.id
        assert session.get(Person, karin.id).name == "Karin Ek"
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "person.erased")).one().details["by"] \
            == "admin@stockholm.se"
        with pytest.raises(PersonNotFound):
            find_person_by_email(session, "anna.lindberg@stockholm.se")


def test_a_person_who_never_used_the_bot_is_reported_as_not_found(db):
    with db.session() as session, pytest.raises(PersonNotFound, match="nobody with the e-mail address"):
        find_person_by_email(session, "okand@stockholm.se")


def test_the_command_line_exports_to_a_file_and_refuses_to_erase_without_confirmation(tmp_path, monkeypatch):
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'kl.db'}"
    database = Database(url)
    database.migrate()
    with database.session() as session:
        _seed(session)
    env = {"DATABASE_URL": url, "PATH": "/usr/bin:/bin"}
    command = [sys.executable, "-m", "bot", "person"]

    exported = subprocess.run([*command, "export", "--email", "anna.lindberg@stockholm.se", "--by", "dpo",
                               "--out", str(tmp_path / "anna.json")], capture_output=True, text=True, env=env)
    unconfirmed = subprocess.run([*command, "erase", "--email", "anna.lindberg@stockholm.se", "--by", "dpo"],
                                 capture_output=True, text=True, env=env)
    unknown = subprocess.run([*command, "export", "--email", "nobody@stockholm.se", "--by", "dpo"],
                             capture_output=True, text=True, env=env)

    assert exported.returncode == 0, exported.stderr
    assert json.loads((tmp_path / "anna.json").read_text(encoding="utf-8"))["person"]["name"] == "Anna Lindberg"
    assert unconfirmed.returncode == 2 and "--yes" in unconfirmed.stderr
    assert unknown.returncode == 1 and "nobody@stockholm.se" in unknown.stderr


def _every_text_value(session):
    """(table, column, text) for every string, text and JSON value in every table, JSON both as stored
    (escaped) and as read."""
    from sqlalchemy import JSON, LargeBinary, String, Text

    for table in SQLModel.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, (String, Text, JSON))
                   and not isinstance(c.type, LargeBinary)]
        for row in session.execute(select(*columns)).all() if columns else []:
            for column, value in zip(columns, row):
                if value is None:
                    continue
                if isinstance(column.type, JSON):
                    yield table.name, column.name, json.dumps(value, ensure_ascii=False)
                    yield table.name, column.name, json.dumps(value)
                else:
                    yield table.name, column.name, str(value)


def test_after_erasure_no_table_holds_the_persons_name_e_mail_or_ids_in_any_text_or_json_column(db):
    with db.session() as session:
        anna, karin, _ = _seed(session)
        # Cards about Anna to her manager: a plan waiting for review, and one already sent.
        session.add(OutboxMessage(campaign="plan-review:1", recipient_person_id=karin.id, card={
            "type": "AdaptiveCard", "body": [{"type": "TextBlock", "text": "Anna Lindberg har skickat sin plan"},
                                             {"type": "TextBlock", "text": "anna.lindberg@stockholm.se"}]}))
        session.add(OutboxMessage(campaign="plan-approved-manager:1", recipient_person_id=karin.id, status="sent",
                                  card={"type": "AdaptiveCard", "actions": [{"data": {"user": "29:anna"}}]}))
        session.add(OutboxMessage(campaign="news:1", recipient_person_id=karin.id,
                                  card={"type": "AdaptiveCard", "body": [{"type": "TextBlock", "text": "Nyheter"}]}))
    with db.session() as session:
        counts = erase_person(session, person_id=anna.id, actor="admin@stockholm.se")

    assert counts["messages_about"] == 2
    needles = ["anna lindberg", "anna.lindberg@stockholm.se", "aad-anna", "29:anna"]
    with db.session() as session:
        found = [(table, column, needle) for table, column, value in _every_text_value(session)
                 for needle in needles if needle in value.lower()]
        assert found == []
        assert [m.campaign for m in session.exec(select(OutboxMessage))] == ["news:1"], "others' news stay"


def test_cards_naming_someone_with_swedish_letters_are_found_as_the_database_stores_them(db):
    with db.session() as session:
        asa = Person(tenant_id="t", teams_user_id="29:asa", name="Åsa Öberg", email="asa.oberg@stockholm.se")
        karin = Person(tenant_id="t", teams_user_id="29:karin", name="Karin Ek")
        session.add_all([asa, karin])
        session.flush()
        session.add(OutboxMessage(campaign="plan-review:2", recipient_person_id=karin.id,
                                  card={"body": [{"text": "Åsa Öberg väntar på ditt svar"}]}))
    with db.session() as session:
        assert erase_person(session, person_id=asa.id, actor="admin")["messages_about"] == 1
