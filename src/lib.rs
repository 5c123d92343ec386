//! Match JSON events against Amazon EventBridge event patterns, exactly as AWS evaluates them.
//!
//! An *event pattern* is a JSON document shaped like the events it selects: each field names a
//! path in the event and lists what may stand there. EventBridge routes events with such
//! patterns, and so do the routers built on this crate. For example, this rule picks the
//! successful results among AWS Lambda's asynchronous invocation records:
//!
//! ```
//! use evmatch::{json::Json, reference, Pattern};
//!
//! let rule = Pattern::parse(r#"{
//!     "source": ["lambda"],
//!     "detail": {"requestContext": {"condition": ["Success"]}}
//! }"#)?;
//! let record = Json::parse(br#"{
//!     "source": "lambda",
//!     "detail-type": "Lambda Function Invocation Result - Success",
//!     "detail": {
//!         "version": "1.0",
//!         "requestContext": {"condition": "Success", "approximateInvokeCount": 1},
//!         "responsePayload": {"statusCode": 200}
//!     }
//! }"#).unwrap();
//! assert!(reference::matches(&rule, &record));
//! # Ok::<(), evmatch::PatternError>(())
//! ```
//!
//! # The data path
//!
//! Pattern text goes through [`json`] (a strict reader that keeps member order and the spelling
//! of numbers, both of which AWS semantics depend on) into [`pattern`], which validates it in
//! the order AWS does and yields a typed [`Pattern`], or a [`PatternError`] carrying AWS's exact
//! message and the path inside the pattern where it failed. [`Pattern::branches`] multiplies
//! out `$or` into conjunctions of field conditions over dotted paths.
//!
//! [`reference`](mod@reference) evaluates a pattern against an event in the plainest possible way: flatten the
//! event into leaves, then search for an array-consistent choice of one leaf per field. It is
//! the oracle against which the compiled engine is tested.
//!
//! [`Ruleset`] is the compiled engine for many rules at once; a private `engine` module holds
//! it, one module per step of the data path:
//!
//! ```text
//! event bytes → [engine::scan, steered by a trie of the paths rules name] → (path, value, positions)
//!             → [engine::value_index::FieldIndex of the path at the root: maps, affixes, wildcard keys,
//!                range trees] → states of the matcher tree reached
//!             → [engine::walk down the engine::tree, on the values kept] → branches that end there
//!             → [engine::walk decides each: consistency fold over array elements] → rule names
//! ```
//!
//! The scan reads the event's bytes once, finds where strings end in a bit index of each
//! 64-byte block's quotes, backslashes and control bytes (built sixteen bytes at a time with
//! SSE2 on x86-64), skips what no rule names without parsing it (containers a block at a
//! time, by the parity of their quotes), reads arrays of a rule's own values (coordinates)
//! outside the array positions, plain stretches of numbers 64 bytes at a time with their
//! grammar checked by bit masks (`engine::number_runs`), reporting one number per segment of
//! the number line that the path's rules cut (the others could change nothing), borrows
//! strings from the
//! input, and stops reading as soon as the rest of the event provably cannot
//! change the result ([`Validation::Fast`]; [`Validation::Strict`] validates every byte). Rules
//! that begin with the same conditions share the states of the matcher tree, so a value that
//! a hundred thousand rules name (`source: lambda`, `condition: Success`) is one lookup and
//! one state, not a hundred thousand candidates; `tests/work_scaling.rs` counts the work per
//! record on six generated rule sets and holds it, at 100,000 rules, within twice that at
//! 1,000 beside the matches (BENCHMARKS.md gives the times, to 1,000,000 rules). Updates become an
//! immutable [`Snapshot`] that readers pick up atomically, published by the first reader after
//! them, so that a run of updates copies nothing (`engine::chunked` shares the tables
//! of names and branches piece by piece between snapshots).
//! A private `consistency` module holds the array-consistency procedures both matchers share,
//! and [`corpus`] the deterministic event generators that tests and benchmarks use.
//!
//! # Semantics in brief
//!
//! * A field matches when any of its listed values matches; all fields of a branch must match;
//!   a pattern matches when any `$or` branch does.
//! * An array in the event matches when any element does; arrays of objects are crushed into
//!   their parent path. A match never combines values from different object (or array)
//!   elements of one array; a plain value in an array goes with any of its elements, as in
//!   AWS's engine (`{"a": ["s"], "a.b": ["x"]}` matches `{"a": ["s", {"b": "x"}]}`).
//! * Numbers compare numerically within ±5.0e9 with six decimals (`300`, `300.0` and `3e2` are
//!   equal), and by spelling outside that domain. A string never equals a number.
//! * `prefix`, `suffix`, `equals-ignore-case`, `wildcard` and `cidr` match strings only;
//!   `numeric` matches numbers only; `anything-but` matches any present value it does not
//!   exclude, `null` included; `exists` looks at leaves only.
//! * A pattern key with dots (`"a.b"`) names the same path as nested keys `a` → `b`.
//! * IP addresses: IPv4 octets are decimal whatever their leading zeros (`010.0.0.1` is
//!   `10.0.0.1`); a CIDR block is the network of its base (`10.0.0.5/24` is `10.0.0.0/24`).
//! * A wildcard that several `$or` branches repeat on one field counts once toward the
//!   complexity limit; `anything-but` refuses an empty list of `prefix`, `suffix`,
//!   `equals-ignore-case` or `wildcard` values.
//!
//! [`number`] and [`cidr`] hold the number and address arithmetic these rules need.

#![deny(missing_docs)]
#![deny(unsafe_code)]

pub mod cidr;
mod consistency;
pub mod corpus;
pub mod destinations;
mod engine;
pub mod explain;
pub mod json;
pub mod number;
pub mod pattern;
pub mod reference;
pub mod rules;
pub mod ruleset;

pub use engine::scan::{EventError, Validation};
pub use pattern::{Pattern, PatternError};
pub use ruleset::{Ruleset, RulesetError, Snapshot, Stats};

/// The README's examples, run as doctests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
