#!/usr/bin/env bash
# Benchmark: geovoice atlas vs the simplest peer atlas (a loop of MapServer
# map2img over the 34 provinces of 2025, joined with pdfunite).
#
#   bash bench/atlas.sh              # 3 timed runs of each case (median reported)
#   RUNS=5 bash bench/atlas.sh
#   DATA=/path/to/vn BUILD_DIR=/tmp/bb bash bench/atlas.sh
#
# Cases (GNU /usr/bin/time -v: wall and peak RSS; cases interleaved round by
# round so that load changes hit all of them):
#   full-cold-j1 / -j2     examples/atlas_vn2025.yaml: 2 indicators x (national + 34
#                          provinces), contents, PDF + 150-dpi PNG per page, from nothing
#   full-unchanged-j2      the same again: nothing changed (target < 0.5 s)
#   full-change-j1 / -j2   the synthetic opinions table changed (two seeds taken in
#                          turn): only the 35 pages of that indicator are drawn
#   one-pdf-j1 / -j2       one indicator (commune area), the 34 province pages, PDF
#                          only, from nothing (target >= 4x faster than ms-loop-pdf)
#   ms-loop-pdf            map2img, same communes, same classes and colours, the other
#                          provinces in grey, A4 PDF (CAIRO/PDF) per province, then
#                          pdfunite. Lon/lat, no reprojection, no title, legend or
#                          locator: the simplest peer, as in the issue.
# Prints a table (median wall s, CPU s, max RSS MB) with `uptime` before and after,
# and the ratios against the targets. Work files in $BUILD_DIR/atlas-bench.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNS="${RUNS:-3}"
DATA="${DATA:-$ROOT/../shared/data/vn}"
BUILD="${BUILD_DIR:-$ROOT/build-bench}"
W="$BUILD/atlas-bench"
log() { echo "bench: $*" >&2; }

