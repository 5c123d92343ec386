//! Measures the memory a rule set holds per rule: `cargo run --release --example rule_memory
//! [COUNT]` adds COUNT generated rules (exact and mixed), reports the bytes allocated and still
//! live and what one change costs a router under traffic (a rule added, an event matched, an
//! existing rule removed, the event matched again: the mean of 20), then removes them all and
//! reports what is left.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use evmatch::{corpus, Pattern, Ruleset};

/// The system allocator, counting the bytes live.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is passed through to `System` unchanged; only a counter is updated.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller upholds `alloc`'s contract, which `System.alloc` shares.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn main() {
    let count: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    for mixed in [false, true] {
        let patterns: Vec<(String, Pattern)> = corpus::scaling_rules(count, mixed, 1)
            .into_iter()
            .map(|(n, p)| (n, Pattern::parse(&p).expect("generated rules are valid")))
            .collect();
        let before = LIVE.load(Ordering::Relaxed);
        let rules = Ruleset::new();
        let started = std::time::Instant::now();
        rules
            .add_many(patterns.iter().map(|(n, p)| (n.clone(), p)))
            .expect("rules compile");
        let added = started.elapsed();
        let held = LIVE.load(Ordering::Relaxed) - before;
        let record = corpus::destination_records(1, 7);
        let extra = Pattern::parse(r#"{"source": ["lambda"], "detail": {"orderId": ["x"]}}"#)
            .expect("a valid pattern");
        rules.matches(record.as_bytes()).expect("a valid record"); // publish once
        let started = std::time::Instant::now();
        const CHANGES: usize = 20;
        for (i, (name, _)) in patterns.iter().take(CHANGES).enumerate() {
            rules.add(format!("extra-{i}"), &extra).expect("compiles");
            rules.matches(record.as_bytes()).expect("a valid record");
            rules.remove(name);
            rules.matches(record.as_bytes()).expect("a valid record");
        }
        let change = started.elapsed() / CHANGES as u32;
        let names: Vec<String> = patterns.iter().map(|(n, _)| n.clone()).collect();
        rules.remove_many(&names);
        let left = LIVE.load(Ordering::Relaxed).saturating_sub(before);
        println!(
            "{} {count} rules: added in {:.2} s, {} bytes held ({} per rule); add + match + \
             remove + match {:.2} ms; after removing all: {} bytes",
            if mixed { "mixed" } else { "exact" },
            added.as_secs_f64(),
            held,
            held / count,
            change.as_secs_f64() * 1e3,
            left
        );
    }
}
