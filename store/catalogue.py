"""The published catalogue as matching reads it, kept per process and checked against the database every turn.

"aktiviteter för mig" ranks the published catalogue for one person (store/matching.py). Walking the index in
SQL cost a statement per gap competence, and the person's needs six more (bench/activities.py). Here:

- the person's needs (latest assessment's levels, the plan, targets, role, organisation, what to leave out)
  and the catalogue's version are **one statement** (`needs_and_catalogue`);
- each process keeps a **copy** of the catalogue's matching facts and its (competence, level) index per
  database, tagged with the version it was read at, and ranks from it (`Catalogue.stream`, `facts_of`:
  the same answers as the SQL index walk in store/activities.py `ranked_page`);
- every transaction that inserts, changes or deletes an activity through the ORM raises the version of the
  `activity_catalogue` row **in the same transaction**, just before it commits (the hooks below): another
  instance on the same database reads the new version on its next turn and reads the catalogue again. No
  timer. The row is raised last, so a transaction holds its lock only while it commits (no deadlock with the
  activities' row locks). A writer that changes `activity` with a Core statement calls `catalogue_changed`.
- a transaction that has itself changed an activity ranks from the database (its change is not committed,
  so no copy has it).
"""

from __future__ import annotations

import json
import threading
import weakref
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, case, cast, event, literal_column, null, or_, select, union_all, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, object_session
from sqlalchemy.sql import bindparam

from store.activities import _EXCLUDING, _FACT_COLUMNS, SIGNED_PLAN_STATES, _facts, organisations_of
from store.matching import ActivityFacts, PersonNeeds, effective_levels
from store.models.activity import Activity, ActivityCompetence, ActivitySignup, ActivityStatus
from store.models.assessment import Assessment, AssessmentLevel, AssessmentStatus, PersonalTarget, PersonRole, RoleProfile, RoleTarget
from store.models.catalogue import CATALOGUE_ROW, ActivityCatalogue
from store.models.core import Person
from store.models.directory import DirectoryEntry, Organisation
from store.models.plan import Plan
from store.people import aware

_CHANGED = "kl.activity_catalogue_changed"

# ---- writers: the version goes up with every committed change to an activity -------------------------------

_RAISE = (update(ActivityCatalogue).where(ActivityCatalogue.id == CATALOGUE_ROW)
          .values(version=ActivityCatalogue.version + 1))


def catalogue_changed(session: Session) -> None:
    """The transaction changed the catalogue without the ORM (a Core statement on `activity`)."""
    session.info[_CHANGED] = True


def _mark(_mapper, _connection, target) -> None:
    session = object_session(target)
    if session is not None:
        session.info[_CHANGED] = True


for _name in ("after_insert", "after_update", "after_delete"):
    event.listen(Activity, _name, _mark)


def _activity_pending(session: Session) -> bool:
    return any(isinstance(item, Activity) for group in (session.new, session.dirty, session.deleted)
               for item in group)


def changed_in_transaction(session: Session) -> bool:
    return bool(session.info.get(_CHANGED)) or _activity_pending(session)


@event.listens_for(Session, "before_commit")
def _raise_version(session: Session) -> None:
    if not changed_in_transaction(session):
        return
    session.flush()  # the commit would flush next; flushed now, every change has marked the session
    if session.info.pop(_CHANGED, False):
        session.execute(_RAISE)


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended (committed or rolled back)
        session.info.pop(_CHANGED, None)


# ---- the copy --------------------------------------------------------------------------------------------

ROWS_KEPT = 2048  # activity rows a copy keeps for the cards (the ones proposed: a page each turn)


