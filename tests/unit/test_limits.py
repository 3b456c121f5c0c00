"""One place knows what the database can hold: column lengths come from the models, ids from card data are read
as row ids or as nothing."""

import pytest

from store.limits import ROW_ID_MAX, column_limit, cut_to_fit, fits, row_id
from store.models.core import Person


def test_column_limits_are_the_models_max_lengths():
    assert column_limit(Person, "name") == 200
    assert column_limit(Person, "locale") == 16
    assert column_limit(Person, "conversation_reference") is None


def test_text_that_is_too_long_is_cut_to_its_column_and_short_text_is_left_alone():
    assert cut_to_fit(Person, "locale", "sv-SE") == "sv-SE"
    assert cut_to_fit(Person, "locale", "sv-SE" + "-x" * 20) == ("sv-SE" + "-x" * 20)[:16]
    assert fits(Person, "name", "Anna") and not fits(Person, "name", "A" * 201)


@pytest.mark.parametrize("value, expected", [(1, 1), ("42", 42), (ROW_ID_MAX, ROW_ID_MAX)])
def test_an_id_a_row_can_have_is_read_as_it_is(value, expected):
    assert row_id(value) == expected


@pytest.mark.parametrize("value", [0, -1, ROW_ID_MAX + 1, 2**70, "9" * 40, "1" * 5000, 1e300, float("inf"),
                                   "x", "", None, True, 1.5, [1], {"id": 1}])
def test_an_id_no_row_can_have_reads_as_none(value):
    assert row_id(value) is None
