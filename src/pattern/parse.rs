//! Pattern validation in AWS's order.
//!
//! AWS validates a pattern as a token stream and stops at the first problem, so when a pattern
//! has several, the one reported is the first in document order, and within one match
//! expression the operand is checked before the members that follow it. This module walks the
//! parsed document in that same order, so every pattern gets the message AWS would give.

use std::collections::BTreeMap;
use std::ops::Bound;

use super::wildcard::{self, ComplexityField, ComplexityTerm, Wildcard};
use super::{
    AnythingBut, Branch, ErrorKind, FieldCondition, FieldValue, Limits, Literal, Matcher, Member,
    NumericRange, Object, Pattern, PatternError, PatternPath,
};
use crate::cidr::{IpAddress, IpRange};
use crate::json::{Json, ParseLimits};
use crate::number::ComparableNumber;

/// Field names AWS reserves inside `$or`: the operators, and names kept for future ones.
const RESERVED_IN_OR: &[&str] = &[
    "exactly",
    "equals-ignore-case",
    "prefix",
    "suffix",
    "anything-but",
    "exists",
    "wildcard",
    "numeric",
    "cidr",
    "=",
    "<",
    "<=",
    ">",
    ">=",
    "regex",
    "not-wildcard",
    "not-equals-ignore-case",
    "date-after",
    "date-on-or-after",
    "date-before",
    "date-on-or-before",
    "in-date-range",
    "ip-address-in-range",
    "ip-address-not-in-range",
];

type Result<T> = std::result::Result<T, PatternError>;

/// A branch under construction: field path → condition. A later field on the same path
/// replaces an earlier one, as in AWS.
type Partial = BTreeMap<String, FieldCondition>;

pub(super) fn parse(text: &[u8], limits: &Limits) -> Result<Pattern> {
    let limits = &limits.clamped();
    let json_limits = ParseLimits {
        max_depth: limits.max_depth,
        max_size: limits.max_size,
    };
    let json = Json::parse_with(text, &json_limits)
        .map_err(|e| PatternError::new(ErrorKind::Json(e), PatternPath::root()))?;
    parse_json(&json, limits)
}

pub(super) fn parse_json(json: &Json, limits: &Limits) -> Result<Pattern> {
    let limits = &limits.clamped();
    let Json::Object(members) = json else {
        return Err(PatternError::new(
            ErrorKind::NotAnObject,
            PatternPath::root(),
        ));
    };
    check_array_sizes(json, &PatternPath::root(), limits.max_values)?;
    let parser = Parser { limits };
    let mut partials: Vec<Partial> = Vec::new();
    let document = parser.object(members, &PatternPath::root(), &[], false, &mut partials, 1)?;
    let branches: Vec<Branch> = partials.into_iter().map(Branch::from_map).collect();
    check_complexity(&branches)?;
    Ok(Pattern { document, branches })
}

/// Rejects any array of the pattern longer than `limit`, with its path.
fn check_array_sizes(json: &Json, at: &PatternPath, limit: usize) -> Result<()> {
    // The path is built only to report an array that is too long: building it at every node
    // of every pattern was most of the time of loading a large rule file.
    if !has_long_array(json, limit) {
        return Ok(());
    }
    match json {
        Json::Array(items) if items.len() > limit => {
            err(ErrorKind::TooManyValues { limit }, at.clone())
        }
        Json::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, item)| check_array_sizes(item, &at.index(i), limit)),
        Json::Object(members) => members
            .iter()
            .try_for_each(|(key, value)| check_array_sizes(value, &at.key(key), limit)),
        _ => Ok(()),
    }
}

/// Whether any array in `json` holds more than `limit` items.
fn has_long_array(json: &Json, limit: usize) -> bool {
    match json {
        Json::Array(items) => items.len() > limit || items.iter().any(|i| has_long_array(i, limit)),
        Json::Object(members) => members.iter().any(|(_, v)| has_long_array(v, limit)),
        _ => false,
    }
}

