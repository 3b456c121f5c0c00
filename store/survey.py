"""The yearly digital maturity survey's data: the instrument (versioned data in store/data/survey), rounds,
the register of invitations, unfinished answers, and the anonymous answers (how they stay anonymous:
docs/survey.md).

Three rules hold here whatever calls these functions:
- an answer row is written without identity (round, unit, answers, free text; a random id) and never updated
  by anything that knows whose it is;
- finished answers wait in one pending row per round, in random order, and move into `survey_response`
  shuffled, a batch of at least `min_group` at a time; at closing all of a round's answers are rewritten in a
  fresh random order with their unit coarsened to the group it is reported in;
- unfinished answers are found by HMAC(round secret, person id); the secret is wiped at closing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, or_, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from store.models.core import Person
from store.models.directory import (
    AssignmentKind, DirectoryEntry, Organisation, OrganisationAssignment, Unit,
)
from store.models.survey import (
    RoundStatus, SurveyDraft, SurveyInvitation, SurveyPending, SurveyResponse, SurveyRound,
)

DATA_DIR = Path(__file__).parent / "data" / "survey"
CURRENT_SURVEY_INSTRUMENT = "2026.1"
DONT_KNOW = 0
_RANDOM = secrets.SystemRandom()


class SurveyError(ValueError):
    """A round cannot be scheduled, changed or answered as asked; the message says why."""


# ---- the instrument ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Statement:
    id: str
    text: Mapping[str, str]


@dataclass(frozen=True)
class Dimension:
    key: str
    source: str
    source_dimension: str
    title: Mapping[str, str]
    intro: Mapping[str, str]
    statements: tuple[Statement, ...]


@dataclass(frozen=True)
class SurveyInstrument:
    version: str
    dimensions: tuple[Dimension, ...]
    scale_min: int
    scale_max: int
    scale_labels: Mapping[str, tuple[str, ...]]
    dont_know: Mapping[str, str]
    free_text_id: str
    free_text_max: int
    free_text_question: Mapping[str, str]
    about: Mapping[str, str]
    sources: Mapping[str, str]

    @property
    def statement_ids(self) -> tuple[str, ...]:
        return tuple(s.id for d in self.dimensions for s in d.statements)

    def dimension(self, key: str) -> Dimension:
        return next(d for d in self.dimensions if d.key == key)


@cache
def load_survey_instrument(version: str = CURRENT_SURVEY_INSTRUMENT) -> SurveyInstrument:
    path = DATA_DIR / f"instrument_{version.replace('.', '_')}.json"
    if not path.exists():
        raise SurveyError(f"no survey instrument version {version} ({path.name})")
    raw = json.loads(path.read_text(encoding="utf-8"))
    scale = raw["scale"]
    free = raw["free_text"]
    return SurveyInstrument(
        version=raw["version"],
        dimensions=tuple(
            Dimension(key=d["key"], source=d["source"], source_dimension=d["source_dimension"], title=d["title"],
                      intro=d["intro"],
                      statements=tuple(Statement(s["id"], {"sv": s["sv"], "en": s["en"]}) for s in d["statements"]))
            for d in raw["dimensions"]),
        scale_min=scale["min"], scale_max=scale["max"],
        scale_labels={lang: tuple(labels) for lang, labels in scale["labels"].items()},
        dont_know={"sv": scale["dont_know"]["sv"], "en": scale["dont_know"]["en"]},
        free_text_id=free["id"], free_text_max=free["max_length"],
        free_text_question={"sv": free["sv"], "en": free["en"]},
        about=raw["about"], sources=raw["sources"],
    )


# ---- rounds --------------------------------------------------------------------------------------------

def schedule_round(session: Session, *, organisation: Organisation, opens_on: date, closes_on: date,
                   min_group: int, now: datetime, instrument_version: str = CURRENT_SURVEY_INSTRUMENT
                   ) -> SurveyRound:
    """A new round for the organisation; refuses one that overlaps a scheduled or open round. The caller
    has checked `min_group` (dialogs.rules.anonymity.check_k)."""
    load_survey_instrument(instrument_version)
    if closes_on < opens_on:
        raise SurveyError(f"the round closes ({closes_on}) before it opens ({opens_on})")
    overlapping = session.exec(select(SurveyRound).where(
        SurveyRound.organisation_id == organisation.id,
        SurveyRound.status.in_([RoundStatus.SCHEDULED, RoundStatus.OPEN]),
        SurveyRound.opens_on <= closes_on, SurveyRound.closes_on >= opens_on)).first()
    if overlapping is not None:
        raise SurveyError(f"{organisation.key} already has round {overlapping.id} from {overlapping.opens_on} to "
                          f"{overlapping.closes_on}; cancel it first")
    survey_round = SurveyRound(organisation_id=organisation.id, instrument_version=instrument_version,
                               opens_on=opens_on, closes_on=closes_on, min_group=min_group,
                               draft_secret=secrets.token_hex(32), created_at=now)
    session.add(survey_round)
    session.flush()
    return survey_round


def rounds(session: Session, *, organisation_id: int | None = None) -> list[tuple[SurveyRound, Organisation]]:
    query = select(SurveyRound, Organisation).join(Organisation, Organisation.id == SurveyRound.organisation_id)
    if organisation_id is not None:
        query = query.where(SurveyRound.organisation_id == organisation_id)
    return list(session.exec(query.order_by(SurveyRound.opens_on, SurveyRound.id)).all())


def get_round(session: Session, round_id: Any, *, for_update: bool = False) -> SurveyRound | None:
    try:
        round_id = int(round_id)
    except (TypeError, ValueError):
        return None
    query = select(SurveyRound).where(SurveyRound.id == round_id)
    if for_update:
        query = query.with_for_update()
    return session.exec(query).first()


def cancel_round(session: Session, *, round_id: int) -> SurveyRound:
    """Cancels a scheduled or open round; an open round's answers, finished or not, are discarded."""
    survey_round = get_round(session, round_id, for_update=True)
    if survey_round is None:
        raise SurveyError(f"no survey round {round_id}")
    if survey_round.status not in (RoundStatus.SCHEDULED, RoundStatus.OPEN):
        raise SurveyError(f"round {round_id} is {survey_round.status} and cannot be cancelled")
    _discard_answers(session, survey_round.id)
    survey_round.status = RoundStatus.CANCELLED
    survey_round.draft_secret = None
    session.flush()
    return survey_round


