"""Command-line entry points for `python -m cards check|preview DIR`: a report on stdout and an exit code."""

from __future__ import annotations

from pathlib import Path

from cards.render_check.browser import check_cards, missing_tools, preview_cards
from cards.render_check.report import CardReport


def _card_files(export_dir: Path) -> list[Path]:
    return sorted(export_dir.glob("*.json"))


def _print_report(reports: list[CardReport]) -> int:
    for report in reports:
        print(report.summary())
    failed = [report for report in reports if not report.ok]
    print(f"{len(reports)} cards rendered, {len(failed)} with problems")
    return 1 if failed else 0


def _unavailable() -> int:
    missing = missing_tools()
    if missing:
        print("render check cannot run, missing: " + ", ".join(missing))
        return 2
    return 0


def main_check(export_dir: str | Path) -> int:
    """Checks every `*.json` card in export_dir; 0 when all render without warnings, 1 if not, 2 if it cannot run."""
    paths = _card_files(Path(export_dir))
    if not paths:
        print(f"no card files (*.json) in {export_dir}: run `python -m cards export {export_dir}` first")
        return 2
    return _unavailable() or _print_report(check_cards(paths))


def main_preview(export_dir: str | Path, out_dir: str | Path | None = None) -> int:
    """Screenshots every card in export_dir into out_dir (default: beside the JSON), exporting first if it is empty."""
    export_dir = Path(export_dir)
    if not _card_files(export_dir):
        from cards.export import export_all

        export_all(export_dir)
    if code := _unavailable():
        return code
    out = Path(out_dir) if out_dir is not None else export_dir
    code = _print_report(preview_cards(_card_files(export_dir), out))
    print(f"screenshots in {out}")
    return code
