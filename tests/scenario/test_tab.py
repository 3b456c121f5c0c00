"""The tab over HTTP: Teams SSO tokens from a fake Entra ID issuer, and what a coordinator, a manager and an
employee see and may download (tests/tab_fixtures.py has the organisation and its hand-computed figures)."""

from __future__ import annotations

import io
import json
from datetime import datetime, timezone

import aiohttp
import pytest
from openpyxl import load_workbook
from sqlmodel import select

from bot.app import DATABASE
from store.models.core import AuditEvent
from tests.fakes.openid import FakeOpenIdServer, StaticTokenCredentialsFactory
from tests.harness import RunningBot, card_text, settings_for_tests
from tests.tab_fixtures import TENANT, seed_tab_organisation

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