need=()
[ -x /usr/bin/time ] || need+=(time)
command -v map2img >/dev/null 2>&1 || need+=(mapserver-bin)
command -v pdfunite >/dev/null 2>&1 || need+=(poppler-utils)
command -v ogr2ogr >/dev/null 2>&1 || need+=(gdal-bin)
command -v python3 >/dev/null 2>&1 || need+=(python3)
if ((${#need[@]})); then
  log "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${need[@]}"
fi
map2img -v 2>&1 | grep -q 'SUPPORTS=CAIRO' || { echo "bench: map2img lacks CAIRO (PDF output)" >&2; exit 1; }
bash "$ROOT/scripts/install-deps.sh"

if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  log "configuring $BUILD (Release)"
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DGV_TESTS=OFF >/dev/null
fi
grep -q '^CMAKE_BUILD_TYPE:STRING=Release$' "$BUILD/CMakeCache.txt" || {
  echo "bench: $BUILD is not a Release build; remove it or set BUILD_DIR" >&2; exit 1; }
log "building geovoice in $BUILD"
cmake --build "$BUILD" -j2 >"$BUILD/bench-build.log" 2>&1 || { tail -30 "$BUILD/bench-build.log" >&2; exit 1; }
GV="$BUILD/geovoice"
GPKG="$DATA/boundaries_2025.gpkg"
[ -f "$GPKG" ] || { echo "bench: missing $GPKG" >&2; exit 1; }

rm -rf "$W"
mkdir -p "$W"
cd "$W"

# ---------------------------------------------------------------- inputs
# The example spec, its table copied here (it is changed between runs), two
# versions of that table (seeds 2025 and 2026).
python3 "$ROOT/scripts/synth_opinions.py" "$DATA/units_2025.csv" opinions_a.csv --seed 2025 2>/dev/null
python3 "$ROOT/scripts/synth_opinions.py" "$DATA/units_2025.csv" opinions_b.csv --seed 2026 2>/dev/null
cp opinions_a.csv synthetic_opinions_2025.csv
sed -e 's|^output: .*|output: out-full|' "$ROOT/examples/atlas_vn2025.yaml" >full.yaml
# One indicator, the 34 province pages, PDF only.
python3 - "$ROOT/examples/atlas_vn2025.yaml" one.yaml <<'EOF'
import sys
s = open(sys.argv[1], encoding="utf-8").read()
i = s.index('  - name: "Ý kiến cử tri (giả lập)"'); j = s.index("pages:")
s = s[:i] + s[j:]
s = s.replace("national: yes", "national: no").replace("formats: [pdf, png]", "formats: [pdf]")
s = s.replace("output: ../demo-out/atlas", "output: out-one")
open(sys.argv[2], "w", encoding="utf-8").write(s)
EOF

# The peer: geovoice's national classes of commune area (quantile:6, YlGnBu),
# an area_km2 attribute copied in, one bounding box per province.
log "reference geovoice map run (--report) for the classes"
"$GV" map --shapes "$GPKG" --layer communes --value @area_km2 --classify quantile:6 --palette YlGnBu \
  --quiet --report ref.json -o ref.png
ogr2ogr -f GPKG communes_area.gpkg "$GPKG" communes -nln communes -lco SPATIAL_INDEX=NO
ogr2ogr -f GPKG -update communes_area.gpkg "$GPKG" provinces -nln provinces -lco SPATIAL_INDEX=NO
python3 - ref.json communes_area.gpkg "$GPKG" bbox.txt <<'EOF'
import json, sqlite3, sys
rep = json.load(open(sys.argv[1], encoding="utf-8"))
vals = {u["key"]: u["value"] for u in rep["units"]}
con = sqlite3.connect(sys.argv[2])
con.execute("ALTER TABLE communes ADD COLUMN area_km2 REAL")
con.executemany("UPDATE communes SET area_km2 = ? WHERE code = ?", [(v, k) for k, v in vals.items()])
con.commit()
src = sqlite3.connect(sys.argv[3])
rows = src.execute("SELECT c.province_code, min(r.minx), min(r.miny), max(r.maxx), max(r.maxy) FROM communes c "
                   "JOIN rtree_communes_geom r ON r.id = c.fid GROUP BY c.province_code ORDER BY c.province_code").fetchall()
with open(sys.argv[4], "w") as f:
    for code, x0, y0, x1, y1 in rows:
        dx, dy = (x1 - x0) * 0.05, (y1 - y0) * 0.05
        f.write(f"{code} {x0 - dx:.6f} {y0 - dy:.6f} {x1 + dx:.6f} {y1 + dy:.6f}\n")
assert len(rows) == 34, len(rows)
EOF
for t in communes provinces; do ogrinfo -q communes_area.gpkg -sql "SELECT CreateSpatialIndex('$t', 'geom')" >/dev/null; done
python3 - ref.json "$W/communes_area.gpkg" >peer.map <<'EOF'
import json, sys
rep = json.load(open(sys.argv[1], encoding="utf-8"))
cls = rep["classification"]["classes"]
def rgb(h): return " ".join(str(int(h[i:i + 2], 16)) for i in (1, 3, 5))
print(f"""# Generated by bench/atlas.sh: one province's communes (DATA set per run with -d),
# classes from geovoice's national quantiles, the other provinces in grey.
MAP
  NAME "atlas"
  SIZE 595 842
  UNITS DD
  EXTENT 102 8 110 23.5
  IMAGECOLOR 255 255 255
  PROJECTION
    "init=epsg:4326"
  END
  OUTPUTFORMAT
    NAME "pdf"
    DRIVER "CAIRO/PDF"
    MIMETYPE "application/x-pdf"
    IMAGEMODE RGB
    EXTENSION "pdf"
  END
  LAYER
    NAME "provinces"
    TYPE POLYGON
    STATUS DEFAULT
    CONNECTIONTYPE OGR
    CONNECTION "{sys.argv[2]}"
    DATA "provinces"
    CLASS
      STYLE
        COLOR 228 228 228
        OUTLINECOLOR 189 189 189
        WIDTH 0.5
      END
    END
  END
  LAYER
    NAME "communes"
    TYPE POLYGON
    STATUS DEFAULT
    CONNECTIONTYPE OGR
    CONNECTION "{sys.argv[2]}"
    DATA "communes"
    CLASSITEM "area_km2\"""")
for i, c in enumerate(cls):
    expr = f"([area_km2] <= {c['upper']!r})" if i < len(cls) - 1 else "([area_km2] > -1e300)"
    print(f"""    CLASS
      NAME "{c['lower']:.4g} - {c['upper']:.4g}"
      EXPRESSION {expr}
      STYLE
        COLOR {rgb(c['color'])}
        OUTLINECOLOR 107 107 107
        WIDTH 0.5
      END
    END""")
print("""  END
END""")
EOF
cat >peer.sh <<'EOF'
#!/usr/bin/env bash
# The peer atlas: one map2img PDF per province, then pdfunite.
set -euo pipefail
cd "$(dirname "$0")"
rm -rf peer && mkdir peer
while read -r code x0 y0 x1 y1; do
  map2img -m peer.map -i pdf -e "$x0" "$y0" "$x1" "$y1" \
    -d communes "SELECT * FROM communes WHERE province_code = '$code'" -o "peer/$code.pdf"
done <bbox.txt
pdfunite peer/*.pdf peer_atlas.pdf
EOF
chmod +x peer.sh

# ---------------------------------------------------------------- cases
CASES=(full-cold-j1 full-cold-j2 full-unchanged-j2 full-change-j1 full-change-j2 one-pdf-j1 one-pdf-j2 ms-loop-pdf)
TOGGLE=0
prepare() {  # state before a case; not timed
  case "$1" in
    full-cold-*) rm -rf out-full ;;
    full-unchanged-*) [ -f out-full/manifest.json ] || "$GV" atlas full.yaml --jobs 2 -q ;;
    full-change-*)
      [ -f out-full/manifest.json ] || "$GV" atlas full.yaml --jobs 2 -q
      TOGGLE=$((1 - TOGGLE))
      if ((TOGGLE)); then cp opinions_b.csv synthetic_opinions_2025.csv; else cp opinions_a.csv synthetic_opinions_2025.csv; fi ;;
    one-pdf-*) rm -rf out-one ;;
    ms-loop-pdf) rm -rf peer peer_atlas.pdf ;;
  esac
}
case_cmd() {
  case "$1" in
    full-cold-j1 | full-change-j1) CMD=("$GV" atlas full.yaml --jobs 1) ;;
    full-cold-j2 | full-unchanged-j2 | full-change-j2) CMD=("$GV" atlas full.yaml --jobs 2) ;;
    one-pdf-j1) CMD=("$GV" atlas one.yaml --jobs 1) ;;
    one-pdf-j2) CMD=("$GV" atlas one.yaml --jobs 2) ;;
    ms-loop-pdf) CMD=(bash ./peer.sh) ;;
  esac
}
: >time.tsv
measure() {  # $1 case, $2 run (0 = warm-up, not recorded)
  local c="$1" r="$2" tf="time_$1.txt"
  prepare "$c"
  case_cmd "$c"
  if ! /usr/bin/time -v -o "$tf" "${CMD[@]}" >"out_$c.log" 2>&1; then
    echo "bench: $c failed:" >&2; tail -20 "out_$c.log" >&2; exit 1
  fi
  ((r > 0)) || return 0
  awk -v c="$c" -v r="$r" -F': ' '
    /Elapsed \(wall clock\)/ { n = split($NF, p, ":"); w = 0; for (i = 1; i <= n; i++) w = w * 60 + p[i] }
    /User time \(seconds\)/ { u = $NF }
    /System time \(seconds\)/ { s = $NF }
    /Maximum resident set size/ { m = $NF }
    END { printf "%s\t%d\t%.3f\t%.2f\t%.2f\t%d\n", c, r, w, u, s, m }' "$tf" >>time.tsv
}

LOAD0="$(uptime)"
log "load before: $LOAD0"
log "warm-up run of each case"
for c in "${CASES[@]}"; do measure "$c" 0; done
for ((r = 1; r <= RUNS; r++)); do
  log "round $r/$RUNS"
  for c in "${CASES[@]}"; do measure "$c" "$r"; done
done
LOAD1="$(uptime)"
log "load after: $LOAD1"
grep -h "pages:" out_full-change-j2.log out_full-unchanged-j2.log out_one-pdf-j2.log >&2 || true
pdfinfo out-one/atlas.pdf | grep Pages >&2
pdfinfo peer_atlas.pdf | grep Pages >&2

python3 - "$W" "$RUNS" "$LOAD0" "$LOAD1" "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)" <<'EOF'
import statistics, sys, os, json
w, runs, load0, load1, rev = sys.argv[1:6]
rows = {}
for line in open(os.path.join(w, "time.tsv")):
    c, r, wall, u, s, m = line.split("\t")
    rows.setdefault(c, []).append((float(wall), float(u) + float(s), int(m)))
med = {c: dict(wall=statistics.median(x[0] for x in v), wmin=min(x[0] for x in v), wmax=max(x[0] for x in v),
               cpu=statistics.median(x[1] for x in v), rss=statistics.median(x[2] for x in v) / 1024)
       for c, v in rows.items()}
desc = {
    "full-cold-j1": "2 indicators x 35 pages + contents, PDF + 150-dpi PNG, cold, --jobs 1",
    "full-cold-j2": "the same, --jobs 2 (target < 10 s)",
    "full-unchanged-j2": "unchanged re-run (target < 0.5 s)",
    "full-change-j1": "opinions table changed: 35 pages redrawn, --jobs 1",
    "full-change-j2": "the same, --jobs 2",
    "one-pdf-j1": "1 indicator, 34 province pages, PDF only, --jobs 1",
    "one-pdf-j2": "the same, --jobs 2",
    "ms-loop-pdf": "map2img x 34 provinces (PDF) + pdfunite",
}
print(f"\ngeovoice atlas {rev}, median of {runs} runs; MB = MiB of max RSS")
print(f"load before: {load0.strip()}\nload after:  {load1.strip()}\n")
print("| case | what | wall s | [min-max] | CPU s | max RSS MB |")
print("|---|---|---:|---:|---:|---:|")
for c in desc:
    m = med[c]
    print(f"| {c} | {desc[c]} | {m['wall']:.2f} | [{m['wmin']:.2f}-{m['wmax']:.2f}] | {m['cpu']:.2f} | {m['rss']:.0f} |")
ok = lambda b: "ok" if b else "MISSED"
sp = med["ms-loop-pdf"]["wall"] / med["one-pdf-j2"]["wall"]
print(f"\none indicator, PDF only, --jobs 2 vs the map2img loop: {sp:.1f}x faster ({ok(sp >= 4)}, target >= 4x)")
print(f"full atlas --jobs 2: {med['full-cold-j2']['wall']:.2f} s ({ok(med['full-cold-j2']['wall'] < 10)}, target < 10 s)")
print(f"unchanged re-run: {med['full-unchanged-j2']['wall']:.2f} s ({ok(med['full-unchanged-j2']['wall'] < 0.5)}, target < 0.5 s)")
json.dump(dict(runs=int(runs), load_before=load0.strip(), load_after=load1.strip(), cases=med, rev=rev),
          open(os.path.join(w, "last-run.json"), "w"), indent=1)
EOF
