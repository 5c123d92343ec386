//! Zero-copy event scanning: bytes in, the values of interesting fields out.
//!
//! A rule set knows every field path its rules name. [`FieldTrie`] holds those paths as a tree
//! of their dot-separated segments, and [`scan`] walks an event's JSON bytes once, stepping the
//! tree with each member key (split at its dots, so that an event key `"a.b"` reaches the same
//! path as nested keys `a` → `b`, as in AWS). When the tree has no continuation for a key, the
//! member's value is skipped without being parsed; when a scalar arrives at a path that a rule
//! names, it is handed to the [`Visitor`] as a borrowed [`Value`], together with the array
//! elements it sits in.
//!
//! Nothing is allocated per event: the position stack and the key buffer are caller-owned
//! scratch space. Strings are borrowed from the input; escapes are decoded only for keys that
//! contain them and for values a consumer asks to decode.
//!
//! # Fast and strict reading
//!
//! By default ([`Validation::Fast`]) the scan reads only what matching needs:
//!
//! * Skipped values are checked only for what skipping needs (balanced brackets, terminated
//!   strings, the nesting limit); malformed JSON inside them may go unnoticed.
//! * It **stops early**: once every member of every open object on the way to the rules'
//!   fields has been read, and no array is open on that way, the rest of the event cannot
//!   contribute a value unless it holds another key that leads to a field (a duplicate key, or
//!   a dotted spelling such as `"detail.source"`). The scanner proves that it holds none (no
//!   backslash, and no `"name` for any such key name, anywhere in the rest) and stops reading;
//!   when the proof fails it reads on. The result is therefore exactly that of a full read,
//!   but the rest of the event is not validated.
//!
//! [`Validation::Strict`] reads and validates every byte (grammar, escapes, UTF-8, trailing
//! characters) and never stops early.

use memchr::memmem;

use crate::engine::number_runs;
use crate::number::{splat, ComparableNumber};

use crate::json::{decode_escape, scan_number, JsonError, JsonErrorKind};

/// Identifies one field path of a rule set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PathId(pub u32);

/// How much of an event the matcher reads and checks.
///
/// ```
/// use evmatch::{Ruleset, Validation};
///
/// let strict = Ruleset::with_validation(Validation::Strict);
/// strict.add_json("lambda", r#"{"source": ["lambda"]}"#)?;
/// assert!(strict.matches(br#"{"source": "lambda", "detail": [oops]}"#).is_err());
/// assert_eq!(Validation::default(), Validation::Fast);
/// # Ok::<(), evmatch::RulesetError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Validation {
    /// Read what matching needs; stop once the rest cannot matter (see the module docs).
    #[default]
    Fast,
    /// Read and validate every byte.
    Strict,
}

/// Bytes of unread rest (up to its last quote) per name to look for, beyond which the proof
/// that the rest is inert searches for each name in turn rather than walking its quotes once:
/// a search costs about as much to start as a walk over this many bytes (callgrind, CityLots).
const SHORT_REST_PER_NAME: usize = 12;

/// Children of a node beyond which a hash map finds a key faster than a scan of the list.
const LINEAR_CHILDREN: usize = 8;

/// The field paths of interest, as a tree over their dot-separated segments.
#[derive(Clone, Debug)]
pub struct FieldTrie {
    nodes: Vec<TrieNode>,
}

#[derive(Clone, Debug, Default)]
struct TrieNode {
    /// Segment → node, in insertion order.
    children: Vec<(Box<[u8]>, u32)>,
    /// The same, hashed, once there are many children.
    lookup: Option<ahash::AHashMap<Box<[u8]>, u32>>,
    path: Option<PathId>,
    /// The first bytes of the keys that can lead to a child (a bit set over the 256 byte
    /// values): most keys of an event lead nowhere, and their first byte alone says so.
    first_bytes: [u64; 4],
    /// One finder of `"segment` per child: the proof that the rest of an event holds no key
    /// that leads here.
    probes: Vec<memmem::Finder<'static>>,
}

/// A position in the trie.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrieState(u32);

/// Where a key leads from a trie state: the state reached and the child its first segment
/// reached (they differ only for a dotted key), or nowhere. One word rather than an
/// `Option` of a pair, because the pair, assembled in memory from two halves and read back
/// whole on every key of an event, stalled the load on a store-forwarding miss.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Reached(u64);

impl Reached {
    const NOWHERE: Reached = Reached(u64::MAX);

    #[inline(always)]
    fn to(state: u32, first: u32) -> Reached {
        Reached(u64::from(state) | u64::from(first) << 32)
    }

    #[inline(always)]
    fn is_somewhere(self) -> bool {
        self != Reached::NOWHERE
    }

    #[inline(always)]
    fn state(self) -> TrieState {
        TrieState(self.0 as u32)
    }

    #[inline(always)]
    fn first(self) -> u32 {
        (self.0 >> 32) as u32
    }
}

impl Default for FieldTrie {
    fn default() -> Self {
        FieldTrie {
            nodes: vec![TrieNode::default()],
        }
    }
}

impl FieldTrie {
    /// An empty trie.
    pub fn new() -> FieldTrie {
        FieldTrie::default()
    }

    /// The number of nodes (states of the path automaton) and an estimate of their heap bytes.
    pub(crate) fn stats(&self) -> (usize, usize) {
        let bytes = self
            .nodes
            .iter()
            .map(|node| {
                let segments: usize = node.children.iter().map(|(s, _)| s.len()).sum();
                std::mem::size_of::<TrieNode>()
                    + node.children.capacity() * std::mem::size_of::<(Box<[u8]>, u32)>()
                    + segments
                    + node.lookup.as_ref().map_or(0, |l| l.capacity() * 40 + segments)
                    // A finder holds its needle and a small prefilter table.
                    + node.probes.len() * (std::mem::size_of::<memmem::Finder<'static>>() + 8)
                    + segments
            })
            .sum();
        (self.nodes.len(), bytes)
    }

    /// Adds a dotted path with its id.
    pub fn insert(&mut self, path: &str, id: PathId) {
        let mut state = 0u32;
        for segment in path.as_bytes().split(|&b| b == b'.') {
            state = match self.child(state, segment) {
                Some(next) => next,
                None => {
                    let next = self.nodes.len() as u32;
                    self.nodes.push(TrieNode::default());
                    let node = &mut self.nodes[state as usize];
                    node.children.push((segment.into(), next));
                    // An empty segment is reached by the empty key, whose text (in the proof's
                    // view, after its opening quote) starts with the closing quote, and by a
                    // dotted key that starts with its dot.
                    let firsts = match segment.first() {
                        Some(&b) => [b, b],
                        None => [b'"', b'.'],
                    };
                    for b in firsts {
                        node.first_bytes[usize::from(b >> 6)] |= 1 << (b & 63);
                    }
                    let mut probe = Vec::with_capacity(segment.len() + 1);
                    probe.push(b'"');
                    probe.extend_from_slice(segment);
                    node.probes.push(memmem::Finder::new(&probe).into_owned());
                    if let Some(lookup) = &mut node.lookup {
                        lookup.insert(segment.into(), next);
                    } else if node.children.len() > LINEAR_CHILDREN {
                        node.lookup = Some(node.children.iter().cloned().collect());
                    }
                    next
                }
            };
        }
        self.nodes[state as usize].path = Some(id);
    }

    /// How many nodes the trie has (an upper bound of [`TrieState`] indexes).
    fn len(&self) -> usize {
        self.nodes.len()
    }

    fn root(&self) -> TrieState {
        TrieState(0)
    }

    #[inline]
    fn child(&self, state: u32, segment: &[u8]) -> Option<u32> {
        let node = &self.nodes[state as usize];
        match &node.lookup {
            Some(lookup) => lookup.get(segment).copied(),
            None => node
                .children
                .iter()
                .find(|(name, _)| name.len() == segment.len() && same_bytes(name, segment))
                .map(|&(_, next)| next),
        }
    }

    /// The state after key `key` (split at its dots) under `state`; with it, the child
    /// reached by the key's first segment.
    #[inline(always)]
    fn step(&self, state: TrieState, key: &[u8]) -> Reached {
        let node = &self.nodes[state.0 as usize];
        if let Some(&b) = key.first() {
            if node.first_bytes[usize::from(b >> 6)] & (1 << (b & 63)) == 0 {
                return Reached::NOWHERE;
            }
        }
        // Segments hold no dot: a key that names a child is dot-free, and a dotted key can lead
        // somewhere only if it starts with a child's name and a dot.
        let dotted = match &node.lookup {
            None => {
                let mut dotted = false;
                for (name, next) in &node.children {
                    if name.len() == key.len() {
                        if same_bytes(name, key) {
                            return Reached::to(*next, *next);
                        }
                    } else if key.get(name.len()) == Some(&b'.') && key.starts_with(name) {
                        dotted = true;
                    }
                }
                dotted
            }
            Some(lookup) => {
                if let Some(&next) = lookup.get(key) {
                    return Reached::to(next, next);
                }
                key.contains(&b'.')
            }
        };
        if dotted {
            self.step_dotted(state, key)
        } else {
            Reached::NOWHERE
        }
    }

    /// [`FieldTrie::step`] for a key that holds a dot.
    #[cold]
    #[inline(never)]
    fn step_dotted(&self, state: TrieState, key: &[u8]) -> Reached {
        let walk = || {
            let mut segments = key.split(|&b| b == b'.');
            let first = self.child(state.0, segments.next().unwrap_or_default())?;
            let mut s = first;
            for segment in segments {
                s = self.child(s, segment)?;
            }
            Some(Reached::to(s, first))
        };
        walk().unwrap_or(Reached::NOWHERE)
    }

    fn path(&self, state: TrieState) -> Option<PathId> {
        self.nodes[state.0 as usize].path
    }

    fn children(&self, state: TrieState) -> usize {
        self.nodes[state.0 as usize].children.len()
    }
}

/// Whether `a` and `b`, of one length, hold the same bytes. Keys are short: up to sixteen
/// bytes they are compared as two overlapping words (or halves), without a call to `memcmp`,
/// whose branches on the length the processor mispredicts from one key to the next.
#[inline(always)]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    debug_assert_eq!(a.len(), b.len());
    let n = a.len();
    let word = |s: &[u8], at: usize| u64::from_le_bytes(s[at..at + 8].try_into().expect("8"));
    let half = |s: &[u8], at: usize| u32::from_le_bytes(s[at..at + 4].try_into().expect("4"));
    match n {
        8..=16 => word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8),
        4..=7 => half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4),
        0..=3 => a.iter().zip(b).all(|(x, y)| x == y),
        _ => a == b,
    }
}

