"""Broadcasts in the database: the audience as one set-based query, the fan-out into the outbox in batches,
the delivery figures, cancelling what is unsent, the not-reachable list, and short-lived download tokens.

A broadcast is one outbox campaign (`broadcast:<id>`): the fan-out adds a batch with store.outbox.enqueue_many
(one statement per batch, one row per recipient, idempotent per campaign), the report reads
store.outbox.campaign_counts, and stopping is store.outbox.cancel_campaign.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import (
    Boolean, Integer, String, and_, bindparam, case, cast, exists, func, insert, literal, literal_column, null, or_,
    union_all, update,
)
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from store import outbox
from store.directory import sync_person_role
from store.models.activity import Activity, ActivityStatus
from store.models.assessment import (
    Assessment, AssessmentLevel, AssessmentStatus, PersonalTarget, PersonRole, RoleProfile, RoleTarget,
)
from store.models.broadcast import Broadcast, BroadcastStatus, BroadcastUnaddressable, DownloadToken
from store.models.core import Person
from store.models.directory import DirectoryEntry, DirectoryRole, Organisation, Unit
from store.models.outbox import OutboxMessage, OutboxStatus
from store.models.plan import Plan
from store.people import aware
from store.targets import ROLE_SOURCE_DIRECTORY

log = logging.getLogger(__name__)

CAMPAIGN_PREFIX = "broadcast:"


def campaign_of(broadcast_id: int) -> str:
    return f"{CAMPAIGN_PREFIX}{broadcast_id}"


# ---- what the compose card offers ---------------------------------------------------------------------------

@dataclass(frozen=True)
class UnitInfo:
    id: int
    name: str
    parent_id: int | None


def organisation_units(session: Session, *, organisation_id: int) -> list[UnitInfo]:
    """The organisation's active units, top of the tree first (by depth, then name): the card shows the top."""
    return _top_first(session.exec(select(Unit.id, Unit.name, Unit.parent_id)
                                   .where(Unit.organisation_id == organisation_id, Unit.active)).all())


def _top_first(rows: Sequence[tuple[int, str, int | None]]) -> list[UnitInfo]:
    parents = {unit_id: parent for unit_id, _, parent in rows}
    depths: dict[int, int] = {}

    def depth(unit_id: int, seen: frozenset[int] = frozenset()) -> int:
        if unit_id not in depths:
            parent = parents.get(unit_id)
            depths[unit_id] = 0 if parent is None or parent in seen else depth(parent, seen | {unit_id}) + 1
        return depths[unit_id]

    ordered = sorted(rows, key=lambda row: (depth(row[0]), row[1].lower(), row[0]))
    return [UnitInfo(unit_id, name, parent) for unit_id, name, parent in ordered]


def unit_tree(session: Session, *, organisation_id: int) -> dict[int, int | None]:
    """Unit id -> parent id for every unit of the organisation (inactive ones too: their people still count)."""
    return dict(session.exec(select(Unit.id, Unit.parent_id).where(Unit.organisation_id == organisation_id)).all())


class UnitRow(NamedTuple):  # a tuple: a table of 200 units is built on every preview
    name: str
    parent_id: int | None
    active: bool


_UNITS = select(Unit.id, Unit.name, Unit.parent_id, Unit.active).where(Unit.organisation_id == bindparam("org"))


def unit_table(session: Session, *, organisation_id: int) -> dict[int, UnitRow]:
    """Every unit of the organisation (inactive ones too), for a preview that needs both the chosen units'
    names (`active_names`) and the tree under them (`tree_of`): one statement instead of two."""
    return {row[0]: UnitRow(row[1], row[2], bool(row[3])) for row in session.execute(_UNITS, {"org": organisation_id})}


def active_names(units: dict[int, UnitRow], unit_ids: Iterable[int]) -> dict[int, str]:
    """unit_names from a unit_table."""
    return {unit_id: units[unit_id].name for unit_id in unit_ids if unit_id in units and units[unit_id].active}


def tree_of(units: dict[int, UnitRow]) -> dict[int, int | None]:
    """unit_tree from a unit_table."""
    return {unit_id: unit.parent_id for unit_id, unit in units.items()}


