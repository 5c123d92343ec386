//! The Lambda Destinations router: records as Lambda writes them, and the router example on
//! the committed corpus, checked against the reference matcher.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use evmatch::destinations::{Condition, Destinations, Invocation, Outcome, Router};
use evmatch::json::Json;
use evmatch::{reference, Pattern};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/destinations");

fn read(name: &str) -> String {
    std::fs::read_to_string(format!("{CORPUS}/{name}")).expect("corpus file")
}

/// `cargo test` builds the examples beside the test binaries: target/<profile>/examples.
fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let profile = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target dir");
    profile.join("examples").join(name)
}

fn run_router(args: &[&str], stdin: &[u8]) -> std::process::Output {
    common::run(&example("destination_router"), args, stdin)
}

#[test]
fn router_example_prints_the_committed_deliveries() {
    let config = format!("{CORPUS}/router.json");
    let invocations = format!("{CORPUS}/invocations.ndjson");
    let out = run_router(&[&config, &invocations], b"");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stderr.is_empty());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        read("deliveries.ndjson")
    );
    // The same from standard input.
    let out = run_router(&[&config], read("invocations.ndjson").as_bytes());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        read("deliveries.ndjson")
    );
}

#[test]
fn router_example_reports_bad_lines_and_goes_on() {
    let config = format!("{CORPUS}/router.json");
    let first = read("invocations.ndjson")
        .lines()
        .next()
        .unwrap()
        .to_string();
    let input = format!("{first}\n{{\"requestId\": 1}}\n\n{first}\n");
    let out = run_router(&[&config], input.as_bytes());
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "line 2: invocation: requestId: a string is required\n"
    );
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), 2);
}

/// The router's deliveries for every committed invocation, against a plain computation: the
/// configuration read with serde_json, each rule evaluated by the reference matcher on the
/// event the invocation makes.
#[test]
fn deliveries_agree_with_the_reference_matcher() {
    let config: serde_json::Value = serde_json::from_str(&read("router.json")).unwrap();
    let router = Router::from_json(read("router.json").as_bytes()).unwrap();
    let rules: Vec<(String, Pattern, Vec<String>)> = config["rules"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, rule)| {
            let targets = rule["targets"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t.as_str().unwrap().to_string())
                .collect();
            (
                name.clone(),
                Pattern::from_value(&rule["pattern"]).unwrap(),
                targets,
            )
        })
        .collect();
    let (mut via_bus, mut direct, mut nowhere) = (0, 0, 0);
    for line in read("invocations.ndjson").lines() {
        let invocation = Invocation::from_json(line.as_bytes()).unwrap();
        let unqualified = invocation.unqualified_arn().to_string();
        let key = if invocation.condition() == Condition::Success {
            "onSuccess"
        } else {
            "onFailure"
        };
        let destination = config["functions"][&unqualified][key].as_str();
        let mut expected: BTreeMap<String, Vec<String>> = BTreeMap::new();
        match destination {
            Some(bus) if bus.contains(":events:") => {
                via_bus += 1;
                let event = Json::parse(invocation.event(bus).as_bytes()).unwrap();
                for (name, pattern, targets) in &rules {
                    if reference::matches(pattern, &event) {
                        for target in targets {
                            expected
                                .entry(target.clone())
                                .or_default()
                                .push(name.clone());
                        }
                    }
                }
            }
            Some(other) => {
                direct += 1;
                expected.insert(other.to_string(), Vec::new());
            }
            None => nowhere += 1,
        }
        let routed = router.dispatch(&invocation).unwrap();
        assert_eq!(routed.destination.as_deref(), destination, "{line}");
        let got: BTreeMap<String, Vec<String>> = routed
            .deliveries
            .into_iter()
            .map(|d| (d.target, d.rules))
            .collect();
        for rules in expected.values_mut() {
            rules.sort();
        }
        assert_eq!(got, expected, "{line}");
    }
    // The corpus exercises every path.
    assert!(
        via_bus >= 10 && direct >= 3 && nowhere >= 3,
        "{via_bus} {direct} {nowhere}"
    );
}

