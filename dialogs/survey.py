"""The yearly digital maturity survey: answering it in cards, its results, and what the scheduled job does
each day (open due rounds and invite, remind those who have not answered, close and tell the coordinators).

Answering, one card per dimension and a last optional free-text card:

    start   -> the card where the person stopped (a new draft at the first dimension)
    answer  -> the dimension saved in the draft, the next card; a card of another revision shows the current one
    back    -> the previous card, answers kept
    finish  -> the register says "answered" (today), the draft is deleted, the answers go into the pending
               batch without identity; the thank-you card

Who answers is decided on the server: the sender's directory entry must be active in the round's
organisation, the round open (and its last day not passed), and the person must not have answered. The draft
is found by a keyed hash of the person (store.survey); nothing here logs who answered.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from cards.i18n import Lang, t
from cards.survey import (
    FREE_TEXT_INPUT, DimensionPage, DimensionRow, GroupRow, ResultsView, coordinator_results_card, dimension_card,
    employee_results_card, free_text_card, invitation_card, reminder_card, results_ready_card, thanks_card,
)
from dialogs.config import DialogConfig
from dialogs.errors import MalformedAction, UserFacingError
from dialogs.notify import notify
from dialogs.rules.anonymity import ROOT, disclose_tree
from dialogs.rules.survey_results import Answer, RoundResult, compute_results, differences
from dialogs.rules.survey_schedule import (
    invitation_campaign, reminder_campaign, reminder_due, results_campaign, should_close, should_open,
)
from dialogs.turn import Reply, Turn
from store import directory, survey
from store.models.directory import DirectoryEntry, Organisation
from store.models.survey import RoundStatus, SurveyDraft, SurveyRound
from store.survey import SurveyInstrument, load_survey_instrument

log = logging.getLogger(__name__)
BATCH = 500


def local_today(now: datetime, config: DialogConfig) -> date:
    return now.astimezone(config.tz).date()


# ---- answering -----------------------------------------------------------------------------------------

@dataclass
class _Answering:
    round: SurveyRound
    instrument: SurveyInstrument
    entry: DirectoryEntry
    draft: SurveyDraft


def _entry(turn: Turn) -> DirectoryEntry | None:
    return directory.entry_for_person(turn.session, turn.person)


def _round_for(turn: Turn, entry: DirectoryEntry | None) -> SurveyRound:
    """The round the card names, else the open round of the person's organisation."""
    if "round" in turn.data:
        survey_round = survey.get_round(turn.session, turn.data.get("round"))
        if survey_round is None:
            raise MalformedAction(f"unknown survey round {turn.data.get('round')!r}")
        return survey_round
    survey_round = survey.open_round_for(turn.session, organisation_id=entry.organisation_id) if entry else None
    if survey_round is None:
        raise UserFacingError("survey_none_open", "no open survey round for this person")
    return survey_round


def _answering(turn: Turn, *, for_update: bool = False) -> _Answering:
    entry = _entry(turn)
    survey_round = _round_for(turn, entry)
    today = local_today(turn.now, turn.config)
    if survey_round.status != RoundStatus.OPEN or today > survey_round.closes_on:
        key = "survey_closed" if survey_round.status in (RoundStatus.OPEN, RoundStatus.CLOSED) else "survey_none_open"
        raise UserFacingError(key, f"survey round {survey_round.id} is {survey_round.status}")
    if entry is None or entry.organisation_id != survey_round.organisation_id:
        organisation = turn.session.get(Organisation, survey_round.organisation_id)
        raise UserFacingError("survey_not_in_scope", f"survey round {survey_round.id}: sender not in scope",
                              organisation=organisation.name if organisation else "")
    invitation, _ = survey.ensure_invitation(turn.session, round_id=survey_round.id, person_id=turn.person.id,
                                             unit_id=entry.unit_id, today=today)
    if invitation.answered_on is not None:
        raise UserFacingError("survey_already_answered", f"survey round {survey_round.id} answered already")
    draft = survey.start_draft(turn.session, survey_round, turn.person.id, for_update=for_update)
    return _Answering(survey_round, load_survey_instrument(survey_round.instrument_version), entry, draft)


