//! The work of matching an event does not grow with the rules that share its values: for each
//! generated rule set over the destination records, the work counted per record at 100,000
//! rules stays within twice that at 1,000 rules, beside a constant allowance per rule
//! reported. Work is counted (values read, lookups, states entered, branches decided,
//! consistency steps), never timed, so the test holds on a busy machine.

use evmatch::corpus;
use evmatch::ruleset::{Ruleset, Scratch, Work};

/// The work and the matches over `records` of the first `count` rules of `rules`.
fn work(rules: &[(String, String)], count: usize, records: &str) -> (u64, u64) {
    let set = Ruleset::new();
    let patterns: Vec<(String, evmatch::Pattern)> = rules[..count]
        .iter()
        .map(|(n, p)| (n.clone(), evmatch::Pattern::parse(p).unwrap()))
        .collect();
    set.add_many(patterns.iter().map(|(n, p)| (n.clone(), p)))
        .unwrap();
    let snapshot = set.snapshot();
    let mut scratch = Scratch::new();
    let (mut total, mut matches) = (0, 0);
    for record in records.lines() {
        let mut found = 0;
        snapshot
            .matches_with(record.as_bytes(), &mut scratch, |_| found += 1)
            .unwrap();
        let w: Work = scratch.work();
        assert_eq!(w.matches, found);
        total += w.total();
        matches += w.matches;
    }
    (total, matches)
}

/// Work a reported rule may add: the state where it ends, its decision, and a lookup.
const PER_MATCH: u64 = 4;

fn check(kind: &str, rules: Vec<(String, String)>) {
    let records = corpus::destination_records(300, 7);
    let (small, small_matches) = work(&rules, 1_000, &records);
    let (large, large_matches) = work(&rules, rules.len(), &records);
    eprintln!(
        "{kind}: 1,000 rules {small} work, {small_matches} matches; {} rules {large} work, {large_matches} matches",
        rules.len()
    );
    assert!(
        large <= 2 * small + PER_MATCH * large_matches,
        "{kind}: {large} work at {} rules against {small} at 1,000 ({large_matches} matches)",
        rules.len()
    );
}

#[test]
fn exact_rules() {
    check("rules-exact", corpus::scaling_rules(100_000, false, 1));
}

#[test]
fn mixed_rules() {
    check("rules-mixed", corpus::scaling_rules(100_000, true, 1));
}

#[test]
fn router_rules() {
    check("rules-router", corpus::router_rules(100_000, 1));
}

#[test]
fn product_rules() {
    check("rules-product", corpus::product_rules(100_000, 1));
}

#[test]
fn absent_rules() {
    check("rules-absent", corpus::absent_rules(100_000, 1));
}

#[test]
fn anything_but_rules() {
    check("rules-anything-but", corpus::anything_but_rules(100_000, 1));
}

/// An array of numbers at a path no rule looks beneath hands the matcher one number per
/// segment of the number line that the path's rules cut (a number of a segment already handed
/// over could change nothing): the values delivered do not grow with the coordinates.
#[test]
fn coordinates_deliver_one_number_per_segment() {
    let rules: Ruleset<String> = Ruleset::new();
    rules
        .add_json(
            "west".to_string(),
            r#"{"geometry": {"coordinates": [{"numeric": ["<", -122.45]}]}}"#,
        )
        .unwrap();
    rules
        .add_json(
            "band".to_string(),
            r#"{"geometry": {"coordinates": [{"numeric": [">", 37.7, "<=", 37.8]}]}}"#,
        )
        .unwrap();
    // Points -122.45, 37.7 and 37.8: seven segments, so at most seven values an array.
    let mut scratch = Scratch::new();
    for (lots, seed) in [(200usize, 3u64), (50, 4)] {
        for lot in corpus::citylots_6(lots, seed).lines() {
            let mut names = Vec::new();
            rules
                .snapshot()
                .matches_with(lot.as_bytes(), &mut scratch, |n| names.push(n.clone()))
                .unwrap();
            let values = scratch.work().values;
            assert!(values <= 7, "{values} values delivered for {lot}");
            // And the verdict is the reference's.
            let json = evmatch::json::Json::parse(lot.as_bytes()).unwrap();
            for name in ["west", "band"] {
                let pattern = match name {
                    "west" => r#"{"geometry": {"coordinates": [{"numeric": ["<", -122.45]}]}}"#,
                    _ => r#"{"geometry": {"coordinates": [{"numeric": [">", 37.7, "<=", 37.8]}]}}"#,
                };
                let expected =
                    evmatch::reference::matches(&evmatch::Pattern::parse(pattern).unwrap(), &json);
                assert_eq!(names.iter().any(|n| n == name), expected, "{name} on {lot}");
            }
        }
    }
}
