//! The reference matcher: the plainest evaluator of a [`Pattern`] against a parsed event.
//!
//! It is the oracle the compiled rule set is tested against, so it favours being obviously
//! right over being fast. Matching goes in three steps:
//!
//! 1. **Flatten** the event into *leaves*: every `null`, boolean, number and string, with its
//!    path (object keys joined by `.`, array positions left out, so an array of objects is
//!    crushed into its parent path) and the position it holds in each array on the way down,
//!    except the array it sits in directly: as in AWS's engine, only an object or an array
//!    inside an array is tied to its element, so a plain value of `["s", {"b": "x"}]` goes
//!    with the `b` of any element. Objects and arrays themselves are not leaves, and neither
//!    are empty ones.
//! 2. For each branch of the pattern, choose one leaf per field, visiting the fields in path
//!    order, such that the leaf satisfies one of the field's matchers and the choices are
//!    **array-consistent**: no two chosen leaves sit in different elements of the same array.
//! 3. A field with `{"exists": false}` may instead be satisfied by absence: no leaf at its path
//!    is consistent with the array positions fixed by the fields chosen before it. (This is
//!    AWS's rule; it makes absence relative to the array elements already committed to.)
//!
//! The pattern matches when some branch can be satisfied; the consistency search makes the
//! choice.

use std::collections::HashMap;

use crate::consistency::{self, FieldOptions};

use crate::cidr::IpAddress;
use crate::json::Json;
use crate::number::ComparableNumber;
use crate::pattern::{
    ends_with_ignore_case, equals_ignore_case, starts_with_ignore_case, AnythingBut, Branch,
    FieldCondition, Literal, Matcher, Pattern,
};

/// Whether `pattern` matches `event`.
///
/// An event nested deeper than [`json::MAX_DEPTH`](crate::json::MAX_DEPTH) levels, which no
/// reader of text accepts and only code can build, matches no pattern (as such text is an
/// error, not a match, for a [`Ruleset`](crate::Ruleset)); the walk stops at that depth.
///
/// ```
/// use evmatch::{json::Json, reference, Pattern};
/// let pattern = Pattern::parse(r#"{"detail": {"requestContext": {"condition": ["Success"]}}}"#)?;
/// let event = Json::parse(br#"{"detail": {"requestContext": {"condition": "Success"}}}"#).unwrap();
/// assert!(reference::matches(&pattern, &event));
/// # Ok::<(), evmatch::PatternError>(())
/// ```
pub fn matches(pattern: &Pattern, event: &Json) -> bool {
    let leaves = Leaves::of(event);
    if leaves.too_deep {
        return false;
    }
    pattern
        .branches()
        .iter()
        .any(|b| branch_matches(b, &leaves))
}

/// Whether `pattern` matches an event already parsed by `serde_json`.
///
/// ```
/// use evmatch::{reference, Pattern};
///
/// let rule = Pattern::parse(r#"{"source": ["lambda"]}"#)?;
/// let event = serde_json::json!({
///     "source": "lambda",
///     "detail": {"requestContext": {"condition": "Success"}}
/// });
/// assert!(reference::matches_value(&rule, &event));
/// assert!(!reference::matches_value(&rule, &serde_json::json!({"source": "sqs"})));
/// # Ok::<(), evmatch::PatternError>(())
/// ```
pub fn matches_value(pattern: &Pattern, event: &serde_json::Value) -> bool {
    matches(pattern, &Json::from_serde(event))
}

/// An event's leaves, grouped by path.
pub(crate) struct Leaves<'e> {
    by_path: HashMap<String, Vec<Leaf<'e>>>,
    /// Whether the event nests deeper than [`json::MAX_DEPTH`](crate::json::MAX_DEPTH): then
    /// its leaves are not collected, and it matches nothing.
    pub(crate) too_deep: bool,
}

