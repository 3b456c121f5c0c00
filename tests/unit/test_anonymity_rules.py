"""The threshold and merge rules, checked exhaustively on every small unit tree and every small count."""

from __future__ import annotations

import itertools

import pytest

from dialogs.rules.anonymity import ROOT, check_k, disclose_tree, suppress_cells


def _trees(size: int):
    """Every forest of `size` units (labelled 1..size) where each unit's parent has a smaller label or is None."""
    for parents in itertools.product(*[range(0, unit) for unit in range(1, size + 1)]):
        yield {unit: (parent or None) for unit, parent in zip(range(1, size + 1), parents)}


def _ancestors(parents, unit):
    while unit is not None:
        unit = parents[unit]
        yield unit


def _derivable_sets(disclosure):
    """Every set of people a reader can isolate: each shown group, the total, and total minus any shown groups."""
    groups = [g.units for g in disclosure.groups]
    everything = frozenset().union(*groups) if groups else frozenset()
    yield from groups
    for size in range(1, len(groups) + 1):
        for chosen in itertools.combinations(groups, size):
            yield everything - frozenset().union(*chosen)


def _count(units, counts):
    return sum(counts.get(u, 0) for u in units)


def _check(parents, counts, k):
    result = disclose_tree(parents, counts, k)
    total = sum(counts.values())
    if total < k:
        assert not result.total_shown and result.groups == ()
        return
    assert result.total_shown and result.total == total
    covered = [u for g in result.groups for u in g.units]
    assert len(covered) == len(set(covered)), "groups are disjoint"
    assert sum(g.count for g in result.groups) == total, "every answer is counted in exactly one shown group"
    for group in result.groups:
        assert group.count >= k, "no group under k is shown"
        assert group.count == _count(group.units, counts)
    for unit, anchor in result.group_of.items():
        # A unit is reported in its own group or merged into an ancestor's, never a sibling's or child's.
        assert anchor == unit or anchor in set(_ancestors(parents, unit)) | {ROOT}
        if unit is not ROOT and counts.get(unit, 0) >= k and anchor != unit:
            # Only merged upwards to stop subtraction at the top; then it is a top-level group merged whole.
            assert anchor is ROOT
    for people in _derivable_sets(result):
        n = _count(people, counts)
        assert n == 0 or n >= k, f"{sorted(map(str, people))} has {n} < {k} and can be derived"


@pytest.mark.parametrize("size", [1, 2, 3, 4])
def test_every_small_tree_and_count_shows_only_groups_of_k_and_nothing_derivable_below_k(size):
    k = 3
    for parents in _trees(size):
        for values in itertools.product(range(0, k + 2), repeat=size + 1):
            counts = {ROOT: values[0], **{unit: n for unit, n in zip(parents, values[1:])}}
            _check(parents, counts, k)


def test_five_unit_trees_with_k_of_five():
    for parents in _trees(5):
        for values in itertools.product((0, 3, 6), repeat=5):
            _check(parents, dict(zip(parents, values)), 5)


def test_a_small_unit_is_merged_into_its_parent_and_the_large_sibling_stands_alone():
    parents = {"KF": None, "SSB": "KF", "KH": "KF"}
    result = disclose_tree(parents, {"KF": 5, "SSB": 8, "KH": 4}, 5)
    assert [(g.anchor, sorted(g.units), g.count) for g in result.groups] == [("KF", ["KF", "KH"], 9),
                                                                           ("SSB", ["SSB"], 8)]
    assert result.group_of["KH"] == "KF"


def test_siblings_are_merged_too_when_the_remainder_would_show_by_subtraction():
    parents = {"KF": None, "SSB": "KF", "KH": "KF", "MUS": "KF"}
    result = disclose_tree(parents, {"SSB": 9, "KH": 6, "MUS": 2}, 5)
    # MUS (2) alone would be the total (17) minus SSB and KH: the smaller sibling KH is merged with it.
    assert [(g.anchor, g.count) for g in result.groups] == [(None, 8), ("SSB", 9)]
    assert result.group_of["MUS"] is None and result.group_of["KH"] is None


def test_a_unit_with_nobody_merged_in_the_organisation_of_only_small_units_shows_the_total_only():
    result = disclose_tree({"KF": None, "SSB": "KF", "KH": "KF"}, {"SSB": 8, "KH": 4}, 5)
    assert [(g.anchor, g.count) for g in result.groups] == [(None, 12)]


def test_fewer_than_k_in_all_shows_nothing():
    result = disclose_tree({"A": None}, {"A": 4}, 5)
    assert not result.total_shown and result.groups == () and result.group_of == {}


def test_suppression_of_a_figure_hides_cells_under_k_and_enough_others():
    for values in itertools.product(range(0, 8), repeat=4):
        counts = dict(zip("abcd", values))
        result = suppress_cells(counts, 3)
        hidden = sum(counts[c] for c in result.hidden)
        assert result.total_shown == (sum(values) >= 3)
        if not result.total_shown:
            assert hidden == sum(values), "with the total under k, every cell is hidden"
            continue
        assert hidden == 0 or hidden >= 3
        assert all(counts[c] >= 3 for c in counts if c not in result.hidden and counts[c] > 0)
        assert result.total_shown == (sum(values) >= 3)


@pytest.mark.parametrize("bad", [2, 26, 0, "5", True, 4.5])
def test_the_threshold_is_a_whole_number_from_3_to_25(bad):
    with pytest.raises(ValueError):
        check_k(bad)
    assert check_k(3) == 3 and check_k(25) == 25


def test_a_unit_tree_with_a_loop_or_a_missing_parent_is_refused():
    with pytest.raises(ValueError):
        disclose_tree({"A": "B", "B": "A"}, {}, 5)
    with pytest.raises(ValueError):
        disclose_tree({"A": "X"}, {}, 5)
