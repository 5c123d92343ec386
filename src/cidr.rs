//! IP addresses and CIDR blocks, read the way EventBridge reads them.
//!
//! A string counts as an IP address only if it looks like one before it is parsed: four
//! dot-separated decimal runs, or hex digits and colons with at least one colon. That rule,
//! inherited from AWS's engine, keeps host names from ever being treated as addresses. Two
//! details follow AWS's engine and the Java runtime under it: an IPv4 part with leading zeros
//! is decimal (`010` is ten, never octal eight; a literal longer than 15 characters is not an
//! address), and an IPv4-mapped IPv6 address (`::ffff:a00:1`) *is* the IPv4 address.
//!
//! A CIDR block `base/bits` covers the network of `base`: its host bits are cleared, as CIDR
//! notation means everywhere and as AWS's engine reads it, so `10.0.0.5/24` covers `10.0.0.0`
//! to `10.0.0.255`.

use std::fmt;

/// An IPv4 or IPv6 address.
///
/// ```
/// use evmatch::cidr::IpAddress;
///
/// let addr = IpAddress::parse("2001:db8::1").unwrap();
/// assert!(matches!(addr, IpAddress::V6(_)));
/// assert_eq!(addr.to_string(), "2001:db8::1");
/// // An IPv4-mapped IPv6 address is the IPv4 address itself.
/// assert_eq!(IpAddress::parse("::ffff:c000:207"), IpAddress::parse("192.0.2.7"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IpAddress {
    /// IPv4, as a big-endian integer.
    V4(u32),
    /// IPv6, as a big-endian integer.
    V6(u128),
}

impl IpAddress {
    /// Parses an address literal, or returns `None` if `text` is not one.
    ///
    /// ```
    /// use evmatch::cidr::IpAddress;
    /// assert_eq!(IpAddress::parse("10.0.0.1"), Some(IpAddress::V4(0x0a00_0001)));
    /// assert_eq!(IpAddress::parse("::ffff:a00:1"), Some(IpAddress::V4(0x0a00_0001)));
    /// assert_eq!(IpAddress::parse("10.0.0.256"), None);
    /// assert_eq!(IpAddress::parse("example.com"), None);
    /// ```
    pub fn parse(text: &str) -> Option<IpAddress> {
        match shape(text) {
            Shape::V4 => parse_v4(text).map(IpAddress::V4),
            Shape::V6 => parse_v6(text).map(|v| {
                // ::ffff:0:0/96 is the IPv4-mapped range.
                if v >> 32 == 0xffff {
                    IpAddress::V4(v as u32)
                } else {
                    IpAddress::V6(v)
                }
            }),
            Shape::Other => None,
        }
    }
}

impl fmt::Display for IpAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            IpAddress::V4(v) => std::net::Ipv4Addr::from(v).fmt(f),
            IpAddress::V6(v) => std::net::Ipv6Addr::from(v).fmt(f),
        }
    }
}

/// An inclusive range of addresses of one family.
///
/// ```
/// use evmatch::cidr::{IpAddress, IpRange};
///
/// // The host bits of the base are cleared: this block is the network 10.0.0.0/24.
/// let block = IpRange::parse_cidr("10.0.0.5/24")?;
/// assert_eq!(block.low().to_string(), "10.0.0.0");
/// assert_eq!(block.high().to_string(), "10.0.0.255");
/// assert!(block.contains(IpAddress::parse("10.0.0.4").unwrap()));
/// assert!(!block.contains(IpAddress::parse("10.0.1.0").unwrap()));
/// # Ok::<(), evmatch::cidr::CidrError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IpRange {
    low: IpAddress,
    high: IpAddress,
}

impl IpRange {
    /// The range holding just `address`.
    ///
    /// ```
    /// use evmatch::cidr::{IpAddress, IpRange};
    ///
    /// let one = IpRange::single(IpAddress::parse("192.0.2.7").unwrap());
    /// assert_eq!(one.low(), one.high());
    /// assert!(one.contains(IpAddress::parse("192.0.2.7").unwrap()));
    /// assert!(!one.contains(IpAddress::parse("192.0.2.8").unwrap()));
    /// ```
    pub fn single(address: IpAddress) -> IpRange {
        IpRange {
            low: address,
            high: address,
        }
    }

