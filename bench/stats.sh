#!/usr/bin/env bash
# Benchmark: `geovoice stats` on the 3,321 communes of 2025 and on 10,000+
# synthetic units (seeded, so every run measures the same input).
#
#   bash bench/stats.sh                       # builds a Release geovoice in build-bench/
#   GEOVOICE=/path/to/geovoice RUNS=5 bash bench/stats.sh
#
# Cases (each run RUNS times with GNU /usr/bin/time -v; median wall time and
# median peak RSS are printed):
#   communes-csv      vn-2025, 3,321 communes (synthetic counts per real commune
#                     code, seed 2025), --level commune, CSV
#   communes-gpkg     the same to GeoPackage (3,321 polygons written)
#   communes-prov     the same rows rolled up to the 34 provinces, GeoPackage
#   communes-nation   rolled up to the nation: GEOS union of the 34 provinces
#   ethnic-communes   ethnic, 3,321 communes x 6 groups (19,926 rows), provinces, CSV
#   synth-commune     a user set of 11,616 square communes in 96 provinces (seed
#                     11616), --level commune, GeoPackage
#   synth-region      the same rolled up to 6 regions (--groups), GEOS union, GeoPackage
# Inputs go to $WORK (default build-bench/bench-stats); nothing under bench/.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -z "${GEOVOICE:-}" ]; then
  bash "$ROOT/scripts/install-deps.sh"
  cmake -S "$ROOT" -B "$ROOT/build-bench" -DCMAKE_BUILD_TYPE=Release -DGV_TESTS=OFF >/dev/null
  cmake --build "$ROOT/build-bench" -j"$(nproc)" --target geovoice_cli >/dev/null
  GEOVOICE="$ROOT/build-bench/geovoice"
fi
GV="$GEOVOICE"
DATA="${DATA:-$ROOT/../shared/data/vn}"
RUNS="${RUNS:-3}"
WORK="${WORK:-$ROOT/build-bench/bench-stats}"
mkdir -p "$WORK"
[ -x "$GV" ] || { echo "bench/stats.sh: no geovoice at $GV (build first)" >&2; exit 1; }

