//! The compiled rule set against the reference matcher, on random patterns over every operator
//! and random events over the same field names, values, arrays and nesting.
//!
//! CI runs 10,000 cases in all; set `PROPTEST_CASES` to run more.

mod generators;

use std::collections::BTreeMap;

use evmatch::{reference, Pattern, Ruleset, Validation};
use generators::*;
use proptest::prelude::*;

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

/// A rule set that removed most of its rules rebuilds itself from the rest: it must then
/// behave exactly like a set built from the rest alone.
#[test]
fn a_compacted_rule_set_behaves_like_a_fresh_one() {
    use evmatch::corpus;
    let rules: Vec<(String, Pattern)> = corpus::scaling_rules(3000, true, 5)
        .into_iter()
        .map(|(n, p)| (n, Pattern::parse(&p).unwrap()))
        .collect();
    let shrunk = Ruleset::new();
    shrunk
        .add_many(rules.iter().map(|(n, p)| (n.clone(), p)))
        .unwrap();
    let gone: Vec<String> = rules[..2500].iter().map(|(n, _)| n.clone()).collect();
    assert_eq!(shrunk.remove_many(&gone[..1200]), 1200);
    assert_eq!(shrunk.remove_many(&gone[1200..]), 1300); // now removed > live: rebuilt
    let fresh = Ruleset::new();
    fresh
        .add_many(rules[2500..].iter().map(|(n, p)| (n.clone(), p)))
        .unwrap();
    let records = corpus::destination_records(400, 5);
    let mut matched = 0;
    for event in records.lines() {
        let mut a = shrunk.matches(event.as_bytes()).unwrap();
        let mut b = fresh.matches(event.as_bytes()).unwrap();
        a.sort();
        b.sort();
        assert_eq!(a, b);
        matched += a.len();
    }
    assert!(matched > 0);
    assert_eq!(shrunk.len(), 500);
}

