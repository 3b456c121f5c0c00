"""The directory from Microsoft Graph, through a fake Graph on loopback (HTTPS, real MSAL token fetch, paging,
delta links, Retry-After), into the real store on SQLite and PostgreSQL."""

from __future__ import annotations

import argparse
import asyncio
import io
from datetime import date, datetime, timezone

import pytest
import requests
from sqlmodel import select

from bot.app import DATABASE, OUTBOX, dialog_config
from bot.cli import directory as directory_cli
from bot.graph import graph_client_for
from bot.settings import Settings
from dialogs.config import DialogConfig
from store import directory
from store.models.directory import DirectoryEntry, Organisation, Unit
from scheduler.jobs import JobContext, run_survey_rounds
from tests.fakes.activities import TeamsUser
from tests.fakes.graph import FakeGraph
from tests.harness import Chat, card_text
from tests.survey_fixtures import INVITATION_TITLE, schedule, titled

TENANT = "6f1c3b8e-2d4a-4c1e-9f0a-1b2c3d4e5f60"
APP_ID = "0c8f4a5e-9b1d-4e2f-8a3c-5d6e7f809a1b"
SECRET = "graph-secret"
NOW = datetime(2026, 3, 10, 2, 0, tzinfo=timezone.utc)


@pytest.fixture
def graph():
    with FakeGraph(tenant_id=TENANT, client_id=APP_ID, client_secret=SECRET) as fake:
        yield fake


@pytest.fixture
def org(db):
    with db.session() as session:
        directory.save_organisation(session, key="stockholm-kultur", name="Kulturförvaltningen", tenant_id=TENANT)
    return "stockholm-kultur"


def _client(graph: FakeGraph, sleeps: list[float] | None = None, secret: str = SECRET):
    session = requests.Session()
    session.verify = graph.ca_file  # the fake's own certificate, as a proxy's CA would be trusted
    session.trust_env = False  # else REQUESTS_CA_BUNDLE from the environment wins over session.verify
    settings = Settings(app_id=APP_ID, app_password=secret, app_tenant_id=TENANT, graph_base_url=graph.base_url,
                        graph_authority_host=graph.origin)
    return graph_client_for(settings, TENANT, session=session, sleep=(sleeps.append if sleeps is not None else
                                                                       lambda seconds: None))


def _cli(db, graph_client, *argv: str) -> tuple[int, str]:
    parser = argparse.ArgumentParser()
    directory_cli.add_commands(parser.add_subparsers(dest="command"))
    out = io.StringIO()
    code = directory_cli.run(parser.parse_args(list(argv)), db, DialogConfig(), out=out, err=out, now=NOW,
                             graph=graph_client)
    return code, out.getvalue()


def _setup(db, *extra: str) -> None:
    code, output = _cli(db, None, "directory", "setup-graph", "--org", "stockholm-kultur", *extra)
    assert code == 0, output


def _entries(db) -> dict[str, DirectoryEntry]:
    with db.session() as session:
        return {e.email: e for e in session.exec(select(DirectoryEntry))}


def _culture_staff(graph: FakeGraph, n: int):
    head = graph.add_user("Eva Ström", "eva.strom@stockholm.se", department="Kulturförvaltningen",
                          job_title="Förvaltningschef", company="Stockholms stad")
    staff = [graph.add_user(f"Person {i}", f"person{i}@stockholm.se", manager=head, department="Stadsbiblioteket",
                            job_title="Bibliotekarie", company="Stockholms stad", employee_id=str(1000 + i))
             for i in range(n)]
    return head, staff


def test_full_sync_reads_every_page_and_builds_the_directory_with_managers_units_and_roles(db, org, graph):
    head, staff = _culture_staff(graph, 1200)
    _setup(db, "--company", "Stockholms stad", "--unit", "Stadsbiblioteket=SSB")

    code, output = _cli(db, _client(graph), "directory", "sync", "--org", org)

    assert code == 0, output
    pages = [path for method, path in graph.requests if method == "GET" and path.startswith("/v1.0/users/delta")]
    assert len(pages) == 2, "1,201 users come in two pages of at most 999"
    assert "created: 1201" in output
    entries = _entries(db)
    assert entries["person7@stockholm.se"].manager_entry_id == entries["eva.strom@stockholm.se"].id
    assert entries["person7@stockholm.se"].aad_object_id == staff[7].id
    with db.session() as session:
        units = {u.code: u.name for u in session.exec(select(Unit))}
    assert units["SSB"] == "Stadsbiblioteket" and units["kulturforvaltningen"] == "Kulturförvaltningen"


def test_only_users_the_rule_puts_in_scope_are_imported(db, org, graph):
    graph.add_user("Anna Lindberg", "anna@stockholm.se", department="Kultur/Stadsarkivet", company="Stockholms stad")
    graph.add_user("Olle Park", "olle@stockholm.se", department="Park och natur", company="Stockholms stad")
    graph.add_user("Nils Nacka", "nils@nacka.se", department="Kultur och fritid", company="Nacka kommun")
    graph.add_user("Ida Avstängd", "ida@stockholm.se", department="Kultur/Stadsarkivet", company="Stockholms stad",
                   enabled=False)
    _setup(db, "--company", "stockholms stad", "--department-prefix", "Kultur")

    code, output = _cli(db, _client(graph), "directory", "sync", "--org", org)

    assert code == 0, output
    assert set(_entries(db)) == {"anna@stockholm.se"}


