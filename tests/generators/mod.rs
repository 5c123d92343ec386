//! Generators shared by the property tests: patterns over every operator, and events over the
//! same field names, values, arrays and nesting, so that random pairs often match.
#![allow(dead_code)] // each test file uses its own share

use std::collections::BTreeMap;

use evmatch::json::Json;
use evmatch::{reference, Pattern, Ruleset};
use proptest::prelude::*;

pub fn cases(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    ProptestConfig {
        cases,
        max_shrink_iters: 2000,
        ..ProptestConfig::default()
    }
}

pub fn text(values: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::sample::select(values).prop_map(String::from)
}

/// Keys that collide on purpose: `a.b` meets `a` → `b`.
pub fn key() -> impl Strategy<Value = String> {
    text(&["a", "b", "c", "a.b"])
}

pub const STRINGS: &[&str] = &[
    "",
    "x",
    "X",
    "xy",
    "xY",
    "abc",
    "ABC",
    "init",
    "init-1",
    "INIT-2",
    "a*b",
    "a\\b",
    "10.0.0.1",
    "10.0.0.255",
    "10.0.1.0",
    // Leading zeros: decimal octets, the same addresses as those above.
    "010.0.0.1",
    "10.0.0.01",
    "10.0.0.0255",
    "2001:db8::1",
    "2001:0db8:0:0:0:0:0:1",
    "ß",
    "SS",
    "ss",
    "é",
    "É",
    "dir/file.png",
    "file.PNG",
    "null",
    "1",
];
pub const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "1",
    "1.0",
    "1e0",
    "-1",
    "2.5",
    "300",
    "3e2",
    "300.0000001",
    "5000000001",
    "123456789012",
    "1e400",
    "100",
    "1e2",
    // Coordinates: fifteen decimals (outside the domain), and long runs of trailing zeros
    // (inside it), read a word at a time.
    "-122.503870533390784",
    "2.500000000000000",
    "0.0",
];
pub const COMPARABLE: &[&str] = &["0", "1", "2.5", "100", "300", "-1"];
pub const WILDCARDS: &[&str] = &[
    "*", "x*", "*x", "a*b", "*/*", "", "\\*", "i*t*", "*.png", "*i*",
];

pub fn scalar() -> impl Strategy<Value = Json> {
    prop_oneof![
        4 => text(STRINGS).prop_map(Json::String),
        3 => text(NUMBERS).prop_map(Json::Number),
        1 => any::<bool>().prop_map(Json::Bool),
        1 => Just(Json::Null),
    ]
}

pub fn event_value() -> impl Strategy<Value = Json> {
    scalar().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec((key(), inner.clone()), 0..4).prop_map(Json::Object),
            prop::collection::vec(inner.clone(), 0..4).prop_map(Json::Array),
            // A plain value beside an object: the plain value goes with any element.
            (scalar(), prop::collection::vec((key(), inner), 1..3))
                .prop_map(|(s, members)| Json::Array(vec![s, Json::Object(members)])),
        ]
    })
}

pub fn event() -> impl Strategy<Value = Json> {
    prop::collection::vec((key(), event_value()), 2..7).prop_map(Json::Object)
}

