"""The answers of an area card: which inputs belong to it, checking what was sent, and levels from the answers."""

import pytest

from dialogs.rules.answers import (
    LONG_VALUES, SHORT_VALUES, area_items, area_is_complete, check_area_answers, first_incomplete_area,
    levels_from_answers, long_steps, next_unanswered_step, statement_view,
)
from store.digcomp import CURRENT_INSTRUMENT, load_framework, load_instrument

INSTRUMENT = load_instrument(CURRENT_INSTRUMENT)
FRAMEWORK = load_framework(INSTRUMENT.framework_version)


def all_answers(mode, value_for):
    answers = {}
    for index in range(5):
        for item_id in area_items(CURRENT_INSTRUMENT, mode, index).item_ids:
            answers[item_id] = value_for(item_id)
    return answers


@pytest.mark.parametrize(("index", "competences"), [(0, 3), (1, 6), (2, 4), (3, 4), (4, 4)])
def test_each_area_has_four_statements_per_competence_in_long_mode_and_one_item_in_short(index, competences):
    long_items = area_items(CURRENT_INSTRUMENT, "long", index)
    short_items = area_items(CURRENT_INSTRUMENT, "short", index)

    assert len(long_items.item_ids) == 4 * competences
    assert len(short_items.item_ids) == competences
    assert long_items.area_key == short_items.area_key == FRAMEWORK.areas[index].key
    assert set(long_items.competence_of.values()) == set(short_items.competence_of.values())


def test_checking_an_area_keeps_valid_answers_and_names_missing_and_invalid_inputs():
    items = area_items(CURRENT_INSTRUMENT, "long", 0)
    sent = {item_id: "2" for item_id in items.item_ids}
    sent.update({"c1_2_a": "", "c1_3_h": "7", "verb": "assessment.answer", "c9_9_f": "2"})
    del sent["c1_1_f"]

    checked = check_area_answers(items, "long", sent)

    assert checked.missing == ("c1_1_f", "c1_2_a")
    assert checked.invalid == ("c1_3_h",)
    assert not checked.complete
    assert "verb" not in checked.answers and "c9_9_f" not in checked.answers
    assert len(checked.answers) == 12 - 3


def test_short_mode_accepts_its_own_values_and_not_the_long_scale():
    items = area_items(CURRENT_INSTRUMENT, "short", 0)

    assert check_area_answers(items, "short", {i: "h" for i in items.item_ids}).complete
    assert check_area_answers(items, "short", {i: "2" for i in items.item_ids}).invalid == items.item_ids
    assert set(SHORT_VALUES) - set(LONG_VALUES) == {"f", "i", "a", "h"}


def test_long_answers_give_levels_by_the_scoring_rule_and_not_relevant_gives_none():
    # Intermediate reached with "guide others": its upper level 4; advanced "with help" adds nothing.
    group_answer = {"f": "2", "i": "3", "a": "1", "h": "0"}
    answers = all_answers("long", lambda item_id: group_answer[item_id[-1]])
    for letter in "fiah":
        answers[f"c4_4_{letter}"] = "na"

    levels = levels_from_answers(INSTRUMENT, FRAMEWORK, "long", answers)

    assert len(levels) == 21
    assert levels["1.1"] == 4 and levels["5.4"] == 4
    assert levels["4.4"] is None


def test_short_answers_give_the_level_of_doing_the_chosen_group_on_ones_own():
    choices = {"s1_1": "0", "s1_2": "f", "s1_3": "i", "s2_1": "a", "s2_2": "h", "s2_3": "na"}
    answers = all_answers("short", lambda item_id: choices.get(item_id, "i"))

    levels = levels_from_answers(INSTRUMENT, FRAMEWORK, "short", answers)

    assert [levels[k] for k in ("1.1", "1.2", "1.3", "2.1", "2.2", "2.3")] == [0, 2, 3, 5, 7, None]


def test_first_incomplete_area_is_where_an_answer_is_missing_or_the_area_count_when_done():
    answers = all_answers("short", lambda _: "i")
    assert first_incomplete_area(CURRENT_INSTRUMENT, "short", answers, 5) == 5

    del answers["s3_2"]
    assert first_incomplete_area(CURRENT_INSTRUMENT, "short", answers, 5) == 2
    assert not area_is_complete(area_items(CURRENT_INSTRUMENT, "short", 2), answers)
    assert first_incomplete_area(CURRENT_INSTRUMENT, "short", {}, 5) == 0


def test_the_long_modes_statements_come_area_by_area_each_numbered_within_its_area():
    steps = long_steps(CURRENT_INSTRUMENT)

    assert [s.statement_id for s in steps] == [i for a in range(5) for i in area_items(CURRENT_INSTRUMENT, "long",
                                                                                      a).item_ids]
    assert [(s.area_index, s.number_in_area, s.area_size) for s in (steps[0], steps[11], steps[12], steps[83])] == [
        (0, 1, 12), (0, 12, 12), (1, 1, 24), (4, 16, 16)]
    view = statement_view(CURRENT_INSTRUMENT, 12, "sv")
    assert (view.area_key, view.competence_key, view.question) == ("2", "2.1", "Hur gör du det i dag?")
    assert [value for _, value in view.choices] == list(LONG_VALUES)


def test_after_an_answer_comes_the_first_unanswered_statement_after_it_then_any_before_it():
    ids = [s.statement_id for s in long_steps(CURRENT_INSTRUMENT)]
    answered = {i: "2" for i in ids[:20]}

    assert next_unanswered_step(CURRENT_INSTRUMENT, answered, 19) == 20
    assert next_unanswered_step(CURRENT_INSTRUMENT, answered, 5) == 20, "after going back: on where one was"
    assert next_unanswered_step(CURRENT_INSTRUMENT, {i: "2" for i in ids[1:]}, 83) == 0
    assert next_unanswered_step(CURRENT_INSTRUMENT, {i: "na" for i in ids}, 83) is None
