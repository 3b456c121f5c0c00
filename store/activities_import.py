"""The activity catalogue as CSV or XLSX for coordinators: `python -m bot activities import|export FILE --org KEY`.

Columns (Swedish or English headers, any order, case-insensitive; `key` and a title are required):
    nyckel/key, titel/title_sv, titel_en/title_en, beskrivning/description_sv, beskrivning_en/description_en,
    format, kompetenser/competences ("3.1, 3.2"), nivå_från/level_min, nivå_till/level_max (1-8),
    roller/roles (role keys, empty: everyone), timmar/hours, start, slut/end ("2026-03-18 13:00", local time;
    no start: self-paced), plats/place, länk/link, arrangör/provider, platser/capacity (empty: no limit),
    anmälda_utanför/external_places, sista_anmälan/deadline, status (utkast, publicerad, inställd, avslutad),
    delad/shared (ja/nej), fler_träffar/more_sessions (the meetings after the first, separated by "|" or line
    breaks, each "2026-03-25 13:00-16:00 Plats" or "2026-03-25 13:00-16:00 https://länk"; docs/activity-sessions.md).
A file without fler_träffar imports as before and leaves an activity's further meetings as they are.
Like the directory import, every row is checked first and a file with any problem imports nothing; each
problem names its row and column. Rows are upserted by key within the organisation.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from store import audit
from store.activities import SessionValues, save_activity, split_list
from store.digcomp import load_framework
from store.directory_import import DirectoryFileError, RowError, Table, _read_csv, _read_xlsx, _table
from store.models.activity import Activity, ActivityFormat, ActivitySession, ActivityStatus
from store.models.directory import Organisation
from store.people import aware

COLUMNS: dict[str, tuple[str, ...]] = {
    "key": ("key", "nyckel", "id"),
    "title_sv": ("title_sv", "titel", "titel_sv", "title"),
    "title_en": ("title_en", "titel_en", "engelsk titel"),
    "description_sv": ("description_sv", "beskrivning", "beskrivning_sv", "description"),
    "description_en": ("description_en", "beskrivning_en"),
    "format": ("format", "form"),
    "competences": ("competences", "kompetenser", "digcomp"),
    "level_min": ("level_min", "nivå_från", "nivå från", "lägsta nivå"),
    "level_max": ("level_max", "nivå_till", "nivå till", "högsta nivå"),
    "roles": ("roles", "roller", "målgrupp"),
    "hours": ("hours", "timmar"),
    "starts_at": ("start", "starts_at", "börjar"),
    "ends_at": ("end", "slut", "ends_at", "slutar"),
    "place": ("place", "plats"),
    "online_url": ("link", "länk", "online_url", "url"),
    "provider": ("provider", "arrangör", "anordnare"),
    "capacity": ("capacity", "platser", "antal platser"),
    "external_places": ("external_places", "anmälda_utanför", "anmälda utanför"),
    "registration_deadline": ("deadline", "sista_anmälan", "sista anmälningsdag", "registration_deadline"),
    "status": ("status",),
    "shared": ("shared", "delad"),
    "more_sessions": ("more_sessions", "fler_träffar", "fler träffar", "träffar", "sessions"),
}
EXPORT_HEADER = ("nyckel", "titel", "titel_en", "beskrivning", "beskrivning_en", "format", "kompetenser",
                 "nivå_från", "nivå_till", "roller", "timmar", "start", "slut", "plats", "länk", "arrangör",
                 "platser", "anmälda_utanför", "sista_anmälan", "status", "delad", "fler_träffar")
FORMATS: dict[str, str] = {
    "course": ActivityFormat.COURSE, "kurs": ActivityFormat.COURSE,
    "elearning": ActivityFormat.ELEARNING, "e-learning": ActivityFormat.ELEARNING,
    "självstudier": ActivityFormat.ELEARNING, "self-study": ActivityFormat.ELEARNING,
    "lecture": ActivityFormat.LECTURE, "föreläsning": ActivityFormat.LECTURE,
    "workshop": ActivityFormat.WORKSHOP,
    "webinar": ActivityFormat.WEBINAR, "webbinarium": ActivityFormat.WEBINAR,
    "network": ActivityFormat.NETWORK, "nätverk": ActivityFormat.NETWORK, "lärande nätverk": ActivityFormat.NETWORK,
    "mentoring": ActivityFormat.MENTORING, "mentorskap": ActivityFormat.MENTORING,
    "kollegialt lärande": ActivityFormat.MENTORING,
    "study_visit": ActivityFormat.STUDY_VISIT, "studiebesök": ActivityFormat.STUDY_VISIT,
}
FORMAT_NAMES_SV = {ActivityFormat.COURSE: "kurs", ActivityFormat.ELEARNING: "självstudier",
                   ActivityFormat.LECTURE: "föreläsning", ActivityFormat.WORKSHOP: "workshop",
                   ActivityFormat.WEBINAR: "webbinarium", ActivityFormat.NETWORK: "nätverk",
                   ActivityFormat.MENTORING: "mentorskap", ActivityFormat.STUDY_VISIT: "studiebesök"}
STATUSES: dict[str, str] = {
    "draft": ActivityStatus.DRAFT, "utkast": ActivityStatus.DRAFT,
    "published": ActivityStatus.PUBLISHED, "publicerad": ActivityStatus.PUBLISHED,
    "cancelled": ActivityStatus.CANCELLED, "inställd": ActivityStatus.CANCELLED,
    "finished": ActivityStatus.FINISHED, "avslutad": ActivityStatus.FINISHED,
}
STATUS_NAMES_SV = {ActivityStatus.DRAFT: "utkast", ActivityStatus.PUBLISHED: "publicerad",
                   ActivityStatus.CANCELLED: "inställd", ActivityStatus.FINISHED: "avslutad"}
YES = {"ja", "yes", "j", "y", "1", "true", "x"}
NO = {"nej", "no", "n", "0", "false", ""}
DEMO_FILE = Path(__file__).parent / "data" / "activities" / "demo_activities.csv"
# The date the demo catalogue's dates are written from (see store/data/activities/README.md).
DEMO_REFERENCE_DATE = date(2026, 3, 9)


class UnknownOrganisation(LookupError):
    pass


@dataclass
class CatalogueImportReport:
    organisation: str
    errors: list[RowError] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    ignored_columns: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors

    def lines(self) -> list[str]:
        head = f"activity import for {self.organisation}"
        if self.errors:
            return [head, f"REJECTED: {len(self.errors)} problem(s), nothing was imported:",
                    *(f"  {error}" for error in self.errors)]
        lines = [head, f"  created: {len(self.created)}, updated: {len(self.updated)}"]
        if self.ignored_columns:
            lines.append(f"  ignored columns: {', '.join(self.ignored_columns)}")
        return lines


def read_catalogue(path: str | Path) -> Table:
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        sheets = _read_xlsx(path)
        if not sheets:
            raise DirectoryFileError(f"{path.name}: no sheet")
        name = next(iter(sheets))
        return _table(name, sheets[name], COLUMNS)
    if path.suffix.lower() in (".csv", ".txt"):
        return _table(path.name, _read_csv(path), COLUMNS)
    raise DirectoryFileError(f"{path.name}: use a .csv or .xlsx file")


def _moment(value: str, tz: ZoneInfo, shift: timedelta) -> datetime:
    text = value.strip().replace("T", " ")
    parsed = datetime.strptime(text, "%Y-%m-%d %H:%M") if " " in text else \
        datetime.combine(date.fromisoformat(text), time(23, 59))  # a day alone: until the end of it
    return (parsed + shift).replace(tzinfo=tz)


def validate_catalogue(table: Table, *, tz: ZoneInfo, shift: timedelta = timedelta(0)
                       ) -> tuple[list[tuple[int, str, dict[str, Any], str]], list[RowError]]:
    """Every row as (row, key, values, status), or every problem as row, column and reason."""
    sheet = table.sheet
    errors = [RowError(sheet, 1, name, "missing column") for name in ("key", "competences")
              if name not in table.columns]
    if "title_sv" not in table.columns and "title_en" not in table.columns:
        errors.append(RowError(sheet, 1, "title_sv", "missing column (a title in Swedish or English)"))
    if errors:
        return [], errors
    known = {c.key for c in load_framework("2.2").competences}
    first_row: dict[str, int] = {}
    rows = []
    for row, raw in table.rows:
        problems: list[RowError] = []

        def problem(column: str, reason: str) -> None:
            problems.append(RowError(sheet, row, column, reason))

        key = raw.get("key", "")
        if not key:
            problem("key", "empty")
        elif len(key) > 60:
            problem("key", "longer than 60 characters")
        elif key in first_row:
            problem("key", f"duplicate key {key} (first on row {first_row[key]})")
        else:
            first_row[key] = row
        values: dict[str, Any] = {}
        for name in ("title_sv", "title_en", "description_sv", "description_en", "place", "online_url",
                     "provider"):
            values[name] = raw.get(name) or None
        if not values["title_sv"] and not values["title_en"]:
            problem("title_sv", "empty: give a title in Swedish or English")
        fmt = (raw.get("format") or "").strip().lower()
        if fmt not in FORMATS:
            problem("format", f"unknown format {raw.get('format')!r}; use one of "
                              "kurs, självstudier, föreläsning, workshop, webbinarium, nätverk, mentorskap, studiebesök")
        else:
            values["format"] = FORMATS[fmt]
        competences = split_list(raw.get("competences", "").replace(";", ","))
        wrong = [c for c in competences if c not in known]
        if not competences:
            problem("competences", "empty: name at least one DigComp competence, e.g. 3.1")
        elif wrong:
            problem("competences", f"not DigComp 2.2 competences: {', '.join(wrong)}")
        values["competences"] = ",".join(dict.fromkeys(competences))
        for name, default in (("level_min", 1), ("level_max", 8)):
            text = raw.get(name) or ""
            if not text:
                values[name] = default
            elif not text.isdigit() or not 1 <= int(text) <= 8:
                problem(name, f"not a level 1-8: {text!r}")
            else:
                values[name] = int(text)
        if isinstance(values.get("level_min"), int) and isinstance(values.get("level_max"), int) \
                and values["level_min"] > values["level_max"]:
            problem("level_max", f"below the lowest level {values['level_min']}")
        values["roles"] = ",".join(r.lower() for r in split_list(raw.get("roles")))
        hours_text = (raw.get("hours") or "1").replace(",", ".")
        try:
            values["hours"] = float(hours_text)
            if not 0 < values["hours"] <= 500:
                problem("hours", f"must be more than 0 and at most 500, not {hours_text}")
        except ValueError:
            problem("hours", f"not a number of hours: {raw.get('hours')!r}")
        for name in ("starts_at", "ends_at", "registration_deadline"):
            text = raw.get(name) or ""
            values[name] = None
            if text:
                try:
                    values[name] = _moment(text, tz, shift)
                except ValueError:
                    problem(name, f"not a date and time like 2026-03-18 13:00: {text!r}")
        values["self_paced"] = values["starts_at"] is None
        if values["self_paced"] and values["ends_at"] is not None:
            problem("starts_at", "empty while the end is given: a dated activity needs its start")
        if values["starts_at"] and values["ends_at"] and values["ends_at"] <= values["starts_at"]:
            problem("ends_at", "not after the start")
        if values["starts_at"] and values["registration_deadline"] and \
                values["registration_deadline"] > values["starts_at"]:
            problem("registration_deadline", "after the start")
        for name in ("capacity", "external_places"):
            text = raw.get(name) or ""
            values[name] = None if name == "capacity" else 0
            if text:
                if not text.isdigit():
                    problem(name, f"not a whole number: {text!r}")
                else:
                    values[name] = int(text)
        status_text = (raw.get("status") or "publicerad").strip().lower()
        status = STATUSES.get(status_text)
        if status is None:
            problem("status", f"unknown status {raw.get('status')!r}; use utkast, publicerad, inställd or avslutad")
        shared = (raw.get("shared") or "").strip().lower()
        if shared not in YES | NO:
            problem("shared", f"not ja or nej: {raw.get('shared')!r}")
        values["shared"] = shared in YES
        values["more_sessions"] = None  # no column: the further meetings stay as they are
        if "more_sessions" in table.columns:
            try:
                values["more_sessions"] = parse_sessions(raw.get("more_sessions") or "", tz, shift)
            except ValueError as error:
                problem("more_sessions", str(error))
            if values["more_sessions"] and values["self_paced"]:
                problem("more_sessions", "meetings for a self-paced activity: give the first one as its start")
        errors += problems
        if not problems:
            rows.append((row, key, values, status))
    errors.sort(key=lambda e: (e.row, e.column))
    return ([] if errors else rows), errors


def import_catalogue(session: Session, *, organisation_key: str, table: Table, tz: ZoneInfo, now: datetime,
                     shift: timedelta = timedelta(0), actor_person_id: int | None = None) -> CatalogueImportReport:
    """All rows or nothing: validated first, then upserted by key in the caller's transaction."""
    organisation = session.exec(select(Organisation).where(Organisation.key == organisation_key)).first()
    if organisation is None:
        raise UnknownOrganisation(f"no organisation with key {organisation_key!r}; create it with "
                                  f"`python -m bot organisation {organisation_key} NAME`")
    report = CatalogueImportReport(organisation.key, ignored_columns=table.unknown_columns)
    rows, report.errors = validate_catalogue(table, tz=tz, shift=shift)
    if report.errors:
        return report
    for _row, key, values, status in rows:
        values = dict(values)
        more = values.pop("more_sessions", None)
        _activity, created = save_activity(session, organisation_id=organisation.id, key=key, values=values,
                                           now=now, actor_person_id=actor_person_id, status=status,
                                           more_sessions=more)
        (report.created if created else report.updated).append(key)
    audit.record(session, actor_person_id=actor_person_id, action="activity.imported", subject_type="organisation",
                 subject_id=organisation.id, details={"created": len(report.created), "updated": len(report.updated)})
    return report


