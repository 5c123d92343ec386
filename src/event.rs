//! Zero-copy event scanning: bytes in, the values of interesting fields out.
//!
//! A rule set knows every field path its rules name. [`FieldTrie`] holds those paths as a byte
//! trie over their dotted spelling, and [`scan`] walks an event's JSON bytes once, stepping the
//! trie with each member key (a `.` between levels). When the trie has no continuation for a
//! key, the member's value is skipped without being parsed; when a scalar arrives at a path
//! that a rule names, it is handed to the [`Visitor`] as a borrowed [`Value`], together with the
//! array elements it sits in. Because paths are matched by their dotted spelling, an event key
//! `"a.b"` reaches the same path as nested keys `a` → `b`, as in AWS.
//!
//! Nothing is allocated per event: the position stack and the key buffer are caller-owned
//! scratch space. Strings are borrowed from the input; escapes are decoded only for keys that
//! contain them and for values a consumer asks to decode.
//!
//! Skipped values are checked only for what skipping needs (balanced brackets, terminated
//! strings, the nesting limit): malformed JSON inside a skipped value may go unnoticed. Values
//! on the paths that rules name are parsed fully.

use crate::json::{decode_escape, scan_number, JsonError, JsonErrorKind};

/// Identifies one field path of a rule set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PathId(pub u32);

/// The field paths of interest, as a trie over their dotted bytes.
#[derive(Clone, Debug)]
pub struct FieldTrie {
    nodes: Vec<TrieNode>,
}

#[derive(Clone, Debug, Default)]
struct TrieNode {
    /// Sorted by byte.
    edges: Vec<(u8, u32)>,
    path: Option<PathId>,
}

/// A position in the trie.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrieState(u32);

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

    /// Adds a dotted path with its id.
    pub fn insert(&mut self, path: &str, id: PathId) {
        let mut state = 0usize;
        for &b in path.as_bytes() {
            state = match self.nodes[state].edges.binary_search_by_key(&b, |e| e.0) {
                Ok(i) => self.nodes[state].edges[i].1 as usize,
                Err(i) => {
                    self.nodes.push(TrieNode::default());
                    let next = self.nodes.len() - 1;
                    self.nodes[state].edges.insert(i, (b, next as u32));
                    next
                }
            };
        }
        self.nodes[state].path = Some(id);
    }

    fn root(&self) -> TrieState {
        TrieState(0)
    }

    fn step(&self, state: TrieState, bytes: &[u8]) -> Option<TrieState> {
        let mut s = state.0 as usize;
        for &b in bytes {
            let edges = &self.nodes[s].edges;
            s = edges[edges.binary_search_by_key(&b, |e| e.0).ok()?].1 as usize;
        }
        Some(TrieState(s as u32))
    }

    fn path(&self, state: TrieState) -> Option<PathId> {
        self.nodes[state.0 as usize].path
    }
}

/// A scalar borrowed from the event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value<'a> {
    /// A string, as it stands between its quotes.
    String(RawStr<'a>),
    /// A number, as spelled.
    Number(&'a [u8]),
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
        std::str::from_utf8(bytes).map_err(|_| JsonErrorKind::InvalidUtf8)
    }

    /// The raw bytes between the quotes.
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }
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

/// Receives the values at interesting paths.
pub trait Visitor {
    /// A scalar at `path`; `positions` lists, outermost first, each array it sits in (as an id
    /// unique within this event) and its element's index there.
    fn leaf(&mut self, path: PathId, value: Value<'_>, positions: &[(u32, u32)]);
}

/// Why an event was rejected.
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
}

