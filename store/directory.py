"""The directory as the dialogs need it: who a Teams person is in HR's eyes, their manager and reports,
who may review whose plan, coordinators and admins, stand-ins, and reaching someone who never wrote."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, bindparam, exists, func, or_
from sqlalchemy.orm import defer
from sqlmodel import Session, select

from store import audit
from store.models.core import Person, utcnow
from store.models.directory import (
    AssignmentKind, DirectoryEntry, DirectoryRole, Organisation, OrganisationAssignment, StandIn, Unit,
)

log = logging.getLogger(__name__)


class DirectoryError(ValueError):
    """A directory change that cannot be made; the message names who and why."""


# ---- organisations -----------------------------------------------------------------------------------------

def organisation_by_key(session: Session, key: str) -> Organisation | None:
    return session.exec(select(Organisation).where(Organisation.key == key)).first()


def save_organisation(session: Session, *, key: str, name: str | None = None, tenant_id: str | None = None,
                      reference_group: bool | None = None, contact: str | None = None
                      ) -> tuple[Organisation, bool]:
    """Creates the organisation with this key, or updates what is given (None keeps the stored value);
    True when it was created."""
    organisation = organisation_by_key(session, key)
    created = organisation is None
    if organisation is None:
        if not name:
            raise DirectoryError(f"a new organisation needs a name: {key}")
        organisation = Organisation(key=key, name=name)
        session.add(organisation)
    for field, value in (("name", name), ("tenant_id", tenant_id), ("reference_group", reference_group),
                         ("contact", contact)):
        if value is not None:
            setattr(organisation, field, value if value != "" else None)
    session.flush()
    return organisation, created


def _tenant_organisations(tenant_id: str):
    """Organisations whose people sign in with this tenant (or that did not say which tenant)."""
    return select(Organisation.id).where(or_(Organisation.tenant_id == tenant_id, Organisation.tenant_id.is_(None)))


# ---- linking a Teams person to their entry -----------------------------------------------------------------

def remember_contact_details(session: Session, person: Person, *, email: str | None, upn: str | None) -> None:
    """Keeps the e-mail (or UPN) from Teams' member lookup on the person, so the lookup happens once,
    and links the person to their directory entry by either address."""
    addresses = tuple(dict.fromkeys(a.strip().lower() for a in (email, upn) if a and a.strip()))
    if not addresses:
        return
    if person.email != addresses[0]:
        person.email = addresses[0]
        session.flush()
    link_entry(session, person, extra_addresses=addresses[1:])


def needs_member_lookup(session: Session, *, tenant_id: str, teams_user_id: str, aad_object_id: str | None) -> bool:
    """True when Teams should be asked for this person's e-mail: unknown to us, or known without one."""
    query = select(Person.email).where(Person.tenant_id == tenant_id)
    query = query.where(Person.aad_object_id == aad_object_id) if aad_object_id else \
        query.where(Person.teams_user_id == teams_user_id)
    row = session.exec(query).first()
    return not row


def entry_for_person(session: Session, person: Person) -> DirectoryEntry | None:
    """The person's active directory entry; links it first (by AAD object id, then e-mail/UPN) if needed.

    One query whether linked or not, since the menu asks on every turn.
    """
    return link_entry(session, person)


def link_entry(session: Session, person: Person, *, extra_addresses: tuple[str, ...] = ()) -> DirectoryEntry | None:
    """The entry linked to the person, else their unlinked active entry in their tenant's organisations, which
    is then linked. A person whose entry was deactivated moves to a new active entry (changed organisation)."""
    if person.id is None:
        return None
    aad = (person.aad_object_id or "").lower() or None
    addresses = tuple(dict.fromkeys(a for a in ((person.email or "").lower(), *extra_addresses) if a))
    matches = []
    if aad:
        matches.append(DirectoryEntry.aad_object_id == aad)
    if addresses:
        matches += [DirectoryEntry.email.in_(addresses), DirectoryEntry.upn.in_(addresses)]
    conditions = [DirectoryEntry.person_id == person.id]
    if matches:
        conditions.append(and_(DirectoryEntry.person_id.is_(None), DirectoryEntry.active,
                               DirectoryEntry.organisation_id.in_(_tenant_organisations(person.tenant_id)),
                               or_(*matches)))
    rows = list(session.exec(select(DirectoryEntry).where(or_(*conditions)).order_by(DirectoryEntry.id)))
    linked = next((row for row in rows if row.person_id == person.id), None)
    if linked is not None and linked.active:
        return linked
    candidates = [row for row in rows if row.person_id is None]
    entry = next((row for row in candidates if aad and row.aad_object_id == aad), None) or \
        next(iter(candidates), None)
    if entry is None:
        return None
    if linked is not None:
        linked.person_id = None  # left one organisation, joined another: the link moves with them
        session.flush()
    by = "aad_object_id" if aad and entry.aad_object_id == aad else "email"
    entry.person_id = person.id
    if not entry.aad_object_id and aad:
        entry.aad_object_id = aad
    if not person.email:
        person.email = entry.email
    session.flush()
    sync_person_role(session, entry)
    audit.record(session, actor_person_id=person.id, action="directory.linked", subject_type="directory_entry",
                 subject_id=entry.id, details={"by": by})
    log.info("linked person %s to directory entry %s", person.id, entry.id)
    return entry


