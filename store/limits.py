"""What the database can hold, read from the models: column lengths and the range of a row id.

The one place that knows each column's limit: the edge (bot/edge.py) cuts or refuses what does not fit before a
turn reaches the store, and store functions that take an id from card data read it with `row_id`.
"""

from __future__ import annotations

from functools import cache

from sqlmodel import SQLModel

# Primary keys are BIGINT on PostgreSQL and INTEGER (64-bit) on SQLite: a larger number names no row.
ROW_ID_MAX = 2**63 - 1


@cache
def column_limit(model: type[SQLModel], column: str) -> int | None:
    """The declared length of `model.column` (its max_length), or None for a column without one."""
    return getattr(model.__table__.c[column].type, "length", None)  # type: ignore[attr-defined]


def fits(model: type[SQLModel], column: str, value: str | None) -> bool:
    limit = column_limit(model, column)
    return value is None or limit is None or len(value) <= limit


def cut_to_fit(model: type[SQLModel], column: str, value: str | None) -> str | None:
    """`value` cut to the column's length (a name, a locale: text that is still useful shortened)."""
    limit = column_limit(model, column)
    if value is None or limit is None or len(value) <= limit:
        return value
    return value[:limit]


def row_id(value: object) -> int | None:
    """An id from card data (anything) as a row id, or None for what can name no row: not a whole number, or
    outside 1..2^63-1 (the database would refuse to compare with it rather than find nothing)."""
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        return None  # true is not plan 1, nor is 1.5
    try:
        wanted = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None
    return wanted if 1 <= wanted <= ROW_ID_MAX else None
