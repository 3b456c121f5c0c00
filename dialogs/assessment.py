"""The self-assessment flow: pick a mode, answer one statement per card (long) or one competence per card (short),
go back, stop and resume, start over, finish.

The state lives on the assessment row (store/assessments.py): `status` (in_progress -> finished | expired |
restarted), `area_index` (the card the person is on: the statement's position in `long_steps` in the long mode,
the competence's position in `short_steps` in the short mode) and `revision` (grows with every save). Steps:

    start    -> the mode card, or the resume card when an assessment is in progress; within 30 days of a
                finished assessment it asks first
    mode     -> a new assessment, its first card (a repeated click shows the current card instead)
    answer   -> one tap saves one statement (long) or one competence's level (short) and the card is replaced in
                place by the next unanswered one, a card shorter than the chat so its heading stays in view
                (docs/assessment-flow.md); once everything is answered: finished, "Klart!"
    back     -> the previous statement or competence, answers kept
    resume   -> the card the person was on (short mode: the first unanswered competence from there, which also
                resumes a short assessment begun when it showed one card per area)
    restart  -> the mode card; choosing a mode closes the old assessment as restarted

Every card names its assessment, position and revision: an answer from a card of a finished, restarted or
expired assessment, or of an earlier revision, is refused and changes nothing; the same answer sent twice is saved
once. A card from before one card per statement or competence (an area card: no position in its data) is refused
as an older card.
"""

from __future__ import annotations

import logging
from typing import Any, Mapping

from sqlmodel import Session

from cards.assessment import (
    LONG, AreaResult, competence_card, finished_card, mode_card, nothing_to_resume_card, recent_assessment_card,
    resume_card, statement_card,
)
from cards.notices import error_card
from dialogs.errors import MalformedAction, NotPermitted, StaleCard
from dialogs.rules.answers import (
    MODES, allowed_values, competence_view, first_incomplete_area, levels_from_answers, long_steps, mode_steps,
    next_unanswered_step, short_resume_step, statement_view,
)
from dialogs.rules.scoring import SCORING_VERSION, needs_confirmation, summarise_assessment
from dialogs.turn import Reply, Sender, Turn
from store.assessments import (
    EXPIRY, AssessmentClosed, ConcurrentAssessmentChange, expire_if_due, expires_at, finish_assessment,
    finished_assessment_with_previous, go_to_area, in_progress_assessment, last_assessment, latest_finished,
    owned_assessment, owner_with_locked_assessment, save_area_answers, start_assessment,
)
from store.digcomp import CURRENT_INSTRUMENT, Framework, Instrument, load_framework, load_instrument
from store.models.assessment import Assessment, AssessmentStatus
from store.models.core import Person
from store.people import aware

log = logging.getLogger(__name__)

# Starting a new assessment this soon after finishing one asks first: a few weeks rarely change a competence.
RECENT = EXPIRY  # 30 days

_STALE_KEYS = {
    AssessmentStatus.FINISHED: "assessment_finished",
    AssessmentStatus.RESTARTED: "assessment_restarted",
    AssessmentStatus.EXPIRED: "assessment_expired",
}


def _instrument_of(assessment: Assessment) -> tuple[Instrument, Framework]:
    instrument = load_instrument(assessment.instrument_version)
    return instrument, load_framework(instrument.framework_version)


def _finished_card(turn: Turn, assessment: Assessment, levels: Mapping[str, int | None]) -> dict:
    """"Klart!" with the area means and the competences at levels 7-8, to confirm with the manager."""
    _, framework = _instrument_of(assessment)
    summaries = summarise_assessment(levels, framework)
    areas = [AreaResult(area.key, area.title.of(turn.lang), summaries[area.key].mean) for area in framework.areas]
    to_confirm = [(c.key, c.title.of(turn.lang), levels[c.key]) for c in framework.competences
                  if needs_confirmation(levels.get(c.key))]
    return finished_card(turn.lang, assessment_id=assessment.id, mode=assessment.mode, areas=areas,
                         to_confirm=to_confirm)


def _statement_card(turn: Turn, assessment: Assessment, step: int) -> dict:
    view = statement_view(assessment.instrument_version, step, turn.lang)
    return statement_card(turn.lang, view=view, assessment_id=assessment.id, revision=assessment.revision,
                          answer=assessment.answers.get(view.statement_id))


def _competence_card(turn: Turn, assessment: Assessment, step: int) -> dict:
    view = competence_view(assessment.instrument_version, step, turn.lang)
    return competence_card(turn.lang, view=view, assessment_id=assessment.id, revision=assessment.revision,
                           answer=assessment.answers.get(view.item_id))


