"""The fake Teams connector in a process of its own, driven over a pipe by bench/turns.py.

Its own process, not a thread in the bot's: a thread there would take the bot's GIL for every reply it
records, so the bot would be charged for Teams' work. Here it costs the bot nothing but the HTTP call,
as the real connector does; its CPU shows up on the other core, and turns.py reports it separately.
"""

from __future__ import annotations

import multiprocessing
import re
import time
from collections import Counter
from multiprocessing.connection import Connection
from typing import Any


def _summary(connector) -> dict[str, Any]:
    """What arrived: counts per conversation and kind, refused requests, and the distinct reply shapes."""
    activities = connector.activities()
    per_conversation = Counter(a["_conversation_id"] for a in activities)
    kinds = Counter(a["_kind"] for a in activities)
    shapes: Counter[str] = Counter()
    for activity in activities:
        shapes[_shape(activity)] += 1
    refused = [(r.method, r.path, r.status) for r in connector.requests if r.status >= 300]
    return {
        "total": len(activities),
        "per_conversation": dict(per_conversation),
        "kinds": dict(kinds),
        "shapes": dict(shapes.most_common(5)),
        "refused": refused[:20],
        "refused_count": len(refused),
    }


def _shape(activity: dict[str, Any]) -> str:
    """A short description of a reply: its text prefix, or its card's first text; a second shape means a
    turn answered something else (an error card, say)."""
    from tests.fakes.connector import adaptive_cards

    cards = adaptive_cards(activity)
    if cards:
        # Numbers out: "Område 2 av 5" and "Område 3 av 5" are one shape (the next area of the assessment).
        first = re.sub(r"\d+", "N", _first_text(cards[0]) or "?")
        return f"card: {first[:40]}"
    text = activity.get("text") or ""
    return f"text: {text.split(' ')[0][:20]}"


def _first_text(node: Any) -> str | None:
    if isinstance(node, dict):
        if node.get("type") == "TextBlock":
            return node.get("text")
        for value in node.values():
            found = _first_text(value)
            if found:
                return found
    elif isinstance(node, list):
        for item in node:
            found = _first_text(item)
            if found:
                return found
    return None


def serve(conn: Connection) -> None:
    from tests.fakes.connector import FakeTeamsConnector

    connector = FakeTeamsConnector().start()
    conn.send(connector.base_url)
    try:
        while True:
            command, argument = conn.recv()
            if command == "stop":
                break
            if command == "register":
                for user in argument:
                    connector.register(user)
                conn.send(len(argument))
            elif command == "reset":
                connector.reset()
                conn.send(True)
            elif command == "wait":
                expected, timeout = argument
                deadline = time.monotonic() + timeout
                while len(connector.activities()) < expected and time.monotonic() < deadline:
                    time.sleep(0.05)
                # A short grace period to catch replies beyond those expected.
                time.sleep(0.2)
                conn.send(_summary(connector))
            else:
                conn.send(ValueError(f"unknown command {command!r}"))
    finally:
        connector.stop()


class ConnectorProcess:
    """Starts the fake connector in a spawned process; every call is one round trip over the pipe."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self.process = context.Process(target=serve, args=(child,), name="fake-connector", daemon=True)
        self.base_url = ""

    def start(self) -> "ConnectorProcess":
        self.process.start()
        if not self._conn.poll(60):
            raise RuntimeError("the fake connector process did not start within 60 s")
        self.base_url = self._conn.recv()
        return self

    @property
    def pid(self) -> int:
        return self.process.pid

    def _call(self, command: str, argument: Any = None) -> Any:
        self._conn.send((command, argument))
        result = self._conn.recv()
        if isinstance(result, Exception):
            raise result
        return result

    def register(self, users) -> None:
        self._call("register", list(users))

    def reset(self) -> None:
        self._call("reset")

    def wait_and_summarise(self, expected: int, timeout: float = 30.0) -> dict[str, Any]:
        return self._call("wait", (expected, timeout))

    def stop(self) -> None:
        if self.process.is_alive():
            self._conn.send(("stop", None))
            self.process.join(10)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)
