#!/usr/bin/env bash
# Makes sure the Containerfile's base image (debian:bookworm-slim) is in local storage. Where no image registry
# can be reached (as on our CI machines), builds it from Debian's own packages with debootstrap, trimmed as the
# official slim image is (no apt lists, docs, man pages or locales), and imports it under the same name.
set -euo pipefail
BASE=docker.io/library/debian:bookworm-slim
if buildah inspect --type image "$BASE" >/dev/null 2>&1; then exit 0; fi
if timeout 20 buildah pull --quiet "$BASE" >/dev/null 2>&1; then exit 0; fi
echo "no registry reachable: building $BASE with debootstrap" >&2
root="$(mktemp -d /tmp/kl-bookworm.XXXXXX)"
trap 'rm -rf "$root"' EXIT
debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >/dev/null
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/*.bin "$root"/var/lib/apt/lists/* \
       "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/var/log/*
find "$root"/usr/share/locale -mindepth 1 -maxdepth 1 ! -name 'locale.alias' -exec rm -rf {} +
tar -C "$root" -c . | podman import --quiet - "$BASE" >/dev/null
echo "built $BASE locally" >&2
