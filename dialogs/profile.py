"""The profile ("min profil"), the history of finished assessments, and the person's role and targets."""

from __future__ import annotations

import logging

from sqlmodel import Session

from cards.profile import (
    FOLLOW_ROLE, ROLE_NONE, HistoryEntry, ProfileView, RoleChoice, history_card, no_profile_card, profile_card,
    target_input_id, targets_card,
)
from cards.i18n import t
from cards.verbs import Verb
from dialogs.digcomp_titles import digcomp_titles
from dialogs.rules import scoring
from dialogs.errors import NotPermitted, UserFacingError
from dialogs.rules.scoring import Gap, gaps, summarise_assessment, top_gaps
from dialogs.turn import Reply, Turn
from store.assessments import (
    AssessmentResult, assessment_history, finished_assessment_with_previous, in_progress_assessment,
    latest_finished_assessment, owned_assessment,
)
from store.digcomp import load_framework
from store.models.plan import Plan
from store.plan_states import SIGNED_BY_MANAGER
from store.plans import latest_plan
from store.targets import (
    UnknownRole, effective_targets, person_role, personal_targets, role_profiles, set_person_role,
    set_personal_targets,
)

log = logging.getLogger(__name__)
HISTORY_LIMIT = 10
# Assessments saved before the scoring version was recorded were scored by the first rule.
FIRST_SCORING_VERSION = 1


def needs_confirmation(level: int | None) -> bool:
    """Whether a self-assessed level waits for the manager's confirmation in the development dialogue (7-8):
    the one place the profile, the plan and the review ask this, by the scoring rule that owns it."""
    return level is not None and scoring.needs_confirmation(level)


def scoring_version_of(result: AssessmentResult) -> int:
    """The scoring rule an assessment's levels were counted by (older rows: the first)."""
    return getattr(result, "scoring_version", None) or FIRST_SCORING_VERSION


def not_comparable_reason(result: AssessmentResult, previous: AssessmentResult) -> str | None:
    """Why two assessments' levels must not be compared ("framework", "scoring"), or None when they may be."""
    if previous.framework_version != result.framework_version:
        return "framework"
    if scoring_version_of(previous) != scoring_version_of(result):
        return "scoring"
    return None


def confirmed_competences(session: Session, *, person_id: int) -> frozenset[str]:
    """Competences whose level the manager has agreed in a signed plan (the latest)."""
    return agreed_in(latest_plan(session, person_id=person_id))


def agreed_in(latest: Plan | None) -> frozenset[str]:
    """The competences agreed in the person's latest plan, if the manager has signed it."""
    if latest is None or latest.state not in SIGNED_BY_MANAGER:
        return frozenset()
    return frozenset(p["competence"] for p in latest.priorities if p.get("agreed_level") is not None)


def levels_to_confirm(session: Session, *, person_id: int, levels) -> frozenset[str]:
    return unconfirmed(levels, confirmed_competences(session, person_id=person_id))


def unconfirmed(levels, confirmed: frozenset[str]) -> frozenset[str]:
    """The competences whose level needs confirming and has not been confirmed."""
    return frozenset(key for key, level in levels.items() if needs_confirmation(level) and key not in confirmed)


def profile_gaps(session: Session, *, person_id: int) -> list[Gap]:
    """Gaps (target - level > 0) of the person's latest finished assessment, biggest first; [] without one."""
    latest = latest_finished_assessment(session, person_id=person_id)
    if latest is None:
        return []
    targets = effective_targets(session, person_id=person_id)
    return gaps(latest.levels, {key: target.level for key, target in targets.items()})


def _area_means(result: AssessmentResult) -> dict[str, float | None]:
    framework = load_framework(result.framework_version)
    return {key: summary.mean for key, summary in summarise_assessment(result.levels, framework).items()}


def _local_date(turn: Turn, result: AssessmentResult):
    return result.finished_at.astimezone(turn.config.tz).date()


