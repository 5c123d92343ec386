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
    let Ok(Json::Array(items)) = Json::parse(text) else {
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

/// Writes a coordinate the way the CityLots file does: 15 digits after the decimal point.
fn coordinate(out: &mut String, rng: &mut Rng, whole: i64, from: u64, spread: u64) {
    let fraction = (from + rng.below(spread)) * 1_000_000_000 + rng.below(1_000_000_000);
    let _ = write!(out, "{whole}.{fraction:015}");
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
        coordinate(&mut out, rng, 122, 360_000, 160_000);
        out.push(',');
        coordinate(&mut out, rng, 37, 700_000, 120_000);
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
