#!/usr/bin/env python3
"""Measures the CityLots families whose rules compare coordinates (`numeric`,
`complex-arrays`) on coordinates that are compared, and prints the table of BENCHMARKS.md
(markdown, on stdout; progress on stderr).

    python3 benches/numeric.py [--seconds S] > numeric.md

CityLots writes its coordinates with 15 decimals, outside AWS's numeric domain (six decimals
at most), so numeric rules compare none of them: on that corpus these families time a scan
that settles each coordinate from its seventh decimal and compares nothing.
`evmatch corpus citylots-6` writes the same lots with the coordinates cut to six decimals,
where every coordinate is a number the rules compare. Both are measured, one thread, the
same 50,000 lots (seed 1).
"""

import argparse
import os
import tempfile

from table import BIN, ROOT, bench, log, rate, run

# (family, the speed to reach on six decimals, events/s)
FAMILIES = [("numeric", 2_000_000), ("complex-arrays", 1_000_000)]


def section(seconds, tmp, long_corpus=None):
    """The markdown lines of the table; `long_corpus` is the 15-decimal corpus if made."""
    corpora = {}
    for kind, name in [("citylots", "15"), ("citylots-6", "6")]:
        path = long_corpus if kind == "citylots" and long_corpus else os.path.join(
            tmp, f"{kind}.ndjson")
        if not os.path.exists(path):
            with open(path, "wb") as f:
                run([BIN, "corpus", kind, "--count", "50000", "--seed", "1"], stdout=f)
        corpora[name] = path
    out = ["| family (5 rules) | 15 decimals: events/s (nothing compared) | 6 decimals: events/s "
           "| 6 decimals: strict | matches per 1,000 events (6 decimals) | target (6 decimals) |",
           "|---|---:|---:|---:|---:|---:|"]
    for family, target in FAMILIES:
        log(f"numeric {family}")
        rules = os.path.join(ROOT, f"corpus/rules/citylots/{family}.json")
        long = bench(rules, corpora["15"], seconds)
        short = bench(rules, corpora["6"], seconds)
        strict = bench(rules, corpora["6"], seconds, "--strict")
        per_thousand = 1000 * short["matches"] / short["events"]
        met = "✓" if short["events_per_sec"] >= target else "✗"
        out.append(f"| {family} | {rate(long['events_per_sec'])} | "
                   f"**{rate(short['events_per_sec'])}** | {rate(strict['events_per_sec'])} | "
                   f"{per_thousand:.0f} | {rate(target)} {met} |")
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0,
                        help="minimum matching time of each measurement")
    args = parser.parse_args()
    log("building")
    run(["cargo", "build", "--release", "--quiet"])
    print("\n".join(section(args.seconds, tempfile.mkdtemp(prefix="evmatch-numeric-"))))


if __name__ == "__main__":
    main()
