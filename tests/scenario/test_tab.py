"""The tab over HTTP: Teams SSO tokens from a fake Entra ID issuer, and what a coordinator, a manager and an
employee see and may download (tests/tab_fixtures.py has the organisation and its hand-computed figures)."""

from __future__ import annotations

import io
import json
from datetime import date, datetime, timezone

import aiohttp
import pytest
from openpyxl import load_workbook
from sqlmodel import select

from bot.app import DATABASE
from dialogs.survey import coarsen, results_view
from store import directory, survey
from store.models.core import AuditEvent
from tests.directory_fixtures import import_people, person_row, seed_organisation
from tests.fakes.openid import FakeOpenIdServer, StaticTokenCredentialsFactory
from tests.harness import Chat, RunningBot, card_text, registered_user, settings_for_tests
from tests.tab_fixtures import (
    ORG, SURVEY_NOW, TENANT, answered_round, seed_broadcast, seed_maturity, seed_tab_organisation,
)

APP_ID = "5c2a1d3e-8b7f-4c6d-9e0a-1b2c3d4e5f60"
HOST = "kompetenslyft.example.se"
ISSUER_TEMPLATE = "https://login.microsoftonline.com/{tenantid}/v2.0"
ASSESSED = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)
SECRET_FIGURES = ("Stadsbiblioteket", "Anna Lindberg", "Kalle Ek")


@pytest.fixture
def issuer():
    with FakeOpenIdServer(issuer=ISSUER_TEMPLATE) as server:
        yield server


@pytest.fixture
async def tab(database_url, issuer, tmp_path, clock):
    settings = settings_for_tests(database_url, app_id=APP_ID, app_password="secret", app_type="SingleTenant",
                                  app_tenant_id=TENANT, allowed_tenant_ids=frozenset({TENANT}),
                                  public_hostname=HOST, tab_openid_metadata_url=issuer.metadata_url)
    running = await RunningBot(settings, clock=clock, credentials_factory=StaticTokenCredentialsFactory(APP_ID)).start()
    running.people = seed_tab_organisation(running.app[DATABASE], tmp_path, assessed_at=ASSESSED)
    yield running
    await running.stop()


def token(issuer: FakeOpenIdServer, oid: str, *, tenant: str = TENANT, audience: str = f"api://{HOST}/{APP_ID}",
          **options) -> str:
    return issuer.mint_token(audience, "", issuer=ISSUER_TEMPLATE.replace("{tenantid}", tenant),
                             extra_claims={"tid": tenant, "oid": oid, "name": "x", "preferred_username": "x@y.se"},
                             **options)


async def fetch(bot: RunningBot, path: str, bearer: str | None = None) -> tuple[int, bytes, dict]:
    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
    async with aiohttp.ClientSession() as http, http.get(bot.url + path, headers=headers) as response:
        return response.status, await response.read(), dict(response.headers)


def as_someone(tab, issuer, key: str) -> str:
    return token(issuer, tab.people[key].aad_object_id)


# ---- the token checks ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", ["missing", "expired", "wrong_audience", "wrong_tenant", "unknown_key",
                                  "not_a_jwt"])
async def test_a_missing_or_bad_token_gets_a_clear_page_and_no_data(tab, issuer, case):
    maria = tab.people["maria"].aad_object_id
    bearer = {
        "missing": None,
        "expired": token(issuer, maria, expires_in=-400),
        "wrong_audience": token(issuer, maria, audience="api://elsewhere.example/another-app"),
        "wrong_tenant": token(issuer, maria, tenant="99999999-2222-4333-8444-555555555555"),
        "unknown_key": token(issuer, maria, key="unknown"),
        "not_a_jwt": "not-a-token",
    }[case]
    for path in ("/tab/content?view=heatmap", "/tab/download/heatmap.csv"):
        status, body, _ = await fetch(tab, path, bearer)
        page = body.decode()
        assert status == 401
        assert ("Öppna översikten i Teams" if case == "missing" else "Inloggningen kunde inte kontrolleras") in page
        assert not any(figure in page for figure in SECRET_FIGURES)


async def test_a_valid_token_of_someone_outside_the_directory_sees_no_data(tab, issuer):
    status, body, _ = await fetch(tab, "/tab/content", token(issuer, "00000000-0000-4000-8000-00000000dead"))
    assert status == 403 and "Du finns inte i personalkatalogen" in body.decode()
    assert not any(figure in body.decode() for figure in SECRET_FIGURES)