/// The two records of the seeds (a Node.js function on SQS destinations), rebuilt from their
/// invocations: same members, same order, same values.
#[test]
fn records_are_written_as_lambda_writes_them() {
    let arn = "arn:aws:lambda:us-east-1:454679818906:function:sfn-lab-test-Stream-1UKZ0V094MA7T-StreamProcessor-12O2ALY0Z59LC";
    let success = Invocation::from_json(
        format!(
            r#"{{"requestId": "f14f5ab1-410f-4162-8c7b-c3f6b276a28c", "functionArn": "{arn}",
                "timestamp": "2019-12-13T20:04:08.088Z", "request": {{"my": "event"}},
                "response": {{"my": "event"}}}}"#
        )
        .as_bytes(),
    )
    .unwrap();
    let expected = format!(
        r#"{{"version": "1.0", "timestamp": "2019-12-13T20:04:08.088Z",
            "requestContext": {{"requestId": "f14f5ab1-410f-4162-8c7b-c3f6b276a28c",
                "functionArn": "{arn}:$LATEST", "condition": "Success", "approximateInvokeCount": 1}},
            "requestPayload": {{"my": "event"}},
            "responseContext": {{"statusCode": 200, "executedVersion": "$LATEST"}},
            "responsePayload": {{"my": "event"}}}}"#
    );
    assert_eq!(
        Json::parse(success.record().as_bytes()).unwrap(),
        Json::parse(expected.as_bytes()).unwrap()
    );

    let failure = Invocation::from_json(
        format!(
            r#"{{"requestId": "0972f748-a94c-4902-9ddb-8479e915c0b2", "functionArn": "{arn}",
                "timestamp": "2019-12-13T20:06:50.820Z", "attempts": 3, "request": {{"my": "event"}},
                "error": {{"type": "Error", "message": "failure example", "trace": [
                    "Error: failure example",
                    " at Runtime.module.exports.handler (/var/task/app.js:5:9)",
                    " at Runtime.handleOnce (/var/runtime/Runtime.js:66:25)"]}}}}"#
        )
        .as_bytes(),
    )
    .unwrap();
    assert_eq!(failure.condition(), Condition::RetriesExhausted);
    let expected = format!(
        r#"{{"version": "1.0", "timestamp": "2019-12-13T20:06:50.820Z",
            "requestContext": {{"requestId": "0972f748-a94c-4902-9ddb-8479e915c0b2",
                "functionArn": "{arn}:$LATEST", "condition": "RetriesExhausted", "approximateInvokeCount": 3}},
            "requestPayload": {{"my": "event"}},
            "responseContext": {{"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"}},
            "responsePayload": {{"errorType": "Error", "errorMessage": "failure example", "trace": [
                "Error: failure example",
                " at Runtime.module.exports.handler (/var/task/app.js:5:9)",
                " at Runtime.handleOnce (/var/runtime/Runtime.js:66:25)"]}}}}"#
    );
    assert_eq!(
        Json::parse(failure.record().as_bytes()).unwrap(),
        Json::parse(expected.as_bytes()).unwrap()
    );
}

