//! Matching time per event as the rule set grows from 1 to 100,000 rules, on the same events.
//!
//! `cargo bench --bench scaling` reports, for each rule set, the time to match a batch of
//! Lambda Destinations records (and the throughput in events per second). Flat means the
//! compiled automaton does not grow with the rule count: each event costs about the same with
//! 100,000 rules as with one.

mod common;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use evmatch::ruleset::Scratch;
use evmatch::{corpus, Pattern, Ruleset};

const EVENTS: usize = 1000;

fn scaling(c: &mut Criterion) {
    let text = corpus::destination_records(EVENTS, 7);
    let events: Vec<&[u8]> = text.lines().map(str::as_bytes).collect();
    let bytes: usize = events.iter().map(|e| e.len()).sum();
    for (family, mixed) in [("exact", false), ("mixed", true)] {
        let mut group = c.benchmark_group(format!("scaling/{family}"));
        group.throughput(Throughput::ElementsAndBytes {
            elements: events.len() as u64,
            bytes: bytes as u64,
        });
        group.sample_size(20);
        for count in [1usize, 100, 10_000, 100_000] {
            let rules = Ruleset::new();
            let parsed: Vec<(String, Pattern)> = corpus::scaling_rules(count, mixed, 1)
                .into_iter()
                .map(|(name, text)| (name, Pattern::parse(&text).unwrap()))
                .collect();
            rules
                .add_many(parsed.iter().map(|(n, p)| (n.clone(), p)))
                .unwrap();
            let snapshot = rules.snapshot();
            let mut scratch = Scratch::new();
            let matched = common::match_all(&snapshot, &events, &mut scratch);
            eprintln!(
                "{family}/{count}: {matched} matches over {} events, {bytes} bytes",
                events.len()
            );
            group.bench_with_input(BenchmarkId::from_parameter(count), &events, |b, events| {
                b.iter(|| common::match_all(&snapshot, events, &mut scratch))
            });
        }
        group.finish();
    }
}

criterion_group!(benches, scaling);
criterion_main!(benches);
