"""The faster paths of the area-answer turn give exactly what the slower ones gave (bench/README.md)."""

from __future__ import annotations

import copy
import json

import pytest

from cards.address import address_card
from cards.i18n import LANGS
from cards.samples import all_samples

SAMPLES = sorted(all_samples().items())


def _address_card_as_before(card: dict, person_id: int) -> dict:
    """The former implementation: a deep copy, then a second walk that stamps the actions."""
    stamped = copy.deepcopy(card)

    def stamp(node) -> None:
        if isinstance(node, dict):
            if node.get("type") in {"Action.Execute", "Action.Submit"}:
                node.setdefault("data", {})["to"] = person_id
            for value in node.values():
                stamp(value)
        elif isinstance(node, list):
            for item in node:
                stamp(item)

    stamp(stamped)
    return stamped


def _containers(node, found: list) -> list:
    if isinstance(node, (dict, list)):
        found.append(node)
        for value in node.values() if isinstance(node, dict) else node:
            _containers(value, found)
    return found


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("name", "build"), SAMPLES, ids=[name for name, _ in SAMPLES])
def test_address_card_gives_the_same_card_as_the_deep_copy_did(name, build, lang):
    card = build(lang)
    before = json.dumps(card, sort_keys=False)

    addressed = address_card(card, 4711)

    expected = _address_card_as_before(card, 4711)
    # Same content and the same key order, so the same JSON goes out.
    assert json.dumps(addressed) == json.dumps(expected)
    assert json.dumps(card) == before, "the card built by the handler is not changed"
    originals = {id(node) for node in _containers(card, [])}
    assert not originals & {id(node) for node in _containers(addressed, [])}, "no dict or list is shared"


def test_address_card_stamps_an_action_without_data_and_keeps_other_types_as_deepcopy_did():
    card = {"type": "AdaptiveCard", "actions": [{"type": "Action.Submit", "title": "x"}],
            "extra": ({"type": "Action.Execute", "data": {}},), "n": [1, 2.5, True, None]}

    addressed = address_card(card, 7)

    assert addressed == _address_card_as_before(card, 7)
    assert addressed["actions"][0]["data"] == {"to": 7}
    assert addressed["extra"] is not card["extra"]


# ---- the profile chart ---------------------------------------------------------------------------------------

