#!/usr/bin/env python3
"""Measures how matching scales with the number of rules, for every generated rule set over
the Lambda Destinations records, with `evmatch bench --json`, and prints the table of
BENCHMARKS.md (markdown, on stdout; progress on stderr).

    python3 benches/scaling.py [--seconds S] [--counts 1,100,10000,100000,1000000] > scaling.md

Each family is measured at each rule count on the same 5,000 records (seed 7). The ratio to
the family's one-rule set is the number the project's targets are stated in; the nanoseconds
per match say what the matches themselves cost: the time per record above the one-rule set's,
divided by the matches per record.
"""

import argparse
import os
import subprocess
import tempfile

from table import BIN, ROOT, bench, log, rate

FAMILIES = ["router", "product", "absent", "anything-but", "mixed", "exact"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0,
                        help="minimum matching time of each measurement")
    parser.add_argument("--counts", default="1,100,10000,100000,1000000",
                        help="rule counts, comma-separated")
    parser.add_argument("--families", default=",".join(FAMILIES))
    args = parser.parse_args()
    counts = [int(c) for c in args.counts.split(",")]

    subprocess.run(["cargo", "build", "--release", "--quiet"], check=True, cwd=ROOT)
    tmp = tempfile.mkdtemp(prefix="evmatch-scaling-")
    records = os.path.join(tmp, "destinations.ndjson")
    with open(records, "wb") as f:
        subprocess.run([BIN, "corpus", "destinations", "--count", "5000", "--seed", "7"],
                       check=True, stdout=f, cwd=ROOT)

    out = ["| family | rules | records/s | × one rule | matches per record | ns per match "
           "| compile s | peak RSS MB |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for family in args.families.split(","):
        one = None
        for count in counts:
            rules = os.path.join(tmp, f"rules-{family}-{count}.json")
            with open(rules, "wb") as f:
                subprocess.run([BIN, "corpus", f"rules-{family}", "--count", str(count),
                                "--seed", "1"], check=True, stdout=f, cwd=ROOT)
            log(f"{family} {count}")
            report = bench(rules, records, args.seconds)
            os.remove(rules)
            speed = report["events_per_sec"]
            per_record = report["matches"] / report["events"]
            if one is None:
                one = (speed, per_record)
            extra_matches = per_record - one[1]
            extra_ns = 1e9 / speed - 1e9 / one[0]
            per_match = f"{extra_ns / extra_matches:.0f}" if extra_matches > 0.05 else ""
            rss = report.get("max_rss_kb")
            out.append(f"| {family} | {report['rules']:,} | {rate(speed)} | "
                       f"{speed / one[0]:.2f} | {per_record:.2f} | {per_match} | "
                       f"{report['compile_seconds']:.2f} | "
                       f"{'' if rss is None else f'{rss / 1024:.0f}'} |")
            log(out[-1])
    print("\n".join(out))


if __name__ == "__main__":
    main()
