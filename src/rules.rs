//! Rule files: a JSON object of rule name → event pattern.
//!
//! This is the `--rules` format of the command line, and the shape in which routers keep
//! their rules:
//!
//! ```json
//! {
//!   "on-success": {"source": ["lambda"], "detail": {"requestContext": {"condition": ["Success"]}}},
//!   "on-failure": {"detail": {"requestContext": {"condition": ["RetriesExhausted", "EventAgeExceeded"]}}}
//! }
//! ```
//!
//! [`RuleFile::parse`] keeps every rule with its own outcome, valid or not, which is what a
//! checker needs; [`Ruleset::add_json_rules`](crate::Ruleset::add_json_rules) adds all of a
//! file's rules or none. Patterns are parsed from the file's own text, so member order and the
//! spelling of numbers are kept, as AWS keeps them. Rules from any other `serde` source
//! (YAML, TOML, a database) deserialize through [`Pattern`]'s `Deserialize`.

use std::fmt;

use crate::json::{Json, JsonError, ParseLimits};
use crate::pattern::{Pattern, PatternError};

/// Largest rule file read, in bytes: a file holds many patterns, so it may be far larger than
/// one event (a million generated rules take about 100 MB).
pub const MAX_RULE_FILE_SIZE: usize = 1 << 30;

/// Longest rule name a rule file may hold, in bytes of UTF-8.
///
/// AWS allows 64 characters in a rule's name; this allows four times as many bytes, room for
/// names made of a prefix and a generated part, while a name still cannot take a file's worth
/// of memory (it is kept for every match reported).
///
/// ```
/// use evmatch::rules::{RuleFile, RuleFileError, MAX_RULE_NAME_SIZE};
/// let long = "r".repeat(MAX_RULE_NAME_SIZE + 1);
/// let err = RuleFile::parse(format!(r#"{{"{long}": {{"source": ["lambda"]}}}}"#).as_bytes()).unwrap_err();
/// assert!(matches!(err, RuleFileError::NameTooLong { size: 257, line: 1, .. }));
/// ```
pub const MAX_RULE_NAME_SIZE: usize = 256;

/// A parsed rule file: every rule, in file order, each with its pattern or the reason it is
/// invalid.
///
/// ```
/// use evmatch::rules::RuleFile;
/// let file = RuleFile::parse(br#"{
///     "on-success": {"detail": {"requestContext": {"condition": ["Success"]}}},
///     "broken": {"detail": {"requestContext": {"condition": []}}}
/// }"#)?;
/// assert_eq!(file.len(), 2);
/// let invalid: Vec<String> = file.invalid().map(|(name, e)| format!("{name}: {e:#}")).collect();
/// assert_eq!(invalid, ["broken: detail.requestContext.condition: Empty arrays are not allowed"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct RuleFile {
    rules: Vec<(String, Result<Pattern, PatternError>)>,
}

impl RuleFile {
    /// Parses a rule file. Fails only when the text is not a JSON object; an invalid pattern is
    /// kept, with its error, as that rule's outcome.
    ///
    /// ```
    /// use evmatch::rules::RuleFile;
    /// assert!(RuleFile::parse(br#"["not", "an", "object"]"#).is_err());
    /// assert!(RuleFile::parse(br#"{"r": {"source": ["lambda"]}}"#)?.invalid().next().is_none());
    /// # Ok::<(), evmatch::rules::RuleFileError>(())
    /// ```
    ///
    /// A name given twice is refused ([`RuleFileError::DuplicateName`]): a rule file names each
    /// rule once, and a rule that should match in several ways says so with `$or`. So is a
    /// name longer than [`MAX_RULE_NAME_SIZE`].
    ///
    /// ```
    /// use evmatch::rules::{RuleFile, RuleFileError};
    /// let err = RuleFile::parse(b"{\"a\": {\"x\": [1]},\n \"a\": {\"y\": [2]}}").unwrap_err();
    /// assert_eq!(err.to_string(), r#"rule "a" is named twice: at line 2, and first at line 1"#);
    /// ```
    pub fn parse(text: &[u8]) -> Result<RuleFile, RuleFileError> {
        let mut rules = Vec::new();
        RuleFile::read(text, |name, parsed| rules.push((name, parsed)))?;
        Ok(RuleFile { rules })
    }

