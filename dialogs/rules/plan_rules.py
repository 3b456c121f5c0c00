"""Pure rules of the development plan: who acts in which state, choosing priorities from the competences with
gaps, and when a reminder is due. The state machine itself (states, transitions, withdrawing) is one table in
store/plan_states.py, which the store enforces on every write; it is re-exported here for the dialogs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from store.models.plan import PlanState
from store.plan_states import (  # noqa: F401  (the dialogs' view of the one table)
    AWAITING_REVIEW, EMPLOYEE_EDITS, SIGNED_BY_MANAGER, TRANSITIONS, WITHDRAWABLE, WITHDRAWN_TO, TransitionRefused,
    check_transition, state_after_sending, state_after_withdrawing,
)

MIN_PRIORITIES, MAX_PRIORITIES = 3, 5
MAX_LEVEL = 8
REVIEW_REMINDER_AFTER = timedelta(days=7)
REVIEW_REMINDERS_MAX = 3
DRAFT_REMINDER_AFTER = timedelta(days=7)
DRAFT_REMINDERS_MAX = 2


# ---- priorities -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Candidate:
    competence: str
    level: int  # 0 when not assessed or not relevant
    target: int | None
    has_gap: bool


def priority_candidates(levels: Mapping[str, int | None], gaps: Sequence[object],
                        order: Sequence[str]) -> list[Candidate]:
    """The competences to choose priorities from: those with gaps (biggest first), then, if fewer than
    MIN_PRIORITIES have gaps, the rest of the framework by level (lowest first), so three can always be chosen.

    `gaps` are objects with competence, level and target (dialogs.rules.scoring.Gap); `order` is the
    framework's competence order.
    """
    found = [Candidate(g.competence, g.level, g.target, True) for g in gaps]  # type: ignore[attr-defined]
    if len(found) >= MIN_PRIORITIES:
        return found
    taken = {c.competence for c in found}
    rest = sorted((key for key in order if key not in taken),
                  key=lambda key: (levels.get(key) if levels.get(key) is not None else 0, order.index(key)))
    return found + [Candidate(key, levels.get(key) or 0, None, False) for key in rest]


def check_priorities(chosen: Sequence[str | None], candidates: Sequence[Candidate]) -> tuple[list[str], list[str]]:
    """The chosen competences in order without blanks, and the problems as catalogue keys (empty when fine)."""
    picked = [c.strip() for c in chosen if c and c.strip()]
    problems = []
    if len(picked) < MIN_PRIORITIES:
        problems.append("plan.problem.too_few")
    if len(picked) > MAX_PRIORITIES:
        problems.append("plan.problem.too_many")
    if len(set(picked)) != len(picked):
        problems.append("plan.problem.duplicate")
    allowed = {c.competence for c in candidates}
    if any(key not in allowed for key in picked):
        problems.append("plan.problem.not_a_candidate")
    return picked, problems


def sending_problems(*, goals: str, activities: str) -> list[str]:
    """Why a plan with its priorities chosen still cannot be sent, as catalogue keys: a plan in which the person
    wrote nothing (no goal, no activity) tells the manager nothing and is not sent."""
    return [] if (goals or "").strip() or (activities or "").strip() else ["plan.problem.nothing_written"]


def parse_level(value: object) -> int | None:
    """A level 0-8 from a card input ("" or None: not set); ValueError for anything else."""
    if value is None or value == "":
        return None
    level = int(str(value))
    if not 0 <= level <= MAX_LEVEL:
        raise ValueError(f"level must be 0..{MAX_LEVEL}, got {level}")
    return level


# ---- reminders --------------------------------------------------------------------------------------------

def review_reminder_due(*, state: str, waiting_since: datetime, reminders_sent: int,
                        last_reminder_at: datetime | None, now: datetime) -> bool:
    """The manager is reminded weekly while a plan waits more than 7 days, at most 3 times."""
    if state not in AWAITING_REVIEW or reminders_sent >= REVIEW_REMINDERS_MAX:
        return False
    if now - waiting_since < REVIEW_REMINDER_AFTER:
        return False
    return last_reminder_at is None or now - last_reminder_at >= REVIEW_REMINDER_AFTER


def draft_reminder_due(*, state: str, idle_since: datetime, reminders_sent: int,
                       last_reminder_at: datetime | None, now: datetime) -> bool:
    """The employee is reminded of a draft never sent after 7 days, then once more a week later (2 at most)."""
    if state != PlanState.DRAFT or reminders_sent >= DRAFT_REMINDERS_MAX:
        return False
    if now - idle_since < DRAFT_REMINDER_AFTER:
        return False
    return last_reminder_at is None or now - last_reminder_at >= DRAFT_REMINDER_AFTER
