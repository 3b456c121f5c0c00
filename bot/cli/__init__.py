"""The one table of `python -m bot` commands: each group is a module that registers and runs its subcommands.

A new group adds a module with `COMMANDS`, `add_commands(subparsers)` and `run_command(args, context)`, and
one row in `GROUPS`; nothing else changes.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from functools import cached_property
from types import ModuleType
from typing import TYPE_CHECKING

from bot.settings import Settings, SettingsError

if TYPE_CHECKING:
    from dialogs.config import DialogConfig
    from store.db import Database


@dataclass
class CliContext:
    """What a command runs with: the validated settings, and the migrated database on first use."""

    settings: Settings
    _opened: list = field(default_factory=list)

    @cached_property
    def database(self) -> "Database":
        from store.db import Database

        database = Database(self.settings.database_url)
        database.migrate()  # a fresh install may run an import before the bot first starts
        return database

    @cached_property
    def dialog_config(self) -> "DialogConfig":
        from bot.app import dialog_config

        return dialog_config(self.settings)


def _groups() -> tuple[ModuleType, ...]:
    from bot.cli import activities, directory, export, person, role_profiles, server, survey

    # The table: serve (the default) first, then one row per group of admin commands.
    return (server, role_profiles, directory, person, activities, survey, export)


def build_parser(groups: tuple[ModuleType, ...]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Kompetenslyft: the bot and its admin commands")
    commands = parser.add_subparsers(dest="command")
    for group in groups:
        group.add_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    groups = _groups()
    by_command = {command: group for group in groups for command in group.COMMANDS}
    args = build_parser(groups).parse_args(argv)
    args.command = args.command or "serve"
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    from bot.observability import configure_logging

    configure_logging(settings.log_level, settings.log_format)
    return by_command[args.command].run_command(args, CliContext(settings))
