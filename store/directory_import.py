"""Imports an HR export (CSV or XLSX) into the directory: every row validated first, then all or nothing.

People file columns (Swedish or English headers, any order, case-insensitive):
    email / e-post (required), name / namn (required), upn, unit / enhet (a unit code), role / roll,
    manager / chef (the manager's email), aad_object_id / objectid.
Units (optional) in a second file (CSV: --units FILE) or an XLSX sheet named "Enheter" or "Units":
    code / kod (required), name / namn (required), parent / överordnad (the parent unit's code).

The import upserts by e-mail (lower-cased) within the organisation; people absent from the file are
deactivated, never deleted; with a units file, units absent from it are deactivated too.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from itertools import islice
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import bindparam, insert
from sqlalchemy import update as sa_update
from sqlmodel import Session, select

from store import audit
from store.directory import link_known_people
from store.models.directory import DirectoryEntry, DirectoryRole, Organisation, Unit
from store.models.core import utcnow

PEOPLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "email": ("email", "e-post", "epost", "e-mail", "mail", "e-postadress"),
    "name": ("name", "namn", "fullständigt namn", "full name"),
    "upn": ("upn", "userprincipalname", "user principal name", "användarnamn"),
    "unit": ("unit", "enhet", "enhetskod", "unit code", "unit_code"),
    "role": ("role", "roll", "befattning", "yrkesroll", "title"),
    "manager": ("manager", "manager email", "manager_email", "chef", "chefens e-post", "chef e-post"),
    "aad_object_id": ("aad_object_id", "aad object id", "objectid", "object id", "object_id", "azure ad object id"),
}
UNIT_COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("code", "kod", "enhetskod", "unit code", "unit_code"),
    "name": ("name", "namn", "enhetsnamn", "unit name"),
    "parent": ("parent", "överordnad", "overordnad", "överordnad enhet", "parent code", "parent_code"),
}
REQUIRED_PEOPLE = ("email", "name")
REQUIRED_UNITS = ("code", "name")
PEOPLE_SHEETS = ("personer", "people", "medarbetare")
UNIT_SHEETS = ("enheter", "units")

# Deliberately simple: one @, a dot in the domain, no spaces. HR exports fail on typos, not on RFC corners.
_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")


class DirectoryFileError(ValueError):
    """The file cannot be read at all (unknown format, no sheet, not UTF-8); the message says which."""


@dataclass(frozen=True)
class RowError:
    sheet: str
    row: int  # as the spreadsheet numbers it: the header is row 1
    column: str
    reason: str

    def __str__(self) -> str:
        return f"{self.sheet} row {self.row}, column {self.column}: {self.reason}"


@dataclass(frozen=True)
class Table:
    """A sheet as read: the header's canonical names and each data row by canonical name."""

    sheet: str
    columns: tuple[str, ...]  # canonical names present in the header
    rows: tuple[tuple[int, dict[str, str]], ...]  # (row number, values)
    unknown_columns: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PersonRow:
    row: int
    email: str
    name: str
    upn: str | None
    unit: str | None
    role: str | None
    manager: str | None
    aad_object_id: str | None


@dataclass(frozen=True)
class UnitRow:
    row: int
    code: str
    name: str
    parent: str | None


@dataclass
class ImportReport:
    organisation: str
    dry_run: bool
    errors: list[RowError] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    reactivated: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    # (employee email, old manager email or None, new manager email or None)
    manager_changes: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    # People who already used the bot, linked to their entries by this import (e-mails).
    linked: list[str] = field(default_factory=list)
    units_created: int = 0
    units_deactivated: int = 0
    roles_created: int = 0
    ignored_columns: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors

    def lines(self) -> list[str]:
        """The report as the CLI prints it."""
        head = f"directory import for {self.organisation}" + (" (dry run: nothing saved)" if self.dry_run else "")
        if self.errors:
            return [head, f"REJECTED: {len(self.errors)} problem(s), nothing was imported:",
                    *(f"  {error}" for error in self.errors)]
        lines = [
            head,
            f"  created: {len(self.created)}, updated: {len(self.updated)}, unchanged: {self.unchanged}",
            f"  reactivated: {len(self.reactivated)}, deactivated (left): {len(self.deactivated)}",
            f"  units created: {self.units_created}, units deactivated: {self.units_deactivated}, "
            f"roles created: {self.roles_created}",
        ]
        lines += [f"  left: {email}" for email in self.deactivated]
        if self.linked:
            lines.append(f"  linked to people who already use the bot: {len(self.linked)}")
        lines += [f"  new manager for {who}: {old or '-'} -> {new or '-'}" for who, old, new in self.manager_changes]
        if self.ignored_columns:
            lines.append(f"  ignored columns: {', '.join(self.ignored_columns)}")
        return lines


