//! The Lambda Destinations router end to end: read an invocation outcome (JSON), write its
//! execution record and EventBridge event, and route the event by the rules of
//! `corpus/destinations/router.json`.
//!
//! `cargo bench --bench router` reports records per second for the whole path, and for the
//! routing step alone on events already built.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use evmatch::corpus;
use evmatch::destinations::{Invocation, Router};

const RECORDS: usize = 2000;

fn router(c: &mut Criterion) {
    let config = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/corpus/destinations/router.json"
    ))
    .expect("corpus/destinations/router.json");
    let router = Router::from_json(&config).expect("a valid router configuration");
    let text = corpus::invocations(RECORDS, 3);
    let lines: Vec<&[u8]> = text.lines().map(str::as_bytes).collect();
    let bytes: usize = lines.iter().map(|l| l.len()).sum();

    let mut deliveries = 0;
    for line in &lines {
        let invocation = Invocation::from_json(line).unwrap();
        deliveries += router.dispatch(&invocation).unwrap().deliveries.len();
    }
    eprintln!("{RECORDS} invocations, {bytes} bytes, {deliveries} deliveries");

    let mut group = c.benchmark_group("router");
    group.throughput(Throughput::Elements(lines.len() as u64));
    group.sample_size(20);
    group.bench_function("end-to-end", |b| {
        b.iter(|| {
            let mut n = 0;
            for line in &lines {
                let invocation = Invocation::from_json(line).unwrap();
                n += router.dispatch(&invocation).unwrap().deliveries.len();
            }
            n
        })
    });
    let buses: Vec<String> = lines
        .iter()
        .map(|line| {
            Invocation::from_json(line)
                .unwrap()
                .event("arn:aws:events:us-east-1:123456789012:event-bus/orders")
        })
        .collect();
    group.bench_function("route-only", |b| {
        b.iter(|| {
            buses
                .iter()
                .map(|event| router.route(event.as_bytes()).unwrap().len())
                .sum::<usize>()
        })
    });
    group.finish();
}

criterion_group!(benches, router);
criterion_main!(benches);
