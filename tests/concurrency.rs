//! A rule set shared across threads: readers match while a writer adds and removes rules, and
//! no reader ever sees an update half applied or waits for one to be built.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

use evmatch::{Pattern, Ruleset, Snapshot};

const EVENT: &[u8] = br#"{"source": "lambda", "detail": {"requestContext": {"condition": "Success", "approximateInvokeCount": 2}, "responsePayload": {"source": "shop.orders", "items": [{"sku": "A-1", "qty": 2}]}}}"#;

#[test]
fn rule_sets_and_snapshots_cross_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<Ruleset<String>>();
    shared::<Snapshot<String>>();
    shared::<Arc<Snapshot<&'static str>>>();
}

/// Ten patterns that all match `EVENT`, over several operators and paths.
fn batch() -> Vec<Pattern> {
    [
        r#"{"source": ["lambda"]}"#,
        r#"{"detail": {"requestContext": {"condition": ["Success"]}}}"#,
        r#"{"detail": {"requestContext": {"approximateInvokeCount": [{"numeric": [">", 1]}]}}}"#,
        r#"{"detail": {"responsePayload": {"source": [{"prefix": "shop."}]}}}"#,
        r#"{"detail": {"responsePayload": {"source": [{"wildcard": "*.orders"}]}}}"#,
        r#"{"detail": {"responsePayload": {"items": {"sku": ["A-1"], "qty": [2]}}}}"#,
        r#"{"source": [{"anything-but": ["aws.s3"]}]}"#,
        r#"{"detail": {"responseContext": {"functionError": [{"exists": false}]}}}"#,
        r#"{"$or": [{"source": ["x"]}, {"detail": {"requestContext": {"condition": [{"equals-ignore-case": "SUCCESS"}]}}}]}"#,
        r#"{"detail": {"responsePayload": {"source": [{"suffix": "orders"}]}}}"#,
    ]
    .iter()
    .map(|p| Pattern::parse(p).unwrap())
    .collect()
}

