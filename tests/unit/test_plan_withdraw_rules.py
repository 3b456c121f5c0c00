"""Withdrawing a plan as a pure rule: which states can be withdrawn, where each goes, and that the target is
a state the employee edits and sends again, so the loop closes without a state of its own."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from dialogs.rules.plan_rules import (
    EMPLOYEE_EDITS, WITHDRAWABLE, TransitionRefused, review_reminder_due, state_after_sending,
    state_after_withdrawing,
)
from store.models.plan import PlanState

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)


def test_a_first_sending_withdrawn_is_a_draft_again():
    assert state_after_withdrawing(PlanState.SENT) == PlanState.DRAFT


def test_a_sending_again_withdrawn_goes_back_to_changes_requested_where_the_managers_request_stands():
    assert state_after_withdrawing(PlanState.RESENT) == PlanState.CHANGES_REQUESTED


@pytest.mark.parametrize("state", [PlanState.DRAFT, PlanState.CHANGES_REQUESTED, PlanState.APPROVED,
                                   PlanState.COMPLETED])
def test_only_a_plan_waiting_for_the_manager_can_be_withdrawn(state):
    with pytest.raises(TransitionRefused, match="cannot be withdrawn"):
        state_after_withdrawing(state)


@pytest.mark.parametrize("state", sorted(WITHDRAWABLE))
def test_after_withdrawing_the_employee_edits_and_sending_again_returns_to_the_state_withdrawn_from(state):
    back = state_after_withdrawing(state)

    assert back in EMPLOYEE_EDITS
    assert state_after_sending(back) == state


@pytest.mark.parametrize("state", sorted(WITHDRAWABLE))
def test_a_withdrawn_plan_is_never_due_a_review_reminder(state):
    assert not review_reminder_due(state=state_after_withdrawing(state), waiting_since=NOW - timedelta(days=30),
                                   reminders_sent=0, last_reminder_at=None, now=NOW)
