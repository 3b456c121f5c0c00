"""Fills the manifest template from settings and writes the Teams app package (a zip), only when it validates."""

from __future__ import annotations

import json
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any

from bot.settings import Settings
from manifest.validate import LOCALIZATION_SCHEMA_URL, LOCALIZED_TEXT_LIMITS, Problem, package_problems

HERE = Path(__file__).parent
TEMPLATE_PATH = HERE / "template.json"
LOCALES = HERE / "locales"
ASSETS = HERE / "assets"
PLACEHOLDER_APP_ID = "00000000-0000-0000-0000-000000000000"
_HOSTNAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$")
# Fixed zip timestamps make the same inputs give byte-identical packages.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


class BuildError(Exception):
    """The inputs are unusable or the package would be invalid; `problems` names each one."""

    def __init__(self, problems: list[Problem | str]):
        self.problems = [str(problem) for problem in problems]
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class PackageOptions:
    app_id: str
    hostname: str
    version: str


def resolve_options(settings: Settings, *, app_id: str | None = None, hostname: str | None = None,
                    version: str | None = None, dev: bool = False) -> tuple[PackageOptions, list[str]]:
    """Command-line values over settings; returns the options and notes worth telling the user."""
    notes, problems = [], []
    app_id = (app_id or settings.app_id).strip()
    hostname = (hostname or settings.public_hostname).strip()
    if not app_id and dev:
        app_id = PLACEHOLDER_APP_ID
        notes.append(f"--dev: no app id configured, using the placeholder {PLACEHOLDER_APP_ID}; "
                     "this package installs but no bot will answer")
    elif not app_id:
        problems.append("no app id: set MICROSOFT_APP_ID (the Azure Bot's Microsoft App ID) or pass --app-id "
                        "(or --dev for a placeholder)")
    if not _HOSTNAME.match(hostname):
        problems.append(f"host name {hostname!r} (PUBLIC_HOSTNAME or --hostname) must be a bare host name such as "
                        "kompetenslyft.example.se, without https://, port or path")
    elif hostname == "localhost" and not dev:
        problems.append("host name is localhost: Teams cannot reach it; set PUBLIC_HOSTNAME or pass --hostname "
                        "(or --dev for a local test package)")
    if problems:
        raise BuildError(problems)
    return PackageOptions(app_id, hostname, (version or settings.app_version).strip()), notes


def render_manifest(options: PackageOptions) -> dict[str, Any]:
    template = json.loads(TEMPLATE_PATH.read_text(encoding="utf-8"))
    values = {"app_id": options.app_id, "hostname": options.hostname, "version": options.version}
    manifest = _fill(template, values)
    # localhost is never reachable from Teams, so listing it as a valid domain would only mislead.
    manifest["validDomains"] = [d for d in manifest.get("validDomains", []) if d != "localhost"]
    if not manifest["validDomains"]:
        del manifest["validDomains"]
    return manifest


def render_files(options: PackageOptions) -> dict[str, bytes]:
    """Every file of the package by name: manifest, icons and one localisation file per language."""
    manifest = render_manifest(options)
    files = {"manifest.json": _json_bytes(manifest)}
    for name in manifest["icons"].values():
        files[name] = (ASSETS / name).read_bytes()
    info = manifest["localizationInfo"]
    if "defaultLanguageFile" in info:
        # Generated from the manifest itself, so the default language can never drift from manifest.json.
        files[info["defaultLanguageFile"]] = _json_bytes(default_language_strings(manifest))
    for language in info.get("additionalLanguages", []):
        files[language["file"]] = (LOCALES / language["file"]).read_bytes()
    return files


def default_language_strings(manifest: dict[str, Any]) -> dict[str, str]:
    strings = {"$schema": LOCALIZATION_SCHEMA_URL.format(version=manifest["manifestVersion"])}
    for key in LOCALIZED_TEXT_LIMITS:
        group, field = key.split(".")
        if field in manifest[group]:
            strings[key] = manifest[group][field]
    for i, tab in enumerate(manifest.get("staticTabs", [])):
        strings[f"staticTabs[{i}].name"] = tab["name"]
    for c, command_list in enumerate(manifest["bots"][0].get("commandLists", [])):
        for i, command in enumerate(command_list["commands"]):
            for field in ("title", "description"):
                strings[f"bots[0].commandLists[{c}].commands[{i}].{field}"] = command[field]
    return strings


def build_package(options: PackageOptions, out_dir: Path) -> Path:
    """Writes out_dir/kompetenslyft-<version>.zip, or raises BuildError and writes nothing."""
    files = render_files(options)
    problems = package_problems(files)
    if problems:
        raise BuildError(problems)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"kompetenslyft-{options.version}.zip"
    # Write beside the target and rename, so an interrupted build never leaves a half-written package.
    handle, temporary = tempfile.mkstemp(dir=out_dir, suffix=".zip.part")
    try:
        with os.fdopen(handle, "wb") as stream, zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in sorted(files):
                archive.writestr(zipfile.ZipInfo(name, _ZIP_DATE), files[name], zipfile.ZIP_DEFLATED)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def read_package(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist() if not info.is_dir()}


def _fill(node: Any, values: dict[str, str]) -> Any:
    # Substituting parsed string values (not the raw text) means no value can break the JSON.
    if isinstance(node, str):
        return Template(node).substitute(values)
    if isinstance(node, list):
        return [_fill(item, values) for item in node]
    if isinstance(node, dict):
        return {key: _fill(value, values) for key, value in node.items()}
    return node


def _json_bytes(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
