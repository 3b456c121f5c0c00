"""Role profiles as CSV for coordinators: `python -m bot role-profiles import FILE` and `export FILE`.

One row per role: role_key, title_sv, title_en, then one column per competence ("1.1" ... "5.4") with the
target level 0-8, empty for no target. Semicolons (what Swedish Excel writes) or commas; UTF-8 with or
without BOM. An import checks every row first and changes nothing if any row is broken.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlmodel import Session, delete, select

from store import audit
from store.digcomp import load_framework
from store.models.assessment import RoleProfile, RoleTarget
from store.models.core import utcnow

KEY_COLUMN, TITLE_SV_COLUMN, TITLE_EN_COLUMN = "role_key", "title_sv", "title_en"
REQUIRED_COLUMNS = (KEY_COLUMN, TITLE_SV_COLUMN, TITLE_EN_COLUMN)
FRAMEWORK_VERSION = "2.2"
_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")
_TITLE_MAX = 120
SEED_FILE = Path(__file__).parent / "data" / "role_profiles.csv"


@dataclass(frozen=True)
class ParsedRole:
    key: str
    title_sv: str
    title_en: str
    targets: dict[str, int]


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)


class RoleProfileCsvError(ValueError):
    """The file has broken rows; `problems` lists each as 'row N, column C: reason'."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the role profile file; nothing was imported")
        self.problems = problems


def competence_columns() -> tuple[str, ...]:
    return tuple(c.key for c in load_framework(FRAMEWORK_VERSION).competences)


def parse_role_profiles(content: str) -> list[ParsedRole]:
    """Every role in the CSV text, or RoleProfileCsvError listing every broken cell (rows counted from 1 = header)."""
    content = content.lstrip("\ufeff")
    lines = content.splitlines()
    if not lines or not lines[0].strip():
        raise RoleProfileCsvError(["row 1: the file is empty; expected a header row starting with role_key"])
    delimiter = ";" if lines[0].count(";") >= lines[0].count(",") else ","
    rows = list(csv.reader(io.StringIO(content), delimiter=delimiter))
    header = [cell.strip() for cell in rows[0]]
    problems = _header_problems(header)
    if problems:
        raise RoleProfileCsvError(problems)

    roles: list[ParsedRole] = []
    first_row_of: dict[str, int] = {}
    for number, cells in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue  # blank lines, e.g. at the end of a file saved by Excel
        if len(cells) != len(header):
            problems.append(f"row {number}: has {len(cells)} cells, the header has {len(header)}")
            continue
        row = {column: cell.strip() for column, cell in zip(header, cells)}
        row_problems = _row_problems(row, number, first_row_of)
        problems.extend(row_problems)
        if not row_problems:
            first_row_of[row[KEY_COLUMN]] = number
            roles.append(ParsedRole(
                key=row[KEY_COLUMN], title_sv=row[TITLE_SV_COLUMN], title_en=row[TITLE_EN_COLUMN],
                targets={column: int(row[column]) for column in header if column not in REQUIRED_COLUMNS
                         and row[column] != ""},
            ))
        elif _KEY.match(row[KEY_COLUMN]) and row[KEY_COLUMN] not in first_row_of:
            first_row_of[row[KEY_COLUMN]] = number
    if not problems and not roles:
        problems.append("row 2: the file has a header but no roles")
    if problems:
        raise RoleProfileCsvError(problems)
    return roles


def _header_problems(header: list[str]) -> list[str]:
    problems = [f"row 1: missing column '{column}'" for column in REQUIRED_COLUMNS if column not in header]
    known = set(REQUIRED_COLUMNS) | set(competence_columns())
    seen: set[str] = set()
    for index, column in enumerate(header, start=1):
        if column in seen:
            problems.append(f"row 1, column {index}: '{column}' appears twice")
        elif column not in known:
            problems.append(
                f"row 1, column {index}: unknown column '{column}'; expected role_key, title_sv, title_en "
                f"and DigComp {FRAMEWORK_VERSION} competences 1.1 ... 5.4"
            )
        seen.add(column)
    return problems