    /// Parses CIDR notation, with AWS's reasons for rejecting it.
    ///
    /// ```
    /// use evmatch::cidr::{IpAddress, IpRange};
    /// let block = IpRange::parse_cidr("10.0.0.0/24").unwrap();
    /// assert!(block.contains(IpAddress::parse("10.0.0.255").unwrap()));
    /// assert!(!block.contains(IpAddress::parse("10.0.1.0").unwrap()));
    /// assert_eq!(
    ///     IpRange::parse_cidr("bad-filter").unwrap_err().to_string(),
    ///     "Malformed CIDR, one '/' required"
    /// );
    /// ```
    pub fn parse_cidr(text: &str) -> Result<IpRange, CidrError> {
        // Like Java's String.split, trailing empty pieces are dropped: "10.0.0.0/8/" has two.
        let mut pieces: Vec<&str> = text.split('/').collect();
        while pieces.len() > 1 && pieces.last() == Some(&"") {
            pieces.pop();
        }
        let [address, bits] = pieces[..] else {
            return Err(CidrError::SlashRequired);
        };
        let bits = parse_java_int(bits).ok_or(CidrError::MaskNotInteger)?;
        if bits < 0 {
            return Err(CidrError::MaskNegative);
        }
        let base = match shape(address) {
            Shape::Other => return Err(CidrError::Nonstandard(address.to_string())),
            _ => {
                IpAddress::parse(address).ok_or_else(|| CidrError::Invalid(address.to_string()))?
            }
        };
        // `bits` is below the family's width here, so the shifts cannot overflow.
        let (low, high) = match base {
            IpAddress::V4(v) => {
                if bits > 31 {
                    return Err(CidrError::V4MaskTooLarge);
                }
                let host = u32::MAX >> bits;
                (IpAddress::V4(v & !host), IpAddress::V4(v | host))
            }
            IpAddress::V6(v) => {
                if bits > 127 {
                    return Err(CidrError::V6MaskTooLarge);
                }
                let host = u128::MAX >> bits;
                (IpAddress::V6(v & !host), IpAddress::V6(v | host))
            }
        };
        Ok(IpRange { low, high })
    }

    /// Whether `address` is in the range (never, for an address of the other family).
    ///
    /// ```
    /// use evmatch::cidr::{IpAddress, IpRange};
    ///
    /// let v6 = IpRange::parse_cidr("2001:db8::/32")?;
    /// assert!(v6.contains(IpAddress::parse("2001:db8:ffff::1").unwrap()));
    /// assert!(!v6.contains(IpAddress::parse("10.0.0.1").unwrap())); // the other family
    /// let v4 = IpRange::parse_cidr("10.0.0.0/8")?;
    /// assert!(v4.contains(IpAddress::parse("::ffff:a00:1").unwrap())); // IPv4-mapped
    /// # Ok::<(), evmatch::cidr::CidrError>(())
    /// ```
    pub fn contains(&self, address: IpAddress) -> bool {
        match (self.low, self.high, address) {
            (IpAddress::V4(lo), IpAddress::V4(hi), IpAddress::V4(a)) => lo <= a && a <= hi,
            (IpAddress::V6(lo), IpAddress::V6(hi), IpAddress::V6(a)) => lo <= a && a <= hi,
            _ => false,
        }
    }

    /// How many leading bits the first and last addresses share: a CIDR block's mask.
    pub(crate) fn network_bits(&self) -> u32 {
        match (self.low, self.high) {
            (IpAddress::V4(low), IpAddress::V4(high)) => (low ^ high).leading_zeros(),
            (IpAddress::V6(low), IpAddress::V6(high)) => (low ^ high).leading_zeros(),
            // The constructors give both ends one family.
            _ => 0,
        }
    }

    /// The first address of the range.
    ///
    /// ```
    /// use evmatch::cidr::{IpAddress, IpRange};
    ///
    /// let block = IpRange::parse_cidr("192.168.0.0/16")?;
    /// assert_eq!(block.low(), IpAddress::parse("192.168.0.0").unwrap());
    /// # Ok::<(), evmatch::cidr::CidrError>(())
    /// ```
    pub fn low(&self) -> IpAddress {
        self.low
    }

    /// The last address of the range.
    ///
    /// ```
    /// use evmatch::cidr::{IpAddress, IpRange};
    ///
    /// let block = IpRange::parse_cidr("192.168.0.0/16")?;
    /// assert_eq!(block.high(), IpAddress::parse("192.168.255.255").unwrap());
    /// # Ok::<(), evmatch::cidr::CidrError>(())
    /// ```
    pub fn high(&self) -> IpAddress {
        self.high
    }
}

