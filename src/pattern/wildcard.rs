//! Wildcard patterns: syntax, matching, and AWS's complexity bound.
//!
//! `*` matches any run of characters (including none), `\*` is a literal asterisk and `\\` a
//! literal backslash; any other backslash is an error, and so are two `*` in a row. Positions in
//! error messages count UTF-8 bytes from 1, the way AWS reports them (its engine counts from the
//! opening quote of the string).
//!
//! AWS rejects wildcard patterns whose byte automaton could sit in too many partial matches at
//! once ("Rule is too complex"). The complexity walk models that automaton for the wildcard terms of
//! one field: literal prefixes shared until the first `*`, every `*` a state that loops on any
//! byte, and each state weighted by the number of distinct terms that pass through it. It walks
//! the subsets of states that an input can reach and reports the heaviest; a pattern is rejected
//! when that exceeds [`COMPLEXITY_LIMIT`]. The walk stops early past the limit and after
//! a fixed number of subsets, so it is bounded for any input.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;

/// Wildcard complexity above this is "too complex", as in AWS.
///
/// ```
/// use evmatch::{pattern::ErrorKind, Pattern};
///
/// // A run of colons would keep more partial matches of this wildcard alive at once than AWS allows.
/// let err = Pattern::parse(r#"{"resources": [{"wildcard": "*:*:*:*:*:event-bus/*"}]}"#).unwrap_err();
/// assert_eq!(err.kind(), &ErrorKind::TooComplex);
/// assert!(Pattern::parse(r#"{"resources": [{"wildcard": "arn:aws:events:*:event-bus/*"}]}"#).is_ok());
/// ```
pub const COMPLEXITY_LIMIT: usize = 10;

/// The most state subsets the complexity walk visits before calling a pattern too complex.
pub(crate) const MAX_SUBSETS: usize = 20_000;

/// A parsed wildcard pattern.
///
/// ```
/// use evmatch::pattern::Wildcard;
/// let w = Wildcard::parse("/Users/*/doc.txt").unwrap();
/// assert!(w.is_match("/Users/ls_user/dir/doc.txt"));
/// assert!(!w.is_match("/Users/ls_user/dir/doc.txt.bak"));
/// assert_eq!(
///     Wildcard::parse("a**").unwrap_err().to_string(),
///     "Consecutive wildcard characters at pos 2"
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Wildcard {
    source: String,
    /// The literal pieces around the stars: `stars + 1` of them. Only the first and last may
    /// be empty, since consecutive stars are rejected.
    pieces: Vec<String>,
}

/// A wildcard syntax error. `Display` renders AWS's reason.
///
/// ```
/// use evmatch::{pattern::{wildcard::WildcardError, ErrorKind}, Pattern};
///
/// let err = Pattern::parse(r#"{"detail": {"functionArn": [{"wildcard": "arn:**"}]}}"#).unwrap_err();
/// assert_eq!(err.kind(), &ErrorKind::Wildcard(WildcardError::ConsecutiveWildcards { pos: 5 }));
/// assert_eq!(err.reason(), "Consecutive wildcard characters at pos 5");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WildcardError {
    /// Two `*` in a row; the position of the first, counted as AWS counts.
    ConsecutiveWildcards {
        /// Position as AWS reports it.
        pos: usize,
    },
    /// A backslash not followed by `*` or `\`.
    InvalidEscape {
        /// Position as AWS reports it.
        pos: usize,
    },
}

impl fmt::Display for WildcardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WildcardError::ConsecutiveWildcards { pos } => {
                write!(f, "Consecutive wildcard characters at pos {pos}")
            }
            WildcardError::InvalidEscape { pos } => {
                write!(f, "Invalid escape character at pos {pos}")
            }
        }
    }
}

impl std::error::Error for WildcardError {}

/// One unit of a wildcard pattern, at byte level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token {
    Byte(u8),
    Star,
}

