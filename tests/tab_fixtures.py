"""A small organisation for the tab's tests, with figures computed by hand (k = 5).

Units: Kulturförvaltningen (KF) above Stadsbiblioteket (SSB), Kulturhuset (KH) and Arkivet (ARK, 2 people).
Maria coordinates and manages KF's people and Kulturhuset; Karin manages Stadsbiblioteket and Arkivet.
Competence 1.1, from each person's self-assessment (every other competence is level 3):
  SSB (bibliotekarie, target 1.1 = 4):  2 3 3 4 6  -> median 3, 3 of 5 below target (60 %)
  KH (museipedagog, target 1.1 = 5):    5 5 6 7 8  -> median 6, none below (0 %)
  KF 1 2 4 and ARK 7 8 (no role target) -> ARK (2 < 5) merged into KF: 1 2 4 7 8, median 4, no share
Area 1 for SSB pools 1.1-1.3 (15 levels: 2, twelve 3s, 4, 6): median 3, 3 of 15 below target (20 %).

The maturity survey (seed_maturity): 2025 five answers of 3, 2026 six of 4, the reference organisation Nacka
2026 five of 5, so 2026 shows 4.0 in every dimension, +1.0 since 2025, reference 5.0. A broadcast
(seed_broadcast): 7 named, 3 sent, 1 waiting, 1 failed, 1 unreachable and 1 with no address (2 not reachable).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

from sqlmodel import select

from dialogs.survey import coarsen
from store import broadcasts as broadcast_store
from store import directory, survey
from store.assessments import finish_assessment, start_assessment
from store.db import Database
from store.directory import assign, organisation_by_key, person_for_entry, save_organisation
from store.directory_import import import_directory, read_people_and_units
from store.models.assessment import RoleProfile, RoleTarget
from store.models.core import Person
from store.models.directory import DirectoryEntry, Unit
from store.models.outbox import OutboxMessage
from tests.directory_fixtures import PEOPLE_HEADER, UNITS_HEADER, write_csv

ORG = "stockholm-kultur"
ORG_NAME = "Stockholms stad, kulturförvaltningen"
TENANT = "11111111-2222-4333-8444-555555555555"
UNITS = [("KF", "Kulturförvaltningen", ""), ("SSB", "Stadsbiblioteket", "KF"), ("KH", "Kulturhuset", "KF"),
         ("ARK", "Arkivet", "KF")]
ALL_THREE = {"1.1": None, "1.2": None, "1.3": None}

# (key, name, unit, role, manager key, level of 1.1 or None = no assessment)
PEOPLE = [
    ("maria", "Maria Holm", "KF", "Samordnare", None, 4),
    ("karin", "Karin Ek", "SSB", "Chef", "maria", None),
    ("k1", "Kalle Ek", "KF", "Handläggare", "maria", 1),
    ("k2", "Klara Berg", "KF", "Handläggare", "maria", 2),
    *[(f"s{i}", name, "SSB", "Bibliotekarie", "karin", level) for i, (name, level) in
      enumerate([("Anna Lindberg", 2), ("Sven Ahl", 3), ("Stina Bo", 3), ("Sara Nilsson", 4), ("Siv Ek", 6)], 1)],
    *[(f"h{i}", name, "KH", "Museipedagog", "maria", level) for i, (name, level) in
      enumerate([("Hanna Ek", 5), ("Hugo Lind", 5), ("Hedda Sjö", 6), ("Henrik Ås", 7), ("Hilma Ro", 8)], 1)],
    ("a1", "Arvid Arkiv", "ARK", "Arkivarie", "karin", 7),
    ("a2", "Agnes Arkiv", "ARK", "Arkivarie", "karin", 8),
]
ROLE_TARGETS = {"bibliotekarie": {"1.1": 4, "1.2": 3, "1.3": 3}, "museipedagog": {"1.1": 5}}
COMPETENCES = ("1.1 1.2 1.3 2.1 2.2 2.3 2.4 2.5 2.6 3.1 3.2 3.3 3.4 4.1 4.2 4.3 4.4 5.1 5.2 5.3 5.4").split()


@dataclass(frozen=True)
class Someone:
    key: str
    name: str
    email: str
    aad_object_id: str
    entry_id: int
    person_id: int


def seed_tab_organisation(db: Database, tmp_path: Path, *, assessed_at: datetime) -> dict[str, Someone]:
    """The organisation above, with everyone's self-assessment finished at `assessed_at`."""
    aad = {key: str(uuid.uuid4()) for key, *_ in PEOPLE}
    email = {key: f"{key}@stockholm.se" for key, *_ in PEOPLE}
    rows = [(email[key], name, email[key], unit, role, email[manager] if manager else "", aad[key])
            for key, name, unit, role, manager, _ in PEOPLE]
    people, units = read_people_and_units(write_csv(tmp_path / "personal.csv", PEOPLE_HEADER, rows),
                                          write_csv(tmp_path / "enheter.csv", UNITS_HEADER, UNITS))
    found: dict[str, Someone] = {}
    with db.session() as session:
        for key, targets in ROLE_TARGETS.items():
            profile = RoleProfile(key=key, title_sv=key.title(), title_en=key.title())
            session.add(profile)
            session.flush()
            for competence, target in targets.items():
                session.add(RoleTarget(role_profile_id=profile.id, competence=competence, target=target))
        save_organisation(session, key=ORG, name=ORG_NAME, tenant_id=TENANT)
        import_directory(session, organisation_key=ORG, people=people, units=units, now=assessed_at)
        assign(session, organisation=organisation_by_key(session, ORG), email=email["maria"], kind="coordinator")
        for key, name, *_ in PEOPLE:
            entry = session.exec(select(DirectoryEntry).where(DirectoryEntry.email == email[key])).one()
            person = person_for_entry(session, entry, tenant_id=TENANT)
            found[key] = Someone(key, name, email[key], aad[key], entry.id, person.id)
    for key, _name, _unit, _role, _manager, level in PEOPLE:
        if level is not None:
            finish(db, found[key].person_id, at=assessed_at, levels={**{c: 3 for c in COMPETENCES}, "1.1": level})
    return found


