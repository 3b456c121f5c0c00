"""DigComp framework and instrument data: structure, both languages, length limits, loader checks."""

from __future__ import annotations

import ast
import copy
import dataclasses
import json
import re
from pathlib import Path

import pytest

from dialogs.rules.scoring import map_level_2_2_to_3_0, score_short_choice
from store.digcomp import (
    DATA_DIR,
    DigCompDataError,
    framework_from_dict,
    instrument_from_dict,
    load_framework,
    load_instrument,
)

REPO = Path(__file__).parents[2]
DIGCOMP_2_2_KEYS = [
    "1.1", "1.2", "1.3",
    "2.1", "2.2", "2.3", "2.4", "2.5", "2.6",
    "3.1", "3.2", "3.3", "3.4",
    "4.1", "4.2", "4.3", "4.4",
    "5.1", "5.2", "5.3", "5.4",
]  # fmt: skip
GROUPS = ("foundation", "intermediate", "advanced", "highly_specialised")


def _raw(name: str) -> dict:
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


# --- framework 2.2 --------------------------------------------------------------------


def test_framework_2_2_has_5_areas_and_exactly_the_21_digcomp_competence_keys():
    fw = load_framework("2.2")
    assert [a.key for a in fw.areas] == ["1", "2", "3", "4", "5"]
    assert [c.key for c in fw.competences] == DIGCOMP_2_2_KEYS


@pytest.mark.parametrize(
    ("key", "en", "sv"),
    [
        ("1.1", "Browsing, searching and filtering data, information and digital content",
         "Söka, filtrera och bläddra i data, information och digitalt innehåll"),
        ("2.3", "Engaging citizenship through digital technologies",
         "Engagera medborgarskap genom digitala teknologier"),
        ("2.5", "Netiquette", "Nätetikett"),
        ("3.2", "Integrating and re-elaborating digital content", "Integrera och omformulera digitalt innehåll"),
        ("3.3", "Copyright and licences", "Upphovsrätt och licenser"),
        ("4.2", "Protecting personal data and privacy", "Skydda personuppgifter och privatliv"),
        ("5.4", "Identifying digital competence gaps", "Identifiera digitala kompetensluckor"),
    ],
)  # fmt: skip
def test_framework_2_2_uses_the_official_competence_titles(key, en, sv):
    competence = load_framework("2.2").competence(key)
    assert (competence.title.en, competence.title.sv) == (en, sv)


def test_framework_2_2_area_titles_are_the_official_ones_in_both_languages():
    titles = [(a.title.en, a.title.sv) for a in load_framework("2.2").areas]
    assert titles == [
        ("Information and data literacy", "Informations- och datakunskap"),
        ("Communication and collaboration", "Kommunikation och samarbete"),
        ("Digital content creation", "Skapa digitalt innehåll"),
        ("Safety", "Säkerhet"),
        ("Problem solving", "Problemlösning"),
    ]


