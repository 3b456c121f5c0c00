"""Self-assessment cards: choosing the mode, one card per DigComp area, resuming or starting over.

Every action carries the assessment id, and the area cards also the area and the revision they show,
so that the handler can tell a current card from a stale or a double-clicked one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Mapping, Sequence

from cards.elements import Element, action_set, card, choice_set, container, execute, heading, submit, text
from cards.i18n import Lang, t
from cards.notices import error_card
from cards.verbs import Verb
from store.digcomp import Framework, Instrument, load_framework, load_instrument

LONG, SHORT = "long", "short"
NOT_RELEVANT = "na"


def mode_label(lang: Lang, mode: str) -> str:
    return t(lang, f"assessment.mode_label.{mode}")


def _without_inputs(action: Element) -> Element:
    """Back and the like must not be blocked by (or send) the card's required inputs."""
    action["associatedInputs"] = "none"
    if "fallback" in action:
        action["fallback"]["associatedInputs"] = "none"
    return action


def _attribution(lang: Lang) -> Element:
    return text(t(lang, "assessment.attribution"), subtle=True, size="Small")


def mode_card(lang: Lang, *, replaces: int | None = None, expired_notice: bool = False) -> dict:
    """The start: what the assessment is, and the choice between the full and the quick mode."""
    data: dict[str, Any] = {"replaces": replaces} if replaces is not None else {}
    body: list[Element] = [heading(t(lang, "assessment.mode.title"))]
    if expired_notice:
        body.append(text(t(lang, "assessment.mode.expired"), color="Warning"))
    body.append(text(t(lang, "assessment.mode.intro")))
    for mode in (LONG, SHORT):
        body.append(container([
            text(t(lang, f"assessment.mode.{mode}_title"), weight="Bolder"),
            text(t(lang, f"assessment.mode.{mode}_body")),
            action_set([execute(t(lang, f"assessment.mode.{mode}_button"), Verb.ASSESSMENT_MODE,
                                {"mode": mode, **data}, style="positive" if mode == LONG else None)]),
        ], separator=True))
    if replaces is not None:
        body.append(text(t(lang, "assessment.mode.replaces"), subtle=True))
    body.append(_attribution(lang))
    return card(body, lang=lang)


def resume_card(lang: Lang, *, assessment_id: int, mode: str, answered_areas: int, area_count: int,
                started: date, expires: date) -> dict:
    return card(
        [
            heading(t(lang, "assessment.resume.title")),
            text(t(lang, "assessment.resume.body", answered=answered_areas, total=area_count,
                   mode=mode_label(lang, mode), started=started.isoformat(), expires=expires.isoformat())),
        ],
        [
            execute(t(lang, "assessment.resume.continue"), Verb.ASSESSMENT_RESUME, {"assessment": assessment_id},
                    style="positive"),
            execute(t(lang, "assessment.resume.restart"), Verb.ASSESSMENT_RESTART, {"assessment": assessment_id}),
        ],
        lang=lang,
    )


def nothing_to_resume_card(lang: Lang) -> dict:
    return card(
        [heading(t(lang, "assessment.nothing_to_resume.title")), text(t(lang, "assessment.nothing_to_resume.body"))],
        [submit(t(lang, "assessment.start"), Verb.ASSESSMENT_START), submit(t(lang, "menu.help"), Verb.HELP)],
        lang=lang,
    )


def area_card(
    lang: Lang,
    *,
    framework: Framework,
    instrument: Instrument,
    mode: str,
    assessment_id: int,
    revision: int,
    area_index: int,
    answers: Mapping[str, str],
    missing_competences: Sequence[str] = (),
) -> dict:
    """One DigComp area: its competences with their statements (long) or level descriptions (short).

    Inputs are prefilled from `answers`, so going back, resuming or a refused submit loses nothing.
    """
    area = framework.areas[area_index]
    total = len(framework.areas)
    body: list[Element] = [
        text(t(lang, "assessment.area.progress", number=area_index + 1, total=total, mode=mode_label(lang, mode)),
             subtle=True, size="Small"),
        heading(f"{area.key} {area.title.of(lang)}"),
        text(area.description.of(lang)),
        text(t(lang, f"assessment.area.instructions_{mode}"), weight="Bolder"),
    ]
    if missing_competences:
        body.append(text(t(lang, "assessment.area.missing", competences=", ".join(missing_competences)),
                         color="Attention", weight="Bolder"))
    long_inputs = _LongInputTexts.of(lang, instrument) if mode == LONG else None
    for competence in area.competences:
        items: list[Element] = [
            text(f"{competence.key} {competence.title.of(lang)}", weight="Bolder", size="Medium"),
            text(competence.description.of(lang), subtle=True, spacing="None"),
        ]
        if mode == LONG:
            items.extend(_statement_input(statement.id, statement.text.of(lang), answers, long_inputs)
                         for statement in instrument.statements_for(competence.key))
        else:
            items.append(_short_input(lang, instrument, competence.key, answers))
        body.append(container(items, separator=True))
    body.append(text(t(lang, "assessment.area.saved_hint"), subtle=True, size="Small"))

    data = {"assessment": assessment_id, "area": area_index, "rev": revision}
    actions = []
    if area_index > 0:
        actions.append(_without_inputs(execute(t(lang, "assessment.area.back"), Verb.ASSESSMENT_BACK, data)))
    last = area_index == total - 1
    actions.append(execute(t(lang, "assessment.area.finish" if last else "assessment.area.next"),
                           Verb.ASSESSMENT_ANSWER, data, style="positive"))
    return card(body, actions, lang=lang)


