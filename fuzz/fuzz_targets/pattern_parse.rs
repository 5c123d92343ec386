//! Any bytes as a pattern: parsing either succeeds or gives an error with a reason, never a
//! panic, and an accepted pattern written back to text parses to the same pattern.
#![no_main]

use evmatch::json::Json;
use evmatch::Pattern;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Pattern::parse(text) {
        Ok(pattern) => {
            let json = Json::parse(data).expect("an accepted pattern is JSON");
            let again = Pattern::parse(&json.to_string()).expect("written form parses");
            assert_eq!(pattern, again);
        }
        Err(e) => assert!(!e.reason().is_empty()),
    }
});