_LINK_BATCH = 500


def link_known_people(session: Session, organisation: Organisation) -> list[DirectoryEntry]:
    """Links the organisation's active, unlinked entries to people who already use the bot: by AAD object id,
    else by an e-mail or UPN the bot has on record for them (Teams' member lookup). The import runs this, so a
    manager sees the real status of reports who wrote to the bot before the directory knew them, without
    waiting for their next message. People linked to an active entry elsewhere are left alone; returns the
    entries linked. A few queries per 500 entries, whatever the directory's size."""
    # Only entries someone could match: a city-wide directory of people who never wrote stays in the database.
    known_aad = select(Person.id).where(func.lower(Person.aad_object_id) == DirectoryEntry.aad_object_id)
    known_address = select(Person.id).where(or_(Person.email == DirectoryEntry.email,
                                                 Person.email == DirectoryEntry.upn))
    unlinked = list(session.exec(
        select(DirectoryEntry).where(DirectoryEntry.organisation_id == organisation.id, DirectoryEntry.active,
                                     DirectoryEntry.person_id.is_(None),
                                     or_(known_aad.exists(), known_address.exists())).order_by(DirectoryEntry.id)))
    linked_elsewhere = select(DirectoryEntry.person_id).where(DirectoryEntry.person_id.is_not(None),
                                                              DirectoryEntry.active)
    linked: list[DirectoryEntry] = []
    taken: set[int] = set()
    for start in range(0, len(unlinked), _LINK_BATCH):
        batch = unlinked[start:start + _LINK_BATCH]
        aads = {entry.aad_object_id for entry in batch if entry.aad_object_id}
        addresses = {a for entry in batch for a in (entry.email, entry.upn) if a}
        matches = [Person.email.in_(addresses)] + ([func.lower(Person.aad_object_id).in_(aads)] if aads else [])
        query = select(Person).where(or_(*matches), Person.id.not_in(linked_elsewhere))
        if organisation.tenant_id:
            query = query.where(Person.tenant_id == organisation.tenant_id)
        people = list(session.exec(query.order_by(Person.id)))
        by_aad = {(p.aad_object_id or "").lower(): p for p in people if p.aad_object_id}
        by_address = {p.email: p for p in people if p.email}
        for entry in batch:
            person, by = by_aad.get(entry.aad_object_id or ""), "aad_object_id"
            if person is None:
                person = by_address.get(entry.email) or by_address.get(entry.upn or "")
                by = "email"
            if person is None or person.id in taken:
                continue
            taken.add(person.id)
            # One entry per person: a link to an entry that is no longer active (someone who left) moves here.
            for old in session.exec(select(DirectoryEntry).where(DirectoryEntry.person_id == person.id)):
                old.person_id = None
            session.flush()
            entry.person_id = person.id
            if not entry.aad_object_id and person.aad_object_id:
                entry.aad_object_id = person.aad_object_id.lower()
            if not person.email:
                person.email = entry.email
            session.flush()
            sync_person_role(session, entry)
            audit.record(session, actor_person_id=None, action="directory.linked", subject_type="directory_entry",
                         subject_id=entry.id, details={"by": by, "at": "import"})
            linked.append(entry)
    if linked:
        log.info("linked %s people who already use the bot to their new directory entries", len(linked))
    return linked


def sync_person_role(session: Session, entry: DirectoryEntry) -> None:
    """The directory's role sets the person's role profile (targets) when a profile has the same key."""
    if entry.person_id is None or entry.role_id is None:
        return
    from store.models.assessment import RoleProfile
    from store.targets import ROLE_SOURCE_DIRECTORY, set_person_role

    key = session.exec(select(DirectoryRole.key).where(DirectoryRole.id == entry.role_id)).first()
    if key and session.exec(select(RoleProfile.id).where(RoleProfile.key == key)).first() is not None:
        set_person_role(session, person_id=entry.person_id, role_key=key, source=ROLE_SOURCE_DIRECTORY)


