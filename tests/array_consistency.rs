//! Array consistency on the event-ruler array files (`corpus/event-ruler/`): a match never
//! combines values taken from different elements of the same array.

use evmatch::json::Json;
use evmatch::{reference, Pattern};

fn member<'a>(object: &'a Json, key: &str) -> &'a Json {
    let Json::Object(members) = object else {
        panic!("not an object")
    };
    &members.iter().find(|(k, _)| k == key).expect(key).1
}

/// The verdict for each of the 51 cases. The file records none: each follows from the rule of
/// array consistency, and the case names say which way.
const VERDICTS: &[(&str, bool)] = &[
    ("flat: 2-field exists, both present", true),
    ("flat: 2-field exists, one missing", false),
    ("flat: exact match", true),
    ("flat: exact mismatch", false),
    ("flat: prefix", true),
    ("flat: numeric range", true),
    ("flat: anything-but", true),
    ("objarray: same element", true),
    ("objarray: split", false),
    ("objarray: 3 elem, last valid", true),
    ("objarray: 3-field, all in one", true),
    ("objarray: 3-field, split 3 ways", false),
    ("objarray: exact same elem", true),
    ("objarray: exact split", false),
    ("objarray: prefix same", true),
    ("objarray: prefix split", false),
    ("primarray: exists", true),
    ("primarray: exact match", true),
    ("primarray: no match", false),
    ("nested: inner same", true),
    ("nested: inner split", false),
    ("nested: outer split", false),
    ("nested: outer same", true),
    ("nested2: same leaf", true),
    ("nested2: split leaf", false),
    ("mixed: array+scalar match", true),
    ("mixed: array+scalar fail", false),
    ("exists-false: absent", true),
    ("exists-false: present", false),
    ("empty object", false),
    ("empty array", false),
    ("single-field rule", true),
    ("many elem one valid", true),
    ("numeric+exists array", true),
    ("anything-but array", true),
    ("primarray: large + scalar, exists", true),
    ("primarray: large + scalar, prefix", true),
    ("primarray: large + scalar, no match", false),
    ("primarray: nested under object", true),
    ("primarray: two prim arrays + scalar", true),
    ("primarray: exact match among many", true),
    ("primarray: numeric in array", true),
    ("primarray: anything-but in array", true),
    ("primarray: single value array", true),
    ("primarray: empty prim array", false),
    ("mixed: obj-array + prim-array", true),
    ("mixed: obj-array split + prim-array", false),
    ("deep prim: nested 3 levels", true),
    ("suffix match in array", true),
    (
        "N emails, only last element has name — dedup loses the only valid match",
        true,
    ),
    ("suffix match split", false),
];

#[test]
fn correctness_cases() {
    let text = std::fs::read("corpus/event-ruler/array-correctness-cases.json").unwrap();
    let parsed = Json::parse(&text).unwrap();
    let Json::Array(cases) = &parsed else {
        panic!("cases file is an array")
    };
    assert_eq!(cases.len(), VERDICTS.len());
    for case in cases {
        let Json::String(name) = member(case, "name") else {
            panic!("name")
        };
        let expected = VERDICTS
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no verdict for {name}"))
            .1;
        let pattern = Pattern::parse(&member(case, "rule").to_string()).unwrap();
        assert_eq!(
            reference::matches(&pattern, member(case, "event")),
            expected,
            "{name}"
        );
    }
}

/// event-ruler's `nestedArraysTest`: which of rules 1–3 each array event matches.
#[test]
fn nested_array_rules_and_events() {
    let rule = |i: usize| {
        Pattern::parse(
            &std::fs::read_to_string(format!("corpus/event-ruler/arrayRule{i}.json")).unwrap(),
        )
        .unwrap()
    };
    let event = |i: usize| {
        Json::parse(&std::fs::read(format!("corpus/event-ruler/arrayEvent{i}.json")).unwrap())
            .unwrap()
    };
    let rules = [rule(1), rule(2), rule(3)];
    let matching = |e: &Json| -> Vec<usize> {
        (0..3)
            .filter(|&r| reference::matches(&rules[r], e))
            .map(|r| r + 1)
            .collect()
    };
    assert_eq!(matching(&event(1)), [1, 2]);
    assert_eq!(matching(&event(2)), [] as [usize; 0]);
    // Event 3 matches rule 3 only by mixing array elements, which consistency forbids.
    assert_eq!(matching(&event(3)), [] as [usize; 0]);
    assert_eq!(matching(&event(4)), [3]);
}

