//! Routes AWS Lambda asynchronous invocation outcomes to their destinations.
//!
//! Reads a router configuration (functions with their on-success / on-failure destinations,
//! and event-bus rules with their targets) and newline-delimited invocation outcomes, and
//! prints one JSON line per invocation: its condition, the destination the function's
//! configuration chose, and every delivery (target and the rules that sent the event there).
//!
//! ```text
//! cargo run --release --example destination_router -- \
//!     corpus/destinations/router.json corpus/destinations/invocations.ndjson
//! ```
//!
//! The invocations come from standard input when no file is given. A line that is not a valid
//! invocation is reported on stderr as `line N: reason`, and routing goes on.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::ExitCode;

use evmatch::destinations::{Invocation, Router};
use evmatch::json::write_string;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (config, input) = match args.as_slice() {
        [config] => (config, None),
        [config, input] => (config, Some(input)),
        _ => {
            eprintln!("usage: destination_router ROUTER.json [INVOCATIONS.ndjson]");
            return ExitCode::from(2);
        }
    };
    let router = match std::fs::read(config)
        .map_err(|e| e.to_string())
        .and_then(|text| Router::from_json(&text).map_err(|e| e.to_string()))
    {
        Ok(router) => router,
        Err(e) => {
            eprintln!("{config}: {e}");
            return ExitCode::from(2);
        }
    };
    let input: Box<dyn Read> = match input {
        Some(path) => match std::fs::File::open(path) {
            Ok(file) => Box::new(file),
            Err(e) => {
                eprintln!("cannot read {path}: {e}");
                return ExitCode::from(2);
            }
        },
        None => Box::new(std::io::stdin()),
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for (number, line) in BufReader::new(input).split(b'\n').enumerate() {
        let line = match line {
            Ok(line) => line,
            Err(e) => {
                eprintln!("cannot read invocations: {e}");
                return ExitCode::from(2);
            }
        };
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let routed = Invocation::from_json(&line)
            .map_err(|e| e.to_string())
            .and_then(|invocation| {
                let routed = router.dispatch(&invocation).map_err(|e| e.to_string())?;
                Ok((invocation, routed))
            });
        match routed {
            Ok((invocation, routed)) => {
                let mut text = String::from("{\"requestId\":");
                write_string(&mut text, &invocation.request_id).ok();
                text.push_str(&format!(
                    ",\"condition\":\"{}\",\"destination\":",
                    routed.condition
                ));
                match &routed.destination {
                    Some(destination) => {
                        write_string(&mut text, destination).ok();
                    }
                    None => text.push_str("null"),
                }
                text.push_str(",\"deliveries\":[");
                for (i, delivery) in routed.deliveries.iter().enumerate() {
                    text.push_str(if i > 0 {
                        ",{\"target\":"
                    } else {
                        "{\"target\":"
                    });
                    write_string(&mut text, &delivery.target).ok();
                    text.push_str(",\"rules\":[");
                    for (k, rule) in delivery.rules.iter().enumerate() {
                        if k > 0 {
                            text.push(',');
                        }
                        write_string(&mut text, rule).ok();
                    }
                    text.push_str("]}");
                }
                text.push_str("]}");
                if writeln!(out, "{text}").is_err() {
                    return ExitCode::from(2);
                }
            }
            Err(e) => {
                out.flush().ok();
                eprintln!("line {}: {e}", number + 1);
            }
        }
    }
    if out.flush().is_err() {
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}
