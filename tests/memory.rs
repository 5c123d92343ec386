//! What a rule set holds: within the documented budget per rule, and given back on removal.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

use evmatch::{corpus, Pattern, Ruleset};

/// The system allocator, counting the bytes live.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call is passed to `System` unchanged; only a counter is updated.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: the caller upholds `alloc`'s contract, which `System.alloc` shares.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn live() -> isize {
    LIVE.load(Ordering::Relaxed)
}

/// The budget the README states: 1,000,000 rules of the generated kinds within 1 GiB.
const BUDGET_PER_RULE: isize = 1 << 10;

#[test]
fn rules_stay_within_budget_and_removal_gives_memory_back() {
    // One test in this binary: the counter sees no other thread's allocations.
    let before = live();
    let block = vec![0u8; 4096];
    assert!(live() - before >= 4096, "the allocator counts");
    drop(block);
    assert_eq!(live(), before, "and uncounts");
    let one = || {
        let rules = Ruleset::new();
        rules
            .add_json("one".to_string(), r#"{"source": ["lambda"]}"#)
            .unwrap();
        rules
    };
    drop(one()); // first use: process-wide seeds of the hash maps are made once
    let before = live();
    let rules = one();
    assert!(live() > before);
    drop(rules);
    assert_eq!(live(), before, "a dropped rule set leaves nothing behind");
    if cfg!(miri) {
        return; // what follows takes hours under Miri, and reaches no other unsafe code
    }
    const COUNT: usize = 20_000;
    for mixed in [false, true] {
        let patterns: Vec<(String, Pattern)> = corpus::scaling_rules(COUNT, mixed, 1)
            .into_iter()
            .map(|(n, p)| (n, Pattern::parse(&p).unwrap()))
            .collect();
        let names: Vec<String> = patterns.iter().map(|(n, _)| n.clone()).collect();
        let before = live();
        let rules = Ruleset::new();
        rules
            .add_many(patterns.iter().map(|(n, p)| (n.clone(), p)))
            .unwrap();
        let held = live() - before;
        // `check` reports an estimate of this from the structures themselves.
        let estimate = rules.stats().memory_bytes as isize;
        eprintln!("mixed={mixed}: held {held}, estimated {estimate}");
        assert!(
            estimate > held / 2 && estimate < held * 2,
            "estimated {estimate} bytes, held {held}"
        );
        assert!(
            held < BUDGET_PER_RULE * COUNT as isize,
            "{held} bytes for {COUNT} rules"
        );
        // Three quarters removed, a thousand at a time: the set shrinks with them.
        for chunk in names[..COUNT * 3 / 4].chunks(1000) {
            assert_eq!(rules.remove_many(chunk), chunk.len());
        }
        assert!(rules.remove(&names[COUNT * 3 / 4]));
        rules
            .add(names[COUNT * 3 / 4].clone(), &patterns[COUNT * 3 / 4].1)
            .unwrap();
        let quarter = live() - before;
        assert!(
            quarter < held / 2,
            "{quarter} bytes still held for a quarter of {held}"
        );
        assert_eq!(rules.len(), COUNT / 4);
        // The rest in one update: (almost) nothing is left.
        assert_eq!(rules.remove_many(&names[COUNT * 3 / 4..]), COUNT / 4);
        let left = live() - before;
        assert!(left < 64 << 10, "{left} bytes left in an empty rule set");
        assert!(rules.is_empty());
        // And it still works.
        rules
            .add_json("again".to_string(), r#"{"source": ["lambda"]}"#)
            .unwrap();
        assert_eq!(
            rules.matches(br#"{"source": "lambda"}"#).unwrap(),
            ["again"]
        );
    }
}