@dataclass(frozen=True)
class Catalogue:
    """The published catalogue's matching facts and index, as read at `version`; and the rows of the activities
    it has proposed (`rows_of`), read once: a copy is replaced, never changed, when the version moves on."""

    version: int
    facts: Mapping[int, ActivityFacts]
    self_paced: Mapping[tuple[str, int], tuple[int, ...]]  # activity ids, ascending
    dated: Mapping[tuple[str, int], tuple[tuple[float, int], ...]]  # (start as a timestamp, id), ascending
    rows: dict[int, Activity] = field(default_factory=dict, compare=False)

    def rows_of(self, session: Session, activity_ids: Sequence[int]) -> dict[int, Activity]:
        """The activities' rows for the cards: kept ones, the others read (and kept, detached from the turn's
        session: the cards only read them). Read-only for every caller."""
        missing = [activity_id for activity_id in activity_ids if activity_id not in self.rows]
        found = {activity_id: self.rows[activity_id] for activity_id in activity_ids if activity_id in self.rows}
        if missing:
            for activity in session.scalars(_ROWS, {"ids": missing}):
                session.expunge(activity)
                found[activity.id] = activity
                if len(self.rows) < ROWS_KEPT:
                    self.rows[activity.id] = activity
        return found

    @property
    def empty(self) -> bool:
        return not self.self_paced and not self.dated

    def stream(self, competence: str, level: int, now: datetime, read: int) -> list[tuple[int, str]]:
        """store/activities.py `_STREAM` from the copy: self-paced by id, then dated from now on by start."""
        rows = [(activity_id, competence) for activity_id in self.self_paced.get((competence, level), ())[:read]]
        if len(rows) < read:
            dated = self.dated.get((competence, level), ())
            first = bisect_right(dated, (now.timestamp(), float("inf")))
            rows += [(activity_id, competence) for _start, activity_id in dated[first:first + read - len(rows)]]
        return rows

    def facts_of(self, activity_ids: Iterable[int]) -> list[ActivityFacts]:
        return [self.facts[activity_id] for activity_id in activity_ids if activity_id in self.facts]


_ROWS = select(Activity).where(Activity.id.in_(bindparam("ids", expanding=True)))
_INDEX = select(ActivityCompetence.activity_id, ActivityCompetence.competence, ActivityCompetence.level,
                ActivityCompetence.self_paced, ActivityCompetence.starts_at)
_PUBLISHED_FACTS = select(*_FACT_COLUMNS).where(Activity.status == ActivityStatus.PUBLISHED)


def _read_catalogue(session: Session, version: int) -> Catalogue:
    facts = {row[0]: _facts(row) for row in session.execute(_PUBLISHED_FACTS)}
    self_paced: dict[tuple[str, int], list[int]] = {}
    dated: dict[tuple[str, int], list[tuple[float, int]]] = {}
    for activity_id, competence, level, is_self_paced, starts_at in session.execute(_INDEX):
        if is_self_paced:
            self_paced.setdefault((competence, level), []).append(activity_id)
        elif starts_at is not None:
            dated.setdefault((competence, level), []).append((aware(starts_at).timestamp(), activity_id))
    return Catalogue(version, facts, {key: tuple(sorted(ids)) for key, ids in self_paced.items()},
                     {key: tuple(sorted(rows)) for key, rows in dated.items()})


_COPIES: weakref.WeakKeyDictionary[Engine, Catalogue] = weakref.WeakKeyDictionary()
_READING = threading.Lock()


def catalogue_at(session: Session, version: int | None) -> Catalogue | None:
    """This process's copy of the catalogue, read again unless it was read at `version` (the database's, as
    the turn read it: any other number, higher or lower after a restore, means it changed); None when the
    transaction has changed an activity itself or the version row is missing."""
    if version is None or changed_in_transaction(session):
        return None
    engine = session.get_bind()
    copy = _COPIES.get(engine)
    if copy is not None and copy.version == version:
        return copy
    with _READING:  # one thread reads it; the others wait and take its copy
        copy = _COPIES.get(engine)
        if copy is None or copy.version != version:
            copy = _read_catalogue(session, version)
            _COPIES[engine] = copy
    return copy


_VERSION = select(ActivityCatalogue.version).where(ActivityCatalogue.id == CATALOGUE_ROW)


def current_catalogue(session: Session) -> Catalogue | None:
    """The copy, for a caller that has not read the version with the person's needs (one statement)."""
    if changed_in_transaction(session):
        return None
    return catalogue_at(session, session.execute(_VERSION).scalar())


# ---- the person's needs and the version, in one statement ------------------------------------------------

def _row(kind: str, key=None, number=None, text=None) -> list:
    return [literal_column(f"'{kind}'").label("kind"),
            (key if key is not None else cast(null(), String)).label("key"),
            (number if number is not None else cast(null(), Integer)).label("number"),
            (text if text is not None else cast(null(), String)).label("text")]


_PERSON = bindparam("person_id")
_LATEST_ASSESSMENT = (select(Assessment.id).where(Assessment.person_id == _PERSON,
                                                  Assessment.status == AssessmentStatus.FINISHED)
                      .order_by(Assessment.finished_at.desc(), Assessment.id.desc()).limit(1).scalar_subquery())
_LATEST_PLAN = (select(Plan.id).where(Plan.person_id == _PERSON).order_by(Plan.period.desc()).limit(1)
                .scalar_subquery())
