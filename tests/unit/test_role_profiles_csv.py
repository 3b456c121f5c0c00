"""Role profiles as CSV: the seed file imports, export and import round-trip, and a broken file is refused
row by row with the column and the reason, importing nothing."""

import subprocess
import sys

import pytest
from sqlmodel import select

from store.models.assessment import RoleProfile, RoleTarget
from store.role_profiles_csv import (
    SEED_FILE, RoleProfileCsvError, export_role_profiles, import_role_profiles, parse_role_profiles,
)

HEADER = "role_key;title_sv;title_en;1.1;2.4;5.4"


def problems(content: str) -> list[str]:
    with pytest.raises(RoleProfileCsvError) as caught:
        parse_role_profiles(content)
    return caught.value.problems


def test_the_seed_file_has_four_roles_with_a_target_for_every_competence():
    roles = parse_role_profiles(SEED_FILE.read_text(encoding="utf-8"))

    assert [r.key for r in roles] == ["bibliotekarie", "museipedagog", "handlaggare", "chef"]
    assert roles[2].title_sv == "Handläggare" and roles[2].title_en == "Case officer"
    assert all(len(r.targets) == 21 and all(1 <= v <= 8 for v in r.targets.values()) for r in roles)


def test_commas_a_byte_order_mark_blank_lines_and_empty_targets_are_accepted():
    content = "\ufeffrole_key,title_sv,title_en,1.1,2.4\nchef,Chef,Manager,4,\n\n"

    [role] = parse_role_profiles(content)

    assert role.targets == {"1.1": 4}


def test_every_broken_cell_is_reported_with_row_column_and_reason():
    content = "\n".join([
        HEADER,
        "bibliotekarie;Bibliotekarie;Librarian;6;4;9",
        "Chef X;Chef;Manager;4;5;6",
        "museipedagog;;Museum educator;4;fyra;4",
        "bibliotekarie;Bibliotekarie;Librarian;6;4;4",
        "handlaggare;Handläggare;Case officer;4;5",
    ])

    assert problems(content) == [
        "row 2, column '5.4': '9' is not a level 0-8 (leave empty for no target)",
        "row 3, column 'role_key': 'Chef X' must be 1-60 lowercase letters a-z, digits, '-' or '_'",
        "row 4, column 'title_sv': is empty",
        "row 4, column '2.4': 'fyra' is not a level 0-8 (leave empty for no target)",
        "row 5, column 'role_key': 'bibliotekarie' is already on row 2",
        "row 6: has 5 cells, the header has 6",
    ]


def test_a_broken_header_is_reported_before_any_row():
    assert problems("role_key;title_en;1.1;6.1;1.1\nchef;Manager;4;4;4") == [
        "row 1: missing column 'title_sv'",
        "row 1, column 4: unknown column '6.1'; expected role_key, title_sv, title_en and DigComp 2.2 "
        "competences 1.1 ... 5.4",
        "row 1, column 5: '1.1' appears twice",
    ]
    assert problems("") == ["row 1: the file is empty; expected a header row starting with role_key"]
    assert problems(HEADER + "\n") == ["row 2: the file has a header but no roles"]


def test_nothing_is_imported_when_any_row_is_broken(db):
    content = HEADER + "\nchef;Chef;Manager;4;5;6\nbibliotekarie;Bibliotekarie;Librarian;6;4;x\n"

    with pytest.raises(RoleProfileCsvError):
        with db.session() as session:
            import_role_profiles(session, content=content)

    with db.session() as session:
        assert session.exec(select(RoleProfile)).all() == []
        assert session.exec(select(RoleTarget)).all() == []


def test_import_updates_roles_by_key_replaces_their_targets_and_export_round_trips(db):
    with db.session() as session:
        first = import_role_profiles(session, content=SEED_FILE.read_text(encoding="utf-8"))
    with db.session() as session:
        second = import_role_profiles(session, content=HEADER + "\nchef;Chef;Head of unit;3;;\n")
        exported = export_role_profiles(session)

    assert sorted(first.created) == ["bibliotekarie", "chef", "handlaggare", "museipedagog"]
    assert second.updated == ["chef"] and second.created == []
    lines = exported.splitlines()
    assert lines[0].startswith("role_key;title_sv;title_en;1.1;1.2;1.3;2.1")
    assert "chef;Chef;Head of unit;3" + ";" * 20 in lines
    again = parse_role_profiles(exported)
    assert {r.key: len(r.targets) for r in again} == {"bibliotekarie": 21, "chef": 1, "handlaggare": 21,
                                                       "museipedagog": 21}


def test_the_command_line_imports_and_reports_broken_rows_with_exit_status_1(tmp_path, sqlite_url):
    env = {"DATABASE_URL": sqlite_url, "PATH": "/usr/bin:/bin"}
    repo = SEED_FILE.parents[2]

    def run(*args):
        return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, env=env, cwd=repo)

    assert run("migrate").returncode == 0
    broken = tmp_path / "roles.csv"
    broken.write_text(HEADER + "\nchef;Chef;Manager;4;5;10\n", encoding="utf-8")

    refused = run("role-profiles", "import", str(broken))
    imported = run("role-profiles", "import", str(SEED_FILE))
    exported = run("role-profiles", "export", str(tmp_path / "out.csv"))

    assert refused.returncode == 1
    assert f"{broken}: row 2, column '5.4': '10' is not a level 0-8" in refused.stderr
    assert "nothing was imported" in refused.stderr
    assert imported.returncode == 0 and "imported 4 role profiles" in imported.stdout
    assert exported.returncode == 0
    assert (tmp_path / "out.csv").read_text(encoding="utf-8-sig").count("\n") == 5
