//! The sixteen array shapes of event-ruler's array benchmark
//! (`corpus/event-ruler/array-perf-scenarios.json`): each must give the expected outcome in the
//! compiled rule set and in the reference matcher, and the compiled rule set must stay linear
//! in the size of the array.

use std::time::{Duration, Instant};

use evmatch::json::Json;
use evmatch::{corpus, reference, Pattern, Ruleset};

fn scenarios() -> Vec<corpus::ArrayScenario> {
    let text = std::fs::read("corpus/event-ruler/array-perf-scenarios.json").unwrap();
    corpus::array_scenarios(&text).expect("the scenario file lists scenarios")
}

#[test]
fn every_scenario_has_its_expected_outcome() {
    let all = scenarios();
    assert_eq!(all.len(), 16);
    for s in &all {
        let pattern = Pattern::parse(&s.rule).unwrap();
        let rules = Ruleset::new();
        rules.add(s.name.clone(), &pattern).unwrap();
        for &n in &s.sizes {
            let event = corpus::array_scenario(&s.generator, n)
                .unwrap_or_else(|| panic!("no generator {}", s.generator));
            let got = rules.matches(event.as_bytes()).unwrap().len();
            assert_eq!(got, s.expected_matches, "{} at {n}", s.name);
            let parsed = Json::parse(event.as_bytes()).unwrap();
            let oracle = usize::from(reference::matches(&pattern, &parsed));
            assert_eq!(oracle, s.expected_matches, "reference: {} at {n}", s.name);
        }
    }
}

/// The fastest of a few runs, which is what the code costs once the machine's noise is gone.
fn fastest(rules: &Ruleset<String>, event: &[u8]) -> Duration {
    (0..7)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(rules.matches(std::hint::black_box(event)).unwrap());
            start.elapsed()
        })
        .min()
        .unwrap()
}

/// Eight times the array costs at most about eight times the time. The bound leaves room for
/// noise (2.5x slack) but not for quadratic growth, which would cost 64 times.
#[test]
fn every_scenario_is_linear_in_the_array_size() {
    for s in scenarios() {
        if s.generator == "controlScalar" {
            continue;
        }
        let rules = Ruleset::new();
        rules.add_json(s.name.clone(), &s.rule).unwrap();
        let base = *s.sizes.iter().max().unwrap();
        let small = corpus::array_scenario(&s.generator, base).unwrap();
        let large = corpus::array_scenario(&s.generator, base * 8).unwrap();
        let mut ratio = f64::INFINITY;
        // A busy machine can still spoil one measurement; take the best of three attempts.
        for _ in 0..3 {
            let t_small = fastest(&rules, small.as_bytes());
            let t_large = fastest(&rules, large.as_bytes());
            ratio = ratio.min(t_large.as_secs_f64() / t_small.as_secs_f64());
            if ratio < 20.0 {
                break;
            }
        }
        assert!(
            ratio < 20.0,
            "{}: {base} -> {} elements took {ratio:.1}x the time",
            s.name,
            base * 8
        );
    }
}
