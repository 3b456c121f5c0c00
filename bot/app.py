"""The aiohttp application factory: routes, and the database, adapter and bot started in cleanup contexts."""

from __future__ import annotations

import asyncio
import gc
import logging
from urllib.parse import quote
from datetime import timedelta

from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botframework.connector.auth import ServiceClientCredentialsFactory

from bot import downloads, pages
from bot.endpoint import process_activity
from bot.graph import graph_client_for
from bot.member_lookup import MemberLookup
from bot.observability import (
    ContextThreadPoolExecutor, Metrics, metrics_response, outbox_gauges, pool_gauges, turn_middleware,
)
from bot.outbox_worker import OutboxPolicy, OutboxWorker, _Observer
from bot.proactive import ProactiveSender
from bot.reply_sender import ReplySendingAdapter, open_session
from bot.sdk_fixes import ReusingBotFrameworkAuthentication, apply_sdk_fixes
from bot.settings import Settings
from bot.tab import add_tab_routes
from bot.teams_bot import KompetenslyftBot
from dialogs.clock import Clock, SystemClock
from dialogs.config import DialogConfig
from dialogs.dispatch import Dispatcher
from dialogs.routes import build_router
from scheduler.jobs import JobContext
from scheduler.leader import LeaderElection
from scheduler.service import SchedulerService
from store import outbox
from store.db import Database, alembic_config

log = logging.getLogger(__name__)

SETTINGS = web.AppKey("settings", Settings)
CLOCK = web.AppKey("clock", Clock)
DATABASE = web.AppKey("database", Database)
ADAPTER = web.AppKey("adapter", CloudAdapter)
BOT = web.AppKey("bot", KompetenslyftBot)
DISPATCHER = web.AppKey("dispatcher", Dispatcher)
SENDER = web.AppKey("proactive_sender", ProactiveSender)
OUTBOX = web.AppKey("outbox_worker", OutboxWorker)
SCHEDULER = web.AppKey("scheduler", SchedulerService)
LEADERSHIP = web.AppKey("leadership", LeaderElection)
METRICS = web.AppKey("metrics", Metrics)
# Only tests set this: outbound tokens without Azure AD.
CREDENTIALS_FACTORY = web.AppKey("credentials_factory", ServiceClientCredentialsFactory)


class _SdkConfiguration:
    """The attribute names ConfigurationBotFrameworkAuthentication reads."""

    def __init__(self, settings: Settings) -> None:
        self.APP_ID = settings.app_id
        self.APP_PASSWORD = settings.app_password
        # With no app id the SDK only accepts the multi-tenant type (it then disables authentication).
        self.APP_TYPE = settings.app_type if settings.app_id else "MultiTenant"
        self.APP_TENANTID = settings.app_tenant_id
        if settings.openid_metadata_url:
            self.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL = settings.openid_metadata_url
        if settings.token_issuer:
            self.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER = settings.token_issuer


def dialog_config(settings: Settings) -> DialogConfig:
    return DialogConfig(
        default_locale=settings.default_locale,
        time_zone=settings.time_zone,
        working_hours_start=settings.working_hours_start,
        working_hours_end=settings.working_hours_end,
        working_days=settings.working_days,
        closed_dates=settings.closed_dates,
        directory_contact=settings.directory_contact or None,
        my_data_url=my_data_url(settings),
        tab_url_template=tab_url_template(settings),
        retention_years=settings.retention_years,
        send_rate_per_second=settings.outbox_tenant_rate,
        public_base_url=(f"http://{settings.host}:{settings.port}" if settings.dev_mode
                         else f"https://{settings.public_hostname}"),
    )


def my_data_url(settings: Settings) -> str:
    """Where the "mina uppgifter" card points: the personal tab's My data view, by a Teams deep link."""
    if settings.dev_mode:
        return f"http://{settings.host}:{settings.port}/tab?view=mydata"
    context = quote('{"subEntityId":"mydata"}')
    return f"https://teams.microsoft.com/l/entity/{settings.app_id}/overview?context={context}"


