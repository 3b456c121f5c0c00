"""The load generator: N concurrent simulated people in ONE process, an aiohttp client with keep-alive.

Each client is one Teams user in a personal chat who posts the scenario's activity (built by
tests/fakes/activities.py), waits for the answer, and posts again at once. Completions inside the
measured window count towards throughput and latency; every answer, warm-up included, is checked, and
every non-2xx (or a 2xx with the wrong body) is an error. The process also samples the CPU time of the
bot and the fake connector around the window, so turns.py can report CPU per turn.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU of a process and all its threads, from /proc."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


def machine_cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, to tell whether both cores were saturated."""
    with open("/proc/stat", encoding="ascii") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    idle = values[3] + values[4]
    total = sum(values[:8])
    return total - idle, total


@dataclass
class Client:
    user: Any  # tests.fakes.activities.TeamsUser
    service_url: str
    sent: int = 0
    ok: int = 0
    state: dict[str, Any] = field(default_factory=dict)


class Scenario:
    name = ""
    # Replies the bot sends through the connector for each successful turn (0 for an invoke answered in place).
    replies_per_turn = 1

    def activity(self, client: Client) -> dict[str, Any]:
        raise NotImplementedError

    def check(self, client: Client, status: int, raw: bytes) -> str | None:
        """None if the answer is right, else why not."""
        return None


class EchoScenario(Scenario):
    name = "echo"

    def activity(self, client: Client) -> dict[str, Any]:
        from tests.fakes import activities as teams

        return teams.text(client.user, f"hej {client.sent}", service_url=client.service_url)


class HelpScenario(Scenario):
    """Typed "hjälp": the menu card goes back as a reply through the connector."""

    name = "help"

    def activity(self, client: Client) -> dict[str, Any]:
        from tests.fakes import activities as teams

        return teams.text(client.user, "hjälp", service_url=client.service_url)


class CardScenario(Scenario):
    """Action.Execute of Verb.HELP: the menu comes back as the replacement card, no outbound call."""

    name = "card"
    replies_per_turn = 0

    def activity(self, client: Client) -> dict[str, Any]:
        from cards.verbs import Verb
        from tests.fakes import activities as teams

        # As the card sends it: the verb and, once known, the addressee our cards stamp on every action.
        data: dict[str, Any] = {"verb": str(Verb.HELP)}
        if "to" in client.state:
            data["to"] = client.state["to"]
        return teams.execute(client.user, Verb.HELP, data, service_url=client.service_url)

    def check(self, client: Client, status: int, raw: bytes) -> str | None:
        try:
            body = json.loads(raw)
        except ValueError:
            return f"invoke answered {status} with a body that is not JSON: {raw[:80]!r}"
        if not isinstance(body, dict) or body.get("type") != ADAPTIVE_CARD or \
                (body.get("value") or {}).get("type") != "AdaptiveCard":
            return f"invoke answered {status} without a replacement card: {str(body)[:120]}"
        if "to" not in client.state:
            addressee = _addressee(body["value"])
            if addressee is not None:
                client.state["to"] = addressee
        return None


def _addressee(node: Any) -> Any:
    if isinstance(node, dict):
        if str(node.get("type", "")).startswith("Action.") and isinstance(node.get("data"), dict) \
                and "to" in node["data"]:
            return node["data"]["to"]
        for value in node.values():
            found = _addressee(value)
            if found is not None:
                return found
    elif isinstance(node, list):
        for item in node:
            found = _addressee(item)
            if found is not None:
                return found
    return None


SCENARIOS: dict[str, type[Scenario]] = {
    EchoScenario.name: EchoScenario,
    HelpScenario.name: HelpScenario,
    CardScenario.name: CardScenario,
}


@dataclass
class LoadSpec:
    bot_url: str
    service_url: str
    scenario: str
    users: list[Any]
    warmup: float
    seconds: float
    server_pid: int
    connector_pid: int


