//! Invalid patterns beyond the recorded corpus. Each reason is the one AWS's compiler gives for
//! the same input, including its order of checks: the first problem in document order wins,
//! and an operator's operand is checked before the members that follow it.

use evmatch::pattern::ErrorKind;
use evmatch::Pattern;

/// (pattern, AWS's reason, where in the pattern)
const CASES: &[(&str, &str, &str)] = &[
    (r#"[]"#, "Filter is not an object", "(pattern)"),
    (r#""x""#, "Filter is not an object", "(pattern)"),
    (r#"{}"#, "Empty objects are not allowed", "(pattern)"),
    (r#"{"a": {}}"#, "Empty objects are not allowed", "a"),
    (r#"{"a": true}"#, r#""a" must be an object or an array"#, "a"),
    (r#"{"a": null}"#, r#""a" must be an object or an array"#, "a"),
    (r#"{"a": [[1]]}"#, "Match value must be String, number, true, false, or null", "a[0]"),
    (r#"{"a": [{}]}"#, "Match expression name not found", "a[0]"),
    (r#"{"a": [{"prefix": "x", "suffix": "y"}]}"#, "Only one key allowed in match expression", "a[0].suffix"),
    (r#"{"a": [{"prefix": 1, "suffix": "y"}]}"#, "prefix match pattern must be a string", "a[0].prefix"),
    (r#"{"a": [{"Prefix": "x"}]}"#, "Unrecognized match type Prefix", "a[0].Prefix"),
    (r#"{"a": [{"exactly": 1}]}"#, "exact match pattern must be a string", "a[0].exactly"),
    (r#"{"a": [{"prefix": {}}]}"#, "Prefix expression name not found", "a[0].prefix"),
    (r#"{"a": [{"suffix": {}}]}"#, "Suffix expression name not found", "a[0].suffix"),
    (r#"{"a": [{"prefix": {"wildcard": "x"}}]}"#, "Unsupported prefix pattern: wildcard", "a[0].prefix.wildcard"),
    (r#"{"a": [{"suffix": {"x": "y"}}]}"#, "Unsupported suffix pattern: x", "a[0].suffix.x"),
    (r#"{"a": [{"prefix": {"equals-ignore-case": 5}}]}"#, "equals-ignore-case match pattern must be a string", "a[0].prefix.equals-ignore-case"),
    (r#"{"a": [{"prefix": {"equals-ignore-case": "x", "b": 1}}]}"#, "Only one key allowed in match expression", "a[0].prefix.b"),
    (r#"{"a": [{"exists": "yes"}]}"#, "exists match pattern must be either true or false.", "a[0].exists"),
    (r#"{"a": [{"exists": true, "prefix": "x"}]}"#, "Only one key allowed in match expression", "a[0].prefix"),
    (r#"{"a": [{"equals-ignore-case": null}]}"#, "equals-ignore-case match pattern must be a string", "a[0].equals-ignore-case"),
    (r#"{"a": [{"wildcard": "a\\b"}]}"#, "Invalid escape character at pos 2", "a[0].wildcard"),
    (r#"{"a": [{"cidr": "10.0.0.0/32"}]}"#, "IPv4 mask bits must be < 32", "a[0].cidr"),
    (r#"{"a": [{"cidr": "10.0.0.0/-1"}]}"#, "Malformed CIDR, mask bits must not be negative", "a[0].cidr"),
    (r#"{"a": [{"cidr": "10.0.0.300/8"}]}"#, "Invalid IP address: 10.0.0.300", "a[0].cidr"),
    (r#"{"a": [{"cidr": "::/128"}]}"#, "IPv6 mask bits must be < 128", "a[0].cidr"),
    // numeric
    (r#"{"a": [{"numeric": []}]}"#, "Invalid member in numeric match: ]", "a[0].numeric[0]"),
    (r#"{"a": [{"numeric": [5]}]}"#, "Invalid member in numeric match: 5", "a[0].numeric[0]"),
    (r#"{"a": [{"numeric": ["!=", 5]}]}"#, "Unrecognized numeric range operator: !=", "a[0].numeric[0]"),
    (r#"{"a": [{"numeric": ["=", "5"]}]}"#, "Value of equals must be numeric", "a[0].numeric[1]"),
    (r#"{"a": [{"numeric": ["=", 5, "<", 6]}]}"#, "Too many elements in numeric expression", "a[0].numeric[2]"),
    (r#"{"a": [{"numeric": ["<", 5, ">", 1]}]}"#, "Too many elements in numeric expression", "a[0].numeric[2]"),
    (r#"{"a": [{"numeric": [">=", null]}]}"#, "Value of >= must be numeric", "a[0].numeric[1]"),
    (r#"{"a": [{"numeric": [">", 0, 5]}]}"#, "Bad value in numeric range: 5", "a[0].numeric[2]"),
    (r#"{"a": [{"numeric": [">", 0, "<=", 5, 6]}]}"#, "Too many terms in numeric range expression", "a[0].numeric[4]"),
    (r#"{"a": [{"numeric": [">", 5, "<", 5]}]}"#, "Bottom must be less than top", "a[0].numeric"),
    (r#"{"a": [{"numeric": [">=", 10, "<=", 5]}]}"#, "Bottom must be less than top", "a[0].numeric"),
    (r#"{"a": [{"numeric": [">", 6e9]}]}"#, "Value must be between -5.0E9 and 5.0E9, inclusive", "a[0].numeric[1]"),
    (r#"{"a": [{"numeric": ["<", -5000000000.5]}]}"#, "Value must be between -5.0E9 and 5.0E9, inclusive", "a[0].numeric[1]"),
    (r#"{"a": [{"numeric": ["=", 0.1234567]}]}"#, "Only values upto 6 decimals are supported", "a[0].numeric[1]"),
    (r#"{"a": [{"numeric": [">", 1e400]}]}"#, "Overflow", "a[0].numeric[1]"),
    (r#"{"a": [{"numeric": [">", 0], "x": 1}]}"#, "Too many elements in numeric expression", "a[0].x"),
    // anything-but
    (r#"{"a": [{"anything-but": true}]}"#, "Value of anything-but must be an array or single string/number value.", "a[0].anything-but"),
    (r#"{"a": [{"anything-but": {}}]}"#, "Anything-But expression name not found", "a[0].anything-but"),
    (r#"{"a": [{"anything-but": {"numeric": [">", 1]}}]}"#, "Unsupported anything-but pattern: numeric", "a[0].anything-but.numeric"),
    (r#"{"a": [{"anything-but": [1, "a"]}]}"#, "Inside anything but list, either all values are number or string, mixed type is not supported", "a[0].anything-but"),
    (r#"{"a": [{"anything-but": []}]}"#, "Inside anything but list, either all values are number or string, mixed type is not supported", "a[0].anything-but"),
    (r#"{"a": [{"anything-but": [["x"]]}]}"#, "Inside anything but list, start|null|boolean is not supported.", "a[0].anything-but[0]"),
    (r#"{"a": [{"anything-but": [6e9]}]}"#, "Value must be between -5.0E9 and 5.0E9, inclusive", "a[0].anything-but[0]"),
    (r#"{"a": [{"anything-but": "x", "b": 1}]}"#, "Too many elements in numeric expression", "a[0].b"),
    (r#"{"a": [{"anything-but": {"prefix": "x", "b": 1}}]}"#, "Too many elements in numeric expression", "a[0].anything-but.b"),
    (r#"{"a": [{"anything-but": {"prefix": [""]}}]}"#, "Null prefix/suffix not allowed", "a[0].anything-but.prefix[0]"),
    (r#"{"a": [{"anything-but": {"equals-ignore-case": [true]}}]}"#, "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.", "a[0].anything-but.equals-ignore-case[0]"),
    (r#"{"a": [{"anything-but": {"wildcard": "a**"}}]}"#, "Consecutive wildcard characters at pos 2", "a[0].anything-but.wildcard"),
    (r#"{"a": [{"anything-but": {"wildcard": ["ok", "x\\y"]}}]}"#, "Invalid escape character at pos 2", "a[0].anything-but.wildcard[1]"),
    // $or
    (r#"{"$or": {"a": [1]}}"#, "It must be an Array followed with $or.", "$or"),
    (r#"{"$or": [{"a": [1]}]}"#, "There must have at least 2 Objects in $or relationship.", "$or"),
    (r#"{"$or": []}"#, "There must have at least 2 Objects in $or relationship.", "$or"),
    (r#"{"$or": [{"a": [1]}, "b"]}"#, "Only JSON object is allowed in array of $or relationship.", "$or[1]"),
    (r#"{"$or": [{"a": [1]}, {}]}"#, "Empty objects are not allowed", "$or[1]"),
    (r#"{"$or": [{"a": [1]}, {"numeric": [1]}]}"#, "numeric is Ruler reserved fieldName which cannot be used inside $or.", "$or[1].numeric"),
    (r#"{"$or": [{"a": [1]}, {"b": {"prefix": ["x"]}}]}"#, "prefix is Ruler reserved fieldName which cannot be used inside $or.", "$or[1].b.prefix"),
    // The first problem in document order wins.
    (r#"{"b": [], "a": 5}"#, "Empty arrays are not allowed", "b"),
    (r#"{"a": 5, "b": []}"#, r#""a" must be an object or an array"#, "a"),
    (r#"{"a": [[], {"bad": 1}]}"#, "Match value must be String, number, true, false, or null", "a[0]"),
    // Wildcard complexity is judged on the whole field.
    (r#"{"a": [{"wildcard": "*:*:*:*:*:event-bus/*"}]}"#, "Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character", "a"),
    (r#"{"k": [{"wildcard": "*/datasync/*.bif"}, {"wildcard": "*/datasync/*.tiff"}, {"wildcard": "*/datasync/*.tif"}, {"wildcard": "*/datasync/*.svs"}]}"#, "Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character", "k"),
];

#[test]
fn aws_reasons_and_locations() {
    let mut wrong = Vec::new();
    for (pattern, reason, location) in CASES {
        match Pattern::parse(pattern) {
            Ok(_) => wrong.push(format!("{pattern}: accepted, expected {reason:?}")),
            Err(e) => {
                if e.reason() != *reason || e.path().to_string() != *location {
                    wrong.push(format!(
                        "{pattern}: got {:?} at {}, expected {reason:?} at {location}",
                        e.reason(),
                        e.path()
                    ));
                }
                assert_eq!(
                    e.to_string(),
                    format!("Event pattern is not valid. Reason: {reason}")
                );
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn valid_corners_are_accepted() {
    for pattern in [
        r#"{"a": [{"prefix": ""}]}"#,
        r#"{"a": [{"suffix": ""}]}"#,
        r#"{"a": [{"wildcard": ""}]}"#,
        r#"{"a": [{"equals-ignore-case": ""}]}"#,
        r#"{"a": [{"numeric": [">=", -5e9, "<=", 5e9]}]}"#,
        r#"{"a": [{"numeric": ["=", 0.000001]}]}"#,
        r#"{"a": [123456789012, 1e400, -0]}"#,
        r#"{"a": [{"wildcard": "arn:aws:events:us-east-1:*:event-bus/*"}]}"#,
        r#"{"a": [{"wildcard": "/Users/*/dir/dir/dir/dir/dir/doc.txt"}]}"#,
        r#"{"a": [{"wildcard": "\\*\\\\"}]}"#,
        r#"{"prefix": ["field named like an operator is fine outside $or"]}"#,
        r#"{"$or": [{"a": [1]}, {"b": [2]}], "c": [3]}"#,
        r#"{"a": {"$or": [{"b": [1]}, {"$or": [{"c": [1]}, {"d": [1]}]}]}}"#,
        r#"{"a": [{"cidr": "10.0.0.0/8/"}]}"#,
    ] {
        if let Err(e) = Pattern::parse(pattern) {
            panic!("{pattern}: {e}");
        }
    }
}

#[test]
fn or_multiplies_out_in_document_order() {
    let p = Pattern::parse(
        r#"{"s": [1], "$or": [{"a": [1]}, {"b": [1]}], "$or": [{"c": [1]}, {"d": {"$or": [{"e": [1]}, {"f": [1]}]}}], "t": [1]}"#,
    )
    .unwrap();
    let shapes: Vec<String> = p
        .branches()
        .iter()
        .map(|b| {
            b.fields()
                .iter()
                .map(|f| f.path())
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect();
    assert_eq!(
        shapes,
        [
            "a,c,s,t",
            "b,c,s,t",
            "a,d.e,s,t",
            "b,d.e,s,t",
            "a,d.f,s,t",
            "b,d.f,s,t"
        ]
    );
    // A later field on the same path replaces the earlier one.
    let p = Pattern::parse(r#"{"a": {"b": [1]}, "a.b": [2]}"#).unwrap();
    assert_eq!(p.branches().len(), 1);
    assert_eq!(p.branches()[0].fields().len(), 1);
    assert_eq!(p.branches()[0].fields()[0].location().to_string(), "a.b");
}

#[test]
fn hostile_patterns_get_limits_not_crashes() {
    let deep = format!("{}{}", r#"{"a":"#.repeat(100), "}".repeat(100));
    let e = Pattern::parse(&deep).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Json(_)), "{e}");
    let mut many = String::from("{");
    for i in 0..11 {
        many.push_str(&format!(r#""$or": [{{"a{i}": [1]}}, {{"b{i}": [1]}}],"#));
    }
    many.push_str(r#""z": [1]}"#);
    let e = Pattern::parse(&many).unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::TooManyBranches { limit: 1024 }),
        "{e}"
    );
    let e = Pattern::parse("{\"a\": [\"\u{0}\"]}").unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Json(_)));
    let huge_wildcards: Vec<String> = (0..300)
        .map(|i| format!(r#"{{"wildcard": "*{i}*{i}*"}}"#))
        .collect();
    let e = Pattern::parse(&format!(r#"{{"a": [{}]}}"#, huge_wildcards.join(","))).unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::TooComplex);
}
