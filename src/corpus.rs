//! Deterministic generators of the events that tests and benchmarks feed the matcher.
//!
//! Everything here is a pure function of its arguments (a seed where randomness is wanted), so
//! the same call writes the same bytes on every machine.

use std::fmt::Write;

/// One shape of event-ruler's array benchmark, as listed in
/// `corpus/event-ruler/array-perf-scenarios.json`.
///
/// ```
/// use evmatch::{corpus, Ruleset};
///
/// let text = std::fs::read("corpus/event-ruler/array-perf-scenarios.json")?;
/// let scenarios = corpus::array_scenarios(&text).unwrap();
/// let first = &scenarios[0];
/// let rules = Ruleset::new();
/// rules.add_json(first.name.clone(), &first.rule)?;
/// let event = corpus::array_scenario(&first.generator, first.sizes[0]).unwrap();
/// assert_eq!(rules.matches(event.as_bytes()).unwrap().len(), first.expected_matches);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArrayScenario {
    /// What the scenario is called in the file.
    pub name: String,
    /// The rule, as pattern text.
    pub rule: String,
    /// The name [`array_scenario`] builds the event by.
    pub generator: String,
    /// Array sizes to try.
    pub sizes: Vec<usize>,
    /// How many rules match the event at every size (0 or 1).
    pub expected_matches: usize,
}

/// The scenarios of an array-benchmark file's text, or `None` when it is not a JSON array of
/// objects with `name`, `rule`, `generator`, `sizes` and `expectedMatches`.
///
/// ```
/// use evmatch::corpus;
///
/// let text = r#"[{"name": "n", "rule": {"d": {"a": [1]}}, "generator": "primArrayOnly",
///                 "sizes": [10, 20], "expectedMatches": 1}]"#;
/// let scenarios = corpus::array_scenarios(text.as_bytes()).unwrap();
/// assert_eq!(scenarios[0].sizes, [10, 20]);
/// assert_eq!(scenarios[0].rule, r#"{"d":{"a":[1]}}"#);
/// ```
pub fn array_scenarios(text: &[u8]) -> Option<Vec<ArrayScenario>> {
    use crate::json::Json;
    let parsed = Json::parse(text);
    let Ok(Json::Array(items)) = &parsed else {
        return None;
    };
    items
        .iter()
        .map(|item| {
            let Json::Object(members) = item else {
                return None;
            };
            let field = |key: &str| members.iter().find(|(k, _)| k == key).map(|(_, v)| v);
            let text = |key: &str| match field(key)? {
                Json::String(s) => Some(s.clone()),
                _ => None,
            };
            let count = |value: &Json| value.to_string().parse::<usize>().ok();
            let Json::Array(sizes) = field("sizes")? else {
                return None;
            };
            Some(ArrayScenario {
                name: text("name")?,
                rule: field("rule")?.to_string(),
                generator: text("generator")?,
                sizes: sizes.iter().map(count).collect::<Option<_>>()?,
                expected_matches: count(field("expectedMatches")?)?,
            })
        })
        .collect()
}

