//! Why a rule matched an event, or why it did not.
//!
//! A router that delivered an event to the wrong place, or to none, leaves its user with one
//! question: which condition failed? [`explain`] answers it for one pattern and
//! [`Ruleset::explain`](crate::Ruleset::explain) for a named rule: for each `$or` branch, every
//! field that failed, what the event held at that path and what the pattern wanted there.
//!
//! Explanations are computed by the reference semantics (the plain interpreter the compiled
//! matcher is tested against), so an explanation says "matched" exactly when matching does.
//! They are meant for people and logs, not for the hot path: the event is parsed in full.
//!
//! ```
//! use evmatch::{explain, json::Json, Pattern};
//!
//! let rule = Pattern::parse(r#"{"detail": {
//!     "requestContext": {"condition": ["Success"]},
//!     "responsePayload": {"source": ["shop.orders"]}
//! }}"#)?;
//! let event = Json::parse(br#"{"detail": {
//!     "requestContext": {"condition": "RetriesExhausted"},
//!     "responsePayload": {"errorType": "Error"}
//! }}"#)?;
//! let why = explain::explain(&rule, &event);
//! assert!(!why.matched());
//! assert_eq!(why.to_string(), "\
//! no match
//!   detail.requestContext.condition: the event has \"RetriesExhausted\", the pattern wants \"Success\"
//!   detail.responsePayload.source: the event has no value here, the pattern wants \"shop.orders\"");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

use crate::json::Json;
use crate::pattern::{FieldCondition, Matcher, Pattern};
use crate::reference::{fields_match, value_matches, Leaves};

/// At most this many values of the event are quoted per field; the rest are counted.
const QUOTED_VALUES: usize = 5;
/// Longer quoted values are cut, with `…` marking the cut.
const QUOTED_CHARS: usize = 80;

/// Explains how `pattern` fares against `event`.
///
/// An event nested deeper than [`json::MAX_DEPTH`](crate::json::MAX_DEPTH) levels (only code
/// can build one) matches nothing, and every branch says so with [`Mismatch::TooDeep`].
///
/// ```
/// use evmatch::{explain, json::Json, Pattern};
/// let rule = Pattern::parse(r#"{"source": ["lambda"]}"#)?;
/// assert!(explain::explain(&rule, &Json::parse(br#"{"source": "lambda"}"#)?).matched());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn explain(pattern: &Pattern, event: &Json) -> Explanation {
    explain_branches(
        pattern.branches().iter().map(|b| b.fields()),
        &Leaves::of(event),
    )
}

/// Explains branches given as their field conditions (the branches of a rule's patterns).
pub(crate) fn explain_branches<'p>(
    branches: impl IntoIterator<Item = &'p [FieldCondition]>,
    leaves: &Leaves<'_>,
) -> Explanation {
    let branches = branches
        .into_iter()
        .map(|fields| explain_branch(fields, leaves))
        .collect();
    Explanation { branches }
}

fn explain_branch(fields: &[FieldCondition], leaves: &Leaves<'_>) -> BranchExplanation {
    if leaves.too_deep {
        return BranchExplanation {
            mismatches: vec![Mismatch::TooDeep {
                limit: crate::json::MAX_DEPTH,
            }],
        };
    }
    if fields_match(fields, leaves) {
        return BranchExplanation {
            mismatches: Vec::new(),
        };
    }
    let mut mismatches = Vec::new();
    for field in fields {
        let at = leaves.at(field.path());
        let accepted = |value: &Json| {
            field
                .matchers()
                .iter()
                .filter(|m| !matches!(m, Matcher::Exists(false)))
                .any(|m| value_matches(m, value))
        };
        if at.is_empty() {
            if !field.matches_absent() {
                mismatches.push(Mismatch::Missing {
                    path: field.path().to_string(),
                    wanted: wanted(field),
                });
            }
        } else if !at.iter().any(|leaf| accepted(leaf.value)) {
            let found = Found::of(at.iter().map(|leaf| leaf.value));
            mismatches.push(if field.matchers() == [Matcher::Exists(false)] {
                Mismatch::Present {
                    path: field.path().to_string(),
                    found,
                }
            } else {
                Mismatch::Unmatched {
                    path: field.path().to_string(),
                    found,
                    wanted: wanted(field),
                }
            });
        }
    }
    if mismatches.is_empty() {
        // Each field has a value it accepts, but no choice of them shares array elements.
        mismatches.push(Mismatch::ArrayElements {
            paths: fields.iter().map(|f| f.path().to_string()).collect(),
        });
    }
    BranchExplanation { mismatches }
}