def _discard_answers(session: Session, round_id: int) -> None:
    for model in (SurveyDraft, SurveyPending, SurveyResponse):
        session.execute(delete(model).where(model.round_id == round_id))


def rounds_in_status(session: Session, status: str) -> list[SurveyRound]:
    return list(session.exec(select(SurveyRound).where(SurveyRound.status == status).order_by(SurveyRound.id)))


def open_round_for(session: Session, *, organisation_id: int) -> SurveyRound | None:
    return session.exec(select(SurveyRound).where(SurveyRound.organisation_id == organisation_id,
                                                  SurveyRound.status == RoundStatus.OPEN)).first()


def closed_rounds(session: Session, *, organisation_id: int) -> list[SurveyRound]:
    """The organisation's closed rounds, latest first."""
    return list(session.exec(select(SurveyRound).where(SurveyRound.organisation_id == organisation_id,
                                                       SurveyRound.status == RoundStatus.CLOSED)
                             .order_by(SurveyRound.closes_on.desc(), SurveyRound.id.desc())))


def reference_organisations(session: Session) -> list[Organisation]:
    return list(session.exec(select(Organisation).where(Organisation.reference_group).order_by(Organisation.id)))


def mark_open(session: Session, survey_round: SurveyRound, *, now: datetime) -> None:
    survey_round.status = RoundStatus.OPEN
    survey_round.opened_at = now
    if session.get(SurveyPending, survey_round.id) is None:
        session.add(SurveyPending(round_id=survey_round.id, version=1, answers=[]))
    session.flush()


# ---- the register --------------------------------------------------------------------------------------

