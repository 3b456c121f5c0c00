"""`python -m bot activities import|export FILE --org KEY`: the activity catalogue as CSV or XLSX, and
`python -m bot activities attendance FILE --activity KEY --org KEY`: who attended a dated activity.

The work is done by store.activities_import and store.activities; this module only parses and prints.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import TextIO

COMMANDS = ("activities",)


def add_commands(commands: argparse._SubParsersAction) -> None:
    activities = commands.add_parser("activities", help="import or export the activity catalogue (CSV/XLSX), "
                                                        "or confirm attendance from a CSV")
    activities.add_argument("action", choices=["import", "export", "attendance"])
    activities.add_argument("file", help="CSV or XLSX (attendance: CSV with a column e-post/email)")
    activities.add_argument("--org", required=True, help="the organisation's key")
    activities.add_argument("--activity", help="attendance: the activity's key")
    activities.add_argument("--move-dates", action="store_true",
                            help="import: move the demo catalogue's dates forward by whole weeks to this week")


def run(args: argparse.Namespace, db, config, *, out: TextIO = sys.stdout, err: TextIO = sys.stderr,
        now: datetime | None = None) -> int:
    from store.activities import ActivityError
    from store.activities_import import UnknownOrganisation
    from store.directory_import import DirectoryFileError
    from store.models.core import utcnow

    now = now or utcnow()
    try:
        if args.action == "import":
            return _import(args, db, config, out, now)
        if args.action == "export":
            return _export(args, db, config, out)
        return _attendance(args, db, config, out, now)
    except (DirectoryFileError, UnknownOrganisation, ActivityError) as error:
        print(f"error: {error}", file=err)
        return 1


def run_command(args: argparse.Namespace, context) -> int:
    return run(args, context.database, context.dialog_config)


def _import(args, db, config, out: TextIO, now: datetime) -> int:
    from datetime import timedelta

    from store.activities_import import demo_shift, import_catalogue, read_catalogue

    table = read_catalogue(args.file)
    shift = demo_shift(now.astimezone(config.tz).date()) if args.move_dates else timedelta(0)
    told = promoted = 0
    with db.session() as session:
        before = _schedules_with_people(session, args.org)
        report = import_catalogue(session, organisation_key=args.org, table=table, tz=config.tz, now=now,
                                  shift=shift)
        if not report.ok:
            session.rollback()
        else:
            told, promoted = _tell_changes(session, before, now=now, config=config)
    for line in report.lines():
        print(line, file=out)
    if report.ok and (told or promoted):
        print(f"  told of a new time or place: {told}; moved up from a waiting list: {promoted}", file=out)
    return 0 if report.ok else 1


def _schedules_with_people(session, organisation_key: str) -> dict:
    """Before an import: when and where each of the organisation's activities with people signed up or waiting
    is, so that those whose time or place the file changes can be told (as after an edit in Teams)."""
    from sqlmodel import select

    from dialogs.activity_changes import Schedule
    from store.models.activity import Activity, ActivitySignup, SignupStatus
    from store.models.directory import Organisation

    activities = session.exec(
        select(Activity).join(Organisation, Organisation.id == Activity.organisation_id)
        .where(Organisation.key == organisation_key, Activity.id.in_(
            select(ActivitySignup.activity_id).where(ActivitySignup.status.in_(
                [SignupStatus.SIGNED_UP, SignupStatus.WAITING]))))).all()
    return {activity.id: Schedule.of(activity, session) for activity in activities}


def _tell_changes(session, before: dict, *, now: datetime, config) -> tuple[int, int]:
    from dialogs.activity_changes import after_edit
    from store.models.activity import Activity

    told = promoted = 0
    for activity_id, schedule in before.items():
        activity = session.get(Activity, activity_id)
        if activity is not None:
            count, moved = after_edit(session, activity, schedule, now=now, config=config)
            told, promoted = told + count, promoted + len(moved)
    return told, promoted


def _export(args, db, config, out: TextIO) -> int:
    from store.activities_import import export_rows, write_catalogue

    with db.session() as session:
        rows = export_rows(session, organisation_key=args.org, tz=config.tz)
    write_catalogue(args.file, rows)
    print(f"exported {len(rows) - 1} activities of {args.org} to {args.file}", file=out)
    return 0


def _attendance(args, db, config, out: TextIO, now: datetime) -> int:
    from store.activities import ActivityError
    from store.attendance_import import confirm_attendance_file

    if not args.activity:
        raise ActivityError("attendance needs --activity KEY")
    with db.session() as session:
        report = confirm_attendance_file(session, organisation_key=args.org, activity_key=args.activity,
                                         path=args.file, now=now, tz=config.tz)
        if not report.ok:
            session.rollback()
    for line in report.lines():
        print(line, file=out)
    return 0 if report.ok else 1
