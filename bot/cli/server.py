"""`python -m bot` (or `serve`) runs the bot; `python -m bot migrate` only brings the schema up to date."""

from __future__ import annotations

import argparse
import logging

COMMANDS = ("serve", "migrate")


def add_commands(commands: argparse._SubParsersAction) -> None:
    commands.add_parser("serve", help="serve /api/messages and /healthz (the default)")
    commands.add_parser("migrate", help="apply database migrations and exit")


def run_command(args: argparse.Namespace, context) -> int:
    if args.command == "migrate":
        context.database  # migrates on first use
        print("database is up to date")
        return 0

    from aiohttp import web

    from bot.app import create_app, freeze_startup_objects

    settings = context.settings
    logging.getLogger(__name__).info("Kompetenslyft listening on http://%s:%s", settings.host, settings.port)
    app = create_app(settings)
    freeze_startup_objects()
    from bot.endpoint import server_options

    # SIGTERM: the listener closes, turns in flight get `drain_seconds`, then the cleanup contexts hand back
    # outbox claims and leadership (bot/app.py); run_app then returns and the process exits 0.
    web.run_app(app, host=settings.host, port=settings.port, print=None, shutdown_timeout=settings.drain_seconds,
                **server_options())
    return 0
