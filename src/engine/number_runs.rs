//! Arrays of numbers read 64 bytes at a time.
//!
//! Coordinates are most of a GeoJSON event: `[[[-122.503870533390784,37.716522559163816,0.0],
//! ...]]`, hundreds of bytes of digits, dots, minus signs, commas and brackets and nothing
//! else. Read a byte at a time, every number costs a branch per digit and every bracket a trip
//! through the scanner's loop. Here a window of 64 bytes is classified at once, one bit per
//! byte for each kind of byte, and the JSON grammar of the whole window is checked with a few
//! shifts and masks: after a comma comes a number or `[`, a dot sits between two digits, a
//! minus sign starts a number, a leading zero stands alone, and so on. Only brackets are
//! visited one by one (to keep the depth) and only the numbers some rule could want are
//! converted to values.
//!
//! A window is taken only when it is plain: if anything in it is unusual (white space, an
//! exponent, a string, an error), [`window`] declines and the scanner reads those bytes its
//! usual way, which reports errors where they are. A window that is taken holds exactly what
//! the usual way would have accepted, so the two ways cannot disagree on what an event means,
//! only on how fast they read it.

/// One bit per byte of a 64-byte block (bit `i` for byte `i`) for each byte that may appear in
/// a plain array of numbers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Marks {
    pub(crate) digits: u64,
    /// `0`, also among the digits.
    pub(crate) zeros: u64,
    pub(crate) dots: u64,
    pub(crate) minus: u64,
    pub(crate) commas: u64,
    pub(crate) opens: u64,
    pub(crate) closes: u64,
}

impl Marks {
    /// Adds the marks of a chunk of the block: `digits`, and `is(b)` for the bytes equal to `b`
    /// (moved to the chunk's place in the block).
    #[inline(always)]
    fn add(&mut self, digits: u64, is: impl Fn(u8) -> u64) {
        self.digits |= digits;
        self.zeros |= is(b'0');
        self.dots |= is(b'.');
        self.minus |= is(b'-');
        self.commas |= is(b',');
        self.opens |= is(b'[');
        self.closes |= is(b']');
    }
}

/// [`Marks`] a byte at a time, for any processor (and as the definition the tests hold the
/// SSE2 version to).
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
pub(crate) fn marks_by_bytes(block: &[u8; 64]) -> Marks {
    let mut m = Marks::default();
    for (i, &b) in block.iter().enumerate() {
        let bit = 1u64 << i;
        match b {
            b'0' => {
                m.digits |= bit;
                m.zeros |= bit;
            }
            b'1'..=b'9' => m.digits |= bit,
            b'.' => m.dots |= bit,
            b'-' => m.minus |= bit,
            b',' => m.commas |= bit,
            b'[' => m.opens |= bit,
            b']' => m.closes |= bit,
            _ => {}
        }
    }
    m
}

/// What a plain window of an array of numbers holds, as [`window`] found it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Window {
    /// Bytes of the window read: it ends just after a comma or a bracket.
    pub(crate) len: usize,
    /// The arrays still open at its end (the array being read and those inside it).
    pub(crate) level: usize,
    /// The first byte of each number in it.
    pub(crate) starts: u64,
    /// The end of each number: the comma or bracket right after it.
    pub(crate) ends: u64,
    /// The ends of the numbers with a nonzero digit beyond the sixth decimal, which settles
    /// them as outside the comparable domain (see [`crate::number::DECIMAL_PLACES`]) without
    /// reading them.
    pub(crate) settled: u64,
    /// The ends of the numbers that are zero (`0`, `-0`, `0.0`, ...: no digit but `0`), all of
    /// one comparable value.
    pub(crate) zeros: u64,
    /// The decimal points in it.
    pub(crate) dots: u64,
}

/// Which numbers of a window its reader wants reported. The reader says so again after each
/// window it is handed, and windows with nothing it wants are read without handing them over.
///
/// Each kind is a mask, all ones when wanted: this is applied to every window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Wanted {
    settled: u64,
    unsettled: u64,
    zeros: u64,
}

