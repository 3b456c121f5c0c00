"""Pure scoring rules: self-assessment answers to DigComp 2.2 levels, area summaries and gaps.

Competence level from the four group answers (0 don't know, 1 with help, 2 on my own, 3 with confidence and
can guide others; None = not relevant or not answered), scoring version 2 (store/data/digcomp/SCORING.md):
1. leave out None groups; if none is left the result is None;
2. walk the rest upwards while the answer is 2 or 3 ("reached"); the walk stops at the first 0 or 1;
3. nothing reached: level 1 if the walk stopped at "with help" (DigComp's L1, "with guidance"), else 0;
4. otherwise, with R the highest group reached: foundation gives 2; a higher group gives its lower level for
   "on my own" and its upper level for "can guide others".
So no answer lifts a competence above the highest group the person does at least on their own, and
"guide others" only separates the two levels of a group already reached.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

GROUPS = ("foundation", "intermediate", "advanced", "highly_specialised")
GROUP_LEVELS = {"foundation": (1, 2), "intermediate": (3, 4), "advanced": (5, 6), "highly_specialised": (7, 8)}
DONT_KNOW, WITH_HELP, ON_MY_OWN, GUIDE_OTHERS = 0, 1, 2, 3
MAX_LEVEL = 8

# The version of the rule below, recorded on every finished assessment. Version 1 (until 2026-12) credited
# "guide others" with the next group's lower level and "with help" with a group's lower level; assessments
# scored by it keep their levels (docs/scoring-history.md).
SCORING_VERSION = 2

# Levels 7-8 (highly specialised: contributing to professional practice, proposing new ideas to the field) are a
# claim about one's field, not one's own work: shown as "to be confirmed in the development dialogue" until the
# manager agrees them.
CONFIRMATION_FROM_LEVEL = 7

# Short mode: a group's description means "I do this on my own today", which is the long mode's "on my own" for
# that group and every group below it, and "I don't know how" above it; "0" is "not yet", "na" not relevant.
SHORT_CHOICE_GROUP: Mapping[str, str | None] = {
    "0": None,
    "f": "foundation",
    "i": "intermediate",
    "a": "advanced",
    "h": "highly_specialised",
}
NOT_RELEVANT = "na"


def score_competence(answers: Mapping[str, int | None]) -> int | None:
    """Level 0..8 for one competence by the rule in the module docstring; None if nothing is relevant."""
    unknown = set(answers) - set(GROUPS)
    if unknown:
        raise ValueError(f"unknown level groups {sorted(unknown)}; expected some of {GROUPS}")
    relevant = [(g, answers[g]) for g in GROUPS if answers.get(g) is not None]
    for group, answer in relevant:
        if type(answer) is not int or not DONT_KNOW <= answer <= GUIDE_OTHERS:
            raise ValueError(f"{group}: answer must be 0..3 or None, got {answer!r}")
    if not relevant:
        return None

    reached, reached_answer, stop_answer = None, None, None
    for group, answer in relevant:
        if answer < ON_MY_OWN:
            stop_answer = answer
            break
        reached, reached_answer = group, answer
    if reached is None:
        return GROUP_LEVELS["foundation"][0] if stop_answer == WITH_HELP else 0
    lower, upper = GROUP_LEVELS[reached]
    if reached == "foundation":
        # DigComp's L2 is "autonomy, with guidance where needed": doing foundation tasks on my own is L2 already.
        return upper
    return upper if reached_answer == GUIDE_OTHERS else lower


def short_choice_answers(choice: str) -> dict[str, int | None]:
    """The long-mode answers a short-mode choice stands for: "on my own" up to its group, "don't know" above."""
    if choice == NOT_RELEVANT:
        return {group: None for group in GROUPS}
    try:
        chosen = SHORT_CHOICE_GROUP[choice]
    except KeyError:
        raise ValueError(
            f"unknown short-mode choice {choice!r}; expected one of {[*SHORT_CHOICE_GROUP, NOT_RELEVANT]}"
        ) from None
    top = -1 if chosen is None else GROUPS.index(chosen)
    return {group: ON_MY_OWN if i <= top else DONT_KNOW for i, group in enumerate(GROUPS)}


def score_short_choice(choice: str) -> int | None:
    """Level for a short-mode choice, by the long-mode rule on the answers it stands for: 0, f, i, a, h -> 0, 2,
    3, 5, 7; "na" -> None. The same underlying answers give the same level in both modes."""
    return score_competence(short_choice_answers(choice))


def needs_confirmation(level: int | None) -> bool:
    """True for levels 7-8: shown as "to be confirmed in the development dialogue" until the manager agrees."""
    return level is not None and level >= CONFIRMATION_FROM_LEVEL


def comparable(previous_mode: str, previous_scoring: int | None, mode: str, scoring: int | None) -> bool:
    """Whether two assessments' levels can be compared competence by competence: same mode and scoring version.

    The short mode cannot say "guide others", so it never gives a group's upper level above foundation; and an
    assessment scored by an older version was scored by another rule. A profile says so instead of comparing.
    """
    return previous_mode == mode and (previous_scoring or 1) == (scoring or 1)


@dataclass(frozen=True)
class AreaSummary:
    """Levels of one area's relevant competences; mean/min/max are None when none is relevant."""

    mean: float | None
    minimum: int | None
    maximum: int | None
    relevant: int


