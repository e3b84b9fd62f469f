#!/usr/bin/env bash
# Extracts Natural Earth admin-1 (public domain) from Debian's qgis-common
# package into a cache folder and prints the GeoPackage's path. Only the
# .deb is downloaded (apt-get download), nothing is installed.
#   usage: scripts/natural-earth.sh [CACHE_DIR]   (default: build/natural-earth)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
dir="${1:-$here/build/natural-earth}"
gpkg="$dir/usr/share/qgis/resources/data/world_map.gpkg"
if [ ! -s "$gpkg" ]; then
  mkdir -p "$dir"
  (
    cd "$dir"
    if ! ls qgis-common_*.deb >/dev/null 2>&1; then
      apt-get download qgis-common >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get download qgis-common >/dev/null; }
    fi
    dpkg -x qgis-common_*.deb .
  )
fi
[ -s "$gpkg" ] || { echo "natural-earth: could not extract world_map.gpkg" >&2; exit 1; }
echo "$gpkg"
