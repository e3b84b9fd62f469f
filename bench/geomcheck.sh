#!/usr/bin/env bash
# Cost of the geometry checks done while reading a layer (issue "Dirty
# real-world inputs", Geometries): `geovoice map` of the 3,321 communes of
# 2025 (@area_km2, A4 PNG at 300 dpi), timed with GNU time, median of RUNS
# (default 5) interleaved runs of each binary, plus the cost of GEOS
# isValid alone for comparison.
#
#   NEW=build-geom/geovoice BASE=/tmp/base-build/geovoice bash bench/geomcheck.sh
#
# BASE is a build of the commit before the checks (e.g. `git archive` of it
# built in /tmp); without BASE only NEW is timed. Writes nothing under bench/.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNS="${RUNS:-5}"
DATA="${DATA:-$ROOT/../shared/data/vn}"
NEW="${NEW:-$ROOT/build/geovoice}"
BASE="${BASE:-}"
W="$(mktemp -d)"
trap 'rm -rf "$W"' EXIT
[ -x /usr/bin/time ] || { echo "bench: needs GNU time (apt-get install time)" >&2; exit 1; }

run() { # binary label
  /usr/bin/time -f "%e %U %S %M" -o "$W/t" "$1" map --shapes "$DATA/boundaries_2025.gpkg" --layer communes \
    --value @area_km2 --quiet -o "$W/c.png" && cat "$W/t" >>"$W/$2"
}
bins=(new)
[ -n "$BASE" ] && bins+=(base)
for b in "${bins[@]}"; do bin=NEW; [ "$b" = base ] && bin=BASE; run "${!bin}" warm; done
for ((i = 0; i < RUNS; i++)); do
  for b in "${bins[@]}"; do bin=NEW; [ "$b" = base ] && bin=BASE; run "${!bin}" "$b"; done
done
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf "%-6s %8s %8s %8s %8s\n" binary wall_s user_s sys_s maxrss_MB
for b in "${bins[@]}"; do
  printf "%-6s %8s %8s %8s %8s\n" "$b" "$(cut -d' ' -f1 "$W/$b" | median)" "$(cut -d' ' -f2 "$W/$b" | median)" \
    "$(cut -d' ' -f3 "$W/$b" | median)" "$(awk '{print $4/1024}' "$W/$b" | median)"
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