def person_for_entry(session: Session, entry: DirectoryEntry, *, tenant_id: str) -> Person | None:
    """The Teams person behind an entry, created from the entry when they never wrote (needs an AAD object id).

    Teams creates a 1:1 chat by AAD object id; without one we cannot reach them until they write to us.
    """
    if entry.person_id is not None:
        return session.get(Person, entry.person_id)
    organisation = session.get(Organisation, entry.organisation_id)
    tenant = (organisation.tenant_id if organisation else None) or tenant_id
    if entry.aad_object_id:
        person = session.exec(select(Person).where(Person.tenant_id == tenant,
                                                   func.lower(Person.aad_object_id) == entry.aad_object_id)).first()
        if person is None:
            person = Person(tenant_id=tenant, aad_object_id=entry.aad_object_id, name=entry.name, email=entry.email)
            session.add(person)
            session.flush()
        entry.person_id = person.id
        session.flush()
        sync_person_role(session, entry)
        return person
    return None


# ---- managers, reports, reviewers --------------------------------------------------------------------------

def manager_of(session: Session, entry: DirectoryEntry) -> DirectoryEntry | None:
    """The entry's manager if they are still active."""
    if entry.manager_entry_id is None:
        return None
    manager = session.get(DirectoryEntry, entry.manager_entry_id)
    return manager if manager is not None and manager.active else None


def _active_stand_in_for(now: datetime):
    return (select(StandIn.manager_entry_id)
            .where(StandIn.starts_at <= now, or_(StandIn.ends_at.is_(None), StandIn.ends_at > now)))


def managers_stood_in_for(session: Session, entry: DirectoryEntry, *, now: datetime) -> list[int]:
    return list(session.exec(_active_stand_in_for(now).where(StandIn.stand_in_entry_id == entry.id)))


def stand_ins_for(session: Session, manager: DirectoryEntry, *, now: datetime) -> list[DirectoryEntry]:
    ids = list(session.exec(
        select(StandIn.stand_in_entry_id)
        .where(StandIn.manager_entry_id == manager.id, StandIn.starts_at <= now,
               or_(StandIn.ends_at.is_(None), StandIn.ends_at > now))))
    if not ids:
        return []
    return list(session.exec(select(DirectoryEntry).where(DirectoryEntry.id.in_(ids), DirectoryEntry.active)))


def reports_of(session: Session, manager: DirectoryEntry, *, now: datetime) -> list[DirectoryEntry]:
    """Active people whose manager is `manager`, or whose manager `manager` currently stands in for; by name."""
    managed = [manager.id, *managers_stood_in_for(session, manager, now=now)]
    return list(session.exec(
        select(DirectoryEntry)
        .where(DirectoryEntry.manager_entry_id.in_(managed), DirectoryEntry.active, DirectoryEntry.id != manager.id)
        .order_by(DirectoryEntry.name, DirectoryEntry.id)))


def is_manager(session: Session, entry: DirectoryEntry, *, now: datetime) -> bool:
    has_reports = session.exec(
        select(DirectoryEntry.id).where(DirectoryEntry.manager_entry_id == entry.id, DirectoryEntry.active).limit(1)
    ).first() is not None
    return has_reports or bool(managers_stood_in_for(session, entry, now=now))


@dataclass(frozen=True)
class ReviewRight:
    allowed: bool
    as_stand_in: bool = False
    reason: str = ""


def review_right(session: Session, *, reviewer: DirectoryEntry | None, employee: DirectoryEntry | None,
                 now: datetime) -> ReviewRight:
    """Whether `reviewer` may review and approve `employee`'s plan: their active manager or a current stand-in."""
    if reviewer is None or not reviewer.active:
        return ReviewRight(False, reason="the reviewer has no active directory entry")
    if employee is None or not employee.active:
        return ReviewRight(False, reason="the employee has no active directory entry")
    if reviewer.id == employee.id:
        return ReviewRight(False, reason="nobody reviews their own plan")
    if employee.manager_entry_id is None:
        return ReviewRight(False, reason="the employee has no manager in the directory")
    if reviewer.id == employee.manager_entry_id:
        return ReviewRight(True)
    if employee.manager_entry_id in managers_stood_in_for(session, reviewer, now=now):
        return ReviewRight(True, as_stand_in=True)
    return ReviewRight(False, reason=f"entry {reviewer.id} is neither the manager nor a stand-in of entry "
                                     f"{employee.id}")


