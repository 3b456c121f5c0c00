"""The digital maturity survey's cards: invitation and reminders, one card per dimension with progress, the
optional free-text card, the thank-you, the coordinators' results notice and results card (radar chart and
key figures), and the employees' organisation result. Pure: every text and number comes in the data."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Sequence

from cards.elements import (
    Element, card, choice_set, columns, container, execute, facts, heading, image, submit, text, text_input,
)
from cards.i18n import Lang, t
from cards.survey_chart import chart_data_uri, radar_png
from cards.verbs import Verb

FREE_TEXT_INPUT = "comment"
# Free texts on a card: at most this many, each cut to this length (the card must stay under 28 KB).
CARD_FREE_TEXTS, CARD_FREE_TEXT_CHARS = 12, 400


def _decimal(lang: Lang, value: float | None, *, signed: bool = False) -> str:
    if value is None:
        return t(lang, "survey.dash")
    shown = f"{value:+.1f}" if signed else f"{value:.1f}"
    shown = shown.replace("-", "−")
    return shown.replace(".", ",") if lang == "sv" else shown


def _percent(lang: Lang, share: float | None) -> str:
    return t(lang, "survey.dash") if share is None else t(lang, "survey.percent", value=round(share * 100))


def invitation_card(lang: Lang, *, round_id: int, organisation: str, closes_on: date, dimension_count: int,
                    min_group: int) -> dict:
    return card(
        [heading(t(lang, "survey.invite.title")),
         text(t(lang, "survey.invite.body", organisation=organisation, count=dimension_count,
                closes=closes_on.isoformat())),
         text(t(lang, "survey.anonymous", k=min_group), subtle=True)],
        [execute(t(lang, "survey.invite.start"), Verb.SURVEY_START, {"round": round_id}, style="positive")],
        lang=lang)


def reminder_card(lang: Lang, *, round_id: int, closes_on: date, last_days: bool, min_group: int) -> dict:
    body = "survey.reminder.closing" if last_days else "survey.reminder.body"
    return card(
        [heading(t(lang, "survey.reminder.title")), text(t(lang, body, closes=closes_on.isoformat())),
         text(t(lang, "survey.anonymous", k=min_group), subtle=True)],
        [execute(t(lang, "survey.invite.start"), Verb.SURVEY_START, {"round": round_id}, style="positive")],
        lang=lang)


@dataclass(frozen=True)
class DimensionPage:
    """One dimension as the card shows it, in the person's language."""

    title: str
    intro: str
    statements: Sequence[tuple[str, str]]  # (statement id, text)


def dimension_card(lang: Lang, *, round_id: int, revision: int, index: int, count: int, page: DimensionPage,
                   scale: Sequence[str], dont_know: str, answers: dict[str, int] | None = None,
                   missing: bool = False) -> dict:
    """Dimension `index` (0-based) of `count`; `count` + 1 cards in all with the free-text one."""
    answers = answers or {}
    choices = [(label, str(value)) for value, label in enumerate(scale, start=1)] + [(dont_know, "0")]
    body: list[Element] = [
        text(t(lang, "survey.progress", number=index + 1, total=count + 1), subtle=True, spacing="None"),
        heading(page.title), text(page.intro)]
    if missing:
        body.append(text(t(lang, "survey.missing"), color="Attention", weight="Bolder"))
    for statement_id, statement in page.statements:
        value = answers.get(statement_id)
        body.append(choice_set(statement_id, label=statement, choices=choices, required=True,
                               error_message=t(lang, "survey.required"), expanded=True,
                               value=None if value is None else str(value)))
    data = {"round": round_id, "dim": index, "rev": revision}
    actions = [execute(t(lang, "survey.next"), Verb.SURVEY_ANSWER, data, style="positive")]
    if index > 0:
        actions.append(execute(t(lang, "survey.back"), Verb.SURVEY_BACK, data))
    return card(body, actions, lang=lang)


