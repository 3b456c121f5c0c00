"""Pure rules for the answers of one assessment: which inputs an area card has, checking what a card sent,
and turning the stored answers into a level per competence with the scoring rules.

Answers are stored as the card sends them: long mode maps a statement id ("c2_1_f") to "0".."3" or "na";
short mode maps an item id ("s2_1") to "0", "f", "i", "a", "h" or "na".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

# The input ids and values are the area card's vocabulary, so they are defined with the card.
from cards.assessment import (
    LONG, NOT_RELEVANT, SHORT, AreaView, CompetenceView, Question, StatementView, short_item_id,
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


@dataclass(frozen=True)
class CheckedAnswers:
    """What an area card sent: the valid answers (to keep), and the inputs left empty or sent with bad values."""

    answers: dict[str, str]
    missing: tuple[str, ...]
    invalid: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return not self.missing and not self.invalid


def check_area_answers(items: AreaItems, mode: str, sent: Mapping[str, object]) -> CheckedAnswers:
    """Pick the area's inputs out of the card data; anything else in the data is ignored."""
    allowed = allowed_values(mode)
    answers, missing, invalid = {}, [], []
    for item_id in items.item_ids:
        value = sent.get(item_id)
        value = value.strip() if isinstance(value, str) else value
        if value in (None, ""):
            missing.append(item_id)
        elif value in allowed:
            answers[item_id] = value
        else:
            invalid.append(item_id)
    return CheckedAnswers(answers, tuple(missing), tuple(invalid))


def area_answers(items: AreaItems, answers: Mapping[str, str]) -> dict[str, str]:
    return {item_id: answers[item_id] for item_id in items.item_ids if item_id in answers}


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


# --- the long mode, one statement per card ----------------------------------------------------------------------


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


def next_unanswered_step(instrument_version: str, answers: Mapping[str, str], after: int) -> int | None:
    """The first unanswered statement after `after`, else the first unanswered one at all; None when none is."""
    steps = long_steps(instrument_version)
    order = list(range(after + 1, len(steps))) + list(range(0, min(after + 1, len(steps))))
    return next((i for i in order if steps[i].statement_id not in answers), None)


@cache
def statement_view(instrument_version: str, step: int, lang: Lang) -> StatementView:
    """What the card of one long-mode statement shows, in `lang`."""
    steps = long_steps(instrument_version)
    if not 0 <= step < len(steps):
        raise ValueError(f"statement {step} outside 0..{len(steps) - 1}")
    here = steps[step]
    area = area_view(instrument_version, LONG, here.area_index, lang)
    for competence in area.competences:
        for question in competence.questions:
            if question.id == here.statement_id:
                return StatementView(
                    step=step, step_count=len(steps), statement_id=question.id, text=question.label,
                    choices=question.choices, area_number=area.index + 1, area_count=area.total, area_key=area.key,
                    area_title=area.title, number_in_area=here.number_in_area, area_size=here.area_size,
                    competence_key=competence.key, competence_title=competence.title, question=area.question)
    raise AssertionError(f"statement {here.statement_id} not in area {area.key}")
