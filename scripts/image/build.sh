#!/usr/bin/env bash
# Builds the production image from the Containerfile with buildah (chroot isolation: no daemon, no privileges
# beyond root) and prints its size. Usage: scripts/image/build.sh [TAG]   (default localhost/kompetenslyft:dev)
set -euo pipefail
cd "$(dirname "$0")/../.."
TAG="${1:-localhost/kompetenslyft:dev}"
scripts/image/base.sh
# The tab serves the Teams JavaScript library from the app itself (no CDN, no Node at run time): vendor it first.
scripts/vendor_tab_assets.sh
args=()
host_cert="${PIP_CERT:-/etc/ssl/certs/ca-certificates.crt}"
if [ -f "$host_cert" ]; then
  # The build's pip trusts what this machine trusts (a TLS-inspecting proxy's CA, say).
  args+=(--volume "$host_cert:/run/host-ca.crt:ro" --build-arg PIP_CERT=/run/host-ca.crt)
fi
buildah bud --quiet --layers --isolation chroot --format docker --pull=never "${args[@]}" -f Containerfile -t "$TAG" . >/dev/null
echo "built $TAG: $(podman image inspect --format '{{.Size}}' "$TAG" | awk '{printf "%.1f MB", $1/1e6}')"