def _chart_as_drawn_in_rgb(areas, levels, targets, previous):
    """The chart as it was drawn before the palette background: everything in RGB, in the former order,
    before any quantization (the truth both the former and the current PNG approximate)."""
    from PIL import Image, ImageDraw

    from cards import chart

    image = Image.new("RGB", (chart.WIDTH, chart.HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    font = chart._font()
    plot_bottom = chart.HEIGHT - chart._BOTTOM
    for level in range(chart.MAX_LEVEL + 1):
        y = chart._y_of(level)
        draw.line([(chart._LEFT, y), (chart.WIDTH - chart._RIGHT, y)], fill=chart._GRID if level else chart._AXIS)
        draw.text((chart._LEFT - 6, y), str(level), fill=chart._TEXT, font=font, anchor="rm")
    for area, colour, area_start, area_end, bars in chart._layout(areas):
        for key, centre, left, right in bars:
            level = levels.get(key)
            if level is None:
                draw.line([(centre - 3, plot_bottom - 9), (centre + 3, plot_bottom - 3)], fill=chart._AXIS, width=2)
                draw.line([(centre - 3, plot_bottom - 3), (centre + 3, plot_bottom - 9)], fill=chart._AXIS, width=2)
            else:
                draw.rectangle([left, min(chart._y_of(level), plot_bottom - 3), right, plot_bottom - 1], fill=colour)
            if targets.get(key) is not None:
                y = chart._y_of(targets[key])
                draw.rectangle([left - 3, y - 1, right + 3, y + 1], fill=chart._TARGET)
            if previous.get(key) is not None:
                y = chart._y_of(previous[key])
                draw.ellipse([centre - 3, y - 3, centre + 3, y + 3], fill=chart._PREVIOUS, outline=chart._TARGET)
            draw.text((centre, plot_bottom + 4), key, fill=chart._TEXT, font=font, anchor="mt")
        draw.line([(area_start + 2, plot_bottom + 24), (area_end - 2, plot_bottom + 24)], fill=colour, width=3)
        draw.text(((area_start + area_end) / 2, plot_bottom + 29), area, fill=colour, font=font, anchor="mt")
    return image


@pytest.mark.parametrize("seed", range(6))
def test_the_chart_looks_as_drawn_in_rgb_with_every_bar_target_and_dot_in_its_exact_colour(seed):
    import io
    import random

    from PIL import Image, ImageChops, ImageColor

    from cards import chart
    from store.digcomp import load_framework

    framework = load_framework("2.2")
    areas = tuple((a.key, tuple(c.key for c in a.competences)) for a in framework.areas)
    rng = random.Random(seed)
    keys = [c.key for c in framework.competences]
    levels = {key: rng.choice([None, 0, 1, 2, 3, 4, 5, 6, 7, 8]) for key in keys}
    targets = {key: rng.choice([1, 4, 8]) for key in keys if rng.random() < 0.5}
    previous = {key: rng.choice([None, 0, 3, 8]) for key in keys} if seed % 2 else {}

    drawn = Image.open(io.BytesIO(chart.chart_png(areas, levels, targets, previous)))
    assert drawn.mode == "P" and len(drawn.getcolors()) <= 16
    truth = _chart_as_drawn_in_rgb(areas, levels, targets, previous)
    got = drawn.convert("RGB")
    solid = {ImageColor.getrgb(colour) for colour in chart._SOLID}
    # Every pixel of a solid colour (white, grid, axis, bars, targets, dots, crosses) is exactly that colour;
    # only the anti-aliased edges of the labels are approximated by the palette's shades.
    wrong = [(x, y) for y in range(0, chart.HEIGHT) for x in range(chart.WIDTH)
             if truth.getpixel((x, y)) in solid and got.getpixel((x, y)) != truth.getpixel((x, y))]
    assert wrong == []
    histogram = ImageChops.difference(truth, got).convert("L").histogram()
    mean = sum(value * count for value, count in enumerate(histogram)) / sum(histogram)
    assert mean < 1.0 and max(value for value, count in enumerate(histogram) if count) < 64


# ---- msrest reading an inbound activity ----------------------------------------------------------------------

def test_msrest_copies_plain_json_values_as_its_own_walk_did_and_leaves_the_rest_to_it():
    from msrest.serialization import Deserializer

    from bot.sdk_fixes import apply_sdk_fixes
    from tests.fakes import activities as teams
    from tests.fakes.activities import TeamsUser

    apply_sdk_fixes()
    deserializer = Deserializer({})
    original = Deserializer.deserialize_object.__wrapped__
    activity = teams.execute(TeamsUser.create("Anna"), "assessment.answer",
                             {"verb": "assessment.answer", "assessment": 7, "rev": 2, "area": 1, "c2_1_f": "3",
                              "nested": [{"x": 1.5, "y": None, "z": True}], "to": 12})
    for value in (activity["value"], activity["channelData"], [1, "a", {"b": [False]}]):
        fast = deserializer.deserialize_object(value)
        assert fast == original(deserializer, value)
        assert fast is not value and json.dumps(fast) == json.dumps(value)
    # Not plain JSON (a tuple inside): msrest's own path, with its own answer (here: an error).
    with pytest.raises(TypeError):
        deserializer.deserialize_object({"a": (1, 2)})
    with pytest.raises(TypeError):
        original(deserializer, {"a": (1, 2)})


def test_an_activity_reads_the_same_with_and_without_the_fast_copy():
    from botbuilder.schema import Activity
    from msrest.serialization import Deserializer

    from bot.sdk_fixes import apply_sdk_fixes
    from tests.fakes import activities as teams
    from tests.fakes.activities import TeamsUser

    apply_sdk_fixes()
    user = TeamsUser.create("Anna")
    bodies = [teams.execute(user, "assessment.answer", {"verb": "assessment.answer", "c1_1_f": "2", "to": 3}),
              teams.text(user, "hjälp")]
    for body in bodies:
        fast = Activity().deserialize(body).serialize()
        fast_copy = Deserializer.deserialize_object
        try:
            Deserializer.deserialize_object = fast_copy.__wrapped__
            slow = Activity().deserialize(body).serialize()
        finally:
            Deserializer.deserialize_object = fast_copy
        assert fast == slow


def test_statements_for_a_competence_are_the_scan_and_sort_they_were():
    from store.digcomp import GROUP_KEYS, load_framework, load_instrument

    instrument = load_instrument()
    for competence in load_framework(instrument.framework_version).competences:
        scanned = sorted((s for s in instrument.statements if s.competence == competence.key),
                         key=lambda s: GROUP_KEYS.index(s.group))
        assert instrument.statements_for(competence.key) == tuple(scanned)
    with pytest.raises(KeyError):
        instrument.statements_for("9.9")


def _activities_of_every_kind():
    from tests.fakes import activities as teams
    from tests.fakes.activities import TeamsUser

    anna, bo = TeamsUser.create("Anna"), TeamsUser.create("Bo")
    bodies = []
    for user in (anna, bo, anna):
        bodies += [teams.text(user, "hjälp"), teams.text(user, "help", locale="en-US"),
                   teams.execute(user, "menu.help", {"verb": "menu.help"}), teams.install(user),
                   teams.bot_added(user), teams.submit(user, {"verb": "menu.help"}),
                   teams.channel_mention(user, "hjälp"), teams.text(user, "hej", service_url="https://other.example/")]
    no_id = teams.text(anna, "utan id")
    no_id.pop("id")
    return bodies + [no_id]


def test_a_remembered_conversation_reference_is_what_the_sdk_serializes_each_time():
    from botbuilder.core import TurnContext

    from bot.activities import reference_of
    from bot.inbound import read_activity
    from bot.sdk_fixes import apply_sdk_fixes

    apply_sdk_fixes()
    for body in _activities_of_every_kind():
        activity = read_activity(body)
        expected = TurnContext.get_conversation_reference(activity).serialize()
        first, again = reference_of(activity), reference_of(activity)
        assert json.dumps(first) == json.dumps(again) == json.dumps(expected), body["type"]
        first["user"]["name"] = "changed by a caller"
        assert reference_of(activity) == expected, "each call gets its own copy"
