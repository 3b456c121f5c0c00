"""Test data for the directory and the plan: HR files, an organisation, and a finished self-assessment."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Mapping

from store.assessments import finish_assessment, start_assessment
from store.db import Database
from store.directory import save_organisation
from store.directory_import import ImportReport, import_directory, read_people_and_units
from store.targets import set_personal_targets
from tests.fakes.activities import TeamsUser

ORG = "stockholm-kultur"
PEOPLE_HEADER = ("e-post", "namn", "upn", "enhet", "roll", "chef", "objectid")
UNITS_HEADER = ("kod", "namn", "överordnad")
UNITS = [("KF", "Kulturförvaltningen", ""), ("SSB", "Stadsbiblioteket", "KF"), ("KH", "Kulturhuset", "KF")]

# Anna's self-assessment: level 3 everywhere except where she has room to grow.
ANNA_LEVELS = {key: 3 for key in ("1.1 1.2 1.3 2.1 2.2 2.3 2.4 2.5 2.6 3.1 3.2 3.3 3.4 4.1 4.2 4.3 4.4 "
                                  "5.1 5.2 5.3 5.4").split()} | {"3.1": 2, "2.4": 3}
# Gaps: 3.1 (2 -> 5), 4.2 (3 -> 6), 1.2 (3 -> 5), 5.4 (3 -> 5), 2.4 (3 -> 4).
ANNA_TARGETS = {"3.1": 5, "4.2": 6, "1.2": 5, "5.4": 5, "2.4": 4, "1.1": 3}


def person_row(user: TeamsUser | None = None, *, email: str | None = None, name: str | None = None,
               manager: TeamsUser | str | None = None, unit: str = "SSB", role: str = "Bibliotekarie",
               aad: bool = True) -> tuple[str, ...]:
    """A row of the HR export; by default the Teams user's e-mail and AAD object id."""
    manager_email = manager.email if isinstance(manager, TeamsUser) else (manager or "")
    return (email or user.email, name or user.name, email or user.email, unit, role, manager_email,
            user.aad_object_id if user is not None and aad else "")


def write_csv(path: Path, header: Iterable[str], rows: Iterable[Iterable[Any]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_people(tmp_path: Path, rows: Iterable[Iterable[Any]], name: str = "personal.csv") -> Path:
    return write_csv(tmp_path / name, PEOPLE_HEADER, rows)


def write_units(tmp_path: Path, rows: Iterable[Iterable[Any]] = UNITS, name: str = "enheter.csv") -> Path:
    return write_csv(tmp_path / name, UNITS_HEADER, rows)


def seed_organisation(db: Database, *, key: str = ORG, name: str = "Stockholms stad, kulturförvaltningen",
                      contact: str | None = None, tenant_id: str | None = None) -> None:
    with db.session() as session:
        save_organisation(session, key=key, name=name, contact=contact, tenant_id=tenant_id)


def import_people(db: Database, tmp_path: Path, rows: Iterable[Iterable[Any]], *, org: str = ORG,
                  units: bool = True, now: datetime | None = None, dry_run: bool = False) -> ImportReport:
    people, unit_table = read_people_and_units(write_people(tmp_path, rows),
                                               write_units(tmp_path) if units else None)
    with db.session() as session:
        return import_directory(session, organisation_key=org, people=people, units=unit_table, now=now,
                                dry_run=dry_run)


def give_finished_assessment(db: Database, person_id: int, *, now: datetime,
                             levels: Mapping[str, int | None] = ANNA_LEVELS,
                             targets: Mapping[str, int] = ANNA_TARGETS) -> int:
    with db.session() as session:
        assessment = start_assessment(session, person_id=person_id, mode="short", framework_version="2.2",
                                      instrument_version="2026.1", now=now)
        finish_assessment(session, assessment=assessment, levels=dict(levels), now=now)
        set_personal_targets(session, person_id=person_id, targets=dict(targets), now=now)
        return assessment.id
