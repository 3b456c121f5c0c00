"""DigComp frameworks and our self-assessment instrument, loaded from versioned JSON
in store/data/digcomp/, validated once and returned as frozen dataclasses."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any

DATA_DIR = Path(__file__).parent / "data" / "digcomp"
FRAMEWORK_FILES = {"2.2": "framework_2_2.json", "3.0": "framework_3_0.json"}
INSTRUMENT_FILES = {"2026.1": "instrument_2_2.json"}
CURRENT_INSTRUMENT = "2026.1"

LANGUAGES = ("sv", "en")
AREA_COUNT = 5
COMPETENCE_COUNT = 21
GROUP_KEYS = ("foundation", "intermediate", "advanced", "highly_specialised")
GROUP_LETTERS = {"f": "foundation", "i": "intermediate", "a": "advanced", "h": "highly_specialised"}
# One card holds an area (up to 6 competences x 4 statements) and must stay under 28 KB.
STATEMENT_MAX_CHARS = 140
SHORT_DESCRIPTION_MAX_CHARS = 120
TITLE_STATUSES = ("official", "provisional")


class DigCompDataError(ValueError):
    """The framework or instrument data breaks a structural rule."""


@dataclass(frozen=True)
class Text:
    sv: str
    en: str

    def of(self, lang: str) -> str:
        """The text in "sv" or "en" (cards.i18n.lang_of turns a Teams locale into one)."""
        if lang not in LANGUAGES:
            raise KeyError(f"no {lang!r} text; languages are {LANGUAGES}")
        return getattr(self, lang)


@dataclass(frozen=True)
class LevelGroup:
    key: str
    levels: tuple[int, ...]
    title: Text


@dataclass(frozen=True)
class Level:
    level: int
    title: Text
    description: Text
    group: str | None = None
    levels_2_2: tuple[int, ...] = ()


@dataclass(frozen=True)
class Competence:
    key: str
    area: str
    title: Text
    description: Text
    title_status: str = "official"


@dataclass(frozen=True)
class Area:
    key: str
    title: Text
    description: Text
    competences: tuple[Competence, ...]
    title_status: str = "official"


@dataclass(frozen=True)
class Framework:
    version: str
    attribution: Mapping[str, Any]
    level_groups: tuple[LevelGroup, ...]
    levels: tuple[Level, ...]
    areas: tuple[Area, ...]
    level_mapping_from_2_2: Mapping[int, int] | None = None
    competence_mapping_from_2_2: Mapping[str, str] | None = None

    @property
    def competences(self) -> tuple[Competence, ...]:
        return tuple(c for a in self.areas for c in a.competences)

    def competence(self, key: str) -> Competence:
        for c in self.competences:
            if c.key == key:
                return c
        raise KeyError(f"DigComp {self.version} has no competence {key!r}")

    def area(self, key: str) -> Area:
        for a in self.areas:
            if a.key == key:
                return a
        raise KeyError(f"DigComp {self.version} has no area {key!r}")


@dataclass(frozen=True)
class Statement:
    id: str
    competence: str
    group: str
    text: Text


@dataclass(frozen=True)
class ScaleOption:
    value: int | str
    text: Text


@dataclass(frozen=True)
class Scale:
    options: tuple[ScaleOption, ...]
    not_relevant: ScaleOption
    question: Text  # asked of every statement: the statements are tasks, the scale says how they are done


@dataclass(frozen=True)
class ShortChoice:
    value: str
    group: str | None
    level: int | None


@dataclass(frozen=True)
class ShortItem:
    competence: str
    descriptions: Mapping[str, Text]  # group key -> description


@dataclass(frozen=True)
class ShortMode:
    question: Text
    choices: tuple[ShortChoice, ...]
    zero_text: Text
    not_relevant: ScaleOption
    items: tuple[ShortItem, ...]

    def item(self, competence: str) -> ShortItem:
        for item in self.items:
            if item.competence == competence:
                return item
        raise KeyError(f"short mode has no item for competence {competence!r}")


@dataclass(frozen=True)
class Instrument:
    version: str
    framework_version: str
    scale: Scale
    statements: tuple[Statement, ...]
    short_mode: ShortMode

    def statements_for(self, competence: str) -> tuple[Statement, ...]:
        """The competence's statements in group order, foundation first."""
        found = self._statements_by_competence.get(competence)
        if not found:
            raise KeyError(f"instrument {self.version} has no statements for {competence!r}")
        return found

    @cached_property
    def _statements_by_competence(self) -> dict[str, tuple[Statement, ...]]:
        # Grouped once per loaded instrument: every area card and every scoring asked again, and scanned all
        # the statements each time (bench/README.md). Same order as before: stable sort by group.
        grouped: dict[str, list[Statement]] = {}
        for statement in self.statements:
            grouped.setdefault(statement.competence, []).append(statement)
        return {key: tuple(sorted(found, key=lambda s: GROUP_KEYS.index(s.group))) for key, found in grouped.items()}