def free_text_card(lang: Lang, *, round_id: int, revision: int, count: int, question: str, max_length: int,
                   min_group: int, value: str | None = None) -> dict:
    data = {"round": round_id, "dim": count, "rev": revision}
    return card(
        [text(t(lang, "survey.progress", number=count + 1, total=count + 1), subtle=True, spacing="None"),
         heading(t(lang, "survey.free.title")),
         text_input(FREE_TEXT_INPUT, label=question, multiline=True, max_length=max_length, value=value),
         text(t(lang, "survey.free.note", k=min_group), subtle=True)],
        [execute(t(lang, "survey.finish"), Verb.SURVEY_FINISH, data, style="positive"),
         execute(t(lang, "survey.back"), Verb.SURVEY_BACK, data)],
        lang=lang)


def thanks_card(lang: Lang, *, closes_on: date, min_group: int) -> dict:
    return card([heading(t(lang, "survey.thanks.title")),
                 text(t(lang, "survey.thanks.body", closes=closes_on.isoformat())),
                 text(t(lang, "survey.anonymous", k=min_group), subtle=True)],
                [submit(t(lang, "menu.help"), Verb.HELP)], lang=lang)


def results_ready_card(lang: Lang, *, round_id: int, organisation: str, answered: int, invited: int) -> dict:
    return card([heading(t(lang, "survey.ready.title")),
                 text(t(lang, "survey.ready.body", organisation=organisation, answered=answered, invited=invited))],
                [execute(t(lang, "survey.ready.show"), Verb.SURVEY_RESULTS, {"round": round_id}, style="positive")],
                lang=lang)


@dataclass(frozen=True)
class DimensionRow:
    number: int
    title: str
    mean: float | None
    change: float | None = None
    reference: float | None = None  # the reference organisation's mean


@dataclass(frozen=True)
class GroupRow:
    name: str
    answered: int
    invited: int
    overall: float | None


@dataclass(frozen=True)
class ResultsView:
    """A closed round's results as a card shows them; numbers already within the anonymity rules."""

    round_id: int
    organisation: str
    opens_on: date
    closes_on: date
    answered: int
    invited: int
    overall: float | None
    dimensions: Sequence[DimensionRow]
    k: int
    groups: Sequence[GroupRow] = ()
    previous_closes_on: date | None = None
    overall_change: float | None = None
    reference_name: str | None = None
    reference_overall: float | None = None
    free_texts: Sequence[tuple[str, str]] = field(default_factory=tuple)  # (group name, text)
    merged_note: bool = False


def _chart(lang: Lang, view: ResultsView) -> Element:
    current = [row.mean for row in view.dimensions]
    previous = [None if row.change is None or row.mean is None else row.mean - row.change for row in view.dimensions]
    reference = [row.reference for row in view.dimensions]
    png = radar_png(current, previous if any(v is not None for v in previous) else None,
                    reference if any(v is not None for v in reference) else None)
    return image(chart_data_uri(png), alt=t(lang, "survey.results.chart_alt"))


def _dimension_table(lang: Lang, view: ResultsView, *, with_comparisons: bool) -> list[Element]:
    rows = []
    header = [t(lang, "survey.results.dimension"), t(lang, "survey.results.mean")]
    if with_comparisons:
        header += [t(lang, "survey.results.change"), t(lang, "survey.results.reference")]
    rows.append(columns(*[([text(h, weight="Bolder")], "stretch" if i == 0 else "auto")
                          for i, h in enumerate(header)]))
    for row in view.dimensions:
        cells = [f"{row.number}. {row.title}", _decimal(lang, row.mean)]
        if with_comparisons:
            cells += [_decimal(lang, row.change, signed=True),
                      _decimal(lang, row.reference)]
        rows.append(columns(*[([text(c)], "stretch" if i == 0 else "auto") for i, c in enumerate(cells)]))
    return rows