def _step_card(turn: Turn, assessment: Assessment, step: int) -> dict:
    """The card of one statement (long mode) or competence (short mode)."""
    build = _statement_card if assessment.mode == LONG else _competence_card
    return build(turn, assessment, step)


def _current_card(turn: Turn, assessment: Assessment) -> dict:
    if assessment.mode == LONG:
        return _statement_card(turn, assessment, min(assessment.area_index,
                                                     len(long_steps(assessment.instrument_version)) - 1))
    return _competence_card(turn, assessment, short_resume_step(assessment.instrument_version, assessment.answers,
                                                                assessment.area_index))


def sender_with_named_assessment(session: Session, sender: Sender, data: Mapping[str, Any]) -> Person | None:
    """For the routes that lock the assessment their card names: the sender and that lock in one statement."""
    return owner_with_locked_assessment(session, tenant_id=sender.tenant_id, teams_user_id=sender.teams_user_id,
                                        aad_object_id=sender.aad_object_id, assessment_id=data.get("assessment"))


def _own(turn: Turn, *, for_update: bool = False) -> Assessment:
    """The assessment the card names; someone else's (or an unknown id) is refused before anything happens."""
    assessment_id = turn.data.get("assessment")
    assessment = owned_assessment(turn.session, assessment_id=assessment_id, person_id=turn.person.id,
                                  for_update=for_update)
    if assessment is None:
        raise NotPermitted(f"person {turn.person.id} named assessment {assessment_id!r}, which is not theirs")
    return assessment


def _refuse_closed(turn: Turn, assessment: Assessment) -> Reply | None:
    """The answer to a card of an assessment that is no longer in progress; None while it is in progress."""
    if expire_if_due(turn.session, assessment=assessment, now=turn.now):
        # Not raised: the expiry is worth keeping, and raising would roll it back.
        log.info("assessment %s of person %s has expired", assessment.id, turn.person.id)
        return Reply.of(error_card(turn.lang, "assessment_expired"))
    if assessment.status != AssessmentStatus.IN_PROGRESS:
        raise StaleCard(f"assessment {assessment.id} is {assessment.status}", key=_STALE_KEYS[assessment.status])
    return None


