//! Event pattern syntax: parsing, validation and the typed syntax tree.
//!
//! [`Pattern::parse`] turns the JSON text of an EventBridge event pattern into a [`Pattern`],
//! or rejects it with a [`PatternError`] whose message is the one AWS gives. A pattern is kept
//! in two shapes:
//!
//! * the **document** ([`Pattern::document`]): objects, fields and `$or` groups as written, for
//!   tools that explain or display a pattern;
//! * the **branches** ([`Pattern::branches`]): the pattern with every `$or` multiplied out, each
//!   branch a conjunction of [`FieldCondition`]s over dotted field paths. This is what matching
//!   works on; a pattern matches an event when any branch does.
//!
//! Branches are formed the way AWS forms them: members are taken in document order, a field
//! named twice on the same path keeps its last list of values, and fields written after an
//! `$or` apply to every branch of it.

mod display;
mod error;
mod parse;
pub mod wildcard;

use std::collections::BTreeMap;
use std::ops::Bound;

pub use error::{ErrorKind, PathSegment, PatternError, PatternPath};
pub use wildcard::Wildcard;

use crate::cidr::{IpAddress, IpRange};
use crate::number::ComparableNumber;

/// A parsed, valid event pattern.
///
/// ```
/// use evmatch::Pattern;
/// let pattern = Pattern::parse(r#"{"detail": {"requestContext": {"condition": ["Success"]}}}"#)?;
/// assert_eq!(pattern.branches().len(), 1);
/// assert_eq!(pattern.branches()[0].fields()[0].path(), "detail.requestContext.condition");
/// # Ok::<(), evmatch::PatternError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Pattern {
    document: Object,
    branches: Vec<Branch>,
}

impl Pattern {
    /// Parses and validates a pattern with the default [`Limits`].
    pub fn parse(text: &str) -> Result<Pattern, PatternError> {
        Pattern::parse_with(text, &Limits::default())
    }

    /// Parses and validates a pattern with the given limits.
    pub fn parse_with(text: &str, limits: &Limits) -> Result<Pattern, PatternError> {
        parse::parse(text.as_bytes(), limits)
    }

    /// Parses and validates a pattern given as a `serde_json` value.
    ///
    /// A `serde_json` map keeps one member per key, so a pattern that repeats a key is better
    /// given as text to [`Pattern::parse`].
    pub fn from_value(value: &serde_json::Value) -> Result<Pattern, PatternError> {
        let json = crate::json::Json::from_serde(value);
        parse::parse_json(&json, &Limits::default())
    }

    /// The pattern as written: objects, fields and `$or` groups.
    pub fn document(&self) -> &Object {
        &self.document
    }

    /// The pattern with `$or` multiplied out: it matches when any branch matches.
    pub fn branches(&self) -> &[Branch] {
        &self.branches
    }
}

/// Bounds on the patterns [`Pattern::parse_with`] accepts. Each bound protects the matcher from
/// a pattern that would cost too much to hold or to evaluate.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Largest pattern text, in bytes. Default: 256 KiB.
    pub max_size: usize,
    /// Deepest nesting of objects and arrays. Default: 64.
    pub max_depth: usize,
    /// Most branches once `$or` is multiplied out. Default: 1,024.
    pub max_branches: usize,
    /// Most values in one array of the pattern (a field's list of values, an `anything-but`
    /// list). Default: 10,000.
    pub max_values: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_size: 256 << 10,
            max_depth: 64,
            max_branches: 1024,
            max_values: 10_000,
        }
    }
}

/// An object of the pattern document.
#[derive(Clone, Debug, PartialEq)]
pub struct Object {
    /// Members in document order.
    pub members: Vec<Member>,
}

/// A member of a pattern object.
#[derive(Clone, Debug, PartialEq)]
pub enum Member {
    /// A field: a key with a nested object or a list of matchers.
    Field {
        /// The key as written (it may contain dots).
        key: String,
        /// What the field holds.
        value: FieldValue,
    },
    /// An `$or` group: the object matches when any of the branches does.
    Or(Vec<Object>),
}

