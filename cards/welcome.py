"""The welcome card and the main menu: what the bot does and its entry points, per role."""

from __future__ import annotations

from dataclasses import dataclass

from cards.elements import action_set, card, container, facts, heading, submit, text
from cards.i18n import Lang, t
from cards.verbs import Verb


@dataclass(frozen=True)
class MenuRoles:
    manager: bool = False
    coordinator: bool = False


# Teams cuts button labels short when more than two share a row in a narrow chat pane.
_BUTTONS_PER_ROW = 2


def _menu_section(lang: Lang, title_key: str, entries: list[tuple[str, Verb]]):
    # Action.Submit keeps the menu in the chat; each choice answers with a new message.
    buttons = [submit(t(lang, label_key), verb) for label_key, verb in entries]
    rows = [buttons[i:i + _BUTTONS_PER_ROW] for i in range(0, len(buttons), _BUTTONS_PER_ROW)]
    return container(
        [text(t(lang, title_key), weight="Bolder", spacing="Medium"), *(action_set(row) for row in rows)]
    )


def menu_body(lang: Lang, roles: MenuRoles):
    sections = [
        _menu_section(
            lang,
            "menu.employee",
            [
                ("menu.assessment", Verb.ASSESSMENT_START),
                ("menu.profile", Verb.PROFILE_SHOW),
                ("menu.plan", Verb.PLAN_SHOW),
                ("menu.activities", Verb.ACTIVITIES_SHOW),
            ],
        )
    ]
    if roles.manager:
        sections.append(_menu_section(lang, "menu.manager", [("menu.team", Verb.TEAM_SHOW)]))
    if roles.coordinator:
        sections.append(
            _menu_section(
                lang,
                "menu.coordinator",
                [
                    ("menu.activity_new", Verb.ACTIVITY_NEW),
                    ("menu.broadcast", Verb.BROADCAST_NEW),
                    ("menu.report", Verb.REPORT_SHOW),
                ],
            )
        )
    return sections


def welcome_card(lang: Lang, *, name: str | None, roles: MenuRoles = MenuRoles()) -> dict:
    first_name = name.split()[0] if name and name.split() else None
    greeting = t(lang, "welcome.greeting", name=first_name) if first_name else t(lang, "welcome.greeting_anonymous")
    return card(
        [
            heading(t(lang, "welcome.title")),
            text(greeting, weight="Bolder"),
            text(t(lang, "welcome.intro")),
            text(t(lang, "welcome.privacy"), subtle=True, size="Small"),
            *menu_body(lang, roles),
            text(t(lang, "menu.hint"), subtle=True, size="Small"),
        ],
        lang=lang,
    )


# Every typed command ("hjälp" lists them all), as dialogs/routes.py's COMMANDS accepts them: (Swedish, English).
COMMANDS = (
    ("help", "hjälp", "help"), ("assessment", "skattning", "assessment"), ("resume", "fortsätt", "continue"),
    ("profile", "min profil", "my profile"), ("history", "historik", "history"), ("targets", "mina mål", "my targets"),
    ("plan", "min plan", "my plan"), ("activities", "aktiviteter", "activities"),
    ("activities_mine", "mina aktiviteter", "my activities"), ("survey", "enkät", "survey"),
    ("survey_results", "resultat", "results"), ("my_data", "mina uppgifter", "my data"),
)
MANAGER_COMMANDS = (("team", "mina medarbetare", "my team"),)
COORDINATOR_COMMANDS = (("activity_new", "ny aktivitet", "new activity"), ("broadcast", "utskick", "broadcast"),
                        ("report", "rapport", "report"))


def commands_list(lang: Lang, roles: MenuRoles):
    entries = COMMANDS + (MANAGER_COMMANDS if roles.manager else ()) + (COORDINATOR_COMMANDS if roles.coordinator
                                                                        else ())
    return container([text(t(lang, "menu.commands.title"), weight="Bolder", spacing="Medium"),
                      facts([(sv if lang == "sv" else en, t(lang, f"menu.command.{key}")) for key, sv, en in entries])])


def menu_card(lang: Lang, *, roles: MenuRoles = MenuRoles(), unrecognised: str | None = None) -> dict:
    intro = t(lang, "unrecognised.text", text=unrecognised[:80]) if unrecognised else t(lang, "menu.title")
    return card([text(intro, weight="Bolder", size="Medium"), *menu_body(lang, roles), commands_list(lang, roles)],
                lang=lang)
