#!/usr/bin/env bash
# Configures and builds geovoice into build/ (Release) if needed.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
bash "$here/scripts/install-deps.sh"
cmake -S "$here" -B "$here/build" -DCMAKE_BUILD_TYPE=Release -DGV_TESTS=OFF >/dev/null
cmake --build "$here/build" -j"$(nproc)"
