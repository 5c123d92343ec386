//! Many rules, one matcher.
//!
//! A [`Ruleset`] compiles every rule into one shared structure, an immutable [`Snapshot`] that
//! any number of threads match events against. The crate's private `engine` module holds it,
//! laid out in the order of an event's way through it: the scan of the event's bytes, the value
//! index of each path, the matcher tree and its walk, and the decision of each branch the walk
//! reaches. Only the states and branches that an event's values reach are examined, so the work
//! per event follows the event and its matches, not the number of rules.
//!
//! Rules change by publishing a new immutable [`Snapshot`]: readers clone an `Arc` under a
//! lock held for that instant only, and a reader sees every rule of one complete rule set or
//! none of a pending change. Snapshots share the index of every path an update did not touch,
//! and the names and branches in chunks and shards (the engine's `chunked` module), so that an
//! update copies the pieces it touches, not the whole rule set.
//!
//! Publishing is lazy: an update only marks the rule set as changed, and the first reader
//! after it publishes. A published snapshot shares its tables with the writer, so the next
//! update copies each piece it touches; deferring the publication makes that copy once per run
//! of updates with no reader between them, not once per update, and adding rules one at a time
//! costs what adding them in one batch does rather than growing with the rules already there.
//! Such a reader waits only for an update in progress that began with changes pending, whose
//! copies are only of pieces the pending changes left shared. A batch large enough to take
//! long publishes what is pending before it starts, so readers keep matching against the state
//! before it. Removals that rebuild the rule set (once most of it is gone) do the same, and
//! publish the rebuilt set at once, so that the memory of the removed rules goes back without
//! waiting for a reader.

use std::hash::Hash;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use crate::engine::scan::{EventError, Validation};
pub use crate::engine::{
    snapshot::{Snapshot, Stats},
    walk::{Scratch, Work, MAX_EVENT_DEPTH, MAX_EVENT_SIZE},
};
use crate::pattern::{Pattern, PatternError};

/// The most fields one `$or` branch of a rule may test.
pub const MAX_FIELDS_PER_BRANCH: usize = 64;

/// Patterns in one batch from which adding them publishes the rule set's pending changes
/// first (or more: a sixteenth of its branches).
const LARGE_BATCH: usize = 64;

/// Why a rule could not be added.
///
/// ```
/// use evmatch::{Ruleset, RulesetError};
///
/// let rules = Ruleset::new();
/// let err = rules.add_json("empty", r#"{"source": []}"#).unwrap_err();
/// assert!(matches!(&err, RulesetError::Pattern(e) if e.reason() == "Empty arrays are not allowed"));
/// let fields: Vec<String> = (0..65).map(|i| format!(r#""f{i}": [1]"#)).collect();
/// let wide = format!("{{{}}}", fields.join(", "));
/// assert_eq!(rules.add_json("wide", &wide), Err(RulesetError::TooManyFields { fields: 65 }));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum RulesetError {
    /// The pattern is invalid.
    Pattern(PatternError),
    /// A branch tests more fields than [`MAX_FIELDS_PER_BRANCH`].
    TooManyFields {
        /// The number of fields in the branch.
        fields: usize,
    },
}

impl std::fmt::Display for RulesetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RulesetError::Pattern(e) => e.fmt(f),
            RulesetError::TooManyFields { fields } => write!(
                f,
                "a pattern branch tests {fields} fields; at most {MAX_FIELDS_PER_BRANCH} are supported"
            ),
        }
    }
}

impl std::error::Error for RulesetError {}

impl From<PatternError> for RulesetError {
    fn from(e: PatternError) -> Self {
        RulesetError::Pattern(e)
    }
}

