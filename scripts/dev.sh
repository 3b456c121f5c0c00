#!/usr/bin/env bash
# Sets up and starts the bot locally (SQLite under ./var, local dev mode: no Azure app id) together with the
# Microsoft 365 Agents Playground. Open http://127.0.0.1:56150 and chat with the bot as a Teams user would.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
if [ ! -x node_modules/.bin/agentsplayground ]; then
  npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
fi
[ -f .env ] || cp .env.example .env

export PORT="${PORT:-3978}"
export MICROSOFT_APP_ID=""
# The Playground always sends en-US; answer in Swedish, as Teams would for our users (see .env.example).
export DEV_LOCALE="${DEV_LOCALE:-sv-SE}"
# Notifications at any hour on any day, so the local loop (send a plan, the manager gets it) works in the
# evening too; production keeps the weekday working hours (README, Configuration).
export WORKING_DAYS="${WORKING_DAYS:-1-7}"
export WORKING_HOURS="${WORKING_HOURS:-00:00-24:00}"
mkdir -p var
# Local data for the Playground's identities (idempotent): role targets, an organisation, a small directory.
.venv/bin/python -m bot role-profiles import store/data/role_profiles.csv >/dev/null
.venv/bin/python -m bot organisation stockholm-kultur "Stockholms stad, kulturförvaltningen" \
  --tenant 00000000-0000-4000-8000-000000000001 >/dev/null
.venv/bin/python -m bot import-directory scripts/dev_data/personal.csv --org stockholm-kultur \
  --units scripts/dev_data/enheter.csv >/dev/null
.venv/bin/python -m bot activities import store/data/activities/demo_activities.csv --org stockholm-kultur --move-dates >/dev/null
.venv/bin/python -m bot &
BOT_PID=$!
trap 'kill $BOT_PID 2>/dev/null || true' EXIT INT TERM

for _ in $(seq 1 50); do
  curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
echo
echo "Kompetenslyft runs on http://127.0.0.1:$PORT (health: /healthz)."
echo "Agents Playground: open http://127.0.0.1:56150 in your browser. Stop both with Ctrl+C."
echo
# The Playground's own configuration (tenant, users, chats) lives in .m365agentsplayground.yml.
TEAMSAPPTESTER_BROWSER="${TEAMSAPPTESTER_BROWSER:-none}" APPLICATION_INSIGHTS_NO_STATSBEAT=true \
  node_modules/.bin/agentsplayground -e "http://127.0.0.1:$PORT/api/messages" -c msteams -p 56150 --dt \
  --su http://127.0.0.1:56150/_connector
