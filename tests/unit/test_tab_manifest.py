"""The Teams package carries the tab: a personal tab "Översikt" (English "Overview"), a configurable team tab
and the SSO resource the tab's token is issued for."""

from __future__ import annotations

import json

from manifest.build import PackageOptions, render_files
from manifest.validate import package_problems

APP_ID = "5c2a1d3e-8b7f-4c6d-9e0a-1b2c3d4e5f60"
OPTIONS = PackageOptions(APP_ID, "kompetenslyft.example.se", "1.2.0")


def test_the_package_has_the_overview_tab_the_team_tab_and_the_sso_resource():
    files = render_files(OPTIONS)
    manifest = json.loads(files["manifest.json"])
    [tab] = manifest["staticTabs"]
    assert (tab["name"], tab["scopes"]) == ("Översikt", ["personal"])
    assert tab["contentUrl"] == "https://kompetenslyft.example.se/tab?lang={locale}&theme={theme}"
    [team_tab] = manifest["configurableTabs"]
    assert team_tab["configurationUrl"].startswith("https://kompetenslyft.example.se/tab/config")
    assert team_tab["scopes"] == ["team"]
    assert manifest["webApplicationInfo"] == {"id": APP_ID, "resource": f"api://kompetenslyft.example.se/{APP_ID}"}
    assert json.loads(files["en.json"])["staticTabs[0].name"] == "Overview"
    assert json.loads(files["sv.json"])["staticTabs[0].name"] == "Översikt"
    assert package_problems(files) == []


def test_a_translation_of_a_tab_the_manifest_does_not_have_is_a_problem():
    files = render_files(OPTIONS)
    english = json.loads(files["en.json"])
    english["staticTabs[3].name"] = "Elsewhere"
    files["en.json"] = json.dumps(english).encode()
    assert [str(p) for p in package_problems(files)] == [
        "en.json: staticTabs[3].name: translates a static tab the manifest does not have"]
