//! The `evmatch` command line.
//!
//! Exit codes: 0 the command ran (whether or not the event matched); 1 `check` found invalid
//! rules, or `match` met lines that hold no valid event; 2 the input was invalid (a pattern AWS
//! would reject, an event that is not a JSON object, a file that cannot be read, or a usage
//! error), or standard output could not be written. When whoever reads standard output closes
//! it (`evmatch ... | head`), the command stops quietly, with 0.

#![deny(unsafe_code)]

use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use evmatch::json::Json;
use evmatch::rules::{RuleFile, RuleFileError};
use evmatch::ruleset::{Scratch, MAX_EVENT_SIZE};
use evmatch::{reference, Pattern, Ruleset, Validation};

#[derive(Parser)]
#[command(
    name = "evmatch",
    version,
    about = "Match JSON events against Amazon EventBridge event patterns, exactly as AWS does.",
    after_help = "Examples:\n  \
        evmatch test-event-pattern --event-pattern '{\"source\": [\"lambda\"]}' --event '{\"source\": \"lambda\"}'\n  \
        evmatch corpus destinations --count 1000 | evmatch match --rules corpus/destinations/rules.json\n  \
        evmatch check corpus/destinations/rules.json\n\n\
        Exit codes: 0 the command ran (matched or not); 1 `check` found invalid rules, or\n\
        `match` met bad lines; 2 invalid input (pattern, rules file, event, unreadable file),\n\
        usage, or output that cannot be written."
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
        /// The event pattern: JSON text, or @FILE or file://FILE to read it from a file (@- for
        /// standard input).
        #[arg(long = "event-pattern", value_name = "PATTERN")]
        event_pattern: String,
        /// The event: JSON text, or @FILE or file://FILE to read it from a file (@- for
        /// standard input).
        #[arg(long, value_name = "EVENT")]
        event: String,
    },
    /// Match newline-delimited JSON events against a file of named rules.
    ///
    /// For each input line, prints one line, so that output line N answers input line N: a JSON
    /// array of the names of the matching rules, sorted (`[]` for none), or `null` for a line
    /// that holds no event. A bad line (not JSON, not an object) also prints `line N: reason`
    /// on stderr, matching goes on with the next line, and the exit status is 1; a blank line
    /// prints `null` and is no error.
    #[command(
        after_help = "Example:\n  evmatch match --rules corpus/destinations/rules.json corpus/destinations/records.ndjson"
    )]
    Match {
        /// A JSON object mapping each rule name to its event pattern.
        #[arg(long, value_name = "RULES")]
        rules: String,
        /// Newline-delimited JSON events; standard input when absent.
        #[arg(value_name = "EVENTS")]
        events: Option<String>,
        /// Threads to match on: from 1 to the number of cores (more is lowered to it; default:
        /// all cores). Output order follows input order.
        #[arg(long, value_name = "N", value_parser = parse_threads)]
        threads: Option<usize>,
        /// Read and validate every byte of every event: a line that is not valid JSON is an
        /// error even where no rule looks.
        #[arg(long)]
        strict: bool,
    },
    /// Measure matching throughput: load RULES, match every event of EVENTS (the file repeated
    /// until --min-seconds have passed), and print events/s, bytes/s, matches and compile time.
    ///
    /// With --json, prints one JSON object: {"events": N, "bytes": B, "seconds": S,
    /// "events_per_sec": X, "bytes_per_sec": Y, "matches": M, "compile_seconds": C, "rules": R}
    /// (events, bytes and matches count every repetition). A progress bar is drawn on stderr when
    /// it is a terminal.
    #[command(
        after_help = "Example:\n  evmatch corpus citylots --count 50000 --seed 1 > citylots.ndjson\n  \
        evmatch bench --rules corpus/rules/citylots/exact.json --events citylots.ndjson --json"
    )]
    Bench {
        /// A JSON object mapping each rule name to its event pattern.
        #[arg(long, value_name = "RULES")]
        rules: String,
        /// Newline-delimited JSON events; `-` for standard input.
        #[arg(long, value_name = "EVENTS")]
        events: String,
        /// Threads to match on: from 1 to the number of cores (more is lowered to it; default:
        /// one).
        #[arg(long, value_name = "N", default_value_t = 1, value_parser = parse_threads)]
        threads: usize,
        /// Repeat the events until this much matching time has passed: from 0 to 86400 seconds.
        #[arg(long, value_name = "SECONDS", default_value_t = 2.0, value_parser = parse_seconds)]
        min_seconds: f64,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
        /// Read and validate every byte of every event (`Validation::Strict`) instead of only
        /// what matching needs.
        #[arg(long)]
        strict: bool,
        /// Measure the baseline instead of matching: parse every event into a
        /// `serde_json::Value` (matches and rules are then 0).
        #[arg(long)]
        baseline: bool,
    },
    /// Write a generated corpus on stdout (same seed, same bytes): events as newline-delimited
    /// JSON, rule sets in the --rules format.
    #[command(
        after_help = "Examples:\n  evmatch corpus citylots --count 50000 --seed 1 > citylots.ndjson\n  \
            evmatch corpus rules-mixed --count 100000 --seed 1 > rules-100k.json\n  \
            evmatch corpus rules-router --count 100000 --seed 1 > router-100k.json"
    )]
    Corpus {
        /// What to write: `citylots` (GeoJSON features shaped like San Francisco's CityLots,
        /// coordinates with 15 decimals as in the original file), `citylots-6` (the same lots,
        /// coordinates cut to six decimals so that numeric rules compare them),
        /// `destinations` (AWS Lambda Destinations execution records in their EventBridge
        /// envelope), `invocations` (outcomes of asynchronous invocations, the input of
        /// `examples/destination_router.rs`), or a rule set over the destination records:
        /// `rules-exact` (exact matches on an order id), `rules-mixed` (every operator),
        /// `rules-router` (a Lambda Destinations router: shared source, detail-type and
        /// condition values, each rule with a selective part of its own), `rules-product`
        /// (one value for each of four fields from 32, every combination unique),
        /// `rules-absent` (leaning on `exists: false`) or `rules-anything-but` (leaning on
        /// `anything-but` in all its forms).
        #[arg(value_enum)]
        kind: CorpusKind,
        /// How many events (or rules).
        #[arg(long, default_value_t = 1000)]
        count: usize,
        /// The seed of the generator.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Validate every rule of a rules file, and describe the compiled set.
    ///
    /// Lists each invalid rule on stdout as `invalid rule "NAME": PATH: REASON` (REASON is the
    /// reason AWS gives; PATH points into the pattern), then statistics of the valid rules
    /// compiled together (rules, branches, fields, automaton states, estimated memory) and the
    /// wildcard complexity of the rules that use wildcards, highest first (AWS refuses a rule
    /// above 10). Exits 1 if any rule is invalid.
    #[command(
        after_help = "Examples:\n  evmatch check corpus/destinations/rules.json\n  \
        evmatch corpus rules-mixed --count 100000 | evmatch check - --json"
    )]
    Check {
        /// A JSON object mapping each rule name to its event pattern; `-` for standard input.
        #[arg(value_name = "RULES")]
        rules: String,
        /// Print one JSON object: {"rules", "valid", "invalid": [{"name", "path", "reason"}],
        /// "stats": {...}, "complexity": [{"name", "complexity"}]}.
        #[arg(long)]
        json: bool,
    },
    /// Explain why rules did or did not match an event.
    ///
    /// For each rule (or only --rule NAME), prints `match` or `no match` and, for a rule that
    /// did not match, every field that failed: its path, what the event has there and what the
    /// pattern wants; for `$or`, why each branch failed. Exits 0 whether or not rules matched.
    #[command(
        after_help = "Example:\n  evmatch explain --rules corpus/destinations/rules.json \\\n    \
        --rule orders-accepted corpus/destinations/failure.json"
    )]
    Explain {
        /// A JSON object mapping each rule name to its event pattern.
        #[arg(long, value_name = "RULES")]
        rules: String,
        /// The rule to explain (default: every rule, in file order).
        #[arg(long, value_name = "NAME")]
        rule: Option<String>,
        /// The event: a file holding one JSON object; standard input when absent or `-`.
        #[arg(value_name = "EVENT")]
        event: Option<String>,
    },
}