def tab_url_template(settings: Settings) -> str:
    """The personal tab at a view ("{view}" is replaced): a Teams deep link whose subEntityId the tab's script
    turns into the view (bot/tab/static/tab.js), or the local page in dev mode."""
    if settings.dev_mode:
        return f"http://{settings.host}:{settings.port}/tab?view={{view}}"
    return (f"https://teams.microsoft.com/l/entity/{settings.app_id}/overview?context="
            + quote('{"subEntityId":"') + "{view}" + quote('"}'))


async def _database(app: web.Application):
    db = Database(app[SETTINGS].database_url)
    if app[SETTINGS].migrate_on_start:
        await asyncio.to_thread(db.migrate)
    app[DATABASE] = db
    log.info("database ready: %s", db.status())
    yield
    db.dispose()


async def _bot(app: web.Application):
    settings = app[SETTINGS]
    apply_sdk_fixes()
    # Keeps one connector client (and its connection pool) per Teams endpoint instead of one per turn.
    authentication = ReusingBotFrameworkAuthentication(
        _SdkConfiguration(settings), credentials_factory=app.get(CREDENTIALS_FACTORY)
    )
    # Message replies inside a turn go out on this session, on the event loop (bot/reply_sender.py).
    reply_session = open_session()
    adapter = ReplySendingAdapter(authentication, session=reply_session)
    adapter.on_turn_error = _on_turn_error
    dispatcher = Dispatcher(app[DATABASE], build_router(), dialog_config(settings), app[CLOCK])
    turn_threads = ContextThreadPoolExecutor(max_workers=app[DATABASE].useful_concurrency, thread_name_prefix="turn")
    app[ADAPTER] = adapter
    app[DISPATCHER] = dispatcher
    app[BOT] = KompetenslyftBot(dispatcher, dev_mode=settings.dev_mode, member_lookup=MemberLookup(app[DATABASE]),
                                executor=turn_threads,
                                locale_override=settings.dev_locale if settings.dev_mode else None)
    app[SENDER] = ProactiveSender(adapter, settings.app_id)
    if settings.dev_mode:
        log.warning("local dev mode: MICROSOFT_APP_ID is empty, so requests are not authenticated")
    yield
    await asyncio.get_running_loop().run_in_executor(None, turn_threads.shutdown)
    await authentication.close()
    await reply_session.close()


async def _outbox(app: web.Application):
    """Delivers notifications; woken after every turn, and polls for retries, held messages and lapsed claims.
    On shutdown it lets sends under way finish (bounded) and hands back the claims it had not started."""
    settings, metrics = app[SETTINGS], app[METRICS]
    policy = OutboxPolicy(per_tenant_per_second=settings.outbox_tenant_rate, drain_timeout=settings.drain_seconds,
                          poll_interval=settings.outbox_poll_seconds)
    worker = OutboxWorker(app[DATABASE], app[SENDER], app[CLOCK], dialog_config(settings), policy,
                          observer=_Observer(sent=metrics.sent, throttled=metrics.throttled_by))
    app[OUTBOX] = worker
    app[BOT].after_turn = worker.wake
    worker.start()
    yield
    await worker.stop()


async def _scheduler(app: web.Application):
    """Scheduled jobs, run by the one instance that leads (scheduler.leader); off when RUN_SCHEDULER=false
    (tests call the jobs directly). On shutdown the leader stops its scheduler and frees the lock."""
    settings = app[SETTINGS]
    if not settings.run_scheduler:
        yield
        return
    loop, worker, metrics = asyncio.get_running_loop(), app[OUTBOX], app[METRICS]
    context = JobContext(app[DATABASE], app[CLOCK], dialog_config(settings),
                         wake_outbox=lambda: loop.call_soon_threadsafe(worker.wake),
                         outbox_retention=timedelta(days=settings.outbox_retention_days),
                         on_job_done=metrics.job_done,
                         graph_for=(lambda tenant: graph_client_for(settings, tenant)) if settings.app_id else None,
                         teams_app_id=settings.teams_catalog_app_id)
    service = SchedulerService(context)

    def elected() -> None:
        service.start()
        metrics.leader.set(1)

    def deposed() -> None:
        service.shutdown()
        metrics.leader.set(0)

    leadership = LeaderElection(app[DATABASE].engine, on_elected=elected, on_deposed=deposed)
    app[SCHEDULER] = service
    app[LEADERSHIP] = leadership
    leadership.start()
    yield
    await leadership.stop()