/// Many wildcards on one field that share pieces (the shape that explodes a multi-pattern
/// automaton): the keyed index finds exactly the wildcards the reference finds.
#[test]
fn many_overlapping_wildcards_agree_with_the_reference() {
    use evmatch::corpus::Rng;
    let mut rng = Rng::new(21);
    let pieces = ["", "a", "ab", ":fn:", "-1", "-12", "x", "b-", "*"];
    let mut rules: Vec<(String, Pattern)> = Vec::new();
    while rules.len() < 300 {
        let stars = 1 + rng.below(3);
        let mut text = String::new();
        for i in 0..=stars {
            if i > 0 {
                text.push('*');
            }
            let piece = *rng.pick(&pieces);
            if piece != "*" {
                text.push_str(piece);
            }
        }
        let pattern = format!(r#"{{"v": [{{"wildcard": "{text}"}}]}}"#);
        if let Ok(p) = Pattern::parse(&pattern) {
            rules.push((format!("w{}", rules.len()), p));
        }
    }
    let set = Ruleset::new();
    set.add_many(rules.iter().map(|(n, p)| (n.clone(), p)))
        .unwrap();
    let mut matched = 0;
    for _ in 0..400 {
        let value: String = (0..rng.below(12))
            .map(|_| *rng.pick(&["a", "b", "-", "1", "2", ":fn:", "x"]))
            .collect();
        let event =
            evmatch::json::Json::parse(format!(r#"{{"v": "{value}"}}"#).as_bytes()).unwrap();
        matched += assert_agrees(&set, &rules, |_| true, &event.to_string(), &event);
    }
    assert!(matched > 400, "{matched}");
}

/// Rules over the items of large orders (more items than the walk checks one by one, so the
/// walk on from an item's `sku` searches the other fields in that item's element), with
/// values in nested arrays and fields outside the items: the compiled matcher agrees with the
/// reference on every rule and order, and many of them match.
#[test]
fn item_rules_on_large_orders_agree_with_the_reference() {
    use evmatch::corpus::Rng;
    use evmatch::json::Json;
    let mut rng = Rng::new(33);
    let skus = ["A", "B", "C", "D", "E"];
    let mut rules: Vec<(String, Pattern)> = Vec::new();
    for i in 0..400 {
        let sku = skus[i % 5];
        let qty = 1 + rng.below(3);
        let tag = *rng.pick(&["gift", "bulk", "eu"]);
        let text = match i % 8 {
            0 => format!(r#"{{"items": {{"sku": ["{sku}"], "qty": [{qty}]}}}}"#),
            1 => format!(r#"{{"items": {{"sku": ["{sku}"], "qty": [{qty}], "tags": ["{tag}"]}}}}"#),
            2 => format!(
                r#"{{"items": {{"sku": [{{"prefix": "{sku}"}}], "tags": ["{tag}"]}}, "tier": ["gold"]}}"#
            ),
            3 => format!(r#"{{"items": {{"sku": ["{sku}"], "gift": [{{"exists": false}}]}}}}"#),
            4 => format!(
                r#"{{"items": {{"qty": [{{"numeric": [">", {qty}]}}], "tags": ["{tag}"]}}}}"#
            ),
            5 => format!(r#"{{"items": {{"sku": ["{sku}"], "parts": {{"n": [{qty}]}}}}}}"#),
            6 => format!(r#"{{"tier": ["gold", "basic"], "items": {{"sku": ["{sku}"]}}}}"#),
            _ => format!(
                r#"{{"items": {{"sku": [{{"anything-but": ["{sku}"]}}], "qty": [{qty}]}}}}"#
            ),
        };
        rules.push((format!("r{i}"), Pattern::parse(&text).unwrap()));
    }
    let set = Ruleset::new();
    set.add_many(rules.iter().map(|(n, p)| (n.clone(), p)))
        .unwrap();
    let mut matched = 0;
    for _ in 0..150 {
        let count = rng.below(30);
        let items: Vec<String> = (0..count)
            .map(|_| {
                let tags: Vec<String> = (0..rng.below(3))
                    .map(|_| format!("\"{}\"", rng.pick(&["gift", "bulk", "eu"])))
                    .collect();
                let parts: Vec<String> = (0..rng.below(4))
                    .map(|_| format!(r#"{{"n": {}}}"#, 1 + rng.below(3)))
                    .collect();
                let gift = if rng.chance(30) {
                    r#","gift":true"#
                } else {
                    ""
                };
                format!(
                    r#"{{"sku":"{}","qty":{},"tags":[{}],"parts":[{}]{gift}}}"#,
                    rng.pick(&skus),
                    1 + rng.below(4),
                    tags.join(","),
                    parts.join(",")
                )
            })
            .collect();
        let text = format!(
            r#"{{"tier":"{}","items":[{}]}}"#,
            rng.pick(&["gold", "silver", "basic"]),
            items.join(",")
        );
        let event = Json::parse(text.as_bytes()).unwrap();
        matched += assert_agrees(&set, &rules, |_| true, &text, &event);
    }
    assert!(matched > 5_000, "{matched}");
}

/// Many rules that share their values and differ in which fields must be absent (so that one
/// state holds many groups of them, decided through a table of the fields an event has), on
/// events that have some of those fields, in arrays or not: the compiled matcher agrees with
/// the reference.
#[test]
fn absence_groups_agree_with_the_reference() {
    use evmatch::corpus::Rng;
    use evmatch::json::Json;
    let mut rng = Rng::new(41);
    let fields = ["f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7"];
    let mut rules: Vec<(String, Pattern)> = Vec::new();
    for i in 0..300 {
        let mut absent: Vec<&str> = (0..1 + rng.below(3)).map(|_| *rng.pick(&fields)).collect();
        absent.sort_unstable();
        absent.dedup();
        let guards: Vec<String> = absent
            .iter()
            .map(|f| format!(r#""{f}": [{{"exists": false}}]"#))
            .collect();
        let source = ["a", "b"][i % 2];
        let extra = if i % 5 == 0 { r#", "n": [1]"# } else { "" };
        let text = format!(
            r#"{{"source": ["{source}"], {}{extra}}}"#,
            guards.join(", ")
        );
        rules.push((format!("r{i}"), Pattern::parse(&text).unwrap()));
    }
    let set = Ruleset::new();
    set.add_many(rules.iter().map(|(n, p)| (n.clone(), p)))
        .unwrap();
    let (mut matched, mut total) = (0, 0);
    for _ in 0..300 {
        let mut members = vec![format!(r#""source": "{}""#, rng.pick(&["a", "b"]))];
        for f in fields {
            match rng.below(6) {
                0 => members.push(format!(r#""{f}": 1"#)),
                1 => members.push(format!(r#""{f}": [1, 2]"#)),
                _ => {}
            }
        }
        if rng.chance(50) {
            members.push(r#""n": 1"#.to_string());
        }
        let text = format!("{{{}}}", members.join(", "));
        let event = Json::parse(text.as_bytes()).unwrap();
        matched += assert_agrees(&set, &rules, |_| true, &text, &event);
        total += rules.len();
    }
    assert!(
        matched * 20 > total && matched * 2 < total,
        "{matched} of {total}"
    );
}

/// The generated rule sets that share values as routing tables do, added, partly removed and
/// added again in an interleaving of updates: after each step the compiled matcher agrees with
/// the reference on every record.
#[test]
fn shared_value_rule_sets_agree_with_the_reference_across_updates() {
    use evmatch::corpus;
    use evmatch::json::Json;
    let records: Vec<(String, Json)> = corpus::destination_records(50, 11)
        .lines()
        .map(|l| (l.to_string(), Json::parse(l.as_bytes()).unwrap()))
        .collect();
    let sets = [
        corpus::router_rules(600, 3),
        corpus::product_rules(600, 3),
        corpus::absent_rules(600, 3),
        corpus::anything_but_rules(600, 3),
    ];
    for rules in sets {
        let parsed: Vec<(String, Pattern)> = rules
            .iter()
            .map(|(n, p)| (n.clone(), Pattern::parse(p).unwrap()))
            .collect();
        let set = Ruleset::new();
        let mut live = vec![false; parsed.len()];
        let check = |set: &Ruleset<String>, live: &[bool]| {
            let mut matched = 0;
            for (text, event) in &records {
                matched += assert_agrees(set, &parsed, |i| live[i], text, event);
            }
            matched
        };
        // All in one batch, then every third removed, then every other one added back one
        // at a time.
        set.add_many(parsed.iter().map(|(n, p)| (n.clone(), p)))
            .unwrap();
        live.iter_mut().for_each(|l| *l = true);
        let all = check(&set, &live);
        assert!(all > 0, "the set matches some records");
        let gone: Vec<String> = parsed.iter().step_by(3).map(|(n, _)| n.clone()).collect();
        assert_eq!(set.remove_many(&gone), gone.len());
        (0..live.len()).step_by(3).for_each(|i| live[i] = false);
        check(&set, &live);
        for i in (0..parsed.len()).step_by(6) {
            set.add(parsed[i].0.clone(), &parsed[i].1).unwrap();
            live[i] = true;
        }
        check(&set, &live);
    }
}

/// Asserts that the compiled set reports for the event `text` (`event`, parsed) exactly the
/// rules of `rules` that are `live` and that the reference matches; returns how many.
fn assert_agrees(
    set: &Ruleset<String>,
    rules: &[(String, Pattern)],
    live: impl Fn(usize) -> bool,
    text: &str,
    event: &evmatch::json::Json,
) -> usize {
    let mut expected: Vec<String> = rules
        .iter()
        .enumerate()
        .filter(|(i, (_, p))| live(*i) && reference::matches(p, event))
        .map(|(_, (n, _))| n.clone())
        .collect();
    let mut got = set.matches(text.as_bytes()).unwrap();
    expected.sort();
    got.sort();
    assert_eq!(got, expected, "{text}");
    got.len()
}

/// A number near a bound: on it, a millionth either side, the same value spelled otherwise
/// (`-0`, an exponent, trailing zeros), or outside the comparable domain.
fn number_near(bounds: &'static [i64]) -> impl Strategy<Value = String> {
    (prop::sample::select(bounds), -2i64..=2, 0..5usize).prop_map(|(b, d, spelling)| {
        let m = b + d;
        let (sign, abs) = if m < 0 { ("-", -m) } else { ("", m) };
        let (whole, frac) = (abs / 1_000_000, abs % 1_000_000);
        match spelling {
            0 => format!("{sign}{whole}.{frac:06}"),
            1 if frac == 0 => format!("{sign}{whole}"),
            1 => format!("{sign}{whole}.{frac:06}000"),
            2 if m == 0 => "-0".to_string(),
            2 => format!("{sign}{whole}.{frac:06}0000001"), // seven decimals: no longer comparable
            3 => format!("{sign}{}e-6", abs),
            _ => format!("{sign}{whole}.{:06}", frac)
                .trim_end_matches('0')
                .trim_end_matches('.')
                .to_string(),
        }
    })
}

proptest! {
    #![proptest_config(cases(1500))]

    /// Rules comparing numbers at one path (ranges, exact numbers, anything-but numbers), and
    /// events whose arrays of numbers there (compact, as coordinates come, or spaced) hold
    /// values on, beside and between every bound: one number reported per segment decides as
    /// the reference does, before and after a rule is removed.
    #[test]
    fn arrays_of_numbers_near_every_bound(
        picks in prop::collection::vec((0..6usize, 0..6usize, 0..4usize), 1..6),
        events in prop::collection::vec((prop::collection::vec(number_near(BOUNDS), 1..40), any::<bool>()), 1..4),
    ) {
        let rules: Vec<(String, Pattern)> = picks
            .iter()
            .enumerate()
            .map(|(i, &(a, b, kind))| {
                let (lo, hi) = (SPELLED[a.min(b)], SPELLED[a.max(b)]);
                let matcher = match kind {
                    0 if lo != hi => format!(r#"{{"numeric": [">", {lo}, "<=", {hi}]}}"#),
                    0 | 1 => format!(r#"{{"numeric": ["<", {hi}]}}"#),
                    2 => format!(r#"{{"anything-but": [{lo}, {hi}]}}"#),
                    _ => lo.to_string(),
                };
                let text = format!(r#"{{"g": {{"c": [{matcher}]}}, "t": ["x"]}}"#);
                (format!("r{i}"), Pattern::parse(&text).unwrap())
            })
            .collect();
        let set = Ruleset::new();
        for (name, pattern) in &rules {
            set.add(name.clone(), pattern).unwrap();
        }
        for (numbers, spaced) in &events {
            let list = numbers.join(if *spaced { ", " } else { "," });
            let text = format!(r#"{{"t": "x", "g": {{"c": [[{list}],[0.0,{list}]]}}}}"#);
            let event = evmatch::json::Json::parse(text.as_bytes()).unwrap();
            assert_agrees(&set, &rules, |_| true, &text, &event);
            set.remove(&rules[0].0);
            assert_agrees(&set, &rules, |i| i != 0, &text, &event);
            set.add(rules[0].0.clone(), &rules[0].1).unwrap();
        }
    }
}

/// The bounds the rules of `arrays_of_numbers_near_every_bound` use, in millionths, and as
/// spelled in the rules.
const BOUNDS: &[i64] = &[-122_416_009, -122_406_308, 0, 37_500_000, 38_000_000, 1];
/// (Sorted: a rule's range runs from the lower of two picks to the higher.)
const SPELLED: &[&str] = &["-122.416009", "-122.406308", "0", "0.000001", "37.5", "38"];