#[derive(Clone, Copy, PartialEq, clap::ValueEnum)]
enum CorpusKind {
    Citylots,
    #[value(name = "citylots-6")]
    Citylots6,
    Destinations,
    Invocations,
    RulesExact,
    RulesMixed,
    RulesRouter,
    RulesProduct,
    RulesAbsent,
    RulesAnythingBut,
}

/// How a command ends when it does not succeed.
enum Failure {
    /// A message for stderr; exit 2.
    Message(String),
    /// Exit 1, everything already said: `check` found invalid rules, `match` bad lines.
    Found,
    /// Whoever read our standard output has closed it (`evmatch ... | head`): there is no one
    /// left to tell anything, so the command stops quietly, with success, as Unix tools do.
    Closed,
}

/// A failure to report on stderr, with exit code 2.
#[allow(non_snake_case)]
fn Failure(message: String) -> Failure {
    Failure::Message(message)
}

/// The failure of a write to standard output: a closed pipe ends the command quietly; any other
/// error (a full disk) is reported.
fn write_failure(e: std::io::Error) -> Failure {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Failure::Closed
    } else {
        Failure(format!("cannot write: {e}"))
    }
}

/// Writes `text` on standard output, flushed.
fn print(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(write_failure)
}

/// Writes a line on standard error. When even that fails there is no one to tell: the error is
/// dropped rather than turned into a panic.
fn report(message: std::fmt::Arguments<'_>) {
    let _ = writeln!(std::io::stderr().lock(), "{message}");
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::TestEventPattern {
            event_pattern,
            event,
        } => test_event_pattern(&event_pattern, &event),
        Command::Match {
            rules,
            events,
            threads,
            strict,
        } => match_events(&rules, events.as_deref(), threads, strict),
        Command::Bench {
            rules,
            events,
            threads,
            min_seconds,
            json,
            strict,
            baseline,
        } => {
            let mode = match (baseline, strict) {
                (true, _) => BenchMode::Baseline,
                (false, true) => BenchMode::Match(Validation::Strict),
                (false, false) => BenchMode::Match(Validation::Fast),
            };
            bench(&rules, &events, threads, min_seconds, json, mode)
        }
        Command::Corpus { kind, count, seed } => write_corpus(kind, count, seed),
        Command::Check { rules, json } => check(&rules, json),
        Command::Explain { rules, rule, event } => {
            explain(&rules, rule.as_deref(), event.as_deref())
        }
    };
    match result {
        Ok(()) | Err(Failure::Closed) => ExitCode::SUCCESS,
        Err(Failure::Found) => ExitCode::from(1),
        Err(Failure::Message(message)) => {
            report(format_args!("{message}"));
            ExitCode::from(2)
        }
    }
}

/// The file an argument names: `@PATH` (`@-`: standard input), or `file://PATH` as the AWS CLI
/// spells it. `None` for JSON text, which starts with neither.
fn argument_file(argument: &str) -> Option<&str> {
    argument
        .strip_prefix('@')
        .or_else(|| argument.strip_prefix("file://"))
}