def unit_names(session: Session, *, organisation_id: int, unit_ids: list[int]) -> dict[int, str]:
    """Of these unit ids, the organisation's active units by name (an id that is not one is left out)."""
    if not unit_ids:
        return {}
    return dict(session.exec(select(Unit.id, Unit.name).where(Unit.organisation_id == organisation_id, Unit.active,
                                                             Unit.id.in_(unit_ids))).all())


def role_names(session: Session, *, organisation_id: int, role_ids: list[int]) -> dict[int, str]:
    if not role_ids:
        return {}
    return dict(session.exec(select(DirectoryRole.id, DirectoryRole.name).where(
        DirectoryRole.organisation_id == organisation_id, DirectoryRole.id.in_(role_ids))).all())


def organisation_roles(session: Session, *, organisation_id: int) -> list[tuple[int, str]]:
    return list(session.exec(select(DirectoryRole.id, DirectoryRole.name)
                             .where(DirectoryRole.organisation_id == organisation_id)
                             .order_by(DirectoryRole.name, DirectoryRole.id)).all())


@dataclass(frozen=True)
class ActivityChoice:
    id: int
    title_sv: str | None
    title_en: str | None
    key: str
    starts_at: datetime | None
    self_paced: bool


def activity_choices(session: Session, *, organisation_id: int, now: datetime, limit: int) -> list[ActivityChoice]:
    """The organisation's published activities that have not started, newest published first: what a
    coordinator may announce (the card lists at most `limit`)."""
    rows = session.exec(
        select(Activity.id, Activity.title_sv, Activity.title_en, Activity.key, Activity.starts_at,
               Activity.self_paced)
        .where(Activity.organisation_id == organisation_id, Activity.status == ActivityStatus.PUBLISHED,
               or_(Activity.self_paced, Activity.starts_at.is_(None), Activity.starts_at > now))
        .order_by(Activity.published_at.desc(), Activity.id.desc()).limit(limit)).all()
    return [ActivityChoice(*row) for row in rows]


@dataclass(frozen=True)
class RecentBroadcast:
    id: int
    content: dict[str, Any]
    created_at: datetime
    status: str


@dataclass(frozen=True)
class ComposeLists:
    """Everything the compose card lists, as organisation_units, organisation_roles, recent_broadcasts and
    activity_choices give it."""

    organisation_name: str | None
    units: list[UnitInfo]
    roles: list[tuple[int, str]]
    recent: list[RecentBroadcast]
    activities: list[ActivityChoice]


def _compose_lists_statement():
    """One statement for the compose card's five lists (they were five: bench/broadcast_turns.py). Each row is
    (kind, id, text, other text, key, number, moment, flag); an ordered list carries its rank in `number`, as
    the database's ORDER BY gave it (roles by name: the database's collation, as before)."""
    org = bindparam("org")

    def row(kind: str, id_, text=None, other=None, key=None, number=None, moment=None, flag=None):
        nothing = (String(), String(), String(), Integer(), Broadcast.__table__.c.created_at.type, Boolean())
        given = (text, other, key, number, moment, flag)
        return [literal_column(f"'{kind}'").label("kind"), id_.label("id")] + [
            (value if value is not None else cast(null(), kind_of)).label(name)
            for value, kind_of, name in zip(given, nothing, ("text", "other", "key", "number", "moment", "flag"))]

    roles = select(DirectoryRole.id, DirectoryRole.name, func.row_number().over(
        order_by=(DirectoryRole.name, DirectoryRole.id)).label("rank")).where(
        DirectoryRole.organisation_id == org).subquery()
    recent = select(Broadcast.id, cast(Broadcast.content, String).label("content"), Broadcast.created_at,
                    Broadcast.status, func.row_number().over(
                        order_by=(Broadcast.created_at.desc(), Broadcast.id.desc())).label("rank")).where(
        Broadcast.organisation_id == org).subquery()
    choices = select(Activity.id, Activity.title_sv, Activity.title_en, Activity.key, Activity.starts_at,
                     Activity.self_paced, func.row_number().over(
                         order_by=(Activity.published_at.desc(), Activity.id.desc())).label("rank")).where(
        Activity.organisation_id == org, Activity.status == ActivityStatus.PUBLISHED,
        or_(Activity.self_paced, Activity.starts_at.is_(None), Activity.starts_at > bindparam("now"))).subquery()
    return union_all(
        select(*row("organisation", Organisation.id, Organisation.name)).where(Organisation.id == org),
        select(*row("unit", Unit.id, Unit.name, number=Unit.parent_id)).where(Unit.organisation_id == org,
                                                                               Unit.active),
        select(*row("role", roles.c.id, roles.c.name, number=roles.c.rank)),
        select(*row("broadcast", recent.c.id, recent.c.status, recent.c.content, number=recent.c.rank,
                    moment=recent.c.created_at)).where(recent.c.rank <= bindparam("recent")),
        select(*row("activity", choices.c.id, choices.c.title_sv, choices.c.title_en, choices.c.key,
                    choices.c.rank, choices.c.starts_at, choices.c.self_paced))
        .where(choices.c.rank <= bindparam("activities")),
    )


