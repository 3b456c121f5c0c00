"""What an aggregate may show without pointing at anyone: groups of at least k people in a unit tree.

Plain functions of plain data, reused for every aggregate (survey results, the reports tab). Two steps:

1. `disclose_tree(parents, counts, k)`: the people counted in each unit (`counts`, by unit key) are reported in
   disjoint groups. Bottom-up, a unit with at least k people (its own plus those of children merged into it)
   becomes a group; a unit with fewer is merged into its parent, never shown alone. The organisation itself
   (the root, key `None`) holds what no unit took. Because the organisation total is shown too, a root
   remainder of 1..k-1 could be had by subtraction (total minus the groups): then the smallest top-level
   groups are merged back into the root (siblings suppressed) until the remainder is 0 or at least k. With
   fewer than k people in all, nothing is shown. Every figure that can be derived (any group, the total, any
   difference between a shown set and a shown subset of it) then covers 0 or at least k people.
2. `suppress_cells(counts, k)`: for one figure computed over a shown partition (say a dimension's mean, where
   "don't know" leaves fewer contributors than respondents), which cells must be hidden so that the hidden
   ones together cover 0 or at least k people, and whether the total may still be shown.

Keys are any hashable unit ids; `parents[u]` is u's parent, `None` for a top-level unit. Units may have no
people (count 0); people without a unit are counted under the key `None` (the organisation).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field

Key = Hashable
MIN_K, MAX_K, DEFAULT_K = 3, 25, 5
ROOT = None  # the organisation: parent of the top-level units, home of people without a unit


def check_k(k: int) -> int:
    """The group threshold as configured: an int from 3 to 25 (default 5)."""
    if not isinstance(k, int) or isinstance(k, bool) or not MIN_K <= k <= MAX_K:
        raise ValueError(f"the minimum group size must be a whole number from {MIN_K} to {MAX_K}, not {k!r}")
    return k


@dataclass(frozen=True)
class Group:
    """People reported together: `anchor` names the group (a unit, or None for the organisation itself)."""

    anchor: Key
    units: frozenset
    count: int


@dataclass(frozen=True)
class Disclosure:
    k: int
    total: int
    # False when the organisation as a whole has fewer than k: then nothing at all may be shown.
    total_shown: bool
    # The shown groups, each of at least k, disjoint; in tree order (parents before children).
    groups: tuple[Group, ...] = ()
    # unit -> the anchor of the group its people are counted in (None: the organisation's own group, which is
    # shown only when it is among `groups`). Empty when nothing is shown.
    group_of: Mapping[Key, Key] = field(default_factory=dict)

    def group(self, anchor: Key) -> Group | None:
        return next((g for g in self.groups if g.anchor == anchor), None)


def _tree(parents: Mapping[Key, Key | None]) -> tuple[dict[Key, list[Key]], list[Key]]:
    """Children lists (in the order given) and the units in pre-order from the root; refuses loops and
    parents that are not units."""
    children: dict[Key, list[Key]] = {ROOT: []}
    for unit in parents:
        if unit is ROOT:
            raise ValueError("None is the organisation, not a unit key")
        children.setdefault(unit, [])
    for unit, parent in parents.items():
        if parent is not ROOT and parent not in parents:
            raise ValueError(f"unit {unit!r} has parent {parent!r}, which is not a unit")
        children[parent].append(unit)
    order: list[Key] = []
    stack = [ROOT]
    while stack:
        node = stack.pop()
        order.append(node)
        stack.extend(reversed(children[node]))
    if len(order) != len(parents) + 1:
        raise ValueError("the unit tree has a loop")
    return children, order


def disclose_tree(parents: Mapping[Key, Key | None], counts: Mapping[Key, int], k: int) -> Disclosure:
    """The groups that may be shown for people counted per unit; see the module docstring."""
    check_k(k)
    children, order = _tree(parents)
    unknown = [unit for unit in counts if unit is not ROOT and unit not in parents]
    if unknown:
        raise ValueError(f"counts for units outside the tree: {unknown!r}")
    if any(n < 0 for n in counts.values()):
        raise ValueError("counts cannot be negative")
    total = sum(counts.values())
    if total < k:
        return Disclosure(k=k, total=total, total_shown=False)

    released: set[Key] = set()
    pending: dict[Key, int] = {}
    for unit in reversed(order):  # children before parents
        held = counts.get(unit, 0) + sum(pending[c] for c in children[unit] if c not in released)
        pending[unit] = held
        if unit is not ROOT and held >= k:
            released.add(unit)

    position = {unit: i for i, unit in enumerate(order)}

    def top_level() -> list[Key]:
        """Released units with no released ancestor: the root's direct siblings-in-reporting."""
        found, stack = [], list(children[ROOT])
        while stack:
            unit = stack.pop()
            if unit in released:
                found.append(unit)
            else:
                stack.extend(children[unit])
        return found

    while 0 < pending[ROOT] < k:
        # Merge the smallest top-level group back into the organisation; its released descendants stay.
        smallest = min(top_level(), key=lambda u: (pending[u], position[u]))
        released.discard(smallest)
        pending[ROOT] += pending[smallest]

    group_of: dict[Key, Key] = {ROOT: ROOT}
    members: dict[Key, set[Key]] = {ROOT: {ROOT}}
    for unit in order[1:]:  # parents first, so the parent's group is known
        anchor = unit if unit in released else group_of[parents[unit]]
        group_of[unit] = anchor
        members.setdefault(anchor, set()).add(unit)
    groups = [Group(anchor, frozenset(members[anchor]), pending[anchor])
              for anchor in order if (anchor in released or (anchor is ROOT and pending[ROOT] > 0))]
    return Disclosure(k=k, total=total, total_shown=True, groups=tuple(groups), group_of=group_of)


@dataclass(frozen=True)
class Suppression:
    hidden: frozenset
    total_shown: bool


def suppress_cells(counts: Mapping[Key, int], k: int) -> Suppression:
    """For one figure over disjoint cells whose sum is shown: the cells to hide (those under k, and then the
    smallest others until the hidden ones cover at least k), and whether the total may be shown (at least k).
    Cells with 0 have no figure to show and are never counted as hidden."""
    check_k(k)
    total = sum(counts.values())
    if total < k:
        return Suppression(frozenset(c for c, n in counts.items() if n > 0), False)
    hidden = {c for c, n in counts.items() if 0 < n < k}
    covered = sum(counts[c] for c in hidden)
    shown = sorted((c for c, n in counts.items() if n >= k), key=lambda c: counts[c])
    while 0 < covered < k and shown:
        cell = shown.pop(0)
        hidden.add(cell)
        covered += counts[cell]
    return Suppression(frozenset(hidden), True)
