"""Admin commands for the yearly digital maturity survey, run as `python -m bot survey …`:

    survey schedule --org KEY [--org KEY …] [--opens DATE] [--closes DATE] [--min-group K]
    survey list [--org KEY]
    survey cancel --round ID
    survey export --round ID --out FILE.csv|FILE.xlsx

A round opens on its first day (invitations through the outbox, within working hours), reminds on the 7th
and 14th day and 2 days before closing, and closes after its last day (the scheduled job `survey_rounds`).
By default a round runs through October. The export holds only what the anonymity rules let be shown.
"""

from __future__ import annotations

import argparse
import csv
import sys
from datetime import date, datetime
from pathlib import Path
from typing import TextIO

from dialogs.config import DialogConfig
from dialogs.rules.anonymity import DEFAULT_K, ROOT, check_k
from dialogs.rules.survey_schedule import default_period
from dialogs.rules.survey_results import differences
from dialogs.survey import local_today, previous_round, reference_round, round_result
from store import directory, survey
from store.db import Database
from store.models.core import utcnow
from store.models.directory import Organisation
from store.survey import SurveyError, load_survey_instrument

COMMANDS = ("survey",)
EXPORT_COLUMNS = ("round", "organisation", "opens", "closes", "group", "answered", "invited", "response_rate",
                  "dimension", "source", "n", "mean", "answers_1", "answers_2", "answers_3", "answers_4", "answers_5",
                  "dont_know", "change_since_previous", "reference_mean")


