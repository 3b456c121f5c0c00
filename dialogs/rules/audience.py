"""Who a broadcast reaches, as a pure rule: the criteria the coordinator chose, read and checked from the card,
and the parts that need no database (a unit with its sub-units, "this year", a gap of at least N).

An audience is the active people of the coordinator's organisation who meet every criterion given:
- units: in one of the chosen units or any unit below them (none chosen: the whole organisation);
- roles: in one of the chosen directory roles (none chosen: every role);
- condition, at most one of:
  - gap: a gap of at least N on at least one chosen competence (target - level, as dialogs/rules/scoring.py
    computes it on the latest finished self-assessment: personal target over the role's, no level = 0);
  - plan: their latest development plan names a chosen competence among its priorities;
  - not_assessed: no finished self-assessment this calendar year (in the organisation's time zone),
    including people who never opened the bot.
store/broadcasts.py turns the rule into one set-based query.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from dialogs.rules.scoring import MAX_LEVEL, gaps


class Condition(StrEnum):
    NONE = "none"
    GAP = "gap"
    PLAN = "plan"
    NOT_ASSESSED = "not_assessed"


# Input ids on the compose card (cards/broadcast.py uses the same names).
UNITS_ID, ROLES_ID, CONDITION_ID, COMPETENCES_ID, MIN_GAP_ID = "units", "roles", "condition", "competences", "min_gap"


@dataclass(frozen=True)
class Audience:
    units: tuple[int, ...] = ()
    roles: tuple[int, ...] = ()
    condition: Condition = Condition.NONE
    competences: tuple[str, ...] = ()
    min_gap: int = 1
    # Filled when read from the card, for the preview and the audit trail: names as the coordinator saw them.
    labels: Mapping[str, tuple[str, ...]] = field(default_factory=dict, compare=False)

    def to_json(self) -> dict[str, Any]:
        rule: dict[str, Any] = {"units": list(self.units), "roles": list(self.roles), "condition": str(self.condition)}
        if self.condition in (Condition.GAP, Condition.PLAN):
            rule["competences"] = list(self.competences)
        if self.condition is Condition.GAP:
            rule["min_gap"] = self.min_gap
        if self.labels:
            rule["labels"] = {key: list(values) for key, values in self.labels.items()}
        return rule

    @classmethod
    def from_json(cls, rule: Mapping[str, Any]) -> "Audience":
        return cls(units=tuple(int(u) for u in rule.get("units", ())), roles=tuple(int(r) for r in rule.get("roles", ())),
                   condition=Condition(rule.get("condition", Condition.NONE)),
                   competences=tuple(str(c) for c in rule.get("competences", ())),
                   min_gap=int(rule.get("min_gap", 1)),
                   labels={key: tuple(values) for key, values in (rule.get("labels") or {}).items()})


class AudienceInvalid(ValueError):
    """A card asked for an audience that cannot be; `key` names the catalogue text (error.<key>)."""

    def __init__(self, key: str, detail: str) -> None:
        super().__init__(detail)
        self.key = key


def chosen_ids(value: Any) -> list[int]:
    """The numeric ids of a multi-select's value, to look up (whatever else it holds is refused by parsing)."""
    return [int(part) for part in _ids(value) if part.isdigit()]


def _ids(value: Any) -> list[str]:
    """Input.ChoiceSet with isMultiSelect sends "3,7,12"; an empty choice sends "" or nothing."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in str(value).split(",") if part.strip()]


def parse_audience(data: Mapping[str, Any], *, units: Mapping[int, str], roles: Mapping[int, str],
                   competences: Mapping[str, str]) -> Audience:
    """The audience the card's inputs describe, checked against what exists (id -> name maps; for units and
    roles at least those the card names)."""
    chosen_units = _known_ints(_ids(data.get(UNITS_ID)), units, "audience_unknown_unit")
    chosen_roles = _known_ints(_ids(data.get(ROLES_ID)), roles, "audience_unknown_role")
    try:
        condition = Condition(str(data.get(CONDITION_ID) or Condition.NONE))
    except ValueError:
        raise AudienceInvalid("malformed", f"unknown condition {data.get(CONDITION_ID)!r}") from None
    chosen_competences: tuple[str, ...] = ()
    min_gap = 1
    if condition in (Condition.GAP, Condition.PLAN):
        keys = _ids(data.get(COMPETENCES_ID))
        unknown = [key for key in keys if key not in competences]
        if unknown:
            raise AudienceInvalid("malformed", f"unknown competences {unknown}")
        if not keys:
            raise AudienceInvalid("audience_needs_competence", f"condition {condition} without competences")
        chosen_competences = tuple(sorted(dict.fromkeys(keys), key=_competence_order))
    if condition is Condition.GAP:
        raw = str(data.get(MIN_GAP_ID) or "").strip()
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_LEVEL:
            raise AudienceInvalid("audience_bad_gap", f"min gap {raw!r}")
        min_gap = int(raw)
    labels = {"units": tuple(units[u] for u in chosen_units), "roles": tuple(roles[r] for r in chosen_roles),
              "competences": tuple(f"{key} {competences[key]}" for key in chosen_competences)}
    return Audience(tuple(chosen_units), tuple(chosen_roles), condition, chosen_competences, min_gap,
                    {key: value for key, value in labels.items() if value})


def _known_ints(values: list[str], known: Mapping[int, str], key: str) -> list[int]:
    result = []
    for value in values:
        if not value.isdigit() or int(value) not in known:
            raise AudienceInvalid(key, f"{value!r} is not one of the organisation's")
        if int(value) not in result:
            result.append(int(value))
    return result


def units_with_descendants(chosen: Collection[int], parent_of: Mapping[int, int | None]) -> frozenset[int]:
    """The chosen units and every unit below them in the tree (`parent_of`: unit id -> parent id)."""
    children: dict[int, list[int]] = {}
    for unit, parent in parent_of.items():
        if parent is not None:
            children.setdefault(parent, []).append(unit)
    found: set[int] = set()
    stack = [unit for unit in chosen]
    while stack:
        unit = stack.pop()
        if unit in found:
            continue  # a loop in the tree is refused at import; this keeps a bad row from hanging us
        found.add(unit)
        stack.extend(children.get(unit, ()))
    return frozenset(found)


def year_start(now: datetime, tz: ZoneInfo) -> datetime:
    """1 January 00:00 of `now`'s year in the organisation's time zone, in UTC: "this year" begins there."""
    local = now.astimezone(tz)
    return datetime(local.year, 1, 1, tzinfo=tz).astimezone(timezone.utc)


def has_gap_of_at_least(levels: Mapping[str, int | None], targets: Mapping[str, int | None],
                        competences: Collection[str], min_gap: int) -> bool:
    """The gap condition for one person, by the same rule the profile uses: the SQL must agree with this."""
    return any(gap.size >= min_gap and gap.competence in competences for gap in gaps(levels, targets))


def _competence_order(key: str) -> tuple[int, ...]:
    return tuple(int(part) for part in key.split(".") if part.isdigit())