#[test]
fn envelope_and_conditions() {
    let base = r#""requestId": "r-1", "timestamp": "2026-11-24T10:00:01.999Z",
        "functionArn": "arn:aws:lambda:eu-west-1:123456789012:function:order-intake:live""#;
    let parse = |rest: &str| Invocation::from_json(format!("{{{base}, {rest}}}").as_bytes());
    let expired = parse(r#""expired": true"#).unwrap();
    assert_eq!(expired.outcome, Outcome::Expired);
    assert_eq!(expired.attempts, 0);
    let event = Json::parse(expired.event("bus").as_bytes()).unwrap();
    let Json::Object(members) = &event else {
        panic!()
    };
    let keys: Vec<&str> = members.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "version",
            "id",
            "detail-type",
            "source",
            "account",
            "time",
            "region",
            "resources",
            "detail"
        ]
    );
    let rule = |text: &str| Pattern::parse(text).unwrap();
    // Envelope fields come from the ARN and the timestamp; a qualified ARN is kept as given.
    assert!(reference::matches(
        &rule(
            r#"{"detail-type": ["Lambda Function Invocation Result - Failure"], "account": ["123456789012"],
                "region": ["eu-west-1"], "time": ["2026-11-24T10:00:01Z"], "resources": ["bus"],
                "detail": {"requestContext": {"condition": ["EventAgeExceeded"], "approximateInvokeCount": [0],
                           "functionArn": ["arn:aws:lambda:eu-west-1:123456789012:function:order-intake:live"]},
                           "responseContext": [{"exists": false}], "responsePayload": [{"exists": false}]}}"#
        ),
        &event
    ));
    let failed_late =
        parse(r#""error": {"type": "E", "message": "m", "handled": true}, "expired": true"#)
            .unwrap();
    assert_eq!(failed_late.condition(), Condition::EventAgeExceeded);
    assert!(failed_late
        .record()
        .contains(r#""functionError":"Handled""#));
    for (bad, member) in [
        (
            r#""response": 1, "error": {"type": "E", "message": "m"}"#,
            "response",
        ),
        (r#""response": 1, "expired": true"#, "expired"),
        (r#""error": {"type": "E"}"#, "error.message"),
        (
            r#""error": {"type": "E", "message": "m", "trace": [1]}"#,
            "error.trace",
        ),
        (r#""response": 1, "attempts": -1"#, "attempts"),
        (r#""version": 3, "response": 1"#, "version"),
    ] {
        assert_eq!(parse(bad).unwrap_err().member(), member, "{bad}");
    }
}

#[test]
fn router_rules_and_configuration() {
    let mut router = Router::new();
    router
        .add_rule("a", r#"{"source": ["lambda"]}"#, ["q", "q", "r"])
        .unwrap();
    router
        .add_rule(
            "b",
            r#"{"detail": {"requestContext": {"condition": ["Success"]}}}"#,
            ["q"],
        )
        .unwrap();
    let event = br#"{"source": "lambda", "detail": {"requestContext": {"condition": "Success"}}}"#;
    let deliveries = router.route(event).unwrap();
    let got: Vec<(&str, Vec<&str>)> = deliveries
        .iter()
        .map(|d| {
            (
                d.target.as_str(),
                d.rules.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(got, [("q", vec!["a", "b"]), ("r", vec!["a"])]);
    assert!(router.remove_rule("a"));
    assert_eq!(router.route(event).unwrap().len(), 1);
    assert!(router.route(b"[1]").is_err());

    // Destinations are keyed by the unqualified function.
    router.configure(
        "arn:aws:lambda:us-east-1:123456789012:function:f",
        Destinations {
            on_success: Some("arn:aws:events:us-east-1:123456789012:event-bus/default".into()),
            on_failure: None,
        },
    );
    let ok = Invocation::from_json(
        br#"{"requestId": "r", "timestamp": "2026-11-24T10:00:00.000Z", "version": "7",
             "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:f:7", "response": {}}"#,
    )
    .unwrap();
    let routed = router.dispatch(&ok).unwrap();
    assert_eq!(routed.deliveries[0].rules, ["b"]);
    assert!(routed
        .sent
        .contains(r#""functionArn":"arn:aws:lambda:us-east-1:123456789012:function:f:7""#));

    for (config, message) in [
        (
            r#"{"rules": {"r": {"pattern": {"a": ["x"]}}}}"#,
            "rules.r.targets: a non-empty array of targets is required",
        ),
        (
            r#"{"rules": {"r": {"pattern": {"a": [{"prefix": 1}]}, "targets": ["t"]}}}"#,
            "rules.r.pattern: a[0].prefix: prefix match pattern must be a string",
        ),
        (
            r#"{"functions": {"f": {"onSucess": "x"}}}"#,
            "functions.f.onSucess: unknown member (onSuccess, onFailure)",
        ),
        (r#"{"rule": {}}"#, "rule: unknown member (functions, rules)"),
    ] {
        assert_eq!(
            Router::from_json(config.as_bytes())
                .unwrap_err()
                .to_string(),
            message
        );
    }
}