#[test]
fn readers_never_see_half_an_update() {
    let rules: Arc<Ruleset<String>> = Arc::new(Ruleset::new());
    // A rule that is always there, and one name that is always there with all ten patterns.
    rules
        .add_json("steady".into(), r#"{"source": ["lambda"]}"#)
        .unwrap();
    let patterns = batch();
    let done = Arc::new(AtomicBool::new(false));
    let observed = Arc::new(AtomicUsize::new(0));

    let readers: Vec<_> = (0..3)
        .map(|_| {
            let (rules, done, observed) = (rules.clone(), done.clone(), observed.clone());
            thread::spawn(move || {
                let mut rounds = 0usize;
                while !done.load(Ordering::Relaxed) || rounds < 100 {
                    let names = rules.matches(EVENT).unwrap();
                    assert!(names.iter().any(|n| n == "steady"), "{names:?}");
                    // Every update adds or removes ten names at once: a reader sees all of
                    // a generation's names or none of them.
                    let mut generations = std::collections::HashMap::new();
                    for name in names.iter().filter(|n| n.starts_with("gen-")) {
                        let generation = name.split('-').nth(1).unwrap().to_string();
                        *generations.entry(generation).or_insert(0) += 1;
                    }
                    for (generation, count) in generations {
                        assert_eq!(count, 10, "generation {generation} half applied: {names:?}");
                    }
                    // A name with several patterns counts once.
                    let shared = names.iter().filter(|n| *n == "shared").count();
                    assert!(shared <= 1, "{names:?}");
                    rounds += 1;
                }
                observed.fetch_add(rounds, Ordering::Relaxed);
            })
        })
        .collect();

    for generation in 0..200 {
        let names: Vec<String> = (0..10).map(|i| format!("gen-{generation}-{i}")).collect();
        rules
            .add_many(names.iter().cloned().zip(&patterns))
            .unwrap();
        rules
            .add_many(patterns.iter().map(|p| ("shared".to_string(), p)))
            .unwrap();
        if generation >= 2 {
            let old: Vec<String> = (0..10)
                .map(|i| format!("gen-{}-{i}", generation - 2))
                .collect();
            assert_eq!(rules.remove_many(&old), 10);
        }
        assert!(rules.remove(&"shared".to_string()));
    }
    done.store(true, Ordering::Relaxed);
    for reader in readers {
        reader.join().unwrap();
    }
    assert!(observed.load(Ordering::Relaxed) >= 300);
    // Generations 198 and 199 remain, plus the steady rule.
    assert_eq!(rules.len(), 21);
    let mut names = rules.matches(EVENT).unwrap();
    names.sort();
    assert_eq!(names.len(), 21);
}

#[test]
fn readers_go_on_while_a_large_update_is_built() {
    let rules: Arc<Ruleset<String>> = Arc::new(Ruleset::new());
    rules
        .add_json("steady".into(), r#"{"source": ["lambda"]}"#)
        .unwrap();
    let building = Arc::new(AtomicBool::new(false));
    let finished = Arc::new(AtomicBool::new(false));
    let writer = {
        let (rules, building, finished) = (rules.clone(), building.clone(), finished.clone());
        thread::spawn(move || {
            let patterns: Vec<(String, Pattern)> = (0..40_000)
                .map(|i| {
                    let p =
                        format!(r#"{{"detail": {{"responsePayload": {{"source": ["s{i}"]}}}}}}"#);
                    (format!("r{i}"), Pattern::parse(&p).unwrap())
                })
                .collect();
            building.store(true, Ordering::SeqCst);
            rules
                .add_many(patterns.iter().map(|(n, p)| (n.clone(), p)))
                .unwrap();
            finished.store(true, Ordering::SeqCst);
        })
    };
    while !building.load(Ordering::SeqCst) {
        thread::yield_now();
    }
    let mut during = 0;
    while !finished.load(Ordering::SeqCst) {
        let names = rules.matches(EVENT).unwrap();
        if !finished.load(Ordering::SeqCst) {
            // Still the old state: the update is not visible until it is complete.
            if rules.len() == 1 {
                assert_eq!(names, ["steady"]);
            }
            during += 1;
        }
    }
    writer.join().unwrap();
    assert!(
        during > 0,
        "no reader got through while the update was built"
    );
    assert_eq!(rules.len(), 40_001);
}

/// Readers match a stream of events while a writer adds and removes thousands of rules, one
/// and several at a time. Every result a reader sees must be exactly the result of one of the
/// complete rule sets that stood while it matched (no half-applied update, no lost rule), and
/// the run ends with exactly the rules the writer left.
#[test]
fn every_result_is_that_of_a_complete_rule_set() {
    use evmatch::json::Json;
    use evmatch::{corpus, reference};
    use std::sync::atomic::AtomicU64;

    // 60 rules over every operator, and the verdict of each on each event of the stream.
    let pool: Vec<(String, Pattern)> = corpus::scaling_rules(60, true, 9)
        .into_iter()
        .map(|(n, p)| (n, Pattern::parse(&p).unwrap()))
        .collect();
    let records = corpus::destination_records(16, 9);
    let events: Vec<Vec<u8>> = records.lines().map(|l| l.as_bytes().to_vec()).collect();
    let verdicts: Vec<u64> = events
        .iter()
        .map(|e| {
            let json = Json::parse(e).unwrap();
            pool.iter()
                .enumerate()
                .filter(|(_, (_, p))| reference::matches(p, &json))
                .fold(0u64, |m, (i, _)| m | 1 << i)
        })
        .collect();
    assert!(
        verdicts.iter().any(|&v| v != 0),
        "the stream must match something"
    );

    // The writer's plan: every state the rule set goes through, as a bit set of the pool.
    let mut rng = corpus::Rng::new(3);
    let mut states = vec![0u64];
    let mut plan: Vec<(bool, Vec<usize>)> = Vec::new();
    for _ in 0..3000 {
        let current = *states.last().unwrap();
        let add = rng.chance(55);
        let size = if rng.chance(80) {
            1
        } else {
            1 + rng.below(6) as usize
        };
        let picks: Vec<usize> = (0..size)
            .map(|_| rng.below(pool.len() as u64) as usize)
            .filter(|&i| (current >> i & 1 == 1) != add)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        if picks.is_empty() {
            continue;
        }
        let next = picks.iter().fold(
            current,
            |s, &i| if add { s | 1 << i } else { s & !(1 << i) },
        );
        plan.push((add, picks));
        states.push(next);
    }
    let states = Arc::new(states);
    let verdicts = Arc::new(verdicts);
    let events = Arc::new(events);
    let rules: Arc<Ruleset<String>> = Arc::new(Ruleset::new());
    let version = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let index: std::collections::HashMap<String, usize> = pool
        .iter()
        .enumerate()
        .map(|(i, (n, _))| (n.clone(), i))
        .collect();
    let index = Arc::new(index);

    let readers: Vec<_> = (0..3)
        .map(|r| {
            let (rules, version, done) = (rules.clone(), version.clone(), done.clone());
            let (states, verdicts, events, index) =
                (states.clone(), verdicts.clone(), events.clone(), index.clone());
            thread::spawn(move || {
                let mut checked = 0usize;
                let mut k = r;
                while !done.load(Ordering::SeqCst) || checked < 200 {
                    let e = k % events.len();
                    k += 1;
                    let low = version.load(Ordering::SeqCst) as usize;
                    let names = rules.matches(&events[e]).unwrap();
                    let high = version.load(Ordering::SeqCst) as usize;
                    let seen = names.iter().fold(0u64, |m, n| m | 1 << index[n]);
                    // The update in flight may already be visible: states low..=high+1.
                    let top = (high + 1).min(states.len() - 1);
                    assert!(
                        (low..=top).any(|s| states[s] & verdicts[e] == seen),
                        "event {e}: {names:?} is no complete rule set's result between states {low} and {top}"
                    );
                    checked += 1;
                }
                checked
            })
        })
        .collect();

    for (step, (add, picks)) in plan.iter().enumerate() {
        if *add {
            rules
                .add_many(picks.iter().map(|&i| (pool[i].0.clone(), &pool[i].1)))
                .unwrap();
        } else {
            let names: Vec<String> = picks.iter().map(|&i| pool[i].0.clone()).collect();
            assert_eq!(rules.remove_many(&names), names.len());
        }
        version.store(step as u64 + 1, Ordering::SeqCst);
    }
    done.store(true, Ordering::SeqCst);
    let checked: usize = readers.into_iter().map(|r| r.join().unwrap()).sum();
    assert!(checked >= 600);
    // Exactly the rules of the last state remain.
    let last = *states.last().unwrap();
    assert_eq!(rules.len(), last.count_ones() as usize);
    for (e, event) in events.iter().enumerate() {
        let seen = rules
            .matches(event)
            .unwrap()
            .iter()
            .fold(0u64, |m, n| m | 1 << index[n]);
        assert_eq!(seen, last & verdicts[e]);
    }
}