/// Reads an argument that is JSON text or names a file (see [`argument_file`]), at most `limit`
/// bytes of it.
fn read_argument(argument: &str, limit: usize) -> Result<Vec<u8>, Failure> {
    match argument_file(argument) {
        Some(path) => read_input(path, limit),
        None => Ok(argument.as_bytes().to_vec()),
    }
}

/// Refuses two arguments that would both read standard input: the first would take it all.
fn one_stdin(first: (&str, bool), second: (&str, bool)) -> Result<(), Failure> {
    if first.1 && second.1 {
        return Err(Failure(format!(
            "{} and {} both read standard input, which can be read once: give one of them as a file",
            first.0, second.0
        )));
    }
    Ok(())
}

fn test_event_pattern(pattern_arg: &str, event_arg: &str) -> Result<(), Failure> {
    one_stdin(
        ("--event-pattern", argument_file(pattern_arg) == Some("-")),
        ("--event", argument_file(event_arg) == Some("-")),
    )?;
    let pattern_limit = evmatch::pattern::Limits::default().max_size;
    let pattern_text = read_argument(pattern_arg, pattern_limit)?;
    let pattern_text = String::from_utf8(pattern_text)
        .map_err(|_| Failure("Event pattern is not valid. Reason: invalid UTF-8".into()))?;
    let pattern = Pattern::parse(&pattern_text).map_err(|e| Failure(e.to_string()))?;
    let event_text = read_argument(event_arg, MAX_EVENT_SIZE)?;
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
    print(&format!("{{\"Result\": {result}}}\n"))
}

/// Rule names are shared, so that reporting a match copies a pointer, not the name.
type Name = std::sync::Arc<str>;

/// Reads a file, or standard input for `-`: at most `limit` bytes, and one more to tell that
/// there are more. Input over the limit is refused without being held: reading a file of
/// gigabytes whole, only to refuse it, would take the memory the limit is there to save.
fn read_input(path: &str, limit: usize) -> Result<Vec<u8>, Failure> {
    let too_large = |name: &str| {
        Failure(format!(
            "cannot read {name}: input larger than {limit} bytes"
        ))
    };
    let most = (limit as u64).saturating_add(1);
    let mut bytes = Vec::new();
    let (name, read) = if path == "-" {
        let read = std::io::stdin().lock().take(most).read_to_end(&mut bytes);
        ("standard input", read)
    } else {
        let file =
            std::fs::File::open(path).map_err(|e| Failure(format!("cannot read {path}: {e}")))?;
        let meta = file
            .metadata()
            .map_err(|e| Failure(format!("cannot read {path}: {e}")))?;
        if meta.is_dir() {
            return Err(Failure(format!("cannot read {path}: it is a directory")));
        }
        // A regular file tells its size: one over the limit is refused before any reading.
        if meta.is_file() && meta.len() > limit as u64 {
            return Err(too_large(path));
        }
        // `take` hides the file's size from `read_to_end`: room for it is made here, or a
        // rules file of 243 MB grows by doubling, copied at each step.
        if meta.is_file() {
            bytes.reserve_exact(meta.len() as usize + 1);
        }
        (path, file.take(most).read_to_end(&mut bytes))
    };
    read.map_err(|e| Failure(format!("cannot read {name}: {e}")))?;
    if bytes.len() > limit {
        return Err(too_large(name));
    }
    Ok(bytes)
}

/// The cores this process may run on: more threads than these would only take turns.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Parses `--threads`: a count from 1. A count over the cores is lowered to them where it is
/// used (one thread per unit asked could be millions).
fn parse_threads(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("at least one thread is needed".to_string()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

/// The longest `bench` runs: a day.
const MAX_BENCH_SECONDS: f64 = 86_400.0;

/// Parses `--min-seconds`: a finite number of seconds from 0 to a day.
fn parse_seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(s) if (0.0..=MAX_BENCH_SECONDS).contains(&s) => Ok(s),
        _ => Err(format!(
            "must be a number of seconds from 0 to {MAX_BENCH_SECONDS}"
        )),
    }
}

/// Loads a rules file: a JSON object of rule name → pattern.
fn load_rules(path: &str, validation: Validation) -> Result<Ruleset<Name>, Failure> {
    let text = read_input(path, evmatch::rules::MAX_RULE_FILE_SIZE)?;
    let rules = Ruleset::with_validation(validation);
    rules
        .add_json_rules(&text)
        .map_err(|e| Failure(format!("{path}: {e}")))?;
    Ok(rules)
}

/// Bytes of input in one job: large enough that handing it to a worker costs nothing next to
/// matching it, small enough that every worker gets several.
const BLOCK: usize = 1 << 20;

/// One job: a block of whole lines and its place in the input.
struct Job {
    seq: usize,
    /// The lines are `block[..len]`; the rest of the block is room for reading.
    block: Vec<u8>,
    len: usize,
}

