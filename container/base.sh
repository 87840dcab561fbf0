#!/usr/bin/env bash
# A Debian bookworm base image with Python, made here when no registry is reachable:
# debootstrap (minbase + python3, python3-venv) from Debian's mirror, imported into Docker.
# Usage: container/base.sh IMAGE_NAME   (made once; an image of that name is reused)
set -euo pipefail
name=${1:?usage: container/base.sh IMAGE_NAME}
if docker image inspect "$name" >/dev/null 2>&1; then
  echo "base: $name (made earlier, reused)"
  exit 0
fi
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
root=$(mktemp -d)
trap 'rm -rf "$root" "$root.log"' EXIT
echo "base: debootstrap bookworm from $mirror (about a minute) ..."
debootstrap --variant=minbase --include=python3,python3-venv bookworm "$root" "$mirror" \
  > "$root.log" 2>&1 || { tail -20 "$root.log" >&2; exit 1; }
# No package caches or lists in the image: nothing is installed in it after this.
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* \
  "$root"/usr/share/man/* "$root"/usr/share/locale/*
tar -C "$root" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["python3"]' - "$name" >/dev/null
echo "base: $name (debootstrap of Debian bookworm, imported)"
