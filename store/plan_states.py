"""The development plan's state machine: its states, the transitions between them, and who acts in which state.

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

The table lives here, beside the model, because store/plans.py enforces it on every write; the dialogs
read the same table through dialogs/rules/plan_rules.py. Plain data and functions, no database access.
"""

from __future__ import annotations

from collections.abc import Mapping

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
