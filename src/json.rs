//! A small JSON reader that keeps what pattern semantics need and `serde_json` drops.
//!
//! Two properties of the input text matter to EventBridge semantics:
//!
//! * **Member order and duplicate keys.** AWS validates a pattern as a stream, so the first
//!   offending member *in document order* decides the error message, and a key that appears
//!   twice is processed twice. [`Json::Object`] is therefore a list of members, not a map.
//! * **The spelling of numbers.** A pattern number matches an event number either numerically
//!   (when both fit the comparable range) or literally, by its text. [`Json::Number`] keeps the
//!   text exactly as written.
//!
//! The reader is strict RFC 8259: no comments, no trailing commas, no leading zeros, no lone
//! surrogates in `\u` escapes, valid UTF-8 only, and nothing but white space after the value.
//! Nesting is bounded by [`ParseLimits::max_depth`], itself held under [`MAX_DEPTH`] whatever
//! the caller asks, so that hostile input cannot exhaust the stack.

use std::fmt;

/// A JSON value, with numbers as written and object members in document order.
///
/// ```
/// use evmatch::json::Json;
///
/// let doc = Json::parse(br#"{"statusCode": 200.0, "detail": {"condition": "Success"}}"#)?;
/// let Json::Object(members) = &doc else { panic!("not an object") };
/// assert_eq!(members[0], ("statusCode".to_string(), Json::Number("200.0".to_string())));
/// assert_eq!(members[1].1.type_name(), "object");
/// # Ok::<(), evmatch::json::JsonError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    /// `null`
    Null,
    /// `true` or `false`
    Bool(bool),
    /// A number, exactly as spelled in the input (`3e2`, `300.0`, `-0`).
    Number(String),
    /// A string, with escapes decoded.
    String(String),
    /// An array.
    Array(Vec<Json>),
    /// An object: members in document order, duplicates kept.
    Object(Vec<(String, Json)>),
}

/// Dropping a value takes its nested values apart one level at a time, from a list, rather than
/// recursing into them: a value built in code may nest deeper than any stack holds (the reader
/// refuses such input, but `Json` is an open enum).
///
/// As a type with `Drop`, a `Json` cannot be taken apart by moving out of a pattern: match a
/// reference, or `std::mem::take` the members or items out of a `&mut Json`.
///
/// ```
/// use evmatch::json::Json;
/// let mut deep = Json::Null;
/// for _ in 0..1_000_000 {
///     deep = Json::Array(vec![deep]);
/// }
/// drop(deep); // no stack overflow
/// ```
impl Drop for Json {
    fn drop(&mut self) {
        empty(self, DROP_RECURSION);
    }
}

/// How deep dropping a [`Json`] recurses before it goes on with a list: documents read from
/// text are at most [`MAX_DEPTH`] deep, but a `Json` built in code may nest deeper than any
/// stack holds. Rule patterns are a few levels deep: they drop without a list.
const DROP_RECURSION: usize = 64;

/// Frees what `value` holds, recursing at most `budget` levels, past which the rest goes on a
/// list; `value` is left empty, so its own drop does nothing more.
fn empty(value: &mut Json, budget: usize) {
    let nested = |value: &Json| match value {
        Json::Array(items) => !items.is_empty(),
        Json::Object(members) => !members.is_empty(),
        _ => false,
    };
    if budget > 0 {
        // Each child is emptied first, so that dropping it recurses no further.
        match value {
            Json::Array(items) => {
                for item in items.iter_mut().filter(|item| nested(item)) {
                    empty(item, budget - 1);
                }
                items.clear();
            }
            Json::Object(members) => {
                for (_, member) in members.iter_mut().filter(|(_, member)| nested(member)) {
                    empty(member, budget - 1);
                }
                members.clear();
            }
            _ => {}
        }
        return;
    }
    let mut pending: Vec<Json> = match value {
        Json::Array(items) if items.iter().any(nested) => std::mem::take(items),
        Json::Object(members) if members.iter().any(|(_, v)| nested(v)) => {
            members.drain(..).map(|(_, value)| value).collect()
        }
        _ => return,
    };
    while let Some(mut value) = pending.pop() {
        match &mut value {
            Json::Array(items) => pending.append(items),
            Json::Object(members) => pending.extend(members.drain(..).map(|(_, v)| v)),
            _ => {}
        }
        // `value` is now a scalar or an empty container: dropping it recurses no further.
    }
}

