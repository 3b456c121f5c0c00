"""What an operator sees of a running instance: Prometheus metrics, JSON logs that carry each turn's ids (and a
pseudonym instead of the person), and the executor that keeps those ids on log lines written in turn threads.

Each app has its own CollectorRegistry (tests start many apps in one process); /metrics serves it.
"""

from __future__ import annotations

import contextvars
import hashlib
import hmac
import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import Any

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.core import GaugeMetricFamily

from cards.verbs import Verb

TURN_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("turn_id", default=None)
ACTIVITY_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("activity_id", default=None)
PERSON: contextvars.ContextVar[str | None] = contextvars.ContextVar("person", default=None)

_KNOWN_VERBS = frozenset(str(verb) for verb in Verb)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


class Metrics:
    """The instance's metrics; the outbox worker and the scheduler report through `outbox_observer` and
    `job_done`, the turn middleware through `turn`."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.turns = Counter("kompetenslyft_turns", "Turns by verb (or activity kind) and outcome",
                             ["verb", "outcome"], registry=r)
        self.turn_seconds = Histogram("kompetenslyft_turn_seconds", "Turn latency, request in to response out",
                                      ["verb"], registry=r,
                                      buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
        self.sends = Counter("kompetenslyft_outbox_sends", "Outbox sends by Teams' HTTP status ('none': no answer)",
                             ["status"], registry=r)
        self.throttled = Counter("kompetenslyft_outbox_throttled", "429 answers from Teams, by tenant",
                                 ["tenant"], registry=r)
        self.scheduler_runs = Counter("kompetenslyft_scheduler_runs", "Scheduled job runs by job and outcome",
                                      ["job", "outcome"], registry=r)
        self.leader = Gauge("kompetenslyft_scheduler_leader", "1 while this instance runs the scheduler",
                            registry=r)
        self.draining = Gauge("kompetenslyft_draining", "1 once SIGTERM arrived and the instance drains",
                              registry=r)

    def turn(self, verb: str, outcome: str, seconds: float) -> None:
        self.turns.labels(verb, outcome).inc()
        self.turn_seconds.labels(verb).observe(seconds)

    def sent(self, status: int | None) -> None:
        self.sends.labels(str(status) if status else "none").inc()

    def throttled_by(self, tenant_id: str) -> None:
        self.throttled.labels(tenant_id).inc()

    def job_done(self, job_id: str, outcome: str) -> None:
        self.scheduler_runs.labels(job_id, outcome).inc()

    def watch(self, collect: Callable[[], list[GaugeMetricFamily]]) -> None:
        """A collector read at scrape time (outbox rows by state, the database pool)."""

        class _Collector:
            def collect(self):
                return collect()

        self.registry.register(_Collector())

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


def outbox_gauges(rows_by_status: Callable[[], dict[str, int]]) -> Callable[[], list[GaugeMetricFamily]]:
    def collect() -> list[GaugeMetricFamily]:
        family = GaugeMetricFamily("kompetenslyft_outbox_rows", "Outbox rows by state", labels=["state"])
        try:
            counts = rows_by_status()
        except Exception:  # a scrape never fails because the database is away; /readyz says so
            counts = {}
        for state, count in sorted(counts.items()):
            family.add_metric([state], count)
        return [family]

    return collect


def pool_gauges(engine) -> Callable[[], list[GaugeMetricFamily]]:
    def collect() -> list[GaugeMetricFamily]:
        pool = engine.pool
        family = GaugeMetricFamily("kompetenslyft_db_pool_connections", "Database pool connections by state",
                                   labels=["state"])
        for state in ("checkedout", "checkedin", "overflow", "size"):
            reader = getattr(pool, state, None)
            if callable(reader):
                try:
                    family.add_metric([state], reader())
                except Exception:
                    pass
        return [family]

    return collect


def metrics_response(body: bytes) -> web.Response:
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


# ---- turns: ids on log lines and the turn metrics --------------------------------------------------------

def pseudonym(key: str, tenant_id: str | None, user_id: str | None) -> str | None:
    """A stable pseudonymous id for a person in logs: the same person gives the same id on every instance
    with the same key, and nothing in the log names them."""
    if not user_id:
        return None
    digest = hmac.new(key.encode(), f"{tenant_id or ''}|{user_id.lower()}".encode(), hashlib.sha256)
    return "p-" + digest.hexdigest()[:16]


def verb_of(body: Any) -> str:
    """A low-cardinality label: a known card verb, else the activity's kind (text, install, invoke, ...)."""
    if not isinstance(body, dict):
        return "malformed"
    kind = body.get("type")
    value = body.get("value")
    verb = None
    if kind == "invoke" and isinstance(value, dict) and isinstance(value.get("action"), dict):
        verb = value["action"].get("verb")
    elif kind == "message" and isinstance(value, dict):
        verb = value.get("verb")
    if isinstance(verb, str) and verb in _KNOWN_VERBS:
        return verb
    if kind == "message":
        return "text" if body.get("text") else "submit"
    return kind if kind in ("invoke", "conversationUpdate", "installationUpdate") else "other"


