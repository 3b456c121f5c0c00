"""The broadcast audience as one query on SQLite and PostgreSQL: units with sub-units, roles, gaps (the same
rule as the profile's), plans, "not assessed this year"; the fan-out in batches, cancel and the figures."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from dialogs.config import DialogConfig
from dialogs.rules.audience import Audience, has_gap_of_at_least, units_with_descendants, year_start
from store import broadcasts, outbox
from store.assessments import finish_assessment, start_assessment
from store.directory_import import import_directory, read_people_and_units
from store.models.assessment import PersonalTarget, PersonRole, RoleProfile, RoleTarget
from store.models.broadcast import BroadcastStatus
from store.models.core import Person
from store.models.directory import DirectoryEntry
from store.models.outbox import OutboxMessage, OutboxStatus
from store.models.plan import Plan
from tests.directory_fixtures import ORG, seed_organisation, write_people, write_units

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)
UNITS = [("KF", "Kulturförvaltningen", ""), ("SSB", "Stadsbiblioteket", "KF"),
         ("FIL", "Filial Kista", "SSB"), ("KH", "Kulturhuset", "KF")]
# name, unit, role, has a person (wrote to the bot), AAD object id
PEOPLE = [
    ("Anna Lindberg", "SSB", "Bibliotekarie", True, True),
    ("Bo Ek", "FIL", "Bibliotekarie", True, True),
    ("Cecilia Holm", "FIL", "Pedagog", False, True),
    ("David Ali", "KH", "Pedagog", True, True),
    ("Eva Berg", "KF", "Chef", False, False),
    ("Filip Ny", "SSB", "Pedagog", False, False),
]


def _aad(i: int) -> str:
    return f"00000000-0000-4000-8000-{i:012d}"


def _email(name: str) -> str:
    return name.lower().replace(" ", ".") + "@stockholm.se"


@pytest.fixture
def org(db, tmp_path):
    """The organisation above, with people linked to Teams persons where they have written to the bot."""
    seed_organisation(db)
    rows = [(_email(n), n, _email(n), unit, role, "", _aad(i) if aad else "")
            for i, (n, unit, role, _, aad) in enumerate(PEOPLE)]
    rows.append(("lamnat@stockholm.se", "Lämnat Lindh", "lamnat@stockholm.se", "SSB", "Bibliotekarie", "", ""))
    people, units = read_people_and_units(write_people(tmp_path, rows), write_units(tmp_path, UNITS))
    with db.session() as session:
        report = import_directory(session, organisation_key=ORG, people=people, units=units, now=NOW)
        assert report.ok, report.errors
        session.exec(select(DirectoryEntry).where(DirectoryEntry.email == "lamnat@stockholm.se")).one().active = False
        for i, (name, _, _, wrote, _) in enumerate(PEOPLE):
            if wrote:
                person = Person(tenant_id="t", aad_object_id=_aad(i), teams_user_id=f"29:{i}", name=name,
                                conversation_id=f"a:{i}")
                session.add(person)
                session.flush()
                entry = session.exec(select(DirectoryEntry).where(DirectoryEntry.email == _email(name))).one()
                entry.person_id = person.id
        organisation_id = entry.organisation_id
    return organisation_id


def _ids(db, organisation_id):
    with db.session() as session:
        units = {code: unit_id for unit_id, code in session.exec(
            select(broadcasts.Unit.id, broadcasts.Unit.code).where(broadcasts.Unit.organisation_id == organisation_id))}
        roles = {name: role_id for role_id, name in broadcasts.organisation_roles(session, organisation_id=organisation_id)}
        tree = broadcasts.unit_tree(session, organisation_id=organisation_id)
    return units, roles, tree


def _names(db, query) -> list[str]:
    with db.session() as session:
        ids = broadcasts.audience_entry_ids(session, query)
        return sorted(session.exec(select(DirectoryEntry.name).where(DirectoryEntry.id.in_(ids))))


def _person_id(db, name: str) -> int:
    with db.session() as session:
        return session.exec(select(DirectoryEntry.person_id).where(DirectoryEntry.email == _email(name))).one()


def test_a_unit_reaches_its_sub_units_and_never_people_who_left(db, org):
    units, roles, tree = _ids(db, org)
    library = broadcasts.AudienceQuery(org, unit_ids=units_with_descendants([units["SSB"]], tree))

    assert _names(db, library) == ["Anna Lindberg", "Bo Ek", "Cecilia Holm", "Filip Ny"]
    assert _names(db, broadcasts.AudienceQuery(org)) == sorted(p[0] for p in PEOPLE)
    teachers_in_library = broadcasts.AudienceQuery(org, unit_ids=library.unit_ids,
                                                   role_ids=frozenset({roles["Pedagog"]}))
    assert _names(db, teachers_in_library) == ["Cecilia Holm", "Filip Ny"]


def test_the_preview_counts_names_a_few_and_counts_who_cannot_be_reached(db, org):
    with db.session() as session:
        size = broadcasts.audience_size(session, broadcasts.AudienceQuery(org), sample=3)

    assert size.count == 6
    assert size.sample_names == ["Anna Lindberg", "Bo Ek", "Cecilia Holm"]
    assert size.unaddressable == 2, "Eva and Filip never wrote and have no AAD object id"


def test_the_gap_condition_agrees_with_the_profiles_gap_rule_for_every_person(db, org):
    """Random levels, role targets and personal targets: the SQL picks exactly whom the pure rule picks."""
    rng = random.Random(14)
    competences = ["1.1", "3.1", "4.2"]
    with db.session() as session:
        role = RoleProfile(key="bib", title_sv="Bibliotekarie", title_en="Librarian")
        session.add(role)
        session.flush()
        role_targets = {c: rng.randint(2, 6) for c in competences}
        session.add_all([RoleTarget(role_profile_id=role.id, competence=c, target=t) for c, t in role_targets.items()])
        expected_by_person = {}
        for i in range(30):
            person = Person(tenant_id="t", teams_user_id=f"29:gap{i}", aad_object_id=f"aad-gap{i}")
            session.add(person)
            session.flush()
            session.add(DirectoryEntry(organisation_id=org, email=f"gap{i}@stockholm.se", name=f"Gap {i:02d}",
                                       person_id=person.id))
            session.add(PersonRole(person_id=person.id, role_profile_id=role.id))
            personal = {c: rng.randint(1, 8) for c in competences if rng.random() < 0.4}
            session.add_all([PersonalTarget(person_id=person.id, competence=c, target=t) for c, t in personal.items()])
            levels = {c: rng.choice([None, 0, 1, 2, 3, 4, 5]) for c in competences if rng.random() < 0.8}
            if i % 7 != 0:  # every seventh has not finished an assessment: no gaps at all
                if i % 3 == 0:  # an older assessment with other levels does not count
                    old = start_assessment(session, person_id=person.id, mode="short", framework_version="2.2",
                                           instrument_version="2026.1", now=NOW - timedelta(days=400))
                    finish_assessment(session, assessment=old, levels={c: 0 for c in competences},
                                      now=NOW - timedelta(days=399))
                assessment = start_assessment(session, person_id=person.id, mode="short", framework_version="2.2",
                                              instrument_version="2026.1", now=NOW - timedelta(days=2))
                finish_assessment(session, assessment=assessment, levels=levels, now=NOW - timedelta(days=1))
            expected_by_person[f"Gap {i:02d}"] = (levels if i % 7 else None, {**role_targets, **personal})

    for chosen, min_gap in ((("3.1",), 2), (("1.1", "4.2"), 3), (tuple(competences), 1), (("3.1",), 5)):
        expected = sorted(name for name, (levels, targets) in expected_by_person.items()
                          if levels is not None and has_gap_of_at_least(levels, targets, chosen, min_gap))
        found = [n for n in _names(db, broadcasts.AudienceQuery(org, condition="gap", competences=chosen,
                                                                  min_gap=min_gap)) if n.startswith("Gap")]
        assert found == expected, (chosen, min_gap)


def test_the_plan_condition_reads_the_latest_plans_priorities(db, org):
    anna, bo, david = _person_id(db, "Anna Lindberg"), _person_id(db, "Bo Ek"), _person_id(db, "David Ali")
    with db.session() as session:
        session.add(Plan(person_id=anna, period=2026, priorities=[{"competence": "3.1", "level": 2, "target": 5}]))
        session.add(Plan(person_id=bo, period=2025, priorities=[{"competence": "3.1", "level": 2, "target": 5}]))
        session.add(Plan(person_id=bo, period=2026, priorities=[{"competence": "4.2", "level": 2, "target": 5}]))
        session.add(Plan(person_id=david, period=2026, priorities=[]))

    assert _names(db, broadcasts.AudienceQuery(org, condition="plan", competences=("3.1",))) == ["Anna Lindberg"]
    assert _names(db, broadcasts.AudienceQuery(org, condition="plan", competences=("3.1", "4.2"))) == [
        "Anna Lindberg", "Bo Ek"]


def test_not_assessed_this_year_includes_last_years_and_people_who_never_wrote(db, org):
    config = DialogConfig()
    with db.session() as session:
        for name, finished in (("Anna Lindberg", datetime(2026, 1, 2, 9, tzinfo=timezone.utc)),
                               ("Bo Ek", datetime(2025, 12, 31, 22, 30, tzinfo=timezone.utc))):  # 23:30 in Stockholm
            person_id = session.exec(select(DirectoryEntry.person_id).where(DirectoryEntry.email == _email(name))).one()
            assessment = start_assessment(session, person_id=person_id, mode="short", framework_version="2.2",
                                          instrument_version="2026.1", now=finished - timedelta(hours=1))
            finish_assessment(session, assessment=assessment, levels={"1.1": 3}, now=finished)

    query = broadcasts.AudienceQuery(org, condition="not_assessed", assessed_since=year_start(NOW, config.tz))

    assert _names(db, query) == ["Bo Ek", "Cecilia Holm", "David Ali", "Eva Berg", "Filip Ny"]


def _card(locale):
    return {"type": "AdaptiveCard", "version": "1.5", "body": [], "lang": locale or "sv"}


def test_fan_out_in_batches_queues_everyone_once_and_records_who_cannot_be_reached(db, org):
    with db.session() as session:
        session.add(RoleProfile(key="pedagog", title_sv="Pedagog", title_en="Educator"))
        creator = _person_id(db, "Anna Lindberg")
        broadcast = broadcasts.create_broadcast(session, organisation_id=org, created_by_person_id=creator,
                                                content={"kind": "message", "title": "t", "text": "x"},
                                                audience=Audience().to_json(), audience_count=6, send_at=NOW, now=NOW)
        broadcast_id = broadcast.id
    batches = []
    for _ in range(5):
        with db.session() as session:
            broadcast = broadcasts.broadcast_by_id(session, broadcast_id, for_update=True)
            batch = broadcasts.fan_out(session, broadcast, broadcasts.AudienceQuery(org), card_for=_card,
                                       tenant_id="t", not_before=NOW, now=NOW, limit=2)
            batches.append(batch)
            if batch.done:
                break

    with db.session() as session:
        broadcast = broadcasts.broadcast_by_id(session, broadcast_id)
        rows = outbox.messages_for(session, campaign_prefix=broadcasts.campaign_of(broadcast_id))
        cecilia = session.exec(select(DirectoryEntry).where(DirectoryEntry.email == _email("Cecilia Holm"))).one()
        cecilia_person = session.get(Person, cecilia.person_id)
        cecilia_role = session.get(PersonRole, cecilia.person_id)
        counts = broadcasts.delivery_counts(session, broadcast)
        missing = broadcasts.not_reachable(session, broadcast)
    assert [b.done for b in batches] == [False, False, False, True]
    assert broadcast.status == BroadcastStatus.SENDING and broadcast.queued == 4 and broadcast.unaddressable == 2
    assert len({row.recipient_person_id for row in rows}) == len(rows) == 4
    assert cecilia.person_id in {row.recipient_person_id for row in rows}, "a person made from her AAD object id"
    assert (cecilia_person.aad_object_id, cecilia_person.name) == (_aad(2), "Cecilia Holm")
    assert cecilia_role is not None and cecilia_role.source == "directory", "the directory's role, as at first contact"
    assert counts.queued == 4 and counts.unreachable == 2 and counts.sent == 0 and counts.throttled == 0
    assert [(m.name, m.reason) for m in missing] == [("Eva Berg", "no_address"), ("Filip Ny", "no_address")]


def test_cancel_marks_only_unsent_rows_and_no_worker_claims_them_again(db, org):
    with db.session() as session:
        creator = _person_id(db, "Anna Lindberg")
        broadcast = broadcasts.create_broadcast(session, organisation_id=org, created_by_person_id=creator,
                                                content={"kind": "message", "title": "t", "text": "x"},
                                                audience=Audience().to_json(), audience_count=6, send_at=NOW, now=NOW)
        broadcasts.fan_out(session, broadcast, broadcasts.AudienceQuery(org), card_for=_card, tenant_id="t",
                           not_before=NOW, now=NOW, limit=100)
        broadcast_id = broadcast.id
    with db.session() as session:
        first = outbox.claim_due(session, now=NOW, limit=1)[0]
        outbox.mark_sent(session, first.id, token=first.token, now=NOW, activity_id="1", attempts=1)

    with db.session() as session:
        broadcast = broadcasts.broadcast_by_id(session, broadcast_id, for_update=True)
        stopped = broadcasts.cancel_unsent(session, broadcast, now=NOW)
    with db.session() as session:
        again = outbox.claim_due(session, now=NOW + timedelta(days=1), limit=100)
        statuses = sorted(m.status for m in session.exec(select(OutboxMessage)))
        counts = broadcasts.delivery_counts(session, broadcasts.broadcast_by_id(session, broadcast_id))

    assert stopped == 3 and again == []
    assert statuses == [OutboxStatus.CANCELLED] * 3 + [OutboxStatus.SENT]
    assert (counts.sent, counts.cancelled, counts.queued) == (1, 3, 0)


def test_a_download_token_works_for_its_broadcast_until_it_expires(db, org):
    with db.session() as session:
        creator = _person_id(db, "Anna Lindberg")
        broadcast = broadcasts.create_broadcast(session, organisation_id=org, created_by_person_id=creator,
                                                content={}, audience={}, audience_count=0, send_at=NOW, now=NOW)
        other = broadcasts.create_broadcast(session, organisation_id=org, created_by_person_id=creator,
                                            content={}, audience={}, audience_count=0, send_at=NOW, now=NOW)
        token = broadcasts.issue_download_token(session, person_id=creator, broadcast_id=broadcast.id, now=NOW,
                                                valid_for=timedelta(minutes=10))
        ids = broadcast.id, other.id

    with db.session() as session:
        assert broadcasts.redeem_download_token(session, token=token, broadcast_id=ids[0], now=NOW) == creator
        assert broadcasts.redeem_download_token(session, token=token, broadcast_id=ids[1], now=NOW) is None
        assert broadcasts.redeem_download_token(session, token=token + "x", broadcast_id=ids[0], now=NOW) is None
        assert broadcasts.redeem_download_token(session, token=token, broadcast_id=ids[0],
                                                now=NOW + timedelta(minutes=10)) is None