python3 - "$DATA" "$WORK" <<'PY'
import csv, json, random, sys
data, work = sys.argv[1], sys.argv[2]
# 1. Synthetic counts for the real 2025 communes (seed 2025).
rnd = random.Random(2025)
codes = [r["code"] for r in csv.DictReader(open(f"{data}/units_2025.csv", encoding="utf-8")) if r["level"] == "commune"]
groups = ["Kinh", "Tày", "Thái", "Mường", "Khmer", "Other (groups <0.05% of province)"]
with open(f"{work}/communes_pop.csv", "w", encoding="utf-8", newline="") as f, \
     open(f"{work}/communes_ethnic.csv", "w", encoding="utf-8", newline="") as g:
    w, e = csv.writer(f, lineterminator="\n"), csv.writer(g, lineterminator="\n")
    w.writerow(["code", "population", "urban", "rural"]); e.writerow(["code", "group", "population"])
    for c in codes:
        p = rnd.randint(2000, 120000); u = rnd.randint(0, p)
        w.writerow([c, p, u, p - u])
        left = p
        for gr in groups[:-1]:
            k = rnd.randint(0, left // 2) if gr != "Kinh" else rnd.randint(left // 2, left)
            if k: e.writerow([c, gr, k])
            left -= k
        e.writerow([c, groups[-1], left])
# 2. A synthetic set: 96 provinces (12 x 8 grid of 1.1-degree squares), each
# 11 x 11 communes of 0.1 degree = 11,616 communes (seed 11616 for counts).
rnd = random.Random(11616)
def sq(x0, y0, d):
    return {"type": "MultiPolygon", "coordinates": [[[[x0, y0], [x0 + d, y0], [x0 + d, y0 + d], [x0, y0 + d], [x0, y0]]]]}
prov, com, units = [], [], [["level", "code", "name", "parent_code"]]
with open(f"{work}/synth_pop.csv", "w", newline="") as f, open(f"{work}/synth_groups.csv", "w", newline="") as gf:
    w, gw = csv.writer(f, lineterminator="\n"), csv.writer(gf, lineterminator="\n")
    w.writerow(["code", "population", "urban", "rural"]); gw.writerow(["code", "group"])
    n = 0
    for pi in range(96):
        px, py = 100 + 1.1 * (pi % 12), 5 + 1.1 * (pi // 12)
        pc = f"{pi + 1:02d}"
        prov.append({"type": "Feature", "properties": {"code": pc, "name": f"Province {pc}"}, "geometry": sq(px, py, 1.1)})
        units.append(["province", pc, f"Province {pc}", ""])
        gw.writerow([pc, f"Region {pi % 6 + 1}"])
        for ci in range(121):
            n += 1; cc = f"{n:05d}"
            com.append({"type": "Feature", "properties": {"code": cc, "name": f"Commune {cc}", "province_code": pc},
                        "geometry": sq(px + (ci % 11) / 10, py + (ci // 11) / 10, 0.1)})
            units.append(["commune", cc, f"Commune {cc}", pc])
            p = rnd.randint(500, 50000); u = rnd.randint(0, p)
            w.writerow([cc, p, u, p - u])
for name, feats in (("synth_provinces", prov), ("synth_communes", com)):
    json.dump({"type": "FeatureCollection", "features": feats}, open(f"{work}/{name}.geojson", "w"))
csv.writer(open(f"{work}/synth_units.csv", "w", newline=""), lineterminator="\n").writerows(units)
open(f"{work}/synth.yaml", "w").write("""name: synth
title: synthetic 11,616 communes in 96 provinces (bench/stats.sh)
date: 2000-01-01
units: synth_units.csv
levels:
  province: {source: synth_provinces.geojson, code: code, name: name, code_width: 2}
  commune: {source: synth_communes.geojson, code: code, name: name, parent: province_code, code_width: 5}
""")
PY

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
run_case() {
  local name="$1"; shift
  local walls=() rss=()
  for ((i = 0; i < RUNS; i++)); do
    /usr/bin/time -v "$GV" "$@" -q 2>"$WORK/$name.time" || { cat "$WORK/$name.time" >&2; exit 1; }
    walls+=("$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(k=1;k<=n;k++) s=s*60+t[k]; print s}' "$WORK/$name.time")")
    rss+=("$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2/1024}' "$WORK/$name.time")")
  done
  printf "%-17s %8s s %8s MB\n" "$name" "$(printf '%s\n' "${walls[@]}" | median)" "$(printf '%s\n' "${rss[@]}" | median)"
}
echo "geovoice stats benchmark: $RUNS runs per case, median wall time and peak RSS ($(nproc) cores)"
printf "%-17s %10s %11s\n" case wall peak_rss
run_case communes-csv stats urban-rural --set vn-2025 --level commune --data "$WORK/communes_pop.csv" -o "$WORK/c.csv"
run_case communes-gpkg stats urban-rural --set vn-2025 --level commune --data "$WORK/communes_pop.csv" -o "$WORK/c.gpkg"
run_case communes-prov stats urban-rural --set vn-2025 --level province --data "$WORK/communes_pop.csv" -o "$WORK/p.gpkg"
run_case communes-nation stats urban-rural --set vn-2025 --level nation --data "$WORK/communes_pop.csv" -o "$WORK/n.gpkg"
run_case ethnic-communes stats ethnic --set vn-2025 --level province --data "$WORK/communes_ethnic.csv" -o "$WORK/e.csv"
run_case synth-commune stats urban-rural --sets-dir "$WORK" --set synth --level commune --data "$WORK/synth_pop.csv" -o "$WORK/s.gpkg"
run_case synth-region stats urban-rural --sets-dir "$WORK" --set synth --level region --groups "$WORK/synth_groups.csv" --data "$WORK/synth_pop.csv" -o "$WORK/r.gpkg"
