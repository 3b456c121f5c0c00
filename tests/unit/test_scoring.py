"""Scoring rules: exhaustive over every answer combination, plus the examples in SCORING.md."""

from __future__ import annotations

import re
from itertools import product
from pathlib import Path

import pytest

from dialogs.rules.scoring import (
    GROUP_LEVELS,
    GROUPS,
    comparable,
    needs_confirmation,
    AreaSummary,
    Gap,
    gaps,
    map_level_2_2_to_3_0,
    score_competence,
    score_short_choice,
    summarise_area,
    summarise_assessment,
    top_gaps,
)
from store.digcomp import load_framework

SCORING_MD = Path(__file__).parents[2] / "store" / "data" / "digcomp" / "SCORING.md"
ANSWER_VALUES = (None, 0, 1, 2, 3)
ALL_COMBINATIONS = [dict(zip(GROUPS, combo)) for combo in product(ANSWER_VALUES, repeat=len(GROUPS))]


def _answers(f, i, a, h):
    return dict(zip(GROUPS, (f, i, a, h)))


# --- score_competence: properties over every answer combination ------------------------------


def _highest_reached_bound(answers) -> int:
    """The most any answers may give: the upper level of the highest group done at least on one's own, or 1
    (DigComp's "with guidance") when nothing is done on one's own but something with help, else 0."""
    on_own = [g for g in GROUPS if answers[g] is not None and answers[g] >= 2]
    if on_own:
        return GROUP_LEVELS[on_own[-1]][1]
    return 1 if any(answers[g] == 1 for g in GROUPS) else 0


def test_no_combination_scores_above_the_highest_group_the_person_does_on_their_own():
    above = [(a, score_competence(a)) for a in ALL_COMBINATIONS
             if score_competence(a) is not None and score_competence(a) > _highest_reached_bound(a)]
    assert above == []


def test_the_issue_example_on_my_own_at_advanced_with_help_at_the_top_is_level_5_not_7():
    # Area 2 answered "Med säkerhet / På egen hand / På egen hand / Med hjälp" gave 7 under version 1.
    assert score_competence(_answers(3, 2, 2, 1)) == 5
    # "Guide others" at intermediate with "don't know" above gave 5: it now separates 3 from 4 only.
    assert score_competence(_answers(2, 3, 0, 0)) == 4


def test_guide_others_only_separates_the_two_levels_of_the_highest_group_reached():
    for answers in ALL_COMBINATIONS:
        level = score_competence(answers)
        if level is None or level <= 2:
            continue
        group = next(g for g, levels in GROUP_LEVELS.items() if level in levels)
        # The group of the level is always one the person answered on their own or better.
        assert answers[group] is not None and answers[group] >= 2, answers
        as_on_own = score_competence({**answers, group: 2})
        assert as_on_own == GROUP_LEVELS[group][0], answers
        assert level == (GROUP_LEVELS[group][1] if answers[group] == 3 else GROUP_LEVELS[group][0]), answers


def test_all_not_relevant_and_nothing_answered_both_score_none_and_anything_relevant_scores_0_to_8():
    assert score_competence(_answers(None, None, None, None)) is None
    assert score_competence({}) is None
    for answers in ALL_COMBINATIONS:
        if any(v is not None for v in answers.values()):
            assert score_competence(answers) in range(9), answers


def test_raising_any_single_answer_by_one_never_lowers_the_level():
    lowered = []
    for answers in ALL_COMBINATIONS:
        before = score_competence(answers)
        for group, value in answers.items():
            if value is None or value == 3:
                continue
            after = score_competence({**answers, group: value + 1})
            if after < before:
                lowered.append((answers, group, before, after))
    assert lowered == []


def test_every_level_from_0_to_8_is_reachable_in_the_long_mode():
    assert {score_competence(answers) for answers in ALL_COMBINATIONS} == {None, *range(9)}


def test_answers_above_the_first_group_not_done_on_ones_own_do_not_change_the_level():
    changed = []
    for answers in ALL_COMBINATIONS:
        relevant = [g for g in GROUPS if answers[g] is not None]
        stop = next((g for g in relevant if answers[g] < 2), None)
        if stop is None:
            continue
        above = GROUPS[GROUPS.index(stop) + 1 :]
        level = score_competence(answers)
        for replacement in product(ANSWER_VALUES, repeat=len(above)):
            varied = {**answers, **dict(zip(above, replacement))}
            if score_competence(varied) != level:
                changed.append((answers, varied))
    assert changed == []


