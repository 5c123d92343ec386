//! The `test-event-pattern` command as other programs call it: arguments, stdout, stderr and
//! exit codes.

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

fn evmatch(args: &[&str], stdin: &[u8]) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_evmatch"))
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run evmatch");
    // Feed stdin from another thread: with large inputs the child fills its
    // stdout pipe before it has read all of stdin, and a single-threaded
    // writer would deadlock against it. A child that exits before reading
    // (an invalid rule file) closes the pipe, so write errors are ignored.
    let mut pipe = child.stdin.take().unwrap();
    let input = stdin.to_vec();
    let feeder = std::thread::spawn(move || pipe.write_all(&input));
    let out = child.wait_with_output().unwrap();
    let _ = feeder.join().unwrap();
    out
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
    std::fs::write(&path, r#"{"good": {"a": [1]}, "bad": {"a": []}}"#).unwrap();
    let o = evmatch(&["match", "--rules", path.to_str().unwrap()], b"{}\n");
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o).trim_end(),
        format!(
            "{}: rule \"bad\": Event pattern is not valid. Reason: Empty arrays are not allowed",
            path.display()
        )
    );
    std::fs::remove_dir_all(dir).unwrap();
}
