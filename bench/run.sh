#!/usr/bin/env bash
# Benchmark: geovoice map vs MapServer map2img on the national maps of Viet Nam.
#
#   bash bench/run.sh                 # 5 timed runs of each case (median reported)
#   RUNS=9 bash bench/run.sh          # more runs
#   DATA=/path/to/vn BUILD_DIR=/tmp/bb bash bench/run.sh
#
# Cases (each timed with GNU `/usr/bin/time -v`, one untimed warm-up run first,
# the cases interleaved round by round so that load changes hit all of them):
#   gv-communes-png   geovoice, 3,321 communes, @area_km2, quantile:5, A4 300 dpi PNG
#   gv-communes-pdf   the same map to PDF
#   gv-provinces-png  geovoice, 63 provinces (2019), population_total/@area_km2, PNG
#   ms-communes-png   map2img, the same 3,321 communes, same classes/colours/outlines,
#                     full data extent in TM lon_0=106, 2480x3508 px, AGG PNG
#   ms-communes-pdf   the same mapfile through the CAIRO/PDF output format
# Prints a table (median wall s, median CPU s, median max RSS MB, output size) and the
# ratios geovoice/map2img, plus geovoice's per-stage timings (from --report).
# Writes $BUILD_DIR/bench-work/last-run.json (machine-readable) - nothing under bench/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNS="${RUNS:-5}"
DATA="${DATA:-/work/shared/data/vn}"
BUILD="${BUILD_DIR:-$ROOT/build-bench}"
W="$BUILD/bench-work"
TM="+proj=tmerc +lon_0=106 +ellps=WGS84 +units=m"

log() { echo "bench: $*" >&2; }