fn wanted(field: &FieldCondition) -> Vec<String> {
    field.matchers().iter().map(|m| m.to_string()).collect()
}

/// How a pattern (or every pattern of a rule) fares against one event: one
/// [`BranchExplanation`] per `$or` branch. `Display` writes a report for people: `match`, or
/// `no match` followed by each failing field, indented (grouped by branch when there are
/// several).
///
/// ```
/// use evmatch::{explain, json::Json, Pattern};
/// let rule = Pattern::parse(r#"{"$or": [{"a": ["x"]}, {"b": [{"exists": true}]}]}"#)?;
/// let why = explain::explain(&rule, &Json::parse(br#"{"a": "y"}"#)?);
/// assert_eq!(why.to_string(), "\
/// no match: none of 2 branches holds
///   branch 1: a: the event has \"y\", the pattern wants \"x\"
///   branch 2: b: the event has no value here, the pattern wants {\"exists\": true}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Explanation {
    branches: Vec<BranchExplanation>,
}

impl Explanation {
    /// Whether the pattern matched: whether some branch holds.
    ///
    /// ```
    /// use evmatch::{explain, json::Json, Pattern};
    /// let rule = Pattern::parse(r#"{"detail-type": [{"suffix": "- Failure"}]}"#)?;
    /// let event = Json::parse(br#"{"detail-type": "Lambda Function Invocation Result - Failure"}"#)?;
    /// assert!(explain::explain(&rule, &event).matched());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn matched(&self) -> bool {
        self.branches.iter().any(BranchExplanation::matched)
    }

    /// One explanation per branch, in the order of [`Pattern::branches`] (for a rule with
    /// several patterns: each pattern's branches, in the order the patterns were added).
    ///
    /// ```
    /// use evmatch::{explain, json::Json, Pattern};
    /// let rule = Pattern::parse(r#"{"$or": [{"a": ["x"]}, {"b": ["y"]}]}"#)?;
    /// let why = explain::explain(&rule, &Json::parse(br#"{"b": "y"}"#)?);
    /// let held: Vec<bool> = why.branches().iter().map(|b| b.matched()).collect();
    /// assert_eq!(held, [false, true]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn branches(&self) -> &[BranchExplanation] {
        &self.branches
    }

    /// Every field that failed, over all branches (none when the pattern matched).
    ///
    /// ```
    /// use evmatch::{explain, json::Json, Pattern};
    /// let rule = Pattern::parse(r#"{"detail": {"requestContext": {"approximateInvokeCount": [{"numeric": [">", 1]}]}}}"#)?;
    /// let event = Json::parse(br#"{"detail": {"requestContext": {"approximateInvokeCount": 1}}}"#)?;
    /// let why = explain::explain(&rule, &event);
    /// let paths: Vec<&str> = why.mismatches().map(|m| m.path()).collect();
    /// assert_eq!(paths, ["detail.requestContext.approximateInvokeCount"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn mismatches(&self) -> impl Iterator<Item = &Mismatch> {
        let matched = self.matched();
        self.branches
            .iter()
            .filter(move |_| !matched)
            .flat_map(|b| b.mismatches.iter())
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.matched() {
            return match self.branches.iter().position(BranchExplanation::matched) {
                Some(i) if self.branches.len() > 1 => {
                    write!(
                        f,
                        "match: branch {} of {} holds",
                        i + 1,
                        self.branches.len()
                    )
                }
                _ => f.write_str("match"),
            };
        }
        match self.branches.as_slice() {
            [] => f.write_str("no match: the rule has no patterns"),
            [only] => {
                f.write_str("no match")?;
                for mismatch in &only.mismatches {
                    write!(f, "\n  {mismatch}")?;
                }
                Ok(())
            }
            many => {
                write!(f, "no match: none of {} branches holds", many.len())?;
                for (i, branch) in many.iter().enumerate() {
                    for mismatch in &branch.mismatches {
                        write!(f, "\n  branch {}: {mismatch}", i + 1)?;
                    }
                }
                Ok(())
            }
        }
    }
}

