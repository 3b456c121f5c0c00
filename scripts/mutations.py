"""Breaks a rule on purpose and checks that a test fails: the mutations of issue #12, and the next rule's.

    .venv/bin/python scripts/mutations.py            # every mutation, each against the tests that guard it
    .venv/bin/python scripts/mutations.py --all      # each against all of tests/unit and tests/scenario (slow)
    .venv/bin/python scripts/mutations.py review-read-unchecked   # one by name

Your working tree is never touched: each mutation is applied to a fresh copy of the repository's files (tracked
and untracked, as `git ls-files` lists them, uncommitted edits included) in a temporary directory, and the tests
run there with this repository's .venv. First the tests run on the copy unchanged (they must pass, or a failure
would prove nothing), then once per mutation. A mutation is *killed* when a test fails and *survives* when all
pass; a surviving mutation is a rule no test protects. The script exits 1 if any survives, 2 if one no longer
applies (its original text is gone from the code: update it to the code as it is now).

To add a mutation, append a Mutation to MUTATIONS: the file, its exact original text (it must occur exactly
once), the broken text, and the tests that should catch it. Set KL_TEST_POSTGRES_URL (scripts/postgres.sh) to
run the store tests on PostgreSQL as well.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PYTHON = REPO / ".venv" / "bin" / "python"


@dataclass(frozen=True)
class Mutation:
    name: str
    what: str
    path: str
    original: str
    mutated: str
    tests: tuple[str, ...]


MUTATIONS = [
    Mutation(
        "review-read-unchecked",
        "the reviewer's right checked only on writes: anyone opens anyone's plan for review by its id",
        "dialogs/review.py",
        "    if not right.allowed:\n",
        "    if not right.allowed and for_update:\n",
        ("tests/scenario/test_review_access.py",),
    ),
    Mutation(
        "not-relevant-counts-highest",
        "\"inte relevant\" counted as the highest answer (3) in the long mode",
        "dialogs/rules/answers.py",
        "by_group[statement.group] = None if value == NOT_RELEVANT else int(value)",
        "by_group[statement.group] = 3 if value == NOT_RELEVANT else int(value)",
        ("tests/scenario/test_assessment.py", "tests/unit/test_assessment_rules.py"),
    ),
    Mutation(
        "outbox-unique-dropped-from-migration",
        "the unique (campaign, recipient) constraint dropped from the migration only, the model keeps it",
        "store/migrations/versions/0003_directory_plan.py",
        "    sa.PrimaryKeyConstraint('id'),\n"
        "    sa.UniqueConstraint('campaign', 'recipient_person_id', name='uq_outbox_campaign_recipient')\n",
        "    sa.PrimaryKeyConstraint('id'),\n",
        ("tests/unit/test_migrations_match_models.py",),
    ),
]

ALL_TESTS = ("tests/unit", "tests/scenario")


def copy_repository(into: Path) -> None:
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                            check=True, capture_output=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = REPO / name
        if source.is_file():  # a file deleted but not yet committed is listed and absent
            target = into / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def run_tests(copy: Path, tests: tuple[str, ...]) -> tuple[int, str]:
    command = [str(PYTHON), "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-m", "not e2e", *tests]
    done = subprocess.run(command, cwd=copy, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(copy)})
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    failed = [line for line in lines if line.startswith(("FAILED", "ERROR"))]
    return done.returncode, (failed[0] if failed else (lines[-1] if lines else done.stderr.strip()[-300:]))


def imports_from(copy: Path, path: str) -> bool:
    """The copy's tests import the copy's code, not the editable install's (else a mutation would test nothing)."""
    module = path.removesuffix(".py").replace("/", ".")
    if module.startswith("store.migrations.versions."):
        return True  # read by alembic from the file, not imported
    found = subprocess.run([str(PYTHON), "-c", f"import {module} as m; print(m.__file__)"], cwd=copy,
                           capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(copy)})
    return Path(found.stdout.strip()).resolve() == (copy / path).resolve()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="mutations to run (default: all)")
    parser.add_argument("--all", action="store_true", help="run tests/unit and tests/scenario for each")
    args = parser.parse_args(argv)
    chosen = [m for m in MUTATIONS if not args.names or m.name in args.names]
    if unknown := set(args.names) - {m.name for m in MUTATIONS}:
        parser.error(f"no such mutation: {sorted(unknown)}; there are {[m.name for m in MUTATIONS]}")

    results: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="kl-mutations-") as tmp:
        baseline = Path(tmp) / "baseline"
        copy_repository(baseline)
        tests = ALL_TESTS if args.all else tuple(sorted({t for m in chosen for t in m.tests}))
        code, summary = run_tests(baseline, tests)
        if code != 0:
            print(f"the tests fail without any mutation ({summary}): fix that first", file=sys.stderr)
            return 2
        print(f"unchanged: the tests pass ({summary})")
        for mutation in chosen:
            copy = Path(tmp) / mutation.name
            shutil.copytree(baseline, copy)
            target = copy / mutation.path
            text = target.read_text(encoding="utf-8")
            if text.count(mutation.original) != 1:
                results[mutation.name] = "NOT APPLIED (its original text is not in the code once: update it)"
            elif not imports_from(copy, mutation.path):
                results[mutation.name] = "NOT APPLIED (the copy imports the installed code, not its own)"
            else:
                target.write_text(text.replace(mutation.original, mutation.mutated), encoding="utf-8")
                code, summary = run_tests(copy, ALL_TESTS if args.all else mutation.tests)
                results[mutation.name] = (f"killed: {summary}" if code == 1 else "SURVIVED: every test passed"
                                          if code == 0 else f"ERROR (pytest exit {code}): {summary}")
            print(f"{mutation.name} ({mutation.what}): {results[mutation.name]}", flush=True)
            shutil.rmtree(copy, ignore_errors=True)
    if any(r.startswith("SURVIVED") for r in results.values()):
        return 1
    return 2 if any(not r.startswith("killed") for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
