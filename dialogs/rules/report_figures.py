"""Pure rules that turn the store's counts into the figures the tab shows: medians from level histograms,
shares below the role target, groups merged under the survey's anonymity rule (dialogs/rules/report_groups.py)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from dialogs.rules.report_groups import visible_groups


@dataclass(frozen=True)
class Cell:
    median: float | None
    share_below: float | None  # of the levels with a role target; None when no one had a target
    levels: int  # assessed levels behind the cell (people × competences in an area cell)


@dataclass
class GroupRow:
    group: int | None  # the unit id the row is reported under (None: the organisation's own group)
    members: list[int | None] = field(default_factory=list)  # units merged into it (itself included)
    people: int = 0
    cells: dict[str, Cell] = field(default_factory=dict)


@dataclass
class Heatmap:
    columns: list[str]
    rows: list[GroupRow]
    hidden_people: int  # people not shown: fewer than k in all


def median_of(histogram: Mapping[int, int]) -> float | None:
    """The median of integer levels given as level -> count (the mean of the two middle ones when even)."""
    total = sum(histogram.values())
    if total == 0:
        return None
    middle = ((total - 1) // 2, total // 2)
    values, seen = [], 0
    for level in sorted(histogram):
        count = histogram[level]
        for position in middle:
            if seen <= position < seen + count:
                values.append(level)
        seen += count
    return sum(values) / 2


# people per unit and (competence or column, level, below the role target: True/False, None without a target)
UnitHistogram = Mapping[int | None, Mapping[tuple[str | None, int, bool | None], int]]


def by_unit(rows: Iterable) -> dict[int | None, dict[tuple, int]]:
    """LevelCount-like rows (unit_id, competence, level, below_target, people) counted per unit."""
    found: dict[int | None, dict[tuple, int]] = {}
    for row in rows:
        counts = found.setdefault(row.unit_id, {})
        key = (row.competence, row.level, row.below_target)
        counts[key] = counts.get(key, 0) + row.people
    return found


def heatmap(histogram: Iterable | UnitHistogram, sizes: Mapping[int | None, int],
            parents: Mapping[int | None, int | None], *, columns: Sequence[str], column_of: Mapping[str, str],
            k: int) -> Heatmap:
    """Rows per shown group, cells per column. `histogram`: people per unit and (competence, level, below
    target), as store.reports.heatmap_counts gives it, or as LevelCount-like rows (unit_id, competence, level,
    below_target, people); `column_of` maps a competence to its column (itself, or its area)."""
    per_unit = histogram if isinstance(histogram, Mapping) else by_unit(histogram)
    placement = visible_groups(sizes, parents, k=k)
    # Units merged into one group first (most groups are one unit: a dict copy), then one pass per group.
    merged: dict[int | None, dict[tuple, int]] = {}
    for unit_id, counts in per_unit.items():
        if unit_id not in placement:
            continue  # too few people to show anything
        group = placement[unit_id]
        into = merged.get(group)
        if into is None:
            merged[group] = dict(counts)
        else:
            for key, people in counts.items():
                into[key] = into.get(key, 0) + people
    levels: dict[tuple, dict[int, int]] = {}  # (group, column) -> level -> people
    below: dict[tuple, list[int]] = {}  # (group, column) -> [below the target, with a target]
    column_for = column_of.get
    for group, counts in merged.items():
        for (competence, level, under), people in counts.items():
            column = column_for(competence)
            if column is None:
                continue  # a competence outside the framework
            cell = levels.get((group, column))
            if cell is None:
                cell = levels[(group, column)] = {}
            cell[level] = cell.get(level, 0) + people
            if under is not None:
                tally = below.get((group, column))
                if tally is None:
                    tally = below[(group, column)] = [0, 0]
                if under:
                    tally[0] += people
                tally[1] += people
    rows: dict[int | None, GroupRow] = {}
    hidden = 0
    for unit_id, size in sizes.items():
        if unit_id not in placement:
            hidden += size
            continue
        group = placement[unit_id]
        row = rows.setdefault(group, GroupRow(group))
        row.members.append(unit_id)
        row.people += size
    for row in rows.values():
        for column in columns:
            histogram_of = levels.get((row.group, column), {})
            under, with_target = below.get((row.group, column), (0, 0))
            row.cells[column] = Cell(median_of(histogram_of), under / with_target if with_target else None,
                                     sum(histogram_of.values()))
    return Heatmap(list(columns), list(rows.values()), hidden)


@dataclass
class ParticipationRow:
    group: int | None
    members: list[int | None]
    people: int
    month: str
    counts: dict[str, int]


def participation(counts: Iterable, headcount: Mapping[int | None, int], parents: Mapping[int | None, int | None], *,
                  kinds: Sequence[str], k: int) -> tuple[list[ParticipationRow], int]:
    """Rows per shown group and month, with a count per kind; groups are judged on their headcount.
    Returns the rows and how many people are in groups too small to show."""
    placement = visible_groups(headcount, parents, k=k)
    members: dict[int | None, list[int | None]] = defaultdict(list)
    people: dict[int | None, int] = defaultdict(int)
    hidden = 0
    for unit_id, size in headcount.items():
        if unit_id not in placement:
            hidden += size
        else:
            members[placement[unit_id]].append(unit_id)
            people[placement[unit_id]] += size
    table: dict[tuple, dict[str, int]] = {}
    empty = dict.fromkeys(kinds, 0)
    for unit_id, month, kind, count in counts:  # MonthCount-like: (unit_id, month, kind, count)
        if unit_id not in placement:
            continue  # nothing shown, or people no longer counted in the headcount
        key = (placement[unit_id], month)
        cell = table.get(key)
        if cell is None:
            cell = table[key] = empty.copy()
        cell[kind] = cell.get(kind, 0) + count
    rows = [ParticipationRow(group, members[group], people[group], month, cell)
            for (group, month), cell in table.items()]
    return rows, hidden