def _int(value: Any, what: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise MalformedAction(f"{what} is not a number: {value!r}") from None


def start(turn: Turn) -> Reply:
    """'skattning': the mode card, or the resume card when an assessment is in progress."""
    current = in_progress_assessment(turn.session, person_id=turn.person.id, now=turn.now)
    if current is None and turn.data.get("confirmed") is not True:
        finished = latest_finished(turn.session, person_id=turn.person.id)
        if finished is not None and turn.now - aware(finished.finished_at) < RECENT:
            return Reply.of(recent_assessment_card(
                turn.lang, finished=aware(finished.finished_at).astimezone(turn.config.tz).date()))
    if current is None:
        last = last_assessment(turn.session, person_id=turn.person.id)
        expired = last is not None and last.status == AssessmentStatus.EXPIRED
        return Reply.of(mode_card(turn.lang, expired_notice=expired))
    _, framework = _instrument_of(current)
    tz = turn.config.tz
    return Reply.of(resume_card(
        turn.lang, assessment_id=current.id, mode=current.mode,
        answered_areas=first_incomplete_area(current.instrument_version, current.mode, current.answers,
                                             len(framework.areas)),
        area_count=len(framework.areas), started=aware(current.started_at).astimezone(tz).date(),
        expires=expires_at(current).astimezone(tz).date(),
    ))


def choose_mode(turn: Turn) -> Reply:
    mode = turn.data.get("mode")
    if mode not in MODES:
        raise MalformedAction(f"unknown assessment mode {mode!r}")
    current = in_progress_assessment(turn.session, person_id=turn.person.id, now=turn.now)
    replaces = turn.data.get("replaces")
    if current is not None and (replaces is None or str(replaces) != str(current.id)):
        # The mode card was clicked twice, or is older than the assessment in progress: carry on with that one.
        return Reply.of(_current_card(turn, current))
    instrument = load_instrument(CURRENT_INSTRUMENT)
    assessment = start_assessment(turn.session, person_id=turn.person.id, mode=mode,
                                  framework_version=instrument.framework_version,
                                  instrument_version=instrument.version, now=turn.now, replacing=current)
    log.info("person %s started %s assessment %s%s", turn.person.id, mode, assessment.id,
             f" replacing {current.id}" if current else "")
    return Reply.of(_current_card(turn, assessment))


def answer(turn: Turn) -> Reply:
    """Saves one statement (long mode) or competence (short mode) and shows the next card, or finishes."""
    assessment = _own(turn, for_update=True)
    try:
        return _answer_step(turn, assessment)
    except ConcurrentAssessmentChange:
        # A simultaneous click saved first (SQLite does not lock the row on read): look again, as a repeat.
        turn.session.refresh(assessment)
        try:
            return _answer_step(turn, assessment)
        except (ConcurrentAssessmentChange, AssessmentClosed) as error:
            raise StaleCard(str(error), key="assessment_concurrent") from None


def _step(turn: Turn, assessment: Assessment) -> int:
    if "step" not in turn.data:
        # An area card from before one statement (long) or one competence (short) per card.
        raise StaleCard(f"assessment {assessment.id}: a {assessment.mode}-mode card without a step",
                        key="assessment_outdated")
    step = _int(turn.data.get("step"), "step")
    count = len(mode_steps(assessment.instrument_version, assessment.mode))
    if not 0 <= step < count:
        raise MalformedAction(f"step {step} outside 0..{count - 1}")
    return step


def _finishing_answer_again(turn: Turn, assessment: Assessment) -> Reply:
    log.info("repeated finishing answer for assessment %s: showing its ending again", assessment.id)
    found = finished_assessment_with_previous(turn.session, person_id=turn.person.id, assessment_id=assessment.id)
    assert found is not None
    return Reply.of(_finished_card(turn, assessment, found[0].levels))


def _answer_step(turn: Turn, assessment: Assessment) -> Reply:
    """Saves one answer and replaces the card with the next unanswered statement or competence (the one after it,
    unless the person went back), or finishes once everything is answered."""
    step = _step(turn, assessment)
    value = turn.data.get("value")
    if value not in allowed_values(assessment.mode):
        raise MalformedAction(f"answer {value!r} is not on the {assessment.mode} mode's scale")
    card_revision = _int(turn.data.get("rev"), "rev")
    item_id = mode_steps(assessment.instrument_version, assessment.mode)[step].statement_id
    next_step = next_unanswered_step(assessment.instrument_version, {**assessment.answers, item_id: value}, step,
                                     assessment.mode)

    repeated = card_revision == assessment.revision - 1 and assessment.answers.get(item_id) == value
    if repeated and assessment.status == AssessmentStatus.FINISHED and next_step is None:
        return _finishing_answer_again(turn, assessment)
    refused = _refuse_closed(turn, assessment)
    if refused is not None:
        return refused
    if card_revision != assessment.revision:
        if repeated and assessment.area_index == next_step:
            # The first click already moved on: show the same next card, save nothing.
            log.info("repeated answer to step %s of assessment %s: saved once", step, assessment.id)
            return Reply.of(_step_card(turn, assessment, next_step))
        raise StaleCard(f"assessment {assessment.id} is at revision {assessment.revision}, card {card_revision}",
                        key="assessment_outdated")
    if next_step is not None:
        save_area_answers(turn.session, assessment=assessment, answers={item_id: value}, next_area=next_step,
                          now=turn.now)
        return Reply.of(_step_card(turn, assessment, next_step))
    instrument, framework = _instrument_of(assessment)
    merged = {**assessment.answers, item_id: value}
    levels = levels_from_answers(instrument, framework, assessment.mode, merged)
    finish_assessment(turn.session, assessment=assessment, answers={item_id: value}, levels=levels,
                      now=turn.now, scoring_version=SCORING_VERSION)
    log.info("person %s finished assessment %s", turn.person.id, assessment.id)
    return Reply.of(_finished_card(turn, assessment, levels))


def back(turn: Turn) -> Reply:
    """The previous statement or competence, with its saved answer marked."""
    assessment = _own(turn, for_update=True)
    step = _step(turn, assessment)
    refused = _refuse_closed(turn, assessment)
    if refused is not None:
        return refused
    target = max(step - 1, 0)
    try:
        go_to_area(turn.session, assessment=assessment, area_index=target, now=turn.now)
    except ConcurrentAssessmentChange as error:
        raise StaleCard(str(error), key="assessment_concurrent") from None
    return Reply.of(_step_card(turn, assessment, target))


def resume(turn: Turn) -> Reply:
    """'fortsätt' or the Continue button: the card the person was on."""
    named = _own(turn) if "assessment" in turn.data else None
    current = in_progress_assessment(turn.session, person_id=turn.person.id, now=turn.now)
    if current is None:
        if named is not None and named.status in _STALE_KEYS:
            raise StaleCard(f"assessment {named.id} is {named.status}", key=_STALE_KEYS[named.status])
        return Reply.of(nothing_to_resume_card(turn.lang))
    return Reply.of(_current_card(turn, current))


def restart(turn: Turn) -> Reply:
    """'Start over': the mode card; the old assessment is closed only when a new one is chosen."""
    assessment = _own(turn)
    refused = _refuse_closed(turn, assessment)
    if refused is not None:
        return refused
    return Reply.of(mode_card(turn.lang, replaces=assessment.id))
