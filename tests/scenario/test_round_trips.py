"""What the assessment's finishing turn and the store's one-statement lookups give: the profile after finishing
shows the role and the gaps from the levels just written, a second finish compares with the first, and an
assessment (or the sender's lock on it) is found only for its owner. How many statements those turns take is
measured by bench/round_trips.py, not frozen here."""

from __future__ import annotations

from datetime import datetime, timezone

from bot.app import DATABASE
from store.assessments import finish_assessment, owned_assessment, owner_with_locked_assessment, start_assessment
from store.models.core import Person
from store.role_profiles_csv import SEED_FILE, import_role_profiles
from store.targets import effective_targets, person_role, set_person_role, set_personal_targets
from tests.harness import Chat, RunningBot, card_text
from tests.scenario.test_assessment import LEVEL_3, LEVEL_5, answer_areas, answer_statements, start_long

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


async def test_the_profile_after_finishing_shows_the_role_and_the_gaps_from_the_levels_just_written(
        chat: Chat, bot: RunningBot):
    with bot.app[DATABASE].session() as session:
        import_role_profiles(session, content=SEED_FILE.read_text(encoding="utf-8"))
    targets = (await chat.say("mina mål"))[0]
    await chat.click(targets, "Spara mål", {"role": "bibliotekarie", "t3_4": "8"})
    card = await answer_statements(chat, await start_long(chat), 83, LEVEL_3)

    ending = await answer_statements(chat, card, 1, LEVEL_3)

    assert card_text(ending).startswith("Klart!")
    profile = card_text((await chat.click(ending, "Visa min profil"))[0])
    assert "Yrkesroll: Bibliotekarie." in profile and "3.4 Programmering: nivå 3, mål 8 (5 steg kvar)" in profile


async def test_the_profile_after_a_second_finish_compares_with_the_first(chat: Chat, bot: RunningBot):
    await answer_areas(chat, await start_long(chat), 5, LEVEL_3)
    recent = (await chat.say("skattning"))[0]
    mode = (await chat.click(recent, "Ja, gör en ny skattning"))[0]
    card = await answer_statements(chat, (await chat.click(mode, "Starta lång skattning"))[0], 83, LEVEL_5)

    ending = await answer_statements(chat, card, 1, LEVEL_5)

    profile = (await chat.click(ending, "Visa min profil"))[0]
    assert "höjt i" in card_text(profile), "compared with the previous assessment, whose levels were read"


def _person(session, name: str) -> int:
    person = Person(tenant_id="t", teams_user_id=name)
    session.add(person)
    session.flush()
    return person.id


def test_an_assessment_written_in_this_transaction_is_still_only_its_owners(bot: RunningBot):
    with bot.app[DATABASE].session() as session:
        anna, bo = _person(session, "anna"), _person(session, "bo")
        assessment = start_assessment(session, person_id=anna, mode="long", framework_version="2.2",
                                      instrument_version="2026.1", now=NOW)
        finish_assessment(session, assessment=assessment, levels={"1.1": 3}, now=NOW)
        assert owned_assessment(session, assessment_id=assessment.id, person_id=anna) is assessment
        assert owned_assessment(session, assessment_id=str(assessment.id), person_id=bo) is None
        finished_id = assessment.id
    with bot.app[DATABASE].session() as session:  # a new transaction reads the row again
        again = owned_assessment(session, assessment_id=finished_id, person_id=anna)
        assert again is not None and again.status == "finished"
        assert owned_assessment(session, assessment_id=finished_id, person_id=bo) is None


def test_a_persons_role_and_targets_combine_their_own_over_their_roles(bot: RunningBot):
    with bot.app[DATABASE].session() as session:
        import_role_profiles(session, content=SEED_FILE.read_text(encoding="utf-8"))
        anna, bo = _person(session, "anna"), _person(session, "bo")
        assert person_role(session, person_id=anna) is None and effective_targets(session, person_id=anna) == {}
        set_personal_targets(session, person_id=bo, targets={"1.2": 2}, now=NOW)
        assert {k: (t.level, t.source) for k, t in effective_targets(session, person_id=bo).items()} == {
            "1.2": (2, "personal")}
        set_person_role(session, person_id=anna, role_key="bibliotekarie", now=NOW)
        set_personal_targets(session, person_id=anna, targets={"1.2": 8, "3.4": 7}, now=NOW)
        role = person_role(session, person_id=anna)
        assert role.key == "bibliotekarie" and role.title("en") == "Librarian" and role.targets["1.2"] == 6
        targets = effective_targets(session, person_id=anna)
        assert (targets["1.2"].level, targets["1.2"].source) == (8, "personal")
        assert (targets["3.4"].level, targets["3.4"].source) == (7, "personal")
        assert (targets["1.3"].level, targets["1.3"].source) == (5, "role")
        assert {k for k, t in targets.items() if t.source == "role"} == set(role.targets) - {"1.2", "3.4"}


def test_the_sender_and_their_named_assessment_are_found_and_locked_only_for_their_owner(bot: RunningBot):
    with bot.app[DATABASE].session() as session:
        anna = Person(tenant_id="t", teams_user_id="29:anna", aad_object_id="aad-anna")
        bo = Person(tenant_id="t", teams_user_id="29:bo")
        session.add_all([anna, bo])
        session.flush()
        assessment_id = start_assessment(session, person_id=anna.id, mode="long", framework_version="2.2",
                                         instrument_version="2026.1", now=NOW).id
        anna_id, bo_id = anna.id, bo.id

    def lookup(**sender):
        with bot.app[DATABASE].session() as session:
            person = owner_with_locked_assessment(session, tenant_id="t", **sender)
            owned = person and owned_assessment(session, assessment_id=assessment_id, person_id=person.id,
                                                for_update=True)
            return (person and person.id), (owned and owned.id)

    anna_by_aad = lookup(teams_user_id="29:anna", aad_object_id="aad-anna", assessment_id=str(assessment_id))
    assert anna_by_aad == (anna_id, assessment_id), "found by her Entra id, with her assessment"
    assert lookup(teams_user_id="29:anna", aad_object_id=None, assessment_id=assessment_id) == (
        anna_id, assessment_id)
    assert lookup(teams_user_id="29:bo", aad_object_id=None, assessment_id=assessment_id) == (None, None), \
        "Bo does not own it: not found this way, so the turn looks him up as usual and is refused"
    assert lookup(teams_user_id="29:anna", aad_object_id="aad-anna", assessment_id="7; DROP") == (None, None)
    assert bo_id != anna_id