struct Parser<'a> {
    limits: &'a Limits,
}

fn err<T>(kind: ErrorKind, path: PatternPath) -> Result<T> {
    Err(PatternError::new(kind, path))
}

/// How AWS prints a token in a message: strings without quotes, numbers as written.
fn token_text(value: Option<&Json>) -> String {
    match value {
        None => "]".to_string(),
        Some(Json::String(s)) => s.clone(),
        Some(Json::Number(t)) => t.clone(),
        Some(Json::Bool(b)) => b.to_string(),
        Some(Json::Null) => "null".to_string(),
        Some(Json::Array(_)) => "[".to_string(),
        Some(Json::Object(_)) => "{".to_string(),
    }
}

fn comparable(text: &str, at: PatternPath) -> Result<ComparableNumber> {
    ComparableNumber::parse(text).map_err(|e| PatternError::new(ErrorKind::Number(e), at))
}

impl Parser<'_> {
    fn object(
        &self,
        members: &[(String, Json)],
        at: &PatternPath,
        prefix: &[&str],
        in_or: bool,
        partials: &mut Vec<Partial>,
        depth: usize,
    ) -> Result<Object> {
        if depth > self.limits.max_depth {
            return err(
                ErrorKind::TooDeep {
                    limit: self.limits.max_depth,
                },
                at.clone(),
            );
        }
        let mut document = Vec::with_capacity(members.len());
        for (key, value) in members {
            let here = at.key(key);
            if key == "$or" {
                let group = self.or(value, &here, prefix, partials, depth)?;
                document.push(Member::Or(group));
                continue;
            }
            if in_or && RESERVED_IN_OR.contains(&key.as_str()) {
                return err(ErrorKind::ReservedFieldInOr { name: key.clone() }, here);
            }
            let mut path = prefix.to_vec();
            path.push(key);
            let value = match value {
                Json::Object(inner) => FieldValue::Object(self.object(
                    inner,
                    &here,
                    &path,
                    in_or,
                    partials,
                    depth + 1,
                )?),
                Json::Array(items) => {
                    let matchers = self.values(items, &here)?;
                    if partials.is_empty() {
                        partials.push(Partial::new());
                    }
                    let joined = path.join(".");
                    let shared: std::sync::Arc<[Matcher]> = matchers.as_slice().into();
                    for partial in partials.iter_mut() {
                        partial.insert(
                            joined.clone(),
                            FieldCondition {
                                path: joined.as_str().into(),
                                location: here.clone(),
                                matchers: shared.clone(),
                            },
                        );
                    }
                    FieldValue::Matchers(matchers)
                }
                _ => return err(ErrorKind::NotObjectOrArray { key: key.clone() }, here),
            };
            document.push(Member::Field {
                key: key.clone(),
                value,
            });
        }
        if members.is_empty() {
            return err(ErrorKind::EmptyObject, at.clone());
        }
        Ok(Object { members: document })
    }

    fn or(
        &self,
        value: &Json,
        at: &PatternPath,
        prefix: &[&str],
        partials: &mut Vec<Partial>,
        depth: usize,
    ) -> Result<Vec<Object>> {
        let Json::Array(items) = value else {
            return err(ErrorKind::OrNotArray, at.clone());
        };
        // Each alternative continues every branch formed so far.
        let before = std::mem::take(partials);
        let mut group = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let here = at.index(i);
            let Json::Object(members) = item else {
                return err(ErrorKind::OrElementNotObject, here);
            };
            let mut alternative = before.clone();
            if alternative.is_empty() {
                alternative.push(Partial::new());
            }
            group.push(self.object(members, &here, prefix, true, &mut alternative, depth + 1)?);
            partials.extend(alternative);
            if partials.len() > self.limits.max_branches {
                return err(
                    ErrorKind::TooManyBranches {
                        limit: self.limits.max_branches,
                    },
                    here,
                );
            }
        }
        if items.len() < 2 {
            return err(ErrorKind::OrTooFewBranches, at.clone());
        }
        Ok(group)
    }

    fn values(&self, items: &[Json], at: &PatternPath) -> Result<Vec<Matcher>> {
        let mut matchers = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let here = at.index(i);
            matchers.push(match item {
                Json::Object(members) => self.match_expression(members, &here)?,
                Json::String(s) => Matcher::Exact(Literal::String {
                    value: s.clone(),
                    ip: IpAddress::parse(s),
                }),
                Json::Number(text) => Matcher::Exact(Literal::Number {
                    text: text.clone(),
                    value: ComparableNumber::parse(text).ok(),
                }),
                Json::Bool(b) => Matcher::Exact(Literal::Bool(*b)),
                Json::Null => Matcher::Exact(Literal::Null),
                Json::Array(_) => return err(ErrorKind::InvalidMatchValue, here),
            });
        }
        if items.is_empty() {
            return err(ErrorKind::EmptyArray, at.clone());
        }
        Ok(matchers)
    }

    fn match_expression(&self, members: &[(String, Json)], at: &PatternPath) -> Result<Matcher> {
        let Some((name, value)) = members.first() else {
            return err(ErrorKind::MatchExpressionNameNotFound, at.clone());
        };
        let here = at.key(name);
        // The member after the operator, if any: AWS rejects it once the operand is read.
        let extra = members.get(1).map(|(k, _)| at.key(k));
        let only_one = |m: Matcher| match &extra {
            Some(p) => err(ErrorKind::OnlyOneKey, p.clone()),
            None => Ok(m),
        };
        let string_operand = |operator: &'static str| match value {
            Json::String(s) => Ok(s.clone()),
            _ => err(ErrorKind::MustBeString { operator }, here.clone()),
        };
        match name.as_str() {
            "exactly" => {
                let value = string_operand("exact")?;
                only_one(Matcher::Exact(Literal::String { value, ip: None }))
            }
            "prefix" | "suffix" => {
                let is_prefix = name == "prefix";
                let (value, ignore_case) = match value {
                    Json::Object(inner) => {
                        (self.ignore_case_operand(inner, &here, is_prefix)?, true)
                    }
                    _ => (
                        string_operand(if is_prefix { "prefix" } else { "suffix" })?,
                        false,
                    ),
                };
                only_one(if is_prefix {
                    Matcher::Prefix { value, ignore_case }
                } else {
                    Matcher::Suffix { value, ignore_case }
                })
            }
            "numeric" => {
                let Json::Array(items) = value else {
                    return err(ErrorKind::NumericNotArray, here);
                };
                let range = self.numeric(items, &here)?;
                match extra {
                    Some(p) => err(ErrorKind::TooManyElements, p),
                    None => Ok(Matcher::Numeric(range)),
                }
            }
            "anything-but" => {
                let anything_but = self.anything_but(value, &here)?;
                match extra {
                    Some(p) => err(ErrorKind::TooManyElements, p),
                    None => Ok(Matcher::AnythingBut(anything_but)),
                }
            }
            "exists" => match value {
                Json::Bool(b) => only_one(Matcher::Exists(*b)),
                _ => err(ErrorKind::ExistsNotBoolean, here),
            },
            "cidr" => {
                // AWS names the wrong operator here; we keep its message.
                let text = string_operand("prefix")?;
                let range = IpRange::parse_cidr(&text)
                    .map_err(|e| PatternError::new(ErrorKind::Cidr(e), here.clone()))?;
                only_one(Matcher::Cidr(range))
            }
            "equals-ignore-case" => {
                let text = string_operand("equals-ignore-case")?;
                only_one(Matcher::EqualsIgnoreCase(text))
            }
            "wildcard" => {
                let text = string_operand("wildcard")?;
                let w = Wildcard::parse(&text)
                    .map_err(|e| PatternError::new(ErrorKind::Wildcard(e), here.clone()))?;
                only_one(Matcher::Wildcard(w))
            }
            _ => err(
                ErrorKind::UnrecognizedMatchType { name: name.clone() },
                here,
            ),
        }
    }

    /// The operand of `{"prefix": {"equals-ignore-case": "..."}}` (or `suffix`).
    fn ignore_case_operand(
        &self,
        inner: &[(String, Json)],
        at: &PatternPath,
        is_prefix: bool,
    ) -> Result<String> {
        let Some((name, value)) = inner.first() else {
            let kind = if is_prefix {
                ErrorKind::PrefixExpressionNameNotFound
            } else {
                ErrorKind::SuffixExpressionNameNotFound
            };
            return err(kind, at.clone());
        };
        let here = at.key(name);
        if name != "equals-ignore-case" {
            let name = name.clone();
            let kind = if is_prefix {
                ErrorKind::UnsupportedPrefixPattern { name }
            } else {
                ErrorKind::UnsupportedSuffixPattern { name }
            };
            return err(kind, here);
        }
        let Json::String(text) = value else {
            return err(
                ErrorKind::MustBeString {
                    operator: "equals-ignore-case",
                },
                here,
            );
        };
        if let Some((k, _)) = inner.get(1) {
            return err(ErrorKind::OnlyOneKey, at.key(k));
        }
        Ok(text.clone())
    }

    fn anything_but(&self, value: &Json, at: &PatternPath) -> Result<AnythingBut> {
        #[derive(Clone, Copy, PartialEq)]
        enum Kind {
            Plain,
            IgnoreCase,
            Prefix,
            Suffix,
            Wildcard,
        }
        let (kind, operand, here, inner_extra) = match value {
            Json::Object(inner) => {
                let Some((name, operand)) = inner.first() else {
                    return err(ErrorKind::AnythingButExpressionNameNotFound, at.clone());
                };
                let kind = match name.as_str() {
                    "equals-ignore-case" => Kind::IgnoreCase,
                    "prefix" => Kind::Prefix,
                    "suffix" => Kind::Suffix,
                    "wildcard" => Kind::Wildcard,
                    _ => {
                        return err(
                            ErrorKind::UnsupportedAnythingButPattern { name: name.clone() },
                            at.key(name),
                        )
                    }
                };
                let extra = inner.get(1).map(|(k, _)| at.key(k));
                (kind, operand, at.key(name), extra)
            }
            _ => (Kind::Plain, value, at.clone(), None),
        };
        let items: Vec<(PatternPath, &Json)> = match operand {
            Json::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| (here.index(i), v))
                .collect(),
            Json::String(_) | Json::Number(_) => vec![(here.clone(), operand)],
            _ => return err(ErrorKind::AnythingButValue, here),
        };
        let is_list = matches!(operand, Json::Array(_));
        let result = if kind == Kind::Plain {
            let mut strings = Vec::new();
            let mut numbers = Vec::new();
            for (item_at, item) in &items {
                match item {
                    Json::String(s) => strings.push(s.clone()),
                    Json::Number(t) => numbers.push(comparable(t, item_at.clone())?),
                    _ => return err(ErrorKind::AnythingButListType, item_at.clone()),
                }
            }
            if is_list && strings.is_empty() == numbers.is_empty() {
                return err(ErrorKind::AnythingButMixedTypes, here);
            }
            if numbers.is_empty() {
                AnythingBut::Strings(sorted_unique(strings))
            } else {
                numbers.sort();
                numbers.dedup();
                AnythingBut::Numbers(numbers)
            }
        } else {
            if is_list && items.is_empty() {
                let operator = match kind {
                    Kind::IgnoreCase => "equals-ignore-case",
                    Kind::Prefix => "prefix",
                    Kind::Suffix => "suffix",
                    _ => "wildcard",
                };
                return err(ErrorKind::AnythingButEmptyList { operator }, here);
            }
            let mut strings = Vec::new();
            for (item_at, item) in &items {
                let Json::String(s) = item else {
                    let kind = match kind {
                        Kind::IgnoreCase => ErrorKind::AnythingButIgnoreCaseType,
                        Kind::Wildcard => ErrorKind::MustBeString {
                            operator: "wildcard",
                        },
                        _ => ErrorKind::MustBeString {
                            operator: "prefix/suffix",
                        },
                    };
                    return err(kind, item_at.clone());
                };
                if s.is_empty() && matches!(kind, Kind::Prefix | Kind::Suffix) {
                    return err(ErrorKind::NullPrefixSuffix, item_at.clone());
                }
                strings.push((item_at.clone(), s.clone()));
            }
            let values = || sorted_unique(strings.iter().map(|(_, s)| s.clone()).collect());
            match kind {
                Kind::IgnoreCase => AnythingBut::EqualsIgnoreCase(values()),
                Kind::Prefix => AnythingBut::Prefixes(values()),
                Kind::Suffix => AnythingBut::Suffixes(values()),
                _ => {
                    let mut wildcards = Vec::with_capacity(strings.len());
                    for (item_at, s) in &strings {
                        let w = Wildcard::parse(s).map_err(|e| {
                            PatternError::new(ErrorKind::Wildcard(e), item_at.clone())
                        })?;
                        if !wildcards.contains(&w) {
                            wildcards.push(w);
                        }
                    }
                    AnythingBut::Wildcards(wildcards)
                }
            }
        };
        match inner_extra {
            Some(p) => err(ErrorKind::TooManyElements, p),
            None => Ok(result),
        }
    }

    fn numeric(&self, items: &[Json], at: &PatternPath) -> Result<NumericRange> {
        let operator = match items.first() {
            Some(Json::String(op)) => op.as_str(),
            other => {
                return err(
                    ErrorKind::NumericInvalidMember {
                        text: token_text(other),
                    },
                    at.index(0),
                )
            }
        };
        let number_at = |i: usize, operator: &str| -> Result<&str> {
            match items.get(i) {
                Some(Json::Number(t)) => Ok(t),
                _ => err(
                    ErrorKind::NumericValueNotNumber {
                        operator: operator.to_string(),
                    },
                    at.index(i),
                ),
            }
        };
        let no_more = |from: usize| match items.get(from) {
            Some(_) => err(ErrorKind::TooManyElements, at.index(from)),
            None => Ok(()),
        };
        match operator {
            "=" => {
                let text = number_at(1, "equals")?;
                no_more(2)?;
                let n = comparable(text, at.index(1))?;
                Ok(NumericRange {
                    lower: Bound::Included(n),
                    upper: Bound::Included(n),
                })
            }
            "<" | "<=" => {
                let text = number_at(1, operator)?;
                no_more(2)?;
                let n = comparable(text, at.index(1))?;
                let upper = if operator == "<" {
                    Bound::Excluded(n)
                } else {
                    Bound::Included(n)
                };
                Ok(NumericRange {
                    lower: Bound::Unbounded,
                    upper,
                })
            }
            ">" | ">=" => {
                let bottom_text = number_at(1, operator)?;
                let open_bottom = operator == ">";
                let Some(second) = items.get(2) else {
                    let n = comparable(bottom_text, at.index(1))?;
                    let lower = if open_bottom {
                        Bound::Excluded(n)
                    } else {
                        Bound::Included(n)
                    };
                    return Ok(NumericRange {
                        lower,
                        upper: Bound::Unbounded,
                    });
                };
                let Json::String(top_operator) = second else {
                    return err(
                        ErrorKind::NumericBadValue {
                            text: token_text(Some(second)),
                        },
                        at.index(2),
                    );
                };
                let open_top = match top_operator.as_str() {
                    "<" => true,
                    "<=" => false,
                    _ => {
                        return err(
                            ErrorKind::NumericBadOperator {
                                operator: top_operator.clone(),
                            },
                            at.index(2),
                        )
                    }
                };
                let top_text = number_at(3, top_operator)?;
                if items.len() > 4 {
                    return err(ErrorKind::NumericTooManyTerms, at.index(4));
                }
                let bottom = comparable(bottom_text, at.index(1))?;
                let top = comparable(top_text, at.index(3))?;
                if bottom >= top {
                    return err(ErrorKind::BottomNotBelowTop, at.clone());
                }
                Ok(NumericRange {
                    lower: if open_bottom {
                        Bound::Excluded(bottom)
                    } else {
                        Bound::Included(bottom)
                    },
                    upper: if open_top {
                        Bound::Excluded(top)
                    } else {
                        Bound::Included(top)
                    },
                })
            }
            _ => err(
                ErrorKind::NumericUnrecognizedOperator {
                    operator: operator.to_string(),
                },
                at.index(0),
            ),
        }
    }
}