impl Wanted {
    /// Every number.
    #[cfg(test)]
    pub(crate) const ALL: Wanted = Wanted {
        settled: u64::MAX,
        unsettled: u64::MAX,
        zeros: u64::MAX,
    };

    /// The numbers settled outside the comparable domain ([`Window::settled`]) if `settled`,
    /// the others (whatever they turn out to be when read) if `unsettled`, and among those the
    /// zeros ([`Window::zeros`]) only if `zeros`.
    #[inline(always)]
    pub(crate) fn new(settled: bool, unsettled: bool, zeros: bool) -> Wanted {
        let all = |wanted: bool| 0u64.wrapping_sub(u64::from(wanted));
        Wanted {
            settled: all(settled),
            unsettled: all(unsettled),
            zeros: all(zeros),
        }
    }

    /// The ends of the numbers of `w` wanted.
    #[inline(always)]
    fn of(self, w: &Window) -> u64 {
        let kinds = (w.settled & self.settled) | (!w.settled & self.unsettled);
        w.ends & kinds & (!w.zeros | self.zeros)
    }
}

/// What reads the wanted numbers of each window (see [`windows`]): the scanner, or a closure.
pub(crate) trait EachWindow {
    /// Takes window `w`, whose wanted numbers end at `ends`, found at `base`; returns what is
    /// wanted of the next window.
    fn each(&mut self, w: &Window, ends: u64, base: usize) -> Wanted;
}

impl<F: FnMut(&Window, u64, usize) -> Wanted> EachWindow for F {
    #[inline(always)]
    fn each(&mut self, w: &Window, ends: u64, base: usize) -> Wanted {
        self(w, ends, base)
    }
}

