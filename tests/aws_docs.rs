//! Examples from AWS's EventBridge documentation and the event-ruler README, one per stated
//! outcome (`tests/data/aws_docs_cases.jsonl`; each case names its source).

mod common;

use common::{load, Expected};
use evmatch::{reference, Pattern};

#[test]
fn documented_examples_behave_as_documented() {
    let cases = load("tests/data/aws_docs_cases.jsonl");
    assert!(cases.len() >= 100);
    let mut disagreements = Vec::new();
    for case in &cases {
        let got = match Pattern::parse(&case.pattern) {
            Err(e) => Expected::Error(Some(e.to_string())),
            Ok(p) if reference::matches(&p, &case.event) => Expected::Match,
            Ok(_) => Expected::NoMatch,
        };
        let agrees = match (&case.expected, &got) {
            (Expected::Error(None), Expected::Error(_)) => true,
            (expected, got) => expected == got,
        };
        if !agrees {
            disagreements.push(format!(
                "{}: expected {:?}, got {:?}\n  pattern {}\n  event {}",
                case.name, case.expected, got, case.pattern, case.event
            ));
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}
