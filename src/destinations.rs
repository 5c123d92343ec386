//! AWS Lambda Destinations: execution records, their EventBridge envelope, and a router.
//!
//! When a function invoked asynchronously finishes, Lambda writes an *execution record* of the
//! invocation and sends it to the function's on-success or on-failure destination:
//!
//! ```json
//! {"version": "1.0", "timestamp": "2019-11-26T22:30:46.203Z",
//!  "requestContext": {"requestId": "6fc2d258-…", "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:order-intake:$LATEST",
//!                     "condition": "RetriesExhausted", "approximateInvokeCount": 3},
//!  "requestPayload": {"orderId": "o-1002"},
//!  "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
//!  "responsePayload": {"errorType": "Error", "errorMessage": "payment service unavailable", "trace": ["…"]}}
//! ```
//!
//! When the destination is an EventBridge event bus, the record becomes the `detail` of an
//! event from `source` `lambda` with `detail-type` `Lambda Function Invocation Result -
//! Success` (or `- Failure`), and the bus's rules route it, typically on
//! `detail.requestContext.condition` and on fields of `detail.responsePayload` (the "destined
//! Lambda" pattern: a function steers its own result by returning `source` and `action`).
//!
//! [`Invocation`] describes the outcome of one invocation and writes its [`record`] and
//! [`event`]; a [`Router`] holds named rules with their targets, and the destinations of each
//! function, and turns an invocation into [`Deliveries`].
//!
//! ```
//! use evmatch::destinations::{Destinations, Invocation, Router};
//!
//! let bus = "arn:aws:events:us-east-1:123456789012:event-bus/orders";
//! let mut router = Router::new();
//! router.configure(
//!     "arn:aws:lambda:us-east-1:123456789012:function:order-intake",
//!     Destinations { on_success: Some(bus.into()), on_failure: Some(bus.into()) },
//! );
//! router.add_rule(
//!     "orders-accepted",
//!     r#"{"detail": {"requestContext": {"condition": ["Success"]},
//!                    "responsePayload": {"source": ["shop.orders"], "action": ["accepted"]}}}"#,
//!     ["arn:aws:sqs:us-east-1:123456789012:fulfilment"],
//! )?;
//! router.add_rule(
//!     "failures",
//!     r#"{"detail": {"requestContext": {"condition": ["RetriesExhausted", "EventAgeExceeded"]}}}"#,
//!     ["arn:aws:sns:us-east-1:123456789012:on-call"],
//! )?;
//!
//! let invocation = Invocation::from_json(br#"{
//!     "requestId": "26fab6f9-a2b7-45f2-bce2-47c612cdb8b7",
//!     "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:order-intake",
//!     "timestamp": "2019-11-26T22:26:49.425Z",
//!     "request": {"orderId": "o-1001"},
//!     "response": {"source": "shop.orders", "action": "accepted"}
//! }"#)?;
//! let routed = router.dispatch(&invocation)?;
//! assert_eq!(routed.destination.as_deref(), Some(bus));
//! assert_eq!(routed.deliveries[0].target, "arn:aws:sqs:us-east-1:123456789012:fulfilment");
//! assert_eq!(routed.deliveries[0].rules, ["orders-accepted"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`record`]: Invocation::record
//! [`event`]: Invocation::event

use std::collections::{BTreeMap, HashMap};
use std::fmt::{self, Write};
use std::sync::Arc;

use crate::json::{write_string, Json};
use crate::ruleset::{RulesetError, Scratch};
use crate::{EventError, Pattern, Ruleset};

/// Why an asynchronous invocation's record was sent: the `condition` of its request context.
///
/// ```
/// use evmatch::destinations::Condition;
/// assert_eq!(Condition::RetriesExhausted.as_str(), "RetriesExhausted");
/// assert!(!Condition::EventAgeExceeded.is_success());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Condition {
    /// The function returned a response.
    Success,
    /// The function failed on every attempt Lambda was allowed to make.
    RetriesExhausted,
    /// The event grew older than the function's maximum event age before an attempt succeeded.
    EventAgeExceeded,
}

impl Condition {
    /// The condition as Lambda writes it.
    ///
    /// ```
    /// use evmatch::destinations::Condition;
    /// assert_eq!(Condition::Success.as_str(), "Success");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Condition::Success => "Success",
            Condition::RetriesExhausted => "RetriesExhausted",
            Condition::EventAgeExceeded => "EventAgeExceeded",
        }
    }

    /// Whether the record goes to the on-success destination (else: on-failure).
    ///
    /// ```
    /// use evmatch::destinations::Condition;
    /// assert!(Condition::Success.is_success());
    /// assert!(!Condition::RetriesExhausted.is_success());
    /// ```
    pub fn is_success(self) -> bool {
        self == Condition::Success
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error a function's runtime reported for its last attempt.
///
/// ```
/// use evmatch::destinations::FunctionError;
/// let error = FunctionError {
///     error_type: "Error".into(),
///     message: "payment service unavailable".into(),
///     trace: vec!["    at Runtime.handler (/var/task/app.js:5:9)".into()],
///     handled: false,
/// };
/// assert_eq!(error.kind(), "Unhandled");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionError {
    /// The error's type (`errorType`), such as `Error` or `Runtime.ExitError`.
    pub error_type: String,
    /// The error's message (`errorMessage`).
    pub message: String,
    /// The stack trace, one frame per line (`trace`); may be empty.
    pub trace: Vec<String>,
    /// Whether the function reported the error itself (`functionError: "Handled"`) rather than
    /// throwing or crashing (`"Unhandled"`, what every current runtime reports).
    pub handled: bool,
}

