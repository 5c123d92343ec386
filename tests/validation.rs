//! Fast reading stops early without changing any result; strict reading validates every byte.

use evmatch::json::Json;
use evmatch::{reference, Pattern, Ruleset, Validation};

/// Matches `event` against one rule with both readers and the reference; returns the fast
/// reader's verdict after checking that all three agree.
fn agree(pattern: &str, event: &str) -> bool {
    let expected = reference::matches(
        &Pattern::parse(pattern).unwrap(),
        &Json::parse(event.as_bytes()).unwrap(),
    );
    for validation in [Validation::Fast, Validation::Strict] {
        let rules = Ruleset::with_validation(validation);
        rules.add_json("r", pattern).unwrap();
        let got = !rules.matches(event.as_bytes()).unwrap().is_empty();
        assert_eq!(got, expected, "{validation:?}: {pattern} on {event}");
    }
    expected
}

#[test]
fn keys_after_the_fields_are_still_read_when_they_could_matter() {
    // A duplicate key after the field: its value counts too.
    assert!(agree(
        r#"{"source": ["b"]}"#,
        r#"{"source": "a", "other": [1, 2], "source": "b"}"#
    ));
    // A dotted spelling of a path already read.
    assert!(agree(
        r#"{"detail": {"x": ["b"]}}"#,
        r#"{"detail": {"x": "a"}, "y": 0, "detail.x": "b"}"#
    ));
    // The same key spelled with an escape.
    assert!(agree(
        r#"{"detail": {"x": ["b"]}}"#,
        r#"{"detail": {"x": "a"}, "y": 0, "det\u0061il": {"x": "b"}}"#
    ));
    // An inner object's later member.
    assert!(agree(
        r#"{"detail": {"x": ["b"], "y": [1]}}"#,
        r#"{"detail": {"x": "b", "z": {"x": "a"}, "y": 1}, "rest": [0]}"#
    ));
    // Elements of an array on the way to the field.
    assert!(agree(
        r#"{"d": {"x": ["b"]}}"#,
        r#"{"d": [{"x": "a"}, {"x": "b"}], "rest": {}}"#
    ));
    // `exists: false` sees a later member.
    assert!(!agree(
        r#"{"a": ["1"], "b": [{"exists": false}]}"#,
        r#"{"a": "1", "c": 2, "b": 3}"#
    ));
}