impl Json {
    /// Parses one JSON document with the default limits.
    ///
    /// ```
    /// use evmatch::json::Json;
    /// let doc = Json::parse(br#"{"n": 3e2, "n": "again"}"#).unwrap();
    /// let Json::Object(members) = &doc else { panic!() };
    /// assert_eq!(members[0], ("n".to_string(), Json::Number("3e2".to_string())));
    /// assert_eq!(members.len(), 2);
    /// ```
    pub fn parse(input: &[u8]) -> Result<Json, JsonError> {
        Json::parse_with(input, &ParseLimits::default())
    }

    /// Parses one JSON document with the given limits.
    ///
    /// ```
    /// use evmatch::json::{Json, JsonErrorKind, ParseLimits};
    ///
    /// let limits = ParseLimits { max_depth: 2, ..ParseLimits::default() };
    /// assert!(Json::parse_with(b"[[1]]", &limits).is_ok());
    /// let err = Json::parse_with(b"[[[1]]]", &limits).unwrap_err();
    /// assert_eq!(err.kind(), &JsonErrorKind::TooDeep { limit: 2 });
    /// ```
    pub fn parse_with(input: &[u8], limits: &ParseLimits) -> Result<Json, JsonError> {
        let mut reader = Reader::start(input, limits)?;
        let value = reader.value(0)?;
        reader.skip_ws();
        if reader.pos != input.len() {
            return Err(reader.error(JsonErrorKind::TrailingCharacters));
        }
        Ok(value)
    }

    /// Reads a document that must be an object, handing each member to `visit` as it is read
    /// rather than building the whole tree: a file of a million rules is then held one rule at
    /// a time. Returns `Ok(false)`, having visited nothing, when the document is valid JSON
    /// but not an object. Errors are those of [`Json::parse_with`], at the same places.
    ///
    /// `visit` gets each member's key, its value, and the byte offset of the key's opening
    /// quote (to report a problem with the member where it stands).
    pub(crate) fn for_each_member<E>(
        input: &[u8],
        limits: &ParseLimits,
        visit: &mut dyn FnMut(String, Json, usize) -> Result<(), E>,
    ) -> Result<Result<bool, E>, JsonError> {
        let mut reader = Reader::start(input, limits)?;
        if input[reader.pos] != b'{' {
            reader.value(0)?;
            reader.skip_ws();
            if reader.pos != input.len() {
                return Err(reader.error(JsonErrorKind::TrailingCharacters));
            }
            return Ok(Ok(false));
        }
        let mut outcome = Ok(true);
        reader.members(1, &mut |key, value, at| {
            if outcome.is_ok() {
                if let Err(e) = visit(key, value, at) {
                    // The rest is still read: a syntax error after it comes first.
                    outcome = Err(e);
                }
            }
        })?;
        reader.skip_ws();
        if reader.pos != input.len() {
            return Err(reader.error(JsonErrorKind::TrailingCharacters));
        }
        Ok(outcome)
    }