def test_a_dry_run_reports_what_would_change_and_saves_nothing(db, org, graph):
    _culture_staff(graph, 3)
    _setup(db)

    code, output = _cli(db, _client(graph), "directory", "sync", "--org", org, "--dry-run")

    assert code == 0, output
    assert "dry run: nothing saved" in output and "created: 4" in output
    assert _entries(db) == {}
    code, output = _cli(db, _client(graph), "directory", "sync", "--org", org)
    assert "Graph full sync" in output, "a dry run keeps no delta link: the next sync still reads everyone"


def test_a_delta_sync_applies_only_what_changed_and_deactivates_who_left(db, org, graph):
    head, staff = _culture_staff(graph, 5)
    new_boss = graph.add_user("Karin Ek", "karin.ek@stockholm.se", department="Stadsbiblioteket",
                              company="Stockholms stad")
    _setup(db)
    assert _cli(db, _client(graph), "directory", "sync", "--org", org)[0] == 0
    before = len(graph.requests)

    graph.update_user(staff[0], manager=new_boss)
    graph.update_user(staff[1], accountEnabled=False)
    graph.delete_user(staff[2])
    graph.update_user(staff[3], displayName="Person Tre Omdöpt")
    graph.add_user("Ny Person", "ny.person@stockholm.se", manager=head, department="Stadsbiblioteket")
    code, output = _cli(db, _client(graph), "directory", "sync", "--org", org)

    assert code == 0, output
    assert "Graph delta sync: 5 user records read" in output
    assert any("deltatoken" in path for _, path in graph.requests[before:])
    entries = _entries(db)
    assert entries["person0@stockholm.se"].manager_entry_id == entries["karin.ek@stockholm.se"].id
    assert "new manager for person0@stockholm.se: eva.strom@stockholm.se -> karin.ek@stockholm.se" in output
    assert not entries["person1@stockholm.se"].active and not entries["person2@stockholm.se"].active
    assert entries["person3@stockholm.se"].name == "Person Tre Omdöpt"
    assert entries["person4@stockholm.se"].active and entries["person4@stockholm.se"].name == "Person 4"
    assert entries["ny.person@stockholm.se"].manager_entry_id == entries["eva.strom@stockholm.se"].id


def test_throttled_and_unavailable_answers_wait_for_retry_after_and_the_sync_completes(db, org, graph):
    _culture_staff(graph, 2)
    _setup(db)
    graph.throttle_next(2, retry_after=7)
    graph.unavailable_next(1, retry_after=3)
    sleeps: list[float] = []

    code, output = _cli(db, _client(graph, sleeps), "directory", "sync", "--org", org)

    assert code == 0, output
    assert sleeps == [7, 7, 3]
    assert "3 throttled answers waited out" in output
    assert len(_entries(db)) == 3


def test_a_wrong_client_secret_is_reported_plainly_and_changes_nothing(db, org, graph):
    _culture_staff(graph, 2)
    _setup(db)

    code, output = _cli(db, _client(graph, secret="wrong"), "directory", "sync", "--org", org)

    assert code == 1
    assert "no Graph token: invalid_client" in output
    assert _entries(db) == {}


def test_an_organisation_uses_one_source_so_file_import_and_graph_sync_never_fight(db, org, graph, tmp_path):
    people = tmp_path / "personal.csv"
    people.write_text("e-post;namn\nanna@stockholm.se;Anna Lindberg\n", encoding="utf-8")
    code, output = _cli(db, _client(graph), "directory", "sync", "--org", org)
    assert code == 1 and "takes its directory from an HR file" in output

    _setup(db)
    code, output = _cli(db, None, "import-directory", str(people), "--org", org)
    assert code == 1 and "takes its directory from Microsoft Graph" in output
    assert _entries(db) == {}

    assert _cli(db, None, "directory", "source", "--org", org, "file")[0] == 0
    code, output = _cli(db, None, "import-directory", str(people), "--org", org)
    assert code == 0, output


def test_the_nightly_job_syncs_each_organisation_set_up_for_it_and_skips_the_others(db, org, graph, clock):
    from scheduler.jobs import JobContext, sync_directories

    with db.session() as session:
        directory.save_organisation(session, key="nacka-kof", name="Nacka kultur och fritid", tenant_id=TENANT)
    _culture_staff(graph, 3)
    _setup(db, "--company", "Stockholms stad")
    assert _cli(db, None, "directory", "setup-graph", "--org", "nacka-kof", "--no-nightly")[0] == 0
    tenants: list[str | None] = []

    def graph_for(tenant):
        tenants.append(tenant)
        return _client(graph)

    synced = sync_directories(JobContext(db, clock, DialogConfig(), graph_for=graph_for))

    assert synced == 1 and tenants == [TENANT]
    with db.session() as session:
        organisations = {o.id: o.key for o in session.exec(select(Organisation))}
        by_org = {organisations[e.organisation_id] for e in session.exec(select(DirectoryEntry))}
    assert by_org == {"stockholm-kultur"}, "only the organisation set up for nightly syncs was read"