/// A set of named rules, matched together. Several patterns may share a name: the name matches
/// when any of them does.
///
/// ```
/// use evmatch::{Pattern, Ruleset};
/// let rules = Ruleset::new();
/// rules.add("on-success", &Pattern::parse(r#"{"detail": {"requestContext": {"condition": ["Success"]}}}"#)?)?;
/// rules.add("on-failure", &Pattern::parse(r#"{"detail": {"requestContext": {"condition": ["RetriesExhausted", "EventAgeExceeded"]}}}"#)?)?;
/// let event = br#"{"detail": {"requestContext": {"condition": "Success"}, "responsePayload": {"big": [1, 2, 3]}}}"#;
/// assert_eq!(rules.matches(event)?, ["on-success"]);
/// rules.remove(&"on-success");
/// assert!(rules.matches(event)?.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Ruleset<N> {
    /// The authoritative state; updates are built here, one at a time.
    writer: Mutex<Snapshot<N>>,
    /// The state readers use.
    current: RwLock<Arc<Snapshot<N>>>,
    /// Whether `writer` holds changes that `current` lacks; set by updates, cleared by the
    /// publication that the next reader (or a large batch) makes. Written under `writer`'s lock.
    pending: AtomicBool,
}

impl<N: Clone + Eq + Hash> Default for Ruleset<N> {
    fn default() -> Self {
        Ruleset::new()
    }
}