# ---- reading ---------------------------------------------------------------------------------------------

def read_people_and_units(path: str | Path, units_path: str | Path | None = None) -> tuple[Table, Table | None]:
    """The people table and, if given (an XLSX sheet or a second file), the units table."""
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        sheets = _read_xlsx(path)
        people_name = next((name for name in sheets if name.strip().lower() in PEOPLE_SHEETS), None)
        units_name = next((name for name in sheets if name.strip().lower() in UNIT_SHEETS), None)
        if people_name is None:
            people_name = next((name for name in sheets if name != units_name), None)
        if people_name is None:
            raise DirectoryFileError(f"{path.name}: no sheet with people")
        people = _table(people_name, sheets[people_name], PEOPLE_COLUMNS)
        units = _table(units_name, sheets[units_name], UNIT_COLUMNS) if units_name else None
    elif path.suffix.lower() in (".csv", ".txt"):
        people = _table(path.name, _read_csv(path), PEOPLE_COLUMNS)
        units = None
    else:
        raise DirectoryFileError(f"{path.name}: use a .csv or .xlsx file")
    if units_path is not None:
        if units is not None:
            raise DirectoryFileError(f"{path.name} has a units sheet already; leave out the separate units file")
        units_file = Path(units_path)
        rows = _read_xlsx(units_file) if units_file.suffix.lower() in (".xlsx", ".xlsm") else None
        raw = next(iter(rows.values())) if rows else _read_csv(units_file)
        units = _table(units_file.name, raw, UNIT_COLUMNS)
    return people, units


def _read_csv(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DirectoryFileError(f"{path.name}: not UTF-8; export the file as CSV UTF-8") from None
    first_line = content.split("\n", 1)[0]
    # Excel in Swedish separates with semicolons, elsewhere with commas.
    delimiter = max((";", ",", "\t"), key=first_line.count)
    return [row for row in csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)]


def _read_xlsx(path: Path) -> dict[str, list[list[str]]]:
    from openpyxl import load_workbook  # only the import needs it

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises assorted types for a damaged or mislabelled file
        raise DirectoryFileError(f"{path.name}: not a readable XLSX file ({type(error).__name__})") from error
    try:
        return {sheet.title: [[_cell(value) for value in row] for row in sheet.iter_rows(values_only=True)]
                for sheet in workbook.worksheets}
    finally:
        workbook.close()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # unit code 1234 typed as a number
    return str(value)


def _canonical(header: str) -> str:
    return " ".join(unicodedata.normalize("NFC", header).strip().lower().replace("_", " ").split())


def _table(sheet: str, raw_rows: list[list[str]], columns: Mapping[str, tuple[str, ...]]) -> Table:
    aliases = {_canonical(alias): name for name, names in columns.items() for alias in names}
    header_index = next((i for i, row in enumerate(raw_rows) if any(cell.strip() for cell in row)), None)
    if header_index is None:
        return Table(sheet, (), ())
    header = raw_rows[header_index]
    positions: dict[str, int] = {}
    unknown = []
    for position, title in enumerate(header):
        name = aliases.get(_canonical(title))
        if name is None:
            if title.strip():
                unknown.append(title.strip())
        elif name not in positions:
            positions[name] = position
    rows = []
    for offset, row in enumerate(raw_rows[header_index + 1:], start=header_index + 2):
        if not any(cell.strip() for cell in row):
            continue
        values = {name: (row[pos].strip() if pos < len(row) else "") for name, pos in positions.items()}
        rows.append((offset, values))
    return Table(sheet, tuple(positions), tuple(rows), tuple(unknown))