/// The value of a pattern field.
#[derive(Clone, Debug, PartialEq)]
pub enum FieldValue {
    /// A nested object: its fields are tested under this key.
    Object(Object),
    /// A list of matchers: the field matches when any of them does.
    Matchers(Vec<Matcher>),
}

/// One branch of a pattern: every field condition must hold.
#[derive(Clone, Debug, PartialEq)]
pub struct Branch {
    fields: Vec<FieldCondition>,
}

impl Branch {
    /// The conditions, one per field path, sorted by path.
    pub fn fields(&self) -> &[FieldCondition] {
        &self.fields
    }

    fn from_map(map: BTreeMap<String, FieldCondition>) -> Branch {
        Branch {
            fields: map.into_values().collect(),
        }
    }
}

/// The condition a branch puts on one field path: any of the matchers must match.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldCondition {
    path: String,
    location: PatternPath,
    matchers: Vec<Matcher>,
}

impl FieldCondition {
    /// The field's path in the event, keys joined by `.` (`detail.requestContext.condition`).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Where the field's list of values stands in the pattern document.
    pub fn location(&self) -> &PatternPath {
        &self.location
    }

    /// The matchers, in the order written; any one matching is enough.
    pub fn matchers(&self) -> &[Matcher] {
        &self.matchers
    }

    /// Whether this field matches when the event has no value at its path: true when one of
    /// the matchers is `{"exists": false}`.
    pub fn matches_absent(&self) -> bool {
        self.matchers
            .iter()
            .any(|m| matches!(m, Matcher::Exists(false)))
    }
}

/// A test on one value of an event.
#[derive(Clone, Debug, PartialEq)]
pub enum Matcher {
    /// Equal to a JSON literal: `"text"`, `3`, `true`, `null`.
    Exact(Literal),
    /// A string starting with `value` (ignoring case if asked).
    Prefix {
        /// The prefix.
        value: String,
        /// Compare ignoring case.
        ignore_case: bool,
    },
    /// A string ending with `value` (ignoring case if asked).
    Suffix {
        /// The suffix.
        value: String,
        /// Compare ignoring case.
        ignore_case: bool,
    },
    /// A string equal to this one ignoring case.
    EqualsIgnoreCase(String),
    /// A string matching a wildcard pattern.
    Wildcard(Wildcard),
    /// A number within a range.
    Numeric(NumericRange),
    /// A string that is an IP address within a range.
    Cidr(IpRange),
    /// `exists: true` — some value is at the path; `exists: false` — none is.
    Exists(bool),
    /// Any value present at the path except those described.
    AnythingBut(AnythingBut),
}

/// A JSON literal to match exactly.
#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    /// A string. When the string is an IP address literal, AWS compares it as an address, so
    /// `ip` holds the parsed address.
    String {
        /// The string.
        value: String,
        /// The address, if `value` is an IP address literal (and not given with `exactly`).
        ip: Option<IpAddress>,
    },
    /// A number: equal numerically when both sides are comparable, else equal by spelling.
    Number {
        /// The spelling in the pattern.
        text: String,
        /// The value, when it is in the comparable domain.
        value: Option<ComparableNumber>,
    },
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
}

/// A numeric range; `=` is the range with equal inclusive bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NumericRange {
    /// The lower bound.
    pub lower: Bound<ComparableNumber>,
    /// The upper bound.
    pub upper: Bound<ComparableNumber>,
}

impl NumericRange {
    /// Whether `n` is within the range.
    pub fn contains(&self, n: ComparableNumber) -> bool {
        (match self.lower {
            Bound::Included(b) => n >= b,
            Bound::Excluded(b) => n > b,
            Bound::Unbounded => true,
        }) && (match self.upper {
            Bound::Included(b) => n <= b,
            Bound::Excluded(b) => n < b,
            Bound::Unbounded => true,
        })
    }
}

