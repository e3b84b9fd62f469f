#!/usr/bin/env bash
# Installs the Debian packages geovoice needs to build, test, benchmark and
# render its demo. Idempotent: does nothing when everything is present.
set -euo pipefail

PKGS=(
  build-essential cmake pkg-config
  libgdal-dev gdal-bin          # read any vector source (OGR); ogrinfo in tests
  libproj-dev                   # reprojection to the drawing CRS, geodesic areas
  libgeos-dev                   # make-valid, interior points, area checks
  libcairo2-dev                 # PNG/PDF/SVG surfaces
  libpango1.0-dev               # text shaping (Vietnamese stacked diacritics)
  libpng-dev zlib1g-dev         # fast PNG encoder (zlib level 1) instead of Cairo's
  libutf8proc-dev               # NFC, case folding, decomposition for names
  libcmocka-dev                 # unit tests
  libsqlite3-dev                # workspace (SQLite)
  libspatialite-dev             # opinion workspace: spatial tables + R*Tree index (SpatiaLite)
  libsqlite3-mod-spatialite sqlite3  # bench/opinions.sh baseline: the same PIP query in sqlite3
  nettle-dev                    # HMAC-SHA-256 of citizen identity numbers in voter ids
  libjson-c-dev                 # --report JSON writer; tests read reports back
  libyaml-dev                   # boundary-set manifests (shapes/*.yaml)
  fonts-noto-core               # pinned font for renders and golden tests
  poppler-utils                 # pdftoppm/pdfinfo/pdffonts to check PDFs in tests
  librsvg2-bin                  # rsvg-convert to rasterise SVGs in tests
  libssl-dev                    # SHA-256 of atlas inputs and pages (libcrypto; ~8x GLib's on 26 MB)
  qpdf                          # tests read atlas bookmarks and links back (qpdf --json; poppler cannot list outlines)
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}" >&2
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
