#!/usr/bin/env bash
# Sets up everything the tests need (venv, PostgreSQL, Chromium, npm tools) and runs the whole suite:
# unit and scenario tests on SQLite and PostgreSQL, then the browser tests (card renderer, Agents Playground).
# Extra arguments go to pytest, e.g. scripts/test.sh -k assessment
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
KL_TEST_POSTGRES_URL="$(scripts/postgres.sh)"
export KL_TEST_POSTGRES_URL
scripts/install_browser_deps.sh
# Everything is installed now, so a skipped test means something is broken: make it fail.
export KL_NO_SKIPS=1

exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