/// Why a CIDR block was rejected. `Display` renders AWS's reason.
///
/// ```
/// use evmatch::{cidr::{CidrError, IpRange}, pattern::ErrorKind, Pattern};
///
/// let err = Pattern::parse(r#"{"sourceIPAddress": [{"cidr": "10.0.0.0/32"}]}"#).unwrap_err();
/// assert_eq!(err.kind(), &ErrorKind::Cidr(CidrError::V4MaskTooLarge));
/// assert_eq!(err.reason(), "IPv4 mask bits must be < 32");
/// let err = IpRange::parse_cidr("host.example/24").unwrap_err();
/// assert_eq!(err, CidrError::Nonstandard("host.example".to_string()));
/// assert_eq!(err.to_string(), "Nonstandard IP address: host.example");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CidrError {
    /// Not exactly one `/`.
    SlashRequired,
    /// The mask is not an integer.
    MaskNotInteger,
    /// The mask is negative.
    MaskNegative,
    /// An IPv4 mask of 32 or more.
    V4MaskTooLarge,
    /// An IPv6 mask of 128 or more.
    V6MaskTooLarge,
    /// The base does not look like an address.
    Nonstandard(String),
    /// The base looks like an address but is not one.
    Invalid(String),
}

impl fmt::Display for CidrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CidrError::SlashRequired => f.write_str("Malformed CIDR, one '/' required"),
            CidrError::MaskNotInteger => {
                f.write_str("Malformed CIDR, mask bits must be an integer")
            }
            CidrError::MaskNegative => {
                f.write_str("Malformed CIDR, mask bits must not be negative")
            }
            CidrError::V4MaskTooLarge => f.write_str("IPv4 mask bits must be < 32"),
            CidrError::V6MaskTooLarge => f.write_str("IPv6 mask bits must be < 128"),
            CidrError::Nonstandard(ip) => write!(f, "Nonstandard IP address: {ip}"),
            CidrError::Invalid(ip) => write!(f, "Invalid IP address: {ip}"),
        }
    }
}

impl std::error::Error for CidrError {}

enum Shape {
    V4,
    V6,
    Other,
}

/// Classifies `text` by the two shapes AWS accepts as address literals.
fn shape(text: &str) -> Shape {
    let bytes = text.as_bytes();
    let v4 = {
        let parts: Vec<&[u8]> = bytes.split(|&b| b == b'.').collect();
        parts.len() == 4
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.iter().all(u8::is_ascii_digit))
    };
    if v4 {
        return Shape::V4;
    }
    if bytes.contains(&b':') && bytes.iter().all(|&b| b == b':' || b.is_ascii_hexdigit()) {
        return Shape::V6;
    }
    Shape::Other
}

/// Reads four decimal parts (the shape is checked before). Leading zeros are decimal digits
/// like any other, so `010` is ten; the Java runtime AWS's engine calls reads no IPv4 literal
/// longer than 15 characters, so neither do we.
fn parse_v4(text: &str) -> Option<u32> {
    if text.len() > 15 {
        return None;
    }
    let mut value = 0u32;
    for part in text.split('.') {
        let octet = part.bytes().try_fold(0u32, |n, b| {
            let n = n * 10 + u32::from(b.checked_sub(b'0')?);
            (n <= 255).then_some(n)
        })?;
        value = (value << 8) | octet;
    }
    Some(value)
}

fn parse_v6(text: &str) -> Option<u128> {
    fn groups(part: &str) -> Option<Vec<u16>> {
        if part.is_empty() {
            return Some(Vec::new());
        }
        part.split(':')
            .map(|g| {
                if g.is_empty() || g.len() > 4 {
                    None
                } else {
                    u16::from_str_radix(g, 16).ok()
                }
            })
            .collect()
    }
    let (head, tail, compressed) = match text.find("::") {
        Some(at) => {
            let tail = &text[at + 2..];
            if tail.contains("::") {
                return None;
            }
            (&text[..at], tail, true)
        }
        None => (text, "", false),
    };
    let head = groups(head)?;
    let tail = groups(tail)?;
    let count = head.len() + tail.len();
    if (compressed && count > 7) || (!compressed && count != 8) {
        return None;
    }
    let mut all = head;
    all.resize(8 - tail.len(), 0);
    all.extend(tail);
    Some(
        all.iter()
            .fold(0u128, |acc, &g| (acc << 16) | u128::from(g)),
    )
}

