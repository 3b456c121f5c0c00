"""Self-assessment cards: choosing the mode, one card per statement (long mode) or per competence (short mode),
resuming or starting over, the ending.

Every action carries the assessment id, and the answer cards also the statement's or competence's position and
the revision they show, so that the handler can tell a current card from a stale or a double-clicked one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Sequence

from cards.elements import Element, action_set, card, container, execute, heading, submit, text
from cards.i18n import Lang, t
from cards.notices import error_card
from cards.verbs import Verb

LONG, SHORT = "long", "short"
NOT_RELEVANT = "na"


def mode_label(lang: Lang, mode: str) -> str:
    return t(lang, f"assessment.mode_label.{mode}")


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


@dataclass(frozen=True)
class Question:
    """One input of an area card: a statement (long mode) or a competence's level descriptions (short mode)."""

    id: str
    label: str
    choices: tuple[tuple[str, str], ...]  # (title, value), in the order shown


@dataclass(frozen=True)
class CompetenceView:
    key: str
    title: str
    description: str
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class AreaView:
    """What an area card shows, in the person's language: the handler builds it from the framework and instrument."""

    index: int
    total: int
    key: str
    title: str
    description: str
    competences: tuple[CompetenceView, ...]
    question: str = ""  # asked of every statement in the long mode: "Hur gör du det i dag?"


@dataclass(frozen=True)
class StepView:
    """What every one-question card of the assessment shows: where the person is, and the choices."""

    step: int  # position among all statements (long mode) or competences (short mode), 0-based
    step_count: int
    choices: tuple[tuple[str, str], ...]  # (title, value), "not relevant" last
    area_number: int
    area_count: int
    area_key: str
    area_title: str
    number_in_area: int
    area_size: int
    competence_key: str
    competence_title: str
    question: str


@dataclass(frozen=True)
class StatementView(StepView):
    """One statement of the long mode as its card shows it, in the person's language (built by the handler);
    its choices are the scale, its question "Hur gör du det i dag?"."""

    statement_id: str
    text: str


def statement_card(lang: Lang, *, view: StatementView, assessment_id: int, revision: int,
                   answer: str | None = None) -> dict:
    """One statement of the long mode, answered with one tap on one of five buttons.

    The card is replaced in place by the next statement, and it is shorter than the chat, so its heading (area
    and statement number) is in view after every answer (docs/assessment-flow.md). Each answer button has its
    own ActionSet, a full-width row, so that no label is cut off at Teams' card width. `answer` is the saved
    answer when the person comes back to a statement: it is named and its button marked.
    """
    body: list[Element] = [
        text(t(lang, "assessment.statement.progress", area=view.area_number, areas=view.area_count,
               number=view.number_in_area, count=view.area_size), subtle=True, size="Small"),
        heading(f"{view.area_key} {view.area_title}"),
        text(f"{view.competence_key} {view.competence_title}", weight="Bolder", spacing="Small"),
        text(view.text, size="Medium", spacing="Small"),
        text(view.question, weight="Bolder"),
    ]
    chosen = dict((value, title) for title, value in view.choices).get(answer or "")
    if chosen is not None:
        body.append(text(t(lang, "assessment.statement.your_answer", answer=chosen), subtle=True, spacing="None"))
    data = {"assessment": assessment_id, "step": view.step, "rev": revision}
    for title, value in view.choices:
        body.append(action_set([execute(title, Verb.ASSESSMENT_ANSWER, {**data, "value": value},
                                        style="positive" if value == answer else None)]))
    if view.step > 0:
        back = action_set([execute(t(lang, "assessment.statement.back"), Verb.ASSESSMENT_BACK, data)])
        body.append({**back, "separator": True, "spacing": "Large"})  # apart from the answers
    body.append(text(t(lang, "assessment.statement.saved_hint"), subtle=True, size="Small"))
    return card(body, lang=lang)


@dataclass(frozen=True)
class CompetenceStepView(StepView):
    """One competence of the short mode as its card shows it, in the person's language (built by the handler);
    its choices are "not yet", the four level descriptions and "not relevant", its question "Vilket stämmer
    bäst på det du gör på egen hand i dag?"."""

    item_id: str  # "s2_1"
    competence_description: str


