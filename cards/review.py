"""The manager's side of the plan: the review card (agreed levels, targets, activities, comment, approve or
ask for changes, book the dialogue), its outcomes, reminders, notices of what the employee did (withdrew,
confirmed), and "mina medarbetare"."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Sequence
from urllib.parse import quote

from cards.elements import (
    Element, action_set, card, choice_set, columns, container, execute, facts, heading, open_url, submit, text,
    text_input,
)
from cards.digcomp_titles import DigCompTitles
from cards.i18n import Lang, t, t_count
from cards.plan import (
    ACTIVITIES_ID, TEXT_MAX, PlanView, level_label, newer_assessment_note, plan_body, sample_view, version_facts,
    without_inputs,
)
from cards.sample_titles import sample_titles
from cards.verbs import Verb

COMMENT_ID = "comment"
TEAMS_NEW_MEETING = "https://teams.microsoft.com/l/meeting/new"


def agreed_input_id(competence: str) -> str:
    return f"agreed_{competence}"


def target_input_id(competence: str) -> str:
    return f"target_{competence}"


def meeting_link(*, subject: str, attendee_email: str | None) -> str:
    """A Teams deep link that opens a new meeting with the employee invited; it needs no Graph permission."""
    link = f"{TEAMS_NEW_MEETING}?subject={quote(subject, safe='')}"
    if attendee_email:
        link += f"&attendees={quote(attendee_email, safe='')}"
    return link


def _level_choices(lang: Lang, titles: DigCompTitles) -> list[tuple[str, str]]:
    return [(t(lang, "review.level_zero"), "0")] + [(level.title, str(level.level)) for level in titles.levels]


def _profile_summary(lang: Lang, titles: DigCompTitles, view: PlanView) -> Element:
    rows = []
    for area in titles.areas:
        mean = view.area_means.get(area.key)
        shown = t(lang, "review.not_relevant") if mean is None else (
            f"{mean:.1f}".replace(".", ",") if lang == "sv" else f"{mean:.1f}")
        # The area's number as the narrow title, its name in the wide value column: nothing wraps word by word.
        rows.append((area.key, t(lang, "review.area_mean", title=area.title, mean=shown)))
    assessed = view.assessed_on.isoformat() if view.assessed_on else t(lang, "review.not_assessed")
    return container([text(t(lang, "review.profile", date=assessed), weight="Bolder"), facts(rows)],
                     style="emphasis")


def _ids(view: PlanView) -> dict[str, int]:
    return {"plan_id": view.plan_id, "version": view.version}


def review_card(lang: Lang, *, view: PlanView, titles: DigCompTitles, employee_email: str | None,
                notice: str | None = None, notice_color: str = "Warning", as_stand_in: bool = False) -> dict:
    """What the manager opens: whose plan, the profile summary, priorities with agreed level and target
    inputs, the activities, a comment, and approve / ask for changes / book the dialogue."""
    body: list[Element] = [heading(t(lang, "review.title", name=view.owner_name, period=view.period))]
    if notice:
        body.append(text(notice, color=notice_color, weight="Bolder"))
    if as_stand_in:
        body.append(text(t(lang, "review.as_stand_in", manager=view.manager_name or ""), subtle=True))
    body.append(text(t(lang, f"review.state.{view.state}", name=view.owner_name), weight="Bolder"))
    body.append(facts(version_facts(lang, view)))
    reviewing = view.state in ("sent", "resent")
    # Booking the meeting is a line to tap, not a button, so the card keeps to three buttons.
    link = meeting_link(subject=t(lang, "review.meeting_subject", name=view.owner_name, period=view.period),
                        attendee_email=employee_email)
    booking = container([text(t(lang, "review.book_link"), color="Accent", weight="Bolder")])
    booking["selectAction"] = open_url(t(lang, "review.action.book"), link)
    body.append(booking)
    if (note := newer_assessment_note(lang, view, for_manager=True)) is not None:
        body.append(note)
    body.append(_profile_summary(lang, titles, view))
    if not reviewing:
        # A draft (also one the employee withdrew) is their work in progress: the manager sees it once sent.
        if view.state != "draft":
            body += plan_body(lang, titles, view)
        return card(body, [submit(t(lang, "menu.team"), Verb.TEAM_SHOW)], lang=lang)

    levels = _level_choices(lang, titles)
    body.append(text(t(lang, "plan.priorities"), weight="Bolder", spacing="Medium"))
    body.append(text(t(lang, "review.priorities_hint"), subtle=True, size="Small"))
    for priority in view.priorities:
        agreed = priority.agreed_level if priority.agreed_level is not None else priority.level
        level = level_label(lang, priority.level)
        if priority.competence in view.to_confirm:
            level = t(lang, "chart.to_confirm", level=level)
        body.append(container([
            text(f"{priority.competence} {titles.competence(priority.competence)}", weight="Bolder"),
            text(t(lang, "review.self_assessed", level=level,
                   target=priority.target if priority.target is not None else "–"), subtle=True),
            columns(
                ([choice_set(agreed_input_id(priority.competence), label=t(lang, "review.agreed_level"),
                             choices=levels, expanded=False, value=None if agreed is None else str(agreed))],
                 "stretch"),
                ([choice_set(target_input_id(priority.competence), label=t(lang, "review.target"),
                             choices=levels, expanded=False,
                             value=None if priority.target is None else str(priority.target))], "stretch"),
            ),
        ], separator=True))
    body.append(text(t(lang, "plan.goals"), weight="Bolder", spacing="Medium"))
    body.append(text(view.goals or t(lang, "plan.empty"), subtle=not view.goals))
    # The activities once, in the field the manager may adjust them in.
    body.append(text_input(ACTIVITIES_ID, label=t(lang, "review.activities"), value=view.activities,
                           placeholder=t(lang, "plan.empty"), multiline=True, max_length=TEXT_MAX))
    body.append(facts([(t(lang, "plan.target_date"),
                        view.target_date.isoformat() if view.target_date else t(lang, "plan.empty"))]))
    body.append(text_input(COMMENT_ID, label=t(lang, "review.comment"), placeholder=t(lang, "review.comment_hint"),
                           multiline=True, max_length=TEXT_MAX))
    # Three buttons, two in the first row: Teams cuts the labels of a third in a narrow chat pane.
    body.append(action_set([
        execute(t(lang, "review.action.approve"), Verb.REVIEW_APPROVE, _ids(view), style="positive"),
        execute(t(lang, "review.action.changes"), Verb.REVIEW_CHANGES, _ids(view), style="destructive"),
    ]))
    return card(body, [execute(t(lang, "review.action.save"), Verb.REVIEW_SAVE, _ids(view))], lang=lang)


def review_outcome_card(lang: Lang, *, view: PlanView, titles: DigCompTitles, outcome: str,
                        already: bool = False, told: str | None = None) -> dict:
    """After approving or asking for changes: what was recorded, and when the employee hears of it.

    `told` is when the notice reaches the employee ("now", or a phrase like "i morgon kl. 08.00"); None when
    no notice was sent by this click.
    """
    key = f"review.outcome.{outcome}" + (".already" if already else "")
    said = t(lang, key, name=view.owner_name, date=view.approved_on.isoformat() if view.approved_on else "",
             manager=view.approved_by or "")
    if told:
        said += " " + t(lang, f"review.told.{outcome}", name=first_name(view.owner_name), when=told)
    body: list[Element] = [heading(t(lang, "review.title", name=view.owner_name, period=view.period)),
                           text(said, color="Good", weight="Bolder")]
    body += plan_body(lang, titles, view)
    return card(body, [execute(t(lang, "review.action.show_plan"), Verb.REVIEW_OPEN, _ids(view)),
                       submit(t(lang, "menu.team"), Verb.TEAM_SHOW)], lang=lang)


def first_name(name: str) -> str:
    return name.split()[0] if name.strip() else name


# ---- notices to the manager (through the outbox) ---------------------------------------------------------

def withdrawn_notice_card(lang: Lang, *, view: PlanView) -> dict:
    """The employee took the plan back before the manager decided; the review card they have no longer applies."""
    return card([heading(t(lang, "review.withdrawn_notice.title", name=view.owner_name)),
                 text(t(lang, "review.withdrawn_notice.body", name=view.owner_name, period=view.period))],
                [submit(t(lang, "menu.team"), Verb.TEAM_SHOW)], lang=lang)


def acknowledged_notice_card(lang: Lang, *, view: PlanView) -> dict:
    """The employee confirmed the approved plan: it is signed off by both."""
    body = text(t(lang, "review.acknowledged_notice.body", name=view.owner_name, period=view.period,
                  manager=view.approved_by or view.manager_name or "",
                  approved=view.approved_on.isoformat() if view.approved_on else "",
                  completed=view.completed_on.isoformat() if view.completed_on else ""))
    return card([heading(t(lang, "review.acknowledged_notice.title", name=view.owner_name)), body],
                [execute(t(lang, "review.action.show_plan"), Verb.REVIEW_OPEN, _ids(view)),
                 submit(t(lang, "menu.team"), Verb.TEAM_SHOW)], lang=lang)


# ---- "mina medarbetare" ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TeamMemberView:
    name: str
    unit: str | None
    assessment: str  # none, in_progress, finished
    assessed_on: date | None
    plan_state: str | None
    plan_id: int | None
    plan_version: int | None
    uses_bot: bool


TEAM_PAGE_SIZE = 20


def team_card(lang: Lang, *, members: Sequence[TeamMemberView], period: int, page: int = 0) -> dict:
    body: list[Element] = [heading(t(lang, "team.title")), text(t(lang, "team.intro", period=period), subtle=True)]
    if not members:
        body.append(text(t(lang, "team.none")))
    start = page * TEAM_PAGE_SIZE
    shown = members[start:start + TEAM_PAGE_SIZE]
    waiting = sum(1 for m in members if m.plan_state in ("sent", "resent"))
    if waiting:
        body.append(text(t_count(lang, "team.waiting", waiting), color="Attention", weight="Bolder"))
    for member in shown:
        if member.assessment == "finished" and member.assessed_on:
            assessment = t(lang, "team.assessment.finished", date=member.assessed_on.isoformat())
        else:
            assessment = t(lang, f"team.assessment.{member.assessment}")
        plan = t(lang, f"team.plan.{member.plan_state}") if member.plan_state else t(lang, "team.plan.none")
        rows = [(t(lang, "team.fact.assessment"), assessment), (t(lang, "team.fact.plan"), plan)]
        if not member.uses_bot:
            rows.append((t(lang, "team.fact.app"), t(lang, "team.not_started")))
        items: list[Element] = [text(member.name + (f" · {member.unit}" if member.unit else ""), weight="Bolder"),
                                facts(rows)]
        if member.plan_id is not None and member.plan_state not in (None, "draft"):
            label = "team.action.review" if member.plan_state in ("sent", "resent") else "team.action.open"
            items.append(action_set([execute(t(lang, label, name=member.name.split()[0]), Verb.REVIEW_OPEN,
                                             {"plan_id": member.plan_id, "version": member.plan_version})]))
        body.append(container(items, separator=True))
    actions: list[Element] = []
    if start + TEAM_PAGE_SIZE < len(members):
        actions.append(submit(t(lang, "team.more", shown=start + len(shown), total=len(members)), Verb.TEAM_SHOW,
                              {"page": page + 1}))
    actions.append(submit(t(lang, "menu.help"), Verb.HELP))
    return card(body, actions, lang=lang)


def not_a_manager_card(lang: Lang) -> dict:
    return card([heading(t(lang, "team.title")), text(t(lang, "team.not_manager"))],
                [submit(t(lang, "menu.help"), Verb.HELP)], lang=lang)


# ---- samples ----------------------------------------------------------------------------------------------



def _sample_team() -> list[TeamMemberView]:
    return [
        TeamMemberView("Anna Lindberg", "Stadsbiblioteket", "finished", date(2026, 2, 20), "sent", 41, 6, True),
        TeamMemberView("Omar Haddad", "Stadsbiblioteket", "finished", date(2026, 1, 28), "completed", 38, 9, True),
        TeamMemberView("Lena Sjöberg", "Kulturhuset", "in_progress", None, "draft", 44, 2, True),
        TeamMemberView("Erik Nyström", "Kulturhuset", "none", None, None, None, None, False),
    ]


def _longest_review(lang: Lang) -> dict:
    """The largest review card the bot can send: five priorities and goals and activities at their limit."""
    from cards.plan import PriorityView

    view = replace(sample_view("sent", priorities=[PriorityView(key, 2, 8, 3) for key in
                                                   ("1.1", "2.2", "3.3", "4.4", "5.4")]),
                   goals="å" * TEXT_MAX, activities="ö" * TEXT_MAX, owner_name="Anna-Karin Lindberg Ekström")
    return review_card(lang, view=view, titles=sample_titles(lang),
                       employee_email="anna-karin.lindberg.ekstrom@stockholm.se", as_stand_in=True,
                       notice=t(lang, "review.reminder", name=view.owner_name, days=21))


def _full_team_page(lang: Lang) -> dict:
    members = [TeamMemberView(f"Medarbetare Nummer{n:02d} Långnamnsson", "Kulturhuset Stadsteatern, publik verksamhet",
                              "finished", date(2026, 2, n % 28 + 1), "resent", 100 + n, 12, True) for n in range(45)]
    return team_card(lang, members=members, period=2026, page=1)


SAMPLES = {
    "review-longest": _longest_review,
    "team-full-page": _full_team_page,
    "review": lambda lang: review_card(lang, view=sample_view("sent"), titles=sample_titles(lang),
                                       employee_email="anna.lindberg@stockholm.se"),
    "review-resent-stand-in": lambda lang: review_card(lang, view=sample_view("resent"), titles=sample_titles(lang),
                                                       employee_email="anna.lindberg@stockholm.se",
                                                       as_stand_in=True),
    "review-stale": lambda lang: review_card(lang, view=sample_view("sent"), titles=sample_titles(lang),
                                             employee_email="anna.lindberg@stockholm.se",
                                             notice=t(lang, "review.stale", version=6)),
    "review-reminder": lambda lang: review_card(lang, view=sample_view("sent"), titles=sample_titles(lang),
                                                employee_email="anna.lindberg@stockholm.se",
                                                notice=t(lang, "review.reminder", name="Anna Lindberg", days=8)),
    "review-draft-view": lambda lang: review_card(lang, view=replace(sample_view("draft"), version=7),
                                                  titles=sample_titles(lang),
                                                  employee_email="anna.lindberg@stockholm.se",
                                                  notice=t(lang, "review.stale", version=7)),
    "review-withdrawn-notice": lambda lang: withdrawn_notice_card(lang, view=sample_view("draft")),
    "review-acknowledged-notice": lambda lang: acknowledged_notice_card(lang, view=sample_view("completed")),
    "review-approved-view": lambda lang: review_card(lang, view=sample_view("approved"), titles=sample_titles(lang),
                                                     employee_email="anna.lindberg@stockholm.se"),
    "review-outcome-approved": lambda lang: review_outcome_card(lang, view=sample_view("approved"),
                                                                titles=sample_titles(lang), outcome="approved",
                                                                told=t(lang, "notice.when.now")),
    "review-outcome-already": lambda lang: review_outcome_card(lang, view=sample_view("approved"),
                                                               titles=sample_titles(lang), outcome="approved",
                                                               already=True),
    "review-outcome-changes": lambda lang: review_outcome_card(lang, view=sample_view("changes_requested"),
                                                               titles=sample_titles(lang), outcome="changes_requested",
                                                               told=t(lang, "notice.when.tomorrow", time="08.00")),
    "team": lambda lang: team_card(lang, members=_sample_team(), period=2026),
    "team-empty": lambda lang: team_card(lang, members=[], period=2026),
    "team-not-manager": not_a_manager_card,
}
