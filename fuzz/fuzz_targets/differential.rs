//! One input split at its first NUL byte into a pattern and an event: the compiled rule set,
//! reading fast and strictly, agrees with the reference matcher on every valid pair.
#![no_main]

use evmatch::json::Json;
use evmatch::{reference, Pattern, Ruleset, Validation};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(split) = data.iter().position(|&b| b == 0) else {
        return;
    };
    let (pattern, event) = (&data[..split], &data[split + 1..]);
    let Ok(pattern) = std::str::from_utf8(pattern) else {
        return;
    };
    let Ok(pattern) = Pattern::parse(pattern) else {
        return;
    };
    for validation in [Validation::Fast, Validation::Strict] {
        let rules = Ruleset::with_validation(validation);
        rules.add("r", &pattern).expect("a valid pattern compiles");
        let got = rules.matches(event);
        match Json::parse(event) {
            Ok(json @ Json::Object(_)) => {
                let expected = reference::matches(&pattern, &json);
                let got = got.expect("a JSON object scans");
                assert_eq!(!got.is_empty(), expected, "{validation:?}");
            }
            // Not an object: strict reading rejects it; fast reading may not look far enough.
            _ if validation == Validation::Strict => assert!(got.is_err()),
            _ => {}
        }
    }
});