impl Wildcard {
    /// Parses wildcard syntax.
    ///
    /// ```
    /// use evmatch::pattern::{wildcard::WildcardError, Wildcard};
    ///
    /// let arn = Wildcard::parse("arn:aws:lambda:*:function:order-*")?;
    /// assert!(arn.is_match("arn:aws:lambda:us-east-1:123456789012:function:order-intake"));
    /// assert_eq!(Wildcard::parse(r"arn:*\d"), Err(WildcardError::InvalidEscape { pos: 6 }));
    /// # Ok::<(), WildcardError>(())
    /// ```
    pub fn parse(text: &str) -> Result<Wildcard, WildcardError> {
        let tokens = tokenize(text)?;
        let mut pieces = vec![Vec::new()];
        for token in tokens {
            match token {
                Token::Byte(b) => pieces.last_mut().expect("never empty").push(b),
                Token::Star => pieces.push(Vec::new()),
            }
        }
        let pieces = pieces
            .into_iter()
            // Escapes only remove ASCII backslashes, so every piece is still UTF-8.
            .map(|p| String::from_utf8(p).unwrap_or_default())
            .collect();
        Ok(Wildcard {
            source: text.to_string(),
            pieces,
        })
    }

    /// The literal pieces between the stars (one more than there are stars).
    ///
    /// ```
    /// use evmatch::pattern::Wildcard;
    ///
    /// assert_eq!(Wildcard::parse("*:function:*")?.pieces(), ["", ":function:", ""]);
    /// assert_eq!(Wildcard::parse(r"price\*")?.pieces(), ["price*"]); // an escaped star
    /// # Ok::<(), evmatch::pattern::wildcard::WildcardError>(())
    /// ```
    pub fn pieces(&self) -> &[String] {
        &self.pieces
    }

    /// The pattern as written.
    ///
    /// ```
    /// use evmatch::pattern::Wildcard;
    ///
    /// let w = Wildcard::parse(r"price\**")?;
    /// assert_eq!(w.as_str(), r"price\**"); // as written, escape included
    /// assert_eq!(w.pieces(), ["price*", ""]);
    /// # Ok::<(), evmatch::pattern::wildcard::WildcardError>(())
    /// ```
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether `value` matches the whole pattern.
    ///
    /// With `*` as the only operator, taking each inner piece at its leftmost occurrence is
    /// always safe, so this runs in linear time with no backtracking.
    ///
    /// ```
    /// use evmatch::pattern::Wildcard;
    ///
    /// let result = Wildcard::parse("Lambda Function Invocation Result - *")?;
    /// assert!(result.is_match("Lambda Function Invocation Result - Failure"));
    /// assert!(result.is_match("Lambda Function Invocation Result - ")); // `*` matches nothing too
    /// assert!(!result.is_match("Lambda Function Invocation Result"));
    /// # Ok::<(), evmatch::pattern::wildcard::WildcardError>(())
    /// ```
    pub fn is_match(&self, value: &str) -> bool {
        let pieces = &self.pieces;
        if pieces.len() == 1 {
            return value == pieces[0];
        }
        let first = &pieces[0];
        let last = &pieces[pieces.len() - 1];
        if value.len() < first.len() + last.len()
            || !value.starts_with(first.as_str())
            || !value.ends_with(last.as_str())
        {
            return false;
        }
        let mut rest = &value.as_bytes()[first.len()..value.len() - last.len()];
        for piece in &pieces[1..pieces.len() - 1] {
            // Not `str::find`: its searcher costs more to set up than values are long.
            match memchr::memmem::find(rest, piece.as_bytes()) {
                Some(at) => rest = &rest[at + piece.len()..],
                None => return false,
            }
        }
        true
    }
}

fn tokenize(text: &str) -> Result<Vec<Token>, WildcardError> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        // AWS counts from the string's opening quote, hence the + 1.
        let pos = i + 1;
        match bytes[i] {
            b'*' => {
                if bytes.get(i + 1) == Some(&b'*') {
                    return Err(WildcardError::ConsecutiveWildcards { pos });
                }
                tokens.push(Token::Star);
            }
            b'\\' => match bytes.get(i + 1) {
                Some(&next @ (b'*' | b'\\')) => {
                    tokens.push(Token::Byte(next));
                    i += 1;
                }
                _ => return Err(WildcardError::InvalidEscape { pos }),
            },
            b => tokens.push(Token::Byte(b)),
        }
        i += 1;
    }
    Ok(tokens)
}

/// One term of a field's byte machine, for the complexity walk.
#[derive(Clone, Debug)]
pub(crate) struct ComplexityTerm<'a> {
    /// Equal identities mean the same term: it weighs once, wherever it is reached from.
    pub identity: String,
    /// The wildcard patterns the term adds to the machine (none for other operators).
    pub wildcards: Vec<&'a Wildcard>,
    /// Whether the term is `exists: false`, which leads on without a value.
    pub absent: bool,
}

