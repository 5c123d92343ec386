//! Numbers as EventBridge compares them.
//!
//! AWS compares numbers as fixed-point decimals: a JSON number takes part in numeric matching
//! when, written without trailing zeros, it has at most six digits after the decimal point and
//! lies within ±5.0e9 (the range AWS documents). Such a number becomes a [`ComparableNumber`], an `i64` counting
//! millionths, so `300`, `300.0` and `3e2` are the same value and comparisons are exact (no
//! binary floating point is involved anywhere).
//!
//! A number outside that domain is still a number: a pattern's exact number matches it by its
//! spelling (an AWS account number such as `123456789012` works that way), but it never takes
//! part in `numeric` ranges. Where a pattern *requires* a comparable number (`numeric`,
//! `anything-but` with numbers), a number outside the domain is an error with AWS's message.

use std::fmt;

/// Digits kept after the decimal point.
///
/// ```
/// use evmatch::number::ComparableNumber;
///
/// assert!(ComparableNumber::parse("0.000001").is_ok());
/// assert!(ComparableNumber::parse("0.0000001").is_err());
/// assert!(ComparableNumber::parse("0.1000000").is_ok()); // trailing zeros do not count
/// ```
pub const DECIMAL_PLACES: u32 = 6;

/// The largest magnitude that compares numerically: 5.0e9.
///
/// ```
/// use evmatch::number::{ComparableNumber, MAX_MAGNITUDE};
///
/// assert_eq!(ComparableNumber::parse("5e9")?, ComparableNumber::MAX);
/// assert_eq!(ComparableNumber::MAX.to_string(), MAX_MAGNITUDE.to_string());
/// assert!(ComparableNumber::parse("5000000001").is_err());
/// # Ok::<(), evmatch::number::NumberError>(())
/// ```
pub const MAX_MAGNITUDE: i64 = 5_000_000_000;

const SCALE: i64 = 1_000_000;
const MAX_SCALED: i64 = MAX_MAGNITUDE * SCALE;

/// A number in the comparable domain, in millionths.
///
/// ```
/// use evmatch::number::ComparableNumber;
/// let a = ComparableNumber::parse("300").unwrap();
/// let b = ComparableNumber::parse("3e2").unwrap();
/// let c = ComparableNumber::parse("300.000000").unwrap();
/// assert!(a == b && b == c);
/// assert!(ComparableNumber::parse("0.1234567").is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ComparableNumber(i64);

/// Why a number is outside the comparable domain. `Display` renders AWS's reason.
///
/// ```
/// use evmatch::{number::NumberError, pattern::ErrorKind, Pattern};
///
/// let err = Pattern::parse(r#"{"detail": {"total": [{"numeric": [">", 6e9]}]}}"#).unwrap_err();
/// assert_eq!(err.kind(), &ErrorKind::Number(NumberError::OutOfRange));
/// assert_eq!(err.reason(), "Value must be between -5.0E9 and 5.0E9, inclusive");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumberError {
    /// More than six digits after the decimal point.
    TooManyDecimals,
    /// Magnitude above 5.0e9.
    OutOfRange,
    /// So large that AWS's fixed-point conversion overflows before the range check.
    Overflow,
    /// Not a JSON number at all.
    NotANumber,
}

impl fmt::Display for NumberError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NumberError::TooManyDecimals => {
                f.write_str("Only values upto 6 decimals are supported")
            }
            NumberError::OutOfRange => {
                f.write_str("Value must be between -5.0E9 and 5.0E9, inclusive")
            }
            NumberError::Overflow => f.write_str("Overflow"),
            NumberError::NotANumber => f.write_str("Value is not a number"),
        }
    }
}

impl std::error::Error for NumberError {}