impl<N: Clone + Eq + Hash> Ruleset<N> {
    /// An empty rule set that reads events the fast way ([`Validation::Fast`]): only as much
    /// of each event as matching needs, with the same results as a full read.
    ///
    /// ```
    /// use evmatch::Ruleset;
    ///
    /// let rules = Ruleset::new();
    /// assert!(rules.is_empty());
    /// rules.add_json("lambda", r#"{"source": ["lambda"]}"#)?;
    /// assert_eq!(rules.matches(br#"{"source": "lambda"}"#)?, ["lambda"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new() -> Ruleset<N> {
        Ruleset::with_validation(Validation::Fast)
    }

    /// An empty rule set that reads events as `validation` says. With
    /// [`Validation::Strict`], every byte of every event is validated, and an event that is
    /// not valid JSON is an error even where no rule looks.
    ///
    /// ```
    /// use evmatch::{Ruleset, Validation};
    ///
    /// let event = br#"{"source": "shop", "rest": [1, 2, oops]}"#;
    /// let fast = Ruleset::new();
    /// fast.add_json("shop", r#"{"source": ["shop"]}"#)?;
    /// // The fast reader skips `rest` without parsing it (and may not read it at all).
    /// assert_eq!(fast.matches(event).unwrap(), ["shop"]);
    ///
    /// let strict = Ruleset::with_validation(Validation::Strict);
    /// strict.add_json("shop", r#"{"source": ["shop"]}"#)?;
    /// assert!(strict.matches(event).is_err());
    /// # Ok::<(), evmatch::RulesetError>(())
    /// ```
    pub fn with_validation(validation: Validation) -> Ruleset<N> {
        let mut empty = Snapshot::empty();
        empty.validation = validation;
        Ruleset {
            writer: Mutex::new(empty.clone()),
            current: RwLock::new(Arc::new(empty)),
            pending: AtomicBool::new(false),
        }
    }

    /// Adds a pattern under `name` (in addition to any patterns the name already has).
    ///
    /// ```
    /// use evmatch::{Pattern, Ruleset};
    ///
    /// let rules = Ruleset::new();
    /// rules.add("from-aws", &Pattern::parse(r#"{"source": ["lambda"]}"#)?)?;
    /// rules.add("from-aws", &Pattern::parse(r#"{"source": ["sqs"]}"#)?)?; // a second pattern
    /// assert_eq!(rules.len(), 1);
    /// assert_eq!(rules.matches(br#"{"source": "sqs"}"#)?, ["from-aws"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add(&self, name: N, pattern: &Pattern) -> Result<(), RulesetError> {
        self.add_many([(name, pattern)])
    }

    /// Parses and adds a pattern.
    ///
    /// ```
    /// use evmatch::Ruleset;
    ///
    /// let rules = Ruleset::new();
    /// rules.add_json("ok", r#"{"detail": {"requestContext": {"condition": ["Success"]}}}"#)?;
    /// let err = rules.add_json("bad", r#"{"source": "lambda"}"#).unwrap_err();
    /// assert_eq!(err.to_string(), r#"Event pattern is not valid. Reason: "source" must be an object or an array"#);
    /// assert_eq!(rules.len(), 1);
    /// # Ok::<(), evmatch::RulesetError>(())
    /// ```
    pub fn add_json(&self, name: N, pattern: &str) -> Result<(), RulesetError> {
        self.add(name, &Pattern::parse(pattern)?)
    }

    /// Adds several patterns in one update: all of them, or none if one is refused.
    ///
    /// ```
    /// use evmatch::{Pattern, Ruleset};
    ///
    /// let ok = Pattern::parse(r#"{"source": ["lambda"]}"#)?;
    /// let fields: Vec<String> = (0..65).map(|i| format!(r#""f{i}": [1]"#)).collect();
    /// let wide = Pattern::parse(&format!("{{{}}}", fields.join(", ")))?; // too many fields
    /// let rules = Ruleset::new();
    /// assert!(rules.add_many([("ok", &ok), ("wide", &wide)]).is_err());
    /// assert!(rules.is_empty()); // neither was added
    /// # Ok::<(), evmatch::PatternError>(())
    /// ```
    pub fn add_many<'p>(
        &self,
        rules: impl IntoIterator<Item = (N, &'p Pattern)>,
    ) -> Result<(), RulesetError> {
        let rules: Vec<(N, &Pattern)> = rules.into_iter().collect();
        for (_, pattern) in &rules {
            check_fields(pattern)?;
        }
        self.insert_checked(rules.into_iter());
        Ok(())
    }

    /// Adds patterns already checked by `check_fields`, in one update.
    fn insert_checked<'p>(&self, rules: impl ExactSizeIterator<Item = (N, &'p Pattern)>) {
        let mut writer = self.writer();
        // A batch that is large next to the rule set could keep a reader waiting for its
        // pending changes: publish them first. Its size pays for the copy that the next
        // changes then make, so a run of such batches stays linear too.
        if rules.len() >= LARGE_BATCH.max(writer.branches.len() / 16) {
            self.publish_pending(&mut writer);
        }
        for (name, pattern) in rules {
            writer.insert(name, pattern);
        }
        self.pending.store(true, Ordering::Release);
    }

    /// The writer's state, locked for an update.
    fn writer(&self) -> MutexGuard<'_, Snapshot<N>> {
        self.writer.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Removes every pattern added under `name`. Returns whether there was any.
    ///
    /// ```
    /// use evmatch::Ruleset;
    ///
    /// let rules = Ruleset::new();
    /// rules.add_json("lambda", r#"{"source": ["lambda"]}"#)?;
    /// assert!(rules.remove(&"lambda"));
    /// assert!(!rules.remove(&"lambda")); // nothing left to remove
    /// assert!(rules.matches(br#"{"source": "lambda"}"#)?.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn remove(&self, name: &N) -> bool {
        self.remove_many([name]) == 1
    }

    /// Removes every pattern of every name in `names`, in one update: readers see all of them
    /// go at once. Returns how many of the names had patterns.
    ///
    /// ```
    /// use evmatch::Ruleset;
    ///
    /// let rules = Ruleset::new();
    /// rules.add_json("lambda", r#"{"source": ["lambda"]}"#)?;
    /// rules.add_json("sqs", r#"{"source": ["sqs"]}"#)?;
    /// assert_eq!(rules.remove_many(&["lambda", "sqs", "sns"]), 2);
    /// assert!(rules.is_empty());
    /// # Ok::<(), evmatch::RulesetError>(())
    /// ```
    pub fn remove_many<'n>(&self, names: impl IntoIterator<Item = &'n N>) -> usize
    where
        N: 'n,
    {
        let mut writer = self.writer();
        let removed = names.into_iter().filter(|n| writer.delete(n)).count();
        if removed > 0 {
            self.pending.store(true, Ordering::Release);
            if writer.is_sparse() {
                // Rebuilding takes as long as adding every live rule: readers get the state
                // after the removals first, rather than wait for it. The rebuilt state is
                // published at once, so that the memory of the removed rules goes back now,
                // not at the next reader.
                self.publish_pending(&mut writer);
                writer.compact();
                self.pending.store(true, Ordering::Release);
                self.publish_pending(&mut writer);
            }
        }
        removed
    }

    /// Publishes the writer's changes, if it has any that readers have not got.
    fn publish_pending(&self, writer: &mut Snapshot<N>) {
        if self.pending.load(Ordering::Acquire) {
            writer.finish();
            let next = Arc::new(writer.clone());
            *self.current.write().unwrap_or_else(|e| e.into_inner()) = next;
            self.pending.store(false, Ordering::Release);
        }
    }

    /// The rule set as it stands now. Later updates do not change a snapshot.
    ///
    /// ```
    /// use evmatch::ruleset::{Ruleset, Scratch};
    ///
    /// let rules = Ruleset::new();
    /// rules.add_json("lambda", r#"{"source": ["lambda"]}"#)?;
    /// let before = rules.snapshot();
    /// rules.remove(&"lambda");
    /// let (event, mut names) = (br#"{"source": "lambda"}"#, Vec::new());
    /// before.matches_into(event, &mut Scratch::new(), &mut names)?;
    /// assert_eq!(names, ["lambda"]); // the snapshot still holds the rule
    /// assert!(rules.matches(event)?.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn snapshot(&self) -> Arc<Snapshot<N>> {
        if self.pending.load(Ordering::Acquire) {
            self.publish_pending(&mut self.writer());
        }
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The names of the rules that match the event, each once, in no particular order.
    ///
    /// ```
    /// use evmatch::Ruleset;
    ///
    /// let rules = Ruleset::new();
    /// rules.add_json("ok", r#"{"detail": {"requestContext": {"condition": ["Success"]}}}"#)?;
    /// rules.add_json("lambda", r#"{"source": ["lambda"]}"#)?;
    /// let event = br#"{"source": "lambda", "detail": {"requestContext": {"condition": "Success"}}}"#;
    /// let mut names = rules.matches(event)?;
    /// names.sort();
    /// assert_eq!(names, ["lambda", "ok"]);
    /// assert!(rules.matches(b"not json").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn matches(&self, event: &[u8]) -> Result<Vec<N>, EventError> {
        let mut out = Vec::new();
        SCRATCH.with(|scratch| {
            self.snapshot()
                .matches_into(event, &mut scratch.borrow_mut(), &mut out)
        })?;
        Ok(out)
    }

    /// [`Ruleset::matches`] for an event already parsed by `serde_json`.
    ///
    /// ```
    /// use evmatch::Ruleset;
    ///
    /// let rules = Ruleset::new();
    /// rules.add_json("ok", r#"{"detail": {"requestContext": {"condition": ["Success"]}}}"#)?;
    /// let event = serde_json::json!({"detail": {"requestContext": {"condition": "Success"}}});
    /// assert_eq!(rules.matches_value(&event)?, ["ok"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn matches_value(&self, event: &serde_json::Value) -> Result<Vec<N>, EventError> {
        let bytes = serde_json::to_vec(event).unwrap_or_default();
        self.matches(&bytes)
    }

    /// How many distinct names have rules.
    ///
    /// ```
    /// use evmatch::Ruleset;
    ///
    /// let rules = Ruleset::new();
    /// rules.add_json("from-aws", r#"{"source": ["lambda"]}"#)?;
    /// rules.add_json("from-aws", r#"{"source": ["sqs"]}"#)?;
    /// rules.add_json("ok", r#"{"detail": {"requestContext": {"condition": ["Success"]}}}"#)?;
    /// assert_eq!(rules.len(), 2); // names, not patterns
    /// # Ok::<(), evmatch::RulesetError>(())
    /// ```
    pub fn len(&self) -> usize {
        self.snapshot().name_index.len()
    }

    /// Whether there are no rules.
    ///
    /// ```
    /// use evmatch::Ruleset;
    ///
    /// let rules = Ruleset::new();
    /// assert!(rules.is_empty());
    /// rules.add_json("lambda", r#"{"source": ["lambda"]}"#)?;
    /// assert!(!rules.is_empty());
    /// # Ok::<(), evmatch::RulesetError>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Shows the number of rules and how events are read.
