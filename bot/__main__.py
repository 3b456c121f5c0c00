"""`python -m bot` serves the bot; `python -m bot migrate` only brings the database schema up to date."""

from __future__ import annotations

import argparse
import logging
import sys

from bot.settings import Settings, SettingsError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("serve", help="serve /api/messages and /healthz (the default)")
    commands.add_parser("migrate", help="apply database migrations and exit")
    role_profiles = commands.add_parser("role-profiles", help="import or export role profiles (targets) as CSV")
    role_profiles.add_argument("action", choices=["import", "export"])
    role_profiles.add_argument("file")
    from bot import directory_cli, privacy_cli

    directory_cli.add_commands(commands)
    privacy_cli.add_commands(commands)
    args = parser.parse_args(argv)

    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    if args.command == "migrate":
        from store.db import Database

        Database(settings.database_url).migrate()
        print("database is up to date")
        return 0

    if args.command == "role-profiles":
        from store.db import Database
        from store.role_profiles_csv import run

        database = Database(settings.database_url)
        database.migrate()  # a fresh install may import its role profiles before the bot first starts
        return run(database, args.action, args.file)

    if args.command == privacy_cli.COMMAND:
        from store.db import Database

        database = Database(settings.database_url)
        database.migrate()
        return privacy_cli.run(args, database)

    if args.command in directory_cli.COMMANDS:
        from bot.app import dialog_config
        from store.db import Database

        database = Database(settings.database_url)
        database.migrate()
        return directory_cli.run(args, database, dialog_config(settings))

    from aiohttp import web

    from bot.app import create_app, freeze_startup_objects

    logging.getLogger(__name__).info("Kompetenslyft listening on http://%s:%s", settings.host, settings.port)
    app = create_app(settings)
    freeze_startup_objects()
    web.run_app(app, host=settings.host, port=settings.port, print=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
