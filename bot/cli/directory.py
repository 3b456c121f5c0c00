"""Admin commands for the directory, run as `python -m bot <command>` against DATABASE_URL:

    organisation KEY [NAME] [--tenant ID] [--reference-group | --no-reference-group] [--contact TEXT]
    import-directory FILE --org KEY [--units FILE] [--dry-run]
    directory-assign EMAIL --org KEY --as coordinator|admin
    stand-in --org KEY --manager EMAIL --stand-in EMAIL --by ADMIN_EMAIL [--from DATE] [--until DATE]
    directory setup-graph --org KEY [--company NAME] [--department-prefix TEXT] [--unit DEPT=CODE …]
              [--role TITLE=ROLE …] [--root-unit CODE] [--nightly] [--install-app]
    directory sync --org KEY [--dry-run] [--full]
    directory install-app --org KEY
    directory status --org KEY
    directory source --org KEY file|graph

The work is done by store.directory_import and store.directory; this module only parses and prints.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime, time
from typing import TextIO

from bot.graph import GraphClient, GraphError, GraphSetupError, graph_client_for
from bot.settings import Settings
from dialogs.config import DialogConfig
from dialogs.directory_sync import install_app_where_missing, sync_directory
from dialogs.review import notify_new_managers
from store import directory, directory_sync
from store.db import Database
from store.directory_import import DirectoryFileError, UnknownOrganisation, import_directory, read_people_and_units
from store.directory_sync import SourceConflict, check_file_import_allowed
from store.models.core import utcnow

COMMANDS = ("organisation", "import-directory", "directory-assign", "stand-in", "directory")


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

    graph = commands.add_parser("directory", help="the directory from Microsoft Graph: set up, sync, choose the source")
    actions = graph.add_subparsers(dest="action", required=True)
    setup = actions.add_parser("setup-graph", help="take this organisation's directory from Entra ID through Graph")
    setup.add_argument("--org", required=True)
    setup.add_argument("--company", help="only users whose companyName is this")
    setup.add_argument("--department-prefix", help="only users whose department starts with this")
    setup.add_argument("--unit", action="append", default=[], metavar="DEPARTMENT=CODE",
                       help="map a department to a unit code (unmapped departments become units of their own)")
    setup.add_argument("--role", action="append", default=[], metavar="JOB_TITLE=ROLE",
                       help="map a job title to a role (unmapped titles are roles as they are)")
    setup.add_argument("--root-unit", help="the parent unit of units made from departments")
    setup.add_argument("--nightly", action=argparse.BooleanOptionalAction, default=True,
                       help="sync every night (default: yes)")
    setup.add_argument("--install-app", action=argparse.BooleanOptionalAction, default=False,
                       help="install the app for people in scope who do not have it, before a message to them")
    sync = actions.add_parser("sync", help="read Entra ID and update the directory (changes only, after the first)")
    sync.add_argument("--org", required=True)
    sync.add_argument("--dry-run", action="store_true", help="report what would change, save nothing")
    sync.add_argument("--full", action="store_true", help="read everyone again instead of the changes")
    install = actions.add_parser("install-app", help="install the Teams app for people who cannot be reached yet")
    install.add_argument("--org", required=True)
    status = actions.add_parser("status", help="the directory's source, last sync and app installations")
    status.add_argument("--org", required=True)
    source = actions.add_parser("source", help="where the directory comes from: an HR file or Graph")
    source.add_argument("--org", required=True)
    source.add_argument("kind", choices=["file", "graph"])


def run(args: argparse.Namespace, db: Database, config: DialogConfig, *, out: TextIO = sys.stdout,
        err: TextIO = sys.stderr, now: datetime | None = None, settings: Settings | None = None,
        graph: GraphClient | None = None) -> int:
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
        if args.command == "directory":
            return _graph_directory(args, db, config, out, now, settings, graph)
    except (directory.DirectoryError, DirectoryFileError, UnknownOrganisation, SourceConflict, GraphError, GraphSetupError) as error:
        print(f"error: {error}", file=err)
        return 1
    raise ValueError(f"not a directory command: {args.command}")


def run_command(args: argparse.Namespace, context) -> int:
    return run(args, context.database, context.dialog_config, settings=context.settings)


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
        check_file_import_allowed(session, _organisation_or_fail(session, args.org))
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


def _graph_directory(args: argparse.Namespace, db: Database, config: DialogConfig, out: TextIO, now: datetime,
                     settings: Settings | None, graph: GraphClient | None) -> int:
    if args.action in ("sync", "install-app") and graph is None:
        with db.session() as session:
            tenant = _organisation_or_fail(session, args.org).tenant_id
        graph = graph_client_for(settings or Settings.from_env(), tenant)
    if args.action == "install-app":
        app_id = (settings or Settings.from_env()).teams_catalog_app_id
        counts = install_app_where_missing(db, graph, organisation_key=args.org, teams_app_id=app_id, now=now)
        print(f"app installation for {args.org}: " + (", ".join(f"{n} {outcome}" for outcome, n in sorted(
            counts.items())) or "everyone in the directory can be reached already"), file=out)
        return 0
    if args.action == "status":
        with db.session() as session:
            organisation = _organisation_or_fail(session, args.org)
            source = directory_sync.source_of(session, organisation.id)
            installs = directory_sync.installation_summary(session, organisation.id)
        print(f"{organisation.key}: directory from {'Microsoft Graph' if source.kind == 'graph' else 'HR files'}"
              + (", synced every night" if source.nightly else "")
              + (", installs the app for people who lack it" if source.install_app else ""), file=out)
        print(f"  last sync: {source.last_synced_at or 'never'}" + (f" ({source.last_summary})"
              if source.last_summary else ""), file=out)
        print("  app installations: " + (", ".join(f"{n} {o}" for o, n in sorted(installs.items())) or "none"),
              file=out)
        return 0
    if args.action == "sync":
        result = sync_directory(db, config, graph, organisation_key=args.org, dry_run=args.dry_run,
                                full=args.full, now=now)
        for line in result.lines():
            print(line, file=out)
        return 0 if result.ok else 1
    with db.session() as session:
        organisation = _organisation_or_fail(session, args.org)
        if args.action == "source" and args.kind == "file":
            directory_sync.use_file(session, organisation=organisation)
            print(f"{organisation.key} now takes its directory from HR files (import-directory)", file=out)
            return 0
        previous = directory_sync.SyncRule.from_json(directory_sync.source_of(session, organisation.id).rule)
        rule = previous if args.action == "source" else directory_sync.SyncRule(
            company=args.company, department_prefix=args.department_prefix, units=_pairs(args.unit, "--unit"),
            roles=_pairs(args.role, "--role"), root_unit=args.root_unit)
        nightly = getattr(args, "nightly", True)
        install = getattr(args, "install_app", False)
        directory_sync.use_graph(session, organisation=organisation, rule=rule, nightly=nightly, install_app=install)
    print(f"{organisation.key} now takes its directory from Microsoft Graph"
          + (" (synced every night)" if nightly else "") + f"; run `python -m bot directory sync --org {args.org}`",
          file=out)
    return 0


def _pairs(values: list[str], option: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        key, sep, mapped = value.partition("=")
        if not sep or not key.strip() or not mapped.strip():
            raise directory.DirectoryError(f"{option} {value!r}: write it as NAME=VALUE")
        pairs[key.strip()] = mapped.strip()
    return pairs


def _organisation_or_fail(session, key: str):
    organisation = directory.organisation_by_key(session, key)
    if organisation is None:
        raise directory.DirectoryError(f"no organisation with key {key!r}; create it with "
                                       f"`python -m bot organisation {key} NAME`")
    return organisation
