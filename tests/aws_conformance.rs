//! Every case of the conformance corpus recorded against the real EventBridge
//! `TestEventPattern` API (`corpus/aws/cases.jsonl`), through the library and through the CLI.

mod common;

use std::process::Command;

use common::{load, Case, Expected};
use evmatch::{reference, Pattern};

const CASES: &str = "corpus/aws/cases.jsonl";

/// What the library says about a case, in the corpus's terms.
fn outcome(case: &Case) -> Expected {
    match Pattern::parse(&case.pattern) {
        Err(e) => Expected::Error(Some(e.to_string())),
        Ok(p) if reference::matches(&p, &case.event) => Expected::Match,
        Ok(_) => Expected::NoMatch,
    }
}

#[test]
fn corpus_has_the_recorded_counts() {
    let cases = load(CASES);
    let count = |f: fn(&Expected) -> bool| cases.iter().filter(|c| f(&c.expected)).count();
    assert_eq!(cases.len(), 155);
    assert_eq!(count(|e| *e == Expected::Match), 66);
    assert_eq!(count(|e| *e == Expected::NoMatch), 51);
    assert_eq!(count(|e| matches!(e, Expected::Error(Some(_)))), 38);
}

#[test]
fn library_agrees_with_aws_on_every_case() {
    let mut disagreements = Vec::new();
    for case in load(CASES) {
        let got = outcome(&case);
        if got != case.expected {
            disagreements.push(format!(
                "{}: expected {:?}, got {:?}\n  pattern {}",
                case.name, case.expected, got, case.pattern
            ));
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}

#[test]
fn errors_say_where_in_the_pattern() {
    let cases = load(CASES);
    for case in cases
        .iter()
        .filter(|c| matches!(c.expected, Expected::Error(_)))
    {
        let err = Pattern::parse(&case.pattern).unwrap_err();
        // Every corpus error is about something inside the top-level object.
        assert!(
            !err.path().segments().is_empty(),
            "{}: no location for {err}",
            case.name
        );
    }
    let err = Pattern::parse(r#"{"detail": {"state": [{"anything-but": ["stopped", null]}]}}"#)
        .unwrap_err();
    assert_eq!(err.path().to_string(), "detail.state[0].anything-but[1]");
}

#[test]
fn cli_agrees_with_aws_on_every_case() {
    let binary = env!("CARGO_BIN_EXE_evmatch");
    let mut disagreements = Vec::new();
    for case in load(CASES) {
        let output = Command::new(binary)
            .args(["test-event-pattern", "--event-pattern", &case.pattern])
            .args(["--event", &case.event.to_string()])
            .output()
            .expect("run evmatch");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let got = match (output.status.code(), stdout.trim()) {
            (Some(0), r#"{"Result": true}"#) => Expected::Match,
            (Some(0), r#"{"Result": false}"#) => Expected::NoMatch,
            (Some(2), "") => Expected::Error(Some(stderr.trim_end().to_string())),
            (code, out) => panic!(
                "{}: exit {code:?}, stdout {out:?}, stderr {stderr:?}",
                case.name
            ),
        };
        if got != case.expected {
            disagreements.push(format!(
                "{}: expected {:?}, got {:?}",
                case.name, case.expected, got
            ));
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}