impl FunctionError {
    /// The record's `responseContext.functionError`: `Handled` or `Unhandled`.
    ///
    /// ```
    /// use evmatch::destinations::FunctionError;
    /// let error = FunctionError { error_type: "E".into(), message: "m".into(), trace: vec![], handled: true };
    /// assert_eq!(error.kind(), "Handled");
    /// ```
    pub fn kind(&self) -> &'static str {
        if self.handled {
            "Handled"
        } else {
            "Unhandled"
        }
    }
}

/// How an asynchronous invocation ended.
///
/// ```
/// use evmatch::{destinations::{Condition, Outcome}, json::Json};
/// let ok = Outcome::Success(Json::parse(br#"{"statusCode": 200}"#)?);
/// assert_eq!(ok.condition(), Condition::Success);
/// assert_eq!(Outcome::Expired.condition(), Condition::EventAgeExceeded);
/// # Ok::<(), evmatch::json::JsonError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// The function returned this response payload.
    Success(Json),
    /// The last attempt failed with `error`, and either no retry was left or (`expired`) the
    /// event grew too old for another one.
    Failure {
        /// The last attempt's error.
        error: FunctionError,
        /// Whether the event's maximum age ran out (`EventAgeExceeded`) rather than its
        /// retries (`RetriesExhausted`).
        expired: bool,
    },
    /// The event grew too old before any attempt ran (the function was throttled throughout):
    /// the record has no response context and no response payload.
    Expired,
}

impl Outcome {
    /// The record's condition.
    ///
    /// ```
    /// use evmatch::destinations::{Condition, FunctionError, Outcome};
    /// let error = FunctionError { error_type: "Error".into(), message: "boom".into(), trace: vec![], handled: false };
    /// assert_eq!(Outcome::Failure { error, expired: false }.condition(), Condition::RetriesExhausted);
    /// ```
    pub fn condition(&self) -> Condition {
        match self {
            Outcome::Success(_) => Condition::Success,
            Outcome::Failure { expired: false, .. } => Condition::RetriesExhausted,
            Outcome::Failure { expired: true, .. } | Outcome::Expired => {
                Condition::EventAgeExceeded
            }
        }
    }
}

/// The outcome of one asynchronous invocation of a function: everything Lambda puts in the
/// execution record.
///
/// [`Invocation::from_json`] reads the newline-delimited form the router example takes:
///
/// ```json
/// {"requestId": "…", "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:order-intake",
///  "version": "$LATEST", "timestamp": "2019-12-13T20:06:50.820Z", "attempts": 3,
///  "request": {"orderId": "o-1002"},
///  "error": {"type": "Error", "message": "payment service unavailable", "trace": ["…"]}, "expired": false}
/// ```
///
/// with `response` (any JSON) in place of `error` for a success, and `"expired": true` alone
/// for an event that expired before any attempt ran. `version` defaults to `$LATEST`,
/// `attempts` to 1 (0 for an expired event), `request` to `{}`.
///
/// ```
/// use evmatch::destinations::{Condition, Invocation};
/// let invocation = Invocation::from_json(br#"{
///     "requestId": "ba73f7a2-77f4-4166-a95d-d43020e5cc32",
///     "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:destination-sample",
///     "timestamp": "2019-11-26T23:41:20.730Z",
///     "request": {"Success": true},
///     "response": {"statusCode": 200}
/// }"#)?;
/// assert_eq!(invocation.condition(), Condition::Success);
/// assert_eq!(invocation.record(), concat!(
///     r#"{"version":"1.0","timestamp":"2019-11-26T23:41:20.730Z","requestContext":{"#,
///     r#""requestId":"ba73f7a2-77f4-4166-a95d-d43020e5cc32","#,
///     r#""functionArn":"arn:aws:lambda:us-east-1:123456789012:function:destination-sample:$LATEST","#,
///     r#""condition":"Success","approximateInvokeCount":1},"requestPayload":{"Success":true},"#,
///     r#""responseContext":{"statusCode":200,"executedVersion":"$LATEST"},"#,
///     r#""responsePayload":{"statusCode":200}}"#,
/// ));
/// # Ok::<(), evmatch::destinations::InvocationError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Invocation {
    /// The invocation's request id.
    pub request_id: String,
    /// The function's ARN, unqualified (`…:function:order-intake`) or qualified with a
    /// version or alias (`…:function:order-intake:$LATEST`).
    pub function_arn: String,
    /// The version that ran (`$LATEST`, `3`).
    pub executed_version: String,
    /// When the record was written, RFC 3339 in UTC with milliseconds.
    pub timestamp: String,
    /// How many times Lambda tried (`approximateInvokeCount`).
    pub attempts: u32,
    /// The event the function was invoked with.
    pub request: Json,
    /// How it ended.
    pub outcome: Outcome,
}