def load_framework(version: str = "2.2") -> Framework:
    """The validated framework for a DigComp version ("2.2" or "3.0"), loaded once per process."""
    return _load_framework(version)


def load_instrument(version: str = CURRENT_INSTRUMENT) -> Instrument:
    """The validated self-assessment instrument of a version, loaded once per process."""
    return _load_instrument(version)


# Cached on the positional version so that load_x() and load_x(default) share one object.
@cache
def _load_framework(version: str) -> Framework:
    if version not in FRAMEWORK_FILES:
        raise DigCompDataError(f"unknown DigComp version {version!r}; known: {sorted(FRAMEWORK_FILES)}")
    name = FRAMEWORK_FILES[version]
    raw = _read_json(name)
    try:
        framework = framework_from_dict(raw)
    except DigCompDataError as exc:
        raise DigCompDataError(f"{name}: {exc}") from None
    if framework.version != version:
        raise DigCompDataError(f"{name}: declares version {framework.version!r}, expected {version!r}")
    return framework


@cache
def _load_instrument(version: str) -> Instrument:
    if version not in INSTRUMENT_FILES:
        raise DigCompDataError(f"unknown instrument version {version!r}; known: {sorted(INSTRUMENT_FILES)}")
    name = INSTRUMENT_FILES[version]
    raw = _read_json(name)
    try:
        instrument = instrument_from_dict(raw, load_framework(str(raw.get("framework_version"))))
    except DigCompDataError as exc:
        raise DigCompDataError(f"{name}: {exc}") from None
    if instrument.version != version:
        raise DigCompDataError(f"{name}: declares version {instrument.version!r}, expected {version!r}")
    return instrument


def _read_json(name: str) -> dict[str, Any]:
    path = DATA_DIR / name
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise DigCompDataError(f"cannot read {path}: {exc}") from exc


# --- parsing and validation ---------------------------------------------------------


def framework_from_dict(raw: Mapping[str, Any]) -> Framework:
    """Build and validate a framework from its JSON form; raises DigCompDataError."""
    version = _require_str(raw, "version", "framework")
    attribution = raw.get("attribution")
    if not isinstance(attribution, Mapping) or not attribution.get("licence"):
        raise DigCompDataError("attribution with a licence is required (CC BY 4.0 asks for credit)")

    groups = tuple(
        LevelGroup(
            key=_require_str(g, "key", "level group"),
            levels=tuple(g.get("levels", ())),
            title=_text(g.get("title"), f"level group {g.get('key')} title"),
        )
        for g in raw.get("level_groups", ())
    )
    levels = tuple(
        Level(
            level=lv.get("level"),
            title=_text(lv.get("title"), f"level {lv.get('level')} title"),
            description=_text(lv.get("description"), f"level {lv.get('level')} description"),
            group=lv.get("group"),
            levels_2_2=tuple(lv.get("levels_2_2", ())),
        )
        for lv in raw.get("levels", ())
    )
    areas = tuple(_area(a) for a in raw.get("areas", ()))
    level_map = raw.get("level_mapping_from_2_2")
    competence_map = raw.get("competence_mapping_from_2_2")
    framework = Framework(
        version=version,
        attribution=MappingProxyType(dict(attribution)),
        level_groups=groups,
        levels=levels,
        areas=areas,
        level_mapping_from_2_2=(
            MappingProxyType({int(k): v for k, v in level_map.items()}) if level_map is not None else None
        ),
        competence_mapping_from_2_2=(
            MappingProxyType(dict(competence_map)) if competence_map is not None else None
        ),
    )
    _check_framework(framework, mapped_from=raw.get("mapped_from"))
    return framework


def _area(raw: Mapping[str, Any]) -> Area:
    key = _require_str(raw, "key", "area")
    return Area(
        key=key,
        title=_text(raw.get("title"), f"area {key} title"),
        description=_text(raw.get("description"), f"area {key} description"),
        title_status=raw.get("title_status", "official"),
        competences=tuple(
            Competence(
                key=_require_str(c, "key", f"competence in area {key}"),
                area=key,
                title=_text(c.get("title"), f"competence {c.get('key')} title"),
                description=_text(c.get("description"), f"competence {c.get('key')} description"),
                title_status=c.get("title_status", "official"),
            )
            for c in raw.get("competences", ())
        ),
    )