/// A scalar borrowed from the event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value<'a> {
    /// A string, as it stands between its quotes.
    String(RawStr<'a>),
    /// A number, as spelled, with its value when it is in the comparable domain.
    Number(&'a [u8], Option<ComparableNumber>),
    /// `true`
    True,
    /// `false`
    False,
    /// `null`
    Null,
}

/// The bytes of a JSON string between its quotes, escapes not yet decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawStr<'a> {
    raw: &'a [u8],
    escaped: bool,
}

impl<'a> RawStr<'a> {
    /// The string's text: borrowed when it has no escapes, else decoded into `buffer`.
    /// Fails on invalid UTF-8 or a bad escape.
    #[inline]
    pub fn decode<'b>(&self, buffer: &'b mut Vec<u8>) -> Result<&'b str, JsonErrorKind>
    where
        'a: 'b,
    {
        let bytes: &'b [u8] = if self.escaped {
            buffer.clear();
            decode_into(self.raw, buffer)?;
            buffer
        } else {
            self.raw
        };
        text(bytes).ok_or(JsonErrorKind::InvalidUtf8)
    }

    /// The raw bytes between the quotes.
    #[cfg(test)]
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// The error of a string that [`RawStr::decode`] refused, placed where the fault stands in
    /// `event`, the input the string was read from: at the bad escape or the first byte that is
    /// not UTF-8, as the strict reader reports it.
    pub(crate) fn error(&self, event: &[u8]) -> EventError {
        // The string borrows from the event: its offset there is the distance between them.
        let start = (self.raw.as_ptr() as usize).wrapping_sub(event.as_ptr() as usize);
        let start = if start <= event.len() { start } else { 0 };
        // (Called once decoding failed, so there is a fault to find.)
        let (offset, kind) = string_fault(self.raw).unwrap_or((0, JsonErrorKind::InvalidUtf8));
        EventError::Malformed(JsonError::new(kind, event, start + offset))
    }
}

/// The first fault of a string's raw bytes (between its quotes), in document order: its offset
/// there and what it is, or `None` for a valid string. A `\u` escape cut short is an invalid
/// escape: the string's closing quote, not the input's end, is what cut it. Nothing is
/// decoded or copied: strict reading checks every string with this.
fn string_fault(raw: &[u8]) -> Option<(usize, JsonErrorKind)> {
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'\\' {
            let at = i;
            if let Err(kind) = decode_escape(raw, &mut i) {
                let kind = match kind {
                    JsonErrorKind::UnexpectedEnd => JsonErrorKind::InvalidEscape,
                    kind => kind,
                };
                return Some((at, kind));
            }
        } else {
            let run = raw[i..]
                .iter()
                .position(|&b| b == b'\\')
                .map_or(raw.len(), |n| i + n);
            if let Err(e) = std::str::from_utf8(&raw[i..run]) {
                return Some((i + e.valid_up_to(), JsonErrorKind::InvalidUtf8));
            }
            i = run;
        }
    }
    None
}

/// `bytes` as text, when they are UTF-8.
///
/// Most event values are ASCII, and short: checking that takes a few word operations, where
/// the general UTF-8 check costs some 75 instructions a value (callgrind, CityLots), 4% of
/// the `anything-but` family.
#[inline]
#[allow(unsafe_code)]
pub(crate) fn text(bytes: &[u8]) -> Option<&str> {
    if bytes.is_ascii() {
        // SAFETY: every ASCII byte is a UTF-8 character on its own, so ASCII bytes are UTF-8.
        return Some(unsafe { std::str::from_utf8_unchecked(bytes) });
    }
    std::str::from_utf8(bytes).ok()
}

fn decode_into(raw: &[u8], out: &mut Vec<u8>) -> Result<(), JsonErrorKind> {
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'\\' {
            let c = decode_escape(raw, &mut i)?;
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        } else {
            out.push(raw[i]);
            i += 1;
        }
    }
    Ok(())
}

/// Kinds of scalar, as a bit set: what a visitor wants reported at a path.
pub(crate) struct Kinds;

impl Kinds {
    pub(crate) const STRING: u8 = 1;
    /// A number in the comparable domain.
    pub(crate) const COMPARABLE: u8 = 2;
    /// A number outside it (equal only by spelling).
    pub(crate) const OTHER_NUMBER: u8 = 4;
    pub(crate) const BOOL: u8 = 8;
    pub(crate) const NULL: u8 = 16;
    pub(crate) const ALL: u8 = 31;

    /// The kind of `value`.
    #[inline]
    pub(crate) fn of(value: &Value<'_>) -> u8 {
        match value {
            Value::String(_) => Kinds::STRING,
            Value::Number(_, Some(_)) => Kinds::COMPARABLE,
            Value::Number(_, None) => Kinds::OTHER_NUMBER,
            Value::True | Value::False => Kinds::BOOL,
            Value::Null => Kinds::NULL,
        }
    }
}

/// Receives the values at interesting paths.
pub trait Visitor {
    /// The kinds of scalar ([`Kinds`]) worth reporting at `path`. The scanner still reads
    /// (and in strict reading validates) the others, but reports none of them: in an array
    /// of coordinates where only comparable numbers count, most elements cost only their
    /// reading.
    fn wants(&self, path: PathId) -> u8 {
        let _ = path;
        Kinds::ALL
    }

    /// A scalar at `path`; `positions` lists, outermost first, each array it sits in through
    /// an object or array element (as an id unique within this event) and that element's
    /// index. The array a scalar is a direct element of is not listed.
    fn leaf(&mut self, path: PathId, value: Value<'_>, positions: &[(u32, u32)]);

    /// The segment of comparable number `n` at `path`: a number below 64 such that two numbers
    /// of one segment satisfy the same matchers at `path` (they fall alike among the numbers
    /// those compare with); `None` when the visitor knows no such partition. An array of
    /// numbers at a path no rule looks beneath reports one number per segment: the others,
    /// in the same elements of the same arrays, could change nothing.
    fn segment(&self, path: PathId, n: ComparableNumber) -> Option<u32> {
        let _ = (path, n);
        None
    }

    /// The numbers that cut the number line into the segments of [`Visitor::segment`] at
    /// `path`, sorted, when there are few (a reader may then find segments itself): the
    /// segment of `n` is the count of these below `n` plus the count up to `n`.
    fn points(&self, path: PathId) -> Option<&[ComparableNumber]> {
        let _ = path;
        None
    }
}

/// Why an event was rejected.
///
/// ```
/// use evmatch::{EventError, Ruleset};
///
/// let rules = Ruleset::new();
/// rules.add_json("lambda", r#"{"source": ["lambda"]}"#)?;
/// assert_eq!(rules.matches(b"[1, 2, 3]"), Err(EventError::NotAnObject));
/// let err = rules.matches(br#"{"source": lambda}"#).unwrap_err();
/// assert!(matches!(err, EventError::Malformed(_)));
/// assert_eq!(err.to_string(), "event is not valid JSON: unexpected character 'l' at line 1 column 12");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventError {
    /// The bytes are not JSON (or not JSON where the scanner had to look).
    Malformed(JsonError),
    /// The event is JSON but not an object.
    NotAnObject,
}

impl std::fmt::Display for EventError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EventError::Malformed(e) => write!(f, "event is not valid JSON: {e}"),
            EventError::NotAnObject => f.write_str("event is not a JSON object"),
        }
    }
}

impl std::error::Error for EventError {}

/// Reusable buffers for [`scan`].
#[derive(Debug, Default)]
pub struct ScanScratch {
    positions: Vec<(u32, u32)>,
    key: Vec<u8>,
    /// Per trie node: the object (numbered by `objects`) in which a key last reached it.
    seen_in: Vec<u32>,
    objects: u32,
    /// The trie states of the objects open on the way to the current member.
    chain: Vec<u32>,
}

/// Why reading stopped before the end of the event.
enum Halt {
    /// The event is malformed. Boxed: every value read returns a `Result<(), Halt>`, which
    /// a box keeps to two words, in registers, on the path taken when nothing goes wrong.
    Error(Box<EventError>),
    /// The rest of the event cannot matter (fast reading only).
    Done,
}

impl From<EventError> for Halt {
    fn from(e: EventError) -> Self {
        Halt::Error(Box::new(e))
    }
}

/// Walks `bytes`, reporting every scalar at a path in `trie` to `visitor`.
pub fn scan(
    bytes: &[u8],
    trie: &FieldTrie,
    max_depth: usize,
    validation: Validation,
    scratch: &mut ScanScratch,
    visitor: &mut impl Visitor,
) -> Result<(), EventError> {
    scratch.positions.clear();
    scratch.chain.clear();
    if scratch.seen_in.len() < trie.len() {
        scratch.seen_in.resize(trie.len(), 0);
    }
    let mut scanner = Scanner {
        input: bytes,
        pos: 0,
        trie,
        max_depth,
        strict: validation == Validation::Strict,
        may_stop: validation == Validation::Fast,
        incomplete: 0,
        arrays: 0,
        open_arrays: 0,
        block: usize::MAX,
        specials: 0,
        scratch,
    };
    scanner.skip_ws();
    match scanner.input.get(scanner.pos) {
        Some(b'{') => {}
        None => return Err(scanner.error(JsonErrorKind::Empty)),
        Some(_) => {
            // Tell "not JSON" from "JSON but not an object".
            return match crate::json::Json::parse(bytes) {
                Ok(_) => Err(EventError::NotAnObject),
                Err(e) => Err(EventError::Malformed(e)),
            };
        }
    }
    match scanner.object(trie.root(), 1, visitor) {
        Ok(()) => {}
        Err(Halt::Done) => return Ok(()),
        Err(Halt::Error(e)) => return Err(*e),
    }
    scanner.skip_ws();
    if scanner.pos != bytes.len() {
        return Err(scanner.error(JsonErrorKind::TrailingCharacters));
    }
    Ok(())
}

/// What may come next in a leaf array (see [`Scanner::leaf_array`]).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// After a comma.
    Element,
    /// After `[`.
    ElementOrClose,
    /// After an element or a `]`.
    CommaOrClose,
}