def competence_card(lang: Lang, *, view: CompetenceStepView, assessment_id: int, revision: int,
                    answer: str | None = None) -> dict:
    """One competence of the short mode, answered with one tap: each choice is a row with its text and a "Välj"
    button.

    The level descriptions are whole sentences, too long for a button title (Teams cuts a title to one line), so
    each sits in a row beside its own button (one button per choice: no second, invisible tap target on the text,
    which a screen reader would announce twice). Like the long mode's statement
    card, the card is replaced in place by the next competence and is shorter than the chat, so its heading
    (area and competence number) is in view after every answer (docs/assessment-flow.md). `answer` is the saved
    answer when the person comes back to a competence: its button is marked.
    """
    body: list[Element] = [
        text(t(lang, "assessment.competence.progress", area=view.area_number, areas=view.area_count,
               number=view.number_in_area, count=view.area_size), subtle=True, size="Small"),
        heading(f"{view.area_key} {view.area_title}"),
        text(f"{view.competence_key} {view.competence_title}", weight="Bolder", size="Medium", spacing="Small"),
        text(view.competence_description, subtle=True, spacing="None"),
        text(view.question, weight="Bolder"),
    ]
    values = {value for _, value in view.choices}
    if answer in values:
        body.append(text(t(lang, "assessment.competence.your_answer"), subtle=True, spacing="None"))
    data = {"assessment": assessment_id, "step": view.step, "rev": revision}
    for title, value in view.choices:
        chosen = value == answer
        button = execute(t(lang, "assessment.competence.chosen" if chosen else "assessment.competence.choose"),
                         Verb.ASSESSMENT_ANSWER, {**data, "value": value}, style="positive" if chosen else None)
        body.append({
            "type": "ColumnSet",
            "spacing": "Small",
            "separator": True,
            "columns": [
                {"type": "Column", "width": "stretch", "verticalContentAlignment": "Center",
                 "items": [text(title, weight="Bolder" if chosen else None)]},
                {"type": "Column", "width": "auto", "verticalContentAlignment": "Center",
                 "items": [action_set([button])]},
            ],
        })
    if view.step > 0:
        back = action_set([execute(t(lang, "assessment.competence.back"), Verb.ASSESSMENT_BACK, data)])
        body.append({**back, "separator": True, "spacing": "Large"})  # apart from the answers
    body.append(text(t(lang, "assessment.statement.saved_hint"), subtle=True, size="Small"))
    return card(body, lang=lang)


@dataclass(frozen=True)
class AreaResult:
    key: str
    title: str
    mean: float | None  # None: nothing in the area is relevant to the person's work


def finished_card(lang: Lang, *, assessment_id: int, mode: str, areas: Sequence[AreaResult],
                  to_confirm: Sequence[tuple[str, str, int]] = (), activities: Sequence[str] = ()) -> dict:
    """"Klart!": the area means, what happens next, and the way on. No "new assessment" button: that is on the
    profile, never where the finishing button was.

    `to_confirm` lists (key, title, level) of the competences at levels 7-8, which are to be confirmed in the
    development dialogue (dialogs.rules.scoring.needs_confirmation).
    `activities` is where proposed activities will go once the activity catalogue exists; until then the card
    says where they will appear.
    """
    lines = [
        t(lang, "assessment.finished.area_line", code=a.key, title=a.title, mean=_decimal(lang, a.mean))
        if a.mean is not None else t(lang, "assessment.finished.area_none", code=a.key, title=a.title)
        for a in areas
    ]
    body: list[Element] = [
        heading(t(lang, "assessment.finished.title")),
        text(t(lang, "assessment.finished.body", total=len(areas), mode=mode_label(lang, mode))),
        text(t(lang, "assessment.finished.areas_title"), weight="Bolder"),
        text("\n".join(f"- {line}" for line in lines), spacing="None"),
    ]
    if to_confirm:
        listed = "\n".join("- " + t(lang, "assessment.finished.to_confirm_item", code=key, title=title, level=level)
                            for key, title, level in to_confirm)
        body.append(container([text(t(lang, "assessment.finished.to_confirm"), color="Warning", weight="Bolder"),
                               text(listed, spacing="None")]))
    body.append(container([
        text(t(lang, "assessment.finished.next_title"), weight="Bolder"),
        text(t(lang, "assessment.finished.next_body"), spacing="None"),
    ], separator=True))
    # --- Proposed activities: built by the activities feature; until then, say where they will be. ---
    if activities:
        body.append(container([text(t(lang, "assessment.finished.activities_title"), weight="Bolder"),
                               text("\n".join(f"- {a}" for a in activities), spacing="None")], separator=True))
    else:
        body.append(text(t(lang, "assessment.finished.activities_placeholder"), subtle=True, size="Small"))
    return card(body, [
        submit(t(lang, "assessment.finished.plan"), Verb.PLAN_SHOW, style="positive"),
        submit(t(lang, "assessment.finished.profile"), Verb.PROFILE_SHOW, {"assessment": assessment_id}),
    ], lang=lang)


