"""The database: engine for SQLite or PostgreSQL, one session per unit of work, and migrations."""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import InvalidatePoolError
from sqlmodel import Session, create_engine

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).parent / "migrations"


def normalise_url(url: str) -> str:
    """`postgresql://` would pick psycopg2, which we do not ship; we use psycopg 3."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        # Turns run in worker threads; SQLite waits for a busy writer instead of failing.
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # psycopg's own cursor and transactions (store/postgres_driver.py, which ran plain SELECTs outside a
    # transaction, was removed: bench/README.md). SQLAlchemy imports psycopg only here, for a PostgreSQL URL.
    engine = create_engine(url, pool_size=POSTGRES_POOL_SIZE, max_overflow=10)
    _ping_connections_that_sat_idle(engine)
    return engine


# pool_pre_ping pinged PostgreSQL at every checkout: one round trip of the six an area answer makes, about
# 0.2 ms of the bot's CPU each (bench/README.md). A connection that came back to the pool moments ago is
# alive; one that sat idle may have been dropped by a restart or a firewall, so only those are pinged, and
# a dead one is replaced (and the pool with it, as pre-ping did) before any turn sees it.
PING_AFTER_IDLE_SECONDS = 5.0
_RETURNED_AT = "kl_returned_at"


def _ping_connections_that_sat_idle(engine: Engine) -> None:
    dialect = engine.dialect

    @event.listens_for(engine, "connect")
    def connected(_dbapi_connection, record) -> None:
        record.info[_RETURNED_AT] = time.monotonic()  # a new connection needs no ping

    @event.listens_for(engine, "checkin")
    def returned(_dbapi_connection, record) -> None:
        if record is not None:
            record.info[_RETURNED_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def checked_out(dbapi_connection, record, _proxy) -> None:
        if time.monotonic() - record.info.get(_RETURNED_AT, float("-inf")) < PING_AFTER_IDLE_SECONDS:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            raise InvalidatePoolError(f"an idle connection failed its ping: {error}") from error


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# Connections PostgreSQL keeps open for this process (pool_size): turns, the outbox worker and the jobs.
POSTGRES_POOL_SIZE = 10
# Threads that run turns on PostgreSQL: enough to overlap one turn's round trips with another's Python, few
# enough not to fight over the GIL. bench/turns.py, area answers with 50 people on 2 cores: 2 or 3 threads
# 178/s, 4 threads 170/s, 10 threads 154/s (each turn then waited longer for the GIL than it ran).
POSTGRES_TURN_THREADS = 3


class Database:
    def __init__(self, url: str) -> None:
        import store.catalogue  # noqa: F401  (its hooks raise the catalogue's version with every activity change)

        self.url = normalise_url(url)
        self.engine = make_engine(self.url)

    @property
    def useful_concurrency(self) -> int:
        """How many sessions can make progress at once, so how many threads should run turns.

        SQLite has one writer at a time, and a second writer waits in SQLite's busy handler, which sleeps
        in steps of up to 100 ms: with six threads, turns queued there behind each other for up to a
        second under load (bench/turns.py, 50 people). One thread runs them in arrival order instead.
        """
        return 1 if self.engine.dialect.name == "sqlite" else POSTGRES_TURN_THREADS

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed when the block ends normally, rolled back otherwise."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def migrate(self) -> None:
        upgrade(self.url, engine=self.engine)

    def status(self) -> dict[str, str]:
        try:
            with self.engine.connect() as connection:
                revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
            return {"status": "ok", "dialect": self.engine.dialect.name, "revision": revision or "none"}
        except Exception as error:  # the health check reports, it never raises
            log.warning("database health check failed: %s", error)
            return {"status": "unavailable", "dialect": self.engine.dialect.name, "error": type(error).__name__}

    def dispose(self) -> None:
        self.engine.dispose()


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head", *, engine: Engine | None = None) -> None:
    config = alembic_config(url)
    if engine is not None:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    else:
        command.upgrade(config, revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)