impl Invocation {
    /// Reads an invocation from its JSON form (see [`Invocation`]).
    ///
    /// ```
    /// use evmatch::destinations::Invocation;
    /// let err = Invocation::from_json(br#"{"requestId": "r-1"}"#).unwrap_err();
    /// assert_eq!(err.to_string(), "invocation: functionArn: a string is required");
    /// ```
    pub fn from_json(text: &[u8]) -> Result<Invocation, InvocationError> {
        let json = Json::parse(text).map_err(|e| InvocationError::new("(invocation)", e))?;
        if !matches!(json, Json::Object(_)) {
            return Err(InvocationError::new(
                "(invocation)",
                "a JSON object is required",
            ));
        }
        let get = |key: &str| json.get(key);
        let string = |key: &str| match get(key) {
            Some(Json::String(s)) => Ok(s.clone()),
            _ => Err(InvocationError::new(key, "a string is required")),
        };
        let optional_string = |key: &str, default: &str| match get(key) {
            None => Ok(default.to_string()),
            Some(Json::String(s)) => Ok(s.clone()),
            Some(_) => Err(InvocationError::new(key, "must be a string")),
        };
        let request_id = string("requestId")?;
        let function_arn = string("functionArn")?;
        let executed_version = optional_string("version", "$LATEST")?;
        let timestamp = string("timestamp")?;
        let expired = match get("expired") {
            None | Some(Json::Bool(false)) => false,
            Some(Json::Bool(true)) => true,
            Some(_) => return Err(InvocationError::new("expired", "must be true or false")),
        };
        let outcome = match (get("response"), get("error")) {
            (Some(_), Some(_)) => {
                return Err(InvocationError::new(
                    "response",
                    "give either a response or an error, not both",
                ))
            }
            (Some(response), None) if !expired => Outcome::Success(response.clone()),
            (Some(_), None) => {
                return Err(InvocationError::new(
                    "expired",
                    "a successful invocation cannot have expired",
                ))
            }
            (None, Some(error)) => Outcome::Failure {
                error: function_error(error)?,
                expired,
            },
            (None, None) if expired => Outcome::Expired,
            (None, None) => {
                return Err(InvocationError::new(
                    "response",
                    "a response, an error or \"expired\": true is required",
                ))
            }
        };
        let attempts = match get("attempts") {
            None => u32::from(outcome != Outcome::Expired),
            Some(Json::Number(n)) => n
                .parse()
                .map_err(|_| InvocationError::new("attempts", "must be a count"))?,
            Some(_) => return Err(InvocationError::new("attempts", "must be a count")),
        };
        Ok(Invocation {
            request_id,
            function_arn,
            executed_version,
            timestamp,
            attempts,
            request: get("request").cloned().unwrap_or(Json::Object(Vec::new())),
            outcome,
        })
    }

    /// The record's condition.
    ///
    /// ```
    /// use evmatch::destinations::{Condition, Invocation};
    /// let expired = Invocation::from_json(br#"{"requestId": "r", "timestamp": "2019-11-26T22:26:49.425Z",
    ///     "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:f", "expired": true}"#)?;
    /// assert_eq!(expired.condition(), Condition::EventAgeExceeded);
    /// # Ok::<(), evmatch::destinations::InvocationError>(())
    /// ```
    pub fn condition(&self) -> Condition {
        self.outcome.condition()
    }

    /// The function's ARN qualified with the version that ran, as the record names it.
    ///
    /// ```
    /// use evmatch::destinations::Invocation;
    /// let invocation = Invocation::from_json(br#"{"requestId": "r", "timestamp": "2019-11-26T22:26:49.425Z",
    ///     "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:f", "version": "3", "response": null}"#)?;
    /// assert_eq!(invocation.qualified_arn(), "arn:aws:lambda:us-east-1:123456789012:function:f:3");
    /// # Ok::<(), evmatch::destinations::InvocationError>(())
    /// ```
    pub fn qualified_arn(&self) -> String {
        // arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]
        if self.function_arn.split(':').count() >= 8 {
            self.function_arn.clone()
        } else {
            format!("{}:{}", self.function_arn, self.executed_version)
        }
    }

    /// The function's ARN without a version or alias: the key of its destination configuration.
    ///
    /// ```
    /// use evmatch::destinations::Invocation;
    /// let invocation = Invocation::from_json(br#"{"requestId": "r", "timestamp": "2019-11-26T22:26:49.425Z",
    ///     "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:f:live", "response": 1}"#)?;
    /// assert_eq!(invocation.unqualified_arn(), "arn:aws:lambda:us-east-1:123456789012:function:f");
    /// # Ok::<(), evmatch::destinations::InvocationError>(())
    /// ```
    pub fn unqualified_arn(&self) -> &str {
        unqualified(&self.function_arn)
    }

    /// The execution record, as Lambda writes it: members in Lambda's order, payloads as
    /// given, and a failure's response payload in the form of the Node.js runtime
    /// (`errorType`, `errorMessage`, `trace`; the Python and Java runtimes call the trace
    /// `stackTrace`).
    ///
    /// ```
    /// use evmatch::destinations::Invocation;
    /// let failed = Invocation::from_json(br#"{"requestId": "r-1", "timestamp": "2019-12-13T20:06:50.820Z",
    ///     "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:f", "attempts": 3,
    ///     "request": {"orderId": "o-1002"},
    ///     "error": {"type": "Error", "message": "failure example", "trace": []}}"#)?;
    /// let record = failed.record();
    /// assert!(record.contains(r#""condition":"RetriesExhausted","approximateInvokeCount":3"#));
    /// assert!(record.ends_with(r#""responseContext":{"statusCode":200,"executedVersion":"$LATEST","functionError":"Unhandled"},"responsePayload":{"errorType":"Error","errorMessage":"failure example"}}"#));
    /// # Ok::<(), evmatch::destinations::InvocationError>(())
    /// ```
    pub fn record(&self) -> String {
        let mut out = String::with_capacity(256);
        self.write_record(&mut out);
        out
    }