# Where the edge leaves the body it parsed, for the turn's labels.
ACTIVITY_KEY = web.RequestKey("kompetenslyft.activity", dict)


def note_activity(request: web.Request, body: dict[str, Any], pseudonym_key: str) -> None:
    """Called by the edge (bot/endpoint.py) once the body is safely parsed and cleaned: the ids this turn's log
    lines carry, and the activity the middleware labels the turn by. The middleware never parses bodies itself:
    the edge's depth limit, body timeout and cleaning apply to every byte first."""
    sender = body.get("from") if isinstance(body.get("from"), dict) else {}
    channel_data = body.get("channelData") if isinstance(body.get("channelData"), dict) else {}
    tenant = (channel_data.get("tenant") or {}).get("id") if isinstance(channel_data.get("tenant"), dict) else None
    ACTIVITY_ID.set(body.get("id") if isinstance(body.get("id"), str) else None)
    PERSON.set(pseudonym(pseudonym_key, tenant, sender.get("aadObjectId") or sender.get("id")))
    request[ACTIVITY_KEY] = body


def turn_middleware(metrics: Metrics, path: str = "/api/messages"):
    @web.middleware
    async def observe(request: web.Request, handler) -> web.StreamResponse:
        if request.path != path or request.method != "POST":
            return await handler(request)
        started = time.perf_counter()
        TURN_ID.set(uuid.uuid4().hex[:16])
        ACTIVITY_ID.set(None)
        PERSON.set(None)
        outcome = "error"
        try:
            response = await handler(request)
            outcome = "ok" if response.status < 400 else "refused" if response.status < 500 else "error"
            return response
        finally:
            metrics.turn(verb_of(request.get(ACTIVITY_KEY)), outcome, time.perf_counter() - started)

    return observe


class ContextThreadPoolExecutor(ThreadPoolExecutor):
    """Runs each job in a copy of the submitter's context, so a turn's ids stay on its log lines."""

    def submit(self, fn, /, *args, **kwargs):
        context = contextvars.copy_context()
        return super().submit(context.run, fn, *args, **kwargs)


# ---- logs ----------------------------------------------------------------------------------------------

class JsonFormatter(logging.Formatter):
    """One JSON object per line; a turn's lines carry turn_id, activity_id and person (a pseudonym).
    E-mail addresses in messages are masked: logs must not name people."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": _EMAIL.sub("<e-mail>", record.getMessage()),
        }
        for key, var in (("turn_id", TURN_ID), ("activity_id", ACTIVITY_ID), ("person", PERSON)):
            value = var.get()
            if value:
                line[key] = value
        if record.exc_info:
            line["error"] = _EMAIL.sub("<e-mail>", self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False)


def configure_logging(level: str, log_format: str) -> None:
    """Plain lines by default; one JSON object per line when LOG_FORMAT=json."""
    handler = logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