# ---- validating (pure) -----------------------------------------------------------------------------------

def validate_units(table: Table) -> tuple[list[UnitRow], list[RowError]]:
    errors = [RowError(table.sheet, 1, name, "missing column") for name in REQUIRED_UNITS
              if name not in table.columns]
    if errors:
        return [], errors
    units, first_row = [], {}
    for row, values in table.rows:
        code, name, parent = values["code"], values["name"], values.get("parent") or None
        problems = [RowError(table.sheet, row, column, "empty") for column in REQUIRED_UNITS if not values[column]]
        if code and code in first_row:
            problems.append(RowError(table.sheet, row, "code", f"duplicate unit code {code} (first on row "
                                                               f"{first_row[code]})"))
        errors += problems
        if code and code not in first_row:
            first_row[code] = row
        if not problems:
            units.append(UnitRow(row, code, name, parent))
    codes = {unit.code for unit in units}
    for unit in units:
        if unit.parent and unit.parent not in first_row:
            errors.append(RowError(table.sheet, unit.row, "parent", f"unknown unit {unit.parent}"))
    parents = {unit.code: unit.parent for unit in units if unit.parent in codes}
    for code, loop in _loops(parents).items():
        errors.append(RowError(table.sheet, first_row[code], "parent", "unit tree loops: " + " -> ".join(loop)))
    return units, sorted(errors, key=lambda e: (e.row, e.column))


def validate_people(table: Table, *, unit_codes: Iterable[str], other_managers: Iterable[str] = (),
                    changes_only: bool = False) -> tuple[list[PersonRow], list[RowError]]:
    """Every problem of every row (row number, column, reason), and the rows if there are none.

    `changes_only` (a delta from Graph): the rows are only the people who changed, so an empty table is fine
    and a manager may be anyone in `other_managers` (active in the directory already)."""
    errors = [RowError(table.sheet, 1, name, "missing column") for name in REQUIRED_PEOPLE
              if name not in table.columns]
    if errors:
        return [], errors
    if not table.rows and not changes_only:
        return [], [RowError(table.sheet, 2, "email", "the file has no people; an empty import would deactivate "
                                                      "everyone")]
    known_units = set(unit_codes)
    known_managers = set(other_managers)
    people: list[PersonRow] = []
    first_email: dict[str, int] = {}
    first_upn: dict[str, int] = {}
    first_aad: dict[str, int] = {}
    for row, values in table.rows:
        problems = []
        email = values["email"].lower()
        name = values["name"]
        upn = (values.get("upn") or "").lower() or None
        unit = values.get("unit") or None
        manager = (values.get("manager") or "").lower() or None
        aad = (values.get("aad_object_id") or "").lower() or None
        if not email:
            problems.append(RowError(table.sheet, row, "email", "empty"))
        elif not _EMAIL.match(email):
            problems.append(RowError(table.sheet, row, "email", f"not an e-mail address: {values['email']!r}"))
        elif email in first_email:
            problems.append(RowError(table.sheet, row, "email", f"duplicate e-mail {email} (first on row "
                                                                f"{first_email[email]})"))
        if not name:
            problems.append(RowError(table.sheet, row, "name", "empty"))
        if upn:
            if not _EMAIL.match(upn):
                problems.append(RowError(table.sheet, row, "upn", f"not a user principal name: {values['upn']!r}"))
            elif upn in first_upn:
                problems.append(RowError(table.sheet, row, "upn", f"duplicate UPN {upn} (first on row "
                                                                  f"{first_upn[upn]})"))
        if manager and not _EMAIL.match(manager):
            problems.append(RowError(table.sheet, row, "manager", f"not an e-mail address: {values['manager']!r}"))
        elif manager and manager == email:
            problems.append(RowError(table.sheet, row, "manager", "a person cannot be their own manager"))
        if unit and unit not in known_units:
            problems.append(RowError(table.sheet, row, "unit", f"unknown unit {unit}"))
        if aad:
            if not _is_guid(aad):
                problems.append(RowError(table.sheet, row, "aad_object_id", f"not an object id (GUID): {aad!r}"))
            elif aad in first_aad:
                problems.append(RowError(table.sheet, row, "aad_object_id", f"duplicate object id (first on row "
                                                                            f"{first_aad[aad]})"))
        if email and email not in first_email:
            first_email[email] = row
        if upn and upn not in first_upn:
            first_upn[upn] = row
        if aad and aad not in first_aad:
            first_aad[aad] = row
        errors += problems
        people.append(PersonRow(row, email, name, upn, unit, values.get("role") or None, manager, aad))

    for person in people:
        if person.manager and person.manager not in first_email and person.manager not in known_managers:
            errors.append(RowError(table.sheet, person.row, "manager",
                                   f"unknown manager {person.manager}: not in the file"))
    chain = {p.email: p.manager for p in people
             if p.manager and p.manager in first_email and p.manager != p.email and first_email[p.email] == p.row}
    for email, loop in _loops(chain).items():
        errors.append(RowError(table.sheet, first_email[email], "manager",
                               "manager chain loops: " + " -> ".join(loop)))
    errors.sort(key=lambda e: (e.row, e.column))
    return ([] if errors else people), errors