impl ComparableNumber {
    /// The smallest comparable number, -5.0e9.
    ///
    /// ```
    /// use evmatch::number::ComparableNumber;
    ///
    /// assert_eq!(ComparableNumber::parse("-5e9")?, ComparableNumber::MIN);
    /// assert!(ComparableNumber::MIN < ComparableNumber::parse("-4999999999.999999")?);
    /// # Ok::<(), evmatch::number::NumberError>(())
    /// ```
    pub const MIN: ComparableNumber = ComparableNumber(-MAX_SCALED);
    /// The largest comparable number, 5.0e9.
    ///
    /// ```
    /// use evmatch::number::{ComparableNumber, NumberError};
    ///
    /// assert_eq!(ComparableNumber::parse("5000000000.000000")?, ComparableNumber::MAX);
    /// assert_eq!(ComparableNumber::parse("5000000000.000001"), Err(NumberError::OutOfRange));
    /// # Ok::<(), NumberError>(())
    /// ```
    pub const MAX: ComparableNumber = ComparableNumber(MAX_SCALED);

    /// Zero (`0`, `-0`, `0.0`, `0e5`: one value).
    pub(crate) const ZERO: ComparableNumber = ComparableNumber(0);

    /// Above every number of the domain, [`ComparableNumber::MAX`] included: padding for
    /// tables of numbers that no value reaches.
    pub(crate) const ABOVE_ALL: ComparableNumber = ComparableNumber(i64::MAX);

    /// Parses the text of a JSON number.
    ///
    /// ```
    /// use evmatch::number::{ComparableNumber, NumberError};
    ///
    /// let n = ComparableNumber::parse("-1.5")?;
    /// assert_eq!(n, ComparableNumber::parse("-15e-1")?);
    /// assert!(n < ComparableNumber::parse("0")?);
    /// assert_eq!(ComparableNumber::parse("1.2.3"), Err(NumberError::NotANumber));
    /// # Ok::<(), NumberError>(())
    /// ```
    pub fn parse(text: &str) -> Result<ComparableNumber, NumberError> {
        Self::parse_bytes(text.as_bytes())
    }

    /// Parses the bytes of a JSON number, as they appear in an event.
    ///
    /// ```
    /// use evmatch::number::ComparableNumber;
    ///
    /// let event = br#"{"statusCode": 200}"#;
    /// let status = ComparableNumber::parse_bytes(&event[15..18])?;
    /// assert_eq!(status, ComparableNumber::parse("2e2")?);
    /// # Ok::<(), evmatch::number::NumberError>(())
    /// ```
    pub fn parse_bytes(text: &[u8]) -> Result<ComparableNumber, NumberError> {
        match Self::parse_plain(text) {
            Some(outcome) => outcome,
            None => Self::parse_general(text),
        }
    }

    /// Any JSON number, in the comparable domain or not.
    fn parse_general(text: &[u8]) -> Result<ComparableNumber, NumberError> {
        if crate::json::scan_number(text, 0) != Some(text.len()) {
            return Err(NumberError::NotANumber);
        }
        let (negative, rest) = match text.split_first() {
            Some((b'-', rest)) => (true, rest),
            _ => (false, text),
        };
        let exp_at = rest.iter().position(|&b| b == b'e' || b == b'E');
        let (mantissa, exponent) = match exp_at {
            Some(at) => (&rest[..at], parse_exponent(&rest[at + 1..])),
            None => (rest, 0),
        };
        let (int_part, frac_part) = match mantissa.iter().position(|&b| b == b'.') {
            Some(dot) => (&mantissa[..dot], &mantissa[dot + 1..]),
            None => (mantissa, &mantissa[mantissa.len()..]),
        };
        // The value is `digits × 10^exp10`, with `digits` free of leading and trailing zeros.
        let all = || int_part.iter().chain(frac_part.iter()).copied();
        let count = int_part.len() + frac_part.len();
        let first = all().position(|d| d != b'0');
        let Some(first) = first else {
            return Ok(ComparableNumber(0));
        };
        let last = count - 1 - all().rev().position(|d| d != b'0').unwrap_or(0);
        let trailing_zeros = (count - 1 - last) as i64;
        let digits = || all().skip(first).take(last + 1 - first);
        let exp10 = exponent
            .saturating_sub(frac_part.len() as i64)
            .saturating_add(trailing_zeros);
        if exp10 < -(DECIMAL_PLACES as i64) {
            return Err(NumberError::TooManyDecimals);
        }
        // Shifting by six places makes the value an integer: digits × 10^(exp10 + 6).
        let shift = exp10.saturating_add(DECIMAL_PLACES as i64);
        let magnitude_digits = shift.saturating_add((last + 1 - first) as i64);
        if magnitude_digits > 19 {
            return Err(NumberError::Overflow);
        }
        let mut value: u128 = 0;
        for d in digits() {
            value = value * 10 + u128::from(d - b'0');
        }
        value *= 10u128.pow(shift as u32);
        if value > i64::MAX as u128 {
            return Err(NumberError::Overflow);
        }
        if value > MAX_SCALED as u128 {
            return Err(NumberError::OutOfRange);
        }
        let value = value as i64;
        Ok(ComparableNumber(if negative { -value } else { value }))
    }

