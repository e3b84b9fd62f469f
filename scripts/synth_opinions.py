#!/usr/bin/env python3
"""SYNTHETIC per-commune opinion counts for the atlas example (not real data).

Until `geovoice synth` exists, this seeded generator writes one row per commune
of a units table (level == commune) with invented counts of voters' opinions:

    code,name,province_code,data_status,synthetic_opinions,synthetic_support,
    synthetic_oppose,synthetic_neutral

`data_status` is "synthetic" on every row and every count column starts with
"synthetic_", so the table cannot be mistaken for collected opinions. Counts:
wards (Phường) get more opinions than rural communes; a province-wide tilt
plus a per-commune one decide support vs oppose. The random numbers come from
SplitMix64 written out here (not Python's `random`), so the same seed gives the
same file on any Python 3.

    python3 scripts/synth_opinions.py ../shared/data/vn/units_2025.csv out.csv [--seed 2025]
"""
import argparse
import csv
import math
import sys

MASK = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.s = seed & MASK

    def next(self):
        self.s = (self.s + 0x9E3779B97F4A7C15) & MASK
        z = self.s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def uniform(self):
        return (self.next() >> 11) / float(1 << 53)

    def normal(self):
        # Box-Muller; u1 in (0, 1].
        u1 = 1.0 - self.uniform()
        u2 = self.uniform()
        return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


def key_seed(seed, text):
    """A seed per unit from the run's seed and the unit code (FNV-1a)."""
    h = 0xCBF29CE484222325
    for b in f"{seed}:{text}".encode("utf-8"):
        h = ((h ^ b) * 0x100000001B3) & MASK
    return h


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("units", help="units table (level,code,name,type,parent_code)")
    ap.add_argument("out", help="CSV to write")
    ap.add_argument("--seed", type=int, default=2025)
    a = ap.parse_args()
    rows = [r for r in csv.DictReader(open(a.units, encoding="utf-8-sig")) if r["level"] == "commune"]
    tilt = {}
    for r in rows:
        p = r["parent_code"]
        if p not in tilt:
            tilt[p] = 0.6 * SplitMix64(key_seed(a.seed, "province " + p)).normal()
    with open(a.out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "name", "province_code", "data_status", "synthetic_opinions", "synthetic_support",
                    "synthetic_oppose", "synthetic_neutral"])
        for r in rows:
            g = SplitMix64(key_seed(a.seed, r["code"]))
            base = 80.0 if r["type"] == "Phường" else 30.0
            n = int(round(base * math.exp(0.9 * g.normal())))
            z = tilt[r["parent_code"]] + 0.5 * g.normal()
            p_support = 1.0 / (1.0 + math.exp(-z))
            neutral = int(round(n * (0.15 + 0.1 * g.uniform())))
            support = int(round((n - neutral) * p_support))
            oppose = n - neutral - support
            w.writerow([r["code"], r["name"], r["parent_code"], "synthetic", n, support, oppose, neutral])
    print(f"synth_opinions: {len(rows)} communes, seed {a.seed} -> {a.out} (SYNTHETIC counts)", file=sys.stderr)


if __name__ == "__main__":
    main()
