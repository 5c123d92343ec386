//! One input split into a pattern and an event: matching never panics or hangs, and agrees
//! with matching the same event written back to text.
#![no_main]

use evmatch::json::Json;
use evmatch::{reference, Pattern};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(split) = data.iter().position(|&b| b == 0) else {
        return;
    };
    let (pattern, event) = (&data[..split], &data[split + 1..]);
    let Ok(pattern) = std::str::from_utf8(pattern) else {
        return;
    };
    let (Ok(pattern), Ok(event)) = (Pattern::parse(pattern), Json::parse(event)) else {
        return;
    };
    let verdict = reference::matches(&pattern, &event);
    let rewritten = Json::parse(event.to_string().as_bytes()).expect("written event parses");
    assert_eq!(verdict, reference::matches(&pattern, &rewritten));
});