def test_with_help_never_adds_a_level_once_a_group_is_reached():
    for answers in ALL_COMBINATIONS:
        for group in GROUPS:
            if answers[group] == 1:
                assert score_competence(answers) == score_competence({**answers, group: 0}) or (
                    score_competence(answers) == 1), answers


def _documented_examples():
    text = SCORING_MD.read_text(encoding="utf-8")
    table = re.search(r"<!-- examples:start -->(.*?)<!-- examples:end -->", text, re.S).group(1)
    rows = []
    for line in table.strip().splitlines()[2:]:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        answers = [None if c == "na" else int(c) for c in cells[:4]]
        expected = None if cells[4] == "None" else int(cells[4])
        rows.append(pytest.param(_answers(*answers), expected, id=cells[5]))
    return rows


def test_scoring_md_documents_every_level_and_not_assessed_in_its_examples():
    assert {expected for _, expected in (p.values for p in _documented_examples())} == {None, *range(9)}


@pytest.mark.parametrize(("answers", "expected"), _documented_examples())
def test_every_example_in_scoring_md_holds(answers, expected):
    assert score_competence(answers) == expected


@pytest.mark.parametrize("bad", [4, -1, "2", 2.0, True])
def test_an_answer_outside_0_to_3_is_rejected(bad):
    with pytest.raises(ValueError, match="foundation"):
        score_competence({"foundation": bad})


def test_an_unknown_group_key_is_rejected():
    with pytest.raises(ValueError, match="expert"):
        score_competence({"foundation": 2, "expert": 3})


def test_levels_7_and_8_need_the_managers_confirmation_and_nothing_below_does():
    assert [level for level in [None, *range(9)] if needs_confirmation(level)] == [7, 8]


# --- short mode ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("choice", "level"), [("0", 0), ("f", 2), ("i", 3), ("a", 5), ("h", 7), ("na", None)]
)
def test_short_choice_gives_the_level_of_doing_that_group_on_ones_own(choice, level):
    assert score_short_choice(choice) == level


def test_short_and_long_mode_give_the_same_level_for_the_same_underlying_answers():
    # A short choice means "on my own" up to its group and "don't know" above: the long mode, answered so.
    for n, letter in enumerate("0fiah"):
        long_answers = {g: (2 if k < n else 0) for k, g in enumerate(GROUPS)}
        assert score_short_choice(letter) == score_competence(long_answers), letter
    assert score_short_choice("na") == score_competence(_answers(None, None, None, None))


def test_modes_and_scoring_versions_are_comparable_only_when_both_match():
    assert comparable("long", 2, "long", 2)
    assert comparable("short", None, "short", 1), "rows from before the version was recorded are version 1"
    assert not comparable("short", 2, "long", 2)
    assert not comparable("long", 1, "long", 2)


@pytest.mark.parametrize("bad", ["", "x", "F", "1", "foundation"])
def test_an_unknown_short_choice_is_rejected(bad):
    with pytest.raises(ValueError, match="short-mode choice"):
        score_short_choice(bad)


# --- area summaries -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("levels", "mean"),
    [
        ([1, 2], 1.5),
        ([1, 1, 2], 1.3),
        ([1, 2, 2, 2], 1.8),  # 1.75 rounds up
        ([2, 2, 2, 3], 2.3),  # 2.25 rounds up, where float round() would give 2.2
        ([0, 0, 1], 0.3),
        ([8], 8.0),
    ],
)
def test_area_mean_is_rounded_to_one_decimal_with_halves_up(levels, mean):
    summary = summarise_area({f"1.{n}": lv for n, lv in enumerate(levels, start=1)})
    assert summary.mean == mean


def test_area_summary_leaves_out_not_relevant_competences_from_mean_min_max_and_count():
    summary = summarise_area({"2.1": 4, "2.2": None, "2.3": 1, "2.4": None, "2.5": 6, "2.6": 2})
    assert summary == AreaSummary(mean=3.3, minimum=1, maximum=6, relevant=4)


def test_area_with_no_relevant_competence_has_no_mean_min_or_max_and_count_zero():
    empty = AreaSummary(mean=None, minimum=None, maximum=None, relevant=0)
    assert summarise_area({"4.1": None, "4.2": None}) == empty
    assert summarise_area({}) == empty


def test_area_level_zero_counts_as_relevant():
    assert summarise_area({"3.1": 0, "3.2": None}) == AreaSummary(mean=0.0, minimum=0, maximum=0, relevant=1)


