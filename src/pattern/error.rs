//! The error of an invalid pattern: what failed, and where.

use std::fmt;

use crate::cidr::CidrError;
use crate::json::JsonError;
use crate::number::NumberError;
use crate::pattern::wildcard::WildcardError;

/// A location inside a pattern document, such as `detail.requestContext.condition[0]`.
///
/// Object keys are joined with `.`, array positions are written `[i]`, and operators are keys
/// like any other (`detail.count[0].numeric[2]`).
///
/// ```
/// use evmatch::pattern::{PathSegment, Pattern};
///
/// let err = Pattern::parse(r#"{"detail": {"requestContext": {"condition": [["Success"]]}}}"#).unwrap_err();
/// assert_eq!(err.path().to_string(), "detail.requestContext.condition[0]");
/// assert_eq!(err.path().segments().last(), Some(&PathSegment::Index(0)));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct PatternPath {
    segments: Vec<PathSegment>,
}

/// One step of a [`PatternPath`].
///
/// ```
/// use evmatch::pattern::{PathSegment, Pattern};
///
/// let err = Pattern::parse(r#"{"source": [{"prefix": 1}]}"#).unwrap_err();
/// let key = |k: &str| PathSegment::Key(k.to_string());
/// assert_eq!(err.path().segments(), [key("source"), PathSegment::Index(0), key("prefix")]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PathSegment {
    /// An object member, by key.
    Key(String),
    /// An array element, by position from 0.
    Index(usize),
}

impl PatternPath {
    /// The empty path: the pattern's top-level object.
    ///
    /// ```
    /// use evmatch::pattern::{PatternPath, Pattern};
    ///
    /// let err = Pattern::parse(r#"["lambda"]"#).unwrap_err();
    /// assert_eq!(err.path(), &PatternPath::root());
    /// assert_eq!(PatternPath::root().to_string(), "(pattern)");
    /// ```
    pub fn root() -> PatternPath {
        PatternPath::default()
    }

    /// The steps from the top of the pattern.
    ///
    /// ```
    /// use evmatch::pattern::{PathSegment, Pattern};
    ///
    /// let err = Pattern::parse(r#"{"detail": {"status": []}}"#).unwrap_err();
    /// let keys: Vec<&str> = err.path().segments().iter().map(|s| match s {
    ///     PathSegment::Key(k) => k.as_str(),
    ///     PathSegment::Index(_) => "[]",
    /// }).collect();
    /// assert_eq!(keys, ["detail", "status"]);
    /// ```
    pub fn segments(&self) -> &[PathSegment] {
        &self.segments
    }

    pub(crate) fn key(&self, key: &str) -> PatternPath {
        let mut p = self.clone();
        p.segments.push(PathSegment::Key(key.to_string()));
        p
    }

    pub(crate) fn index(&self, index: usize) -> PatternPath {
        let mut p = self.clone();
        p.segments.push(PathSegment::Index(index));
        p
    }
}