/// The last comparable number and the last other number reported from a leaf array, and
/// whether a zero was. Matchers see a comparable number by its value only (`0` and `0.0` are
/// one value), any other number by its spelling.
///
/// Zero is remembered apart from the last value because it is the one value GeoJSON repeats
/// most (the altitude of every position): once it is reported, a window drops the zeros it
/// holds by a mask ([`number_runs::Window::zeros`]) without looking at them.
/// With the segments of the path's numbers known ([`Visitor::segment`]), a comparable number
/// repeats any one reported before it in its segment, not only the last.
#[derive(Default)]
struct Repeat<'a> {
    value: Option<ComparableNumber>,
    /// A zero has been reported.
    zero: bool,
    /// The spelling of `value` as last reported.
    value_spelling: &'a [u8],
    spelling: Option<&'a [u8]>,
    /// The segments of the comparable numbers reported, one bit each.
    segments: u64,
    /// The segment of zero, when segments are known.
    zero_segment: Option<u32>,
    /// The points of the segments when there are at most eight (padded with numbers above
    /// all), so that a segment is a count in registers rather than a call.
    eight: Option<[ComparableNumber; 8]>,
}

impl<'a> Repeat<'a> {
    /// Whether `spelling` is that of the last number reported of either kind: it repeats it,
    /// whatever its kind (saves working out the value of each `0.0` of a coordinate list).
    #[inline(always)]
    fn has(&self, spelling: &[u8]) -> bool {
        // Byte by byte: these are short, and a call to `memcmp` costs more than comparing.
        let same =
            |a: &[u8]| a.len() == spelling.len() && a.iter().zip(spelling).all(|(x, y)| x == y);
        same(self.value_spelling) || self.spelling.is_some_and(same)
    }

    /// A repeat tracker for the numbers at `path` (see [`Repeat`]).
    fn new(visitor: &impl Visitor, path: PathId) -> Repeat<'a> {
        let eight = visitor.points(path).filter(|p| p.len() <= 8).map(|points| {
            let mut eight = [ComparableNumber::ABOVE_ALL; 8];
            eight[..points.len()].copy_from_slice(points);
            eight
        });
        Repeat {
            zero_segment: visitor.segment(path, ComparableNumber::ZERO),
            eight,
            ..Repeat::default()
        }
    }

    /// The segment of comparable number `n` at `path` (see [`Visitor::segment`]).
    #[inline(always)]
    fn segment(&self, visitor: &impl Visitor, path: PathId, n: ComparableNumber) -> Option<u32> {
        match &self.eight {
            Some(points) => {
                // Three halvings without a jump: `at` ends on the first point not below `n`
                // (the last point is above every number, so there is one).
                let mut at = 4 * usize::from(points[3] < n);
                at += 2 * usize::from(points[at + 1] < n);
                at += usize::from(points[at] < n);
                Some(2 * at as u32 + u32::from(points[at] == n))
            }
            None => visitor.segment(path, n),
        }
    }

    /// Whether the segments of comparable numbers are known (see [`Visitor::segment`]).
    #[inline(always)]
    fn segmented(&self) -> bool {
        self.zero_segment.is_some()
    }

    /// Whether a comparable number of `segment` is the first of it reported; it is counted
    /// as reported.
    #[inline(always)]
    fn first_in(&mut self, segment: u32) -> bool {
        let bit = 1u64 << segment;
        if self.segments & bit != 0 {
            return false;
        }
        self.segments |= bit;
        // A zero adds nothing once its segment is reported, whichever number did it.
        self.zero |= Some(segment) == self.zero_segment;
        true
    }

    /// Whether the number `spelling`, of value `comparable` (in `segment`, when segments are
    /// known), adds nothing to those of its kind reported; if it does, it becomes the last one.
    #[inline(always)]
    fn repeats(
        &mut self,
        spelling: &'a [u8],
        comparable: Option<ComparableNumber>,
        segment: Option<u32>,
    ) -> bool {
        if let Some(value) = comparable {
            let zero = value.millionths() == 0;
            if self.value == comparable || (zero && self.zero) {
                return true;
            }
            if segment.is_some_and(|segment| !self.first_in(segment)) {
                return true;
            }
            self.zero |= zero;
            self.value = comparable;
            self.value_spelling = spelling;
        } else {
            if self.spelling == Some(spelling) {
                return true;
            }
            self.spelling = Some(spelling);
        }
        false
    }

    /// The numbers of a window worth handing over when the rules want the kinds `wants`:
    /// those of a kind wanted, but no zero once one is reported.
    #[inline(always)]
    fn wanted(&self, wants: u8) -> number_runs::Wanted {
        number_runs::Wanted::new(
            // Numbers settled as outside the domain matter only to rules that want those.
            wants & Kinds::OTHER_NUMBER != 0,
            // These are read to tell: a number too large is outside the domain too.
            wants & (Kinds::COMPARABLE | Kinds::OTHER_NUMBER) != 0,
            wants & Kinds::COMPARABLE != 0 && !self.zero,
        )
    }
}

/// The scanner reporting the numbers of windows of a leaf array (see
/// [`Scanner::report_window`]). A type of its own rather than a closure, so that its report is
/// always inlined into the window loop: as a closure, whether it was depended on the
/// compiler's weighing of the whole crate, and a change elsewhere once left it out of line,
/// with 5% more instructions in the loop and the numeric family 5% slower.
struct WindowReport<'r, 'a, 's, V> {
    scanner: &'r mut Scanner<'a, 's>,
    path: PathId,
    wants: u8,
    last: &'r mut Repeat<'a>,
    visitor: &'r mut V,
}

impl<V: Visitor> number_runs::EachWindow for WindowReport<'_, '_, '_, V> {
    #[inline(always)]
    fn each(&mut self, w: &number_runs::Window, ends: u64, base: usize) -> number_runs::Wanted {
        self.scanner.report_window(
            w,
            ends,
            base,
            self.path,
            self.wants,
            self.last,
            self.visitor,
        )
    }
}

struct Scanner<'a, 's> {
    input: &'a [u8],
    pos: usize,
    trie: &'a FieldTrie,
    max_depth: usize,
    strict: bool,
    /// Fast reading, and no proof that the rest is inert has failed yet.
    may_stop: bool,
    /// Open objects on the chain with a child key not yet read.
    incomplete: u32,
    /// Arrays met so far (their ids).
    arrays: u32,
    /// Arrays open on the chain.
    open_arrays: u32,
    /// The 64-byte block of the input (its index) whose special string bytes are in `specials`.
    block: usize,
    /// One bit per byte of `block` that is a quote, a backslash or a control character.
    specials: u64,
    scratch: &'s mut ScanScratch,
}

