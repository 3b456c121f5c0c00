#!/usr/bin/env bash
# Copies the Teams JavaScript library (npm @microsoft/teams-js, pinned in package-lock.json) into the folder the
# tab serves it from (bot/tab/static/vendor/). No CDN: the tab loads only what the app itself serves.
# Run after `npm ci` (scripts/install_browser_deps.sh does both); deployments run it in their build.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/@microsoft/teams-js/dist/umd/MicrosoftTeams.min.js ]; then
    npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null
fi
mkdir -p bot/tab/static/vendor
cp node_modules/@microsoft/teams-js/dist/umd/MicrosoftTeams.min.js bot/tab/static/vendor/MicrosoftTeams.min.js
cp node_modules/@microsoft/teams-js/LICENSE bot/tab/static/vendor/teams-js.LICENSE 2>/dev/null || true
