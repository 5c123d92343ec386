//! Shared loading of the JSONL case files used by the conformance tests, and a runner of the
//! command line.
#![allow(dead_code)]

use evmatch::json::Json;

/// One recorded case: a pattern, an event, and the outcome.
pub struct Case {
    pub name: String,
    pub pattern: String,
    pub event: Json,
    pub expected: Expected,
}

#[derive(Debug, PartialEq)]
pub enum Expected {
    Match,
    NoMatch,
    /// An invalid pattern, with AWS's message when it is known.
    Error(Option<String>),
}

fn member<'a>(object: &'a Json, key: &str) -> Option<&'a Json> {
    let Json::Object(members) = object else {
        panic!("case is not an object")
    };
    members.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

fn string(object: &Json, key: &str) -> Option<String> {
    match member(object, key) {
        Some(Json::String(s)) => Some(s.clone()),
        _ => None,
    }
}

/// Reads a JSONL file of `{name, pattern, event, expected, aws_error?}` lines. The pattern is
/// handed back as text, as written in the file, so that member order and number spelling are
/// preserved.
pub fn load(path: &str) -> Vec<Case> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let case = Json::parse(line.as_bytes()).expect("case line is JSON");
            let expected = match string(&case, "expected").as_deref() {
                Some("match") => Expected::Match,
                Some("no-match") => Expected::NoMatch,
                Some("error") => Expected::Error(string(&case, "aws_error")),
                other => panic!("unknown expectation {other:?}"),
            };
            Case {
                name: string(&case, "name").expect("name"),
                pattern: member(&case, "pattern").expect("pattern").to_string(),
                event: member(&case, "event").expect("event").clone(),
                expected,
            }
        })
        .collect()
}

/// Runs `evmatch` with `args`, feeding `stdin` from another thread (see [`run`]).
pub fn evmatch(args: &[&str], stdin: &[u8]) -> std::process::Output {
    run(
        std::path::Path::new(env!("CARGO_BIN_EXE_evmatch")),
        args,
        stdin,
    )
}

/// Runs `program` with `args`, feeding `stdin` from another thread: with large inputs the child
/// fills its stdout pipe before it has read all of stdin, and a single-threaded writer would
/// deadlock against it. A child that exits before reading (an invalid rule file) closes the
/// pipe, so write errors are ignored.
pub fn run(program: &std::path::Path, args: &[&str], stdin: &[u8]) -> std::process::Output {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
    let mut pipe = child.stdin.take().expect("piped stdin");
    let input = stdin.to_vec();
    let feeder = std::thread::spawn(move || pipe.write_all(&input));
    let out = child.wait_with_output().expect("the program ran");
    let _ = feeder.join().expect("the feeder ran");
    out
}