def people_in_scope(session: Session, *, organisation_id: int, after_entry_id: int = 0, limit: int = 500
                    ) -> list[DirectoryEntry]:
    """Active directory entries of the organisation, by id, a batch at a time."""
    return list(session.exec(select(DirectoryEntry).where(
        DirectoryEntry.organisation_id == organisation_id, DirectoryEntry.active,
        DirectoryEntry.id > after_entry_id).order_by(DirectoryEntry.id).limit(limit)))


def organisation_tenant(session: Session, organisation: Organisation) -> str | None:
    """The Teams tenant the organisation's people sign in with: as configured, else that of someone of the
    organisation who has written to the bot (needed to reach people who never did)."""
    if organisation.tenant_id:
        return organisation.tenant_id
    return session.exec(select(Person.tenant_id).join(DirectoryEntry, DirectoryEntry.person_id == Person.id)
                        .where(DirectoryEntry.organisation_id == organisation.id,
                               ~Person.tenant_id.startswith("erased"))
                        .order_by(Person.last_seen_at.desc()).limit(1)).first()


def invitation_for(session: Session, *, round_id: int, person_id: int) -> SurveyInvitation | None:
    return session.exec(select(SurveyInvitation).where(SurveyInvitation.round_id == round_id,
                                                       SurveyInvitation.person_id == person_id)).first()


def ensure_invitation(session: Session, *, round_id: int, person_id: int, unit_id: int | None, today: date
                      ) -> tuple[SurveyInvitation, bool]:
    """The person's invitation to the round, added if missing; True when added."""
    existing = invitation_for(session, round_id=round_id, person_id=person_id)
    if existing is not None:
        return existing, False
    invitation = SurveyInvitation(round_id=round_id, person_id=person_id, unit_id=unit_id, invited_on=today)
    session.add(invitation)
    session.flush()
    return invitation, True


def unanswered(session: Session, *, round_id: int, after_invitation_id: int = 0, limit: int = 500
               ) -> list[tuple[SurveyInvitation, Person]]:
    """Invitations not yet answered, of people who have not left and were not erased, by id."""
    left = select(DirectoryEntry.person_id).where(DirectoryEntry.person_id.is_not(None),
                                                  DirectoryEntry.active.is_(False))
    query = (select(SurveyInvitation, Person).join(Person, Person.id == SurveyInvitation.person_id)
             .where(SurveyInvitation.round_id == round_id, SurveyInvitation.answered_on.is_(None),
                    SurveyInvitation.id > after_invitation_id, SurveyInvitation.person_id.not_in(left),
                    or_(Person.teams_user_id.is_(None), ~Person.teams_user_id.startswith("erased:")))
             .order_by(SurveyInvitation.id).limit(limit))
    return list(session.exec(query).all())


def register_counts(session: Session, *, round_id: int) -> dict[int | None, tuple[int, int]]:
    """Per unit (at invitation): (invited, answered)."""
    rows = session.exec(select(SurveyInvitation.unit_id, func.count(), func.count(SurveyInvitation.answered_on))
                        .where(SurveyInvitation.round_id == round_id).group_by(SurveyInvitation.unit_id)).all()
    return {unit: (invited, answered) for unit, invited, answered in rows}


# ---- unfinished answers ---------------------------------------------------------------------------------

def draft_token(survey_round: SurveyRound, person_id: int) -> str:
    if not survey_round.draft_secret:
        raise SurveyError(f"round {survey_round.id} takes no answers")
    return hmac.new(bytes.fromhex(survey_round.draft_secret), str(person_id).encode(), hashlib.sha256).hexdigest()


def load_draft(session: Session, survey_round: SurveyRound, person_id: int, *, for_update: bool = False
               ) -> SurveyDraft | None:
    query = select(SurveyDraft).where(SurveyDraft.token == draft_token(survey_round, person_id))
    if for_update:
        query = query.with_for_update()
    return session.exec(query).first()


