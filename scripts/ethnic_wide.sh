#!/bin/sh
# ethnic_wide.sh LONG.csv OUT.csv: pivots the long province x ethnic-group
# table (../shared/data/vn/census/ethnic_2019_by_province.csv: gso_code,
# province, group, population, share_pct; source in census/SOURCES.md §3,
# GSO 2019 census Table 2) into one row per province for `geovoice map`:
#   code, province, dominant_group, dominant_share_pct, total, then one
#   column per group (ordered by national total, largest first) and Other.
# dominant_group = the group with the largest population (ties: first by
# name); the folded "Other (...)" row is never dominant. A group with no row
# in a province (under 0.05 % there, folded into Other) gets an EMPTY cell,
# never 0: it is not known. Stop-gap until `geovoice stats ethnic` writes
# this table; the demo and the map tests use it.
set -eu
in=${1:?usage: ethnic_wide.sh LONG.csv OUT.csv}
out=${2:?usage: ethnic_wide.sh LONG.csv OUT.csv}
tmp="$out.tmp.$$"
LC_ALL=C awk -F, '
NR == 1 { next }
{
    code = $1; grp = $3; pop = $4 + 0
    if (grp ~ /^Other/) grp = "Other"
    if (!(code in pname)) { codes[++nc] = code; pname[code] = $2 }
    cell[code, grp] = pop; tot[code] += pop
    if (!(grp in nat)) ng++
    nat[grp] += pop
    if (grp != "Other" && (pop > best[code] || (pop == best[code] && grp < dom[code]))) { best[code] = pop; dom[code] = grp }
}
END {
    # groups by national total (descending), Other last
    n = 0
    for (g in nat) if (g != "Other") gs[++n] = g
    for (i = 2; i <= n; i++) { v = gs[i]; j = i - 1
        while (j > 0 && (nat[gs[j]] < nat[v] || (nat[gs[j]] == nat[v] && gs[j] > v))) { gs[j + 1] = gs[j]; j-- }
        gs[j + 1] = v }
    gs[++n] = "Other"
    printf "code,province,dominant_group,dominant_share_pct,total"
    for (i = 1; i <= n; i++) printf ",%s", gs[i]
    printf "\n"
    for (k = 1; k <= nc; k++) { c = codes[k]
        printf "%s,%s,%s,%.3f,%d", c, pname[c], dom[c], 100 * best[c] / tot[c], tot[c]
        for (i = 1; i <= n; i++) printf ",%s", ((c, gs[i]) in cell) ? cell[c, gs[i]] : ""
        printf "\n" }
}' "$in" > "$tmp"
mv "$tmp" "$out"