/// Walks `bytes`, reporting every scalar at a path in `trie` to `visitor`.
pub fn scan(
    bytes: &[u8],
    trie: &FieldTrie,
    max_depth: usize,
    scratch: &mut ScanScratch,
    visitor: &mut impl Visitor,
) -> Result<(), EventError> {
    scratch.positions.clear();
    let mut scanner = Scanner {
        input: bytes,
        pos: 0,
        trie,
        max_depth,
        arrays: 0,
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
    scanner.object(Some(trie.root()), 1, visitor)?;
    scanner.skip_ws();
    if scanner.pos != bytes.len() {
        return Err(scanner.error(JsonErrorKind::TrailingCharacters));
    }
    Ok(())
}

struct Scanner<'a, 's> {
    input: &'a [u8],
    pos: usize,
    trie: &'a FieldTrie,
    max_depth: usize,
    arrays: u32,
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

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.input.get(self.pos) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, byte: u8) -> Result<(), EventError> {
        if self.input.get(self.pos) == Some(&byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    /// Reads a string starting at its opening quote; returns the raw bytes between the quotes.
    fn string(&mut self) -> Result<RawStr<'a>, EventError> {
        self.pos += 1;
        let start = self.pos;
        let mut escaped = false;
        loop {
            match self.input.get(self.pos) {
                None => return Err(self.error(JsonErrorKind::UnexpectedEnd)),
                Some(b'"') => {
                    let raw = &self.input[start..self.pos];
                    self.pos += 1;
                    return Ok(RawStr { raw, escaped });
                }
                Some(b'\\') => {
                    escaped = true;
                    self.pos += 2;
                }
                Some(&b) if b < 0x20 => {
                    return Err(self.error(JsonErrorKind::ControlCharacterInString))
                }
                Some(_) => self.pos += 1,
            }
        }
    }

    fn object(
        &mut self,
        state: Option<TrieState>,
        depth: usize,
        visitor: &mut impl Visitor,
    ) -> Result<(), EventError> {
        self.check_depth(depth)?;
        self.pos += 1;
        self.skip_ws();
        if self.input.get(self.pos) == Some(&b'}') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            self.skip_ws();
            if self.input.get(self.pos) != Some(&b'"') {
                return Err(self.unexpected());
            }
            let key = self.string()?;
            let child = match state {
                None => None,
                Some(s) => self.child_state(s, key)?,
            };
            self.skip_ws();
            self.expect(b':')?;
            self.skip_ws();
            self.value(child, depth, visitor)?;
            self.skip_ws();
            match self.input.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(self.unexpected()),
            }
        }
    }

    /// The trie state after member `key` under `state`.
    fn child_state(
        &mut self,
        state: TrieState,
        key: RawStr<'a>,
    ) -> Result<Option<TrieState>, EventError> {
        let state = if state == self.trie.root() {
            Some(state)
        } else {
            self.trie.step(state, b".")
        };
        let Some(state) = state else {
            return Ok(None);
        };
        if !key.escaped {
            return Ok(self.trie.step(state, key.raw));
        }
        self.scratch.key.clear();
        decode_into(key.raw, &mut self.scratch.key).map_err(|k| self.error(k))?;
        Ok(self.trie.step(state, &self.scratch.key))
    }

    fn value(
        &mut self,
        state: Option<TrieState>,
        depth: usize,
        visitor: &mut impl Visitor,
    ) -> Result<(), EventError> {
        let Some(state) = state else {
            return self.skip_value(depth);
        };
        let path = self.trie.path(state);
        let value = match self.input.get(self.pos) {
            Some(b'{') => return self.object(Some(state), depth + 1, visitor),
            Some(b'[') => return self.array(state, depth + 1, visitor),
            Some(b'"') => {
                let s = self.string()?;
                if path.is_some() {
                    // Values on a rule's path are checked fully.
                    if s.escaped {
                        let mut i = 0;
                        while i < s.raw.len() {
                            if s.raw[i] == b'\\' {
                                decode_escape(s.raw, &mut i).map_err(|k| self.error(k))?;
                            } else {
                                i += 1;
                            }
                        }
                    }
                }
                Value::String(s)
            }
            Some(b'-' | b'0'..=b'9') => {
                let start = self.pos;
                let end = scan_number(self.input, start)
                    .ok_or_else(|| self.error(JsonErrorKind::InvalidNumber))?;
                self.pos = end;
                Value::Number(&self.input[start..end])
            }
            Some(b't') => self.literal(b"true", Value::True)?,
            Some(b'f') => self.literal(b"false", Value::False)?,
            Some(b'n') => self.literal(b"null", Value::Null)?,
            _ => return Err(self.unexpected()),
        };
        if let Some(path) = path {
            visitor.leaf(path, value, &self.scratch.positions);
        }
        Ok(())
    }

    fn literal(&mut self, text: &[u8], value: Value<'a>) -> Result<Value<'a>, EventError> {
        if self.input[self.pos..].starts_with(text) {
            self.pos += text.len();
            Ok(value)
        } else {
            Err(self.unexpected())
        }
    }

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
    ) -> Result<(), EventError> {
        self.check_depth(depth)?;
        let id = self.arrays;
        self.arrays += 1;
        self.pos += 1;
        self.skip_ws();
        if self.input.get(self.pos) == Some(&b']') {
            self.pos += 1;
            return Ok(());
        }
        let mut index = 0u32;
        loop {
            self.skip_ws();
            self.scratch.positions.push((id, index));
            let result = self.value(Some(state), depth, visitor);
            self.scratch.positions.pop();
            result?;
            self.skip_ws();
            match self.input.get(self.pos) {
                Some(b',') => {
                    self.pos += 1;
                    index += 1;
                }
                Some(b']') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(self.unexpected()),
            }
        }
    }

    /// Skips one value without interpreting it: strings to their closing quote, containers to
    /// their matching bracket (mismatched brackets and the depth limit are still errors).
    fn skip_value(&mut self, depth: usize) -> Result<(), EventError> {
        match self.input.get(self.pos) {
            Some(b'"') => self.string().map(|_| ()),
            Some(b'{' | b'[') => {
                let mut stack: u128 = 0; // one bit per open bracket: 1 for `{`
                let mut open = 0usize;
                loop {
                    match self.input.get(self.pos) {
                        None => return Err(self.error(JsonErrorKind::UnexpectedEnd)),
                        Some(b'"') => {
                            self.string()?;
                            continue;
                        }
                        Some(&b @ (b'{' | b'[')) => {
                            open += 1;
                            if depth + open > self.max_depth + 1 || open > 127 {
                                return Err(self.error(JsonErrorKind::TooDeep {
                                    limit: self.max_depth,
                                }));
                            }
                            stack = (stack << 1) | u128::from(b == b'{');
                        }
                        Some(&b @ (b'}' | b']')) => {
                            if (stack & 1 == 1) != (b == b'}') {
                                return Err(self.unexpected());
                            }
                            stack >>= 1;
                            open -= 1;
                            if open == 0 {
                                self.pos += 1;
                                return Ok(());
                            }
                        }
                        Some(_) => {}
                    }
                    self.pos += 1;
                }
            }
            Some(b'-' | b'0'..=b'9') => {
                let end = scan_number(self.input, self.pos)
                    .ok_or_else(|| self.error(JsonErrorKind::InvalidNumber))?;
                self.pos = end;
                Ok(())
            }
            Some(b't') => self.literal(b"true", Value::True).map(|_| ()),
            Some(b'f') => self.literal(b"false", Value::False).map(|_| ()),
            Some(b'n') => self.literal(b"null", Value::Null).map(|_| ()),
            _ => Err(self.unexpected()),
        }
    }
}