fn match_events(
    rules: &str,
    events: Option<&str>,
    threads: Option<usize>,
    strict: bool,
) -> Result<(), Failure> {
    let from_stdin = events.is_none_or(|events| events == "-");
    one_stdin(("--rules", rules == "-"), ("EVENTS", from_stdin))?;
    let name = match events {
        Some(path) if !from_stdin => path,
        _ => "standard input",
    };
    let rules = load_rules(
        rules,
        if strict {
            Validation::Strict
        } else {
            Validation::Fast
        },
    )?;
    let threads = threads.unwrap_or(usize::MAX).clamp(1, cores());
    let snapshot = rules.snapshot();
    let mut input = match open_events(events)? {
        Events::Mapped(map) => return match_mapped(&snapshot, &map, threads),
        Events::Stream(input) => input,
    };
    if threads == 1 {
        // One thread reads, matches and writes in turn: `--threads 1` takes one core, which is
        // what a one-thread run is measured against.
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::new(stdout.lock());
        let mut scratch = Scratch::new();
        // The one block goes back and forth between reading and matching.
        let spare = std::cell::Cell::new(None);
        let mut written = Ok(());
        let mut tally = Tally::default();
        let read = read_jobs(
            &mut input,
            |job| {
                let piece = match_block(&snapshot, &job.block[..job.len], &mut scratch);
                spare.set(Some(job.block));
                written = write_piece(&mut out, &piece, &mut tally);
                written.is_ok()
            },
            || spare.take(),
        );
        written?;
        out.flush().map_err(write_failure)?;
        read.map_err(|e| Failure(format!("cannot read {name}: {e}")))?;
        return tally.outcome();
    }
    // A reader thread cuts the input into jobs, `threads` workers match them, and this thread
    // writes their results in input order.
    let (jobs, queue) = std::sync::mpsc::sync_channel::<Job>(threads * 2);
    let queue = std::sync::Arc::new(std::sync::Mutex::new(queue));
    let (results, finished) = std::sync::mpsc::channel::<(usize, Piece)>();
    // Blocks go back to the reader once matched, to be filled again: a fresh megabyte per job
    // would cost the system's page faults on every one.
    let (recycle, recycled) = std::sync::mpsc::channel::<Vec<u8>>();
    std::thread::scope(|scope| {
        let reader = scope.spawn(move || {
            read_jobs(
                &mut input,
                |job| jobs.send(job).is_ok(),
                || recycled.try_recv().ok(),
            )
        });
        for _ in 0..threads {
            let queue = queue.clone();
            let results = results.clone();
            let recycle = recycle.clone();
            let snapshot = &snapshot;
            scope.spawn(move || {
                let mut scratch = Scratch::new();
                loop {
                    let job = match queue.lock() {
                        Ok(queue) => queue.recv(),
                        Err(_) => return,
                    };
                    let Ok(job) = job else { return };
                    let piece = match_block(snapshot, &job.block[..job.len], &mut scratch);
                    recycle.send(job.block).ok();
                    if results.send((job.seq, piece)).is_err() {
                        return; // the writer gave up
                    }
                }
            });
        }
        // Only the workers may hold the queue: when they stop, the reader stops too.
        drop(queue);
        drop(results);
        let tally = write_in_order(finished)?;
        match reader.join() {
            Ok(Ok(())) => tally.outcome(),
            Ok(Err(e)) => Err(Failure(format!("cannot read {name}: {e}"))),
            Err(_) => Err(Failure(format!("cannot read {name}"))),
        }
    })
}

/// Where `match` reads its events.
enum Events {
    /// A regular file, mapped: jobs are slices of the map, with no copy and no reader thread.
    Mapped(memmap2::Mmap),
    /// A pipe, a terminal or anything else that cannot be mapped: read block by block.
    Stream(Box<dyn Read + Send>),
}

/// Opens the events file, or standard input when there is none (or it is `-`).
///
/// A regular file is mapped rather than read, standard input too when it is one (`< file`)
/// read from its start. With the input mapped, the workers take their lines straight from the
/// page cache: the reader thread that would copy every byte once, and compete with them for
/// the cores, is gone. On this kind of two-core machine, two threads went from 0.20–0.22 s to
/// 0.13–0.14 s on 300,000 CityLots events, one thread from 0.26–0.28 s to 0.24–0.26 s (BENCHMARKS.md,
/// Threads).
fn open_events(path: Option<&str>) -> Result<Events, Failure> {
    let file = match path.filter(|&path| path != "-") {
        Some(path) => {
            let file = std::fs::File::open(path)
                .map_err(|e| Failure(format!("cannot read {path}: {e}")))?;
            if file.metadata().is_ok_and(|meta| meta.is_dir()) {
                return Err(Failure(format!("cannot read {path}: it is a directory")));
            }
            file
        }
        None => match stdin_file() {
            Some(file) => file,
            None => return Ok(Events::Stream(Box::new(std::io::stdin()))),
        },
    };
    Ok(match map_file(&file) {
        Some(map) => Events::Mapped(map),
        None => Events::Stream(Box::new(file)),
    })
}

/// Standard input as a file of its own (sharing its offset), where the platform allows.
#[cfg(unix)]
fn stdin_file() -> Option<std::fs::File> {
    use std::os::fd::AsFd;
    let fd = std::io::stdin().as_fd().try_clone_to_owned().ok()?;
    Some(std::fs::File::from(fd))
}

#[cfg(not(unix))]
fn stdin_file() -> Option<std::fs::File> {
    None
}

/// Maps `file` if it is a regular, non-empty file read from its start; `None` leaves it to be
/// read (a pipe, a device, a file some of whose lines a shell already consumed, a file
/// `/proc`-like that claims no length).
fn map_file(file: &std::fs::File) -> Option<memmap2::Mmap> {
    use std::io::Seek;
    let meta = file.metadata().ok()?;
    let mut at = file;
    if !meta.is_file() || meta.len() == 0 || at.stream_position().ok()? != 0 {
        return None;
    }
    // SAFETY: the map is read-only. What `Mmap::map` cannot promise is that no other
    // process rewrites or truncates the file while it is mapped: its bytes could then change
    // under the slice, or reading a truncated page could raise SIGBUS. `match` is given the
    // file to read, and makes the trade every mapping reader (grep, ripgrep) makes, for the
    // time measured above `open_events`. Pipes are read, not mapped.
    #[allow(unsafe_code)]
    let map = unsafe { memmap2::Mmap::map(file) }.ok()?;
    // Read once, front to back: the kernel may read ahead and drop pages behind.
    map.advise(memmap2::Advice::Sequential).ok();
    Some(map)
}

