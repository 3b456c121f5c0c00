"""A closed round's results from its anonymous answers: per organisation, group and dimension the mean,
distribution and response rate, each figure shown only within the anonymity rules (dialogs.rules.anonymity),
the change since an earlier round and the difference from a reference organisation. Pure functions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from dialogs.rules.anonymity import ROOT, disclose_tree, suppress_cells

DONT_KNOW = 0


@dataclass(frozen=True)
class Answer:
    """One person's finished answers, as stored: no identity."""

    unit: int | None
    values: Mapping[str, int]
    text: str | None = None


@dataclass(frozen=True)
class DimensionFigure:
    key: str
    # People with at least one answer other than "don't know" in the dimension.
    n: int
    # None when hidden by the anonymity rules (or nobody answered).
    mean: float | None
    # Answers per scale step 1..5, and "don't know"; empty when hidden.
    distribution: tuple[int, ...] = ()
    dont_know: int = 0


@dataclass(frozen=True)
class GroupResult:
    anchor: int | None  # the unit the group is named after; None: the organisation's own group
    units: frozenset
    answered: int
    invited: int
    dimensions: Mapping[str, DimensionFigure]

    @property
    def response_rate(self) -> float | None:
        return self.answered / self.invited if self.invited else None

    @property
    def overall(self) -> float | None:
        means = [f.mean for f in self.dimensions.values() if f.mean is not None]
        return sum(means) / len(means) if means and len(means) == len(self.dimensions) else None


@dataclass(frozen=True)
class RoundResult:
    k: int
    shown: bool
    answered: int
    invited: int
    organisation: GroupResult | None = None
    groups: tuple[GroupResult, ...] = ()
    # Free-text answers per shown group (for coordinators only), sorted so that order says nothing.
    free_texts: Mapping[int | None, tuple[str, ...]] = field(default_factory=dict)

    @property
    def response_rate(self) -> float | None:
        return self.answered / self.invited if self.invited else None

    def group(self, anchor: int | None) -> GroupResult | None:
        return next((g for g in self.groups if g.anchor == anchor), None)


def person_score(values: Mapping[str, int], statement_ids: Sequence[str]) -> float | None:
    """A person's score in a dimension: the mean of their answers other than "don't know"."""
    real = [values[s] for s in statement_ids if values.get(s, DONT_KNOW) != DONT_KNOW]
    return sum(real) / len(real) if real else None


def _figure(key: str, answers: Sequence[Answer], statement_ids: Sequence[str], scale_max: int) -> DimensionFigure:
    scores = [s for s in (person_score(a.values, statement_ids) for a in answers) if s is not None]
    distribution = [0] * scale_max
    dont_know = 0
    for answer in answers:
        for statement in statement_ids:
            value = answer.values.get(statement, DONT_KNOW)
            if value == DONT_KNOW:
                dont_know += 1
            elif 1 <= value <= scale_max:
                distribution[value - 1] += 1
    return DimensionFigure(key, len(scores), sum(scores) / len(scores) if scores else None, tuple(distribution),
                           dont_know)


def _hidden(figure: DimensionFigure) -> DimensionFigure:
    return DimensionFigure(figure.key, figure.n, None)


def compute_results(*, dimensions: Sequence[tuple[str, Sequence[str]]], answers: Sequence[Answer],
                    parents: Mapping[int, int | None], register: Mapping[int | None, tuple[int, int]], k: int,
                    scale_max: int = 5) -> RoundResult:
    """`dimensions`: (key, statement ids) in order; `register`: per unit at invitation (invited, answered)."""
    invited = sum(i for i, _ in register.values())
    answered_in_register = sum(a for _, a in register.values())

    def unit_of(unit):
        return unit if unit in parents else ROOT

    counts: dict = {}
    for answer in answers:
        counts[unit_of(answer.unit)] = counts.get(unit_of(answer.unit), 0) + 1
    disclosure = disclose_tree(parents, counts, k)
    if not disclosure.total_shown:
        return RoundResult(k=k, shown=False, answered=max(len(answers), answered_in_register), invited=invited)

    by_group: dict = {g.anchor: [] for g in disclosure.groups}
    for answer in answers:
        by_group.setdefault(disclosure.group_of[unit_of(answer.unit)], []).append(answer)
    invited_by_group: dict = {}
    for unit, (invited_here, _answered) in register.items():
        anchor = disclosure.group_of.get(unit_of(unit), ROOT)
        invited_by_group[anchor] = invited_by_group.get(anchor, 0) + invited_here

    figures: dict = {g.anchor: {} for g in disclosure.groups}
    organisation_figures = {}
    for key, statement_ids in dimensions:
        per_group = {g.anchor: _figure(key, by_group[g.anchor], statement_ids, scale_max) for g in disclosure.groups}
        suppression = suppress_cells({anchor: f.n for anchor, f in per_group.items()}, k)
        for anchor, figure in per_group.items():
            figures[anchor][key] = _hidden(figure) if anchor in suppression.hidden or figure.n == 0 else figure
        whole = _figure(key, answers, statement_ids, scale_max)
        organisation_figures[key] = whole if suppression.total_shown else _hidden(whole)

    groups = tuple(GroupResult(g.anchor, g.units, g.count, invited_by_group.get(g.anchor, 0), figures[g.anchor])
                   for g in disclosure.groups)
    organisation = GroupResult(ROOT, frozenset(parents) | {ROOT}, len(answers), invited, organisation_figures)
    texts = {g.anchor: tuple(sorted(a.text for a in by_group[g.anchor] if a.text)) for g in disclosure.groups}
    return RoundResult(k=k, shown=True, answered=len(answers), invited=invited, organisation=organisation,
                       groups=groups, free_texts={a: t for a, t in texts.items() if t})


def differences(current: GroupResult | None, other: GroupResult | None) -> dict[str, float]:
    """Per dimension, current mean minus the other's, where both are shown."""
    if current is None or other is None:
        return {}
    result = {}
    for key, figure in current.dimensions.items():
        theirs = other.dimensions.get(key)
        if figure.mean is not None and theirs is not None and theirs.mean is not None:
            result[key] = figure.mean - theirs.mean
    return result
