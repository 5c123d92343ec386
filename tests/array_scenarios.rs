//! The sixteen array shapes of event-ruler's array benchmark
//! (`corpus/event-ruler/array-perf-scenarios.json`): each must give the expected outcome in the
//! compiled rule set and in the reference matcher, and the compiled rule set's work, counted, must stay
//! linear in the size of the array.

use evmatch::json::Json;
use evmatch::ruleset::Scratch;
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

/// The work of matching `event`, counted (values read, lookups, states, candidates and
/// consistency steps): the same on a busy machine as on an idle one.
fn work(rules: &Ruleset<String>, event: &[u8]) -> u64 {
    let mut scratch = Scratch::new();
    rules
        .snapshot()
        .matches_with(event, &mut scratch, |_| {})
        .unwrap();
    scratch.work().total()
}

/// Eight times the array costs at most about eight times the work: quadratic growth would cost
/// sixty-four times.
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
        let (w_small, w_large) = (
            work(&rules, small.as_bytes()),
            work(&rules, large.as_bytes()),
        );
        assert!(w_small > 0, "{}: no work counted", s.name);
        let ratio = w_large as f64 / w_small as f64;
        eprintln!("{}: {w_small} -> {w_large} ({ratio:.2}x)", s.name);
        assert!(
            ratio <= 9.0,
            "{}: {base} -> {} elements took {ratio:.1}x the work ({w_small} -> {w_large})",
            s.name,
            base * 8
        );
    }
}
