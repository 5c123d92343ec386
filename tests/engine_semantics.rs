//! Where AWS's documentation and the recorded corpus leave a question open, evmatch answers as
//! AWS's own engine (event-ruler) does. Each case runs three ways: the reference matcher, the
//! compiled rule set, and `evmatch test-event-pattern`, which must all give the expected answer.

mod common;

use common::evmatch;
use evmatch::json::Json;
use evmatch::pattern::ErrorKind;
use evmatch::{reference, Pattern, Ruleset};

/// `evmatch test-event-pattern` on `pattern` and `event`.
fn test_event_pattern(pattern: &str, event: &str) -> std::process::Output {
    evmatch(
        &[
            "test-event-pattern",
            "--event-pattern",
            pattern,
            "--event",
            event,
        ],
        b"",
    )
}

/// Asserts that `pattern` does (or does not) match `event` in all three places.
fn decides(pattern: &str, event: &str, expected: bool) {
    let parsed = Pattern::parse(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"));
    let json = Json::parse(event.as_bytes()).expect("event is JSON");
    assert_eq!(
        reference::matches(&parsed, &json),
        expected,
        "reference: {pattern} on {event}"
    );
    let rules = Ruleset::new();
    rules.add("rule", &parsed).expect("rule compiles");
    let compiled = rules.matches(event.as_bytes()).expect("event scans");
    assert_eq!(
        compiled == ["rule"],
        expected,
        "compiled: {pattern} on {event}"
    );
    let out = test_event_pattern(pattern, event);
    assert_eq!(
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).trim()
        ),
        (
            Some(0),
            if expected {
                "{\"Result\": true}"
            } else {
                "{\"Result\": false}"
            }
        ),
        "CLI: {pattern} on {event}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Asserts that `pattern` is refused with `message` at `path`, by the library and the CLI.
fn refuses(pattern: &str, message: &str, path: &str) {
    let err = Pattern::parse(pattern).expect_err(pattern);
    assert_eq!(err.reason(), message, "{pattern}");
    assert_eq!(err.path().to_string(), path, "{pattern}");
    let out = test_event_pattern(pattern, "{}");
    assert_eq!(out.status.code(), Some(2), "{pattern}");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        format!("Event pattern is not valid. Reason: {message}")
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn cidr_blocks_clear_the_host_bits_of_their_base() {
    decides(
        r#"{"a": [{"cidr": "10.0.0.5/24"}]}"#,
        r#"{"a": "10.0.0.4"}"#,
        true,
    );
    decides(
        r#"{"a": [{"cidr": "10.0.0.5/24"}]}"#,
        r#"{"a": "10.0.0.0"}"#,
        true,
    );
    decides(
        r#"{"a": [{"cidr": "10.0.0.5/24"}]}"#,
        r#"{"a": "10.0.1.0"}"#,
        false,
    );
    decides(
        r#"{"a": [{"cidr": "192.168.77.200/20"}]}"#,
        r#"{"a": "192.168.64.1"}"#,
        true,
    );
    decides(
        r#"{"a": [{"cidr": "192.168.77.200/20"}]}"#,
        r#"{"a": "192.168.63.255"}"#,
        false,
    );
    decides(
        r#"{"a": [{"cidr": "2001:db8::ffff/112"}]}"#,
        r#"{"a": "2001:db8::1"}"#,
        true,
    );
    decides(
        r#"{"a": [{"cidr": "2001:db8::ffff/112"}]}"#,
        r#"{"a": "2001:db8::1:0"}"#,
        false,
    );
    // Inside anything-but, the block excluded is the network too.
    decides(
        r#"{"a": [{"anything-but": {"prefix": "x"}}, {"cidr": "10.0.0.9/30"}]}"#,
        r#"{"a": "10.0.0.8"}"#,
        true,
    );
    // The block prints as the network it covers.
    let pattern = Pattern::parse(r#"{"a": [{"cidr": "10.0.1.7/24"}]}"#).unwrap();
    let matcher = &pattern.branches()[0].fields()[0].matchers()[0];
    assert_eq!(matcher.to_string(), r#"{"cidr": "10.0.1.0/24"}"#);
}

#[test]
fn ipv4_octets_with_leading_zeros_are_decimal() {
    decides(
        r#"{"v": [{"cidr": "10.0.0.0/24"}]}"#,
        r#"{"v": "10.0.0.01"}"#,
        true,
    );
    decides(r#"{"v": ["10.0.0.1"]}"#, r#"{"v": "010.0.0.1"}"#, true);
    decides(r#"{"v": ["010.0.0.1"]}"#, r#"{"v": "10.0.0.1"}"#, true);
    // Decimal, never octal: 010 is ten, not eight.
    decides(r#"{"v": ["10.0.0.8"]}"#, r#"{"v": "10.0.0.010"}"#, false);
    decides(r#"{"v": ["10.0.0.10"]}"#, r#"{"v": "10.0.0.010"}"#, true);
    decides(
        r#"{"v": [{"cidr": "10.0.0.01/24"}]}"#,
        r#"{"v": "10.0.0.7"}"#,
        true,
    );
    // Past 255 it is no address, and so neither equal to one nor in a block.
    decides(
        r#"{"v": [{"cidr": "0.0.0.0/1"}]}"#,
        r#"{"v": "10.0.0.0256"}"#,
        false,
    );
    refuses(
        r#"{"v": [{"cidr": "10.0.0.0256/24"}]}"#,
        "Invalid IP address: 10.0.0.0256",
        "v[0].cidr",
    );
}

#[test]
fn plain_values_in_an_array_go_with_any_of_its_elements() {
    decides(
        r#"{"a": ["s"], "a.b": ["x"]}"#,
        r#"{"a": ["s", {"b": "x"}]}"#,
        true,
    );
    decides(
        r#"{"a": ["s"], "a.b": [{"exists": false}]}"#,
        r#"{"a": ["s", {"b": 1}]}"#,
        false,
    );
    decides(
        r#"{"a": ["s"], "a.b": [{"exists": false}]}"#,
        r#"{"a": ["s", {"c": 1}]}"#,
        true,
    );
    // Members of object elements are still tied to their element.
    decides(
        r#"{"a": {"b": ["x"], "c": ["y"]}}"#,
        r#"{"a": [{"b": "x"}, {"c": "y"}]}"#,
        false,
    );
    decides(
        r#"{"a": {"b": ["x"], "c": ["y"]}}"#,
        r#"{"a": [{"b": "x", "c": "y"}]}"#,
        true,
    );
    // A nested array is tied to its element of the outer array; its own plain values are not
    // tied to it.
    decides(
        r#"{"a": ["s"], "a.b": ["x"]}"#,
        r#"{"a": [["s", {"b": "x"}]]}"#,
        true,
    );
    decides(
        r#"{"a": ["s"], "a.b": ["x"]}"#,
        r#"{"a": [["s"], [{"b": "x"}]]}"#,
        false,
    );
    decides(
        r#"{"a": {"t": ["s"], "u": ["x"]}}"#,
        r#"{"a": [{"t": ["s"], "u": "x"}, {"t": "q", "u": "y"}]}"#,
        true,
    );
    decides(
        r#"{"a": {"t": ["s"], "u": ["y"]}}"#,
        r#"{"a": [{"t": ["s"], "u": "x"}, {"t": "q", "u": "y"}]}"#,
        false,
    );
}

#[test]
fn or_branches_that_repeat_a_wildcard_score_it_once() {
    let pattern =
        r#"{"c": [{"wildcard": "20*01:0*0:0:0:*1*"}], "$or": [{"k0": ["v"]}, {"k1": ["v"]}]}"#;
    let single = Pattern::parse(r#"{"c": [{"wildcard": "20*01:0*0:0:0:*1*"}]}"#).unwrap();
    let parsed = Pattern::parse(pattern).expect("not too complex");
    assert_eq!(parsed.complexity(), single.complexity());
    assert!(parsed.complexity() <= 10, "{}", parsed.complexity());
    decides(pattern, r#"{"c": "2001:0a0:0:0:11", "k1": "v"}"#, true);
    decides(pattern, r#"{"c": "2001:0a0:0:0:11", "k2": "v"}"#, false);
    // Two different wildcards on one field still add up, under `$or` as without it.
    let apart = Pattern::parse(
        r#"{"$or": [{"c": [{"wildcard": "*a*b*"}]}, {"c": [{"wildcard": "*c*d*"}]}]}"#,
    )
    .unwrap();
    let together =
        Pattern::parse(r#"{"c": [{"wildcard": "*a*b*"}, {"wildcard": "*c*d*"}]}"#).unwrap();
    assert_eq!(apart.complexity(), together.complexity());
    assert!(apart.complexity() > single_wildcard("*a*b*"));
    // And a pattern over the limit through `$or` is refused as before.
    let over = format!(
        r#"{{"$or": [{}]}}"#,
        ["*a*b*c*", "*d*e*f*", "*g*h*i*", "*j*k*l*"]
            .iter()
            .map(|w| format!(r#"{{"c": [{{"wildcard": "{w}"}}]}}"#))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let err = Pattern::parse(&over).expect_err("too complex");
    assert_eq!(err.kind(), &ErrorKind::TooComplex);
}

fn single_wildcard(w: &str) -> usize {
    Pattern::parse(&format!(r#"{{"c": [{{"wildcard": "{w}"}}]}}"#))
        .unwrap()
        .complexity()
}

#[test]
fn an_empty_list_inside_anything_but_is_refused() {
    for (operator, path) in [
        ("wildcard", "v[0].anything-but.wildcard"),
        ("equals-ignore-case", "v[0].anything-but.equals-ignore-case"),
        ("prefix", "v[0].anything-but.prefix"),
        ("suffix", "v[0].anything-but.suffix"),
    ] {
        refuses(
            &format!(r#"{{"v": [{{"anything-but": {{"{operator}": []}}}}]}}"#),
            &format!("Inside anything-but/{operator} list, an empty list is not supported."),
            path,
        );
    }
    // The plain list keeps AWS's own message for it.
    refuses(
        r#"{"v": [{"anything-but": []}]}"#,
        "Inside anything but list, either all values are number or string, mixed type is not supported",
        "v[0].anything-but",
    );
    // Lists with values stay valid.
    decides(
        r#"{"v": [{"anything-but": {"wildcard": ["a*"]}}]}"#,
        r#"{"v": "b"}"#,
        true,
    );
}

/// Where AWS's engine is wrong, evmatch keeps its own answer (README, "Semantics").
#[test]
fn deliberate_departures_from_aws_engine() {
    // Characters outside the Basic Multilingual Plane equal themselves ignoring case.
    decides(
        r#"{"v": [{"equals-ignore-case": "😀"}]}"#,
        r#"{"v": "😀"}"#,
        true,
    );
    decides(
        r#"{"v": [{"prefix": {"equals-ignore-case": "a😀"}}]}"#,
        r#"{"v": "A😀b"}"#,
        true,
    );
    // A wildcard beside an anything-but of equals-ignore-case on one field: either matcher.
    let both = r#"{"v": [{"wildcard": "a*"}, {"anything-but": {"equals-ignore-case": "abc"}}]}"#;
    decides(both, r#"{"v": "ABC"}"#, false);
    decides(both, r#"{"v": "abc"}"#, true); // the wildcard
    decides(both, r#"{"v": "xyz"}"#, true); // the anything-but
                                            // A string that is not an address is never inside a block, whatever it starts with.
    decides(
        r#"{"v": [{"cidr": "10.0.0.0/8"}]}"#,
        r#"{"v": "10.0.0.1.example"}"#,
        false,
    );
    decides(
        r#"{"v": [{"cidr": "10.0.0.0/8"}]}"#,
        r#"{"v": "10.0.0.1 "}"#,
        false,
    );
    decides(
        r#"{"v": [{"cidr": "10.0.0.0/8"}]}"#,
        r#"{"v": "10"}"#,
        false,
    );
}
