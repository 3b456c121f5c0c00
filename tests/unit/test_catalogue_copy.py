"""store/catalogue.py: the person's needs read in one statement are person_needs' answer, the process copy of the
catalogue ranks exactly as the database's index does, and the catalogue's version rises with every committed
change to an activity (and only then), so no instance keeps ranking from a stale copy."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from sqlmodel import select

from store import activities as store
from store.assessments import finish_assessment, start_assessment
from store.catalogue import current_catalogue, needs_and_catalogue
from store.directory import save_organisation
from store.matching import PersonNeeds, rank_activities
from store.models.activity import ActivitySignup, SignupStatus
from store.models.assessment import PersonalTarget, PersonRole, RoleProfile, RoleTarget
from store.models.catalogue import ActivityCatalogue
from store.models.core import Person
from store.models.directory import DirectoryEntry
from store.models.plan import Plan, PlanState
from tests.directory_fixtures import ANNA_LEVELS

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)
COMPETENCES = sorted(ANNA_LEVELS)


def _catalogue(db, rng: random.Random, size: int) -> int:
    with db.session() as session:
        organisation, _ = save_organisation(session, key="org", name="Org", tenant_id="t")
        other, _ = save_organisation(session, key="other", name="Other", tenant_id="t2")
        for number in range(size):
            low, self_paced = rng.randint(1, 6), rng.random() < 0.25
            starts = NOW + timedelta(days=rng.randint(-5, 60), hours=rng.randint(0, 8))
            capacity = rng.choice((None, 5, 10))
            store.save_activity(
                session, organisation_id=rng.choice((organisation.id,) * 4 + (other.id,)), key=f"a{number}",
                now=NOW, status=rng.choice(("published",) * 8 + ("draft", "cancelled")), values={
                    "title_sv": f"A{number}", "format": "course", "shared": rng.random() < 0.2,
                    "competences": ",".join(rng.sample(COMPETENCES, rng.randint(1, 3))),
                    "level_min": low, "level_max": min(8, low + rng.randint(0, 3)), "self_paced": self_paced,
                    "roles": rng.choice(("", "", "", "bibliotekarie")), "starts_at": None if self_paced else starts,
                    "capacity": capacity, "external_places": rng.choice((0, 0, 10)) if capacity else 0,
                    "registration_deadline": None if self_paced else starts - timedelta(days=rng.randint(0, 10))})
        return organisation.id


def test_the_copy_gives_the_same_pages_as_the_database_index_and_the_rule_on_random_catalogues(db):
    rng = random.Random(16)
    organisation = _catalogue(db, rng, 300)
    with db.session() as session:
        copy = current_catalogue(session)
        assert copy is not None and len(copy.facts) > 200
        everything = store.facts_of(session, list(range(1, 301)))
        for person in range(12):
            levels = {key: rng.randint(0, 5) for key in COMPETENCES}
            needs = PersonNeeds(levels=levels, targets={k: min(8, v + rng.randint(0, 3)) for k, v in levels.items()},
                                role=rng.choice((None, "bibliotekarie")), organisation_ids=frozenset({organisation}),
                                excluded=frozenset(rng.sample(range(1, 301), 20)),
                                priorities=tuple(rng.sample(COMPETENCES, 3)) if person % 2 else ())
            starts = sorted(f.starts_at for f in everything if f.starts_at and not f.self_paced)
            now = rng.choice((NOW, NOW + timedelta(days=3), starts[len(starts) // 3]))  # also: a session starts now
            expected = [p.activity_id for p in rank_activities(needs, everything, now)]
            only = rng.sample(COMPETENCES, 4) if person % 3 == 0 else None
            for offset, limit in ((0, 5), (5, 5), (0, 2), (40, 7), (max(0, len(expected) - 3), 5)):
                from_copy = store.ranked_page(session, needs=needs, now=now, offset=offset, limit=limit,
                                              competences=only, catalogue=copy)
                from_database = store.ranked_page(session, needs=needs, now=now, offset=offset, limit=limit,
                                                  competences=only)
                assert from_copy == from_database, (person, offset, limit)
                if only is None:
                    assert [p.activity_id for p in from_copy[0]] == expected[offset:offset + limit]


def _person(session, number: int, *, tenant: str = "t", email: str | None = None) -> Person:
    person = Person(tenant_id=tenant, teams_user_id=f"29:{number}", aad_object_id=f"aad-{number}",
                    name=f"P{number}", email=email)
    session.add(person)
    session.flush()
    return person


def _assessed(session, person: Person, levels: dict[str, int | None]) -> None:
    assessment = start_assessment(session, person_id=person.id, mode="short", framework_version="2.2",
                                  instrument_version="2026.1", now=NOW - timedelta(days=3))
    finish_assessment(session, assessment=assessment, levels=levels, now=NOW - timedelta(days=3))


def test_the_needs_in_one_statement_are_person_needs_answer_for_every_kind_of_person(db):
    rng = random.Random(3)
    _catalogue(db, rng, 20)
    with db.session() as session:
        save_organisation(session, key="everyone", name="No tenant")  # tenant NULL: every tenant's
        role = RoleProfile(key="bibliotekarie", title_sv="Bibliotekarie", title_en="Librarian")
        session.add(role)
        session.flush()
        session.add_all([RoleTarget(role_profile_id=role.id, competence=key, target=4) for key in ("1.1", "3.1")])
        people = [_person(session, number) for number in range(7)]
        plain, planned, with_role, linked, to_link, unassessed, by_email = people
        by_email.email = "p6@org.se"
        for person in people[:6] + [by_email]:
            if person is not unassessed:
                _assessed(session, person, {key: rng.choice((None, 1, 2, 3)) for key in COMPETENCES})
        session.add_all([PersonalTarget(person_id=person.id, competence=key, target=rng.randint(2, 6))
                         for person in people for key in rng.sample(COMPETENCES, 5)])
        session.add(Plan(person_id=planned.id, period=2025, state=PlanState.DRAFT,
                         priorities=[{"competence": "2.1", "agreed_level": 5}]))
        session.add(Plan(person_id=planned.id, period=2026, state=PlanState.APPROVED, priorities=[
            {"competence": "3.1", "level": 1, "target": 5, "agreed_level": 2},
            {"competence": "1.2", "level": 2, "target": 4, "agreed_level": None}]))
        session.add(PersonRole(person_id=with_role.id, role_profile_id=role.id))
        session.add_all([ActivitySignup(activity_id=activity, person_id=with_role.id, status=status)
                         for activity, status in ((1, SignupStatus.DECLINED), (2, SignupStatus.COMPLETED),
                                                  (3, SignupStatus.CANCELLED), (4, SignupStatus.WAITING))])
        org_id = save_organisation(session, key="org", name="Org", tenant_id="t")[0].id
        session.add(DirectoryEntry(organisation_id=org_id, email="linked@org.se", name="L", person_id=linked.id))
        session.add(DirectoryEntry(organisation_id=org_id, email="new@org.se", name="N",
                                   aad_object_id=to_link.aad_object_id))
        session.add(DirectoryEntry(organisation_id=org_id, email="p6@org.se", name="E"))
    for person_id in [p.id for p in people]:
        with db.session() as session:
            person = session.get(Person, person_id)
            fast, copy = needs_and_catalogue(session, person=person)
            session.rollback()  # the old path links the entry itself, as the new one did
        with db.session() as session:
            person = session.get(Person, person_id)
            assert fast == store.person_needs(session, person=person), person.name
            assert copy is not None and copy.version == session.exec(select(ActivityCatalogue.version)).one()
    with db.session() as session:
        linked_now = {entry.email: entry.person_id for entry in session.exec(select(DirectoryEntry))}
    assert linked_now["new@org.se"] == to_link.id and linked_now["p6@org.se"] == by_email.id
    with db.session() as session:
        assert needs_and_catalogue(session, person=session.get(Person, unassessed.id))[0] is None
        planned_needs = needs_and_catalogue(session, person=session.get(Person, planned.id))[0]
        assert planned_needs.levels["3.1"] == 2 and planned_needs.priorities == ("3.1", "1.2")
        assert needs_and_catalogue(session, person=session.get(Person, with_role.id))[0].excluded == {1, 2, 4}


def _version(db) -> int:
    with db.session() as session:
        return session.exec(select(ActivityCatalogue.version)).one()


def test_the_version_rises_with_each_committed_change_to_an_activity_and_only_then(db):
    with db.session() as session:
        organisation, _ = save_organisation(session, key="org", name="Org")
        person = _person(session, 1)
    start = _version(db)
    with db.session() as session:
        activity, _ = store.save_activity(session, organisation_id=organisation.id, key="a", now=NOW,
                                          values={"title_sv": "A", "competences": "1.1", "capacity": 5})
        store.publish_activity(session, activity, actor_person_id=None, now=NOW)
        assert current_catalogue(session) is None, "this transaction's change is in no copy: ranked from the database"
    assert _version(db) == start + 1, "one transaction, one step"
    with db.session() as session:
        copy = current_catalogue(session)
        assert copy is not None and copy.version == start + 1 and set(copy.facts) == {activity.id}
    with db.session() as session:
        store.sign_up(session, activity_id=activity.id, person=session.get(Person, person.id), now=NOW)
    assert _version(db) == start + 2, "a place taken changes the ranking (full ones go last)"
    try:
        with db.session() as session:
            store.cancel_activity(session, store.activity_by_id(session, activity.id), actor_person_id=None, now=NOW)
            raise RuntimeError("the turn fails")
    except RuntimeError:
        pass
    assert _version(db) == start + 2, "a rolled-back change changes nothing"
    with db.session() as session:
        store.proposals_for_person(session, session.get(Person, person.id), NOW)
        store.catalogue_page(session, organisation_ids=[organisation.id], now=NOW)
    assert _version(db) == start + 2, "reading is not a change"
    with db.session() as session:
        store.cancel_activity(session, store.activity_by_id(session, activity.id), actor_person_id=None, now=NOW)
    assert _version(db) == start + 3
    with db.session() as session:
        assert current_catalogue(session).facts == {}