    /// The value of an object's member `key`: the last one when the key is repeated (as a map
    /// built from the object would keep it). `None` for a missing key or a value that is not an
    /// object.
    ///
    /// ```
    /// use evmatch::json::Json;
    /// let doc = Json::parse(br#"{"condition": "Success", "condition": "RetriesExhausted"}"#)?;
    /// assert_eq!(doc.get("condition"), Some(&Json::String("RetriesExhausted".into())));
    /// assert_eq!(doc.get("requestId"), None);
    /// # Ok::<(), evmatch::json::JsonError>(())
    /// ```
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(members) => members.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// A short name of the value's JSON type, as used in error messages.
    ///
    /// ```
    /// use evmatch::json::Json;
    ///
    /// assert_eq!(Json::parse(b"3e2")?.type_name(), "number");
    /// assert_eq!(Json::parse(br#"{"source": "lambda"}"#)?.type_name(), "object");
    /// assert_eq!(Json::Null.type_name(), "null");
    /// # Ok::<(), evmatch::json::JsonError>(())
    /// ```
    pub fn type_name(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "boolean",
            Json::Number(_) => "number",
            Json::String(_) => "string",
            Json::Array(_) => "array",
            Json::Object(_) => "object",
        }
    }

    /// Converts a `serde_json` value. Numbers keep `serde_json`'s own spelling of them.
    ///
    /// ```
    /// use evmatch::json::Json;
    ///
    /// let value = serde_json::json!({"detail": {"requestContext": {"condition": "Success"}}});
    /// let doc = Json::from_serde(&value);
    /// assert_eq!(doc.to_string(), r#"{"detail":{"requestContext":{"condition":"Success"}}}"#);
    /// // `serde_json` has already read 2.50 as 2.5: that spelling is the one kept.
    /// assert_eq!(Json::from_serde(&serde_json::json!(2.50)), Json::Number("2.5".to_string()));
    /// ```
    pub fn from_serde(value: &serde_json::Value) -> Json {
        match value {
            serde_json::Value::Null => Json::Null,
            serde_json::Value::Bool(b) => Json::Bool(*b),
            serde_json::Value::Number(n) => Json::Number(n.to_string()),
            serde_json::Value::String(s) => Json::String(s.clone()),
            serde_json::Value::Array(items) => {
                Json::Array(items.iter().map(Json::from_serde).collect())
            }
            serde_json::Value::Object(map) => Json::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), Json::from_serde(v)))
                    .collect(),
            ),
        }
    }
}

/// Writes compact JSON text; numbers keep their spelling.
///
/// ```
/// use evmatch::json::Json;
/// let doc = Json::parse(br#"{ "a": [1.50, "x\ny", null] }"#).unwrap();
/// assert_eq!(doc.to_string(), r#"{"a":[1.50,"x\ny",null]}"#);
/// ```
impl fmt::Display for Json {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Json::Null => f.write_str("null"),
            Json::Bool(b) => write!(f, "{b}"),
            Json::Number(text) => f.write_str(text),
            Json::String(s) => write_string(f, s),
            Json::Array(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    item.fmt(f)?;
                }
                f.write_str("]")
            }
            Json::Object(members) => {
                f.write_str("{")?;
                for (i, (key, value)) in members.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write_string(f, key)?;
                    f.write_str(":")?;
                    value.fmt(f)?;
                }
                f.write_str("}")
            }
        }
    }
}

/// Writes `s` as a JSON string literal.
///
/// ```
/// use evmatch::json::write_string;
///
/// let mut out = String::new();
/// write_string(&mut out, "say \"hi\"\n")?;
/// assert_eq!(out, r#""say \"hi\"\n""#);
/// # Ok::<(), std::fmt::Error>(())
/// ```
pub fn write_string(out: &mut impl fmt::Write, s: &str) -> fmt::Result {
    out.write_char('"')?;
    let mut rest = s;
    // Runs of characters that need no escape are written whole.
    while let Some(at) = rest
        .bytes()
        .position(|b| b == b'"' || b == b'\\' || b < 0x20)
    {
        out.write_str(&rest[..at])?;
        match rest.as_bytes()[at] {
            b'"' => out.write_str("\\\"")?,
            b'\\' => out.write_str("\\\\")?,
            b'\n' => out.write_str("\\n")?,
            b'\r' => out.write_str("\\r")?,
            b'\t' => out.write_str("\\t")?,
            b => write!(out, "\\u{:04x}", b)?,
        }
        rest = &rest[at + 1..];
    }
    out.write_str(rest)?;
    out.write_char('"')
}

