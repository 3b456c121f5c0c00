"""The directory as dialogs use it, on SQLite and PostgreSQL: linking Teams people, who may review whose plan,
stand-ins, coordinators and whom to contact, and reaching a manager who never wrote."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from store import directory
from store.db import Database
from store.models.core import Person
from store.models.directory import DirectoryEntry
from store.targets import role_for_person
from tests.directory_fixtures import ORG, import_people, seed_organisation

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)
KARIN = ("karin.ek@stockholm.example", "Karin Ek", "", "SSB", "Chef", "", "a7a973e0-47b5-4093-8c9b-d6525b236f1a")
ANNA = ("anna.lindberg@stockholm.example", "Anna Lindberg", "anna.l@stockholm.example", "SSB", "Bibliotekarie",
        "karin.ek@stockholm.example", "")
OMAR = ("omar.haddad@stockholm.example", "Omar Haddad", "", "SSB", "Bibliotekarie", "karin.ek@stockholm.example", "")
MARIA = ("maria.holm@stockholm.example", "Maria Holm", "", "KH", "Chef", "", "")
ADMIN = ("admin@stockholm.example", "Ada Admin", "", "KF", "", "", "")


@pytest.fixture
def db(database_url, tmp_path):
    database = Database(database_url)
    database.migrate()
    seed_organisation(database)
    assert import_people(database, tmp_path, [KARIN, ANNA, OMAR, MARIA, ADMIN], now=NOW).ok
    yield database
    database.dispose()


def _person(session, **values) -> Person:
    person = Person(tenant_id="tenant", **values)
    session.add(person)
    session.flush()
    return person


def _entry(session, email) -> DirectoryEntry:
    return directory.entry_by_email(session, directory.organisation_by_key(session, ORG), email)


def test_a_teams_person_is_linked_by_aad_object_id_first(db):
    with db.session() as session:
        karin = _person(session, teams_user_id="29:karin", aad_object_id=KARIN[6].upper())
        entry = directory.entry_for_person(session, karin)
        assert entry.email == KARIN[0] and entry.person_id == karin.id
        assert karin.email == KARIN[0], "the directory's e-mail is kept on the person"


def test_a_teams_person_is_linked_by_e_mail_or_upn_from_the_member_lookup(db):
    with db.session() as session:
        anna = _person(session, teams_user_id="29:anna", aad_object_id="aad-anna")
        assert directory.entry_for_person(session, anna) is None
        directory.remember_contact_details(session, anna, email="Someone.Else@stockholm.example",
                                           upn="anna.l@stockholm.example")
        entry = directory.entry_for_person(session, anna)
        assert entry.email == ANNA[0] and entry.aad_object_id == "aad-anna"
        assert anna.email == "someone.else@stockholm.example"


def test_the_lookup_is_needed_only_until_an_e_mail_is_on_record(db):
    with db.session() as session:
        assert directory.needs_member_lookup(session, tenant_id="tenant", teams_user_id="29:new", aad_object_id=None)
        person = _person(session, teams_user_id="29:anna", aad_object_id="aad-anna")
        assert directory.needs_member_lookup(session, tenant_id="tenant", teams_user_id="29:anna",
                                             aad_object_id="aad-anna")
        person.email = "anna@x.se"
        session.flush()
        assert not directory.needs_member_lookup(session, tenant_id="tenant", teams_user_id="29:anna",
                                                 aad_object_id="aad-anna")


def test_a_person_who_left_has_no_entry_any_more(db, tmp_path):
    with db.session() as session:
        omar = _person(session, teams_user_id="29:omar", email=OMAR[0])
        assert directory.entry_for_person(session, omar) is not None
    import_people(db, tmp_path, [KARIN, ANNA, MARIA, ADMIN], now=NOW)
    with db.session() as session:
        assert directory.entry_for_person(session, session.get(Person, omar.id)) is None


def test_someone_who_moves_to_another_organisation_takes_the_link_with_them(db, tmp_path):
    with db.session() as session:
        omar = _person(session, teams_user_id="29:omar", email=OMAR[0])
        old_entry = directory.entry_for_person(session, omar)
    import_people(db, tmp_path, [KARIN, ANNA, MARIA, ADMIN], now=NOW)
    seed_organisation(db, key="nacka-kof", name="Nacka kultur och fritid")
    import_people(db, tmp_path, [(OMAR[0], OMAR[1], "", "KF", "", "", "")], org="nacka-kof", now=NOW)

    with db.session() as session:
        new_entry = directory.entry_for_person(session, session.get(Person, omar.id))
        assert new_entry.id != old_entry.id and new_entry.person_id == omar.id
        assert session.get(DirectoryEntry, old_entry.id).person_id is None


def test_organisations_of_another_tenant_are_not_searched(db):
    with db.session() as session:
        organisation = directory.organisation_by_key(session, ORG)
        organisation.tenant_id = "stockholm-tenant"
        nacka_person = _person(session, teams_user_id="29:x", email=ANNA[0])
        assert directory.entry_for_person(session, nacka_person) is None


def test_only_the_active_manager_or_a_current_stand_in_may_review(db):
    with db.session() as session:
        anna, karin, omar, maria, admin = (_entry(session, row[0]) for row in (ANNA, KARIN, OMAR, MARIA, ADMIN))
        organisation = directory.organisation_by_key(session, ORG)
        right = lambda reviewer, at=NOW: directory.review_right(session, reviewer=reviewer, employee=anna,  # noqa
                                                                now=at)
        assert right(karin).allowed and not right(karin).as_stand_in
        assert not right(anna).allowed and "own plan" in right(anna).reason
        assert not right(omar).allowed and not right(maria).allowed

        directory.assign(session, organisation=organisation, email=ADMIN[0], kind="admin")
        directory.assign_stand_in(session, organisation=organisation, manager_email=KARIN[0], stand_in_email=MARIA[0],
                                  admin_email=ADMIN[0], starts_at=NOW, ends_at=NOW + timedelta(days=14))
        assert right(maria).allowed and right(maria).as_stand_in
        assert not right(maria, NOW + timedelta(days=15)).allowed, "the stand-in period ended"
        assert not right(maria, NOW - timedelta(seconds=1)).allowed, "not yet started"
        assert [r.email for r in directory.reviewers_of(session, anna, now=NOW)] == [KARIN[0], MARIA[0]]
        assert {r.email for r in directory.reports_of(session, maria, now=NOW)} == {ANNA[0], OMAR[0]}
        assert directory.is_manager(session, maria, now=NOW)
        assert not directory.is_manager(session, maria, now=NOW + timedelta(days=15))

        karin.active = False
        session.flush()
        assert not right(karin).allowed, "a manager who left reviews nothing"
        assert right(maria).allowed, "the stand-in covers for a manager who left until HR updates the file"


def test_only_an_admin_assigns_stand_ins(db):
    with db.session() as session:
        organisation = directory.organisation_by_key(session, ORG)
        with pytest.raises(directory.DirectoryError, match="not an admin"):
            directory.assign_stand_in(session, organisation=organisation, manager_email=KARIN[0],
                                      stand_in_email=MARIA[0], admin_email=OMAR[0], starts_at=NOW, ends_at=None)
        directory.assign(session, organisation=organisation, email=ADMIN[0], kind="admin")
        with pytest.raises(directory.DirectoryError, match="themself"):
            directory.assign_stand_in(session, organisation=organisation, manager_email=KARIN[0],
                                      stand_in_email=KARIN[0], admin_email=ADMIN[0], starts_at=NOW, ends_at=None)


def test_someone_outside_the_directory_is_pointed_to_coordinators_then_the_organisation_then_settings(db):
    with db.session() as session:
        organisation = directory.organisation_by_key(session, ORG)
        assert directory.contacts_for_tenant(session, "tenant", fallback="HR-service 08-508 000 00") == [
            directory.Contact("HR-service 08-508 000 00", None)]
        organisation.contact = "kompetenslyft@stockholm.example"
        session.flush()
        assert [c.name for c in directory.contacts_for_tenant(session, "tenant", fallback="x")] == [
            "kompetenslyft@stockholm.example"]
        directory.assign(session, organisation=organisation, email=OMAR[0], kind="coordinator")
        assert directory.contacts_for_tenant(session, "tenant", fallback="x") == [
            directory.Contact("Omar Haddad", OMAR[0])]
        assert directory.is_coordinator(session, _entry(session, OMAR[0]))
        assert not directory.assign(session, organisation=organisation, email=OMAR[0], kind="coordinator")


def test_a_manager_who_never_wrote_becomes_a_person_by_aad_object_id_and_only_then(db):
    with db.session() as session:
        karin, maria = _entry(session, KARIN[0]), _entry(session, MARIA[0])
        person = directory.person_for_entry(session, karin, tenant_id="tenant")
        assert person.aad_object_id == KARIN[6] and person.teams_user_id is None and karin.person_id == person.id
        assert directory.person_for_entry(session, karin, tenant_id="tenant").id == person.id
        assert directory.person_for_entry(session, maria, tenant_id="tenant") is None, "no AAD id: cannot reach"


def test_the_directory_role_sets_the_role_profile_when_one_has_the_same_key(db):
    from store.role_profiles_csv import SEED_FILE, import_role_profiles

    with db.session() as session:
        import_role_profiles(session, content=SEED_FILE.read_text(encoding="utf-8"))
        anna = _person(session, teams_user_id="29:anna", email=ANNA[0])
        directory.entry_for_person(session, anna)
        assert role_for_person(session, anna.id) == "bibliotekarie"