def finish(db: Database, person_id: int, *, at: datetime, levels: dict[str, int | None]) -> int:
    with db.session() as session:
        assessment = start_assessment(session, person_id=person_id, mode="short", framework_version="2.2",
                                      instrument_version="2026.1", now=at)
        finish_assessment(session, assessment=assessment, levels=levels, now=at)
        return assessment.id


# ---- survey rounds and a broadcast, for the maturity and broadcast views ---------------------------------------

SURVEY_TODAY = date(2026, 10, 1)
SURVEY_NOW = datetime(2026, 10, 1, 8, 0, tzinfo=timezone.utc)


def answered_round(session, organisation, *, closes: date, answers: list[tuple[int | None, int]],
                   close: bool = True):
    """A round of `organisation` with one finished answer per (unit id, value on every statement)."""
    statements = survey.load_survey_instrument().statement_ids
    survey_round = survey.schedule_round(session, organisation=organisation, opens_on=closes.replace(day=1),
                                         closes_on=closes, min_group=5, now=SURVEY_NOW)
    survey.mark_open(session, survey_round, now=SURVEY_NOW)
    for unit_id, value in answers:
        person = Person(tenant_id=TENANT, teams_user_id=f"29:survey-{uuid.uuid4()}")
        session.add(person)
        session.flush()
        survey.ensure_invitation(session, round_id=survey_round.id, person_id=person.id, unit_id=unit_id,
                                 today=SURVEY_TODAY)
        survey.start_draft(session, survey_round, person.id)
        survey.record_finished(session, survey_round, person_id=person.id, unit_id=unit_id,
                               answers={statement: value for statement in statements}, free_text=None,
                               today=SURVEY_TODAY)
    if close:
        survey.close_round(session, survey_round, now=SURVEY_NOW, coarsen=coarsen)
    return survey_round


def seed_maturity(db, *, this_year: int = 6, close_this_year: bool = True) -> None:
    """Stockholm: 2025 five answers of 3 in SSB; 2026 `this_year` answers of 4. Nacka (the reference): 2026
    five answers of 5. By hand: 2026 mean 4.0, change +1.0, reference 5.0 in every dimension."""
    with db.session() as session:
        organisation = directory.organisation_by_key(session, ORG)
        library = session.exec(select(Unit).where(Unit.code == "SSB")).one().id
        nacka, _ = directory.save_organisation(session, key="nacka-kof", name="Nacka kultur och fritid",
                                               reference_group=True)
        answered_round(session, organisation, closes=date(2025, 10, 31), answers=[(library, 3)] * 5)
        answered_round(session, organisation, closes=date(2026, 10, 31), answers=[(library, 4)] * this_year,
                       close=close_this_year)
        answered_round(session, nacka, closes=date(2026, 10, 31), answers=[(None, 5)] * 5)


def seed_broadcast(db, people: dict[str, Someone], *, at: datetime) -> None:
    """One broadcast to 6 people: 3 sent, 1 waiting, 1 failed, 1 unreachable; 1 more nobody can address."""
    with db.session() as session:
        organisation = directory.organisation_by_key(session, ORG)
        broadcast = broadcast_store.create_broadcast(
            session, organisation_id=organisation.id, created_by_person_id=people["maria"].person_id,
            content={"kind": "message", "title": "Nya kurser i höst", "text": "Anmäl dig senast fredag."},
            audience={}, audience_count=7, send_at=at, now=at)
        broadcast.unaddressable = 1
        for key, status in zip(("s1", "s2", "s3", "s4", "s5", "h1"),
                               ("sent", "sent", "sent", "pending", "failed", "unreachable")):
            session.add(OutboxMessage(campaign=broadcast_store.campaign_of(broadcast.id),
                                      recipient_person_id=people[key].person_id, card={}, status=status))
