"""Swedish as it is written: correct plurals, Swedish quotation marks, names rather than "hen", every command in
"hjälp", a Swedish placeholder in the date picker; and the plan and review cards without numbering twice or
version numbers."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from cards.plan import plan_card, plan_edit_card, sample_view
from cards.review import TeamMemberView, review_card, team_card
from cards.sample_titles import sample_titles
from cards.walk import actions, inputs, texts
from cards.welcome import MenuRoles, menu_card
from dialogs.routes import COMMANDS

STRINGS = Path(__file__).resolve().parents[2] / "cards" / "strings"
# The catalogue files of the plan, the menu and the profile chart.
FILES = ("common.json", "plan.json", "profile_chart.json")


def _member(n: int, state: str) -> TeamMemberView:
    return TeamMemberView(f"Person {n}", None, "finished", date(2026, 3, 1), state, n, 2, True)


@pytest.mark.parametrize(("waiting", "swedish", "english"), [
    (1, "1 plan väntar på dig.", "1 plan is waiting for you."),
    (2, "2 planer väntar på dig.", "2 plans are waiting for you."),
])
def test_the_number_of_waiting_plans_has_the_right_plural(waiting, swedish, english):
    members = [_member(n, "sent") for n in range(waiting)] + [_member(9, "approved")]
    assert swedish in texts(team_card("sv", members=members, period=2026))
    assert english in texts(team_card("en", members=members, period=2026))
    assert not any("plan(er)" in line for line in texts(team_card("sv", members=members, period=2026)))


@pytest.mark.parametrize("name", FILES)
def test_swedish_texts_use_swedish_quotation_marks_and_no_hen(name):
    for key, value in json.loads((STRINGS / "sv" / name).read_text(encoding="utf-8")).items():
        assert '"' not in value and "“" not in value, f"{key}: {value}"
        assert not re.search(r"\bhen\b", value), f"{key}: say the person's name"


def test_help_lists_every_command_a_manager_and_coordinator_can_type_and_each_one_works():
    lines = texts(menu_card("sv", roles=MenuRoles(manager=True, coordinator=True)))
    listed = {line.split(" ", 1)[0] if not line.startswith(("min ", "mina ", "ny ")) else " ".join(line.split()[:2])
              for line in lines}
    for word in ("hjälp", "skattning", "fortsätt", "min profil", "historik", "mina mål", "min plan", "aktiviteter",
                 "mina medarbetare", "ny aktivitet", "utskick", "rapport"):
        assert word in listed and word in COMMANDS, word
    verbs_listed = {COMMANDS[word] for word in listed if word in COMMANDS}
    assert verbs_listed == set(COMMANDS.values()), "every command's verb is in the help"


def test_an_employee_is_not_offered_the_managers_commands():
    said = "\n".join(texts(menu_card("sv")))
    assert "fortsätt" in said and "mina mål" in said and "mina medarbetare" not in said


def test_the_date_picker_has_a_swedish_placeholder():
    card = plan_edit_card("sv", view=sample_view(), titles=sample_titles("sv"), candidates=[])
    (picker,) = [i for i in inputs(card) if i["type"] == "Input.Date"]
    assert picker["placeholder"] == "Välj ett datum"


def test_the_review_card_numbers_nothing_twice_shows_no_version_and_keeps_to_three_buttons():
    view = replace(sample_view("resent"), times_sent=2)
    card = review_card("sv", view=view, titles=sample_titles("sv"), employee_email="anna.lindberg@stockholm.se")
    said = "\n".join(texts(card))
    assert "3.1 Utveckla digitalt innehåll" in said and not re.search(r"\b\d\. \d\.\d", said)
    assert "Version" not in said and "· 2 gånger" in said
    assert [a["title"] for a in actions(card) if a["type"] != "Action.OpenUrl"] == [
        "Godkänn planen", "Begär ändringar", "Spara ändringar"]
    assert said.count(view.activities) == 0 and [i["value"] for i in inputs(card) if i["id"] == "activities"] == [
        view.activities]


def test_the_plan_card_says_how_often_it_was_sent_and_when_it_changed_not_its_version():
    said = "\n".join(texts(plan_card("sv", view=replace(sample_view("resent"), times_sent=2,
                                                         changed_on=date(2026, 3, 12)),
                                     titles=sample_titles("sv"))))
    assert "· 2 gånger" in said and "Senast ändrad 2026-03-12" in said and "Version" not in said
    assert "1. " not in said
