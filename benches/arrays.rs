//! The sixteen array shapes of event-ruler's array benchmark
//! (`corpus/event-ruler/array-perf-scenarios.json`), each matched at its largest listed size
//! and at two, four and eight times that size.
//!
//! `cargo bench --bench arrays` reports the time to match one event per shape and size;
//! `python3 benches/array_ratios.py` turns criterion's estimates into the time ratio of each
//! doubling, which must stay near 2 (linear) for every shape.

mod common;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use evmatch::ruleset::Scratch;
use evmatch::{corpus, Ruleset};

fn arrays(c: &mut Criterion) {
    let text = std::fs::read("corpus/event-ruler/array-perf-scenarios.json").unwrap();
    let scenarios = corpus::array_scenarios(&text).expect("the scenario file lists scenarios");
    for (i, scenario) in scenarios.into_iter().enumerate() {
        let corpus::ArrayScenario {
            name,
            rule,
            generator,
            sizes,
            ..
        } = scenario;
        let largest = sizes.into_iter().max().expect("a size");
        if generator == "controlScalar" {
            continue; // no array to grow
        }
        let rules = Ruleset::new();
        rules.add_json(name.clone(), &rule).unwrap();
        let snapshot = rules.snapshot();
        let mut scratch = Scratch::new();
        // Named by place in the file: several shapes share a generator.
        let mut group = c.benchmark_group(format!("arrays-{i:02}"));
        group.sample_size(10);
        group.warm_up_time(std::time::Duration::from_millis(300));
        group.measurement_time(std::time::Duration::from_secs(1));
        for n in [largest, 2 * largest, 4 * largest, 8 * largest] {
            let event = corpus::array_scenario(&generator, n).unwrap();
            let events = [event.as_bytes()];
            group.throughput(Throughput::Elements(n as u64));
            group.bench_with_input(BenchmarkId::from_parameter(n), &events, |b, events| {
                b.iter(|| common::match_all(&snapshot, events, &mut scratch))
            });
        }
        group.finish();
    }
}

criterion_group!(benches, arrays);
criterion_main!(benches);