/// How one branch (one conjunction of field conditions) fares.
///
/// ```
/// use evmatch::{explain, json::Json, Pattern};
/// let rule = Pattern::parse(r#"{"a": ["x"], "b": ["y"]}"#)?;
/// let why = explain::explain(&rule, &Json::parse(br#"{"a": "x", "b": "z"}"#)?);
/// let branch = &why.branches()[0];
/// assert!(!branch.matched());
/// assert_eq!(branch.mismatches()[0].path(), "b");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct BranchExplanation {
    mismatches: Vec<Mismatch>,
}

impl BranchExplanation {
    /// Whether every field of the branch holds.
    ///
    /// ```
    /// use evmatch::{explain, json::Json, Pattern};
    /// let rule = Pattern::parse(r#"{"a": ["x"]}"#)?;
    /// let why = explain::explain(&rule, &Json::parse(br#"{"a": "x"}"#)?);
    /// assert!(why.branches()[0].matched());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn matched(&self) -> bool {
        self.mismatches.is_empty()
    }

    /// The fields that failed, in path order (empty when the branch holds).
    ///
    /// ```
    /// use evmatch::{explain::{self, Mismatch}, json::Json, Pattern};
    /// let rule = Pattern::parse(r#"{"a": ["x"], "b": [{"exists": false}]}"#)?;
    /// let why = explain::explain(&rule, &Json::parse(br#"{"a": "x", "b": 1}"#)?);
    /// assert!(matches!(why.branches()[0].mismatches(), [Mismatch::Present { .. }]));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn mismatches(&self) -> &[Mismatch] {
        &self.mismatches
    }
}

/// One reason a branch failed.
///
/// `Display` writes one line: the field's path, then what the event had and what the pattern
/// wanted.
///
/// ```
/// use evmatch::{explain::{self, Mismatch}, json::Json, Pattern};
/// let rule = Pattern::parse(r#"{"detail": {"requestContext": {"condition": ["Success"]}}}"#)?;
/// let event = Json::parse(br#"{"detail": {"requestContext": {"condition": "EventAgeExceeded"}}}"#)?;
/// let why = explain::explain(&rule, &event);
/// let Mismatch::Unmatched { path, found, wanted } = &why.branches()[0].mismatches()[0] else {
///     panic!("expected a value that no matcher accepts");
/// };
/// assert_eq!(path, "detail.requestContext.condition");
/// assert_eq!(found.values(), [r#""EventAgeExceeded""#]);
/// assert_eq!(wanted, &[r#""Success""#]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Mismatch {
    /// The event has no value at the path, and the pattern wants one.
    Missing {
        /// The field's path, keys joined by `.`.
        path: String,
        /// The pattern's matchers for the field, written as pattern JSON.
        wanted: Vec<String>,
    },
    /// The event has values at the path, and the pattern accepts none of them.
    Unmatched {
        /// The field's path, keys joined by `.`.
        path: String,
        /// What the event has there.
        found: Found,
        /// The pattern's matchers for the field, written as pattern JSON.
        wanted: Vec<String>,
    },
    /// The pattern wants no value at the path (`{"exists": false}`), and the event has some.
    Present {
        /// The field's path, keys joined by `.`.
        path: String,
        /// What the event has there.
        found: Found,
    },
    /// Every field has a value the pattern accepts, but no choice of them comes from the same
    /// element of each array they sit in: a match never combines values from different
    /// elements of one array.
    ArrayElements {
        /// The paths of the branch's fields.
        paths: Vec<String>,
    },
    /// The event nests deeper than any reader of JSON text accepts (only code can build such
    /// a value): it matches no pattern. See [`reference::matches`](crate::reference::matches).
    TooDeep {
        /// The deepest nesting read, [`json::MAX_DEPTH`](crate::json::MAX_DEPTH).
        limit: usize,
    },
}