def coordinator_results_card(lang: Lang, view: ResultsView) -> dict:
    key_figures = [
        (t(lang, "survey.results.period"), f"{view.opens_on.isoformat()} – {view.closes_on.isoformat()}"),
        (t(lang, "survey.results.answered"), t(lang, "survey.results.answered_of", answered=view.answered,
                                                invited=view.invited,
                                                rate=_percent(lang, view.answered / view.invited
                                                              if view.invited else None))),
        (t(lang, "survey.results.overall"), _decimal(lang, view.overall)),
    ]
    if view.previous_closes_on is not None:
        key_figures.append((t(lang, "survey.results.since", date=view.previous_closes_on.isoformat()),
                            _decimal(lang, view.overall_change, signed=True)))
    if view.reference_name:
        key_figures.append((view.reference_name, _decimal(lang, view.reference_overall)))
    body: list[Element] = [
        heading(t(lang, "survey.results.title", organisation=view.organisation)),
        facts(key_figures),
        _chart(lang, view),
        text(t(lang, "survey.results.legend"), subtle=True),
        *_dimension_table(lang, view, with_comparisons=True),
    ]
    if view.groups:
        group_rows = [columns(([text(t(lang, "survey.results.group"), weight="Bolder")], "stretch"),
                              ([text(t(lang, "survey.results.answered"), weight="Bolder")], "auto"),
                              ([text(t(lang, "survey.results.mean"), weight="Bolder")], "auto"))]
        for group in view.groups:
            group_rows.append(columns(
                ([text(group.name)], "stretch"),
                ([text(t(lang, "survey.results.answered_short", answered=group.answered,
                         invited=group.invited))], "auto"),
                ([text(_decimal(lang, group.overall))], "auto")))
        body.append(container([text(t(lang, "survey.results.groups"), weight="Bolder"), *group_rows],
                              separator=True))
    body.append(text(t(lang, "survey.results.threshold", k=view.k)
                     + (" " + t(lang, "survey.results.merged") if view.merged_note else ""), subtle=True))
    if view.free_texts:
        shown = view.free_texts[:CARD_FREE_TEXTS]
        items = [text(t(lang, "survey.results.free_texts", shown=len(shown), total=len(view.free_texts)),
                      weight="Bolder")]
        items += [text(f"{group}: ”{_cut(comment)}”" if lang == "sv" else f"{group}: “{_cut(comment)}”",
                       subtle=True) for group, comment in shown]
        body.append(container(items, separator=True))
    return card(body, [execute(t(lang, "survey.results.refresh"), Verb.SURVEY_RESULTS,
                               {"round": view.round_id})], lang=lang)


def _cut(comment: str) -> str:
    return comment if len(comment) <= CARD_FREE_TEXT_CHARS else comment[:CARD_FREE_TEXT_CHARS - 1] + "…"


def employee_results_card(lang: Lang, view: ResultsView) -> dict:
    body = [heading(t(lang, "survey.results.title", organisation=view.organisation)),
            text(t(lang, "survey.results.employee_intro", answered=view.answered,
                   rate=_percent(lang, view.answered / view.invited if view.invited else None),
                   closes=view.closes_on.isoformat())),
            facts([(t(lang, "survey.results.overall"), _decimal(lang, view.overall))]),
            _chart(lang, view),
            *_dimension_table(lang, view, with_comparisons=False),
            text(t(lang, "survey.results.threshold", k=view.k), subtle=True)]
    return card(body, [submit(t(lang, "menu.help"), Verb.HELP)], lang=lang)


# ---- samples (cards/samples.py) -----------------------------------------------------------------------

_SAMPLE_INSTRUMENT = Path(__file__).resolve().parents[1] / "store" / "data" / "survey" / "instrument_2026_1.json"


def _instrument() -> dict:
    """The instrument's data file as the samples show it; real cards get their texts from the handler, and
    reading the file (not importing store.survey) keeps cards/ free of imports from store/."""
    return json.loads(_SAMPLE_INSTRUMENT.read_text(encoding="utf-8"))