def summarise_area(levels: Mapping[str, int | None]) -> AreaSummary:
    """Mean (one decimal, halves rounded up), min, max and count over the non-None levels."""
    known = [lv for lv in levels.values() if lv is not None]
    if not known:
        return AreaSummary(mean=None, minimum=None, maximum=None, relevant=0)
    # Decimal so that 2.25 shows as 2.3 as people expect, not 2.2 (float banker's rounding).
    mean = (Decimal(sum(known)) / len(known)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return AreaSummary(mean=float(mean), minimum=min(known), maximum=max(known), relevant=len(known))


class _HasKey(Protocol):
    key: str


class _AreaLike(Protocol):
    key: str
    competences: Iterable[_HasKey]


class _FrameworkLike(Protocol):
    areas: Iterable[_AreaLike]


def summarise_assessment(
    levels_by_competence: Mapping[str, int | None], framework: _FrameworkLike
) -> dict[str, AreaSummary]:
    """One AreaSummary per framework area, in framework order; missing competences count as not relevant."""
    known = {c.key for area in framework.areas for c in area.competences}
    unknown = set(levels_by_competence) - known
    if unknown:
        raise ValueError(f"levels given for competences not in the framework: {sorted(unknown)}")
    return {
        area.key: summarise_area({c.key: levels_by_competence.get(c.key) for c in area.competences})
        for area in framework.areas
    }


@dataclass(frozen=True)
class Gap:
    competence: str
    level: int
    target: int

    @property
    def size(self) -> int:
        return self.target - self.level


def gaps(levels: Mapping[str, int | None], targets: Mapping[str, int | None]) -> list[Gap]:
    """Competences whose target is above the level, biggest gap first, then by competence key.

    A competence without a level (not relevant or not assessed) counts as level 0 when it
    has a target: the target says it matters in this job. Competences without a target are skipped.
    """
    found = []
    for key, target in targets.items():
        if target is None:
            continue
        level = levels.get(key)
        level = 0 if level is None else level
        _check_level(level, f"level of {key}")
        _check_level(target, f"target of {key}")
        if target > level:
            found.append(Gap(competence=key, level=level, target=target))
    return sorted(found, key=lambda g: (-g.size, _competence_order(g.competence)))


def top_gaps(levels: Mapping[str, int | None], targets: Mapping[str, int | None], n: int = 3) -> list[Gap]:
    if n < 0:
        raise ValueError(f"n must be 0 or more, got {n}")
    return gaps(levels, targets)[:n]


def map_level_2_2_to_3_0(level: int | None) -> int | None:
    """DigComp 3.0 level n covers 2.2 levels 2n-1 and 2n; 0 (nothing yet) stays 0, None stays None."""
    if level is None:
        return None
    _check_level(level, "DigComp 2.2 level")
    return (level + 1) // 2


def _check_level(level: object, what: str) -> None:
    if type(level) is not int or not 0 <= level <= MAX_LEVEL:
        raise ValueError(f"{what} must be an int 0..{MAX_LEVEL}, got {level!r}")


def _competence_order(key: str) -> tuple[int, ...]:
    # Numeric, not string order, so that a "2.10" would sort after "2.9".
    try:
        return tuple(int(part) for part in key.split("."))
    except ValueError:
        raise ValueError(f"not a competence key like '2.4': {key!r}") from None