/// The event of the array scenario called `generator` with arrays of `n` elements, or `None`
/// for an unknown name.
///
/// The names are those of event-ruler's array benchmark
/// (`corpus/event-ruler/array-perf-scenarios.json`): shapes of event whose arrays made earlier
/// array-consistency algorithms quadratic. Each event below matches its scenario's rule exactly
/// as often as the scenario expects; the shapes that ask for a search (the "partial" ones) put
/// the fields a rule needs in *different* elements, so that only an array-consistent matcher
/// gets them right.
///
/// ```
/// use evmatch::{corpus, Ruleset};
///
/// let event = corpus::array_scenario("objArrayAllPartial", 1000).unwrap();
/// let rules = Ruleset::new();
/// rules.add_json("both", r#"{"d": {"a": [{"exists": true}], "b": [{"exists": true}]}}"#)?;
/// // Every element has `a` or `b` but never both: no match.
/// assert!(rules.matches(event.as_bytes()).unwrap().is_empty());
/// # Ok::<(), evmatch::RulesetError>(())
/// ```
pub fn array_scenario(generator: &str, n: usize) -> Option<String> {
    let strings = |prefix: &str, n: usize| {
        let mut out = String::from("[");
        for i in 0..n {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "\"{prefix}{i}\"");
        }
        out.push(']');
        out
    };
    let objects = |n: usize, element: &dyn Fn(usize) -> String| {
        let mut out = String::from("[");
        for i in 0..n {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&element(i));
        }
        out.push(']');
        out
    };
    // Elements that carry `a` or `b`, alternately, but never both.
    let partial = |i: usize| {
        if i.is_multiple_of(2) {
            format!("{{\"a\":{i},\"x\":\"pad\"}}")
        } else {
            format!("{{\"b\":{i},\"x\":\"pad\"}}")
        }
    };
    let event = match generator {
        "primArrayPlusScalar" => format!(r#"{{"d":{{"tags":{},"type":"t"}}}}"#, strings("t", n)),
        "primArrayOnly" => format!(r#"{{"d":{{"tags":{}}}}}"#, strings("t", n)),
        "objArrayBothFields" => format!(
            r#"{{"d":{}}}"#,
            objects(n, &|i| format!("{{\"a\":{i},\"b\":\"v{i}\"}}"))
        ),
        "objArrayLastValid" => format!(
            r#"{{"d":{}}}"#,
            objects(n, &|i| if i + 1 == n {
                format!("{{\"a\":{i},\"b\":{i}}}")
            } else {
                partial(i)
            })
        ),
        "objArrayAllPartial" => format!(r#"{{"d":{}}}"#, objects(n, &partial)),
        "customerLike" => {
            // Users of a tenant: only the last one has every field the rule asks for (an
            // email among them), the others miss `name` or `type` in turn and have an email
            // now and then.
            let data = objects(n, &|i| {
                let email = if i % 3 == 0 || i + 1 == n {
                    format!(",\"domains\":{{\"email\":\"u{i}@example.com\"}}")
                } else {
                    ",\"domains\":{\"web\":\"example.com\"}".to_string()
                };
                if i + 1 == n {
                    format!("{{\"name\":\"u{i}\",\"type\":\"admin\"{email}}}")
                } else if i % 2 == 0 {
                    format!("{{\"name\":\"u{i}\"{email}}}")
                } else {
                    format!("{{\"type\":\"user\"{email}}}")
                }
            });
            format!(
                r#"{{"detail":{{"data":{data},"context":{{"companyId":"c-1","userId":"u-1","email":"u1@example.com"}}}}}}"#
            )
        }
        "primInsideObjArray" => {
            // Two elements, each with a primitive array of `n` names; one has no `type`.
            format!(
                r#"{{"detail":{{"data":[{{"name":{}}},{{"name":{},"type":"t"}}]}}}}"#,
                strings("n", n),
                strings("m", n)
            )
        }
        "noObjArrayLargePrim" => format!(
            r#"{{"detail":{{"data":{{"name":{},"type":"t"}}}}}}"#,
            strings("n", n)
        ),
        "nested2Level" => {
            // `n` outer elements of 10 inner ones; only the last inner element of the last
            // outer one has both `x` and `y`.
            let outer = objects(n, &|o| {
                let inner = objects(10, &|i| {
                    if o + 1 == n && i == 9 {
                        "{\"x\":1,\"y\":2}".to_string()
                    } else if i % 2 == 0 {
                        format!("{{\"x\":{i}}}")
                    } else {
                        format!("{{\"y\":{i}}}")
                    }
                });
                format!("{{\"b\":{inner}}}")
            });
            format!(r#"{{"a":{outer}}}"#)
        }
        "deepNestedPrim" => {
            // Three elements, each with a primitive array of `n` tags; only the last has a type.
            let elements = objects(3, &|i| {
                let ty = if i == 2 { ",\"type\":\"t\"" } else { "" };
                format!("{{\"b\":{{\"tags\":{}{ty}}}}}", strings("t", n))
            });
            format!(r#"{{"a":{elements}}}"#)
        }
        "wideRulePrimArray" => format!(
            r#"{{"d":{{"a":{},"b":{},"c":"c"}}}}"#,
            strings("a", n),
            strings("b", n)
        ),
        "twoPrimArrays" => format!(
            r#"{{"tags":{},"cats":{},"v":"1"}}"#,
            strings("t", n),
            strings("c", n)
        ),
        "controlScalar" => r#"{"a":1,"b":2}"#.to_string(),
        _ => return None,
    };
    Some(event)
}

/// A small, fast, seeded pseudo-random generator (SplitMix64): the same seed gives the same
/// sequence everywhere, which is all a corpus generator needs.
///
/// ```
/// use evmatch::corpus::Rng;
///
/// let (mut a, mut b) = (Rng::new(7), Rng::new(7));
/// assert_eq!(a.next_u64(), b.next_u64()); // same seed, same sequence
/// assert!(a.below(6) < 6);
/// ```
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator started from `seed`.
    ///
    /// ```
    /// use evmatch::corpus::Rng;
    ///
    /// assert_eq!(Rng::new(1).next_u64(), Rng::new(1).next_u64());
    /// assert_ne!(Rng::new(1).next_u64(), Rng::new(2).next_u64());
    /// ```
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    ///
    /// ```
    /// use evmatch::corpus::Rng;
    ///
    /// let mut rng = Rng::new(0);
    /// assert_eq!(rng.next_u64(), 0xe220_a839_7b1d_cdaf); // SplitMix64's first output for seed 0
    /// assert_eq!(rng.next_u64(), 0x6e78_9e6a_a1b9_65f4);
    /// ```
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    ///
    /// ```
    /// use evmatch::corpus::Rng;
    ///
    /// let mut rng = Rng::new(42);
    /// let rolls: Vec<u64> = (0..1000).map(|_| rng.below(6)).collect();
    /// assert!(rolls.iter().all(|&r| r < 6));
    /// assert!((0..6).all(|face| rolls.contains(&face)));
    /// ```
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// One of `items`.
    ///
    /// ```
    /// use evmatch::corpus::Rng;
    ///
    /// let regions = ["us-east-1", "eu-west-1", "ap-southeast-2"];
    /// let region = Rng::new(3).pick(&regions);
    /// assert!(regions.contains(region));
    /// ```
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// `true` with probability `percent` / 100.
    ///
    /// ```
    /// use evmatch::corpus::Rng;
    ///
    /// let mut rng = Rng::new(5);
    /// assert!(!rng.chance(0) && rng.chance(100));
    /// let heads = (0..1000).filter(|_| rng.chance(50)).count();
    /// assert!((400..600).contains(&heads));
    /// ```
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// Street names of San Francisco, as the CityLots data spells them.
const STREETS: &[&str] = &[
    "MARKET",
    "MISSION",
    "VALENCIA",
    "GEARY",
    "CALIFORNIA",
    "VAN NESS",
    "FOLSOM",
    "HOWARD",
    "BRYANT",
    "HARRISON",
    "CASTRO",
    "DIVISADERO",
    "FILLMORE",
    "IRVING",
    "JUDAH",
    "NORIEGA",
    "TARAVAL",
    "SLOAT",
    "OCEAN",
    "POWELL",
    "STOCKTON",
    "GRANT",
    "KEARNY",
    "COLUMBUS",
    "LOMBARD",
    "CHESTNUT",
    "UNION",
    "GREEN",
    "VALLEJO",
    "BROADWAY",
    "PACIFIC",
    "JACKSON",
    "WASHINGTON",
    "CLAY",
    "SACRAMENTO",
    "PINE",
    "BUSH",
    "SUTTER",
    "POST",
    "SAN JOSE",
    "ALEMANY",
    "UNKNOWN",
    "03RD",
    "24TH",
    "19TH",
    "LA PLAYA",
    "DE HARO",
    "O'FARRELL",
];

const STREET_TYPES: &[&str] = &["ST", "AVE", "BLVD", "WAY", "TER", "DR", "CT", "PL", "LN"];

/// Writes a coordinate the way the CityLots file does, 15 digits after the decimal point, or
/// cut to `decimals` digits (the same draws, so the same lots).
fn coordinate(out: &mut String, rng: &mut Rng, whole: i64, from: u64, spread: u64, decimals: u32) {
    let fraction = (from + rng.below(spread)) * 1_000_000_000 + rng.below(1_000_000_000);
    let cut = fraction / 10u64.pow(15 - decimals);
    let _ = write!(out, "{whole}.{cut:0width$}", width = decimals as usize);
}

/// One CityLots-shaped event: a GeoJSON `Feature` for a lot of San Francisco, with string
/// `properties` and a `Polygon` of tens of 15-digit coordinates (about 900 bytes on average).
///
/// The original file of 213,068 features is the benchmark of this field (event-ruler and
/// quamina both use it); it is not redistributable here, so this writes events of the same
/// shape, field names, value variety and size distribution.
///
/// ```
/// use evmatch::{corpus, Ruleset};
///
/// let lot = corpus::citylot(&mut corpus::Rng::new(1));
/// let rules = Ruleset::new();
/// rules.add_json("polygons", r#"{"type": ["Feature"], "geometry": {"type": ["Polygon"]}}"#)?;
/// assert_eq!(rules.matches(lot.as_bytes())?, ["polygons"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn citylot(rng: &mut Rng) -> String {
    citylot_with(rng, 15)
}

/// [`citylot`] with its coordinates cut to six decimals: every one of them inside AWS's
/// numeric domain (±5.0e9, six decimals), so that `numeric` rules compare each of them, where
/// the 15-digit ones of the original file take no part in numeric matching.
///
/// ```
/// use evmatch::{corpus, Ruleset};
///
/// let rules = Ruleset::new();
/// rules.add_json("west", r#"{"geometry": {"coordinates": [{"numeric": ["<", -122.4]}]}}"#)?;
/// let (mut a, mut b) = (corpus::Rng::new(7), corpus::Rng::new(7));
/// let (long, short) = (corpus::citylot(&mut a), corpus::citylot_6(&mut b));
/// assert!(short.len() < long.len());
/// assert!(rules.matches(long.as_bytes())?.is_empty()); // 15 decimals: not compared
/// assert_eq!(rules.matches(short.as_bytes())?, ["west"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn citylot_6(rng: &mut Rng) -> String {
    citylot_with(rng, 6)
}

fn citylot_with(rng: &mut Rng, decimals: u32) -> String {
    let block = rng.below(7600) + 1;
    let block_suffix = if rng.chance(8) {
        *rng.pick(&["A", "B", "C"])
    } else {
        ""
    };
    let lot = rng.below(300) + 1;
    let lot_suffix = if rng.chance(5) {
        *rng.pick(&["A", "B", "C", "D"])
    } else {
        ""
    };
    let block_num = format!("{block:04}{block_suffix}");
    let lot_num = format!("{lot:03}{lot_suffix}");
    let from = rng.below(300) * 10;
    let to = from + rng.below(10) * 2 + 1;
    let street = *rng.pick(STREETS);
    let mut out = String::with_capacity(1024);
    let _ = write!(
        out,
        r#"{{"type":"Feature","properties":{{"MAPBLKLOT":"{block_num}{lot_num}","BLKLOT":"{block_num}{lot_num}","BLOCK_NUM":"{block_num}","LOT_NUM":"{lot_num}","FROM_ST":"{from}","TO_ST":"{to}","STREET":"{street}","ST_TYPE":"#
    );
    if rng.chance(10) {
        out.push_str("null");
    } else {
        let _ = write!(out, "\"{}\"", rng.pick(STREET_TYPES));
    }
    let odd_even = if from.is_multiple_of(2) { "E" } else { "O" };
    let _ = write!(
        out,
        r#","ODD_EVEN":"{odd_even}"}},"geometry":{{"type":"Polygon","coordinates":[["#
    );
    // Lots are mostly small polygons; a few are large (the distribution has a long tail).
    let points = match rng.below(100) {
        0..=59 => 5 + rng.below(10),
        60..=94 => 16 + rng.below(12),
        _ => 30 + rng.below(40),
    };
    for i in 0..points {
        if i > 0 {
            out.push(',');
        }
        out.push('[');
        out.push('-');
        coordinate(&mut out, rng, 122, 360_000, 160_000, decimals);
        out.push(',');
        coordinate(&mut out, rng, 37, 700_000, 120_000, decimals);
        out.push_str(",0.0]");
    }
    out.push_str("]]}}");
    out
}

/// `count` CityLots-shaped events, one per line.
///
/// ```
/// use evmatch::corpus;
///
/// let lots = corpus::citylots(3, 42);
/// assert_eq!(lots.lines().count(), 3);
/// assert_eq!(lots, corpus::citylots(3, 42)); // the same bytes on every call
/// ```
pub fn citylots(count: usize, seed: u64) -> String {
    lines(count, seed, citylot)
}

/// `count` events of [`citylot_6`], one per line: the lots of [`citylots`] with the same seed,
/// their coordinates cut to six decimals.
///
/// ```
/// use evmatch::corpus;
///
/// let lots = corpus::citylots_6(2, 42);
/// assert_eq!(lots.lines().count(), 2);
/// assert!(lots.contains("[-122."));
/// ```
pub fn citylots_6(count: usize, seed: u64) -> String {
    lines(count, seed, citylot_6)
}

/// `count` events of `generate`, one per line, from a generator seeded with `seed`.
fn lines(count: usize, seed: u64, generate: fn(&mut Rng) -> String) -> String {
    let mut rng = Rng::new(seed);
    let mut out = String::new();
    for _ in 0..count {
        out.push_str(&generate(&mut rng));
        out.push('\n');
    }
    out
}

const FUNCTIONS: &[&str] = &[
    "order-intake",
    "payment-capture",
    "inventory-reserve",
    "email-sender",
    "thumbnail",
    "report-builder",
];
const PAYLOAD_SOURCES: &[&str] = &[
    "shop.orders",
    "shop.payments",
    "shop.inventory",
    "mail.outbound",
    "media.images",
];
const ACTIONS: &[&str] = &["accepted", "rejected", "created", "updated", "deleted"];
const ERRORS: &[(&str, &str)] = &[
    ("Error", "payment service unavailable"),
    (
        "TypeError",
        "Cannot read properties of undefined (reading 'sku')",
    ),
    (
        "Runtime.ExitError",
        "RequestId: exited before completing request",
    ),
    ("States.Timeout", "Task timed out after 30.03 seconds"),
    ("ValidationError", "quantity must be positive"),
];

fn uuid(out: &mut String, rng: &mut Rng) {
    let (a, b) = (rng.next_u64(), rng.next_u64());
    let _ = write!(
        out,
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        (b >> 48) & 0x3fff | 0x8000,
        b & 0xffff_ffff_ffff
    );
}

fn items(out: &mut String, rng: &mut Rng, count: u64) {
    out.push('[');
    for i in 0..count {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(
            out,
            r#"{{"sku":"{}-{}","qty":{},"price":{}.{:02},"tags":["{}","{}"]}}"#,
            rng.pick(&["A", "B", "C", "D"]),
            rng.below(100),
            rng.below(5) + 1,
            rng.below(500),
            rng.below(100),
            rng.pick(&["gift", "fragile", "bulk", "express"]),
            rng.pick(&["eu", "us", "apac"]),
        );
    }
    out.push(']');
}

/// The members of an order (the request payload of the generated invocations): its id, the
/// customer (with an email address if asked) and the items. Most orders are small; one in ten
/// holds 20 items and up to `large` more.
fn order(out: &mut String, rng: &mut Rng, email: bool, large: u64) {
    let _ = write!(
        out,
        r#""orderId":"o-{}","customer":{{"id":"c-{}","#,
        rng.below(1_000_000),
        rng.below(50_000),
    );
    if email {
        let _ = write!(out, r#""email":"user{}@example.com","#, rng.below(50_000));
    }
    let _ = write!(
        out,
        r#""tier":"{}"}},"items":"#,
        rng.pick(&["gold", "silver", "basic"])
    );
    let count = if rng.chance(10) {
        20 + rng.below(large)
    } else {
        1 + rng.below(5)
    };
    items(out, rng, count);
}

/// One AWS Lambda Destinations execution record in its EventBridge envelope: the result of an
/// asynchronous invocation, `Success` (about 70%), `RetriesExhausted` or `EventAgeExceeded`,
/// with request and response payloads from a few hundred bytes to about ten kilobytes (orders
/// with arrays of items, error stack traces).
///
/// ```
/// use evmatch::{corpus, json::Json, reference, Pattern};
///
/// let record = corpus::destination_record(&mut corpus::Rng::new(7));
/// let rule = Pattern::parse(r#"{"source": ["lambda"], "detail": {"requestContext": {
///     "condition": ["Success", "RetriesExhausted", "EventAgeExceeded"]}}}"#)?;
/// assert!(reference::matches(&rule, &Json::parse(record.as_bytes())?));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn destination_record(rng: &mut Rng) -> String {
    let function = *rng.pick(FUNCTIONS);
    let region = *rng.pick(&["us-east-1", "eu-west-1", "ap-southeast-2"]);
    let version = *rng.pick(&["$LATEST", "3", "12"]);
    let arn = format!("arn:aws:lambda:{region}:123456789012:function:{function}:{version}");
    let condition = match rng.below(100) {
        0..=69 => "Success",
        70..=89 => "RetriesExhausted",
        _ => "EventAgeExceeded",
    };
    let success = condition == "Success";
    let (day, hour, minute, second, milli) = moment(rng);
    let mut out = String::with_capacity(2048);
    out.push_str(r#"{"version":"0","id":""#);
    uuid(&mut out, rng);
    let _ = write!(
        out,
        r#"","detail-type":"Lambda Function Invocation Result - {}","source":"lambda","account":"123456789012","time":"2026-11-{day:02}T{hour:02}:{minute:02}:{second:02}Z","region":"{region}","resources":["arn:aws:events:{region}:123456789012:event-bus/default","{arn}"],"detail":{{"version":"1.0","timestamp":"2026-11-{day:02}T{hour:02}:{minute:02}:{second:02}.{milli:03}Z","requestContext":{{"requestId":""#,
        if success { "Success" } else { "Failure" },
    );
    uuid(&mut out, rng);
    let attempts = if success { 1 + rng.below(3) } else { 3 };
    let _ = write!(
        out,
        r#"","functionArn":"{arn}","condition":"{condition}","approximateInvokeCount":{attempts}}},"requestPayload":{{"#
    );
    order(&mut out, rng, true, 90);
    let status = if success {
        200
    } else {
        *rng.pick(&[200, 200, 500])
    };
    let _ = write!(
        out,
        r#"}},"responseContext":{{"statusCode":{status},"executedVersion":"{version}""#
    );
    if success {
        let _ = write!(
            out,
            r#"}},"responsePayload":{{"source":"{}","action":"{}","total":{}.{:02},"accepted":{}}}}}}}"#,
            rng.pick(PAYLOAD_SOURCES),
            rng.pick(ACTIONS),
            rng.below(5000),
            rng.below(100),
            rng.chance(80),
        );
    } else {
        let (error_type, message) = *rng.pick(ERRORS);
        let kind = if rng.chance(80) {
            "Unhandled"
        } else {
            "Handled"
        };
        let _ = write!(
            out,
            r#","functionError":"{kind}"}},"responsePayload":{{"errorType":"{error_type}","errorMessage":"{message}","trace":["{error_type}: {message}""#
        );
        for depth in 0..(3 + rng.below(12)) {
            let _ = write!(
                out,
                r#","    at {} (/var/task/{}.js:{}:{})""#,
                rng.pick(&[
                    "Runtime.handler",
                    "processOrder",
                    "chargeCard",
                    "Object.<anonymous>",
                    "async Promise.all"
                ]),
                rng.pick(&[
                    "app",
                    "lib/payments",
                    "lib/db",
                    "node_modules/aws-sdk/lib/request"
                ]),
                depth * 7 + rng.below(300),
                rng.below(40),
            );
        }
        out.push_str("]}}}");
    }
    out
}

/// `count` destination records, one per line.
///
/// ```
/// use evmatch::{corpus, Ruleset};
///
/// let rules = Ruleset::new();
/// rules.add_json("ok", r#"{"detail": {"requestContext": {"condition": ["Success"]}}}"#)?;
/// let records = corpus::destination_records(200, 1);
/// let ok = records.lines().filter(|r| rules.matches(r.as_bytes()).unwrap() == ["ok"]).count();
/// assert!((110..170).contains(&ok)); // about 70% of invocations succeed
/// # Ok::<(), evmatch::RulesetError>(())
/// ```
pub fn destination_records(count: usize, seed: u64) -> String {
    lines(count, seed, destination_record)
}

/// `count` rules over the fields of [`destination_record`], in the `--rules` format (rule name,
/// pattern text), for measuring how matching scales with the number of rules.
///
/// With `mixed` false every rule is an exact match on `requestPayload.orderId`; with `mixed`
/// true the rules cycle through the operators (exact, prefix, suffix, equals-ignore-case,
/// numeric ranges, combinations over several fields, and now and then a wildcard and an
/// anything-but). Every rule set is a prefix of the next larger one with the same seed.
///
/// ```
/// use evmatch::{corpus, Ruleset};
///
/// let rules = corpus::scaling_rules(100, true, 1);
/// assert_eq!(rules[..10], corpus::scaling_rules(10, true, 1)[..]);
/// let set = Ruleset::new();
/// for (name, pattern) in &rules {
///     set.add_json(name.clone(), pattern)?;
/// }
/// assert_eq!(set.len(), 100);
/// # Ok::<(), evmatch::RulesetError>(())
/// ```
pub fn scaling_rules(count: usize, mixed: bool, seed: u64) -> Vec<(String, String)> {
    let mut rng = Rng::new(seed);
    let mut rules = Vec::with_capacity(count);
    for i in 0..count {
        let pattern = if !mixed {
            format!(
                r#"{{"detail": {{"requestPayload": {{"orderId": ["o-{}"]}}}}}}"#,
                rng.below(1_000_000)
            )
        } else {
            let k = rng.below(1_000_000);
            match i % 10 {
                0 | 1 => format!(r#"{{"detail": {{"requestPayload": {{"orderId": ["o-{k}"]}}}}}}"#),
                2 => format!(
                    r#"{{"detail": {{"requestPayload": {{"customer": {{"email": [{{"prefix": "user{}@"}}]}}}}}}}}"#,
                    k % 50_000
                ),
                3 => format!(
                    r#"{{"detail": {{"requestPayload": {{"customer": {{"id": [{{"suffix": "-{k}"}}]}}}}}}}}"#
                ),
                4 => format!(
                    r#"{{"detail": {{"requestPayload": {{"customer": {{"id": [{{"equals-ignore-case": "C-{}"}}]}}}}}}}}"#,
                    k % 50_000
                ),
                5 => {
                    let low = k % 5000;
                    format!(
                        r#"{{"detail": {{"responsePayload": {{"total": [{{"numeric": [">=", {low}, "<", {}]}}]}}}}}}"#,
                        low + 1
                    )
                }
                6 => format!(
                    r#"{{"detail-type": [{{"suffix": "Success"}}], "detail": {{"requestPayload": {{"orderId": ["o-{k}"], "customer": {{"tier": ["gold"]}}}}}}}}"#
                ),
                7 => format!(
                    r#"{{"detail": {{"requestPayload": {{"items": {{"sku": ["{}-{}"], "qty": [{}]}}}}}}}}"#,
                    ["A", "B", "C", "D"][k as usize % 4],
                    k % 1000,
                    k % 5 + 1
                ),
                8 if i % 100 == 8 => format!(
                    r#"{{"detail": {{"requestContext": {{"functionArn": [{{"wildcard": "*:function:*-{}:*"}}]}}}}}}"#,
                    k % 1000
                ),
                9 if i % 1000 == 9 => format!(
                    r#"{{"detail": {{"responsePayload": {{"action": [{{"anything-but": ["accepted", "rejected", "created", "updated", "deleted", "a{k}"]}}]}}}}}}"#
                ),
                _ => format!(
                    r#"{{"$or": [{{"detail": {{"requestPayload": {{"orderId": ["o-{k}"]}}}}}}, {{"detail": {{"requestContext": {{"requestId": [{{"prefix": "{:04x}"}}]}}}}}}]}}"#,
                    k % 0x10000
                ),
            }
        };
        rules.push((format!("rule-{i}"), pattern));
    }
    rules
}

/// The `detail-type` of a successful invocation's record.
const SUCCESS_TYPE: &str = "Lambda Function Invocation Result - Success";
/// The `detail-type` of a failed invocation's record.
const FAILURE_TYPE: &str = "Lambda Function Invocation Result - Failure";

/// The objects of a pattern over a [`destination_record`], in the order they are written.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Object {
    /// The envelope: `source`, `detail-type`.
    Top,
    /// `detail.requestContext`.
    RequestContext,
    /// `detail.requestPayload`.
    RequestPayload,
    /// `detail.requestPayload.customer`.
    Customer,
    /// `detail.requestPayload.items`.
    Items,
    /// `detail.responseContext`.
    ResponseContext,
    /// `detail.responsePayload`.
    ResponsePayload,
}

/// Where a field is: the object that holds it and its key there.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Path {
    object: Object,
    key: &'static str,
}

/// The paths of the fields that the generated rules name.
mod path {
    use super::{Object, Path};

    const fn at(object: Object, key: &'static str) -> Path {
        Path { object, key }
    }

    pub const SOURCE: Path = at(Object::Top, "source");
    pub const DETAIL_TYPE: Path = at(Object::Top, "detail-type");
    pub const INVOKE_COUNT: Path = at(Object::RequestContext, "approximateInvokeCount");
    pub const CONDITION: Path = at(Object::RequestContext, "condition");
    pub const FUNCTION_ARN: Path = at(Object::RequestContext, "functionArn");
    pub const REPLAY_NAME: Path = at(Object::RequestContext, "replayName");
    pub const REQUEST_ID: Path = at(Object::RequestContext, "requestId");
    pub const COUPON_CODE: Path = at(Object::RequestPayload, "couponCode");
    pub const EMAIL: Path = at(Object::Customer, "email");
    pub const CUSTOMER_ID: Path = at(Object::Customer, "id");
    pub const TIER: Path = at(Object::Customer, "tier");
    pub const VIP: Path = at(Object::Customer, "vip");
    pub const GIFT_MESSAGE: Path = at(Object::RequestPayload, "giftMessage");
    pub const PRICE: Path = at(Object::Items, "price");
    pub const QTY: Path = at(Object::Items, "qty");
    pub const SKU: Path = at(Object::Items, "sku");
    pub const TAGS: Path = at(Object::Items, "tags");
    pub const ORDER_ID: Path = at(Object::RequestPayload, "orderId");
    pub const EXECUTED_VERSION: Path = at(Object::ResponseContext, "executedVersion");
    pub const FUNCTION_ERROR: Path = at(Object::ResponseContext, "functionError");
    pub const STATUS_CODE: Path = at(Object::ResponseContext, "statusCode");
    pub const THROTTLED: Path = at(Object::ResponseContext, "throttled");
    pub const ACTION: Path = at(Object::ResponsePayload, "action");
    pub const ERROR_TYPE: Path = at(Object::ResponsePayload, "errorType");
    pub const RETRY_AFTER: Path = at(Object::ResponsePayload, "retryAfter");
    pub const PAYLOAD_SOURCE: Path = at(Object::ResponsePayload, "source");
    pub const TOTAL: Path = at(Object::ResponsePayload, "total");
}

/// A rule under construction: the members of each object of the pattern, written as fields
/// are added and nested into pattern text by [`Fields::pattern`].
///
/// The objects are fixed (those of a destination record), so the pattern is put together
/// without looking at paths; and one `Fields` is reused for every rule of a set, so that a
/// million rules cost little more than their own text (a generator of a million rules must
/// take well under a second).
#[derive(Default)]
struct Fields {
    /// The members of each object, by [`Object`], separated by `, `.
    objects: [String; 7],
    /// Each field added, with the length of its object's text before it.
    fields: Vec<(Path, usize)>,
    /// The text of the last pattern.
    text: String,
}

impl Fields {
    /// Starts a new rule.
    fn clear(&mut self) {
        for object in &mut self.objects {
            object.clear();
        }
        self.fields.clear();
    }

    /// Adds the field at `path` accepting `value` (a JSON array).
    fn add(&mut self, path: Path, value: std::fmt::Arguments<'_>) {
        let object = &mut self.objects[path.object as usize];
        self.fields.push((path, object.len()));
        if !object.is_empty() {
            object.push_str(", ");
        }
        object.push('"');
        object.push_str(path.key);
        object.push_str("\": ");
        // A value without arguments is copied as it is, without formatting machinery.
        match value.as_str() {
            Some(text) => object.push_str(text),
            None => {
                let _ = object.write_fmt(value);
            }
        }
    }

    /// Whether the last field added names the path of an earlier one.
    fn repeats_last(&self) -> bool {
        match self.fields.split_last() {
            Some(((path, _), earlier)) => earlier.iter().any(|(p, _)| p == path),
            None => false,
        }
    }

    /// Takes the last field added away.
    fn pop(&mut self) {
        if let Some((path, len)) = self.fields.pop() {
            self.objects[path.object as usize].truncate(len);
        }
    }

    /// Whether a field at `path` is already there.
    fn has(&self, path: Path) -> bool {
        self.fields.iter().any(|(p, _)| *p == path)
    }

    /// The pattern text: `detail` and its objects written where they hold a field.
    fn pattern(&mut self) -> String {
        let [top, context, payload, customer, items, response, result] = &self.objects;
        let out = &mut self.text;
        out.clear();
        out.push('{');
        out.push_str(top);
        let request = [payload, customer, items].iter().any(|o| !o.is_empty());
        if request || [context, response, result].iter().any(|o| !o.is_empty()) {
            if !top.is_empty() {
                out.push_str(", ");
            }
            out.push_str("\"detail\": {");
            let mut first = true;
            member(out, &mut first, "requestContext", context);
            if request {
                if !first {
                    out.push_str(", ");
                }
                first = false;
                out.push_str("\"requestPayload\": {");
                out.push_str(payload);
                let mut inner = payload.is_empty();
                member(out, &mut inner, "customer", customer);
                member(out, &mut inner, "items", items);
                out.push('}');
            }
            member(out, &mut first, "responseContext", response);
            member(out, &mut first, "responsePayload", result);
            out.push('}');
        }
        out.push('}');
        // Copied into a string of the exact size: a million rules are 300 MB, growing each
        // by doubling would waste time and a third of that memory.
        out.as_str().to_owned()
    }
}

/// Writes `"key": {members}` into an object being written, unless `members` is empty; `first`
/// tells whether the object has no member yet.
fn member(out: &mut String, first: &mut bool, key: &str, members: &str) {
    if members.is_empty() {
        return;
    }
    if !*first {
        out.push_str(", ");
    }
    *first = false;
    out.push('"');
    out.push_str(key);
    out.push_str("\": {");
    out.push_str(members);
    out.push('}');
}

/// Which invocations a rule is about, hence which `condition` and `detail-type` it names.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Outcome {
    /// Successes: the rule reads the response payload's `action`, `total`, ...
    Success,
    /// Failures: the rule reads `functionError`, `errorType`, ...
    Failure,
    /// Either: the rule reads only what every record has.
    Any,
}

/// Adds the part of a rule that nearly every rule of a router shares with thousands of others:
/// `source: ["lambda"]` and/or the `detail-type`, and the `condition`, drawn from their few
/// values in proportions like those of real rule sets (and consistent with each other, so that
/// the rule can match).
fn envelope(fields: &mut Fields, rng: &mut Rng, outcome: Outcome) {
    let success = match outcome {
        Outcome::Success => true,
        Outcome::Failure => false,
        Outcome::Any => rng.chance(50),
    };
    let names = rng.below(4); // 0: source only, 1: detail-type only, 2-3: both
    if names != 1 {
        fields.add(path::SOURCE, format_args!(r#"["lambda"]"#));
    }
    if names != 0 {
        if rng.chance(15) {
            // Both types in one list: the rule leaves the choice to `condition`.
            fields.add(
                path::DETAIL_TYPE,
                format_args!(r#"["{SUCCESS_TYPE}", "{FAILURE_TYPE}"]"#),
            );
        } else {
            let ty = if success { SUCCESS_TYPE } else { FAILURE_TYPE };
            fields.add(path::DETAIL_TYPE, format_args!(r#"["{ty}"]"#));
        }
    }
    let condition = if success {
        r#"["Success"]"#
    } else {
        match rng.below(5) {
            0 | 1 => r#"["RetriesExhausted"]"#,
            2 => r#"["EventAgeExceeded"]"#,
            _ => r#"["RetriesExhausted", "EventAgeExceeded"]"#,
        }
    };
    fields.add(path::CONDITION, format_args!("{condition}"));
}

/// Adds what makes a rule its own: a condition on a field with many values, met by about one
/// record in ten thousand (from 1 in 50,000 to 1 in 4,000), so that a set of 100,000 rules
/// matches a handful of rules per record. Skips the choices that would name a field the rule
/// already has.
fn selective(fields: &mut Fields, rng: &mut Rng) {
    loop {
        match rng.below(6) {
            0 if !fields.has(path::CUSTOMER_ID) => {
                fields.add(
                    path::CUSTOMER_ID,
                    format_args!(r#"["c-{}"]"#, rng.below(50_000)),
                );
            }
            1 if !fields.has(path::CUSTOMER_ID) => {
                // `c-1234` is a prefix of `c-1234` and `c-12340`..`c-12349`: 11 customers.
                fields.add(
                    path::CUSTOMER_ID,
                    format_args!(r#"[{{"prefix": "c-{}"}}]"#, 1000 + rng.below(4000)),
                );
            }
            2 if !fields.has(path::ORDER_ID) => {
                fields.add(
                    path::ORDER_ID,
                    format_args!(r#"[{{"suffix": "{:04}"}}]"#, rng.below(10_000)),
                );
            }
            3 if !fields.has(path::REQUEST_ID) => {
                fields.add(
                    path::REQUEST_ID,
                    format_args!(r#"[{{"prefix": "{:03x}"}}]"#, rng.below(0x1000)),
                );
            }
            4 if !fields.has(path::SKU) => item(fields, rng),
            5 if !fields.has(path::EMAIL) => {
                fields.add(
                    path::EMAIL,
                    format_args!(r#"["user{}@example.com"]"#, rng.below(50_000)),
                );
            }
            _ => continue,
        }
        return;
    }
}

/// Adds an item's sku, quantity and price band: three fields that must hold in the same
/// element of `items` (one record in about ten thousand has such an item).
fn item(fields: &mut Fields, rng: &mut Rng) {
    fields.add(
        path::SKU,
        format_args!(
            r#"["{}-{}"]"#,
            rng.pick(&["A", "B", "C", "D"]),
            rng.below(100)
        ),
    );
    fields.add(path::QTY, format_args!("[{}]", rng.below(5) + 1));
    let low = rng.below(490);
    fields.add(
        path::PRICE,
        format_args!(r#"[{{"numeric": [">=", {low}, "<", {}]}}]"#, low + 10),
    );
}

/// `count` rules of a set generated rule by rule by `rule` (given the rule's index).
fn rule_set(
    count: usize,
    seed: u64,
    mut rule: impl FnMut(usize, &mut Fields, &mut Rng),
) -> Vec<(String, String)> {
    let mut rng = Rng::new(seed);
    let mut fields = Fields::default();
    let mut rules = Vec::with_capacity(count);
    for i in 0..count {
        fields.clear();
        rule(i, &mut fields, &mut rng);
        rules.push((format!("rule-{i}"), fields.pattern()));
    }
    rules
}

/// `count` rules of a Lambda Destinations router over [`destination_record`]s, in the
/// `--rules` format (rule name, pattern text).
///
/// Real rule sets share values: every rule here names `source: ["lambda"]` and/or the
/// `detail-type` (one of the two, now and then both in a list) and a `condition` (one, or the
/// two of failures in a list), so that each such value is shared by a large part of the rules
/// (`source: ["lambda"]` by three in four). What makes each rule its own cycles over a
/// `functionArn` prefix (mostly of a function no record has; one in 64 is a real function and
/// version), a customer id, a narrow band of the response's `total`, an `anything-but` on the
/// `action` with a selective field, an item's sku, quantity and price (in one element),
/// `functionError: [{"exists": false}]` with a customer id, a `suffix` of the order id or of the
/// request id, and an `equals-ignore-case` on the customer id or the error type. The first four
/// rules are the router's catch-alls (every failure, server errors, one function's successes,
/// expired events).
///
/// On the records of seed 1, a record matches 0.64 rules on average at 1,000 rules (0.54 of them
/// the catch-alls), 1.1 at 5,000 and 9.5 at 100,000 (24 at most). Every rule set is a prefix of
/// the next larger one with the same seed.
///
/// ```
/// use evmatch::{corpus, Ruleset};
///
/// let rules = corpus::router_rules(100, 1);
/// assert_eq!(rules[..10], corpus::router_rules(10, 1)[..]);
/// assert!(rules.iter().all(|(_, p)| p.contains(r#""condition": ["#)));
/// let set = Ruleset::new();
/// for (name, pattern) in &rules {
///     set.add_json(name.clone(), pattern)?;
/// }
/// let failure = std::fs::read("corpus/destinations/failure.json").unwrap();
/// assert!(set.matches(&failure)?.contains(&"rule-0".to_string())); // every failure
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn router_rules(count: usize, seed: u64) -> Vec<(String, String)> {
    const HEADS: [&str; 4] = [
        // Every failure, to a dead-letter queue.
        r#"{"source": ["lambda"], "detail-type": ["Lambda Function Invocation Result - Failure"], "detail": {"requestContext": {"condition": ["RetriesExhausted", "EventAgeExceeded"]}}}"#,
        // Server errors, to an alarm.
        r#"{"source": ["lambda"], "detail": {"requestContext": {"condition": ["RetriesExhausted"]}, "responseContext": {"statusCode": [500]}}}"#,
        // One function's successes in one region, to its downstream queue.
        r#"{"detail-type": ["Lambda Function Invocation Result - Success"], "detail": {"requestContext": {"condition": ["Success"], "functionArn": [{"prefix": "arn:aws:lambda:us-east-1:123456789012:function:payment-capture:"}]}}}"#,
        // Expired events, to be replayed.
        r#"{"source": ["lambda"], "detail": {"requestContext": {"condition": ["EventAgeExceeded"]}}}"#,
    ];
    let mut rules = rule_set(count, seed, |i, fields, rng| {
        if i < HEADS.len() {
            return; // replaced below
        }
        match i % 8 {
            0 => {
                envelope(fields, rng, Outcome::Any);
                let region = rng.pick(&["us-east-1", "eu-west-1", "ap-southeast-2"]);
                let function = rng.pick(FUNCTIONS);
                if rng.below(64) == 0 {
                    // A real function and version: the prefix is the whole ARN.
                    let version = rng.pick(&["$LATEST", "3", "12"]);
                    fields.add(
                        path::FUNCTION_ARN,
                        format_args!(r#"[{{"prefix": "arn:aws:lambda:{region}:123456789012:function:{function}:{version}"}}]"#),
                    );
                } else {
                    // A tenant's copy of a function (`order-intake-4821`): no record has one.
                    fields.add(
                        path::FUNCTION_ARN,
                        format_args!(r#"[{{"prefix": "arn:aws:lambda:{region}:123456789012:function:{function}-{}"}}]"#, rng.below(100_000)),
                    );
                }
            }
            1 => {
                envelope(fields, rng, Outcome::Any);
                fields.add(
                    path::CUSTOMER_ID,
                    format_args!(r#"["c-{}"]"#, rng.below(50_000)),
                );
            }
            2 => {
                envelope(fields, rng, Outcome::Success);
                let low = rng.below(5000);
                fields.add(
                    path::TOTAL,
                    format_args!(
                        r#"[{{"numeric": [">=", {low}, "<", {}]}}]"#,
                        low + 1 + rng.below(5)
                    ),
                );
            }
            3 => {
                envelope(fields, rng, Outcome::Success);
                let first = rng.below(ACTIONS.len() as u64) as usize;
                if rng.chance(50) {
                    fields.add(
                        path::ACTION,
                        format_args!(r#"[{{"anything-but": ["{}"]}}]"#, ACTIONS[first]),
                    );
                } else {
                    let second = (first + 1) % ACTIONS.len();
                    fields.add(
                        path::ACTION,
                        format_args!(
                            r#"[{{"anything-but": ["{}", "{}"]}}]"#,
                            ACTIONS[first], ACTIONS[second]
                        ),
                    );
                }
                selective(fields, rng);
            }
            4 => {
                envelope(fields, rng, Outcome::Any);
                item(fields, rng);
            }
            5 => {
                envelope(fields, rng, Outcome::Success);
                fields.add(
                    path::FUNCTION_ERROR,
                    format_args!(r#"[{{"exists": false}}]"#),
                );
                fields.add(
                    path::CUSTOMER_ID,
                    format_args!(r#"["c-{}"]"#, rng.below(50_000)),
                );
            }
            6 => {
                envelope(fields, rng, Outcome::Any);
                if rng.chance(50) {
                    fields.add(
                        path::ORDER_ID,
                        format_args!(r#"[{{"suffix": "{:04}"}}]"#, rng.below(10_000)),
                    );
                } else {
                    fields.add(
                        path::REQUEST_ID,
                        format_args!(r#"[{{"suffix": "{:04x}"}}]"#, rng.below(0x10000)),
                    );
                }
            }
            _ => {
                if rng.chance(50) {
                    envelope(fields, rng, Outcome::Any);
                    fields.add(
                        path::CUSTOMER_ID,
                        format_args!(r#"[{{"equals-ignore-case": "C-{}"}}]"#, rng.below(50_000)),
                    );
                } else {
                    // An error type as someone typed it, with a selective order id: one
                    // failure in five has the type, one order in a thousand the suffix.
                    envelope(fields, rng, Outcome::Failure);
                    let (error_type, _) = rng.pick(ERRORS);
                    let typed = if rng.chance(50) {
                        error_type.to_ascii_uppercase()
                    } else {
                        error_type.to_ascii_lowercase()
                    };
                    fields.add(
                        path::ERROR_TYPE,
                        format_args!(r#"[{{"equals-ignore-case": "{typed}"}}]"#),
                    );
                    fields.add(
                        path::ORDER_ID,
                        format_args!(r#"[{{"suffix": "{:03}"}}]"#, rng.below(1000)),
                    );
                }
            }
        }
    });
    for (rule, head) in rules.iter_mut().zip(HEADS) {
        rule.1 = head.to_string();
    }
    rules
}

/// A bijection of the numbers below 2²⁰, chosen by a seed: rounds of xor with a key,
/// multiplication by an odd number and xor with a shift of itself (each a bijection modulo
/// 2²⁰), so that consecutive numbers land far apart.
struct Shuffle {
    keys: [(u64, u64); 3],
}

impl Shuffle {
    const BITS: u32 = 20;
    const MASK: u64 = (1 << Self::BITS) - 1;

    fn new(seed: u64) -> Shuffle {
        let mut rng = Rng::new(seed);
        let mut key = || {
            (
                rng.next_u64() & Self::MASK,
                (rng.next_u64() & Self::MASK) | 1,
            )
        };
        Shuffle {
            keys: [key(), key(), key()],
        }
    }

    fn apply(&self, mut x: u64) -> u64 {
        for (key, odd) in self.keys {
            x ^= key;
            x = x.wrapping_mul(odd) & Self::MASK;
            x ^= x >> 11;
        }
        x
    }
}

/// `count` rules that each pick one value for each of four fields from domains of 32 values,
/// in the `--rules` format (rule name, pattern text): every value is shared by one rule in 32
/// (3,125 at 100,000 rules), and every combination is unique up to 1,048,576 rules (beyond
/// that the combinations come round again, under new names).
///
/// The fields, and `source: ["lambda"]` in every rule:
/// * `detail.requestContext.functionArn`: 8 functions (the 6 of the records and 2 that no
///   record has) × 2 regions (of the records' 3) × 2 versions (of 3), exactly;
/// * `detail.requestPayload.customer.tier`: the records' `gold`, `silver`, `basic` and 29
///   made-up tiers;
/// * `detail.requestPayload.items.tags`: the records' 7 tags and 25 made-up ones;
/// * `detail.responsePayload.total`: at least 0, 100, 200, ... 3,100 (most totals are above several of these).
///
/// Rule `i` takes the combination numbered by a seeded bijective shuffle of `i`, so that the
/// first rules already spread over all values. Since a record has one ARN and one tier, it
/// matches few rules: on the records of seed 1, 0.013 on average at 1,000 rules, 0.26 at
/// 10,000, 3.1 at 100,000 and 31 at 1,000,000. The tags and the thresholds on `total` are what
/// let a record match several, so the matches gather in the records whose ARN and tier are
/// named (at 1,000,000 rules such a record matches up to about 200: every tag and threshold it
/// meets; two records in three match none). Every rule set is a prefix of the next larger one
/// with the same seed.
///
/// ```
/// use evmatch::{corpus, Ruleset};
///
/// let rules = corpus::product_rules(1000, 1);
/// assert_eq!(rules[..10], corpus::product_rules(10, 1)[..]);
/// let distinct: std::collections::HashSet<_> = rules.iter().map(|(_, p)| p).collect();
/// assert_eq!(distinct.len(), 1000);
/// let gold = rules.iter().filter(|(_, p)| p.contains(r#""tier": ["gold"]"#)).count();
/// assert!((15..50).contains(&gold)); // about one in 32
/// let set = Ruleset::new();
/// set.add_json("rule-0", &rules[0].1)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn product_rules(count: usize, seed: u64) -> Vec<(String, String)> {
    const PRODUCT_FUNCTIONS: [&str; 8] = [
        "order-intake",
        "payment-capture",
        "inventory-reserve",
        "email-sender",
        "thumbnail",
        "report-builder",
        "billing-sync",
        "search-indexer",
    ];
    const TIERS: [&str; 3] = ["gold", "silver", "basic"];
    const TAGS: [&str; 7] = ["gift", "fragile", "bulk", "express", "eu", "us", "apac"];
    let shuffle = Shuffle::new(seed);
    let mut fields = Fields::default();
    let mut rules = Vec::with_capacity(count);
    for i in 0..count {
        let combination = shuffle.apply(i as u64 & Shuffle::MASK);
        let digit = |field: u32| (combination >> (5 * field)) as usize & 31;
        fields.clear();
        fields.add(path::SOURCE, format_args!(r#"["lambda"]"#));
        let d = digit(0);
        fields.add(
            path::FUNCTION_ARN,
            format_args!(
                r#"["arn:aws:lambda:{}:123456789012:function:{}:{}"]"#,
                ["us-east-1", "eu-west-1"][d / 8 % 2],
                PRODUCT_FUNCTIONS[d % 8],
                ["$LATEST", "12"][d / 16],
            ),
        );
        let d = digit(1);
        if d < TIERS.len() {
            fields.add(path::TIER, format_args!(r#"["{}"]"#, TIERS[d]));
        } else {
            fields.add(path::TIER, format_args!(r#"["tier-{d}"]"#));
        }
        let d = digit(2);
        if d < TAGS.len() {
            fields.add(path::TAGS, format_args!(r#"["{}"]"#, TAGS[d]));
        } else {
            fields.add(path::TAGS, format_args!(r#"["tag-{d}"]"#));
        }
        fields.add(
            path::TOTAL,
            format_args!(r#"[{{"numeric": [">=", {}]}}]"#, digit(3) * 100),
        );
        rules.push((format!("rule-{i}"), fields.pattern()));
    }
    rules
}

/// Fields that no [`destination_record`] has.
const MADE_UP: [Path; 6] = [
    path::COUPON_CODE,
    path::VIP,
    path::REPLAY_NAME,
    path::RETRY_AFTER,
    path::GIFT_MESSAGE,
    path::THROTTLED,
];

/// Adds one `exists: false` field that the records of `outcome` never have (so that it holds).
fn absent(fields: &mut Fields, rng: &mut Rng, outcome: Outcome) {
    let choices: &[Path] = match outcome {
        Outcome::Success => &[path::FUNCTION_ERROR, path::ERROR_TYPE],
        Outcome::Failure => &[path::ACTION],
        Outcome::Any => &[],
    };
    loop {
        // Now and then a made-up field, whatever the outcome.
        let path = match rng.below(choices.len() as u64 + 2) as usize {
            n if n < choices.len() => choices[n],
            _ => *rng.pick(&MADE_UP),
        };
        if !fields.has(path) {
            fields.add(path, format_args!(r#"[{{"exists": false}}]"#));
            return;
        }
    }
}

/// Adds one `exists: false` field that every record of `outcome` has, so that the rule never
/// matches one (as rules for a shape of event that no longer comes do).
fn present(fields: &mut Fields, rng: &mut Rng, outcome: Outcome) {
    let path = match (outcome, rng.below(2)) {
        (Outcome::Success, 0) => path::ACTION,
        (Outcome::Failure, 0) => path::FUNCTION_ERROR,
        _ => path::EMAIL,
    };
    fields.add(path, format_args!(r#"[{{"exists": false}}]"#));
}

/// The outcome a rule of [`absent_rules`] or [`anything_but_rules`] is about: successes four
/// times in ten, failures three, either three.
fn outcome(rng: &mut Rng) -> Outcome {
    match rng.below(10) {
        0..=3 => Outcome::Success,
        4..=6 => Outcome::Failure,
        _ => Outcome::Any,
    }
}

/// `count` rules leaning on `exists: false`, over [`destination_record`]s, in the `--rules`
/// format (rule name, pattern text).
///
/// Nine rules in ten name the shared `source`/`detail-type` and `condition` values (as
/// [`router_rules`] does), one or two `exists: false` fields (`functionError`, `errorType`,
/// `action`, `customer.email` or a field no record has, mostly consistent with the condition,
/// and one rule in seven with `customer.email`, which every record has) and a selective part (a
/// customer id or prefix, an order id suffix, an email, a request id prefix, or an item). The
/// tenth rule has only the shared values and `exists: false` fields: one in 512 of those can
/// match (from a tenth to two thirds of the records, by its condition), the others name a
/// field that records of their condition always have. On the records of seed 1, a record
/// matches 0.35 rules on average at 1,000 rules (0.32 of them rule-9, the one such rule that
/// can match), 0.54 at 5,000 and 13 at 100,000 (26 at most; most of the matches are of the 20
/// rules of shared values and absent fields that can match). Every rule set is a prefix of the
/// next larger one with the same seed.
///
/// ```
/// use evmatch::{corpus, Ruleset};
///
/// let rules = corpus::absent_rules(100, 1);
/// assert_eq!(rules[..10], corpus::absent_rules(10, 1)[..]);
/// assert!(rules.iter().all(|(_, p)| p.contains(r#"{"exists": false}"#)));
/// let set = Ruleset::new();
/// for (name, pattern) in &rules {
///     set.add_json(name.clone(), pattern)?;
/// }
/// assert_eq!(set.len(), 100);
/// # Ok::<(), evmatch::RulesetError>(())
/// ```
pub fn absent_rules(count: usize, seed: u64) -> Vec<(String, String)> {
    rule_set(count, seed, |i, fields, rng| {
        let outcome = outcome(rng);
        envelope(fields, rng, outcome);
        if i % 10 == 9 {
            // Only shared values and absent fields: such rules could match a large share of
            // the records, so only one in 512 is left able to.
            absent(fields, rng, outcome);
            if rng.chance(50) {
                absent(fields, rng, outcome);
            }
            if (i / 10) % 512 != 0 {
                present(fields, rng, outcome);
            }
            return;
        }
        absent(fields, rng, outcome);
        if rng.chance(15) {
            fields.add(path::EMAIL, format_args!(r#"[{{"exists": false}}]"#));
        } else if rng.chance(30) {
            absent(fields, rng, outcome);
        }
        selective(fields, rng);
    })
}

/// Adds an `anything-but` over one field (in one of its forms, by `form`) that lets most of the
/// records of `outcome` through.
fn anything_but(fields: &mut Fields, rng: &mut Rng, outcome: Outcome, form: usize) {
    let action = path::ACTION;
    let error_type = path::ERROR_TYPE;
    let version = path::EXECUTED_VERSION;
    let customer = path::CUSTOMER_ID;
    match form {
        // A list of strings (only a success has an action, only a failure an error type).
        0 if outcome == Outcome::Success => {
            let first = rng.below(ACTIONS.len() as u64) as usize;
            let second = (first + 1 + rng.below(3) as usize) % ACTIONS.len();
            fields.add(
                action,
                format_args!(
                    r#"[{{"anything-but": ["{}", "{}"]}}]"#,
                    ACTIONS[first], ACTIONS[second]
                ),
            );
        }
        0 => {
            let (first, _) = rng.pick(&ERRORS[..4]); // the fifth is ValidationError
            fields.add(
                error_type,
                format_args!(r#"[{{"anything-but": ["{first}", "ValidationError"]}}]"#),
            );
        }
        // One string.
        1 => fields.add(
            version,
            format_args!(
                r#"[{{"anything-but": "{}"}}]"#,
                rng.pick(&["$LATEST", "3", "12", "7"])
            ),
        ),
        // A list of numbers.
        2 => {
            if rng.chance(50) {
                fields.add(
                    path::STATUS_CODE,
                    format_args!(r#"[{{"anything-but": [500, 502, 503]}}]"#),
                );
            } else {
                fields.add(
                    path::INVOKE_COUNT,
                    format_args!(r#"[{{"anything-but": [{}]}}]"#, 1 + rng.below(3)),
                );
            }
        }
        // A prefix.
        3 => {
            if rng.chance(50) {
                fields.add(
                    customer,
                    format_args!(
                        r#"[{{"anything-but": {{"prefix": "c-{}"}}}}]"#,
                        1 + rng.below(9)
                    ),
                );
            } else {
                fields.add(
                    version,
                    format_args!(r#"[{{"anything-but": {{"prefix": "$"}}}}]"#),
                );
            }
        }
        // A suffix.
        4 if outcome == Outcome::Failure => fields.add(
            error_type,
            format_args!(r#"[{{"anything-but": {{"suffix": ".Timeout"}}}}]"#),
        ),
        4 => fields.add(
            customer,
            format_args!(r#"[{{"anything-but": {{"suffix": "{}"}}}}]"#, rng.below(10)),
        ),
        // Equals-ignore-case.
        5 if outcome == Outcome::Success => fields.add(
            action,
            format_args!(
                r#"[{{"anything-but": {{"equals-ignore-case": ["{}"]}}}}]"#,
                rng.pick(ACTIONS).to_ascii_uppercase()
            ),
        ),
        5 => fields.add(
            error_type,
            format_args!(
                r#"[{{"anything-but": {{"equals-ignore-case": ["typeerror", "STATES.TIMEOUT"]}}}}]"#
            ),
        ),
        // A wildcard, or a list of them.
        _ => match rng.below(3) {
            0 => fields.add(
                customer,
                format_args!(
                    r#"[{{"anything-but": {{"wildcard": "c-*{}"}}}}]"#,
                    rng.below(10)
                ),
            ),
            1 => {
                let first = rng.below(FUNCTIONS.len() as u64) as usize;
                fields.add(
                path::FUNCTION_ARN,
                format_args!(
                    r#"[{{"anything-but": {{"wildcard": ["*:function:{}:*", "*:function:{}:*"]}}}}]"#,
                    FUNCTIONS[first],
                    FUNCTIONS[(first + 1) % FUNCTIONS.len()]
                ),
            )
            }
            _ => fields.add(
                version,
                format_args!(r#"[{{"anything-but": {{"wildcard": "$*"}}}}]"#),
            ),
        },
    }
}

/// An `anything-but` that excludes every value the records of `outcome` have in its field, as
/// a rule watching for unknown values does; with `leave_one` it leaves one value out, so that
/// the rule matches the records that have it.
fn exhaustive_anything_but(fields: &mut Fields, rng: &mut Rng, outcome: Outcome, leave_one: bool) {
    let list = |values: &[&str], skip: Option<usize>| {
        let mut out = String::new();
        for (n, value) in values.iter().enumerate() {
            if Some(n) != skip {
                let comma = if out.is_empty() { "" } else { ", " };
                let _ = write!(out, r#"{comma}"{value}""#);
            }
        }
        out
    };
    let error_types: Vec<&str> = ERRORS.iter().map(|(t, _)| *t).collect();
    let (path, values): (Path, &[&str]) = match (outcome, rng.below(2)) {
        (Outcome::Success, 0) => (path::ACTION, ACTIONS),
        (Outcome::Success, _) => (path::PAYLOAD_SOURCE, PAYLOAD_SOURCES),
        (Outcome::Failure, 0) => (path::ERROR_TYPE, &error_types),
        (Outcome::Failure, _) => (path::FUNCTION_ERROR, &["Unhandled", "Handled"]),
        (Outcome::Any, 0) => (path::EXECUTED_VERSION, &["$LATEST", "3", "12"]),
        (Outcome::Any, _) => {
            // Every customer id starts `c-`; leaving one out means excluding a narrower
            // prefix.
            let prefix = if leave_one { "c-1" } else { "c-" };
            fields.add(
                path::CUSTOMER_ID,
                format_args!(r#"[{{"anything-but": {{"prefix": "{prefix}"}}}}]"#),
            );
            return;
        }
    };
    let skip = leave_one.then(|| rng.below(values.len() as u64) as usize);
    fields.add(
        path,
        format_args!(r#"[{{"anything-but": [{}]}}]"#, list(values, skip)),
    );
}

/// `count` rules leaning on `anything-but`, over [`destination_record`]s, in the `--rules`
/// format (rule name, pattern text).
///
/// Nine rules in ten name the shared `source`/`detail-type` and `condition` values (as
/// [`router_rules`] does), an `anything-but` in one of its forms (a list of strings, one
/// string, a list of numbers, `prefix`, `suffix`, `equals-ignore-case`, `wildcard` or a list of
/// wildcards) over the action, error type, executed version, customer id, status code, invoke
/// count or function ARN, letting most records through (two rules in ten have a second one, on
/// another field), and a selective part (a customer id or prefix, an order id suffix, an email,
/// a request id prefix, or an item). The tenth rule watches for unknown values: shared values
/// and an `anything-but` listing every value the records have in a field, so that it never
/// matches, except one in 512 that leaves one value out. On the records of seed 1, a record
/// matches 0.18 rules on average at 1,000 rules (0.15 of them rule-9, the one watch that
/// leaves a value out), 0.28 at 5,000 and 6.4 at 100,000 (18 at most). Every rule set is a
/// prefix of the next larger one with the same seed.
///
/// ```
/// use evmatch::{corpus, Ruleset};
///
/// let rules = corpus::anything_but_rules(100, 1);
/// assert_eq!(rules[..10], corpus::anything_but_rules(10, 1)[..]);
/// assert!(rules.iter().all(|(_, p)| p.contains(r#""anything-but""#)));
/// let set = Ruleset::new();
/// for (name, pattern) in &rules {
///     set.add_json(name.clone(), pattern)?;
/// }
/// assert_eq!(set.len(), 100);
/// # Ok::<(), evmatch::RulesetError>(())
/// ```
pub fn anything_but_rules(count: usize, seed: u64) -> Vec<(String, String)> {
    rule_set(count, seed, |i, fields, rng| {
        let outcome = outcome(rng);
        envelope(fields, rng, outcome);
        if i % 10 == 9 {
            exhaustive_anything_but(fields, rng, outcome, (i / 10) % 512 == 0);
            return;
        }
        anything_but(fields, rng, outcome, i % 10 % 7);
        if i % 10 >= 7 {
            // Two exclusions in one rule, over different fields.
            loop {
                let form = rng.below(7) as usize;
                anything_but(fields, rng, outcome, form);
                if !fields.repeats_last() {
                    break;
                }
                fields.pop();
            }
        }
        selective(fields, rng);
    })
}

/// A moment in November 2026: day, hour, minute, second, millisecond.
fn moment(rng: &mut Rng) -> (u64, u64, u64, u64, u64) {
    (
        rng.below(28) + 1,
        rng.below(24),
        rng.below(60),
        rng.below(60),
        rng.below(1000),
    )
}

/// One invocation outcome, in the form [`Invocation::from_json`] reads: the input of the
/// destination router. About 70% succeed (returning `source` and `action`, as "destined"
/// functions do), 20% exhaust their retries with an error and a stack trace, and 10% exceed
/// the maximum event age (a few of those before any attempt ran).
///
/// ```
/// use evmatch::corpus::{invocation, Rng};
/// use evmatch::destinations::Invocation;
/// let mut rng = Rng::new(7);
/// let line = invocation(&mut rng);
/// assert!(Invocation::from_json(line.as_bytes()).is_ok());
/// assert_eq!(line, invocation(&mut Rng::new(7)));
/// ```
///
/// [`Invocation::from_json`]: crate::destinations::Invocation::from_json
pub fn invocation(rng: &mut Rng) -> String {
    let function = *rng.pick(FUNCTIONS);
    let region = *rng.pick(&["us-east-1", "eu-west-1"]);
    let version = *rng.pick(&["$LATEST", "3", "12"]);
    let (day, hour, minute, second, milli) = moment(rng);
    let mut out = String::with_capacity(1024);
    out.push_str(r#"{"requestId":""#);
    uuid(&mut out, rng);
    let _ = write!(
        out,
        r#"","functionArn":"arn:aws:lambda:{region}:123456789012:function:{function}","version":"{version}","timestamp":"2026-11-{day:02}T{hour:02}:{minute:02}:{second:02}.{milli:03}Z","#
    );
    let roll = rng.below(100);
    let attempts = match roll {
        0..=69 => 1 + rng.below(3),
        70..=89 => 3,
        90..=94 => 0,
        _ => 1 + rng.below(2),
    };
    let _ = write!(out, r#""attempts":{attempts},"request":{{"#);
    order(&mut out, rng, false, 60);
    out.push('}');
    match roll {
        0..=69 => {
            let _ = write!(
                out,
                r#","response":{{"source":"{}","action":"{}","total":{}.{:02}}}}}"#,
                rng.pick(PAYLOAD_SOURCES),
                rng.pick(ACTIONS),
                rng.below(5000),
                rng.below(100),
            );
        }
        90..=94 => out.push_str(r#","expired":true}"#),
        _ => {
            let (error_type, message) = *rng.pick(ERRORS);
            let _ = write!(
                out,
                r#","error":{{"type":"{error_type}","message":"{message}","trace":["#
            );
            for depth in 0..(2 + rng.below(8)) {
                if depth > 0 {
                    out.push(',');
                }
                let _ = write!(
                    out,
                    r#""    at {} (/var/task/{}.js:{}:{})""#,
                    rng.pick(&["Runtime.handler", "processOrder", "chargeCard"]),
                    rng.pick(&["app", "lib/payments", "lib/db"]),
                    depth * 7 + rng.below(300),
                    rng.below(40),
                );
            }
            out.push_str("]}");
            if roll >= 95 {
                out.push_str(r#","expired":true"#);
            }
            out.push('}');
        }
    }
    out
}

/// `count` invocation outcomes ([`invocation`]), one per line.
///
/// ```
/// use evmatch::corpus::invocations;
/// assert_eq!(invocations(3, 1).lines().count(), 3);
/// assert_eq!(invocations(3, 1), invocations(3, 1));
/// ```
pub fn invocations(count: usize, seed: u64) -> String {
    lines(count, seed, invocation)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Pattern, Ruleset};

    type Generator = fn(usize, u64) -> Vec<(String, String)>;

    const GENERATORS: [(&str, Generator); 4] = [
        ("router", router_rules),
        ("product", product_rules),
        ("absent", absent_rules),
        ("anything-but", anything_but_rules),
    ];

    /// The names of the rules that match each of the 300 records of seed 1, after adding every
    /// rule to a rule set (each must be valid).
    fn matches(rules: &[(String, String)]) -> Vec<Vec<String>> {
        let set = Ruleset::new();
        for (name, pattern) in rules {
            set.add_json(name.clone(), pattern)
                .unwrap_or_else(|e| panic!("{name}: {pattern}: {e}"));
        }
        assert_eq!(set.len(), rules.len());
        destination_records(300, 1)
            .lines()
            .map(|record| set.matches(record.as_bytes()).unwrap())
            .collect()
    }

    /// How many matches in all, and how many of rules `named` (by index).
    fn count(matches: &[Vec<String>], named: impl Fn(usize) -> bool) -> (usize, usize) {
        let all = matches.iter().map(Vec::len).sum();
        let of = matches
            .iter()
            .flatten()
            .filter(|name| named(name["rule-".len()..].parse().unwrap()))
            .count();
        (all, of)
    }

    #[test]
    fn every_set_is_a_prefix_of_the_next_larger_one() {
        for (set, generate) in GENERATORS {
            let large = generate(100, 7);
            assert_eq!(large.len(), 100);
            assert_eq!(large[..10], generate(10, 7)[..], "{set}");
            assert_eq!(large, generate(100, 7), "{set}: same seed, same rules");
            assert_ne!(large, generate(100, 8), "{set}: another seed, other rules");
            assert!(generate(0, 1).is_empty());
            for (i, (name, _)) in large.iter().enumerate() {
                assert_eq!(*name, format!("rule-{i}"));
            }
        }
    }

    #[test]
    fn patterns_are_what_aws_accepts() {
        for (set, generate) in GENERATORS {
            for (name, text) in generate(1000, 3) {
                // Parsing checks the values (numbers within ±5e9 with six decimals at most,
                // wildcard complexity); what it does not check, checked here.
                let pattern = Pattern::parse(&text).unwrap_or_else(|e| panic!("{set} {name}: {e}"));
                assert!(!text.contains("[]"), "{set} {name}: empty list in {text}");
                assert!(pattern.complexity() <= 10, "{set} {name}");
                for branch in pattern.branches() {
                    assert!((1..=64).contains(&branch.fields().len()), "{set} {name}");
                }
            }
        }
    }

    #[test]
    fn router_rules_share_values_and_match_a_handful() {
        let rules = router_rules(1000, 1);
        let shared = rules
            .iter()
            .filter(|(_, p)| p.contains(r#""source": ["lambda"]"#) || p.contains("detail-type"))
            .count();
        assert_eq!(shared, 1000);
        assert!(rules.iter().all(|(_, p)| p.contains(r#""condition": ["#)));
        let matches = matches(&rules);
        // Measured: 193 matches in all (0.64 a record), 162 of them the four catch-alls
        // (rule-0, every failure, alone 96), 31 of the other 996 rules; 3 at most a record.
        let (all, tail) = count(&matches, |i| i >= 4);
        assert!((100..=300).contains(&all), "{all}");
        assert!((10..=80).contains(&tail), "{tail}");
        assert!(matches.iter().all(|m| m.len() <= 8));
        let failures = matches
            .iter()
            .filter(|m| m.contains(&"rule-0".into()))
            .count();
        assert!((60..=130).contains(&failures), "{failures}"); // about 30% fail
    }

    #[test]
    fn router_rules_match_a_handful_at_five_thousand() {
        // Measured: 323 matches (1.08 a record), 4 at most; the 4,996 selective rules add 161,
        // about 0.1 a record for each thousand rules (about 9 at 100,000 rules).
        let matches = matches(&router_rules(5000, 1));
        let (all, tail) = count(&matches, |i| i >= 4);
        assert!((200..=600).contains(&all), "{all}");
        assert!((80..=320).contains(&tail), "{tail}");
        assert!(matches.iter().all(|m| m.len() <= 10));
    }

    #[test]
    fn product_rules_are_unique_combinations_spread_over_every_value() {
        // The shuffle is a bijection of the numbers below 2^20.
        let shuffle = Shuffle::new(1);
        let mut seen = vec![false; 1 << 20];
        for i in 0..1 << 20 {
            let x = shuffle.apply(i) as usize;
            assert!(!seen[x], "{i}");
            seen[x] = true;
        }
        let rules = product_rules(20_000, 1);
        let distinct: std::collections::HashSet<_> = rules.iter().map(|(_, p)| p).collect();
        assert_eq!(distinct.len(), rules.len());
        // The first thousand rules use every value of every field, each about 31 times.
        let first = &rules[..1000];
        let uses = |value: &str| first.iter().filter(|(_, p)| p.contains(value)).count();
        for d in 3..32 {
            assert!(
                (15..=50).contains(&uses(&format!("\"tier-{d}\""))),
                "tier-{d}"
            );
        }
        for d in 7..32 {
            assert!(
                (15..=50).contains(&uses(&format!("\"tag-{d}\""))),
                "tag-{d}"
            );
        }
        for d in 0..32 {
            let total = format!(r#"[">=", {}]"#, d * 100);
            assert!((15..=50).contains(&uses(&total)), "{total}");
        }
        for function in FUNCTIONS {
            assert!((60..=190).contains(&uses(&format!(":function:{function}:"))));
        }
    }

    #[test]
    fn product_rules_match_some_records() {
        // One ARN and one tier in 32 each make a match rare at 1,000 rules (measured: 4
        // matches of 2 rules) and common at 10,000 (79 matches, 50 records of 300).
        let few = matches(&product_rules(1000, 1));
        let (all, _) = count(&few, |_| true);
        assert!((1..=30).contains(&all), "{all}");
        let many = matches(&product_rules(10_000, 1));
        let (all, _) = count(&many, |_| true);
        assert!((30..=200).contains(&all), "{all}");
        let records = many.iter().filter(|m| !m.is_empty()).count();
        assert!((20..=120).contains(&records), "{records}");
        assert!(many.iter().all(|m| m.len() <= 10));
    }

    #[test]
    fn absent_rules_lean_on_exists_false() {
        let rules = absent_rules(1000, 1);
        assert!(rules
            .iter()
            .all(|(_, p)| p.contains(r#"[{"exists": false}]"#)));
        let matches = matches(&rules);
        // Measured: 105 matches (0.35 a record): 96 of rule-9 (the one rule of shared values
        // and absent fields that can match), 9 of the 900 selective rules; the other 99
        // rules of shared values and absent fields never match.
        let pure = |i: usize| i % 10 == 9;
        let (all, selective) = count(&matches, |i| !pure(i));
        let (_, unmatchable) = count(&matches, |i| pure(i) && i != 9);
        assert!((50..=200).contains(&all), "{all}");
        assert!((2..=40).contains(&selective), "{selective}");
        assert_eq!(unmatchable, 0);
        assert!(matches.iter().all(|m| m.len() <= 6));
        // At 5,000 rules (measured: 163 matches, 3 at most), the 4,500 selective rules match 67
        // times.
        let matches = self::matches(&absent_rules(5000, 1));
        let (all, selective) = count(&matches, |i| !pure(i));
        assert!((100..=350).contains(&all), "{all}");
        assert!((30..=140).contains(&selective), "{selective}");
    }

    #[test]
    fn anything_but_rules_lean_on_anything_but() {
        let rules = anything_but_rules(1000, 1);
        assert!(rules
            .iter()
            .all(|(_, p)| p.contains(r#"[{"anything-but": "#)));
        for form in [
            r#"{"anything-but": ["#,
            r#"{"anything-but": [5"#,
            r#"{"anything-but": "#,
            r#"{"anything-but": {"prefix": "#,
            r#"{"anything-but": {"suffix": "#,
            r#"{"anything-but": {"equals-ignore-case": ["#,
            r#"{"anything-but": {"wildcard": "#,
            r#"{"anything-but": {"wildcard": ["#,
        ] {
            assert!(rules.iter().any(|(_, p)| p.contains(form)), "{form}");
        }
        let matches = matches(&rules);
        // Measured: 54 matches (0.18 a record): 46 of rule-9 (the one unknown-value watch
        // that leaves a value out), 8 of the 900 selective rules; the other watches never
        // match.
        let watch = |i: usize| i % 10 == 9;
        let (all, selective) = count(&matches, |i| !watch(i));
        let (_, unmatchable) = count(&matches, |i| watch(i) && i != 9);
        assert!((20..=150).contains(&all), "{all}");
        assert!((2..=40).contains(&selective), "{selective}");
        assert_eq!(unmatchable, 0);
        assert!(matches.iter().all(|m| m.len() <= 6));
        // At 5,000 rules (measured: 85 matches, 2 at most), the 4,500 selective rules match 39
        // times.
        let matches = self::matches(&anything_but_rules(5000, 1));
        let (all, selective) = count(&matches, |i| !watch(i));
        assert!((50..=200).contains(&all), "{all}");
        assert!((15..=90).contains(&selective), "{selective}");
    }
}