impl Mismatch {
    /// The path of the field that failed (for [`Mismatch::ArrayElements`], the first of the
    /// branch's fields; for [`Mismatch::TooDeep`], the empty path of the whole event).
    ///
    /// ```
    /// use evmatch::{explain, json::Json, Pattern};
    /// let rule = Pattern::parse(r#"{"detail": {"status": ["ok"]}}"#)?;
    /// let why = explain::explain(&rule, &Json::parse(br#"{"detail": {}}"#)?);
    /// assert_eq!(why.mismatches().next().unwrap().path(), "detail.status");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn path(&self) -> &str {
        match self {
            Mismatch::Missing { path, .. }
            | Mismatch::Unmatched { path, .. }
            | Mismatch::Present { path, .. } => path,
            Mismatch::ArrayElements { paths } => paths.first().map_or("", String::as_str),
            Mismatch::TooDeep { .. } => "",
        }
    }
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mismatch::Missing { path, wanted } => {
                write!(f, "{path}: the event has no value here, the pattern wants ")?;
                one_of(f, wanted)
            }
            Mismatch::Unmatched {
                path,
                found,
                wanted,
            } => {
                write!(f, "{path}: the event has {found}, the pattern wants ")?;
                one_of(f, wanted)
            }
            Mismatch::Present { path, found } => write!(
                f,
                "{path}: the event has {found}, the pattern wants no value here"
            ),
            Mismatch::ArrayElements { paths } => write!(
                f,
                "{}: each field has a value the pattern accepts, but not all in the same \
                 element of an array",
                paths.join(", ")
            ),
            Mismatch::TooDeep { limit } => write!(
                f,
                "the event nests deeper than {limit} levels, which no JSON reader accepts"
            ),
        }
    }
}

fn one_of(f: &mut fmt::Formatter<'_>, wanted: &[String]) -> fmt::Result {
    match wanted {
        [one] => f.write_str(one),
        many => write!(f, "one of {}", many.join(", ")),
    }
}

/// The values an event holds at one path, written as JSON: the first few in full (long
/// strings cut), the rest counted.
///
/// ```
/// use evmatch::{explain, json::Json, Pattern};
/// let rule = Pattern::parse(r#"{"items": {"sku": [{"prefix": "Z-"}]}}"#)?;
/// let event = Json::parse(br#"{"items": [{"sku": "A-1"}, {"sku": "B-2"}]}"#)?;
/// let why = explain::explain(&rule, &event);
/// assert_eq!(why.to_string(), "no match\n  items.sku: the event has \"A-1\", \"B-2\", the pattern wants {\"prefix\": \"Z-\"}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    values: Vec<String>,
    count: usize,
}

impl Found {
    fn of<'a>(values: impl Iterator<Item = &'a Json>) -> Found {
        let mut found = Found {
            values: Vec::new(),
            count: 0,
        };
        for value in values {
            if found.values.len() < QUOTED_VALUES {
                let text = value.to_string();
                found
                    .values
                    .push(match text.char_indices().nth(QUOTED_CHARS) {
                        Some((cut, _)) => format!("{}…", &text[..cut]),
                        None => text,
                    });
            }
            found.count += 1;
        }
        found
    }

    /// The first values, as JSON text.
    ///
    /// ```
    /// use evmatch::{explain::{self, Mismatch}, json::Json, Pattern};
    /// let rule = Pattern::parse(r#"{"n": [{"numeric": [">", 10]}]}"#)?;
    /// let why = explain::explain(&rule, &Json::parse(br#"{"n": [1, 2.5]}"#)?);
    /// let Mismatch::Unmatched { found, .. } = &why.branches()[0].mismatches()[0] else { panic!() };
    /// assert_eq!(found.values(), ["1", "2.5"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn values(&self) -> &[String] {
        &self.values
    }

    /// How many values the event has at the path, quoted or not.
    ///
    /// ```
    /// use evmatch::{explain::{self, Mismatch}, json::Json, Pattern};
    /// let rule = Pattern::parse(r#"{"n": [0]}"#)?;
    /// let why = explain::explain(&rule, &Json::parse(br#"{"n": [1, 2, 3, 4, 5, 6, 7]}"#)?);
    /// let Mismatch::Unmatched { found, .. } = &why.branches()[0].mismatches()[0] else { panic!() };
    /// assert_eq!((found.values().len(), found.count()), (5, 7));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn count(&self) -> usize {
        self.count
    }
}

impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.values.join(", "))?;
        if self.count > self.values.len() {
            write!(f, " (and {} more)", self.count - self.values.len())?;
        }
        Ok(())
    }
}