def test_assessment_summary_has_every_area_in_framework_order_with_its_own_competences():
    levels = {"1.1": 2, "1.2": 4, "2.5": 6, "3.4": None, "5.4": 3}
    summary = summarise_assessment(levels, load_framework("2.2"))
    assert list(summary) == ["1", "2", "3", "4", "5"]
    assert summary["1"] == AreaSummary(mean=3.0, minimum=2, maximum=4, relevant=2)
    assert summary["2"] == AreaSummary(mean=6.0, minimum=6, maximum=6, relevant=1)
    assert summary["3"].relevant == 0
    assert summary["4"].relevant == 0
    assert summary["5"] == AreaSummary(mean=3.0, minimum=3, maximum=3, relevant=1)


def test_assessment_summary_rejects_a_competence_not_in_the_framework():
    with pytest.raises(ValueError, match="6.1"):
        summarise_assessment({"6.1": 3}, load_framework("2.2"))


# --- gaps ---------------------------------------------------------------------------------


def test_gaps_are_sorted_by_size_descending_then_by_competence_key():
    levels = {"1.1": 2, "1.3": 1, "2.2": 5, "3.4": 0, "5.1": 3}
    targets = {"1.1": 4, "1.3": 4, "2.2": 6, "3.4": 3, "5.1": 6}
    assert [(g.competence, g.size) for g in gaps(levels, targets)] == [
        ("1.3", 3),
        ("3.4", 3),
        ("5.1", 3),
        ("1.1", 2),
        ("2.2", 1),
    ]


def test_gap_ties_sort_by_numeric_key_so_2_10_comes_after_2_9():
    result = gaps({"2.10": 1, "2.9": 1}, {"2.10": 3, "2.9": 3})
    assert [g.competence for g in result] == ["2.9", "2.10"]


def test_gaps_leave_out_met_and_exceeded_targets_and_competences_without_target():
    levels = {"1.1": 4, "1.2": 5, "1.3": 1, "2.1": 2}
    targets = {"1.1": 4, "1.2": 3, "1.3": None}
    assert gaps(levels, targets) == []


def test_gap_is_target_minus_level_and_keeps_both():
    (gap,) = gaps({"4.2": 3}, {"4.2": 5})
    assert gap == Gap(competence="4.2", level=3, target=5)
    assert gap.size == 2


def test_a_target_on_a_not_relevant_or_unassessed_competence_counts_from_level_zero():
    result = gaps({"3.4": None}, {"3.4": 2, "4.4": 3})
    assert [(g.competence, g.level, g.size) for g in result] == [("4.4", 0, 3), ("3.4", 0, 2)]


@pytest.mark.parametrize(("levels", "targets"), [({"1.1": 9}, {"1.1": 9}), ({"1.1": 1}, {"1.1": -1}), ({}, {"1.1": 9})])
def test_gaps_reject_levels_or_targets_outside_0_to_8(levels, targets):
    with pytest.raises(ValueError, match="1.1"):
        gaps(levels, targets)


def test_top_gaps_returns_the_three_biggest_by_default():
    levels = {"1.1": 0, "1.2": 1, "1.3": 2, "2.1": 3, "2.2": 4}
    targets = dict.fromkeys(levels, 6)
    assert [g.competence for g in top_gaps(levels, targets)] == ["1.1", "1.2", "1.3"]


def test_top_gaps_returns_fewer_when_fewer_gaps_exist_and_none_for_n_zero():
    assert [g.competence for g in top_gaps({"1.1": 1}, {"1.1": 2, "1.2": None}, n=3)] == ["1.1"]
    assert top_gaps({"1.1": 1}, {"1.1": 2}, n=0) == []


def test_top_gaps_rejects_a_negative_n():
    with pytest.raises(ValueError):
        top_gaps({}, {}, n=-1)


# --- DigComp 2.2 -> 3.0 ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("level_2_2", "level_3_0"),
    [(None, None), (0, 0), (1, 1), (2, 1), (3, 2), (4, 2), (5, 3), (6, 3), (7, 4), (8, 4)],
)
def test_2_2_level_maps_to_the_3_0_level_covering_it(level_2_2, level_3_0):
    assert map_level_2_2_to_3_0(level_2_2) == level_3_0


@pytest.mark.parametrize("bad", [9, -1, True, "4", 4.0])
def test_2_2_level_outside_0_to_8_is_rejected(bad):
    with pytest.raises(ValueError):
        map_level_2_2_to_3_0(bad)
