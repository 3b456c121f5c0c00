"""The yearly reminder to assess oneself again, driven with a manual clock on SQLite and PostgreSQL: due a year
after the latest finished assessment and not before, once per assessment, again a year after the next one; not
while a newer one is in progress, not for people who left, cannot be reached or were erased; many in one run."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import insert, text

from cards.i18n import t
from dialogs.clock import ManualClock
from dialogs.rules.reassessment import REASSESS_AFTER, reassessment_campaign, reassessment_due
from scheduler.jobs import LOCK_KEYS, remind_to_reassess
from store import directory, outbox
from store.assessments import finish_assessment, start_assessment
from store.models.assessment import Assessment, AssessmentStatus
from store.models.core import Person
from store.people import aware
from store.privacy import erase_person
from tests.directory_fixtures import import_people, seed_organisation
from tests.harness import another_instance_holding, card_text

# Wednesday 4 March 2026, 09:00 in Stockholm (08:00 UTC): Anna finishes her self-assessment.
FINISHED = datetime(2026, 3, 4, 8, 0, tzinfo=timezone.utc)
A_YEAR_LATER = FINISHED + REASSESS_AFTER  # Thursday 4 March 2027, inside working hours
ANNA_EMAIL, KARIN_EMAIL = "anna.lindberg@stockholm.example", "karin.ek@stockholm.example"
PREFIX = "reassess:"


@pytest.fixture
def clock():
    return ManualClock(FINISHED)


def _person(db, name: str, *, email: str | None = None, chat: bool = True, aad: bool = True,
            locale: str | None = "sv-SE") -> int:
    key = name.split()[0].lower()
    with db.session() as session:
        person = Person(tenant_id="tenant", teams_user_id=f"29:{key}", aad_object_id=f"aad-{key}" if aad else None,
                        name=name, email=email, locale=locale,
                        conversation_id=f"a:{key}" if chat else None,
                        conversation_reference={"conversation": {"id": f"a:{key}"}} if chat else None)
        session.add(person)
        session.flush()
        return person.id


def _assess(db, person_id: int, *, at: datetime, finish: bool = True) -> int:
    with db.session() as session:
        assessment = start_assessment(session, person_id=person_id, mode="short", framework_version="2.2",
                                      instrument_version="2026.1", now=at)
        if finish:
            finish_assessment(session, assessment=assessment, levels={"1.1": 3}, now=at)
        return assessment.id


def _reminders(db):
    with db.session() as session:
        return outbox.messages_for(session, campaign_prefix=PREFIX)


def test_the_rule_is_a_year_after_the_latest_finished_assessment():
    assert REASSESS_AFTER == timedelta(days=365)
    assert reassessment_due(finished_at=FINISHED, now=A_YEAR_LATER)
    assert not reassessment_due(finished_at=FINISHED, now=A_YEAR_LATER - timedelta(seconds=1))
    assert reassessment_campaign(7, 42) == "reassess:7:42"


def test_a_person_is_reminded_a_year_after_their_assessment_and_not_a_second_before(db, clock, job_context):
    anna = _person(db, "Anna Lindberg")
    assessment = _assess(db, anna, at=FINISHED)

    clock.set(A_YEAR_LATER - timedelta(seconds=1))
    assert remind_to_reassess(job_context) == 0
    clock.set(A_YEAR_LATER)
    assert remind_to_reassess(job_context) == 1

    (reminder,) = _reminders(db)
    assert (reminder.campaign, reminder.recipient_person_id) == (f"reassess:{anna}:{assessment}", anna)
    assert aware(reminder.not_before) == A_YEAR_LATER, "inside working hours: it goes out at once"
    words = card_text(reminder.card)
    assert "Du gjorde din senaste självskattning 2026-03-04, och nu har det gått ett år." in words
    verbs = [action["verb"] for action in reminder.card["actions"]]
    assert verbs == ["assessment.start", "profile.show"]
    assert all(action["type"] == "Action.Execute" and action["fallback"]["type"] == "Action.Submit"
               for action in reminder.card["actions"])


def test_the_date_is_the_local_day_and_the_card_is_in_the_persons_language(db, clock, job_context):
    omar = _person(db, "Omar Haddad", locale="en-US")
    # 23:30 UTC on 3 March is already 4 March in Stockholm.
    _assess(db, omar, at=datetime(2026, 3, 3, 23, 30, tzinfo=timezone.utc))
    clock.set(A_YEAR_LATER)

    assert remind_to_reassess(job_context) == 1

    (reminder,) = _reminders(db)
    assert t("en", "reassess.body", date="2026-03-04") in card_text(reminder.card)


def test_a_second_run_and_later_days_do_not_remind_twice_for_the_same_assessment(db, clock, job_context):
    anna = _person(db, "Anna Lindberg")
    _assess(db, anna, at=FINISHED)
    clock.set(A_YEAR_LATER)
    assert remind_to_reassess(job_context) == 1
    assert remind_to_reassess(job_context) == 0, "a second run the same day finds nothing due"
    clock.advance(timedelta(days=30))
    assert remind_to_reassess(job_context) == 0, "nor a month later, while she has not assessed again"

    assert len(_reminders(db)) == 1


def test_a_year_after_the_next_assessment_the_person_is_reminded_again(db, clock, job_context):
    anna = _person(db, "Anna Lindberg")
    first = _assess(db, anna, at=FINISHED)
    clock.set(A_YEAR_LATER)
    assert remind_to_reassess(job_context) == 1

    second_finished = A_YEAR_LATER + timedelta(days=3)
    second = _assess(db, anna, at=second_finished)
    clock.set(second_finished + REASSESS_AFTER - timedelta(days=1))
    assert remind_to_reassess(job_context) == 0, "the new assessment is not a year old yet"
    clock.set(second_finished + REASSESS_AFTER)
    assert remind_to_reassess(job_context) == 1

    assert [m.campaign for m in _reminders(db)] == [f"reassess:{anna}:{first}", f"reassess:{anna}:{second}"]


def test_only_the_latest_finished_assessment_counts(db, clock, job_context):
    anna = _person(db, "Anna Lindberg")
    _assess(db, anna, at=FINISHED - timedelta(days=400))
    _assess(db, anna, at=FINISHED)  # the old one is past the year, the latest is not
    clock.set(A_YEAR_LATER - timedelta(days=1))

    assert remind_to_reassess(job_context) == 0


def test_no_reminder_while_a_newer_assessment_is_in_progress_but_again_once_it_expired(db, clock, job_context):
    anna = _person(db, "Anna Lindberg")
    _assess(db, anna, at=FINISHED)
    _assess(db, anna, at=A_YEAR_LATER - timedelta(days=2), finish=False)
    clock.set(A_YEAR_LATER)
    assert remind_to_reassess(job_context) == 0

    # Left unfinished, it expires after 30 days (computed on read): she is reminded after all.
    clock.set(A_YEAR_LATER + timedelta(days=29))
    assert remind_to_reassess(job_context) == 1


def test_people_who_left_are_not_reminded(db, clock, job_context, tmp_path):
    seed_organisation(db)
    rows = [(KARIN_EMAIL, "Karin Ek", "", "SSB", "Chef", "", ""),
            (ANNA_EMAIL, "Anna Lindberg", "", "SSB", "Bibliotekarie", KARIN_EMAIL, "")]
    assert import_people(db, tmp_path, rows, now=FINISHED).ok
    anna = _person(db, "Anna Lindberg", email=ANNA_EMAIL)
    karin = _person(db, "Karin Ek", email=KARIN_EMAIL)
    with db.session() as session:
        for person_id in (anna, karin):
            assert directory.entry_for_person(session, session.get(Person, person_id)) is not None
    _assess(db, anna, at=FINISHED)
    _assess(db, karin, at=FINISHED)
    assert import_people(db, tmp_path, rows[:1], now=FINISHED + timedelta(days=100)).ok  # Anna left

    clock.set(A_YEAR_LATER)
    assert remind_to_reassess(job_context) == 1
    assert [m.recipient_person_id for m in _reminders(db)] == [karin]


def test_people_the_bot_cannot_reach_or_who_were_erased_are_not_reminded(db, clock, job_context):
    unreachable = _person(db, "Ulla Utan", chat=False, aad=False)
    reachable_by_aad = _person(db, "Rut Ny", chat=False)  # a chat can be opened with her AAD object id
    erased = _person(db, "Erik Borta")
    for person_id in (unreachable, reachable_by_aad, erased):
        _assess(db, person_id, at=FINISHED)
    with db.session() as session:
        erase_person(session, person_id=erased, actor="dpo@stockholm.example")

    clock.set(A_YEAR_LATER)
    assert remind_to_reassess(job_context) == 1
    assert [m.recipient_person_id for m in _reminders(db)] == [reachable_by_aad]


def test_a_reminder_due_in_the_evening_waits_for_the_next_working_morning(db, clock, job_context):
    anna = _person(db, "Anna Lindberg")
    _assess(db, anna, at=FINISHED)
    clock.set(datetime(2027, 3, 5, 18, 0, tzinfo=timezone.utc))  # Friday 19:00 in Stockholm

    assert remind_to_reassess(job_context) == 1

    (reminder,) = _reminders(db)
    assert aware(reminder.not_before) == datetime(2027, 3, 8, 7, 0, tzinfo=timezone.utc)  # Monday 08:00


def test_many_people_are_reminded_in_one_run_in_batches_each_once(db, clock, job_context):
    count = 1234
    with db.session() as session:
        session.execute(insert(Person), [
            {"tenant_id": "tenant", "teams_user_id": f"29:p{i}", "aad_object_id": f"aad-p{i}",
             "conversation_id": f"a:p{i}", "created_at": FINISHED} for i in range(count)])
        ids = [row.id for row in session.exec(text("SELECT id FROM person ORDER BY id"))]
        session.execute(insert(Assessment), [
            {"person_id": person_id, "framework_version": "2.2", "instrument_version": "2026.1", "mode": "short",
             "status": AssessmentStatus.FINISHED, "answers": {}, "started_at": FINISHED, "updated_at": FINISHED,
             "finished_at": FINISHED - timedelta(minutes=i % 50)} for i, person_id in enumerate(ids)])
    clock.set(A_YEAR_LATER)

    assert remind_to_reassess(job_context, batch_size=100) == count
    assert remind_to_reassess(job_context, batch_size=100) == 0

    reminders = _reminders(db)
    assert sorted(m.recipient_person_id for m in reminders) == ids


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)  # PostgreSQL only
def test_while_another_instance_runs_the_job_this_one_skips_it(db, clock, job_context):
    anna = _person(db, "Anna Lindberg")
    _assess(db, anna, at=FINISHED)
    clock.set(A_YEAR_LATER)

    with another_instance_holding(db, LOCK_KEYS["reassessment_reminders"]):
        assert remind_to_reassess(job_context) == 0
    assert remind_to_reassess(job_context) == 1