def start_draft(session: Session, survey_round: SurveyRound, person_id: int, *, for_update: bool = False
                ) -> SurveyDraft:
    """The person's draft in the round, added if missing (one SELECT when it exists)."""
    draft = load_draft(session, survey_round, person_id, for_update=for_update)
    if draft is None:
        draft = SurveyDraft(token=draft_token(survey_round, person_id), round_id=survey_round.id)
        session.add(draft)
        session.flush()
    return draft


class ConcurrentDraftChange(SurveyError):
    pass


def save_draft(session: Session, draft: SurveyDraft, *, answers: Mapping[str, Any], dimension_index: int) -> None:
    """Merges the answers and moves to `dimension_index`, guarded by the revision the caller read."""
    result = session.execute(
        update(SurveyDraft).where(SurveyDraft.token == draft.token, SurveyDraft.revision == draft.revision)
        .values(answers={**draft.answers, **answers}, dimension_index=dimension_index, revision=draft.revision + 1)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise ConcurrentDraftChange(f"survey draft changed meanwhile (revision {draft.revision})")
    # The row now holds exactly these values (the revision guard says nobody else wrote): no re-read.
    for name, value in (("answers", {**draft.answers, **answers}), ("dimension_index", dimension_index),
                        ("revision", draft.revision + 1)):
        set_committed_value(draft, name, value)


def delete_unfinished_survey_answers(session: Session, *, person_id: int) -> int:
    """Erasure: the person's drafts in rounds still taking answers (found by their keyed hash)."""
    deleted = 0
    for survey_round in session.exec(select(SurveyRound).where(SurveyRound.draft_secret.is_not(None))):
        deleted += session.execute(delete(SurveyDraft).where(
            SurveyDraft.token == draft_token(survey_round, person_id))).rowcount or 0
    return deleted


# ---- finished answers ----------------------------------------------------------------------------------

class AlreadyAnswered(SurveyError):
    pass


def pending_batch_size(survey_round: SurveyRound) -> int:
    return max(10, survey_round.min_group)


def record_finished(session: Session, survey_round: SurveyRound, *, person_id: int, unit_id: int | None,
                    answers: Mapping[str, int], free_text: str | None, today: date) -> None:
    """The person's answers are complete: the register says they answered (today, nothing finer), their
    draft is deleted, and the answers join the pending batch at a random place, without identity."""
    marked = session.execute(
        update(SurveyInvitation).where(SurveyInvitation.round_id == survey_round.id,
                                       SurveyInvitation.person_id == person_id,
                                       SurveyInvitation.answered_on.is_(None))
        .values(answered_on=today).execution_options(synchronize_session=False))
    if marked.rowcount != 1:
        raise AlreadyAnswered(f"round {survey_round.id}: this person has already answered")
    session.execute(delete(SurveyDraft).where(SurveyDraft.token == draft_token(survey_round, person_id)))
    _add_pending(session, survey_round, {"unit": unit_id, "answers": dict(answers), "text": free_text or None})


def _add_pending(session: Session, survey_round: SurveyRound, answer: dict[str, Any]) -> None:
    """Into the round's pending row (locked on PostgreSQL, version-guarded on SQLite) at a random place; a
    full batch moves into the answers shuffled."""
    # populate_existing: the row as locked now, not a copy this session may already hold.
    pending = session.exec(select(SurveyPending).where(SurveyPending.round_id == survey_round.id)
                           .with_for_update().execution_options(populate_existing=True)).first()
    if pending is None:
        raise SurveyError(f"round {survey_round.id} is not open")
    batch = list(pending.answers)
    batch.insert(_RANDOM.randrange(len(batch) + 1), answer)
    version = pending.version
    if len(batch) >= pending_batch_size(survey_round):
        _insert_shuffled(session, survey_round.id, batch)
        batch = []
    result = session.execute(
        update(SurveyPending).where(SurveyPending.round_id == survey_round.id, SurveyPending.version == version)
        .values(answers=batch, version=version + 1).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise ConcurrentDraftChange("the pending batch changed meanwhile")


def _insert_shuffled(session: Session, round_id: int, batch: list[dict[str, Any]]) -> None:
    batch = list(batch)
    _RANDOM.shuffle(batch)
    if not batch:
        return
    # One multi-row INSERT in the shuffled order (the rows are written in list order).
    session.flush()
    session.execute(insert(SurveyResponse), [
        {"id": secrets.token_hex(16), "round_id": round_id, "unit_id": answer["unit"], "answers": answer["answers"],
         "free_text": answer["text"]} for answer in batch])


def flush_pending(session: Session, survey_round: SurveyRound) -> int:
    """Moves whatever waits into the answers (at closing); returns how many."""
    pending = session.exec(select(SurveyPending).where(SurveyPending.round_id == survey_round.id)
                           .with_for_update()).first()
    if pending is None or not pending.answers:
        return 0
    count = len(pending.answers)
    _insert_shuffled(session, survey_round.id, list(pending.answers))
    pending.answers = []
    pending.version += 1
    session.flush()
    return count


def unit_tree(session: Session, *, organisation_id: int) -> dict[int, Unit]:
    return {unit.id: unit for unit in session.exec(select(Unit).where(Unit.organisation_id == organisation_id))}


# (unit tree as {unit: parent}, answers per unit, min_group) -> unit -> the unit its group is named after,
# or None when fewer than min_group answered in all: dialogs.rules.anonymity.disclose_tree, passed in.
Coarsen = Callable[[Mapping[int, int | None], Mapping[int | None, int], int], Mapping[int | None, int | None] | None]


def close_round(session: Session, survey_round: SurveyRound, *, now: datetime, coarsen: Coarsen) -> int:
    """Closes the round: pending answers written, unfinished ones deleted, the secret wiped, and all answers
    rewritten in a fresh random order with each unit replaced by the group it is reported in (so every unit
    named in an answer has at least min_group answers). With fewer than min_group answers in all, the
    answers are deleted: they could never be shown, and would be too few to hide among. Returns the count."""
    flush_pending(session, survey_round)
    session.execute(delete(SurveyDraft).where(SurveyDraft.round_id == survey_round.id))
    session.execute(delete(SurveyPending).where(SurveyPending.round_id == survey_round.id))
    responses = list(session.exec(select(SurveyResponse).where(SurveyResponse.round_id == survey_round.id)))
    units = unit_tree(session, organisation_id=survey_round.organisation_id)
    parents = {unit_id: unit.parent_id for unit_id, unit in units.items()}
    counts: dict[int | None, int] = {}
    for response in responses:
        unit = response.unit_id if response.unit_id in parents else None
        counts[unit] = counts.get(unit, 0) + 1
    group_of = coarsen(parents, counts, survey_round.min_group)
    session.execute(delete(SurveyResponse).where(SurveyResponse.round_id == survey_round.id))
    session.flush()
    if group_of is not None:
        rewritten = [{"unit": group_of[r.unit_id if r.unit_id in parents else None],
                      "answers": r.answers, "text": r.free_text} for r in responses]
        _insert_shuffled(session, survey_round.id, rewritten)
    survey_round.answer_count = len(responses)
    survey_round.status = RoundStatus.CLOSED
    survey_round.closed_at = now
    survey_round.draft_secret = None
    session.flush()
    return len(responses)


def responses_of(session: Session, *, round_id: int) -> list[SurveyResponse]:
    """The round's answers, ordered by their random id (which says nothing)."""
    return list(session.exec(select(SurveyResponse).where(SurveyResponse.round_id == round_id)
                             .order_by(SurveyResponse.id)))


def coordinators_of(session: Session, *, organisation_id: int) -> list[Person]:
    """People who coordinate the organisation and can be reached (linked to a Teams person)."""
    return list(session.exec(
        select(Person).join(DirectoryEntry, DirectoryEntry.person_id == Person.id)
        .join(OrganisationAssignment, OrganisationAssignment.entry_id == DirectoryEntry.id)
        .where(OrganisationAssignment.organisation_id == organisation_id,
               OrganisationAssignment.kind == AssignmentKind.COORDINATOR, DirectoryEntry.active)
        .order_by(Person.id)).all())