    fn write_record(&self, out: &mut String) {
        out.push_str("{\"version\":\"1.0\",\"timestamp\":");
        quote(out, &self.timestamp);
        out.push_str(",\"requestContext\":{\"requestId\":");
        quote(out, &self.request_id);
        out.push_str(",\"functionArn\":");
        quote(out, &self.qualified_arn());
        let _ = write!(
            out,
            ",\"condition\":\"{}\",\"approximateInvokeCount\":{}}},\"requestPayload\":{}",
            self.condition(),
            self.attempts,
            self.request
        );
        let version = |out: &mut String| quote(out, &self.executed_version);
        match &self.outcome {
            Outcome::Success(response) => {
                out.push_str(",\"responseContext\":{\"statusCode\":200,\"executedVersion\":");
                version(out);
                let _ = write!(out, "}},\"responsePayload\":{response}}}");
            }
            Outcome::Failure { error, .. } => {
                out.push_str(",\"responseContext\":{\"statusCode\":200,\"executedVersion\":");
                version(out);
                let _ = write!(
                    out,
                    ",\"functionError\":\"{}\"}},\"responsePayload\":{{\"errorType\":",
                    error.kind()
                );
                quote(out, &error.error_type);
                out.push_str(",\"errorMessage\":");
                quote(out, &error.message);
                if !error.trace.is_empty() {
                    out.push_str(",\"trace\":[");
                    for (i, line) in error.trace.iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        quote(out, line);
                    }
                    out.push(']');
                }
                out.push_str("}}");
            }
            Outcome::Expired => out.push('}'),
        }
    }

    /// The EventBridge event that carries the record to an event bus (`destination`, the bus's
    /// ARN): `source` `lambda`, `detail-type` `Lambda Function Invocation Result - Success` or
    /// `- Failure`, account and region from the function's ARN, `time` the record's timestamp
    /// to the second, `resources` the bus and the function, and `detail` the record. The event's
    /// `id` is the request id, so that the same invocation always makes the same event.
    ///
    /// ```
    /// use evmatch::{destinations::Invocation, Ruleset};
    /// let invocation = Invocation::from_json(br#"{"requestId": "r-1", "timestamp": "2019-11-26T22:26:49.425Z",
    ///     "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:f", "response": {"source": "shop.orders"}}"#)?;
    /// let event = invocation.event("arn:aws:events:us-east-1:123456789012:event-bus/default");
    /// assert!(event.starts_with(r#"{"version":"0","id":"r-1","detail-type":"Lambda Function Invocation Result - Success","source":"lambda","account":"123456789012","time":"2019-11-26T22:26:49Z","region":"us-east-1""#));
    ///
    /// let rules = Ruleset::new();
    /// rules.add_json("shop", r#"{"source": ["lambda"], "detail": {"responsePayload": {"source": ["shop.orders"]}}}"#)?;
    /// assert_eq!(rules.matches(event.as_bytes())?, ["shop"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn event(&self, destination: &str) -> String {
        let mut out = String::with_capacity(512);
        self.write_event(&mut out, destination);
        out
    }

    fn write_event(&self, out: &mut String, destination: &str) {
        let mut arn = self.function_arn.split(':');
        let region = arn.nth(3).unwrap_or("");
        let account = arn.next().unwrap_or("");
        let time = match self.timestamp.split_once('.') {
            Some((seconds, _)) => format!("{seconds}Z"),
            None => self.timestamp.clone(),
        };
        out.push_str("{\"version\":\"0\",\"id\":");
        quote(out, &self.request_id);
        let _ = write!(
            out,
            ",\"detail-type\":\"Lambda Function Invocation Result - {}\",\"source\":\"lambda\",\"account\":",
            if self.condition().is_success() {
                "Success"
            } else {
                "Failure"
            }
        );
        quote(out, account);
        out.push_str(",\"time\":");
        quote(out, &time);
        out.push_str(",\"region\":");
        quote(out, region);
        out.push_str(",\"resources\":[");
        quote(out, destination);
        out.push(',');
        quote(out, &self.qualified_arn());
        out.push_str("],\"detail\":");
        self.write_record(out);
        out.push('}');
    }
}

fn unqualified(arn: &str) -> &str {
    match arn.match_indices(':').nth(6) {
        Some((at, _)) => &arn[..at],
        None => arn,
    }
}

fn quote(out: &mut String, s: &str) {
    let _ = write_string(out, s);
}