/// Reads windows of `input` one after the other from `base`, where `input[base]` is the
/// separator (comma or bracket) just read inside an array of numbers, `level` arrays deep (the
/// array itself counts one); an array may open only where at most `room` are. Each window ends on a
/// separator, from which the next one starts. `each` gets every window that holds a number
/// `wanted`, with the ends of those numbers and the position of the separator the window
/// starts at, and returns what is wanted from then on.
///
/// Returns the position of the separator the last window ended on (`base` if none was
/// taken) and the arrays open there: `0` when the window closed the array. Reading stops at
/// the first window that cannot be taken whole: no comma or bracket after a plain stretch of
/// numbers, a byte that is not part of a plain array, bytes that do not follow the grammar,
/// or an array too deep. The caller then reads on its usual way.
#[inline]
pub(crate) fn windows(
    input: &[u8],
    base: usize,
    level: usize,
    room: usize,
    wanted: Wanted,
    each: impl EachWindow,
) -> (usize, usize) {
    #[cfg(test)]
    match tests::READING.with(|r| r.get()) {
        tests::Reading::Bytewise => return (base, level),
        #[cfg(target_arch = "x86_64")]
        tests::Reading::Sse2 => {
            return windows_with(input, base, level, room, wanted, each, sse2::marks)
        }
        tests::Reading::Portable => {
            return windows_with(input, base, level, room, wanted, each, marks_by_bytes)
        }
        _ => {}
    }
    #[cfg(target_arch = "x86_64")]
    {
        if avx2::detected() {
            avx2::windows(input, base, level, room, wanted, each)
        } else {
            windows_with(input, base, level, room, wanted, each, sse2::marks)
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        windows_with(input, base, level, room, wanted, each, marks_by_bytes)
    }
}

/// [`windows`], each block classified by `classify`. Always inlined, so that each instruction
/// set gets the whole loop (and the caller's `each`) compiled for it, with the classification
/// inside: a call to the AVX2 classification alone, which cannot be inlined into code compiled
/// without AVX2, returned its seven masks through memory, and a call per window measured
/// slower still.
#[inline(always)]
fn windows_with(
    input: &[u8],
    mut base: usize,
    mut level: usize,
    room: usize,
    mut wanted: Wanted,
    mut each: impl EachWindow,
    classify: impl Fn(&[u8; 64]) -> Marks + Copy,
) -> (usize, usize) {
    while let Some(w) = input
        .get(base..)
        .and_then(|bytes| window(bytes, level, room, classify))
    {
        // Most windows of coordinates hold nothing wanted once the first zero is reported:
        // no call, and no reload of the reader's state, for those.
        let ends = wanted.of(&w);
        if ends != 0 {
            wanted = each.each(&w, ends, base);
        }
        base += w.len - 1;
        level = w.level;
        if level == 0 {
            break;
        }
    }
    (base, level)
}

/// The window of `bytes`, which start with the separator just read, `level` arrays deep (see
/// [`windows`]), its block classified by `classify`. `None` when it cannot be taken whole.
#[inline(always)]
fn window(
    bytes: &[u8],
    level: usize,
    room: usize,
    classify: impl Fn(&[u8; 64]) -> Marks,
) -> Option<Window> {
    // Bytes past the end of the input are zeros, none of the marked kinds.
    let m = crate::engine::scan::padded_block(bytes, classify);
    let separators = m.commas | m.opens | m.closes;
    let plain = m.digits | m.dots | m.minus | separators;
    // The window ends after the last separator before the first byte that is not plain, so
    // that every number in it is whole. Bit 0 is the separator already read. In a long array
    // every byte is plain: the last separator of all is taken first, and the cut waits only
    // on the separators' marks (the next window waits on the cut), not on all of them.
    let mut taken = separators & !1;
    if taken == 0 {
        return None;
    }
    // At least 1: bit 0 is a separator.
    let reach = (!plain).trailing_zeros();
    if 64 - taken.leading_zeros() > reach {
        taken &= low(reach);
        if taken == 0 {
            return None;
        }
    }
    let mut len = 64 - taken.leading_zeros();
    // Brackets one by one: the depth, and the `]` that closes the array, which ends the window.
    let mut brackets = (m.opens | m.closes) & taken;
    let mut level = level;
    while brackets != 0 {
        let at = brackets.trailing_zeros();
        brackets &= brackets - 1;
        if m.opens >> at & 1 == 1 {
            if level > room {
                return None;
            }
            level += 1;
        } else {
            level -= 1;
            if level == 0 {
                len = at + 1;
                break;
            }
        }
    }
    let within = low(len);
    let digits = m.digits;
    let starts = (digits | m.minus) & (separators << 1) & within;
    // The grammar, as the bytes that break it: each term names a byte that may not follow
    // (or precede) another. Bit 0, read already, has no predecessor here.
    let first_digits = digits & ((separators | m.minus) << 1);
    let fractions = (m.dots << 1) & within;
    // Adding each fraction's first digit carries through the fraction's digits and lands on
    // the byte after them.
    let fraction_ends = fractions.wrapping_add(digits) & !digits;
    let broken = ((m.commas << 1) & !(digits | m.minus | m.opens))
        | ((m.opens << 1) & !(digits | m.minus | m.opens | m.closes))
        | ((m.closes << 1) & !(m.commas | m.closes))
        | (((m.dots | m.minus) << 1) & !digits)
        | ((digits << 1) & m.opens)
        | (m.minus & !(separators << 1))
        | (m.dots & !(digits << 1))
        | (((m.zeros & first_digits) << 1) & digits)
        | (fraction_ends & m.dots);
    if broken & within != 0 {
        return None;
    }
    // A nonzero digit beyond the sixth decimal. The seventh decimal is the last of seven
    // digits in a row (runs of two, four and seven digits ending at each byte) seven bytes
    // after a dot; added to the zeros, it carries through those that follow it and lands on
    // the first digit beyond the sixth that is not `0`, if there is one (else on the byte
    // after the fraction). Adding that digit to the number carries through the rest of it
    // onto the number's end.
    let two = digits & (digits << 1);
    let four = two & (two << 2);
    let seven = four & (four << 3);
    let seventh = seven & (m.dots << (crate::number::DECIMAL_PLACES + 1)) & within;
    let beyond = m.zeros.wrapping_add(seventh) & !m.zeros & digits;
    let numbers = (digits | m.dots | m.minus) & within;
    let ends = separators & (numbers << 1) & within;
    // Bytes that leave a number zero; a number's start, if one of them, carries through them
    // onto its end only when the whole number is made of them.
    let naught = (m.zeros | m.dots | m.minus) & within;
    Some(Window {
        len: len as usize,
        level,
        starts,
        ends,
        settled: numbers.wrapping_add(beyond) & !numbers,
        zeros: naught.wrapping_add(starts & naught) & ends,
        dots: m.dots & within,
    })
}

/// The bits below bit `n`, for `n` from 1 to 64 (bit 0, the separator a window starts at,
/// always counts).
#[inline(always)]
fn low(n: u32) -> u64 {
    debug_assert!((1..=64).contains(&n));
    u64::MAX >> (64 - n)
}

/// Byte classes sixteen at a time, with SSE2. Its `unsafe` call goes into a function compiled
/// for SSE2, which every x86-64 processor has.
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod sse2 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_min_epu8, _mm_movemask_epi8, _mm_set1_epi8, _mm_sub_epi8,
    };

    /// [`super::marks_by_bytes`] of a whole block, sixteen bytes at a time.
    #[inline(always)]
    pub(super) fn marks(block: &[u8; 64]) -> super::Marks {
        // SAFETY: `classify` needs only SSE2, which is part of the x86-64 baseline: every
        // processor this code can run on has it.
        unsafe { classify(block) }
    }

    #[target_feature(enable = "sse2")]
    #[inline]
    fn classify(block: &[u8; 64]) -> super::Marks {
        let mut m = super::Marks::default();
        for (i, chunk) in block.chunks_exact(16).enumerate() {
            let v = crate::engine::scan::sse2::load(chunk.try_into().expect("sixteen bytes"));
            let bits = |x: __m128i| u64::from(_mm_movemask_epi8(x) as u16) << (16 * i);
            let is = |b: u8| bits(_mm_cmpeq_epi8(v, _mm_set1_epi8(b as i8)));
            // Unsigned `v - '0' <= 9`: the minimum of the two is the difference itself.
            let offset = _mm_sub_epi8(v, _mm_set1_epi8(b'0' as i8));
            let digits = bits(_mm_cmpeq_epi8(
                _mm_min_epu8(offset, _mm_set1_epi8(9)),
                offset,
            ));
            m.add(digits, is);
        }
        m
    }
}

