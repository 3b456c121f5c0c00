"""The profile chart and card as a person reads them in Teams: area names in the chart's text alternative, the
previous result visible on a bar and beside it, the legend for earlier results only when there are any, an image
drawn at twice its size, and no comparison across scoring rules."""

from __future__ import annotations

import io
from datetime import date, datetime, timezone
from types import SimpleNamespace

import pytest
from PIL import Image

from cards.chart import SCALE, WIDTH, chart_data_uri, chart_png, chart_size
from cards.i18n import LANGS
from cards.profile import ProfileView, chart_alt_text, profile_card
from cards.sample_titles import sample_titles
from cards.walk import texts
from dialogs.profile import needs_confirmation, not_comparable_reason
from dialogs.digcomp_titles import digcomp_titles

TITLES = sample_titles("sv")
AREAS = [(a.key, f"{a.key} {a.title}", [key for key, _ in a.competences]) for a in TITLES.areas]
LEVELS = {key: 3 for key in TITLES.competence_keys}
LEGEND = ("Din nivå", "Mål", "Förra skattningen")


def _image(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png)).convert("RGB")


def _changed(before: bytes, after: bytes) -> list[tuple[tuple[int, int, int], tuple[int, int, int]]]:
    a, b = _image(before), _image(after)
    return [(p, q) for p, q in zip(a.getdata(), b.getdata()) if p != q]


def test_the_chart_is_drawn_at_twice_the_size_the_card_shows_it_as_a_small_palette_png():
    png = chart_png(AREAS, LEVELS, {"1.1": 6}, {"1.1": 4}, legend=LEGEND)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.mode == "P"
    assert image.size == chart_size(AREAS) and image.size[0] == WIDTH * SCALE == 880
    assert len(png) < 14 * 1024
    assert chart_data_uri(png).startswith("data:image/png;base64,iVBOR")


def test_the_previous_result_shows_as_a_ring_both_inside_a_bar_and_beside_a_shorter_one():
    white, dark = (255, 255, 255), (0x1a, 0x20, 0x2c)
    inside_before = chart_png(AREAS, {**LEVELS, "1.1": 6}, legend=LEGEND)
    inside_after = chart_png(AREAS, {**LEVELS, "1.1": 6}, previous={"1.1": 3}, legend=LEGEND)
    on_bar = [(p, q) for p, q in _changed(inside_before, inside_after) if p not in (white,)]
    assert {q for _, q in on_bar} >= {white, dark}, "on a bar the ring is a dark outline around a white centre"

    outside_before = chart_png(AREAS, {**LEVELS, "1.1": 2}, legend=LEGEND)
    outside_after = chart_png(AREAS, {**LEVELS, "1.1": 2}, previous={"1.1": 6}, legend=LEGEND)
    assert dark in {q for p, q in _changed(outside_before, outside_after) if p == white}, "beside a bar: dark"


def test_the_chart_changes_with_levels_targets_and_previous_results():
    plain = chart_png(AREAS, LEVELS, legend=LEGEND)
    assert chart_png(AREAS, {**LEVELS, "2.4": 7}, legend=LEGEND) != plain
    assert chart_png(AREAS, LEVELS, targets={"2.4": 7}, legend=LEGEND) != plain


def _legend_ink(png: bytes) -> int:
    image = _image(png)
    strip = image.crop((0, image.height - 22 * SCALE, image.width, image.height))
    return sum(1 for pixel in strip.getdata() if pixel != (255, 255, 255))


def test_the_legend_names_earlier_results_and_targets_only_when_the_chart_has_them():
    first = chart_png(AREAS, LEVELS, legend=LEGEND)
    with_targets = chart_png(AREAS, LEVELS, {"1.1": 5}, legend=LEGEND)
    with_previous = chart_png(AREAS, LEVELS, {"1.1": 5}, {"1.1": 2}, legend=LEGEND)
    assert _legend_ink(first) < _legend_ink(with_targets) < _legend_ink(with_previous)
    # An empty previous assessment is no previous assessment: the legend stays as it was.
    assert chart_png(AREAS, LEVELS, {"1.1": 5}, {"1.1": None}, legend=LEGEND) == with_targets


def _view(**extra) -> ProfileView:
    levels = extra.pop("levels", {**LEVELS, "2.3": None, "1.1": 5})
    return ProfileView(finished=date(2026, 3, 12), mode="long", levels=levels,
                       area_means={key: 3.0 for key in "12345"}, **extra)


