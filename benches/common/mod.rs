//! What every bench times: one snapshot matching a batch of events, the way `evmatch match`
//! and `evmatch bench` do (names borrowed from the snapshot, nothing cloned per match).

use evmatch::ruleset::Scratch;
use evmatch::Snapshot;

/// Matches every event; returns the number of matches (so that nothing is optimized away).
pub fn match_all<N: Clone + Eq + std::hash::Hash>(
    snapshot: &Snapshot<N>,
    events: &[&[u8]],
    scratch: &mut Scratch,
) -> usize {
    let mut total = 0;
    for event in events {
        snapshot
            .matches_with(event, scratch, |_| total += 1)
            .expect("valid event");
    }
    total
}
