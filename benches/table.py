#!/usr/bin/env python3
"""Measures every rule family and scaling set with `evmatch bench --json` and prints the
tables of BENCHMARKS.md (markdown, on stdout; progress on stderr).

    python3 benches/table.py [--seconds S] > tables.md

Everything runs in one go on the same machine, so the ratio to the `serde_json` baseline (the
time `serde_json` takes merely to parse the same events into a `Value`) is the number that
carries from one machine to another.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "evmatch")

# (family, the speed the project must reach on CityLots, events/s; None: no target set)
FAMILIES = [
    ("exact", 4_000_000),
    ("prefix", 4_000_000),
    ("prefix-equals-ignore-case", None),
    ("suffix", 4_000_000),
    ("suffix-equals-ignore-case", None),
    ("equals-ignore-case", 4_000_000),
    ("wildcard", 2_500_000),
    ("numeric", 2_000_000),
    ("anything-but", 3_000_000),
    ("anything-but-ignore-case", None),
    ("anything-but-prefix", None),
    ("complex-arrays", 700_000),
]


def log(message):
    print(message, file=sys.stderr, flush=True)


def run(args, stdout=None):
    return subprocess.run(args, check=True, stdout=stdout or subprocess.PIPE, cwd=ROOT)


def bench(rules, events, seconds, *flags):
    """One `evmatch bench --json` run, with its peak memory when GNU time is there."""
    command = [BIN, "bench", "--rules", rules, "--events", events, "--json",
               "--min-seconds", str(seconds), *flags]
    if os.path.exists("/usr/bin/time"):
        result = subprocess.run(["/usr/bin/time", "-f", "%M", *command], check=True,
                                capture_output=True, text=True, cwd=ROOT)
        report = json.loads(result.stdout)
        report["max_rss_kb"] = int(result.stderr.strip().splitlines()[-1])
    else:
        report = json.loads(run(command).stdout)
    return report


def rate(x):
    if x >= 1e6:
        return f"{x / 1e6:.2f} M"
    return f"{x / 1e3:.0f} k"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0,
                        help="minimum matching time of each measurement")
    args = parser.parse_args()
    s = args.seconds

    log("building")
    run(["cargo", "build", "--release", "--quiet"])
    tmp = tempfile.mkdtemp(prefix="evmatch-bench-")
    citylots = os.path.join(tmp, "citylots.ndjson")
    destinations = os.path.join(tmp, "destinations.ndjson")
    with open(citylots, "wb") as f:
        run([BIN, "corpus", "citylots", "--count", "50000", "--seed", "1"], stdout=f)
    with open(destinations, "wb") as f:
        run([BIN, "corpus", "destinations", "--count", "5000", "--seed", "7"], stdout=f)
    any_rules = os.path.join(ROOT, "corpus/rules/citylots/exact.json")

    out = []
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            model = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    rustc = run(["rustc", "--version"]).stdout.decode().strip()
    out.append(f"Machine: {model}, {os.cpu_count()} cores; {rustc}; "
               f"{time.strftime('%Y-%m-%d', time.gmtime())}. One thread unless stated.\n")

    log("baselines")
    base_city = bench(any_rules, citylots, s, "--baseline")
    base_dest = bench(any_rules, destinations, s, "--baseline")
    city_bytes = base_city["bytes"] / base_city["events"]
    dest_bytes = base_dest["bytes"] / base_dest["events"]

    out.append(f"## CityLots: 50,000 events, {city_bytes:.0f} bytes on average\n")
    out.append(f"Baseline, `serde_json` parsing each event into a `Value`: "
               f"**{rate(base_city['events_per_sec'])}events/s** "
               f"({base_city['bytes_per_sec'] / 1e6:.0f} MB/s).\n")
    out.append("| family (5 rules) | events/s | MB/s | × serde_json | matches per 1,000 events "
               "| strict: events/s | strict × serde_json | target events/s |")
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|")
    for family, target in FAMILIES:
        log(f"family {family}")
        rules = os.path.join(ROOT, f"corpus/rules/citylots/{family}.json")
        fast = bench(rules, citylots, s)
        strict = bench(rules, citylots, s, "--strict")
        ratio = fast["events_per_sec"] / base_city["events_per_sec"]
        strict_ratio = strict["events_per_sec"] / base_city["events_per_sec"]
        per_thousand = 1000 * fast["matches"] / fast["events"]
        goal = "" if target is None else (
            f"{rate(target)} {'✓' if fast['events_per_sec'] >= target else '✗'}")
        # Coordinates of 15 decimals are outside the numeric domain: these rows compare none.
        label = family + (" (15-decimal coordinates: none compared)"
                          if family in ("numeric", "complex-arrays") else "")
        out.append(f"| {label} | {rate(fast['events_per_sec'])} | "
                   f"{fast['bytes_per_sec'] / 1e6:.0f} | {ratio:.1f}× | {per_thousand:.0f} | "
                   f"{rate(strict['events_per_sec'])} | {strict_ratio:.1f}× | {goal} |")

    log("numeric on six decimals")
    from numeric import section
    out.append("\n## CityLots with coordinates at six decimals: numbers that are compared\n")
    out.append("The 15-decimal coordinates above lie outside AWS's numeric domain, so the `numeric` "
               "and `complex-arrays` rows compare no coordinate. `evmatch corpus citylots-6` "
               "writes the same lots at six decimals (`benches/numeric.py`).\n")
    out.extend(section(s, tmp, citylots))

    log("destinations")
    out.append(f"\n## Lambda Destinations records: 5,000 events, {dest_bytes:.0f} bytes on average\n")
    out.append(f"Baseline, `serde_json` parsing each event into a `Value`: "
               f"**{rate(base_dest['events_per_sec'])}events/s** "
               f"({base_dest['bytes_per_sec'] / 1e6:.0f} MB/s).\n")
    out.append("| rule set | rules | events/s | MB/s | × serde_json | strict: events/s "
               "| compile s | peak RSS MB |")
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|")
    sets = [("destination routing (`corpus/destinations/rules.json`)", 
             os.path.join(ROOT, "corpus/destinations/rules.json"))]
    for kind in ["exact", "mixed"]:
        for count in [1, 100, 10_000, 100_000]:
            path = os.path.join(tmp, f"rules-{kind}-{count}.json")
            with open(path, "wb") as f:
                run([BIN, "corpus", f"rules-{kind}", "--count", str(count), "--seed", "1"],
                    stdout=f)
            sets.append((f"scaling, {kind}", path))
    for name, path in sets:
        log(f"rule set {name} {os.path.basename(path)}")
        fast = bench(path, destinations, s)
        strict = bench(path, destinations, s, "--strict")
        rss = fast.get("max_rss_kb")
        out.append(f"| {name} | {fast['rules']:,} | {rate(fast['events_per_sec'])} | "
                   f"{fast['bytes_per_sec'] / 1e6:.0f} | "
                   f"{fast['events_per_sec'] / base_dest['events_per_sec']:.1f}× | "
                   f"{rate(strict['events_per_sec'])} | {fast['compile_seconds']:.3f} | "
                   f"{'' if rss is None else f'{rss / 1024:.0f}'} |")

    log("hostile rule sets")
    out.append("\n## Rule sets built to hurt\n")
    out.append("Shapes that explode a naive automaton or make every event a candidate, on the same "
               "records.\n")
    out.append("| rule set | rules | events/s | matches per event | compile s | peak RSS MB |")
    out.append("|---|---:|---:|---:|---:|---:|")
    hostile = [
        ("overlapping wildcards on one field (`*:function:*-17x*:*`, …)",
         {f"w{i}": {"detail": {"requestContext": {"functionArn": [
             {"wildcard": f"*:function:*-{i}x*:*"}]}}} for i in range(10_000)}),
        ("`anything-but` lists of 50 values on one field",
         {f"ab{i}": {"detail": {"responsePayload": {"action": [
             {"anything-but": [f"a{j}-{i}" for j in range(50)]}]}}} for i in range(10_000)}),
        ("`anything-but` prefixes on one field",
         {f"abp{i}": {"detail": {"responsePayload": {"action": [
             {"anything-but": {"prefix": f"p{i}"}}]}}} for i in range(2_000)}),
    ]
    for label, rules in hostile:
        path = os.path.join(tmp, f"hostile-{len(rules)}-{abs(hash(label)) % 1000}.json")
        with open(path, "w") as f:
            json.dump(rules, f)
        report = bench(path, destinations, s)
        rss = report.get("max_rss_kb")
        out.append(f"| {label} | {report['rules']:,} | {rate(report['events_per_sec'])} | "
                   f"{report['matches'] / report['events']:,.0f} | "
                   f"{report['compile_seconds']:.2f} | "
                   f"{'' if rss is None else f'{rss / 1024:.0f}'} |")

    log("threads")
    out.append("\n## Threads\n")
    out.append("| run | 1 thread | 2 threads | speed-up |")
    out.append("|---|---:|---:|---:|")
    for label, rules, events in [
        ("bench, CityLots complex-arrays", "corpus/rules/citylots/complex-arrays.json", citylots),
        ("bench, destinations, 10,000 mixed rules",
         os.path.join(tmp, "rules-mixed-10000.json"), destinations),
    ]:
        one = bench(os.path.join(ROOT, rules), events, s, "--threads", "1")
        two = bench(os.path.join(ROOT, rules), events, s, "--threads", "2")
        out.append(f"| {label} | {rate(one['events_per_sec'])} | {rate(two['events_per_sec'])} "
                   f"| {two['events_per_sec'] / one['events_per_sec']:.2f}× |")
    big = os.path.join(tmp, "citylots-300k.ndjson")
    with open(big, "wb") as f:
        run([BIN, "corpus", "citylots", "--count", "300000", "--seed", "3"], stdout=f)
    # Wall time moves with whatever else the shared machine runs: one and two threads take
    # turns, seven times each, and the best of each is compared (medians alongside).
    walls = {1: [], 2: []}
    for _ in range(7):
        for threads in [1, 2]:
            started = time.perf_counter()
            with open(os.devnull, "wb") as sink:
                run([BIN, "match", "--rules", "corpus/rules/citylots/complex-arrays.json", big,
                     "--threads", str(threads)], stdout=sink)
            walls[threads].append(time.perf_counter() - started)
    best = {t: min(w) for t, w in walls.items()}
    median = {t: sorted(w)[len(w) // 2] for t, w in walls.items()}
    out.append(f"| `evmatch match`, 300,000 CityLots events, complex-arrays (wall, best of 7 "
               f"alternating runs; medians {median[1]:.2f} s and {median[2]:.2f} s, "
               f"{median[1] / median[2]:.2f}×) "
               f"| {best[1]:.2f} s | {best[2]:.2f} s | {best[1] / best[2]:.2f}× |")

    print("\n".join(out))


if __name__ == "__main__":
    main()
