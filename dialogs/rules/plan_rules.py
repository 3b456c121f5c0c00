"""Pure rules of the development plan: its states and transitions, who acts in which state, choosing
priorities from the competences with gaps, and when a reminder is due.

    draft ──send──▶ sent ──approve──▶ approved ──acknowledge──▶ completed
      ▲              │                   ▲
      └──withdraw────┤                   └──────────────────────────────────────approve──┐
                     └─ask for changes─▶ changes_requested ──send again──▶ resent ───────┘
                                          ▲                                  │
                                          └────ask for changes, withdraw─────┘

Withdrawing (the employee, before the manager has decided) goes back to where the employee last worked
on the plan rather than to a state of its own: a first sending back to draft, a sending again back to
changes_requested, where the manager's request still stands and is shown again. Sending after that is
sent or resent as before, so no state or card has to learn what "withdrawn" means.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from store.models.plan import PlanState

TRANSITIONS: Mapping[str, frozenset[str]] = {
    PlanState.DRAFT: frozenset({PlanState.SENT}),
    PlanState.SENT: frozenset({PlanState.APPROVED, PlanState.CHANGES_REQUESTED, PlanState.DRAFT}),
    PlanState.CHANGES_REQUESTED: frozenset({PlanState.RESENT}),
    PlanState.RESENT: frozenset({PlanState.APPROVED, PlanState.CHANGES_REQUESTED}),
    PlanState.APPROVED: frozenset({PlanState.COMPLETED}),
    PlanState.COMPLETED: frozenset(),
}
# The employee edits the plan only while it is theirs to work on.
EMPLOYEE_EDITS = frozenset({PlanState.DRAFT, PlanState.CHANGES_REQUESTED})
# The manager reviews (sets agreed levels, edits, approves, asks for changes) while it waits for them.
AWAITING_REVIEW = frozenset({PlanState.SENT, PlanState.RESENT})
SIGNED_BY_MANAGER = frozenset({PlanState.APPROVED, PlanState.COMPLETED})
# Where withdrawing a plan that waits for the manager takes it (see the module docstring).
WITHDRAWN_TO: Mapping[str, str] = {PlanState.SENT: PlanState.DRAFT, PlanState.RESENT: PlanState.CHANGES_REQUESTED}
WITHDRAWABLE = frozenset(WITHDRAWN_TO)

MIN_PRIORITIES, MAX_PRIORITIES = 3, 5
MAX_LEVEL = 8
REVIEW_REMINDER_AFTER = timedelta(days=7)
REVIEW_REMINDERS_MAX = 3
DRAFT_REMINDER_AFTER = timedelta(days=7)
DRAFT_REMINDERS_MAX = 2


class TransitionRefused(ValueError):
    """The plan is not in a state that allows this step."""


def check_transition(source: str, target: str) -> None:
    if target not in TRANSITIONS.get(source, frozenset()):
        raise TransitionRefused(f"a plan cannot go from {source} to {target}")


def state_after_sending(state: str) -> str:
    """Sending a draft makes it sent; sending after changes were asked for makes it resent."""
    target = PlanState.SENT if state == PlanState.DRAFT else PlanState.RESENT
    check_transition(state, target)
    return target


def state_after_withdrawing(state: str) -> str:
    """Withdrawing a sent plan makes it a draft again; withdrawing a resent plan makes it changes_requested."""
    target = WITHDRAWN_TO.get(state)
    if target is None:
        raise TransitionRefused(f"a plan that is {state} cannot be withdrawn: it does not wait for the manager")
    check_transition(state, target)
    return target


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