/// `match` over a mapped input: each worker takes the next job, at least a block of whole
/// lines, from a shared cursor, matches it and hands its piece to this thread, which writes
/// the pieces in input order.
fn match_mapped(
    snapshot: &evmatch::Snapshot<Name>,
    bytes: &[u8],
    threads: usize,
) -> Result<(), Failure> {
    // The end of the job that starts at `at`: the first line end a block or more on (a line
    // over the size bound is one job, and the matcher reports it as too large).
    let job_end = |at: usize| {
        let from = (at + BLOCK).min(bytes.len());
        memchr::memchr(b'\n', &bytes[from..]).map_or(bytes.len(), |end| from + end + 1)
    };
    if threads == 1 {
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::new(stdout.lock());
        let mut scratch = Scratch::new();
        let (mut at, mut tally) = (0, Tally::default());
        while at < bytes.len() {
            let end = job_end(at);
            let piece = match_block(snapshot, &bytes[at..end], &mut scratch);
            write_piece(&mut out, &piece, &mut tally)?;
            at = end;
        }
        out.flush().map_err(write_failure)?;
        return tally.outcome();
    }
    // The next job's start and number.
    let cursor = std::sync::Mutex::new((0, 0));
    let (results, finished) = std::sync::mpsc::channel::<(usize, Piece)>();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let (cursor, results) = (&cursor, results.clone());
            scope.spawn(move || {
                let mut scratch = Scratch::new();
                loop {
                    let (seq, job) = {
                        let Ok(mut cursor) = cursor.lock() else {
                            return;
                        };
                        let (at, seq) = *cursor;
                        if at == bytes.len() {
                            return;
                        }
                        let end = job_end(at);
                        *cursor = (end, seq + 1);
                        (seq, at..end)
                    };
                    let piece = match_block(snapshot, &bytes[job], &mut scratch);
                    if results.send((seq, piece)).is_err() {
                        return; // the writer gave up
                    }
                }
            });
        }
        drop(results);
        write_in_order(finished)?.outcome()
    })
}

/// Writes the workers' output on stdout in input order, as `(seq, piece)` pairs arrive in
/// any order.
fn write_in_order(finished: std::sync::mpsc::Receiver<(usize, Piece)>) -> Result<Tally, Failure> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut waiting = std::collections::BTreeMap::new();
    let (mut next, mut tally) = (0, Tally::default());
    for (seq, piece) in finished {
        waiting.insert(seq, piece);
        while let Some(piece) = waiting.remove(&next) {
            write_piece(&mut out, &piece, &mut tally)?;
            next += 1;
        }
    }
    out.flush().map_err(write_failure)?;
    Ok(tally)
}

/// Where the output stands: lines written, and how many of them were bad.
#[derive(Default)]
struct Tally {
    lines: usize,
    bad: usize,
}

impl Tally {
    /// The end of `match`: exit 1 when some line was bad (each was reported on stderr).
    fn outcome(&self) -> Result<(), Failure> {
        if self.bad > 0 {
            Err(Failure::Found)
        } else {
            Ok(())
        }
    }
}

/// Writes a worker's output, each error on stderr at its place among the output lines.
/// `tally.lines` is the number of lines before the piece's first, and is moved past its last.
fn write_piece(out: &mut impl Write, piece: &Piece, tally: &mut Tally) -> Result<(), Failure> {
    let mut written = 0;
    for (at, i, message) in &piece.errors {
        out.write_all(&piece.text.as_bytes()[written..*at])
            .and_then(|()| out.flush())
            .map_err(write_failure)?;
        report(format_args!("line {}: {message}", tally.lines + i + 1));
        written = *at;
    }
    tally.lines += piece.lines;
    tally.bad += piece.errors.len();
    out.write_all(&piece.text.as_bytes()[written..])
        .map_err(write_failure)
}

/// Cuts the input into jobs of whole lines (the last line of the input may lack its newline).
///
/// The input is read straight into the blocks that become jobs (blocks come back from the
/// workers to be filled again), so that the reader, which competes with the workers for the
/// cores, touches each byte little: one read, one search for line ends.
///
/// Memory stays bounded whatever the input: a line longer than the largest event the matcher
/// accepts is kept only up to one byte past that size (so that matching reports it as too
/// large, under its own line number), and the rest of it is read and dropped.
///
/// `send` takes each job and says whether to go on; `recycled` gives back a block done with,
/// if there is one.
fn read_jobs(
    input: &mut dyn Read,
    mut send_job: impl FnMut(Job) -> bool,
    mut recycled: impl FnMut() -> Option<Vec<u8>>,
) -> std::io::Result<()> {
    const READ: usize = 1 << 18;
    let mut fresh = || recycled().unwrap_or_else(|| vec![0; BLOCK + READ]);
    let mut block = fresh();
    // `block[..filled]` holds whole lines, then the start of the line being read, from
    // `line_start`; `dropping` while the rest of a line over the bound is skipped.
    let (mut filled, mut line_start, mut dropping) = (0, 0, false);
    let mut seq = 0;
    let mut send = |block: Vec<u8>, len: usize| {
        let job = Job { seq, block, len };
        seq += 1;
        send_job(job)
    };
    loop {
        if block.len() < filled + READ {
            // Only a line longer than a block gets here: it grows up to the bound.
            block.resize(filled + READ, 0);
        }
        let n = match input.read(&mut block[filled..filled + READ]) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            if filled > 0 {
                send(block, filled);
            }
            return Ok(());
        }
        let mut new = filled..filled + n;
        if dropping {
            // The line's rest ends at its newline, which is kept with what follows.
            let Some(at) = memchr::memchr(b'\n', &block[new.clone()]) else {
                continue;
            };
            block.copy_within(new.start + at..new.end, filled);
            new = filled..filled + n - at;
            dropping = false;
        }
        // Only the line being read can pass the bound: the others end within this read.
        let first_end = memchr::memchr(b'\n', &block[new.clone()]).map(|at| new.start + at);
        let cut = line_start + MAX_EVENT_SIZE + 1;
        if first_end.unwrap_or(new.end) > cut {
            match first_end {
                Some(end) => {
                    block.copy_within(end..new.end, cut);
                    new = cut..cut + (new.end - end);
                }
                None => {
                    filled = cut;
                    dropping = true;
                    continue;
                }
            }
        }
        filled = new.end;
        if let Some(at) = memchr::memrchr(b'\n', &block[new.clone()]) {
            line_start = new.start + at + 1;
        }
        if line_start >= BLOCK {
            // Whole lines go out; the line being read starts the next block.
            let mut next = fresh();
            let tail = filled - line_start;
            if next.len() < tail + READ {
                next.resize(tail + READ, 0);
            }
            next[..tail].copy_from_slice(&block[line_start..filled]);
            if !send(std::mem::replace(&mut block, next), line_start) {
                return Ok(()); // the workers are gone: the writer gave up
            }
            (filled, line_start) = (tail, 0);
        }
    }
}

