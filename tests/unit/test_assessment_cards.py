"""Assessment, profile and target cards: valid and small in both languages, carrying what staleness checks need;
the chart is a small PNG of a fixed size."""


import pytest

from cards.assessment import (
    AreaResult, area_card, area_done_card, finished_card, mode_card, recent_assessment_card, statement_card,
)
from cards.i18n import LANGS
from cards.profile import decimal, signed
from cards.samples import all_samples
from cards.validate import MAX_CARD_BYTES, card_problems, card_size
from cards.verbs import Verb
from dialogs.rules.answers import area_view, long_steps, statement_view
from store.digcomp import load_framework, load_instrument

INSTRUMENT = load_instrument()
FRAMEWORK = load_framework(INSTRUMENT.framework_version)


def area(lang="sv", mode="short", index=1, answers=None, missing=()):
    return area_card(lang, area=area_view(INSTRUMENT.version, mode, index, lang), mode=mode, assessment_id=41,
                     revision=9, answers=answers or {}, missing_competences=missing)


def inputs(card):
    return [e for c in card["body"] if c.get("type") == "Container" for e in c["items"]
            if e["type"].startswith("Input.")]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("index", range(5))
def test_every_short_area_card_is_valid_and_under_the_size_budget_even_fully_answered(lang, index):
    answered = {e["id"]: e["choices"][-2]["value"] for e in inputs(area(lang, "short", index))}
    card = area(lang, "short", index, answers=answered, missing=("2.1", "2.2", "2.3"))

    assert card_problems(card) == []
    assert card_size(card) < 20 * 1024


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


def test_short_mode_shows_the_level_descriptions_as_radio_buttons():
    elements = inputs(area(mode="short", index=0))

    assert [e["id"] for e in elements] == ["s1_1", "s1_2", "s1_3"]
    assert all(e["style"] == "expanded" for e in elements)
    assert [c["value"] for c in elements[0]["choices"]] == ["0", "f", "i", "a", "h", "na"]


def test_short_area_actions_carry_assessment_area_and_revision_and_back_sends_no_inputs():
    card = area(index=1)
    answer, back = card["actions"]

    assert answer["verb"] == Verb.ASSESSMENT_ANSWER
    assert answer["data"] == {"verb": Verb.ASSESSMENT_ANSWER, "assessment": 41, "area": 1, "rev": 9}
    assert answer["fallback"]["type"] == "Action.Submit" and answer["fallback"]["data"] == answer["data"]
    assert back["verb"] == Verb.ASSESSMENT_BACK
    assert back["associatedInputs"] == "none" and back["fallback"]["associatedInputs"] == "none"
    assert [a["verb"] for a in area(index=0)["actions"]] == [Verb.ASSESSMENT_ANSWER], "no way back from area 1"


def test_the_last_short_area_finishes_and_the_progress_counts_areas():
    last = area(index=4)
    assert last["body"][0]["text"] == "Område 5 av 5 · kort skattning"
    assert last["actions"][0]["title"] == "Slutför skattningen"
    assert area("en", index=0)["actions"][0]["title"] == "Next area"


def test_an_answered_area_becomes_one_line_and_the_ending_offers_the_plan_not_a_new_assessment():
    done = area_done_card("sv", number=1, total=5, area_key="1", area_title="Informations- och datakunskap",
                          mode="long")
    assert done["body"][0]["text"] == "Område 1 av 5 klart (lång skattning)"
    assert "actions" not in done and card_size(done) < 1024

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
    for name in ("profile", "targets", "history", "assessment-area-2-short"):
        for lang in LANGS:
            # The profile carries its chart at twice its size for high-DPI screens (cards/chart.py): 0.8.
            assert card_size(samples[name](lang)) < MAX_CARD_BYTES * (0.8 if name == "profile" else 0.7), (name, lang)


def test_numbers_are_written_the_way_each_language_writes_them():
    assert decimal("sv", 4.3) == "4,3" and decimal("en", 4.0) == "4.0"
    assert decimal("sv", 3.5) == "3,5" and decimal("en", 3.5) == "3.5"
    assert decimal("sv", None) == "–"
    assert (signed(2), signed(-1), signed(0)) == ("+2", "−1", "±0")
