//! Properties of the semantics, beyond agreement with the reference (`tests/differential.rs`):
//! what adding, removing, `$or`, reordering and a pattern's own values must do, whatever the
//! rules and events are.

mod generators;

use evmatch::json::Json;
use evmatch::{reference, Pattern, Ruleset};
use generators::*;
use proptest::prelude::*;

fn build(rules: &[(String, Pattern)]) -> Ruleset<String> {
    let set = Ruleset::new();
    for (name, pattern) in rules {
        set.add(name.clone(), pattern).unwrap();
    }
    set
}

fn named(patterns: Vec<Pattern>) -> Vec<(String, Pattern)> {
    patterns
        .into_iter()
        .enumerate()
        .map(|(i, p)| (format!("r{}", i % 5), p))
        .collect()
}

/// The same pattern with the members of every pattern object, the values of every field and
/// the branches of every `$or` in reverse order (operators, such as `numeric`, keep theirs).
fn reversed(pattern: &Json) -> Json {
    let Json::Object(members) = pattern else {
        return pattern.clone();
    };
    Json::Object(
        members
            .iter()
            .rev()
            .map(|(key, value)| {
                let value = match value {
                    Json::Array(branches) if key == "$or" => {
                        Json::Array(branches.iter().rev().map(reversed).collect())
                    }
                    Json::Array(values) => Json::Array(values.iter().rev().cloned().collect()),
                    nested @ Json::Object(_) => reversed(nested),
                    other => other.clone(),
                };
                (key.clone(), value)
            })
            .collect(),
    )
}

/// Whether a pattern names one field twice in some branch (`$or` multiplied out; `a.b` is the
/// path of `a` → `b`), or one object holds two `$or`s. Then order does matter: the last one
/// stands.
fn repeats_a_key(pattern: &Json) -> bool {
    fn branches(pattern: &Json, prefix: &str, twice: &mut bool) -> Vec<Vec<String>> {
        let Json::Object(members) = pattern else {
            return vec![Vec::new()];
        };
        *twice |= members.iter().filter(|(k, _)| k == "$or").count() > 1;
        let mut result = vec![Vec::new()];
        for (key, value) in members {
            let alternatives: Vec<Vec<String>> = match value {
                Json::Array(options) if key == "$or" => options
                    .iter()
                    .flat_map(|b| branches(b, prefix, twice))
                    .collect(),
                _ => {
                    let path = if prefix.is_empty() {
                        key.clone()
                    } else {
                        format!("{prefix}.{key}")
                    };
                    match value {
                        Json::Object(_) => branches(value, &path, twice),
                        _ => vec![vec![path]],
                    }
                }
            };
            result = result
                .iter()
                .flat_map(|r| {
                    alternatives
                        .iter()
                        .map(move |a| [r.clone(), a.clone()].concat())
                })
                .collect();
        }
        result
    }
    let mut twice = false;
    let all = branches(pattern, "", &mut twice);
    twice
        || all.iter().any(|paths| {
            paths
                .iter()
                .enumerate()
                .any(|(i, p)| paths[..i].contains(p))
        })
}

/// Patterns of exact values only (strings, numbers, booleans, null), nested and with `$or`.
fn exact_pattern() -> impl Strategy<Value = Json> {
    let values = || prop::collection::vec(scalar(), 1..4).prop_map(Json::Array);
    let leaf = prop::collection::vec((key(), values()), 1..3).prop_map(Json::Object);
    leaf.prop_recursive(2, 12, 3, move |inner| {
        prop::collection::vec(
            prop_oneof![
                3 => (key(), values()),
                1 => (key(), inner.clone()),
                1 => prop::collection::vec(inner, 2..3).prop_map(|b| ("$or".to_string(), Json::Array(b))),
            ],
            1..3,
        )
        .prop_map(Json::Object)
    })
}

/// An event made of a pattern's own values: the first value of every field, the first branch
/// of every `$or`. (A pattern that names one path twice, through `a.b` and `a` → `b`, gets
/// both values as an array.)
fn own_event(pattern: &Json, event: &mut Vec<(String, Json)>) {
    let Json::Object(members) = pattern else {
        return;
    };
    for (key, value) in members {
        match value {
            Json::Array(values) if key == "$or" => own_event(&values[0], event),
            Json::Array(values) => event.push((key.clone(), values[0].clone())),
            Json::Object(_) => {
                let mut inner = Vec::new();
                own_event(value, &mut inner);
                event.push((key.clone(), Json::Object(inner)));
            }
            _ => {}
        }
    }
}