fn sorted_unique(mut values: Vec<String>) -> Vec<String> {
    values.sort();
    values.dedup();
    values
}

/// Rejects patterns whose wildcards AWS would find too complex, pointing at the field whose
/// automaton exceeds the bound.
fn check_complexity(branches: &[Branch]) -> Result<()> {
    match complexity_of(branches) {
        Ok(_) => Ok(()),
        Err(path) => {
            let location = branches
                .iter()
                .flat_map(|b| b.fields())
                .find(|f| f.path() == path)
                .map(|f| f.location().clone())
                .unwrap_or_default();
            err(ErrorKind::TooComplex, location)
        }
    }
}

impl Pattern {
    /// How complex the pattern's wildcards make matching, measured the way AWS's engine
    /// measures it before refusing a pattern as too complex: the largest number of wildcard
    /// states one input can keep alive at once in a field's byte automaton. `0` for a pattern
    /// without wildcards; a valid pattern is at most [`COMPLEXITY_LIMIT`](super::wildcard::COMPLEXITY_LIMIT).
    ///
    /// ```
    /// use evmatch::Pattern;
    /// assert_eq!(Pattern::parse(r#"{"source": ["lambda"]}"#)?.complexity(), 0);
    /// let one = Pattern::parse(r#"{"arn": [{"wildcard": "arn:aws:lambda:*:function:*"}]}"#)?;
    /// let many = Pattern::parse(r#"{"arn": [{"wildcard": "*a*"}, {"wildcard": "*b*"}, {"wildcard": "*c*"}]}"#)?;
    /// assert!(one.complexity() >= 1);
    /// assert!(many.complexity() > one.complexity());
    /// # Ok::<(), evmatch::PatternError>(())
    /// ```
    pub fn complexity(&self) -> usize {
        complexity_of(self.branches()).unwrap_or(wildcard::COMPLEXITY_LIMIT + 1)
    }
}

