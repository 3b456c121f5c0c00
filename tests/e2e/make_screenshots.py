"""Makes the README's screenshots in docs/screenshots/: the main cards through the official Adaptive Cards renderer
(the same as `python -m cards preview`, Swedish sample data) and the chat with the real bot in the Agents Playground.

    .venv/bin/python tests/e2e/make_screenshots.py                # all of them
    .venv/bin/python tests/e2e/make_screenshots.py --cards-only   # without the bot and the Playground

Every PNG is reduced to a palette image and must stay under 150 KB; the script fails if one does not.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path[:0] = [str(REPO), str(HERE)]

from cards.export import export_all  # noqa: E402
from cards.render_check import preview_cards  # noqa: E402
from cards.render_check import missing_tools as renderer_missing  # noqa: E402

OUT = REPO / "docs" / "screenshots"
MAX_BYTES = 150 * 1024

# Screenshot file -> the card sample (cards/samples.py) it shows, in Swedish.
CARDS: dict[str, str] = {
    "welcome.png": "welcome",
    "assessment-area.png": "assessment-statement-first",
    "profile.png": "profile",
    "plan.png": "plan-draft",
    "manager-review.png": "review",
    "activities.png": "activities-mine",
    "activity-form.png": "activity-form-new",
}
PLAYGROUND_SHOT = "playground-chat.png"


def compress(png: bytes, *, max_bytes: int = MAX_BYTES) -> bytes:
    """A palette PNG: cards are flat colours and text, so 128 colours look the same at a third of the size."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    for colours in (128, 64, 32):
        buffer = io.BytesIO()
        image.quantize(colors=colours, method=Image.Quantize.MEDIANCUT).save(buffer, format="PNG", optimize=True)
        if buffer.tell() <= max_bytes:
            return buffer.getvalue()
    raise ValueError(f"still {buffer.tell() // 1024} KB with 32 colours; the limit is {max_bytes // 1024} KB")


def card_screenshots(out: Path, cards: dict[str, str] = CARDS) -> list[Path]:
    if missing := renderer_missing():
        raise SystemExit("cannot render cards, missing: " + ", ".join(missing))
    written = []
    with tempfile.TemporaryDirectory(prefix="screenshots-") as tmp:
        exported = {path.name: path for path in export_all(Path(tmp) / "cards")}
        unknown = [sample for sample in cards.values() if f"{sample}.sv.json" not in exported]
        if unknown:
            raise SystemExit("no such card sample in cards/samples.py: " + ", ".join(unknown))
        paths = [exported[f"{sample}.sv.json"] for sample in cards.values()]
        reports = preview_cards(paths, Path(tmp) / "png")
        failed = [report.summary() for report in reports if not report.ok]
        if failed:
            raise SystemExit("cards that do not render cleanly:\n" + "\n".join(failed))
        for (name, sample), report in zip(cards.items(), reports):
            png = (Path(tmp) / "png" / f"{sample}.sv.png").read_bytes()
            written.append(_write(out / name, compress(png)))
    return written


def playground_screenshot(out: Path) -> Path:
    """The chat with the real bot in the Playground: the welcome, "hjälp" and the menu, as a person sees it."""
    from playground import CARD, BotProcess, LocaleRelay, Playground, PlaygroundPage, launch_chromium, missing_tools
    from playwright.sync_api import sync_playwright

    from cards.i18n import t

    if missing := missing_tools():
        raise SystemExit("cannot run the Playground, missing: " + ", ".join(missing))
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="screenshots-bot-")))
        bot = stack.enter_context(BotProcess(workdir))
        relay = stack.enter_context(LocaleRelay(bot.port, locale="sv-SE"))
        playground = stack.enter_context(Playground(relay.port))
        pw = stack.enter_context(sync_playwright())
        browser = launch_chromium(pw)
        stack.callback(browser.close)
        chat = PlaygroundPage.new(browser, playground).open()
        relay.wait_for_answers("installationUpdate", 1)
        relay.wait_for_answers("conversationUpdate", 1)
        shown = chat.bot_messages.count()
        chat.send("hjälp")
        chat.wait_for_bot_messages(shown + 1)
        chat.last_card().wait_for(state="visible")  # the menu card laid out, and its fonts loaded
        chat.page.evaluate("document.fonts.ready.then(() => true)")
        if chat.page.locator(CARD).filter(has_text=t("sv", "error.title")).count():
            raise SystemExit(f"the bot answered with an error card; its log:\n{bot.log_text()}")
        png = chat.page.screenshot()
        return _write(out / PLAYGROUND_SHOT, compress(png))


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    shown = path.relative_to(REPO) if path.is_relative_to(REPO) else path
    print(f"{shown}: {len(data) // 1024} KB")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cards-only", action="store_true", help="skip the Playground screenshot")
    parser.add_argument("--out", type=Path, default=OUT, help=f"where to write (default {OUT.relative_to(REPO)})")
    args = parser.parse_args(argv)
    card_screenshots(args.out)
    if not args.cards_only:
        playground_screenshot(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
