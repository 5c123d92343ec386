//! The command line as other programs call it: arguments, stdout, stderr and
//! exit codes.

mod common;

use common::evmatch;
use std::process::{Command, Output};

const SUCCESS_RULE: &str = r#"{"detail": {"requestContext": {"condition": ["Success"]}}}"#;

fn run(pattern: &str, event: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_evmatch"))
        .args([
            "test-event-pattern",
            "--event-pattern",
            pattern,
            "--event",
            event,
        ])
        .output()
        .expect("run evmatch")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn readme_example_on_the_committed_corpus() {
    let o = run(SUCCESS_RULE, "@corpus/destinations/success.json");
    assert_eq!(
        (o.status.code(), stdout(&o).as_str()),
        (Some(0), "{\"Result\": true}\n")
    );
    let o = run(SUCCESS_RULE, "@corpus/destinations/failure.json");
    assert_eq!(
        (o.status.code(), stdout(&o).as_str()),
        (Some(0), "{\"Result\": false}\n")
    );
}

#[test]
fn pattern_from_a_file() {
    let dir = std::env::temp_dir().join(format!("evmatch-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("pattern.json");
    std::fs::write(&path, r#"{"detail-type": [{"suffix": "- Failure"}]}"#).unwrap();
    let o = run(
        &format!("@{}", path.display()),
        "@corpus/destinations/failure.json",
    );
    assert_eq!(stdout(&o), "{\"Result\": true}\n");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn invalid_pattern_exits_2_with_the_aws_message() {
    let o = run(r#"{"resources": []}"#, "{}");
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stdout(&o), "");
    assert_eq!(
        stderr(&o),
        "Event pattern is not valid. Reason: Empty arrays are not allowed\n"
    );
    let o = run("{not json", "{}");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).starts_with("Event pattern is not valid. Reason: Filter is not valid JSON"));
}

#[test]
fn bad_events_exit_2_with_a_clear_message() {
    for (event, message) in [
        (
            "[1, 2]",
            "Event is not valid: it must be a JSON object, not an array",
        ),
        (
            "\"text\"",
            "Event is not valid: it must be a JSON object, not a string",
        ),
        (
            "{\"a\": ",
            "Event is not valid JSON: unexpected end of input at line 1 column 7",
        ),
        (
            "",
            "Event is not valid JSON: no JSON value in input at line 1 column 1",
        ),
        (
            "{} {}",
            "Event is not valid JSON: trailing characters after JSON value at line 1 column 4",
        ),
    ] {
        let o = run(SUCCESS_RULE, event);
        assert_eq!(o.status.code(), Some(2), "{event}");
        assert_eq!(stdout(&o), "", "{event}");
        assert_eq!(stderr(&o).trim_end(), message, "{event}");
    }
}

#[test]
fn hostile_input_is_an_error_not_a_crash() {
    let deep = "[".repeat(100_000);
    let o = run(SUCCESS_RULE, &deep);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("nesting deeper than 128 levels"),
        "{}",
        stderr(&o)
    );
    let o = run(SUCCESS_RULE, "@/nonexistent/event.json");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).starts_with("cannot read /nonexistent/event.json"));
}

