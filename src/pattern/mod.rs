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
    ///
    /// ```
    /// use evmatch::Pattern;
    ///
    /// let rule = Pattern::parse(r#"{"source": ["lambda"], "detail-type": [{"prefix": "Lambda"}]}"#)?;
    /// assert_eq!(rule.branches()[0].fields().len(), 2);
    /// let err = Pattern::parse(r#"{"source": []}"#).unwrap_err();
    /// assert_eq!(err.reason(), "Empty arrays are not allowed");
    /// # Ok::<(), evmatch::PatternError>(())
    /// ```
    pub fn parse(text: &str) -> Result<Pattern, PatternError> {
        Pattern::parse_with(text, &Limits::default())
    }

    /// Parses and validates a pattern with the given limits.
    ///
    /// ```
    /// use evmatch::pattern::{ErrorKind, Limits, Pattern};
    ///
    /// let text = r#"{"$or": [{"source": ["lambda"]}, {"source": ["sqs"]}, {"source": ["sns"]}]}"#;
    /// assert_eq!(Pattern::parse(text)?.branches().len(), 3);
    /// let limits = Limits { max_branches: 2, ..Limits::default() };
    /// let err = Pattern::parse_with(text, &limits).unwrap_err();
    /// assert_eq!(err.kind(), &ErrorKind::TooManyBranches { limit: 2 });
    /// # Ok::<(), evmatch::PatternError>(())
    /// ```
    pub fn parse_with(text: &str, limits: &Limits) -> Result<Pattern, PatternError> {
        parse::parse(text.as_bytes(), limits)
    }

    /// A pattern from a document already read (a member of a rule file), with the default
    /// limits but for the text's size, which the reader has checked.
    pub(crate) fn from_json(json: &crate::json::Json) -> Result<Pattern, PatternError> {
        parse::parse_json(json, &Limits::default())
    }

    /// Parses and validates a pattern given as a `serde_json` value.
    ///
    /// A `serde_json` map keeps one member per key, so a pattern that repeats a key is better
    /// given as text to [`Pattern::parse`].
    ///
    /// ```
    /// use evmatch::Pattern;
    ///
    /// let value = serde_json::json!({"detail": {"requestContext": {"condition": ["Success"]}}});
    /// let rule = Pattern::from_value(&value)?;
    /// assert_eq!(rule, Pattern::parse(&value.to_string())?);
    /// assert!(Pattern::from_value(&serde_json::json!({"source": "lambda"})).is_err());
    /// # Ok::<(), evmatch::PatternError>(())
    /// ```
    pub fn from_value(value: &serde_json::Value) -> Result<Pattern, PatternError> {
        let json = crate::json::Json::from_serde(value);
        parse::parse_json(&json, &Limits::default())
    }

    /// The pattern as written: objects, fields and `$or` groups.
    ///
    /// ```
    /// use evmatch::pattern::{FieldValue, Member, Pattern};
    ///
    /// let rule = Pattern::parse(r#"{"detail.requestContext": {"condition": ["Success"]}}"#)?;
    /// let Member::Field { key, value } = &rule.document().members[0] else { panic!("not a field") };
    /// assert_eq!(key, "detail.requestContext"); // as written, dots and all
    /// assert!(matches!(value, FieldValue::Object(_)));
    /// # Ok::<(), evmatch::PatternError>(())
    /// ```
    pub fn document(&self) -> &Object {
        &self.document
    }

    /// The pattern with `$or` multiplied out: it matches when any branch matches.
    ///
    /// ```
    /// use evmatch::Pattern;
    ///
    /// let rule = Pattern::parse(r#"{"source": ["lambda"], "$or": [
    ///     {"detail": {"requestContext": {"condition": ["Success"]}}},
    ///     {"detail": {"responseContext": {"statusCode": [200]}}}
    /// ]}"#)?;
    /// let paths: Vec<Vec<&str>> =
    ///     rule.branches().iter().map(|b| b.fields().iter().map(|f| f.path()).collect()).collect();
    /// assert_eq!(paths[0], ["detail.requestContext.condition", "source"]);
    /// assert_eq!(paths[1], ["detail.responseContext.statusCode", "source"]);
    /// # Ok::<(), evmatch::PatternError>(())
    /// ```
    pub fn branches(&self) -> &[Branch] {
        &self.branches
    }
}