def _sample_view(lang: Lang, *, coordinator: bool) -> ResultsView:
    instrument = _instrument()
    means = (3.4, 2.9, 3.1, 3.8, 3.3, 3.6, 2.7, 3.0)
    changes = (0.2, -0.1, 0.3, 0.1, None, 0.4, 0.0, 0.2)
    reference = (3.5, 3.1, 3.0, 3.7, 3.6, 3.4, 2.9, 3.2)
    rows = [DimensionRow(i + 1, d["title"][lang], means[i], changes[i] if coordinator else None,
                         reference[i] if coordinator else None) for i, d in enumerate(instrument["dimensions"])]
    comments = ("Vi behöver mer tid för att lära oss nya system." if lang == "sv"
                else "We need more time to learn new systems.",
                "Bra att vi mäter det här varje år." if lang == "sv" else "Good that we measure this every year.")
    return ResultsView(
        round_id=17, organisation="Stockholms stad, kulturförvaltningen", opens_on=date(2026, 10, 1),
        closes_on=date(2026, 10, 31), answered=812, invited=1104, overall=3.23, dimensions=rows, k=5,
        groups=[GroupRow("Stadsbiblioteket", 301, 388, 3.31), GroupRow("Kulturhuset Stadsteatern", 276, 402, 3.12),
                GroupRow("Kulturförvaltningen (övriga)" if lang == "sv" else "Culture administration (others)",
                         235, 314, 3.25)] if coordinator else (),
        previous_closes_on=date(2025, 10, 31) if coordinator else None,
        overall_change=0.16 if coordinator else None,
        reference_name="Nacka kultur och fritid" if coordinator else None,
        reference_overall=3.29 if coordinator else None,
        free_texts=([("Stadsbiblioteket", comments[0]), ("Kulturhuset Stadsteatern", comments[1])]
                    if coordinator else ()),
        merged_note=coordinator)


def _sample_dimension(lang: Lang, index: int, *, missing: bool = False) -> dict:
    instrument = _instrument()
    dimension = instrument["dimensions"][index]
    page = DimensionPage(dimension["title"][lang], dimension["intro"][lang],
                         [(s["id"], s[lang]) for s in dimension["statements"]])
    answers = {dimension["statements"][0]["id"]: 4} if missing else {}
    return dimension_card(lang, round_id=17, revision=index, index=index, count=len(instrument["dimensions"]),
                          page=page, scale=tuple(instrument["scale"]["labels"][lang]),
                          dont_know=instrument["scale"]["dont_know"][lang], answers=answers, missing=missing)


def _sample_free_text(lang: Lang) -> dict:
    instrument = _instrument()
    return free_text_card(lang, round_id=17, revision=8, count=len(instrument["dimensions"]),
                          question=instrument["free_text"][lang], max_length=instrument["free_text"]["max_length"],
                          min_group=5)


SAMPLES = {
    "survey-invitation": lambda lang: invitation_card(lang, round_id=17, organisation="Stockholms stad, "
                                                      "kulturförvaltningen", closes_on=date(2026, 10, 31),
                                                      dimension_count=8, min_group=5),
    "survey-reminder": lambda lang: reminder_card(lang, round_id=17, closes_on=date(2026, 10, 31), last_days=False,
                                                  min_group=5),
    "survey-reminder-closing": lambda lang: reminder_card(lang, round_id=17, closes_on=date(2026, 10, 31),
                                                          last_days=True, min_group=5),
    "survey-dimension-first": lambda lang: _sample_dimension(lang, 0),
    "survey-dimension-missing": lambda lang: _sample_dimension(lang, 4, missing=True),
    "survey-free-text": _sample_free_text,
    "survey-thanks": lambda lang: thanks_card(lang, closes_on=date(2026, 10, 31), min_group=5),
    "survey-results-ready": lambda lang: results_ready_card(lang, round_id=17, organisation="Stockholms stad, "
                                                            "kulturförvaltningen", answered=812, invited=1104),
    "survey-results-coordinator": lambda lang: coordinator_results_card(lang, _sample_view(lang, coordinator=True)),
    "survey-results-employee": lambda lang: employee_results_card(lang, _sample_view(lang, coordinator=False)),
}
