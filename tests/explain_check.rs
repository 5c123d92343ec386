//! `explain` and `check` on the AWS corpus: every invalid pattern listed by `check` with AWS's
//! reason, every non-matching case explained by a field of its pattern, and explanations that
//! agree with matching.

mod common;

use common::{evmatch, load, Expected};
use evmatch::explain::Mismatch;
use evmatch::{Pattern, Ruleset};

const CASES: &str = "corpus/aws/cases.jsonl";
const AWS_PREFIX: &str = "Event pattern is not valid. Reason: ";

/// All the cases' patterns as one rules file, under the cases' names.
fn rules_file(cases: &[common::Case]) -> String {
    let mut text = String::from("{\n");
    for (i, case) in cases.iter().enumerate() {
        let mut name = String::new();
        evmatch::json::write_string(&mut name, &case.name).unwrap();
        let comma = if i + 1 < cases.len() { "," } else { "" };
        text.push_str(&format!("  {name}: {}{comma}\n", case.pattern));
    }
    text.push('}');
    text
}

#[test]
fn check_lists_every_invalid_case_with_aws_reason() {
    let cases = load(CASES);
    let file = rules_file(&cases);
    let path = std::env::temp_dir().join(format!("evmatch-check-{}.json", std::process::id()));
    std::fs::write(&path, &file).unwrap();
    let out = evmatch(&["check", path.to_str().unwrap()], b"");
    std::fs::remove_file(&path).ok();
    assert_eq!(
        out.status.code(),
        Some(1),
        "invalid rules make check exit 1"
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let listed: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("invalid rule "))
        .collect();
    let errors: Vec<_> = cases
        .iter()
        .filter_map(|c| match &c.expected {
            Expected::Error(message) => Some((c, message)),
            _ => None,
        })
        .collect();
    assert_eq!(listed.len(), errors.len(), "{stdout}");
    for (case, message) in errors {
        let pattern_error = Pattern::parse(&case.pattern).unwrap_err();
        let reason = message
            .as_deref()
            .and_then(|m| m.strip_prefix(AWS_PREFIX))
            .map_or_else(|| pattern_error.reason(), str::to_string);
        let line = format!(
            "invalid rule {:?}: {}: {reason}",
            case.name,
            pattern_error.path()
        );
        assert!(listed.contains(&line.as_str()), "{line} not in\n{stdout}");
    }
    let valid = cases.len() - listed.len();
    assert!(stdout.contains(&format!(
        "{} rules: {valid} valid, {} invalid\n",
        cases.len(),
        listed.len()
    )));
    assert!(
        stdout.contains(&format!("compiled: {valid} rules, ")),
        "{stdout}"
    );

    // The same through --json, from standard input.
    let out = evmatch(&["check", "-", "--json"], file.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["rules"], cases.len());
    assert_eq!(report["invalid"].as_array().unwrap().len(), listed.len());
    assert_eq!(report["stats"]["rules"], valid);
    assert!(report["stats"]["memory_bytes"].as_u64().unwrap() > 0);
    let first = &report["invalid"][0];
    assert!(first["name"].is_string() && first["path"].is_string() && first["reason"].is_string());
}

#[test]
fn check_passes_a_valid_file_and_scores_wildcards() {
    let rules = r#"{
        "plain": {"source": ["lambda"]},
        "one-star": {"detail": {"arn": [{"wildcard": "arn:aws:lambda:*"}]}},
        "stars": {"detail": {"arn": [{"wildcard": "*a*"}, {"wildcard": "*b*"}, {"wildcard": "*c*"}]}}
    }"#;
    let out = evmatch(&["check", "-"], rules.as_bytes());
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.starts_with("3 rules: 3 valid, 0 invalid\n"),
        "{stdout}"
    );
    // Rules, not wildcards: four wildcards in two rules.
    assert!(stdout.contains(", 2 rules with wildcards, "), "{stdout}");
    // Highest complexity first; a rule without wildcards is not scored.
    let scored: Vec<&str> = stdout.lines().filter(|l| l.starts_with("  ")).collect();
    assert_eq!(scored.len(), 2, "{stdout}");
    assert!(scored[0].ends_with("\"stars\"") && scored[1].ends_with("\"one-star\""));
    let stars =
        Pattern::parse(r#"{"a": [{"wildcard": "*a*"}, {"wildcard": "*b*"}, {"wildcard": "*c*"}]}"#)
            .unwrap()
            .complexity();
    assert!(stdout.contains(&format!("highest {stars}\n")), "{stdout}");
    // Not JSON: exit 2, with the reason.
    let out = evmatch(&["check", "-"], b"{\"r\": ");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("-: not valid JSON"));
}