/// The values an `anything-but` excludes.
#[derive(Clone, Debug, PartialEq)]
pub enum AnythingBut {
    /// Strings equal to one of these.
    Strings(Vec<String>),
    /// Numbers numerically equal to one of these.
    Numbers(Vec<ComparableNumber>),
    /// Strings starting with one of these.
    Prefixes(Vec<String>),
    /// Strings ending with one of these.
    Suffixes(Vec<String>),
    /// Strings equal to one of these ignoring case.
    EqualsIgnoreCase(Vec<String>),
    /// Strings matching one of these wildcards.
    Wildcards(Vec<Wildcard>),
}

/// The two spellings AWS accepts for one pattern character when case is ignored: its lower
/// case and its upper case (each possibly several characters, as `ß` → `SS`).
///
/// AWS does not fold case: each character of the pattern must be met in the value by its lower
/// or its upper case form. So `ß` matches `ß` and `SS` but not `ss`.
fn case_alternatives(c: char) -> [String; 2] {
    [c.to_lowercase().collect(), c.to_uppercase().collect()]
}

/// Where the value can stand after `pattern` has been met from its start, ignoring case.
fn ignore_case_ends(pattern: &str, value: &str) -> Vec<usize> {
    let mut positions = vec![0usize];
    for c in pattern.chars() {
        let alternatives = case_alternatives(c);
        let mut next = Vec::new();
        for &p in &positions {
            for alt in &alternatives {
                if value[p..].starts_with(alt.as_str()) && !next.contains(&(p + alt.len())) {
                    next.push(p + alt.len());
                }
            }
        }
        if next.is_empty() {
            return next;
        }
        positions = next;
    }
    positions
}

/// Whether `value` equals `pattern` ignoring case, as AWS compares.
pub fn equals_ignore_case(pattern: &str, value: &str) -> bool {
    ignore_case_ends(pattern, value).contains(&value.len())
}

/// Whether `value` starts with `pattern` ignoring case, as AWS compares.
pub fn starts_with_ignore_case(pattern: &str, value: &str) -> bool {
    !ignore_case_ends(pattern, value).is_empty()
}

/// Whether `value` ends with `pattern` ignoring case, as AWS compares.
pub fn ends_with_ignore_case(pattern: &str, value: &str) -> bool {
    // Meet the pattern backwards from the end of the value.
    let mut positions = vec![value.len()];
    for c in pattern.chars().rev() {
        let alternatives = case_alternatives(c);
        let mut next = Vec::new();
        for &p in &positions {
            for alt in &alternatives {
                if value[..p].ends_with(alt.as_str()) && !next.contains(&(p - alt.len())) {
                    next.push(p - alt.len());
                }
            }
        }
        if next.is_empty() {
            return false;
        }
        positions = next;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignore_case_uses_lower_or_upper_form_per_character() {
        assert!(equals_ignore_case("EventB", "eVENTb"));
        assert!(equals_ignore_case("", ""));
        assert!(!equals_ignore_case("", "a"));
        assert!(!equals_ignore_case("abc", "abcd"));
        assert!(equals_ignore_case("straße", "STRASSE"));
        assert!(equals_ignore_case("straße", "straße"));
        assert!(!equals_ignore_case("straße", "strasse"));
        assert!(equals_ignore_case("ÉTÉ", "été"));
        assert!(starts_with_ignore_case("EventB", "EVENTBRIDGE"));
        assert!(!starts_with_ignore_case("EventB", "Event"));
        assert!(ends_with_ignore_case(".png", "IMAGE.PNG"));
        assert!(ends_with_ignore_case("ß", "GROSS"));
        assert!(!ends_with_ignore_case(".png", "png"));
        assert!(ends_with_ignore_case("", "anything"));
    }
}
