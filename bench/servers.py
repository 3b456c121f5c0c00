"""Runs one bot under test in a process of its own: the stock echo bot, or ours from bot.app.create_app.

Each server is served the same way (aiohttp AppRunner on 127.0.0.1, an ephemeral port, the default
access logger as web.run_app has, logging at the level turns.py passes), and reports its URL and pid
over a pipe. Spawned, not forked, so that nothing imported or patched by the parent reaches it.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
import traceback
from multiprocessing.connection import Connection

STOCK = "stock"
OURS = "ours"

# Our bot with one of its tuning layers taken out, to measure what each buys against the SDK's own code path
# (bench/README.md, "What the tuning layers buy"). Applied in the server's process only, before the app is made.
VARIANTS = {
    "stock-io": "msrest reads every activity and writes and sends every reply (no bot/inbound, bot/outbound, "
                "bot/reply_sender)",
    "no-json-fix": "msrest walks plain JSON node by node (sdk_fixes' Serializer/Deserializer pass-through off)",
    "no-reuse": "CloudAdapter builds its connector and token clients anew every turn (no "
                "ReusingBotFrameworkAuthentication)",
    "no-frozenset": "msrest's ClientRetryPolicy builds its retry list from a list, as shipped",
    "no-pgdriver": "psycopg's own cursor and transactions (no store/postgres_driver; PostgreSQL only)",
}


def _apply_variant(variant: str) -> None:
    parts = set(variant.split("+")) if variant else set()
    if "stock-io" in parts:
        from botbuilder.schema import Activity

        import bot.endpoint
        import bot.reply_sender

        bot.endpoint.read_activity = lambda body: Activity().deserialize(body)
        bot.reply_sender._reply_request = lambda activity, client: None  # every send goes the SDK's way
    if parts & {"no-json-fix", "no-frozenset"}:
        from msrest.universal_http.requests import ClientRetryPolicy

        import bot.app
        import bot.sdk_fixes

        def partial_fixes() -> None:
            if "no-frozenset" not in parts:
                ClientRetryPolicy.safe_codes = frozenset(ClientRetryPolicy.safe_codes)
            if "no-json-fix" in parts:
                return
            from msrest.serialization import Deserializer, Serializer

            Serializer.serialize_object = bot.sdk_fixes._serialize_plain_json_as_is(Serializer.serialize_object)
            Deserializer.deserialize_object = bot.sdk_fixes._deserialize_plain_json_by_copy(
                Deserializer.deserialize_object)

        bot.app.apply_sdk_fixes = partial_fixes
    if "no-pgdriver" in parts:
        try:
            import store.postgres_driver
        except ImportError:  # already removed: the engine is psycopg's own anyway
            pass
        else:
            store.postgres_driver.connect_args = lambda: {}
    if "no-reuse" in parts:
        from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication

        import bot.app

        class Stock(ConfigurationBotFrameworkAuthentication):
            async def close(self) -> None:
                pass

        bot.app.ReusingBotFrameworkAuthentication = Stock


def _create_app(kind: str, database_url: str | None, log_level: str, variant: str = ""):
    if kind == STOCK:
        from bench.stock_echo import create_app

        return create_app()
    _apply_variant(variant)
    from bot.app import create_app, freeze_startup_objects
    from bot.settings import Settings

    # Local dev mode as in the scenario tests: no app id, so no token and no Authorization header.
    settings = Settings(database_url=database_url, run_scheduler=False, log_level=log_level)
    app = create_app(settings)
    freeze_startup_objects()  # as `python -m bot` does before serving
    return app


async def _serve(app, conn: Connection) -> None:
    from aiohttp import web

    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    loop = asyncio.get_running_loop()
    stopped = asyncio.Event()

    def wait_for_stop() -> None:
        # A thread of its own, so that the loop's default executor (msrest's sends, our dispatches) stays whole.
        try:
            conn.recv()
        except EOFError:
            pass
        loop.call_soon_threadsafe(stopped.set)

    threading.Thread(target=wait_for_stop, name="bench-stop", daemon=True).start()
    conn.send(("ready", f"http://127.0.0.1:{port}", os.getpid()))
    await stopped.wait()
    await runner.cleanup()


def serve(kind: str, database_url: str | None, log_path: str, log_level: str, conn: Connection,
          variant: str = "") -> None:
    logging.basicConfig(filename=log_path, level=log_level,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        app = _create_app(kind, database_url, log_level, variant)
        asyncio.run(_serve(app, conn))
    except BaseException:  # reported to the parent, which prints it
        conn.send(("error", traceback.format_exc(), os.getpid()))
        raise


class ServerProcess:
    def __init__(self, kind: str, *, database_url: str | None, log_path: str, log_level: str = "WARNING",
                 variant: str = "") -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self.process = context.Process(target=serve, args=(kind, database_url, log_path, log_level, child, variant),
                                       name=f"bench-{kind}", daemon=True)
        self.kind = kind
        self.log_path = log_path
        self.url = ""
        self.pid = 0

    def start(self, timeout: float = 120) -> "ServerProcess":
        self.process.start()
        if not self._conn.poll(timeout):
            self.stop()
            raise RuntimeError(f"the {self.kind} server did not start within {timeout:g} s")
        status, detail, pid = self._conn.recv()
        if status != "ready":
            self.process.join(5)
            raise RuntimeError(f"the {self.kind} server failed to start:\n{detail}")
        self.url, self.pid = detail, pid
        return self

    def stop(self) -> None:
        if self.process.is_alive():
            try:
                self._conn.send("stop")
            except (BrokenPipeError, OSError):
                pass
            self.process.join(15)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)
