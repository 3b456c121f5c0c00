"""Scoring rules: exhaustive over every answer combination, plus the examples in SCORING.md."""

from __future__ import annotations

import re
from itertools import product
from pathlib import Path

import pytest

from dialogs.rules.scoring import (
    GROUPS,
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


# --- score_competence -----------------------------------------------------------------


def test_there_are_625_combinations_of_four_groups_and_five_answers():
    assert len(ALL_COMBINATIONS) == 5**4
    assert len({tuple(c.values()) for c in ALL_COMBINATIONS}) == 625


def test_every_combination_scores_an_int_from_0_to_8_unless_all_are_not_relevant():
    wrong = []
    for answers in ALL_COMBINATIONS:
        level = score_competence(answers)
        all_not_relevant = all(v is None for v in answers.values())
        if all_not_relevant and level is not None:
            wrong.append((answers, level))
        if not all_not_relevant and (type(level) is not int or not 0 <= level <= 8):
            wrong.append((answers, level))
    assert wrong == []


def test_all_not_relevant_and_nothing_answered_both_score_none():
    assert score_competence(_answers(None, None, None, None)) is None
    assert score_competence({}) is None


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


def test_every_level_from_0_to_8_is_reachable():
    reached = {score_competence(answers) for answers in ALL_COMBINATIONS}
    assert reached == {None, *range(9)}


def test_answers_above_the_first_unmastered_group_do_not_change_the_level():
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


def test_with_help_at_the_first_unmastered_group_gives_that_groups_lower_level():
    lower = {"foundation": 1, "intermediate": 3, "advanced": 5, "highly_specialised": 7}
    wrong = []
    for answers in ALL_COMBINATIONS:
        stop = next((g for g in GROUPS if answers[g] is not None and answers[g] < 2), None)
        if stop is not None and answers[stop] == 1 and score_competence(answers) != lower[stop]:
            wrong.append(answers)
    assert wrong == []


def test_guide_others_at_the_top_mastered_group_lifts_exactly_one_level_compared_with_on_my_own():
    lifted = 0
    for answers in ALL_COMBINATIONS:
        relevant = [g for g in GROUPS if answers[g] is not None]
        passed = []
        for g in relevant:
            if answers[g] < 2:
                break
            passed.append(g)
        stop_answer = answers[relevant[len(passed)]] if len(passed) < len(relevant) else None
        if not passed or answers[passed[-1]] != 3 or stop_answer == 1:
            continue
        on_my_own = score_competence({**answers, passed[-1]: 2})
        assert score_competence(answers) == min(on_my_own + 1, 8), answers
        lifted += 1
    assert lifted > 0


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


def test_scoring_md_has_at_least_fifteen_examples():
    assert len(_documented_examples()) >= 15


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


# --- short mode ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("choice", "level"), [("0", 0), ("f", 2), ("i", 4), ("a", 6), ("h", 8), ("na", None)]
)
def test_short_choice_maps_to_the_documented_level(choice, level):
    assert score_short_choice(choice) == level


def test_each_short_choice_equals_the_full_rule_for_on_my_own_up_to_that_group():
    assert score_short_choice("0") == score_competence(_answers(0, 0, 0, 0))
    for n, letter in enumerate("fiah"):
        answers = {g: (2 if k <= n else 0) for k, g in enumerate(GROUPS)}
        assert score_short_choice(letter) == score_competence(answers), letter


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