/// The terms a pattern branch puts on one field path.
#[derive(Clone, Debug)]
pub(crate) struct ComplexityField<'a> {
    /// The field's dotted path.
    pub path: String,
    /// Its terms, in the order written.
    pub terms: Vec<ComplexityTerm<'a>>,
}

#[derive(Default)]
struct State {
    literal: HashMap<u8, Vec<usize>>,
    any: Vec<usize>,
    weight: BTreeSet<usize>,
    prefix: HashMap<u8, usize>,
    star: Option<usize>,
}

/// The complexity of one field's byte machine: the heaviest set of states an input can reach,
/// each state weighing the number of distinct terms through it. Returns early with a value
/// above [`COMPLEXITY_LIMIT`] as soon as one is found.
pub(crate) fn complexity(terms: &[ComplexityTerm<'_>]) -> usize {
    complexity_counted(terms, &mut 0)
}

/// [`complexity`], adding to `steps` the state sets it computed.
fn complexity_counted(terms: &[ComplexityTerm<'_>], steps: &mut u64) -> usize {
    let mut identities: HashMap<&str, usize> = HashMap::new();
    let mut states: Vec<State> = vec![State::default()];
    let mut match_state: HashMap<usize, usize> = HashMap::new();
    let mut alphabet: BTreeSet<u8> = BTreeSet::new();

    for term in terms {
        let next_id = identities.len();
        let id = *identities.entry(term.identity.as_str()).or_insert(next_id);
        for wildcard in &term.wildcards {
            // The machine sees the string with its quotes.
            let mut tokens = vec![Token::Byte(b'"')];
            tokens.extend(tokenize(wildcard.as_str()).unwrap_or_default());
            tokens.push(Token::Byte(b'"'));
            add_path(&mut states, &mut match_state, &mut alphabet, &tokens, id);
        }
    }
    if states.len() == 1 {
        return 0;
    }
    // Bytes with no literal transition all behave alike; `None` stands for them.
    let inputs: Vec<Option<u8>> = std::iter::once(None)
        .chain(alphabet.iter().copied().map(Some))
        .collect();
    let mut pending: Vec<Vec<usize>> = vec![vec![0]];
    let mut seen: HashSet<Vec<usize>> = HashSet::new();
    let mut heaviest = 0;
    while let Some(active) = pending.pop() {
        for &input in &inputs {
            *steps += 1;
            let mut next: BTreeSet<usize> = BTreeSet::new();
            for &s in &active {
                next.extend(states[s].any.iter().copied());
                if let Some(b) = input {
                    if let Some(targets) = states[s].literal.get(&b) {
                        next.extend(targets.iter().copied());
                    }
                }
            }
            if next.is_empty() {
                continue;
            }
            let mut weight = 0;
            for &s in &next {
                weight += states[s].weight.len();
                // A value that reaches `s` also reaches the stars that follow it.
                for &star in &states[s].any {
                    if !next.contains(&star) {
                        weight += states[star].weight.len();
                    }
                }
            }
            if weight > COMPLEXITY_LIMIT {
                return weight;
            }
            heaviest = heaviest.max(weight);
            let key: Vec<usize> = next.into_iter().collect();
            if seen.insert(key.clone()) {
                if seen.len() > MAX_SUBSETS {
                    return COMPLEXITY_LIMIT + 1;
                }
                pending.push(key);
            }
        }
    }
    heaviest
}

fn add_path(
    states: &mut Vec<State>,
    match_state: &mut HashMap<usize, usize>,
    alphabet: &mut BTreeSet<u8>,
    tokens: &[Token],
    id: usize,
) {
    let mut current = 0;
    let mut previous = 0;
    // Until the first star, paths share states by prefix, as in a trie.
    let mut determinate = true;
    for (i, &token) in tokens.iter().enumerate() {
        let terminal = i == tokens.len() - 1;
        let existing = if terminal {
            match_state.get(&id).copied()
        } else {
            match token {
                Token::Star => {
                    let shared = if determinate {
                        states[current].star
                    } else {
                        None
                    };
                    determinate = false;
                    shared
                }
                Token::Byte(b) if determinate => states[current].prefix.get(&b).copied(),
                Token::Byte(_) => None,
            }
        };
        let created = existing.is_none();
        let next = existing.unwrap_or_else(|| {
            states.push(State::default());
            let fresh = states.len() - 1;
            if terminal {
                match_state.insert(id, fresh);
            } else if let Token::Star = token {
                if states[current].star.is_none() && current_is_determinate_star(i, tokens) {
                    states[current].star = Some(fresh);
                }
            } else if determinate {
                if let Token::Byte(b) = token {
                    states[current].prefix.insert(b, fresh);
                }
            }
            fresh
        });
        match token {
            Token::Star => {
                if states[next].any.is_empty() {
                    states[current].any.push(next);
                    states[next].any.push(next);
                }
            }
            Token::Byte(b) if terminal || created => {
                alphabet.insert(b);
                states[current].literal.entry(b).or_default().push(next);
                if i > 0 && tokens[i - 1] == Token::Star {
                    // A star may match nothing: the byte after it is also reachable from the
                    // state before it.
                    states[previous].literal.entry(b).or_default().push(next);
                }
            }
            Token::Byte(_) => {}
        }
        states[next].weight.insert(id);
        previous = current;
        current = next;
    }
}

/// Whether the star at `tokens[i]` is the first star of its path (so its state is shared).
fn current_is_determinate_star(i: usize, tokens: &[Token]) -> bool {
    !tokens[..i].contains(&Token::Star)
}

/// Groups a pattern's wildcard terms into the byte machines AWS would build for them and
/// returns the largest complexity among those machines.
///
/// `clauses` are the pattern's `$or` branches. Fields of a clause are visited in path order;
/// fields reached only through `exists: false` are not evaluated, as in AWS.
///
/// Returns the largest complexity, or the path of the first field found over the limit.
pub(crate) fn rule_complexity(clauses: &[Vec<ComplexityField<'_>>]) -> Result<usize, String> {
    #[derive(Default)]
    struct NameState<'t, 'a> {
        fields: BTreeMap<String, Machine<'t, 'a>>,
    }
    struct Machine<'t, 'a> {
        terms: Vec<&'t ComplexityTerm<'a>>,
        next: HashMap<&'t str, usize>,
        value: BTreeSet<usize>,
    }
    let has_wildcard = clauses
        .iter()
        .flatten()
        .any(|field| field.terms.iter().any(|t| !t.wildcards.is_empty()));
    if !has_wildcard {
        return Ok(0);
    }
    let mut names: Vec<NameState<'_, '_>> = vec![NameState::default()];
    for clause in clauses {
        let mut fields: Vec<&ComplexityField<'_>> = clause.iter().collect();
        fields.sort_by(|a, b| a.path.cmp(&b.path));
        let mut current: BTreeSet<usize> = BTreeSet::from([0]);
        for ComplexityField { path, terms } in fields {
            let mut next = BTreeSet::new();
            for &state in &current {
                let mut last: Option<usize> = None;
                for term in terms {
                    let existing = names[state]
                        .fields
                        .get(path)
                        .and_then(|m| m.next.get(term.identity.as_str()).copied());
                    let target = match (existing, last) {
                        (Some(old), _) => old,
                        (None, Some(l)) => l,
                        (None, None) => {
                            names.push(NameState::default());
                            names.len() - 1
                        }
                    };
                    last = Some(target);
                    let machine =
                        names[state]
                            .fields
                            .entry(path.clone())
                            .or_insert_with(|| Machine {
                                terms: Vec::new(),
                                next: HashMap::new(),
                                value: BTreeSet::new(),
                            });
                    // A term already on this field's automaton (the same wildcard reached
                    // again by another `$or` branch) adds no states: AWS's engine finds
                    // its transitions in place, so it is counted once.
                    if existing.is_none() {
                        machine.terms.push(term);
                        machine.next.insert(term.identity.as_str(), target);
                    }
                    if !term.absent {
                        machine.value.insert(target);
                    }
                    next.insert(target);
                }
            }
            current = next;
        }
    }
    let mut heaviest = 0;
    let mut seen = HashSet::new();
    let mut pending = vec![0usize];
    while let Some(state) = pending.pop() {
        if !seen.insert(state) {
            continue;
        }
        for (path, machine) in &names[state].fields {
            let terms: Vec<ComplexityTerm<'_>> =
                machine.terms.iter().map(|t| (*t).clone()).collect();
            let c = complexity(&terms);
            if c > COMPLEXITY_LIMIT {
                return Err(path.clone());
            }
            heaviest = heaviest.max(c);
            pending.extend(machine.value.iter().copied());
        }
    }
    Ok(heaviest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_count_positions_like_aws() {
        let e = |t: &str| Wildcard::parse(t).unwrap_err().to_string();
        assert_eq!(
            e("arn:aws:events:us-east-1:**:event-bus/*"),
            "Consecutive wildcard characters at pos 26"
        );
        assert_eq!(e("**"), "Consecutive wildcard characters at pos 1");
        assert_eq!(e("ab\\c"), "Invalid escape character at pos 3");
        assert_eq!(e("abc\\"), "Invalid escape character at pos 4");
        // Positions count UTF-8 bytes.
        assert_eq!(e("é**"), "Consecutive wildcard characters at pos 3");
        // An escaped star followed by a star is not two wildcards.
        assert!(Wildcard::parse("\\**").is_ok());
    }

    #[test]
    fn matching() {
        let m = |p: &str, v: &str| Wildcard::parse(p).unwrap().is_match(v);
        assert!(m("", ""));
        assert!(!m("", "a"));
        assert!(m("*", ""));
        assert!(m("*", "anything"));
        assert!(m("a*", "a"));
        assert!(m("*a", "ba"));
        assert!(!m("*a", "ab"));
        assert!(m("a*a", "aa"));
        assert!(!m("a*a", "a"));
        assert!(m("*/dir/*", "dir/dir/dir"));
        assert!(!m("*/dir/*", "dir/init/file"));
        assert!(m("a*b*c", "axxbyyc"));
        assert!(!m("a*b*c", "axxcyyb"));
        assert!(m("\\*x", "*x"));
        assert!(!m("\\*x", "yx"));
        assert!(m("a\\\\b", "a\\b"));
        assert!(m("*ab*ab*", "abab"));
        assert!(!m("*ab*ab*", "aba"));
        assert!(m("*é*ü", "aéxéü"));
        assert!(!m("*é*ü", "aexü"));
        assert!(m(
            "*:function:*-520:*",
            "arn:aws:lambda:function:x-520:$LATEST"
        ));
        assert!(!m(
            "*:function:*-520:*",
            "arn:aws:lambda:function:x-52:$LATEST"
        ));
    }

    fn field_complexity(patterns: &[&str]) -> usize {
        field_complexity_counted(patterns).0
    }

    /// The complexity, and the state sets the walk computed to find it.
    fn field_complexity_counted(patterns: &[&str]) -> (usize, u64) {
        let parsed: Vec<Wildcard> = patterns
            .iter()
            .map(|p| Wildcard::parse(p).unwrap())
            .collect();
        let terms: Vec<ComplexityTerm<'_>> = parsed
            .iter()
            .map(|w| ComplexityTerm {
                identity: w.as_str().to_string(),
                wildcards: vec![w],
                absent: false,
            })
            .collect();
        let mut steps = 0;
        (complexity_counted(&terms, &mut steps), steps)
    }

    #[test]
    fn complexity_agrees_with_aws_verdicts() {
        // Rejected by AWS.
        assert!(field_complexity(&["*:*:*:*:*:event-bus/*"]) > COMPLEXITY_LIMIT);
        assert!(
            field_complexity(&[
                "*/datasync/*.bif",
                "*/datasync/*.tiff",
                "*/datasync/*.tif",
                "*/datasync/*.svs"
            ]) > COMPLEXITY_LIMIT
        );
        // Accepted by AWS.
        assert!(field_complexity(&["arn:aws:events:us-east-1:*:event-bus/*"]) <= COMPLEXITY_LIMIT);
        assert!(field_complexity(&["/Users/*/dir/dir/dir/dir/dir/doc.txt"]) <= COMPLEXITY_LIMIT);
        assert!(field_complexity(&["*/datasync/*.bif", "*/datasync/*.tif"]) <= COMPLEXITY_LIMIT);
        assert!(field_complexity(&["*.bif", "*.tiff", "*.tif", "*.svs"]) <= COMPLEXITY_LIMIT);
        assert_eq!(field_complexity(&["no-stars"]), 1);
    }

    #[test]
    fn complexity_walk_is_bounded() {
        let many: Vec<String> = (0..200).map(|i| format!("*{i}*x{i}*")).collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        let (c, steps) = field_complexity_counted(&refs);
        assert!(c > COMPLEXITY_LIMIT);
        // Pathological patterns are called too complex at the first heavy state set, and no
        // input takes the walk past `MAX_SUBSETS` sets (each computed once per input byte).
        assert!(steps < 1_000, "{steps} state sets");
        let long = "*a".repeat(2000);
        let (c, steps) = field_complexity_counted(&[&long]);
        assert!(c > COMPLEXITY_LIMIT);
        assert!(steps < 1_000, "{steps} state sets");
    }
}
