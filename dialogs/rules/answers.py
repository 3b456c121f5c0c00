"""Pure rules for the answers of one assessment: which items an area has, the order of the cards (one statement
per card in the long mode, one competence per card in the short mode), and turning the stored answers into a
level per competence with the scoring rules.

Answers are stored as the card sends them: long mode maps a statement id ("c2_1_f") to "0".."3" or "na";
short mode maps an item id ("s2_1") to "0", "f", "i", "a", "h" or "na".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

# The input ids and values are the area card's vocabulary, so they are defined with the card.
from cards.assessment import (
    LONG, NOT_RELEVANT, SHORT, AreaView, CompetenceStepView, CompetenceView, Question, StatementView,
    short_item_id,
)
from cards.i18n import Lang
from dialogs.rules.scoring import score_competence, score_short_choice
from store.digcomp import Framework, Instrument, load_framework, load_instrument

MODES = (LONG, SHORT)
LONG_VALUES = ("0", "1", "2", "3", NOT_RELEVANT)
SHORT_VALUES = ("0", "f", "i", "a", "h", NOT_RELEVANT)


def allowed_values(mode: str) -> tuple[str, ...]:
    return LONG_VALUES if mode == LONG else SHORT_VALUES


@dataclass(frozen=True)
class AreaItems:
    """The inputs of one area card in one mode, and the competence each belongs to."""

    area_key: str
    item_ids: tuple[str, ...]
    competence_of: Mapping[str, str]


@cache
def area_items(instrument_version: str, mode: str, area_index: int) -> AreaItems:
    instrument = load_instrument(instrument_version)
    framework = load_framework(instrument.framework_version)
    if mode not in MODES:
        raise ValueError(f"unknown assessment mode {mode!r}")
    if not 0 <= area_index < len(framework.areas):
        raise ValueError(f"area index {area_index} outside 0..{len(framework.areas) - 1}")
    area = framework.areas[area_index]
    competence_of: dict[str, str] = {}
    for competence in area.competences:
        if mode == LONG:
            for statement in instrument.statements_for(competence.key):
                competence_of[statement.id] = competence.key
        else:
            competence_of[short_item_id(competence.key)] = competence.key
    return AreaItems(area.key, tuple(competence_of), competence_of)


@cache
def area_view(instrument_version: str, mode: str, area_index: int, lang: Lang) -> AreaView:
    """What the area card shows, in `lang`: titles, descriptions and each input's label and choices."""
    instrument = load_instrument(instrument_version)
    framework = load_framework(instrument.framework_version)
    items = area_items(instrument_version, mode, area_index)  # checks mode and index
    area = framework.areas[area_index]
    if mode == LONG:
        scale = tuple((option.text.of(lang), str(option.value)) for option in instrument.scale.options)
        scale += ((instrument.scale.not_relevant.text.of(lang), NOT_RELEVANT),)
    competences = []
    for competence in area.competences:
        if mode == LONG:
            questions = tuple(Question(statement.id, statement.text.of(lang), scale)
                              for statement in instrument.statements_for(competence.key))
        else:
            short = instrument.short_mode
            item = short.item(competence.key)
            choices = tuple(
                (short.zero_text.of(lang) if choice.group is None else item.descriptions[choice.group].of(lang),
                 choice.value) for choice in short.choices
            ) + ((short.not_relevant.text.of(lang), NOT_RELEVANT),)
            questions = (Question(short_item_id(competence.key), short.question.of(lang), choices),)
        competences.append(CompetenceView(competence.key, competence.title.of(lang),
                                          competence.description.of(lang), questions))
    assert sum(len(c.questions) for c in competences) == len(items.item_ids)
    return AreaView(index=area_index, total=len(framework.areas), key=area.key, title=area.title.of(lang),
                    description=area.description.of(lang), competences=tuple(competences),
                    question=instrument.scale.question.of(lang) if mode == LONG else "")


def area_is_complete(items: AreaItems, answers: Mapping[str, str]) -> bool:
    return all(item_id in answers for item_id in items.item_ids)


def first_incomplete_area(instrument_version: str, mode: str, answers: Mapping[str, str], area_count: int) -> int:
    """The first area with an unanswered input, or area_count when every area is answered."""
    for index in range(area_count):
        if not area_is_complete(area_items(instrument_version, mode, index), answers):
            return index
    return area_count


def levels_from_answers(
    instrument: Instrument, framework: Framework, mode: str, answers: Mapping[str, str]
) -> dict[str, int | None]:
    """A level 0..8 (None: not relevant) for every competence of the framework, by the scoring rules."""
    levels: dict[str, int | None] = {}
    for competence in framework.competences:
        if mode == SHORT:
            choice = answers.get(short_item_id(competence.key), NOT_RELEVANT)
            levels[competence.key] = score_short_choice(choice)
            continue
        by_group = {}
        for statement in instrument.statements_for(competence.key):
            value = answers.get(statement.id, NOT_RELEVANT)
            by_group[statement.group] = None if value == NOT_RELEVANT else int(value)
        levels[competence.key] = score_competence(by_group)
    return levels