def test_framework_2_2_has_levels_1_to_8_in_four_named_groups_of_two():
    fw = load_framework("2.2")
    assert [(g.key, g.levels, g.title.sv) for g in fw.level_groups] == [
        ("foundation", (1, 2), "Grundläggande"),
        ("intermediate", (3, 4), "Medel"),
        ("advanced", (5, 6), "Avancerad"),
        ("highly_specialised", (7, 8), "Högt specialiserad"),
    ]
    assert [(lv.level, lv.group) for lv in fw.levels] == [
        (n, GROUPS[(n - 1) // 2]) for n in range(1, 9)
    ]


def test_framework_2_2_attribution_credits_jrc_authors_licence_and_swedish_translation():
    attribution = load_framework("2.2").attribution
    text = " ".join(str(v) for v in attribution.values())
    for needed in ("JRC", "2022", "CC BY 4.0", "Vuorikari", "Kluzer", "Punie", "DigComp 2.2 på svenska"):
        assert needed in text, needed


# --- framework 3.0 --------------------------------------------------------------------


def test_framework_3_0_has_5_areas_21_competences_and_4_named_levels():
    fw = load_framework("3.0")
    assert len(fw.areas) == 5
    assert len(fw.competences) == 21
    assert [lv.title.en for lv in fw.levels] == ["Basic", "Intermediate", "Advanced", "Highly advanced"]


def test_framework_3_0_maps_every_2_2_competence_to_an_existing_3_0_competence():
    fw = load_framework("3.0")
    mapping = fw.competence_mapping_from_2_2
    assert sorted(mapping) == sorted(DIGCOMP_2_2_KEYS)
    assert {c.key for c in fw.competences} >= set(mapping.values())


def test_framework_3_0_level_mapping_in_the_data_matches_the_scoring_function():
    mapping = load_framework("3.0").level_mapping_from_2_2
    assert dict(mapping) == {n: map_level_2_2_to_3_0(n) for n in range(1, 9)}


def test_framework_3_0_levels_list_the_two_2_2_levels_each_covers():
    assert [lv.levels_2_2 for lv in load_framework("3.0").levels] == [(1, 2), (3, 4), (5, 6), (7, 8)]


def test_framework_3_0_titles_are_those_of_the_jrc_data_supplement_with_the_sources_named():
    fw = load_framework("3.0")
    titles = {c.key: c.title.en for c in fw.competences}
    assert titles["1.1"] == "Browsing, searching and filtering information"
    assert titles["3.4"] == "Computational thinking and programming"
    assert titles["4.4"] == "Environmental impacts of digital technologies"
    assert titles["5.4"] == "Identifying and addressing digital competence needs"
    old = {c.key: c.title.en for c in load_framework("2.2").competences}
    renamed = {key for key in titles if titles[key] != old[key] and key != "2.3"}
    assert len(renamed) == 12, sorted(renamed)
    assert {a.title_status for a in fw.areas} | {c.title_status for c in fw.competences} == {"official"}
    assert "data supplement" in fw.attribution["changes"] and fw.attribution["sources"]


def test_framework_2_2_titles_of_2_3_and_5_3_follow_the_2_2_report_not_2_1_and_the_note_says_how_checked():
    fw = load_framework("2.2")
    assert fw.competence("2.3").title.en == "Engaging citizenship through digital technologies"
    assert fw.competence("5.3").title.en == "Creatively using digital technology"
    assert "JRC128415" in fw.attribution["changes"]
    assert "are the official ones" not in fw.attribution["changes"].split("Competence titles")[1]


# --- both languages everywhere ----------------------------------------------------------


def _texts(node, path=""):
    """Every {"sv": ..., "en": ...} object in a JSON tree, with its path."""
    if isinstance(node, dict):
        if "sv" in node or "en" in node:
            yield path, node
        for key, value in node.items():
            yield from _texts(value, f"{path}.{key}")
    elif isinstance(node, list):
        for n, value in enumerate(node):
            yield from _texts(value, f"{path}[{n}]")


@pytest.mark.parametrize("name", ["framework_2_2.json", "framework_3_0.json", "instrument_2_2.json"])
def test_every_text_in_the_data_file_has_non_empty_swedish_and_english(name):
    texts = list(_texts(_raw(name)))
    missing = [
        path for path, t in texts
        if not all(isinstance(t.get(lang), str) and t[lang].strip() for lang in ("sv", "en"))
    ]  # fmt: skip
    assert len(texts) > 40
    assert missing == []


# --- instrument ---------------------------------------------------------------------------


def test_instrument_has_one_statement_per_competence_and_level_group_84_in_all():
    instrument = load_instrument()
    assert instrument.version == "2026.1"
    assert instrument.framework_version == "2.2"
    assert len(instrument.statements) == 84
    pairs = {(s.competence, s.group) for s in instrument.statements}
    assert pairs == {(key, group) for key in DIGCOMP_2_2_KEYS for group in GROUPS}


def test_statement_ids_are_unique_and_spell_competence_and_group_letter():
    statements = load_instrument().statements
    ids = [s.id for s in statements]
    assert len(set(ids)) == len(ids)
    for s in statements:
        assert s.id == f"c{s.competence.replace('.', '_')}_{s.group[0]}"
        assert re.fullmatch(r"c\d_\d_[fiah]", s.id)


def test_statements_for_returns_a_competences_four_statements_foundation_first():
    statements = load_instrument().statements_for("3.4")
    assert [s.id for s in statements] == ["c3_4_f", "c3_4_i", "c3_4_a", "c3_4_h"]


def test_every_statement_is_at_most_140_characters_in_both_languages():
    too_long = [
        (s.id, lang, len(getattr(s.text, lang)))
        for s in load_instrument().statements
        for lang in ("sv", "en")
        if len(getattr(s.text, lang)) > 140
    ]
    assert too_long == []


def test_every_statement_is_a_task_that_answers_the_question_how_do_you_do_this_today():
    instrument = load_instrument()
    assert (instrument.scale.question.sv, instrument.scale.question.en) == (
        "Hur gör du det i dag?", "How do you do this today?")
    # A task, not a claim: "Jag kan ..." answered "Med hjälp" reads as "I can ... with help".
    wrong = [s.id for s in instrument.statements if s.text.sv.startswith("Jag ") or s.text.en.startswith("I ")]
    assert wrong == []


@pytest.mark.parametrize("word", ["kolla", " AR ", "vägled", "lär andra", "hjälpa andra", "coacha", "ge råd",
                                  "och hjälpa", "förälder", " belastning "])
def test_statements_avoid_slang_unexplained_abbreviations_and_guide_others_which_the_scale_asks(word):
    found = [s.id for s in load_instrument().statements if word in f" {s.text.sv} "]
    assert found == []


def test_statements_use_the_administrations_own_words():
    texts = " ".join(s.text.sv for s in load_instrument().statements)
    for word in ("vårdnadshavare", "belastningsbesvär", "informationshanteringsplan", "förstärkt verklighet (AR)"):
        assert word in texts, word


def test_no_foundation_statement_asks_two_things_joined_by_and_i():
    # c1_2_f asked "tell an official source ... and I ask someone"; c2_5_f "write politely ... and I do not forward".
    doubles = [s.id for s in load_instrument().statements if " och jag " in s.text.sv or ", and I " in s.text.en
               or " och frågar " in s.text.sv or " och vidarebefordrar " in s.text.sv]
    assert doubles == []


def test_no_statement_text_is_repeated_in_either_language():
    statements = load_instrument().statements
    for lang in ("sv", "en"):
        texts = [getattr(s.text, lang) for s in statements]
        assert len(set(texts)) == len(texts), lang


def test_answer_scale_has_the_four_agreed_options_and_not_relevant():
    scale = load_instrument().scale
    assert [(o.value, o.text.sv, o.text.en) for o in scale.options] == [
        (0, "Jag vet inte hur", "I don't know how"),
        (1, "Med hjälp", "With help"),
        (2, "På egen hand", "On my own"),
        (3, "Med säkerhet, och jag kan vägleda andra", "With confidence, and I can guide others"),
    ]
    assert (scale.not_relevant.value, scale.not_relevant.text.sv, scale.not_relevant.text.en) == (
        "na",
        "Inte relevant i mitt arbete",
        "Not relevant in my work",
    )


def test_short_mode_has_one_item_per_competence_with_four_descriptions_of_at_most_120_characters():
    short = load_instrument().short_mode
    assert [i.competence for i in short.items] == DIGCOMP_2_2_KEYS
    too_long = []
    for item in short.items:
        assert list(item.descriptions) == list(GROUPS)
        for group, text in item.descriptions.items():
            too_long += [(item.competence, group, lang) for lang in ("sv", "en") if len(getattr(text, lang)) > 120]
    assert too_long == []


def test_short_mode_levels_in_the_data_match_score_short_choice():
    short = load_instrument().short_mode
    in_data = {c.value: c.level for c in short.choices} | {short.not_relevant.value: None}
    assert in_data == {value: score_short_choice(value) for value in in_data}
    assert (short.zero_text.sv, short.zero_text.en) == ("Inte ännu", "Not yet")


def test_largest_area_fits_its_statements_comfortably_in_one_card_per_language():
    # 6 competences x 4 statements share one card that must stay under 28 KB with its markup.
    instrument = load_instrument()
    for lang in ("sv", "en"):
        size = sum(len(getattr(s.text, lang).encode()) for s in instrument.statements if s.competence.startswith("2."))
        assert size < 4 * 1024, (lang, size)


# --- loader behaviour ---------------------------------------------------------------------


def test_loaders_cache_and_return_frozen_objects():
    assert load_framework("2.2") is load_framework("2.2")
    assert load_instrument() is load_instrument("2026.1")
    with pytest.raises(dataclasses.FrozenInstanceError):
        load_framework("2.2").version = "9"
    with pytest.raises(TypeError):
        load_framework("2.2").attribution["licence"] = "none"


@pytest.mark.parametrize(("loader", "version"), [(load_framework, "2.1"), (load_instrument, "2025.9")])
def test_an_unknown_version_raises_a_clear_error(loader, version):
    with pytest.raises(DigCompDataError, match=re.escape(version)):
        loader(version)


def _drop_competence(d):
    d["areas"][4]["competences"].pop()


def _drop_area(d):
    d["areas"].pop()


def _drop_english_title(d):
    del d["areas"][1]["competences"][2]["title"]["en"]


def _empty_swedish_description(d):
    d["areas"][0]["description"]["sv"] = "  "


def _duplicate_competence_key(d):
    d["areas"][0]["competences"][1]["key"] = "1.1"


def _competence_in_wrong_area(d):
    d["areas"][0]["competences"][0]["key"] = "2.7"


def _level_groups_overlap(d):
    d["level_groups"][1]["levels"] = [2, 3]


def _no_licence(d):
    del d["attribution"]["licence"]


@pytest.mark.parametrize(
    ("break_it", "message"),
    [
        (_drop_competence, "expected 21 competences, found 20"),
        (_drop_area, "expected 5 areas, found 4"),
        (_drop_english_title, "competence 2.3 title: 'en' text is missing"),
        (_empty_swedish_description, "area 1 description: 'sv' text is missing or empty"),
        (_duplicate_competence_key, "duplicate competence key: ['1.1']"),
        (_competence_in_wrong_area, "competence 2.7 is listed under area 1"),
        (_level_groups_overlap, "level groups cover"),
        (_no_licence, "licence"),
    ],
)
def test_framework_loader_rejects_broken_data_with_a_specific_message(break_it, message):
    raw = _raw("framework_2_2.json")
    break_it(raw)
    with pytest.raises(DigCompDataError, match=re.escape(message)):
        framework_from_dict(raw)


def _map_drops_a_competence(d):
    del d["competence_mapping_from_2_2"]["5.4"]


def _map_drops_a_level(d):
    del d["level_mapping_from_2_2"]["8"]


def _map_goes_down(d):
    d["level_mapping_from_2_2"]["4"] = 1


@pytest.mark.parametrize(
    ("break_it", "message"),
    [
        (_map_drops_a_competence, "competence_mapping_from_2_2 misses ['5.4']"),
        (_map_drops_a_level, "level_mapping_from_2_2 must cover levels"),
        (_map_goes_down, "never map a higher level to a lower one"),
    ],
)
def test_framework_3_0_loader_rejects_an_incomplete_or_inconsistent_mapping(break_it, message):
    raw = _raw("framework_3_0.json")
    break_it(raw)
    with pytest.raises(DigCompDataError, match=re.escape(message)):
        framework_from_dict(raw)


def _statement(d, sid):
    return next(s for s in d["statements"] if s["id"] == sid)


def _duplicate_statement_id(d):
    _statement(d, "c1_2_f")["id"] = "c1_1_f"


def _drop_statement(d):
    d["statements"].remove(_statement(d, "c4_4_h"))


def _statement_too_long(d):
    _statement(d, "c2_1_i")["text"]["sv"] = "Jag kan " + "x" * 140


def _statement_without_english(d):
    del _statement(d, "c5_3_a")["text"]["en"]


def _statement_id_mismatch(d):
    _statement(d, "c3_1_a")["group"] = "highly_specialised"


def _short_item_missing(d):
    d["short_mode"]["items"].pop()


def _short_level_wrong(d):
    d["short_mode"]["choices"][2]["level"] = 5


def _short_description_too_long(d):
    d["short_mode"]["items"][0]["descriptions"]["a"]["en"] = "x" * 121


@pytest.mark.parametrize(
    ("break_it", "message"),
    [
        (_duplicate_statement_id, "duplicate statement id: ['c1_1_f']"),
        (_drop_statement, "competence 4.4 needs one statement per group"),
        (_statement_too_long, "statement c2_1_i (sv) has 148 characters, max 140"),
        (_statement_without_english, "statement c5_3_a text: 'en' text is missing"),
        (_statement_id_mismatch, "statement c3_1_a: id should be 'c3_1_h'"),
        (_short_item_missing, "short mode needs exactly one item per competence"),
        (_short_level_wrong, "short choice 'i' maps to level 5"),
        (_short_description_too_long, "short 1.1 advanced (en) is longer than 120"),
    ],
)
def test_instrument_loader_rejects_broken_data_with_a_specific_message(break_it, message):
    raw = copy.deepcopy(_raw("instrument_2_2.json"))
    break_it(raw)
    with pytest.raises(DigCompDataError, match=re.escape(message)):
        instrument_from_dict(raw, load_framework("2.2"))


# --- purity -------------------------------------------------------------------------------


def _imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        ("store/digcomp.py", {"botbuilder", "sqlmodel", "sqlalchemy", "aiohttp"}),
        ("dialogs/rules/scoring.py", {"botbuilder", "sqlmodel", "sqlalchemy", "aiohttp", "store", "cards"}),
    ],
)
def test_data_and_rule_modules_import_no_bot_database_or_web_code(module, forbidden):
    assert _imported_roots(REPO / module) & forbidden == set()
