"""Attendance of a dated activity from a CSV/XLSX (columns e-post/email, optional timmar/hours): the
coordinator's alternative to the attendance card. All rows are checked first; any problem imports nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from store.activities import ActivityError, activity_by_key, confirm_attendance
from store.directory_import import DirectoryFileError, RowError, _read_csv, _read_xlsx, _table
from store.models.core import Person
from store.models.directory import DirectoryEntry, Organisation

COLUMNS = {"email": ("email", "e-post", "epost", "e-mail", "mail"), "hours": ("hours", "timmar")}


@dataclass
class AttendanceReport:
    activity: str
    errors: list[RowError] = field(default_factory=list)
    confirmed: int = 0
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def lines(self) -> list[str]:
        if self.errors:
            return [f"attendance for {self.activity}", f"REJECTED: {len(self.errors)} problem(s), nothing was saved:",
                    *(f"  {error}" for error in self.errors)]
        return [f"attendance for {self.activity}", f"  confirmed: {self.confirmed}, unchanged: {self.unchanged}"]


def confirm_attendance_file(session: Session, *, organisation_key: str, activity_key: str, path: str | Path,
                            now: datetime, tz: ZoneInfo, confirmed_by_person_id: int | None = None
                            ) -> AttendanceReport:
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        sheets = _read_xlsx(path)
        name = next(iter(sheets), None)
        if name is None:
            raise DirectoryFileError(f"{path.name}: no sheet")
        table = _table(name, sheets[name], COLUMNS)
    else:
        table = _table(path.name, _read_csv(path), COLUMNS)
    organisation = session.exec(select(Organisation).where(Organisation.key == organisation_key)).first()
    if organisation is None:
        raise ActivityError(f"no organisation with key {organisation_key!r}")
    activity = activity_by_key(session, organisation_id=organisation.id, key=activity_key)
    if activity is None:
        raise ActivityError(f"no activity with key {activity_key!r} in {organisation_key}")
    if activity.self_paced:
        raise ActivityError(f"{activity_key} is self-paced: people mark it done themselves")
    report = AttendanceReport(activity_key)
    if "email" not in table.columns:
        report.errors.append(RowError(table.sheet, 1, "email", "missing column"))
        return report
    by_hours: dict[float, list[int]] = {}
    for row, values in table.rows:
        email = values["email"].strip().lower()
        person_id = session.exec(select(DirectoryEntry.person_id).where(
            DirectoryEntry.organisation_id == organisation.id, DirectoryEntry.email == email)).first() or \
            session.exec(select(Person.id).where(Person.email == email)).first()
        if person_id is None:
            report.errors.append(RowError(table.sheet, row, "email", f"{email or '(empty)'} has not used Kompetenslyft"))
            continue
        text = (values.get("hours") or "").replace(",", ".")
        try:
            hours = float(text) if text else activity.hours
        except ValueError:
            report.errors.append(RowError(table.sheet, row, "hours", f"not a number of hours: {values.get('hours')!r}"))
            continue
        if not 0 < hours <= 500:
            report.errors.append(RowError(table.sheet, row, "hours", f"must be more than 0 and at most 500: {text}"))
            continue
        by_hours.setdefault(hours, []).append(person_id)
    if report.errors:
        return report
    for hours, people in by_hours.items():
        confirmed = confirm_attendance(session, activity=activity, attended_person_ids=people,
                                       confirmed_by_person_id=confirmed_by_person_id, now=now, tz=tz, hours=hours)
        report.confirmed += len(confirmed)
        report.unchanged += len(set(people)) - len(confirmed)
    return report
