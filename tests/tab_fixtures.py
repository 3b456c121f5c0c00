"""A small organisation for the tab's tests, with figures computed by hand (k = 5).

Units: Kulturförvaltningen (KF) above Stadsbiblioteket (SSB), Kulturhuset (KH) and Arkivet (ARK, 2 people).
Maria coordinates and manages KF's people and Kulturhuset; Karin manages Stadsbiblioteket and Arkivet.
Competence 1.1, from each person's self-assessment (every other competence is level 3):
  SSB (bibliotekarie, target 1.1 = 4):  2 3 3 4 6  -> median 3, 3 of 5 below target (60 %)
  KH (museipedagog, target 1.1 = 5):    5 5 6 7 8  -> median 6, none below (0 %)
  KF 1 2 4 and ARK 7 8 (no role target) -> ARK (2 < 5) merged into KF: 1 2 4 7 8, median 4, no share
Area 1 for SSB pools 1.1-1.3 (15 levels: 2, twelve 3s, 4, 6): median 3, 3 of 15 below target (20 %).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlmodel import select

from store.assessments import finish_assessment, start_assessment
from store.db import Database
from store.directory import assign, organisation_by_key, person_for_entry, save_organisation
from store.directory_import import import_directory, read_people_and_units
from store.models.assessment import RoleProfile, RoleTarget
from store.models.directory import DirectoryEntry
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
