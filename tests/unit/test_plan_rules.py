"""The plan's pure rules: every state pair against the transition table, choosing priorities, reminder timing."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from itertools import product

import pytest

from dialogs.rules.plan_rules import (
    TRANSITIONS, Candidate, TransitionRefused, check_priorities, check_transition, draft_reminder_due,
    parse_level, priority_candidates, review_reminder_due, state_after_sending,
)
from dialogs.rules.scoring import gaps
from store.models.plan import PlanState

ALLOWED = {
    ("draft", "sent"), ("sent", "approved"), ("sent", "changes_requested"), ("changes_requested", "resent"),
    ("resent", "approved"), ("resent", "changes_requested"), ("approved", "completed"),
    ("sent", "draft"),  # withdrawn by the employee (resent -> changes_requested is drawn above)
}
ORDER = "1.1 1.2 1.3 2.1 2.2 2.3 2.4 2.5 2.6 3.1 3.2 3.3 3.4 4.1 4.2 4.3 4.4 5.1 5.2 5.3 5.4".split()
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(("source", "target"), list(product(PlanState, PlanState)))
def test_exactly_the_drawn_transitions_are_allowed(source, target):
    if (source, target) in ALLOWED:
        check_transition(source, target)
    else:
        with pytest.raises(TransitionRefused):
            check_transition(source, target)


def test_the_table_declares_every_state_and_completed_is_final():
    assert set(TRANSITIONS) == set(PlanState)
    assert TRANSITIONS[PlanState.COMPLETED] == frozenset()


def test_sending_a_draft_makes_it_sent_and_sending_after_changes_makes_it_resent():
    assert state_after_sending(PlanState.DRAFT) == PlanState.SENT
    assert state_after_sending(PlanState.CHANGES_REQUESTED) == PlanState.RESENT
    with pytest.raises(TransitionRefused):
        state_after_sending(PlanState.APPROVED)


def test_candidates_are_the_gaps_biggest_first():
    levels = {key: 3 for key in ORDER} | {"3.1": 1}
    found = priority_candidates(levels, gaps(levels, {"3.1": 5, "4.2": 5, "1.2": 4, "2.4": 2}), ORDER)

    assert [(c.competence, c.level, c.target, c.has_gap) for c in found] == [
        ("3.1", 1, 5, True), ("4.2", 3, 5, True), ("1.2", 3, 4, True)]


def test_with_fewer_than_three_gaps_the_lowest_other_competences_are_offered_too():
    levels = {key: 4 for key in ORDER} | {"5.4": 2, "2.6": 1, "1.1": None}
    found = priority_candidates(levels, gaps(levels, {"3.1": 6}), ORDER)

    assert [c.competence for c in found[:4]] == ["3.1", "1.1", "2.6", "5.4"]
    assert found[0].has_gap and not any(c.has_gap for c in found[1:])
    assert len(found) == len(ORDER)


CANDIDATES = [Candidate(key, 2, 5, True) for key in ("3.1", "4.2", "1.2", "2.4", "5.4", "3.3")]


@pytest.mark.parametrize(
    ("chosen", "picked", "problems"),
    [
        (["3.1", "4.2", "1.2", None, ""], ["3.1", "4.2", "1.2"], []),
        (["4.2", "", "3.1", "5.4", "2.4"], ["4.2", "3.1", "5.4", "2.4"], []),
        (["3.1", "4.2"], ["3.1", "4.2"], ["plan.problem.too_few"]),
        (["3.1", "4.2", "1.2", "2.4", "5.4", "3.3"], ["3.1", "4.2", "1.2", "2.4", "5.4", "3.3"],
         ["plan.problem.too_many"]),
        (["3.1", "3.1", "4.2"], ["3.1", "3.1", "4.2"], ["plan.problem.duplicate"]),
        (["3.1", "4.2", "9.9"], ["3.1", "4.2", "9.9"], ["plan.problem.not_a_candidate"]),
    ],
)
def test_three_to_five_distinct_priorities_from_the_candidates(chosen, picked, problems):
    assert check_priorities(chosen, CANDIDATES) == (picked, problems)


def test_levels_from_cards_are_0_to_8_or_nothing():
    assert [parse_level(v) for v in ("", None, "0", "8", 5)] == [None, None, 0, 8, 5]
    for bad in ("9", "-1", "x", "3.5"):
        with pytest.raises(ValueError):
            parse_level(bad)


def _review_due(days_waiting: float, sent: int, last_days_ago: float | None, state: str = "sent") -> bool:
    return review_reminder_due(state=state, waiting_since=NOW - timedelta(days=days_waiting), reminders_sent=sent,
                               last_reminder_at=None if last_days_ago is None else NOW - timedelta(days=last_days_ago),
                               now=NOW)


def test_the_manager_is_reminded_weekly_after_seven_days_at_most_three_times():
    assert not _review_due(6.9, 0, None)
    assert _review_due(7, 0, None)
    assert _review_due(7, 0, None, state="resent")
    assert not _review_due(10, 1, 3)
    assert _review_due(14, 1, 7)
    assert _review_due(21, 2, 7)
    assert not _review_due(28, 3, 7), "three reminders at most"
    for state in ("draft", "changes_requested", "approved", "completed"):
        assert not _review_due(30, 0, None, state=state)


def test_the_employee_is_reminded_of_an_unsent_draft_after_seven_days_at_most_twice():
    due = lambda idle, sent, last, state="draft": draft_reminder_due(  # noqa: E731
        state=state, idle_since=NOW - timedelta(days=idle), reminders_sent=sent,
        last_reminder_at=None if last is None else NOW - timedelta(days=last), now=NOW)
    assert not due(6, 0, None)
    assert due(7, 0, None)
    assert not due(13, 1, 6)
    assert due(14, 1, 7)
    assert not due(21, 2, 7), "two reminders at most"
    assert not due(30, 0, None, state="sent")