/// The deepest nesting [`Json::parse_with`] reads, whatever [`ParseLimits::max_depth`] asks.
///
/// The reader recurses once per level of nesting, and so does whatever walks the tree it
/// builds (writing it, comparing it, a pattern's validation). A debug build takes about 1.6 KiB
/// of stack per level of objects, so 512 levels hold in 0.8 MiB: within the 2 MiB that a
/// spawned thread gets by default, with room to spare for the caller's frames. A larger
/// `max_depth` is clamped to this, and the error names the limit that was applied.
///
/// ```
/// use evmatch::json::{Json, JsonErrorKind, ParseLimits, MAX_DEPTH};
///
/// let unlimited = ParseLimits { max_depth: usize::MAX, max_size: usize::MAX };
/// let deep = "[".repeat(1_000_000);
/// let err = Json::parse_with(deep.as_bytes(), &unlimited).unwrap_err();
/// assert_eq!(err.kind(), &JsonErrorKind::TooDeep { limit: MAX_DEPTH });
/// ```
pub const MAX_DEPTH: usize = 512;

/// Bounds on what [`Json::parse_with`] accepts.
///
/// ```
/// use evmatch::json::{Json, JsonErrorKind, ParseLimits};
///
/// assert_eq!(ParseLimits::default().max_depth, 128);
/// let limits = ParseLimits { max_size: 8, ..ParseLimits::default() };
/// let err = Json::parse_with(br#"{"source": "lambda"}"#, &limits).unwrap_err();
/// assert_eq!(err.kind(), &JsonErrorKind::TooLarge { limit: 8 });
/// ```
#[derive(Clone, Debug)]
pub struct ParseLimits {
    /// Deepest nesting of arrays and objects. Default: 128; at most [`MAX_DEPTH`] (a larger
    /// value is clamped to it).
    pub max_depth: usize,
    /// Largest input in bytes. Default: 16 MiB.
    pub max_size: usize,
}

impl Default for ParseLimits {
    fn default() -> Self {
        ParseLimits {
            max_depth: 128,
            max_size: 16 << 20,
        }
    }
}

/// Why a JSON text was rejected, and where.
///
/// ```
/// use evmatch::json::{Json, JsonErrorKind};
///
/// let err = Json::parse(b"{\n  \"source\": lambda\n}").unwrap_err();
/// assert_eq!(err.kind(), &JsonErrorKind::UnexpectedCharacter('l'));
/// assert_eq!((err.line(), err.column()), (2, 13));
/// assert_eq!(err.to_string(), "unexpected character 'l' at line 2 column 13");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonError {
    kind: JsonErrorKind,
    offset: usize,
    line: usize,
    column: usize,
}

/// The kinds of [`JsonError`].
///
/// ```
/// use evmatch::json::{Json, JsonErrorKind};
///
/// let kind = |text: &[u8]| Json::parse(text).unwrap_err().kind().clone();
/// assert_eq!(kind(b""), JsonErrorKind::Empty);
/// assert_eq!(kind(b"[1, 2"), JsonErrorKind::UnexpectedEnd);
/// assert_eq!(kind(b"[1, 2,]"), JsonErrorKind::UnexpectedCharacter(']'));
/// assert_eq!(kind(b"{} {}"), JsonErrorKind::TrailingCharacters);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum JsonErrorKind {
    /// The input holds no value at all.
    Empty,
    /// The input ended inside a value.
    UnexpectedEnd,
    /// A byte that cannot start or continue the value here.
    UnexpectedCharacter(char),
    /// A number that does not follow the JSON grammar.
    InvalidNumber,
    /// A bad `\` escape in a string.
    InvalidEscape,
    /// A `\u` escape for half of a surrogate pair without its other half.
    LoneSurrogate,
    /// A raw control character inside a string.
    ControlCharacterInString,
    /// Bytes that are not UTF-8.
    InvalidUtf8,
    /// Nesting deeper than the limit.
    TooDeep {
        /// The limit in force.
        limit: usize,
    },
    /// Input larger than the limit.
    TooLarge {
        /// The limit in force, in bytes.
        limit: usize,
    },
    /// Something other than white space after the value.
    TrailingCharacters,
}

