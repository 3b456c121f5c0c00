"""A fresh database for each server under test: a SQLite file in a temporary folder, or a new PostgreSQL
database on the server scripts/postgres.sh starts (created before the run, dropped after it)."""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def postgres_server_url(explicit: str | None) -> str:
    """The server URL: --postgres-url, else KL_BENCH_POSTGRES_URL or KL_TEST_POSTGRES_URL, else the one
    scripts/postgres.sh starts (it is idempotent and prints the URL)."""
    url = explicit or os.environ.get("KL_BENCH_POSTGRES_URL") or os.environ.get("KL_TEST_POSTGRES_URL")
    if url:
        return url
    result = subprocess.run(["bash", str(REPO / "scripts" / "postgres.sh")], check=True, capture_output=True,
                            text=True)
    return result.stdout.strip().splitlines()[-1]


class Databases:
    def __init__(self, workdir: Path, postgres_url: str | None = None) -> None:
        self.workdir = workdir
        self.postgres_url = postgres_url
        self._admin = None

    def create(self, backend: str) -> str:
        if backend == "sqlite":
            folder = self.workdir / f"sqlite-{uuid.uuid4().hex[:8]}"
            folder.mkdir(parents=True)
            return f"sqlite:///{folder / 'kompetenslyft.db'}"
        from sqlalchemy import create_engine, text

        from store.db import normalise_url

        if self.postgres_url is None:
            raise RuntimeError("no PostgreSQL server URL")
        server = normalise_url(self.postgres_url)
        if self._admin is None:
            self._admin = create_engine(server, isolation_level="AUTOCOMMIT")
        name = f"kl_bench_{uuid.uuid4().hex[:12]}"
        with self._admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        return server.rsplit("/", 1)[0] + f"/{name}"

    def drop(self, url: str) -> None:
        if url.startswith("sqlite") or self._admin is None:
            return
        from sqlalchemy import text

        name = url.rsplit("/", 1)[1]
        with self._admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def close(self) -> None:
        if self._admin is not None:
            self._admin.dispose()
