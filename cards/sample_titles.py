"""DigComp titles for the card samples (cards/samples.py), read from the framework's data file.

Only the samples use this; a real card gets its titles from its handler (cards/digcomp_titles.py). Reading
the JSON here, rather than importing store.digcomp, keeps cards/ free of imports from store/.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from cards.digcomp_titles import DigCompTitles

_DATA = Path(__file__).resolve().parents[1] / "store" / "data" / "digcomp" / "framework_2_2.json"


@cache
def sample_titles(lang: str) -> DigCompTitles:
    raw = json.loads(_DATA.read_text(encoding="utf-8"))
    groups = {group["key"]: group["title"][lang] for group in raw["level_groups"]}
    return DigCompTitles.build(
        raw["version"],
        [(area["key"], area["title"][lang], [(c["key"], c["title"][lang]) for c in area["competences"]])
         for area in raw["areas"]],
        [(level["level"], level["title"][lang], groups.get(level.get("group"), "")) for level in raw["levels"]],
    )