    /// Reads the JSON number that starts at `input[start]` and classifies it in the same pass:
    /// its end, and its value when it is comparable. `None` when no valid number starts there.
    ///
    /// This is the scanner's reader: event numbers are mostly plain decimals, and reading the
    /// digits once (instead of once to find the end and again to convert) halves their cost.
    #[inline]
    pub(crate) fn lex(input: &[u8], start: usize) -> Option<(usize, Option<ComparableNumber>)> {
        Self::lex_short(input, start).unwrap_or_else(|| Self::lex_any(input, start))
    }

    /// [`ComparableNumber::lex`] for the spellings events are made of, `-?int(.frac)?` with at
    /// most seven integer digits and the number's bytes in reach of whole words: `None` leaves
    /// the number to [`ComparableNumber::lex_any`]. Two or three word reads replace a branch
    /// per digit.
    #[inline(always)]
    fn lex_short(input: &[u8], start: usize) -> Option<Option<(usize, Option<ComparableNumber>)>> {
        let negative = *input.get(start)? == b'-';
        let int_start = start + usize::from(negative);
        let int_digits = leading_digits(word_at(input, int_start)?);
        if int_digits == 0 || int_digits == 8 || (int_digits > 1 && input[int_start] == b'0') {
            return None;
        }
        let mut end = int_start + int_digits;
        let mut fraction = &input[end..end];
        if input.get(end) == Some(&b'.') {
            let word = word_at(input, end + 1)?;
            let mut n = leading_digits(word);
            if n == 0 {
                return None;
            }
            if n == 8 {
                let more = leading_digits(word_at(input, end + 9)?);
                n += if more == 8 {
                    8 + digit_run(input, end + 17)
                } else {
                    more
                };
            }
            if n > DECIMAL_PLACES as usize && (word >> (8 * DECIMAL_PLACES)) as u8 != b'0' {
                // A nonzero seventh decimal (as coordinates have): outside the domain,
                // whatever follows.
                end += 1 + n;
                if let Some(b'e' | b'E') = input.get(end) {
                    return None;
                }
                return Some(Some((end, None)));
            }
            fraction = &input[end + 1..end + 1 + n];
            end += 1 + n;
        }
        if let Some(b'e' | b'E') = input.get(end) {
            return None;
        }
        // A nonzero digit beyond the sixth place puts the number outside the domain;
        // coordinates show one at the seventh.
        let kept = fraction.len().min(DECIMAL_PLACES as usize);
        if fraction[kept..].iter().any(|&d| d != b'0') {
            return Some(Some((end, None)));
        }
        let mut value: i64 = 0;
        for &d in &input[int_start..int_start + int_digits] {
            value = value * 10 + i64::from(d - b'0');
        }
        for &d in &fraction[..kept] {
            value = value * 10 + i64::from(d - b'0');
        }
        let scaled = value * 10i64.pow(DECIMAL_PLACES - kept as u32);
        Some(Some((
            end,
            Some(ComparableNumber(if negative { -scaled } else { scaled })),
        )))
    }