@dataclass(frozen=True)
class _LongInputTexts:
    """What every statement's input on a long-mode card shares: looked up once per card, not per statement."""

    choices: tuple[tuple[str, str], ...]
    required: str
    placeholder: str

    @classmethod
    def of(cls, lang: Lang, instrument: Instrument) -> "_LongInputTexts":
        choices = [(option.text.of(lang), str(option.value)) for option in instrument.scale.options]
        choices.append((instrument.scale.not_relevant.text.of(lang), NOT_RELEVANT))
        return cls(tuple(choices), t(lang, "assessment.area.required"), t(lang, "assessment.area.placeholder"))


def _statement_input(statement_id: str, statement: str, answers: Mapping[str, str],
                     texts: _LongInputTexts) -> Element:
    # Compact (a dropdown per statement): 24 expanded radio groups would make area 2 very long to scroll.
    element = choice_set(statement_id, label=statement, choices=texts.choices, required=True,
                         error_message=texts.required, value=answers.get(statement_id), expanded=False)
    element["placeholder"] = texts.placeholder
    element["wrap"] = True
    return element


def short_item_id(competence: str) -> str:
    """Input id of a competence in the quick mode: "2.1" -> "s2_1" (long mode uses the statement ids)."""
    return "s" + competence.replace(".", "_")


def _short_input(lang: Lang, instrument: Instrument, competence: str, answers: Mapping[str, str]) -> Element:
    short = instrument.short_mode
    item = short.item(competence)
    choices = []
    for choice in short.choices:
        title = short.zero_text.of(lang) if choice.group is None else item.descriptions[choice.group].of(lang)
        choices.append((title, choice.value))
    choices.append((short.not_relevant.text.of(lang), NOT_RELEVANT))
    item_id = short_item_id(competence)
    element = choice_set(item_id, label=short.question.of(lang), choices=choices, required=True,
                         error_message=t(lang, "assessment.area.required_short"), value=answers.get(item_id))
    element["wrap"] = True
    return element


def _sample_answers(instrument: Instrument, mode: str, area_keys: Sequence[str]) -> dict[str, str]:
    """Plausible answers for the given areas: confident at the bottom, unsure at the top, one "not relevant"."""
    answers: dict[str, str] = {}
    for statement in instrument.statements:
        if statement.competence.split(".")[0] in area_keys:
            group_value = {"foundation": "3", "intermediate": "2", "advanced": "1", "highly_specialised": "0"}
            answers[statement.id] = NOT_RELEVANT if statement.competence == "2.3" else group_value[statement.group]
    for item in instrument.short_mode.items:
        if item.competence.split(".")[0] in area_keys:
            answers[short_item_id(item.competence)] = "i"
    return answers


def _sample_area(lang: Lang, mode: str, area_index: int, *, answered: bool = False,
                 missing: Sequence[str] = ()) -> dict:
    instrument = load_instrument()
    framework = load_framework(instrument.framework_version)
    keys = [framework.areas[area_index].key] if answered else []
    return area_card(lang, framework=framework, instrument=instrument, mode=mode, assessment_id=48213,
                     revision=7, area_index=area_index, answers=_sample_answers(instrument, mode, keys),
                     missing_competences=missing)


SAMPLES = {
    "assessment-mode": lambda lang: mode_card(lang),
    "assessment-mode-expired": lambda lang: mode_card(lang, expired_notice=True),
    "assessment-mode-restart": lambda lang: mode_card(lang, replaces=48213),
    "assessment-resume": lambda lang: resume_card(lang, assessment_id=48213, mode=LONG, answered_areas=2,
                                                  area_count=5, started=date(2026, 3, 2), expires=date(2026, 4, 1)),
    "assessment-nothing-to-resume": lambda lang: nothing_to_resume_card(lang),
    "assessment-area-1-long": lambda lang: _sample_area(lang, LONG, 0),
    # The largest card: area 2 has six competences, 24 statements, all answered when the person comes back.
    "assessment-area-2-long-answered": lambda lang: _sample_area(lang, LONG, 1, answered=True),
    "assessment-area-2-long-missing": lambda lang: _sample_area(lang, LONG, 1, missing=("2.3", "2.5")),
    "assessment-area-5-long-last": lambda lang: _sample_area(lang, LONG, 4),
    "assessment-area-2-short": lambda lang: _sample_area(lang, SHORT, 1, answered=True),
    "assessment-area-5-short-last": lambda lang: _sample_area(lang, SHORT, 4),
    **{f"error-{key.replace('_', '-')}": (lambda lang, key=key: error_card(lang, key)) for key in (
        "assessment_finished", "assessment_restarted", "assessment_expired", "assessment_outdated",
        "assessment_concurrent", "target_unknown_role", "target_invalid")},
}