    /// Reads a rule file one rule at a time: `each` gets every rule, in file order, with its
    /// pattern or the reason it is invalid, and may drop it before the next is read. A checker
    /// of a million rules then holds one pattern at a time, not the file's worth. Fails as
    /// [`RuleFile::parse`] does; returns how many rules the file holds.
    ///
    /// ```
    /// use evmatch::rules::RuleFile;
    /// let mut invalid = Vec::new();
    /// let count = RuleFile::read(br#"{"a": {"x": [1]}, "b": {"x": 1}}"#, |name, pattern| {
    ///     if let Err(e) = pattern {
    ///         invalid.push(format!("{name}: {}", e.reason()));
    ///     }
    /// })?;
    /// assert_eq!((count, invalid), (2, vec![r#"b: "x" must be an object or an array"#.to_string()]));
    /// # Ok::<(), evmatch::rules::RuleFileError>(())
    /// ```
    pub fn read(
        text: &[u8],
        mut each: impl FnMut(String, Result<Pattern, PatternError>),
    ) -> Result<usize, RuleFileError> {
        let limits = ParseLimits {
            max_size: MAX_RULE_FILE_SIZE,
            ..ParseLimits::default()
        };
        let mut names = Names::default();
        let mut count = 0;
        let read = Json::for_each_member(text, &limits, &mut |name, pattern, at| {
            names.check(text, &name, at)?;
            let parsed = Pattern::parse(&pattern.to_string());
            count += 1;
            each(name, parsed);
            Ok(())
        })?;
        match read {
            Ok(true) => Ok(count),
            Ok(false) => Err(RuleFileError::NotAnObject),
            Err(e) => Err(e),
        }
    }

    /// How many rules the file holds, valid or not.
    ///
    /// ```
    /// use evmatch::rules::RuleFile;
    /// assert_eq!(RuleFile::parse(b"{}")?.len(), 0);
    /// # Ok::<(), evmatch::rules::RuleFileError>(())
    /// ```
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether the file holds no rule.
    ///
    /// ```
    /// use evmatch::rules::RuleFile;
    /// assert!(RuleFile::parse(b" { } ")?.is_empty());
    /// # Ok::<(), evmatch::rules::RuleFileError>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Every rule, in file order, with its outcome.
    ///
    /// ```
    /// use evmatch::rules::RuleFile;
    /// let file = RuleFile::parse(br#"{"a": {"x": [1]}, "b": {"x": 1}}"#)?;
    /// let valid: Vec<(&str, bool)> = file.rules().map(|(n, p)| (n, p.is_ok())).collect();
    /// assert_eq!(valid, [("a", true), ("b", false)]);
    /// # Ok::<(), evmatch::rules::RuleFileError>(())
    /// ```
    pub fn rules(&self) -> impl Iterator<Item = (&str, &Result<Pattern, PatternError>)> {
        self.rules
            .iter()
            .map(|(name, pattern)| (name.as_str(), pattern))
    }

    /// The valid rules, in file order.
    ///
    /// ```
    /// use evmatch::{rules::RuleFile, Ruleset};
    /// let file = RuleFile::parse(br#"{"lambda": {"source": ["lambda"]}}"#)?;
    /// let rules = Ruleset::new();
    /// rules.add_many(file.valid().map(|(name, pattern)| (name.to_string(), pattern)))?;
    /// assert_eq!(rules.matches(br#"{"source": "lambda"}"#)?, ["lambda"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn valid(&self) -> impl Iterator<Item = (&str, &Pattern)> {
        self.rules
            .iter()
            .filter_map(|(name, pattern)| Some((name.as_str(), pattern.as_ref().ok()?)))
    }

    /// The invalid rules, in file order, with their errors.
    ///
    /// ```
    /// use evmatch::rules::RuleFile;
    /// let file = RuleFile::parse(br#"{"bad": {"n": [{"numeric": [">", "one"]}]}}"#)?;
    /// let (name, error) = file.invalid().next().unwrap();
    /// assert_eq!(name, "bad");
    /// assert_eq!(error.path().to_string(), "n[0].numeric[1]");
    /// # Ok::<(), evmatch::rules::RuleFileError>(())
    /// ```
    pub fn invalid(&self) -> impl Iterator<Item = (&str, &PatternError)> {
        self.rules
            .iter()
            .filter_map(|(name, pattern)| Some((name.as_str(), pattern.as_ref().err()?)))
    }
}