#[test]
fn the_last_key_of_an_event_is_seen_however_long_the_tail_after_it() {
    // The search for later keys stops at the rest's last quote: a key whose closing quote is
    // that last quote, followed by a long quote-free tail, must still be found, whether
    // spelled plainly, with an escape, or dotted.
    let numbers = "1.5, ".repeat(200);
    for key in ["source", r"sour\u0063e", "detail.source"] {
        let (pattern, field) = if key.starts_with("detail") {
            (
                r#"{"detail": {"source": [2]}}"#,
                r#""detail": {"source": 1}"#,
            )
        } else {
            (r#"{"source": [2]}"#, r#""source": 1"#)
        };
        for (last, matches) in [(2, true), (3, false)] {
            let event = format!(r#"{{{field}, "n": [{numbers}0], "{key}": [{numbers}{last}]}}"#);
            assert_eq!(agree(pattern, &event), matches, "{event}");
        }
    }
    // Short rests with many names to look for are walked quote by quote: a repeated key, a
    // key that starts like a name but is another, an empty name.
    let pattern = r#"{"a": [5], "b": [2], "c": [3], "d": [4]}"#;
    assert!(agree(pattern, r#"{"a":1,"b":2,"c":3,"d":4,"a":5}"#));
    assert!(!agree(pattern, r#"{"a":1,"b":2,"c":3,"d":4,"ab":5}"#));
    assert!(agree(
        pattern,
        r#"{"a":1,"b":2,"c":3,"d":4,"x":{"y":"a"},"a":[5]}"#
    ));
    let pattern = r#"{"": [5], "b": [2]}"#;
    assert!(agree(pattern, r#"{"":1,"b":2,"c":"","":5}"#));
    assert!(agree(pattern, r#"{"":1,"b":2,"c":"x","":5}"#));
    assert!(!agree(pattern, r#"{"":1,"b":2,"c":"x","d":5}"#));
    // Keys are turned away by their first byte: an empty segment is reached by a dotted key
    // that starts with its dot, and a dotted key by its first segment's first byte.
    let pattern = r#"{"": {"x": [1]}, "b": {"c": [2]}}"#;
    for event in [
        r#"{".x": 1, "b.c": 2}"#,
        r#"{"": {"x": 1}, "b": {"c": 2}}"#,
        r#"{"": {"x": 0}, "b.c": 2, ".x": 1}"#,
    ] {
        assert!(agree(pattern, event), "{event}");
    }
    for event in [
        r#"{"x": 1, "b.c": 2}"#,
        r#"{".x": 1, "bc": 2}"#,
        r#"{"..x": 1, "b.c": 2}"#,
    ] {
        assert!(!agree(pattern, event), "{event}");
    }
    // No quote at all after the field read: nothing more can match, and nothing is missed.
    assert!(agree(
        r#"{"source": [1]}"#,
        &format!(r#"{{"source": 1, "n": [{numbers}0]}}"#)
    ));
}

#[test]
fn fast_reading_stops_once_the_rest_cannot_matter() {
    let fast = Ruleset::new();
    let strict = Ruleset::with_validation(Validation::Strict);
    for rules in [&fast, &strict] {
        rules
            .add_json(
                "ok",
                r#"{"detail": {"requestContext": {"condition": ["Success"]}}}"#,
            )
            .unwrap();
    }
    // After `condition`, every open object has been read for the keys the rules need, so a
    // fast reader never reaches the broken tail; a strict one rejects it.
    let tails = [
        r#", "responsePayload": [1, 2,, 3]}}"#,
        r#"}, "x": tru}"#,
        "}} trailing",
        "}, \"x\": \"\u{1}\"}",
    ];
    for tail in tails {
        let event = format!(r#"{{"detail": {{"requestContext": {{"condition": "Success"}}{tail}"#);
        assert_eq!(fast.matches(event.as_bytes()).unwrap(), ["ok"], "{event}");
        assert!(strict.matches(event.as_bytes()).is_err(), "{event}");
    }
    // A tail that names a needed key again is read, and read as JSON.
    let event = r#"{"detail": {"requestContext": {"condition": "Success"}}, "detail": [1,, 2]}"#;
    assert!(fast.matches(event.as_bytes()).is_err());
}

#[test]
fn strict_reading_rejects_what_fast_reading_skips() {
    let cases: [&[u8]; 6] = [
        b"{\"a\": \"x\", \"skipped\": \"\xff\xfe\"}",
        br#"{"a": "x", "skipped": "\q"}"#,
        br#"{"a": "x", "skipped": "\ud800"}"#,
        br#"{"a": "x", "skipped": {"k": 01}}"#,
        br#"{"a": "x", "skipped": [1 2]}"#,
        br#"{"a": "x", "sk\ipped": 1}"#,
    ];
    let strict = Ruleset::with_validation(Validation::Strict);
    strict.add_json("r", r#"{"a": ["x"]}"#).unwrap();
    let fast = Ruleset::new();
    fast.add_json("r", r#"{"a": ["x"]}"#).unwrap();
    for event in cases {
        assert!(
            strict.matches(event).is_err(),
            "{}",
            String::from_utf8_lossy(event)
        );
        // The reference parser agrees that these are not JSON.
        assert!(Json::parse(event).is_err());
    }
    // Values on a rule's path are validated by both readers.
    for event in [
        b"{\"a\": \"\xff\"}".as_slice(),
        br#"{"a": "\ud800"}"#,
        br#"{"a": 01}"#,
    ] {
        assert!(fast.matches(event).is_err());
        assert!(strict.matches(event).is_err());
    }
}

#[test]
fn skipped_numbers_end_where_the_number_ends() {
    // Fast reading skips a number no rule names to the first byte no number has: the members
    // after it are read from the right place, whatever the spelling and what follows it.
    for number in [
        "0",
        "-1",
        "12.50",
        "1e10",
        "-0.5E+3",
        "123456789012345678901234567890",
    ] {
        for (before, after) in [(",", "}"), (" ,", " }"), ("\n,", "\n}")] {
            let event = format!(r#"{{"n": {number}{before} "k": "v", "m": {number}{after}"#);
            assert!(agree(r#"{"k": ["v"]}"#, &event), "{event}");
            assert!(!agree(r#"{"k": ["w"]}"#, &event), "{event}");
        }
    }
    // Its invalid spellings are not reported, as nothing else inside a skipped value is
    // (README, Reading events); strict reading reports them. What follows a number is still
    // read: a byte that is not a separator there is an error.
    let fast = Ruleset::new();
    fast.add_json("r", r#"{"k": ["v"]}"#).unwrap();
    let strict = Ruleset::with_validation(Validation::Strict);
    strict.add_json("r", r#"{"k": ["v"]}"#).unwrap();
    for event in [
        r#"{"n": 01, "k": "v"}"#,
        r#"{"n": 1.2.3, "k": "v"}"#,
        r#"{"n": -, "k": "v"}"#,
    ] {
        assert_eq!(fast.matches(event.as_bytes()).unwrap(), ["r"], "{event}");
        assert!(strict.matches(event.as_bytes()).is_err(), "{event}");
    }
    for event in [r#"{"n": 1x, "k": "v"}"#, r#"{"n": 1 2, "k": "v"}"#] {
        assert!(fast.matches(event.as_bytes()).is_err(), "{event}");
    }
}
