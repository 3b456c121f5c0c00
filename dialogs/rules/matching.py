"""Matching (which activities to propose, in which order, and why): the rule is store/matching.py, which the
store's ranked page walks an index by; re-exported here, so the dialogs keep their view of the rules."""

from store.matching import (  # noqa: F401
    ActivityFacts, PersonNeeds, Proposal, competence_order, effective_levels, is_open_for,
    rank_activities,
)
