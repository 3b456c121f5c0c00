"""The load generator: N concurrent simulated people in ONE process, an aiohttp client with keep-alive.

Each client is one Teams user in a personal chat (or a queue of them, one after another) who posts the
scenario's activity (built by tests/fakes/activities.py), waits for the answer, and posts again at once.
Completions inside the measured window count towards throughput and latency; every answer, warm-up
included, is checked, and every non-2xx (or a 2xx with the wrong body) is an error. The process also
samples the CPU time of the bot and the fake connector around the window, so turns.py can report CPU per
turn.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from cards.walk import actions as iter_actions, inputs as iter_inputs, texts as card_texts

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
    state: dict[str, Any] = field(default_factory=dict)
    ok: Counter = field(default_factory=Counter)  # successful turns by kind
    prepared: Counter = field(default_factory=Counter)  # those of `ok` done before the clock started


class Scenario:
    """One kind of traffic. A turn's kind is decided by its answer (check); `measured` kinds make the
    figures, the others (the area flow's restarts) are counted apart."""

    name = ""
    measured: frozenset[str] = frozenset({"turn"})
    # Replies the bot sends through the connector per successful turn of each kind (an invoke answered in
    # place sends none).
    replies: dict[str, int] = {"turn": 1}

    def __init__(self, seed: int = 0) -> None:
        self.random = random.Random(seed)

    async def prepare(self, client: Client, post) -> None:
        """Before the clock starts: bring the person to where the measured turns begin (over HTTP)."""

    def activity(self, client: Client) -> dict[str, Any]:
        raise NotImplementedError

    def check(self, client: Client, status: int, raw: bytes) -> tuple[str, str | None]:
        """(the turn's kind, None) if the answer is right, else (kind, why not)."""
        return "turn", None

    def moves_on(self, kind: str) -> bool:
        """Whether a turn of this kind ends the person's part: the client goes on with its next prepared
        person, if it has one."""
        return False


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


def _execute(client: Client, action: dict[str, Any], inputs: dict[str, Any] | None = None) -> dict[str, Any]:
    """What Teams posts when the person presses an Action.Execute: its verb, its data merged with the inputs."""
    from tests.fakes import activities as teams

    return teams.execute(client.user, action["verb"], {**action.get("data", {}), **(inputs or {})},
                         service_url=client.service_url)


def _replacement_card(status: int, raw: bytes) -> tuple[dict[str, Any] | None, str | None]:
    try:
        body = json.loads(raw)
    except ValueError:
        return None, f"invoke answered {status} with a body that is not JSON: {raw[:80]!r}"
    if not isinstance(body, dict) or body.get("type") != ADAPTIVE_CARD or \
            (body.get("value") or {}).get("type") != "AdaptiveCard":
        return None, f"invoke answered {status} without a replacement card: {str(body)[:120]}"
    return body["value"], None


class CardScenario(Scenario):
    """Action.Execute of Verb.HELP: the menu comes back as the replacement card, no outbound call."""

    name = "card"
    replies = {"turn": 0}

    def activity(self, client: Client) -> dict[str, Any]:
        from cards.verbs import Verb

        # As a card sends it: the verb and, once known, the addressee our cards stamp on every action.
        data: dict[str, Any] = {"verb": str(Verb.HELP)}
        if "to" in client.state:
            data["to"] = client.state["to"]
        return _execute(client, {"verb": str(Verb.HELP), "data": data})

    def check(self, client: Client, status: int, raw: bytes) -> tuple[str, str | None]:
        card, problem = _replacement_card(status, raw)
        if problem:
            return "turn", problem
        if "to" not in client.state:
            for action in iter_actions(card):
                if isinstance(action.get("data"), dict) and "to" in action["data"]:
                    client.state["to"] = action["data"]["to"]
                    break
        return "turn", None


class AreaScenario(Scenario):
    """The self-assessment, long mode, driven by reading each card the bot answers with, as Teams would:
    press one of the statement card's answer buttons (Action.Execute, at random).

    Measured kinds: "answer" (the statement saved, its card replaced in place by the next statement) and
    "finish" (the last statement saved, scored, the "Klart!" card). To keep going, a finished person starts
    over: "skattning" (sent as Action.Execute so its answer comes back in the response to be read), which
    within 30 days asks first, its "yes", and the long mode's button; those are counted as "start" and "mode",
    apart. (The name "area" is the subject's since the long mode answered an area per card.)
    """

    name = "area"
    measured = frozenset({"answer", "finish"})
    replies = {"answer": 0, "finish": 0, "start": 0, "mode": 0, "resume": 0}

    async def prepare(self, client: Client, post) -> None:
        # "skattning" from the menu, as a card action, then the long mode: the first statement's card.
        for _ in range(3):
            if client.state.get("card") is not None and card_action(client.state["card"], "assessment.answer"):
                return
            activity = self.activity(client)
            status, raw = await post(activity)
            if not 200 <= status < 300:
                raise RuntimeError(f"preparing {client.user.name}: HTTP {status} {raw[:120]!r}")
            kind, problem = self.check(client, status, raw)
            if problem:
                raise RuntimeError(f"preparing {client.user.name}: {problem}")
            client.ok[kind] += 1  # counted for the replies the connector must have, not for the figures
        raise RuntimeError(f"preparing {client.user.name}: no statement card after three turns")

    def activity(self, client: Client) -> dict[str, Any]:
        card = client.state.get("card")
        answers = answer_actions(card) if card else []
        if answers:
            answer = self.random.choice(answers)
            client.state["pending"] = ("answer", answer["data"])
            return _execute(client, answer)
        mode = card_action(card, "assessment.mode", mode="long") if card else None
        if mode is not None:
            client.state["pending"] = ("mode", None)
            return _execute(client, mode)
        resume = card_action(card, "assessment.resume") if card else None
        if resume is not None:
            client.state["pending"] = ("resume", None)
            return _execute(client, resume)
        # A profile card (its "new assessment" button), or nothing usable yet: start (or find) an assessment.
        start = (card_action(card, "assessment.start") if card else None) or \
            {"verb": "assessment.start", "data": {"verb": "assessment.start", **client.state.get("to", {})}}
        client.state["pending"] = ("start", None)
        return _execute(client, {"verb": start.get("verb") or start["data"]["verb"], "data": start["data"]})

    def check(self, client: Client, status: int, raw: bytes) -> tuple[str, str | None]:
        kind, answered = client.state.pop("pending")
        step = answered.get("step") if isinstance(answered, dict) else None
        card, problem = _replacement_card(status, raw)
        client.state["card"] = card
        if problem:
            return kind, problem
        for action in iter_actions(card):
            if isinstance(action.get("data"), dict) and "to" in action["data"]:
                client.state["to"] = {"to": action["data"]["to"]}
                break
        following = card_action(card, "assessment.answer")
        if kind == "answer":
            if following is None:
                kind = "finish"
                if card_action(card, "plan.show") is None:
                    return kind, f"the last statement's answer did not show the ending: {_texts(card)}"
            elif following["data"].get("step") != step + 1:
                return kind, f"statement {step} answered, then {following['data'].get('step')}: {_texts(card)}"
        elif kind in ("mode", "resume") and following is None:
            return kind, f"{kind} did not show a statement card: {_texts(card)}"
        elif kind == "start" and card_action(card, "assessment.mode") is None and \
                card_action(card, "assessment.resume") is None and card_action(card, "assessment.start") is None:
            return kind, f"start showed neither the mode nor the resume card: {_texts(card)}"
        return kind, None


class AnswersScenario(AreaScenario):
    """The answer turn alone: as AreaScenario, but nobody starts an assessment once the clock runs.

    Each client has a queue of people whose assessments were prepared before the clock started (the same
    start, long mode, first statement card); when its person finishes (the "Klart!" card), it answers its next
    person's first statement card. Only a client that has run out of prepared people starts its last one over,
    with "start" and "mode" turns counted apart as in AreaScenario (turns.py warns then).
    """

    name = "answers"

    def moves_on(self, kind: str) -> bool:
        return kind == "finish"


def answer_actions(card: dict[str, Any]) -> list[dict[str, Any]]:
    """The answer buttons (Action.Execute) of a long-mode statement card: one per answer on the scale."""
    return [action for action in iter_actions(card)
            if action["type"] == "Action.Execute" and action.get("verb") == "assessment.answer"]


def card_action(card: dict[str, Any], verb: str, **data: Any) -> dict[str, Any] | None:
    """The card's first action (Execute preferred over a Submit) with this verb and data."""
    found = None
    for action in iter_actions(card):
        action_data = action.get("data") if isinstance(action.get("data"), dict) else {}
        action_verb = action.get("verb") or action_data.get("verb")
        if action_verb == verb and all(action_data.get(k) == v for k, v in data.items()):
            if action["type"] == "Action.Execute":
                return action
            found = found or action
    return found


def _texts(card: dict[str, Any] | None) -> str:
    return " | ".join(card_texts(card))[:160]


@dataclass(frozen=True)
class TurnOutcome:
    """One activity posted and its answer judged: `kind` of a good answer, None after an error (counted)."""

    kind: str | None
    status: int | None  # None: no HTTP answer at all (a refused or reset connection)


async def take_turn(scenario: Scenario, client: Client, post, errors: Counter[str]) -> TurnOutcome:
    """Posts the client's next activity, checks the answer as the scenario expects it, and counts an error
    (forgetting the card, so the client starts from a known point) instead of raising."""
    activity = scenario.activity(client)
    client.sent += 1
    try:
        status, raw = await post(activity)
    except Exception as error:  # a refused or reset connection is an error of the run, not a crash
        errors[f"{type(error).__name__}: {error}"[:200]] += 1
        client.state.pop("pending", None)
        client.state["card"] = None
        return TurnOutcome(None, None)
    if not 200 <= status < 300:
        errors[f"HTTP {status}: {raw[:160].decode('utf-8', 'replace')}"] += 1
        client.state.pop("pending", None)
        client.state["card"] = None
        return TurnOutcome(None, status)
    kind, problem = scenario.check(client, status, raw)
    if problem:
        errors[problem] += 1
        return TurnOutcome(None, status)
    client.ok[kind] += 1
    return TurnOutcome(kind, status)


SCENARIOS: dict[str, type[Scenario]] = {
    EchoScenario.name: EchoScenario,
    HelpScenario.name: HelpScenario,
    CardScenario.name: CardScenario,
    AreaScenario.name: AreaScenario,
    AnswersScenario.name: AnswersScenario,
}


@dataclass
class LoadSpec:
    """`users`: every person, client by client; each client is `people_per_client` consecutive people, the
    first of them its person when the clock starts and the others its queue (see AnswersScenario)."""

    bot_url: str
    service_url: str
    scenario: str
    users: list[Any]
    warmup: float
    seconds: float
    server_pid: int
    connector_pid: int
    seed: int = 0
    people_per_client: int = 1
    # Instead of a window of time: each client takes this many turns after preparation, all of them measured
    # (no warm-up). A run that ends by count, not by clock: what the smoke test uses, on any machine's speed.
    turns: int | None = None


async def _drive(spec: LoadSpec, on_start=None) -> dict[str, Any]:
    import aiohttp

    scenario = SCENARIOS[spec.scenario](seed=spec.seed)
    clients = [Client(user, spec.service_url) for user in spec.users]
    # One lane per concurrent client: the people it posts for, one after another.
    lanes = [clients[i:i + spec.people_per_client] for i in range(0, len(clients), spec.people_per_client)]
    url = f"{spec.bot_url}/api/messages"
    headers = {"Content-Type": "application/json"}
    latencies: dict[str, list[float]] = {}
    errors: Counter[str] = Counter()
    loop = asyncio.get_running_loop()
    samples: dict[str, dict[str, Any]] = {}

    def sample(label: str) -> None:
        samples[label] = {
            "at": loop.time(),
            "server": process_cpu_seconds(spec.server_pid),
            "connector": process_cpu_seconds(spec.connector_pid),
            "load": process_cpu_seconds(os.getpid()),
            "machine": machine_cpu_ticks(),
        }

    connector = aiohttp.TCPConnector(limit=len(lanes), limit_per_host=len(lanes))
    async with aiohttp.ClientSession(connector=connector) as session:

        async def post(activity: dict[str, Any]) -> tuple[int, bytes]:
            async with session.post(url, data=json.dumps(activity).encode(), headers=headers) as response:
                return response.status, await response.read()

        async def prepare(lane: list[Client]) -> None:
            for client in lane:
                await scenario.prepare(client, post)
                client.prepared = Counter(client.ok)

        # Preparation (the area flow's started assessments) is over HTTP too, but before the clock starts,
        # all clients at once, each its people one after another; its turns count for the replies expected,
        # not for the figures.
        prepared_at = loop.time()
        await asyncio.gather(*(prepare(lane) for lane in lanes))
        prepare_seconds = loop.time() - prepared_at

        started = loop.time()
        if on_start:
            on_start()
        by_count = spec.turns is not None
        window_start = started if by_count else started + spec.warmup
        window_end = math.inf if by_count else window_start + spec.seconds

        async def sampler() -> None:
            if by_count:
                sample("start")
                await clients_done.wait()
            else:
                await asyncio.sleep(max(0.0, window_start - loop.time()))
                sample("start")
                await asyncio.sleep(max(0.0, window_end - loop.time()))
            sample("end")

        clients_done = asyncio.Event()

        ran_out: set[int] = set()  # clients (by number) that finished their last prepared person in time

        async def run_client(number: int, lane: list[Client]) -> None:
            position, taken = 0, 0

            def going_on() -> bool:
                return taken < spec.turns if by_count else loop.time() < window_end

            while going_on():
                client = lane[position]
                begun = loop.time()
                turn = await take_turn(scenario, client, post, errors)
                done = loop.time()
                taken += 1
                if turn.status is None:
                    await asyncio.sleep(0.05)  # the connection failed: do not spin
                if turn.kind is None:
                    continue
                kind = turn.kind
                if window_start <= done <= window_end:
                    latencies.setdefault(kind, []).append((done - begun) * 1000)
                if scenario.moves_on(kind):
                    if position + 1 < len(lane):
                        position += 1
                    elif going_on():
                        ran_out.add(number)  # the last person goes on: it starts over

        sampling = asyncio.create_task(sampler())
        await asyncio.gather(*(run_client(number, lane) for number, lane in enumerate(lanes)))
        clients_done.set()
        await sampling
    start, end = samples["start"], samples["end"]

    def cpu(key: str) -> float | None:
        if start[key] is None or end[key] is None:
            return None
        return end[key] - start[key]

    busy = end["machine"][0] - start["machine"][0]
    total = end["machine"][1] - start["machine"][1]
    expected = {c.user.conversation_id: sum(scenario.replies.get(k, 0) * n for k, n in c.ok.items())
                for c in clients}
    return {
        "scenario": spec.scenario,
        "measured_kinds": sorted(scenario.measured),
        "window_seconds": end["at"] - start["at"],
        "latencies_ms": latencies,
        "errors": dict(errors),
        "sent": sum(c.sent for c in clients),
        "ok": dict(sum((c.ok for c in clients), Counter())),
        # Warm-up, window and the turns that ended after it: a start here is an assessment begun on the clock.
        "turns_after_prepare": dict(sum((c.ok - c.prepared for c in clients), Counter())),
        "people_per_client": spec.people_per_client,
        "clients_out_of_people": len(ran_out),
        "expected_replies": expected,
        "prepare_seconds": prepare_seconds,
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


def run_load(spec: LoadSpec, timeout: float, on_start=None, target=None) -> dict[str, Any]:
    """Runs the load process; `on_start()` is called in this process when its clients begin. `target`: the
    process's entry instead of `run` (a module-level function that registers a scenario of its own first)."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=target or run, args=(spec, child), name="bench-load", daemon=True)
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