/// The names a rule file has given so far, each with the offset of its first appearance: the
/// check that a file names each rule once, and each name within [`MAX_RULE_NAME_SIZE`].
#[derive(Default)]
pub(crate) struct Names {
    /// A hash of each name → where its key starts in the text. A million names then cost a
    /// table of numbers, not a million strings: a name is read again from the text only when
    /// its hash is met again.
    seen: ahash::AHashMap<u64, usize>,
    /// Names whose hash another name had first (with where they start).
    collided: std::collections::HashMap<Box<str>, usize>,
}

impl Names {
    /// The hash a name is kept by. Fixed seeds: the same file meets the same collisions on
    /// every run.
    fn hash(name: &str) -> u64 {
        static SEEDS: std::sync::LazyLock<ahash::RandomState> = std::sync::LazyLock::new(|| {
            ahash::RandomState::with_seeds(0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344)
        });
        std::hash::BuildHasher::hash_one(&*SEEDS, name)
    }

    /// Checks the name of the member whose key starts at byte `at` of `text`.
    pub(crate) fn check(
        &mut self,
        text: &[u8],
        name: &str,
        at: usize,
    ) -> Result<(), RuleFileError> {
        if name.len() > MAX_RULE_NAME_SIZE {
            // The error keeps the start of the name only: the name may be megabytes long.
            let mut end = 32.min(name.len());
            while !name.is_char_boundary(end) {
                end -= 1;
            }
            return Err(RuleFileError::NameTooLong {
                start: name[..end].to_string(),
                size: name.len(),
                line: line_of(text, at),
            });
        }
        let first = match self.seen.entry(Names::hash(name)) {
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(at);
                return Ok(());
            }
            std::collections::hash_map::Entry::Occupied(slot) => *slot.get(),
        };
        let first = if crate::json::key_at(text, first).as_deref() == Some(name) {
            first
        } else {
            match self.collided.entry(name.into()) {
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(at);
                    return Ok(());
                }
                std::collections::hash_map::Entry::Occupied(slot) => *slot.get(),
            }
        };
        Err(RuleFileError::DuplicateName {
            name: name.to_string(),
            line: line_of(text, at),
            first_line: line_of(text, first),
        })
    }
}

/// The line (from 1) of byte `offset` of `text`.
fn line_of(text: &[u8], offset: usize) -> usize {
    text[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Why a rule file could not be loaded.
///
/// `Display` names the rule and points into its pattern:
/// `rule "on-success": detail.requestContext.condition: Empty arrays are not allowed`.
///
/// ```
/// use evmatch::{rules::RuleFileError, Ruleset};
/// let rules: Ruleset<String> = Ruleset::new();
/// let err = rules
///     .add_json_rules(br#"{"on-success": {"detail": {"requestContext": {"condition": []}}}}"#)
///     .unwrap_err();
/// assert!(matches!(err, RuleFileError::Pattern { ref name, .. } if name == "on-success"));
/// assert_eq!(
///     err.to_string(),
///     r#"rule "on-success": detail.requestContext.condition: Empty arrays are not allowed"#
/// );
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum RuleFileError {
    /// The text is not JSON.
    Json(JsonError),
    /// The text is JSON, but not an object of rule name → pattern.
    NotAnObject,
    /// A rule's pattern is invalid.
    Pattern {
        /// The rule's name.
        name: String,
        /// What is wrong with the pattern, and where.
        error: PatternError,
    },
    /// A rule's pattern is valid but the rule set cannot hold it.
    Rule {
        /// The rule's name.
        name: String,
        /// Why not.
        error: crate::RulesetError,
    },
    /// The file names the same rule twice. (Patterns added under one name with
    /// [`Ruleset::add`](crate::Ruleset::add) are OR-ed; a rule file says that with `$or`.)
    DuplicateName {
        /// The rule's name.
        name: String,
        /// The line (from 1) of the second appearance.
        line: usize,
        /// The line of the first.
        first_line: usize,
    },
    /// A rule's name is longer than [`MAX_RULE_NAME_SIZE`].
    NameTooLong {
        /// The first characters of the name (at most 32 bytes).
        start: String,
        /// The name's size in bytes.
        size: usize,
        /// The line (from 1) where the name starts.
        line: usize,
    },
}

impl fmt::Display for RuleFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleFileError::Json(e) => write!(f, "not valid JSON: {e}"),
            RuleFileError::NotAnObject => {
                f.write_str("rules must be a JSON object of rule name to event pattern")
            }
            RuleFileError::Pattern { name, error } => write!(f, "rule {name:?}: {error:#}"),
            RuleFileError::Rule { name, error } => write!(f, "rule {name:?}: {error}"),
            RuleFileError::DuplicateName {
                name,
                line,
                first_line,
            } => write!(
                f,
                "rule {name:?} is named twice: at line {line}, and first at line {first_line}"
            ),
            RuleFileError::NameTooLong { start, size, line } => write!(
                f,
                "the rule name at line {line} ({start:?}...) is {size} bytes long; \
                 at most {MAX_RULE_NAME_SIZE} are allowed"
            ),
        }
    }
}