def recent_assessment_card(lang: Lang, *, finished: date) -> dict:
    """Starting again within 30 days of a finished assessment: ask first."""
    return card(
        [heading(t(lang, "assessment.recent.title")),
         text(t(lang, "assessment.recent.body", date=finished.isoformat()))],
        [submit(t(lang, "assessment.recent.profile"), Verb.PROFILE_SHOW, style="positive"),
         submit(t(lang, "assessment.recent.confirm"), Verb.ASSESSMENT_START, {"confirmed": True})],
        lang=lang,
    )


def _decimal(lang: Lang, value: float) -> str:
    return f"{value:.1f}".replace(".", ",") if lang == "sv" else f"{value:.1f}"


def short_item_id(competence: str) -> str:
    """Input id of a competence in the quick mode: "2.1" -> "s2_1" (long mode uses the statement ids)."""
    return "s" + competence.replace(".", "_")


_SAMPLE_COMPETENCES = (
    ("Interagera genom digitala teknologier", "Interacting through digital technologies"),
    ("Dela genom digitala teknologier", "Sharing through digital technologies"),
    ("Engagera medborgarskap genom digitala teknologier", "Engaging citizenship through digital technologies"),
    ("Samarbeta genom digitala teknologier", "Collaborating through digital technologies"),
    ("Nätetikett", "Netiquette"),
    ("Hantera digital identitet", "Managing digital identity"),
)
_SAMPLE_TASKS = {
    "f": ("Skriva ett artigt och tydligt meddelande i chatt eller e-post.",
          "Write a polite and clear message in chat or e-mail."),
    "i": ("Anpassa ton och språk efter mottagaren, t.ex. en kollega, en vårdnadshavare eller en besökare i sociala "
          "medier.", "Adapt tone and language to the reader, e.g. a colleague, a pupil's guardian or a visitor on "
          "social media."),
    "a": ("Bemöta fientliga eller kränkande kommentarer i våra kanaler enligt stadens riktlinjer.",
          "Respond to hostile or offensive comments in our channels in line with the city's guidelines."),
    "h": ("Ta fram riktlinjer för respektfull digital kommunikation i verksamheten.",
          "Write guidelines for respectful digital communication in the organisation."),
}


_SAMPLE_LEVELS = {  # the short mode's level descriptions, as sentences about oneself (at most 120 characters)
    "f": ("Jag skriver artiga och tydliga meddelanden i chatt och e-post.",
          "I write polite and clear messages in chat and e-mail."),
    "i": ("Jag anpassar ton och språk efter mottagaren, t.ex. en vårdnadshavare eller en besökare.",
          "I adapt tone and language to the reader, e.g. a pupil's guardian or a visitor."),
    "a": ("Jag bemöter fientliga eller kränkande kommentarer i våra kanaler enligt stadens riktlinjer.",
          "I respond to hostile or offensive comments in our channels in line with the city's guidelines."),
    "h": ("Jag tar fram riktlinjer för respektfull digital kommunikation i verksamheten.",
          "I write guidelines for respectful digital communication in the organisation."),
}


def _sample_area_view(lang: Lang, mode: str, index: int) -> AreaView:
    """Sample data with area 2's shape (six competences, four statements each in the long mode); the real areas
    are built from the instrument by the handler, and their size is checked in tests/unit/test_assessment_cards.py."""
    sv = lang == "sv"
    pick = 0 if sv else 1
    scale = ((("Jag vet inte hur", "0"), ("Med hjälp", "1"), ("På egen hand", "2"),
              ("Med säkerhet, och jag kan vägleda andra", "3"), ("Inte relevant i mitt arbete", NOT_RELEVANT))
             if sv else (("I don't know how", "0"), ("With help", "1"), ("On my own", "2"),
                         ("With confidence, and I can guide others", "3"), ("Not relevant in my work", NOT_RELEVANT)))
    competences = []
    for n, titles in enumerate(_SAMPLE_COMPETENCES, start=1):
        key = f"{index + 1}.{n}"
        if mode == LONG:
            questions = tuple(Question(f"c{index + 1}_{n}_{g}", _SAMPLE_TASKS[g][pick], scale) for g in "fiah")
        else:
            choices = ((("Inte ännu" if sv else "Not yet"), "0"),
                       *((_SAMPLE_LEVELS[g][pick], g) for g in "fiah"),
                       (scale[-1][0], NOT_RELEVANT))
            questions = (Question(short_item_id(key), ("Vilket stämmer bäst på det du gör på egen hand i dag?" if sv
                                                       else "Which best describes what you do on your own today?"),
                                  choices),)
        competences.append(CompetenceView(key, titles[pick], "Att kommunicera och samarbeta digitalt." if sv
                                          else "Communicating and collaborating digitally.", questions))
    title = "Kommunikation och samarbete" if sv else "Communication and collaboration"
    description = ("Att kommunicera och samarbeta med digital teknik." if sv
                   else "Communicating and collaborating through digital technologies.")
    question = ("Hur gör du det i dag?" if sv else "How do you do this today?") if mode == LONG else ""
    return AreaView(index, 5, str(index + 1), title, description, tuple(competences), question)