_COMPOSE_LISTS = _compose_lists_statement()


def compose_lists(session: Session, *, organisation_id: int, now: datetime, recent: int, activities: int
                  ) -> ComposeLists:
    """What the compose card lists, in one statement: the organisation's name, its active units (top first),
    its roles, its `recent` latest broadcasts and up to `activities` activities it may announce."""
    rows: dict[str, list] = {}
    for row in session.execute(_COMPOSE_LISTS, {"org": organisation_id, "now": now, "recent": recent,
                                                "activities": activities}):
        rows.setdefault(row.kind, []).append(row)
    by_rank = lambda kind: sorted(rows.get(kind, ()), key=lambda row: row.number)  # noqa: E731
    return ComposeLists(
        organisation_name=rows["organisation"][0].text if rows.get("organisation") else None,
        units=_top_first([(row.id, row.text, row.number) for row in rows.get("unit", ())]),
        roles=[(row.id, row.text) for row in by_rank("role")],
        recent=[RecentBroadcast(row.id, json.loads(row.other), aware(row.moment), row.text)
                for row in by_rank("broadcast")],
        activities=[ActivityChoice(row.id, row.text, row.other, row.key, row.moment, bool(row.flag))
                    for row in by_rank("activity")])


# ---- the audience ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AudienceQuery:
    """The rule of dialogs/rules/audience.py with its pure parts worked out (sub-units, the year's start)."""

    organisation_id: int
    unit_ids: frozenset[int] | None = None  # None: the whole organisation
    role_ids: frozenset[int] | None = None  # None: every role
    condition: str = "none"  # none | gap | plan | not_assessed
    competences: tuple[str, ...] = ()
    min_gap: int = 1
    assessed_since: datetime | None = None  # for not_assessed


def _latest_finished(person_id_column):
    """Correlated: the person's latest finished assessment (no finished one after it)."""
    latest = aliased(Assessment, name="latest")
    newer = aliased(Assessment, name="newer")
    return latest, and_(
        latest.person_id == person_id_column, latest.status == AssessmentStatus.FINISHED,
        ~exists().where(newer.person_id == latest.person_id, newer.status == AssessmentStatus.FINISHED,
                        or_(newer.finished_at > latest.finished_at,
                            and_(newer.finished_at == latest.finished_at, newer.id > latest.id))))


def _people_with_gap(competences: tuple[str, ...], min_gap: int):
    """Person ids with target - level >= min_gap on a chosen competence: the rule of scoring.gaps in SQL
    (personal target over the role's; no level, or not relevant, counts as 0; needs a finished assessment)."""
    personal = aliased(PersonalTarget, name="personal")
    targets = union_all(
        select(PersonalTarget.person_id.label("person_id"), PersonalTarget.competence.label("competence"),
               PersonalTarget.target.label("target"))
        .where(PersonalTarget.competence.in_(competences)),
        select(PersonRole.person_id, RoleTarget.competence, RoleTarget.target)
        .join(RoleTarget, RoleTarget.role_profile_id == PersonRole.role_profile_id)
        .where(RoleTarget.competence.in_(competences),
               ~exists().where(personal.person_id == PersonRole.person_id,
                               personal.competence == RoleTarget.competence)),
    ).subquery("effective_target")
    latest, is_latest = _latest_finished(targets.c.person_id)
    return (select(targets.c.person_id)
            .join(latest, is_latest)
            .outerjoin(AssessmentLevel, and_(AssessmentLevel.assessment_id == latest.id,
                                             AssessmentLevel.competence == targets.c.competence))
            .where(targets.c.target - func.coalesce(AssessmentLevel.level, 0) >= min_gap))


