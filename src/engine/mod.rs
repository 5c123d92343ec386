//! The compiled engine behind [`Ruleset`](crate::Ruleset): how the bytes of one event become
//! the names of the rules it matches. Its modules follow the data path, in order:
//!
//! ```text
//! event bytes ──scan─────────▶ (path, value, array positions)   [only paths some rule names]
//!             ──value_index──▶ states reached from the root      [one index per path, shared]
//!             ──tree, walk───▶ states reached further on         [the values kept, state by state]
//!             ──walk─────────▶ branches ended there, decided     [array consistency; exact search]
//!             ─────────────▶ rule names, each once
//! ```
//!
//! - [`scan`]: reads the event's bytes once, steered by a trie of the paths that rules name
//!   ([`FieldTrie`](scan::FieldTrie)); everything else is skipped unparsed, and the scan stops
//!   once the rest cannot matter. Each value at a named path goes to a
//!   [`Visitor`](scan::Visitor) with the array elements it sits in.
//! - [`number_runs`]: plain arrays of numbers, read for the scan 64 bytes at a time.
//! - [`value_index`]: the value index of one path ([`FieldIndex`](value_index::FieldIndex)):
//!   matchers on the path compiled together, so that a lookup costs about the same for one rule
//!   as for a hundred thousand of the kinds it indexes (exact values, affixes, ASCII
//!   ignore-case, wildcards by key, ranges, `anything-but` lists); the other `anything-but`
//!   forms and non-ASCII ignore-case are tested one by one. Each value the scan reads is
//!   looked up in the index of its path at the tree's root.
//! - [`tree`]: the matcher tree: every `$or` branch a path of field conditions from one root,
//!   so that rules which begin with the same conditions share states.
//! - [`walk`]: the evaluation of one event: it keeps the scan's values and looks them up at the
//!   root, walks the tree on from the states they reach, and decides each branch that ends at
//!   a state reached (with the array-consistency procedures of
//!   [`consistency`](crate::consistency) where values sit in arrays).
//! - [`snapshot`]: the immutable state that the walk reads (the trie, the tree, the branches,
//!   the names of the rules), and how the branches of rules are inserted and removed.
//! - [`chunked`]: the tables that snapshots share piece by piece, so that an update copies only
//!   what it touches.
//!
//! Only the states and branches that an event's values reach are examined. What an event
//! costs then grows with the rules in two ways only, both counted by `tests/work_scaling.rs`
//! (which holds the work per record at 100,000 rules within twice that at 1,000, beside the
//! matches, on six generated rule sets): with how many of the event's values some rule names
//! (every item's `sku`, once rules name them all), and with the rules whose first fields match
//! but a later one fails (partial matches: a weakly selective suffix, then a field the event
//! lacks).

// In the order of the data path (a blank line keeps each in its place); then the state that
// the walk reads, and the tables it shares.

pub(crate) mod scan;

pub(crate) mod number_runs;

pub(crate) mod value_index;

pub(crate) mod tree;

pub(crate) mod walk;

pub(crate) mod snapshot;

pub(crate) mod chunked;
