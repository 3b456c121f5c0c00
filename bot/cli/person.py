"""`python -m bot person export|erase --email ADDRESS`: a person's data out of, or erased from, Kompetenslyft."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from store.db import Database
from store.privacy import PersonNotFound, erase_person, export_person, find_person_by_email

COMMANDS = ("person",)


def add_commands(commands: argparse._SubParsersAction) -> None:
    person = commands.add_parser("person", help="export or erase everything stored about one person")
    person.add_argument("action", choices=["export", "erase"])
    person.add_argument("--email", required=True, help="the person's e-mail address (as in the directory)")
    person.add_argument("--by", required=True, help="who asks, for the audit trail (e.g. your e-mail address)")
    person.add_argument("--out", help="export: write the JSON here instead of standard output")
    person.add_argument("--yes", action="store_true", help="erase: confirm that the erasure is intended")


def run(args: argparse.Namespace, database: Database) -> int:
    if args.action == "erase" and not args.yes:
        print("erasure cannot be undone: add --yes to confirm", file=sys.stderr)
        return 2
    try:
        with database.session() as session:
            person = find_person_by_email(session, args.email)
            if args.action == "export":
                result = export_person(session, person_id=person.id, actor=args.by)
            else:
                result = erase_person(session, person_id=person.id, actor=args.by)
    except PersonNotFound as error:
        print(str(error), file=sys.stderr)
        return 1
    text = json.dumps(result, ensure_ascii=False, indent=2)
    if args.action == "export" and args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote {args.out}")
    else:
        print(text)
    return 0


def run_command(args: argparse.Namespace, context) -> int:
    return run(args, context.database)
