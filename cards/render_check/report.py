"""What the render check found for one exported card file, and how card files are named."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

LANGS = ("sv", "en")


@dataclass
class CardReport:
    name: str
    lang: str
    path: Path
    warnings: list[str] = field(default_factory=list)
    rendered: bool = False
    height: int = 0

    @property
    def ok(self) -> bool:
        return self.rendered and not self.warnings

    def summary(self) -> str:
        status = "ok  " if self.ok else "FAIL"
        drawn = f"{self.height} px" if self.rendered else "not rendered"
        lines = [f"{status} {self.name}.{self.lang or '?'} ({drawn})"]
        lines.extend(f"     {warning}" for warning in self.warnings)
        return "\n".join(lines)


def name_and_lang(path: Path) -> tuple[str, str]:
    """Splits `<card-name>.<lang>.json`; lang is "" when the file name does not follow that pattern."""
    stem, _, lang = path.name.removesuffix(".json").rpartition(".")
    if path.suffix != ".json" or not stem or lang not in LANGS:
        return path.name.removesuffix(".json"), ""
    return stem, lang