# ---------------------------------------------------------------- packages
need_pkgs=()
[ -x /usr/bin/time ] || need_pkgs+=(time)
command -v map2img >/dev/null 2>&1 || need_pkgs+=(mapserver-bin)
command -v ogr2ogr >/dev/null 2>&1 || need_pkgs+=(gdal-bin)
command -v python3 >/dev/null 2>&1 || need_pkgs+=(python3)
if ((${#need_pkgs[@]})); then
  log "installing ${need_pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${need_pkgs[@]}"
fi
# map2img's PDF output needs MapServer's Cairo renderer.
if ! map2img -v 2>&1 | grep -q 'SUPPORTS=CAIRO'; then
  log "map2img lacks CAIRO; installing cgi-mapserver"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q cgi-mapserver
fi
# geovoice's own build dependencies (idempotent; installs only what is missing).
bash "$ROOT/scripts/install-deps.sh"

# ---------------------------------------------------------------- build
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  log "configuring $BUILD (Release)"
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DGV_TESTS=OFF >/dev/null
fi
grep -q '^CMAKE_BUILD_TYPE:STRING=Release$' "$BUILD/CMakeCache.txt" || {
  echo "bench: $BUILD is not a Release build; remove it or set BUILD_DIR" >&2; exit 1; }
log "building geovoice in $BUILD"
cmake --build "$BUILD" -j"$(nproc)" >"$BUILD/bench-build.log" 2>&1 || {
  tail -30 "$BUILD/bench-build.log" >&2; exit 1; }
GV="$BUILD/geovoice"
GIT_REV="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
GIT_DIRTY="$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null | wc -l)"

mkdir -p "$W"
cd "$W"

# ---------------------------------------------------------------- inputs
C25="$DATA/boundaries_2025.gpkg"
P19="$DATA/boundaries_2019.gpkg"
PCSV="$DATA/census/provinces_2019.csv"
for f in "$C25" "$P19" "$PCSV" "$DATA/units_2025.csv"; do
  [ -f "$f" ] || { echo "bench: missing $f" >&2; exit 1; }
done

# CSV with the code of all 3,321 communes (level == commune).
python3 - "$DATA/units_2025.csv" communes_codes.csv <<'EOF'
import csv, sys
rows = [r["code"] for r in csv.DictReader(open(sys.argv[1], encoding="utf-8")) if r["level"] == "commune"]
with open(sys.argv[2], "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f); w.writerow(["code"]); w.writerows([c] for c in rows)
print(f"bench: {len(rows)} commune codes -> {sys.argv[2]}", file=sys.stderr)
EOF

GV_COMMUNES=(map --shapes "$C25" --layer communes --data communes_codes.csv --join code=code
             --value @area_km2 --classify quantile:5 --palette YlOrRd
             --title "Diện tích xã, phường (km²), 2025" --quiet)
GV_PROVINCES=(map --shapes "$P19" --layer provinces --data "$PCSV" --join code=gso_code
              --value population_total/@area_km2 --classify quantile:5 --palette YlOrRd
              --title "Mật độ dân số 2019 (người/km²)" --quiet)

# One untimed geovoice run with --report: quantile breaks, colours and each unit's
# value, so that MapServer draws exactly the same classes.
log "reference geovoice run (--report) for breaks and values"
"$GV" "${GV_COMMUNES[@]}" -o ref.png --report ref.json

# MapServer needs the classified value as an attribute: copy the communes layer and add
# area_km2 = geovoice's own @area_km2 value of each unit (joined by code).
rm -f communes_area.gpkg
# (no spatial index while updating: its triggers need SpatiaLite functions; added after)
ogr2ogr -f GPKG communes_area.gpkg "$C25" communes -nln communes -lco SPATIAL_INDEX=NO
python3 - ref.json communes_area.gpkg <<'EOF'
import json, sqlite3, sys
rep = json.load(open(sys.argv[1], encoding="utf-8"))
vals = {u["key"]: u["value"] for u in rep["units"]}
con = sqlite3.connect(sys.argv[2])
con.execute("ALTER TABLE communes ADD COLUMN area_km2 REAL")
con.executemany("UPDATE communes SET area_km2 = ? WHERE code = ?", [(v, k) for k, v in vals.items()])
con.commit()
n = con.execute("SELECT count(*) FROM communes WHERE area_km2 IS NOT NULL").fetchone()[0]
assert n == len(vals) == 3321, (n, len(vals))
EOF
ogrinfo -q communes_area.gpkg -sql "SELECT CreateSpatialIndex('communes', 'geom')" >/dev/null

# Full extent of the data in the TM projection (map2img has no insets: it draws
# everything, Truong Sa included, in one frame).
rm -f communes_tm.gpkg
ogr2ogr -f GPKG communes_tm.gpkg "$C25" communes -t_srs "$TM" -nln communes
EXTENT="$(ogrinfo -so -ro communes_tm.gpkg communes | sed -n 's/^Extent: (\([^,]*\), \([^)]*\)) - (\([^,]*\), \([^)]*\))$/\1 \2 \3 \4/p')"
[ -n "$EXTENT" ] || { echo "bench: could not read the TM extent" >&2; exit 1; }

# Mapfile: classes = geovoice's breaks (upper-inclusive, as geovoice assigns them),
# fill colours = geovoice's palette, outlines 1 px of geovoice's grey (#6b6b6b).
# Two data sources for the same map:
#   communes.map        the GeoPackage in EPSG:4326 reprojected on the fly (same input as geovoice)
#   communes_tmshp.map  a Shapefile already projected to TM (no reprojection at draw time;
#                       MapServer's fastest set-up, and the one that matches the issue's
#                       "0.45 s / 81 MB")
rm -f communes_tm.shp communes_tm.shx communes_tm.dbf communes_tm.prj communes_tm.cpg
ogr2ogr -f "ESRI Shapefile" communes_tm.shp communes_area.gpkg communes -t_srs "$TM" -nln communes_tm \
  -lco ENCODING=UTF-8 2>/dev/null
gen_map() {  # $1 mode (gpkg4326 | shptm), $2 data path
python3 - ref.json "$1" "$2" "$EXTENT" "$TM" <<'EOF'
import json, sys
rep = json.load(open(sys.argv[1], encoding="utf-8"))
mode, path, extent, tm = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
cls = rep["classification"]["classes"]
def rgb(h): return " ".join(str(int(h[i:i + 2], 16)) for i in (1, 3, 5))
tm_params = "\n".join(f'      "{p.lstrip("+")}"' for p in tm.split())
if mode == "gpkg4326":
    source = f"""    CONNECTIONTYPE OGR
    CONNECTION "{path}"
    DATA "communes"
    PROJECTION
      "init=epsg:4326"
    END"""
else:
    source = f"""    DATA "{path}"
    PROJECTION
{tm_params}
    END"""
print(f"""# Generated by bench/run.sh - 3,321 communes, area quantiles (breaks from geovoice --report)
MAP
  NAME "communes"
  SIZE 2480 3508
  EXTENT {extent}
  UNITS METERS
  IMAGECOLOR 255 255 255
  IMAGETYPE "png"
  PROJECTION
{tm_params}
  END
  OUTPUTFORMAT
    NAME "png"
    DRIVER "AGG/PNG"
    MIMETYPE "image/png"
    IMAGEMODE RGB
    EXTENSION "png"
  END
  OUTPUTFORMAT
    NAME "pdf"
    DRIVER "CAIRO/PDF"
    MIMETYPE "application/x-pdf"
    IMAGEMODE RGB
    EXTENSION "pdf"
  END
  LAYER
    NAME "communes"
    TYPE POLYGON
    STATUS DEFAULT
{source}
    CLASSITEM "area_km2\"""")
for i, c in enumerate(cls):
    expr = f"([area_km2] <= {c['upper']!r})" if i < len(cls) - 1 else "([area_km2] > -1e300)"
    print(f"""    CLASS
      NAME "{c['lower']:.4g} - {c['upper']:.4g}"
      EXPRESSION {expr}
      STYLE
        COLOR {rgb(c['color'])}
        OUTLINECOLOR 107 107 107
        WIDTH 1
      END
    END""")
print("""  END
END""")
EOF
}
gen_map gpkg4326 "$W/communes_area.gpkg" >communes.map
gen_map shptm "$W/communes_tm" >communes_tmshp.map
log "mapfiles: $W/communes.map, $W/communes_tmshp.map (extent $EXTENT)"

# ---------------------------------------------------------------- cases
CASES=(gv-communes-png gv-communes-pdf gv-provinces-png ms-communes-png ms-communes-pdf
       ms-tmshp-png ms-tmshp-pdf)
case_cmd() {  # prints nothing; sets CMD array and OUT for case $1
  case "$1" in
    gv-communes-png)  OUT=gv_communes.png;  CMD=("$GV" "${GV_COMMUNES[@]}" -o "$OUT") ;;
    gv-communes-pdf)  OUT=gv_communes.pdf;  CMD=("$GV" "${GV_COMMUNES[@]}" -o "$OUT") ;;
    gv-provinces-png) OUT=gv_provinces.png; CMD=("$GV" "${GV_PROVINCES[@]}" -o "$OUT") ;;
    ms-communes-png)  OUT=ms_communes.png;  CMD=(map2img -m communes.map -i png -o "$OUT") ;;
    ms-communes-pdf)  OUT=ms_communes.pdf;  CMD=(map2img -m communes.map -i pdf -o "$OUT") ;;
    ms-tmshp-png)     OUT=ms_tmshp.png;     CMD=(map2img -m communes_tmshp.map -i png -o "$OUT") ;;
    ms-tmshp-pdf)     OUT=ms_tmshp.pdf;     CMD=(map2img -m communes_tmshp.map -i pdf -o "$OUT") ;;
  esac
}

