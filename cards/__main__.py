"""`python -m cards export DIR` writes every card; `python -m cards preview DIR` screenshots them."""

from __future__ import annotations

import argparse
import sys

from cards.export import export_all, problems_by_file


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cards", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    export = commands.add_parser("export", help="write every card variant, sv and en, as JSON")
    export.add_argument("out_dir")
    preview = commands.add_parser("preview", help="render every card in Chromium and save PNG screenshots")
    preview.add_argument("out_dir")
    args = parser.parse_args(argv)

    if args.command == "export":
        paths = export_all(args.out_dir)
        problems = problems_by_file(paths)
        for name, messages in problems.items():
            for message in messages:
                print(f"{name}: {message}", file=sys.stderr)
        print(f"wrote {len(paths)} cards to {args.out_dir}")
        return 1 if problems else 0

    from cards.render_check.cli import main_preview  # Playwright is only needed here.

    return main_preview(args.out_dir)


if __name__ == "__main__":
    sys.exit(main())
