"""Every card the bot can send goes through the official Adaptive Cards renderer without a warning."""

from __future__ import annotations

import base64
import importlib
import inspect
import io
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

from cards.render_check import check_cards, missing_tools

REPO = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(bool(missing_tools()), reason="render check needs: " + ", ".join(missing_tools())),
]


def _png_data_uri() -> str:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (24, 24), (91, 95, 199)).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _card(body: list, actions: list | None = None, **extra) -> dict:
    card = {"type": "AdaptiveCard", "version": "1.5", "lang": "sv", "msteams": {"width": "Full"}, "body": body}
    if actions:
        card["actions"] = actions
    return card | extra


def sample_cards() -> dict[str, dict]:
    """Valid cards using every feature our cards rely on; each must pass the check."""
    statement = {
        "type": "Input.ChoiceSet",
        "id": "level",
        "style": "expanded",
        "isRequired": True,
        "label": "Hur väl stämmer det?",
        "errorMessage": "Välj ett alternativ.",
        "choices": [{"title": f"Nivå {n}", "value": str(n)} for n in range(1, 5)],
    }
    execute = {
        "type": "Action.Execute",
        "title": "Nästa",
        "verb": "assessment.answer",
        "data": {"q": 1},
        "fallback": {"type": "Action.Submit", "title": "Nästa", "data": {"verb": "assessment.answer", "q": 1}},
    }
    columns = {
        "type": "ColumnSet",
        "columns": [
            {
                "type": "Column",
                "width": "auto",
                "items": [{"type": "Image", "url": _png_data_uri(), "altText": "Logotyp", "size": "Small"}],
            },
            {
                "type": "Column",
                "width": "stretch",
                "items": [{"type": "TextBlock", "text": "Kompetenslyft", "weight": "Bolder", "wrap": True}],
            },
        ],
    }
    return {
        "question": _card(
            [{"type": "TextBlock", "text": "Jag hittar information på nätet.", "wrap": True}, statement], [execute]
        ),
        "profile": _card([columns, {"type": "FactSet", "facts": [{"title": "Information", "value": "3 av 4"}]}]),
        "note": _card(
            [{"type": "Input.Text", "id": "note", "label": "Kommentar", "isMultiline": True, "maxLength": 500}],
            [{"type": "Action.Submit", "title": "Spara", "data": {"verb": "note.save"}}],
        ),
    }


def broken_cards() -> dict[str, tuple[dict, tuple[str, ...]]]:
    """Cards with one fault each, and the fragments the check's report must contain (renderer's and ours)."""
    unlabelled = {"type": "Input.Text", "id": "name", "isRequired": True}
    same_id = [{"type": "Input.Text", "id": "dup", "label": "A"}, {"type": "Input.Text", "id": "dup", "label": "B"}]
    return {
        "broken-unknown-element": (_card([{"type": "Carousel9000", "id": "x"}]), ("[parse] UnknownElementType",)),
        "broken-duplicate-id": (_card(same_id), ("[validate] DuplicateId", '[rule] duplicate id "dup"')),
        "broken-required-without-label": (
            _card([unlabelled]),
            ("[validate] RequiredInputsShouldHaveLabel", '[rule] required input "name" has no label'),
        ),
        "broken-version": (
            _card([{"type": "TextBlock", "text": "x"}], version="1.6"),
            ('[rule] version must be "1.5"',),
        ),
    }


def _write(directory: Path, cards: dict[str, dict]) -> list[Path]:
    paths = []
    for name, card in cards.items():
        path = directory / f"{name}.sv.json"
        path.write_text(json.dumps(card, ensure_ascii=False), encoding="utf-8")
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def sample_reports(tmp_path_factory):
    directory = tmp_path_factory.mktemp("card-samples")
    cards = sample_cards() | {name: card for name, (card, _) in broken_cards().items()}
    return {report.name: report for report in check_cards(_write(directory, cards))}


def test_every_exported_card_renders_without_warnings(tmp_path):
    # No skip when the exporter is missing: it exists, so its absence is a failure, and so is a failing export.
    result = subprocess.run(
        [sys.executable, "-m", "cards", "export", str(tmp_path)], cwd=REPO, capture_output=True, text=True
    )
    assert result.returncode == 0, f"python -m cards export failed:\n{result.stdout}{result.stderr}"
    paths = sorted(tmp_path.glob("*.json"))
    assert paths, "python -m cards export wrote no card"
    reports = check_cards(paths)
    failures = [report.summary() for report in reports if not report.ok]
    assert not failures, "\n".join(failures)
    names = {(report.name, report.lang) for report in reports}
    assert (
        {name for name, _ in names}
        == {name for name, lang in names if lang == "sv"}
        == {name for name, lang in names if lang == "en"}
    )


# Modules of the cards package that hold no card a person is sent.
_NOT_CARD_MODULES = (
    "cards.render_check",
    "cards.samples",
    "cards.export",
    "cards.validate",
    "cards.elements",
    "cards.address",  # stamps any card with its addressee; builds none
)


def card_builders() -> dict[str, object]:
    """Every public `*_card` function defined in the cards package: the cards the bot can send."""
    import cards

    builders = {}
    for info in pkgutil.walk_packages(cards.__path__, prefix="cards."):
        if info.name.startswith(_NOT_CARD_MODULES) or info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if name.endswith("_card") and not name.startswith("_") and function.__module__ == info.name:
                builders[f"{info.name}.{name}"] = function
    return builders


def test_every_card_builder_is_exported():
    """The export (and so the render check) builds every card builder: a new card without a sample fails here."""
    from cards.samples import all_samples

    wanted = {function.__code__: name for name, function in card_builders().items()}
    assert wanted, "found no *_card function in the cards package"
    called = set()

    def trace(frame, event, arg):
        if event == "call" and frame.f_code in wanted:
            called.add(frame.f_code)

    sys.setprofile(trace)
    try:
        for builder in all_samples().values():
            for lang in ("sv", "en"):
                builder(lang)
    finally:
        sys.setprofile(None)
    missing = sorted(wanted[code] for code in wanted.keys() - called)
    assert not missing, (
        "card builders that no sample in cards.samples builds, so `python -m cards export` and the render check "
        "never see them: " + ", ".join(missing)
    )


@pytest.mark.parametrize("name", list(sample_cards()))
def test_sample_card_renders_without_warnings(sample_reports, name):
    report = sample_reports[name]
    assert report.ok, report.summary()
    assert report.height > 50


@pytest.mark.parametrize("name", list(broken_cards()))
def test_broken_card_is_reported(sample_reports, name):
    report = sample_reports[name]
    assert not report.ok
    for expected in broken_cards()[name][1]:
        assert any(expected in warning for warning in report.warnings), report.summary()