def _local(moment: datetime | None, tz: ZoneInfo) -> str:
    return aware(moment).astimezone(tz).strftime("%Y-%m-%d %H:%M") if moment else ""


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value).replace(".", ",")


def export_rows(session: Session, *, organisation_key: str, tz: ZoneInfo) -> list[list[str]]:
    organisation = session.exec(select(Organisation).where(Organisation.key == organisation_key)).first()
    if organisation is None:
        raise UnknownOrganisation(f"no organisation with key {organisation_key!r}")
    rows = [list(EXPORT_HEADER)]
    further: dict[int, list[ActivitySession]] = {}
    for meeting in session.exec(select(ActivitySession).join(Activity, Activity.id == ActivitySession.activity_id)
                                .where(Activity.organisation_id == organisation.id,
                                       ActivitySession.cancelled_at.is_(None))
                                .order_by(ActivitySession.starts_at, ActivitySession.id)):
        further.setdefault(meeting.activity_id, []).append(meeting)
    for a in session.exec(select(Activity).where(Activity.organisation_id == organisation.id).order_by(Activity.id)):
        rows.append([a.key, a.title_sv or "", a.title_en or "", a.description_sv or "", a.description_en or "",
                     FORMAT_NAMES_SV.get(a.format, a.format), ", ".join(split_list(a.competences)),
                     str(a.level_min), str(a.level_max), ", ".join(split_list(a.roles)), _number(a.hours),
                     _local(a.starts_at, tz), _local(a.ends_at, tz), a.place or "", a.online_url or "",
                     a.provider or "", "" if a.capacity is None else str(a.capacity), str(a.external_places),
                     _local(a.registration_deadline, tz), STATUS_NAMES_SV.get(a.status, a.status),
                     "ja" if a.shared else "nej", sessions_text(further.get(a.id, [])[1:], tz)])
    return rows


