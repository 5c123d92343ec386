//! The cost of changing a rule set: adding rules one at a time, and changing a large rule set
//! while events are matched against it.
//!
//! `cargo bench --bench updates` reports:
//! - `updates/one-by-one/N`: adding the N mixed scaling rules with one `add` each, then
//!   matching one event; `updates/batch/N` adds the same rules in one `add_many`. Updates with
//!   no reader between them publish once, so the two should stay within a small factor of
//!   each other at every N, rather than the first growing with the square of N.
//! - `updates/add-match-remove-match/100000`: on the 100,000 mixed rules, one rule added, an
//!   event matched, the rule removed and the event matched again: what a router pays per change
//!   while events flow (each reader after an update publishes it).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use evmatch::{corpus, Pattern, Ruleset};

fn parsed(count: usize) -> Vec<(String, Pattern)> {
    corpus::scaling_rules(count, true, 1)
        .into_iter()
        .map(|(name, text)| (name, Pattern::parse(&text).unwrap()))
        .collect()
}

fn updates(c: &mut Criterion) {
    let text = corpus::destination_records(1, 7);
    let event = text.lines().next().expect("one record").as_bytes().to_vec();
    let mut group = c.benchmark_group("updates");
    group.sample_size(10);
    for count in [1_000usize, 10_000] {
        let rules = parsed(count);
        group.throughput(Throughput::Elements(count as u64));
        group.bench_with_input(BenchmarkId::new("one-by-one", count), &rules, |b, rules| {
            b.iter(|| {
                let set = Ruleset::new();
                for (name, pattern) in rules {
                    set.add(name.clone(), pattern).unwrap();
                }
                set.matches(&event).unwrap().len()
            })
        });
        group.bench_with_input(BenchmarkId::new("batch", count), &rules, |b, rules| {
            b.iter(|| {
                let set = Ruleset::new();
                set.add_many(rules.iter().map(|(n, p)| (n.clone(), p)))
                    .unwrap();
                set.matches(&event).unwrap().len()
            })
        });
    }
    let set = Ruleset::new();
    let rules = parsed(100_000);
    set.add_many(rules.iter().map(|(n, p)| (n.clone(), p)))
        .unwrap();
    let extra = Pattern::parse(r#"{"detail": {"requestPayload": {"orderId": ["o-1"]}}}"#).unwrap();
    group.throughput(Throughput::Elements(1));
    group.bench_function(BenchmarkId::new("add-match-remove-match", 100_000), |b| {
        b.iter(|| {
            set.add("extra".to_string(), &extra).unwrap();
            let with = set.matches(&event).unwrap().len();
            set.remove(&"extra".to_string());
            with + set.matches(&event).unwrap().len()
        })
    });
    group.finish();
}

criterion_group!(benches, updates);
criterion_main!(benches);
