"""The routing table: typed commands in Swedish and English and card verbs reach the same handlers."""

import pytest

from cards.verbs import Verb
from dialogs.router import Route, Router, normalise_command
from dialogs.routes import build_router
from dialogs.turn import Kind, Request, Sender

SENDER = Sender(tenant_id="t", teams_user_id="29:x")


def _handler(name):
    def handler(turn):
        return name

    return handler


def _router():
    return Router(
        {"a.verb": Route(_handler("a")), "b.verb": Route(_handler("b"))},
        {"Min Plan": "a.verb", "my plan": "a.verb"},
        on_install=_handler("install"),
        on_unrecognised_text=_handler("unrecognised"),
        on_unknown_verb=_handler("unknown"),
    )


@pytest.mark.parametrize("typed", ["min plan", "  Min   plan!", "MIN PLAN.", "my plan\n"])
def test_commands_match_regardless_of_case_spacing_and_trailing_punctuation(typed):
    assert _router().resolve(Request(SENDER, Kind.TEXT, text=typed))(None) == "a"


def test_unknown_text_unknown_verb_and_install_have_their_own_handlers():
    router = _router()
    assert router.resolve(Request(SENDER, Kind.TEXT, text="vad är klockan"))(None) == "unrecognised"
    assert router.resolve(Request(SENDER, Kind.ACTION, verb="nope"))(None) == "unknown"
    assert router.resolve(Request(SENDER, Kind.INSTALL))(None) == "install"


def test_a_command_pointing_at_a_verb_without_a_route_is_refused_at_start_up():
    with pytest.raises(ValueError, match="without a route"):
        Router({}, {"hjälp": "menu.help"}, on_install=None, on_unrecognised_text=None, on_unknown_verb=None)


def test_every_menu_verb_is_routed_and_every_entry_point_has_a_swedish_and_english_command():
    router = build_router()
    for verb in (Verb.HELP, Verb.ASSESSMENT_START, Verb.PLAN_SHOW, Verb.ACTIVITIES_SHOW, Verb.ACTIVITY_NEW,
                 Verb.BROADCAST_NEW, Verb.REPORT_SHOW):
        assert verb in router.verbs
    for swedish, english in [("hjälp", "help"), ("skattning", "assessment"), ("min plan", "my plan"),
                             ("aktiviteter", "activities"), ("ny aktivitet", "new activity"),
                             ("utskick", "broadcast"), ("rapport", "report")]:
        assert router.verb_for_text(swedish) == router.verb_for_text(english) is not None


def test_the_teams_command_menu_titles_in_the_manifest_are_all_understood():
    import json
    from pathlib import Path

    router = build_router()
    manifest = json.loads((Path(__file__).parents[2] / "manifest" / "template.json").read_text(encoding="utf-8"))
    english = json.loads((Path(__file__).parents[2] / "manifest" / "locales" / "en.json").read_text(encoding="utf-8"))
    titles = [command["title"] for command in manifest["bots"][0]["commandLists"][0]["commands"]]
    titles += [value for key, value in english.items() if key.endswith(".title") and "commands" in key]
    assert titles
    for title in titles:
        assert router.verb_for_text(title) is not None, f"command menu entry {title!r} is not routed"


def test_normalise_command_folds_whitespace_and_case():
    assert normalise_command("  Mina\tMedarbetare?! ") == "mina medarbetare"

