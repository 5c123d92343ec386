//! Matchers written back as pattern JSON, for messages that quote what a pattern wants.

use std::fmt;
use std::ops::Bound;

use super::{AnythingBut, Literal, Matcher, NumericRange};
use crate::cidr::IpRange;
use crate::json::write_string;

/// Writes the matcher the way a pattern spells it: `"Success"`, `{"prefix": "A-"}`,
/// `{"numeric": [">", 1]}`. Equal matchers print the same text, whatever their original
/// spelling (`3e2` prints as `300`).
///
/// ```
/// use evmatch::Pattern;
/// let pattern = Pattern::parse(r#"{"n": [{"numeric": [">", 0, "<=", 5]}, {"prefix": "A-"}, null]}"#)?;
/// let wanted: Vec<String> = pattern.branches()[0].fields()[0]
///     .matchers()
///     .iter()
///     .map(|m| m.to_string())
///     .collect();
/// assert_eq!(wanted, [r#"{"numeric": [">", 0, "<=", 5]}"#, r#"{"prefix": "A-"}"#, "null"]);
/// # Ok::<(), evmatch::PatternError>(())
/// ```
impl fmt::Display for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Matcher::Exact(literal) => literal.fmt(f),
            Matcher::Prefix { value, ignore_case } => affix(f, "prefix", value, *ignore_case),
            Matcher::Suffix { value, ignore_case } => affix(f, "suffix", value, *ignore_case),
            Matcher::EqualsIgnoreCase(value) => operator(f, "equals-ignore-case", value),
            Matcher::Wildcard(w) => operator(f, "wildcard", w.as_str()),
            Matcher::Numeric(range) => {
                f.write_str("{\"numeric\": ")?;
                numeric(f, range)?;
                f.write_str("}")
            }
            Matcher::Cidr(range) => {
                f.write_str("{\"cidr\": \"")?;
                cidr(f, range)?;
                f.write_str("\"}")
            }
            Matcher::Exists(exists) => write!(f, "{{\"exists\": {exists}}}"),
            Matcher::AnythingBut(excluded) => {
                f.write_str("{\"anything-but\": ")?;
                match excluded {
                    AnythingBut::Strings(list) => strings(f, list)?,
                    AnythingBut::Numbers(list) => {
                        f.write_str("[")?;
                        for (i, n) in list.iter().enumerate() {
                            write!(f, "{}{n}", if i > 0 { ", " } else { "" })?;
                        }
                        f.write_str("]")?;
                    }
                    AnythingBut::Prefixes(list) => nested(f, "prefix", list)?,
                    AnythingBut::Suffixes(list) => nested(f, "suffix", list)?,
                    AnythingBut::EqualsIgnoreCase(list) => nested(f, "equals-ignore-case", list)?,
                    AnythingBut::Wildcards(list) => {
                        let texts: Vec<String> =
                            list.iter().map(|w| w.as_str().to_string()).collect();
                        nested(f, "wildcard", &texts)?
                    }
                }
                f.write_str("}")
            }
        }
    }
}

/// Writes the literal as JSON: a quoted string, a number, `true`, `false` or `null`.
impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::String { value, .. } => write_string(f, value),
            Literal::Number { text, value } => match value {
                Some(n) => n.fmt(f),
                None => f.write_str(text),
            },
            Literal::Bool(b) => b.fmt(f),
            Literal::Null => f.write_str("null"),
        }
    }
}

fn operator(f: &mut fmt::Formatter<'_>, name: &str, value: &str) -> fmt::Result {
    write!(f, "{{\"{name}\": ")?;
    write_string(f, value)?;
    f.write_str("}")
}

fn affix(f: &mut fmt::Formatter<'_>, name: &str, value: &str, ignore_case: bool) -> fmt::Result {
    if ignore_case {
        write!(f, "{{\"{name}\": ")?;
        operator(f, "equals-ignore-case", value)?;
        f.write_str("}")
    } else {
        operator(f, name, value)
    }
}

fn strings(f: &mut fmt::Formatter<'_>, list: &[String]) -> fmt::Result {
    if let [one] = list {
        return write_string(f, one);
    }
    f.write_str("[")?;
    for (i, s) in list.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write_string(f, s)?;
    }
    f.write_str("]")
}

fn nested(f: &mut fmt::Formatter<'_>, name: &str, list: &[String]) -> fmt::Result {
    write!(f, "{{\"{name}\": ")?;
    strings(f, list)?;
    f.write_str("}")
}

fn numeric(f: &mut fmt::Formatter<'_>, range: &NumericRange) -> fmt::Result {
    if let (Bound::Included(low), Bound::Included(high)) = (range.lower, range.upper) {
        if low == high {
            return write!(f, "[\"=\", {low}]");
        }
    }
    f.write_str("[")?;
    let mut first = true;
    let mut bound = |f: &mut fmt::Formatter<'_>, op: &str, n| {
        let comma = if first { "" } else { ", " };
        first = false;
        write!(f, "{comma}\"{op}\", {n}")
    };
    match range.lower {
        Bound::Included(n) => bound(f, ">=", n)?,
        Bound::Excluded(n) => bound(f, ">", n)?,
        Bound::Unbounded => {}
    }
    match range.upper {
        Bound::Included(n) => bound(f, "<=", n)?,
        Bound::Excluded(n) => bound(f, "<", n)?,
        Bound::Unbounded => {}
    }
    f.write_str("]")
}

/// A CIDR block as `network/bits`: the block runs from the network (host bits cleared) to
/// the network with its host bits set, so its first and last addresses differ in exactly the
/// host bits.
fn cidr(f: &mut fmt::Formatter<'_>, range: &IpRange) -> fmt::Result {
    write!(f, "{}/{}", range.low(), range.network_bits())
}