def _plan_names_competence(session: Session, competences: tuple[str, ...]):
    """Correlated on DirectoryEntry.person_id: their latest plan lists a chosen competence among its priorities."""
    later = aliased(Plan, name="later_plan")
    if session.get_bind().dialect.name == "postgresql":
        element = func.json_array_elements(Plan.priorities).table_valued("value").render_derived(name="priority")
        named = element.c.value.op("->>")(literal("competence"))
    else:
        element = func.json_each(Plan.priorities).table_valued("value").alias("priority")
        named = func.json_extract(element.c.value, "$.competence")
    return (exists().select_from(Plan).where(
        Plan.person_id == DirectoryEntry.person_id,
        ~exists().where(later.person_id == Plan.person_id, later.period > Plan.period),
        exists().select_from(element).where(named.in_(competences))))


def _audience_filter(session: Session, query: AudienceQuery) -> list[Any]:
    conditions: list[Any] = [DirectoryEntry.organisation_id == query.organisation_id, DirectoryEntry.active]
    if query.unit_ids is not None:
        conditions.append(DirectoryEntry.unit_id.in_(sorted(query.unit_ids)))
    if query.role_ids is not None:
        conditions.append(DirectoryEntry.role_id.in_(sorted(query.role_ids)))
    if query.condition == "gap":
        # Materialised: computed once, then probed. Inlined, PostgreSQL ran it once per person whenever its
        # statistics were stale (right after a bulk import): 4 s instead of 40 ms for 2,000 people.
        gap = _people_with_gap(query.competences, query.min_gap).cte("gap_people").prefix_with("MATERIALIZED")
        conditions.append(DirectoryEntry.person_id.in_(select(gap.c.person_id)))
    elif query.condition == "plan":
        conditions.append(_plan_names_competence(session, query.competences))
    elif query.condition == "not_assessed":
        assert query.assessed_since is not None
        conditions.append(~exists().where(Assessment.person_id == DirectoryEntry.person_id,
                                          Assessment.status == AssessmentStatus.FINISHED,
                                          Assessment.finished_at >= query.assessed_since))
    elif query.condition != "none":
        raise ValueError(f"unknown audience condition {query.condition!r}")
    return conditions


def _unaddressable():
    """No chat kept and no AAD object id to open one: Teams cannot be asked to reach them."""
    return and_(DirectoryEntry.aad_object_id.is_(None),
                or_(DirectoryEntry.person_id.is_(None),
                    exists().where(Person.id == DirectoryEntry.person_id, Person.conversation_id.is_(None),
                                   Person.aad_object_id.is_(None))))


@dataclass(frozen=True)
class AudienceSize:
    count: int
    unaddressable: int
    sample_names: list[str]


def audience_size(session: Session, query: AudienceQuery, *, sample: int = 5) -> AudienceSize:
    """How many people the rule names now, how many of them nothing can reach, and a few names (by name):
    one statement, the totals as window aggregates on each of the first `sample` rows."""
    rows = session.exec(
        select(DirectoryEntry.name, func.count().over(),
               func.sum(case((_unaddressable(), 1), else_=0)).over())
        .where(*_audience_filter(session, query))
        .order_by(DirectoryEntry.name, DirectoryEntry.id).limit(max(sample, 1))).all()
    if not rows:
        return AudienceSize(0, 0, [])
    return AudienceSize(int(rows[0][1]), int(rows[0][2] or 0), [name for name, _, _ in rows[:sample]])


def audience_entry_ids(session: Session, query: AudienceQuery) -> list[int]:
    """Every directory entry id the rule names, ascending (tests and small checks; the fan-out pages by id)."""
    return list(session.exec(select(DirectoryEntry.id).where(*_audience_filter(session, query))
                             .order_by(DirectoryEntry.id)))


# ---- broadcasts -----------------------------------------------------------------------------------------------

def create_broadcast(session: Session, *, organisation_id: int, created_by_person_id: int, content: dict[str, Any],
                     audience: dict[str, Any], audience_count: int, send_at: datetime, now: datetime) -> Broadcast:
    broadcast = Broadcast(organisation_id=organisation_id, created_by_person_id=created_by_person_id,
                          content=content, audience=audience, audience_count=audience_count, send_at=send_at,
                          created_at=now, status=BroadcastStatus.QUEUING)
    session.add(broadcast)
    session.flush()
    return broadcast


