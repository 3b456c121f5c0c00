"""The string catalogue: every text a user sees, one catalogue per language (sv first, en second).

Each language is a folder of JSON files (one per feature) merged into one flat key space, so features
add their strings without touching each other's files. `t(lang, key, **params)` looks a string up.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Literal

Lang = Literal["sv", "en"]
LANGS: tuple[Lang, ...] = ("sv", "en")
_STRINGS = Path(__file__).parent / "strings"


def lang_of(locale: str | None, default: Lang = "sv") -> Lang:
    """Teams sends locales like sv-SE, en-US or nothing at all (on install)."""
    if not locale:
        return default
    return "en" if locale.lower().startswith("en") else "sv" if locale.lower().startswith("sv") else default


@cache
def catalogue(lang: Lang) -> dict[str, str]:
    merged: dict[str, str] = {}
    for path in sorted((_STRINGS / lang).glob("*.json")):
        for key, value in json.loads(path.read_text(encoding="utf-8")).items():
            if key in merged:
                raise ValueError(f"{path}: string key {key!r} is defined twice in the {lang} catalogue")
            merged[key] = value
    return merged


def t(lang: Lang, key: str, **params: object) -> str:
    text = catalogue(lang)[key]
    return text.format(**params) if params else text


def t_count(lang: Lang, key: str, count: int, **params: object) -> str:
    """A text that depends on a number: `key.one` for exactly 1, `key.other` otherwise ("1 plan", "2 planer")."""
    return t(lang, f"{key}.{'one' if count == 1 else 'other'}", count=count, **params)