async def test_the_shell_loads_teams_js_from_the_app_itself_not_a_cdn(tab):
    status, body, _ = await fetch(tab, "/tab")
    page = body.decode()
    assert status == 200 and '<script src="/tab/static/vendor/MicrosoftTeams.min.js"' in page
    assert "https://" not in page.split("<body")[1]


# ---- what each person sees ----------------------------------------------------------------------------------

async def test_the_coordinator_sees_the_heatmap_with_the_small_unit_merged_into_its_parent(tab, issuer):
    status, body, _ = await fetch(tab, "/tab/content?view=heatmap&by=competence&from=2026-01-01&to=2026-12-31",
                                  as_someone(tab, issuer, "maria"))
    page = body.decode()
    assert status == 200
    assert '<th scope="row">Kulturförvaltningen (inkl. 1 mindre enheter)</th>' in page
    assert '<th scope="row">Stadsbiblioteket</th>' in page and '<th scope="row">Kulturhuset</th>' in page
    assert '<th scope="row">Arkivet</th>' not in page
    assert "Anna Lindberg" not in page  # aggregates only, no names


async def test_the_coordinators_downloads_carry_the_same_figures_as_csv_and_xlsx(tab, issuer):
    bearer = as_someone(tab, issuer, "maria")
    query = "?by=competence&from=2026-01-01&to=2026-12-31"
    status, body, headers = await fetch(tab, "/tab/download/heatmap.csv" + query, bearer)
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    lines = body.decode("utf-8-sig").splitlines()
    header = lines[0].split(";")
    library = next(line.split(";") for line in lines if line.startswith("Stadsbiblioteket;"))
    assert library[1] == "5" and library[header.index("1.1: median")] == "3,0"
    assert library[header.index("1.1: under mål %")] == "60"
    status, body, headers = await fetch(tab, "/tab/download/heatmap.xlsx" + query, bearer)
    sheet = load_workbook(io.BytesIO(body)).active
    rows = {row[0]: row for row in sheet.iter_rows(values_only=True)}
    assert rows["Kulturhuset"][header.index("1.1: median")] == 6
    assert "Arkivet" not in rows


async def test_the_manager_sees_their_reports_but_no_organisation_results(tab, issuer):
    bearer = as_someone(tab, issuer, "karin")
    status, body, _ = await fetch(tab, "/tab/content", bearer)
    page = body.decode()
    assert status == 200 and "Mina medarbetare" in page
    assert "Anna Lindberg" in page and "Arvid Arkiv" in page and "Hanna Ek" not in page
    for path in ("/tab/content?view=heatmap", "/tab/content?view=participation", "/tab/download/heatmap.csv",
                 "/tab/download/esf.csv"):
        status, body, _ = await fetch(tab, path, bearer)
        assert status == 403 and "Den här vyn är inte för dig" in body.decode()
        assert "Kulturhuset</th>" not in body.decode()


async def test_the_employee_sees_their_own_page_only_and_downloads_everything_about_them(tab, issuer):
    anna = tab.people["s1"]
    bearer = as_someone(tab, issuer, "s1")
    status, body, _ = await fetch(tab, "/tab/content", bearer)
    page = body.decode()
    assert status == 200 and "Min sida" in page and "Din profil" in page and "Sven Ahl" not in page
    for view in ("team", "heatmap", "esf"):
        status, _, _ = await fetch(tab, f"/tab/content?view={view}", bearer)
        assert status == 403
    status, body, headers = await fetch(tab, "/tab/download/mydata.json", bearer)
    data = json.loads(body)
    assert status == 200 and "mina-uppgifter.json" in headers["Content-Disposition"]
    assert data["person"]["id"] == anna.person_id and len(data["assessments"]) == 1
    with tab.app[DATABASE].session() as session:
        exported = session.exec(select(AuditEvent).where(AuditEvent.action == "person.exported")).all()
    assert [event.subject_id for event in exported] == [str(anna.person_id)]


async def test_an_esf_export_from_the_tab_is_audited(tab, issuer):
    status, body, headers = await fetch(tab, "/tab/download/esf.xlsx?from=2026-01-01&to=2026-06-30",
                                        as_someone(tab, issuer, "maria"))
    assert status == 200 and headers["Content-Disposition"].endswith('esf-deltagare.xlsx"')
    header = next(load_workbook(io.BytesIO(body)).active.iter_rows(values_only=True))
    assert header[:2] == ("Person-id", "Namn") and "Timmar" in header
    with tab.app[DATABASE].session() as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "report.esf_exported")).one()
    assert event.details["by"] == "maria@stockholm.se" and event.details["from"] == "2026-01-01"


# ---- local dev mode and the chat command --------------------------------------------------------------------