fn function_error(error: &Json) -> Result<FunctionError, InvocationError> {
    if !matches!(error, Json::Object(_)) {
        return Err(InvocationError::new(
            "error",
            "an object {\"type\", \"message\", \"trace\"} is required",
        ));
    }
    let get = |key: &str| error.get(key);
    let text = |key: &str| match get(key) {
        Some(Json::String(s)) => Ok(s.clone()),
        _ => Err(InvocationError::new(
            &format!("error.{key}"),
            "a string is required",
        )),
    };
    let trace = match get("trace") {
        None => Vec::new(),
        Some(Json::Array(lines)) => lines
            .iter()
            .map(|line| match line {
                Json::String(s) => Ok(s.clone()),
                _ => Err(InvocationError::new(
                    "error.trace",
                    "must be an array of strings",
                )),
            })
            .collect::<Result<_, _>>()?,
        Some(_) => {
            return Err(InvocationError::new(
                "error.trace",
                "must be an array of strings",
            ))
        }
    };
    let handled = match get("handled") {
        None | Some(Json::Bool(false)) => false,
        Some(Json::Bool(true)) => true,
        Some(_) => {
            return Err(InvocationError::new(
                "error.handled",
                "must be true or false",
            ))
        }
    };
    Ok(FunctionError {
        error_type: text("type")?,
        message: text("message")?,
        trace,
        handled,
    })
}

/// Why an invocation's JSON form was refused: which member, and what is wrong with it.
///
/// ```
/// use evmatch::destinations::Invocation;
/// let err = Invocation::from_json(br#"{"requestId": "r", "functionArn": "f", "timestamp": "t"}"#).unwrap_err();
/// assert_eq!(err.member(), "response");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvocationError {
    member: String,
    reason: String,
}

impl InvocationError {
    fn new(member: &str, reason: impl fmt::Display) -> InvocationError {
        InvocationError {
            member: member.to_string(),
            reason: reason.to_string(),
        }
    }

    /// The member at fault (`functionArn`, `error.message`), or `(invocation)` for the whole.
    ///
    /// ```
    /// use evmatch::destinations::Invocation;
    /// assert_eq!(Invocation::from_json(b"[]").unwrap_err().member(), "(invocation)");
    /// ```
    pub fn member(&self) -> &str {
        &self.member
    }
}

impl fmt::Display for InvocationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invocation: {}: {}", self.member, self.reason)
    }
}

impl std::error::Error for InvocationError {}

/// Where a function sends the records of its asynchronous invocations: an ARN for successes and
/// one for failures (an event bus, a queue, a topic or a function), either possibly absent.
///
/// ```
/// use evmatch::destinations::{Condition, Destinations};
/// let config = Destinations { on_success: None, on_failure: Some("arn:aws:sqs:us-east-1:123456789012:dlq".into()) };
/// assert_eq!(config.for_condition(Condition::EventAgeExceeded), Some("arn:aws:sqs:us-east-1:123456789012:dlq"));
/// assert_eq!(config.for_condition(Condition::Success), None);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Destinations {
    /// The on-success destination.
    pub on_success: Option<String>,
    /// The on-failure destination.
    pub on_failure: Option<String>,
}

impl Destinations {
    /// The destination of a record with this condition.
    ///
    /// ```
    /// use evmatch::destinations::{Condition, Destinations};
    /// let bus = "arn:aws:events:us-east-1:123456789012:event-bus/default";
    /// let config = Destinations { on_success: Some(bus.into()), on_failure: None };
    /// assert_eq!(config.for_condition(Condition::Success), Some(bus));
    /// ```
    pub fn for_condition(&self, condition: Condition) -> Option<&str> {
        if condition.is_success() {
            self.on_success.as_deref()
        } else {
            self.on_failure.as_deref()
        }
    }
}

/// Whether an ARN names an EventBridge event bus (`arn:aws:events:…:event-bus/…`).
fn is_event_bus(arn: &str) -> bool {
    arn.split(':').nth(2) == Some("events")
        && arn
            .split(':')
            .nth(5)
            .is_some_and(|r| r.starts_with("event-bus/"))
}

/// One target reached by an event, with the rules that sent it there (sorted).
///
/// ```
/// use evmatch::destinations::Router;
/// let mut router = Router::new();
/// router.add_rule("all", r#"{"source": ["lambda"]}"#, ["audit"])?;
/// router.add_rule("failures", r#"{"detail-type": [{"suffix": "- Failure"}]}"#, ["audit", "on-call"])?;
/// let deliveries = router.route(br#"{"source": "lambda", "detail-type": "Lambda Function Invocation Result - Failure"}"#)?;
/// assert_eq!(deliveries[0].target, "audit");
/// assert_eq!(deliveries[0].rules, ["all", "failures"]);
/// assert_eq!(deliveries[1].target, "on-call");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    /// The target (a queue's, topic's or function's ARN, or any name the router was given).
    pub target: String,
    /// The rules that matched and name this target; empty for a destination reached directly.
    pub rules: Vec<String>,
}