    /// The value of the number `input[start..end]`, known to be plain JSON `-?int(.frac)?`
    /// with its dot at `dot` (if any) and no nonzero digit beyond the sixth decimal, as a
    /// window of an array of numbers finds it ([`crate::engine::number_runs`]): `None` leaves
    /// it to [`ComparableNumber::lex`] (more than eight integer or fraction digits, or the
    /// input's end within a word's reach). Eight integer digits keep it inside the domain.
    #[inline(always)]
    pub(crate) fn from_plain(
        input: &[u8],
        start: usize,
        dot: Option<usize>,
        end: usize,
    ) -> Option<ComparableNumber> {
        const SCALE: [i64; 7] = [1_000_000, 100_000, 10_000, 1_000, 100, 10, 1];
        // Both words start before `end`: one check keeps them in reach.
        if end + 8 > input.len() {
            return None;
        }
        let negative = input[start] == b'-';
        let int_start = start + usize::from(negative);
        let int_end = dot.unwrap_or(end);
        let int_digits = int_end - int_start;
        if int_digits > 8 {
            return None;
        }
        let word = |at: usize| u64::from_le_bytes(input[at..at + 8].try_into().unwrap_or([0; 8]));
        let mut value = eight_digits(word(int_start), int_digits) as i64 * SCALE[0];
        if let Some(dot) = dot {
            let kept = (end - dot - 1).min(DECIMAL_PLACES as usize);
            value += eight_digits(word(dot + 1), kept) as i64 * SCALE[kept];
        }
        Some(ComparableNumber(if negative { -value } else { value }))
    }

    /// [`ComparableNumber::lex`] for every spelling.
    fn lex_any(input: &[u8], start: usize) -> Option<(usize, Option<ComparableNumber>)> {
        let mut i = start;
        let negative = input.get(i) == Some(&b'-');
        i += usize::from(negative);
        let int_start = i;
        let int_digits = match input.get(i) {
            // A leading zero stands alone: `01` ends after the `0` (and the caller rejects it).
            Some(b'0') => 1,
            Some(b'1'..=b'9') => digit_run(input, i),
            _ => return None,
        };
        i += int_digits;
        let (frac_start, frac_digits) = if input.get(i) == Some(&b'.') {
            let n = digit_run(input, i + 1);
            if n == 0 {
                return None;
            }
            i += 1 + n;
            (i - n, n)
        } else {
            (i, 0)
        };
        if let Some(b'e' | b'E') = input.get(i) {
            // Exponents are rare in events: find the end, then convert in full.
            let end = crate::json::scan_number(input, start)?;
            return Some((end, Self::parse_general(&input[start..end]).ok()));
        }
        if int_digits > 10 {
            return Some((i, Self::parse_general(&input[start..i]).ok()));
        }
        // A nonzero digit beyond the sixth place puts the number outside the domain. Event
        // numbers with long fractions (coordinates) mostly show one at the seventh place.
        let kept = frac_digits.min(DECIMAL_PLACES as usize);
        if input[frac_start + kept..i].iter().any(|&d| d != b'0') {
            return Some((i, None));
        }
        let mut value: i64 = 0;
        for &d in &input[int_start..int_start + int_digits] {
            value = value * 10 + i64::from(d - b'0');
        }
        let mut fraction: i64 = 0;
        for &d in &input[frac_start..frac_start + kept] {
            fraction = fraction * 10 + i64::from(d - b'0');
        }
        let scaled = value * SCALE + fraction * 10i64.pow(DECIMAL_PLACES - kept as u32);
        if scaled > MAX_SCALED {
            return Some((i, None));
        }
        Some((
            i,
            Some(ComparableNumber(if negative { -scaled } else { scaled })),
        ))
    }

    /// The common spelling `-?int(.frac)?` with at most ten integer digits, read in one pass:
    /// `Some` with the outcome, or `None` to leave the number to the general reader.
    fn parse_plain(text: &[u8]) -> Option<Result<ComparableNumber, NumberError>> {
        let (negative, rest) = match text.split_first()? {
            (b'-', rest) => (true, rest),
            _ => (false, text),
        };
        let int_len = rest
            .iter()
            .position(|b| !b.is_ascii_digit())
            .unwrap_or(rest.len());
        if int_len == 0 || int_len > 10 || (int_len > 1 && rest[0] == b'0') {
            return None;
        }
        let mut value: i64 = 0;
        for &d in &rest[..int_len] {
            value = value * 10 + i64::from(d - b'0');
        }
        let mut frac = match &rest[int_len..] {
            [] => &[][..],
            [b'.', frac @ ..] if !frac.is_empty() && frac.iter().all(u8::is_ascii_digit) => frac,
            _ => return None,
        };
        while let [head @ .., b'0'] = frac {
            frac = head;
        }
        if frac.len() > DECIMAL_PLACES as usize {
            return Some(Err(NumberError::TooManyDecimals));
        }
        value *= SCALE;
        let mut unit = SCALE;
        for &d in frac {
            unit /= 10;
            value += i64::from(d - b'0') * unit;
        }
        if value > MAX_SCALED {
            return None; // the general reader names the error
        }
        Some(Ok(ComparableNumber(if negative { -value } else { value })))
    }