def _check_framework(fw: Framework, mapped_from: str | None) -> None:
    if len(fw.areas) != AREA_COUNT:
        raise DigCompDataError(f"expected {AREA_COUNT} areas, found {len(fw.areas)}")
    _check_unique([a.key for a in fw.areas], "area key")
    keys = [c.key for c in fw.competences]
    if len(keys) != COMPETENCE_COUNT:
        raise DigCompDataError(f"expected {COMPETENCE_COUNT} competences, found {len(keys)}")
    _check_unique(keys, "competence key")
    for area in fw.areas:
        for c in area.competences:
            if not c.key.startswith(area.key + "."):
                raise DigCompDataError(f"competence {c.key} is listed under area {area.key}")
    for status in [a.title_status for a in fw.areas] + [c.title_status for c in fw.competences]:
        if status not in TITLE_STATUSES:
            raise DigCompDataError(f"title_status {status!r} is not one of {TITLE_STATUSES}")

    numbers = [lv.level for lv in fw.levels]
    if numbers != list(range(1, len(numbers) + 1)) or not numbers:
        raise DigCompDataError(f"levels must be numbered 1..n in order, found {numbers}")
    if fw.level_groups:
        covered = sorted(n for g in fw.level_groups for n in g.levels)
        if covered != numbers:
            raise DigCompDataError(f"level groups cover {covered}, expected each of {numbers} once")
        if tuple(g.key for g in fw.level_groups) != GROUP_KEYS:
            raise DigCompDataError(f"level groups must be {GROUP_KEYS} in that order")
        group_of = {n: g.key for g in fw.level_groups for n in g.levels}
        for lv in fw.levels:
            if lv.group != group_of[lv.level]:
                raise DigCompDataError(f"level {lv.level} says group {lv.group!r}, groups say {group_of[lv.level]!r}")

    if mapped_from is not None:
        _check_mapping(fw, load_framework(mapped_from), numbers)


def _check_mapping(fw: Framework, source: Framework, numbers: list[int]) -> None:
    level_map = fw.level_mapping_from_2_2 or {}
    source_levels = [lv.level for lv in source.levels]
    if sorted(level_map) != source_levels:
        raise DigCompDataError(f"level_mapping_from_2_2 must cover levels {source_levels}, covers {sorted(level_map)}")
    if any(level_map[n] not in numbers for n in level_map):
        raise DigCompDataError(f"level_mapping_from_2_2 maps to levels outside {numbers}")
    mapped = [level_map[n] for n in source_levels]
    if mapped != sorted(mapped):
        raise DigCompDataError("level_mapping_from_2_2 must never map a higher level to a lower one")
    competence_map = fw.competence_mapping_from_2_2 or {}
    source_keys = [c.key for c in source.competences]
    missing = sorted(set(source_keys) - set(competence_map))
    if missing:
        raise DigCompDataError(f"competence_mapping_from_2_2 misses {missing}")
    own_keys = {c.key for c in fw.competences}
    unknown = sorted(v for v in competence_map.values() if v not in own_keys)
    if unknown:
        raise DigCompDataError(f"competence_mapping_from_2_2 points to unknown competences {unknown}")


def instrument_from_dict(raw: Mapping[str, Any], framework: Framework) -> Instrument:
    """Build and validate an instrument against its framework; raises DigCompDataError."""
    version = _require_str(raw, "version", "instrument")
    if raw.get("framework_version") != framework.version:
        raise DigCompDataError(
            f"instrument is for DigComp {raw.get('framework_version')!r}, got framework {framework.version!r}"
        )
    scale_raw = raw.get("scale") or {}
    scale = Scale(
        options=tuple(
            ScaleOption(o.get("value"), _text(o, f"scale option {o.get('value')}"))
            for o in scale_raw.get("options", ())
        ),
        not_relevant=_option(scale_raw.get("not_relevant"), "scale not_relevant"),
        question=_text(scale_raw.get("question"), "scale question"),
    )
    if [o.value for o in scale.options] != [0, 1, 2, 3]:
        raise DigCompDataError(f"scale values must be 0, 1, 2, 3, found {[o.value for o in scale.options]}")

    statements = tuple(
        Statement(
            id=_require_str(s, "id", "statement"),
            competence=_require_str(s, "competence", f"statement {s.get('id')}"),
            group=_require_str(s, "group", f"statement {s.get('id')}"),
            text=_text(s.get("text"), f"statement {s.get('id')} text"),
        )
        for s in raw.get("statements", ())
    )
    _check_statements(statements, framework)
    short_mode = _short_mode(raw.get("short_mode") or {}, framework)
    return Instrument(
        version=version,
        framework_version=framework.version,
        scale=scale,
        statements=statements,
        short_mode=short_mode,
    )