impl std::error::Error for RuleFileError {}

impl From<JsonError> for RuleFileError {
    fn from(e: JsonError) -> Self {
        RuleFileError::Json(e)
    }
}

/// A pattern deserializes from any `serde` source that holds the pattern's JSON shape, with
/// the pattern's validation error (path and reason) as the deserializer's error.
///
/// Through `serde_json`'s `Value`, an object keeps one member per key (the last), which is how
/// AWS reads a repeated key too.
///
/// ```
/// use std::collections::BTreeMap;
/// use evmatch::{Pattern, Ruleset};
///
/// let rules: BTreeMap<String, Pattern> = serde_json::from_str(r#"{
///     "on-success": {"detail": {"requestContext": {"condition": ["Success"]}}}
/// }"#)?;
/// let set = Ruleset::new();
/// set.add_many(rules.iter().map(|(name, pattern)| (name.clone(), pattern)))?;
/// assert_eq!(set.matches(br#"{"detail": {"requestContext": {"condition": "Success"}}}"#)?, ["on-success"]);
///
/// let bad = serde_json::from_str::<Pattern>(r#"{"detail": {"requestContext": {"condition": []}}}"#);
/// assert_eq!(
///     bad.unwrap_err().to_string(),
///     "detail.requestContext.condition: Empty arrays are not allowed"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl<'de> serde::Deserialize<'de> for Pattern {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Pattern, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        Pattern::from_value(&value).map_err(|e| serde::de::Error::custom(format!("{e:#}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names are told apart by a hash and, when hashes meet, by the name read again from the
    /// text: no two distinct names are taken for one, and a repeated one is found with both
    /// of its lines, escapes decoded.
    #[test]
    fn names_are_checked_by_hash_and_text() {
        let mut text = String::from("{\n");
        for i in 0..20_000 {
            text.push_str(&format!("\"rule-{i}\": {{\"a\": [1]}},\n"));
        }
        text.push_str("\"rule-\\u0031\": {\"a\": [1]}\n}");
        let err = RuleFile::parse(text.as_bytes()).unwrap_err();
        match err {
            RuleFileError::DuplicateName {
                name,
                line,
                first_line,
            } => assert_eq!((name.as_str(), line, first_line), ("rule-1", 20_002, 3)),
            other => panic!("{other}"),
        }
        // Two names whose hashes are made to meet: the text tells them apart.
        let text = br#"{"x": {}, "y": {}, "y": {}}"#;
        let mut names = Names::default();
        // Where "x" starts, under the hash of "y": "y" now shares a hash with "x".
        names.seen.insert(Names::hash("y"), 1);
        assert!(names.check(text, "y", 10).is_ok());
        let err = names.check(text, "y", 19).unwrap_err();
        assert!(matches!(err, RuleFileError::DuplicateName { .. }), "{err}");
    }
}
