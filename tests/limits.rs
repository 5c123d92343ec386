//! Hostile input gets a clear error, never a panic, a stack overflow, a hang or unbounded
//! memory: through the library, and through the command line (`test-event-pattern` exits 2 with
//! one line on stderr; `match` reports `line N: reason` and goes on).

mod common;

use common::evmatch;
use std::process::Output;

use evmatch::json::{Json, JsonErrorKind, ParseLimits};
use evmatch::pattern::{ErrorKind, Limits};
use evmatch::ruleset::MAX_EVENT_SIZE;
use evmatch::EventError;
use evmatch::{explain, json, pattern, reference};
use evmatch::{Pattern, Ruleset, Validation};

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `test-event-pattern` on a hostile event (given through a file): exit 2, one line that says
/// why.
fn cli_rejects_event(event: &[u8], reason: &str) {
    let dir = std::env::temp_dir().join(format!("evmatch-limits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("event-{}.json", event.len()));
    std::fs::write(&path, event).unwrap();
    let o = evmatch(
        &[
            "test-event-pattern",
            "--event-pattern",
            r#"{"a": [{"exists": true}]}"#,
            "--event",
            &format!("@{}", path.display()),
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(2), "{reason}");
    let message = stderr(&o);
    assert_eq!(message.trim_end().lines().count(), 1, "{message}");
    assert!(message.contains(reason), "{message} lacks {reason}");
    std::fs::remove_file(path).unwrap();
}

/// The same event through `match --strict`: the line is reported and matching goes on.
fn match_reports_event(event: &[u8], reason: &str) {
    let mut input = event.to_vec();
    input.extend_from_slice(b"\n{\"source\": \"lambda\"}\n");
    let o = evmatch(
        &[
            "match",
            "--strict",
            "--rules",
            "corpus/destinations/rules.json",
        ],
        &input,
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "null\n[]\n");
    let message = stderr(&o);
    assert!(message.starts_with("line 1: "), "{message}");
    assert!(message.contains(reason), "{message} lacks {reason}");
}

/// The library's strict reader, and the fast one when the hostile part is on a rule's path.
fn library_rejects_event(event: &[u8], kind: impl Fn(&JsonErrorKind) -> bool) {
    readers_reject_event(event, &[Validation::Strict, Validation::Fast], kind)
}

fn readers_reject_event(
    event: &[u8],
    readers: &[Validation],
    kind: impl Fn(&JsonErrorKind) -> bool,
) {
    for &validation in readers {
        let rules = Ruleset::with_validation(validation);
        rules.add_json("a", r#"{"a": [{"exists": true}]}"#).unwrap();
        match rules.matches(event) {
            Err(EventError::Malformed(e)) => assert!(kind(e.kind()), "{validation:?}: {e}"),
            other => panic!("{validation:?}: {other:?}"),
        }
    }
    assert!(Json::parse(event).map_err(|e| kind(e.kind())).unwrap_err());
}

#[test]
fn deep_nesting_is_an_error() {
    for open in [&b"["[..], b"{\"a\":"] {
        let mut event = b"{\"a\":".to_vec();
        for _ in 0..100_000 {
            event.extend_from_slice(open);
        }
        library_rejects_event(&event, |k| {
            matches!(k, JsonErrorKind::TooDeep { limit: 128 })
        });
        cli_rejects_event(&event, "nesting deeper than 128 levels");
        match_reports_event(&event, "nesting deeper than 128 levels");
    }
    // Deep but within the limit, under a member no rule names: skipped, fine.
    let event = format!(
        r#"{{"b": {}1{}, "a": 1}}"#,
        "[".repeat(120),
        "]".repeat(120)
    );
    let rules = Ruleset::new();
    rules.add_json("a", r#"{"a": [1]}"#).unwrap();
    assert_eq!(rules.matches(event.as_bytes()).unwrap(), ["a"]);
}

#[test]
fn an_event_over_16_mib_is_an_error() {
    let event = format!(r#"{{"a": "{}"}}"#, "x".repeat(MAX_EVENT_SIZE));
    library_rejects_event(
        event.as_bytes(),
        |k| matches!(k, JsonErrorKind::TooLarge { limit } if *limit == MAX_EVENT_SIZE),
    );
    cli_rejects_event(event.as_bytes(), "input larger than 16777216 bytes");
    // `match` keeps memory bounded: the line is cut, reported, and the next one matched.
    let o = evmatch(
        &["match", "--rules", "corpus/destinations/rules.json"],
        format!("{event}{event}\n{{\"source\": \"lambda\"}}\n").as_bytes(),
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "null\n[]\n");
    assert!(stderr(&o).starts_with("line 1: event is not valid JSON: input larger than"));
}

#[test]
fn match_reads_every_line_around_a_line_over_16_mib() {
    // Enough lines before and after to fill several read blocks, the long line between them
    // (read in many pieces, cut, its rest dropped), and a last line without its newline.
    let small = |i: usize| {
        format!(
            "{{\"source\": \"lambda\", \"n\": {i}, \"pad\": \"{}\"}}\n",
            "p".repeat(i % 97)
        )
    };
    let mut input = String::new();
    for i in 0..20_000 {
        input.push_str(&small(i));
    }
    // One line long enough to be read in many pieces, one that ends just past the bound.
    for extra in [100_000, 10] {
        let long = format!(r#"{{"a": "{}"}}"#, "x".repeat(MAX_EVENT_SIZE + extra));
        input.push_str(&long);
        input.push('\n');
        for i in 0..20_000 {
            input.push_str(&small(i));
        }
    }
    input.push_str(r#"{"source": "lambda"}"#);
    let dir = std::env::temp_dir().join(format!("evmatch-reader-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (rules, events) = (dir.join("rules.json"), dir.join("events.ndjson"));
    std::fs::write(&rules, r#"{"all": {"source": ["lambda"]}}"#).unwrap();
    std::fs::write(&events, &input).unwrap();
    // One thread reads, matches and writes in turn; more share the work. A file, named or
    // given as standard input, is mapped; a pipe is read block by block, its long line cut
    // and its rest dropped. All must see the same lines.
    for threads in ["1", "2"] {
        for how in [Input::Named, Input::Redirected, Input::Piped] {
            let what = format!("threads {threads}, {how:?}");
            let mut args = vec!["match", "--rules", rules.to_str().unwrap()];
            args.extend(["--threads", threads]);
            if how == Input::Named {
                args.push(events.to_str().unwrap());
            }
            let o = match how {
                Input::Named => evmatch(&args, b""),
                Input::Redirected => evmatch_reading(&args, &events),
                Input::Piped => evmatch(&args, input.as_bytes()),
            };
            assert_eq!(o.status.code(), Some(1), "{what}");
            let out = String::from_utf8_lossy(&o.stdout);
            assert_eq!(out.lines().count(), 60_003, "{what}");
            for (i, line) in out.lines().enumerate() {
                let expected = if [20_000, 40_001].contains(&i) {
                    "null"
                } else {
                    r#"["all"]"#
                };
                assert_eq!(line, expected, "{what}: line {}", i + 1);
            }
            let err = stderr(&o);
            let lines: Vec<&str> = err.lines().collect();
            assert_eq!(lines.len(), 2, "{what}: {err}");
            for (line, number) in lines.iter().zip([20_001, 40_002]) {
                let expected = format!("line {number}: event is not valid JSON: input larger than");
                assert!(line.starts_with(&expected), "{what}: {err}");
            }
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn match_reads_redirected_input_from_where_it_stands() {
    // A shell that consumed the first line (`{ read -r first; evmatch match …; } < file`)
    // leaves standard input past it: `match` must start there, not at the file's start.
    let dir = std::env::temp_dir().join(format!("evmatch-offset-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (rules, events) = (dir.join("rules.json"), dir.join("events.ndjson"));
    std::fs::write(&rules, r#"{"b": {"n": [2]}, "a": {"n": [1]}}"#).unwrap();
    std::fs::write(&events, "{\"n\": 1}\n{\"n\": 2}\n{\"n\" 1}\n").unwrap();
    for threads in ["1", "2"] {
        let mut file = std::fs::File::open(&events).unwrap();
        std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(9)).unwrap();
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_evmatch"))
            .args([
                "match",
                "--rules",
                rules.to_str().unwrap(),
                "--threads",
                threads,
            ])
            .stdin(file)
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&o.stdout),
            "[\"b\"]\nnull\n",
            "threads {threads}"
        );
        assert!(
            stderr(&o).starts_with("line 2: "),
            "threads {threads}: {}",
            stderr(&o)
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// How `match` gets its events.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Input {
    /// A path on the command line.
    Named,
    /// Standard input redirected from the file (`< file`).
    Redirected,
    /// Standard input from a pipe.
    Piped,
}

/// `evmatch` with standard input read from `file`.
fn evmatch_reading(args: &[&str], file: &std::path::Path) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_evmatch"))
        .args(args)
        .stdin(std::fs::File::open(file).unwrap())
        .output()
        .unwrap()
}

#[test]
fn invalid_utf8_and_lone_surrogates_are_errors() {
    library_rejects_event(b"{\"a\": \"\xff\xfe\"}", |k| {
        matches!(k, JsonErrorKind::InvalidUtf8)
    });
    cli_rejects_event(b"{\"a\": \"\xff\xfe\"}", "UTF-8");
    match_reports_event(b"{\"a\": \"\xc3\x28\"}", "UTF-8");
    for surrogate in [
        r#"{"a": "\ud800"}"#,
        r#"{"a": "\udc00x"}"#,
        r#"{"a": "\ud800\u0041"}"#,
    ] {
        library_rejects_event(surrogate.as_bytes(), |k| {
            matches!(
                k,
                JsonErrorKind::InvalidEscape | JsonErrorKind::LoneSurrogate
            )
        });
        cli_rejects_event(surrogate.as_bytes(), "surrogate");
        match_reports_event(surrogate.as_bytes(), "surrogate");
    }
    // A valid pair is one character.
    let rules = Ruleset::new();
    rules.add_json("pair", r#"{"a": ["😀"]}"#).unwrap();
    assert_eq!(
        rules.matches(br#"{"a": "\ud83d\ude00"}"#).unwrap(),
        ["pair"]
    );
}

#[test]
fn odd_numbers_are_numbers_with_a_clear_meaning() {
    let rules = Ruleset::new();
    // 1e400 is far outside the comparable domain: it equals only its own spelling.
    rules.add_json("huge", r#"{"n": [1e400]}"#).unwrap();
    rules
        .add_json("positive", r#"{"n": [{"numeric": [">", 0]}]}"#)
        .unwrap();
    rules.add_json("zero", r#"{"n": [0]}"#).unwrap();
    let names = |event: &str| {
        let mut n = rules.matches(event.as_bytes()).unwrap();
        n.sort();
        n
    };
    assert_eq!(names(r#"{"n": 1e400}"#), ["huge"]);
    assert!(names(r#"{"n": 1E400}"#).is_empty());
    // -0 is zero; 1E-400 has more than six decimals, so it compares with nothing.
    assert_eq!(names(r#"{"n": -0}"#), ["zero"]);
    assert_eq!(names(r#"{"n": -0.0}"#), ["zero"]);
    assert!(names(r#"{"n": 1E-400}"#).is_empty());
    // The same through the command line.
    let o = evmatch(
        &[
            "test-event-pattern",
            "--event-pattern",
            r#"{"n": [0]}"#,
            "--event",
            r#"{"n": -0}"#,
        ],
        b"",
    );
    assert_eq!(String::from_utf8_lossy(&o.stdout), "{\"Result\": true}\n");
    // A pattern number beyond the domain in `numeric` is AWS's error.
    let err = Pattern::parse(r#"{"n": [{"numeric": [">", 1e400]}]}"#).unwrap_err();
    assert!(
        err.to_string().contains("between -5.0E9 and 5.0E9")
            || err.to_string().contains("Overflow"),
        "{err}"
    );
}

#[test]
fn duplicate_keys_count_every_value_on_the_command_line_too() {
    let o = evmatch(
        &[
            "test-event-pattern",
            "--event-pattern",
            r#"{"a": ["b"]}"#,
            "--event",
            r#"{"a": "x", "a": "b"}"#,
        ],
        b"",
    );
    assert_eq!(String::from_utf8_lossy(&o.stdout), "{\"Result\": true}\n");
    let dir = std::env::temp_dir().join(format!("evmatch-dup-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let rules = dir.join("rules.json");
    std::fs::write(&rules, r#"{"b": {"a": ["b"]}}"#).unwrap();
    for strict in [&[][..], &["--strict"]] {
        let args = [&["match", "--rules", rules.to_str().unwrap()][..], strict].concat();
        let o = evmatch(&args, b"{\"a\": \"b\", \"a\": \"x\"}\n");
        assert_eq!(String::from_utf8_lossy(&o.stdout), "[\"b\"]\n");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn duplicate_keys_count_every_value() {
    // JSON allows them; every value of a repeated key is a value of the field, fast or strict.
    for validation in [Validation::Fast, Validation::Strict] {
        let rules = Ruleset::with_validation(validation);
        rules.add_json("b", r#"{"a": ["b"]}"#).unwrap();
        assert_eq!(rules.matches(br#"{"a": "x", "a": "b"}"#).unwrap(), ["b"]);
        assert_eq!(rules.matches(br#"{"a": "b", "a": "x"}"#).unwrap(), ["b"]);
    }
}

#[test]
fn trailing_garbage_and_empty_input_are_errors() {
    for event in [&b"{\"a\": 1} x"[..], b"{\"a\": 1}{}", b"{\"a\": 1}]"] {
        readers_reject_event(event, &[Validation::Strict], |k| {
            matches!(k, JsonErrorKind::TrailingCharacters)
        });
        cli_rejects_event(event, "trailing characters");
        match_reports_event(event, "trailing characters");
        // The fast reader stops once `a` is read: what follows is not read (as the README says).
        let fast = Ruleset::new();
        fast.add_json("a", r#"{"a": [{"exists": true}]}"#).unwrap();
        assert_eq!(fast.matches(event).unwrap(), ["a"]);
    }
    // Where the fast reader does read to the end, it sees the garbage too.
    let fast = Ruleset::new();
    fast.add_json("b", r#"{"b": [1]}"#).unwrap();
    assert!(fast.matches(b"{\"a\": 1} x").is_err());
    for event in [&b""[..], b"   ", b"\n\t"] {
        library_rejects_event(event, |k| matches!(k, JsonErrorKind::Empty));
        cli_rejects_event(event, "no JSON value");
    }
}

#[test]
fn pattern_limits_are_errors_with_their_path() {
    let deep = format!(r#"{}"a": [1]{}"#, "{\"x\": ".repeat(70), "}".repeat(70));
    let deep = format!("{{{}}}", &deep[..]);
    let err = Pattern::parse(&deep).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::Json(_) | ErrorKind::TooDeep { .. }),
        "{err}"
    );

    let huge = format!(r#"{{"a": ["{}"]}}"#, "x".repeat(300 << 10));
    let err = Pattern::parse(&huge).unwrap_err();
    assert!(err.to_string().contains("larger than"), "{err}");

    let many: Vec<String> = (0..10_001).map(|i| format!("\"v{i}\"")).collect();
    let text = format!(r#"{{"detail": {{"a": [{}]}}}}"#, many.join(","));
    let err = Pattern::parse(&text).unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::TooManyValues { limit: 10_000 });
    assert_eq!(err.path().to_string(), "detail.a");
    let ok = format!(r#"{{"a": [{}]}}"#, many[..10_000].join(","));
    assert!(Pattern::parse(&ok).is_ok());
    let tighter = Limits {
        max_values: 10,
        ..Limits::default()
    };
    assert!(Pattern::parse_with(&ok, &tighter).is_err());

    let branches = format!(
        r#"{{{}}}"#,
        (0..11)
            .map(|i| format!(r#""$or": [{{"a{i}": [1]}}, {{"b{i}": [2]}}]"#))
            .collect::<Vec<_>>()
            .join(", ")
    );
    // Every `$or` of an object multiplies the branches: 2^11 is over the limit.
    let err = Pattern::parse(&branches).unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::TooManyBranches { limit: 1024 });
    let nested = (0..11).fold(String::from(r#"{"z": [0]}"#), |inner, i| {
        format!(r#"{{"$or": [{inner}, {{"a{i}": [1]}}], "b{i}": [{{"exists": true}}]}}"#)
    });
    assert!(Pattern::parse(&nested).is_ok(), "a few branches");

    // Wildcards AWS calls too complex are rejected with AWS's reason (`tests/pattern_errors.rs`
    // holds AWS's own examples); the measure itself is bounded, so a pathological one is
    // rejected at once (the walk's work is counted in `pattern::wildcard`'s tests).
    let err = Pattern::parse(&format!(
        r#"{{"a": [{{"wildcard": "{}"}}]}}"#,
        "*a".repeat(2000)
    ))
    .unwrap_err();
    assert!(err.to_string().contains("Rule is too complex"), "{err}");

    // Through the command line: exit 2, one line.
    let dir = std::env::temp_dir().join(format!("evmatch-huge-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("huge.json"), &huge).unwrap();
    let huge_file = format!("@{}", dir.join("huge.json").display());
    for (pattern, reason) in [
        (huge_file.as_str(), "larger than"),
        (
            r#"{"a": [{"wildcard": "*:*:*:*:*:event-bus/*"}]}"#,
            "Rule is too complex",
        ),
    ] {
        let o = evmatch(
            &[
                "test-event-pattern",
                "--event-pattern",
                pattern,
                "--event",
                "{}",
            ],
            b"",
        );
        assert_eq!(o.status.code(), Some(2));
        assert!(stderr(&o).contains(reason), "{}", stderr(&o));
        assert_eq!(stderr(&o).trim_end().lines().count(), 1);
    }
    std::fs::remove_dir_all(dir).unwrap();
    let o = evmatch(
        &[
            "test-event-pattern",
            "--event-pattern",
            &text,
            "--event",
            "{}",
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("more than 10000 values"),
        "{}",
        stderr(&o)
    );
    let o = evmatch(
        &[
            "test-event-pattern",
            "--event-pattern",
            &deep,
            "--event",
            "{}",
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o).trim_end().lines().count(), 1);
}

#[test]
fn limits_raised_past_what_the_stack_holds_are_clamped() {
    // Each reader recurses once per level: a caller's limit over the ceiling is clamped to it,
    // and the error names the limit applied. (These run on a test thread: 2 MiB of stack.)
    let unlimited = ParseLimits {
        max_depth: usize::MAX,
        max_size: usize::MAX,
    };
    for open in [&b"["[..], b"{\"a\":"] {
        let deep = open.repeat(1_000_000);
        let err = Json::parse_with(&deep, &unlimited).unwrap_err();
        assert_eq!(
            err.kind(),
            &JsonErrorKind::TooDeep {
                limit: json::MAX_DEPTH
            }
        );
    }
    let at_ceiling = format!(
        "{}1{}",
        "{\"a\": ".repeat(json::MAX_DEPTH),
        "}".repeat(json::MAX_DEPTH)
    );
    assert!(Json::parse_with(at_ceiling.as_bytes(), &unlimited).is_ok());

    let no_limits = Limits {
        max_size: usize::MAX,
        max_depth: usize::MAX,
        max_branches: usize::MAX,
        max_values: usize::MAX,
    };
    let deep = format!("{}[1]{}", r#"{"a": "#.repeat(100_000), "}".repeat(100_000));
    let err = Pattern::parse_with(&deep, &no_limits).unwrap_err();
    assert!(
        err.to_string().contains(&format!(
            "nesting deeper than {} levels",
            pattern::MAX_DEPTH
        )),
        "{err}"
    );
    // The deepest pattern the ceiling lets through (its objects and the array of values)
    // is read and validated within the stack.
    let objects = pattern::MAX_DEPTH - 1;
    let deepest = format!("{}[1]{}", r#"{"a": "#.repeat(objects), "}".repeat(objects));
    let parsed = Pattern::parse_with(&deepest, &no_limits).unwrap();
    assert_eq!(
        parsed.branches()[0].fields()[0].path().len(),
        2 * objects - 1
    );

    // Twenty `$or`s of two multiply out to 2^20 branches: refused at the ceiling, whose cost
    // is that of building its branches, not a million.
    let ors: Vec<String> = (0..20)
        .map(|i| format!(r#""$or": [{{"a{i}": [1]}}, {{"b{i}": [2]}}]"#))
        .collect();
    let product = format!("{{{}}}", ors.join(", "));
    let err = Pattern::parse_with(&product, &no_limits).unwrap_err();
    assert_eq!(
        err.kind(),
        &ErrorKind::TooManyBranches {
            limit: pattern::MAX_BRANCHES
        }
    );
}

#[test]
fn events_built_in_code_at_any_depth_are_matched_explained_and_dropped() {
    // The readers refuse such text, but `Json` values built in code have no bound: matching,
    // explaining and dropping them must not recurse once per level.
    let rule = Pattern::parse(r#"{"a": [1]}"#).unwrap();
    let mut arrays = Json::Number("1".to_string());
    for _ in 0..100_000 {
        arrays = Json::Array(vec![arrays]);
    }
    // Deeper than any reader accepts: it matches nothing (as such text is an error for a rule
    // set), and the explanation says why.
    let event = Json::Object(vec![("a".to_string(), arrays)]);
    let too_deep = format!(
        "no match\n  the event nests deeper than {} levels, which no JSON reader accepts",
        json::MAX_DEPTH
    );
    assert!(!reference::matches(&rule, &event));
    assert_eq!(explain::explain(&rule, &event).to_string(), too_deep);
    drop(event);

    let mut objects = Json::Number("1".to_string());
    for _ in 0..100_000 {
        objects = Json::Object(vec![("a".to_string(), objects)]);
    }
    let exists = Pattern::parse(r#"{"a": {"a": {"a": [{"exists": false}]}}}"#).unwrap();
    assert!(!reference::matches(&exists, &objects));
    assert_eq!(explain::explain(&exists, &objects).to_string(), too_deep);
    drop(objects);

    // At the deepest a reader accepts, the value is matched as usual.
    let mut within = Json::Number("1".to_string());
    for _ in 0..json::MAX_DEPTH - 1 {
        within = Json::Array(vec![within]);
    }
    let event = Json::Object(vec![("a".to_string(), within)]);
    assert!(reference::matches(&rule, &event));
    assert!(explain::explain(&rule, &event).matched());
}

#[test]
fn fast_and_strict_reading_report_the_same_fault_at_the_same_place() {
    // The fast reader decodes a string on a rule's path only when it looks it up: its faults
    // were placed at "line 1 column 1" (of the string alone), and a `\u` escape cut short by
    // the closing quote was "unexpected end of input".
    for (event, kind, line, column) in [
        (
            &b"{\"a\": \"\xff\xfe\"}"[..],
            JsonErrorKind::InvalidUtf8,
            1,
            8,
        ),
        (
            b"{\"b\": 1,\n \"a\": \"ok\\n\\u00e9\xc3\x28\"}",
            JsonErrorKind::InvalidUtf8,
            2,
            18,
        ),
        (br#"{"a": "\u00"}"#, JsonErrorKind::InvalidEscape, 1, 8),
        (br#"{"a": "x\q"}"#, JsonErrorKind::InvalidEscape, 1, 9),
        (br#"{"a": "\ud800"}"#, JsonErrorKind::LoneSurrogate, 1, 8),
    ] {
        let what = String::from_utf8_lossy(event);
        let json = Json::parse(event).unwrap_err();
        assert_eq!(
            (json.kind(), json.line(), json.column()),
            (&kind, line, column),
            "Json::parse: {what}"
        );
        for validation in [Validation::Fast, Validation::Strict] {
            let rules = Ruleset::with_validation(validation);
            rules.add_json("a", r#"{"a": [{"prefix": "x"}]}"#).unwrap();
            let Err(EventError::Malformed(e)) = rules.matches(event) else {
                panic!("{validation:?}: {what} is not refused");
            };
            assert_eq!(e, json, "{validation:?}: {what}");
        }
    }
}
