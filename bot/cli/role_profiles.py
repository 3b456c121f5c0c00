"""`python -m bot role-profiles import|export FILE`: role profiles (a target level per competence) as CSV."""

from __future__ import annotations

import argparse

COMMANDS = ("role-profiles",)


def add_commands(commands: argparse._SubParsersAction) -> None:
    role_profiles = commands.add_parser("role-profiles", help="import or export role profiles (targets) as CSV")
    role_profiles.add_argument("action", choices=["import", "export"])
    role_profiles.add_argument("file")


def run_command(args: argparse.Namespace, context) -> int:
    from store.role_profiles_csv import run

    return run(context.database, args.action, args.file)
