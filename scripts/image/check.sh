#!/usr/bin/env bash
# CI's image check: installs buildah, podman and debootstrap if needed, builds the image (scripts/image/build.sh),
# prints its size, and smoke-tests it on SQLite and on the test PostgreSQL (scripts/image/smoke.py).
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v buildah >/dev/null || ! command -v podman >/dev/null || ! command -v debootstrap >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq buildah podman debootstrap >/dev/null
fi
scripts/setup.sh
server="$(scripts/postgres.sh)"
db="kl_image_smoke_$$"
.venv/bin/python - "$server" "$db" <<'PY'
import sys
from sqlalchemy import create_engine, text
from store.db import normalise_url
with create_engine(normalise_url(sys.argv[1]), isolation_level="AUTOCOMMIT").connect() as c:
    c.execute(text(f'DROP DATABASE IF EXISTS "{sys.argv[2]}"'))
    c.execute(text(f'CREATE DATABASE "{sys.argv[2]}"'))
PY
scripts/image/build.sh localhost/kompetenslyft:ci
.venv/bin/python scripts/image/smoke.py localhost/kompetenslyft:ci "${server%/*}/$db"