pub fn obj(members: Vec<(&str, Json)>) -> Json {
    Json::Object(
        members
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}

pub fn nonempty_string() -> impl Strategy<Value = String> {
    text(STRINGS).prop_filter("non-empty", |s| !s.is_empty())
}

pub fn matcher() -> impl Strategy<Value = Json> {
    let s = || text(STRINGS).prop_map(Json::String);
    let n = || text(COMPARABLE).prop_map(Json::Number);
    let w = || text(WILDCARDS).prop_map(Json::String);
    let anything_but = prop_oneof![
        s(),
        n(),
        prop::collection::vec(s(), 1..3).prop_map(Json::Array),
        prop::collection::vec(n(), 1..3).prop_map(Json::Array),
        nonempty_string().prop_map(|p| obj(vec![("prefix", Json::String(p))])),
        nonempty_string().prop_map(|p| obj(vec![("suffix", Json::String(p))])),
        prop::collection::vec(nonempty_string().prop_map(Json::String), 1..3)
            .prop_map(|l| obj(vec![("suffix", Json::Array(l))])),
        s().prop_map(|p| obj(vec![("equals-ignore-case", p)])),
        prop::collection::vec(s(), 1..3)
            .prop_map(|l| obj(vec![("equals-ignore-case", Json::Array(l))])),
        w().prop_map(|p| obj(vec![("wildcard", p)])),
    ];
    let numeric = prop_oneof![
        (text(&["=", "<", "<=", ">", ">="]), n())
            .prop_map(|(op, v)| Json::Array(vec![Json::String(op), v])),
        (text(&[">", ">="]), text(&["<", "<="])).prop_map(|(lo, hi)| Json::Array(vec![
            Json::String(lo),
            Json::Number("0".into()),
            Json::String(hi),
            Json::Number("100".into()),
        ])),
    ];
    prop_oneof![
        4 => scalar(),
        1 => s().prop_map(|v| obj(vec![("prefix", v)])),
        1 => s().prop_map(|v| obj(vec![("prefix", obj(vec![("equals-ignore-case", v)]))])),
        1 => s().prop_map(|v| obj(vec![("suffix", v)])),
        1 => s().prop_map(|v| obj(vec![("suffix", obj(vec![("equals-ignore-case", v)]))])),
        1 => s().prop_map(|v| obj(vec![("equals-ignore-case", v)])),
        1 => w().prop_map(|v| obj(vec![("wildcard", v)])),
        2 => anything_but.prop_map(|v| obj(vec![("anything-but", v)])),
        2 => numeric.prop_map(|v| obj(vec![("numeric", v)])),
        // Bases with host bits set (the block is their network) and with leading zeros.
        1 => text(&["10.0.0.0/24", "2001:db8::/64", "10.0.0.0/31", "0.0.0.0/0", "10.0.0.5/24",
                    "10.0.1.9/23", "2001:db8::ff/120", "10.0.00.01/31", "10.0.0.255/25"])
            .prop_map(|v| obj(vec![("cidr", Json::String(v))])),
        2 => any::<bool>().prop_map(|b| obj(vec![("exists", Json::Bool(b))])),
    ]
}

pub fn pattern_object() -> impl Strategy<Value = Json> {
    let leaf = prop::collection::vec(
        (
            key(),
            prop::collection::vec(matcher(), 1..4).prop_map(Json::Array),
        ),
        1..3,
    )
    .prop_map(Json::Object);
    leaf.prop_recursive(2, 12, 3, |inner| {
        prop::collection::vec(
            prop_oneof![
                3 => (key(), prop::collection::vec(matcher(), 1..4).prop_map(Json::Array)),
                1 => (key(), inner.clone()),
                1 => prop::collection::vec(inner, 2..4).prop_map(|b| ("$or".to_string(), Json::Array(b))),
            ],
            1..3,
        )
        .prop_map(Json::Object)
    })
}

/// A valid pattern (invalid combinations, such as `$or` reserved names, are dropped).
pub fn pattern() -> impl Strategy<Value = Pattern> {
    pattern_object().prop_filter_map("valid pattern", |p| Pattern::parse(&p.to_string()).ok())
}

pub fn reference_names(rules: &BTreeMap<String, Vec<Pattern>>, event: &Json) -> Vec<String> {
    rules
        .iter()
        .filter(|(_, patterns)| patterns.iter().any(|p| reference::matches(p, event)))
        .map(|(name, _)| name.clone())
        .collect()
}

pub fn compiled_names(rules: &Ruleset<String>, event: &Json) -> Vec<String> {
    let mut got = rules
        .matches(event.to_string().as_bytes())
        .expect("event scans");
    got.sort();
    got
}
