"""The DigComp titles cards show (cards.digcomp_titles), built from the framework data in store.digcomp."""

from __future__ import annotations

from functools import cache

from cards.digcomp_titles import DigCompTitles
from cards.i18n import Lang
from store.digcomp import load_framework


@cache
def digcomp_titles(version: str, lang: Lang) -> DigCompTitles:
    framework = load_framework(version)
    groups = {group.key: group.title.of(lang) for group in framework.level_groups}
    return DigCompTitles.build(
        framework.version,
        [(area.key, area.title.of(lang), [(c.key, c.title.of(lang)) for c in area.competences])
         for area in framework.areas],
        [(level.level, level.title.of(lang), groups.get(level.group or "", "")) for level in framework.levels],
    )
