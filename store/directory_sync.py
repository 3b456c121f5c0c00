"""The directory from Microsoft Graph: which Entra ID users are in scope, how their attributes map to our units
and roles, and how a full or delta read becomes the same validated, reported import as an HR file.

A full sync lists everyone in scope, so whoever is missing has left (deactivated, never deleted). A delta sync
starts from what the directory holds now, applies only what Graph says changed (a delta record carries the
changed properties; `@removed` or a disabled account means the person left), and imports the result the same
way. Both go through `store.directory_import.import_directory`, so the checks, the report and the audit trail
are the CSV import's. Graph's own calls are in bot/graph.py; this module sees only the users' JSON.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from store.directory_import import ImportReport, Table, UnknownOrganisation, import_directory, role_key
from store.models.directory import DirectoryEntry, DirectoryRole, Organisation, Unit
from store.models.core import Person
from store.models.directory_source import AppInstallation, DirectorySource, InstallOutcome, SourceKind

_PEOPLE_COLUMNS = ("email", "name", "upn", "unit", "role", "manager", "aad_object_id")


class SourceConflict(ValueError):
    """The organisation takes its directory from the other source; the message says how to switch."""


@dataclass(frozen=True)
class SyncRule:
    """Who in the tenant belongs to the organisation, and how Entra attributes become our units and roles."""

    company: str | None = None  # companyName must equal this (case-insensitive)
    department_prefix: str | None = None  # department must start with this
    units: Mapping[str, str] = field(default_factory=dict)  # department -> unit code
    roles: Mapping[str, str] = field(default_factory=dict)  # job title -> role name
    root_unit: str | None = None  # the parent of units made from unmapped departments

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "SyncRule":
        return cls(company=data.get("company"), department_prefix=data.get("department_prefix"),
                   units=dict(data.get("units") or {}), roles=dict(data.get("roles") or {}),
                   root_unit=data.get("root_unit"))

    def as_json(self) -> dict[str, Any]:
        return {key: (dict(value) if isinstance(value, Mapping) else value) for key, value in asdict(self).items()}

    def in_scope(self, user: Mapping[str, Any]) -> bool:
        if self.company and (user.get("companyName") or "").strip().lower() != self.company.strip().lower():
            return False
        if self.department_prefix and not (user.get("department") or "").startswith(self.department_prefix):
            return False
        return True

    def unit_for(self, department: str | None) -> str | None:
        if not department:
            return None
        return self.units.get(department) or role_key(department)

    def role_for(self, job_title: str | None) -> str | None:
        if not job_title:
            return None
        return self.roles.get(job_title, job_title)


@dataclass(frozen=True, slots=True)
class Member:
    """One person as the directory will hold them, in our terms (unit code, role name, manager's object id)."""

    aad: str
    email: str
    name: str
    upn: str | None
    unit: str | None
    role: str | None
    manager_aad: str | None
    department: str | None = None  # only for naming a unit made from a department


@dataclass
class SyncResult:
    mode: str  # "full" or "delta"
    users_read: int = 0
    skipped: list[str] = field(default_factory=list)  # "<object id>: reason"
    import_report: ImportReport | None = None
    delta_link: str | None = None
    throttled: int = 0

    def lines(self) -> list[str]:
        head = [f"Graph {self.mode} sync: {self.users_read} user records read, {len(self.skipped)} skipped, "
                f"{self.throttled} throttled answers waited out"]
        head += [f"  skipped {reason}" for reason in self.skipped[:50]]
        if len(self.skipped) > 50:
            head.append(f"  … and {len(self.skipped) - 50} more skipped")
        return head + (self.import_report.lines() if self.import_report else [])

    @property
    def ok(self) -> bool:
        return self.import_report is not None and self.import_report.ok


# ---- the source of an organisation -----------------------------------------------------------------------

def source_of(session: Session, organisation_id: int) -> DirectorySource:
    return session.get(DirectorySource, organisation_id) or DirectorySource(organisation_id=organisation_id)


def use_graph(session: Session, *, organisation: Organisation, rule: SyncRule, nightly: bool,
              install_app: bool) -> DirectorySource:
    source = session.get(DirectorySource, organisation.id) or DirectorySource(organisation_id=organisation.id)
    if source.kind != SourceKind.GRAPH or source.rule != rule.as_json():
        source.delta_link = None  # a new scope needs a full read
    source.kind, source.rule, source.nightly, source.install_app = SourceKind.GRAPH, rule.as_json(), nightly, install_app
    session.add(source)
    session.flush()
    return source


def use_file(session: Session, *, organisation: Organisation) -> DirectorySource:
    source = session.get(DirectorySource, organisation.id) or DirectorySource(organisation_id=organisation.id)
    source.kind, source.delta_link, source.nightly = SourceKind.FILE, None, False
    session.add(source)
    session.flush()
    return source


def check_file_import_allowed(session: Session, organisation: Organisation) -> None:
    if source_of(session, organisation.id).kind == SourceKind.GRAPH:
        raise SourceConflict(f"{organisation.key} takes its directory from Microsoft Graph (python -m bot directory "
                             f"sync); switch with `python -m bot directory source --org {organisation.key} file` "
                             f"before importing a file")


def graph_organisations(session: Session, *, nightly_only: bool = False) -> list[Organisation]:
    query = select(Organisation).join(DirectorySource, DirectorySource.organisation_id == Organisation.id).where(
        DirectorySource.kind == SourceKind.GRAPH)
    if nightly_only:
        query = query.where(DirectorySource.nightly)
    return list(session.exec(query.order_by(Organisation.key)))


# ---- from Graph's JSON to members --------------------------------------------------------------------------

def member_from_graph(user: Mapping[str, Any], rule: SyncRule, previous: Member | None = None) -> Member | None:
    """The member a (full or delta) user record describes; None when it carries no usable address."""
    def value(key: str, old: str | None) -> str | None:
        return (user.get(key) or None) if key in user else old

    email = (value("mail", previous.email if previous else None) or "").strip().lower()
    upn = (value("userPrincipalName", previous.upn if previous else None) or "").strip().lower() or None
    email = email or upn or ""
    if not email:
        return None
    department = _shared(value("department", previous.department if previous else None))
    unit = _shared(rule.unit_for(department)) if "department" in user else (previous.unit if previous else None)
    role = _shared(rule.role_for(user.get("jobTitle"))) if "jobTitle" in user else (previous.role if previous
                                                                                    else None)
    if "manager@delta" in user:
        managers = [m for m in user["manager@delta"] or [] if "@removed" not in m]
        manager = managers[0]["id"].lower() if managers else None
    else:
        manager = previous.manager_aad if previous else None
    name = value("displayName", previous.name if previous else None) or email
    return Member(aad=str(user["id"]).lower(), email=email, name=name.strip(), upn=upn, unit=unit, role=role,
                  manager_aad=manager, department=department)


def _shared(text: str | None) -> str | None:
    # Thousands share a department or job title: one string each instead of one per person (a city-wide
    # full sync holds every member at once).
    return sys.intern(text) if text else text


def leaves(user: Mapping[str, Any], rule: SyncRule) -> bool:
    """Deleted, disabled, or moved out of the organisation's scope."""
    if "@removed" in user or user.get("accountEnabled") is False:
        return True
    scoped = {key: user[key] for key in ("companyName", "department") if key in user}
    return bool(scoped) and not rule.in_scope(scoped)


def current_members(session: Session, organisation_id: int, aad_ids: Iterable[str]) -> dict[str, Member]:
    """The active directory entries with these object ids, as members: where a delta starts from."""
    manager = aliased(DirectoryEntry)
    wanted = sorted({aad.lower() for aad in aad_ids})
    members: dict[str, Member] = {}
    for start in range(0, len(wanted), 1000):
        rows = session.exec(
            select(DirectoryEntry.aad_object_id, DirectoryEntry.email, DirectoryEntry.name, DirectoryEntry.upn,
                   Unit.code, DirectoryRole.name, manager.aad_object_id)
            .outerjoin(Unit, Unit.id == DirectoryEntry.unit_id)
            .outerjoin(DirectoryRole, DirectoryRole.id == DirectoryEntry.role_id)
            .outerjoin(manager, manager.id == DirectoryEntry.manager_entry_id)
            .where(DirectoryEntry.organisation_id == organisation_id, DirectoryEntry.active,
                   DirectoryEntry.aad_object_id.in_(wanted[start:start + 1000])))
        members.update({aad.lower(): Member(aad.lower(), email, name, upn, unit, role, (boss or "").lower() or None)
                        for aad, email, name, upn, unit, role, boss in rows})
    return members


def emails_of(session: Session, organisation_id: int, aad_ids: Iterable[str]) -> dict[str, str]:
    """Object id -> e-mail of active entries: the managers a delta names without changing them."""
    wanted = sorted(set(aad_ids))
    found: dict[str, str] = {}
    for start in range(0, len(wanted), 1000):
        found.update((aad.lower(), email) for aad, email in session.exec(
            select(DirectoryEntry.aad_object_id, DirectoryEntry.email).where(
                DirectoryEntry.organisation_id == organisation_id, DirectoryEntry.active,
                DirectoryEntry.aad_object_id.in_(wanted[start:start + 1000]))))
    return found


def merge_page(members: dict[str, Member], users: Iterable[Mapping[str, Any]], rule: SyncRule,
               result: SyncResult) -> set[str]:
    """Applies one page of user records to `members` in place; returns the object ids that left."""
    left = set()
    for user in users:
        result.users_read += 1
        aad = str(user.get("id", "")).lower()
        if not aad:
            continue
        if leaves(user, rule) or (result.mode == "full" and not rule.in_scope(user)):
            members.pop(aad, None)
            left.add(aad)
            continue
        member = member_from_graph(user, rule, members.get(aad))
        if member is None:
            result.skipped.append(f"{aad}: no e-mail address or user principal name")
            members.pop(aad, None)
            continue
        members[aad] = member
    return left


# ---- members into the directory -----------------------------------------------------------------------------

def import_members(session: Session, *, organisation: Organisation, members: dict[str, Member], rule: SyncRule,
                   result: SyncResult, now: datetime, dry_run: bool, leavers: list[str] | None = None,
                   manager_emails: Mapping[str, str] | None = None) -> ImportReport:
    """Imports the members as the CSV import would: all checks first, then all or nothing, with its report.

    Consumes `members` (emptied once rows are built, to keep a city-wide sync small). With `leavers` (a delta)
    the members are only those who changed, their managers may be in `manager_emails`, and the leavers' e-mails
    are deactivated; nobody else is touched.
    """
    by_email: dict[str, Member] = {}
    for member in sorted(members.values(), key=lambda m: m.aad):
        if member.email in by_email:
            result.skipped.append(f"{member.aad}: e-mail {member.email} already used by {by_email[member.email].aad}")
            continue
        by_email[member.email] = member
    members.clear()
    email_of = dict(manager_emails or {}) | {m.aad: m.email for m in by_email.values()}
    rows = []
    for number, member in enumerate(by_email.values(), start=2):
        manager = email_of.get(member.manager_aad) if member.manager_aad else None
        if member.manager_aad and manager is None:
            result.skipped.append(f"{member.aad}: manager {member.manager_aad} is outside the organisation's scope; "
                                  f"imported without a manager")
        rows.append((number, {"email": member.email, "name": member.name, "upn": member.upn or "",
                              "unit": member.unit or "", "role": member.role or "", "manager": manager or "",
                              "aad_object_id": member.aad}))
    units = _units_table(session, organisation, by_email.values(), rule)
    del by_email, email_of
    report = import_directory(session, organisation_key=organisation.key,
                              people=Table("Microsoft Graph", _PEOPLE_COLUMNS, tuple(rows)), units=units, now=now,
                              dry_run=dry_run, leavers=leavers)
    result.import_report = report
    return report


def _units_table(session: Session, organisation: Organisation, members: Iterable[Member], rule: SyncRule
                 ) -> Table | None:
    """The organisation's units plus one per department that has none yet; None when nothing is new."""
    units = list(session.exec(select(Unit).where(Unit.organisation_id == organisation.id)))
    code_of = {unit.id: unit.code for unit in units}
    known = {unit.code for unit in units if unit.active}
    new = {}
    for member in members:
        if member.unit and member.unit not in known and member.unit not in new:
            new[member.unit] = member.department or member.unit
    if not new:
        return None
    rows = [(n, {"code": unit.code, "name": unit.name, "parent": code_of.get(unit.parent_id, "")})
            for n, unit in enumerate((u for u in units if u.active), start=2)]
    parent = rule.root_unit if rule.root_unit in known else ""
    rows += [(len(rows) + n, {"code": code, "name": name, "parent": parent})
             for n, (code, name) in enumerate(sorted(new.items()), start=2)]
    return Table("Microsoft Graph units", ("code", "name", "parent"), tuple(rows))


def finish_sync(session: Session, *, organisation: Organisation, result: SyncResult, now: datetime) -> None:
    """Remembers where the next delta starts, only after an import that went through."""
    source = source_of(session, organisation.id)
    source.delta_link = result.delta_link
    source.last_synced_at = now
    report = result.import_report
    source.last_summary = (f"{result.mode}: {len(report.created)} new, {len(report.updated)} changed, "
                           f"{len(report.deactivated)} left, {len(result.skipped)} skipped")[:500]
    session.add(source)


def organisation_or_fail(session: Session, key: str) -> Organisation:
    organisation = session.exec(select(Organisation).where(Organisation.key == key)).first()
    if organisation is None:
        raise UnknownOrganisation(f"no organisation with key {key!r}; create it with "
                                  f"`python -m bot organisation {key} NAME`")
    return organisation


# ---- installing the app for people who do not have it ---------------------------------------------------------

def people_without_the_app(session: Session, organisation_id: int, *, limit: int, after_entry_id: int = 0
                           ) -> list[tuple[int, str]]:
    """(entry id, object id) of active people with an object id whom the bot cannot reach yet: no chat with
    the bot, and no installation done, already there, or blocked by policy (a failed one is tried again)."""
    done = select(AppInstallation.entry_id).where(AppInstallation.outcome.in_(
        [InstallOutcome.INSTALLED, InstallOutcome.ALREADY, InstallOutcome.BLOCKED]))
    reachable = select(Person.id).where(Person.conversation_reference.is_not(None))
    query = (select(DirectoryEntry.id, DirectoryEntry.aad_object_id)
             .where(DirectoryEntry.organisation_id == organisation_id, DirectoryEntry.active,
                    DirectoryEntry.aad_object_id.is_not(None), DirectoryEntry.id.not_in(done),
                    DirectoryEntry.id > after_entry_id,
                    or_(DirectoryEntry.person_id.is_(None), DirectoryEntry.person_id.not_in(reachable)))
             .order_by(DirectoryEntry.id).limit(limit))
    return [(entry_id, aad) for entry_id, aad in session.exec(query)]


def record_installation(session: Session, *, entry_id: int, outcome: str, now: datetime, detail: str | None = None
                        ) -> None:
    row = session.get(AppInstallation, entry_id) or AppInstallation(entry_id=entry_id, outcome=outcome,
                                                                     attempted_at=now)
    row.outcome, row.attempted_at, row.detail = outcome, now, (detail or None) and detail[:200]
    session.add(row)


def installation_summary(session: Session, organisation_id: int) -> dict[str, int]:
    """How many people of the organisation have each outcome, for the admins' summary."""
    rows = session.exec(select(AppInstallation.outcome, func.count()).join(
        DirectoryEntry, DirectoryEntry.id == AppInstallation.entry_id).where(
        DirectoryEntry.organisation_id == organisation_id).group_by(AppInstallation.outcome))
    return {outcome: count for outcome, count in rows}