# time.tsv: case, run, wall s, user s, sys s, max RSS kB
: >time.tsv
measure() {  # $1 case, $2 run number (0 = warm-up, not recorded)
  local c="$1" r="$2" tf="time_${1}.txt"
  case_cmd "$c"
  rm -f "$OUT"
  if ! /usr/bin/time -v -o "$tf" "${CMD[@]}" >"out_${c}.log" 2>&1; then
    echo "bench: $c failed:" >&2; cat "out_${c}.log" "$tf" >&2; exit 1
  fi
  [ -s "$OUT" ] || { echo "bench: $c wrote no $OUT" >&2; cat "out_${c}.log" >&2; exit 1; }
  ((r > 0)) || return 0
  awk -v c="$c" -v r="$r" -F': ' '
    /Elapsed \(wall clock\)/ { n = split($NF, p, ":"); w = 0; for (i = 1; i <= n; i++) w = w * 60 + p[i] }
    /User time \(seconds\)/ { u = $NF }
    /System time \(seconds\)/ { s = $NF }
    /Maximum resident set size/ { m = $NF }
    END { printf "%s\t%d\t%.2f\t%.2f\t%.2f\t%d\n", c, r, w, u, s, m }' "$tf" >>time.tsv
}

LOAD_BEFORE="$(uptime)"
log "load before: $LOAD_BEFORE"
log "warm-up run of each case"
for c in "${CASES[@]}"; do measure "$c" 0; done
for ((r = 1; r <= RUNS; r++)); do
  log "round $r/$RUNS"
  for c in "${CASES[@]}"; do measure "$c" "$r"; done
