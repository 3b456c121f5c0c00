"""How we talk to PostgreSQL through psycopg 3: fewer round trips and less Python per statement.

The bot is bound by one core's worth of Python (bench/README.md), and on PostgreSQL every statement costs it
CPU for the round trip besides the wait. psycopg sends `BEGIN` before the first statement of every
transaction and SQLAlchemy `COMMIT` at its end, even when the transaction only read. Two changes, both
invisible to SQLAlchemy and to our code:

- **A transaction starts at the first statement that needs one.** Connections are in autocommit mode, and
  a plain `SELECT` with no transaction open runs on its own, as it would have as the first statement of a
  READ COMMITTED transaction: it sees what was committed when it started and holds no lock. Any other
  statement (a write, `SELECT ... FOR UPDATE`, an advisory lock, DDL, `SAVEPOINT`) is preceded by `BEGIN`,
  and from then on every statement is in that transaction until SQLAlchemy commits or rolls back (psycopg
  sends `COMMIT`/`ROLLBACK` only when the server says a transaction is open). A turn that only reads sends
  neither `BEGIN` nor `COMMIT`.
- **`cursor.description` builds its Column objects only when one is read.** SQLAlchemy asks for the
  description after every statement but, for the statements it has compiled before, only checks that it is
  not None; psycopg built a Column (name, type lookup) for every column of every result.

Folding `BEGIN` into the first write's round trip (a psycopg pipeline) was measured too: it saves the round
trip's wait but no CPU (the pipeline's own Python costs as much), so it is not done.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import psycopg
from psycopg import Column
from psycopg.pq import ExecStatus, TransactionStatus

_BEGIN = b"BEGIN"
_RETURNS_ROWS = frozenset({ExecStatus.TUPLES_OK, ExecStatus.SINGLE_TUPLE, ExecStatus.TUPLES_CHUNK})

_PLAIN_SELECT = re.compile(r"\s*(?:SELECT|SHOW)\b", re.IGNORECASE)
# What makes a SELECT more than a read: row locks, advisory locks (held until the transaction ends), and
# functions that change state. Anything not recognised as a plain read opens the transaction.
_MORE_THAN_A_READ = re.compile(
    r"\bFOR\s+(?:NO\s+KEY\s+)?UPDATE\b|\bFOR\s+(?:KEY\s+)?SHARE\b|advisory|\bnextval\s*\(|\bsetval\s*\("
    r"|\bset_config\s*\(|\bpg_notify\s*\(",
    re.IGNORECASE,
)


@lru_cache(maxsize=1024)
def _plain_read(query: str | bytes) -> bool:
    text = query.decode("utf-8", "replace") if isinstance(query, bytes) else query
    return bool(_PLAIN_SELECT.match(text)) and not _MORE_THAN_A_READ.search(text)


def is_plain_read(query: Any) -> bool:
    """True for a statement that may run outside a transaction without changing what it means."""
    return isinstance(query, (str, bytes)) and _plain_read(query)


class TurnCursor(psycopg.Cursor):
    """The cursor SQLAlchemy gets on our connections (see the module's docstring)."""

    def execute(self, query, params=None, *, prepare=None, binary=None):  # type: ignore[override]
        self._begin_unless_plain_read(query)
        return super().execute(query, params, prepare=prepare, binary=binary)

    def executemany(self, query, params_seq, *, returning=False):  # type: ignore[override]
        self._begin_unless_plain_read(query)
        return super().executemany(query, params_seq, returning=returning)

    def _begin_unless_plain_read(self, query) -> None:
        if self._conn.pgconn.transaction_status == TransactionStatus.IDLE and not is_plain_read(query):
            super().execute(_BEGIN, prepare=False)

    @property
    def description(self) -> Sequence[Column] | None:
        result = self.pgresult
        if result is not None and (result.nfields or result.status in _RETURNS_ROWS):
            return _Description(self, result.nfields)
        return None


class _ResultAsSeen:
    """What psycopg's Column reads from its cursor, kept as it was when the description was asked for."""

    __slots__ = ("pgresult", "_encoding", "adapters")

    def __init__(self, cursor: psycopg.Cursor) -> None:
        self.pgresult = cursor.pgresult
        self._encoding = cursor._encoding
        self.adapters = cursor.adapters


class _Description(Sequence):
    """cursor.description as psycopg gives it, its columns built on first use."""

    __slots__ = ("_result", "_count", "_columns")

    def __init__(self, cursor: psycopg.Cursor, count: int) -> None:
        self._result = _ResultAsSeen(cursor)
        self._count = count
        self._columns: list[Column] | None = None

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index):  # type: ignore[override]
        if self._columns is None:
            self._columns = [Column(self._result, i) for i in range(self._count)]  # type: ignore[arg-type]
        return self._columns[index]

    def __repr__(self) -> str:
        return repr(list(self))


def connect_args() -> dict[str, Any]:
    """psycopg.connect() arguments for every connection of our engine."""
    return {"autocommit": True, "cursor_factory": TurnCursor}