def _row_problems(row: dict[str, str], number: int, first_row_of: dict[str, int]) -> list[str]:
    problems = []
    key = row[KEY_COLUMN]
    if not key:
        problems.append(f"row {number}, column '{KEY_COLUMN}': is empty")
    elif not _KEY.match(key):
        problems.append(f"row {number}, column '{KEY_COLUMN}': '{key}' must be 1-60 lowercase letters a-z, "
                        "digits, '-' or '_'")
    elif key in first_row_of:
        problems.append(f"row {number}, column '{KEY_COLUMN}': '{key}' is already on row {first_row_of[key]}")
    for column in (TITLE_SV_COLUMN, TITLE_EN_COLUMN):
        if not row[column]:
            problems.append(f"row {number}, column '{column}': is empty")
        elif len(row[column]) > _TITLE_MAX:
            problems.append(f"row {number}, column '{column}': is {len(row[column])} characters, at most {_TITLE_MAX}")
    for column, value in row.items():
        if column in REQUIRED_COLUMNS or value == "":
            continue
        if not value.isdigit() or not 0 <= int(value) <= 8:
            problems.append(f"row {number}, column '{column}': '{value}' is not a level 0-8 (leave empty for no target)")
    return problems


def import_role_profiles(session: Session, *, content: str, now: datetime | None = None) -> ImportReport:
    """Creates or updates every role in the CSV and replaces its targets; roles not in the file are kept."""
    now = now or utcnow()
    parsed = parse_role_profiles(content)
    existing = {role.key: role for role in session.exec(select(RoleProfile))}
    report = ImportReport()
    for role in parsed:
        profile = existing.get(role.key)
        if profile is None:
            profile = RoleProfile(key=role.key, title_sv=role.title_sv, title_en=role.title_en,
                                  framework_version=FRAMEWORK_VERSION, updated_at=now)
            session.add(profile)
            session.flush()
            report.created.append(role.key)
        else:
            profile.title_sv, profile.title_en, profile.updated_at = role.title_sv, role.title_en, now
            session.exec(delete(RoleTarget).where(RoleTarget.role_profile_id == profile.id))
            report.updated.append(role.key)
        session.add_all([RoleTarget(role_profile_id=profile.id, competence=competence, target=target)
                         for competence, target in role.targets.items()])
    session.flush()
    audit.record(session, actor_person_id=None, action="role_profiles.import", subject_type="role_profile",
                 details={"created": report.created, "updated": report.updated})
    return report


def export_role_profiles(session: Session) -> str:
    """All role profiles as CSV text in the import format (semicolons, competences in framework order)."""
    columns = competence_columns()
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow([*REQUIRED_COLUMNS, *columns])
    roles = list(session.exec(select(RoleProfile).order_by(RoleProfile.key)))
    targets: dict[int, dict[str, int]] = {}
    for role_id, competence, target in session.exec(
        select(RoleTarget.role_profile_id, RoleTarget.competence, RoleTarget.target)
    ):
        targets.setdefault(role_id, {})[competence] = target
    for role in roles:
        own = targets.get(role.id, {})
        writer.writerow([role.key, role.title_sv, role.title_en, *(own.get(c, "") for c in columns)])
    return out.getvalue()


def run(database, action: str, path: str) -> int:
    """The CLI's work for `python -m bot role-profiles import|export FILE`; returns the exit status."""
    import sys

    if action == "export":
        with database.session() as session:
            text = export_role_profiles(session)
        # BOM so that Excel opens the UTF-8 file with å, ä and ö intact.
        Path(path).write_text("\ufeff" + text, encoding="utf-8")
        print(f"wrote {text.count(chr(10)) - 1} role profiles to {path}")
        return 0
    try:
        content = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        print(f"cannot read {path}: {error}", file=sys.stderr)
        return 1
    try:
        with database.session() as session:
            report = import_role_profiles(session, content=content)
    except RoleProfileCsvError as error:
        for problem in error.problems:
            print(f"{path}: {problem}", file=sys.stderr)
        print(str(error), file=sys.stderr)
        return 1
    print(f"imported {len(report.created) + len(report.updated)} role profiles from {path} "
          f"({len(report.created)} new, {len(report.updated)} updated)")
    return 0