impl JsonError {
    pub(crate) fn new(kind: JsonErrorKind, input: &[u8], offset: usize) -> JsonError {
        let before = &input[..offset.min(input.len())];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let column = offset
            - before
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |p| p + 1)
            + 1;
        JsonError {
            kind,
            offset,
            line,
            column,
        }
    }

    /// What is wrong.
    ///
    /// ```
    /// use evmatch::json::{Json, JsonErrorKind};
    ///
    /// let err = Json::parse(br#"{"condition": "Success\x"}"#).unwrap_err();
    /// assert_eq!(err.kind(), &JsonErrorKind::InvalidEscape);
    /// assert_eq!(err.kind().to_string(), "invalid escape in string");
    /// ```
    pub fn kind(&self) -> &JsonErrorKind {
        &self.kind
    }

    /// Byte offset of the problem in the input.
    ///
    /// ```
    /// use evmatch::json::Json;
    ///
    /// let err = Json::parse(b"{} {}").unwrap_err();
    /// assert_eq!(err.offset(), 3); // the second `{`
    /// ```
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// Line (from 1) of the problem.
    ///
    /// ```
    /// use evmatch::json::Json;
    ///
    /// let err = Json::parse(b"{\n  \"source\": \"lambda\",\n}").unwrap_err();
    /// assert_eq!(err.line(), 3); // the `}` after a trailing comma
    /// ```
    pub fn line(&self) -> usize {
        self.line
    }

    /// Column (from 1, in bytes) of the problem.
    ///
    /// ```
    /// use evmatch::json::{Json, JsonErrorKind};
    ///
    /// // No leading zeros in JSON: the number ends at `0`, and the `1` is out of place.
    /// let err = Json::parse(br#"{"statusCode": 01}"#).unwrap_err();
    /// assert_eq!(err.kind(), &JsonErrorKind::UnexpectedCharacter('1'));
    /// assert_eq!(err.column(), 17);
    /// ```
    pub fn column(&self) -> usize {
        self.column
    }
}

impl fmt::Display for JsonErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JsonErrorKind::Empty => f.write_str("no JSON value in input"),
            JsonErrorKind::UnexpectedEnd => f.write_str("unexpected end of input"),
            JsonErrorKind::UnexpectedCharacter(c) => write!(f, "unexpected character {c:?}"),
            JsonErrorKind::InvalidNumber => f.write_str("invalid number"),
            JsonErrorKind::InvalidEscape => f.write_str("invalid escape in string"),
            JsonErrorKind::LoneSurrogate => f.write_str("lone surrogate in \\u escape"),
            JsonErrorKind::ControlCharacterInString => {
                f.write_str("control character in string must be escaped")
            }
            JsonErrorKind::InvalidUtf8 => f.write_str("invalid UTF-8"),
            JsonErrorKind::TooDeep { limit } => write!(f, "nesting deeper than {limit} levels"),
            JsonErrorKind::TooLarge { limit } => write!(f, "input larger than {limit} bytes"),
            JsonErrorKind::TrailingCharacters => {
                f.write_str("trailing characters after JSON value")
            }
        }
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at line {} column {}",
            self.kind, self.line, self.column
        )
    }
}

impl std::error::Error for JsonError {}

/// The string that starts at byte `at` of `input` (an object's key, where a reader found it),
/// decoded; `None` if no string starts there.
pub(crate) fn key_at(input: &[u8], at: usize) -> Option<String> {
    let limits = ParseLimits::default();
    let mut reader = Reader {
        input,
        pos: at,
        limits: &limits,
    };
    if input.get(at) != Some(&b'"') {
        return None;
    }
    reader.string().ok()
}

struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
    limits: &'a ParseLimits,
}