/// The deepest nesting [`Pattern::parse_with`] reads, whatever [`Limits::max_depth`] asks.
///
/// Validation recurses once per level of the pattern, and a debug build takes over 2 KiB of
/// stack a level: 256 levels hold in about 0.6 MiB, well within the 2 MiB of a spawned
/// thread. A larger `max_depth` is clamped to this, and the error names the limit applied.
///
/// ```
/// use evmatch::pattern::{ErrorKind, Limits, Pattern, MAX_DEPTH};
///
/// let unlimited = Limits { max_depth: usize::MAX, max_size: usize::MAX, ..Limits::default() };
/// let deep = format!("{}[1]{}", r#"{"a": "#.repeat(100_000), "}".repeat(100_000));
/// let err = Pattern::parse_with(&deep, &unlimited).unwrap_err();
/// assert!(err.to_string().contains(&format!("deeper than {MAX_DEPTH} levels")), "{err}");
/// ```
pub const MAX_DEPTH: usize = 256;

/// The most branches [`Pattern::parse_with`] multiplies `$or` out to, whatever
/// [`Limits::max_branches`] asks.
///
/// Branches are built one by one as each `$or` multiplies those before it, so the cost of
/// refusing a pattern is that of this many branches: twenty `$or`s of two would otherwise make
/// a million. A larger `max_branches` is clamped to this.
///
/// ```
/// use evmatch::pattern::{ErrorKind, Limits, Pattern, MAX_BRANCHES};
///
/// let unlimited = Limits { max_branches: usize::MAX, ..Limits::default() };
/// let ors: Vec<String> = (0..20).map(|i| format!(r#""$or": [{{"a{i}": [1]}}, {{"b{i}": [2]}}]"#)).collect();
/// let err = Pattern::parse_with(&format!("{{{}}}", ors.join(", ")), &unlimited).unwrap_err();
/// assert_eq!(err.kind(), &ErrorKind::TooManyBranches { limit: MAX_BRANCHES });
/// ```
pub const MAX_BRANCHES: usize = 16_384;

/// Bounds on the patterns [`Pattern::parse_with`] accepts. Each bound protects the matcher from
/// a pattern that would cost too much to hold or to evaluate.
///
/// ```
/// use evmatch::pattern::{ErrorKind, Limits, Pattern};
///
/// let limits = Limits { max_values: 2, ..Limits::default() };
/// let text = r#"{"source": ["lambda", "sqs", "sns"]}"#;
/// let err = Pattern::parse_with(text, &limits).unwrap_err();
/// assert_eq!(err.kind(), &ErrorKind::TooManyValues { limit: 2 });
/// assert_eq!(err.path().to_string(), "source");
/// ```
#[derive(Clone, Debug)]
pub struct Limits {
    /// Largest pattern text, in bytes. Default: 256 KiB.
    pub max_size: usize,
    /// Deepest nesting of objects and arrays. Default: 64; at most [`MAX_DEPTH`] (a larger
    /// value is clamped to it).
    pub max_depth: usize,
    /// Most branches once `$or` is multiplied out. Default: 1,024; at most [`MAX_BRANCHES`] (a
    /// larger value is clamped to it).
    pub max_branches: usize,
    /// Most values in one array of the pattern (a field's list of values, an `anything-but`
    /// list). Default: 10,000.
    pub max_values: usize,
}

impl Limits {
    /// The limits in force: the caller's, held under the ceilings the stack and the time of
    /// validation allow.
    fn clamped(&self) -> Limits {
        Limits {
            max_depth: self.max_depth.min(MAX_DEPTH),
            max_branches: self.max_branches.min(MAX_BRANCHES),
            ..self.clone()
        }
    }
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
///
/// ```
/// use evmatch::pattern::{Member, Pattern};
///
/// let rule = Pattern::parse(r#"{"source": ["lambda"], "$or": [{"a": [1]}, {"b": [2]}]}"#)?;
/// let members = &rule.document().members;
/// assert!(matches!(&members[0], Member::Field { key, .. } if key == "source"));
/// assert!(matches!(&members[1], Member::Or(branches) if branches.len() == 2));
/// # Ok::<(), evmatch::PatternError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Object {
    /// Members in document order.
    pub members: Vec<Member>,
}

