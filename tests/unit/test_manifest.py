"""The Teams app package: what the built zip holds, what validation rejects, and how the CLI reports it."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
# The project is not installed into the venv and pytest puts only tests/unit on sys.path.
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bot.settings import Settings  # noqa: E402
from manifest import icons  # noqa: E402
from manifest.build import (PLACEHOLDER_APP_ID, BuildError, PackageOptions, build_package,  # noqa: E402
                            read_package, render_files, resolve_options)
from manifest.validate import icon_problems, package_problems, schema_problems  # noqa: E402

APP_ID = "3f2b8c1e-6a4d-4e2f-9b7a-0c1d2e3f4a5b"
OPTIONS = PackageOptions(app_id=APP_ID, hostname="kompetenslyft.example.se", version="1.4.2")


@pytest.fixture
def files() -> dict[str, bytes]:
    return render_files(OPTIONS)


def manifest_of(files: dict[str, bytes]) -> dict:
    return json.loads(files["manifest.json"])


def with_manifest(files: dict[str, bytes], manifest: dict) -> dict[str, bytes]:
    return {**files, "manifest.json": json.dumps(manifest).encode()}


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def messages(problems) -> str:
    return "\n".join(str(problem) for problem in problems)


# The built package


def test_built_zip_holds_manifest_icons_and_both_localisation_files_at_its_root(tmp_path):
    path = build_package(OPTIONS, tmp_path)

    assert path == tmp_path / "kompetenslyft-1.4.2.zip"
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["color.png", "en.json", "manifest.json", "outline.png", "sv.json"]


def test_built_package_passes_schema_icon_and_localisation_checks(tmp_path):
    package = read_package(build_package(OPTIONS, tmp_path))

    assert package_problems(package) == []


def test_manifest_carries_app_id_host_and_version_from_options(files):
    manifest = manifest_of(files)

    assert manifest["manifestVersion"] == "1.22"
    assert manifest["$schema"].endswith("/teams/v1.22/MicrosoftTeams.schema.json")
    assert manifest["id"] == manifest["bots"][0]["botId"] == APP_ID
    assert manifest["version"] == "1.4.2"
    assert manifest["validDomains"] == ["kompetenslyft.example.se"]
    assert manifest["developer"]["privacyUrl"] == "https://kompetenslyft.example.se/privacy"


def test_bot_is_personal_conversational_and_lists_every_entry_point_within_teams_limits(files):
    bot = manifest_of(files)["bots"][0]
    commands = bot["commandLists"][0]["commands"]
    titles = [command["title"] for command in commands]

    assert bot["scopes"] == ["personal"] and bot["isNotificationOnly"] is False
    assert titles == ["skattning", "min profil", "min plan", "aktiviteter", "mina medarbetare", "hjälp",
                      "ny aktivitet", "utskick", "rapport"]
    assert len(commands) <= 10
    assert all(len(c["title"]) <= 32 and len(c["description"]) <= 128 for c in commands)


def test_icons_are_192_colour_and_32_white_on_transparent_outline(files):
    color = Image.open(io.BytesIO(files["color.png"]))
    outline = Image.open(io.BytesIO(files["outline.png"])).convert("RGBA")
    visible = [pixel for pixel in outline.get_flattened_data() if pixel[3]]

    assert color.size == (192, 192) and len(set(color.convert("RGB").get_flattened_data())) > 2
    assert outline.size == (32, 32)
    assert visible and all(pixel[:3] == (255, 255, 255) for pixel in visible)
    assert any(pixel[3] == 0 for pixel in outline.get_flattened_data())


def test_localisation_is_swedish_by_default_with_english_for_every_english_locale(files):
    info = manifest_of(files)["localizationInfo"]
    english = json.loads(files["en.json"])
    swedish = json.loads(files["sv.json"])
    commands = manifest_of(files)["bots"][0]["commandLists"][0]["commands"]

    assert info["defaultLanguageTag"] == "sv-SE" and info["defaultLanguageFile"] == "sv.json"
    # Region-free "en" also serves en-GB and other English clients; "en-US" would leave them on Swedish.
    assert info["additionalLanguages"] == [{"languageTag": "en", "file": "en.json"}]
    assert swedish["name.full"] == "Kompetenslyft – digital kompetens"
    assert english["description.short"].startswith("Assess your digital competence")
    for i in range(len(commands)):
        assert f"bots[0].commandLists[0].commands[{i}].title" in english
        assert f"bots[0].commandLists[0].commands[{i}].description" in english


def test_icon_script_draws_icons_that_pass_the_icon_checks():
    assert icon_problems("color.png", png(icons.draw_color()), "color") == []
    assert icon_problems("outline.png", png(icons.draw_outline()), "outline") == []


def test_same_options_build_byte_identical_zips(tmp_path):
    first = build_package(OPTIONS, tmp_path / "a").read_bytes()
    second = build_package(OPTIONS, tmp_path / "b").read_bytes()

    assert first == second


# What validation rejects


def test_missing_bot_id_is_rejected_naming_the_bot(files):
    manifest = manifest_of(files)
    del manifest["bots"][0]["botId"]

    assert "manifest.json: bots[0]: 'botId' is a required property" in messages(package_problems(
        with_manifest(files, manifest)))


def test_app_id_that_is_not_a_guid_is_rejected_for_id_and_bot_id(files):
    manifest = manifest_of(files)
    manifest["id"] = manifest["bots"][0]["botId"] = "my-bot"

    text = messages(package_problems(with_manifest(files, manifest)))
    assert "manifest.json: id: 'my-bot' is not a GUID" in text
    assert "manifest.json: bots[0].botId: 'my-bot' is not a GUID" in text


def test_64px_outline_icon_is_rejected_with_its_size(files):
    big = Image.new("RGBA", (64, 64), (255, 255, 255, 0))

    assert messages(package_problems({**files, "outline.png": png(big)})) == (
        "outline.png: is 64x64 pixels; the outline icon must be 32x32")


def test_outline_with_coloured_pixels_is_rejected():
    image = icons.draw_outline()
    image.putpixel((0, 0), (0, 0, 0, 255))

    problems = icon_problems("outline.png", png(image), "outline")
    assert "1 visible pixels are not white, first at (0, 0)" in messages(problems)


def test_opaque_outline_without_alpha_is_rejected():
    assert "has no transparency" in messages(icon_problems("outline.png", png(Image.new("RGB", (32, 32), "white")),
                                                           "outline"))


def test_color_icon_of_wrong_size_is_rejected():
    assert "is 96x96 pixels; the color icon must be 192x192" in messages(
        icon_problems("color.png", png(Image.new("RGB", (96, 96), "navy")), "color"))


def test_command_title_over_32_characters_is_rejected_naming_the_command(files):
    manifest = manifest_of(files)
    manifest["bots"][0]["commandLists"][0]["commands"][2]["title"] = "x" * 33

    assert "manifest.json: bots[0].commandLists[0].commands[2].title: is 33 characters; at most 32 allowed" in (
        messages(package_problems(with_manifest(files, manifest))))


def test_command_description_over_128_characters_is_rejected(files):
    manifest = manifest_of(files)
    manifest["bots"][0]["commandLists"][0]["commands"][0]["description"] = "y" * 129

    assert "commands[0].description: is 129 characters; at most 128 allowed" in messages(
        package_problems(with_manifest(files, manifest)))


def test_more_than_ten_commands_is_rejected(files):
    manifest = manifest_of(files)
    commands = manifest["bots"][0]["commandLists"][0]["commands"]
    commands += [{"title": f"extra {i}", "description": "more"} for i in range(2)]

    assert "bots[0].commandLists[0].commands: has 11 entries; at most 10 allowed" in messages(
        package_problems(with_manifest(files, manifest)))


def test_duplicate_command_titles_are_rejected(files):
    manifest = manifest_of(files)
    manifest["bots"][0]["commandLists"][0]["commands"][1]["title"] = "Skattning"

    assert "commands[1].title: 'Skattning' appears twice" in messages(package_problems(with_manifest(files, manifest)))


def test_other_manifest_version_is_rejected_because_const_is_checked(files):
    manifest = manifest_of(files)
    manifest["manifestVersion"] = "1.16"

    assert "manifest.json: manifestVersion: must be '1.22', not '1.16'" in [str(p) for p in schema_problems(manifest)]


def test_valid_domain_with_scheme_is_rejected(files):
    manifest = manifest_of(files)
    manifest["validDomains"] = ["https://kompetenslyft.example.se/"]

    assert "validDomains[0]: 'https://kompetenslyft.example.se/' must be a bare host name" in messages(
        package_problems(with_manifest(files, manifest)))


def test_version_that_is_not_semver_is_rejected(files):
    manifest = manifest_of(files)
    manifest["version"] = "2024.1"

    assert "manifest.json: version: '2024.1' must be MAJOR.MINOR.PATCH" in messages(
        package_problems(with_manifest(files, manifest)))


def test_localisation_key_outside_teams_schema_is_rejected(files):
    english = json.loads(files["en.json"])
    english["developer.name"] = "City of Stockholm"

    assert "en.json: developer.name: is not a localisation key" in messages(
        package_problems({**files, "en.json": json.dumps(english).encode()}))


def test_localised_command_that_the_manifest_lacks_is_rejected(files):
    english = json.loads(files["en.json"])
    english["bots[0].commandLists[0].commands[9].title"] = "ghost"

    assert "en.json: bots[0].commandLists[0].commands[9].title: translates a command the manifest does not have" in (
        messages(package_problems({**files, "en.json": json.dumps(english).encode()})))


def test_localisation_file_missing_from_package_is_rejected(files):
    del files["en.json"]

    assert "manifest.json: localizationInfo.additionalLanguages[0].file: names 'en.json', which is not in the package" \
        in messages(package_problems(files))


def test_invalid_package_raises_and_writes_no_zip(tmp_path):
    with pytest.raises(BuildError, match="is not a GUID"):
        build_package(PackageOptions(app_id="nope", hostname="kompetenslyft.example.se", version="1.0.0"), tmp_path)

    assert list(tmp_path.iterdir()) == []


# Where the options come from


def test_missing_app_id_fails_with_a_clear_message_unless_dev():
    settings = Settings(public_hostname="kompetenslyft.example.se")

    with pytest.raises(BuildError, match="no app id: set MICROSOFT_APP_ID"):
        resolve_options(settings)
    options, notes = resolve_options(settings, dev=True)
    assert options.app_id == PLACEHOLDER_APP_ID and "placeholder" in notes[0]


def test_command_line_values_override_settings():
    settings = Settings(app_id=APP_ID, app_password="secret", public_hostname="old.example.se", app_version="1.0.0")

    options, _ = resolve_options(settings, hostname="new.example.se", version="2.0.0")
    assert options == PackageOptions(APP_ID, "new.example.se", "2.0.0")


def test_host_name_with_scheme_or_localhost_is_refused():
    settings = Settings(app_id=APP_ID, app_password="secret")

    with pytest.raises(BuildError, match="without https://"):
        resolve_options(settings, hostname="https://kompetenslyft.example.se")
    with pytest.raises(BuildError, match="host name is localhost"):
        resolve_options(settings)


def test_dev_package_for_localhost_lists_no_valid_domain():
    options, _ = resolve_options(Settings(), dev=True)

    assert "validDomains" not in manifest_of(render_files(options))


# The command line


def run_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    # A clean environment and working directory, so a developer's .env or MICROSOFT_APP_ID cannot leak in.
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "manifest", *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)


def test_cli_build_exits_zero_and_writes_the_zip(tmp_path):
    result = run_cli(tmp_path, "build", "--out", "dist", "--app-id", APP_ID,
                     "--hostname", "kompetenslyft.example.se", "--version", "1.0.3")

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "dist" / "kompetenslyft-1.0.3.zip").is_file()
    assert result.stdout.strip().endswith("kompetenslyft-1.0.3.zip")


def test_cli_build_with_bad_app_id_exits_non_zero_naming_the_problem_on_stderr(tmp_path):
    result = run_cli(tmp_path, "build", "--out", "dist", "--app-id", "not-a-guid",
                     "--hostname", "kompetenslyft.example.se")

    assert result.returncode == 1
    assert "manifest.json: id: 'not-a-guid' is not a GUID" in result.stderr
    assert not (tmp_path / "dist").exists()


def test_cli_validate_accepts_a_built_zip(tmp_path):
    path = build_package(OPTIONS, tmp_path)

    result = run_cli(tmp_path, "validate", str(path))
    assert result.returncode == 0, result.stderr
