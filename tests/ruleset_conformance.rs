//! The AWS conformance corpus through the compiled rule set: one rule at a time, all valid
//! patterns loaded together, and every pattern against every corpus event compared with the
//! reference matcher.

mod common;

use common::{load, Expected};
use evmatch::{reference, Pattern, Ruleset};

const CASES: &str = "corpus/aws/cases.jsonl";

#[test]
fn one_rule_at_a_time() {
    for case in load(CASES) {
        let Ok(pattern) = Pattern::parse(&case.pattern) else {
            assert!(matches!(case.expected, Expected::Error(_)), "{}", case.name);
            continue;
        };
        let rules = Ruleset::new();
        rules.add(case.name.clone(), &pattern).unwrap();
        let got = rules.matches(case.event.to_string().as_bytes()).unwrap();
        let expected = case.expected == Expected::Match;
        assert_eq!(!got.is_empty(), expected, "{}", case.name);
    }
}

#[test]
fn all_valid_patterns_together() {
    let cases = load(CASES);
    let rules = Ruleset::new();
    let valid: Vec<_> = cases
        .iter()
        .filter_map(|c| Pattern::parse(&c.pattern).ok().map(|p| (c, p)))
        .collect();
    rules
        .add_many(valid.iter().map(|(c, p)| (c.name.clone(), p)))
        .unwrap();
    assert_eq!(rules.len(), 117);
    for (case, _) in &valid {
        let got = rules.matches(case.event.to_string().as_bytes()).unwrap();
        assert_eq!(
            got.contains(&case.name),
            case.expected == Expected::Match,
            "{}: {got:?}",
            case.name
        );
        // Every other rule agrees with the reference on this event too.
        let mut expected: Vec<&String> = valid
            .iter()
            .filter(|(_, p)| reference::matches(p, &case.event))
            .map(|(c, _)| &c.name)
            .collect();
        let mut got: Vec<&String> = got.iter().collect();
        expected.sort();
        got.sort();
        assert_eq!(got, expected, "event of {}", case.name);
    }
}