async def test_local_dev_mode_says_so_and_lets_you_pick_an_identity(database_url, tmp_path, clock):
    running = await RunningBot(settings_for_tests(database_url), clock=clock).start()
    try:
        people = seed_tab_organisation(running.app[DATABASE], tmp_path, assessed_at=ASSESSED)
        status, body, _ = await fetch(running, "/tab")
        assert status == 200 and "Lokalt utvecklingsläge: ingen inloggning" in body.decode()
        assert "Maria Holm (stockholm-kultur)" in body.decode()
        status, body, _ = await fetch(running, f"/tab?as={people['karin'].entry_id}&lang=en")
        assert "Local dev mode" in body.decode() and "My team" in body.decode() and "Anna Lindberg" in body.decode()
    finally:
        await running.stop()


async def test_mina_uppgifter_in_the_chat_points_to_the_tab(chat):
    await chat.install()
    [card] = await chat.say("mina uppgifter")
    assert "Mina uppgifter" in card_text(card)
    assert card["actions"][0]["type"] == "Action.OpenUrl" and card["actions"][0]["url"].endswith("/tab?view=mydata")


async def test_the_team_tab_settings_page_uses_teams_js_and_explains_the_tab(tab):
    status, body, _ = await fetch(tab, "/tab/config?lang=en")
    page = body.decode()
    assert status == 200 and "Kompetenslyft in the channel" in page and 'data-mode="config"' in page
    assert '<script src="/tab/static/vendor/MicrosoftTeams.min.js"' in page
    status, script, _ = await fetch(tab, "/tab/static/tab.js")
    assert status == 200 and b"registerOnSaveHandler" in script


# ---- maturity results and broadcasts -------------------------------------------------------------------------

async def test_the_coordinator_sees_the_maturity_trend_beside_the_reference_as_the_card_shows_it(tab, issuer):
    seed_maturity(tab.app[DATABASE])
    bearer = as_someone(tab, issuer, "maria")
    status, body, _ = await fetch(tab, "/tab/content?view=maturity", bearer)
    page = body.decode()
    assert status == 200 and "Digital mognad" in page and "Nacka kultur och fritid" in page
    assert page.count('<svg class="chart trend"') == 8, "one trend chart per dimension"
    assert "2025-10-31: Stockholms stad, kulturförvaltningen 3" in page  # the chart's description, per round
    status, body, _ = await fetch(tab, "/tab/download/maturity.xlsx", bearer)
    header, *rows = load_workbook(io.BytesIO(body)).active.iter_rows(values_only=True)
    by_round = {(row[0], row[1]): dict(zip(header, row)) for row in rows}
    first = next(name for name, _ in by_round if name.startswith("1. "))
    assert by_round[(first, "2025-10-31")]["Medel (1–5)"] == 3
    latest = by_round[(first, "2026-10-31")]
    assert (latest["Medel (1–5)"], latest["Förändring sedan förra"], latest["Referensens medel"]) == (4, 1, 5)
    assert by_round[("Sammantaget", "2026-10-31")]["Svar"] == 6
    # The same numbers as the coordinator's results card in the chat.
    with tab.app[DATABASE].session() as session:
        closed = survey.closed_rounds(session, organisation_id=directory.organisation_by_key(session, ORG).id)
        card = results_view(session, closed[0], "sv", coordinator=True)
    assert [(row.mean, row.change, row.reference) for row in card.dimensions] == \
        [(by_round[(f"{row.number}. {row.title}", "2026-10-31")]["Medel (1–5)"],
          by_round[(f"{row.number}. {row.title}", "2026-10-31")]["Förändring sedan förra"],
          by_round[(f"{row.number}. {row.title}", "2026-10-31")]["Referensens medel"]) for row in card.dimensions]


async def test_the_coordinator_sees_each_broadcast_with_its_delivery_figures_and_downloads_them(tab, issuer):
    seed_broadcast(tab.app[DATABASE], tab.people, at=ASSESSED)
    bearer = as_someone(tab, issuer, "maria")
    status, body, _ = await fetch(tab, "/tab/content?view=broadcasts&from=2026-01-01&to=2026-12-31", bearer)
    assert status == 200 and "Nya kurser i höst" in body.decode()
    status, body, headers = await fetch(tab, "/tab/download/broadcasts.csv?from=2026-01-01&to=2026-12-31", bearer)
    assert status == 200 and headers["Content-Disposition"].endswith('utskick.csv"')
    header, row = [line.split(";") for line in body.decode("utf-8-sig").splitlines()]
    figures = dict(zip(header, row))
    assert (figures["Rubrik"], figures["Mottagare"], figures["Skickade"], figures["I kö"], figures["Misslyckade"],
            figures["Ej nåbara"]) == ("Nya kurser i höst", "7", "3", "1", "1", "2")
    status, body, _ = await fetch(tab, "/tab/download/broadcasts.xlsx?from=2026-01-01&to=2026-12-31", bearer)
    assert list(load_workbook(io.BytesIO(body)).active.iter_rows(values_only=True))[1][:4] == \
        ("Nya kurser i höst", "2026-03-10 10:00", "läggs i kö", 7)