impl<N: Clone + Eq + Hash> std::fmt::Debug for Ruleset<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let snapshot = self.snapshot();
        f.debug_struct("Ruleset")
            .field("rules", &snapshot.name_index.len())
            .field("validation", &snapshot.validation)
            .finish_non_exhaustive()
    }
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// Loading rule files, explaining results, and statistics.
impl<N: Clone + Eq + Hash> Ruleset<N> {
    /// Adds every rule of a rule file (a JSON object of rule name → pattern, see
    /// [`rules`](crate::rules)) in one update: all of them, or none if one is invalid. Returns
    /// how many rules were added. A file that names a rule twice, or names one with more than
    /// [`MAX_RULE_NAME_SIZE`](crate::rules::MAX_RULE_NAME_SIZE) bytes, is refused
    /// ([`RuleFileError::DuplicateName`](crate::rules::RuleFileError::DuplicateName),
    /// [`RuleFileError::NameTooLong`](crate::rules::RuleFileError::NameTooLong)).
    ///
    /// ```
    /// use evmatch::Ruleset;
    /// let rules: Ruleset<String> = Ruleset::new();
    /// let added = rules.add_json_rules(br#"{
    ///     "on-success": {"detail": {"requestContext": {"condition": ["Success"]}}},
    ///     "on-failure": {"detail": {"requestContext": {"condition": ["RetriesExhausted", "EventAgeExceeded"]}}}
    /// }"#)?;
    /// assert_eq!(added, 2);
    /// let event = br#"{"detail": {"requestContext": {"condition": "EventAgeExceeded"}}}"#;
    /// assert_eq!(rules.matches(event)?, ["on-failure"]);
    /// let twice = rules.add_json_rules(br#"{"x": {"a": [1]}, "x": {"b": [2]}}"#).unwrap_err();
    /// assert!(matches!(twice, evmatch::rules::RuleFileError::DuplicateName { .. }));
    /// assert_eq!(rules.len(), 2); // nothing of the refused file was added
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_json_rules(&self, text: &[u8]) -> Result<usize, crate::rules::RuleFileError>
    where
        N: for<'a> From<&'a str>,
    {
        use crate::rules::RuleFileError;
        // One rule at a time, rather than the file's whole tree and every pattern at once: a
        // million rules then take the memory of the rule set alone. Either every rule is added
        // or none: the writer's state before is kept (a clone that shares its pieces) and
        // put back if a rule is refused; readers see nothing until the end.
        let limits = crate::json::ParseLimits {
            max_size: crate::rules::MAX_RULE_FILE_SIZE,
            ..crate::json::ParseLimits::default()
        };
        let mut writer = self.writer();
        self.publish_pending(&mut writer);
        let before = writer.clone();
        let mut count = 0;
        // A rule named twice is refused, not OR-ed with itself: a rule file names each rule
        // once (a name the set held before the file is another matter: adding under it ORs).
        let mut names = crate::rules::Names::default();
        let read = crate::json::Json::for_each_member(text, &limits, &mut |name, json, at| {
            names.check(text, &name, at)?;
            let pattern = Pattern::from_json(&json).map_err(|error| RuleFileError::Pattern {
                name: name.clone(),
                error,
            })?;
            check_fields(&pattern).map_err(|error| RuleFileError::Rule {
                name: name.clone(),
                error,
            })?;
            writer.insert(N::from(name.as_str()), &pattern);
            count += 1;
            Ok(())
        });
        let outcome = match read {
            Err(e) => Err(RuleFileError::from(e)),
            Ok(Err(e)) => Err(e),
            Ok(Ok(false)) => Err(RuleFileError::NotAnObject),
            Ok(Ok(true)) => Ok(()),
        };
        if let Err(e) = outcome {
            *writer = before;
            return Err(e);
        }
        self.pending.store(true, Ordering::Release);
        Ok(count)
    }

