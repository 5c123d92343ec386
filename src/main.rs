//! The `evmatch` command line.
//!
//! Exit codes: 0 the command ran (whether or not the event matched); 2 the input was invalid
//! (a pattern AWS would reject, an event that is not a JSON object, a file that cannot be read,
//! or a usage error).

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use evmatch::json::Json;
use evmatch::{reference, Pattern};

#[derive(Parser)]
#[command(
    name = "evmatch",
    version,
    about = "Match JSON events against Amazon EventBridge event patterns, exactly as AWS does."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Test whether an event matches a pattern, like `aws events test-event-pattern`.
    ///
    /// Prints {"Result": true} or {"Result": false}. An invalid pattern prints AWS's message
    /// (`Event pattern is not valid. Reason: ...`) on stderr and exits 2.
    #[command(after_help = "Example:\n  evmatch test-event-pattern \\\n    \
        --event-pattern '{\"detail\": {\"requestContext\": {\"condition\": [\"Success\"]}}}' \\\n    \
        --event @corpus/destinations/success.json")]
    TestEventPattern {
        /// The event pattern: JSON text, or @FILE to read it from a file.
        #[arg(long = "event-pattern", value_name = "PATTERN")]
        event_pattern: String,
        /// The event: JSON text, or @FILE to read it from a file.
        #[arg(long, value_name = "EVENT")]
        event: String,
    },
}

/// A failure to report on stderr, with exit code 2.
struct Failure(String);

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::TestEventPattern {
            event_pattern,
            event,
        } => test_event_pattern(&event_pattern, &event),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(message)) => {
            eprintln!("{message}");
            ExitCode::from(2)
        }
    }
}

/// Reads an argument that is either JSON text or `@path`.
fn read_argument(argument: &str) -> Result<Vec<u8>, Failure> {
    match argument.strip_prefix('@') {
        Some(path) => std::fs::read(path).map_err(|e| Failure(format!("cannot read {path}: {e}"))),
        None => Ok(argument.as_bytes().to_vec()),
    }
}

fn test_event_pattern(pattern_arg: &str, event_arg: &str) -> Result<(), Failure> {
    let pattern_text = read_argument(pattern_arg)?;
    let pattern_text = String::from_utf8(pattern_text)
        .map_err(|_| Failure("Event pattern is not valid. Reason: invalid UTF-8".into()))?;
    let pattern = Pattern::parse(&pattern_text).map_err(|e| Failure(e.to_string()))?;
    let event_text = read_argument(event_arg)?;
    let event =
        Json::parse(&event_text).map_err(|e| Failure(format!("Event is not valid JSON: {e}")))?;
    if !matches!(event, Json::Object(_)) {
        return Err(Failure(format!(
            "Event is not valid: it must be a JSON object, not {} {}",
            article(event.type_name()),
            event.type_name()
        )));
    }
    let result = reference::matches(&pattern, &event);
    println!("{{\"Result\": {result}}}");
    Ok(())
}

fn article(noun: &str) -> &'static str {
    if noun.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}