async def _metrics(app: web.Application):
    """Gauges read at scrape time: outbox rows by state and the database pool."""
    db, metrics = app[DATABASE], app[METRICS]

    def rows_by_status() -> dict[str, int]:
        with db.session() as session:
            return outbox.rows_by_status(session)

    metrics.watch(outbox_gauges(rows_by_status))
    metrics.watch(pool_gauges(db.engine))
    yield


async def _on_turn_error(turn_context: TurnContext, error: Exception) -> None:
    # The dispatcher answers its own failures with a card; what reaches this is the SDK's part of the turn, most
    # often a reply Teams refused (down, throttled, the chat deleted). What the dialog committed stays committed.
    activity = turn_context.activity
    log.error("a %s activity from %s failed outside the dialog (a reply not delivered?): %s: %s",
              activity.type, getattr(activity.from_property, "id", None), type(error).__name__, error)


async def messages(request: web.Request) -> web.Response:
    app = request.app
    return await process_activity(request, app[ADAPTER], app[BOT], app[SETTINGS])


async def healthz(request: web.Request) -> web.Response:
    database = await asyncio.to_thread(request.app[DATABASE].status)
    healthy = database["status"] == "ok"
    return web.json_response(
        {"status": "ok" if healthy else "degraded", "database": database, "dev_mode": request.app[SETTINGS].dev_mode},
        status=200 if healthy else 503,
    )


async def readyz(request: web.Request) -> web.Response:
    """Whether this instance can serve: the database answers and its schema is at this code's migration head."""
    database = await asyncio.to_thread(request.app[DATABASE].status)
    head = _migration_head(request.app[DATABASE].url)
    checks = {"database": database["status"] == "ok", "migrations": database.get("revision") == head}
    ready = all(checks.values())
    return web.json_response({"status": "ready" if ready else "not ready", "checks": checks,
                              "revision": database.get("revision"), "head": head}, status=200 if ready else 503)


_HEADS: dict[str, str | None] = {}


def _migration_head(url: str) -> str | None:
    if url not in _HEADS:
        from alembic.script import ScriptDirectory

        _HEADS[url] = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    return _HEADS[url]


async def metrics_endpoint(request: web.Request) -> web.Response:
    """Prometheus text format; the collectors that read the database run off the event loop."""
    return metrics_response(await asyncio.to_thread(request.app[METRICS].exposition))


def freeze_startup_objects() -> None:
    """Before serving: moves what start-up left in memory (modules, classes, the SDK's and SQLAlchemy's
    tables) out of the garbage collector's sight. Every full collection walked all of it again, about
    60 ms each and 3-5 % of the CPU under load (bench/README.md); those objects live as long as the process.
    `python -m bot` and bench/servers.py call it once, tests do not (they start many apps in one process)."""
    gc.collect()
    gc.freeze()


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    credentials_factory: ServiceClientCredentialsFactory | None = None,
) -> web.Application:
    metrics = Metrics()
    app = web.Application(client_max_size=256 * 1024,
                          middlewares=[turn_middleware(metrics)])
    app[METRICS] = metrics
    app[SETTINGS] = settings
    app[CLOCK] = clock or SystemClock()
    if credentials_factory is not None:
        app[CREDENTIALS_FACTORY] = credentials_factory
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(_bot)
    app.cleanup_ctx.append(_outbox)
    app.cleanup_ctx.append(_scheduler)
    app.cleanup_ctx.append(_metrics)
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics_endpoint)
    app.router.add_get("/privacy", pages.privacy)
    app.router.add_get("/terms", pages.terms)
    # ---- the Teams tab (issue 17, bot/tab): its pages, downloads and static files ----
    add_tab_routes(app, settings_key=SETTINGS, database_key=DATABASE, clock_key=CLOCK)
    app.router.add_get(r"/downloads/broadcasts/{broadcast_id:\d+}/not-reachable.csv", downloads.not_reachable_csv)
    return app