    /// Explains how the rule `name` fares against `event`: whether it matches and, if not,
    /// for each `$or` branch, which fields failed, what the event has there and what the
    /// pattern wants (see [`explain`](crate::explain)). `None` when no rule has that name.
    ///
    /// The explanation agrees with [`Ruleset::matches`]; unlike matching, it reads the whole
    /// event, so it is for debugging a route, not for the hot path.
    ///
    /// ```
    /// use evmatch::Ruleset;
    /// let rules = Ruleset::new();
    /// rules.add_json("orders-accepted", r#"{"detail": {
    ///     "requestContext": {"condition": ["Success"]},
    ///     "responsePayload": {"source": ["shop.orders"], "action": ["accepted"]}
    /// }}"#)?;
    /// let event = br#"{"detail": {
    ///     "requestContext": {"condition": "Success"},
    ///     "responsePayload": {"source": "shop.orders", "action": "rejected"}
    /// }}"#;
    /// let why = rules.explain(&"orders-accepted", event)?.expect("the rule exists");
    /// assert!(!why.matched());
    /// assert_eq!(why.to_string(), "no match\n  detail.responsePayload.action: \
    ///     the event has \"rejected\", the pattern wants \"accepted\"");
    /// assert!(rules.explain(&"no-such-rule", event)?.is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn explain(
        &self,
        name: &N,
        event: &[u8],
    ) -> Result<Option<crate::explain::Explanation>, EventError> {
        let snapshot = self.snapshot();
        let Some(entry) = snapshot.name_index.get(name) else {
            return Ok(None);
        };
        let limits = crate::json::ParseLimits {
            max_depth: MAX_EVENT_DEPTH,
            max_size: MAX_EVENT_SIZE,
        };
        let event = crate::json::Json::parse_with(event, &limits).map_err(EventError::Malformed)?;
        if !matches!(event, crate::json::Json::Object(_)) {
            return Err(EventError::NotAnObject);
        }
        let leaves = crate::reference::Leaves::of(&event);
        let branches = entry
            .branches
            .iter()
            .filter_map(|&b| snapshot.branches.get(b as usize).map(|info| &**info))
            .map(|b| b.fields.as_slice());
        Ok(Some(crate::explain::explain_branches(branches, &leaves)))
    }

    /// Statistics of the rule set as it stands now: see [`Stats`].
    ///
    /// ```
    /// use evmatch::Ruleset;
    /// let rules = Ruleset::new();
    /// rules.add_json("on-success", r#"{"source": ["lambda"], "detail": {"requestContext": {"condition": ["Success"]}}}"#)?;
    /// rules.add_json("on-failure", r#"{"source": ["lambda"], "detail": {"requestContext": {"condition": ["RetriesExhausted"]}}}"#)?;
    /// let stats = rules.stats();
    /// assert_eq!((stats.rules, stats.branches, stats.fields), (2, 2, 2));
    /// assert!(stats.memory_bytes > 0);
    /// # Ok::<(), evmatch::RulesetError>(())
    /// ```
    pub fn stats(&self) -> Stats {
        self.snapshot().stats()
    }
}

