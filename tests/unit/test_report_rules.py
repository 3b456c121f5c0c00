"""The anonymity rule and the figures: groups under k merge upwards or hide; medians from histograms."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, strategies as st

from dialogs.rules.report_access import View, allowed_views, may_open
from dialogs.rules.report_figures import heatmap, median_of
from dialogs.rules.report_groups import ORGANISATION, visible_groups
from store.reports import LevelCount

TREE = {"city": None, "lib": "city", "branch": "lib", "tiny": "lib", "museum": "city"}


def test_a_group_of_k_is_shown_and_a_smaller_one_lands_in_its_parent():
    placed = visible_groups({"lib": 5, "tiny": 4, "museum": 7}, TREE, k=5)
    assert placed == {"lib": "lib", "tiny": "lib", "museum": "museum"}


def test_small_groups_merge_up_the_tree_until_they_reach_k():
    placed = visible_groups({"branch": 2, "tiny": 2, "city": 1}, TREE, k=5)
    # branch + tiny = 4 in lib, still < 5, so lib goes to city: 4 + 1 = 5.
    assert placed == {"branch": "city", "tiny": "city", "city": "city"}


def test_a_remainder_below_k_takes_its_sibling_along_so_nothing_follows_by_subtraction():
    # branch + tiny + city = 3 < 5: shown beside museum, the 3 would follow from the total minus museum's 9;
    # so museum is merged into the organisation's own group too (the survey's rule, sibling suppressed).
    placed = visible_groups({"branch": 1, "tiny": 2, "museum": 9}, TREE, k=5)
    assert placed == {"branch": ORGANISATION, "tiny": ORGANISATION, "museum": ORGANISATION}


def test_fewer_than_k_in_all_shows_nothing():
    assert visible_groups({"branch": 1, "museum": 3}, TREE, k=5) == {}


def test_people_without_a_unit_count_in_the_organisations_own_group():
    placed = visible_groups({None: 2, "museum": 5, "lib": 6}, TREE, k=5)
    # The 2 without a unit would follow from the total minus the groups, so the smallest shown group at the
    # top (museum; city itself holds nobody and is not a group) joins them.
    assert placed[None] is ORGANISATION and placed["museum"] is ORGANISATION and placed["lib"] == "lib"


@given(st.dictionaries(st.sampled_from(sorted(TREE)), st.integers(0, 12)), st.integers(3, 8))
def test_every_shown_group_and_the_remainder_have_at_least_k_people(sizes, k):
    placed = visible_groups(sizes, TREE, k=k)
    shown = Counter()
    for key, into in placed.items():
        shown[into] += sizes[key]
    assert set(placed) <= {key for key, size in sizes.items() if size > 0}
    assert all(total >= k for total in shown.values())
    if placed:  # something is shown: then everyone is, in some group
        assert sum(shown.values()) == sum(sizes.values())


@pytest.mark.parametrize("histogram, median", [
    ({}, None), ({3: 1}, 3), ({2: 1, 3: 2, 4: 1, 6: 1}, 3), ({1: 1, 2: 1}, 1.5), ({5: 2, 6: 1, 7: 1, 8: 1}, 6),
])
def test_the_median_of_a_histogram_is_the_median_of_its_levels(histogram, median):
    assert median_of(histogram) == median


def test_a_merged_group_reports_the_levels_of_both_and_the_share_below_target():
    rows = [LevelCount("ark", "1.1", 7, None, 1), LevelCount("ark", "1.1", 8, None, 1),
            LevelCount("kf", "1.1", 1, True, 1), LevelCount("kf", "1.1", 2, True, 1),
            LevelCount("kf", "1.1", 4, False, 1)]
    figures = heatmap(rows, {"ark": 2, "kf": 3}, {"ark": "kf", "kf": None}, columns=["1.1"], column_of={"1.1": "1.1"},
                      k=5)
    [row] = figures.rows
    assert (row.group, sorted(row.members), row.people) == ("kf", ["ark", "kf"], 5)
    assert row.cells["1.1"].median == 4 and row.cells["1.1"].share_below == pytest.approx(2 / 3)


def test_coordinators_managers_and_employees_open_only_their_views():
    assert allowed_views(is_coordinator=False, is_manager=False) == (View.ME, View.MATURITY, View.MY_DATA)
    assert not may_open(View.BROADCASTS, is_coordinator=False, is_manager=True)
    assert may_open(View.BROADCASTS, is_coordinator=True, is_manager=False)
    assert View.TEAM in allowed_views(is_coordinator=False, is_manager=True)
    assert not may_open(View.HEATMAP, is_coordinator=False, is_manager=True)
    assert may_open(View.ESF, is_coordinator=True, is_manager=False)