#[test]
fn explanations_agree_with_matching_on_every_valid_case() {
    let cases = load(CASES);
    let rules = Ruleset::new();
    let mut explained = 0;
    for case in cases
        .iter()
        .filter(|c| !matches!(c.expected, Expected::Error(_)))
    {
        rules.add_json(case.name.clone(), &case.pattern).unwrap();
        let event = case.event.to_string();
        let why = rules
            .explain(&case.name, event.as_bytes())
            .unwrap()
            .expect("the rule exists");
        let matched = rules
            .matches(event.as_bytes())
            .unwrap()
            .contains(&case.name);
        assert_eq!(why.matched(), matched, "{}", case.name);
        assert_eq!(
            why.matched(),
            case.expected == Expected::Match,
            "{}",
            case.name
        );
        if why.matched() {
            assert!(why.mismatches().next().is_none());
            assert!(why.to_string().starts_with("match"));
            continue;
        }
        explained += 1;
        // Every branch failed, and says which of its fields failed.
        let pattern = Pattern::parse(&case.pattern).unwrap();
        assert_eq!(why.branches().len(), pattern.branches().len());
        for (branch, explanation) in pattern.branches().iter().zip(why.branches()) {
            assert!(!explanation.mismatches().is_empty(), "{}", case.name);
            let paths: Vec<&str> = branch.fields().iter().map(|f| f.path()).collect();
            for mismatch in explanation.mismatches() {
                match mismatch {
                    Mismatch::ArrayElements { paths: all } => assert_eq!(all, &paths),
                    other => assert!(paths.contains(&other.path()), "{}: {other}", case.name),
                }
            }
        }
        let text = why.to_string();
        assert!(text.starts_with("no match"), "{text}");
        for mismatch in why.mismatches() {
            assert!(text.contains(&mismatch.to_string()));
        }
    }
    assert!(explained >= 40, "{explained} no-match cases explained");
}

#[test]
fn explain_command() {
    let rules = r#"{
        "orders-accepted": {"detail": {"requestContext": {"condition": ["Success"]},
                            "responsePayload": {"source": ["shop.orders"], "action": ["accepted"]}}},
        "any-result": {"$or": [{"detail": {"requestContext": {"condition": ["Success"]}}},
                               {"detail-type": [{"suffix": "- Failure"}]}]}
    }"#;
    let path = std::env::temp_dir().join(format!("evmatch-explain-{}.json", std::process::id()));
    std::fs::write(&path, rules).unwrap();
    let rules_path = path.to_str().unwrap();
    let event = br#"{"detail-type": "Lambda Function Invocation Result - Success",
        "detail": {"requestContext": {"condition": "Success"},
                   "responsePayload": {"source": "shop.orders", "action": "rejected"}}}"#;
    let out = evmatch(
        &[
            "explain",
            "--rules",
            rules_path,
            "--rule",
            "orders-accepted",
        ],
        event,
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "no match\n  detail.responsePayload.action: the event has \"rejected\", the pattern wants \"accepted\"\n"
    );
    // Every rule, in file order; `$or` says which branch held.
    let out = evmatch(&["explain", "--rules", rules_path, "-"], event);
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "\"orders-accepted\": no match\n  detail.responsePayload.action: the event has \"rejected\", \
         the pattern wants \"accepted\"\n\"any-result\": match: branch 1 of 2 holds\n"
    );
    let failure =
        br#"{"detail-type": "x", "detail": {"requestContext": {"condition": "RetriesExhausted"}}}"#;
    let out = evmatch(
        &["explain", "--rules", rules_path, "--rule", "any-result"],
        failure,
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "no match: none of 2 branches holds\n  branch 1: detail.requestContext.condition: the event has \
         \"RetriesExhausted\", the pattern wants \"Success\"\n  branch 2: detail-type: the event has \"x\", \
         the pattern wants {\"suffix\": \"- Failure\"}\n"
    );
    // Unknown rule, bad event: exit 2.
    let out = evmatch(&["explain", "--rules", rules_path, "--rule", "nope"], event);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no rule named \"nope\""));
    let out = evmatch(&["explain", "--rules", rules_path], b"[1, 2]");
    assert_eq!(out.status.code(), Some(2));
    std::fs::remove_file(&path).ok();
}