/// Refuses a pattern with a branch over more fields than a branch's bit mask can hold.
fn check_fields(pattern: &Pattern) -> Result<(), RulesetError> {
    match pattern
        .branches()
        .iter()
        .find(|b| b.fields().len() > MAX_FIELDS_PER_BRANCH)
    {
        Some(b) => Err(RulesetError::TooManyFields {
            fields: b.fields().len(),
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::Ruleset;

    #[test]
    fn updates_with_no_reader_between_them_publish_and_copy_once() {
        let keys = |rules: &Ruleset<String>| rules.writer().keys.first_chunk();
        let published = |rules: &Ruleset<String>| {
            let current = rules.current.read().unwrap();
            let mut names: Vec<String> = current.names.iter().cloned().collect();
            names.sort();
            names
        };
        let event = br#"{"n": 5, "w": "a.png"}"#;
        let rules: Ruleset<String> = Ruleset::new();
        rules
            .add_json("n1".into(), r#"{"n": [{"numeric": [">", 4]}]}"#)
            .unwrap();
        let before = rules.snapshot();
        // The snapshot shares the writer's tables: the next update copies them, once.
        rules
            .add_json("n2".into(), r#"{"n": [{"numeric": ["<", 6]}]}"#)
            .unwrap();
        let copied = keys(&rules);
        for name in ["w1", "w2", "w3"] {
            rules
                .add_json(name.into(), r#"{"w": [{"wildcard": "*.png"}]}"#)
                .unwrap();
            assert_eq!(keys(&rules), copied, "{name} copied the tables");
        }
        assert!(rules.remove(&"w3".to_string()));
        assert_eq!(keys(&rules), copied, "the removal copied the tables");
        assert_eq!(published(&rules), ["n1"], "an update published");
        // The first reader publishes everything at once, the range tree and the wildcard
        // automaton brought up to date.
        let mut found = rules.matches(event).unwrap();
        found.sort();
        assert_eq!(found, ["n1", "n2", "w1", "w2"]);
        assert_eq!(published(&rules), ["n1", "n2", "w1", "w2"]);
        assert_eq!(before.names.iter().count(), 1, "a snapshot stays as it was");
        rules.add_json("n3".into(), r#"{"n": [5]}"#).unwrap();
        assert_ne!(
            keys(&rules),
            copied,
            "after a reader, the tables are copied again"
        );
        // A large batch publishes what is pending before it starts.
        let many: Vec<(String, crate::Pattern)> = (0..super::LARGE_BATCH)
            .map(|i| {
                (
                    format!("b{i}"),
                    crate::Pattern::parse(r#"{"n": [7]}"#).unwrap(),
                )
            })
            .collect();
        rules
            .add_many(many.iter().map(|(n, p)| (n.clone(), p)))
            .unwrap();
        assert_eq!(published(&rules), ["n1", "n2", "n3", "w1", "w2"]);
        assert_eq!(rules.len(), 5 + super::LARGE_BATCH);
    }

    #[test]
    fn a_rule_file_with_a_refused_rule_adds_nothing() {
        // Rules already there share values and paths with the file's; a refused rule at the
        // end (after others were added to the writer) puts everything back, and a JSON error
        // after a refused rule is the one reported.
        let rules: Ruleset<String> = Ruleset::new();
        rules
            .add_json(
                "old".into(),
                r#"{"source": ["lambda"], "n": [{"numeric": [">", 1]}]}"#,
            )
            .unwrap();
        let event = br#"{"source": "lambda", "n": 5, "w": "a.png"}"#;
        assert_eq!(rules.matches(event).unwrap(), ["old"]);
        let file = br#"{
            "new": {"source": ["lambda"], "n": [{"numeric": ["<", 9]}]},
            "old": {"w": [{"wildcard": "*.png"}]},
            "bad": {"source": []}
        }"#;
        let err = rules.add_json_rules(file).unwrap_err();
        assert!(err.to_string().contains("\"bad\""), "{err}");
        // A later update publishes the writer's state: it holds none of the file's rules.
        rules.add_json("other".into(), r#"{"x": [1]}"#).unwrap();
        assert_eq!(rules.len(), 2);
        assert_eq!(rules.matches(event).unwrap(), ["old"]);
        assert!(rules.matches(br#"{"w": "a.png"}"#).unwrap().is_empty());
        let broken = br#"{"bad": {"source": []}, "new": {"source": ["x"]} oops"#;
        assert!(matches!(
            rules.add_json_rules(broken),
            Err(crate::rules::RuleFileError::Json(_))
        ));
        // And the file, once valid, adds all its rules.
        let good = br#"{"new": {"source": ["lambda"], "n": [{"numeric": ["<", 9]}]}, "old": {"w": [{"wildcard": "*.png"}]}}"#;
        assert_eq!(rules.add_json_rules(good).unwrap(), 2);
        let mut found = rules.matches(event).unwrap();
        found.sort();
        assert_eq!(found, ["new", "old"]);
        assert_eq!(rules.matches(br#"{"w": "a.png"}"#).unwrap(), ["old"]);
    }
}