proptest! {
    #![proptest_config(cases(1500))]

    /// Adding a rule never takes a match away from another rule.
    #[test]
    fn adding_a_rule_never_removes_a_match(
        patterns in prop::collection::vec(pattern(), 1..8),
        extra in pattern(),
        events in prop::collection::vec(event(), 1..4),
    ) {
        let rules = named(patterns);
        let before = build(&rules);
        let after = build(&rules);
        after.add("new".to_string(), &extra).unwrap();
        for event in &events {
            let with: Vec<String> = compiled_names(&after, event)
                .into_iter()
                .filter(|n| n != "new")
                .collect();
            prop_assert_eq!(compiled_names(&before, event), with);
        }
    }

    /// Removing a rule leaves a rule set that behaves like one built without it.
    #[test]
    fn removing_a_rule_is_never_having_added_it(
        patterns in prop::collection::vec(pattern(), 1..8),
        removed in pattern(),
        events in prop::collection::vec(event(), 1..4),
    ) {
        let rules = named(patterns);
        let with = build(&rules);
        with.add("gone".to_string(), &removed).unwrap();
        prop_assert!(with.remove(&"gone".to_string()));
        let without = build(&rules);
        for event in &events {
            prop_assert_eq!(compiled_names(&with, event), compiled_names(&without, event));
        }
    }

    /// `{"$or": [A, B]}` under one name matches exactly when A and B, as two rules under that
    /// name, do.
    #[test]
    fn or_is_two_rules_under_one_name(
        a in pattern_object(),
        b in pattern_object(),
        events in prop::collection::vec(event(), 1..4),
    ) {
        let (Ok(pa), Ok(pb)) = (Pattern::parse(&a.to_string()), Pattern::parse(&b.to_string())) else {
            return Ok(());
        };
        let either = Json::Object(vec![("$or".to_string(), Json::Array(vec![a, b]))]);
        let Ok(either) = Pattern::parse(&either.to_string()) else {
            return Ok(()); // beyond the branch limit, say
        };
        let one = Ruleset::new();
        one.add("n".to_string(), &either).unwrap();
        let two = Ruleset::new();
        two.add("n".to_string(), &pa).unwrap();
        two.add("n".to_string(), &pb).unwrap();
        for event in &events {
            prop_assert_eq!(compiled_names(&one, event), compiled_names(&two, event));
            prop_assert_eq!(
                reference::matches(&either, event),
                reference::matches(&pa, event) || reference::matches(&pb, event)
            );
        }
    }

    /// The order of a pattern's fields and of the values in its arrays changes nothing (for
    /// patterns that name each key once per object).
    #[test]
    fn order_in_a_pattern_changes_nothing(
        text in pattern_object().prop_filter("no repeated key", |p| !repeats_a_key(p)),
        events in prop::collection::vec(event(), 1..4),
    ) {
        let Ok(forward) = Pattern::parse(&text.to_string()) else {
            return Ok(());
        };
        let backward = Pattern::parse(&reversed(&text).to_string())
            .expect("a reordered valid pattern is valid");
        let a = Ruleset::new();
        a.add("r".to_string(), &forward).unwrap();
        let b = Ruleset::new();
        b.add("r".to_string(), &backward).unwrap();
        for event in &events {
            prop_assert_eq!(compiled_names(&a, event), compiled_names(&b, event));
            prop_assert_eq!(reference::matches(&forward, event), reference::matches(&backward, event));
        }
    }

    /// A pattern of exact values matches the event built from its own values.
    #[test]
    fn a_pattern_matches_its_own_values(text in exact_pattern()) {
        let Ok(pattern) = Pattern::parse(&text.to_string()) else {
            return Ok(());
        };
        let mut members = Vec::new();
        own_event(&text, &mut members);
        let event = Json::Object(members);
        let rules = Ruleset::new();
        rules.add("own".to_string(), &pattern).unwrap();
        prop_assert!(reference::matches(&pattern, &event), "{} on {}", text, event);
        prop_assert_eq!(compiled_names(&rules, &event), vec!["own".to_string()]);
    }
}
