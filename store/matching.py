"""Matching: which published activities to propose to one person, in which order, and why.

A pure rule (no database), kept in store/ because store/activities.py `ranked_page` walks an index in exactly
this order; dialogs/rules/matching.py re-exports it for the dialogs.

`rank_activities(person, activities, now)` is the whole rule, a pure function of plain data:

Levels. A competence's level is the one agreed in the person's signed plan where there is one, the
self-assessed level otherwise (`effective_levels`); a competence without a level counts as 0 when it has a
target. The target is the person's own, else their role profile's (the caller passes the merged targets).
The gap is target − level; only competences with a gap count, and the level an activity should teach is the
person's *next* level (level + 1).

An activity is proposed only if all hold:
  1. it is published, of the person's organisation or shared with all organisations;
  2. it is meant for everyone, or for the person's role;
  3. the person has not signed up for it, is not on its waiting list, has not done it and has not
     declined it ("Inte intresserad");
  4. a dated activity has not started, and its registration deadline (if any) has not passed;
  5. it develops at least one competence with a gap whose next level lies in the activity's level range.

The competence it is proposed for is, of those in 5, the one with the largest gap (then the person's
plan priority order, then framework order). Activities are ordered by these keys, each breaking the ties of
the one before:
  a. one with a free place (or no limit, or self-paced) before a full one (which would only give a place
     on the waiting list);
  b. the larger gap first;
  c. a competence the person prioritised in the plan first, in the plan's order;
  d. self-paced first (it can start today), then dated by start time, earliest first;
  e. the activity id, lowest first.
(Every key is either the person's or the activity's own, never a mix, so the store can walk an index in this
order and read a few rows per gap competence: store/activities.py `ranked_page` is this rule at scale, and
tests/unit/test_matching.py checks that the two always agree.)

Each proposal carries its reason: the competence, the level and the target (the cards word it in the
person's language: "Utvecklar 3.1 Utveckla digitalt innehåll: du är på nivå 2, målet är 4").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class PersonNeeds:
    """What matching knows about the person."""

    levels: Mapping[str, int | None]
    targets: Mapping[str, int]
    role: str | None = None
    organisation_ids: frozenset[int] = frozenset()
    # Activities the person signed up for, waits for, completed or declined: never proposed again.
    excluded: frozenset[int] = frozenset()
    # The plan's prioritised competences, in order (reason c).
    priorities: Sequence[str] = ()


@dataclass(frozen=True)
class ActivityFacts:
    """What matching needs of an activity (the catalogue row, without texts)."""

    id: int
    organisation_id: int
    competences: Sequence[str]
    level_min: int
    level_max: int
    roles: frozenset[str] = frozenset()  # empty: everyone
    status: str = "published"
    shared: bool = False
    self_paced: bool = False
    starts_at: datetime | None = None
    registration_deadline: datetime | None = None
    capacity: int | None = None
    places_taken: int = 0

    @property
    def full(self) -> bool:
        return not self.self_paced and self.capacity is not None and self.places_taken >= self.capacity


@dataclass(frozen=True)
class Proposal:
    activity_id: int
    competence: str  # the competence it is proposed for
    level: int  # the person's level in it
    target: int
    full: bool  # signing up gives a waiting-list place
    sort_key: tuple[Any, ...] = field(compare=False, repr=False, default=())

    @property
    def gap(self) -> int:
        return self.target - self.level


def effective_levels(assessed: Mapping[str, int | None], plan_priorities: Iterable[Mapping[str, Any]] = (),
                     plan_signed: bool = False) -> dict[str, int | None]:
    """The self-assessed levels, with the levels agreed in the plan where the plan is signed by the manager."""
    levels = dict(assessed)
    if plan_signed:
        for priority in plan_priorities:
            agreed = priority.get("agreed_level")
            if agreed is not None:
                levels[priority["competence"]] = int(agreed)
    return levels


def competence_order(key: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in key.split("."))
    except ValueError:
        return (999,)


def _gaps(person: PersonNeeds) -> dict[str, tuple[int, int]]:
    """competence -> (level, target) for every competence with a gap."""
    found = {}
    for key, target in person.targets.items():
        if target is None:
            continue
        level = person.levels.get(key)
        level = 0 if level is None else level
        if target > level:
            found[key] = (level, target)
    return found


def is_open_for(activity: ActivityFacts, person: PersonNeeds, now: datetime) -> bool:
    """Rules 1-4: whether the person could sign up for the activity at all, gaps aside."""
    if activity.status != "published":
        return False
    if activity.organisation_id not in person.organisation_ids and not activity.shared:
        return False
    if activity.roles and person.role not in activity.roles:
        return False
    if activity.id in person.excluded:
        return False
    if not activity.self_paced:
        if activity.starts_at is not None and activity.starts_at <= now:
            return False
        if activity.registration_deadline is not None and activity.registration_deadline < now:
            return False
    return True


def rank_activities(person: PersonNeeds, activities: Iterable[ActivityFacts], now: datetime,
                    limit: int | None = None) -> list[Proposal]:
    """The activities to propose to the person, best first, by the rules in the module docstring."""
    gaps = _gaps(person)
    if not gaps:
        return []
    priority_rank = {key: index for index, key in enumerate(person.priorities)}
    unprioritised = len(priority_rank)
    # Which gap competence an activity is proposed for: the largest gap, then plan order, then framework order.
    preference = {key: (-(target - level), priority_rank.get(key, unprioritised), competence_order(key))
                  for key, (level, target) in gaps.items()}
    proposals = []
    for activity in activities:
        if not is_open_for(activity, person, now):
            continue
        fitting = [key for key in activity.competences
                   if key in gaps and activity.level_min <= gaps[key][0] + 1 <= activity.level_max]
        if not fitting:
            continue
        best = min(fitting, key=preference.__getitem__)
        level, target = gaps[best]
        full = activity.full
        start = activity.starts_at.timestamp() if (activity.starts_at and not activity.self_paced) else float("-inf")
        key = (
            full,                                               # a
            -(target - level),                                  # b
            priority_rank.get(best, unprioritised),             # c
            (0, 0.0) if activity.self_paced else (1, start),    # d
            activity.id,                                        # e
        )
        proposals.append(Proposal(activity.id, best, level, target, full, key))
    proposals.sort(key=lambda p: p.sort_key)
    return proposals if limit is None else proposals[:limit]

