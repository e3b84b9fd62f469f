#!/usr/bin/env bash
# Benchmark: `geovoice crosswalk` on the real 2019 -> 2025 cases.
#
#   bash bench/crosswalk.sh                   # builds/uses build-bench/geovoice (Release)
#   GEOVOICE=/path/to/geovoice RUNS=5 bash bench/crosswalk.sh
#
# Cases (each run RUNS times under GNU /usr/bin/time -v after one untimed
# warm-up; median wall time, CPU and peak RSS printed):
#   provinces-table    census/provinces_2019.csv (63 rows) to the 34 provinces
#                      of 2025 through provinces_2025.csv's constituent lists
#   districts-areal    census/districts_2019.csv (712 rows) by areal
#                      interpolation of the 705 district polygons of 2019 over
#                      the 3,321 commune polygons of 2025 (GEOS, STRtree,
#                      prepared geometries, 2 threads): the issue's < 10 s case
#   communes-combined  census/communes_2019.csv (11,165 rows): crosswalk pairs,
#                      the rest through the district polygons (same overlaps)
#   communes-both      combined plus the district estimate beside it
#                      (--compare): two carries over one set of overlaps
# Outputs go to $WORK (default build-bench/bench-crosswalk); nothing under bench/.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA="${DATA:-$ROOT/../shared/data/vn}"
RUNS="${RUNS:-3}"
WORK="${WORK:-$ROOT/build-bench/bench-crosswalk}"
if [ -z "${GEOVOICE:-}" ]; then
  bash "$ROOT/scripts/install-deps.sh"
  cmake -S "$ROOT" -B "$ROOT/build-bench" -DCMAKE_BUILD_TYPE=Release -DGV_TESTS=OFF >/dev/null
  cmake --build "$ROOT/build-bench" -j"$(nproc)" --target geovoice_cli >/dev/null
  GEOVOICE="$ROOT/build-bench/geovoice"
fi
command -v /usr/bin/time >/dev/null || { apt-get update -q && apt-get install -y -q time; }
GV="$GEOVOICE"
mkdir -p "$WORK"
C="$DATA/census"

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
run_case() {
  local name="$1"; shift
  local walls=() cpus=() rss=()
  "$GV" "$@" -q >/dev/null 2>&1 || { "$GV" "$@"; exit 1; }
  for ((i = 0; i < RUNS; i++)); do
    /usr/bin/time -v "$GV" "$@" -q 2>"$WORK/$name.time" || { cat "$WORK/$name.time" >&2; exit 1; }
    walls+=("$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(k=1;k<=n;k++) s=s*60+t[k]; print s}' "$WORK/$name.time")")
    cpus+=("$(awk -F': ' '/User time|System time/ {s+=$2} END {printf "%.2f", s}' "$WORK/$name.time")")
    rss+=("$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2/1024}' "$WORK/$name.time")")
  done
  printf "| %-18s | %8s | %8s | %8s |\n" "$name" "$(printf '%s\n' "${walls[@]}" | median)" \
    "$(printf '%s\n' "${cpus[@]}" | median)" "$(printf '%s\n' "${rss[@]}" | median)"
}
echo "geovoice crosswalk benchmark: $RUNS runs per case, medians ($(nproc) cores)"
echo "load before: $(uptime)"
echo "| case | wall s | CPU s | peak RSS MB |"
echo "|---|---:|---:|---:|"
run_case provinces-table crosswalk --from vn-2019 --to vn-2025 "$C/provinces_2019.csv" -o "$WORK/p.csv"
run_case districts-areal crosswalk --from vn-2019 --to vn-2025 --method areal --value population_total \
  "$C/districts_2019.csv" -o "$WORK/d.csv"
run_case communes-combined crosswalk --from vn-2019 --to vn-2025 "$C/communes_2019.csv" -o "$WORK/c.csv"
run_case communes-both crosswalk --from vn-2019 --to vn-2025 --value population_total "$C/communes_2019.csv" \
  --compare "$C/districts_2019.csv" --compare-out "$WORK/cmp.csv" -o "$WORK/cb.csv"
echo "load after: $(uptime)"
