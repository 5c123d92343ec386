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
    // One output line per input line: `null` for the bad and blank ones; exit 1 for the bad.
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stdout(&o), "[\"on-failure\"]\nnull\nnull\nnull\n[]\n");
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
        assert_eq!(o.status.code(), Some(1));
        let out = stdout(&o);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 6001, "threads {threads}");
        assert_eq!(lines.last(), Some(&"[]"));
        let nulls: Vec<usize> = (0..lines.len()).filter(|&i| lines[i] == "null").collect();
        assert_eq!(nulls, [9, 4320], "threads {threads}");
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

/// Runs `evmatch` with `stdout` as its standard output, standard input fed by `feed` on another
/// thread (which ends when the child closes the pipe), and standard error captured. A hang
/// guard, not a measure: a run past 60 s is killed and fails the test.
fn run_with(
    args: &[&str],
    stdout: std::process::Stdio,
    feed: impl FnOnce(std::process::ChildStdin) + Send + 'static,
) -> Output {
    use std::io::Read;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_evmatch"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(stdout)
        .stderr(Stdio::piped())
        .spawn()
        .expect("run evmatch");
    let input = child.stdin.take().expect("piped stdin");
    let feeder = std::thread::spawn(move || feed(input));
    let mut err = child.stderr.take().expect("piped stderr");
    let reader = std::thread::spawn(move || {
        let mut text = Vec::new();
        err.read_to_end(&mut text).ok();
        text
    });
    let mut out = child.stdout.take();
    let out_reader = std::thread::spawn(move || {
        let mut text = Vec::new();
        if let Some(out) = out.as_mut() {
            out.read_to_end(&mut text).ok();
        }
        text
    });
    let mut waited = 0;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for evmatch") {
            break status;
        }
        if waited >= 60_000 {
            child.kill().ok();
            child.wait().ok();
            panic!("evmatch {args:?} still running after 60 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
        waited += 20;
    };
    feeder.join().ok();
    Output {
        status,
        stdout: out_reader.join().unwrap_or_default(),
        stderr: reader.join().unwrap_or_default(),
    }
}

