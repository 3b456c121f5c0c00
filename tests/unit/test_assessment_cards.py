"""Assessment, profile and target cards: valid and small in both languages, carrying what staleness checks need;
the chart is a small PNG of a fixed size."""


import pytest

from cards.assessment import (
    AreaResult, competence_card, finished_card, mode_card, recent_assessment_card, statement_card,
)
from cards.i18n import LANGS
from cards.profile import decimal, signed
from cards.samples import all_samples
from cards.validate import MAX_CARD_BYTES, card_problems, card_size
from cards.verbs import Verb
from dialogs.rules.answers import competence_view, long_steps, short_steps, statement_view
from store.digcomp import load_framework, load_instrument

INSTRUMENT = load_instrument()
FRAMEWORK = load_framework(INSTRUMENT.framework_version)


def competence(lang="sv", step=4, answer=None):
    return competence_card(lang, view=competence_view(INSTRUMENT.version, step, lang), assessment_id=41, revision=9,
                           answer=answer)


def inputs(card):
    return [e for c in card["body"] if c.get("type") == "Container" for e in c["items"]
            if e["type"].startswith("Input.")]


def choice_rows(card):
    """The short mode's answer rows: (the row's text, its button)."""
    rows = [b for b in card["body"] if b["type"] == "ColumnSet"]
    return [(r["columns"][0]["items"][0]["text"], r["columns"][1]["items"][0]["actions"][0]) for r in rows]


@pytest.mark.parametrize("lang", LANGS)
def test_every_short_mode_competence_card_is_valid_small_and_has_no_inputs(lang):
    for step in range(len(short_steps(INSTRUMENT.version))):
        card = competence(lang, step, answer="a" if step % 2 else None)
        assert card_problems(card) == [], step
        assert card_size(card) < 10 * 1024, step
        assert inputs(card) == [] and "actions" not in card, "the answers are in the body, one row each"


def test_short_mode_each_competence_is_its_own_card_with_one_tap_per_level_description():
    card = competence(step=4)  # area 2, its second competence
    texts = [b["text"] for b in card["body"] if b["type"] == "TextBlock"]
    rows = choice_rows(card)

    assert texts[:2] == ["Område 2 av 5 · kompetens 2 av 6", "2 Kommunikation och samarbete"]
    assert texts[2].startswith("2.2 ") and "Vilket stämmer bäst på det du gör på egen hand i dag?" in texts
    # Not yet, the competence's four level descriptions (whole sentences, in the row's text, not cut on a
    # button), not relevant: each with its own button, which records the answer and moves on.
    item = INSTRUMENT.short_mode.item("2.2")
    assert [text for text, _ in rows] == ["Inte ännu", *(item.descriptions[g].sv for g in (
        "foundation", "intermediate", "advanced", "highly_specialised")), "Inte relevant i mitt arbete"]
    assert [button["title"] for _, button in rows] == ["Välj"] * 6
    assert [button["data"] for _, button in rows] == [
        {"verb": Verb.ASSESSMENT_ANSWER, "assessment": 41, "step": 4, "rev": 9, "value": v}
        for v in ("0", "f", "i", "a", "h", "na")]
    assert all(b["type"] == "Action.Execute" and b["fallback"]["data"] == b["data"] for _, b in rows)
    [back] = [b["actions"][0] for b in card["body"] if b["type"] == "ActionSet"]
    assert back["title"] == "Föregående kompetens"
    assert back["data"] == {"verb": Verb.ASSESSMENT_BACK, "assessment": 41, "step": 4, "rev": 9}
    assert "Föregående kompetens" not in str(competence(step=0)), "no way back from the first competence"
    assert competence("en", step=20)["body"][0]["text"] == "Area 5 of 5 · competence 4 of 4"


def test_a_competence_answered_before_marks_its_answer():
    card = competence(step=4, answer="i")
    marked = [(text, button["title"]) for text, button in choice_rows(card) if button.get("style") == "positive"]

    assert marked == [(INSTRUMENT.short_mode.item("2.2").descriptions["intermediate"].sv, "Ditt svar")]
    assert "Ditt svar nu är markerat" in str(card) and "Ditt svar nu" not in str(competence(step=4))


def statement(lang="sv", step=13, answer=None):
    return statement_card(lang, view=statement_view(INSTRUMENT.version, step, lang), assessment_id=41, revision=9,
                          answer=answer)


@pytest.mark.parametrize("lang", LANGS)
def test_every_statement_card_is_valid_small_and_has_no_inputs(lang):
    for step in range(len(long_steps(INSTRUMENT.version))):
        card = statement(lang, step, answer="2" if step % 2 else None)
        assert card_problems(card) == [], step
        assert card_size(card) < 4 * 1024, step
        assert inputs(card) == [] and "actions" not in card, "the answers are in the body, one row each"


