"""Admin commands for the directory, run as `python -m bot <command>` against DATABASE_URL:

    organisation KEY [NAME] [--tenant ID] [--reference-group | --no-reference-group] [--contact TEXT]
    import-directory FILE --org KEY [--units FILE] [--dry-run]
    directory-assign EMAIL --org KEY --as coordinator|admin
    stand-in --org KEY --manager EMAIL --stand-in EMAIL --by ADMIN_EMAIL [--from DATE] [--until DATE]

The work is done by store.directory_import and store.directory; this module only parses and prints.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime, time
from typing import TextIO

from dialogs.config import DialogConfig
from dialogs.review import notify_new_managers
from store import directory
from store.db import Database
from store.directory_import import DirectoryFileError, UnknownOrganisation, import_directory, read_people_and_units
from store.models.core import utcnow

COMMANDS = ("organisation", "import-directory", "directory-assign", "stand-in")


def add_commands(commands: argparse._SubParsersAction) -> None:
    organisation = commands.add_parser("organisation", help="create an organisation, or change what is given")
    organisation.add_argument("key", help='a short key, e.g. "stockholm-kultur" or "nacka-kof"')
    organisation.add_argument("name", nargs="?", help='e.g. "Stockholms stad, kulturförvaltningen"')
    organisation.add_argument("--tenant", help="the Teams (Entra ID) tenant id its people sign in with")
    organisation.add_argument("--reference-group", action=argparse.BooleanOptionalAction, default=None,
                              help="takes part as a reference group")
    organisation.add_argument("--contact", help="whom people missing from the directory should contact")

    importer = commands.add_parser("import-directory", help="import people (and units) from an HR export")
    importer.add_argument("file", help="CSV or XLSX; an XLSX may carry a sheet named Enheter/Units")
    importer.add_argument("--org", required=True, help="the organisation's key")
    importer.add_argument("--units", help="a separate CSV or XLSX of units (code, name, parent)")
    importer.add_argument("--dry-run", action="store_true", help="validate and report, save nothing")

    assign = commands.add_parser("directory-assign", help="make someone coordinator or admin of an organisation")
    assign.add_argument("email")
    assign.add_argument("--org", required=True)
    assign.add_argument("--as", dest="kind", required=True, choices=["coordinator", "admin"])

    stand_in = commands.add_parser("stand-in", help="an admin assigns a stand-in who may review a manager's plans")
    stand_in.add_argument("--org", required=True)
    stand_in.add_argument("--manager", required=True, help="the manager's e-mail")
    stand_in.add_argument("--stand-in", dest="stand_in", required=True, help="the stand-in's e-mail")
    stand_in.add_argument("--by", required=True, help="the e-mail of the admin assigning")
    stand_in.add_argument("--from", dest="starts", type=date.fromisoformat, help="first day (default: today)")
    stand_in.add_argument("--until", dest="ends", type=date.fromisoformat, help="last day (default: until ended)")


def run(args: argparse.Namespace, db: Database, config: DialogConfig, *, out: TextIO = sys.stdout,
        err: TextIO = sys.stderr, now: datetime | None = None) -> int:
    now = now or utcnow()
    try:
        if args.command == "organisation":
            return _organisation(args, db, out)
        if args.command == "import-directory":
            return _import(args, db, config, out, now)
        if args.command == "directory-assign":
            return _assign(args, db, out, now)
        if args.command == "stand-in":
            return _stand_in(args, db, config, out)
    except (directory.DirectoryError, DirectoryFileError, UnknownOrganisation) as error:
        print(f"error: {error}", file=err)
        return 1
    raise ValueError(f"not a directory command: {args.command}")


def run_command(args: argparse.Namespace, context) -> int:
    return run(args, context.database, context.dialog_config)


def _organisation(args: argparse.Namespace, db: Database, out: TextIO) -> int:
    with db.session() as session:
        organisation, created = directory.save_organisation(
            session, key=args.key, name=args.name, tenant_id=args.tenant, reference_group=args.reference_group,
            contact=args.contact)
        print(f"{'created' if created else 'updated'} organisation {organisation.key}: {organisation.name}"
              + (" (reference group)" if organisation.reference_group else ""), file=out)
    return 0


def _import(args: argparse.Namespace, db: Database, config: DialogConfig, out: TextIO, now: datetime) -> int:
    people, units = read_people_and_units(args.file, args.units)
    with db.session() as session:
        report = import_directory(session, organisation_key=args.org, people=people, units=units, now=now,
                                  dry_run=args.dry_run)
        notified = notify_new_managers(session, report, now=now, config=config) if report.ok else 0
    for line in report.lines():
        print(line, file=out)
    if notified:
        print(f"  notified {notified} new manager(s) of plans waiting for them", file=out)
    return 0 if report.ok else 1


def _assign(args: argparse.Namespace, db: Database, out: TextIO, now: datetime) -> int:
    with db.session() as session:
        organisation = _organisation_or_fail(session, args.org)
        added = directory.assign(session, organisation=organisation, email=args.email, kind=args.kind, now=now)
    print(f"{args.email} is {'now' if added else 'already'} {args.kind} of {args.org}", file=out)
    return 0


def _stand_in(args: argparse.Namespace, db: Database, config: DialogConfig, out: TextIO) -> int:
    tz = config.tz
    starts = datetime.combine(args.starts, time(0), tzinfo=tz) if args.starts else utcnow()
    # --until is the last day: the stand-in ends at the following midnight.
    ends = datetime.combine(args.ends, time(23, 59, 59), tzinfo=tz) if args.ends else None
    with db.session() as session:
        organisation = _organisation_or_fail(session, args.org)
        directory.assign_stand_in(session, organisation=organisation, manager_email=args.manager,
                                  stand_in_email=args.stand_in, admin_email=args.by, starts_at=starts, ends_at=ends)
    print(f"{args.stand_in} stands in for {args.manager}" + (f" until {args.ends}" if args.ends else ""), file=out)
    return 0


def _organisation_or_fail(session, key: str):
    organisation = directory.organisation_by_key(session, key)
    if organisation is None:
        raise directory.DirectoryError(f"no organisation with key {key!r}; create it with "
                                       f"`python -m bot organisation {key} NAME`")
    return organisation