async def _drive(spec: LoadSpec, on_start=None) -> dict[str, Any]:
    import aiohttp

    scenario = SCENARIOS[spec.scenario]()
    clients = [Client(user, spec.service_url) for user in spec.users]
    url = f"{spec.bot_url}/api/messages"
    headers = {"Content-Type": "application/json"}
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    loop = asyncio.get_running_loop()
    started = loop.time()
    if on_start:
        on_start()
    window_start = started + spec.warmup
    window_end = window_start + spec.seconds
    samples: dict[str, dict[str, Any]] = {}

    def sample(label: str) -> None:
        samples[label] = {
            "at": loop.time(),
            "server": process_cpu_seconds(spec.server_pid),
            "connector": process_cpu_seconds(spec.connector_pid),
            "load": process_cpu_seconds(os.getpid()),
            "machine": machine_cpu_ticks(),
        }

    async def sampler() -> None:
        await asyncio.sleep(max(0.0, window_start - loop.time()))
        sample("start")
        await asyncio.sleep(max(0.0, window_end - loop.time()))
        sample("end")

    async def run_client(session: aiohttp.ClientSession, client: Client) -> None:
        while loop.time() < window_end:
            body = json.dumps(scenario.activity(client)).encode()
            client.sent += 1
            begun = loop.time()
            try:
                async with session.post(url, data=body, headers=headers) as response:
                    raw = await response.read()
                    status = response.status
            except Exception as error:  # a refused or reset connection is an error of the run, not a crash
                errors[f"{type(error).__name__}: {error}"[:200]] += 1
                await asyncio.sleep(0.05)
                continue
            done = loop.time()
            if not 200 <= status < 300:
                errors[f"HTTP {status}: {raw[:160].decode('utf-8', 'replace')}"] += 1
                continue
            problem = scenario.check(client, status, raw)
            if problem:
                errors[problem] += 1
                continue
            client.ok += 1
            if window_start <= done <= window_end:
                latencies.append((done - begun) * 1000)

    connector = aiohttp.TCPConnector(limit=len(clients), limit_per_host=len(clients))
    async with aiohttp.ClientSession(connector=connector) as session:
        sampling = asyncio.create_task(sampler())
        await asyncio.gather(*(run_client(session, client) for client in clients))
        await sampling
    start, end = samples["start"], samples["end"]

    def cpu(key: str) -> float | None:
        if start[key] is None or end[key] is None:
            return None
        return end[key] - start[key]

    busy = end["machine"][0] - start["machine"][0]
    total = end["machine"][1] - start["machine"][1]
    return {
        "scenario": spec.scenario,
        "window_seconds": end["at"] - start["at"],
        "latencies_ms": latencies,
        "errors": dict(errors),
        "sent": sum(c.sent for c in clients),
        "ok": sum(c.ok for c in clients),
        "expected_replies": {c.user.conversation_id: c.ok * scenario.replies_per_turn for c in clients},
        "cpu_seconds": {"server": cpu("server"), "connector": cpu("connector"), "load": cpu("load")},
        "machine_busy": busy / total if total else None,
        "elapsed": loop.time() - started,
    }


def run(spec: LoadSpec, conn) -> None:
    """Entry point of the load process: drives the scenario and sends the result back over the pipe."""
    try:
        conn.send(asyncio.run(_drive(spec, on_start=lambda: conn.send("started"))))
    except BaseException as error:  # reported by turns.py
        import traceback

        conn.send(RuntimeError(f"load generator failed: {error}\n{traceback.format_exc()}"))


def run_load(spec: LoadSpec, timeout: float, on_start=None) -> dict[str, Any]:
    """Runs the load process; `on_start()` is called in this process when its clients begin."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=run, args=(spec, child), name="bench-load", daemon=True)
    process.start()
    try:
        if not parent.poll(60):
            raise RuntimeError("the load generator did not start within 60 s")
        result = parent.recv()
        if result == "started":
            if on_start:
                on_start()
            if not parent.poll(timeout):
                raise RuntimeError(f"the load generator gave no result within {timeout:g} s")
            result = parent.recv()
    finally:
        process.join(10)
        if process.is_alive():
            process.terminate()
    if isinstance(result, Exception):
        raise result
    return result