/// Feeds `bytes` and closes standard input.
fn feeding(bytes: &'static [u8]) -> impl FnOnce(std::process::ChildStdin) + Send + 'static {
    move |mut input| {
        std::io::Write::write_all(&mut input, bytes).ok();
    }
}

/// Feeds zeros without end, until the child closes the pipe.
fn endless(mut input: std::process::ChildStdin) {
    let block = vec![b'0'; 1 << 16];
    while std::io::Write::write_all(&mut input, &block).is_ok() {}
}

const RECORDS: &str = "corpus/destinations/records.ndjson";
const RULES: &str = "corpus/destinations/rules.json";

/// A directory of its own for one test's files.
fn scratch_dir(test: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("evmatch-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn threads_are_at_least_one_and_at_most_the_cores() {
    // The first record of the corpus, alone.
    let records = std::fs::read_to_string(RECORDS).unwrap();
    let first = format!("{}\n", records.lines().next().unwrap());
    let one_line: &'static [u8] = Box::leak(first.into_bytes().into_boxed_slice());
    let answer = "[\"big-orders\",\"on-success\",\"orders-accepted\"]\n";
    // The channel of jobs was sized twice the threads asked: a capacity overflow.
    let o = run_with(
        &[
            "match",
            "--rules",
            RULES,
            "--threads",
            "9223372036854775807",
        ],
        std::process::Stdio::piped(),
        feeding(one_line),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), answer);
    // One thread was spawned per unit asked: a million threads for one line.
    let dir = scratch_dir("threads");
    let events = dir.join("one.ndjson");
    std::fs::write(&events, one_line).unwrap();
    let events = events.to_str().unwrap();
    let o = run_with(
        &["match", "--rules", RULES, "--threads", "1000000", events],
        std::process::Stdio::piped(),
        feeding(b""),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), answer);
    let o = run_with(
        &[
            "bench",
            "--rules",
            RULES,
            "--events",
            events,
            "--threads",
            "1000000",
            "--min-seconds",
            "0",
            "--json",
        ],
        std::process::Stdio::piped(),
        feeding(b""),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // Zero threads is a usage error, not a silent one.
    for command in [
        &["match", "--rules", RULES][..],
        &["bench", "--rules", RULES, "--events", events],
    ] {
        let o = evmatch(&[command, &["--threads", "0"]].concat(), one_line);
        assert_eq!(o.status.code(), Some(2), "{command:?}");
        assert!(
            stderr(&o).contains("'--threads <N>': at least one thread is needed"),
            "{}",
            stderr(&o)
        );
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn bench_refuses_seconds_that_are_not_a_duration() {
    let dir = scratch_dir("seconds");
    let events = dir.join("events.ndjson");
    std::fs::write(&events, "{}\n").unwrap();
    let events = events.to_str().unwrap();
    // `inf` and `1e300` panicked; `nan` and `-1` ran one pass as if asked for none.
    for seconds in ["inf", "1e300", "nan", "-1", "86401", "soon"] {
        let o = evmatch(
            &[
                "bench",
                "--rules",
                RULES,
                "--events",
                events,
                &format!("--min-seconds={seconds}"),
            ],
            b"",
        );
        assert_eq!(o.status.code(), Some(2), "{seconds}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(&format!(
                "invalid value '{seconds}' for '--min-seconds <SECONDS>': must be a number of \
                 seconds from 0 to 86400"
            )),
            "{seconds}: {}",
            stderr(&o)
        );
    }
    let o = evmatch(
        &[
            "bench",
            "--rules",
            RULES,
            "--events",
            events,
            "--min-seconds",
            "0",
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    std::fs::remove_dir_all(dir).unwrap();
}

/// Every command that writes on standard output, with what it needs.
fn writing_commands(dir: &std::path::Path) -> Vec<Vec<String>> {
    let event = dir.join("event.json");
    std::fs::write(
        &event,
        r#"{"detail": {"requestContext": {"condition": "Success"}}}"#,
    )
    .unwrap();
    let event = event.to_str().unwrap().to_string();
    let strings = |args: &[&str]| args.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    vec![
        strings(&[
            "test-event-pattern",
            "--event-pattern",
            SUCCESS_RULE,
            "--event",
            &format!("@{event}"),
        ]),
        strings(&["check", RULES]),
        strings(&["explain", "--rules", RULES, &event]),
        strings(&[
            "bench",
            "--rules",
            RULES,
            "--events",
            RECORDS,
            "--min-seconds",
            "0",
        ]),
        strings(&["match", "--rules", RULES, RECORDS]),
        strings(&["match", "--rules", RULES, RECORDS, "--threads", "1"]),
        strings(&["corpus", "destinations", "--count", "10"]),
    ]
}

#[test]
fn a_closed_standard_output_ends_the_command_quietly() {
    // `evmatch ... | head -1`: the reader is gone before anything is written. Each command
    // ends, exit 0, nothing on stderr, as Unix tools end on a closed pipe.
    let dir = scratch_dir("closed");
    for args in writing_commands(&dir) {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = run_with(&args, writer.into(), feeding(b""));
        assert_eq!(
            (o.status.code(), stderr(&o).as_str()),
            (Some(0), ""),
            "{args:?}"
        );
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_standard_output_is_an_error() {
    // `> /dev/full`: the disk is full; say so, exit 2.
    let dir = scratch_dir("full");
    for args in writing_commands(&dir) {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = run_with(&args, full.into(), feeding(b""));
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert_eq!(
            stderr(&o).lines().collect::<Vec<_>>(),
            ["cannot write: No space left on device (os error 28)"],
            "{args:?}"
        );
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn reading_stops_past_the_limit() {
    // Standard input without end: read up to the limit and one byte, then refused (it was
    // read whole first, which never ends).
    let event_limit = "input larger than 16777216 bytes";
    for args in [
        &[
            "test-event-pattern",
            "--event-pattern",
            SUCCESS_RULE,
            "--event",
            "@-",
        ][..],
        &["explain", "--rules", RULES, "-"],
    ] {
        let o = run_with(args, std::process::Stdio::piped(), endless);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert_eq!(
            stderr(&o).trim_end(),
            format!("cannot read standard input: {event_limit}"),
            "{args:?}"
        );
    }
    let o = run_with(
        &[
            "test-event-pattern",
            "--event-pattern",
            "@-",
            "--event",
            "{}",
        ],
        std::process::Stdio::piped(),
        endless,
    );
    assert_eq!(
        stderr(&o).trim_end(),
        "cannot read standard input: input larger than 262144 bytes"
    );
    // A file that says it is larger than the limit is refused before it is read: a sparse
    // file of 5 GiB takes no disk, and was read whole.
    let dir = scratch_dir("sparse");
    let huge = dir.join("huge.json");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(5 << 30)
        .unwrap();
    let huge = huge.to_str().unwrap();
    for (args, limit) in [
        (vec!["check", huge], 1usize << 30),
        (vec!["match", "--rules", huge], 1 << 30),
        (vec!["explain", "--rules", RULES, huge], 16 << 20),
        (
            vec![
                "test-event-pattern",
                "--event-pattern",
                SUCCESS_RULE,
                "--event",
            ],
            16 << 20,
        ),
    ] {
        let mut args = args;
        let at = format!("@{huge}");
        if args[0] == "test-event-pattern" {
            args.push(&at);
        }
        let o = run_with(&args, std::process::Stdio::piped(), feeding(b""));
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert_eq!(
            stderr(&o).trim_end(),
            format!("cannot read {huge}: input larger than {limit} bytes"),
            "{args:?}"
        );
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn rule_names_have_a_size_limit() {
    use evmatch::rules::{RuleFile, RuleFileError, MAX_RULE_NAME_SIZE};
    let file =
        |name: &str| format!("{{\n  \"ok\": {{\"a\": [1]}},\n  \"{name}\": {{\"b\": [2]}}\n}}");
    let longest = "n".repeat(MAX_RULE_NAME_SIZE);
    assert_eq!(RuleFile::parse(file(&longest).as_bytes()).unwrap().len(), 2);
    let rules: evmatch::Ruleset<String> = evmatch::Ruleset::new();
    assert_eq!(rules.add_json_rules(file(&longest).as_bytes()), Ok(2));
    // A name of 10 MB was accepted, and kept for every match reported.
    let huge = "n".repeat(10_000_000);
    let expected = RuleFileError::NameTooLong {
        start: "n".repeat(32),
        size: 10_000_000,
        line: 3,
    };
    assert_eq!(
        RuleFile::parse(file(&huge).as_bytes()).unwrap_err(),
        expected
    );
    let rules: evmatch::Ruleset<String> = evmatch::Ruleset::new();
    assert_eq!(rules.add_json_rules(file(&huge).as_bytes()), Err(expected));
    assert!(rules.is_empty());
    let dir = scratch_dir("names");
    let path = dir.join("rules.json");
    std::fs::write(&path, file(&huge)).unwrap();
    let path = path.to_str().unwrap();
    for args in [
        &["match", "--rules", path][..],
        &["check", path],
        &["explain", "--rules", path, RECORDS],
    ] {
        let o = evmatch(args, b"{}\n");
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert_eq!(
            stderr(&o).trim_end(),
            format!(
                "{path}: the rule name at line 3 (\"{}\"...) is 10000000 bytes long; at most \
                 256 are allowed",
                "n".repeat(32)
            ),
            "{args:?}"
        );
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_rule_named_twice_in_a_file_is_refused() {
    let text = "{\n  \"twice\": {\"source\": [\"lambda\"]},\n  \"other\": {\"a\": [1]},\n  \
                \"twice\": {\"source\": [\"sqs\"]}\n}";
    let message = "rule \"twice\" is named twice: at line 4, and first at line 2";
    // The library: the file is refused as a whole, and the set is left as it was.
    let rules: evmatch::Ruleset<String> = evmatch::Ruleset::new();
    rules
        .add_json("before".to_string(), r#"{"a": [2]}"#)
        .unwrap();
    let err = rules.add_json_rules(text.as_bytes()).unwrap_err();
    assert_eq!(err.to_string(), message);
    assert_eq!(rules.len(), 1);
    let err = evmatch::rules::RuleFile::parse(text.as_bytes()).unwrap_err();
    assert_eq!(err.to_string(), message);
    // `add` under a name the set holds still ORs, as documented.
    rules
        .add_json("before".to_string(), r#"{"a": [3]}"#)
        .unwrap();
    assert_eq!(rules.matches(br#"{"a": 3}"#).unwrap(), ["before"]);
    // The command line, from a file and from standard input.
    let dir = scratch_dir("twice");
    let path = dir.join("rules.json");
    std::fs::write(&path, text).unwrap();
    let path = path.to_str().unwrap();
    for (args, stdin, name) in [
        (&["match", "--rules", path][..], &b"{}\n"[..], path),
        (&["check", path], b"", path),
        (&["check", "-"], text.as_bytes(), "-"),
        (&["explain", "--rules", path, RECORDS], b"", path),
    ] {
        let o = evmatch(args, stdin);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert_eq!(
            stderr(&o).trim_end(),
            format!("{name}: {message}"),
            "{args:?}"
        );
        assert_eq!(stdout(&o), "", "{args:?}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn file_urls_name_files_as_in_the_aws_cli() {
    let dir = scratch_dir("file-url");
    let pattern = dir.join("pattern.json");
    std::fs::write(&pattern, SUCCESS_RULE).unwrap();
    let url = format!("file://{}", pattern.display());
    let o = run(&url, "file://corpus/destinations/success.json");
    assert_eq!(
        (o.status.code(), stdout(&o).as_str()),
        (Some(0), "{\"Result\": true}\n"),
        "{}",
        stderr(&o)
    );
    let o = run(SUCCESS_RULE, "file:///nonexistent/event.json");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).starts_with("cannot read /nonexistent/event.json: "));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn standard_input_is_read_once_and_every_unreadable_argument_is_named() {
    // `bench --events -` reads standard input, as every other file argument may.
    let records = std::fs::read(RECORDS).unwrap();
    let o = evmatch(
        &[
            "bench",
            "--rules",
            RULES,
            "--events",
            "-",
            "--min-seconds",
            "0",
            "--json",
        ],
        &records,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // Two arguments that would both read standard input: the second would find it empty.
    for (args, first, second) in [
        (&["match", "--rules", "-", "-"][..], "--rules", "EVENTS"),
        (&["match", "--rules", "-"], "--rules", "EVENTS"),
        (
            &["bench", "--rules", "-", "--events", "-"],
            "--rules",
            "--events",
        ),
        (&["explain", "--rules", "-"], "--rules", "EVENT"),
        (
            &[
                "test-event-pattern",
                "--event-pattern",
                "@-",
                "--event",
                "@-",
            ],
            "--event-pattern",
            "--event",
        ),
    ] {
        let o = evmatch(args, b"{}\n");
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert_eq!(
            stderr(&o).trim_end(),
            format!(
                "{first} and {second} both read standard input, which can be read once: give \
                 one of them as a file"
            ),
            "{args:?}"
        );
    }
    // A directory where a file belongs: the message names it.
    let dir = scratch_dir("directory");
    let name = dir.to_str().unwrap();
    for args in [
        &["match", "--rules", RULES, name][..],
        &["match", "--rules", name, RECORDS],
        &["bench", "--rules", RULES, "--events", name],
        &["check", name],
        &["explain", "--rules", RULES, name],
    ] {
        let o = evmatch(args, b"");
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert_eq!(
            stderr(&o).trim_end(),
            format!("cannot read {name}: it is a directory"),
            "{args:?}"
        );
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn check_counts_the_rules_that_use_wildcards() {
    // Two rules with the same wildcard share one condition in the compiled set: "1 wildcards".
    let rules = r#"{"a": {"arn": [{"wildcard": "*:function:*"}]},
                    "b": {"arn": [{"wildcard": "*:function:*"}]},
                    "c": {"arn": [{"anything-but": {"wildcard": "*:layer:*"}}]},
                    "d": {"source": ["lambda"]}}"#;
    let o = evmatch(&["check", "-"], rules.as_bytes());
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout(&o).contains(", 3 rules with wildcards, "),
        "{}",
        stdout(&o)
    );
    let o = evmatch(&["check", "-", "--json"], rules.as_bytes());
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["wildcard_rules"], 3);
    let one = r#"{"a": {"arn": [{"wildcard": "*:function:*"}]}, "d": {"source": ["lambda"]}}"#;
    let o = evmatch(&["check", "-"], one.as_bytes());
    assert!(
        stdout(&o).contains(", 1 rule with wildcards, "),
        "{}",
        stdout(&o)
    );
}