impl<'a> Scanner<'a, '_> {
    fn error(&self, kind: JsonErrorKind) -> EventError {
        EventError::Malformed(JsonError::new(kind, self.input, self.pos))
    }

    fn unexpected(&self) -> EventError {
        match self.input.get(self.pos) {
            None => self.error(JsonErrorKind::UnexpectedEnd),
            Some(&b) => self.error(JsonErrorKind::UnexpectedCharacter(if b.is_ascii() {
                b as char
            } else {
                char::REPLACEMENT_CHARACTER
            })),
        }
    }

    #[inline]
    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.input.get(self.pos) {
            self.pos += 1;
        }
    }

    /// The next byte that is not white space, moving to it: one read in compact JSON.
    #[inline(always)]
    fn next_byte(&mut self) -> Option<u8> {
        match self.input.get(self.pos) {
            Some(b' ' | b'\t' | b'\n' | b'\r') => {
                self.skip_ws();
                self.input.get(self.pos).copied()
            }
            other => other.copied(),
        }
    }

    #[inline]
    fn expect(&mut self, byte: u8) -> Result<(), EventError> {
        if self.input.get(self.pos) == Some(&byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    /// The position of the first quote, backslash or control character at or after `at` (the
    /// input's length if none). Strings end there, so this is the step that each string read
    /// waits for. The bytes are classified a 64-byte block at a time, apart from that chain of
    /// steps, which then takes a shift and a bit count from one string end to the next.
    #[inline(always)]
    fn special_from(&mut self, at: usize) -> usize {
        let mut block = at / 64;
        let mut marks = self.block_specials(block) >> (at % 64);
        while marks == 0 {
            block += 1;
            if block * 64 >= self.input.len() {
                return self.input.len();
            }
            marks = self.block_specials(block);
        }
        block * 64 + at % 64 * usize::from(block == at / 64) + marks.trailing_zeros() as usize
    }

    /// The special bytes of 64-byte block `block`, classified once per block.
    #[inline(always)]
    fn block_specials(&mut self, block: usize) -> u64 {
        if block != self.block {
            self.block = block;
            self.specials = block_specials(self.input.get(block * 64..).unwrap_or_default());
        }
        self.specials
    }

    /// Reads a string starting at its opening quote; returns the raw bytes between the quotes.
    /// In strict reading, checks its escapes and UTF-8 too.
    #[inline(always)]
    fn string(&mut self) -> Result<RawStr<'a>, EventError> {
        let start = self.pos + 1;
        let end = self.special_from(start);
        if self.input.get(end) == Some(&b'"') && !self.strict {
            // The common case: no escape, nothing to check.
            self.pos = end + 1;
            return Ok(RawStr {
                raw: &self.input[start..end],
                escaped: false,
            });
        }
        self.pos = end;
        self.string_rest(start)
    }

    /// The rest of [`Scanner::string`]: escapes, errors and strict checks.
    #[cold]
    #[inline(never)]
    fn string_rest(&mut self, start: usize) -> Result<RawStr<'a>, EventError> {
        let mut escaped = false;
        loop {
            match self.input.get(self.pos) {
                None => return Err(self.error(JsonErrorKind::UnexpectedEnd)),
                Some(b'"') => {
                    let raw = RawStr {
                        raw: &self.input[start..self.pos],
                        escaped,
                    };
                    if self.strict {
                        self.check_string(raw, start)?;
                    }
                    self.pos += 1;
                    return Ok(raw);
                }
                Some(b'\\') => {
                    escaped = true;
                    self.pos += 2;
                }
                Some(_) => return Err(self.error(JsonErrorKind::ControlCharacterInString)),
            }
            self.pos += string_run(self.input.get(self.pos..).unwrap_or_default());
        }
    }

    /// Checks a string's escapes and UTF-8; a fault is reported where it stands, as the fast
    /// reader reports it when it decodes the string.
    fn check_string(&self, s: RawStr<'a>, start: usize) -> Result<(), EventError> {
        match string_fault(s.raw) {
            None => Ok(()),
            Some((offset, kind)) => Err(EventError::Malformed(JsonError::new(
                kind,
                self.input,
                start + offset,
            ))),
        }
    }

    fn object(
        &mut self,
        state: TrieState,
        depth: usize,
        visitor: &mut impl Visitor,
    ) -> Result<(), Halt> {
        self.check_depth(depth)?;
        self.pos += 1;
        self.skip_ws();
        if self.input.get(self.pos) == Some(&b'}') {
            self.pos += 1;
            return Ok(());
        }
        // Number this object, so that a child reached twice in it counts once.
        self.scratch.objects = self.scratch.objects.wrapping_add(1);
        if self.scratch.objects == 0 {
            self.scratch.seen_in.iter_mut().for_each(|s| *s = 0);
            self.scratch.objects = 1;
        }
        let object = self.scratch.objects;
        let mut unread = self.trie.children(state);
        if unread > 0 {
            self.incomplete += 1;
        }
        self.scratch.chain.push(state.0);
        let result = self.members(state, object, &mut unread, depth, visitor);
        self.scratch.chain.pop();
        if unread > 0 {
            self.incomplete -= 1;
        }
        result
    }

    fn members(
        &mut self,
        state: TrieState,
        object: u32,
        unread: &mut usize,
        depth: usize,
        visitor: &mut impl Visitor,
    ) -> Result<(), Halt> {
        loop {
            if self.next_byte() != Some(b'"') {
                return Err(self.unexpected().into());
            }
            let key = self.string()?;
            let child = self.child_state(state, key)?;
            if child.is_somewhere() {
                let seen = &mut self.scratch.seen_in[child.first() as usize];
                if *seen != object {
                    *seen = object;
                    *unread -= 1;
                    if *unread == 0 {
                        self.incomplete -= 1;
                    }
                }
            }
            if self.input.get(self.pos) == Some(&b':') {
                // Compact JSON: no white space around the colon.
                self.pos += 1;
            } else {
                self.skip_ws();
                self.expect(b':')?;
            }
            let first = self.next_byte();
            if child.is_somewhere() {
                if first == Some(b'"') {
                    // Most values read are strings: no detour through the dispatch either.
                    self.string_value(child.state(), visitor)?;
                } else {
                    self.value(child.state(), depth, visitor)?;
                }
            } else {
                match first {
                    // Most skipped members are strings or numbers (an item's `price`): no
                    // detour through the dispatch, whose call costs more than skipping them.
                    Some(b'"') if !self.strict => {
                        self.string()?;
                    }
                    Some(b'-' | b'0'..=b'9') if !self.strict => self.skip_number(),
                    _ => self.skip_value(depth)?,
                }
            }
            if self.may_stop && self.incomplete == 0 && self.open_arrays == 0 {
                if self.rest_is_inert() {
                    return Err(Halt::Done);
                }
                self.may_stop = false;
            }
            match self.next_byte() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(self.unexpected().into()),
            }
        }
    }

    /// Whether the rest of the event can hold no key that leads to a field: no backslash (a
    /// key could be spelled with an escape) and no `"name` for a child of any open object.
    ///
    /// The names are searched only up to the rest's last quote: a key lies between two quotes,
    /// so no name after the last one can be a key. In CityLots that cuts the searched bytes
    /// from the whole `coordinates` array to the few members before it. The backslash search
    /// goes first and forward over all of the rest, because the rest is usually not yet in
    /// the cache: a forward stream is what the hardware prefetches, and the backward search
    /// for the last quote then reads cached bytes. Each name is then one vectorized search,
    /// except in a rest short for the number of names, where starting a search per name
    /// costs more than one walk over the quotes.
    fn rest_is_inert(&mut self) -> bool {
        let rest = &self.input[self.pos..];
        if memchr::memchr(b'\\', rest).is_some() {
            return false;
        }
        let Some(last_quote) = memchr::memrchr(b'"', rest) else {
            return true;
        };
        let rest = &rest[..last_quote];
        let chain = &self.scratch.chain;
        let nodes = &self.trie.nodes;
        let names: usize = chain
            .iter()
            .map(|&state| nodes[state as usize].children.len())
            .sum();
        if rest.len() > names * SHORT_REST_PER_NAME {
            return chain.iter().all(|&state| {
                nodes[state as usize]
                    .probes
                    .iter()
                    .all(|probe| probe.find(rest).is_none())
            });
        }
        // A short rest: one pass over its quotes, each tested against the names' first bytes.
        let first_bytes = chain.iter().fold([0u64; 4], |mut bytes, &state| {
            for (b, node_bytes) in bytes.iter_mut().zip(nodes[state as usize].first_bytes) {
                *b |= node_bytes;
            }
            bytes
        });
        // The quotes come from the scanner's index of special bytes (quotes, backslashes and
        // control characters; no backslash is left here), block by block.
        let start = self.pos;
        let mut at = start;
        loop {
            at = self.special_from(at);
            if at >= start + rest.len() {
                return true;
            }
            if self.input[at] == b'"' {
                // Up to and with the last quote: the empty key's text ends there.
                let after = &self.input[at + 1..=start + rest.len()];
                let chain = &self.scratch.chain;
                let nodes = &self.trie.nodes;
                let named = after.first().is_some_and(|&b| {
                    first_bytes[usize::from(b >> 6)] & (1 << (b & 63)) != 0
                        && chain.iter().any(|&state| {
                            nodes[state as usize]
                                .children
                                .iter()
                                .any(|(name, _)| after.starts_with(name))
                        })
                });
                if named {
                    return false;
                }
            }
            at += 1;
        }
    }

    /// Where member `key` leads from `state`.
    #[inline]
    fn child_state(&mut self, state: TrieState, key: RawStr<'a>) -> Result<Reached, EventError> {
        if !key.escaped {
            return Ok(self.trie.step(state, key.raw));
        }
        self.scratch.key.clear();
        decode_into(key.raw, &mut self.scratch.key).map_err(|k| self.error(k))?;
        Ok(self.trie.step(state, &self.scratch.key))
    }

    fn value(
        &mut self,
        state: TrieState,
        depth: usize,
        visitor: &mut impl Visitor,
    ) -> Result<(), Halt> {
        let path = self.trie.path(state);
        let value = match self.input.get(self.pos) {
            Some(b'{') => return self.object(state, depth + 1, visitor),
            Some(b'[') => return self.array(state, depth + 1, visitor),
            Some(b'"') => return self.string_value(state, visitor),
            Some(b'-' | b'0'..=b'9') => {
                let start = self.pos;
                let (end, comparable) = ComparableNumber::lex(self.input, start)
                    .ok_or_else(|| self.error(JsonErrorKind::InvalidNumber))?;
                self.pos = end;
                Value::Number(&self.input[start..end], comparable)
            }
            Some(b't') => self.literal(b"true", Value::True)?,
            Some(b'f') => self.literal(b"false", Value::False)?,
            Some(b'n') => self.literal(b"null", Value::Null)?,
            _ => return Err(self.unexpected().into()),
        };
        self.end_of_scalar()?;
        if let Some(path) = path {
            if visitor.wants(path) & Kinds::of(&value) != 0 {
                visitor.leaf(path, value, &self.scratch.positions);
            }
        }
        Ok(())
    }

    /// [`Scanner::value`] for a string.
    #[inline(always)]
    fn string_value(&mut self, state: TrieState, visitor: &mut impl Visitor) -> Result<(), Halt> {
        let s = self.string()?;
        let path = self.trie.path(state);
        if path.is_some() && !self.strict && s.escaped {
            // Values on a rule's path are checked fully.
            self.check_string(s, self.pos - 1 - s.raw.len())?;
        }
        self.end_of_scalar()?;
        if let Some(path) = path {
            if visitor.wants(path) & Kinds::STRING != 0 {
                visitor.leaf(path, Value::String(s), &self.scratch.positions);
            }
        }
        Ok(())
    }

    /// A run of number elements of a leaf array (see [`Scanner::leaf_array`]), from the one
    /// at `self.pos` on while each is followed by a comma and the next number, with nothing
    /// between (compact JSON, as in coordinates), read without returning to the array's loop.
    /// Each number's value is worked out in the same pass as its end, and it is reported
    /// unless no rule at `path` wants its kind or it repeats the last one reported (`last`).
    #[inline]
    fn numbers(
        &mut self,
        path: PathId,
        wants: u8,
        last: &mut Repeat<'a>,
        visitor: &mut impl Visitor,
    ) -> Result<(), EventError> {
        if wants & (Kinds::COMPARABLE | Kinds::OTHER_NUMBER) == 0 {
            // No rule here looks at numbers: this one only has to be one.
            self.number()?;
            return self.end_of_scalar();
        }
        let input = self.input;
        let mut start = self.pos;
        loop {
            let Some((end, comparable)) = ComparableNumber::lex(input, start) else {
                self.pos = start;
                return Err(self.error(JsonErrorKind::InvalidNumber));
            };
            let kind = if comparable.is_some() {
                Kinds::COMPARABLE
            } else {
                Kinds::OTHER_NUMBER
            };
            let segment = comparable.and_then(|n| last.segment(visitor, path, n));
            if wants & kind != 0 && !last.repeats(&input[start..end], comparable, segment) {
                visitor.leaf(
                    path,
                    Value::Number(&input[start..end], comparable),
                    &self.scratch.positions,
                );
            }
            match (input.get(end), input.get(end + 1)) {
                (Some(b','), Some(b'-' | b'0'..=b'9')) => start = end + 1,
                _ => {
                    self.pos = end;
                    return self.end_of_scalar();
                }
            }
        }
    }

    /// Checks that a scalar just read ends where its container goes on: `01` or `truex` is not
    /// a value to report, even when the rest of the event will not be read.
    #[inline(always)]
    fn end_of_scalar(&self) -> Result<(), EventError> {
        match self.input.get(self.pos) {
            None | Some(b' ' | b'\t' | b'\n' | b'\r' | b',' | b'}' | b']') => Ok(()),
            _ => Err(self.unexpected()),
        }
    }

    fn literal(&mut self, text: &[u8], value: Value<'a>) -> Result<Value<'a>, EventError> {
        if self.input[self.pos..].starts_with(text) {
            self.pos += text.len();
            Ok(value)
        } else {
            Err(self.unexpected())
        }
    }

    #[inline]
    fn check_depth(&self, depth: usize) -> Result<(), EventError> {
        if depth > self.max_depth {
            return Err(self.error(JsonErrorKind::TooDeep {
                limit: self.max_depth,
            }));
        }
        Ok(())
    }

    fn array(
        &mut self,
        state: TrieState,
        depth: usize,
        visitor: &mut impl Visitor,
    ) -> Result<(), Halt> {
        if let Some(path) = self
            .trie
            .path(state)
            .filter(|_| self.trie.children(state) == 0)
        {
            self.open_arrays += 1;
            let wants = visitor.wants(path);
            let result = self.leaf_array(state, path, wants, depth, visitor);
            self.open_arrays -= 1;
            return result;
        }
        self.check_depth(depth)?;
        let id = self.arrays;
        self.arrays += 1;
        self.pos += 1;
        self.skip_ws();
        if self.input.get(self.pos) == Some(&b']') {
            self.pos += 1;
            return Ok(());
        }
        self.open_arrays += 1;
        // Only an object or array element enters this array's entry in the positions. A plain
        // value is tied to no element of the array it sits in directly (AWS's engine records
        // element membership only on the way into an object or an array), so `"s"` in
        // `["s", {"b": "x"}]` goes with the `b` of the element after it.
        let slot = self.scratch.positions.len();
        let mut index = 0u32;
        let result = loop {
            self.skip_ws();
            let nested = matches!(self.input.get(self.pos), Some(b'{' | b'['));
            if nested {
                self.scratch.positions.push((id, index));
            }
            let element = self.value(state, depth, visitor);
            self.scratch.positions.truncate(slot);
            if let Err(e) = element {
                break Err(e);
            }
            self.skip_ws();
            match self.input.get(self.pos) {
                Some(b',') => {
                    self.pos += 1;
                    index += 1;
                }
                Some(b']') => {
                    self.pos += 1;
                    break Ok(());
                }
                _ => break Err(self.unexpected().into()),
            }
        };
        self.open_arrays -= 1;
        result
    }

    /// An array at a path where a rule looks (`path`, reached at `state`) and none looks
    /// deeper: coordinates, tags, lists of ids.
    ///
    /// Its elements, and those of the arrays inside it, are values at `path` itself, and no
    /// other field of a rule can have a value inside it: array consistency, which asks
    /// whether two fields' values share an element, never depends on these arrays. So they
    /// are not entered in the positions (only how many are open is kept), their values are
    /// reported with the positions of the arrays above, and a number that repeats the last
    /// one of its kind reported (the `0.0` ending every coordinate triple) adds nothing and is
    /// not reported again. Plain stretches of numbers are read a window at a time
    /// ([`number_runs`]); other elements through the general dispatch.
    fn leaf_array(
        &mut self,
        state: TrieState,
        path: PathId,
        wants: u8,
        depth: usize,
        visitor: &mut impl Visitor,
    ) -> Result<(), Halt> {
        let mut last = Repeat::new(visitor, path);
        self.check_depth(depth)?;
        self.pos += 1;
        // Arrays open inside this one, this one included.
        let mut level = 1;
        let mut expect = Expect::ElementOrClose;
        loop {
            if expect == Expect::CommaOrClose {
                self.skip_ws();
                match self.input.get(self.pos) {
                    Some(b',') => {
                        self.pos += 1;
                        expect = Expect::Element;
                    }
                    Some(b']') => {
                        self.pos += 1;
                        level -= 1;
                        if level == 0 {
                            return Ok(());
                        }
                    }
                    _ => return Err(self.unexpected().into()),
                }
                continue;
            }
            self.skip_ws();
            let byte = self.input.get(self.pos).copied();
            if let (Some(b'-' | b'0'..=b'9' | b'['), Some(b',' | b'[')) =
                (byte, self.input.get(self.pos - 1))
            {
                // Right after the separator: a plain stretch may be read a window at a time,
                // each window from the separator that ended the one before.
                let (input, room) = (self.input, self.max_depth.saturating_sub(depth));
                let wanted = last.wanted(wants);
                let base;
                (base, level) = number_runs::windows(
                    input,
                    self.pos - 1,
                    level,
                    room,
                    wanted,
                    WindowReport {
                        scanner: self,
                        path,
                        wants,
                        last: &mut last,
                        visitor,
                    },
                );
                if level == 0 {
                    self.pos = base + 1;
                    return Ok(());
                }
                if base + 1 != self.pos {
                    self.pos = base + 1;
                    expect = match self.input[base] {
                        b',' => Expect::Element,
                        b'[' => Expect::ElementOrClose,
                        _ => Expect::CommaOrClose,
                    };
                    continue;
                }
            }
            match byte {
                Some(b']') if expect == Expect::ElementOrClose => {
                    self.pos += 1;
                    level -= 1;
                    if level == 0 {
                        return Ok(());
                    }
                    expect = Expect::CommaOrClose;
                }
                Some(b'[') => {
                    self.check_depth(depth + level)?;
                    self.pos += 1;
                    level += 1;
                    expect = Expect::ElementOrClose;
                }
                Some(b'-' | b'0'..=b'9') => {
                    self.numbers(path, wants, &mut last, visitor)?;
                    expect = Expect::CommaOrClose;
                }
                _ => {
                    self.value(state, depth + level - 1, visitor)?;
                    expect = Expect::CommaOrClose;
                }
            }
        }
    }

    /// Reports the numbers of a window that end at `ends` (those [`Repeat::wanted`] left) and
    /// some rule at `path` wants, as [`Scanner::numbers`] would have; returns what is wanted
    /// of the next window.
    #[allow(clippy::too_many_arguments)] // the scanner, the window and the array's reporting
    #[inline(always)]
    fn report_window(
        &mut self,
        w: &number_runs::Window,
        mut ends: u64,
        base: usize,
        path: PathId,
        wants: u8,
        last: &mut Repeat<'a>,
        visitor: &mut impl Visitor,
    ) -> number_runs::Wanted {
        let input = self.input;
        // The start and the decimal point of the number that ends at `at`.
        let number = |at: u32| {
            let from = 63 - (w.starts & ((1 << at) - 1)).leading_zeros();
            let dots = w.dots & !((2u64 << from) - 1) & ((1u64 << at) - 1);
            let dot = (dots != 0).then(|| base + dots.trailing_zeros() as usize);
            (base + from as usize, dot, base + at as usize)
        };
        if last.segmented() && wants & Kinds::OTHER_NUMBER == 0 {
            // Segments known and only comparable numbers wanted (so `ends` holds none settled
            // outside the domain): a number costs its value, its segment and a bit, and is
            // reported only when its segment is new. This is the loop of coordinates.
            while ends != 0 {
                let at = ends.trailing_zeros();
                let (start, dot, end) = number(at);
                let Some(n) = ComparableNumber::from_plain(input, start, dot, end) else {
                    break; // a long spelling: read the general way below
                };
                let Some(segment) = last.segment(visitor, path, n) else {
                    break;
                };
                ends &= ends - 1;
                if last.first_in(segment) {
                    visitor.leaf(
                        path,
                        Value::Number(&input[start..end], Some(n)),
                        &self.scratch.positions,
                    );
                }
            }
        }
        while ends != 0 {
            let at = ends.trailing_zeros();
            ends &= ends - 1;
            let (start, dot, end) = number(at);
            let spelling = &input[start..end];
            if !last.segmented() && last.has(spelling) {
                // (With segments known, working out the value costs less than comparing.)
                continue;
            }
            let comparable = if w.settled >> at & 1 == 1 {
                None
            } else {
                match ComparableNumber::from_plain(input, start, dot, end) {
                    Some(n) => Some(n),
                    None => match ComparableNumber::lex(input, start) {
                        Some((e, comparable)) if e == end => comparable,
                        _ => {
                            debug_assert!(false, "a window's number lexes as its window read it");
                            None
                        }
                    },
                }
            };
            let kind = if comparable.is_some() {
                Kinds::COMPARABLE
            } else {
                Kinds::OTHER_NUMBER
            };
            let segment = comparable.and_then(|n| last.segment(visitor, path, n));
            if wants & kind != 0 && !last.repeats(spelling, comparable, segment) {
                visitor.leaf(
                    path,
                    Value::Number(spelling, comparable),
                    &self.scratch.positions,
                );
            }
        }
        last.wanted(wants)
    }

    /// Skips one value that no rule looks into. Fast reading skips strings to their closing
    /// quote and containers to their matching bracket (mismatched brackets and the depth limit
    /// are still errors); strict reading validates the value.
    fn skip_value(&mut self, depth: usize) -> Result<(), EventError> {
        if self.strict {
            return self.validate_value(depth);
        }
        match self.input.get(self.pos) {
            Some(b'"') => self.string().map(|_| ()),
            Some(b'[') if depth <= self.max_depth && self.skip_strings()? => Ok(()),
            Some(b'{' | b'[') => self.skip_container(depth),
            Some(b'-' | b'0'..=b'9') => {
                self.skip_number();
                Ok(())
            }
            Some(b't') => self.literal(b"true", Value::True).map(|_| ()),
            Some(b'f') => self.literal(b"false", Value::False).map(|_| ()),
            Some(b'n') => self.literal(b"null", Value::Null).map(|_| ()),
            _ => Err(self.unexpected()),
        }
    }

    /// Skips the number that starts at `self.pos` (fast reading). Not parsed, like any skipped
    /// value: to the first byte no number has (an item's `price`, a record's `statusCode`).
    #[inline(always)]
    fn skip_number(&mut self) {
        let rest = &self.input[self.pos..];
        self.pos += rest
            .iter()
            .position(|&b| !matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
            .unwrap_or(rest.len());
    }

    /// Skips the array that opens at `self.pos` if its elements are all strings (an item's
    /// `tags`), reading them as strings: in the blocks that the member loop classifies for
    /// its keys anyway, where classifying the array's block for brackets as well cost more
    /// than the whole list. `false`, back at the `[`, at the first element that is not a
    /// string, for [`Scanner::skip_container`] to skip the array instead.
    #[inline]
    fn skip_strings(&mut self) -> Result<bool, EventError> {
        let open = self.pos;
        self.pos += 1;
        while self.next_byte() == Some(b'"') {
            self.string()?;
            match self.next_byte() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(true);
                }
                _ => break,
            }
        }
        self.pos = open;
        Ok(false)
    }

    /// Skips the container that opens at `self.pos` (fast reading): to its matching bracket,
    /// a 64-byte block at a time. A block's quotes, taken as a running parity, tell which of
    /// its bytes lie inside strings; the brackets outside them are the only bytes to visit.
    /// The parity carries over from one block to the next, so a string across a block's end
    /// costs nothing more (reading it, as this once did, classified its blocks twice).
    /// CityLots `properties` take five blocks instead of a step per string. A block with a
    /// backslash or a control character (or the end of the input) is walked a token at a time
    /// instead, by the careful string reader, so that what is an error stays one.
    fn skip_container(&mut self, depth: usize) -> Result<(), EventError> {
        let mut brackets = Brackets::default();
        // Where the string that the last block ended in opens, if it ended in one.
        let mut open_string = None;
        let mut at = self.pos;
        loop {
            let block = at / 64;
            let marks =
                block_structure(self.input.get(block * 64..).unwrap_or_default()).shifted(at % 64);
            if marks.escapes != 0 {
                // Token by token to the end of the block (a string read whole may end beyond),
                // from the string the block starts in, if it starts in one.
                self.pos = open_string.take().unwrap_or(at);
                while self.pos < (block + 1) * 64 {
                    if self.skip_step(&mut brackets, depth)? {
                        return Ok(());
                    }
                }
                at = self.pos;
                continue;
            }
            // Bit i is set when byte at + i lies in a string (or is the quote opening one):
            // the quotes' running parity, carried over from the block before. Bit 63 is the
            // parity at the block's end.
            let mut inside = marks.quotes;
            for shift in [1, 2, 4, 8, 16, 32] {
                inside ^= inside << shift;
            }
            if open_string.is_some() {
                inside = !inside;
            }
            let mut outside = (marks.opens | marks.closes) & !inside;
            while outside != 0 {
                self.pos = at + outside.trailing_zeros() as usize;
                outside &= outside - 1;
                if brackets.take(self, depth)? {
                    self.pos += 1;
                    return Ok(());
                }
            }
            if inside >> 63 == 0 {
                open_string = None;
            } else if marks.quotes != 0 {
                // The block ends in a string that its last quote opens.
                open_string = Some(at + 63 - marks.quotes.leading_zeros() as usize);
            }
            at = (block + 1) * 64;
        }
    }

    /// One step of [`Scanner::skip_container`] without the block's marks: to the next string
    /// (read whole) or bracket. `true` once the container is closed.
    fn skip_step(&mut self, brackets: &mut Brackets, depth: usize) -> Result<bool, EventError> {
        self.pos += structural_run(self.input.get(self.pos..).unwrap_or_default());
        match self.input.get(self.pos) {
            None => Err(self.error(JsonErrorKind::UnexpectedEnd)),
            Some(b'"') => self.string().map(|_| false),
            Some(_) => {
                let closed = brackets.take(self, depth)?;
                self.pos += 1;
                Ok(closed)
            }
        }
    }

    fn number(&mut self) -> Result<&'a [u8], EventError> {
        let start = self.pos;
        let end = scan_number(self.input, start)
            .ok_or_else(|| self.error(JsonErrorKind::InvalidNumber))?;
        self.pos = end;
        Ok(&self.input[start..end])
    }

    /// Reads one value, checking all of it, without reporting anything (strict reading of a
    /// value no rule looks into). `depth` is the nesting of the value's container.
    fn validate_value(&mut self, depth: usize) -> Result<(), EventError> {
        match self.input.get(self.pos) {
            Some(b'"') => self.string().map(|_| ()),
            Some(&open @ (b'{' | b'[')) => {
                self.check_depth(depth + 1)?;
                let close = if open == b'{' { b'}' } else { b']' };
                self.pos += 1;
                self.skip_ws();
                if self.input.get(self.pos) == Some(&close) {
                    self.pos += 1;
                    return Ok(());
                }
                loop {
                    self.skip_ws();
                    if open == b'{' {
                        if self.input.get(self.pos) != Some(&b'"') {
                            return Err(self.unexpected());
                        }
                        self.string()?;
                        self.skip_ws();
                        self.expect(b':')?;
                        self.skip_ws();
                    }
                    self.validate_value(depth + 1)?;
                    self.skip_ws();
                    match self.input.get(self.pos) {
                        Some(b',') => self.pos += 1,
                        Some(&b) if b == close => {
                            self.pos += 1;
                            return Ok(());
                        }
                        _ => return Err(self.unexpected()),
                    }
                }
            }
            _ => self.skip_value_scalar(),
        }
    }

    fn skip_value_scalar(&mut self) -> Result<(), EventError> {
        match self.input.get(self.pos) {
            Some(b'-' | b'0'..=b'9') => self.number().map(|_| ()),
            Some(b't') => self.literal(b"true", Value::True).map(|_| ()),
            Some(b'f') => self.literal(b"false", Value::False).map(|_| ()),
            Some(b'n') => self.literal(b"null", Value::Null).map(|_| ()),
            _ => Err(self.unexpected()),
        }
    }
}

