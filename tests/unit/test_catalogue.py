"""Every text a user sees exists in Swedish and English, with the same placeholders."""

import re
import string

from cards.i18n import LANGS, catalogue, lang_of, t

_PLACEHOLDER = string.Formatter()


def _fields(text):
    return {name for _, name, _, _ in _PLACEHOLDER.parse(text) if name}


def test_swedish_and_english_catalogues_have_the_same_keys():
    swedish, english = catalogue("sv"), catalogue("en")
    assert sorted(set(swedish) - set(english)) == [], "missing in English"
    assert sorted(set(english) - set(swedish)) == [], "missing in Swedish"


def test_translations_use_the_same_placeholders():
    for key, swedish in catalogue("sv").items():
        assert _fields(swedish) == _fields(catalogue("en")[key]), key


def test_no_text_is_empty_or_left_untranslated_with_a_todo():
    for lang in LANGS:
        for key, value in catalogue(lang).items():
            assert value.strip(), f"{lang}:{key} is empty"
            assert not re.search(r"\bTODO\b|\bFIXME\b", value), f"{lang}:{key}"


def test_locale_picks_the_language_with_swedish_as_the_default():
    assert lang_of("en-GB") == "en"
    assert lang_of("sv-SE") == "sv"
    assert lang_of(None) == "sv"
    assert lang_of("fi-FI") == "sv"
    assert t("en", "welcome.greeting", name="Anna") == "Hi Anna!"
