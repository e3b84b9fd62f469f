#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds geovoice twice
# (RelWithDebInfo, and Debug with AddressSanitizer + UndefinedBehaviorSanitizer)
# and runs every test through ctest in both builds. Exits non-zero on any
# failure or sanitizer report.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
bash "$here/scripts/install-deps.sh"
jobs="$(nproc)"

echo "== build: RelWithDebInfo (build-test/)"
cmake -S "$here" -B "$here/build-test" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$here/build-test" -j"$jobs"
echo "== ctest: RelWithDebInfo"
(cd "$here/build-test" && ctest --output-on-failure -j"$jobs")

echo "== build: ASan + UBSan (build-asan/)"
cmake -S "$here" -B "$here/build-asan" -DCMAKE_BUILD_TYPE=Debug -DGV_SANITIZE=ON >/dev/null
cmake --build "$here/build-asan" -j"$jobs"
echo "== ctest: ASan + UBSan"
# Leaks inside fontconfig/Pango/GDAL's process-wide caches are not ours;
# they are listed in tests/support/lsan.supp (each with its reason).
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1:strict_string_checks=1"
export LSAN_OPTIONS="suppressions=$here/tests/support/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
(cd "$here/build-asan" && ctest --output-on-failure -j"$jobs")
