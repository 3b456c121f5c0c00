#!/usr/bin/env bash
# Installs what the e2e tests need: Debian's Chromium, a Segoe-like font, and the pinned npm tools.
# Idempotent and quiet: apt runs only when one is missing. Never downloads a browser build of its own.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ] || [ ! -e /usr/share/fonts/truetype/open-sans/OpenSans-Regular.ttf ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium fonts-open-sans >/dev/null
fi

# npm ci installs exactly package-lock.json from the registry; skip it when node_modules matches the lock.
if ! cmp -s package-lock.json node_modules/.kompetenslyft-lock 2>/dev/null; then
    npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null
    cp package-lock.json node_modules/.kompetenslyft-lock
fi

# The tab's Teams JavaScript library, served by the app itself (no CDN).
scripts/vendor_tab_assets.sh