/// The largest wildcard complexity over a pattern's fields, or the path of a field over the
/// limit.
fn complexity_of(branches: &[Branch]) -> std::result::Result<usize, String> {
    // Only wildcards add states to a field's byte automaton: without any, there is nothing to
    // measure (and no matcher to describe).
    let wildcard = |m: &Matcher| {
        matches!(
            m,
            Matcher::Wildcard(_) | Matcher::AnythingBut(AnythingBut::Wildcards(_))
        )
    };
    if !branches
        .iter()
        .flat_map(|b| b.fields())
        .any(|f| f.matchers().iter().any(wildcard))
    {
        return Ok(0);
    }
    let clauses: Vec<Vec<ComplexityField<'_>>> = branches
        .iter()
        .map(|branch| {
            branch
                .fields()
                .iter()
                .map(|field| ComplexityField {
                    path: field.path().to_string(),
                    terms: field
                        .matchers()
                        .iter()
                        .map(|m| ComplexityTerm {
                            identity: format!("{m:?}"),
                            wildcards: match m {
                                Matcher::Wildcard(w) => vec![w],
                                Matcher::AnythingBut(AnythingBut::Wildcards(ws)) => {
                                    ws.iter().collect()
                                }
                                _ => Vec::new(),
                            },
                            absent: matches!(m, Matcher::Exists(false)),
                        })
                        .collect(),
                })
                .collect()
        })
        .collect();
    wildcard::rule_complexity(&clauses)
}