/// What a worker made of its lines: the output text, the errors to report on stderr (each at
/// the byte of `text` where it belongs in the stream, with its line's index among the piece's
/// lines), and how many lines it read.
#[derive(Default)]
struct Piece {
    text: String,
    errors: Vec<(usize, usize, String)>,
    lines: usize,
}

/// Matches the lines of one job (whole lines, each ended by a newline but perhaps the input's
/// last): one output line per input line, `null` for a blank line or one that holds no valid
/// event (that one also reported as an error).
fn match_block(snapshot: &evmatch::Snapshot<Name>, block: &[u8], scratch: &mut Scratch) -> Piece {
    let mut names: Vec<&Name> = Vec::new();
    let mut piece = Piece::default();
    let block = block.strip_suffix(b"\n").unwrap_or(block);
    let mut start = 0;
    let ends = memchr::memchr_iter(b'\n', block).chain(std::iter::once(block.len()));
    let lines = ends.map(|end| {
        let line = &block[start..end];
        start = end + 1;
        line
    });
    for (i, line) in lines.enumerate() {
        piece.lines = i + 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            // No event, no answer: `null` keeps output line N the answer to input line N.
            piece.text.push_str("null\n");
            continue;
        }
        names.clear();
        match snapshot.matches_with(line, scratch, |name| names.push(name)) {
            Ok(()) => {
                names.sort_unstable();
                piece.text.push('[');
                for (k, name) in names.iter().enumerate() {
                    if k > 0 {
                        piece.text.push(',');
                    }
                    evmatch::json::write_string(&mut piece.text, name).ok();
                }
                piece.text.push_str("]\n");
            }
            Err(e) => {
                piece.errors.push((piece.text.len(), i, e.to_string()));
                piece.text.push_str("null\n");
            }
        }
    }
    piece
}

/// What `bench` times.
#[derive(Clone, Copy)]
enum BenchMode {
    Match(Validation),
    Baseline,
}

fn bench(
    rules: &str,
    events: &str,
    threads: usize,
    min_seconds: f64,
    json: bool,
    mode: BenchMode,
) -> Result<(), Failure> {
    one_stdin(("--rules", rules == "-"), ("--events", events == "-"))?;
    let started = Instant::now();
    let validation = match mode {
        BenchMode::Match(validation) => validation,
        BenchMode::Baseline => Validation::Fast,
    };
    let ruleset = load_rules(rules, validation)?;
    let compile_seconds = started.elapsed().as_secs_f64();
    // The events are held whole, to be matched again and again: no bound but memory's.
    let text = read_input(events, usize::MAX)?;
    let numbered: Vec<(usize, &[u8])> = text
        .split(|&b| b == b'\n')
        .enumerate()
        .filter(|(_, line)| !line.iter().all(u8::is_ascii_whitespace))
        .collect();
    if numbered.is_empty() {
        return Err(Failure(format!("{events}: no events")));
    }
    let snapshot = ruleset.snapshot();
    // One untimed pass: warms the caches and reports the first bad line, if any.
    let mut scratch = Scratch::new();
    for &(i, line) in &numbered {
        snapshot
            .matches_with(line, &mut scratch, |_| {})
            .map_err(|e| Failure(format!("{events}: line {}: {e}", i + 1)))?;
    }
    let lines: Vec<&[u8]> = numbered.into_iter().map(|(_, line)| line).collect();
    let threads = threads.clamp(1, cores());
    let progress = std::io::stderr().is_terminal() && !json;
    let done = AtomicU64::new(0);
    // `parse_seconds` let through only what a `Duration` holds.
    let min = Duration::from_secs_f64(min_seconds);
    let chunk = lines.len().div_ceil(threads);
    let started = Instant::now();
    let totals: Vec<(u64, u64, u64)> = std::thread::scope(|scope| {
        let workers: Vec<_> = lines
            .chunks(chunk)
            .map(|part| {
                let snapshot = &snapshot;
                let done = &done;
                scope.spawn(move || {
                    let (mut events, mut bytes, mut matches) = (0u64, 0u64, 0u64);
                    let mut scratch = Scratch::new();
                    loop {
                        for line in part {
                            match mode {
                                BenchMode::Match(_) => {
                                    // Every line matched cleanly in the warm-up pass.
                                    let _ =
                                        snapshot.matches_with(line, &mut scratch, |_| matches += 1);
                                }
                                BenchMode::Baseline => {
                                    let value = serde_json::from_slice::<serde_json::Value>(line);
                                    std::hint::black_box(value.is_ok());
                                }
                            }
                            bytes += line.len() as u64;
                        }
                        events += part.len() as u64;
                        done.fetch_add(part.len() as u64, Ordering::Relaxed);
                        if started.elapsed() >= min {
                            return (events, bytes, matches);
                        }
                    }
                })
            })
            .collect();
        if progress {
            while !workers.iter().all(|w| w.is_finished()) {
                draw_progress(started.elapsed(), min, done.load(Ordering::Relaxed));
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = write!(std::io::stderr(), "\r{:72}\r", "");
        }
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or_default())
            .collect()
    });
    let seconds = started.elapsed().as_secs_f64();
    let (events, bytes, matches) = totals
        .iter()
        .fold((0, 0, 0), |a, t| (a.0 + t.0, a.1 + t.1, a.2 + t.2));
    let events_per_sec = events as f64 / seconds;
    let bytes_per_sec = bytes as f64 / seconds;
    let count = match mode {
        BenchMode::Match(_) => ruleset.len(),
        BenchMode::Baseline => 0,
    };
    if json {
        print(&format!(
            "{{\"events\": {events}, \"bytes\": {bytes}, \"seconds\": {seconds:.6}, \
             \"events_per_sec\": {events_per_sec:.1}, \"bytes_per_sec\": {bytes_per_sec:.1}, \
             \"matches\": {matches}, \"compile_seconds\": {compile_seconds:.6}, \"rules\": {count}}}\n"
        ))
    } else {
        print(&format!(
            "{count} rules compiled in {compile_seconds:.3} s\n\
             {events} events ({} per pass, {threads} thread{}) in {seconds:.3} s\n\
             {events_per_sec:.0} events/s, {:.1} MB/s\n\
             {matches} matches\n",
            lines.len(),
            if threads == 1 { "" } else { "s" },
            bytes_per_sec / 1e6,
        ))
    }
}