async def test_an_employee_sees_the_organisations_maturity_only_after_closing(tab, issuer):
    seed_maturity(tab.app[DATABASE], close_this_year=False)
    bearer = as_someone(tab, issuer, "s1")
    status, body, _ = await fetch(tab, "/tab/content?view=maturity", bearer)
    page = body.decode()
    # Only last year's round is closed: that one, as the employee's card shows it; this year's answers not.
    assert status == 200 and "som stängde 2025-10-31" in page and "2026-10-31" not in page
    assert "Nacka" not in page and '<svg class="chart trend"' not in page, "no reference, no trend"
    with tab.app[DATABASE].session() as session:
        survey.close_round(session, survey.open_round_for(
            session, organisation_id=directory.organisation_by_key(session, ORG).id), now=SURVEY_NOW, coarsen=coarsen)
    status, body, _ = await fetch(tab, "/tab/download/maturity.csv", bearer)
    lines = body.decode("utf-8-sig").splitlines()
    assert status == 200 and len(lines) == 1 + 8 + 1, "the latest round: eight dimensions and the overall"
    assert all(";2026-10-31;4,0;6;6" in line for line in lines[1:])


async def test_an_employee_sees_no_maturity_result_when_fewer_than_k_answered(tab, issuer):
    with tab.app[DATABASE].session() as session:
        organisation = directory.organisation_by_key(session, ORG)
        answered_round(session, organisation, closes=date(2026, 10, 31), answers=[(None, 4)] * 4)
    status, body, _ = await fetch(tab, "/tab/content?view=maturity", as_someone(tab, issuer, "s1"))
    page = body.decode()
    assert status == 200 and "Inga resultat att visa än" in page and "minst 5" in page
    assert "<table" not in page


async def test_a_manager_sees_neither_the_trend_nor_the_broadcasts(tab, issuer):
    seed_maturity(tab.app[DATABASE])
    seed_broadcast(tab.app[DATABASE], tab.people, at=ASSESSED)
    bearer = as_someone(tab, issuer, "karin")
    status, body, _ = await fetch(tab, "/tab/content?view=maturity", bearer)
    page = body.decode()
    assert status == 200 and "som stängde 2026-10-31" in page
    assert "2025-10-31" not in page and "Nacka" not in page and "Förändring" not in page
    for path in ("/tab/content?view=broadcasts", "/tab/download/broadcasts.csv"):
        status, body, _ = await fetch(tab, path, bearer)
        assert status == 403 and "Nya kurser i höst" not in body.decode()


async def test_report_in_the_chat_opens_the_tab_for_coordinators_and_managers_and_explains_to_others(
        bot, connector, tmp_path):
    coordinator, manager, employee = (registered_user(connector, name) for name in
                                      ("Maria Holm", "Karin Ek", "Anna Lindberg"))
    seed_organisation(bot.app[DATABASE], tenant_id=coordinator.tenant_id)
    assert import_people(bot.app[DATABASE], tmp_path, [
        person_row(coordinator, unit="KF"), person_row(manager, unit="SSB"),
        person_row(employee, unit="SSB", manager=manager)]).ok
    with bot.app[DATABASE].session() as session:
        directory.assign(session, organisation=directory.organisation_by_key(session, ORG),
                         email=coordinator.email, kind="coordinator")
    cards = {}
    for who, user in (("coordinator", coordinator), ("manager", manager), ("employee", employee)):
        chat = Chat(bot, connector, user)
        await chat.install()
        [cards[who]] = await chat.say("rapport" if who != "manager" else "report")
    assert "Organisationens resultat finns i fliken Översikt" in card_text(cards["coordinator"])
    assert cards["coordinator"]["actions"][0]["url"].endswith("/tab?view=heatmap")
    assert "Mina medarbetare" in card_text(cards["manager"])
    assert cards["manager"]["actions"][0]["url"].endswith("/tab?view=team")
    assert "Rapporterna är för samordnare och chefer" in card_text(cards["employee"])
    assert cards["employee"]["actions"][0]["url"].endswith("/tab?view=me")