impl<'a> Reader<'a> {
    /// A reader at the first value of `input`, which must be within the size limit and hold
    /// more than white space.
    fn start(input: &'a [u8], limits: &'a ParseLimits) -> Result<Reader<'a>, JsonError> {
        if input.len() > limits.max_size {
            return Err(JsonError::new(
                JsonErrorKind::TooLarge {
                    limit: limits.max_size,
                },
                input,
                0,
            ));
        }
        let mut reader = Reader {
            input,
            pos: 0,
            limits,
        };
        reader.skip_ws();
        if reader.pos == input.len() {
            return Err(reader.error(JsonErrorKind::Empty));
        }
        Ok(reader)
    }

    fn error(&self, kind: JsonErrorKind) -> JsonError {
        JsonError::new(kind, self.input, self.pos)
    }

    fn unexpected(&self) -> JsonError {
        match self.input.get(self.pos) {
            None => self.error(JsonErrorKind::UnexpectedEnd),
            Some(_) => {
                let c = std::str::from_utf8(&self.input[self.pos..])
                    .ok()
                    .and_then(|s| s.chars().next())
                    .unwrap_or(char::REPLACEMENT_CHARACTER);
                self.error(JsonErrorKind::UnexpectedCharacter(c))
            }
        }
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.input.get(self.pos) {
            self.pos += 1;
        }
    }

    fn expect_literal(&mut self, literal: &[u8], value: Json) -> Result<Json, JsonError> {
        if self.input[self.pos..].starts_with(literal) {
            self.pos += literal.len();
            Ok(value)
        } else {
            Err(self.unexpected())
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, JsonError> {
        match self.input.get(self.pos) {
            None => Err(self.error(JsonErrorKind::UnexpectedEnd)),
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'"') => Ok(Json::String(self.string()?)),
            Some(b't') => self.expect_literal(b"true", Json::Bool(true)),
            Some(b'f') => self.expect_literal(b"false", Json::Bool(false)),
            Some(b'n') => self.expect_literal(b"null", Json::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.unexpected()),
        }
    }

    fn enter(&self, depth: usize) -> Result<(), JsonError> {
        let limit = self.limits.max_depth.min(MAX_DEPTH);
        if depth > limit {
            Err(self.error(JsonErrorKind::TooDeep { limit }))
        } else {
            Ok(())
        }
    }

    fn object(&mut self, depth: usize) -> Result<Json, JsonError> {
        let mut members = Vec::new();
        self.members(depth, &mut |key, value, _| members.push((key, value)))?;
        Ok(Json::Object(members))
    }

    /// Reads the object at the reader's `{`, handing each member to `visit` as it is read,
    /// with the offset of its key.
    fn members(
        &mut self,
        depth: usize,
        visit: &mut dyn FnMut(String, Json, usize),
    ) -> Result<(), JsonError> {
        self.enter(depth)?;
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
            let at = self.pos;
            let key = self.string()?;
            self.skip_ws();
            if self.input.get(self.pos) != Some(&b':') {
                return Err(self.unexpected());
            }
            self.pos += 1;
            self.skip_ws();
            let value = self.value(depth)?;
            visit(key, value, at);
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

    fn array(&mut self, depth: usize) -> Result<Json, JsonError> {
        self.enter(depth)?;
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.input.get(self.pos) == Some(&b']') {
            self.pos += 1;
            return Ok(Json::Array(items));
        }
        loop {
            self.skip_ws();
            items.push(self.value(depth)?);
            self.skip_ws();
            match self.input.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Json::Array(items));
                }
                _ => return Err(self.unexpected()),
            }
        }
    }

    fn number(&mut self) -> Result<Json, JsonError> {
        let start = self.pos;
        let end = scan_number(self.input, start)
            .ok_or_else(|| JsonError::new(JsonErrorKind::InvalidNumber, self.input, start))?;
        self.pos = end;
        // The grammar admits ASCII only, so this cannot fail.
        let text = std::str::from_utf8(&self.input[start..end]).unwrap_or_default();
        Ok(Json::Number(text.to_string()))
    }

    fn string(&mut self) -> Result<String, JsonError> {
        let start = self.pos;
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            let run_start = self.pos;
            while let Some(&b) = self.input.get(self.pos) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            let run = &self.input[run_start..self.pos];
            // A run ends at a quote, a backslash or a control character, all ASCII, so it holds
            // whole characters: checked on its own, a fault is reported at its byte.
            if let Err(e) = std::str::from_utf8(run) {
                let at = run_start + e.valid_up_to();
                return Err(JsonError::new(JsonErrorKind::InvalidUtf8, self.input, at));
            }
            out.extend_from_slice(run);
            match self.input.get(self.pos) {
                None => return Err(self.error(JsonErrorKind::UnexpectedEnd)),
                Some(b'"') => {
                    self.pos += 1;
                    return String::from_utf8(out).map_err(|_| {
                        JsonError::new(JsonErrorKind::InvalidUtf8, self.input, start)
                    });
                }
                Some(b'\\') => {
                    // A bad escape is reported where it starts (a lone surrogate too, which is
                    // found only past its six bytes).
                    let at = self.pos;
                    let c = decode_escape(self.input, &mut self.pos)
                        .map_err(|kind| JsonError::new(kind, self.input, at))?;
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
                Some(_) => return Err(self.error(JsonErrorKind::ControlCharacterInString)),
            }
        }
    }
}