_TENANT_ORGANISATIONS = or_(Organisation.tenant_id == bindparam("tenant_id"), Organisation.tenant_id.is_(None))
_NEEDS = union_all(
    select(*_row("assessed", number=_LATEST_ASSESSMENT)),
    select(*_row("level", AssessmentLevel.competence, AssessmentLevel.level))
    .where(AssessmentLevel.assessment_id == _LATEST_ASSESSMENT),
    select(*_row("plan", Plan.state, text=cast(Plan.priorities, String))).where(Plan.id == _LATEST_PLAN),
    select(*_row("role target", RoleTarget.competence, RoleTarget.target))
    .join(PersonRole, PersonRole.role_profile_id == RoleTarget.role_profile_id).where(PersonRole.person_id == _PERSON),
    select(*_row("personal target", PersonalTarget.competence, PersonalTarget.target))
    .where(PersonalTarget.person_id == _PERSON),
    select(*_row("role", RoleProfile.key)).join(PersonRole, PersonRole.role_profile_id == RoleProfile.id)
    .where(PersonRole.person_id == _PERSON),
    select(*_row("excluded", number=ActivitySignup.activity_id))
    .where(ActivitySignup.person_id == _PERSON, ActivitySignup.status.in_([str(s) for s in _EXCLUDING])),
    # The organisation: the linked active directory entry's; an entry that store/directory.py link_entry
    # would link now sends the turn down that path; else the tenant's organisations (organisations_of).
    select(*_row("entry", case((DirectoryEntry.active, "active"), else_="inactive"), DirectoryEntry.id,
                 cast(DirectoryEntry.organisation_id, String))).where(DirectoryEntry.person_id == _PERSON),
    select(*_row("to link", number=DirectoryEntry.id))
    .where(DirectoryEntry.person_id.is_(None), DirectoryEntry.active,
           DirectoryEntry.organisation_id.in_(select(Organisation.id).where(_TENANT_ORGANISATIONS)),
           or_(DirectoryEntry.aad_object_id == bindparam("aad"), DirectoryEntry.email == bindparam("email"),
               DirectoryEntry.upn == bindparam("email"))),
    select(*_row("tenant organisation", number=Organisation.id)).where(_TENANT_ORGANISATIONS),
    select(*_row("version", number=ActivityCatalogue.version)).where(ActivityCatalogue.id == CATALOGUE_ROW),
)


def needs_and_catalogue(session: Session, *, person: Person) -> tuple[PersonNeeds | None, Catalogue | None]:
    """What store/activities.py `person_needs` returns (None without a finished self-assessment), from one
    statement, and the catalogue copy matching ranks from (None: rank from the database)."""
    aad = (person.aad_object_id or "").lower() or None
    rows: dict[str, list[tuple[Any, Any, Any]]] = {}
    for kind, key, number, text in session.execute(_NEEDS, {"person_id": person.id, "tenant_id": person.tenant_id,
                                                            "aad": aad, "email": (person.email or "").lower() or None}):
        rows.setdefault(kind, []).append((key, number, text))
    version = rows["version"][0][1] if rows.get("version") else None
    if not rows.get("assessed") or rows["assessed"][0][1] is None:
        return None, catalogue_at(session, version)
    assessed: dict[str, int | None] = {key: number for key, number, _text in rows.get("level", ())}
    plan_state, priorities = None, []
    if rows.get("plan"):
        plan_state, _number, text = rows["plan"][0]
        priorities = _priorities(text)
    levels = effective_levels(assessed, priorities, plan_signed=plan_state in SIGNED_PLAN_STATES)
    targets = {key: number for key, number, _text in rows.get("role target", ())}
    targets.update({key: number for key, number, _text in rows.get("personal target", ())})
    role = rows["role"][0][0] if rows.get("role") else None
    linked = min(rows.get("entry", ()), key=lambda row: row[1], default=None)  # link_entry's choice: by id
    if linked is not None and linked[0] == "active":
        organisations = frozenset({int(linked[2])})
    elif rows.get("to link"):
        organisations = organisations_of(session, person)  # links the entry, as any other turn would
    else:
        organisations = frozenset(number for _key, number, _text in rows.get("tenant organisation", ()))
    needs = PersonNeeds(levels=levels, targets=targets, role=role, organisation_ids=organisations,
                        excluded=frozenset(number for _key, number, _text in rows.get("excluded", ())),
                        priorities=tuple(p["competence"] for p in priorities))
    return needs, catalogue_at(session, version)


def _priorities(text: str | None) -> Sequence[Mapping[str, Any]]:
    value = json.loads(text) if text else []
    return value if isinstance(value, list) else []
