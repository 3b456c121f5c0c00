"""The employee's development plan: the plan in each state, the edit form, notices from the manager's
review, reminders, and what to do without an assessment or a directory entry."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Mapping, Sequence

from cards.elements import (
    Element, card, choice_set, container, execute, facts, heading, submit, text, text_input,
)
from cards.digcomp_titles import DigCompTitles
from cards.i18n import Lang, t
from cards.sample_titles import sample_titles
from cards.verbs import Verb

PRIORITY_SLOTS = 5
REQUIRED_SLOTS = 3
GOALS_ID, ACTIVITIES_ID, TARGET_DATE_ID = "goals", "activities", "target_date"
TEXT_MAX = 2000


def priority_input_id(slot: int) -> str:
    return f"priority_{slot}"


def without_inputs(action: Element) -> Element:
    """Cancel and the like must not be blocked by (or send) the card's required inputs."""
    action["associatedInputs"] = "none"
    if "fallback" in action:
        action["fallback"]["associatedInputs"] = "none"
    return action


@dataclass(frozen=True)
class PriorityView:
    competence: str
    level: int | None  # self-assessed
    target: int | None
    agreed_level: int | None = None


@dataclass(frozen=True)
class CandidateView:
    competence: str
    level: int
    target: int | None
    has_gap: bool


@dataclass(frozen=True)
class PlanView:
    """What the plan cards show; the dialog fills it from the store."""

    plan_id: int
    version: int
    state: str
    period: int
    owner_name: str
    priorities: Sequence[PriorityView] = ()
    goals: str = ""
    activities: str = ""
    target_date: date | None = None
    manager_name: str | None = None
    sent_on: date | None = None
    approved_on: date | None = None
    approved_by: str | None = None
    completed_on: date | None = None
    changes_comment: str | None = None
    assessed_on: date | None = None
    area_means: Mapping[str, float | None] = field(default_factory=dict)
    # How often the employee has sent the plan, and when it last changed: what a person calls its versions.
    times_sent: int = 0
    changed_on: date | None = None
    # A newer finished assessment whose levels differ from those the plan was drafted from.
    newer_assessment_on: date | None = None
    newer_levels: Sequence[tuple[str, int | None, int | None]] = ()  # (competence, in the plan, newer)
    # Competences whose self-assessed level (7-8) waits for confirmation in the dialogue.
    to_confirm: frozenset[str] = frozenset()


def competence_title(lang: Lang, titles: DigCompTitles, key: str) -> str:
    title = titles.competence(key)
    return key if title == key else f"{key} {title}"


def level_label(lang: Lang, level: int | None) -> str:
    return t(lang, "plan.level_unknown") if level is None else str(level)


def state_text(lang: Lang, view: PlanView) -> str:
    return t(lang, f"plan.state.{view.state}", manager=view.manager_name or t(lang, "plan.your_manager"))


def priority_lines(lang: Lang, titles: DigCompTitles, priorities: Sequence[PriorityView],
                   to_confirm: frozenset[str] = frozenset()) -> Element:
    """One fact per priority, in order: the competence key as the (narrow) title, its name and levels as the
    value, so long names wrap in the wide column rather than in a narrow one."""
    rows = []
    for priority in priorities:
        level = level_label(lang, priority.level)
        if priority.competence in to_confirm:
            level = t(lang, "chart.to_confirm", level=level)
        parts = [t(lang, "plan.priority.level", level=level)]
        if priority.target is not None:
            parts.append(t(lang, "plan.priority.target", target=priority.target))
        if priority.agreed_level is not None:
            parts.append(t(lang, "plan.priority.agreed", level=priority.agreed_level))
        rows.append((priority.competence, t(lang, "plan.priority.line", title=titles.competence(priority.competence),
                                            levels=" · ".join(parts))))
    return facts(rows)


