//! The compiled rule set against the reference matcher, on random patterns over every operator
//! and random events over the same field names, values, arrays and nesting.
//!
//! CI runs 10,000 cases in all; set `PROPTEST_CASES` to run more.

use std::collections::BTreeMap;

use evmatch::json::Json;
use evmatch::{reference, Pattern, Ruleset, Validation};
use proptest::prelude::*;

fn cases(default: u32) -> ProptestConfig {
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

fn text(values: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::sample::select(values).prop_map(String::from)
}

/// Keys that collide on purpose: `a.b` meets `a` → `b`.
fn key() -> impl Strategy<Value = String> {
    text(&["a", "b", "c", "a.b"])
}

const STRINGS: &[&str] = &[
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
const NUMBERS: &[&str] = &[
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
];
const COMPARABLE: &[&str] = &["0", "1", "2.5", "100", "300", "-1"];
const WILDCARDS: &[&str] = &[
    "*", "x*", "*x", "a*b", "*/*", "", "\\*", "i*t*", "*.png", "*i*",
];

fn scalar() -> impl Strategy<Value = Json> {
    prop_oneof![
        4 => text(STRINGS).prop_map(Json::String),
        3 => text(NUMBERS).prop_map(Json::Number),
        1 => any::<bool>().prop_map(Json::Bool),
        1 => Just(Json::Null),
    ]
}

fn event_value() -> impl Strategy<Value = Json> {
    scalar().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec((key(), inner.clone()), 0..4).prop_map(Json::Object),
            prop::collection::vec(inner, 0..4).prop_map(Json::Array),
        ]
    })
}

fn event() -> impl Strategy<Value = Json> {
    prop::collection::vec((key(), event_value()), 2..7).prop_map(Json::Object)
}

fn obj(members: Vec<(&str, Json)>) -> Json {
    Json::Object(
        members
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}

fn nonempty_string() -> impl Strategy<Value = String> {
    text(STRINGS).prop_filter("non-empty", |s| !s.is_empty())
}

fn matcher() -> impl Strategy<Value = Json> {
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
        1 => text(&["10.0.0.0/24", "2001:db8::/64", "10.0.0.0/31", "0.0.0.0/0"])
            .prop_map(|v| obj(vec![("cidr", Json::String(v))])),
        2 => any::<bool>().prop_map(|b| obj(vec![("exists", Json::Bool(b))])),
    ]
}

fn pattern_object() -> impl Strategy<Value = Json> {
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
fn pattern() -> impl Strategy<Value = Pattern> {
    pattern_object().prop_filter_map("valid pattern", |p| Pattern::parse(&p.to_string()).ok())
}

fn reference_names(rules: &BTreeMap<String, Vec<Pattern>>, event: &Json) -> Vec<String> {
    rules
        .iter()
        .filter(|(_, patterns)| patterns.iter().any(|p| reference::matches(p, event)))
        .map(|(name, _)| name.clone())
        .collect()
}

fn compiled_names(rules: &Ruleset<String>, event: &Json) -> Vec<String> {
    let mut got = rules
        .matches(event.to_string().as_bytes())
        .expect("event scans");
    got.sort();
    got
}

proptest! {
    #![proptest_config(cases(4000))]

    /// One rule: the compiled matcher, reading fast or strictly, agrees with the reference.
    #[test]
    fn one_rule(pattern in pattern(), event in event()) {
        let rules = Ruleset::new();
        rules.add("r".to_string(), &pattern).unwrap();
        let strict = Ruleset::with_validation(Validation::Strict);
        strict.add("r".to_string(), &pattern).unwrap();
        let model = BTreeMap::from([("r".to_string(), vec![pattern])]);
        let expected = reference_names(&model, &event);
        prop_assert_eq!(compiled_names(&rules, &event), expected.clone());
        prop_assert_eq!(compiled_names(&strict, &event), expected);
    }

    /// Many rules loaded at once, some sharing a name.
    #[test]
    fn many_rules(patterns in prop::collection::vec(pattern(), 1..12), events in prop::collection::vec(event(), 1..4)) {
        let rules = Ruleset::new();
        let mut model: BTreeMap<String, Vec<Pattern>> = BTreeMap::new();
        for (i, p) in patterns.iter().enumerate() {
            let name = format!("r{}", i % 7);
            model.entry(name.clone()).or_default().push(p.clone());
            rules.add(name, p).unwrap();
        }
        for event in &events {
            prop_assert_eq!(compiled_names(&rules, event), reference_names(&model, event));
        }
    }
}

#[derive(Clone, Debug)]
enum Op {
    Add(usize, Pattern),
    Remove(usize),
}

proptest! {
    #![proptest_config(cases(2000))]

    /// Random interleavings of add and remove: after each step the rule set behaves like the
    /// rules it holds, and a fresh rule set built from them.
    #[test]
    fn add_and_remove(
        ops in prop::collection::vec(prop_oneof![
            3 => (0..5usize, pattern()).prop_map(|(n, p)| Op::Add(n, p)),
            1 => (0..5usize).prop_map(Op::Remove),
        ], 1..16),
        events in prop::collection::vec(event(), 1..4),
    ) {
        let rules = Ruleset::new();
        let mut model: BTreeMap<String, Vec<Pattern>> = BTreeMap::new();
        for op in ops {
            match op {
                Op::Add(n, p) => {
                    rules.add(format!("r{n}"), &p).unwrap();
                    model.entry(format!("r{n}")).or_default().push(p);
                }
                Op::Remove(n) => {
                    let had = model.remove(&format!("r{n}")).is_some();
                    prop_assert_eq!(rules.remove(&format!("r{n}")), had);
                }
            }
            for event in &events {
                prop_assert_eq!(compiled_names(&rules, event), reference_names(&model, event));
            }
        }
        let fresh = Ruleset::new();
        for (name, patterns) in &model {
            for p in patterns {
                fresh.add(name.clone(), p).unwrap();
            }
        }
        for event in &events {
            prop_assert_eq!(compiled_names(&fresh, event), compiled_names(&rules, event));
        }
    }
}

/// The generators must exercise matches, not only misses, or the properties above prove
/// little: a good share of random (pattern, event) pairs match, some of them through arrays.
#[test]
fn generators_produce_matches() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut matched, mut through_arrays, total) = (0, 0, 3000);
    for _ in 0..total {
        let pattern = pattern().new_tree(&mut runner).unwrap().current();
        let event = event().new_tree(&mut runner).unwrap().current();
        if reference::matches(&pattern, &event) {
            matched += 1;
            if event.to_string().contains('[') {
                through_arrays += 1;
            }
        }
    }
    assert!(matched * 8 > total, "only {matched} of {total} pairs match");
    assert!(
        through_arrays * 40 > total,
        "only {through_arrays} matches involve arrays"
    );
}