/// Java's `Integer.parseInt`: an optional sign and decimal digits, within `i32`.
fn parse_java_int(text: &str) -> Option<i64> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<i32>().ok().map(i64::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddress {
        IpAddress::parse(text).unwrap()
    }

    #[test]
    fn parses_address_shapes() {
        assert_eq!(ip("0.0.0.0"), IpAddress::V4(0));
        assert_eq!(ip("255.255.255.255"), IpAddress::V4(u32::MAX));
        // Leading zeros are decimal digits, within Java's 15 characters.
        assert_eq!(ip("010.0.0.1"), ip("10.0.0.1"));
        assert_eq!(ip("10.0.0.01"), ip("10.0.0.1"));
        assert_eq!(ip("000.00.0.0255"), ip("0.0.0.255"));
        assert_eq!(ip("0255.000.000.1"), ip("255.0.0.1"));
        assert_eq!(IpAddress::parse("0256.0.0.1"), None);
        assert_eq!(IpAddress::parse("0010.000.000.01"), Some(ip("10.0.0.1")));
        assert_eq!(IpAddress::parse("00010.000.000.01"), None); // 16 characters
        assert_eq!(IpAddress::parse("1.2.3"), None);
        assert_eq!(IpAddress::parse("1.2.3.4.5"), None);
        assert_eq!(ip("2001:db8::1"), ip("2001:0db8:0:0:0:0:0:1"));
        assert_eq!(ip("::"), IpAddress::V6(0));
        assert_eq!(ip("::1"), IpAddress::V6(1));
        assert_eq!(IpAddress::parse("1:2:3:4:5:6:7:8:9"), None);
        assert_eq!(IpAddress::parse("1::2::3"), None);
        assert_eq!(IpAddress::parse("12345::"), None);
        assert_eq!(IpAddress::parse(":"), None);
        assert_eq!(IpAddress::parse("::ffff:1.2.3.4"), None);
        assert_eq!(ip("::ffff:102:304"), ip("1.2.3.4"));
    }

    #[test]
    fn cidr_ranges_clear_the_host_bits_of_the_base() {
        let r = IpRange::parse_cidr("10.0.0.5/24").unwrap();
        assert_eq!((r.low(), r.high()), (ip("10.0.0.0"), ip("10.0.0.255")));
        let r = IpRange::parse_cidr("10.0.0.01/24").unwrap();
        assert_eq!((r.low(), r.high()), (ip("10.0.0.0"), ip("10.0.0.255")));
        let r = IpRange::parse_cidr("192.168.77.200/20").unwrap();
        assert_eq!(
            (r.low(), r.high()),
            (ip("192.168.64.0"), ip("192.168.79.255"))
        );
        let r = IpRange::parse_cidr("2001:db8::ffff/120").unwrap();
        assert_eq!(
            (r.low(), r.high()),
            (ip("2001:db8::ff00"), ip("2001:db8::ffff"))
        );
        let r = IpRange::parse_cidr("255.255.255.255/0").unwrap();
        assert_eq!((r.low(), r.high()), (ip("0.0.0.0"), ip("255.255.255.255")));
        let r = IpRange::parse_cidr("2001:db8:1234:1a00::/64").unwrap();
        assert!(r.contains(ip("2001:0db8:1234:1a00:0000:0000:0000:0000")));
        assert!(r.contains(ip("2001:db8:1234:1a00:ffff:ffff:ffff:ffff")));
        assert!(!r.contains(ip("2001:0db8:123f:1a01::")));
        assert!(!r.contains(ip("10.0.0.1")));
        let all = IpRange::parse_cidr("0.0.0.0/0").unwrap();
        assert!(all.contains(ip("255.1.2.3")));
    }

    #[test]
    fn cidr_errors_are_aws_reasons() {
        let e = |t: &str| IpRange::parse_cidr(t).unwrap_err().to_string();
        assert_eq!(e("bad-filter"), "Malformed CIDR, one '/' required");
        assert_eq!(e("a/b/c"), "Malformed CIDR, one '/' required");
        assert_eq!(e("10.0.0.0/"), "Malformed CIDR, one '/' required");
        assert_eq!(e(""), "Malformed CIDR, one '/' required");
        assert_eq!(
            e("bad-/64filter"),
            "Malformed CIDR, mask bits must be an integer"
        );
        assert_eq!(
            e("10.0.0.0/-1"),
            "Malformed CIDR, mask bits must not be negative"
        );
        assert_eq!(e("xx.11.xx/8"), "Nonstandard IP address: xx.11.xx");
        assert_eq!(e("/8"), "Nonstandard IP address: ");
        assert_eq!(e("10.0.0.256/8"), "Invalid IP address: 10.0.0.256");
        assert_eq!(e("10.0.0.0/32"), "IPv4 mask bits must be < 32");
        assert_eq!(e("::/128"), "IPv6 mask bits must be < 128");
        assert_eq!(
            e("xxxx:db8:1234:1a00::/64"),
            "Nonstandard IP address: xxxx:db8:1234:1a00::"
        );
        assert!(IpRange::parse_cidr("10.0.0.0/8/").is_ok());
        assert!(IpRange::parse_cidr("10.0.0.0/+8").is_ok());
    }
}
