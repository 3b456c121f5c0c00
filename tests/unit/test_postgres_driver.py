"""Our psycopg cursor (store/postgres_driver.py) changes how many round trips a turn costs on PostgreSQL, never
what a transaction means: writes stay atomic, locks are held until commit, and results read the same."""

from __future__ import annotations

import psycopg
import pytest
from psycopg.pq import TransactionStatus
from sqlalchemy import text

from store.db import Database
from store.postgres_driver import TurnCursor, is_plain_read

postgres_only = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)


@pytest.fixture
def db(database_url):
    database = Database(database_url)
    database.migrate()
    with database.engine.begin() as connection:
        connection.execute(text("CREATE TABLE driver_probe (id int PRIMARY KEY, value text)"))
        connection.execute(text("INSERT INTO driver_probe VALUES (1, 'one')"))
    yield database
    database.dispose()


def _status(session) -> TransactionStatus:
    return session.connection().connection.driver_connection.info.transaction_status


def _other_connection(db: Database) -> psycopg.Connection:
    return psycopg.connect(db.engine.url.render_as_string(hide_password=False).replace("+psycopg", ""),
                           autocommit=True)


@postgres_only
def test_a_session_that_only_reads_opens_no_transaction_on_the_server(db):
    with db.session() as session:
        assert session.execute(text("SELECT value FROM driver_probe WHERE id = 1")).scalar() == "one"
        assert _status(session) is TransactionStatus.IDLE, "no BEGIN was sent, so no COMMIT is needed"


@postgres_only
def test_the_first_write_opens_the_transaction_and_a_failure_rolls_back_every_write(db):
    with pytest.raises(RuntimeError):
        with db.session() as session:
            session.execute(text("SELECT 1"))
            session.execute(text("UPDATE driver_probe SET value = 'changed' WHERE id = 1"))
            assert _status(session) is TransactionStatus.INTRANS
            session.execute(text("INSERT INTO driver_probe VALUES (2, 'two')"))
            raise RuntimeError("the turn fails after two writes")
    with db.session() as session:
        assert session.execute(text("SELECT id, value FROM driver_probe ORDER BY id")).all() == [(1, "one")]


@postgres_only
def test_a_committed_session_keeps_all_its_writes(db):
    with db.session() as session:
        session.execute(text("UPDATE driver_probe SET value = 'changed' WHERE id = 1"))
        session.execute(text("INSERT INTO driver_probe VALUES (2, 'two')"))
    with db.session() as session:
        assert session.execute(text("SELECT id, value FROM driver_probe ORDER BY id")).all() == [
            (1, "changed"), (2, "two")]


@postgres_only
def test_a_row_locked_by_select_for_update_stays_locked_until_commit(db):
    other = _other_connection(db)
    try:
        with db.session() as session:
            session.execute(text("SELECT value FROM driver_probe WHERE id = 1 FOR UPDATE"))
            with pytest.raises(psycopg.errors.LockNotAvailable):
                other.execute("SELECT value FROM driver_probe WHERE id = 1 FOR UPDATE NOWAIT")
        other.execute("SELECT value FROM driver_probe WHERE id = 1 FOR UPDATE NOWAIT")  # free after commit
    finally:
        other.close()


@postgres_only
def test_an_advisory_transaction_lock_is_held_until_commit(db):
    other = _other_connection(db)
    try:
        with db.session() as session:
            assert session.execute(text("SELECT pg_try_advisory_xact_lock(4242)")).scalar() is True
            assert other.execute("SELECT pg_try_advisory_xact_lock(4242)").fetchone()[0] is False
        assert other.execute("SELECT pg_try_advisory_lock(4242)").fetchone()[0] is True
        other.execute("SELECT pg_advisory_unlock(4242)")
    finally:
        other.close()


@postgres_only
def test_executemany_as_the_first_statement_is_atomic(db):
    with pytest.raises(Exception):
        with db.session() as session:
            session.execute(text("INSERT INTO driver_probe VALUES (:id, :value)"),
                            [{"id": 3, "value": "three"}, {"id": 1, "value": "duplicate"}])
    with db.session() as session:
        assert session.execute(text("SELECT count(*) FROM driver_probe")).scalar() == 1, "row 3 was rolled back"


@postgres_only
def test_the_lazy_description_reads_as_psycopgs_own(db):
    query = "SELECT id, value, now() AS at FROM driver_probe"
    with _other_connection(db) as plain, _other_connection(db) as ours:
        expected = plain.execute(query).description
        cursor = TurnCursor(ours)
        description = cursor.execute(query).description
        assert len(description) == 3
        assert [tuple(c) for c in description] == [tuple(c) for c in expected]  # name, type, sizes, ...
        assert description[-1].name == "at" and description[0:1][0].name == "id"
        assert cursor.execute("UPDATE driver_probe SET value = value WHERE false").description is None


@pytest.mark.parametrize("statement, plain", [
    ("SELECT person.id FROM person WHERE person.id = %(id)s", True),
    ("  select 1", True),
    ("SHOW transaction_isolation", True),
    ("SELECT a.id FROM assessment AS a WHERE a.id = %(id)s FOR UPDATE OF a", False),
    ("SELECT id FROM outbox FOR UPDATE SKIP LOCKED", False),
    ("SELECT id FROM t FOR NO KEY UPDATE", False),
    ("SELECT id FROM t FOR SHARE", False),
    ("SELECT pg_try_advisory_xact_lock(%(key)s)", False),
    ("SELECT nextval('seq')", False),
    ("WITH moved AS (DELETE FROM t RETURNING *) SELECT * FROM moved", False),
    ("UPDATE t SET a = 1", False),
    ("SAVEPOINT sa_savepoint_1", False),
    ("CREATE TABLE t (id int)", False),
])
def test_only_plain_selects_run_outside_a_transaction(statement, plain):
    assert is_plain_read(statement) is plain