def broadcast_by_id(session: Session, broadcast_id: Any, *, for_update: bool = False) -> Broadcast | None:
    try:
        key = int(broadcast_id)
    except (TypeError, ValueError):
        return None
    query = select(Broadcast).where(Broadcast.id == key)
    if for_update:
        query = query.with_for_update()  # PostgreSQL: serialises fan-out, cancel and completion per broadcast
    return session.exec(query).first()


def recent_broadcasts(session: Session, *, organisation_id: int, limit: int = 5) -> list[Broadcast]:
    return list(session.exec(select(Broadcast).where(Broadcast.organisation_id == organisation_id)
                             .order_by(Broadcast.created_at.desc(), Broadcast.id.desc()).limit(limit)))


def unfinished_broadcasts(session: Session) -> list[Broadcast]:
    return list(session.exec(select(Broadcast).where(Broadcast.status.in_(
        [BroadcastStatus.QUEUING, BroadcastStatus.SENDING])).order_by(Broadcast.id)))


@dataclass(frozen=True)
class FanOutBatch:
    queued: int  # outbox rows added now
    unaddressable: int  # people named whom nothing can reach
    done: bool  # every person the rule names has been handled


def fan_out(session: Session, broadcast: Broadcast, query: AudienceQuery, *, card_for: Callable[[str | None], dict],
            tenant_id: str, not_before: datetime, now: datetime, limit: int) -> FanOutBatch:
    """Puts the next `limit` people of the audience (by directory entry id) in the outbox, one row each.

    The caller holds the broadcast row (broadcast_by_id(for_update=True)) in this transaction. People who
    never wrote get a person created from their AAD object id, as for any notification (the outbox then
    opens their chat); people with neither chat nor AAD object id are recorded as unaddressable."""
    if broadcast.status != BroadcastStatus.QUEUING:
        return FanOutBatch(0, 0, True)
    rows = session.exec(
        select(DirectoryEntry.id, DirectoryEntry.person_id, DirectoryEntry.aad_object_id, Person.locale,
               Person.conversation_id, Person.aad_object_id)
        .outerjoin(Person, Person.id == DirectoryEntry.person_id)
        .where(*_audience_filter(session, query), DirectoryEntry.id > broadcast.fanout_cursor)
        .order_by(DirectoryEntry.id).limit(limit)).all()
    recipients: list[tuple[int, str | None]] = []
    to_create: dict[int, str] = {}
    unaddressable: list[int] = []
    for entry_id, person_id, entry_aad, locale, conversation_id, person_aad in rows:
        if person_id is not None and (conversation_id or person_aad or entry_aad):
            recipients.append((person_id, locale))
        elif person_id is None and entry_aad:
            to_create[entry_id] = entry_aad
        else:
            unaddressable.append(entry_id)
    created = _persons_for_entries(session, to_create, tenant_id=tenant_id, now=now)
    recipients += [(person_id, None) for person_id in created]
    queued = outbox.enqueue_many(session, campaign=campaign_of(broadcast.id), now=now, not_before=not_before,
                                 cards=[(person_id, card_for(locale)) for person_id, locale in recipients])
    _record_unaddressable(session, broadcast.id, unaddressable)
    broadcast.queued += queued
    broadcast.unaddressable += len(unaddressable)
    if rows:
        broadcast.fanout_cursor = rows[-1][0]
    done = len(rows) < limit
    if done:
        broadcast.status = BroadcastStatus.SENDING
        broadcast.fanned_out_at = now
    session.add(broadcast)
    session.flush()
    return FanOutBatch(queued, len(unaddressable), done)


