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