impl fmt::Display for PatternPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.segments.is_empty() {
            return f.write_str("(pattern)");
        }
        for (i, segment) in self.segments.iter().enumerate() {
            match segment {
                PathSegment::Key(k) if i == 0 => f.write_str(k)?,
                PathSegment::Key(k) => write!(f, ".{k}")?,
                PathSegment::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// An invalid event pattern.
///
/// `Display` renders the message AWS returns for the same pattern, for example
/// `Event pattern is not valid. Reason: Empty arrays are not allowed`. [`PatternError::kind`]
/// says what failed and [`PatternError::path`] where; the alternate form (`{:#}`) puts the two
/// together: `resources: Empty arrays are not allowed`.
///
/// ```
/// use evmatch::{Pattern, pattern::ErrorKind};
/// let err = Pattern::parse(r#"{"detail": {"count": [{"numeric": [">", "x"]}]}}"#).unwrap_err();
/// assert_eq!(err.to_string(), "Event pattern is not valid. Reason: Value of > must be numeric");
/// assert_eq!(err.path().to_string(), "detail.count[0].numeric[1]");
/// assert!(matches!(err.kind(), ErrorKind::NumericValueNotNumber { .. }));
/// assert_eq!(format!("{err:#}"), "detail.count[0].numeric[1]: Value of > must be numeric");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct PatternError {
    kind: ErrorKind,
    path: PatternPath,
}

impl PatternError {
    pub(crate) fn new(kind: ErrorKind, path: PatternPath) -> PatternError {
        PatternError { kind, path }
    }

    /// What is wrong.
    ///
    /// ```
    /// use evmatch::{pattern::ErrorKind, Pattern};
    ///
    /// let err = Pattern::parse(r#"{"source": [{"regex": "^lambda"}]}"#).unwrap_err();
    /// assert_eq!(err.kind(), &ErrorKind::UnrecognizedMatchType { name: "regex".to_string() });
    /// ```
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// Where in the pattern it is wrong.
    ///
    /// ```
    /// use evmatch::Pattern;
    ///
    /// let err = Pattern::parse(r#"{"detail": {"requestContext": {"condition": []}}}"#).unwrap_err();
    /// assert_eq!(err.path().to_string(), "detail.requestContext.condition");
    /// ```
    pub fn path(&self) -> &PatternPath {
        &self.path
    }

    /// AWS's reason alone, without the `Event pattern is not valid. Reason: ` preamble.
    ///
    /// ```
    /// use evmatch::Pattern;
    ///
    /// let err = Pattern::parse(r#"{"source": "lambda"}"#).unwrap_err();
    /// assert_eq!(err.reason(), r#""source" must be an object or an array"#);
    /// assert_eq!(err.to_string(), format!("Event pattern is not valid. Reason: {}", err.reason()));
    /// ```
    pub fn reason(&self) -> String {
        self.kind.to_string()
    }
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if f.alternate() {
            write!(f, "{}: {}", self.path, self.kind)
        } else {
            write!(f, "Event pattern is not valid. Reason: {}", self.kind)
        }
    }
}

impl std::error::Error for PatternError {}