def add_commands(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("survey", help="schedule, list, cancel and export digital maturity survey rounds")
    actions = parser.add_subparsers(dest="survey_command", required=True)
    schedule = actions.add_parser("schedule", help="schedule a round for one or more organisations")
    schedule.add_argument("--org", action="append", required=True, help="an organisation's key (repeatable)")
    schedule.add_argument("--opens", type=date.fromisoformat, help="first day (default: 1 October)")
    schedule.add_argument("--closes", type=date.fromisoformat, help="last day (default: 31 October)")
    schedule.add_argument("--min-group", type=int, default=DEFAULT_K,
                          help=f"results only for groups of at least this many answers, 3-25 (default {DEFAULT_K})")
    listing = actions.add_parser("list", help="the rounds, with their status and answers")
    listing.add_argument("--org", help="only this organisation's rounds")
    cancel = actions.add_parser("cancel", help="cancel a scheduled or open round (its answers are discarded)")
    cancel.add_argument("--round", type=int, required=True)
    export = actions.add_parser("export", help="a closed round's results as CSV or XLSX")
    export.add_argument("--round", type=int, required=True)
    export.add_argument("--out", required=True, help="a .csv or .xlsx file")


def run_command(args: argparse.Namespace, context) -> int:
    return run(args, context.database, context.dialog_config)


def run(args: argparse.Namespace, db: Database, config: DialogConfig, *, out: TextIO = sys.stdout,
        err: TextIO = sys.stderr, now: datetime | None = None) -> int:
    now = now or utcnow()
    try:
        if args.survey_command == "schedule":
            return _schedule(args, db, config, out, now)
        if args.survey_command == "list":
            return _list(args, db, out)
        if args.survey_command == "cancel":
            with db.session() as session:
                cancelled = survey.cancel_round(session, round_id=args.round)
            print(f"cancelled survey round {cancelled.id}", file=out)
            return 0
        if args.survey_command == "export":
            return _export(args, db, out)
    except (SurveyError, ValueError) as error:
        print(f"error: {error}", file=err)
        return 1
    raise ValueError(f"not a survey command: {args.survey_command}")


def _schedule(args, db: Database, config: DialogConfig, out: TextIO, now: datetime) -> int:
    check_k(args.min_group)
    default_opens, default_closes = default_period(local_today(now, config))
    opens, closes = args.opens or default_opens, args.closes or default_closes
    if args.opens and not args.closes:
        closes = max(default_closes, opens)
    with db.session() as session:
        for key in args.org:
            organisation = directory.organisation_by_key(session, key)
            if organisation is None:
                raise SurveyError(f"no organisation with key {key!r}")
            created = survey.schedule_round(session, organisation=organisation, opens_on=opens, closes_on=closes,
                                            min_group=args.min_group, now=now)
            print(f"scheduled survey round {created.id} for {key}: {opens} to {closes} "
                  f"(results for groups of at least {args.min_group})", file=out)
    return 0


def _list(args, db: Database, out: TextIO) -> int:
    with db.session() as session:
        organisation_id = None
        if args.org:
            organisation = directory.organisation_by_key(session, args.org)
            if organisation is None:
                raise SurveyError(f"no organisation with key {args.org!r}")
            organisation_id = organisation.id
        rows = survey.rounds(session, organisation_id=organisation_id)
        if not rows:
            print("no survey rounds", file=out)
        for survey_round, organisation in rows:
            counts = survey.register_counts(session, round_id=survey_round.id)
            invited = sum(i for i, _ in counts.values())
            answered = sum(a for _, a in counts.values())
            print(f"{survey_round.id}\t{organisation.key}\t{survey_round.opens_on} to {survey_round.closes_on}\t"
                  f"{survey_round.status}\t{answered} of {invited} answered\tk={survey_round.min_group}", file=out)
    return 0


def export_rows(session, survey_round) -> list[dict]:
    """The shown figures of a closed round, one row per group and dimension (the organisation first)."""
    instrument = load_survey_instrument(survey_round.instrument_version)
    result = round_result(session, survey_round)
    organisation = session.get(Organisation, survey_round.organisation_id)
    units = survey.unit_tree(session, organisation_id=survey_round.organisation_id)
    base = {"round": survey_round.id, "organisation": organisation.key, "opens": survey_round.opens_on.isoformat(),
            "closes": survey_round.closes_on.isoformat()}
    if not result.shown or result.organisation is None:
        return []
    earlier = previous_round(session, survey_round)
    before = round_result(session, earlier) if earlier else None
    reference = reference_round(session, survey_round)
    theirs = round_result(session, reference[1]) if reference else None

    groups = [(f"{organisation.name} (total)", result.organisation)]
    if len(result.groups) > 1:
        groups += [(f"{organisation.name} (others)" if g.anchor is ROOT else units[g.anchor].name, g)
                   for g in result.groups]
    rows = []
    for index, (name, group) in enumerate(groups):
        changes = differences(group, before.organisation if index == 0 else before.group(group.anchor)) \
            if before is not None and before.shown else {}
        reference_means = theirs.organisation.dimensions if index == 0 and theirs and theirs.shown else {}
        for dimension in instrument.dimensions:
            figure = group.dimensions[dimension.key]
            shown = figure.mean is not None
            distribution = figure.distribution if shown else ("",) * instrument.scale_max
            rows.append({**base, "group": name, "answered": group.answered, "invited": group.invited,
                         "response_rate": round(group.response_rate, 3) if group.response_rate is not None else "",
                         "dimension": dimension.key, "source": dimension.source,
                         "n": figure.n if shown else "", "mean": round(figure.mean, 2) if shown else "",
                         **{f"answers_{i + 1}": distribution[i] for i in range(instrument.scale_max)},
                         "dont_know": figure.dont_know if shown else "",
                         "change_since_previous": round(changes[dimension.key], 2) if dimension.key in changes
                         else "",
                         "reference_mean": round(reference_means[dimension.key].mean, 2)
                         if dimension.key in reference_means and reference_means[dimension.key].mean is not None
                         else ""})
    return rows


def _export(args, db: Database, out: TextIO) -> int:
    with db.session() as session:
        survey_round = survey.get_round(session, args.round)
        if survey_round is None:
            raise SurveyError(f"no survey round {args.round}")
        if survey_round.status != "closed":
            raise SurveyError(f"round {args.round} is {survey_round.status}: results exist once it has closed")
        rows = export_rows(session, survey_round)
    if not rows:
        raise SurveyError(f"round {args.round} had fewer than {survey_round.min_group} answers: nothing may be shown")
    path = Path(args.out)
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "Resultat"
        sheet.append(list(EXPORT_COLUMNS))
        for row in rows:
            sheet.append([row[column] for column in EXPORT_COLUMNS])
        workbook.save(path)
    elif path.suffix.lower() == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=EXPORT_COLUMNS, delimiter=";")
            writer.writeheader()
            writer.writerows(rows)
    else:
        raise SurveyError(f"--out must end in .csv or .xlsx, not {path.name}")
    print(f"wrote {len(rows)} rows to {path}", file=out)
    return 0