/// A member of a pattern object.
///
/// ```
/// use evmatch::pattern::{Member, Pattern};
///
/// let rule = Pattern::parse(r#"{"$or": [{"source": ["lambda"]}, {"source": ["sqs"]}]}"#)?;
/// let Member::Or(alternatives) = &rule.document().members[0] else { panic!("not $or") };
/// assert_eq!(alternatives.len(), 2);
/// assert!(matches!(&alternatives[1].members[0], Member::Field { key, .. } if key == "source"));
/// # Ok::<(), evmatch::PatternError>(())
/// ```
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
///
/// ```
/// use evmatch::pattern::{FieldValue, Member, Pattern};
///
/// let rule = Pattern::parse(r#"{"detail": {"status": ["Success", "Failure"]}}"#)?;
/// let Member::Field { value: FieldValue::Object(detail), .. } = &rule.document().members[0]
///     else { panic!("not an object") };
/// let Member::Field { value, .. } = &detail.members[0] else { panic!("not a field") };
/// assert!(matches!(value, FieldValue::Matchers(list) if list.len() == 2));
/// # Ok::<(), evmatch::PatternError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum FieldValue {
    /// A nested object: its fields are tested under this key.
    Object(Object),
    /// A list of matchers: the field matches when any of them does.
    Matchers(Vec<Matcher>),
}

/// One branch of a pattern: every field condition must hold.
///
/// ```
/// use evmatch::Pattern;
///
/// let rule = Pattern::parse(r#"{"$or": [
///     {"source": ["lambda"]}, {"detail-type": [{"prefix": "Lambda"}]}]}"#)?;
/// assert_eq!(rule.branches().len(), 2);
/// assert_eq!(rule.branches()[1].fields()[0].path(), "detail-type");
/// # Ok::<(), evmatch::PatternError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Branch {
    fields: Vec<FieldCondition>,
}

impl Branch {
    /// The conditions, one per field path, sorted by path.
    ///
    /// ```
    /// use evmatch::Pattern;
    ///
    /// let rule = Pattern::parse(r#"{"source": ["lambda"],
    ///     "detail": {"requestContext": {"condition": ["Success"]}}}"#)?;
    /// let paths: Vec<&str> = rule.branches()[0].fields().iter().map(|f| f.path()).collect();
    /// assert_eq!(paths, ["detail.requestContext.condition", "source"]);
    /// # Ok::<(), evmatch::PatternError>(())
    /// ```
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
///
/// ```
/// use evmatch::Pattern;
///
/// let rule = Pattern::parse(r#"{"detail": {"requestContext": {
///     "condition": ["Success", "RetriesExhausted"]}}}"#)?;
/// let field = &rule.branches()[0].fields()[0];
/// assert_eq!(field.path(), "detail.requestContext.condition");
/// assert_eq!(field.matchers().len(), 2);
/// assert!(!field.matches_absent());
/// # Ok::<(), evmatch::PatternError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct FieldCondition {
    /// Shared by the copies that a rule set keeps of the fields on this path.
    path: std::sync::Arc<str>,
    location: PatternPath,
    /// Shared by the copies that the rule set and its matcher tree keep.
    matchers: std::sync::Arc<[Matcher]>,
}