/// Draws `[#####     ] 45%  1234567 events` on stderr, over the previous one.
fn draw_progress(elapsed: Duration, total: Duration, events: u64) {
    let fraction = if total.is_zero() {
        1.0
    } else {
        (elapsed.as_secs_f64() / total.as_secs_f64()).min(1.0)
    };
    let filled = (fraction * 30.0) as usize;
    let _ = write!(
        std::io::stderr(),
        "\r[{}{}] {:3.0}%  {events} events",
        "#".repeat(filled),
        " ".repeat(30 - filled),
        fraction * 100.0
    );
}

fn write_corpus(kind: CorpusKind, count: usize, seed: u64) -> Result<(), Failure> {
    use evmatch::corpus;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let write_error = write_failure;
    let rules: fn(usize, u64) -> Vec<(String, String)> = match kind {
        CorpusKind::Citylots
        | CorpusKind::Citylots6
        | CorpusKind::Destinations
        | CorpusKind::Invocations => {
            let generate: fn(&mut corpus::Rng) -> String = match kind {
                CorpusKind::Citylots => corpus::citylot,
                CorpusKind::Citylots6 => corpus::citylot_6,
                CorpusKind::Destinations => corpus::destination_record,
                _ => corpus::invocation,
            };
            let mut rng = corpus::Rng::new(seed);
            for _ in 0..count {
                writeln!(out, "{}", generate(&mut rng)).map_err(write_error)?;
            }
            return out.flush().map_err(write_error);
        }
        CorpusKind::RulesExact => |count, seed| corpus::scaling_rules(count, false, seed),
        CorpusKind::RulesMixed => |count, seed| corpus::scaling_rules(count, true, seed),
        CorpusKind::RulesRouter => corpus::router_rules,
        CorpusKind::RulesProduct => corpus::product_rules,
        CorpusKind::RulesAbsent => corpus::absent_rules,
        CorpusKind::RulesAnythingBut => corpus::anything_but_rules,
    };
    write_rules(out, &rules(count, seed))
}

/// Writes a rule set as one JSON object (the --rules format), one rule per line.
fn write_rules(mut out: impl Write, rules: &[(String, String)]) -> Result<(), Failure> {
    let write_error = write_failure;
    writeln!(out, "{{").map_err(write_error)?;
    for (i, (name, pattern)) in rules.iter().enumerate() {
        let mut quoted = String::new();
        evmatch::json::write_string(&mut quoted, name).ok();
        let comma = if i + 1 < rules.len() { "," } else { "" };
        writeln!(out, "  {quoted}: {pattern}{comma}").map_err(write_error)?;
    }
    writeln!(out, "}}").map_err(write_error)?;
    out.flush().map_err(write_error)
}

fn article(noun: &str) -> &'static str {
    if noun.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// `check`: lists invalid rules, then describes the valid ones compiled together. An empty