/// What made a pattern invalid. `Display` renders AWS's reason for it.
///
/// ```
/// use evmatch::{pattern::ErrorKind, Pattern};
///
/// let explain = |text: &str| match Pattern::parse(text).unwrap_err().kind() {
///     ErrorKind::Json(_) => "not JSON",
///     ErrorKind::EmptyArray => "empty list",
///     ErrorKind::UnrecognizedMatchType { .. } => "unknown operator",
///     _ => "something else",
/// };
/// assert_eq!(explain(r#"{"source": ["lambda""#), "not JSON");
/// assert_eq!(explain(r#"{"source": []}"#), "empty list");
/// assert_eq!(explain(r#"{"source": [{"regex": "^l"}]}"#), "unknown operator");
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The text is not JSON.
    Json(JsonError),
    /// The pattern is not a JSON object.
    NotAnObject,
    /// An object with no members.
    EmptyObject,
    /// A field whose list of values is empty.
    EmptyArray,
    /// A field whose value is neither an object nor an array.
    NotObjectOrArray {
        /// The field's key as written.
        key: String,
    },
    /// An array inside a field's list of values.
    InvalidMatchValue,
    /// An empty match expression `{}`.
    MatchExpressionNameNotFound,
    /// A match expression with more than one key.
    OnlyOneKey,
    /// Extra members after a `numeric` or `anything-but` expression (AWS's wording covers both).
    TooManyElements,
    /// An operator AWS does not know (operators are case-sensitive).
    UnrecognizedMatchType {
        /// The operator as written.
        name: String,
    },
    /// An operator's operand is not a string. `operator` is the name AWS uses in the message:
    /// `prefix`, `suffix`, `prefix/suffix`, `equals-ignore-case`, `wildcard` or `exact`.
    MustBeString {
        /// The operator named in the message.
        operator: &'static str,
    },
    /// `anything-but` with an empty `prefix` or `suffix`.
    NullPrefixSuffix,
    /// `{"prefix": {}}`.
    PrefixExpressionNameNotFound,
    /// `{"suffix": {}}`.
    SuffixExpressionNameNotFound,
    /// `{"prefix": {"x": ...}}` with `x` other than `equals-ignore-case`.
    UnsupportedPrefixPattern {
        /// The inner operator as written.
        name: String,
    },
    /// `{"suffix": {"x": ...}}` with `x` other than `equals-ignore-case`.
    UnsupportedSuffixPattern {
        /// The inner operator as written.
        name: String,
    },
    /// `{"anything-but": {}}`.
    AnythingButExpressionNameNotFound,
    /// `{"anything-but": {"x": ...}}` with an unsupported `x`.
    UnsupportedAnythingButPattern {
        /// The inner operator as written.
        name: String,
    },
    /// `anything-but` with a value that is not a string, number or array.
    AnythingButValue,
    /// `anything-but` list with `null`, a boolean, an object or an array in it.
    AnythingButListType,
    /// `anything-but` list mixing strings and numbers, or empty.
    AnythingButMixedTypes,
    /// `anything-but` / `equals-ignore-case` with something other than strings.
    AnythingButIgnoreCaseType,
    /// `anything-but` with `equals-ignore-case`, `prefix`, `suffix` or `wildcard` and an empty
    /// list: it would exclude nothing. AWS's engine fails while adding such a rule, so AWS
    /// refuses it; the message is ours, in AWS's words for the other list errors.
    AnythingButEmptyList {
        /// The inner operator.
        operator: &'static str,
    },
    /// `numeric` whose value is not an array.
    NumericNotArray,
    /// `numeric` whose first element is not an operator string.
    NumericInvalidMember {
        /// The element, as AWS prints it.
        text: String,
    },
    /// A `numeric` operator followed by something other than a number.
    NumericValueNotNumber {
        /// The operator (`equals` for `=`, as AWS words it).
        operator: String,
    },
    /// A first `numeric` operator other than `=`, `<`, `<=`, `>`, `>=`.
    NumericUnrecognizedOperator {
        /// The operator as written.
        operator: String,
    },
    /// A two-sided range whose second operator is not a string.
    NumericBadValue {
        /// The element, as AWS prints it.
        text: String,
    },
    /// A two-sided range whose second operator is not `<` or `<=`.
    NumericBadOperator {
        /// The operator as written.
        operator: String,
    },
    /// A two-sided range with more than four elements.
    NumericTooManyTerms,
    /// A number outside the comparable domain where one is required.
    Number(NumberError),
    /// A two-sided range whose bottom is not below its top.
    BottomNotBelowTop,
    /// A malformed CIDR block.
    Cidr(CidrError),
    /// `exists` with a value other than `true` or `false`.
    ExistsNotBoolean,
    /// Malformed wildcard syntax.
    Wildcard(WildcardError),
    /// Wildcards whose automaton would be too complex.
    TooComplex,
    /// `$or` whose value is not an array.
    OrNotArray,
    /// `$or` with an element that is not an object.
    OrElementNotObject,
    /// `$or` with fewer than two branches.
    OrTooFewBranches,
    /// An operator name used as a field name inside `$or`.
    ReservedFieldInOr {
        /// The field name.
        name: String,
    },
    /// Nesting deeper than [`Limits::max_depth`](crate::pattern::Limits::max_depth).
    TooDeep {
        /// The limit in force.
        limit: usize,
    },
    /// More `$or` combinations than [`Limits::max_branches`](crate::pattern::Limits::max_branches).
    TooManyBranches {
        /// The limit in force.
        limit: usize,
    },
    /// An array with more values than [`Limits::max_values`](crate::pattern::Limits::max_values).
    TooManyValues {
        /// The limit in force.
        limit: usize,
    },
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ErrorKind::*;
        match self {
            Json(e) => write!(f, "Filter is not valid JSON: {e}"),
            NotAnObject => f.write_str("Filter is not an object"),
            EmptyObject => f.write_str("Empty objects are not allowed"),
            EmptyArray => f.write_str("Empty arrays are not allowed"),
            NotObjectOrArray { key } => write!(f, "\"{key}\" must be an object or an array"),
            InvalidMatchValue => {
                f.write_str("Match value must be String, number, true, false, or null")
            }
            MatchExpressionNameNotFound => f.write_str("Match expression name not found"),
            OnlyOneKey => f.write_str("Only one key allowed in match expression"),
            TooManyElements => f.write_str("Too many elements in numeric expression"),
            UnrecognizedMatchType { name } => write!(f, "Unrecognized match type {name}"),
            MustBeString { operator } => write!(f, "{operator} match pattern must be a string"),
            NullPrefixSuffix => f.write_str("Null prefix/suffix not allowed"),
            PrefixExpressionNameNotFound => f.write_str("Prefix expression name not found"),
            SuffixExpressionNameNotFound => f.write_str("Suffix expression name not found"),
            UnsupportedPrefixPattern { name } => write!(f, "Unsupported prefix pattern: {name}"),
            UnsupportedSuffixPattern { name } => write!(f, "Unsupported suffix pattern: {name}"),
            AnythingButExpressionNameNotFound => {
                f.write_str("Anything-But expression name not found")
            }
            UnsupportedAnythingButPattern { name } => {
                write!(f, "Unsupported anything-but pattern: {name}")
            }
            AnythingButValue => f.write_str(
                "Value of anything-but must be an array or single string/number value.",
            ),
            AnythingButListType => {
                f.write_str("Inside anything but list, start|null|boolean is not supported.")
            }
            AnythingButMixedTypes => f.write_str(
                "Inside anything but list, either all values are number or string, mixed type is not supported",
            ),
            AnythingButIgnoreCaseType => f.write_str(
                "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.",
            ),
            AnythingButEmptyList { operator } => write!(
                f,
                "Inside anything-but/{operator} list, an empty list is not supported."
            ),
            NumericNotArray => f.write_str("Value of numeric must be an array."),
            NumericInvalidMember { text } => write!(f, "Invalid member in numeric match: {text}"),
            NumericValueNotNumber { operator } => write!(f, "Value of {operator} must be numeric"),
            NumericUnrecognizedOperator { operator } => {
                write!(f, "Unrecognized numeric range operator: {operator}")
            }
            NumericBadValue { text } => write!(f, "Bad value in numeric range: {text}"),
            NumericBadOperator { operator } => write!(f, "Bad numeric range operator: {operator}"),
            NumericTooManyTerms => f.write_str("Too many terms in numeric range expression"),
            Number(e) => e.fmt(f),
            BottomNotBelowTop => f.write_str("Bottom must be less than top"),
            Cidr(e) => e.fmt(f),
            ExistsNotBoolean => f.write_str("exists match pattern must be either true or false."),
            Wildcard(e) => e.fmt(f),
            TooComplex => f.write_str(
                "Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character",
            ),
            OrNotArray => f.write_str("It must be an Array followed with $or."),
            OrElementNotObject => {
                f.write_str("Only JSON object is allowed in array of $or relationship.")
            }
            OrTooFewBranches => f.write_str("There must have at least 2 Objects in $or relationship."),
            ReservedFieldInOr { name } => write!(
                f,
                "{name} is Ruler reserved fieldName which cannot be used inside $or."
            ),
            TooDeep { limit } => write!(f, "Pattern is nested deeper than {limit} levels"),
            TooManyBranches { limit } => {
                write!(f, "Pattern expands to more than {limit} $or branches")
            }
            TooManyValues { limit } => write!(f, "An array of the pattern holds more than {limit} values"),
        }
    }
}
