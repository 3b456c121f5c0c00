"""Which groups (units) an aggregate may be shown for: the anonymity threshold k, applied in one place.

Every aggregate the tab shows (heatmap cells, participation counts) goes through `visible_groups`, so the
rule can be replaced by the survey's anonymity rule (dialogs/rules/anonymity.py) by changing this module only.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import TypeVar

DEFAULT_MIN_GROUP_SIZE = 5

Key = TypeVar("Key", bound=Hashable)


def visible_groups(sizes: Mapping[Key, int], parents: Mapping[Key, Key | None], *,
                   k: int = DEFAULT_MIN_GROUP_SIZE) -> dict[Key, Key | None]:
    """Where each group's people are reported: itself, an ancestor it is merged into, or nowhere (None).

    `sizes`: the number of people behind each group's figures (people assessed for a heatmap, people in the
    unit for participation); groups with no people may be left out. `parents`: the unit tree (None at a root);
    a group missing from it counts as a root.

    Bottom up: a group with fewer than `k` people is merged into its parent (its people count there), and the
    parent is judged on its own people plus everyone merged into it. A root that still has fewer than k is
    hidden: its key and every group merged into it map to None. A group of exactly k is shown. The result
    maps every key of `sizes`; a value that is not None is a group whose merged size is at least k.

    A shown parent never exposes a hidden child by subtraction, because a merged child's people are counted
    in the parent's own row and never shown apart from it.
    """
    if k < 1:
        raise ValueError(f"the anonymity threshold must be at least 1, not {k}")
    merged: dict[Key, int] = {key: size for key, size in sizes.items() if size > 0}
    target: dict[Key, Key] = {key: key for key in sizes}
    while True:
        small = [key for key, size in merged.items() if 0 < size < k and parents.get(key) is not None]
        if not small:
            break
        # The deepest first, so a child lands in its parent before the parent is judged.
        key = max(small, key=lambda key: _depth(key, parents))
        parent = parents[key]
        merged[parent] = merged.get(parent, 0) + merged[key]
        merged[key] = 0
        for original, into in target.items():
            if into == key:
                target[original] = parent
    return {original: (into if merged.get(into, 0) >= k else None) for original, into in target.items()}


def _depth(key: Hashable, parents: Mapping) -> int:
    depth, seen = 0, {key}
    while (key := parents.get(key)) is not None and key not in seen:
        seen.add(key)
        depth += 1
    return depth