def _persons_for_entries(session: Session, entries: dict[int, str], *, tenant_id: str, now: datetime) -> list[int]:
    """A person for each entry (id -> AAD object id) that has none: found by AAD object id, else created, and
    linked to the entry with the directory's role profile, as directory.person_for_entry does for one entry
    (in a few statements per batch instead of a few per person: most of a city never wrote to the bot)."""
    if not entries:
        return []
    rows = session.exec(select(DirectoryEntry.id, DirectoryEntry.aad_object_id, DirectoryEntry.name,
                               DirectoryEntry.email, DirectoryEntry.role_id)
                        .where(DirectoryEntry.id.in_(sorted(entries)))).all()
    existing = {aad.lower(): person_id for person_id, aad in session.exec(
        select(Person.id, Person.aad_object_id).where(
            Person.tenant_id == tenant_id,
            func.lower(Person.aad_object_id).in_(sorted({row[1].lower() for row in rows})))).all()}
    found_before = set(existing.values())
    new = {row[1].lower(): row for row in rows if row[1].lower() not in existing}
    if new:
        created = session.execute(
            insert(Person).returning(Person.id, Person.aad_object_id, sort_by_parameter_order=True),
            [{"tenant_id": tenant_id, "aad_object_id": aad, "name": name, "email": email, "created_at": now}
             for _, aad, name, email, _ in new.values()]).all()
        existing.update({aad.lower(): person_id for person_id, aad in created})
    links = [(entry_id, existing[aad.lower()], role_id) for entry_id, aad, _, _, role_id in rows]
    session.execute(update(DirectoryEntry), [{"id": entry_id, "person_id": person_id}
                                             for entry_id, person_id, _ in links])
    _set_directory_roles(session, [(person_id, role_id) for _, person_id, role_id in links
                                   if role_id is not None and person_id not in found_before], now=now)
    for entry_id, person_id, _ in links:
        if person_id in found_before:
            entry = session.get(DirectoryEntry, entry_id)
            if entry is not None:
                sync_person_role(session, entry)
    return [person_id for _, person_id, _ in links]


def _set_directory_roles(session: Session, people: list[tuple[int, int]], *, now: datetime) -> None:
    """New persons (person id, directory role id) get the role profile with their directory role's key."""
    if not people:
        return
    profiles = dict(session.exec(
        select(DirectoryRole.id, RoleProfile.id).join(RoleProfile, RoleProfile.key == DirectoryRole.key)
        .where(DirectoryRole.id.in_(sorted({role_id for _, role_id in people})))).all())
    rows = [{"person_id": person_id, "role_profile_id": profiles[role_id], "source": ROLE_SOURCE_DIRECTORY,
             "updated_at": now} for person_id, role_id in people if role_id in profiles]
    if rows:
        session.execute(insert(PersonRole), rows)


def _record_unaddressable(session: Session, broadcast_id: int, entry_ids: Iterable[int]) -> None:
    for entry_id in entry_ids:
        session.add(BroadcastUnaddressable(broadcast_id=broadcast_id, entry_id=entry_id))
    session.flush()


def tenant_for(session: Session, organisation_id: int, fallback: str) -> str:
    tenant = session.exec(select(Organisation.tenant_id).where(Organisation.id == organisation_id)).first()
    return tenant or fallback


# ---- delivery figures, cancel, completion ---------------------------------------------------------------------

@dataclass(frozen=True)
class DeliveryCounts:
    queued: int = 0  # waiting or being sent
    sent: int = 0
    failed: int = 0
    unreachable: int = 0  # Teams said the chat or person is gone, plus the unaddressable
    blocked: int = 0  # Teams answered 403: the person removed the app
    cancelled: int = 0
    throttled: int = 0  # 429 answers the campaign's rows met

    @property
    def total(self) -> int:
        return self.queued + self.sent + self.failed + self.unreachable + self.blocked + self.cancelled


def delivery_counts(session: Session, broadcast: Broadcast) -> DeliveryCounts:
    """The campaign's outbox rows by status (one grouped query); unaddressable people count as unreachable."""
    counts = outbox.campaign_counts(session, campaign=campaign_of(broadcast.id))
    by_status = counts.by_status
    return DeliveryCounts(
        queued=counts.unsent, sent=by_status[OutboxStatus.SENT], failed=by_status[OutboxStatus.FAILED],
        unreachable=by_status[OutboxStatus.UNREACHABLE] + broadcast.unaddressable,
        blocked=by_status[OutboxStatus.BLOCKED], cancelled=by_status[OutboxStatus.CANCELLED],
        throttled=counts.throttled)