def _card(turn: Turn, state: _Answering, *, missing: bool = False, answers: dict | None = None) -> dict:
    instrument, draft = state.instrument, state.draft
    count = len(instrument.dimensions)
    index = min(draft.dimension_index, count)
    if index == count:
        return free_text_card(turn.lang, round_id=state.round.id, revision=draft.revision, count=count,
                              question=instrument.free_text_question[turn.lang],
                              max_length=instrument.free_text_max, min_group=state.round.min_group)
    dimension = instrument.dimensions[index]
    page = DimensionPage(dimension.title[turn.lang], dimension.intro[turn.lang],
                         [(s.id, s.text[turn.lang]) for s in dimension.statements])
    return dimension_card(turn.lang, round_id=state.round.id, revision=draft.revision, index=index, count=count,
                          page=page, scale=instrument.scale_labels[turn.lang],
                          dont_know=instrument.dont_know[turn.lang],
                          answers={**draft.answers, **(answers or {})}, missing=missing)


def _int(value, what: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise MalformedAction(f"{what} is not a number: {value!r}") from None


def _same_card(turn: Turn, state: _Answering) -> bool:
    """Whether the clicked card is the one the draft is on; a repeated or older card is not."""
    return (_int(turn.data.get("dim"), "dim") == state.draft.dimension_index
            and _int(turn.data.get("rev"), "rev") == state.draft.revision)


def _scale_value(raw, instrument: SurveyInstrument, statement_id: str) -> int | None:
    """A choice from the card: None when left empty; a value outside 0 (don't know) .. 5 is forged."""
    if raw is None or raw == "":
        return None
    value = _int(raw, statement_id)
    if value != 0 and not instrument.scale_min <= value <= instrument.scale_max:
        raise MalformedAction(f"survey answer {statement_id}={raw!r} outside the scale")
    return value


def start(turn: Turn) -> Reply:
    """'enkät', or the invitation's button: the card where the person stopped."""
    return Reply.of(_card(turn, _answering(turn)))


def answer(turn: Turn) -> Reply:
    state = _answering(turn, for_update=True)
    if not _same_card(turn, state):
        return Reply.of(_card(turn, state))
    count = len(state.instrument.dimensions)
    if state.draft.dimension_index >= count:
        raise MalformedAction("a dimension answer for the free-text card")
    dimension = state.instrument.dimensions[state.draft.dimension_index]
    values = {s.id: _scale_value(turn.data.get(s.id), state.instrument, s.id) for s in dimension.statements}
    given = {key: value for key, value in values.items() if value is not None}
    if len(given) < len(values):
        return Reply.of(_card(turn, state, missing=True, answers=given))
    survey.save_draft(turn.session, state.draft, answers=given, dimension_index=state.draft.dimension_index + 1)
    return Reply.of(_card(turn, state))


def back(turn: Turn) -> Reply:
    state = _answering(turn, for_update=True)
    if not _same_card(turn, state):
        return Reply.of(_card(turn, state))
    survey.save_draft(turn.session, state.draft, answers={}, dimension_index=max(state.draft.dimension_index - 1, 0))
    return Reply.of(_card(turn, state))


def finish(turn: Turn) -> Reply:
    state = _answering(turn, for_update=True)
    count = len(state.instrument.dimensions)
    if not _same_card(turn, state) or state.draft.dimension_index != count:
        return Reply.of(_card(turn, state))
    comment = str(turn.data.get(FREE_TEXT_INPUT) or "").strip()
    if len(comment) > state.instrument.free_text_max:
        raise UserFacingError("survey_free_text_long", "free text too long", max=state.instrument.free_text_max)
    answers = {}
    for dimension_index, dimension in enumerate(state.instrument.dimensions):
        for statement in dimension.statements:
            value = state.draft.answers.get(statement.id)
            if value is None:
                # Cannot happen through the cards, which move on only when a dimension is complete.
                survey.save_draft(turn.session, state.draft, answers={}, dimension_index=dimension_index)
                return Reply.of(_card(turn, state, missing=True))
            answers[statement.id] = _scale_value(value, state.instrument, statement.id)
    survey.record_finished(turn.session, state.round, person_id=turn.person.id, unit_id=state.entry.unit_id,
                           answers=answers, free_text=comment or None, today=local_today(turn.now, turn.config))
    return Reply.of(thanks_card(turn.lang, closes_on=state.round.closes_on, min_group=state.round.min_group))


# ---- results -------------------------------------------------------------------------------------------

def round_result(session: Session, survey_round: SurveyRound) -> RoundResult:
    instrument = load_survey_instrument(survey_round.instrument_version)
    units = survey.unit_tree(session, organisation_id=survey_round.organisation_id)
    answers = [Answer(r.unit_id, r.answers, r.free_text)
               for r in survey.responses_of(session, round_id=survey_round.id)]
    return compute_results(
        dimensions=[(d.key, [s.id for s in d.statements]) for d in instrument.dimensions], answers=answers,
        parents={unit_id: unit.parent_id for unit_id, unit in units.items()},
        register=survey.register_counts(session, round_id=survey_round.id), k=survey_round.min_group,
        scale_max=instrument.scale_max)


def reference_round(session: Session, survey_round: SurveyRound) -> tuple[Organisation, SurveyRound] | None:
    for organisation in survey.reference_organisations(session):
        if organisation.id == survey_round.organisation_id:
            continue
        for candidate in survey.closed_rounds(session, organisation_id=organisation.id):
            if abs((candidate.closes_on - survey_round.closes_on).days) <= 183:
                return organisation, candidate
    return None


def previous_round(session: Session, survey_round: SurveyRound) -> SurveyRound | None:
    earlier = [r for r in survey.closed_rounds(session, organisation_id=survey_round.organisation_id)
               if r.closes_on < survey_round.closes_on]
    return earlier[0] if earlier else None


def results_view(session: Session, survey_round: SurveyRound, lang: Lang, *, coordinator: bool
                 ) -> ResultsView | None:
    """The round's results as a card shows them, or None when nothing may be shown."""
    result = round_result(session, survey_round)
    if not result.shown or result.organisation is None:
        return None
    organisation = session.get(Organisation, survey_round.organisation_id)
    instrument = load_survey_instrument(survey_round.instrument_version)
    earlier = previous_round(session, survey_round)
    previous = round_result(session, earlier) if earlier and coordinator else None
    change = differences(result.organisation, previous.organisation if previous else None)
    reference = reference_round(session, survey_round) if coordinator else None
    reference_result = round_result(session, reference[1]) if reference else None
    reference_org = reference_result.organisation if reference_result and reference_result.shown else None
    rows = [DimensionRow(i + 1, d.title[lang], result.organisation.dimensions[d.key].mean, change.get(d.key),
                         reference_org.dimensions[d.key].mean if reference_org else None)
            for i, d in enumerate(instrument.dimensions)]
    units = survey.unit_tree(session, organisation_id=survey_round.organisation_id)

    def name(anchor) -> str:
        if anchor is ROOT:
            return t(lang, "survey.results.organisation_rest", organisation=organisation.name) \
                if len(result.groups) > 1 else organisation.name
        return units[anchor].name

    groups = [GroupRow(name(g.anchor), g.answered, g.invited, g.overall) for g in result.groups] \
        if coordinator and len(result.groups) > 1 else []
    free_texts = [(name(anchor), text) for anchor, texts in result.free_texts.items() for text in texts] \
        if coordinator else []
    register_units = survey.register_counts(session, round_id=survey_round.id)
    merged = any(unit is not None and result.group(unit) is None for unit in register_units)
    previous_overall = previous.organisation.overall if previous and previous.organisation else None
    return ResultsView(
        round_id=survey_round.id, organisation=organisation.name, opens_on=survey_round.opens_on,
        closes_on=survey_round.closes_on, answered=result.answered, invited=result.invited,
        overall=result.organisation.overall, dimensions=rows, k=survey_round.min_group, groups=groups,
        previous_closes_on=earlier.closes_on if previous else None,
        overall_change=(result.organisation.overall - previous_overall
                        if previous_overall is not None and result.organisation.overall is not None else None),
        reference_name=reference[0].name if reference_org else None,
        reference_overall=reference_org.overall if reference_org else None,
        free_texts=free_texts, merged_note=coordinator and merged)


def show_results(turn: Turn) -> Reply:
    """'resultat': the latest closed round of the person's organisation (or the round the card names);
    coordinators get the full card, employees the organisation's result, nobody anything below threshold."""
    entry = _entry(turn)
    if entry is None:
        raise UserFacingError("survey_no_results", "results asked by someone outside the directory", k=5)
    if "round" in turn.data:
        survey_round = survey.get_round(turn.session, turn.data.get("round"))
        if survey_round is None or survey_round.organisation_id != entry.organisation_id:
            raise UserFacingError("survey_no_results", f"results of round {turn.data.get('round')!r} refused", k=5)
    else:
        closed = survey.closed_rounds(turn.session, organisation_id=entry.organisation_id)
        survey_round = closed[0] if closed else None
    if survey_round is None or survey_round.status != RoundStatus.CLOSED:
        raise UserFacingError("survey_no_results", "no closed survey round",
                              k=survey_round.min_group if survey_round else 5)
    coordinator = directory.is_coordinator(turn.session, entry)
    view = results_view(turn.session, survey_round, turn.lang, coordinator=coordinator)
    if view is None:
        raise UserFacingError("survey_no_results", f"round {survey_round.id} below threshold",
                              k=survey_round.min_group)
    build = coordinator_results_card if coordinator else employee_results_card
    return Reply.of(build(turn.lang, view))


# ---- the daily job -------------------------------------------------------------------------------------

def coarsen(parents, counts, k):
    disclosure = disclose_tree(parents, counts, k)
    return disclosure.group_of if disclosure.total_shown else None


def open_due_rounds(session: Session, *, now: datetime, config: DialogConfig) -> list[int]:
    today = local_today(now, config)
    opened = []
    for survey_round in survey.rounds_in_status(session, RoundStatus.SCHEDULED):
        # A round whose whole period passed while no instance ran opens too, and closes in the same run.
        if should_open(survey_round.opens_on, survey_round.closes_on, today) or \
                should_close(survey_round.closes_on, today):
            survey.mark_open(session, survey_round, now=now)
            opened.append(survey_round.id)
            log.info("survey round %s opened", survey_round.id)
    return opened


def invite_batch(session: Session, survey_round: SurveyRound, *, now: datetime, config: DialogConfig,
                 after_entry_id: int, limit: int = BATCH) -> tuple[int, int | None]:
    """Invites a batch of the organisation's active people who have no invitation yet; returns (enqueued,
    the last entry id read, or None when the batch was the last)."""
    today = local_today(now, config)
    organisation = session.get(Organisation, survey_round.organisation_id)
    entries = survey.people_in_scope(session, organisation_id=survey_round.organisation_id,
                                     after_entry_id=after_entry_id, limit=limit)
    count = len(load_survey_instrument(survey_round.instrument_version).dimensions)
    tenant = survey.organisation_tenant(session, organisation)
    enqueued = 0
    for entry in entries:
        person = directory.person_for_entry(session, entry, tenant_id=tenant or "") if tenant or entry.person_id \
            else None
        if person is None:
            continue  # never wrote and has no AAD object id: invited when they first ask for the survey
        invitation, _ = survey.ensure_invitation(session, round_id=survey_round.id, person_id=person.id,
                                                 unit_id=entry.unit_id, today=today)
        if invitation.answered_on is not None:
            continue
        if notify(session, recipient=person, campaign=invitation_campaign(survey_round.id),
                  card=lambda lang: invitation_card(lang, round_id=survey_round.id, organisation=organisation.name,
                                                    closes_on=survey_round.closes_on, dimension_count=count,
                                                    min_group=survey_round.min_group),
                  now=now, config=config):
            enqueued += 1
    return enqueued, (entries[-1].id if len(entries) == limit else None)


def remind_batch(session: Session, survey_round: SurveyRound, *, now: datetime, config: DialogConfig,
                 after_invitation_id: int, limit: int = BATCH) -> tuple[int, int | None]:
    today = local_today(now, config)
    due = reminder_due(survey_round.opens_on, survey_round.closes_on, today)
    if due is None:
        return 0, None
    kind, day = due
    rows = survey.unanswered(session, round_id=survey_round.id, after_invitation_id=after_invitation_id,
                             limit=limit)
    enqueued = 0
    for invitation, person in rows:
        if invitation.invited_on >= day:
            continue  # joined on or after the reminder's day: invited recently enough
        if notify(session, recipient=person, campaign=reminder_campaign(survey_round.id, kind),
                  card=lambda lang: reminder_card(lang, round_id=survey_round.id, closes_on=survey_round.closes_on,
                                                  last_days=kind == "closing", min_group=survey_round.min_group),
                  now=now, config=config):
            enqueued += 1
    return enqueued, (rows[-1][0].id if len(rows) == limit else None)


def close_if_due(session: Session, survey_round: SurveyRound, *, now: datetime, config: DialogConfig) -> int:
    """Closes the round after its last day and tells the coordinators; returns the notices enqueued."""
    if not should_close(survey_round.closes_on, local_today(now, config)):
        return 0
    survey.close_round(session, survey_round, now=now, coarsen=coarsen)
    counts = survey.register_counts(session, round_id=survey_round.id)
    invited = sum(i for i, _ in counts.values())
    answered = sum(a for _, a in counts.values())
    organisation = session.get(Organisation, survey_round.organisation_id)
    log.info("survey round %s closed: %s of %s answered", survey_round.id, answered, invited)
    enqueued = 0
    for coordinator in survey.coordinators_of(session, organisation_id=survey_round.organisation_id):
        if notify(session, recipient=coordinator, campaign=results_campaign(survey_round.id),
                  card=lambda lang: results_ready_card(lang, round_id=survey_round.id, organisation=organisation.name,
                                                       answered=answered, invited=invited),
                  now=now, config=config):
            enqueued += 1
    return enqueued