@pytest.mark.parametrize("lang", LANGS)
def test_the_text_alternative_names_every_area_and_gives_every_value(lang):
    titles = sample_titles(lang)
    alt = chart_alt_text(lang, titles, _view(targets={"1.1": 6}, previous_levels={"1.1": 4},
                                             previous_finished=date(2025, 3, 1)))
    for area in titles.areas:
        assert f"{area.key} {area.title}" in alt
    assert "1.1 5 (" in alt and "6" in alt and "4" in alt
    assert "2.3 –" in alt
    card = profile_card(lang, titles=titles, view=_view())
    image = next(e for e in card["body"] if e.get("type") == "Image")
    assert image["altText"] == chart_alt_text(lang, titles, _view()) and image["size"] == "Stretch"


def test_the_alt_text_mentions_earlier_results_only_when_there_are_any():
    assert "förra gången" not in chart_alt_text("sv", TITLES, _view())
    assert "förra gången 4" in chart_alt_text("sv", TITLES, _view(previous_levels={"1.1": 4},
                                                                   previous_finished=date(2025, 3, 1)))


def test_a_previous_assessment_scored_by_another_rule_is_named_but_not_compared():
    said = "\n".join(texts(profile_card("sv", titles=TITLES, view=_view(
        previous_finished=date(2025, 3, 20), previous_not_comparable="scoring"))))
    assert "2025-03-20" in said and "äldre poängsättning" in said
    assert "Jämfört med" not in said and "sedan förra" not in said


def test_a_change_of_mode_is_said_beside_the_comparison():
    said = "\n".join(texts(profile_card("sv", titles=TITLES, view=_view(
        previous_finished=date(2025, 3, 20), previous_levels=LEVELS, previous_mode="short"))))
    assert "Jämfört med skattningen 2025-03-20" in said
    assert "förra gången gjorde du den korta skattningen och nu den långa skattningen" in said


def test_levels_seven_and_eight_wait_for_the_dialogue():
    assert [needs_confirmation(level) for level in (None, 0, 6, 7, 8)] == [False, False, False, True, True]
    said = "\n".join(texts(profile_card("sv", titles=TITLES, view=_view(levels={**LEVELS, "2.1": 7},
                                                                       to_confirm=frozenset({"2.1"})))))
    assert "7 (Högt specialiserad), att bekräfta i utvecklingssamtalet" in said


def _result(**fields):
    base = dict(framework_version="2.2", mode="long", scoring_version=2)
    return SimpleNamespace(**{**base, **fields})


def test_assessments_compare_only_within_one_framework_and_one_scoring_rule():
    assert not_comparable_reason(_result(), _result(mode="short")) is None
    assert not_comparable_reason(_result(), _result(scoring_version=1)) == "scoring"
    assert not_comparable_reason(_result(), SimpleNamespace(framework_version="2.2", mode="long")) == "scoring"
    assert not_comparable_reason(_result(), _result(framework_version="3.0")) == "framework"


def test_the_handlers_titles_are_the_frameworks_in_the_readers_language():
    assert digcomp_titles("2.2", "sv").areas == sample_titles("sv").areas
    assert digcomp_titles("2.2", "en").competence("2.5") == "Netiquette"


def test_the_history_lists_but_does_not_compare_assessments_scored_by_different_rules():
    from cards.samples import all_samples

    said = "\n".join(texts(all_samples()["history-other-scoring"]("sv")))
    assert "2025-03-20" in said and "äldre poängsättning" in said
    assert "Förändring från" not in said and "Höjt:" not in said


def test_a_level_waiting_for_confirmation_is_striped_above_six_and_solid_below():
    solid = _image(chart_png(AREAS, {**LEVELS, "2.1": 8}, legend=LEGEND))
    striped = _image(chart_png(AREAS, {**LEVELS, "2.1": 8}, legend=LEGEND, pending=frozenset({"2.1"})))
    changed = [(p, q) for p, q in zip(solid.getdata(), striped.getdata()) if p != q]
    background = {(255, 255, 255), (0xe2, 0xe8, 0xf0)}  # white, and the grid line of level 7
    assert changed and {q for _, q in changed} <= background, "gaps open in the bar, nothing else changes"
    assert chart_png(AREAS, {**LEVELS, "2.1": 6}, legend=LEGEND, pending=frozenset({"2.1"})) == chart_png(
        AREAS, {**LEVELS, "2.1": 6}, legend=LEGEND), "up to level 6 nothing waits"