def test_install_app_reaches_everyone_who_cannot_be_reached_and_records_each_outcome(db, org, graph):
    from store.models.core import Person

    head, staff = _culture_staff(graph, 4)
    graph.user(staff[0].id).install_policy = "blocked"
    graph.user(staff[1].id).installed_apps.add("catalog-app")
    _setup(db, "--install-app")
    assert _cli(db, _client(graph), "directory", "sync", "--org", org)[0] == 0
    with db.session() as session:  # staff 2 has written to the bot already: nothing to install
        person = Person(tenant_id=TENANT, aad_object_id=staff[2].id, conversation_reference={"conversation": {}})
        session.add(person)
        session.flush()
        entry = session.exec(select(DirectoryEntry).where(DirectoryEntry.aad_object_id == staff[2].id)).one()
        entry.person_id = person.id
    graph.delete_user(staff[3])  # gone from Entra ID since the sync: Graph answers 404

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TEAMS_CATALOG_APP_ID", "catalog-app")
        code, output = _cli(db, _client(graph), "directory", "install-app", "--org", org)
        assert code == 0, output
        assert output.strip() == "app installation for stockholm-kultur: 1 already, 1 blocked, 1 failed, 1 installed"
        assert "catalog-app" in graph.user(head.id).installed_apps
        assert "catalog-app" not in graph.user(staff[2].id).installed_apps

        code, output = _cli(db, _client(graph), "directory", "install-app", "--org", org)
        assert output.strip() == "app installation for stockholm-kultur: 1 failed", \
            "only the failed one is tried again"

    code, output = _cli(db, None, "directory", "status", "--org", org)
    assert "app installations: 1 already, 1 blocked, 1 failed, 1 installed" in output
    assert "directory from Microsoft Graph, synced every night, installs the app" in output


def test_install_app_needs_the_catalog_id_and_says_where_to_find_it(db, org, graph, monkeypatch):
    monkeypatch.delenv("TEAMS_CATALOG_APP_ID", raising=False)
    _setup(db, "--install-app")
    code, output = _cli(db, _client(graph), "directory", "install-app", "--org", org)
    assert code == 1 and "TEAMS_CATALOG_APP_ID" in output


async def test_a_survey_invitation_reaches_someone_who_never_opened_the_bot(clocked_bot, connector, graph,
                                                                            clock, tmp_path, monkeypatch):
    """Entra ID knows Anna; she has never opened the bot and Teams would refuse a chat with her (no app).
    The sync puts her in the directory, the bot installs the app for her through Graph, and the survey's
    invitation then arrives in a new 1:1 chat."""
    db = clocked_bot.app[DATABASE]
    coordinator = TeamsUser.create("Eva Ström", tenant_id=TENANT)
    anna = TeamsUser.create("Anna Lindberg", tenant_id=TENANT)
    connector.register(coordinator)
    connector.register(anna, installed=False)
    # Once Graph has installed the app for her, Teams lets the bot open a chat with her.
    graph.on_install = lambda user_id, app: (connector.register(anna, installed=True)
                                             if user_id == anna.aad_object_id else None)
    head = graph.add_user("Eva Ström", coordinator.email, department="Kulturförvaltningen",
                          user_id=coordinator.aad_object_id)
    graph.add_user("Anna Lindberg", anna.email, manager=head, department="Stadsbiblioteket",
                   user_id=anna.aad_object_id)
    with db.session() as session:
        directory.save_organisation(session, key="stockholm-kultur", name="Kulturförvaltningen", tenant_id=TENANT)
    _setup(db, "--install-app")
    assert _cli(db, _client(graph), "directory", "sync", "--org", "stockholm-kultur")[0] == 0
    with db.session() as session:
        directory.assign(session, organisation=directory.organisation_by_key(session, "stockholm-kultur"),
                         email=coordinator.email, kind="coordinator")
    await Chat(clocked_bot, connector, coordinator).install()  # the tenant's Teams endpoint becomes known

    monkeypatch.setenv("TEAMS_CATALOG_APP_ID", "catalog-app")
    code, output = _cli(db, _client(graph), "directory", "install-app", "--org", "stockholm-kultur")
    assert "1 installed" in output, output

    config = dialog_config(clocked_bot.settings)
    schedule(db, config, opens=clock.now().date(), closes=date(2026, 3, 31))
    await asyncio.to_thread(run_survey_rounds, JobContext(db, clock, config))
    await clocked_bot.app[OUTBOX].drain()

    anna_chat = Chat(clocked_bot, connector, anna)
    assert len(titled(anna_chat, INVITATION_TITLE)) == 1, [card_text(c) for c in anna_chat.cards()]
    created = [r for r in connector.requests if r.method == "POST" and r.path == "/v3/conversations"]
    assert any(anna.aad_object_id in str(r.body) or anna.teams_id in str(r.body) for r in created), \
        "Anna's chat was created by the bot: she never wrote to it"