    /// The value in millionths.
    ///
    /// ```
    /// use evmatch::number::ComparableNumber;
    ///
    /// assert_eq!(ComparableNumber::parse("0.000001")?.millionths(), 1);
    /// assert_eq!(ComparableNumber::parse("-2.5")?.millionths(), -2_500_000);
    /// # Ok::<(), evmatch::number::NumberError>(())
    /// ```
    pub fn millionths(self) -> i64 {
        self.0
    }
}

impl fmt::Display for ComparableNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let whole = abs / SCALE as u64;
        let frac = abs % SCALE as u64;
        if frac == 0 {
            write!(f, "{sign}{whole}")
        } else {
            let frac = format!("{frac:06}");
            write!(f, "{sign}{whole}.{}", frac.trim_end_matches('0'))
        }
    }
}

/// Parses an exponent's digits, saturating far beyond any value that could matter.
fn parse_exponent(text: &[u8]) -> i64 {
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, text),
    };
    let mut value: i64 = 0;
    for &d in digits {
        value = value.saturating_mul(10).saturating_add(i64::from(d - b'0'));
    }
    if negative {
        -value
    } else {
        value
    }
}

/// The value of the `n` ASCII digits (1 to 8) in the low bytes of `word`, first digit lowest,
/// whatever the bytes above them hold: three multiplications rather than a multiply-add per
/// digit, each waiting on the one before.
#[inline(always)]
fn eight_digits(word: u64, n: usize) -> u64 {
    debug_assert!((1..=8).contains(&n));
    // Digits are at least `0`, so subtracting borrows only out of the bytes above them, which
    // the shift drops; the bytes it brings in below are leading zeros.
    let digits = word.wrapping_sub(splat(b'0')) << (8 * (8 - n));
    // Pairs, then fours, then the eight (the first byte is the most significant digit).
    let pairs = digits.wrapping_mul(10).wrapping_add(digits >> 8);
    let mask = 0x0000_00FF_0000_00FF;
    let fours = (pairs & mask)
        .wrapping_mul(100 + (1_000_000 << 32))
        .wrapping_add(((pairs >> 16) & mask).wrapping_mul(1 + (10_000 << 32)));
    fours >> 32
}

/// The eight bytes at `at`, when there are eight.
#[inline(always)]
fn word_at(input: &[u8], at: usize) -> Option<u64> {
    let bytes = input.get(at..at + 8)?;
    Some(u64::from_le_bytes(bytes.try_into().ok()?))
}

/// Eight copies of a byte (for the word-at-a-time readers here and in the scanner).
pub(crate) const fn splat(b: u8) -> u64 {
    0x0101_0101_0101_0101 * b as u64
}

/// How many of the bytes of `word` (first byte lowest) are ASCII digits before the first that
/// is not: 8 when all are.
#[inline(always)]
fn leading_digits(word: u64) -> usize {
    // A byte is a digit exactly when its high nibble is 3 and adding 6 keeps it 3, so the
    // combined nibbles read 0x33. The carry out of a byte >= 0xFA can only disturb bytes
    // after a non-digit, which do not count.
    let nibbles = (word & splat(0xF0)) | ((word.wrapping_add(splat(0x06)) & splat(0xF0)) >> 4);
    let other = nibbles ^ splat(0x33);
    // The high bit of each byte of `other` that is nonzero; no carries cross bytes.
    let marks = (((other & splat(0x7F)).wrapping_add(splat(0x7F))) | other) & splat(0x80);
    (marks.trailing_zeros() / 8) as usize
}