/// Marks (in its high bit) every byte of `x` that is zero; the lowest mark is exact, marks
/// above it may be spurious.
#[inline]
fn zero_bytes(x: u64) -> u64 {
    x.wrapping_sub(splat(1)) & !x & splat(0x80)
}

/// How many bytes at the start of `bytes` can be part of a string as they are: neither a
/// quote, a backslash nor a control character. Reads a word at a time.
#[inline(always)]
fn string_run(bytes: &[u8]) -> usize {
    let mut i = 0;
    while let Some(word) = bytes.get(i..i + 8) {
        let x = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        let special = zero_bytes(x ^ splat(b'"'))
            | zero_bytes(x ^ splat(b'\\'))
            // bytes below 0x20 (the high bit test keeps bytes >= 0x80 out)
            | (x.wrapping_sub(splat(0x20)) & !x & splat(0x80));
        if special != 0 {
            return i + (special.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&b) = bytes.get(i) {
        if b == b'"' || b == b'\\' || b < 0x20 {
            break;
        }
        i += 1;
    }
    i
}

/// One bit per byte of the first 64 of `bytes` (bit `i` for `bytes[i]`) that is a quote, a
/// backslash or a control character. Bytes past the end count as special (as control
/// characters would): a string that seems to run into them is left to the careful reader.
#[inline]
fn block_specials(bytes: &[u8]) -> u64 {
    #[cfg(target_arch = "x86_64")]
    {
        padded_block(bytes, sse2::block_specials)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        padded_block(bytes, block_specials_by_words)
    }
}

/// `classify` of the first 64 bytes of `bytes`, padded with zero bytes when there are fewer
/// (zero is a control character: to the scanner's blocks, the end of the input looks like
/// something for the careful reader).
#[inline(always)]
pub(crate) fn padded_block<T>(bytes: &[u8], classify: impl FnOnce(&[u8; 64]) -> T) -> T {
    match bytes.get(..64) {
        Some(block) => classify(block.try_into().expect("64 bytes")),
        None => {
            let mut padded = [0u8; 64];
            padded[..bytes.len()].copy_from_slice(bytes);
            classify(&padded)
        }
    }
}

/// [`block_specials`] a word at a time, for any processor.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn block_specials_by_words(block: &[u8; 64]) -> u64 {
    let marks = block_structure_by_words(block);
    marks.quotes | marks.escapes
}

/// Byte classes sixteen at a time, with SSE2. Its `unsafe` calls (one per classifier) go into
/// functions compiled for SSE2, which every x86-64 processor has.
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
pub(crate) mod sse2 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8,
    };

    /// [`super::block_specials`] of a whole block.
    #[inline(always)]
    pub(super) fn block_specials(block: &[u8; 64]) -> u64 {
        // SAFETY: `specials` needs only SSE2, which is part of the x86-64 baseline: every
        // processor this code can run on has it.
        unsafe { specials(block) }
    }

    #[target_feature(enable = "sse2")]
    #[inline]
    fn specials(block: &[u8; 64]) -> u64 {
        let mut mask = 0;
        for (i, chunk) in block.chunks_exact(16).enumerate() {
            let v = load(chunk.try_into().expect("sixteen bytes"));
            let quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
            let backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
            // Unsigned `v <= 0x1f`: the minimum of the two is `v` itself.
            let control = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v);
            let bits = _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, backslash), control));
            mask |= u64::from(bits as u16) << (16 * i);
        }
        mask
    }

    /// [`super::block_structure`] of a whole block.
    #[inline(always)]
    pub(super) fn block_structure(block: &[u8; 64]) -> super::Structure {
        // SAFETY: as for `block_specials`, `structure` needs only SSE2, part of the x86-64
        // baseline.
        unsafe { structure(block) }
    }

    #[target_feature(enable = "sse2")]
    #[inline]
    fn structure(block: &[u8; 64]) -> super::Structure {
        let mut marks = super::Structure::default();
        for (i, chunk) in block.chunks_exact(16).enumerate() {
            let v = load(chunk.try_into().expect("sixteen bytes"));
            let bits = |m: __m128i| u64::from(_mm_movemask_epi8(m) as u16) << (16 * i);
            let backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
            let control = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v);
            // Setting bit 5 folds `[` onto `{` and `]` onto `}`, and nothing else onto either.
            let folded = _mm_or_si128(v, _mm_set1_epi8(0x20));
            marks.quotes |= bits(_mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8)));
            marks.escapes |= bits(_mm_or_si128(backslash, control));
            marks.opens |= bits(_mm_cmpeq_epi8(folded, _mm_set1_epi8(b'{' as i8)));
            marks.closes |= bits(_mm_cmpeq_epi8(folded, _mm_set1_epi8(b'}' as i8)));
        }
        marks
    }

    /// Sixteen bytes as a vector: one unaligned load. (Put together from two words without a
    /// pointer, the compiler loaded the sixteen bytes, loaded the high word again and put the
    /// two together: three instructions for one.)
    #[target_feature(enable = "sse2")]
    #[inline]
    pub(crate) fn load(chunk: &[u8; 16]) -> __m128i {
        // SAFETY: `chunk` is sixteen bytes long, all of which the unaligned load reads.
        unsafe { _mm_loadu_si128(chunk.as_ptr().cast()) }
    }
}