def _check_statements(statements: tuple[Statement, ...], framework: Framework) -> None:
    _check_unique([s.id for s in statements], "statement id")
    letter_of = {g: letter for letter, g in GROUP_LETTERS.items()}
    known = {c.key for c in framework.competences}
    for s in statements:
        if s.competence not in known:
            raise DigCompDataError(f"statement {s.id}: unknown competence {s.competence!r}")
        if s.group not in GROUP_KEYS:
            raise DigCompDataError(f"statement {s.id}: unknown group {s.group!r}")
        expected_id = f"c{s.competence.replace('.', '_')}_{letter_of[s.group]}"
        if s.id != expected_id:
            raise DigCompDataError(f"statement {s.id}: id should be {expected_id!r}")
        for lang in LANGUAGES:
            if len(getattr(s.text, lang)) > STATEMENT_MAX_CHARS:
                raise DigCompDataError(
                    f"statement {s.id} ({lang}) has {len(getattr(s.text, lang))} characters, max {STATEMENT_MAX_CHARS}"
                )
    for key in known:
        groups = sorted(s.group for s in statements if s.competence == key)
        if groups != sorted(GROUP_KEYS):
            raise DigCompDataError(f"competence {key} needs one statement per group {GROUP_KEYS}, has {groups}")


def _short_mode(raw: Mapping[str, Any], framework: Framework) -> ShortMode:
    choices = tuple(ShortChoice(c.get("value"), c.get("group"), c.get("level")) for c in raw.get("choices", ()))
    expected = [("0", None), *((letter, group) for letter, group in GROUP_LETTERS.items())]
    if [(c.value, c.group) for c in choices] != expected:
        raise DigCompDataError(f"short mode choices must be {expected}")
    for choice in choices:
        allowed = (0,) if choice.group is None else _group_levels(framework, choice.group)
        if choice.level not in allowed:
            raise DigCompDataError(f"short choice {choice.value!r} maps to level {choice.level!r}, allowed {allowed}")
    zero = raw["choices"][0]
    items = tuple(
        ShortItem(
            competence=_require_str(i, "competence", "short mode item"),
            descriptions=MappingProxyType(
                {g: _text((i.get("descriptions") or {}).get(letter), f"short {i.get('competence')} {letter}")
                 for letter, g in GROUP_LETTERS.items()}
            ),
        )
        for i in raw.get("items", ())
    )
    keys = [i.competence for i in items]
    _check_unique(keys, "short mode competence")
    if sorted(keys) != sorted(c.key for c in framework.competences):
        raise DigCompDataError("short mode needs exactly one item per competence")
    for item in items:
        for group, text in item.descriptions.items():
            for lang in LANGUAGES:
                if len(getattr(text, lang)) > SHORT_DESCRIPTION_MAX_CHARS:
                    raise DigCompDataError(
                        f"short {item.competence} {group} ({lang}) is longer than {SHORT_DESCRIPTION_MAX_CHARS}"
                    )
    return ShortMode(
        question=_text(raw.get("question"), "short mode question"),
        choices=choices,
        zero_text=_text(zero.get("text"), "short mode choice 0"),
        not_relevant=_option(raw.get("not_relevant"), "short mode not_relevant", text_key="text"),
        items=items,
    )


def _group_levels(framework: Framework, group: str) -> tuple[int, ...]:
    for g in framework.level_groups:
        if g.key == group:
            return g.levels
    raise DigCompDataError(f"DigComp {framework.version} has no level group {group!r}")


def _option(raw: Any, where: str, text_key: str | None = None) -> ScaleOption:
    if not isinstance(raw, Mapping):
        raise DigCompDataError(f"{where} is missing")
    return ScaleOption(raw.get("value"), _text(raw.get(text_key) if text_key else raw, where))


def _text(raw: Any, where: str) -> Text:
    if not isinstance(raw, Mapping):
        raise DigCompDataError(f"{where}: expected an object with 'sv' and 'en'")
    for lang in LANGUAGES:
        value = raw.get(lang)
        if not isinstance(value, str) or not value.strip():
            raise DigCompDataError(f"{where}: '{lang}' text is missing or empty")
    return Text(sv=raw["sv"], en=raw["en"])


def _require_str(raw: Mapping[str, Any], key: str, where: str) -> str:
    value = raw.get(key) if isinstance(raw, Mapping) else None
    if not isinstance(value, str) or not value:
        raise DigCompDataError(f"{where}: '{key}' is missing or not a string")
    return value


def _check_unique(values: list[str], what: str) -> None:
    duplicates = sorted(v for v, n in Counter(values).items() if n > 1)
    if duplicates:
        raise DigCompDataError(f"duplicate {what}: {duplicates}")