def test_a_statement_card_is_one_tap_per_answer_in_a_column_with_its_area_and_number_in_the_heading():
    card = statement(step=14)  # area 2, its third statement
    texts = [b["text"] for b in card["body"] if b["type"] == "TextBlock"]
    rows = [b for b in card["body"] if b["type"] == "ActionSet"]

    assert texts[:2] == ["Område 2 av 5 · påstående 3 av 24", "2 Kommunikation och samarbete"]
    assert texts[2].startswith("2.1 ") and "Hur gör du det i dag?" in texts
    # Each answer alone in its row, so that its label has the card's width; the way back last, apart.
    assert [len(r["actions"]) for r in rows] == [1] * 6
    answers, back = [r["actions"][0] for r in rows[:5]], rows[5]["actions"][0]
    assert [a["title"] for a in answers] == [
        "Jag vet inte hur", "Med hjälp", "På egen hand", "Med säkerhet, och jag kan vägleda andra",
        "Inte relevant i mitt arbete"]
    assert [a["data"] for a in answers] == [
        {"verb": Verb.ASSESSMENT_ANSWER, "assessment": 41, "step": 14, "rev": 9, "value": v}
        for v in ("0", "1", "2", "3", "na")]
    assert all(a["type"] == "Action.Execute" and a["fallback"]["data"] == a["data"] for a in answers)
    assert back["title"] == "Föregående påstående"
    assert back["data"] == {"verb": Verb.ASSESSMENT_BACK, "assessment": 41, "step": 14, "rev": 9}
    assert "Föregående påstående" not in str(statement(step=0)), "no way back from the first statement"


def test_a_statement_answered_before_names_the_answer_and_marks_its_button():
    card = statement(answer="1")
    marked = [a["actions"][0]["title"] for a in card["body"]
              if a["type"] == "ActionSet" and a["actions"][0].get("style") == "positive"]
    assert marked == ["Med hjälp"]
    assert "Ditt svar nu: Med hjälp." in str(card)
    assert "Ditt svar nu" not in str(statement()) and "Your answer now: On my own." in str(statement("en", answer="2"))


def test_the_ending_offers_the_plan_not_a_new_assessment():
    areas = [AreaResult("1", "Informations- och datakunskap", 3.3), AreaResult("4", "Säkerhet", None)]
    ending = finished_card("sv", assessment_id=5, mode="long", areas=areas,
                           to_confirm=[("2.1", "Interagera genom digitala teknologier", 7)])
    texts = " ".join(b.get("text", "") for b in ending["body"] if b["type"] == "TextBlock")
    assert ending["body"][0]["text"] == "Klart!"
    assert "1 Informations- och datakunskap: 3,3" in texts and "4 Säkerhet: inget relevant" in texts
    assert "Att bekräfta i utvecklingssamtalet" in str(ending["body"])
    assert "aktivitetskatalogen" in texts, "the place where proposed activities will go is marked"
    titles = [a["title"] for a in ending["actions"]]
    assert titles == ["Ta fram min utvecklingsplan", "Visa min profil"]
    assert [a["data"]["verb"] for a in ending["actions"]] == [Verb.PLAN_SHOW, Verb.PROFILE_SHOW]


def test_the_recent_assessment_question_confirms_with_a_flag_and_offers_the_profile_first():
    from datetime import date

    card = recent_assessment_card("sv", finished=date(2026, 11, 20))
    assert "2026-11-20" in card["body"][1]["text"]
    assert [a["data"] for a in card["actions"]] == [{"verb": Verb.PROFILE_SHOW},
                                                    {"verb": Verb.ASSESSMENT_START, "confirmed": True}]


def test_the_assessment_cards_take_their_texts_from_the_handler_not_from_the_framework_files():
    import cards.assessment as module
    source = open(module.__file__, encoding="utf-8").read()
    assert "store.digcomp" not in source and "load_framework" not in source and "load_instrument" not in source


def test_a_restart_mode_card_names_the_assessment_it_replaces():
    card = mode_card("sv", replaces=77)
    buttons = [e for c in card["body"] if c.get("type") == "Container" for e in c["items"]
               if e["type"] == "ActionSet"]
    assert [b["actions"][0]["data"] for b in buttons] == [
        {"verb": Verb.ASSESSMENT_MODE, "mode": "long", "replaces": 77},
        {"verb": Verb.ASSESSMENT_MODE, "mode": "short", "replaces": 77},
    ]


def test_profile_and_target_samples_stay_far_below_the_size_budget():
    samples = all_samples()
    for name in ("profile", "targets", "history", "assessment-competence-short"):
        for lang in LANGS:
            # The profile carries its chart at twice its size for high-DPI screens (cards/chart.py): 0.8.
            assert card_size(samples[name](lang)) < MAX_CARD_BYTES * (0.8 if name == "profile" else 0.7), (name, lang)


def test_numbers_are_written_the_way_each_language_writes_them():
    assert decimal("sv", 4.3) == "4,3" and decimal("en", 4.0) == "4.0"
    assert decimal("sv", 3.5) == "3,5" and decimal("en", 3.5) == "3.5"
    assert decimal("sv", None) == "–"
    assert (signed(2), signed(-1), signed(0)) == ("+2", "−1", "±0")