impl FieldCondition {
    /// The field's path in the event, keys joined by `.` (`detail.requestContext.condition`).
    ///
    /// ```
    /// use evmatch::Pattern;
    ///
    /// // A key with dots names the same path as nested keys.
    /// let dotted = Pattern::parse(r#"{"detail.requestContext": {"condition": ["Success"]}}"#)?;
    /// let nested = Pattern::parse(r#"{"detail": {"requestContext": {"condition": ["Success"]}}}"#)?;
    /// assert_eq!(dotted.branches()[0].fields()[0].path(), "detail.requestContext.condition");
    /// assert_eq!(nested.branches()[0].fields()[0].path(), "detail.requestContext.condition");
    /// # Ok::<(), evmatch::PatternError>(())
    /// ```
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Where the field's list of values stands in the pattern document.
    ///
    /// ```
    /// use evmatch::Pattern;
    ///
    /// let rule = Pattern::parse(r#"{"$or": [{"source": ["sqs"]}, {"source": ["lambda"]}]}"#)?;
    /// let field = &rule.branches()[1].fields()[0];
    /// assert_eq!(field.path(), "source");
    /// assert_eq!(field.location().to_string(), "$or[1].source");
    /// # Ok::<(), evmatch::PatternError>(())
    /// ```
    pub fn location(&self) -> &PatternPath {
        &self.location
    }

    /// The matchers, in the order written; any one matching is enough.
    ///
    /// ```
    /// use evmatch::pattern::{Matcher, Pattern};
    ///
    /// let rule = Pattern::parse(r#"{"detail": {"requestContext": {
    ///     "condition": ["Success", {"prefix": "Retries"}]}}}"#)?;
    /// let matchers = rule.branches()[0].fields()[0].matchers();
    /// assert_eq!(matchers.len(), 2);
    /// assert!(matches!(&matchers[1], Matcher::Prefix { value, ignore_case: false } if value == "Retries"));
    /// # Ok::<(), evmatch::PatternError>(())
    /// ```
    pub fn matchers(&self) -> &[Matcher] {
        &self.matchers
    }

    /// The condition as a rule set keeps it: its path shared with the other fields on that
    /// path, its matchers shared with the pattern's, and no location (which only errors
    /// report, and which would take more memory than the rest).
    pub(crate) fn stored(&self, path: std::sync::Arc<str>) -> FieldCondition {
        FieldCondition {
            path,
            location: PatternPath::default(),
            matchers: self.matchers.clone(),
        }
    }

    /// The matchers, to share rather than copy.
    pub(crate) fn shared_matchers(&self) -> &std::sync::Arc<[Matcher]> {
        &self.matchers
    }

    /// Whether this field matches when the event has no value at its path: true when one of
    /// the matchers is `{"exists": false}`.
    ///
    /// ```
    /// use evmatch::Pattern;
    ///
    /// let rule = Pattern::parse(r#"{"detail": {"responsePayload": {"errorType": [{"exists": false}]}}}"#)?;
    /// assert!(rule.branches()[0].fields()[0].matches_absent());
    /// let rule = Pattern::parse(r#"{"detail": {"responsePayload": {"errorType": [{"exists": true}]}}}"#)?;
    /// assert!(!rule.branches()[0].fields()[0].matches_absent());
    /// # Ok::<(), evmatch::PatternError>(())
    /// ```
    pub fn matches_absent(&self) -> bool {
        self.matchers
            .iter()
            .any(|m| matches!(m, Matcher::Exists(false)))
    }
}

/// A test on one value of an event.
///
/// ```
/// use evmatch::pattern::{Matcher, Pattern};
///
/// let rule = Pattern::parse(r#"{"detail": {"responsePayload": {
///     "errorType": [{"prefix": "Runtime."}, {"exists": false}]}}}"#)?;
/// let matchers = rule.branches()[0].fields()[0].matchers();
/// assert!(matches!(&matchers[0], Matcher::Prefix { value, .. } if value == "Runtime."));
/// assert_eq!(matchers[1], Matcher::Exists(false));
/// # Ok::<(), evmatch::PatternError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
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
///
/// ```
/// use evmatch::pattern::{Literal, Matcher, Pattern};
///
/// let rule = Pattern::parse(r#"{"detail": {"responseContext": {"statusCode": [200]}},
///     "sourceIPAddress": ["10.0.0.1"]}"#)?;
/// let fields = rule.branches()[0].fields();
/// let Matcher::Exact(Literal::Number { text, value }) = &fields[0].matchers()[0] else { panic!() };
/// assert_eq!((text.as_str(), value.map(|v| v.millionths())), ("200", Some(200_000_000)));
/// assert!(matches!(&fields[1].matchers()[0], Matcher::Exact(Literal::String { ip: Some(_), .. })));
/// # Ok::<(), evmatch::PatternError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
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
///
/// ```
/// use std::ops::Bound;
/// use evmatch::{number::ComparableNumber, pattern::{Matcher, Pattern}};
///
/// let rule = Pattern::parse(r#"{"detail": {"total": [{"numeric": [">", 0, "<=", 100]}]}}"#)?;
/// let Matcher::Numeric(range) = &rule.branches()[0].fields()[0].matchers()[0] else { panic!() };
/// assert_eq!(range.lower, Bound::Excluded(ComparableNumber::parse("0")?));
/// assert_eq!(range.upper, Bound::Included(ComparableNumber::parse("100")?));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NumericRange {
    /// The lower bound.
    pub lower: Bound<ComparableNumber>,
    /// The upper bound.
    pub upper: Bound<ComparableNumber>,
}