/// How many ASCII digits `input` holds from `start` on, read a word at a time: the digit runs
/// of event numbers (coordinates have fifteen decimals) are long enough for words to pay.
#[inline]
pub(crate) fn digit_run(input: &[u8], start: usize) -> usize {
    let mut i = start;
    while let Some(word) = word_at(input, i) {
        let n = leading_digits(word);
        if n < 8 {
            return i - start + n;
        }
        i += 8;
    }
    while input.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    i - start
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_numbers_read_by_words_equal_their_lexed_values() {
        for text in [
            "0",
            "-0",
            "7",
            "-122.416009",
            "37.5",
            "37.500000000",
            "12345678.123456",
            "1.1",
            "99999999",
            "-0.000001",
            "10.25",
            "0.000000000",
            "5.0",
        ] {
            // Followed by a separator and padding, as inside an array of coordinates.
            let input = format!("{text},0.0,0.0]]]");
            let dot = text.find('.');
            assert_eq!(
                ComparableNumber::from_plain(input.as_bytes(), 0, dot, text.len()),
                Some(ComparableNumber::parse(text).unwrap()),
                "{text}"
            );
        }
        // More than eight digits on either side, or no word in reach: left to `lex`.
        assert_eq!(
            ComparableNumber::from_plain(b"123456789,0.0,0.0]]", 0, None, 9),
            None
        );
        assert_eq!(ComparableNumber::from_plain(b"1.5]", 0, Some(1), 3), None);
        for n in 1..=8 {
            let digits = &b"98765432,,,,,,,,"[..];
            let expected: u64 = std::str::from_utf8(&digits[..n]).unwrap().parse().unwrap();
            let word = u64::from_le_bytes(digits[..8].try_into().unwrap());
            assert_eq!(eight_digits(word, n), expected, "{n}");
        }
    }

    #[test]
    fn digit_runs_stop_at_the_first_non_digit() {
        // Every byte value as the stop, after runs of every length around a word, with the
        // bytes that carry (>= 0xFA) and the neighbours of the digits around it.
        for len in 0..20 {
            for stop in 0..=255u8 {
                for after in [b'9', 0xFF, b'0'] {
                    let mut text = vec![b'7'; len];
                    text.push(stop);
                    text.extend_from_slice(&[after; 9]);
                    let expected = text.iter().take_while(|b| b.is_ascii_digit()).count();
                    assert_eq!(digit_run(&text, 0), expected, "{len} {stop:#x} {after:#x}");
                    assert_eq!(digit_run(&text, len), expected - len, "{len} {stop:#x}");
                }
            }
        }
    }

    /// Integer parts and fractions of number spellings, valid and not, for the readers' tests.
    const INTS: &[&str] = &[
        "0",
        "7",
        "10",
        "00",
        "01",
        "122",
        "4999999999",
        "5000000000",
        "5000000001",
        "9999999999",
        "12345678901",
        "99999999999999999999",
    ];
    const FRACTIONS: &[&str] = &[
        "",
        ".",
        ".0",
        ".5",
        ".000000",
        ".1234560",
        ".123456",
        ".1234567",
        ".000001",
        ".0000001",
        ".503870533390784",
        ".12345678901234567890",
        ".1234560000000009",
        ".0000000000000000",
        ".x",
    ];

    #[test]
    fn the_lexer_agrees_with_the_scanner_and_the_parser() {
        let others = ["-", "e", "e2", "E-7", "e+400", "e-400", "x", ",", "]"];
        let parts: Vec<&str> = INTS
            .iter()
            .chain(FRACTIONS)
            .chain(&others)
            .copied()
            .collect();
        let mut checked = 0;
        let mut short_answers = 0;
        for &a in &parts {
            for &b in &parts {
                for &c in &parts {
                    let text = format!("{a}{b}{c}");
                    // With room after the number for whole-word reads, the short reader
                    // answers for most spellings, and must agree with the general one.
                    for pad in ["", "]", ",                "] {
                        let padded = format!("{text}{pad}");
                        let padded = padded.as_bytes();
                        let short = ComparableNumber::lex_short(padded, 0);
                        if let Some(answer) = short {
                            assert_eq!(answer, ComparableNumber::lex_any(padded, 0), "{text:?}");
                            short_answers += 1;
                        }
                        assert_eq!(
                            ComparableNumber::lex(padded, 0),
                            ComparableNumber::lex_any(padded, 0),
                            "{text:?}{pad:?}"
                        );
                    }
                    let lexed = ComparableNumber::lex(text.as_bytes(), 0);
                    let end = crate::json::scan_number(text.as_bytes(), 0);
                    assert_eq!(lexed.map(|(e, _)| e), end, "{text:?}");
                    if let (Some((end, value)), true) = (lexed, lexed.is_some()) {
                        let expected = ComparableNumber::parse_bytes(&text.as_bytes()[..end]).ok();
                        assert_eq!(value, expected, "{text:?}");
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 1000, "{checked}");
        assert!(short_answers > 1000, "{short_answers}");
    }

    #[test]
    fn the_one_pass_reader_agrees_with_the_general_one() {
        let mut checked = 0;
        for sign in ["", "-", "+"] {
            for int in INTS {
                for frac in FRACTIONS {
                    for tail in ["", "e2", " "] {
                        let text = format!("{sign}{int}{frac}{tail}");
                        if let Some(plain) = ComparableNumber::parse_plain(text.as_bytes()) {
                            let general = ComparableNumber::parse_general(text.as_bytes());
                            assert_eq!(plain, general, "{text}");
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert!(checked > 100, "{checked}");
    }

    fn n(text: &str) -> Result<i64, NumberError> {
        ComparableNumber::parse(text).map(ComparableNumber::millionths)
    }

    #[test]
    fn equal_values_spelled_differently_are_equal() {
        for text in [
            "300",
            "300.0",
            "3e2",
            "3E+2",
            "30000e-2",
            "0.3e3",
            "300.000000",
        ] {
            assert_eq!(n(text), Ok(300_000_000), "{text}");
        }
        assert_eq!(n("-0"), Ok(0));
        assert_eq!(n("0e-400"), Ok(0));
        assert_eq!(n("-1.5"), Ok(-1_500_000));
        assert_eq!(n("0.000001"), Ok(1));
        assert_eq!(n("1.0000010"), Ok(1_000_001));
    }

    #[test]
    fn bounds_of_the_domain() {
        assert_eq!(n("5e9"), Ok(MAX_SCALED));
        assert_eq!(n("-5000000000"), Ok(-MAX_SCALED));
        assert_eq!(n("5000000000.000001"), Err(NumberError::OutOfRange));
        assert_eq!(n("5.1e9"), Err(NumberError::OutOfRange));
        assert_eq!(n("0.0000001"), Err(NumberError::TooManyDecimals));
        assert_eq!(n("1E-400"), Err(NumberError::TooManyDecimals));
        assert_eq!(n("1e400"), Err(NumberError::Overflow));
        assert_eq!(n("1e13"), Err(NumberError::Overflow));
        assert_eq!(n("123456789012"), Err(NumberError::OutOfRange));
        assert_eq!(n("1e12"), Err(NumberError::OutOfRange));
        assert_eq!(n("1e1000000000000000000000"), Err(NumberError::Overflow));
        assert_eq!(n("abc"), Err(NumberError::NotANumber));
        assert_eq!(n("1."), Err(NumberError::NotANumber));
    }

    #[test]
    fn ordering_is_numeric() {
        let mut values: Vec<ComparableNumber> = ["10", "-2.5", "3e-6", "0", "-100", "1e9"]
            .iter()
            .map(|t| ComparableNumber::parse(t).unwrap())
            .collect();
        values.sort();
        let shown: Vec<String> = values.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["-100", "-2.5", "0", "0.000003", "10", "1000000000"]);
    }

    #[test]
    fn messages_are_aws_messages() {
        assert_eq!(
            NumberError::OutOfRange.to_string(),
            "Value must be between -5.0E9 and 5.0E9, inclusive"
        );
        assert_eq!(
            NumberError::TooManyDecimals.to_string(),
            "Only values upto 6 decimals are supported"
        );
    }
}
