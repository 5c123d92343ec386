//! Any bytes as an event, against every valid pattern of the AWS corpus in one rule set:
//! scanning never panics or hangs; strict reading accepts exactly the JSON objects; and on
//! every JSON object, fast reading, strict reading and the reference agree.
#![no_main]

use std::sync::OnceLock;

use evmatch::json::Json;
use evmatch::{reference, Pattern, Ruleset, Validation};
use libfuzzer_sys::fuzz_target;

struct Rules {
    patterns: Vec<(usize, Pattern)>,
    fast: Ruleset<usize>,
    strict: Ruleset<usize>,
}

fn rules() -> &'static Rules {
    static RULES: OnceLock<Rules> = OnceLock::new();
    RULES.get_or_init(|| {
        let mut patterns = Vec::new();
        for line in include_str!("../../corpus/aws/cases.jsonl").lines() {
            let parsed = Json::parse(line.as_bytes());
            let Ok(Json::Object(case)) = &parsed else {
                continue;
            };
            let Some((_, pattern)) = case.iter().find(|(k, _)| k == "pattern") else {
                continue;
            };
            if let Ok(p) = Pattern::parse(&pattern.to_string()) {
                patterns.push((patterns.len(), p));
            }
        }
        let fast = Ruleset::new();
        let strict = Ruleset::with_validation(Validation::Strict);
        for rules in [&fast, &strict] {
            rules
                .add_many(patterns.iter().map(|(i, p)| (*i, p)))
                .expect("corpus patterns compile");
        }
        Rules {
            patterns,
            fast,
            strict,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let rules = rules();
    let fast = rules.fast.matches(data);
    let strict = rules.strict.matches(data);
    let parsed = Json::parse(data);
    let is_object = matches!(parsed, Ok(Json::Object(_)));
    assert_eq!(strict.is_ok(), is_object, "strict reading accepts exactly the JSON objects");
    if let Ok(event) = parsed {
        if !is_object {
            return;
        }
        let mut expected: Vec<usize> = rules
            .patterns
            .iter()
            .filter(|(_, p)| reference::matches(p, &event))
            .map(|(i, _)| *i)
            .collect();
        expected.sort_unstable();
        let mut fast = fast.expect("a JSON object scans");
        let mut strict = strict.expect("a JSON object scans");
        fast.sort_unstable();
        strict.sort_unstable();
        assert_eq!(fast, expected);
        assert_eq!(strict, expected);
    }
});