impl NumericRange {
    /// Whether `n` is within the range.
    ///
    /// ```
    /// use std::ops::Bound;
    /// use evmatch::{number::ComparableNumber, pattern::NumericRange};
    ///
    /// let n = |text| ComparableNumber::parse(text).unwrap();
    /// let status_2xx = NumericRange {
    ///     lower: Bound::Included(n("200")),
    ///     upper: Bound::Excluded(n("300")),
    /// };
    /// assert!(status_2xx.contains(n("299.999999")));
    /// assert!(!status_2xx.contains(n("3e2")));
    /// ```
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
///
/// ```
/// use evmatch::pattern::{AnythingBut, Matcher, Pattern};
///
/// let rule = Pattern::parse(r#"{"detail": {"requestContext": {
///     "condition": [{"anything-but": {"prefix": "Retries"}}]}}}"#)?;
/// let matcher = &rule.branches()[0].fields()[0].matchers()[0];
/// let Matcher::AnythingBut(AnythingBut::Prefixes(prefixes)) = matcher else { panic!() };
/// assert_eq!(prefixes, &["Retries"]);
/// # Ok::<(), evmatch::PatternError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
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
///
/// ```
/// use evmatch::pattern::equals_ignore_case;
///
/// assert!(equals_ignore_case("success", "SUCCESS"));
/// // Each character is met by its lower or its upper case form: `ß` by `ß` or `SS`.
/// assert!(equals_ignore_case("straße", "STRASSE"));
/// assert!(!equals_ignore_case("straße", "strasse"));
/// ```
pub fn equals_ignore_case(pattern: &str, value: &str) -> bool {
    if pattern.is_ascii() {
        // Each ASCII character's case forms are its two ASCII ones: bytes compared as such.
        return pattern.as_bytes().eq_ignore_ascii_case(value.as_bytes());
    }
    ignore_case_ends(pattern, value).contains(&value.len())
}

/// Whether `value` starts with `pattern` ignoring case, as AWS compares.
///
/// ```
/// use evmatch::pattern::starts_with_ignore_case;
///
/// assert!(starts_with_ignore_case("lambda function", "Lambda Function Invocation Result - Success"));
/// assert!(!starts_with_ignore_case("Lambda", "Lamb"));
/// ```
pub fn starts_with_ignore_case(pattern: &str, value: &str) -> bool {
    if pattern.is_ascii() {
        let (p, v) = (pattern.as_bytes(), value.as_bytes());
        return v.len() >= p.len() && p.eq_ignore_ascii_case(&v[..p.len()]);
    }
    !ignore_case_ends(pattern, value).is_empty()
}

/// Whether `value` ends with `pattern` ignoring case, as AWS compares.
///
/// ```
/// use evmatch::pattern::ends_with_ignore_case;
///
/// assert!(ends_with_ignore_case("- success", "Lambda Function Invocation Result - Success"));
/// assert!(!ends_with_ignore_case(".png", "png"));
/// ```
pub fn ends_with_ignore_case(pattern: &str, value: &str) -> bool {
    if pattern.is_ascii() {
        let (p, v) = (pattern.as_bytes(), value.as_bytes());
        return v.len() >= p.len() && p.eq_ignore_ascii_case(&v[v.len() - p.len()..]);
    }
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