# --- one card per statement (long mode) or per competence (short mode) -------------------------------------------


@dataclass(frozen=True)
class Step:
    """One statement of the long mode in the order the cards show them: area by area, competence by competence."""

    statement_id: str
    area_index: int
    number_in_area: int  # 1-based
    area_size: int


@cache
def long_steps(instrument_version: str) -> tuple[Step, ...]:
    """Every statement of the long mode, in order; a long assessment's `area_index` column is a position here."""
    framework = load_framework(load_instrument(instrument_version).framework_version)
    steps = []
    for index in range(len(framework.areas)):
        ids = area_items(instrument_version, LONG, index).item_ids
        steps.extend(Step(statement_id, index, number, len(ids)) for number, statement_id in enumerate(ids, start=1))
    return tuple(steps)


@cache
def short_steps(instrument_version: str) -> tuple[Step, ...]:
    """Every competence of the short mode, in order (its item id as `statement_id`); a short assessment's
    `area_index` column is a position here."""
    framework = load_framework(load_instrument(instrument_version).framework_version)
    steps = []
    for index in range(len(framework.areas)):
        ids = area_items(instrument_version, SHORT, index).item_ids
        steps.extend(Step(item_id, index, number, len(ids)) for number, item_id in enumerate(ids, start=1))
    return tuple(steps)


def mode_steps(instrument_version: str, mode: str) -> tuple[Step, ...]:
    """The cards of a mode in order: statements (long) or competences (short)."""
    if mode not in MODES:
        raise ValueError(f"unknown assessment mode {mode!r}")
    return long_steps(instrument_version) if mode == LONG else short_steps(instrument_version)


def next_unanswered_step(instrument_version: str, answers: Mapping[str, str], after: int, mode: str = LONG
                         ) -> int | None:
    """The first unanswered card after `after`, else the first unanswered one at all; None when none is."""
    steps = mode_steps(instrument_version, mode)
    order = list(range(after + 1, len(steps))) + list(range(0, min(after + 1, len(steps))))
    return next((i for i in order if steps[i].statement_id not in answers), None)


def _step_and_area(instrument_version: str, mode: str, steps, step: int, lang: Lang):
    """The step of a one-question card and the area it belongs to; a step off the mode's list is an error."""
    if not 0 <= step < len(steps):
        raise ValueError(f"{mode} step {step} outside 0..{len(steps) - 1}")
    here = steps[step]
    return here, area_view(instrument_version, mode, here.area_index, lang)


@cache
def statement_view(instrument_version: str, step: int, lang: Lang) -> StatementView:
    """What the card of one long-mode statement shows, in `lang`."""
    steps = long_steps(instrument_version)
    here, area = _step_and_area(instrument_version, LONG, steps, step, lang)
    for competence in area.competences:
        for question in competence.questions:
            if question.id == here.statement_id:
                return StatementView(
                    step=step, step_count=len(steps), statement_id=question.id, text=question.label,
                    choices=question.choices, area_number=area.index + 1, area_count=area.total, area_key=area.key,
                    area_title=area.title, number_in_area=here.number_in_area, area_size=here.area_size,
                    competence_key=competence.key, competence_title=competence.title, question=area.question)
    raise AssertionError(f"statement {here.statement_id} not in area {area.key}")


def short_resume_step(instrument_version: str, answers: Mapping[str, str], area_index: int) -> int:
    """The competence a short assessment continues at: the one at `area_index` while it is unanswered, else the
    first unanswered one after it.

    This also resumes an assessment started when the short mode showed one card per area, whose `area_index`
    is an area (0..4) with every earlier area answered: position `area_index` then lies in area 1 or 2 and is
    answered (unless nothing is), so it continues at the first competence of the first unanswered area.
    """
    steps = short_steps(instrument_version)
    here = min(max(area_index, 0), len(steps) - 1)
    if steps[here].statement_id not in answers:
        return here
    following = next_unanswered_step(instrument_version, answers, here, SHORT)
    return here if following is None else following


@cache
def competence_view(instrument_version: str, step: int, lang: Lang) -> CompetenceStepView:
    """What the card of one short-mode competence shows, in `lang`."""
    steps = short_steps(instrument_version)
    here, area = _step_and_area(instrument_version, SHORT, steps, step, lang)
    competence = area.competences[here.number_in_area - 1]
    [question] = competence.questions
    assert question.id == here.statement_id
    return CompetenceStepView(
        step=step, step_count=len(steps), item_id=question.id, choices=question.choices,
        area_number=area.index + 1, area_count=area.total, area_key=area.key, area_title=area.title,
        number_in_area=here.number_in_area, area_size=here.area_size, competence_key=competence.key,
        competence_title=competence.title, competence_description=competence.description, question=question.label)
