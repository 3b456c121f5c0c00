"""Writes every card variant in both languages as JSON files, for review, schema and render checks."""

from __future__ import annotations

import json
from pathlib import Path

from cards.i18n import LANGS
from cards.samples import all_samples
from cards.validate import card_problems


def export_all(out_dir: str | Path) -> list[Path]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, builder in sorted(all_samples().items()):
        for lang in LANGS:
            path = out / f"{name}.{lang}.json"
            path.write_text(json.dumps(builder(lang), ensure_ascii=False, indent=2), encoding="utf-8")
            written.append(path)
    return written


def problems_by_file(paths: list[Path]) -> dict[str, list[str]]:
    report = {}
    for path in paths:
        problems = card_problems(json.loads(path.read_text(encoding="utf-8")))
        if problems:
            report[path.name] = problems
    return report
