#!/usr/bin/env bash
# The main job, end to end: installs what is missing, builds geovoice, and
# renders the demo maps into demo-out/ (PNG, PDF, SVG) from real data:
#   - 2019 census by pre-2025 province (joined by code): density, urban share
#   - the same urban share on Natural Earth provinces joined by name
#   - the 3,321 communes of 2025 (national, with the archipelago insets)
#   - the communes of one 2025 province (Hà Nội), also as a finished page
#     (labels, context, locator, north arrow), and proportional circles,
#     a bivariate map and small multiples
#   - distributions: dominant ethnic group, urban/rural dots, urban share
#     against the national share (2019 provinces)
#   - the 2019 census carried to the 34 provinces and 3,321 communes of 2025
#   - two population sources for the 34 provinces of 2025 (reconcile)
# Where ../shared/data/vn is absent, only the Natural Earth map is drawn
# (from the examples/ copy of the census figures).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
bash "$here/scripts/build.sh"
gv="$here/build/geovoice"
out="${OUT:-$here/demo-out}"
mkdir -p "$out"
D="$here/../shared/data/vn"
census="$here/examples/provinces_2019.csv"
src="Tổng cục Thống kê, Tổng điều tra dân số và nhà ở 2019"

if [ -d "$D" ]; then
  for ext in png pdf; do
    "$gv" map --shapes "$D/boundaries_2019.gpkg" --layer provinces \
      --data "$census" --join code=gso_code \
      --value 'population_total/@area_km2' --classify quantile:5 --palette YlOrRd \
      --title 'Mật độ dân số theo tỉnh, 2019' --subtitle '63 tỉnh, thành phố (trước sắp xếp 2025)' \
      --legend-title 'người/km²' --source "$src; ranh giới: dvhcvn" --date '1/4/2019' \
      --join-report "$out/density_2019_join.csv" --report "$out/density_2019.json" \
      -o "$out/density_2019.$ext"
    "$gv" map --shapes "$D/boundaries_2019.gpkg" --layer provinces \
      --data "$census" --join code=gso_code \
      --value 'population_urban/population_total*100' --classify jenks:5 --palette Blues \
      --title 'Tỷ lệ dân số thành thị, 2019' --subtitle '63 tỉnh, thành phố' \
      --legend-title '% dân số sống ở thành thị' --source "$src" --date '1/4/2019' \
      -o "$out/urban_share_2019.$ext"
  done
  "$gv" map --shapes "$D/boundaries_2025.gpkg" --layer communes \
    --value '@area_km2' --classify quantile:6 --palette YlGnBu \
    --title 'Diện tích các xã, phường, đặc khu, 2025' --subtitle '3.321 đơn vị cấp xã sau sắp xếp 1/7/2025' \
    --legend-title 'km²' --source 'sapnhap.bando.com.vn (qua thanglequoc/vietnamese-provinces-database)' \
    --report "$out/communes_2025.json" -o "$out/communes_2025.png"
  "$gv" map --shapes "$D/boundaries_2025.gpkg" --layer communes --where "province_code='01'" \
    --value '@area_km2' --classify jenks:5 --palette Greens \
    --title 'Thành phố Hà Nội: diện tích xã, phường, 2025' --subtitle '126 đơn vị cấp xã' \
    --legend-title 'km²' --source 'sapnhap.bando.com.vn' -o "$out/hanoi_communes_2025.png"
  # The cartographic finish: a province page (labels, provinces in grey
  # behind, locator, north arrow) as PDF, proportional circles, a
  # bivariate map and small multiples.
  "$gv" map --shapes "$D/boundaries_2025.gpkg" --layer communes --where "province_code='01'" \
    --value '@area_km2' --classify quantile:5 --palette YlGn \
    --title 'Diện tích các xã, phường — Thành phố Hà Nội' --legend-title 'km²' \
    --labels name_short --label-halo --context "$D/boundaries_2025.gpkg" --context-layer provinces \
    --locator --north-arrow --source 'sapnhap.bando.com.vn' --author 'geovoice demo' \
    --report "$out/hanoi_page.json" -o "$out/hanoi_page.pdf"
  "$gv" map --shapes "$D/boundaries_2025.gpkg" --layer provinces --data "$D/census/provinces_2025.csv" \
    --join code=code --mode symbols --value population --legend-title 'Dân số (người)' \
    --title 'Dân số theo tỉnh, 2025' --labels name_short --north-arrow -o "$out/population_2025_symbols.png"
  "$gv" map --shapes "$D/boundaries_2019.gpkg" --layer provinces --data "$census" --join code=gso_code \
    --mode bivariate --value '100*population_urban/population_total' --value2 'population_total/@area_km2' \
    --legend-title 'Tỷ lệ thành thị (%)' --legend-title2 'Mật độ (người/km²)' \
    --title 'Đô thị hoá và mật độ dân số, 2019' --source "$src" -o "$out/urban_density_2019_bivariate.png"
  "$gv" map --shapes "$D/boundaries_2025.gpkg" --layer provinces --data "$D/census/provinces_2025.csv" \
    --join code=code --mode multiples --panel 'population_2019_census_of_constituents/@area_km2=2019' \
    --panel 'population/@area_km2=2025' --title 'Mật độ dân số theo tỉnh, 2019 và 2025' \
    --legend-title 'người/km², chung cho hai bản đồ' --landscape -o "$out/density_2019_2025_multiples.png"
  "$gv" map --shapes "$D/boundaries_2025_shp/provinces.shp" \
    --value '@area_km2' --classify equal:4 --palette Oranges \
    --title '34 tỉnh, thành phố sau sắp xếp 2025: diện tích' --legend-title 'km²' \
    --source 'sapnhap.bando.com.vn' -o "$out/provinces_2025.svg"

  # Distributions (2019 provinces): dominant ethnic group (categorical,
  # from `geovoice stats ethnic`), urban/rural dot density, urban share
  # against the national share (diverging).
  "$gv" stats ethnic --data "$D/census/ethnic_2019_by_province.csv" --level province \
    --keep Kinh,Tày,Thái,Mường,Khmer,Mông,Nùng -o "$out/ethnic_2019.csv"
  "$gv" map --shapes "$D/boundaries_2019.gpkg" --layer provinces --data "$out/ethnic_2019.csv" --join code=code \
    --mode categorical --value dominant_group \
    --title 'Dân tộc đông nhất theo tỉnh, 2019' --subtitle '63 tỉnh, thành phố' --legend-title 'Dân tộc' \
    --source "$src, biểu 2" --date '1/4/2019' -o "$out/ethnic_dominant_2019.png"
  "$gv" map --shapes "$D/boundaries_2019.gpkg" --layer provinces --data "$census" --join code=gso_code \
    --mode dots --dots 'population_urban=Thành thị,population_rural=Nông thôn' --dot-value 50000 \
    --title 'Dân số thành thị và nông thôn, 2019' --subtitle 'Mỗi chấm đặt ngẫu nhiên (cố định) trong tỉnh của nó' \
    --source "$src" --date '1/4/2019' -o "$out/urban_rural_dots_2019.png"
  "$gv" map --shapes "$D/boundaries_2019.gpkg" --layer provinces --data "$census" --join code=gso_code \
    --value 'population_urban/population_total*100' --center national --classify quantile:6 \
    --title 'Tỷ lệ dân số thành thị so với cả nước, 2019' --legend-title '% thành thị' \
    --source "$src" --date '1/4/2019' -o "$out/urban_share_vs_national_2019.png"
  # The 2019 census carried to the units of 2025: provinces exactly, communes
  # through the crosswalk pairs and the district polygons.
  "$gv" crosswalk --from vn-2019 --to vn-2025 "$D/census/provinces_2019.csv" -o "$out/provinces_2025_from_2019.csv"
  "$gv" map --shapes "$D/boundaries_2025.gpkg" --layer provinces --data "$out/provinces_2025_from_2019.csv" \
    --join code=code --value 'population_urban/population_total*100' --classify jenks:5 --palette Blues \
    --title 'Tỷ lệ dân số thành thị theo 34 tỉnh, thành phố mới' --subtitle 'Số liệu TĐTDS 2019 gộp theo tỉnh cũ' \
    --legend-title '% dân số sống ở thành thị' --source "$src; quy đổi: geovoice crosswalk" \
    -o "$out/urban_share_2025_provinces.pdf"
  "$gv" crosswalk --from vn-2019 --to vn-2025 --value population_total "$D/census/communes_2019.csv" \
    -o "$out/communes_2025_from_2019.csv" --rows "$out/communes_2025_from_2019_rows.csv"
  "$gv" map --shapes "$D/boundaries_2025.gpkg" --layer communes --data "$out/communes_2025_from_2019.csv" \
    --join code=code --value 'population_total/@area_km2' --classify quantile:7 --palette YlOrRd \
    --title 'Mật độ dân số theo xã, phường, đặc khu mới' \
    --subtitle 'Dân số TĐTDS 2019 quy đổi sang 3.321 đơn vị 2025 (ước tính)' --legend-title 'người/km²' \
    --source "$src; quy đổi: geovoice crosswalk (cặp xã + nội suy theo diện tích huyện)" \
    -o "$out/density_2025_communes.png"
  # Two population sources for the 34 provinces of 2025.
  "$gv" reconcile --a "$D/census/provinces_2025.csv:population_2019_census_of_constituents" \
    --b "$D/census/provinces_2025.csv:population" --a-label 'TĐTDS 2019' --b-label 'NQ 202/2025' \
    --set vn-2025 -o "$out/reconcile_provinces_2025.csv" --map "$out/reconcile_provinces_2025.png" \
    --source 'NQ 202/2025/QH15 và TĐTDS 2019 (census/provinces_2025.csv)'
else
  echo "demo: ../shared/data/vn not found; drawing the Natural Earth map only" >&2
fi

ne="$(bash "$here/scripts/natural-earth.sh")"
"$gv" map --shapes "$ne" --layer states_provinces --where "adm0_a3='VNM'" \
  --data "$census" --join gn_name=name --match name \
  --value 'population_urban/population_total*100' --classify jenks:5 --palette Blues \
  --title 'Tỷ lệ dân số thành thị, 2019 (ranh giới Natural Earth)' \
  --subtitle 'Ghép theo tên tỉnh; hình dạng thô, chỉ dùng cho tỷ lệ' \
  --legend-title '% dân số sống ở thành thị' --source "$src; ranh giới: Natural Earth" \
  --join-report "$out/natural_earth_join.csv" -o "$out/urban_share_natural_earth.png"

echo "demo: maps written to $out" >&2
ls -l "$out" >&2