#[test]
fn the_issue_example() {
    let pattern = Pattern::parse(r#"{"items": {"sku": ["A-1"], "qty": [1]}}"#).unwrap();
    let split =
        Json::parse(br#"{"items": [{"sku": "A-1", "qty": 2}, {"sku": "B-9", "qty": 1}]}"#).unwrap();
    let together =
        Json::parse(br#"{"items": [{"sku": "A-1", "qty": 1}, {"sku": "B-9", "qty": 2}]}"#).unwrap();
    assert!(!reference::matches(&pattern, &split));
    assert!(reference::matches(&pattern, &together));
}

/// The destination-routing rules in `corpus/destinations/rules.json` against the two records.
#[test]
fn destination_rules_route_the_sample_records() {
    let parsed = Json::parse(&std::fs::read("corpus/destinations/rules.json").unwrap()).unwrap();
    let Json::Object(rules) = &parsed else {
        panic!("rules file is an object")
    };
    let success = Json::parse(&std::fs::read("corpus/destinations/success.json").unwrap()).unwrap();
    let failure = Json::parse(&std::fs::read("corpus/destinations/failure.json").unwrap()).unwrap();
    let matching = |event: &Json| -> Vec<String> {
        rules
            .iter()
            .filter(|(_, p)| reference::matches(&Pattern::parse(&p.to_string()).unwrap(), event))
            .map(|(n, _)| n.clone())
            .collect()
    };
    assert_eq!(
        matching(&success),
        ["on-success", "orders-accepted", "big-orders"]
    );
    assert_eq!(matching(&failure), ["on-failure", "retried-unhandled"]);
}

/// Rules over two fields of the same array elements, on long arrays: the compiled matcher
/// jumps to the element of the anchor's hit instead of testing every element, and must still
/// agree with the reference, also where a path's values are not all in one array (a
/// duplicate key outside it, a second array, nested arrays).
#[test]
fn item_rules_on_long_arrays_agree_with_the_reference() {
    use evmatch::corpus::Rng;
    use evmatch::Ruleset;
    let mut rng = Rng::new(11);
    let rules = Ruleset::new();
    let mut patterns = Vec::new();
    for i in 0..40 {
        let sku = rng.below(30);
        let qty = rng.below(4);
        let text = match i % 4 {
            0 => format!(r#"{{"items": {{"sku": ["s{sku}"], "qty": [{qty}]}}}}"#),
            1 => format!(
                r#"{{"items": {{"sku": [{{"prefix": "s{sku}"}}], "qty": [{{"numeric": [">", {qty}]}}]}}}}"#
            ),
            2 => format!(r#"{{"items": {{"sku": ["s{sku}"], "tags": {{"t": ["x{qty}"]}}}}}}"#),
            _ => format!(
                r#"{{"items": {{"sku": ["s{sku}"], "qty": [{qty}], "tags": {{"t": ["x{qty}"]}}}}}}"#
            ),
        };
        rules.add_json(format!("r{i}"), &text).unwrap();
        patterns.push((format!("r{i}"), Pattern::parse(&text).unwrap()));
    }
    let mut compared = 0;
    let mut matched = 0;
    for _ in 0..300 {
        let element = |rng: &mut Rng| {
            let tags: Vec<String> = (0..rng.below(3))
                .map(|_| format!(r#"{{"t": "x{}"}}"#, rng.below(4)))
                .collect();
            format!(
                r#"{{"sku": "s{}", "qty": {}, "tags": [{}]}}"#,
                rng.below(30),
                rng.below(4),
                tags.join(",")
            )
        };
        let items: Vec<String> = (0..rng.below(60) + 1).map(|_| element(&mut rng)).collect();
        let mut event = format!(r#"{{"items": [{}]"#, items.join(","));
        match rng.below(4) {
            // A duplicate key outside the array: the path's values are no longer in order.
            0 => event.push_str(&format!(r#", "items": {}"#, element(&mut rng))),
            // A second array at the same path.
            1 => event.push_str(&format!(r#", "items": [{}]"#, element(&mut rng))),
            _ => {}
        }
        event.push('}');
        let json = Json::parse(event.as_bytes()).unwrap();
        let mut expected: Vec<String> = patterns
            .iter()
            .filter(|(_, p)| reference::matches(p, &json))
            .map(|(n, _)| n.clone())
            .collect();
        let mut got = rules.matches(event.as_bytes()).unwrap();
        expected.sort();
        got.sort();
        assert_eq!(got, expected, "{event}");
        compared += 1;
        matched += got.len();
    }
    assert_eq!(compared, 300);
    assert!(matched > 300, "the rules should match often: {matched}");
}

/// Arrays that are the value at a rule's own path (coordinates, lists of tags) hold values of
/// that one field only. The compiled matcher leaves them out of the positions and reports a
/// repeated number once: consistency must still be judged on the arrays above them, and
/// every element, however nested or repeated, must still count.
#[test]
fn arrays_at_a_fields_own_path() {
    use evmatch::Ruleset;
    let rules = Ruleset::new();
    let patterns = [
        ("same-element", r#"{"a": {"b": [3], "c": ["x"]}}"#),
        ("zero-in-y", r#"{"a": {"b": [0], "c": ["y"]}}"#),
        (
            "range-in-y",
            r#"{"a": {"b": [{"numeric": [">", 4]}], "c": ["y"]}}"#,
        ),
        ("after-object", r#"{"a": {"b": [5]}}"#),
        ("deep", r#"{"a": {"b": [7], "c": ["x"]}}"#),
        ("tag", r#"{"t": ["late"], "k": [{"exists": true}]}"#),
    ];
    for (name, text) in patterns {
        rules.add_json(name, text).unwrap();
    }
    let cases: &[(&str, &[&str])] = &[
        // 3 sits beside "y", not beside "x".
        (
            r#"{"a": [{"b": [1, 2], "c": "x"}, {"b": [3], "c": "y"}]}"#,
            &[],
        ),
        (
            r#"{"a": [{"b": [[1], [3, 3]], "c": "x"}, {"b": [2], "c": "y"}]}"#,
            &["same-element"],
        ),
        // The repeated 0 of the first element must not hide the 0 of the second.
        (
            r#"{"a": [{"b": [0, 0, 0], "c": "x"}, {"b": [0], "c": "y"}]}"#,
            &["zero-in-y"],
        ),
        (
            r#"{"a": [{"b": [0.0, 0.0], "c": "x"}, {"b": [1, 0.0, 0.0, 5], "c": "y"}]}"#,
            &["after-object", "range-in-y", "zero-in-y"],
        ),
        // Elements after an object inside the array are read (the object's members do not
        // end the reading).
        (r#"{"a": {"b": [{"x": 1}, 5]}, "z": 1}"#, &["after-object"]),
        (
            r#"{"a": {"b": [{"b": 5}, "5", [true, [null, [5]]]]}}"#,
            &["after-object"],
        ),
        (
            r#"{"a": [{"c": "x", "b": [[[1, 7], [7]], []]}, {"c": "z"}]}"#,
            &["deep"],
        ),
        (r#"{"t": ["early", "early", ["late"]], "k": [[]]}"#, &[]),
        (r#"{"t": ["early", ["late"]], "k": [[0]]}"#, &["tag"]),
    ];
    for (event, expected) in cases {
        let mut got = rules.matches(event.as_bytes()).unwrap();
        got.sort();
        let mut want: Vec<&str> = expected.to_vec();
        want.sort();
        assert_eq!(got, want, "{event}");
        let json = Json::parse(event.as_bytes()).unwrap();
        for (name, text) in patterns {
            assert_eq!(
                reference::matches(&Pattern::parse(text).unwrap(), &json),
                want.contains(&name),
                "reference, {name} on {event}"
            );
        }
    }
    // With every key of the rules read before the array, reading could stop after any
    // member: not inside the array, whose later elements still count.
    let alone = Ruleset::new();
    alone.add_json("five", r#"{"a": [5]}"#).unwrap();
    for event in [r#"{"a": [{"x": 1}, 5]}"#, r#"{"a": [[{"x": 1}], [5]]}"#] {
        assert_eq!(
            alone.matches(event.as_bytes()).unwrap(),
            ["five"],
            "{event}"
        );
    }
}
