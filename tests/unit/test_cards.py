"""Every card the bot can send is valid Adaptive Card 1.5, small, labelled, and exported in both languages."""

import copy
import json
import subprocess
import sys

import pytest

from cards.address import address_card
from cards.elements import card, choice_set, execute, text
from cards.i18n import LANGS
from cards.samples import all_samples
from cards.validate import MAX_CARD_BYTES, card_problems, card_size

SAMPLES = sorted(all_samples().items())


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("name", "builder"), SAMPLES, ids=[name for name, _ in SAMPLES])
def test_every_card_is_valid_adaptive_card_1_5_and_far_below_teams_size_limit(name, builder, lang):
    built = builder(lang)

    assert card_problems(built) == []
    assert card_size(built) < MAX_CARD_BYTES
    # Addressing adds the recipient to every action: the card must stay valid.
    assert card_problems(address_card(built, 123456)) == []


def test_the_validator_catches_what_the_schema_alone_would_let_through():
    good = card([choice_set("q1", label="Fråga", choices=[("Ja", "1")], required=True)], lang="sv")
    assert card_problems(good) == []

    unlabelled = copy.deepcopy(good)
    del unlabelled["body"][0]["label"]
    assert any("needs a label" in p for p in card_problems(unlabelled))

    duplicate = card([text("a") | {"id": "x"}, text("b") | {"id": "x"}], lang="sv")
    assert any("duplicate id 'x'" in p for p in card_problems(duplicate))

    unknown = card([{"type": "Carousel", "pages": []}], lang="sv")
    assert card_problems(unknown)

    wrong_version = card([text("a")], lang="sv") | {"version": "1.6"}
    assert any("version" in p for p in card_problems(wrong_version))

    huge = card([text("x" * (MAX_CARD_BYTES + 10))], lang="sv")
    assert any("byte budget" in p for p in card_problems(huge))


def test_execute_actions_carry_a_submit_fallback_with_the_same_verb_and_data():
    action = execute("Nästa", "assessment.answer", {"area": "2"})

    assert action["verb"] == "assessment.answer"
    assert action["fallback"]["type"] == "Action.Submit"
    assert action["fallback"]["data"] == action["data"] == {"verb": "assessment.answer", "area": "2"}


def test_address_card_stamps_every_action_including_fallbacks_without_touching_the_original():
    original = card([text("a")], [execute("Ok", "menu.help")], lang="sv")

    addressed = address_card(original, 42)

    assert addressed["actions"][0]["data"]["to"] == 42
    assert addressed["actions"][0]["fallback"]["data"]["to"] == 42
    assert "to" not in original["actions"][0]["data"]


def test_export_command_writes_every_variant_in_both_languages(tmp_path):
    result = subprocess.run([sys.executable, "-m", "cards", "export", str(tmp_path)], capture_output=True, text=True)

    assert result.returncode == 0, result.stderr
    written = sorted(path.name for path in tmp_path.glob("*.json"))
    assert written == sorted(f"{name}.{lang}.json" for name, _ in SAMPLES for lang in LANGS)
    welcome = json.loads((tmp_path / "welcome.sv.json").read_text(encoding="utf-8"))
    assert welcome["type"] == "AdaptiveCard" and welcome["version"] == "1.5"