def profile_reply(turn: Turn, *, assessment_id: object = None, notice: str | None = None) -> Reply:
    """The profile of one finished assessment (the latest by default), compared with the one before it."""
    if assessment_id is None:
        latest_two = assessment_history(turn.session, person_id=turn.person.id, limit=2)
        found = (latest_two[0], latest_two[1] if len(latest_two) > 1 else None) if latest_two else None
    else:
        found = finished_assessment_with_previous(turn.session, person_id=turn.person.id,
                                                  assessment_id=assessment_id)
        if found is None and owned_assessment(turn.session, assessment_id=assessment_id,
                                              person_id=turn.person.id) is None:
            raise NotPermitted(f"person {turn.person.id} asked for assessment {assessment_id!r}, not theirs")
    if found is None:
        current = in_progress_assessment(turn.session, person_id=turn.person.id, now=turn.now)
        return Reply.of(no_profile_card(turn.lang, in_progress_id=current.id if current else None))
    result, previous = found
    not_comparable = not_comparable_reason(result, previous) if previous is not None else None
    shown_previous = None if not_comparable else previous
    targets = {key: target.level for key, target in effective_targets(turn.session, person_id=turn.person.id).items()}
    role = person_role(turn.session, person_id=turn.person.id)
    view = ProfileView(
        finished=_local_date(turn, result),
        mode=result.mode,
        levels=result.levels,
        area_means=_area_means(result),
        targets=targets,
        top_gaps=top_gaps(result.levels, targets, 3),
        previous_finished=_local_date(turn, previous) if previous else None,
        previous_levels=shown_previous.levels if shown_previous else None,
        previous_area_means=_area_means(shown_previous) if shown_previous else None,
        role_title=role.title(turn.lang) if role else None,
        previous_not_comparable=not_comparable,
        previous_mode=shown_previous.mode if shown_previous else None,
        to_confirm=levels_to_confirm(turn.session, person_id=turn.person.id, levels=result.levels),
    )
    card = profile_card(turn.lang, titles=digcomp_titles(result.framework_version, turn.lang), view=view,
                        notice=notice)
    # Issue 13: the next step, activities matched to the gaps, and completed activities (dialogs.activities);
    # not on an earlier assessment opened from the history.
    from dialogs.activities import profile_sections, with_sections

    if turn.request.verb == Verb.PROFILE_SHOW and assessment_id is not None:
        return Reply.of(card)
    return Reply.of(with_sections(card, profile_sections(
        turn.session, turn.person, now=turn.now, lang=turn.lang, config=turn.config, assessed=dict(result.levels),
        targets=targets, role=role.key if role else None)))


def show_profile(turn: Turn) -> Reply:
    """'min profil', or a history entry's button (which names the assessment)."""
    return profile_reply(turn, assessment_id=turn.data.get("assessment"))


def show_history(turn: Turn) -> Reply:
    results = assessment_history(turn.session, person_id=turn.person.id, limit=HISTORY_LIMIT)
    framework = load_framework(results[0].framework_version if results else "2.2")
    entries = [HistoryEntry(r.id, _local_date(turn, r), r.mode, r.levels, _area_means(r), scoring_version_of(r))
               for r in results
               if r.framework_version == framework.version]
    return Reply.of(history_card(turn.lang, titles=digcomp_titles(framework.version, turn.lang), entries=entries))


def _targets_card(turn: Turn, *, saved: bool = False) -> dict:
    roles = role_profiles(turn.session)
    role = person_role(turn.session, person_id=turn.person.id)
    return targets_card(
        turn.lang, titles=digcomp_titles("2.2", turn.lang),
        roles=[RoleChoice(r.key, r.title(turn.lang)) for r in roles],
        role_key=role.key if role else None, role_targets=role.targets if role else {},
        personal_targets=personal_targets(turn.session, person_id=turn.person.id), saved=saved,
    )


def show_targets(turn: Turn) -> Reply:
    return Reply.of(_targets_card(turn))


def set_targets(turn: Turn) -> Reply:
    """Saves the role and the personal targets; answers with the profile, whose gaps now use them."""
    framework = load_framework("2.2")
    targets: dict[str, int | None] = {}
    for competence in framework.competences:
        value = turn.data.get(target_input_id(competence.key))
        value = value.strip() if isinstance(value, str) else value
        if value in (None, "", FOLLOW_ROLE):
            targets[competence.key] = None
        elif isinstance(value, str) and value.isdigit() and 1 <= int(value) <= 8:
            targets[competence.key] = int(value)
        else:
            raise UserFacingError("target_invalid", f"target {value!r} for {competence.key}")
    if "role" in turn.data:
        role_key = turn.data.get("role")
        try:
            set_person_role(turn.session, person_id=turn.person.id,
                            role_key=None if role_key in (None, "", ROLE_NONE) else str(role_key), now=turn.now)
        except UnknownRole as error:
            raise UserFacingError("target_unknown_role", str(error)) from None
    set_personal_targets(turn.session, person_id=turn.person.id, targets=targets, now=turn.now)
    log.info("person %s saved targets (%s personal)", turn.person.id, sum(v is not None for v in targets.values()))
    if latest_finished_assessment(turn.session, person_id=turn.person.id) is None:
        return Reply.of(_targets_card(turn, saved=True))
    return profile_reply(turn, notice=t(turn.lang, "profile.saved_targets"))
