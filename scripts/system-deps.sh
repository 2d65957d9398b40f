#!/usr/bin/env bash
# Installs the Debian packages Trailproof needs that a fresh machine may lack, and only those:
# - libnss3, libnspr4, libexpat1: the Chromium bundled by @sparticuz/chromium links against them;
# - radosgw, ceph-mon, ceph-osd, ceph-common: the local S3-compatible server the S3 tests run
#   against (scripts/ceph-rgw.sh). Skip them with TRAILPROOF_NO_S3_SERVER=1 if you only run reports.
# Needs root (or sudo) and apt; does nothing when everything is present.
set -euo pipefail

packages=(libnss3 libnspr4 libexpat1)
[ "${TRAILPROOF_NO_S3_SERVER:-0}" = 1 ] || packages+=(radosgw ceph-mon ceph-osd ceph-common)

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

echo "installing ${missing[*]}" >&2
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