/// Byte classes thirty-two at a time, with AVX2, on the processors that have it (found at run
/// time): half the instructions of [`sse2`].
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod avx2 {
    use std::arch::x86_64::{
        __m256i, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_min_epu8, _mm256_movemask_epi8,
        _mm256_set1_epi8, _mm256_sub_epi8,
    };

    /// Whether the processor has AVX2 and the bit instructions that came with it (counting
    /// bits, and leading and trailing zeros, each in one instruction), which the window loop
    /// is compiled for.
    #[inline]
    pub(super) fn detected() -> bool {
        std::is_x86_feature_detected!("avx2")
            && std::is_x86_feature_detected!("bmi1")
            && std::is_x86_feature_detected!("lzcnt")
            && std::is_x86_feature_detected!("popcnt")
    }

    /// [`super::windows`] with AVX2; only when [`detected`].
    #[inline(always)]
    pub(super) fn windows(
        input: &[u8],
        base: usize,
        level: usize,
        room: usize,
        wanted: super::Wanted,
        each: impl super::EachWindow,
    ) -> (usize, usize) {
        debug_assert!(detected());
        // SAFETY: the only caller checks `detected()` first, so the processor has what
        // `windows_avx2` is compiled for.
        unsafe { windows_avx2(input, base, level, room, wanted, each) }
    }

    #[target_feature(enable = "avx2,bmi1,lzcnt,popcnt")]
    fn windows_avx2(
        input: &[u8],
        base: usize,
        level: usize,
        room: usize,
        wanted: super::Wanted,
        each: impl super::EachWindow,
    ) -> (usize, usize) {
        super::windows_with(input, base, level, room, wanted, each, |block| {
            classify(block)
        })
    }

    /// [`super::marks_by_bytes`] of a whole block, 32 bytes at a time; only when AVX2 was detected.
    #[cfg(test)]
    pub(super) fn marks(block: &[u8; 64]) -> super::Marks {
        assert!(std::is_x86_feature_detected!("avx2"));
        // SAFETY: checked just above.
        unsafe { classify(block) }
    }

    #[target_feature(enable = "avx2")]
    #[inline]
    fn classify(block: &[u8; 64]) -> super::Marks {
        let mut m = super::Marks::default();
        for (i, chunk) in block.chunks_exact(32).enumerate() {
            // SAFETY: `chunk` is 32 bytes long, all of which the unaligned load reads.
            // (Built from words or halves without a pointer, the vector took ten
            // instructions instead of one: a twentieth of a window.)
            let v = unsafe { _mm256_loadu_si256(chunk.as_ptr().cast()) };
            let bits = |x: __m256i| u64::from(_mm256_movemask_epi8(x) as u32) << (32 * i);
            let is = |b: u8| bits(_mm256_cmpeq_epi8(v, _mm256_set1_epi8(b as i8)));
            let offset = _mm256_sub_epi8(v, _mm256_set1_epi8(b'0' as i8));
            let digits = bits(_mm256_cmpeq_epi8(
                _mm256_min_epu8(offset, _mm256_set1_epi8(9)),
                offset,
            ));
            m.add(digits, is);
        }
        m
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// How [`windows`] reads, as a test sets it.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub(crate) enum Reading {
        /// As outside the tests: AVX2 where the processor has it, else SSE2 or bytewise marks.
        Fastest,
        /// Windows classified with SSE2, whatever the processor has.
        Sse2,
        /// Windows classified a byte at a time, as on processors other than x86-64.
        Portable,
        /// Every window declines: the scanner reads arrays of numbers its usual way, which the
        /// windows must agree with.
        Bytewise,
    }

    thread_local! {
        pub(crate) static READING: std::cell::Cell<Reading> =
            const { std::cell::Cell::new(Reading::Fastest) };
    }

    /// The numbers of window `w`, found at `base` of `input`, that end at `ends`: each with
    /// the bit of its end.
    fn numbers<'i>(
        input: &'i str,
        w: &Window,
        mut ends: u64,
        base: usize,
    ) -> impl Iterator<Item = (&'i str, u32)> {
        let starts = w.starts;
        std::iter::from_fn(move || {
            if ends == 0 {
                return None;
            }
            let at = ends.trailing_zeros();
            ends &= ends - 1;
            let from = 63 - (starts & ((1 << at) - 1)).leading_zeros();
            Some((&input[base + from as usize..base + at as usize], at))
        })
    }

    /// Every number of `input` (an array read whole by windows), with whether `mark` of its
    /// window has the bit of its end.
    fn marked(input: &str, mark: impl Fn(&Window) -> u64) -> Vec<(String, bool)> {
        let mut found = Vec::new();
        let (end, level) = windows(
            input.as_bytes(),
            0,
            1,
            64,
            Wanted::ALL,
            |w: &Window, _, base| {
                for (spelling, at) in numbers(input, w, w.ends, base) {
                    found.push((spelling.to_string(), mark(w) >> at & 1 == 1));
                }
                Wanted::ALL
            },
        );
        assert_eq!((end, level), (input.len() - 1, 0));
        found
    }

    /// `spellings`, with their marks, `times` times over.
    fn repeated(spellings: &[(&str, bool)], times: usize) -> Vec<(String, bool)> {
        let once = spellings.iter().map(|&(n, mark)| (n.to_string(), mark));
        once.cycle().take(spellings.len() * times).collect()
    }

    #[test]
    fn low_bits() {
        assert_eq!(low(1), 1);
        assert_eq!(low(2), 3);
        assert_eq!(low(63), u64::MAX >> 1);
        assert_eq!(low(64), u64::MAX);
    }

    #[test]
    fn windows_settle_the_numbers_with_a_nonzero_digit_beyond_the_sixth_decimal() {
        // Settled numbers are outside the comparable domain without being read: a nonzero
        // seventh decimal, a nonzero digit after zeros at the seventh, but not zeros alone.
        let spellings = [
            ("1.1234567", true),
            ("2.1234560001", true),
            ("-0.00000000009", true),
            ("3.1234560000", false),
            ("4.123456", false),
            ("-122.5000000", false),
            ("5", false),
        ];
        let text: Vec<&str> = spellings.iter().map(|&(n, _)| n).collect();
        // Long enough for several windows.
        let input = format!("[{}]", [&text[..]; 4].concat().join(","));
        assert_eq!(marked(&input, |w| w.settled), repeated(&spellings, 4));
    }

    #[test]
    fn windows_mark_the_numbers_that_are_zero() {
        let spellings = [
            ("0", true),
            ("-0", true),
            ("0.0", true),
            ("-0.000", true),
            ("0.0000000000", true),
            ("10", false),
            ("0.01", false),
            ("-0.10", false),
            ("100.0", false),
            ("-5", false),
            ("0.0000001", false),
        ];
        let text: Vec<&str> = spellings.iter().map(|&(n, _)| n).collect();
        // Nested as coordinates are, over several windows.
        let input = format!("[[{}],[{}]]", text.join(","), text.join(","));
        let found = marked(&input, |w| {
            assert_eq!(w.zeros & !w.ends, 0, "zeros are ends of numbers");
            w.zeros
        });
        assert_eq!(found, repeated(&spellings, 2));
    }

    #[test]
    fn windows_hand_over_only_the_numbers_wanted() {
        // Coordinates: two settled numbers and a zero, then a comparable triple.
        let triple = "[-122.50387053339078,37.71652255916381,0.0]";
        let input = format!("[{},[-122.5,37.25,0],{}]", [triple; 3].join(","), triple);
        let read = |wanted: Wanted, then: Wanted| {
            let mut found = Vec::new();
            let (end, level) = windows(
                input.as_bytes(),
                0,
                1,
                64,
                wanted,
                |w: &Window, ends, base| {
                    assert_ne!(ends, 0, "a window with nothing wanted is not handed over");
                    found.extend(numbers(&input, w, ends, base).map(|(n, _)| n.to_string()));
                    then
                },
            );
            assert_eq!((end, level), (input.len() - 1, 0));
            found
        };
        let nothing = Wanted::new(false, false, false);
        assert!(read(nothing, nothing).is_empty());
        let unsettled = Wanted::new(false, true, true);
        let no_zeros = Wanted::new(false, true, false);
        assert_eq!(
            read(unsettled, no_zeros),
            ["0.0", "-122.5", "37.25"],
            "no zero after the first is reported"
        );
        assert_eq!(read(unsettled, unsettled).len(), 7);
        let settled = Wanted::new(true, false, false);
        assert_eq!(read(settled, settled).len(), 8);
        assert_eq!(read(Wanted::ALL, Wanted::ALL).len(), 15);
    }

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn sse2_and_avx2_mark_the_bytes_as_defined() {
        let mut seed = 7u64;
        let alphabet = b"0123456789.-,[]e \"x\x00\xff/:";
        let rounds = if cfg!(miri) { 60 } else { 3000 };
        for round in 0..rounds {
            let mut block = [0u8; 64];
            for b in block.iter_mut() {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                *b = if round % 3 == 0 {
                    (seed >> 33) as u8
                } else {
                    alphabet[(seed >> 33) as usize % alphabet.len()]
                };
            }
            let expected = marks_by_bytes(&block);
            assert_eq!(sse2::marks(&block), expected, "{block:?}");
            if std::is_x86_feature_detected!("avx2") {
                assert_eq!(avx2::marks(&block), expected, "{block:?}");
            }
            let mut padded = [0u8; 64];
            padded[..40].copy_from_slice(&block[..40]);
            assert_eq!(
                crate::engine::scan::padded_block(&block[..40], sse2::marks),
                marks_by_bytes(&padded),
                "{block:?}"
            );
        }
    }
}