def newer_assessment_note(lang: Lang, view: PlanView, *, for_manager: bool = False) -> Element | None:
    """Says that a newer self-assessment gives other levels than those the plan was drafted from."""
    if view.newer_assessment_on is None or not view.newer_levels:
        return None
    dash = t(lang, "history.dash")
    changes = ", ".join(f"{key}: {dash if old is None else old} → {dash if new is None else new}"
                        for key, old, new in view.newer_levels)
    key = "plan.newer_assessment.manager" if for_manager else "plan.newer_assessment.employee"
    return container([text(t(lang, key, date=view.newer_assessment_on.isoformat(), changes=changes,
                             name=view.owner_name))], style="warning")


def plan_body(lang: Lang, titles: DigCompTitles, view: PlanView) -> list[Element]:
    """The plan's content, shared by the employee's and the manager's cards."""
    body: list[Element] = [text(t(lang, "plan.priorities"), weight="Bolder", spacing="Medium")]
    body.append(priority_lines(lang, titles, view.priorities, view.to_confirm) if view.priorities
                else text(t(lang, "plan.no_priorities"), subtle=True))
    body.append(text(t(lang, "plan.goals"), weight="Bolder", spacing="Medium"))
    body.append(text(view.goals or t(lang, "plan.empty"), subtle=not view.goals))
    body.append(text(t(lang, "plan.activities"), weight="Bolder", spacing="Medium"))
    body.append(text(view.activities or t(lang, "plan.empty"), subtle=not view.activities))
    body.append(facts([(t(lang, "plan.target_date"),
                        view.target_date.isoformat() if view.target_date else t(lang, "plan.empty"))]))
    return body


def _ids(view: PlanView) -> dict[str, int]:
    return {"plan_id": view.plan_id, "version": view.version}


def plan_card(lang: Lang, *, view: PlanView, titles: DigCompTitles, notice: str | None = None,
              notice_color: str = "Good") -> dict:
    body: list[Element] = [heading(t(lang, "plan.title", period=view.period))]
    if notice:
        body.append(text(notice, color=notice_color, weight="Bolder"))
    body.append(text(state_text(lang, view), weight="Bolder"))
    status = version_facts(lang, view)
    if view.approved_on:
        status.append((t(lang, "plan.fact.approved"),
                       t(lang, "plan.fact.approved_by", date=view.approved_on.isoformat(),
                         name=view.approved_by or "")))
    if view.completed_on:
        status.append((t(lang, "plan.fact.completed"), view.completed_on.isoformat()))
    body.append(facts(status))
    if (note := newer_assessment_note(lang, view)) is not None:
        body.append(note)
    if view.state == "changes_requested" and view.changes_comment:
        body.append(container([text(t(lang, "plan.changes_comment", manager=view.manager_name or ""),
                                     weight="Bolder"), text(view.changes_comment)], style="warning"))
    body += plan_body(lang, titles, view)
    actions: list[Element] = []
    if view.state in ("draft", "changes_requested"):
        actions.append(execute(t(lang, "plan.action.edit"), Verb.PLAN_EDIT, _ids(view)))
        if len(view.priorities) < REQUIRED_SLOTS:
            body.append(text(t(lang, "plan.choose_priorities_first"), subtle=True))
        elif not (view.goals or view.activities):
            body.append(text(t(lang, "plan.write_something_first"), subtle=True))
        else:
            title = "plan.action.send" if view.state == "draft" else "plan.action.send_again"
            actions.append(execute(t(lang, title), Verb.PLAN_SUBMIT, _ids(view), style="positive"))
    elif view.state in ("sent", "resent"):
        # Only while the manager has not decided: the server refuses a withdrawal after that anyway.
        body.append(text(t(lang, "plan.withdraw_hint", manager=view.manager_name or t(lang, "plan.your_manager")),
                         subtle=True, spacing="Medium"))
        actions.append(execute(t(lang, "plan.action.withdraw"), Verb.PLAN_WITHDRAW, _ids(view)))
    elif view.state == "approved":
        body.append(text(t(lang, "plan.acknowledge_hint"), spacing="Medium"))
        actions.append(execute(t(lang, "plan.action.acknowledge"), Verb.PLAN_ACKNOWLEDGE, _ids(view),
                               style="positive"))
    actions.append(submit(t(lang, "menu.profile"), Verb.PROFILE_SHOW))
    return card(body, actions, lang=lang)


