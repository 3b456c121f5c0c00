"""`python -m bot export esf --org KEY --from DATE --to DATE --by EMAIL [--out FILE]`: the ESF participant
report (one row per participant and month with hours) as XLSX or CSV; only for a coordinator, audited."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from bot.tab.tables import Table, to_csv, to_xlsx
from store import audit, directory, reports

COMMANDS = ("export",)


def add_commands(commands: argparse._SubParsersAction) -> None:
    export = commands.add_parser("export", help="exports for coordinators (the ESF participant report)")
    export.add_argument("report", choices=["esf"])
    export.add_argument("--org", required=True, help="the organisation's key, e.g. stockholm-kultur")
    export.add_argument("--from", dest="start", required=True, type=date.fromisoformat, help="first day, YYYY-MM-DD")
    export.add_argument("--to", dest="end", required=True, type=date.fromisoformat, help="last day, YYYY-MM-DD")
    export.add_argument("--by", required=True, help="the coordinator asking (e-mail in the directory); audited")
    export.add_argument("--out", help="write to this .xlsx or .csv file (default: CSV on standard output)")


def export_esf(database, *, org: str, start: date, end: date, by: str, fmt: str, hours=reports.hours_by_person_month
               ) -> tuple[bytes, int]:
    """The report's bytes and row count; raises PermissionError unless `by` coordinates `org`."""
    if end < start:
        raise ValueError(f"--to {end} is before --from {start}")
    with database.session() as session:
        organisation = directory.organisation_by_key(session, org)
        if organisation is None:
            raise LookupError(f"no organisation with the key {org}")
        coordinator = directory.entry_by_email(session, organisation, by)
        if coordinator is None or not directory.is_coordinator(session, coordinator):
            raise PermissionError(f"{by} is not a coordinator of {org}; only coordinators export the ESF report")
        rows = reports.esf_rows(session, organisation=organisation, start=start, end=end, hours=hours)
        table = Table("esf-deltagare", "ESF", list(reports.ESF_COLUMNS),
                      [[row[column] for column in reports.ESF_COLUMNS] for row in rows])
        audit.record(session, actor_person_id=coordinator.person_id, action="report.esf_exported",
                     subject_type="organisation", subject_id=organisation.id,
                     details={"by": coordinator.email, "via": "cli", "format": fmt, "rows": len(rows),
                              "from": start.isoformat(), "to": end.isoformat()})
    return (to_xlsx(table) if fmt == "xlsx" else to_csv(table)), len(rows)


def run_command(args: argparse.Namespace, context) -> int:
    fmt = "xlsx" if args.out and args.out.lower().endswith(".xlsx") else "csv"
    try:
        data, count = export_esf(context.database, org=args.org, start=args.start, end=args.end, by=args.by, fmt=fmt)
    except (PermissionError, LookupError, ValueError) as error:
        print(str(error), file=sys.stderr)
        return 1
    if args.out:
        Path(args.out).write_bytes(data)
        print(f"wrote {args.out}: {count} rows", file=sys.stderr)
    else:
        sys.stdout.buffer.write(data)
    return 0
