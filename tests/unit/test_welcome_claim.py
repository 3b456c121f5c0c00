"""Whether a person was greeted is one column, claimed by a conditional UPDATE: once per person, undone with a
turn that rolls back, again for the install event only after its window, and kept when two records merge."""

from datetime import datetime, timedelta, timezone

import pytest

from store.models.core import Person
from store.people import aware, claim_welcome, record_sender

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)


def _sender(session, teams_user_id="29:X", aad_object_id="aad-Y"):
    return record_sender(session, tenant_id="tenant", teams_user_id=teams_user_id, aad_object_id=aad_object_id,
                         name="Anna Lindberg", locale="sv-SE", conversation_reference=None, now=NOW)


def _welcomed_at(db, person_id):
    with db.session() as session:
        moment = session.get(Person, person_id).welcomed_at
        return aware(moment) if moment else None


def test_the_welcome_is_claimed_once_and_stays_owed_when_its_turn_rolls_back(db):
    with db.session() as session:
        _sender(session)
    with pytest.raises(RuntimeError):
        with db.session() as session:
            assert claim_welcome(session, _sender(session), now=NOW)
            raise RuntimeError("the turn failed after claiming")

    with db.session() as session:
        person = _sender(session)
        person_id = person.id
        first = claim_welcome(session, person, now=NOW)
        again_in_the_same_turn = claim_welcome(session, person, now=NOW)
    with db.session() as session:
        on_a_later_turn = claim_welcome(session, _sender(session), now=NOW + timedelta(days=30))

    assert (first, again_in_the_same_turn, on_a_later_turn) == (True, False, False)
    assert _welcomed_at(db, person_id) == NOW


def test_the_install_event_greets_again_only_once_its_window_has_passed(db):
    window = timedelta(seconds=30)
    with db.session() as session:
        person = _sender(session)
        person_id = person.id
        claims = [claim_welcome(session, person, now=NOW + timedelta(seconds=s), again_after=window)
                  for s in (0, 29, 31)]

    assert claims == [True, False, True]
    assert _welcomed_at(db, person_id) == NOW + timedelta(seconds=31)


def test_a_half_known_record_that_was_greeted_leaves_the_person_it_merges_into_greeted(db):
    with db.session() as session:
        kept = _sender(session).id  # never greeted: her install event failed
    with db.session() as session:
        _sender(session, teams_user_id="29:Z")  # the client changed its Teams id
    with db.session() as session:
        half = _sender(session, aad_object_id=None)  # the old Teams id alone: a record of its own, greeted
        assert claim_welcome(session, half, now=NOW)

    with db.session() as session:
        assert _sender(session).id == kept  # both ids again: the half record is merged into hers

    assert _welcomed_at(db, kept) == NOW