/// What became of one invocation: its record's condition, the destination the function's
/// configuration chose, the event (or, for a destination that is not an event bus, the bare
/// record) sent there, and the deliveries.
///
/// ```
/// use evmatch::destinations::{Condition, Destinations, Invocation, Router};
/// let mut router = Router::new();
/// let dlq = "arn:aws:sqs:us-east-1:123456789012:thumbnail-dlq";
/// router.configure("arn:aws:lambda:us-east-1:123456789012:function:thumbnail",
///     Destinations { on_success: None, on_failure: Some(dlq.into()) });
/// let failed = Invocation::from_json(br#"{"requestId": "r-9", "timestamp": "2019-11-26T22:26:49.425Z",
///     "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:thumbnail", "attempts": 3,
///     "error": {"type": "Error", "message": "out of memory"}}"#)?;
/// let routed = router.dispatch(&failed)?;
/// assert_eq!(routed.condition, Condition::RetriesExhausted);
/// // A queue receives the bare record, with no rule involved.
/// assert!(routed.sent.starts_with(r#"{"version":"1.0""#));
/// assert_eq!(routed.deliveries[0].target, dlq);
/// assert!(routed.deliveries[0].rules.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deliveries {
    /// The record's condition.
    pub condition: Condition,
    /// The destination the function's configuration names for it (`None`: the function has
    /// none for this outcome, and the record goes nowhere).
    pub destination: Option<String>,
    /// What was sent to the destination: the EventBridge event for an event bus, the bare
    /// execution record otherwise (empty when there is no destination).
    pub sent: String,
    /// Every target reached, each once, sorted by target.
    pub deliveries: Vec<Delivery>,
}

/// Routes events to targets by named rules, and invocation records to their destinations.
///
/// A router is an event bus with its rules: each rule has an event pattern and one or more
/// targets, and an event goes to every target of every matching rule, once per target however
/// many rules name it. It also holds the destination configuration of functions, so that
/// [`Router::dispatch`] can follow an invocation from its outcome to its deliveries: the
/// function's on-success or on-failure destination and, when that is an event bus, the rules.
///
/// Rules can be added and removed while other threads route (rule changes go through the
/// underlying [`Ruleset`]); targets and function configurations are changed through `&mut self`.
///
/// ```
/// use evmatch::destinations::Router;
/// let mut router = Router::new();
/// router.add_rule("success", r#"{"detail": {"requestContext": {"condition": ["Success"]}}}"#, ["audit", "metrics"])?;
/// let event = br#"{"detail": {"requestContext": {"condition": "Success"}}}"#;
/// let targets: Vec<String> = router.route(event)?.into_iter().map(|d| d.target).collect();
/// assert_eq!(targets, ["audit", "metrics"]);
/// assert!(router.remove_rule("success"));
/// assert!(router.route(event)?.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Default)]
pub struct Router {
    rules: Ruleset<Arc<str>>,
    targets: HashMap<Arc<str>, Vec<Arc<str>>>,
    functions: HashMap<String, Destinations>,
}

impl Router {
    /// A router with no rules and no function configured.
    ///
    /// ```
    /// use evmatch::destinations::Router;
    /// let router = Router::new();
    /// assert!(router.route(br#"{"source": "lambda"}"#)?.is_empty());
    /// # Ok::<(), evmatch::EventError>(())
    /// ```
    pub fn new() -> Router {
        Router::default()
    }

    /// Reads a router configuration: rules with their targets, and functions with their
    /// destinations.
    ///
    /// ```
    /// use evmatch::destinations::Router;
    /// let router = Router::from_json(br#"{
    ///   "functions": {
    ///     "arn:aws:lambda:us-east-1:123456789012:function:order-intake": {
    ///       "onSuccess": "arn:aws:events:us-east-1:123456789012:event-bus/orders",
    ///       "onFailure": "arn:aws:sqs:us-east-1:123456789012:order-intake-dlq"
    ///     }
    ///   },
    ///   "rules": {
    ///     "orders-accepted": {
    ///       "pattern": {"detail": {"responsePayload": {"action": ["accepted"]}}},
    ///       "targets": ["arn:aws:sqs:us-east-1:123456789012:fulfilment"]
    ///     }
    ///   }
    /// }"#)?;
    /// assert_eq!(router.rule_count(), 1);
    /// # Ok::<(), evmatch::destinations::ConfigError>(())
    /// ```
    pub fn from_json(text: &[u8]) -> Result<Router, ConfigError> {
        let limits = crate::json::ParseLimits {
            max_size: crate::rules::MAX_RULE_FILE_SIZE,
            ..Default::default()
        };
        let json = Json::parse_with(text, &limits).map_err(|e| ConfigError::new("", e))?;
        let Json::Object(top) = &json else {
            return Err(ConfigError::new("", "a JSON object is required"));
        };
        let mut router = Router::new();
        for (key, value) in top {
            match key.as_str() {
                "functions" => {
                    let Json::Object(functions) = value else {
                        return Err(ConfigError::new("functions", "must be an object"));
                    };
                    for (arn, config) in functions {
                        let at = format!("functions.{arn}");
                        let Json::Object(members) = config else {
                            return Err(ConfigError::new(&at, "must be an object"));
                        };
                        let mut destinations = Destinations::default();
                        for (key, value) in members {
                            let slot = match key.as_str() {
                                "onSuccess" => &mut destinations.on_success,
                                "onFailure" => &mut destinations.on_failure,
                                _ => {
                                    return Err(ConfigError::new(
                                        &format!("{at}.{key}"),
                                        "unknown member (onSuccess, onFailure)",
                                    ))
                                }
                            };
                            let Json::String(destination) = value else {
                                return Err(ConfigError::new(
                                    &format!("{at}.{key}"),
                                    "must be an ARN",
                                ));
                            };
                            *slot = Some(destination.clone());
                        }
                        router.configure(arn, destinations);
                    }
                }
                "rules" => {
                    let Json::Object(rules) = value else {
                        return Err(ConfigError::new("rules", "must be an object"));
                    };
                    let mut parsed: Vec<(&str, Pattern, Vec<&str>)> = Vec::new();
                    for (name, rule) in rules {
                        let at = format!("rules.{name}");
                        if !matches!(rule, Json::Object(_)) {
                            return Err(ConfigError::new(&at, "must be an object"));
                        }
                        let get = |k: &str| rule.get(k);
                        let pattern = get("pattern").ok_or_else(|| {
                            ConfigError::new(&format!("{at}.pattern"), "is required")
                        })?;
                        let pattern = Pattern::parse(&pattern.to_string()).map_err(|e| {
                            ConfigError::new(&format!("{at}.pattern"), format!("{e:#}"))
                        })?;
                        let targets = match get("targets") {
                            Some(Json::Array(targets)) if !targets.is_empty() => targets
                                .iter()
                                .map(|t| match t {
                                    Json::String(s) => Ok(s.as_str()),
                                    _ => Err(ConfigError::new(
                                        &format!("{at}.targets"),
                                        "must be strings",
                                    )),
                                })
                                .collect::<Result<Vec<_>, _>>()?,
                            _ => {
                                return Err(ConfigError::new(
                                    &format!("{at}.targets"),
                                    "a non-empty array of targets is required",
                                ))
                            }
                        };
                        parsed.push((name, pattern, targets));
                    }
                    router
                        .add_rules(parsed.iter().map(|(n, p, t)| (*n, p, t.iter().copied())))
                        .map_err(|e| ConfigError::new("rules", e))?;
                }
                other => return Err(ConfigError::new(other, "unknown member (functions, rules)")),
            }
        }
        Ok(router)
    }