def _sample_competence(lang: Lang, number: int, *, answer: str | None = None, area_number: int = 2) -> dict:
    """A competence of the sample area (six, as area 2, after three in area 1): `number` 1..6 in it."""
    area = _sample_area_view(lang, SHORT, area_number - 1)
    competence = area.competences[number - 1]
    [question] = competence.questions
    view = CompetenceStepView(step=2 + number, step_count=21, item_id=question.id, choices=question.choices,
                              area_number=area_number, area_count=area.total, area_key=area.key,
                              area_title=area.title, number_in_area=number, area_size=len(area.competences),
                              competence_key=competence.key, competence_title=competence.title,
                              competence_description=competence.description, question=question.label)
    return competence_card(lang, view=view, assessment_id=48213, revision=7, answer=answer)


def _sample_statement(lang: Lang, position: int, *, answer: str | None = None, area_number: int = 2) -> dict:
    """A statement of the sample area (24 statements, as area 2, after 12 in area 1): `position` 0..23 in it."""
    area = _sample_area_view(lang, LONG, area_number - 1)
    competence = area.competences[position // 4]
    question = competence.questions[position % 4]
    view = StatementView(step=12 + position, step_count=84,
                         statement_id=question.id, text=question.label, choices=question.choices,
                         area_number=area_number, area_count=area.total, area_key=area.key, area_title=area.title,
                         number_in_area=position + 1, area_size=24, competence_key=competence.key,
                         competence_title=competence.title, question=area.question)
    return statement_card(lang, view=view, assessment_id=48213, revision=31, answer=answer)


def _sample_finished(lang: Lang, *, to_confirm: Sequence[str] = ()) -> dict:
    sv = lang == "sv"
    areas = [AreaResult("1", "Informations- och datakunskap" if sv else "Information and data literacy", 3.3),
             AreaResult("2", "Kommunikation och samarbete" if sv else "Communication and collaboration", 4.0),
             AreaResult("3", "Skapa digitalt innehåll" if sv else "Digital content creation", 2.5),
             AreaResult("4", "Säkerhet" if sv else "Safety", None),
             AreaResult("5", "Problemlösning" if sv else "Problem solving", 5.0)]
    return finished_card(lang, assessment_id=48213, mode=LONG, areas=areas, to_confirm=to_confirm)


SAMPLES = {
    "assessment-mode": lambda lang: mode_card(lang),
    "assessment-mode-expired": lambda lang: mode_card(lang, expired_notice=True),
    "assessment-mode-restart": lambda lang: mode_card(lang, replaces=48213),
    "assessment-resume": lambda lang: resume_card(lang, assessment_id=48213, mode=LONG, answered_areas=2,
                                                  area_count=5, started=date(2026, 3, 2), expires=date(2026, 4, 1)),
    "assessment-nothing-to-resume": lambda lang: nothing_to_resume_card(lang),
    "assessment-statement-first": lambda lang: _sample_statement(lang, 0),
    # Come back to with "Föregående påstående": the saved answer is named and its button marked.
    "assessment-statement-answered": lambda lang: _sample_statement(lang, 14, answer="3"),
    "assessment-statement-last": lambda lang: _sample_statement(lang, 23, answer=None, area_number=5),
    "assessment-finished": lambda lang: _sample_finished(lang),
    "assessment-finished-to-confirm": lambda lang: _sample_finished(lang, to_confirm=(
        ("2.1", "Interagera genom digitala teknologier" if lang == "sv" else "Interacting through digital technologies",
         7),)),
    "assessment-recent": lambda lang: recent_assessment_card(lang, finished=date(2026, 11, 20)),
    "assessment-competence-short": lambda lang: _sample_competence(lang, 1),
    # Come back to with "Föregående kompetens": the saved answer's button is marked.
    "assessment-competence-short-answered": lambda lang: _sample_competence(lang, 3, answer="i"),
    "assessment-competence-short-last": lambda lang: _sample_competence(lang, 6, answer="na", area_number=5),
    **{f"error-{key.replace('_', '-')}": (lambda lang, key=key: error_card(lang, key)) for key in (
        "assessment_finished", "assessment_restarted", "assessment_expired", "assessment_outdated",
        "assessment_concurrent", "target_unknown_role", "target_invalid")},
}
