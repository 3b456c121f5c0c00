"""The compose card's lists and the preview's units come from one statement each (store/broadcasts.py
compose_lists, unit_table): the same lists, in the same order, as the separate queries they replace, on
SQLite and PostgreSQL; and the coordinator check in one statement decides as entry_for_person + is_coordinator."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlmodel import select

from store import activities, broadcasts, directory
from store.models.core import Person
from store.models.directory import DirectoryEntry, DirectoryRole, Unit
from tests.unit.test_broadcast_store import NOW, org  # noqa: F401  (the fixture: units, roles, people)


def test_the_compose_lists_in_one_statement_equal_the_five_queries(db, org):  # noqa: F811
    rng = random.Random(5)
    with db.session() as session:
        for name in ("Åsa-gruppen", "arkivarie", "Öppen förskola", "Zoo", "ämneslärare", "Arkivarie"):
            session.add(DirectoryRole(organisation_id=org, name=name, key=f"r-{name.lower()}-{len(name)}-{name[0]}"))
        for unit in session.exec(select(Unit).where(Unit.organisation_id == org)).all()[:1]:
            session.add(Unit(organisation_id=org, code="OLD", name="Nedlagd", parent_id=unit.id, active=False))
        author = session.exec(select(DirectoryEntry.person_id).where(DirectoryEntry.person_id.is_not(None))).first()
        for number in range(9):
            broadcasts.create_broadcast(session, organisation_id=org, created_by_person_id=author,
                                        content={"kind": "message", "title": f"Utskick {number}", "text": "x"},
                                        audience={}, audience_count=number, send_at=NOW,
                                        now=NOW - timedelta(hours=rng.choice((1, 2, 3))))
        for number in range(30):
            self_paced = number % 4 == 0
            starts = NOW + timedelta(days=rng.randint(-3, 30))
            activity, _ = activities.save_activity(
                session, organisation_id=org, key=f"a{number}", now=NOW - timedelta(minutes=rng.randint(0, 5)),
                status=rng.choice(("published", "published", "draft")),
                values={"title_sv": f"Aktivitet {number}", "title_en": None if number % 3 else f"Activity {number}",
                        "competences": "1.1", "self_paced": self_paced, "starts_at": None if self_paced else starts})
            if activity.status == "published":
                activity.published_at = NOW - timedelta(minutes=rng.randint(0, 3))
    with db.session() as session:
        lists = broadcasts.compose_lists(session, organisation_id=org, now=NOW, recent=5, activities=8)
        assert lists.organisation_name == session.get(broadcasts.Organisation, org).name
        assert lists.units == broadcasts.organisation_units(session, organisation_id=org)
        assert lists.roles == broadcasts.organisation_roles(session, organisation_id=org)
        assert [(b.id, b.content, b.created_at, b.status) for b in lists.recent] == [
            (b.id, b.content, b.created_at, b.status)
            for b in broadcasts.recent_broadcasts(session, organisation_id=org, limit=5)]
        assert lists.activities == broadcasts.activity_choices(session, organisation_id=org, now=NOW, limit=8)
        assert len(lists.recent) == 5 and len(lists.activities) == 8
        table = broadcasts.unit_table(session, organisation_id=org)
        assert broadcasts.tree_of(table) == broadcasts.unit_tree(session, organisation_id=org)
        every = list(table)
        assert broadcasts.active_names(table, every + [999]) == broadcasts.unit_names(
            session, organisation_id=org, unit_ids=every + [999])


def test_an_organisation_without_anything_gives_empty_lists(db, org):  # noqa: F811
    with db.session() as session:
        lists = broadcasts.compose_lists(session, organisation_id=org + 1, now=NOW, recent=5, activities=8)
    assert (lists.organisation_name, lists.units, lists.roles, lists.recent, lists.activities) == (
        None, [], [], [], [])


def test_the_coordinator_check_in_one_statement_decides_as_the_two_steps(db, org):  # noqa: F811
    with db.session() as session:
        organisation = session.get(broadcasts.Organisation, org)
        entries = session.exec(select(DirectoryEntry).where(DirectoryEntry.organisation_id == org)).all()
        coordinator = next(e for e in entries if e.person_id is not None)
        directory.assign(session, organisation=organisation, email=coordinator.email, kind="coordinator")
        left = next(e for e in entries if e.person_id is not None and e.id != coordinator.id)
        directory.assign(session, organisation=organisation, email=left.email, kind="coordinator")
        left.active = False  # left the organisation: no longer a coordinator
        unlinked = Person(tenant_id="t", aad_object_id=None, teams_user_id="29:new", name="Ny",
                          email=next(e for e in entries if e.person_id is None and e.active).email)
        stranger = Person(tenant_id="t", teams_user_id="29:x", name="Okänd")
        session.add_all([unlinked, stranger])
        session.flush()
        people = [session.get(Person, e.person_id) for e in entries if e.person_id] + [unlinked, stranger]
        ids = [person.id for person in people]
    decisions = []
    for person_id in ids:
        with db.session() as session:
            person = session.get(Person, person_id)
            entry, coordinates = directory.entry_and_coordination(session, person)
            decisions.append((entry.id if entry else None, coordinates))
            session.rollback()
        with db.session() as session:
            person = session.get(Person, person_id)
            entry = directory.entry_for_person(session, person)
            assert decisions[-1] == (entry.id if entry else None,
                                     entry is not None and directory.is_coordinator(session, entry)), person.name
    assert (True in [coordinates for _, coordinates in decisions]) and decisions[-1] == (None, False)
