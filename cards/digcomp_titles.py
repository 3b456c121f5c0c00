"""The DigComp titles a card shows, in the card's language, as plain data the handler passes in.

Cards never load the framework themselves (dialogs/digcomp_titles.py builds this from store.digcomp), so a
card module depends only on what it is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True)
class AreaTitle:
    key: str
    title: str
    competences: tuple[tuple[str, str], ...]  # (competence key, title), in framework order


@dataclass(frozen=True)
class LevelTitle:
    level: int
    title: str  # "Medel 3"
    group: str  # "Medel"


@dataclass(frozen=True)
class DigCompTitles:
    """Area, competence and level titles of one framework version in one language."""

    version: str
    areas: tuple[AreaTitle, ...]
    levels: tuple[LevelTitle, ...] = ()

    @classmethod
    def build(cls, version: str, areas: Iterable[tuple[str, str, Iterable[tuple[str, str]]]],
              levels: Iterable[tuple[int, str, str]] = ()) -> "DigCompTitles":
        return cls(version, tuple(AreaTitle(key, title, tuple(competences)) for key, title, competences in areas),
                   tuple(LevelTitle(*level) for level in levels))

    @property
    def competence_keys(self) -> tuple[str, ...]:
        return tuple(key for area in self.areas for key, _ in area.competences)

    def competence(self, key: str) -> str:
        """The competence's title; its key alone when this framework version has no such competence."""
        for area in self.areas:
            for competence, title in area.competences:
                if competence == key:
                    return title
        return key

    def level(self, level: int) -> LevelTitle | None:
        return next((entry for entry in self.levels if entry.level == level), None)