/// How many bytes at the start of `bytes` (inside a container being skipped, outside its
/// strings) are none of `"`, `[`, `]`, `{`, `}`. Reads a word at a time.
#[inline]
fn structural_run(bytes: &[u8]) -> usize {
    let mut i = 0;
    while let Some(word) = bytes.get(i..i + 8) {
        let x = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        // Setting bit 5 folds `[` onto `{` and `]` onto `}`, and nothing else onto either.
        let folded = x | splat(0x20);
        let special = zero_bytes(x ^ splat(b'"'))
            | zero_bytes(folded ^ splat(b'{'))
            | zero_bytes(folded ^ splat(b'}'));
        if special != 0 {
            return i + (special.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&b) = bytes.get(i) {
        if matches!(b, b'"' | b'[' | b']' | b'{' | b'}') {
            break;
        }
        i += 1;
    }
    i
}

/// The brackets open in a container being skipped: one bit per bracket (1 for `{`), innermost
/// lowest.
#[derive(Default)]
struct Brackets {
    stack: u128,
    open: usize,
}

impl Brackets {
    /// Takes the bracket at `scanner.pos`; `true` when it closes the outermost one.
    #[inline(always)]
    fn take(&mut self, scanner: &Scanner<'_, '_>, depth: usize) -> Result<bool, EventError> {
        let b = scanner.input[scanner.pos];
        if b == b'{' || b == b'[' {
            self.open += 1;
            if depth + self.open > scanner.max_depth + 1 || self.open > 127 {
                return Err(scanner.error(JsonErrorKind::TooDeep {
                    limit: scanner.max_depth,
                }));
            }
            self.stack = (self.stack << 1) | u128::from(b == b'{');
            return Ok(false);
        }
        // `}` or `]`: the only other bytes taken.
        if (self.stack & 1 == 1) != (b == b'}') {
            return Err(scanner.unexpected());
        }
        self.stack >>= 1;
        self.open -= 1;
        Ok(self.open == 0)
    }
}

/// The bytes of a 64-byte block that skipping a container looks at, one bit per byte (bit `i`
/// for byte `i`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Structure {
    quotes: u64,
    /// Backslashes and control characters: a block with one is not skipped by its marks.
    escapes: u64,
    /// `{` and `[`.
    opens: u64,
    /// `}` and `]`.
    closes: u64,
}

impl Structure {
    /// The marks of the block's bytes from `offset` on, moved down to bit 0.
    #[inline(always)]
    fn shifted(self, offset: usize) -> Structure {
        Structure {
            quotes: self.quotes >> offset,
            escapes: self.escapes >> offset,
            opens: self.opens >> offset,
            closes: self.closes >> offset,
        }
    }
}

/// The [`Structure`] of the first 64 of `bytes`. Bytes past the end count as control
/// characters, which sends the end of the input to the careful reader.
#[inline]
fn block_structure(bytes: &[u8]) -> Structure {
    #[cfg(target_arch = "x86_64")]
    {
        padded_block(bytes, sse2::block_structure)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        padded_block(bytes, block_structure_by_words)
    }
}

/// [`block_structure`] a word at a time, for any processor.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn block_structure_by_words(block: &[u8; 64]) -> Structure {
    let mut marks = Structure::default();
    for (i, word) in block.chunks_exact(8).enumerate() {
        let x = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        // Exact marks (no borrow runs from one byte to the next), in each byte's high bit.
        let zero = |y: u64| !(((y & splat(0x7f)) + splat(0x7f)) | y) & splat(0x80);
        let control = !(((x | splat(0x80)) - splat(0x20)) | x) & splat(0x80);
        // Setting bit 5 folds `[` onto `{` and `]` onto `}`, and nothing else onto either.
        let folded = x | splat(0x20);
        // Gather the eight high bits into one byte.
        let gather = |m: u64| (((m >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56) << (8 * i);
        marks.quotes |= gather(zero(x ^ splat(b'"')));
        marks.escapes |= gather(zero(x ^ splat(b'\\')) | control);
        marks.opens |= gather(zero(folded ^ splat(b'{')));
        marks.closes |= gather(zero(folded ^ splat(b'}')));
    }
    marks
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether a byte ends a run of plain string bytes, by definition.
    fn is_special(b: u8) -> bool {
        b == b'"' || b == b'\\' || b < 0x20
    }

    #[test]
    fn text_is_taken_exactly_when_it_is_utf8() {
        for bytes in [
            &b""[..],
            b"plain",
            b"\x7f\x00 ascii",
            "é€😀".as_bytes(),
            b"a\xc3\xa9",
        ] {
            assert_eq!(text(bytes), std::str::from_utf8(bytes).ok());
            assert!(text(bytes).is_some());
        }
        for bytes in [
            &b"\xff"[..],
            b"ok \xc3",
            b"\xc3\x28",
            b"\xed\xa0\x80",
            b"abcdefgh\x80",
        ] {
            assert_eq!(text(bytes), None, "{bytes:?}");
        }
    }

    #[test]
    fn blocks_mark_exactly_the_special_bytes() {
        let mut blocks: Vec<Vec<u8>> = Vec::new();
        // Every byte value at every position, among plain and special neighbours (a sample
        // of them under Miri, which runs the SSE2 code a thousand times slower).
        let step = if cfg!(miri) { 37 } else { 1 };
        for value in (0..=255u8).step_by(step) {
            for background in [b'a', b'"', 0x1f, 0x20, 0x80, 0xff] {
                for at in [0, 7, 8, 15, 16, 31, 40, 63] {
                    let mut block = vec![background; 64];
                    block[at] = value;
                    blocks.push(block);
                }
            }
        }
        // Short inputs: the missing bytes count as special.
        for len in 0..64 {
            blocks.push(
                b"plain text \"quoted\" \\ \x01 \xc3\xa9"
                    .iter()
                    .copied()
                    .cycle()
                    .take(len)
                    .collect(),
            );
        }
        for block in &blocks {
            let mut expected = 0u64;
            for i in 0..64 {
                if block.get(i).is_none_or(|&b| is_special(b)) {
                    expected |= 1 << i;
                }
            }
            assert_eq!(block_specials(block), expected, "{block:?}");
            let mut padded = [0u8; 64];
            padded[..block.len()].copy_from_slice(block);
            assert_eq!(block_specials_by_words(&padded), expected, "{block:?}");
        }
    }

    /// A scanner for fast reading at `pos`, that may not stop early.
    fn fast_scanner<'a, 's>(
        input: &'a [u8],
        pos: usize,
        trie: &'a FieldTrie,
        max_depth: usize,
        scratch: &'s mut ScanScratch,
    ) -> Scanner<'a, 's> {
        Scanner {
            input,
            pos,
            trie,
            max_depth,
            strict: false,
            may_stop: false,
            incomplete: 0,
            arrays: 0,
            open_arrays: 0,
            block: usize::MAX,
            specials: 0,
            scratch,
        }
    }

    /// Records what a scan reports.
    struct Recorder(u8, Vec<(Vec<u8>, Option<ComparableNumber>)>);

    impl Visitor for Recorder {
        fn wants(&self, _: PathId) -> u8 {
            self.0
        }

        fn leaf(&mut self, _: PathId, value: Value<'_>, _: &[(u32, u32)]) {
            match value {
                Value::Number(spelling, comparable) => self.1.push((spelling.to_vec(), comparable)),
                other => self.1.push((format!("{other:?}").into_bytes(), None)),
            }
        }
    }

    #[test]
    fn leaf_arrays_count_depth_as_any_array() {
        // Arrays and objects inside an array at a rule's path reach the depth limit exactly
        // where the same value does at a path no rule names (validated by strict reading).
        let mut leaf = FieldTrie::new();
        leaf.insert("a", PathId(0));
        let mut elsewhere = FieldTrie::new();
        elsewhere.insert("z", PathId(0));
        let values = [
            "[[1,2],[3,[4]]]",
            "[{\"b\":1}]",
            "[[{\"b\":[1]}]]",
            "[1,[2,[3,[4,[5]]]]]",
            "[[[[\"s\"]]]]",
            "[[],[[]],[[[]]]]",
        ];
        // Compact, read by windows, and spaced, read element by element.
        let spaced = values.map(|v| v.replace('[', "[ "));
        for value in values.iter().map(|v| v.to_string()).chain(spaced) {
            let event = format!("{{\"a\":{value}}}");
            for max_depth in 1..8 {
                let read = |trie: &FieldTrie| {
                    let mut scratch = ScanScratch::default();
                    let mut recorder = Recorder(Kinds::ALL, Vec::new());
                    scan(
                        event.as_bytes(),
                        trie,
                        max_depth,
                        Validation::Strict,
                        &mut scratch,
                        &mut recorder,
                    )
                    .is_ok()
                };
                assert_eq!(
                    read(&leaf),
                    read(&elsewhere),
                    "{event} at depth {max_depth}"
                );
            }
        }
    }

    #[test]
    fn arrays_of_numbers_read_by_windows_as_byte_by_byte() {
        // Arrays of numbers as coordinates spell them, and the same with bytes broken: the
        // windows must report the same values, and fail with the same error at the same place,
        // as the usual reading.
        let mut trie = FieldTrie::new();
        trie.insert("a", PathId(0));
        let spellings: &[&str] = &[
            "0",
            "-0",
            "0.0",
            "7",
            "-12",
            "37.5",
            "0.000001",
            "0.0000001",
            "1.1000000",
            "-122.503870533390784",
            "37.716522559163816",
            "-122.4123450",
            "1.12345670001",
            "12345678901.5",
            "5000000001",
            "4999999999.999999",
            "1e5",
            "2.5E-3",
            "01",
            "1.",
            ".5",
            "-",
            "1.2.3",
            "--1",
            "0.00000000000000000001",
            "1.123456000001",
            "-37.7000000009",
            "-3.10000000000000000000",
            // Other elements, read the usual way between windows.
            "\"s\"",
            "true",
            "null",
            "{\"b\":[1,2.5]}",
            "[]",
            " 3",
        ];
        let alphabet = b"0123456789.-,[] e\"x";
        let mut seed = 11u64;
        let mut next = |n: usize| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize % n
        };
        let rounds = if cfg!(miri) { 200 } else { 20_000 };
        for round in 0..rounds {
            // Nested arrays of numbers, mostly compact.
            let mut text = String::from("[");
            let mut open = 1;
            let mut first = true;
            while open > 0 && text.len() < 400 {
                match next(10) {
                    0 if open < 5 => {
                        if !first {
                            text.push(',');
                        }
                        text.push('[');
                        open += 1;
                        first = true;
                        continue;
                    }
                    1 if !first || next(3) == 0 => {
                        text.push(']');
                        open -= 1;
                        first = false;
                        continue;
                    }
                    _ => {}
                }
                if !first {
                    text.push(if next(40) == 0 { ' ' } else { ',' });
                }
                let pick = if next(4) == 0 {
                    spellings[next(spellings.len())].to_string()
                } else {
                    let digits = next(19);
                    let lon = format!("-122.{}", &"5038705333907841234"[..digits.max(1)]);
                    match next(3) {
                        0 => lon,
                        1 => lon[1..].replace("122", "37"),
                        _ => "0.0".to_string(),
                    }
                };
                text.push_str(&pick);
                first = false;
            }
            text.push_str(&"]".repeat(open));
            let mut bytes = text.into_bytes();
            if round % 2 == 1 {
                // Break it somewhere.
                for _ in 0..1 + next(2) {
                    let at = next(bytes.len());
                    match next(3) {
                        0 => bytes[at] = alphabet[next(alphabet.len())],
                        1 => {
                            bytes.remove(at);
                        }
                        _ => bytes.insert(at, alphabet[next(alphabet.len())]),
                    }
                }
            }
            let mut event = b"{\"a\":".to_vec();
            event.extend_from_slice(&bytes);
            event.extend_from_slice(b",\"b\":1}");
            let wants = [
                Kinds::ALL,
                Kinds::COMPARABLE,
                Kinds::OTHER_NUMBER,
                Kinds::STRING,
            ][round % 4];
            let max_depth = [64, 3, 4][round % 3];
            let validation = [Validation::Fast, Validation::Strict][round / 2 % 2];
            use crate::engine::number_runs::tests::{Reading, READING};
            let read = |reading: Reading| {
                READING.with(|r| r.set(reading));
                let mut scratch = ScanScratch::default();
                let mut recorder = Recorder(wants, Vec::new());
                let result = scan(
                    &event,
                    &trie,
                    max_depth,
                    validation,
                    &mut scratch,
                    &mut recorder,
                );
                READING.with(|r| r.set(Reading::Fastest));
                (result, recorder.1)
            };
            let bytewise = read(Reading::Bytewise);
            // Every classification the windows may use: AVX2 (where the processor has it),
            // SSE2 and the portable one.
            for reading in [Reading::Fastest, Reading::Sse2, Reading::Portable] {
                assert_eq!(
                    read(reading),
                    bytewise,
                    "{reading:?}: {}",
                    String::from_utf8_lossy(&event)
                );
            }
        }
    }

    #[test]
    fn strings_are_read_whole_across_blocks() {
        // Strings of every length from every offset, over block boundaries and up to the end
        // of the input, with and without their closing quote.
        let trie = FieldTrie::new();
        let mut scratch = ScanScratch::default();
        let step = if cfg!(miri) { 13 } else { 1 };
        for offset in (0..70).step_by(step) {
            for len in (0..150).step_by(step) {
                let text: Vec<u8> = b"abcdefghij".iter().copied().cycle().take(len).collect();
                let mut input = vec![b' '; offset];
                input.push(b'"');
                input.extend_from_slice(&text);
                for closed in [true, false] {
                    let mut input = input.clone();
                    if closed {
                        input.extend_from_slice(b"\" ,");
                    }
                    let mut scanner = fast_scanner(&input, offset, &trie, 8, &mut scratch);
                    // Read something before, so that the block cache is in use.
                    assert_eq!(scanner.special_from(0), offset);
                    match scanner.string() {
                        Ok(s) => {
                            assert!(closed);
                            assert_eq!(s.raw(), &text[..]);
                            assert_eq!(scanner.pos, offset + len + 2);
                        }
                        Err(_) => assert!(!closed),
                    }
                }
            }
        }
    }

    #[test]
    fn runs_stop_at_the_first_special_byte() {
        for len in 0..20 {
            for special in [b'"', b'\\', b'\n', 0x1f] {
                let mut bytes = vec![b'a'; len];
                bytes.push(special);
                bytes.extend_from_slice(b"\"\\xyz");
                assert_eq!(string_run(&bytes), len);
            }
            for special in [b'"', b'[', b']', b'{', b'}'] {
                let mut bytes = vec![b'7'; len];
                bytes.push(special);
                bytes.extend_from_slice(b"{}[]");
                assert_eq!(structural_run(&bytes), len);
            }
            // Bytes that differ from a special one only in bit 5, or are not ASCII, run on.
            let mut bytes = b";=\x7c\x02\xc3\xa9\xe2\x82\xac\x80\xff".repeat(3);
            bytes.truncate(len);
            assert_eq!(structural_run(&bytes), bytes.len());
            let plain: Vec<u8> = "é€ plain text \x7f".bytes().cycle().take(len).collect();
            assert_eq!(string_run(&plain), len);
        }
    }

    #[test]
    fn structure_marks_exactly_the_structural_bytes() {
        let step = if cfg!(miri) { 37 } else { 1 };
        for value in (0..=255u8).step_by(step) {
            for background in [b'a', b'"', b'{', b']', 0x1f, 0x20, 0x7b ^ 0x20, 0xff] {
                for at in [0, 7, 8, 15, 16, 31, 40, 63] {
                    let mut block = [background; 64];
                    block[at] = value;
                    let mut expected = Structure::default();
                    for (i, &b) in block.iter().enumerate() {
                        let bit = 1u64 << i;
                        expected.quotes |= bit * u64::from(b == b'"');
                        expected.escapes |= bit * u64::from(b == b'\\' || b < 0x20);
                        expected.opens |= bit * u64::from(b == b'{' || b == b'[');
                        expected.closes |= bit * u64::from(b == b'}' || b == b']');
                    }
                    assert_eq!(block_structure(&block), expected, "{block:?}");
                    assert_eq!(block_structure_by_words(&block), expected, "{block:?}");
                }
            }
        }
        // Short inputs: the missing bytes count as control characters.
        let short = block_structure(b"{\"a\": [1]}");
        assert_eq!(short.escapes, !0 << 10);
        assert_eq!(
            (short.quotes, short.opens, short.closes),
            (0b1010, 0b100_0001, 0b11_0000_0000)
        );
    }

    #[test]
    fn keys_compare_as_slices_do() {
        let text: Vec<u8> = (0..40u8).map(|i| b'a' + i % 26).collect();
        for n in 0..text.len() {
            let a = &text[..n];
            let copy = a.to_vec();
            assert!(same_bytes(a, &copy));
            for at in 0..n {
                let mut b = a.to_vec();
                b[at] ^= 0x20;
                assert!(!same_bytes(a, &b), "{n} bytes, differing at {at}");
            }
        }
    }

    /// Skipping a container block by block ends where, and fails as, skipping it a token at a
    /// time does: containers of every length at every offset, with brackets and quotes inside
    /// strings, strings across blocks, escapes, control characters, mismatched brackets,
    /// missing ends and nesting beyond the limit.
    #[test]
    fn containers_are_skipped_as_token_by_token() {
        let trie = FieldTrie::new();
        let mut scratch = ScanScratch::default();
        let pieces: &[&[u8]] = &[
            b"{\"k\": [1, 2, {\"x\": \"]}\"}], \"s\": \"a{b[c\"}",
            b"[\"long string with ] and } inside, running on and on past a block\", 7]",
            b"{\"e\": \"esc \\\" ] \\\\\", \"n\": [[[[]]]]}",
            b"[1, \"ctl \x01\"]",
            b"{\"a\": [}",
            b"[[[[[[[[[[1]]]]]]]]]]",
            b"{\"u\": \"\xc3\xa9\", \"q\": \"\\u005d\"}",
            b"[\"unterminated",
            b"{\"open\": [1, 2",
            // Arrays of strings, which skipping a value reads as strings, and the arrays that
            // send it back to the container's skip part of the way in.
            b"[\"gift\",\"eu\"]",
            b"[ \"a\" , \"b]\" ]",
            b"[\"a\\\"]\", \"b\"]",
            b"[\"a\", 1, \"b\"]",
            b"[\"a\", [\"b\"]]",
            b"[\"a\" \"b\"]",
            b"[\"a\",]",
            b"[]",
            b"[\"a\", \"ctl \x01\"]",
        ];
        // Strings across two and three blocks, the parity carried through a block without a
        // quote; after them, blocks with an escape or a control character, which restart from
        // the carried string's opening quote.
        let long = "x] }".repeat(40);
        let carried = [
            format!("[\"{long}\", {{\"k\": [\"{long}\"]}}, 3]"),
            format!("{{\"s\": \"{long} \\\" ] \", \"t\": [1]}}"),
            format!("[\"{long} \x01 ]\"]"),
            format!("[\"{}\", \"{long}\"]", "y".repeat(60)),
        ];
        let pieces: Vec<&[u8]> = pieces
            .iter()
            .copied()
            .chain(carried.iter().map(|p| p.as_bytes()))
            .collect();
        let step = if cfg!(miri) { 23 } else { 1 };
        for piece in pieces {
            for offset in (0..70).step_by(step) {
                for cut in [piece.len(), piece.len() / 2, piece.len().saturating_sub(1)] {
                    let mut input = vec![b' '; offset];
                    input.extend_from_slice(&piece[..cut]);
                    input.extend_from_slice(b" , \"after\"");
                    // 0: token by token; 1: by blocks; 2: as a skipped value.
                    let mut scanner = |how: u8| {
                        let mut scanner = fast_scanner(&input, offset, &trie, 6, &mut scratch);
                        let result = if how == 2 {
                            scanner.skip_value(1)
                        } else if how == 1 {
                            scanner.skip_container(1)
                        } else {
                            let mut brackets = Brackets::default();
                            loop {
                                match scanner.skip_step(&mut brackets, 1) {
                                    Ok(false) => {}
                                    Ok(true) => break Ok(()),
                                    Err(e) => break Err(e),
                                }
                            }
                        };
                        (result, scanner.pos)
                    };
                    let by_tokens = scanner(0);
                    let by_blocks = scanner(1);
                    let as_value = scanner(2);
                    for other in [&by_blocks, &as_value] {
                        match (&by_tokens.0, &other.0) {
                            (Ok(()), Ok(())) => assert_eq!(by_tokens.1, other.1),
                            (Err(a), Err(b)) => assert_eq!(a, b),
                            _ => panic!("{by_tokens:?} {other:?}"),
                        }
                    }
                    let whole = cut == piece.len();
                    // Skipping checks brackets and strings, not commas.
                    let commas_only = [&b"[\"a\" \"b\"]"[..], b"[\"a\",]"].contains(&piece);
                    let valid = whole
                        && (crate::json::Json::parse(piece).is_ok() || commas_only)
                        && !piece.starts_with(b"[[[[[[");
                    assert_eq!(
                        by_blocks.0.is_ok(),
                        valid,
                        "{:?}",
                        String::from_utf8_lossy(piece)
                    );
                }
            }
        }
    }
}