_SESSION = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T]+(\d{1,2}[:.]\d{2})(?:\s*[-–]\s*(\d{1,2}[:.]\d{2}))?(?:[\s,]+(.*))?$")


def parse_sessions(text: str, tz: ZoneInfo, shift: timedelta = timedelta(0)) -> list[SessionValues]:
    """Further meetings, one per line or separated by "|": "2026-03-25 13:00-16:00 Kulturhuset" (the place, or
    an https link, after the times; none: the activity's own). ValueError names the meeting that is wrong."""
    sessions = []
    for number, part in enumerate((p.strip() for p in re.split(r"[|\n]", text or "")), start=1):
        if not part:
            continue
        found = _SESSION.match(part)
        try:
            if found is None:
                raise ValueError
            day = date.fromisoformat(found.group(1))
            start = datetime.combine(day, time.fromisoformat(found.group(2).replace(".", ":").zfill(5)))
            end = datetime.combine(day, time.fromisoformat(found.group(3).replace(".", ":").zfill(5))) \
                if found.group(3) else None
        except ValueError:
            raise ValueError(f"meeting {number} is not like 2026-03-25 13:00-16:00 Plats: {part!r}") from None
        if end is not None and end <= start:
            raise ValueError(f"meeting {number} ends before it starts: {part!r}")
        where = (found.group(4) or "").strip() or None
        link = where if where and where.startswith("https://") else None
        sessions.append(SessionValues((start + shift).replace(tzinfo=tz),
                                      (end + shift).replace(tzinfo=tz) if end else None,
                                      None if link else (where[:300] if where else None), link[:500] if link else None))
    starts = [s.starts_at for s in sessions]
    if len(set(starts)) != len(starts):
        raise ValueError("two meetings start at the same time")
    return sessions


def sessions_text(sessions: list[ActivitySession], tz: ZoneInfo) -> str:
    """Meetings as parse_sessions reads them, separated by " | "."""
    parts = []
    for meeting in sessions:
        start = aware(meeting.starts_at).astimezone(tz)
        text = start.strftime("%Y-%m-%d %H:%M")
        if meeting.ends_at:
            text += "-" + aware(meeting.ends_at).astimezone(tz).strftime("%H:%M")
        where = meeting.place or meeting.online_url
        parts.append(f"{text} {where}" if where else text)
    return " | ".join(parts)


def write_catalogue(path: str | Path, rows: list[list[str]]) -> None:
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "Aktiviteter"
        for row in rows:
            sheet.append(row)
        workbook.save(path)
        return
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle, delimiter=";").writerows(rows)


def demo_shift(today: date) -> timedelta:
    """Whole weeks from the demo file's reference date to `today`, so weekdays stay weekdays."""
    return timedelta(weeks=max(0, (today - DEMO_REFERENCE_DATE).days // 7))
