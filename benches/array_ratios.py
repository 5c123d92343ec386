#!/usr/bin/env python3
"""Prints, from the estimates `cargo bench --bench arrays` left in target/criterion, the time
of each array shape at its base size and the time ratio of each doubling (linear = 2.00)."""

import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
CRITERION = os.path.join(HERE, "..", "target", "criterion")
SCENARIOS = os.path.join(HERE, "..", "corpus", "event-ruler", "array-perf-scenarios.json")


def main():
    with open(SCENARIOS) as f:
        scenarios = json.load(f)
    print("| shape | base size | time at base | ×2 / ×1 | ×4 / ×2 | ×8 / ×4 |")
    print("|---|---:|---:|---:|---:|---:|")
    worst = 0.0
    for i, scenario in enumerate(scenarios):
        folder = os.path.join(CRITERION, f"arrays-{i:02}")
        if not os.path.isdir(folder):
            continue  # the scalar control has no array to grow
        sizes = sorted(int(s) for s in os.listdir(folder) if s.isdigit())
        times = []
        for n in sizes:
            with open(os.path.join(folder, str(n), "new", "estimates.json")) as f:
                times.append(json.load(f)["median"]["point_estimate"])
        ratios = [b / a for a, b in zip(times, times[1:])]
        worst = max([worst] + ratios)
        cells = " | ".join(f"{r:.2f}" for r in ratios)
        print(f"| {scenario['name']} | {sizes[0]:,} | {times[0] / 1000:,.1f} µs | {cells} |")
    print(f"\nLargest doubling ratio: {worst:.2f} (linear is 2.00; the target allows 2.60).")


if __name__ == "__main__":
    main()