    /// Adds a rule: events matching `pattern` go to each of `targets`. A rule added again
    /// under the same name gains the pattern and the targets.
    ///
    /// ```
    /// use evmatch::destinations::Router;
    /// let mut router = Router::new();
    /// let err = router.add_rule("bad", r#"{"detail": {"requestContext": {"condition": []}}}"#, ["t"]).unwrap_err();
    /// assert_eq!(format!("{err:#}"), "detail.requestContext.condition: Empty arrays are not allowed");
    /// ```
    pub fn add_rule<T: AsRef<str>>(
        &mut self,
        name: &str,
        pattern: &str,
        targets: impl IntoIterator<Item = T>,
    ) -> Result<(), RulesetError> {
        let pattern = Pattern::parse(pattern)?;
        self.add_rules([(name, &pattern, targets)])
    }

    /// Adds several rules in one update: routing sees all of them at once, or none if one
    /// is refused.
    ///
    /// ```
    /// use evmatch::{destinations::Router, Pattern};
    /// let mut router = Router::new();
    /// let success = Pattern::parse(r#"{"detail": {"requestContext": {"condition": ["Success"]}}}"#)?;
    /// let failure = Pattern::parse(r#"{"detail-type": [{"suffix": "- Failure"}]}"#)?;
    /// router.add_rules([("success", &success, ["audit"]), ("failure", &failure, ["on-call"])])?;
    /// assert_eq!(router.rule_count(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_rules<'p, T: AsRef<str>, I: IntoIterator<Item = T>>(
        &mut self,
        rules: impl IntoIterator<Item = (&'p str, &'p Pattern, I)>,
    ) -> Result<(), RulesetError> {
        let mut patterns = Vec::new();
        let mut targets: Vec<(Arc<str>, Vec<Arc<str>>)> = Vec::new();
        for (name, pattern, to) in rules {
            let name: Arc<str> = self
                .targets
                .get_key_value(name)
                .map_or_else(|| Arc::from(name), |(k, _)| k.clone());
            patterns.push((name.clone(), pattern));
            targets.push((
                name,
                to.into_iter().map(|t| Arc::from(t.as_ref())).collect(),
            ));
        }
        self.rules.add_many(patterns)?;
        for (name, to) in targets {
            let list = self.targets.entry(name).or_default();
            for target in to {
                if !list.contains(&target) {
                    list.push(target);
                }
            }
        }
        Ok(())
    }

    /// Removes a rule with all its patterns and targets. Returns whether it existed.
    ///
    /// ```
    /// use evmatch::destinations::Router;
    /// let mut router = Router::new();
    /// router.add_rule("r", r#"{"source": ["lambda"]}"#, ["t"])?;
    /// assert!(router.remove_rule("r"));
    /// assert!(!router.remove_rule("r"));
    /// # Ok::<(), evmatch::RulesetError>(())
    /// ```
    pub fn remove_rule(&mut self, name: &str) -> bool {
        let Some((name, _)) = self.targets.remove_entry(name) else {
            return false;
        };
        self.rules.remove(&name);
        true
    }

    /// How many rules the router holds.
    ///
    /// ```
    /// use evmatch::destinations::Router;
    /// let mut router = Router::new();
    /// router.add_rule("r", r#"{"source": ["lambda"]}"#, ["t"])?;
    /// router.add_rule("r", r#"{"source": ["aws.events"]}"#, ["u"])?;
    /// assert_eq!(router.rule_count(), 1);
    /// # Ok::<(), evmatch::RulesetError>(())
    /// ```
    pub fn rule_count(&self) -> usize {
        self.targets.len()
    }

    /// Sets the destinations of a function, by its ARN (qualified or not: records of every
    /// version use the unqualified function's configuration).
    ///
    /// ```
    /// use evmatch::destinations::{Destinations, Router};
    /// let mut router = Router::new();
    /// router.configure("arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST", Destinations::default());
    /// assert!(router.destinations("arn:aws:lambda:us-east-1:123456789012:function:f:3").is_some());
    /// ```
    pub fn configure(&mut self, function_arn: &str, destinations: Destinations) {
        self.functions
            .insert(unqualified(function_arn).to_string(), destinations);
    }

    /// The destinations configured for a function, by its ARN (qualified or not).
    ///
    /// ```
    /// use evmatch::destinations::Router;
    /// assert!(Router::new().destinations("arn:aws:lambda:us-east-1:123456789012:function:f").is_none());
    /// ```
    pub fn destinations(&self, function_arn: &str) -> Option<&Destinations> {
        self.functions.get(unqualified(function_arn))
    }

    /// The deliveries of one event: every target of every matching rule, each once, sorted by
    /// target, each with the rules that name it.
    ///
    /// ```
    /// use evmatch::destinations::Router;
    /// let mut router = Router::new();
    /// router.add_rule("a", r#"{"source": ["lambda"]}"#, ["q1", "q2"])?;
    /// router.add_rule("b", r#"{"source": [{"prefix": "lam"}]}"#, ["q2"])?;
    /// let deliveries = router.route(br#"{"source": "lambda"}"#)?;
    /// assert_eq!(deliveries.len(), 2);
    /// assert_eq!(deliveries[1].rules, ["a", "b"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn route(&self, event: &[u8]) -> Result<Vec<Delivery>, EventError> {
        SCRATCH.with(|scratch| {
            let mut scratch = scratch.borrow_mut();
            let snapshot = self.rules.snapshot();
            let mut by_target: BTreeMap<&str, Vec<String>> = BTreeMap::new();
            snapshot.matches_with(event, &mut scratch, |name| {
                for target in self.targets.get(name).into_iter().flatten() {
                    by_target.entry(target).or_default().push(name.to_string());
                }
            })?;
            Ok(by_target
                .into_iter()
                .map(|(target, mut rules)| {
                    rules.sort_unstable();
                    Delivery {
                        target: target.to_string(),
                        rules,
                    }
                })
                .collect())
        })
    }

    /// Follows an invocation to its deliveries: its record's condition chooses the function's
    /// on-success or on-failure destination; an event bus receives the record in an
    /// EventBridge event, which the rules route; any other destination receives the bare
    /// record. A function with no destination for the outcome delivers nothing.
    ///
    /// ```
    /// use evmatch::destinations::{Destinations, Invocation, Router};
    /// let mut router = Router::new();
    /// let bus = "arn:aws:events:us-east-1:123456789012:event-bus/default";
    /// router.configure("arn:aws:lambda:us-east-1:123456789012:function:f",
    ///     Destinations { on_success: Some(bus.into()), on_failure: None });
    /// router.add_rule("audit", r#"{"source": ["lambda"]}"#, ["arn:aws:sqs:us-east-1:123456789012:audit"])?;
    /// let ok = Invocation::from_json(br#"{"requestId": "r-1", "timestamp": "2019-11-26T22:26:49.425Z",
    ///     "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:f", "response": {}}"#)?;
    /// assert_eq!(router.dispatch(&ok)?.deliveries[0].rules, ["audit"]);
    /// let expired = Invocation::from_json(br#"{"requestId": "r-2", "timestamp": "2019-11-26T22:26:49.425Z",
    ///     "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:f", "expired": true}"#)?;
    /// assert!(router.dispatch(&expired)?.deliveries.is_empty()); // no on-failure destination
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn dispatch(&self, invocation: &Invocation) -> Result<Deliveries, EventError> {
        let condition = invocation.condition();
        let destination = self
            .destinations(&invocation.function_arn)
            .and_then(|d| d.for_condition(condition))
            .map(str::to_string);
        let mut routed = Deliveries {
            condition,
            destination,
            sent: String::new(),
            deliveries: Vec::new(),
        };
        let Some(destination) = routed.destination.as_deref() else {
            return Ok(routed);
        };
        if is_event_bus(destination) {
            invocation.write_event(&mut routed.sent, destination);
            routed.deliveries = self.route(routed.sent.as_bytes())?;
        } else {
            invocation.write_record(&mut routed.sent);
            routed.deliveries.push(Delivery {
                target: destination.to_string(),
                rules: Vec::new(),
            });
        }
        Ok(routed)
    }
}

impl fmt::Debug for Router {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Router")
            .field("targets", &self.targets)
            .field("functions", &self.functions)
            .finish_non_exhaustive()
    }
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::new());
}

/// Why a router configuration was refused: where in the document, and what is wrong.
///
/// ```
/// use evmatch::destinations::Router;
/// let err = Router::from_json(br#"{"rules": {"r": {"pattern": {"source": []}, "targets": ["t"]}}}"#).unwrap_err();
/// assert_eq!(err.to_string(), "rules.r.pattern: source: Empty arrays are not allowed");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    at: String,
    reason: String,
}

impl ConfigError {
    fn new(at: &str, reason: impl fmt::Display) -> ConfigError {
        ConfigError {
            at: at.to_string(),
            reason: reason.to_string(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.at.is_empty() {
            f.write_str(&self.reason)
        } else {
            write!(f, "{}: {}", self.at, self.reason)
        }
    }
}

impl std::error::Error for ConfigError {}