/// Returns the end of the JSON number starting at `start`, or `None` if the text there is not a
/// number by the JSON grammar.
pub(crate) fn scan_number(input: &[u8], start: usize) -> Option<usize> {
    use crate::number::digit_run;
    let mut i = start;
    if input.get(i) == Some(&b'-') {
        i += 1;
    }
    match input.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i += digit_run(input, i),
        _ => return None,
    }
    if input.get(i) == Some(&b'.') {
        let n = digit_run(input, i + 1);
        if n == 0 {
            return None;
        }
        i += 1 + n;
    }
    if let Some(b'e' | b'E') = input.get(i) {
        i += 1;
        if let Some(b'+' | b'-') = input.get(i) {
            i += 1;
        }
        let n = digit_run(input, i);
        if n == 0 {
            return None;
        }
        i += n;
    }
    Some(i)
}

/// Decodes the escape sequence whose backslash is at `*pos`, advancing `*pos` past it.
pub(crate) fn decode_escape(input: &[u8], pos: &mut usize) -> Result<char, JsonErrorKind> {
    let code = |at: usize| -> Result<u32, JsonErrorKind> {
        let hex = input.get(at..at + 4).ok_or(JsonErrorKind::UnexpectedEnd)?;
        let mut value = 0u32;
        for &h in hex {
            let d = (h as char)
                .to_digit(16)
                .ok_or(JsonErrorKind::InvalidEscape)?;
            value = value * 16 + d;
        }
        Ok(value)
    };
    let c = match input.get(*pos + 1) {
        None => return Err(JsonErrorKind::UnexpectedEnd),
        Some(b'"') => '"',
        Some(b'\\') => '\\',
        Some(b'/') => '/',
        Some(b'b') => '\u{8}',
        Some(b'f') => '\u{c}',
        Some(b'n') => '\n',
        Some(b'r') => '\r',
        Some(b't') => '\t',
        Some(b'u') => {
            let first = code(*pos + 2)?;
            *pos += 6;
            return match first {
                0xD800..=0xDBFF => {
                    if input.get(*pos..*pos + 2) != Some(b"\\u") {
                        return Err(JsonErrorKind::LoneSurrogate);
                    }
                    let second = code(*pos + 2)?;
                    if !(0xDC00..=0xDFFF).contains(&second) {
                        return Err(JsonErrorKind::LoneSurrogate);
                    }
                    *pos += 6;
                    let scalar = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
                    char::from_u32(scalar).ok_or(JsonErrorKind::LoneSurrogate)
                }
                0xDC00..=0xDFFF => Err(JsonErrorKind::LoneSurrogate),
                _ => char::from_u32(first).ok_or(JsonErrorKind::InvalidEscape),
            };
        }
        Some(_) => return Err(JsonErrorKind::InvalidEscape),
    };
    *pos += 2;
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(input: &str) -> JsonErrorKind {
        Json::parse(input.as_bytes()).unwrap_err().kind().clone()
    }

    #[test]
    fn written_strings_read_back_as_themselves() {
        let mut texts: Vec<String> = (0u8..0x80).map(|b| format!("a{}b", b as char)).collect();
        texts.extend(
            [
                "",
                "plain",
                "\"\"",
                "\\\\",
                "é€😀\u{7f}",
                "end\\",
                "\"start",
                "\u{1}\u{1f}",
            ]
            .map(String::from),
        );
        for text in texts {
            let mut out = String::new();
            write_string(&mut out, &text).unwrap();
            assert!(out.bytes().all(|b| b >= 0x20), "{out:?}");
            assert_eq!(
                Json::parse(out.as_bytes()).unwrap(),
                Json::String(text.clone())
            );
        }
        let mut out = String::new();
        write_string(&mut out, "tab\there \u{1}").unwrap();
        assert_eq!(out, r#""tab\there \u0001""#);
    }

    #[test]
    fn keeps_number_spelling_and_member_order() {
        let v = Json::parse(br#"{"b": 1.50, "a": -0, "b": 3E+2}"#).unwrap();
        assert_eq!(
            v,
            Json::Object(vec![
                ("b".into(), Json::Number("1.50".into())),
                ("a".into(), Json::Number("-0".into())),
                ("b".into(), Json::Number("3E+2".into())),
            ])
        );
    }

    #[test]
    fn decodes_escapes_and_surrogate_pairs() {
        let v = Json::parse(br#""a\"\\\/\n\u00e9\ud83d\ude80""#).unwrap();
        assert_eq!(v, Json::String("a\"\\/\n\u{e9}\u{1F680}".into()));
    }

    #[test]
    fn rejects_malformed_input() {
        assert_eq!(err(""), JsonErrorKind::Empty);
        assert_eq!(err("  "), JsonErrorKind::Empty);
        assert_eq!(err("{"), JsonErrorKind::UnexpectedEnd);
        assert_eq!(err("[1,]"), JsonErrorKind::UnexpectedCharacter(']'));
        assert_eq!(err("01"), JsonErrorKind::TrailingCharacters);
        assert_eq!(err("1."), JsonErrorKind::InvalidNumber);
        assert_eq!(err("-"), JsonErrorKind::InvalidNumber);
        assert_eq!(err("{} x"), JsonErrorKind::TrailingCharacters);
        assert_eq!(err(r#""\ud800""#), JsonErrorKind::LoneSurrogate);
        assert_eq!(err(r#""\udc00""#), JsonErrorKind::LoneSurrogate);
        assert_eq!(err(r#""\x""#), JsonErrorKind::InvalidEscape);
        assert_eq!(err("\"a\tb\""), JsonErrorKind::ControlCharacterInString);
        assert_eq!(err("tru"), JsonErrorKind::UnexpectedCharacter('t'));
    }

    #[test]
    fn rejects_invalid_utf8() {
        let e = Json::parse(b"\"ab\xff\"").unwrap_err();
        assert_eq!(e.kind(), &JsonErrorKind::InvalidUtf8);
    }

    #[test]
    fn bounds_nesting_depth() {
        let deep = "[".repeat(100_000);
        assert_eq!(err(&deep), JsonErrorKind::TooDeep { limit: 128 });
        let ok = format!("{}{}", "[".repeat(128), "]".repeat(128));
        assert!(Json::parse(ok.as_bytes()).is_ok());
        let over = format!("{}{}", "[".repeat(129), "]".repeat(129));
        assert_eq!(err(&over), JsonErrorKind::TooDeep { limit: 128 });
    }

    #[test]
    fn writes_what_it_reads() {
        let text = r#"{"a":[1.50,-0,3E+2],"b\"c":"\u0001\\\t","a":{"x":null,"y":true}}"#;
        let v = Json::parse(text.as_bytes()).unwrap();
        assert_eq!(Json::parse(v.to_string().as_bytes()).unwrap(), v);
        assert_eq!(
            v.to_string(),
            r#"{"a":[1.50,-0,3E+2],"b\"c":"\u0001\\\t","a":{"x":null,"y":true}}"#
        );
    }

    #[test]
    fn reports_line_and_column() {
        let e = Json::parse(b"{\n  \"a\": ?\n}").unwrap_err();
        assert_eq!((e.line(), e.column()), (2, 8));
        assert_eq!(e.to_string(), "unexpected character '?' at line 2 column 8");
    }
}