/// One scalar of an event, with where it sits.
#[derive(Clone, Debug)]
pub(crate) struct Leaf<'e> {
    /// The scalar.
    pub value: &'e Json,
    /// For each array on the way down that the leaf is nested in through an object or an
    /// array element: which array (numbered in document order) and the element's position.
    pub positions: Vec<(u32, u32)>,
}

impl<'e> Leaves<'e> {
    /// Flattens an event.
    ///
    /// The event's tree is walked with a list of the containers open on the way down rather
    /// than by recursion, and the path is one buffer that grows and shrinks with the walk: an
    /// event built in code may nest deeper than any stack holds (the readers refuse such text,
    /// but [`Json`] is an open enum), and its leaves then cost their own paths, not a copy of
    /// every path on the way to them.
    pub(crate) fn of(event: &'e Json) -> Leaves<'e> {
        /// A container being walked: its remaining children, and where its path ends in the
        /// buffer (`None` at the top, where a key starts the path without a dot).
        enum Open<'e> {
            Object(std::slice::Iter<'e, (String, Json)>, Option<usize>),
            Array {
                items: std::iter::Enumerate<std::slice::Iter<'e, Json>>,
                id: u32,
                path: Option<usize>,
                /// Array positions on the way to the array itself.
                positions: usize,
            },
        }
        let mut leaves = Leaves {
            by_path: HashMap::new(),
            too_deep: false,
        };
        let mut path = String::new();
        let mut positions: Vec<(u32, u32)> = Vec::new();
        let mut arrays = 0u32;
        let mut open: Vec<Open<'e>> = Vec::new();
        // The value to enter next, with the end of its path.
        let mut next: Option<(&'e Json, Option<usize>)> = Some((event, None));
        loop {
            if let Some((value, end)) = next.take() {
                if open.len() >= crate::json::MAX_DEPTH
                    && matches!(value, Json::Object(_) | Json::Array(_))
                {
                    // The search for array-consistent choices recurses once per array a
                    // value sits in: an event no reader would accept is refused here too.
                    return Leaves {
                        by_path: HashMap::new(),
                        too_deep: true,
                    };
                }
                match value {
                    Json::Object(members) => open.push(Open::Object(members.iter(), end)),
                    Json::Array(items) => {
                        open.push(Open::Array {
                            items: items.iter().enumerate(),
                            id: arrays,
                            path: end,
                            positions: positions.len(),
                        });
                        arrays += 1;
                    }
                    scalar => leaves
                        .by_path
                        .entry(path[..end.unwrap_or(0)].to_string())
                        .or_default()
                        .push(Leaf {
                            value: scalar,
                            positions: positions.clone(),
                        }),
                }
            }
            let Some(top) = open.last_mut() else {
                return leaves;
            };
            match top {
                Open::Object(members, end) => match members.next() {
                    Some((key, member)) => {
                        // Keys join with dots, an empty key too: `{"": {"x": 1}}` is at `.x`,
                        // the path of the pattern `{"": {"x": [1]}}`.
                        path.truncate(end.unwrap_or(0));
                        if end.is_some() {
                            path.push('.');
                        }
                        path.push_str(key);
                        next = Some((member, Some(path.len())));
                    }
                    None => {
                        open.pop();
                    }
                },
                Open::Array {
                    items,
                    id,
                    path: end,
                    positions: depth,
                } => {
                    positions.truncate(*depth);
                    match items.next() {
                        Some((i, item)) => {
                            // A plain value is tied to no element of the array it sits in
                            // directly: only objects and arrays enter it (as AWS's engine
                            // records membership).
                            if matches!(item, Json::Object(_) | Json::Array(_)) {
                                positions.push((*id, i as u32));
                            }
                            path.truncate(end.unwrap_or(0));
                            next = Some((item, *end));
                        }
                        None => {
                            open.pop();
                        }
                    }
                }
            }
        }
    }

    /// The leaves at a dotted path.
    pub(crate) fn at(&self, path: &str) -> &[Leaf<'e>] {
        self.by_path.get(path).map_or(&[], Vec::as_slice)
    }
}

pub(crate) fn branch_matches(branch: &Branch, leaves: &Leaves<'_>) -> bool {
    fields_match(branch.fields(), leaves)
}

/// Whether one value per field can be chosen, array-consistently (see the module docs).
pub(crate) fn fields_match(fields: &[FieldCondition], leaves: &Leaves<'_>) -> bool {
    fields_match_counted(fields, leaves, &mut 0)
}

/// [`fields_match`], adding to `steps` the work of the consistency search.
pub(crate) fn fields_match_counted(
    fields: &[FieldCondition],
    leaves: &Leaves<'_>,
    steps: &mut u64,
) -> bool {
    let fields: Vec<FieldOptions<'_>> = fields
        .iter()
        .map(|field| {
            let at = leaves.at(field.path());
            FieldOptions {
                matching: at
                    .iter()
                    .filter(|leaf| {
                        field
                            .matchers()
                            .iter()
                            .any(|m| value_matches(m, leaf.value))
                    })
                    .map(|leaf| leaf.positions.as_slice())
                    .collect(),
                accepts_absence: field.matches_absent(),
                present: at.iter().map(|leaf| leaf.positions.as_slice()).collect(),
            }
        })
        .collect();
    consistency::satisfiable(&fields, steps)
}

/// One scalar of an event, borrowed: what a matcher looks at.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Scalar<'v> {
    /// A string.
    Str(&'v str),
    /// A number's spelling, with its value when it is in the comparable domain.
    Num(&'v [u8], Option<ComparableNumber>),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
}

impl<'v> Scalar<'v> {
    /// The scalar of a parsed JSON leaf (`None` for arrays and objects).
    pub(crate) fn of(value: &'v Json) -> Option<Scalar<'v>> {
        Some(match value {
            Json::String(s) => Scalar::Str(s),
            Json::Number(t) => Scalar::Num(t.as_bytes(), ComparableNumber::parse(t).ok()),
            Json::Bool(b) => Scalar::Bool(*b),
            Json::Null => Scalar::Null,
            _ => return None,
        })
    }
}

/// Whether one matcher accepts one scalar. Only `anything-but` accepts values of every type;
/// the string operators need a string and `numeric` a number in the comparable domain.
pub(crate) fn value_matches(matcher: &Matcher, value: &Json) -> bool {
    Scalar::of(value).is_some_and(|v| scalar_matches(matcher, &v))
}

/// [`value_matches`] on a borrowed scalar.
pub(crate) fn scalar_matches(matcher: &Matcher, value: &Scalar<'_>) -> bool {
    let string = match value {
        Scalar::Str(s) => Some(*s),
        _ => None,
    };
    let number = match value {
        Scalar::Num(_, n) => *n,
        _ => None,
    };
    match matcher {
        Matcher::Exact(literal) => literal_matches(literal, value),
        Matcher::Prefix {
            value: p,
            ignore_case,
        } => string.is_some_and(|s| {
            if *ignore_case {
                starts_with_ignore_case(p, s)
            } else {
                s.starts_with(p.as_str())
            }
        }),
        Matcher::Suffix {
            value: p,
            ignore_case,
        } => string.is_some_and(|s| {
            if *ignore_case {
                ends_with_ignore_case(p, s)
            } else {
                s.ends_with(p.as_str())
            }
        }),
        Matcher::EqualsIgnoreCase(p) => string.is_some_and(|s| equals_ignore_case(p, s)),
        Matcher::Wildcard(w) => string.is_some_and(|s| w.is_match(s)),
        Matcher::Numeric(range) => number.is_some_and(|n| range.contains(n)),
        Matcher::Cidr(range) => string
            .and_then(IpAddress::parse)
            .is_some_and(|ip| range.contains(ip)),
        Matcher::Exists(present) => *present,
        Matcher::AnythingBut(excluded) => !excluded_by(excluded, value),
    }
}

fn literal_matches(literal: &Literal, value: &Scalar<'_>) -> bool {
    match (literal, value) {
        (Literal::String { ip: Some(ip), .. }, Scalar::Str(s)) => IpAddress::parse(s) == Some(*ip),
        (Literal::String { value: p, ip: None }, Scalar::Str(s)) => p == s,
        (Literal::Number { text, value: p }, Scalar::Num(t, e)) => match (p, e) {
            (Some(p), Some(e)) => p == e,
            _ => text.as_bytes() == *t,
        },
        (Literal::Bool(b), Scalar::Bool(e)) => b == e,
        (Literal::Null, Scalar::Null) => true,
        _ => false,
    }
}

fn excluded_by(excluded: &AnythingBut, value: &Scalar<'_>) -> bool {
    let Scalar::Str(s) = value else {
        return match (excluded, value) {
            (AnythingBut::Numbers(list), Scalar::Num(_, Some(n))) => list.contains(n),
            _ => false,
        };
    };
    match excluded {
        AnythingBut::Strings(list) => list.iter().any(|x| x == s),
        AnythingBut::Numbers(_) => false,
        AnythingBut::Prefixes(list) => list.iter().any(|p| s.starts_with(p.as_str())),
        AnythingBut::Suffixes(list) => list.iter().any(|p| s.ends_with(p.as_str())),
        AnythingBut::EqualsIgnoreCase(list) => list.iter().any(|p| equals_ignore_case(p, s)),
        AnythingBut::Wildcards(list) => list.iter().any(|w| w.is_match(s)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(pattern: &str, event: &str) -> bool {
        let pattern = Pattern::parse(pattern).unwrap();
        matches(&pattern, &Json::parse(event.as_bytes()).unwrap())
    }

    #[test]
    fn array_consistency_forbids_mixing_elements() {
        let rule = r#"{"items": {"sku": ["A-1"], "qty": [1]}}"#;
        assert!(!check(
            rule,
            r#"{"items": [{"sku": "A-1", "qty": 2}, {"sku": "B-9", "qty": 1}]}"#
        ));
        assert!(check(
            rule,
            r#"{"items": [{"sku": "B-9", "qty": 2}, {"sku": "A-1", "qty": 1}]}"#
        ));
    }

    #[test]
    fn absence_is_relative_to_earlier_fields() {
        // `a.b` sorts before `a.c`: absence of `a.b` is judged before any element is chosen.
        let rule = r#"{"a": {"b": [{"exists": false}], "c": [2]}}"#;
        assert!(!check(rule, r#"{"a": [{"b": 1}, {"c": 2}]}"#));
        // `a.c` sorts after `a.b`: once element 1 is chosen for `a.b`, the `a.c` of element 0 is
        // not in the way.
        let rule = r#"{"a": {"c": [{"exists": false}], "b": [1]}}"#;
        assert!(check(rule, r#"{"a": [{"c": 9}, {"b": 1}]}"#));
        assert!(!check(rule, r#"{"a": [{"c": 9, "b": 1}]}"#));
    }

    #[test]
    fn exists_is_about_leaves() {
        assert!(!check(r#"{"a": [{"exists": true}]}"#, r#"{"a": {"b": 1}}"#));
        assert!(check(r#"{"a": [{"exists": false}]}"#, r#"{"a": {"b": 1}}"#));
        assert!(check(r#"{"a": [{"exists": true}]}"#, r#"{"a": null}"#));
        assert!(!check(r#"{"a": [{"exists": true}]}"#, r#"{"a": []}"#));
        assert!(check(r#"{"a": [{"exists": false}]}"#, r#"{"a": []}"#));
    }

    #[test]
    fn numbers_compare_numerically_in_the_domain_and_literally_outside() {
        assert!(check(r#"{"n": [300]}"#, r#"{"n": 3e2}"#));
        assert!(check(r#"{"n": [300]}"#, r#"{"n": 300.0}"#));
        assert!(!check(r#"{"n": [300]}"#, r#"{"n": "300"}"#));
        assert!(check(r#"{"n": [123456789012]}"#, r#"{"n": 123456789012}"#));
        assert!(!check(
            r#"{"n": [123456789012]}"#,
            r#"{"n": 1.23456789012e11}"#
        ));
        assert!(!check(
            r#"{"n": [{"numeric": [">", 0]}]}"#,
            r#"{"n": 1e10}"#
        ));
    }

    #[test]
    fn anything_but_accepts_other_types_but_not_absence() {
        let rule = r#"{"s": [{"anything-but": "x"}]}"#;
        assert!(check(rule, r#"{"s": 1}"#));
        assert!(check(rule, r#"{"s": null}"#));
        assert!(check(rule, r#"{"s": true}"#));
        assert!(!check(rule, r#"{"s": "x"}"#));
        assert!(!check(rule, r#"{}"#));
        let rule = r#"{"n": [{"anything-but": [100, 200]}]}"#;
        assert!(check(rule, r#"{"n": "100"}"#));
        assert!(!check(rule, r#"{"n": 1e2}"#));
        assert!(check(rule, r#"{"n": 1e10}"#));
        // Any element of an array may satisfy it.
        assert!(check(rule, r#"{"n": [100, 300]}"#));
        assert!(!check(rule, r#"{"n": [100, 200]}"#));
    }

    #[test]
    fn ip_literals_compare_as_addresses() {
        assert!(check(
            r#"{"ip": ["2001:db8::1"]}"#,
            r#"{"ip": "2001:0db8:0:0:0:0:0:1"}"#
        ));
        assert!(check(r#"{"ip": ["10.0.0.1"]}"#, r#"{"ip": "10.0.0.1"}"#));
        assert!(!check(
            r#"{"ip": [{"exactly": "2001:db8::1"}]}"#,
            r#"{"ip": "2001:0db8:0:0:0:0:0:1"}"#
        ));
    }

    #[test]
    fn many_independent_arrays_do_not_explode() {
        // Nine arrays of 50 values, then two fields that can never agree on an element: a
        // naive search would try 50^9 combinations before giving up.
        let mut event = String::from("{");
        for k in 1..=9 {
            event.push_str(&format!("\"x{k}\": [{}],", vec!["1"; 50].join(",")));
        }
        let elements: Vec<String> = (0..50)
            .map(|i| {
                if i % 2 == 0 {
                    r#"{"p": 1}"#.to_string()
                } else {
                    r#"{"q": 1}"#.to_string()
                }
            })
            .collect();
        event.push_str(&format!("\"z\": [{}]}}", elements.join(",")));
        let mut rule = String::from("{");
        for k in 1..=9 {
            rule.push_str(&format!("\"x{k}\": [1],"));
        }
        rule.push_str(r#""z": {"p": [1], "q": [1]}}"#);
        let pattern = Pattern::parse(&rule).unwrap();
        let event = Json::parse(event.as_bytes()).unwrap();
        let leaves = Leaves::of(&event);
        let mut steps = 0;
        let fields = pattern.branches()[0].fields();
        assert!(!fields_match_counted(fields, &leaves, &mut steps));
        // Each of the nine arrays' values is tried once (they look alike to later fields),
        // then the 50 elements of z: hundreds of steps, where the naive search takes 50^9.
        assert!(steps < 5_000, "{steps} steps");
    }

    #[test]
    fn dotted_keys_meet_nested_paths() {
        assert!(check(r#"{"a.b": [1]}"#, r#"{"a": {"b": 1}}"#));
        assert!(check(r#"{"a": {"b": [1]}}"#, r#"{"a.b": 1}"#));
        assert!(check(
            r#"{"a": {"b": [2]}}"#,
            r#"{"a.b": 1, "a": {"b": 2}}"#
        ));
    }
}
