//! Matching throughput per rule family on CityLots-shaped events, against a baseline.
//!
//! `cargo bench --bench families` measures, for each rule set of `corpus/rules/citylots/`
//! (five rules of one operator family each, as in event-ruler's benchmark) and for the
//! destination-routing rules on Lambda Destinations records, the time to match a batch of
//! events, in events/s and bytes/s. The `baseline` entry is `serde_json` merely parsing the
//! same events into a `Value`: the ratio of the two is the number to quote, because it holds
//! from one noisy machine to the next.

use std::sync::Arc;

mod common;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use evmatch::ruleset::Scratch;
use evmatch::{corpus, Ruleset, Validation};

/// Events per measured batch.
const EVENTS: usize = 2000;

/// The CityLots rule families: (name, rules file).
const FAMILIES: &[(&str, &str)] = &[
    ("exact", include_str!("../corpus/rules/citylots/exact.json")),
    (
        "prefix",
        include_str!("../corpus/rules/citylots/prefix.json"),
    ),
    (
        "prefix-equals-ignore-case",
        include_str!("../corpus/rules/citylots/prefix-equals-ignore-case.json"),
    ),
    (
        "suffix",
        include_str!("../corpus/rules/citylots/suffix.json"),
    ),
    (
        "suffix-equals-ignore-case",
        include_str!("../corpus/rules/citylots/suffix-equals-ignore-case.json"),
    ),
    (
        "equals-ignore-case",
        include_str!("../corpus/rules/citylots/equals-ignore-case.json"),
    ),
    (
        "wildcard",
        include_str!("../corpus/rules/citylots/wildcard.json"),
    ),
    (
        "numeric",
        include_str!("../corpus/rules/citylots/numeric.json"),
    ),
    (
        "anything-but",
        include_str!("../corpus/rules/citylots/anything-but.json"),
    ),
    (
        "anything-but-ignore-case",
        include_str!("../corpus/rules/citylots/anything-but-ignore-case.json"),
    ),
    (
        "anything-but-prefix",
        include_str!("../corpus/rules/citylots/anything-but-prefix.json"),
    ),
    (
        "complex-arrays",
        include_str!("../corpus/rules/citylots/complex-arrays.json"),
    ),
];

fn load(rules_json: &str, validation: Validation) -> Ruleset<Arc<str>> {
    let rules = Ruleset::with_validation(validation);
    let map: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(rules_json).expect("rules file is a JSON object");
    for (name, pattern) in map {
        rules
            .add_json(Arc::from(name), &pattern.to_string())
            .expect("valid rule");
    }
    rules
}

fn bench_events(c: &mut Criterion, group: &str, events: &[&[u8]], rule_sets: &[(&str, &str)]) {
    let bytes: usize = events.iter().map(|e| e.len()).sum();
    let mut group = c.benchmark_group(group);
    group.throughput(Throughput::ElementsAndBytes {
        elements: events.len() as u64,
        bytes: bytes as u64,
    });
    group.sample_size(20);
    group.bench_function("baseline-serde_json-parse", |b| {
        b.iter(|| {
            events
                .iter()
                .map(|e| serde_json::from_slice::<serde_json::Value>(e).is_ok() as usize)
                .sum::<usize>()
        })
    });
    for &(name, rules_json) in rule_sets {
        for validation in [Validation::Fast, Validation::Strict] {
            let snapshot = load(rules_json, validation).snapshot();
            let mut scratch = Scratch::new();
            let id = match validation {
                Validation::Fast => BenchmarkId::from_parameter(name),
                Validation::Strict => BenchmarkId::new(name, "strict"),
            };
            group.bench_function(id, |b| {
                b.iter(|| common::match_all(&snapshot, events, &mut scratch))
            });
        }
    }
    group.finish();
}

fn families(c: &mut Criterion) {
    let citylots = corpus::citylots(EVENTS, 1);
    let events: Vec<&[u8]> = citylots.lines().map(str::as_bytes).collect();
    bench_events(c, "citylots", &events, FAMILIES);

    let records = corpus::destination_records(EVENTS, 7);
    let events: Vec<&[u8]> = records.lines().map(str::as_bytes).collect();
    bench_events(
        c,
        "destinations",
        &events,
        &[("routing", include_str!("../corpus/destinations/rules.json"))],
    );
}

criterion_group!(benches, families);
criterion_main!(benches);