done
LOAD_AFTER="$(uptime)"
log "load after: $LOAD_AFTER"

# Per-stage timings of geovoice (one extra untimed run of each case with --report).
for c in gv-communes-png gv-communes-pdf gv-provinces-png; do
  case_cmd "$c"
  "${CMD[@]}" --report "report_${c}.json" -o "stage_$OUT"
done

sizes=()
for c in "${CASES[@]}"; do case_cmd "$c"; sizes+=("$c=$(stat -c %s "$OUT")"); done

# ---------------------------------------------------------------- report
python3 - "$W" "$RUNS" "$LOAD_BEFORE" "$LOAD_AFTER" "$GIT_REV" "$GIT_DIRTY" "$(map2img -v | head -1 | cut -d" " -f1-3)" "${sizes[@]}" <<'EOF'
import json, statistics, sys, os, datetime
w, runs, load0, load1, rev, dirty, msver = sys.argv[1:8]
sizes = dict(a.split("=", 1) for a in sys.argv[8:])
rows = {}
for line in open(os.path.join(w, "time.tsv")):
    c, r, wall, u, s, m = line.split("\t")
    rows.setdefault(c, []).append((float(wall), float(u) + float(s), int(m)))
med = {}
for c, rs in rows.items():
    med[c] = dict(runs=len(rs),
                  wall_s=statistics.median(x[0] for x in rs),
                  wall_min_s=min(x[0] for x in rs), wall_max_s=max(x[0] for x in rs),
                  cpu_s=statistics.median(x[1] for x in rs),
                  maxrss_mb=statistics.median(x[2] for x in rs) / 1024.0,
                  bytes=int(sizes[c]), all=[dict(wall_s=x[0], cpu_s=x[1], maxrss_kb=x[2]) for x in rs])
desc = {
    "gv-communes-png": "geovoice 3,321 communes A4 300 dpi PNG",
    "gv-communes-pdf": "geovoice 3,321 communes A4 PDF",
    "gv-provinces-png": "geovoice 63 provinces A4 300 dpi PNG",
    "ms-communes-png": "map2img same map (GPKG 4326, reprojected), 2480x3508 PNG (AGG)",
    "ms-communes-pdf": "map2img same map, PDF (CAIRO/PDF)",
    "ms-tmshp-png": "map2img same map from pre-projected TM Shapefile, PNG",
    "ms-tmshp-pdf": "map2img same map from pre-projected TM Shapefile, PDF",
}
def size(b):
    return f"{b / 1e6:.2f} MB" if b >= 1e6 else f"{b / 1e3:.0f} kB"