def version_facts(lang: Lang, view: PlanView) -> list[tuple[str, str]]:
    """When the plan was sent (and how often, once more than once) and when it last changed: the versions a
    person counts, not the number of saved changes."""
    rows = []
    if view.sent_on:
        sent = view.sent_on.isoformat()
        if view.times_sent > 1:
            sent += " · " + t(lang, "plan.fact.times", count=view.times_sent)
        rows.append((t(lang, "plan.fact.sent"), sent))
    if view.changed_on and view.changed_on != view.sent_on:
        rows.append((t(lang, "plan.fact.changed"), view.changed_on.isoformat()))
    return rows


def plan_edit_card(lang: Lang, *, view: PlanView, titles: DigCompTitles, candidates: Sequence[CandidateView],
                   problems: Sequence[str] = ()) -> dict:
    choices = []
    for candidate in candidates:
        key = "plan.candidate.gap" if candidate.has_gap else "plan.candidate.no_gap"
        choices.append((t(lang, key, title=competence_title(lang, titles, candidate.competence),
                          level=candidate.level, target=candidate.target if candidate.target is not None else "–"),
                        candidate.competence))
    chosen = [p.competence for p in view.priorities]
    body: list[Element] = [heading(t(lang, "plan.edit.title", period=view.period)),
                           text(t(lang, "plan.edit.intro"))]
    for problem in problems:
        body.append(text(t(lang, problem), color="Attention", weight="Bolder"))
    if not any(c.has_gap for c in candidates):
        body.append(text(t(lang, "plan.edit.no_gaps"), subtle=True))
    for slot in range(1, PRIORITY_SLOTS + 1):
        required = slot <= REQUIRED_SLOTS
        label = t(lang, "plan.edit.priority_required" if required else "plan.edit.priority_optional", number=slot)
        body.append(choice_set(priority_input_id(slot), label=label, choices=choices, expanded=False,
                               value=chosen[slot - 1] if slot <= len(chosen) else None, required=required,
                               error_message=t(lang, "plan.edit.priority_missing")))
    body.append(text_input(GOALS_ID, label=t(lang, "plan.goals"), placeholder=t(lang, "plan.edit.goals_hint"),
                           value=view.goals, multiline=True, max_length=TEXT_MAX))
    body.append(text_input(ACTIVITIES_ID, label=t(lang, "plan.activities"),
                           placeholder=t(lang, "plan.edit.activities_hint"), value=view.activities,
                           multiline=True, max_length=TEXT_MAX))
    date_input: Element = {"type": "Input.Date", "id": TARGET_DATE_ID, "label": t(lang, "plan.target_date"),
                           "placeholder": t(lang, "plan.edit.date_hint")}
    if view.target_date:
        date_input["value"] = view.target_date.isoformat()
    body.append(date_input)
    return card(body, [execute(t(lang, "plan.action.save"), Verb.PLAN_SAVE, _ids(view), style="positive"),
                       without_inputs(execute(t(lang, "plan.action.cancel"), Verb.PLAN_SHOW))], lang=lang)


def no_assessment_card(lang: Lang) -> dict:
    return card([heading(t(lang, "plan.no_assessment.title")), text(t(lang, "plan.no_assessment.body"))],
                [submit(t(lang, "menu.assessment"), Verb.ASSESSMENT_START)], lang=lang)


@dataclass(frozen=True)
class ContactView:
    name: str
    email: str | None = None


def not_in_directory_card(lang: Lang, *, contacts: Sequence[ContactView], feature: str = "plan") -> dict:
    body: list[Element] = [heading(t(lang, "directory.missing.title")),
                           text(t(lang, f"directory.missing.body.{feature}"))]
    if contacts:
        body.append(text(t(lang, "directory.missing.contact"), weight="Bolder"))
        body.append(facts([(c.name, c.email or "") for c in contacts]))
    else:
        body.append(text(t(lang, "directory.missing.no_contact")))
    return card(body, [submit(t(lang, "menu.help"), Verb.HELP)], lang=lang)


