"""Command line: `python -m manifest build --out DIR` writes the Teams app package; `validate ZIP` checks one."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.settings import Settings, SettingsError
from manifest.build import BuildError, build_package, read_package, resolve_options
from manifest.validate import package_problems


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "validate":
        return _validate(args.package)
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"error: settings: {error}", file=sys.stderr)
        return 2
    try:
        options, notes = resolve_options(settings, app_id=args.app_id, hostname=args.hostname,
                                         version=args.version, dev=args.dev)
        for note in notes:
            print(f"note: {note}", file=sys.stderr)
        path = build_package(options, args.out)
    except BuildError as error:
        _report("no package written", error.problems)
        return 1
    print(path)
    return 0


def _validate(package: Path) -> int:
    try:
        problems = [str(p) for p in package_problems(read_package(package))]
    except (OSError, ValueError) as error:  # zipfile.BadZipFile is a ValueError
        problems = [f"{package}: cannot read the zip: {error}"]
    if problems:
        _report(f"{package} is not a valid Teams app package", problems)
        return 1
    print(f"{package}: valid")
    return 0


def _report(headline: str, problems: list[str]) -> None:
    print(f"error: {headline}:", file=sys.stderr)
    for problem in problems:
        print(f"  {problem}", file=sys.stderr)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m manifest", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="validate and write DIR/kompetenslyft-<version>.zip")
    build.add_argument("--out", type=Path, required=True, help="directory for the zip (created if missing)")
    build.add_argument("--app-id", help="the bot's Microsoft App ID (default: MICROSOFT_APP_ID)")
    build.add_argument("--hostname", help="public host name of the bot (default: PUBLIC_HOSTNAME)")
    build.add_argument("--version", help="package version MAJOR.MINOR.PATCH (default: APP_VERSION)")
    build.add_argument("--dev", action="store_true",
                       help="allow a placeholder app id and localhost, for a local test package")
    validate = commands.add_parser("validate", help="check an existing package zip")
    validate.add_argument("package", type=Path)
    return parser


if __name__ == "__main__":
    sys.exit(main())
