"""The admin commands as an admin types them: organisations (the reference group too), coordinators, admins
and stand-ins, with specific errors."""

from __future__ import annotations

import argparse
from datetime import datetime, timezone
from io import StringIO

from bot.cli import directory as directory_cli
from dialogs.config import DialogConfig
from store import directory
from tests.directory_fixtures import import_people

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)
KARIN = ("karin.ek@stockholm.example", "Karin Ek", "", "SSB", "Chef", "", "")
ANNA = ("anna.lindberg@stockholm.example", "Anna Lindberg", "", "SSB", "", "karin.ek@stockholm.example", "")
MARIA = ("maria.holm@stockholm.example", "Maria Holm", "", "KH", "Chef", "", "")
ADMIN = ("admin@stockholm.example", "Ada Admin", "", "KF", "", "", "")


def cli(db, *argv: str) -> tuple[int, str]:
    parser = argparse.ArgumentParser()
    directory_cli.add_commands(parser.add_subparsers(dest="command"))
    out = StringIO()
    code = directory_cli.run(parser.parse_args(argv), db, DialogConfig(), out=out, err=out, now=NOW)
    return code, out.getvalue()


def test_organisations_are_created_then_updated_by_key(db):
    assert cli(db, "organisation", "nacka-kof", "Nacka kultur och fritid", "--reference-group",
               "--contact", "kompetens@nacka.example") == (
        0, "created organisation nacka-kof: Nacka kultur och fritid (reference group)\n")
    assert cli(db, "organisation", "nacka-kof", "--tenant", "nacka-tenant") == (
        0, "updated organisation nacka-kof: Nacka kultur och fritid (reference group)\n")
    assert cli(db, "organisation", "nacka-kof", "Nacka kommun", "--no-reference-group")[0] == 0

    with db.session() as session:
        nacka = directory.organisation_by_key(session, "nacka-kof")
        assert (nacka.name, nacka.tenant_id, nacka.reference_group, nacka.contact) == (
            "Nacka kommun", "nacka-tenant", False, "kompetens@nacka.example")
    assert cli(db, "organisation", "new-org") == (1, "error: a new organisation needs a name: new-org\n")


def test_coordinators_admins_and_stand_ins_are_assigned_and_mistakes_explained(db, tmp_path):
    cli(db, "organisation", "stockholm-kultur", "Stockholms stad, kulturförvaltningen")
    assert import_people(db, tmp_path, [KARIN, ANNA, MARIA, ADMIN], now=NOW).ok

    assert cli(db, "directory-assign", MARIA[0], "--org", "stockholm-kultur", "--as", "coordinator") == (
        0, f"{MARIA[0]} is now coordinator of stockholm-kultur\n")
    refused = cli(db, "stand-in", "--org", "stockholm-kultur", "--manager", KARIN[0], "--stand-in", MARIA[0],
                  "--by", ADMIN[0])
    cli(db, "directory-assign", ADMIN[0], "--org", "stockholm-kultur", "--as", "admin")
    assigned = cli(db, "stand-in", "--org", "stockholm-kultur", "--manager", KARIN[0], "--stand-in", MARIA[0],
                   "--by", ADMIN[0], "--from", "2026-03-09", "--until", "2026-03-20")
    unknown = cli(db, "directory-assign", "nobody@x.se", "--org", "stockholm-kultur", "--as", "admin")
    no_org = cli(db, "directory-assign", MARIA[0], "--org", "nacka-kof", "--as", "admin")

    assert refused == (1, f"error: {ADMIN[0]} is not an admin of stockholm-kultur; only admins assign stand-ins\n")
    assert assigned == (0, f"{MARIA[0]} stands in for {KARIN[0]} until 2026-03-20\n")
    assert unknown == (1, "error: nobody@x.se is not an active person in the directory of stockholm-kultur\n")
    assert no_org[0] == 1 and "no organisation with key 'nacka-kof'" in no_org[1]
    with db.session() as session:
        organisation = directory.organisation_by_key(session, "stockholm-kultur")
        maria, anna = (directory.entry_by_email(session, organisation, row[0]) for row in (MARIA, ANNA))
        assert directory.review_right(session, reviewer=maria, employee=anna, now=NOW).as_stand_in
        late = datetime(2026, 3, 20, 22, 59, tzinfo=timezone.utc)  # 23:59 on the last day, Stockholm time
        assert directory.review_right(session, reviewer=maria, employee=anna, now=late).allowed
        assert not directory.review_right(session, reviewer=maria, employee=anna,
                                          now=datetime(2026, 3, 20, 23, 0, tzinfo=timezone.utc)).allowed