def reviewers_of(session: Session, employee: DirectoryEntry, *, now: datetime) -> list[DirectoryEntry]:
    """Who is told when the employee sends a plan: the active manager, and any current stand-in."""
    return reviewers_of_many(session, [employee], now=now)[employee.id]


def reviewers_of_many(session: Session, employees: Sequence[DirectoryEntry], *, now: datetime
                      ) -> dict[int, list[DirectoryEntry]]:
    """`reviewers_of` each employee (by entry id), in two queries: the managers, and their current active
    stand-ins (by entry id). An inactive manager is no reviewer, but their stand-ins are."""
    managers = entries_by_id(session, [e.manager_entry_id for e in employees if e.manager_entry_id is not None])
    stand_ins: dict[int, list[DirectoryEntry]] = {manager_id: [] for manager_id in managers}
    if managers:
        for manager_id, entry in session.exec(
                select(StandIn.manager_entry_id, DirectoryEntry)
                .join(DirectoryEntry, DirectoryEntry.id == StandIn.stand_in_entry_id)
                .where(StandIn.manager_entry_id.in_(list(managers)), StandIn.starts_at <= now,
                       or_(StandIn.ends_at.is_(None), StandIn.ends_at > now), DirectoryEntry.active)
                .order_by(StandIn.manager_entry_id, DirectoryEntry.id)):
            if entry not in stand_ins[manager_id]:  # two overlapping stand-in periods: one reviewer
                stand_ins[manager_id].append(entry)
    reviewers: dict[int, list[DirectoryEntry]] = {}
    for employee in employees:
        found = []
        manager = managers.get(employee.manager_entry_id) if employee.manager_entry_id is not None else None
        if manager is not None:
            if manager.active:
                found.append(manager)
            found += [s for s in stand_ins[manager.id] if s.id != employee.id]
        reviewers[employee.id] = found
    return reviewers


# ---- coordinators, admins, stand-ins -----------------------------------------------------------------------

def has_assignment(session: Session, entry: DirectoryEntry, kind: str) -> bool:
    return session.exec(
        select(OrganisationAssignment.id)
        .where(OrganisationAssignment.entry_id == entry.id, OrganisationAssignment.kind == kind,
               OrganisationAssignment.organisation_id == entry.organisation_id)
    ).first() is not None


def is_coordinator(session: Session, entry: DirectoryEntry) -> bool:
    return entry.active and has_assignment(session, entry, AssignmentKind.COORDINATOR)


_LINKED_COORDINATING = select(DirectoryEntry, exists().where(
    OrganisationAssignment.entry_id == DirectoryEntry.id, OrganisationAssignment.kind == AssignmentKind.COORDINATOR,
    OrganisationAssignment.organisation_id == DirectoryEntry.organisation_id)).where(
    DirectoryEntry.person_id == bindparam("person_id"))


def entry_and_coordination(session: Session, person: Person) -> tuple[DirectoryEntry | None, bool]:
    """entry_for_person and is_coordinator: one statement for someone linked to an active entry (the coordinator
    composing a broadcast); anyone else the two steps as before (linking first)."""
    if person.id is not None:
        found = session.exec(_LINKED_COORDINATING, params={"person_id": person.id}).first()
        if found is not None and found[0].active:
            return found[0], bool(found[1])
    entry = entry_for_person(session, person)
    return entry, entry is not None and is_coordinator(session, entry)


def entry_by_email(session: Session, organisation: Organisation, email: str) -> DirectoryEntry | None:
    return session.exec(select(DirectoryEntry).where(DirectoryEntry.organisation_id == organisation.id,
                                                     DirectoryEntry.email == email.strip().lower())).first()


def assign(session: Session, *, organisation: Organisation, email: str, kind: str, now: datetime | None = None,
           actor_person_id: int | None = None) -> bool:
    """Makes the person coordinator or admin of the organisation; False if they already were."""
    if kind not in set(AssignmentKind):
        raise DirectoryError(f"unknown assignment {kind!r}; use one of {', '.join(AssignmentKind)}")
    entry = _active_entry(session, organisation, email)
    if has_assignment(session, entry, kind):
        return False
    session.add(OrganisationAssignment(organisation_id=organisation.id, entry_id=entry.id, kind=kind,
                                       assigned_at=now or utcnow()))
    audit.record(session, actor_person_id=actor_person_id, action=f"directory.assigned_{kind}",
                 subject_type="directory_entry", subject_id=entry.id, details={"organisation": organisation.key})
    session.flush()
    return True