def no_manager_card(lang: Lang, *, contacts: Sequence[ContactView]) -> dict:
    body: list[Element] = [heading(t(lang, "plan.no_manager.title")), text(t(lang, "plan.no_manager.body"))]
    if contacts:
        body.append(facts([(c.name, c.email or "") for c in contacts]))
    return card(body, [execute(t(lang, "menu.plan"), Verb.PLAN_SHOW)], lang=lang)


# ---- notices to the employee (through the outbox) ---------------------------------------------------------

def approved_notice_card(lang: Lang, *, view: PlanView, titles: DigCompTitles) -> dict:
    body: list[Element] = [
        heading(t(lang, "plan.approved_notice.title")),
        text(t(lang, "plan.approved_notice.body", manager=view.approved_by or view.manager_name or "",
               period=view.period)),
    ]
    body += plan_body(lang, titles, view)
    body.append(text(t(lang, "plan.acknowledge_hint"), spacing="Medium"))
    return card(body, [execute(t(lang, "plan.action.acknowledge"), Verb.PLAN_ACKNOWLEDGE, _ids(view),
                               style="positive"),
                       execute(t(lang, "plan.action.open"), Verb.PLAN_SHOW)], lang=lang)


def changes_requested_notice_card(lang: Lang, *, view: PlanView, comment: str) -> dict:
    return card(
        [heading(t(lang, "plan.changes_notice.title")),
         text(t(lang, "plan.changes_notice.body", manager=view.manager_name or "", period=view.period)),
         container([text(comment)], style="warning")],
        [execute(t(lang, "plan.action.edit"), Verb.PLAN_EDIT, _ids(view), style="positive"),
         execute(t(lang, "plan.action.open"), Verb.PLAN_SHOW)],
        lang=lang,
    )


def draft_reminder_card(lang: Lang, *, period: int, days: int) -> dict:
    return card([heading(t(lang, "plan.draft_reminder.title")),
                 text(t(lang, "plan.draft_reminder.body", period=period, days=days))],
                [execute(t(lang, "plan.action.open"), Verb.PLAN_SHOW)], lang=lang)


# ---- samples ----------------------------------------------------------------------------------------------

SAMPLE_PRIORITIES = (
    PriorityView("3.1", 2, 5),
    PriorityView("4.2", 3, 6, agreed_level=4),
    PriorityView("1.2", 3, 5),
    PriorityView("2.4", 2, 4),
)


def sample_view(state: str = "draft", *, priorities: Sequence[PriorityView] = SAMPLE_PRIORITIES) -> PlanView:
    signed = state in ("approved", "completed")
    return PlanView(
        plan_id=41, version=6, state=state, period=2026, owner_name="Anna Lindberg", priorities=priorities,
        goals="Jag vill kunna göra korta filmer om bibliotekets program och publicera dem själv på webben.",
        activities="Kurs i mobilfilm (Kulturakademin), egen övning med bibliotekets program i mars, "
                   "handledning av Omar på kommunikationsenheten.",
        target_date=date(2026, 12, 15), manager_name="Karin Ek",
        sent_on=date(2026, 3, 2) if state != "draft" else None,
        approved_on=date(2026, 3, 10) if signed else None, approved_by="Karin Ek" if signed else None,
        completed_on=date(2026, 3, 11) if state == "completed" else None,
        changes_comment="Bra start! Lägg gärna till ett mål för informationssäkerhet och en kurs i 4.2."
        if state == "changes_requested" else None,
        assessed_on=date(2026, 2, 20),
        area_means={"1": 3.3, "2": 3.0, "3": 2.3, "4": 3.5, "5": 3.0},
        times_sent=0 if state == "draft" else 2 if state == "resent" else 1,
        changed_on=date(2026, 3, 11) if state == "completed" else date(2026, 3, 2),
    )