def _loops(parent_of: Mapping[str, str | None]) -> dict[str, list[str]]:
    """Each node on a cycle of the parent relation, with the cycle starting and ending at it."""
    on_cycle: dict[str, list[str]] = {}
    done: set[str] = set()
    for start in parent_of:
        path, position = [], {}
        node: str | None = start
        while node is not None and node not in done and node not in position:
            position[node] = len(path)
            path.append(node)
            node = parent_of.get(node)
        if node is not None and node in position:
            cycle = path[position[node]:]
            for member in cycle:
                index = cycle.index(member)
                on_cycle[member] = cycle[index:] + cycle[:index] + [member]
        done.update(path)
    return on_cycle


def _is_guid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


def role_key(name: str) -> str:
    """"Museipedagog" -> "museipedagog", "IT-strateg (senior)" -> "it-strateg-senior"; matches role profiles."""
    ascii_name = unicodedata.normalize("NFKD", name.lower())
    ascii_name = "".join(ch for ch in ascii_name if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")[:60] or "okand"


# ---- importing -------------------------------------------------------------------------------------------

class UnknownOrganisation(LookupError):
    pass


def import_directory(session: Session, *, organisation_key: str, people: Table, units: Table | None,
                     now: datetime | None = None, dry_run: bool = False, actor_person_id: int | None = None,
                     leavers: Sequence[str] | None = None) -> ImportReport:
    """Validates everything, then upserts in the caller's transaction; on any error writes nothing.

    With `dry_run` the changes are made and rolled back, so the report is exactly what an import would do.
    With `leavers` (a delta sync) the table holds only the people who changed: nobody else is touched, and
    exactly the leavers (e-mails) are deactivated.
    """
    now = now or utcnow()
    organisation = session.exec(select(Organisation).where(Organisation.key == organisation_key)).first()
    if organisation is None:
        raise UnknownOrganisation(f"no organisation with key {organisation_key!r}; create it with "
                                  f"`python -m bot organisation {organisation_key} NAME`")
    report = ImportReport(organisation=organisation.key, dry_run=dry_run,
                          ignored_columns=people.unknown_columns + (units.unknown_columns if units else ()))
    unit_rows: list[UnitRow] = []
    if units is not None:
        unit_rows, unit_errors = validate_units(units)
        report.errors += unit_errors
        unit_codes = {unit.code for unit in unit_rows}
    else:
        unit_codes = set(session.exec(select(Unit.code).where(Unit.organisation_id == organisation.id,
                                                              Unit.active)))
    other_managers = _active_emails(session, organisation, {
        values.get("manager", "").lower() for _, values in people.rows}) if leavers is not None else ()
    person_rows, people_errors = validate_people(people, unit_codes=unit_codes, other_managers=other_managers,
                                                 changes_only=leavers is not None)
    report.errors += people_errors
    if report.errors:
        return report

    units_by_code = _upsert_units(session, organisation, unit_rows, report) if units is not None else {
        unit.code: unit for unit in session.exec(select(Unit).where(Unit.organisation_id == organisation.id))}
    roles = _upsert_roles(session, organisation, person_rows, report)
    _upsert_entries(session, organisation, person_rows, units_by_code, roles, report, now, leavers)
    report.linked = [entry.email for entry in link_known_people(session, organisation)]
    audit.record(session, actor_person_id=actor_person_id, action="directory.imported",
                 subject_type="organisation", subject_id=organisation.id,
                 details={"created": len(report.created), "updated": len(report.updated),
                          "deactivated": len(report.deactivated), "reactivated": len(report.reactivated),
                          "manager_changes": len(report.manager_changes), "linked": len(report.linked)})
    session.flush()
    if dry_run:
        session.rollback()
    return report


def _active_emails(session: Session, organisation: Organisation, emails: set[str]) -> set[str]:
    emails.discard("")
    table = DirectoryEntry.__table__
    return set(session.execute(select(table.c.email).where(
        table.c.organisation_id == organisation.id, table.c.active, table.c.email.in_(sorted(emails))
    )).scalars()) if emails else set()


def _upsert_units(session: Session, organisation: Organisation, rows: Sequence[UnitRow],
                  report: ImportReport) -> dict[str, Unit]:
    existing = {unit.code: unit for unit in session.exec(select(Unit).where(Unit.organisation_id == organisation.id))}
    for row in rows:
        unit = existing.get(row.code)
        if unit is None:
            unit = Unit(organisation_id=organisation.id, code=row.code, name=row.name)
            session.add(unit)
            existing[row.code] = unit
            report.units_created += 1
        unit.name, unit.active = row.name, True
    session.flush()
    listed = {row.code for row in rows}
    for row in rows:
        existing[row.code].parent_id = existing[row.parent].id if row.parent else None
    for code, unit in existing.items():
        if code not in listed and unit.active:
            unit.active = False
            report.units_deactivated += 1
    session.flush()
    return existing


def _upsert_roles(session: Session, organisation: Organisation, rows: Sequence[PersonRow],
                  report: ImportReport) -> dict[str, DirectoryRole]:
    existing = {role.key: role for role in
                session.exec(select(DirectoryRole).where(DirectoryRole.organisation_id == organisation.id))}
    for row in rows:
        if not row.role:
            continue
        key = role_key(row.role)
        if key not in existing:
            existing[key] = DirectoryRole(organisation_id=organisation.id, key=key, name=row.role)
            session.add(existing[key])
            report.roles_created += 1
    session.flush()
    return existing


def _upsert_entries(session: Session, organisation: Organisation, rows: Sequence[PersonRow],
                    units: Mapping[str, Unit], roles: Mapping[str, DirectoryRole], report: ImportReport,
                    now: datetime, leavers: Sequence[str] | None = None) -> None:
    """Upserts by e-mail with set-based statements (plain rows, not ORM objects), so that a city's 50,000
    people import in seconds and in little memory; the report says what changed, row by row."""
    table = DirectoryEntry.__table__
    query = select(table.c.id, table.c.email, table.c.name, table.c.upn, table.c.unit_id, table.c.role_id,
                   table.c.aad_object_id, table.c.manager_entry_id, table.c.active
                   ).where(table.c.organisation_id == organisation.id)
    if leavers is not None:  # a delta: only the people it names, their managers and the leavers
        named = {row.email for row in rows} | {row.manager for row in rows if row.manager} | set(leavers)
        query = query.where(table.c.email.in_(sorted(named)))
    existing = {row.email: row for row in session.execute(query)}
    email_of = {row.id: email for email, row in existing.items()}
    unknown_managers = {row.manager_entry_id for row in existing.values()} - set(email_of) - {None}
    if unknown_managers:  # a delta's old managers, for the report
        email_of.update(session.execute(select(table.c.id, table.c.email).where(
            table.c.id.in_(sorted(unknown_managers)))).tuples().all())
    changed: set[str] = set()
    reactivated: set[str] = set()
    new_rows: list[PersonRow] = []
    updates: list[dict] = []

    def values_of(row: PersonRow) -> dict:
        values = {
            "name": row.name,
            "upn": row.upn,
            "unit_id": units[row.unit].id if row.unit else None,
            "role_id": roles[role_key(row.role)].id if row.role else None,
        }
        if row.aad_object_id:  # an empty cell keeps the id learnt from Teams
            values["aad_object_id"] = row.aad_object_id
        return values

    for row in rows:
        stored = existing.get(row.email)
        if stored is None:
            new_rows.append(row)
            report.created.append(row.email)
            continue
        values = values_of(row)
        update = {key: value for key, value in values.items() if getattr(stored, key) != value}
        if not stored.active:
            update.update(active=True, left_at=None)
            report.reactivated.append(row.email)
            reactivated.add(row.email)
        if update:
            changed.add(row.email)
            updates.append({"id": stored.id, **update})
    # Built a batch at a time: 50,000 dicts at once would double the import's memory.
    new_ids = _insert_entries(session, ({"organisation_id": organisation.id, "email": row.email,
                                         "aad_object_id": None, "active": True, "created_at": now,
                                         "updated_at": now, **values_of(row)} for row in new_rows))
    _update_entries(session, updates)

    id_of = {email: row.id for email, row in existing.items()} | new_ids
    manager_updates = []
    for row in rows:
        manager_id = id_of[row.manager] if row.manager else None
        stored = existing.get(row.email)
        if stored is None:
            if manager_id is not None:
                manager_updates.append({"id": id_of[row.email], "manager_entry_id": manager_id})
            continue
        if stored.manager_entry_id != manager_id:
            old = email_of.get(stored.manager_entry_id) if stored.manager_entry_id else None
            report.manager_changes.append((row.email, old, row.manager))
            changed.add(row.email)
            manager_updates.append({"id": stored.id, "manager_entry_id": manager_id})
        if row.email in changed:
            if row.email not in reactivated:
                report.updated.append(row.email)
        else:
            report.unchanged += 1
    _update_entries(session, manager_updates)
    _update_entries(session, [{"id": existing[email].id, "updated_at": now} for email in sorted(changed)])

    listed = {row.email for row in rows}
    leaving = set(leavers) - listed if leavers is not None else set(existing) - listed
    leavers = sorted(email for email in leaving if email in existing and existing[email].active)
    _update_entries(session, [{"id": existing[email].id, "active": False, "left_at": now, "updated_at": now}
                              for email in leavers])
    report.deactivated.extend(leavers)
    session.flush()


_BATCH = 1000


def _insert_entries(session: Session, inserts: Iterable[dict]) -> dict[str, int]:
    ids: dict[str, int] = {}
    table = DirectoryEntry.__table__
    batches = iter(inserts)
    while batch := list(islice(batches, _BATCH)):
        ids.update(session.execute(insert(table).returning(table.c.email, table.c.id), batch).tuples().all())
    return ids


def _update_entries(session: Session, updates: list[dict]) -> None:
    """Updates by id; rows that set the same columns go in one executemany."""
    table = DirectoryEntry.__table__
    by_columns: dict[tuple[str, ...], list[dict]] = {}
    for update in updates:
        by_columns.setdefault(tuple(sorted(k for k in update if k != "id")), []).append(
            {"entry_id": update["id"], **{k: v for k, v in update.items() if k != "id"}})
    for columns, batch in by_columns.items():
        statement = sa_update(table).where(table.c.id == bindparam("entry_id")).values(
            {column: bindparam(column) for column in columns})
        for start in range(0, len(batch), _BATCH):
            session.execute(statement, batch[start:start + _BATCH])
