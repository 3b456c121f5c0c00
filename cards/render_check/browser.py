"""Drives Debian's Chromium through Playwright to parse, validate and draw cards with the adaptivecards package."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from cards.render_check.report import CardReport, name_and_lang

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium keeps dialling Google's hosts, which this network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
REPO_ROOT = Path(__file__).resolve().parents[2]
ADAPTIVECARDS_DIST = REPO_ROOT / "node_modules" / "adaptivecards" / "dist"
PAGE_DIR = Path(__file__).parent / "page"
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
VIEWPORT = {"width": 480, "height": 900}


def missing_tools() -> list[str]:
    """What the render check needs and cannot find; empty when it can run."""
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (run scripts/install_browser_deps.sh)")
    if not (ADAPTIVECARDS_DIST / "adaptivecards.min.js").exists():
        missing.append(f"{ADAPTIVECARDS_DIST / 'adaptivecards.min.js'} (run npm ci)")
    if shutil.which("node") is None:
        missing.append("node")
    return missing


def launch_chromium(playwright):
    """One headless Debian Chromium; never a browser that Playwright downloads."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)


def allow_loopback_only(route) -> None:
    """Route handler: file, data and loopback requests go through, everything else is aborted."""
    parts = urlsplit(route.request.url)
    if parts.scheme in ("file", "data", "blob", "about") or parts.hostname in LOOPBACK_HOSTS:
        route.continue_()
    else:
        route.abort()


@contextmanager
def renderer_page() -> Iterator:
    """A page with the renderer loaded and configured like Teams, in one browser for all cards."""
    from playwright.sync_api import sync_playwright

    if missing := missing_tools():
        raise RuntimeError("render check cannot run, missing: " + ", ".join(missing))
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1, locale="sv-SE")
            context.route("**/*", allow_loopback_only)
            page = context.new_page()
            page.set_content((PAGE_DIR / "render.html").read_text(encoding="utf-8"))
            page.add_style_tag(path=str(ADAPTIVECARDS_DIST / "adaptivecards.css"))
            page.add_script_tag(path=str(ADAPTIVECARDS_DIST / "adaptivecards.min.js"))
            page.add_script_tag(path=str(PAGE_DIR / "render.js"))
            host_config = json.loads((PAGE_DIR / "teams_hostconfig.json").read_text(encoding="utf-8"))
            page.evaluate("config => window.configureRenderer(config)", host_config)
            yield page
        finally:
            browser.close()


def _check_one(page, path: Path, page_errors: list[str]) -> CardReport:
    name, lang = name_and_lang(path)
    report = CardReport(name=name, lang=lang, path=path)
    if not lang:
        report.warnings.append(f"[file] {path.name}: expected <card-name>.<sv|en>.json")
    try:
        card = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        report.warnings.append(f"[file] cannot read JSON: {error}")
        return report
    if not isinstance(card, dict):
        report.warnings.append("[file] the JSON is not an object")
        return report
    page_errors.clear()
    result = page.evaluate("card => window.checkCard(card)", card)
    report.warnings.extend(result["warnings"])
    report.warnings.extend(f"[page] {error}" for error in page_errors)
    report.rendered, report.height = result["rendered"], result["height"]
    return report


def _run(paths: Iterable[str | Path], out_dir: Path | None) -> list[CardReport]:
    reports = []
    with renderer_page() as page:
        page_errors: list[str] = []
        page.on("pageerror", lambda error: page_errors.append(str(error)))
        for path in map(Path, paths):
            report = _check_one(page, path, page_errors)
            reports.append(report)
            if out_dir is not None and report.rendered:
                page.locator("#frame").screenshot(path=str(out_dir / f"{report.name}.{report.lang or 'xx'}.png"))
    return reports


def check_cards(paths: Iterable[str | Path]) -> list[CardReport]:
    """Parses, validates and renders each card file; one report per file, in order."""
    return _run(paths, None)


def preview_cards(paths: Iterable[str | Path], out_dir: str | Path) -> list[CardReport]:
    """Like check_cards, and writes `<card-name>.<lang>.png` of each rendered card into out_dir."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return _run(paths, out)
