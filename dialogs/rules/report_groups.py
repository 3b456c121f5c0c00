"""Which groups (units) an aggregate of the tab may be shown for: the survey's anonymity rule, applied here.

There is ONE rule for small groups, `dialogs/rules/anonymity.py` `disclose_tree` (docs/survey.md): a unit with
fewer than k people is merged into its parent, up the tree; what no unit takes is the organisation's own
group; and when that remainder is 1..k-1 (it would follow from the total by subtraction) the smallest top-level
groups are merged into it too (siblings suppressed). With fewer than k people in all nothing is shown. Every
aggregate the tab shows (heatmap cells, participation counts, maturity results, which use the survey's own
functions) goes through that rule; this module only adapts it to the tab's unit ids.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import TypeVar

from dialogs.rules.anonymity import DEFAULT_K, ROOT, disclose_tree

DEFAULT_MIN_GROUP_SIZE = DEFAULT_K
ORGANISATION = ROOT  # the anchor of the organisation's own group (people without a unit, merged top units)

Key = TypeVar("Key", bound=Hashable)


def visible_groups(sizes: Mapping[Key | None, int], parents: Mapping[Key, Key | None], *,
                   k: int = DEFAULT_MIN_GROUP_SIZE) -> dict[Key | None, Key | None]:
    """Where each group's people are reported: the anchor of the shown group they count in.

    `sizes`: the number of people behind each unit's figures (people assessed for a heatmap, people in the
    unit for participation); the key None counts people without a unit. `parents`: the unit tree (None above
    a top-level unit); a unit of `sizes` missing from it counts as top-level.

    Returns the keys of `sizes` whose people are shown, each mapped to its group's anchor: a unit, or
    `ORGANISATION` (None) for the organisation's own group. A key left out is hidden (nothing is shown when
    fewer than k people are counted in all). Every shown group, and every difference of shown sets, covers
    at least k people (dialogs/rules/anonymity.py).
    """
    tree: dict[Key, Key | None] = {unit: (parent if parent in parents else None) for unit, parent in parents.items()
                                   if unit is not None}
    for key in sizes:
        if key is not None and key not in tree:
            tree[key] = None
    disclosure = disclose_tree(tree, {key: size for key, size in sizes.items() if size > 0}, k)
    if not disclosure.total_shown:
        return {}
    shown = {group.anchor for group in disclosure.groups}
    return {key: disclosure.group_of[key] for key, size in sizes.items()
            if size > 0 and disclosure.group_of.get(key, ROOT) in shown}
