"""Matching, the pure rule: rankings on the demo catalogue worked out by hand, and each rule on its own."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from dialogs.rules.activity_rules import next_open_day, session_days_reminded_on
from dialogs.rules.matching import ActivityFacts, PersonNeeds, effective_levels, rank_activities
from store.activities import split_list
from store.activities_import import DEMO_FILE, read_catalogue, validate_catalogue
from tests.directory_fixtures import ANNA_LEVELS, ANNA_TARGETS

ORG = 1
# Tuesday 10 March 2026, 10:00 in Stockholm: the demo catalogue's "now".
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)


def demo_facts() -> dict[str, ActivityFacts]:
    """The demo catalogue as matching sees it, ids in file order (as an import gives them)."""
    rows, errors = validate_catalogue(read_catalogue(DEMO_FILE), tz=ZoneInfo("Europe/Stockholm"))
    assert errors == []
    return {key: ActivityFacts(id=number, organisation_id=ORG, competences=tuple(split_list(values["competences"])),
                               level_min=values["level_min"], level_max=values["level_max"],
                               roles=frozenset(split_list(values["roles"])), status=status, shared=values["shared"],
                               self_paced=values["self_paced"], starts_at=values["starts_at"],
                               registration_deadline=values["registration_deadline"], capacity=values["capacity"],
                               places_taken=values["external_places"])
            for number, (_row, key, values, status) in enumerate(rows, start=1)}


def ranked_keys(person: PersonNeeds, facts: dict[str, ActivityFacts], now: datetime = NOW) -> list[str]:
    by_id = {f.id: key for key, f in facts.items()}
    return [by_id[p.activity_id] for p in rank_activities(person, facts.values(), now)]


ANNA = PersonNeeds(levels=ANNA_LEVELS, targets=ANNA_TARGETS, organisation_ids=frozenset({ORG}))


def test_the_demo_catalogue_covers_every_competence_and_format_with_full_past_deadline_and_self_paced_ones():
    facts = demo_facts()
    assert len(facts) >= 40
    assert {c for f in facts.values() for c in f.competences} == {
        "1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "3.1", "3.2", "3.3", "3.4",
        "4.1", "4.2", "4.3", "4.4", "5.1", "5.2", "5.3", "5.4"}
    rows, _ = validate_catalogue(read_catalogue(DEMO_FILE), tz=ZoneInfo("Europe/Stockholm"))
    assert {values["format"] for _r, _k, values, _s in rows} == {
        "course", "elearning", "lecture", "workshop", "webinar", "network", "mentoring", "study_visit"}
    assert sum(f.full for f in facts.values()) >= 2
    assert sum(f.self_paced for f in facts.values()) >= 10
    assert sum(1 for f in facts.values() if f.registration_deadline and f.registration_deadline < NOW) >= 2


def test_annas_ranking_on_the_demo_catalogue_as_worked_out_by_hand():
    # Anna's gaps: 4.2 (3 -> 6) and 3.1 (2 -> 5) by 3; 1.2 and 5.4 (3 -> 5) by 2; 2.4 (3 -> 4) by 1.
    # Gap 3, free places: self-paced first (dela-sakert before tillganglighet by id), then dated by start:
    # natfiske 17/3, gdpr-kultur 18/3, mobilfilm 8/4, kreativ-ai 21/4. canva-grund (3.1) is past its deadline;
    # infosak-grund teaches 4.2 only up to level 3, below Anna's next level 4.
    # Gap 2: self-paced kompetenskoll and ai-kallkritik, then dated kallkritik-ai 19/3, digital-mentor 1/4.
    # Gap 1: teams-kanaler. Full, last: planner-loop.
    # Role-bound activities (bibliotekarie, museipedagog, handlaggare, chef) are left out: no role known.
    assert ranked_keys(ANNA, demo_facts()) == [
        "dela-sakert", "tillganglighet", "natfiske", "gdpr-kultur", "mobilfilm", "kreativ-ai",
        "kompetenskoll", "ai-kallkritik", "kallkritik-ai", "digital-mentor",
        "teams-kanaler",
        "planner-loop",
    ]


def test_a_librarian_also_gets_the_activities_meant_for_librarians():
    librarian = replace(ANNA, role="bibliotekarie")
    ranking = ranked_keys(librarian, demo_facts())
    # podd-bibliotek (3.1, 29/4) closes gap 3; sok-smartare (24/3) and natverk-delaktighet (30/3) join gap 2.
    assert ranking[6] == "podd-bibliotek"
    assert ranking[7:13] == ["kompetenskoll", "ai-kallkritik", "kallkritik-ai", "sok-smartare",
                             "natverk-delaktighet", "digital-mentor"]
    assert "samlingar-digitalt" not in ranking, "meant for museum educators only"


def test_each_proposal_says_which_competence_and_the_level_and_target():
    proposals = rank_activities(ANNA, demo_facts().values(), NOW, limit=3)
    assert [(p.competence, p.level, p.target) for p in proposals] == [("4.2", 3, 6), ("3.1", 2, 5), ("4.2", 3, 6)]


def test_the_level_agreed_in_a_signed_plan_counts_instead_of_the_self_assessed_one():
    priorities = [{"competence": "4.2", "level": 3, "target": 6, "agreed_level": 5}]
    assert effective_levels(ANNA_LEVELS, priorities, plan_signed=True)["4.2"] == 5
    assert effective_levels(ANNA_LEVELS, priorities, plan_signed=False)["4.2"] == 3

    agreed = replace(ANNA, levels=effective_levels(ANNA_LEVELS, priorities, plan_signed=True))
    ranking = ranked_keys(agreed, demo_facts())
    # Next level in 4.2 is now 6: only gdpr-kultur (levels 3-6) still fits, and its gap is 1.
    assert "natfiske" not in ranking and "dela-sakert" not in ranking
    assert ranking.index("gdpr-kultur") > ranking.index("kallkritik-ai")


def test_done_signed_up_and_declined_activities_are_never_proposed():
    facts = demo_facts()
    excluded = frozenset({facts["dela-sakert"].id, facts["natfiske"].id})
    assert ranked_keys(replace(ANNA, excluded=excluded), facts)[:2] == ["tillganglighet", "gdpr-kultur"]


def test_other_organisations_activities_only_when_shared():
    facts = demo_facts()
    elsewhere = replace(ANNA, organisation_ids=frozenset({99}))
    ranking = ranked_keys(elsewhere, facts)
    assert ranking and all(facts[key].shared for key in ranking)


def test_a_started_or_closed_activity_drops_out_and_a_full_one_moves_behind_all_with_places():
    facts = demo_facts()
    later = NOW + timedelta(days=8)  # Wednesday 18 March, 10:00: natfiske and gdpr-kultur have begun
    assert "natfiske" not in ranked_keys(ANNA, facts, later)
    facts["dela-sakert"] = replace(facts["dela-sakert"], self_paced=False, starts_at=later + timedelta(days=30),
                                   capacity=5, places_taken=5)
    ranking = ranked_keys(ANNA, facts)
    assert ranking[-2:] == ["dela-sakert", "planner-loop"], "full ones last, by gap"


def test_ties_are_broken_by_id_so_the_order_never_depends_on_input_order():
    facts = demo_facts()
    forwards = rank_activities(ANNA, list(facts.values()), NOW)
    backwards = rank_activities(ANNA, list(reversed(facts.values())), NOW)
    assert forwards == backwards


def test_without_a_gap_nothing_is_proposed():
    assert rank_activities(replace(ANNA, targets={"3.1": 2}), demo_facts().values(), NOW) == []


@pytest.mark.parametrize(("today", "first", "last"), [
    ("2026-03-16", "2026-03-17", "2026-03-17"),  # Monday reminds Tuesday's sessions
    ("2026-03-13", "2026-03-14", "2026-03-16"),  # Friday reminds Saturday to Monday
])
def test_sessions_are_reminded_on_the_last_working_day_before(today, first, last):
    from datetime import date

    assert session_days_reminded_on(date.fromisoformat(today)) == (date.fromisoformat(first),
                                                                   date.fromisoformat(last))


def test_a_closed_day_moves_the_reminder_to_the_working_day_before_it():
    from datetime import date

    easter_monday = date(2026, 4, 6)
    # Thursday 2 April is open; Good Friday 3 April and Easter Monday are closed.
    closed = {date(2026, 4, 3), easter_monday}
    assert session_days_reminded_on(date(2026, 4, 2), closed_dates=closed) == (date(2026, 4, 3), date(2026, 4, 7))
    assert session_days_reminded_on(date(2026, 4, 3), closed_dates=closed) is None
    assert next_open_day(date(2026, 4, 2), closed_dates=closed) == date(2026, 4, 7)


def test_the_store_gives_the_same_pages_as_the_rule_on_random_catalogues(db):
    """store.activities.ranked_page reads an index a few rows at a time; its pages must be rank_activities'."""
    import random

    from store import activities as store
    from store.directory import save_organisation

    rng = random.Random(13)
    with db.session() as session:
        organisation, _ = save_organisation(session, key="org", name="Org")
        for number in range(300):
            low = rng.randint(1, 6)
            self_paced = rng.random() < 0.25
            starts = NOW + timedelta(days=rng.randint(-5, 60), hours=rng.randint(0, 8))
            capacity = rng.choice((None, 5, 10))
            activity, _ = store.save_activity(session, organisation_id=organisation.id, key=f"a{number}", now=NOW,
                                              status=rng.choice(("published",) * 9 + ("draft",)), values={
                "title_sv": f"A{number}", "format": "course",
                "competences": ",".join(rng.sample(sorted(ANNA_LEVELS), rng.randint(1, 3))),
                "level_min": low, "level_max": min(8, low + rng.randint(0, 3)), "self_paced": self_paced,
                "roles": rng.choice(("", "", "", "bibliotekarie", "chef")),
                "starts_at": None if self_paced else starts, "capacity": capacity,
                "external_places": rng.choice((0, 0, 10)) if capacity else 0,
                "registration_deadline": None if self_paced else starts - timedelta(days=rng.randint(0, 10))})
        everything = store.facts_of(session, [a for a in range(1, 301)])
        for person in range(12):
            levels = {key: rng.randint(0, 5) for key in ANNA_LEVELS}
            needs = PersonNeeds(levels=levels, targets={k: min(8, v + rng.randint(0, 3)) for k, v in levels.items()},
                                role=rng.choice((None, "bibliotekarie")), organisation_ids=frozenset({organisation.id}),
                                excluded=frozenset(rng.sample(range(1, 301), 20)),
                                priorities=tuple(rng.sample(sorted(ANNA_LEVELS), 3)) if person % 2 else ())
            expected = [p.activity_id for p in rank_activities(needs, everything, NOW)]
            for offset, limit in ((0, 5), (5, 5), (0, 2), (40, 7), (len(expected) - 3, 5)):
                page, more = store.ranked_page(session, needs=needs, now=NOW, offset=max(0, offset), limit=limit)
                assert [p.activity_id for p in page] == expected[max(0, offset):max(0, offset) + limit], \
                    (person, offset, limit)
                assert more == (len(expected) > max(0, offset) + limit)
