"""Importing HR's export into the directory: every bad row reported with row, column and reason and nothing
imported; idempotent upserts by e-mail; leavers deactivated, never deleted; CSV and XLSX; dry runs; the CLI."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlmodel import select

from store.db import Database
from store.directory_import import (
    RowError, Table, UnknownOrganisation, read_people_and_units, role_key, validate_people, validate_units,
)
from store.models.directory import DirectoryEntry, DirectoryRole, Unit
from tests.directory_fixtures import (
    ORG, PEOPLE_HEADER, UNITS_HEADER, import_people, seed_organisation, write_csv, write_people, write_units,
)

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)
KARIN = ("karin.ek@stockholm.example", "Karin Ek", "", "SSB", "Chef", "", "")
ANNA = ("anna.lindberg@stockholm.example", "Anna Lindberg", "", "SSB", "Bibliotekarie", "karin.ek@stockholm.example",
        "36994097-fa7a-457a-b74f-ef011b909334")
OMAR = ("omar.haddad@stockholm.example", "Omar Haddad", "", "KH", "Museipedagog", "karin.ek@stockholm.example", "")


@pytest.fixture
def db(database_url):
    database = Database(database_url)
    database.migrate()
    seed_organisation(database)
    yield database
    database.dispose()


def _entries(db) -> dict[str, DirectoryEntry]:
    with db.session() as session:
        return {e.email: e for e in session.exec(select(DirectoryEntry))}


def _table(rows, header=PEOPLE_HEADER, sheet="personal.csv") -> Table:
    from store.directory_import import PEOPLE_COLUMNS, _table

    return _table(sheet, [list(header), *[list(r) for r in rows]], PEOPLE_COLUMNS)


# ---- validation (pure) -----------------------------------------------------------------------------------

def test_every_broken_row_is_reported_with_its_row_column_and_reason():
    rows = [
        KARIN,
        ("anna.lindberg(at)stockholm.example", "Anna Lindberg", "", "SSB", "", "", ""),
        ("KARIN.EK@stockholm.example", "Karin Ek igen", "", "SSB", "", "", ""),
        ("omar@stockholm.example", "Omar Haddad", "", "SSB", "", "nobody@stockholm.example", ""),
        ("a@stockholm.example", "A", "", "SSB", "", "b@stockholm.example", ""),
        ("b@stockholm.example", "B", "", "SSB", "", "a@stockholm.example", ""),
        ("c@stockholm.example", "C", "", "XYZ", "", "", ""),
        ("d@stockholm.example", "", "", "SSB", "", "", ""),
        ("e@stockholm.example", "E", "", "SSB", "", "", "not-a-guid"),
        ("f@stockholm.example", "F", "", "SSB", "", "f@stockholm.example", ""),
    ]

    people, errors = validate_people(_table(rows), unit_codes={"SSB"})

    assert people == []
    assert [str(e) for e in errors] == [
        "personal.csv row 3, column email: not an e-mail address: 'anna.lindberg(at)stockholm.example'",
        "personal.csv row 4, column email: duplicate e-mail karin.ek@stockholm.example (first on row 2)",
        "personal.csv row 5, column manager: unknown manager nobody@stockholm.example: not in the file",
        "personal.csv row 6, column manager: manager chain loops: a@stockholm.example -> b@stockholm.example -> "
        "a@stockholm.example",
        "personal.csv row 7, column manager: manager chain loops: b@stockholm.example -> a@stockholm.example -> "
        "b@stockholm.example",
        "personal.csv row 8, column unit: unknown unit XYZ",
        "personal.csv row 9, column name: empty",
        "personal.csv row 10, column aad_object_id: not an object id (GUID): 'not-a-guid'",
        "personal.csv row 11, column manager: a person cannot be their own manager",
    ]


def test_a_longer_manager_loop_is_reported_on_every_row_in_it_and_not_on_rows_leading_into_it():
    rows = [("a@x.se", "A", "", "", "", "b@x.se", ""), ("b@x.se", "B", "", "", "", "c@x.se", ""),
            ("c@x.se", "C", "", "", "", "a@x.se", ""), ("d@x.se", "D", "", "", "", "a@x.se", "")]

    _, errors = validate_people(_table(rows), unit_codes=set())

    assert [(e.row, e.reason) for e in errors] == [
        (2, "manager chain loops: a@x.se -> b@x.se -> c@x.se -> a@x.se"),
        (3, "manager chain loops: b@x.se -> c@x.se -> a@x.se -> b@x.se"),
        (4, "manager chain loops: c@x.se -> a@x.se -> b@x.se -> c@x.se"),
    ]


def test_missing_columns_and_an_empty_file_are_refused():
    _, missing = validate_people(_table([("a@x.se",)], header=("e-post",)), unit_codes=set())
    _, empty = validate_people(_table([]), unit_codes=set())

    assert missing == [RowError("personal.csv", 1, "name", "missing column")]
    assert "deactivate everyone" in empty[0].reason


def test_unit_sheet_problems_are_reported():
    from store.directory_import import UNIT_COLUMNS, _table

    table = _table("Enheter", [list(UNITS_HEADER), ["KF", "Kulturförvaltningen", ""], ["SSB", "Stadsbiblioteket", "KF"],
                               ["SSB", "Dubblett", "KF"], ["X", "X", "Y"], ["Y", "Y", "X"], ["Z", "Z", "NONE"]],
                   UNIT_COLUMNS)

    _, errors = validate_units(table)

    assert [str(e) for e in errors] == [
        "Enheter row 4, column code: duplicate unit code SSB (first on row 3)",
        "Enheter row 5, column parent: unit tree loops: X -> Y -> X",
        "Enheter row 6, column parent: unit tree loops: Y -> X -> Y",
        "Enheter row 7, column parent: unknown unit NONE",
    ]


def test_role_names_become_keys_that_match_role_profiles():
    assert role_key("Handläggare") == "handlaggare"
    assert role_key("Bibliotekarie") == "bibliotekarie"
    assert role_key("IT-strateg (senior)") == "it-strateg-senior"


# ---- importing (SQLite and PostgreSQL) -------------------------------------------------------------------

def test_a_broken_file_imports_nothing_and_changes_nothing_already_there(db, tmp_path):
    assert import_people(db, tmp_path, [KARIN, ANNA], now=NOW).ok
    before = _entries(db)

    report = import_people(db, tmp_path, [KARIN, ("omar(at)x", "Omar", "", "SSB", "", "", "")], now=NOW)

    assert not report.ok and [e.row for e in report.errors] == [3]
    assert report.lines()[1] == "REJECTED: 1 problem(s), nothing was imported:"
    after = _entries(db)
    assert sorted(after) == sorted(before) and all(e.active for e in after.values()), "Anna was not deactivated"


def test_a_correct_file_creates_people_units_roles_and_managers(db, tmp_path):
    report = import_people(db, tmp_path, [KARIN, ANNA, OMAR], now=NOW)

    assert report.ok and sorted(report.created) == sorted([KARIN[0], ANNA[0], OMAR[0]])
    assert (report.units_created, report.roles_created) == (3, 3)
    entries = _entries(db)
    assert entries[ANNA[0]].manager_entry_id == entries[KARIN[0]].id
    assert entries[ANNA[0]].aad_object_id == ANNA[6]
    with db.session() as session:
        units = {u.code: u for u in session.exec(select(Unit))}
        roles = {r.key for r in session.exec(select(DirectoryRole))}
    assert units["SSB"].parent_id == units["KF"].id and units["KF"].parent_id is None
    assert roles == {"chef", "bibliotekarie", "museipedagog"}


def test_importing_the_same_file_again_changes_nothing(db, tmp_path):
    import_people(db, tmp_path, [KARIN, ANNA, OMAR], now=NOW)
    before = {email: (e.id, e.updated_at) for email, e in _entries(db).items()}

    report = import_people(db, tmp_path, [KARIN, ANNA, OMAR], now=datetime(2026, 4, 1, tzinfo=timezone.utc))

    assert (report.created, report.updated, report.unchanged, report.deactivated) == ([], [], 3, [])
    assert {email: (e.id, e.updated_at) for email, e in _entries(db).items()} == before


def test_people_absent_from_the_file_are_deactivated_and_come_back_when_listed_again(db, tmp_path):
    import_people(db, tmp_path, [KARIN, ANNA, OMAR], now=NOW)

    left = import_people(db, tmp_path, [KARIN, ANNA], now=NOW)
    assert left.deactivated == [OMAR[0]]
    omar = _entries(db)[OMAR[0]]
    assert not omar.active and omar.left_at is not None

    back = import_people(db, tmp_path, [KARIN, ANNA, OMAR], now=NOW)
    assert back.reactivated == [OMAR[0]]
    omar_again = _entries(db)[OMAR[0]]
    assert omar_again.active and omar_again.left_at is None and omar_again.id == omar.id


def test_the_upsert_is_by_e_mail_whatever_its_case_and_an_empty_object_id_keeps_the_stored_one(db, tmp_path):
    import_people(db, tmp_path, [KARIN, ANNA], now=NOW)
    renamed = (ANNA[0].upper(), "Anna Lindberg-Ek", "", "SSB", "Bibliotekarie", KARIN[0], "")

    report = import_people(db, tmp_path, [KARIN, renamed], now=NOW)

    assert report.updated == [ANNA[0]] and report.created == []
    anna = _entries(db)[ANNA[0]]
    assert anna.name == "Anna Lindberg-Ek" and anna.aad_object_id == ANNA[6]


def test_a_new_manager_is_reported(db, tmp_path):
    maria = ("maria.holm@stockholm.example", "Maria Holm", "", "SSB", "Chef", "", "")
    import_people(db, tmp_path, [KARIN, ANNA], now=NOW)

    report = import_people(db, tmp_path, [maria, (*ANNA[:5], maria[0], ANNA[6])], now=NOW)

    assert report.manager_changes == [(ANNA[0], KARIN[0], maria[0])]
    assert report.deactivated == [KARIN[0]]


def test_a_dry_run_reports_what_would_happen_and_saves_nothing(db, tmp_path):
    report = import_people(db, tmp_path, [KARIN, ANNA], now=NOW, dry_run=True)

    assert report.ok and len(report.created) == 2 and "dry run" in report.lines()[0]
    assert _entries(db) == {}


def test_without_a_units_file_people_may_only_name_units_that_exist(db, tmp_path):
    assert not import_people(db, tmp_path, [KARIN], now=NOW, units=False).ok
    import_people(db, tmp_path, [KARIN], now=NOW)

    assert import_people(db, tmp_path, [KARIN, ANNA], now=NOW, units=False).ok


def test_an_unknown_organisation_is_refused(db, tmp_path):
    with pytest.raises(UnknownOrganisation, match="nacka-kof"):
        import_people(db, tmp_path, [KARIN], org="nacka-kof", now=NOW)


def test_an_xlsx_with_people_and_units_sheets_imports_like_the_csv(db, tmp_path):
    workbook = Workbook()
    people = workbook.active
    people.title = "Personer"
    people.append(["E-post", "Namn", "Enhet", "Roll", "Chef", "ObjectId"])
    people.append([KARIN[0], KARIN[1], 100, "Chef", None, None])
    people.append([ANNA[0], ANNA[1], 110, "Bibliotekarie", KARIN[0], ANNA[6]])
    units = workbook.create_sheet("Enheter")
    units.append(["Kod", "Namn", "Överordnad"])
    units.append([100, "Kulturförvaltningen", None])
    units.append([110, "Stadsbiblioteket", 100])
    path = tmp_path / "hr.xlsx"
    workbook.save(path)

    people_table, units_table = read_people_and_units(path)
    with db.session() as session:
        from store.directory_import import import_directory

        report = import_directory(session, organisation_key=ORG, people=people_table, units=units_table, now=NOW)

    assert report.ok, report.errors
    entries = _entries(db)
    assert entries[ANNA[0]].manager_entry_id == entries[KARIN[0]].id
    with db.session() as session:
        assert {u.code for u in session.exec(select(Unit))} == {"100", "110"}


def test_the_cli_prints_every_problem_and_exits_non_zero_then_imports_the_corrected_file(database_url, tmp_path):
    env = {"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin", "LOG_LEVEL": "WARNING"}
    run = lambda *args: subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True,  # noqa
                                       env=env, cwd=Path(__file__).parents[2])
    assert run("organisation", ORG, "Stockholms stad, kulturförvaltningen").returncode == 0
    units = write_units(tmp_path)
    broken = write_csv(tmp_path / "broken.csv", PEOPLE_HEADER,
                       [KARIN, ("anna(at)x", "Anna", "", "SSB", "", "", ""), (*OMAR[:5], "boss@x.se", "")])
    fixed = write_people(tmp_path, [KARIN, ANNA, OMAR])

    rejected = run("import-directory", str(broken), "--org", ORG, "--units", str(units))
    dry = run("import-directory", str(fixed), "--org", ORG, "--units", str(units), "--dry-run")
    imported = run("import-directory", str(fixed), "--org", ORG, "--units", str(units))

    assert rejected.returncode == 1
    assert "broken.csv row 3, column email: not an e-mail address: 'anna(at)x'" in rejected.stdout
    assert "broken.csv row 4, column manager: unknown manager boss@x.se: not in the file" in rejected.stdout
    assert dry.returncode == 0 and "dry run" in dry.stdout and "created: 3" in dry.stdout
    assert imported.returncode == 0 and "created: 3, updated: 0, unchanged: 0" in imported.stdout, imported.stderr