def first_send_moment(session: Session, broadcast: Broadcast) -> datetime | None:
    """When the earliest waiting row may go out (a chosen time, quiet hours, a retry)."""
    moment = session.exec(select(func.min(OutboxMessage.next_attempt_at))
                          .where(OutboxMessage.campaign == campaign_of(broadcast.id),
                                 OutboxMessage.status == OutboxStatus.PENDING)).first()
    return aware(moment) if moment else None


def cancel_unsent(session: Session, broadcast: Broadcast, *, now: datetime) -> int:
    """Stops the broadcast: no more fan-out, and what is not yet sent stays unsent (store.outbox.cancel_campaign:
    waiting rows are cancelled now, a row being sent ends cancelled unless that send succeeds). Returns how
    many waiting rows were stopped."""
    stopped = outbox.cancel_campaign(session, campaign=campaign_of(broadcast.id), now=now)
    broadcast.status = BroadcastStatus.CANCELLED
    broadcast.cancelled_at = now
    session.add(broadcast)
    session.flush()
    return stopped


def has_unsent(session: Session, broadcast: Broadcast) -> bool:
    return session.exec(select(OutboxMessage.id).where(
        OutboxMessage.campaign == campaign_of(broadcast.id),
        OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING])).limit(1)).first() is not None


def mark_done(session: Session, broadcast: Broadcast, *, now: datetime) -> None:
    broadcast.status = BroadcastStatus.DONE
    broadcast.finished_at = now
    session.add(broadcast)
    session.flush()


# ---- the not-reachable list and its download tokens -----------------------------------------------------------

@dataclass(frozen=True)
class NotReachable:
    name: str
    email: str
    unit: str
    reason: str  # "unreachable" (Teams said so), "blocked", "failed", "no_address"


def not_reachable(session: Session, broadcast: Broadcast) -> list[NotReachable]:
    """Everyone the broadcast did not reach and will not: by name. Failed rows are listed too."""
    statuses = [OutboxStatus.UNREACHABLE, OutboxStatus.BLOCKED, OutboxStatus.FAILED]
    in_outbox = session.exec(
        select(DirectoryEntry.name, DirectoryEntry.email, Unit.name, OutboxMessage.status, Person.name, Person.email)
        .select_from(OutboxMessage)
        .join(Person, Person.id == OutboxMessage.recipient_person_id)
        .outerjoin(DirectoryEntry, DirectoryEntry.person_id == Person.id)
        .outerjoin(Unit, Unit.id == DirectoryEntry.unit_id)
        .where(OutboxMessage.campaign == campaign_of(broadcast.id), OutboxMessage.status.in_(statuses))).all()
    rows = [NotReachable(name or person_name or "", email or person_email or "", unit or "", status)
            for name, email, unit, status, person_name, person_email in in_outbox]
    rows += [NotReachable(name, email, unit or "", "no_address") for name, email, unit in session.exec(
        select(DirectoryEntry.name, DirectoryEntry.email, Unit.name)
        .select_from(BroadcastUnaddressable)
        .join(DirectoryEntry, DirectoryEntry.id == BroadcastUnaddressable.entry_id)
        .outerjoin(Unit, Unit.id == DirectoryEntry.unit_id)
        .where(BroadcastUnaddressable.broadcast_id == broadcast.id)).all()]
    return sorted(rows, key=lambda row: (row.name.lower(), row.email))


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_download_token(session: Session, *, person_id: int, broadcast_id: int, now: datetime,
                         valid_for: timedelta) -> str:
    """A new random token for this person and broadcast; only its hash is kept. Expired ones are swept."""
    session.execute(DownloadToken.__table__.delete().where(DownloadToken.expires_at < now))
    token = secrets.token_urlsafe(32)
    session.add(DownloadToken(token_hash=_hash(token), person_id=person_id, broadcast_id=broadcast_id,
                              expires_at=now + valid_for, created_at=now))
    session.flush()
    return token


def redeem_download_token(session: Session, *, token: str, broadcast_id: int, now: datetime) -> int | None:
    """The person the token was issued to, if it is for this broadcast and has not expired; else None."""
    if not token or len(token) > 100:
        return None
    row = session.exec(select(DownloadToken).where(DownloadToken.token_hash == _hash(token))).first()
    if row is None or row.broadcast_id != broadcast_id or aware(row.expires_at) <= now:
        return None
    return row.person_id
