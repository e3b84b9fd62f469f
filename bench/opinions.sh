#!/usr/bin/env bash
# Benchmark of the opinions verbs on N synthetic records (default 10 M):
#   synth       geovoice synth (not a target; its time is printed)
#   ingest      geovoice opinions ingest into a fresh workspace: validated,
#               citizen ids hashed, 10 % of rows placed by point in polygon,
#               deduplicated, committed          target >= 200,000 records/s
#   aggregate   geovoice opinions aggregate, communes x topic x channel
#                                                 target >= 2 M records/s
#   pip         gv_pip on N points inside the 3,321 communes of 2025, 2
#               threads (bench/pip_bench.c)      target >= 1 M points/s
#   baselines   sqlite3 .import of the same CSV + one GROUP BY (ingest +
#               aggregate), and the same point-in-polygon as a SpatiaLite
#               query (R*Tree + ST_Contains) on a 100,000-point sample
# Peak memory (GNU time, max RSS) of each step; target < 2 GB.
#
#   bash bench/opinions.sh                  # N=10000000, build in build-opbench/
#   N=1000000 bash bench/opinions.sh        # quicker
# Inputs and outputs go to $WORK (default build-opbench/work); nothing
# under bench/. Machine load (uptime) is printed before and after: on a
# shared machine the figures are noisy.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N="${N:-10000000}"
DATA="${DATA:-$ROOT/../shared/data/vn}"
BUILD="${BUILD_DIR:-$ROOT/build-opbench}"
WORK="${WORK:-$BUILD/work}"
GPKG="$DATA/boundaries_2025.gpkg"
bash "$ROOT/scripts/install-deps.sh"
command -v /usr/bin/time >/dev/null || { apt-get install -y -q time >/dev/null; }
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DGV_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j2 --target geovoice_cli pip_bench >/dev/null
GV="$BUILD/geovoice"
mkdir -p "$WORK"
cd "$WORK"
export GEOVOICE_HMAC_KEY="bench-key-not-a-secret-0123456789"

echo "== load before: $(uptime)"
echo "== commit $(git -C "$ROOT" rev-parse --short HEAD) ($(git -C "$ROOT" status --porcelain | wc -l) files modified), N=$N"

t() { # label, command...: runs with GNU time, prints wall s and max RSS MB
    local label="$1"; shift
    /usr/bin/time -f "%e %M %U %S" -o time.txt "$@" > "$label.out" 2> "$label.err" || { cat "$label.err" >&2; exit 1; }
    read -r wall rss user sys < time.txt
    echo "$label $wall $((rss / 1024)) $user $sys" >> results.txt
    printf '  %-22s %8.2f s  %6d MB   cpu %.2f s user + %.2f s sys\n' "$label" "$wall" "$((rss / 1024))" "$user" "$sys"
}
: > results.txt
rm -f ws.sqlite ws.sqlite-journal base.sqlite pip_base.sqlite
echo "== synth ($N records)"
t synth "$GV" synth --records "$N" --seed 1 --population "$DATA/census/provinces_2025.csv" --coords 0.1 -o records.csv
ls -l records.csv | awk '{printf "  records.csv %.0f MB\n", $5 / 1048576}'
echo "== geovoice"
t ingest "$GV" opinions ingest records.csv --workspace ws.sqlite --set vn-2025
grep -E "rows:|dedupe|workspace ws" ingest.err | sed 's/^/    /'
t aggregate "$GV" opinions aggregate --workspace ws.sqlite --by topic,channel -o agg.csv
grep -E "scan" aggregate.err | sed 's/^/    /'
t pip "$BUILD/pip_bench" "$GPKG" communes "$N" 2 sample.csv 100000
sed 's/^/    /' pip.out
echo "== baselines"
# sqlite3 .import of the same file (comment line skipped) and one GROUP BY.
t sqlite_import sqlite3 base.sqlite ".mode csv" ".import --skip 1 records.csv records"
t sqlite_groupby sqlite3 base.sqlite "SELECT unit_code, topic, channel, count(*) FROM records GROUP BY 1, 2, 3;"
# SpatiaLite: the sample points against the workspace's units (their
# R*Tree index), one query. CROSS JOIN keeps the points as the outer loop
# and the unary + keeps SQLite from an automatic index on `level`: either
# way round it evaluates the index subquery once per point *and unit*
# (2,000 points took 444 s), instead of using its rowids as lookups.
cp ws.sqlite pip_base.sqlite
sqlite3 pip_base.sqlite ".mode csv" ".import sample.csv pts_raw" >/dev/null
sqlite3 pip_base.sqlite ".load mod_spatialite" \
    "CREATE TABLE pts(id INTEGER PRIMARY KEY); SELECT AddGeometryColumn('pts', 'geom', 4326, 'POINT', 'XY');" \
    "INSERT INTO pts(id, geom) SELECT id, MakePoint(CAST(lon AS REAL), CAST(lat AS REAL), 4326) FROM pts_raw;" >/dev/null
t spatialite_pip_100k sqlite3 pip_base.sqlite ".load mod_spatialite" \
    "SELECT count(*) FROM pts AS p CROSS JOIN units AS u WHERE +u.level = 'commune' AND u.ROWID IN (SELECT ROWID FROM SpatialIndex WHERE f_table_name = 'units' AND f_geometry_column = 'geom' AND search_frame = p.geom) AND ST_Contains(u.geom, p.geom);"
echo "    spatialite matched $(cat spatialite_pip_100k.out) of 100000 points"
echo "== load after: $(uptime)"

python3 - "$N" <<'PY'
import sys
n = int(sys.argv[1])
r = {l.split()[0]: (float(l.split()[1]), int(l.split()[2])) for l in open("results.txt")}
pip = {k: float(v) for k, v in (l.split() for l in open("pip.out") if len(l.split()) == 2 and l.split()[1][0].isdigit())}
ing, agg = r["ingest"][0], r["aggregate"][0]
scan = float([l for l in open("aggregate.err") if "scan" in l][0].split("scan ")[1].split(" s")[0])
rows = n
print("== summary")
print(f"  ingest      {rows / ing:12,.0f} records/s   (target 200,000)   {'ok' if rows / ing >= 2e5 else 'BELOW'}")
print(f"  aggregate   {rows / agg:12,.0f} records/s whole command, {rows / scan:,.0f} records/s scan (target 2,000,000)   {'ok' if rows / agg >= 2e6 else 'BELOW'}")
print(f"  pip         {pip['points_per_s']:12,.0f} points/s ({pip['points_per_s_with_build']:,.0f} with the index build) (target 1,000,000)   {'ok' if pip['points_per_s'] >= 1e6 else 'BELOW'}")
peak = max(v[1] for k, v in r.items() if k in ("ingest", "aggregate", "pip"))
print(f"  peak memory {peak:12,d} MB (target < 2,048)   {'ok' if peak < 2048 else 'ABOVE'}")
base = r["sqlite_import"][0] + r["sqlite_groupby"][0]
print(f"  baseline sqlite3 .import + GROUP BY: {base:.2f} s; geovoice ingest + aggregate {ing + agg:.2f} s: ratio {(ing + agg) / base:.2f} (geovoice / baseline; geovoice also validates, hashes, locates, deduplicates)")
sp = 100000 / r["spatialite_pip_100k"][0]
print(f"  baseline SpatiaLite PIP: {sp:,.0f} points/s on 100,000 points; gv_pip {pip['points_per_s']:,.0f}: ratio {pip['points_per_s'] / sp:.1f}x")
PY