def _sample_candidates() -> list[CandidateView]:
    return [CandidateView("3.1", 2, 5, True), CandidateView("4.2", 3, 6, True), CandidateView("1.2", 3, 5, True),
            CandidateView("2.4", 2, 4, True), CandidateView("5.4", 3, 5, True), CandidateView("3.3", 2, 4, True)]




SAMPLES = {
    "plan-draft": lambda lang: plan_card(lang, view=sample_view("draft"), titles=sample_titles(lang)),
    "plan-draft-empty": lambda lang: plan_card(lang, view=sample_view("draft", priorities=()),
                                               titles=sample_titles(lang)),
    "plan-sent": lambda lang: plan_card(lang, view=sample_view("sent"), titles=sample_titles(lang),
                                        notice=t(lang, "plan.sent_notice", manager="Karin Ek") + " " + t(
                                            lang, "plan.sent_when", manager="Karin",
                                            when=t(lang, "notice.when.weekday", day="måndag" if lang == "sv"
                                                   else "Monday", time="08.00" if lang == "sv" else "08:00"))),
    "plan-changes-requested": lambda lang: plan_card(lang, view=sample_view("changes_requested"),
                                                     titles=sample_titles(lang)),
    "plan-resent": lambda lang: plan_card(lang, view=sample_view("resent"), titles=sample_titles(lang)),
    "plan-withdrawn": lambda lang: plan_card(lang, view=replace(sample_view("draft"), version=7),
                                             titles=sample_titles(lang),
                                             notice=t(lang, "plan.withdrawn_notice", manager="Karin Ek",
                                                      when=t(lang, "notice.when.tomorrow", time="08.00"))),
    "plan-withdrawn-after-changes": lambda lang: plan_card(
        lang, view=replace(sample_view("changes_requested"), version=9), titles=sample_titles(lang),
        notice=t(lang, "plan.withdrawn_notice_untold")),
    "plan-newer-assessment": lambda lang: plan_card(
        lang, view=replace(sample_view("draft"), newer_assessment_on=date(2026, 4, 14),
                           newer_levels=(("3.1", 2, 4), ("4.2", 3, 4))),
        titles=sample_titles(lang)),
    "plan-draft-nothing-written": lambda lang: plan_card(lang, view=replace(sample_view("draft"), goals="",
                                                                            activities=""),
                                                         titles=sample_titles(lang)),
    "plan-approved": lambda lang: plan_card(lang, view=sample_view("approved"), titles=sample_titles(lang)),
    "plan-completed": lambda lang: plan_card(lang, view=sample_view("completed"), titles=sample_titles(lang),
                                             notice=t(lang, "plan.completed_notice")),
    "plan-edit": lambda lang: plan_edit_card(lang, view=sample_view("draft"), titles=sample_titles(lang),
                                             candidates=_sample_candidates()),
    "plan-edit-problems": lambda lang: plan_edit_card(
        lang, view=sample_view("draft", priorities=()), titles=sample_titles(lang), candidates=_sample_candidates(),
        problems=["plan.problem.too_few", "plan.problem.duplicate"]),
    "plan-no-assessment": no_assessment_card,
    "plan-no-manager": lambda lang: no_manager_card(lang, contacts=[ContactView("Maria Holm", "maria.holm@stockholm.se")]),
    "directory-missing": lambda lang: not_in_directory_card(
        lang, contacts=[ContactView("Maria Holm", "maria.holm@stockholm.se"),
                        ContactView("Jonas Berg", "jonas.berg@stockholm.se")]),
    "directory-missing-no-contact": lambda lang: not_in_directory_card(lang, contacts=[], feature="team"),
    "plan-approved-notice": lambda lang: approved_notice_card(lang, view=sample_view("approved"),
                                                              titles=sample_titles(lang)),
    "plan-changes-notice": lambda lang: changes_requested_notice_card(
        lang, view=sample_view("changes_requested"),
        comment="Bra start! Lägg gärna till ett mål för informationssäkerhet och en kurs i 4.2."),
    "plan-draft-reminder": lambda lang: draft_reminder_card(lang, period=2026, days=8),
}
