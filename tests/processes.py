"""Real bot processes (`python -m bot`) for tests and benches of several instances on one database, and
recipients the outbox can reach through the fake connector without a turn each.

A process is started with its settings in the environment, is ready when /healthz answers, and can be
stopped as an orchestrator would (SIGTERM) or killed without warning (SIGKILL).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from store.db import Database
from store.models.core import Person

ROOT = Path(__file__).resolve().parent.parent
TENANT = "8e3f1d2a-7c4b-4a9e-9f0d-2b6c5a4e1f00"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class BotProcess:
    def __init__(self, database_url: str, *, log_path: Path, **environment: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self._env = {**os.environ, "DATABASE_URL": database_url, "HOST": "127.0.0.1", "PORT": str(self.port),
                     "MICROSOFT_APP_ID": "", "RUN_SCHEDULER": "false", "LOG_LEVEL": "INFO",
                     "WORKING_HOURS": "00:00-24:00", "WORKING_DAYS": "1-7", **environment}
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60.0) -> "BotProcess":
        self._log = open(self.log_path, "ab")
        self.process = subprocess.Popen([sys.executable, "-m", "bot", "serve"], cwd=ROOT, env=self._env,
                                        stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the bot exited with {self.process.returncode}: {self.log_path.read_text()[-2000:]}")
            try:
                self.get("/healthz")
                return self
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"the bot did not answer /healthz within {timeout:g} s")

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=5) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def post(self, path: str, body: dict[str, Any], timeout: float = 30.0) -> int:
        request = urllib.request.Request(self.url + path, data=json.dumps(body).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def metric(self, name: str) -> float | None:
        """A sample's value from /metrics (the first line that starts with `name`), or None."""
        _, text = self.get("/metrics")
        for line in text.splitlines():
            if line.startswith(name + " ") or line.startswith(name + "{"):
                return float(line.rsplit(" ", 1)[1])
        return None

    def kill(self) -> None:
        """kill -9: no cleanup, no goodbye."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def terminate(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def wait(self, timeout: float = 30.0) -> int:
        return self.process.wait(timeout)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()
        if getattr(self, "_log", None):
            self._log.close()


def reachable_people(db: Database, connector, count: int, *, tenant_id: str = TENANT, prefix: str = "p"
                     ) -> list[int]:
    """`count` people who have a chat with the bot (a stored conversation reference) at the fake connector."""
    rows, service_url = [], connector.base_url
    for n in range(count):
        aad, teams_id, conversation = f"00000000-0000-4000-8000-{n:012d}", f"29:{prefix}{n}", f"a:{prefix}{n}"
        connector.add_user(aad, teams_id, f"Person {n}", f"{prefix}{n}@example.se", tenant_id,
                           conversation_id=conversation)
        reference = {"activityId": None, "bot": {"id": "28:local-bot", "name": "Kompetenslyft"},
                     "channelId": "msteams", "serviceUrl": service_url, "locale": "sv-SE",
                     "conversation": {"conversationType": "personal", "id": conversation, "tenantId": tenant_id},
                     "user": {"id": teams_id, "aadObjectId": aad}}
        rows.append(dict(tenant_id=tenant_id, aad_object_id=aad, teams_user_id=teams_id, name=f"Person {n}",
                         locale="sv-SE", service_url=service_url, conversation_id=conversation,
                         conversation_reference=reference))
    ids = []
    with db.session() as session:
        for first in range(0, len(rows), 1000):
            people = [Person(**row) for row in rows[first:first + 1000]]
            session.add_all(people)
            session.flush()
            ids.extend(p.id for p in people)
    return ids