#[test]
fn usage_errors_exit_2() {
    let o = Command::new(env!("CARGO_BIN_EXE_evmatch"))
        .args(["test-event-pattern", "--event", "{}"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--event-pattern"));
}

#[test]
fn match_prints_sorted_names_per_event() {
    let o = evmatch(
        &[
            "match",
            "--rules",
            "corpus/destinations/rules.json",
            "corpus/destinations/records.ndjson",
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "[\"big-orders\",\"on-success\",\"orders-accepted\"]\n[\"on-failure\",\"retried-unhandled\"]\n"
    );
}

#[test]
fn match_reads_stdin_and_goes_on_after_a_bad_line() {
    let input = b"{\"source\": \"lambda\", \"detail-type\": \"x - Failure\", \"detail\": {\"requestContext\": {\"condition\": \"EventAgeExceeded\"}}}\n{\"broken\": \n\n[1]\n{}\n";
    let o = evmatch(
        &["match", "--rules", "corpus/destinations/rules.json"],
        input,
    );
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "[\"on-failure\"]\n[]\n");
    assert_eq!(
        stderr(&o),
        "line 2: event is not valid JSON: unexpected end of input at line 1 column 12\nline 4: event is not a JSON object\n"
    );
}

#[test]
fn match_output_does_not_depend_on_threads() {
    let records = std::fs::read_to_string("corpus/destinations/records.ndjson").unwrap();
    let input = records.repeat(3000);
    let rules = ["match", "--rules", "corpus/destinations/rules.json"];
    let one = evmatch(
        &[&rules[..], &["--threads", "1"]].concat(),
        input.as_bytes(),
    );
    let two = evmatch(
        &[&rules[..], &["--threads", "2"]].concat(),
        input.as_bytes(),
    );
    assert_eq!(one.status.code(), Some(0));
    assert_eq!(stdout(&one).lines().count(), 6000);
    assert_eq!(stdout(&one), stdout(&two));
}

#[test]
fn match_rejects_an_invalid_rule_by_name() {
    let dir = std::env::temp_dir().join(format!("evmatch-rules-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("rules.json");
    std::fs::write(&path, r#"{"good": {"a": [1]}, "bad": {"detail": {"requestContext": {"condition": ["Success", {"prefix": 1}]}}}}"#).unwrap();
    let o = evmatch(&["match", "--rules", path.to_str().unwrap()], b"{}\n");
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o).trim_end(),
        format!(
            // The error points into the pattern.
            "{}: rule \"bad\": detail.requestContext.condition[1].prefix: prefix match pattern must be a string",
            path.display()
        )
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn match_numbers_bad_lines_across_blocks_and_threads() {
    // Several MiB: the input is cut into blocks matched by different workers.
    let records = std::fs::read_to_string("corpus/destinations/records.ndjson").unwrap();
    let mut input = String::new();
    for i in 1..=6000 {
        if i == 10 || i == 4321 {
            input.push_str("{\"broken\": \n");
        } else {
            input.push_str(records.lines().nth(i % 2).unwrap());
            input.push('\n');
        }
    }
    input.push_str("{}"); // a last line without its newline
    let rules = ["match", "--rules", "corpus/destinations/rules.json"];
    for threads in ["1", "2", "3"] {
        let o = evmatch(
            &[&rules[..], &["--threads", threads]].concat(),
            input.as_bytes(),
        );
        assert_eq!(o.status.code(), Some(0));
        assert_eq!(stdout(&o).lines().count(), 5999, "threads {threads}");
        assert_eq!(stdout(&o).lines().last(), Some("[]"));
        let errors: Vec<String> = stderr(&o)
            .lines()
            .map(|l| l.split(':').next().unwrap().to_string())
            .collect();
        assert_eq!(errors, ["line 10", "line 4321"], "threads {threads}");
    }
}

/// `count` CityLots events written by `evmatch corpus` to a temporary file.
fn citylots_file(count: usize) -> std::path::PathBuf {
    let o = evmatch(&["corpus", "citylots", "--count", &count.to_string()], b"");
    assert_eq!(o.status.code(), Some(0));
    let dir = std::env::temp_dir().join(format!("evmatch-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("citylots-{count}.ndjson"));
    std::fs::write(&path, &o.stdout).unwrap();
    path
}

#[test]
fn bench_json_is_one_object_with_the_contract_keys() {
    let events = citylots_file(300);
    let events = events.to_str().unwrap();
    for extra in [&[][..], &["--strict"], &["--threads", "2"], &["--baseline"]] {
        let args = [
            &[
                "bench",
                "--rules",
                "corpus/rules/citylots/prefix.json",
                "--events",
                events,
                "--json",
                "--min-seconds",
                "0.05",
            ][..],
            extra,
        ]
        .concat();
        let o = evmatch(&args, b"");
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let report: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(&o.stdout).expect("one JSON object");
        let keys: Vec<&str> = report.keys().map(String::as_str).collect();
        let mut expected = [
            "events",
            "bytes",
            "seconds",
            "events_per_sec",
            "bytes_per_sec",
            "matches",
            "compile_seconds",
            "rules",
        ];
        expected.sort();
        assert_eq!(keys, expected);
        let events = report["events"].as_u64().unwrap();
        // Each thread matches its share of the file a whole number of times.
        let share = if extra.contains(&"--threads") {
            150
        } else {
            300
        };
        assert!(
            events >= 300 && events.is_multiple_of(share),
            "whole passes: {events}"
        );
        let seconds = report["seconds"].as_f64().unwrap();
        assert!(seconds >= 0.05);
        let rate = report["events_per_sec"].as_f64().unwrap();
        assert!((rate - events as f64 / seconds).abs() / rate < 0.01);
        if extra == ["--baseline"] {
            assert_eq!(
                (report["rules"].as_u64(), report["matches"].as_u64()),
                (Some(0), Some(0))
            );
        } else {
            assert_eq!(report["rules"].as_u64(), Some(5));
            // Street prefixes MA, BR, CA, SA and 03 name a good share of the lots.
            let matches = report["matches"].as_u64().unwrap();
            assert!(
                matches > events / 20 && matches < events,
                "{matches} of {events}"
            );
        }
    }
}

#[test]
fn bench_reports_a_bad_event_by_line() {
    let dir = std::env::temp_dir().join(format!("evmatch-badbench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("events.ndjson");
    std::fs::write(&path, "{}\n\n{\"a\": tru}\n").unwrap();
    let o = evmatch(
        &[
            "bench",
            "--rules",
            "corpus/destinations/rules.json",
            "--events",
            path.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("line 3: event is not valid JSON"),
        "{}",
        stderr(&o)
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn generated_rule_sets_are_deterministic_and_load() {
    let args = ["corpus", "rules-mixed", "--count", "200", "--seed", "3"];
    let a = evmatch(&args, b"");
    let b = evmatch(&args, b"");
    assert_eq!(a.status.code(), Some(0));
    assert_eq!(a.stdout, b.stdout);
    let rules: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&a.stdout).expect("the --rules format");
    assert_eq!(rules.len(), 200);
    let dir = std::env::temp_dir().join(format!("evmatch-gen-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("rules.json");
    std::fs::write(&path, &a.stdout).unwrap();
    let events = evmatch(&["corpus", "destinations", "--count", "50"], b"");
    let o = evmatch(
        &["match", "--rules", path.to_str().unwrap()],
        &events.stdout,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o).lines().count(), 50);
    std::fs::remove_dir_all(dir).unwrap();
}
