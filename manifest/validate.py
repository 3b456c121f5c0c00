"""Checks a Teams app package (manifest, icons, localisation files) against schema v1.22 and the rules Teams
enforces beyond the schema, and names every problem with its file and path."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator, ValidationError
from PIL import Image, UnidentifiedImageError

SCHEMA_PATH = Path(__file__).parent / "schema" / "MicrosoftTeams.schema.v1.22.json"
LOCALIZATION_SCHEMA_URL = (
    "https://developer.microsoft.com/json-schemas/teams/v{version}/MicrosoftTeams.Localization.schema.json")
ICON_SIZES = {"color": (192, 192), "outline": (32, 32)}
# Teams' command menu limits (the localisation schema states them; the manifest schema allows 128/4000).
MAX_COMMAND_TITLE = 32
MAX_COMMAND_DESCRIPTION = 128
# The localisation keys a bot-only app can use, with Teams' display limits (name.short as in the manifest).
LOCALIZED_TEXT_LIMITS = {"name.short": 30, "name.full": 100, "description.short": 80, "description.full": 4000}
REQUIRED_LOCALIZED_KEYS = ("name.short", "description.short", "description.full")
_COMMAND_KEY = re.compile(r"^bots\[0\]\.commandLists\[([0-2])\]\.commands\[([0-9])\]\.(title|description)$")
# A static tab's name (the localisation schema allows staticTabs[0..15].name, at most 128 characters).
_STATIC_TAB_KEY = re.compile(r"^staticTabs\[([0-9]|1[0-5])\]\.name$")
MAX_TAB_NAME = 128
_HOST = re.compile(r"^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$")


@dataclass(frozen=True)
class Problem:
    file: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.path}: {self.message}" if self.path else f"{self.file}: {self.message}"


def package_problems(files: Mapping[str, bytes]) -> list[Problem]:
    """Every reason Teams would reject (or badly show) this package; empty when it is fine."""
    problems = [Problem(name, "", "must be at the root of the zip, not in a folder") for name in files if "/" in name]
    manifest = _load_json(files, "manifest.json", problems)
    if manifest is None:
        return problems
    problems += schema_problems(manifest)
    problems += _rule_problems(manifest)
    problems += _icon_problems(manifest, files)
    problems += _localization_problems(manifest, files)
    return problems


def schema_problems(manifest: Any) -> list[Problem]:
    errors = sorted(_validator().iter_errors(manifest), key=lambda e: [str(p) for p in e.absolute_path])
    return [Problem("manifest.json", _path(error.absolute_path) or "(top level)", _describe(error)) for error in errors]


def command_problems(manifest: Mapping[str, Any]) -> list[Problem]:
    problems = []
    for b, bot in enumerate(_list(manifest.get("bots"))):
        for c, command_list in enumerate(_list(bot.get("commandLists") if isinstance(bot, dict) else None)):
            seen: set[str] = set()
            commands = command_list.get("commands") if isinstance(command_list, dict) else None
            for i, command in enumerate(_list(commands)):
                if not isinstance(command, dict):
                    continue  # the schema reports it
                where = f"bots[{b}].commandLists[{c}].commands[{i}]"
                title, description = command.get("title", ""), command.get("description", "")
                problems += _too_long("manifest.json", f"{where}.title", title, MAX_COMMAND_TITLE)
                problems += _too_long("manifest.json", f"{where}.description", description, MAX_COMMAND_DESCRIPTION)
                if isinstance(title, str) and title.strip().lower() in seen:
                    problems.append(Problem("manifest.json", f"{where}.title", f"{title!r} appears twice in the list"))
                seen.add(str(title).strip().lower())
    return problems


def icon_problems(name: str, data: bytes, kind: str) -> list[Problem]:
    """Size and format for both icons; the outline icon may hold only white pixels on transparency."""
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError):
        return [Problem(name, "", "is not a readable image")]
    problems = []
    if image.format != "PNG":
        problems.append(Problem(name, "", f"must be a PNG, not {image.format}"))
    if image.size != ICON_SIZES[kind]:
        want = "x".join(map(str, ICON_SIZES[kind]))
        problems.append(Problem(name, "", f"is {image.width}x{image.height} pixels; the {kind} icon must be {want}"))
    if kind == "outline":
        problems += _outline_colour_problems(name, image)
    return problems


def _rule_problems(manifest: Mapping[str, Any]) -> list[Problem]:
    problems = command_problems(manifest)
    version = manifest.get("version")
    if isinstance(version, str) and not re.match(_schema()["definitions"]["semver"]["pattern"], version):
        problems.append(Problem("manifest.json", "version", f"{version!r} must be MAJOR.MINOR.PATCH, such as 1.0.0"))
    for i, domain in enumerate(_list(manifest.get("validDomains"))):
        if not isinstance(domain, str) or not _HOST.match(domain):
            problems.append(Problem("manifest.json", f"validDomains[{i}]",
                                    f"{domain!r} must be a bare host name, without https://, port or path"))
    return problems


def _icon_problems(manifest: Mapping[str, Any], files: Mapping[str, bytes]) -> list[Problem]:
    icons = manifest.get("icons") if isinstance(manifest.get("icons"), dict) else {}
    problems = []
    for kind in ICON_SIZES:
        name = icons.get(kind)
        if not isinstance(name, str):
            continue  # the schema reports the missing entry
        if name not in files:
            problems.append(Problem("manifest.json", f"icons.{kind}", f"names {name!r}, which is not in the package"))
        else:
            problems += icon_problems(name, files[name], kind)
    return problems


def _outline_colour_problems(name: str, image: Image.Image) -> list[Problem]:
    if "A" not in image.getbands() and "transparency" not in image.info:
        return [Problem(name, "", f"has no transparency (mode {image.mode}); it must be white on transparent")]
    rgba = image.convert("RGBA")
    pixels = rgba.tobytes()
    coloured = [i // 4 for i in range(0, len(pixels), 4) if pixels[i + 3] and pixels[i:i + 3] != b"\xff\xff\xff"]
    problems = []
    if coloured:
        x, y = coloured[0] % rgba.width, coloured[0] // rgba.width
        problems.append(Problem(name, "", f"{len(coloured)} visible pixels are not white, first at ({x}, {y}) "
                                          f"{rgba.getpixel((x, y))}; only white on transparent is allowed"))
    if all(pixels[i + 3] for i in range(0, len(pixels), 4)):
        problems.append(Problem(name, "", "has no transparent pixels; the background must be transparent"))
    problems += _outline_fringe_problems(name, rgba.getchannel("A"))
    return problems


# A pixel at least this opaque is the symbol; a fainter one is only its anti-aliased edge.
SYMBOL_ALPHA = 128


def _outline_fringe_problems(name: str, alpha: Image.Image) -> list[Problem]:
    """Everything but the symbol fully transparent: the outermost rows and columns (Teams' padding) clear, and no
    faint pixel that is not the edge of the symbol (next to one of its pixels): a haze or a fringe line."""
    width, height = alpha.size
    values = alpha.tobytes()

    def at(x: int, y: int) -> int:
        return values[y * width + x]

    frame = [(x, y) for y in range(height) for x in range(width)
             if (x in (0, width - 1) or y in (0, height - 1)) and at(x, y)]
    problems = []
    if frame:
        x, y = frame[0]
        problems.append(Problem(name, "", f"{len(frame)} pixels of the outermost rows and columns are not fully "
                                          f"transparent, first at ({x}, {y}) alpha {at(x, y)}"))
    stray = [(x, y) for y in range(height) for x in range(width)
             if 0 < at(x, y) < SYMBOL_ALPHA
             and not any(at(nx, ny) >= SYMBOL_ALPHA for nx in range(max(0, x - 1), min(width, x + 2))
                         for ny in range(max(0, y - 1), min(height, y + 2)))]
    if stray:
        x, y = stray[0]
        problems.append(Problem(name, "", f"{len(stray)} faint pixels away from the symbol, first at ({x}, {y}) "
                                          f"alpha {at(x, y)}; outside the symbol it must be fully transparent"))
    return problems


def _localization_problems(manifest: Mapping[str, Any], files: Mapping[str, bytes]) -> list[Problem]:
    info = manifest.get("localizationInfo")
    if not isinstance(info, dict):
        return []
    referenced = [("localizationInfo.defaultLanguageFile", info.get("defaultLanguageFile"))]
    referenced += [(f"localizationInfo.additionalLanguages[{i}].file", entry.get("file"))
                   for i, entry in enumerate(_list(info.get("additionalLanguages"))) if isinstance(entry, dict)]
    problems: list[Problem] = []
    for where, name in referenced:
        if not isinstance(name, str):
            continue
        if name not in files:
            problems.append(Problem("manifest.json", where, f"names {name!r}, which is not in the package"))
            continue
        strings = _load_json(files, name, problems)
        if strings is not None:
            problems += localization_file_problems(name, strings, manifest)
    return problems


def localization_file_problems(name: str, strings: Any, manifest: Mapping[str, Any]) -> list[Problem]:
    """The keys and limits of Teams' localisation schema that a bot app uses, checked against this manifest."""
    if not isinstance(strings, dict):
        return [Problem(name, "", "must be a JSON object of localisation keys")]
    problems = [Problem(name, key, "is required") for key in REQUIRED_LOCALIZED_KEYS if key not in strings]
    expected_schema = LOCALIZATION_SCHEMA_URL.format(version=manifest.get("manifestVersion"))
    if strings.get("$schema") != expected_schema:
        problems.append(Problem(name, "$schema", f"must be {expected_schema} (the manifest's version)"))
    for key, value in strings.items():
        if key == "$schema":
            continue
        if not isinstance(value, str):
            problems.append(Problem(name, key, "must be a string"))
        elif key in LOCALIZED_TEXT_LIMITS:
            problems += _too_long(name, key, value, LOCALIZED_TEXT_LIMITS[key])
        elif match := _COMMAND_KEY.match(key):
            problems += _localized_command_problems(name, key, value, match, manifest)
        elif match := _STATIC_TAB_KEY.match(key):
            if int(match[1]) >= len(_list(manifest.get("staticTabs"))):
                problems.append(Problem(name, key, "translates a static tab the manifest does not have"))
            problems += _too_long(name, key, value, MAX_TAB_NAME)
        else:
            problems.append(Problem(name, key, "is not a localisation key this app can use (name.*, description.*, "
                                               "bots[0].commandLists[i].commands[j].title/description, "
                                               "staticTabs[i].name)"))
    return problems


def _localized_command_problems(name: str, key: str, value: str, match: re.Match, manifest: Mapping[str, Any]):
    list_index, command_index, field = int(match[1]), int(match[2]), match[3]
    try:
        manifest["bots"][0]["commandLists"][list_index]["commands"][command_index]
    except (KeyError, IndexError, TypeError):
        return [Problem(name, key, "translates a command the manifest does not have")]
    return _too_long(name, key, value, MAX_COMMAND_TITLE if field == "title" else MAX_COMMAND_DESCRIPTION)


def _describe(error: ValidationError) -> str:
    """Plain messages for the common cases; jsonschema's own text quotes whole values and schemas."""
    value, instance = error.validator_value, error.instance
    if error.validator == "required":
        return error.message
    if error.validator == "maxLength":
        return f"is {len(instance)} characters; at most {value} allowed"
    if error.validator == "maxItems":
        return f"has {len(instance)} entries; at most {value} allowed"
    if error.validator == "const":
        return f"must be {value!r}, not {instance!r}"
    if error.validator == "pattern":
        kind = _PATTERN_NAMES.get(value)
        return f"{instance!r} is not {kind}" if kind else f"{instance!r} does not match {value}"
    return error.message[:300]


_PATTERN_NAMES = {
    "^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$": "a GUID (like 00000000-0000-0000-0000-000000000000)",
    "^#[0-9a-fA-F]{6}$": "a colour like #1B4F8F",
    "^[Hh][Tt][Tt][Pp][Ss]?://": "an http(s) URL",
}


def _too_long(file: str, path: str, value: Any, limit: int) -> list[Problem]:
    if isinstance(value, str) and len(value) > limit:
        return [Problem(file, path, f"is {len(value)} characters; at most {limit} allowed")]
    return []


def _load_json(files: Mapping[str, bytes], name: str, problems: list[Problem]) -> Any:
    if name not in files:
        problems.append(Problem(name, "", "is missing from the package"))
        return None
    try:
        return json.loads(files[name].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        problems.append(Problem(name, "", f"is not valid UTF-8 JSON: {error}"))
        return None


def _path(parts) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


@cache
def _schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@cache
def _validator() -> Draft7Validator:
    # The schema says draft-04 but uses `const`, which only Draft 6+ validators check.
    return Draft7Validator(_schema())