print()
print(f"geovoice {rev}{' (+%s modified files)' % dirty if dirty != '0' else ''} vs {msver}")
print(f"median of {runs} runs (min-max wall in brackets); MB = MiB of max RSS")
print(f"load before: {load0.strip()}")
print(f"load after:  {load1.strip()}")
print()
print("| case | what | wall s (median) | [min-max] | CPU s | max RSS MB | output |")
print("|---|---|---:|---:|---:|---:|---:|")
for c in desc:
    m = med[c]
    print(f"| {c} | {desc[c]} | {m['wall_s']:.2f} | [{m['wall_min_s']:.2f}-{m['wall_max_s']:.2f}] | "
          f"{m['cpu_s']:.2f} | {m['maxrss_mb']:.0f} | {size(m['bytes'])} |")
def ratio(a, b, k): return med[a][k] / med[b][k]
ratios = {}
for ms, label in (("ms-communes", "same input: GPKG EPSG:4326"), ("ms-tmshp", "pre-projected TM Shapefile")):
    ratios[ms] = dict(input=label,
                      png_wall=ratio("gv-communes-png", ms + "-png", "wall_s"),
                      png_rss=ratio("gv-communes-png", ms + "-png", "maxrss_mb"),
                      pdf_wall=ratio("gv-communes-pdf", ms + "-pdf", "wall_s"),
                      pdf_rss=ratio("gv-communes-pdf", ms + "-pdf", "maxrss_mb"),
                      pdf_bytes=ratio("gv-communes-pdf", ms + "-pdf", "bytes"))
ok = lambda b: "ok" if b else "MISSED"
print()
print("| ratio geovoice / map2img | vs GPKG 4326 (same input) | vs TM Shapefile | target |")
print("|---|---:|---:|---|")
a, b = ratios["ms-communes"], ratios["ms-tmshp"]
print(f"| PNG wall time | {a['png_wall']:.2f} {ok(a['png_wall'] <= 1)} | {b['png_wall']:.2f} {ok(b['png_wall'] <= 1)} | <= 1 |")
print(f"| PNG max RSS | {a['png_rss']:.2f} {ok(a['png_rss'] <= 1)} | {b['png_rss']:.2f} {ok(b['png_rss'] <= 1)} | <= 1 |")
print(f"| PDF wall time | {a['pdf_wall']:.2f} {ok(a['pdf_wall'] <= 2)} | {b['pdf_wall']:.2f} {ok(b['pdf_wall'] <= 2)} | <= 2 |")
print(f"| PDF max RSS | {a['pdf_rss']:.2f} | {b['pdf_rss']:.2f} | - |")
print(f"| PDF file size | {a['pdf_bytes']:.2f} | {b['pdf_bytes']:.2f} | - (geovoice PDF {size(med['gv-communes-pdf']['bytes'])}) |")
stages = {}
for c in ("gv-communes-png", "gv-communes-pdf", "gv-provinces-png"):
    t = json.load(open(os.path.join(w, f"report_{c}.json"), encoding="utf-8"))["timing"]
    stages[c] = t
keys = [k for k in stages["gv-communes-png"] if k.endswith("_ms")]
print()
print("geovoice stages, ms (one extra run with --report):")
print("| stage | " + " | ".join(stages) + " |")
print("|---|" + "---:|" * len(stages))
for k in keys:
    print(f"| {k[:-3]} | " + " | ".join(f"{stages[c].get(k, float('nan')):.0f}" for c in stages) + " |")
out = dict(date=datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
           git_rev=rev, modified_files=int(dirty), mapserver=msver, runs=int(runs),
           load_before=load0.strip(), load_after=load1.strip(), cases=med, ratios=ratios,
           geovoice_stages_ms=stages)
json.dump(out, open(os.path.join(w, "last-run.json"), "w"), indent=1)
print()
print(f"machine-readable: {os.path.join(w, 'last-run.json')}")
EOF