def assign_stand_in(session: Session, *, organisation: Organisation, manager_email: str, stand_in_email: str,
                    admin_email: str, starts_at: datetime, ends_at: datetime | None) -> StandIn:
    """An admin makes someone stand in for a manager: they may review that manager's reports' plans."""
    admin = _active_entry(session, organisation, admin_email)
    if not has_assignment(session, admin, AssignmentKind.ADMIN):
        raise DirectoryError(f"{admin.email} is not an admin of {organisation.key}; only admins assign stand-ins")
    manager = entry_by_email(session, organisation, manager_email)
    if manager is None:
        raise DirectoryError(f"manager {manager_email} is not in the directory of {organisation.key}")
    stand_in = _active_entry(session, organisation, stand_in_email)
    if stand_in.id == manager.id:
        raise DirectoryError("a manager cannot stand in for themself")
    if ends_at is not None and ends_at <= starts_at:
        raise DirectoryError("the stand-in period must end after it starts")
    row = StandIn(manager_entry_id=manager.id, stand_in_entry_id=stand_in.id, assigned_by_entry_id=admin.id,
                  starts_at=starts_at, ends_at=ends_at)
    session.add(row)
    session.flush()
    audit.record(session, actor_person_id=admin.person_id, action="directory.stand_in_assigned",
                 subject_type="directory_entry", subject_id=manager.id,
                 details={"stand_in": stand_in.email, "by": admin.email, "starts_at": starts_at.isoformat(),
                          "ends_at": ends_at.isoformat() if ends_at else None})
    return row


def _active_entry(session: Session, organisation: Organisation, email: str) -> DirectoryEntry:
    entry = entry_by_email(session, organisation, email)
    if entry is None or not entry.active:
        raise DirectoryError(f"{email} is not an active person in the directory of {organisation.key}")
    return entry


@dataclass(frozen=True)
class Contact:
    name: str
    email: str | None


def contacts_for_tenant(session: Session, tenant_id: str, *, fallback: str | None) -> list[Contact]:
    """Whom someone outside the directory should ask: the coordinators, else the organisation's contact,
    else the deployment's contact from the settings."""
    coordinators = session.exec(
        select(DirectoryEntry.name, DirectoryEntry.email)
        .join(OrganisationAssignment, OrganisationAssignment.entry_id == DirectoryEntry.id)
        .where(OrganisationAssignment.kind == AssignmentKind.COORDINATOR, DirectoryEntry.active,
               OrganisationAssignment.organisation_id.in_(_tenant_organisations(tenant_id)))
        .order_by(DirectoryEntry.name).limit(3)).all()
    if coordinators:
        return [Contact(name, email) for name, email in coordinators]
    contacts = session.exec(select(Organisation.contact).where(Organisation.id.in_(_tenant_organisations(tenant_id)),
                                                               Organisation.contact.is_not(None))).all()
    if contacts:
        return [Contact(contact, None) for contact in contacts[:3]]
    return [Contact(fallback, None)] if fallback else []


# ---- small read helpers ------------------------------------------------------------------------------------

def unit_names(session: Session, entries: list[DirectoryEntry]) -> dict[int, str]:
    """Unit id -> name for the units of these entries, in one query."""
    ids = {entry.unit_id for entry in entries if entry.unit_id is not None}
    if not ids:
        return {}
    return dict(session.exec(select(Unit.id, Unit.name).where(Unit.id.in_(ids))).all())


def entry_for_person_id(session: Session, person_id: int) -> DirectoryEntry | None:
    return session.exec(select(DirectoryEntry).where(DirectoryEntry.person_id == person_id)).first()


def entries_for_person_ids(session: Session, person_ids: Iterable[int]) -> dict[int, DirectoryEntry]:
    """`entry_for_person_id` of many people in one query, by person id (people without an entry left out)."""
    ids = sorted(set(person_ids))
    if not ids:
        return {}
    return {entry.person_id: entry
            for entry in session.exec(select(DirectoryEntry).where(DirectoryEntry.person_id.in_(ids)))}


def entries_by_id(session: Session, entry_ids: Iterable[int]) -> dict[int, DirectoryEntry]:
    """Entries (active or not) by id, in one query; unknown ids are left out."""
    ids = sorted(set(entry_ids))
    if not ids:
        return {}
    return {entry.id: entry for entry in session.exec(select(DirectoryEntry).where(DirectoryEntry.id.in_(ids)))}


def persons_by_id(session: Session, person_ids: Iterable[int]) -> dict[int, Person]:
    """People by id in one query; their stored conversation references are left unread until asked for."""
    ids = sorted(set(person_ids))
    if not ids:
        return {}
    return {person.id: person for person in session.exec(
        select(Person).where(Person.id.in_(ids)).options(defer(Person.conversation_reference)))}