/// failure message means "exit 1, nothing more to say".
fn check(path: &str, json: bool) -> Result<(), Failure> {
    let text = read_input(path, evmatch::rules::MAX_RULE_FILE_SIZE)?;
    let rules: Ruleset<Name> = Ruleset::new();
    let mut refused: Vec<(String, String, String)> = Vec::new();
    let mut complexity: Vec<(String, usize)> = Vec::new();
    // Rules, not conditions: two rules with the same wildcard share one in the compiled set.
    let mut wildcard_rules = 0;
    // One rule at a time: each pattern is dropped once compiled, so a million rules cost the
    // compiled set, not the compiled set and every parsed pattern besides.
    let count = RuleFile::read(&text, |name, pattern| match pattern {
        Err(e) => refused.push((name, e.path().to_string(), e.reason())),
        Ok(pattern) => {
            if let Err(e) = rules.add(Name::from(name.as_str()), &pattern) {
                refused.push((name, "(pattern)".to_string(), e.to_string()));
                return;
            }
            let c = pattern.complexity();
            if c > 0 {
                complexity.push((name, c));
            }
            wildcard_rules += usize::from(uses_wildcards(&pattern));
        }
    })
    .map_err(|e| Failure(format!("{path}: {e}")))?;
    drop(text);
    complexity.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let stats = rules.stats();
    let valid = count - refused.len();
    let mut out = String::new();
    if json {
        let quote = |s: &str| {
            let mut q = String::new();
            evmatch::json::write_string(&mut q, s).ok();
            q
        };
        let invalid: Vec<String> = refused
            .iter()
            .map(|(name, at, reason)| {
                format!(
                    "{{\"name\": {}, \"path\": {}, \"reason\": {}}}",
                    quote(name),
                    quote(at),
                    quote(reason)
                )
            })
            .collect();
        let complexity: Vec<String> = complexity
            .iter()
            .map(|(name, c)| format!("{{\"name\": {}, \"complexity\": {c}}}", quote(name)))
            .collect();
        out.push_str(&format!(
            "{{\"rules\": {}, \"valid\": {valid}, \"invalid\": [{}], \"stats\": {{\"rules\": {}, \
             \"branches\": {}, \"fields\": {}, \"states\": {}, \"wildcards\": {}, \
             \"memory_bytes\": {}}}, \"wildcard_rules\": {wildcard_rules}, \"complexity\": [{}]}}\n",
            count,
            invalid.join(", "),
            stats.rules,
            stats.branches,
            stats.fields,
            stats.states,
            stats.wildcards,
            stats.memory_bytes,
            complexity.join(", ")
        ));
    } else {
        for (name, at, reason) in &refused {
            let mut quoted = String::new();
            evmatch::json::write_string(&mut quoted, name).ok();
            out.push_str(&format!("invalid rule {quoted}: {at}: {reason}\n"));
        }
        out.push_str(&format!(
            "{} rules: {valid} valid, {} invalid\n\
             compiled: {} rules, {} branches, {} fields, {} automaton states, \
             {wildcard_rules} rule{} with wildcards, about {} of memory\n",
            count,
            refused.len(),
            stats.rules,
            stats.branches,
            stats.fields,
            stats.states,
            if wildcard_rules == 1 { "" } else { "s" },
            human_bytes(stats.memory_bytes)
        ));
        if let Some(&(_, highest)) = complexity.first() {
            out.push_str(&format!(
                "wildcard complexity (AWS refuses above {}): highest {highest}\n",
                evmatch::pattern::wildcard::COMPLEXITY_LIMIT
            ));
            for (name, c) in complexity.iter().take(10) {
                let mut quoted = String::new();
                evmatch::json::write_string(&mut quoted, name).ok();
                out.push_str(&format!("  {c:>3}  {quoted}\n"));
            }
            if complexity.len() > 10 {
                out.push_str(&format!("  ... and {} more\n", complexity.len() - 10));
            }
        }
    }
    print(&out)?;
    if refused.is_empty() {
        Ok(())
    } else {
        Err(Failure::Found)
    }
}

/// Whether a pattern has a wildcard, in `wildcard` or in `anything-but`.
fn uses_wildcards(pattern: &Pattern) -> bool {
    use evmatch::pattern::{AnythingBut, Matcher};
    pattern
        .branches()
        .iter()
        .flat_map(|b| b.fields())
        .flat_map(|f| f.matchers())
        .any(|m| {
            matches!(
                m,
                Matcher::Wildcard(_) | Matcher::AnythingBut(AnythingBut::Wildcards(_))
            )
        })
}

fn human_bytes(bytes: usize) -> String {
    match bytes {
        b if b >= 1 << 30 => format!("{:.1} GiB", b as f64 / (1u64 << 30) as f64),
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64),
        b if b >= 1 << 10 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{b} bytes"),
    }
}

/// `explain`: one report per rule, in file order, each under the rule's name when there are
/// several.
fn explain(rules_path: &str, rule: Option<&str>, event: Option<&str>) -> Result<(), Failure> {
    one_stdin(
        ("--rules", rules_path == "-"),
        ("EVENT", event.is_none_or(|event| event == "-")),
    )?;
    let rules_text = read_input(rules_path, evmatch::rules::MAX_RULE_FILE_SIZE)?;
    let file = RuleFile::parse(&rules_text).map_err(|e| Failure(format!("{rules_path}: {e}")))?;
    // The file is read once: its rules both name what to explain and make up the rule set.
    if let Some((name, error)) = file.invalid().next() {
        let error = RuleFileError::Pattern {
            name: name.to_string(),
            error: error.clone(),
        };
        return Err(Failure(format!("{rules_path}: {error}")));
    }
    let rules: Ruleset<Name> = Ruleset::new();
    rules
        .add_many(
            file.valid()
                .map(|(name, pattern)| (Name::from(name), pattern)),
        )
        .map_err(|e| Failure(format!("{rules_path}: {e}")))?;
    let event_text = read_input(event.unwrap_or("-"), MAX_EVENT_SIZE)?;
    let names: Vec<&str> = match rule {
        Some(name) => {
            if file.rules().all(|(n, _)| n != name) {
                return Err(Failure(format!("{rules_path}: no rule named {name:?}")));
            }
            vec![name]
        }
        // A rule file names each rule once (`RuleFile::parse` refuses it otherwise).
        None => file.rules().map(|(n, _)| n).collect(),
    };
    let mut out = String::new();
    for name in &names {
        let explanation = rules
            .explain(&Name::from(*name), &event_text)
            .map_err(|e| Failure(e.to_string()))?
            .ok_or_else(|| Failure(format!("{rules_path}: no rule named {name:?}")))?;
        if rule.is_some() {
            out.push_str(&format!("{explanation}\n"));
        } else {
            let mut quoted = String::new();
            evmatch::json::write_string(&mut quoted, name).ok();
            out.push_str(&format!("{quoted}: {explanation}\n"));
        }
    }
    print(&out)
}
