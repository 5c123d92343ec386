//! Many rules, one matcher.
//!
//! A [`Ruleset`] compiles every rule into one shared structure:
//!
//! ```text
//! event bytes ──event::scan──▶ (path, value, array positions)      [only paths some rule names]
//!             ──FieldIndex────▶ hits: (branch, field slot)          [one index per path, shared]
//!             ──per branch────▶ all slots hit, array-consistent?    [bit masks; consistency fold]
//!             ──────────────▶ rule names
//! ```
//!
//! * A trie of the paths that rules name steers the scan; everything else in the event
//!   is skipped unparsed, and the scan stops once the rest cannot matter.
//! * Each path has one field index holding every matcher of every rule on that path.
//! * Each `$or` branch of each rule is a set of field *slots*; a value hit sets the slot's bit.
//!   A branch matches when every slot is set (or satisfied by absence) and, when its values sit
//!   in arrays, a consistency fold finds them in consistent elements; branches with
//!   `exists: false` over array values use the exact consistency search.
//!
//! Only branches that received a hit are examined (plus the few that can match on absence
//! alone), so the work per event follows the event and its matches, not the number of rules.
//!
//! Rules change by publishing a new immutable [`Snapshot`]: readers clone an `Arc` under a
//! lock held for that instant only, and a reader sees every rule of one complete rule set or
//! none of a pending change. Snapshots share the index of every path an update did not touch,
//! and the names and branches in chunks and shards (a private `chunked` module), so that an
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

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use smallvec::SmallVec;

use crate::automaton::{map_bytes, spilled_bytes, Candidates, Hit};
use crate::chunked::{Chunked, Sharded};
use crate::consistency::{self, FieldOptions};
use crate::event::{
    self, EventError, FieldTrie, Kinds, PathId, ScanScratch, Validation, Value, Visitor,
};
use crate::json::JsonError;
use crate::number::ComparableNumber;
use crate::pattern::{FieldCondition, Literal, Matcher, Pattern, PatternError};
use crate::reference::{scalar_matches, Scalar};
use crate::tree::{self, Out, StateId, Tree};

/// The most fields one `$or` branch of a rule may test.
pub const MAX_FIELDS_PER_BRANCH: usize = 64;

/// Branches (live and removed) below which a rule set is never rebuilt to drop removed ones.
const COMPACT_ABOVE: usize = 1024;

/// Patterns in one batch from which adding them publishes the rule set's pending changes
/// first (or more: a sixteenth of its branches).
const LARGE_BATCH: usize = 64;

/// Deepest event nesting the scanner accepts.
pub const MAX_EVENT_DEPTH: usize = 128;

/// Largest event the matcher accepts, in bytes: 16 MiB, as for [`json::Json::parse`]
/// (EventBridge itself takes events of up to 256 KiB).
///
/// [`json::Json::parse`]: crate::json::Json::parse
pub const MAX_EVENT_SIZE: usize = 16 << 20;

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

/// One `$or` branch of one rule.
#[derive(Debug)]
struct BranchInfo {
    /// One bit per field slot.
    full: u64,
    /// Slots that `exists: false` may satisfy.
    absent: u64,
    fields: Vec<FieldCondition>,
    /// Each slot's path, in the branch itself rather than a pointer away: verifying reads
    /// them first.
    paths: SmallVec<[PathId; 4]>,
    /// The states of the matcher tree the branch walks, in the tree's order of its fields.
    chain: SmallVec<[StateId; 4]>,
}

impl BranchInfo {
    /// Whether slot `slot` is a guard: a field of plain `exists: false`, checked once the
    /// walk reaches the branch's end rather than walked. An event that has such a field then
    /// costs a group of branches one check, where a state per absence would be entered by
    /// every event that gets that far. A branch of absences alone walks them (it has nothing
    /// else to be reached by).
    fn is_guard(&self, slot: usize) -> bool {
        is_plain_absence(&self.fields[slot]) && !self.fields.iter().all(is_plain_absence)
    }

    /// The paths of the guards, sorted.
    fn guards(&self) -> tree::Guards {
        let mut guards: tree::Guards = (0..self.fields.len())
            .filter(|&slot| self.is_guard(slot))
            .map(|slot| self.paths[slot])
            .collect();
        guards.sort_unstable();
        guards.dedup();
        guards
    }
}

/// The range of `outer` (sorted outermost array positions) in array `array`. Searches only
/// when some value lies outside it: in the common case (every value of the path in one
/// array, the items of an order) the range is the whole list.
#[inline]
fn array_range(outer: &[(u32, u32)], array: u32) -> (usize, usize) {
    let start = match outer.first() {
        Some(first) if first.0 < array => outer.partition_point(|&o| o.0 < array),
        _ => 0,
    };
    let end = match outer.last() {
        Some(last) if last.0 > array => start + outer[start..].partition_point(|&o| o.0 <= array),
        _ => outer.len(),
    };
    (start, end)
}

/// Where element `index` starts in `outer`, the sorted positions of one array's values. With
/// one value per element (an item's `sku`), element `index` sits at `index`: looked at first,
/// searched for only when it is not there.
#[inline]
fn element_at(outer: &[(u32, u32)], index: u32) -> usize {
    let guess = index as usize;
    match outer.get(guess) {
        Some(&(_, at)) if at == index && (guess == 0 || outer[guess - 1].1 < index) => guess,
        _ => outer.partition_point(|&(_, at)| at < index),
    }
}

/// What deciding a candidate branch needs before the branch itself: its rule's name index,
/// whether its anchor's hits alone decide it (one field, which absence cannot satisfy), and
/// whether its rule has other branches (only then can the name be found twice in an event).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct BranchKey(u32);

impl BranchKey {
    /// The key of a removed branch.
    const REMOVED: BranchKey = BranchKey(u32::MAX);
    const BY_HITS: u32 = 1 << 31;
    const SHARED: u32 = 1 << 30;

    fn new(name: u32, by_hits: bool) -> BranchKey {
        // Name indexes stay far below 2^30: each takes a rule, and rules take memory.
        debug_assert!(name < Self::SHARED - 1);
        BranchKey(name | if by_hits { Self::BY_HITS } else { 0 })
    }

    /// The key of a branch whose rule has other branches.
    fn shared(self) -> BranchKey {
        BranchKey(self.0 | Self::SHARED)
    }

    fn name(self) -> u32 {
        self.0 & !(Self::BY_HITS | Self::SHARED)
    }

    fn by_hits(self) -> bool {
        self.0 & Self::BY_HITS != 0
    }

    fn is_shared(self) -> bool {
        self.0 & Self::SHARED != 0
    }
}

#[derive(Clone, Debug)]
struct NameEntry {
    index: u32,
    /// Most names have one branch: kept inline, a copied shard allocates nothing for them.
    branches: SmallVec<[u32; 2]>,
}

/// An immutable state of a [`Ruleset`]; match against it from any number of threads.
///
/// ```
/// use evmatch::ruleset::{Ruleset, Scratch};
///
/// let rules = Ruleset::new();
/// rules.add_json("ok", r#"{"detail": {"requestContext": {"condition": ["Success"]}}}"#)?;
/// let snapshot = rules.snapshot();
/// let worker = std::thread::spawn(move || {
///     let event = br#"{"detail": {"requestContext": {"condition": "Success"}}}"#;
///     let mut names = Vec::new();
///     snapshot.matches_into(event, &mut Scratch::new(), &mut names).map(|()| names)
/// });
/// assert_eq!(worker.join().unwrap()?, ["ok"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Snapshot<N> {
    trie: Arc<FieldTrie>,
    path_ids: Arc<HashMap<String, PathId>>,
    /// The matcher tree: the root's transitions are looked up as the scan reads values.
    tree: Tree,
    /// Per path: the kinds of value some rule there can accept ([`ValueKinds`]); the scan keeps
    /// no other value. Only grows (a removed rule leaves its kinds behind, harmlessly).
    accepts: Arc<Vec<u8>>,
    /// Per path: whether the values there are kept for after the scan (a path of a branch of
    /// several fields, or one that absence can satisfy: states past the root look them up, and
    /// array consistency is checked on them). Values elsewhere are only looked up at the root:
    /// the branches they reach have one field, and the lookup is their whole verdict. Only
    /// grows, like `accepts`.
    keep: Arc<Vec<bool>>,
    /// Branch id → branch; `None` once removed.
    branches: Chunked<Arc<BranchInfo>>,
    /// Branch id → what deciding a candidate needs first ([`BranchKey`]), four bytes each.
    keys: Arc<Vec<BranchKey>>,
    names: Chunked<N>,
    name_index: Sharded<N, NameEntry>,
    /// Branches not removed: how sparse `branches` is, without a pass over the names.
    live: usize,
    validation: Validation,
}

impl<N: Clone + Eq + Hash> Snapshot<N> {
    fn empty() -> Snapshot<N> {
        Snapshot {
            trie: Arc::new(FieldTrie::new()),
            path_ids: Arc::new(HashMap::new()),
            tree: Tree::default(),
            accepts: Arc::new(Vec::new()),
            keep: Arc::new(Vec::new()),
            branches: Chunked::default(),
            keys: Arc::new(Vec::new()),
            names: Chunked::default(),
            name_index: Sharded::default(),
            live: 0,
            validation: Validation::Fast,
        }
    }

    fn path_id(&mut self, path: &str) -> PathId {
        if let Some(&id) = self.path_ids.get(path) {
            return id;
        }
        let id = PathId(self.tree.root.len() as u32);
        Arc::make_mut(&mut self.path_ids).insert(path.to_string(), id);
        Arc::make_mut(&mut self.trie).insert(path, id);
        self.tree.add_path();
        Arc::make_mut(&mut self.accepts).push(0);
        Arc::make_mut(&mut self.keep).push(false);
        id
    }

    fn insert(&mut self, name: N, pattern: &Pattern) {
        let index = self.name_slot(&name);
        for branch in pattern.branches() {
            self.insert_branch(&name, index, branch.fields());
        }
    }

    /// The index of `name`, given one if it is new.
    fn name_slot(&mut self, name: &N) -> u32 {
        if let Some(entry) = self.name_index.get(name) {
            return entry.index;
        }
        self.names.push(name.clone());
        let index = (self.names.len() - 1) as u32;
        self.name_index.insert(
            name.clone(),
            NameEntry {
                index,
                branches: SmallVec::new(),
            },
        );
        index
    }

    fn insert_branch(&mut self, name: &N, name_index: u32, fields: &[FieldCondition]) {
        let id = self.branches.len() as u32;
        let mut info = BranchInfo {
            full: 0,
            absent: 0,
            fields: fields.to_vec(),
            paths: SmallVec::new(),
            chain: SmallVec::new(),
        };
        let verified = fields.len() > 1 || fields.iter().any(FieldCondition::matches_absent);
        for (slot, field) in fields.iter().enumerate() {
            let path = self.path_id(field.path());
            if verified && !self.keep[path.0 as usize] {
                Arc::make_mut(&mut self.keep)[path.0 as usize] = true;
            }
            let kinds = field
                .matchers()
                .iter()
                .fold(0, |k, m| k | ValueKinds::of(m));
            let accepts = self.accepts[path.0 as usize];
            if accepts | kinds != accepts {
                Arc::make_mut(&mut self.accepts)[path.0 as usize] |= kinds;
            }
            info.paths.push(path);
            info.full |= 1 << slot;
            if field.matches_absent() {
                info.absent |= 1 << slot;
            }
        }
        let walk: SmallVec<[(PathId, &FieldCondition); 8]> = tree::order(fields)
            .into_iter()
            .filter(|&slot| !info.is_guard(slot))
            .map(|slot| (info.paths[slot], &fields[slot]))
            .collect();
        info.chain = self.tree.insert(id, &walk, &info.guards());
        let key = BranchKey::new(name_index, !verified);
        Arc::make_mut(&mut self.keys).push(key);
        self.branches.push(Arc::new(info));
        self.live += 1;
        let branches = &mut self
            .name_index
            .get_mut(name)
            .expect("the name has a slot")
            .branches;
        branches.push(id);
        // The second branch makes the first one of several too; later ones only themselves
        // (marking all of them each time would be quadratic in a rule's branches).
        let new = match branches.len() {
            1 => &branches[..0],
            2 => &branches[..],
            n => &branches[n - 1..],
        };
        if !new.is_empty() {
            let keys = Arc::make_mut(&mut self.keys);
            for &branch in new {
                keys[branch as usize] = keys[branch as usize].shared();
            }
        }
    }

    /// Removed rules leave their ids, paths and index capacity behind. Once the removed
    /// branches outnumber the live ones, the snapshot is rebuilt from the live branches alone,
    /// so that memory follows the rules present rather than every rule ever added (the cost,
    /// linear in the live rules, is paid at most once per as many removals).
    fn is_sparse(&self) -> bool {
        let total = self.branches.len();
        total >= COMPACT_ABOVE && self.live * 2 <= total
    }

    /// Rebuilds the snapshot from its live branches alone (see [`Snapshot::is_sparse`]).
    fn compact(&mut self) {
        let mut fresh = Snapshot::empty();
        fresh.validation = self.validation;
        for name in self.names.iter() {
            let Some(entry) = self.name_index.get(name) else {
                continue;
            };
            let index = fresh.name_slot(name);
            for &id in &entry.branches {
                if let Some(info) = self.branches.get(id as usize) {
                    fresh.insert_branch(name, index, &info.fields);
                }
            }
        }
        *self = fresh;
    }

    fn delete(&mut self, name: &N) -> bool {
        let Some(entry) = self.name_index.remove(name) else {
            return false;
        };
        self.names.take(entry.index as usize);
        for id in entry.branches {
            let Some(info) = self.branches.take(id as usize) else {
                continue;
            };
            Arc::make_mut(&mut self.keys)[id as usize] = BranchKey::REMOVED;
            self.live -= 1;
            self.tree.remove(id, &info.chain, &info.guards());
        }
        true
    }

    fn finish(&mut self) {
        self.tree.finish();
    }

    /// Matches an event, appending the names of the matching rules to `out` (each once).
    /// `scratch` is reused from call to call, so that matching allocates nothing once it has
    /// grown to the size of the events and rule set (except the small vectors of the consistency
    /// fold for candidate branches whose values sit in arrays).
    ///
    /// ```
    /// use evmatch::ruleset::{Ruleset, Scratch};
    ///
    /// let rules = Ruleset::new();
    /// rules.add_json("ok", r#"{"detail": {"requestContext": {"condition": ["Success"]}}}"#)?;
    /// let snapshot = rules.snapshot();
    /// let (mut scratch, mut names) = (Scratch::new(), Vec::new());
    /// for event in [&br#"{"detail": {"requestContext": {"condition": "Success"}}}"#[..], b"{}"] {
    ///     names.clear();
    ///     snapshot.matches_into(event, &mut scratch, &mut names)?;
    /// }
    /// assert!(names.is_empty()); // the second event matched nothing
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn matches_into(
        &self,
        event: &[u8],
        scratch: &mut Scratch,
        out: &mut Vec<N>,
    ) -> Result<(), EventError> {
        self.matches_with(event, scratch, |name| out.push(name.clone()))
    }

    /// Matches an event, calling `found` with the name of each matching rule (each once),
    /// borrowed from the snapshot: nothing is cloned or allocated per match.
    ///
    /// ```
    /// use evmatch::ruleset::{Ruleset, Scratch};
    ///
    /// let rules = Ruleset::new();
    /// rules.add_json("ok".to_string(), r#"{"source": ["lambda"]}"#)?;
    /// let snapshot = rules.snapshot();
    /// let mut count = 0;
    /// snapshot.matches_with(br#"{"source": "lambda"}"#, &mut Scratch::new(), |name| {
    ///     assert_eq!(name, "ok");
    ///     count += 1;
    /// })?;
    /// assert_eq!(count, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn matches_with<'s>(
        &'s self,
        event: &[u8],
        scratch: &mut Scratch,
        mut found: impl FnMut(&'s N),
    ) -> Result<(), EventError> {
        if event.len() > MAX_EVENT_SIZE {
            let limit = MAX_EVENT_SIZE;
            return Err(EventError::Malformed(JsonError::new(
                crate::json::JsonErrorKind::TooLarge { limit },
                event,
                0,
            )));
        }
        scratch.begin(self);
        let mut visitor = Collector {
            snapshot: self,
            scratch,
            event,
        };
        let Collector { scratch, .. } = {
            let mut scan_scratch = std::mem::take(&mut visitor.scratch.scan);
            let result = event::scan(
                event,
                &self.trie,
                MAX_EVENT_DEPTH,
                self.validation,
                &mut scan_scratch,
                &mut visitor,
            );
            visitor.scratch.scan = scan_scratch;
            result?;
            if let Some(e) = visitor.scratch.error.take() {
                return Err(e);
            }
            visitor
        };
        self.decide(event, scratch, &mut found);
        Ok(())
    }

    /// Walks the matcher tree on from the states the scan's values reached at the root (and
    /// those absence reaches), deciding each branch that ends at a state reached.
    ///
    /// The states reached are `scratch.touched.ids`, in the order they were reached; the walk
    /// goes down that list as it grows, so each state is entered once however many values
    /// lead to it. Each state keeps the values in arrays that led to it (its *via* list), and
    /// the walk on from a state reached by a few of them looks only at values in their array
    /// elements: an item's `qty` is looked for in the element of the `sku` that led there, not
    /// in every item of the order.
    fn decide<'s>(&'s self, event: &[u8], scratch: &mut Scratch, found: &mut impl FnMut(&'s N)) {
        let epoch = scratch.epoch;
        for (path, targets) in self.tree.root_absent.iter() {
            if scratch.may_be_absent(*path) {
                for &t in targets {
                    scratch.touched.open(t, epoch, UNRESTRICTED);
                }
            }
        }
        let mut hits = std::mem::take(&mut scratch.branch_hits);
        let mut usable = std::mem::take(&mut scratch.usable);
        let mut grouped = false;
        let mut next = 0;
        while let Some(&id) = scratch.touched.ids.get(next) {
            // Whose via list restricts the walk on from here.
            let parent = scratch.touched.restrict[next];
            let head = match parent {
                UNRESTRICTED => OPEN,
                r => scratch.touched.heads[r as usize],
            };
            next += 1;
            let Some(state) = self.tree.states.get(id as usize) else {
                continue;
            };
            scratch.work.states += 1;
            for &branch in &state.ends {
                self.decide_branch(branch, event, scratch, &mut hits, found);
            }
            let Some(onward) = state.next.as_deref() else {
                continue;
            };
            if let Some(table) = &onward.guard_table {
                let mut present = 0;
                for (bit, &path) in table.paths.iter().enumerate() {
                    if !scratch.may_be_absent(path) {
                        present |= 1 << bit;
                    }
                }
                scratch.work.lookups += table.paths.len() as u64;
                for &group in &table.satisfied[present] {
                    for &branch in &onward.guarded[group as usize].1 {
                        self.decide_branch(branch, event, scratch, &mut hits, found);
                    }
                }
            } else {
                for (guards, branches) in &onward.guarded {
                    scratch.work.lookups += guards.len() as u64;
                    if guards.iter().all(|&path| scratch.may_be_absent(path)) {
                        for &branch in branches {
                            self.decide_branch(branch, event, scratch, &mut hits, found);
                        }
                    }
                }
            }
            // The values in arrays that led here, when they are few: the walk goes on only
            // in their elements.
            let mut anchors = [NO_LEAF; RESTRICT_BELOW];
            let mut count = 0;
            let mut restricted = head != OPEN;
            let mut entry = head;
            while restricted && entry != NO_LEAF {
                let (leaf, next_entry) = scratch.via[entry as usize];
                if count == RESTRICT_BELOW {
                    restricted = false;
                } else {
                    anchors[count] = leaf;
                    count += 1;
                }
                entry = next_entry;
            }
            let anchors = if restricted {
                &anchors[..count]
            } else {
                &[][..]
            };
            for (path, out) in &onward.values {
                let seen = scratch.path_seen[path.0 as usize];
                if seen.epoch != epoch {
                    continue;
                }
                usable.clear();
                if !anchors.is_empty() && seen.in_arrays {
                    if !grouped {
                        scratch.group_by_path();
                        grouped = true;
                    }
                    scratch.usable_leaves(seen, anchors, |leaf| {
                        usable.push(leaf);
                        false
                    });
                } else {
                    let mut leaf = seen.first;
                    while leaf != NO_LEAF {
                        usable.push(leaf);
                        leaf = scratch.leaves[leaf as usize].next;
                    }
                }
                match out {
                    Out::Few(targets) => self.step_few(targets, &usable, event, scratch, parent),
                    Out::Many(many) => {
                        for &leaf in &usable {
                            let l = scratch.leaves[leaf as usize];
                            scratch.work.lookups += 1;
                            let value = leaf_scalar(&scratch.values, &l, event);
                            let (touched, via) = (&mut scratch.touched, &mut scratch.via);
                            let in_array = l.positions.1 > 0;
                            many.index.hits(
                                &value,
                                &mut scratch.folded,
                                &mut scratch.set,
                                &mut |hit: Hit| {
                                    touched.reach(hit.branch, epoch, leaf, in_array, via, parent)
                                },
                            );
                        }
                    }
                }
            }
            for (path, targets) in &onward.absent {
                if scratch.may_be_absent(*path) {
                    for &t in targets {
                        scratch.touched.open(t, epoch, parent);
                    }
                }
            }
        }
        scratch.branch_hits = hits;
        scratch.usable = usable;
    }

    /// Takes the transitions `targets` (a few, tested one by one) on the values `leaves`.
    /// A target reached by a value outside every array goes with any values: it is not
    /// tested again.
    fn step_few(
        &self,
        targets: &[StateId],
        leaves: &[u32],
        event: &[u8],
        scratch: &mut Scratch,
        parent: u32,
    ) {
        let epoch = scratch.epoch;
        for &t in targets {
            if scratch.touched.is_open(t, epoch) {
                continue;
            }
            let Some(target) = self.tree.states.get(t as usize) else {
                continue;
            };
            for &leaf in leaves {
                let l = scratch.leaves[leaf as usize];
                let value = leaf_scalar(&scratch.values, &l, event);
                scratch.work.lookups += 1;
                if target.matchers.iter().any(|m| scalar_matches(m, &value)) {
                    let in_array = l.positions.1 > 0;
                    scratch
                        .touched
                        .reach(t, epoch, leaf, in_array, &mut scratch.via, parent);
                    if !in_array {
                        break;
                    }
                }
            }
        }
    }

    /// Decides a branch whose every field had a value (or an absence) that satisfies it:
    /// it matches, unless values from arrays at two of its paths call for the consistency
    /// check (on the values that led to its states), or absence where the path has values in
    /// arrays calls for the exact search.
    fn decide_branch<'s>(
        &'s self,
        id: u32,
        event: &[u8],
        scratch: &mut Scratch,
        hits: &mut Vec<(u64, u32)>,
        found: &mut impl FnMut(&'s N),
    ) {
        let epoch = scratch.epoch;
        let key = self.keys[id as usize];
        if key == BranchKey::REMOVED {
            return;
        }
        let name = key.name() as usize;
        // Only a rule of several branches can have matched already, by another one.
        if key.is_shared() && scratch.name_seen[name] == epoch {
            return;
        }
        scratch.work.candidates += 1;
        // A branch of one field that absence cannot satisfy ends where its one value led.
        if !key.by_hits() {
            let Some(info) = self.branches.get(id as usize) else {
                return;
            };
            let mut in_arrays = 0;
            let mut absence = false;
            for (slot, path) in info.paths.iter().enumerate() {
                let seen = scratch.path_seen[path.0 as usize];
                if seen.epoch == epoch {
                    if info.absent & (1 << slot) != 0 {
                        // A field that must be absent and is there, outside every array.
                        if !seen.in_arrays && is_plain_absence(&info.fields[slot]) {
                            return;
                        }
                        absence = true;
                    }
                    in_arrays += u32::from(seen.in_arrays);
                }
            }
            let mut steps = 0;
            let matched = if absence {
                self.branch_matches(info, event, scratch, hits, &mut steps)
            } else if in_arrays >= 2 {
                self.via_consistent(info, scratch, &mut steps)
            } else {
                true
            };
            scratch.work.verify_steps += steps;
            if !matched {
                return;
            }
        }
        if key.is_shared() {
            scratch.name_seen[name] = epoch;
        }
        scratch.work.matches += 1;
        if let Some(name) = self.names.get(name) {
            found(name);
        }
    }

    /// Whether the values that led to a branch's states, one per state, can be chosen
    /// without mixing array elements. A state reached by a value outside every array goes
    /// with any choice.
    fn via_consistent(&self, info: &BranchInfo, scratch: &Scratch, steps: &mut u64) -> bool {
        let mut options: Vec<(u64, &[(u32, u32)])> = Vec::new();
        let mut all = 0u64;
        for (i, &state) in info.chain.iter().enumerate() {
            let bit = 1u64 << i;
            all |= bit;
            let mut entry = scratch.touched.head_of(state, scratch.epoch);
            if entry == OPEN {
                options.push((bit, &[]));
                continue;
            }
            while entry != NO_LEAF {
                let (leaf, next) = scratch.via[entry as usize];
                options.push((bit, scratch.leaf_positions(leaf)));
                *steps += 1;
                entry = next;
            }
        }
        consistency::covers(&mut options, all, steps)
    }

    /// Verifies a branch against the values the scan kept: every slot's matchers are tested
    /// on the values at its path, then the hits are checked for array consistency (with the
    /// exact search when absence depends on the elements the other slots use).
    fn branch_matches(
        &self,
        info: &BranchInfo,
        event: &[u8],
        scratch: &Scratch,
        hits: &mut Vec<(u64, u32)>,
        steps: &mut u64,
    ) -> bool {
        let epoch = scratch.epoch;
        hits.clear();
        let mut mask = 0u64;
        // Slots with a hit inside an array.
        let mut in_arrays = 0u64;
        for (slot, (field, path)) in info.fields.iter().zip(&info.paths).enumerate() {
            let bit = 1u64 << slot;
            let seen = scratch.path_seen[path.0 as usize];
            if seen.epoch == epoch {
                let mut leaf = seen.first;
                while leaf != NO_LEAF {
                    *steps += 1;
                    let l = &scratch.leaves[leaf as usize];
                    let value = scratch.scalar(l, event);
                    if field.matchers().iter().any(|m| scalar_matches(m, &value)) {
                        hits.push((bit, leaf));
                        mask |= bit;
                        if l.positions.1 > 0 {
                            in_arrays |= bit;
                        }
                    }
                    leaf = l.next;
                }
            }
            if mask & bit == 0 && info.absent & bit == 0 {
                return false;
            }
        }
        let mut absent_ok = 0u64;
        let mut exact = false;
        let mut absent = info.absent;
        while absent != 0 {
            let slot = absent.trailing_zeros() as usize;
            absent &= absent - 1;
            let seen = scratch.path_seen[info.paths[slot].0 as usize];
            if seen.epoch != epoch {
                absent_ok |= 1 << slot;
            } else if seen.in_arrays && in_arrays != 0 {
                // Absence then depends on which elements the other fields use.
                exact = true;
            }
        }
        if exact {
            return self.exact_search(info, scratch, hits, steps);
        }
        if (mask | absent_ok) != info.full {
            return false;
        }
        if in_arrays.count_ones() <= 1 {
            // At most one slot has values in arrays: no two slots can disagree on an element.
            return true;
        }
        let needed = info.full & !absent_ok;
        let mut options: Vec<(u64, &[(u32, u32)])> = hits
            .iter()
            .map(|&(bit, leaf)| (bit, scratch.leaf_positions(leaf)))
            .collect();
        consistency::covers(&mut options, needed, steps)
    }

    fn exact_search(
        &self,
        info: &BranchInfo,
        scratch: &Scratch,
        hits: &[(u64, u32)],
        steps: &mut u64,
    ) -> bool {
        let fields: Vec<FieldOptions<'_>> = (0..info.fields.len())
            .map(|slot| {
                let bit = 1u64 << slot;
                let accepts_absence = info.absent & bit != 0;
                let mut present = Vec::new();
                if accepts_absence {
                    let seen = scratch.path_seen[info.paths[slot].0 as usize];
                    if seen.epoch == scratch.epoch {
                        let mut leaf = seen.first;
                        while leaf != NO_LEAF {
                            present.push(scratch.leaf_positions(leaf));
                            leaf = scratch.leaves[leaf as usize].next;
                        }
                    }
                }
                FieldOptions {
                    matching: hits
                        .iter()
                        .filter(|h| h.0 == bit)
                        .map(|h| scratch.leaf_positions(h.1))
                        .collect(),
                    accepts_absence,
                    present,
                }
            })
            .collect();
        consistency::satisfiable(&fields, steps)
    }
}

/// The kinds of value ([`Kinds`]) a matcher can accept.
struct ValueKinds;

impl ValueKinds {
    fn of(matcher: &Matcher) -> u8 {
        match matcher {
            Matcher::Exact(Literal::String { .. })
            | Matcher::Prefix { .. }
            | Matcher::Suffix { .. }
            | Matcher::EqualsIgnoreCase(_)
            | Matcher::Wildcard(_)
            | Matcher::Cidr(_) => Kinds::STRING,
            // Same spelling, same domain: a comparable pattern number equals only comparable
            // event numbers, and the other way round.
            Matcher::Exact(Literal::Number { value: Some(_), .. }) | Matcher::Numeric(_) => {
                Kinds::COMPARABLE
            }
            Matcher::Exact(Literal::Number { value: None, .. }) => Kinds::OTHER_NUMBER,
            Matcher::Exact(Literal::Bool(_)) => Kinds::BOOL,
            Matcher::Exact(Literal::Null) => Kinds::NULL,
            // Presence and absence count every value.
            Matcher::Exists(_) | Matcher::AnythingBut(_) => Kinds::ALL,
        }
    }
}

/// States past one reached by values in arrays are looked for in those values' elements only
/// when at most this many led there: each costs a search per path, and with many the
/// consistency fold at the end does the same work in linear time.
const RESTRICT_BELOW: usize = 4;

/// Values on a path up to which the walk checks each against the elements it is restricted
/// to, rather than searching for them (four binary searches per element).
const WALK_BELOW: u32 = 8;

/// A state reached by a value outside every array, or by absence ([`Touched::heads`]).
const OPEN: u32 = u32::MAX - 1;

/// A walk on from a state that no array elements restrict ([`Touched::restrict`]).
const UNRESTRICTED: u32 = u32::MAX - 1;

/// A restriction not yet set ([`Touched::restrict`]).
const UNSET: u32 = u32::MAX;

/// No further leaf at this path.
const NO_LEAF: u32 = u32::MAX;

#[derive(Clone, Copy, Debug, Default)]
struct PathSeen {
    epoch: u32,
    in_arrays: bool,
    /// How many leaves the path has.
    count: u32,
    /// Set by `Scratch::group_by_path` for a path with more than `WALK_BELOW` leaves (the
    /// only ones searched): its leaves are `by_path[start..start + count]`, and `sorted` when
    /// every one sits in an array and their outermost positions never decrease (document order
    /// makes them so, unless a value outside any array interleaves).
    start: u32,
    sorted: bool,
    /// The path's leaves, in event order, as a list threaded through `Leaf::next`.
    first: u32,
    last: u32,
}

/// What kind of value a kept leaf holds.
#[derive(Clone, Copy, Debug)]
enum LeafKind {
    Str,
    Num(Option<ComparableNumber>),
    True,
    False,
    Null,
}

impl LeafKind {
    /// The value of `bytes` as matchers see it: the text of a string, the spelling of a
    /// number.
    fn scalar(self, bytes: &[u8]) -> Scalar<'_> {
        match self {
            // Strings were checked as UTF-8 when they were kept.
            LeafKind::Str => Scalar::Str(event::text(bytes).unwrap_or_default()),
            LeafKind::Num(n) => Scalar::Num(bytes, n),
            LeafKind::True => Scalar::Bool(true),
            LeafKind::False => Scalar::Bool(false),
            LeafKind::Null => Scalar::Null,
        }
    }
}

/// A value the scan kept, at a path some rule names.
#[derive(Clone, Copy, Debug)]
struct Leaf {
    kind: LeafKind,
    /// Where the value's bytes are: in the event as they are (strings without escapes,
    /// numbers as spelled), or with [`VALUES`] set, in `Scratch::values` (strings decoded).
    bytes: (u32, u32),
    /// The value's array positions in `Scratch::positions`.
    positions: (u32, u32),
    /// The next leaf at the same path.
    next: u32,
}

/// The states of the matcher tree that one event reached. Up to [`DIRECT_UP_TO`] states in
/// the tree, a slot per state finds them; beyond, a small open-addressing table sized to the
/// event's states, not to the tree: a slot per state (a megabyte with 100,000 rules) cost a
/// cache miss per state reached, where the table stays in the cache. With few states the slots
/// stay in the cache too, and take no search.
#[derive(Debug, Default)]
struct Touched {
    /// The states reached, in the order they were reached.
    ids: Vec<u32>,
    /// Beside each of `ids`, the first of the values in arrays that led to it, in
    /// `Scratch::via`; [`OPEN`] when a value outside every array (or an absence) led to it.
    heads: Vec<u32>,
    /// Beside each of `ids`, whose via list restricts the walk on from it: its own (its
    /// place), that of the state before it when a value outside every array led here (the
    /// array elements chosen before still hold), or none ([`UNRESTRICTED`]).
    restrict: Vec<u32>,
    /// Each slot the event's number (`Scratch::epoch`) above the place in `ids` of the state
    /// it holds: a slot of another event is empty, so nothing is cleared between events. A
    /// slot per state id when `direct`, else a power of two of them.
    slots: Vec<u64>,
    direct: bool,
}

/// States in a tree up to which [`Touched`] keeps a slot per state (256 KiB of them).
const DIRECT_UP_TO: usize = 1 << 15;

impl Touched {
    /// Empties the table for the next event, in a tree of `states` state ids: `slots` are
    /// stale already, unless epochs start over (`restart`) or the slots change kind or size.
    fn clear(&mut self, restart: bool, states: usize) {
        self.ids.clear();
        self.heads.clear();
        self.restrict.clear();
        let direct = states <= DIRECT_UP_TO;
        if direct != self.direct {
            // Slots of the other kind: none left (a searched table grows as it fills).
            self.direct = direct;
            self.slots.clear();
        } else if restart {
            self.slots.fill(0);
        }
        if direct && self.slots.len() < states {
            self.slots.resize(states, 0);
        }
    }

    /// Lists `state` as reached in event `epoch`, if it was not; returns its place in `ids`.
    #[inline(always)]
    fn insert(&mut self, state: u32, epoch: u32) -> usize {
        if self.direct {
            let slot = &mut self.slots[state as usize];
            if (*slot >> 32) as u32 == epoch {
                return *slot as u32 as usize;
            }
            *slot = u64::from(epoch) << 32 | self.ids.len() as u64;
            return self.add(state);
        }
        if self.ids.len() * 2 >= self.slots.len() {
            self.grow(epoch);
        }
        let mask = self.slots.len() - 1;
        let mut at = Self::start(state, mask);
        loop {
            let slot = self.slots[at];
            if (slot >> 32) as u32 != epoch {
                self.slots[at] = u64::from(epoch) << 32 | self.ids.len() as u64;
                return self.add(state);
            }
            let index = slot as u32 as usize;
            if self.ids[index] == state {
                return index;
            }
            at = (at + 1) & mask;
        }
    }

    #[inline(always)]
    fn add(&mut self, state: u32) -> usize {
        self.ids.push(state);
        self.heads.push(NO_LEAF);
        self.restrict.push(UNSET);
        self.ids.len() - 1
    }

    /// Notes that the walk on from the state at `index` is restricted by `want`'s via list;
    /// two different restrictions leave it unrestricted (their union is not one list).
    #[inline(always)]
    fn restrict_by(&mut self, index: usize, want: u32) {
        let r = &mut self.restrict[index];
        if *r == UNSET {
            *r = want;
        } else if *r != want {
            *r = UNRESTRICTED;
        }
    }

    /// Records that `leaf` led to `state` from a state whose walk on was restricted by
    /// `parent` ([`Touched::restrict`]): a value in an array joins the state's via list (once,
    /// however many of the transition's matchers it satisfies) and restricts the walk on to
    /// its elements; one outside every array opens the state and passes the parent's
    /// restriction on.
    #[inline(always)]
    fn reach(
        &mut self,
        state: u32,
        epoch: u32,
        leaf: u32,
        in_array: bool,
        via: &mut Vec<(u32, u32)>,
        parent: u32,
    ) {
        let index = self.insert(state, epoch);
        if !in_array {
            self.heads[index] = OPEN;
            self.restrict_by(index, parent);
            return;
        }
        self.restrict_by(index, index as u32);
        let head = &mut self.heads[index];
        if *head != OPEN && (*head == NO_LEAF || via[*head as usize].0 != leaf) {
            via.push((leaf, *head));
            *head = (via.len() - 1) as u32;
        }
    }

    /// Records that absence, or a value outside every array, led to `state` from a state
    /// whose walk on was restricted by `parent`.
    #[inline(always)]
    fn open(&mut self, state: u32, epoch: u32, parent: u32) {
        let index = self.insert(state, epoch);
        self.heads[index] = OPEN;
        self.restrict_by(index, parent);
    }

    /// The head of `state`'s via list in event `epoch` (`NO_LEAF` if not reached).
    fn head_of(&self, state: u32, epoch: u32) -> u32 {
        self.find(state, epoch).map_or(NO_LEAF, |i| self.heads[i])
    }

    /// Whether a value outside every array (or absence) led to `state` in event `epoch`.
    #[inline(always)]
    fn is_open(&self, state: u32, epoch: u32) -> bool {
        self.head_of(state, epoch) == OPEN
    }

    /// The place in `ids` of `state`, if event `epoch` reached it.
    #[inline(always)]
    fn find(&self, state: u32, epoch: u32) -> Option<usize> {
        if self.direct {
            let slot = self.slots[state as usize];
            return ((slot >> 32) as u32 == epoch).then_some(slot as u32 as usize);
        }
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut at = Self::start(state, mask);
        loop {
            let slot = self.slots[at];
            if (slot >> 32) as u32 != epoch {
                return None;
            }
            let index = slot as u32 as usize;
            if self.ids[index] == state {
                return Some(index);
            }
            at = (at + 1) & mask;
        }
    }

    /// Where the search for `state` starts: state ids are dense, so they are spread by a
    /// multiplicative hash.
    #[inline(always)]
    fn start(state: u32, mask: usize) -> usize {
        (u64::from(state).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as usize & mask
    }

    /// Doubles the slots and puts this event's states back (the table grows with the
    /// largest event's states, then stays).
    #[cold]
    fn grow(&mut self, epoch: u32) {
        self.slots = vec![0; (self.slots.len() * 2).max(64)];
        let mask = self.slots.len() - 1;
        for (index, &state) in self.ids.iter().enumerate() {
            let mut at = Self::start(state, mask);
            while self.slots[at] != 0 {
                at = (at + 1) & mask;
            }
            self.slots[at] = u64::from(epoch) << 32 | index as u64;
        }
    }
}

/// The work that matching one event took, counted rather than timed: a count is the same on a
/// busy machine as on an idle one, so tests can assert how work grows with rules or events.
///
/// ```
/// use evmatch::ruleset::{Ruleset, Scratch};
///
/// let rules = Ruleset::new();
/// rules.add_json("ok", r#"{"detail": {"requestContext": {"condition": ["Success"]}}}"#)?;
/// let mut scratch = Scratch::new();
/// let event = br#"{"detail": {"requestContext": {"condition": "Success"}}}"#;
/// rules.snapshot().matches_with(event, &mut scratch, |_| {})?;
/// let work = scratch.work();
/// assert_eq!((work.values, work.lookups, work.matches), (1, 1, 1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Work {
    /// Values the scan delivered at paths that rules name.
    pub values: u64,
    /// Lookups of a value in a compiled index (or tests of a value against a condition).
    pub lookups: u64,
    /// States of the matcher entered.
    pub states: u64,
    /// Branches decided after every field was found (a match, or a check of array
    /// consistency).
    pub candidates: u64,
    /// Values tested and steps taken while checking array consistency.
    pub verify_steps: u64,
    /// Rules reported.
    pub matches: u64,
}

impl Work {
    /// Everything counted but the matches reported: the work of finding them.
    ///
    /// ```
    /// use evmatch::ruleset::Work;
    /// assert_eq!(Work::default().total(), 0);
    /// ```
    pub fn total(&self) -> u64 {
        self.values + self.lookups + self.states + self.candidates + self.verify_steps
    }
}

/// Reusable working memory for [`Snapshot::matches_into`].
///
/// ```
/// use evmatch::{corpus, ruleset::{Ruleset, Scratch}};
///
/// let rules = Ruleset::new();
/// let failed = r#"{"detail": {"requestContext": {"condition": [{"anything-but": "Success"}]}}}"#;
/// rules.add_json("failed", failed)?;
/// let (snapshot, mut scratch, mut names) = (rules.snapshot(), Scratch::new(), Vec::new());
/// for record in corpus::destination_records(200, 1).lines() {
///     snapshot.matches_into(record.as_bytes(), &mut scratch, &mut names)?; // one Scratch for all
/// }
/// assert!((30..90).contains(&names.len())); // about 30% of invocations fail
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Scratch {
    scan: ScanScratch,
    epoch: u32,
    path_seen: Vec<PathSeen>,
    /// The paths with a leaf in this event.
    seen_paths: Vec<u32>,
    /// Leaves grouped by path (see `PathSeen::start`).
    by_path: Vec<u32>,
    /// Beside each of `by_path`, its leaf's outermost array position (`(0, 0)` outside any
    /// array): the key of the searches by element, in one place rather than two loads away.
    by_path_outer: Vec<(u32, u32)>,
    /// Lists of (leaf, next) threaded from `Touched::heads`: the values in arrays that led to
    /// each state.
    via: Vec<(u32, u32)>,
    /// The leaves a step of the walk tries.
    usable: Vec<u32>,
    name_seen: Vec<u32>,
    touched: Touched,
    leaves: Vec<Leaf>,
    values: Vec<u8>,
    positions: Vec<(u32, u32)>,
    /// (slot bit, leaf) hits of the branch being verified.
    branch_hits: Vec<(u64, u32)>,
    text: Vec<u8>,
    folded: Vec<u8>,
    set: Candidates,
    error: Option<EventError>,
    work: Work,
}

impl Default for Scratch {
    fn default() -> Self {
        Scratch {
            scan: ScanScratch::default(),
            epoch: 0,
            path_seen: Vec::new(),
            seen_paths: Vec::new(),
            by_path: Vec::new(),
            by_path_outer: Vec::new(),
            via: Vec::new(),
            usable: Vec::new(),
            name_seen: Vec::new(),
            touched: Touched::default(),
            leaves: Vec::new(),
            values: Vec::new(),
            positions: Vec::new(),
            branch_hits: Vec::new(),
            text: Vec::new(),
            folded: Vec::new(),
            set: Candidates::new(),
            error: None,
            work: Work::default(),
        }
    }
}

impl Scratch {
    /// Fresh working memory.
    ///
    /// ```
    /// use evmatch::ruleset::{Ruleset, Scratch};
    ///
    /// let rules = Ruleset::new();
    /// rules.add_json("lambda", r#"{"source": ["lambda"]}"#)?;
    /// let (mut scratch, mut names) = (Scratch::new(), Vec::new());
    /// rules.snapshot().matches_into(br#"{"source": "lambda"}"#, &mut scratch, &mut names)?;
    /// assert_eq!(names, ["lambda"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new() -> Scratch {
        Scratch::default()
    }

    fn begin<N>(&mut self, snapshot: &Snapshot<N>) {
        self.epoch = self.epoch.wrapping_add(1);
        let restart = self.epoch == 0;
        if restart {
            // Stamps from 2^32 events ago could look current: start over.
            self.path_seen.iter_mut().for_each(|s| s.epoch = 0);
            self.name_seen.iter_mut().for_each(|s| *s = 0);
            self.epoch = 1;
        }
        let paths = snapshot.tree.root.len();
        if self.path_seen.len() < paths {
            self.path_seen.resize(paths, PathSeen::default());
        }
        if self.name_seen.len() < snapshot.names.len() {
            self.name_seen.resize(snapshot.names.len(), 0);
        }
        self.touched.clear(restart, snapshot.tree.capacity());
        self.seen_paths.clear();
        self.via.clear();
        self.leaves.clear();
        self.values.clear();
        self.positions.clear();
        self.error = None;
        self.work = Work::default();
    }

    /// What matching the last event took: see [`Work`].
    ///
    /// ```
    /// use evmatch::ruleset::{Ruleset, Scratch};
    ///
    /// let rules = Ruleset::new();
    /// rules.add_json("lambda", r#"{"source": ["lambda"]}"#)?;
    /// let mut scratch = Scratch::new();
    /// rules.snapshot().matches_with(br#"{"source": "s3", "detail": {}}"#, &mut scratch, |_| {})?;
    /// assert_eq!(scratch.work().matches, 0);
    /// assert_eq!(scratch.work().lookups, 1); // "s3", at the one path a rule names
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn work(&self) -> Work {
        self.work
    }

    /// Whether the event may lack a value at `path` where a branch needs absence: it has
    /// none, or its values there sit in arrays, where absence depends on the elements the
    /// branch's other fields use (decided once the branch ends).
    #[inline]
    fn may_be_absent(&self, path: PathId) -> bool {
        let seen = self.path_seen[path.0 as usize];
        seen.epoch != self.epoch || seen.in_arrays
    }

    /// Lays out the leaves of each path with more than `WALK_BELOW` side by side in
    /// `by_path`, for binary searches by array element. Paths with fewer are walked.
    fn group_by_path(&mut self) {
        self.by_path.clear();
        self.by_path_outer.clear();
        for &path in &self.seen_paths {
            if self.path_seen[path as usize].count <= WALK_BELOW {
                continue;
            }
            let start = self.by_path.len();
            let mut leaf = self.path_seen[path as usize].first;
            let mut sorted = true;
            let mut previous = (0, 0);
            while leaf != NO_LEAF {
                let (from, len) = self.leaves[leaf as usize].positions;
                let outer = self.positions.get(from as usize).filter(|_| len > 0);
                match outer {
                    Some(&outer) if outer >= previous => previous = outer,
                    _ => sorted = false,
                }
                self.by_path.push(leaf);
                self.by_path_outer.push(outer.copied().unwrap_or_default());
                leaf = self.leaves[leaf as usize].next;
            }
            let seen = &mut self.path_seen[path as usize];
            debug_assert_eq!(seen.count as usize, self.by_path.len() - start);
            seen.start = start as u32;
            seen.sorted = sorted;
        }
    }

    #[inline]
    fn leaf_positions(&self, leaf: u32) -> &[(u32, u32)] {
        let (start, len) = self.leaves[leaf as usize].positions;
        &self.positions[start as usize..(start + len) as usize]
    }

    /// Calls `take` on the leaves of a path (`seen`) that can go with one of the values
    /// `anchors` (every leaf, with no anchors), until it returns `true`; returns whether it
    /// did. A few leaves are walked, each checked against every anchor; many are searched by
    /// the anchors' array elements.
    #[inline]
    fn usable_leaves(
        &self,
        seen: PathSeen,
        anchors: &[u32],
        mut take: impl FnMut(u32) -> bool,
    ) -> bool {
        if !anchors.is_empty() && seen.sorted && seen.count > WALK_BELOW {
            // Jump to the anchors' elements instead of walking every value.
            let list = &self.by_path[seen.start as usize..][..seen.count as usize];
            let outer = &self.by_path_outer[seen.start as usize..][..seen.count as usize];
            for &h in anchors {
                let at = self.leaf_positions(h);
                let (array, index) = at[0];
                // Values outside the anchor's outermost array share no array with it.
                let (array_start, array_end) = array_range(outer, array);
                let element_start = array_start + element_at(&outer[array_start..array_end], index);
                let element_end = element_start
                    + outer[element_start..array_end]
                        .iter()
                        .take_while(|&&o| o == (array, index))
                        .count();
                for &leaf in list[..array_start].iter().chain(&list[array_end..]) {
                    if take(leaf) {
                        return true;
                    }
                }
                for &leaf in &list[element_start..element_end] {
                    if consistency::compatible(at, self.leaf_positions(leaf)) && take(leaf) {
                        return true;
                    }
                }
            }
            return false;
        }
        let mut leaf = seen.first;
        while leaf != NO_LEAF {
            let usable = anchors.is_empty()
                || anchors.iter().any(|&h| {
                    consistency::compatible(self.leaf_positions(h), self.leaf_positions(leaf))
                });
            if usable && take(leaf) {
                return true;
            }
            leaf = self.leaves[leaf as usize].next;
        }
        false
    }

    #[inline]
    fn scalar<'a>(&'a self, leaf: &Leaf, event: &'a [u8]) -> Scalar<'a> {
        leaf_scalar(&self.values, leaf, event)
    }
}

/// The value of a kept leaf, from the event or from the decoded strings (`values`).
#[inline]
fn leaf_scalar<'a>(values: &'a [u8], leaf: &Leaf, event: &'a [u8]) -> Scalar<'a> {
    let (start, len) = leaf.bytes;
    let (from, start) = if start & VALUES != 0 {
        (values, start & !VALUES)
    } else {
        (event, start)
    };
    let bytes = from
        .get(start as usize..(start + len) as usize)
        .unwrap_or_default();
    leaf.kind.scalar(bytes)
}

struct Collector<'s, 'c, 'e, N> {
    snapshot: &'s Snapshot<N>,
    scratch: &'c mut Scratch,
    /// The event being matched: kept values point into it.
    event: &'e [u8],
}

/// Marks a kept value's start (in [`Leaf::bytes`]) as one in `Scratch::values` rather than in
/// the event. Events are at most [`MAX_EVENT_SIZE`] bytes, far below it.
const VALUES: u32 = 1 << 31;

/// Where a kept value's `bytes` stay for verifying ([`Leaf::bytes`]): where they lie in the
/// event, or else (a decoded string) where they are copied to in `values`.
#[inline(always)]
fn keep(event: &[u8], values: &mut Vec<u8>, bytes: &[u8]) -> (u32, u32) {
    event_span(event, bytes).unwrap_or_else(|| {
        let start = values.len() as u32;
        values.extend_from_slice(bytes);
        (VALUES | start, bytes.len() as u32)
    })
}

/// Where `part` lies in `event`, when it lies there: its start and length.
#[inline(always)]
fn event_span(event: &[u8], part: &[u8]) -> Option<(u32, u32)> {
    // Addresses compared, not dereferenced: a slice of the event lies within its range, and
    // one of any other buffer (a decoded string) cannot.
    let offset = (part.as_ptr() as usize).wrapping_sub(event.as_ptr() as usize);
    (offset <= event.len() && part.len() <= event.len() - offset && offset < VALUES as usize)
        .then_some((offset as u32, part.len() as u32))
}

impl<N> Visitor for Collector<'_, '_, '_, N> {
    /// A value of a kind no rule at this path accepts is neither kept nor looked up.
    #[inline]
    fn wants(&self, path: PathId) -> u8 {
        self.snapshot.accepts[path.0 as usize]
    }

    fn leaf(&mut self, path: PathId, value: Value<'_>, positions: &[(u32, u32)]) {
        self.scratch.work.values += 1;
        if !self.snapshot.keep[path.0 as usize] {
            self.look_up(path, value);
            return;
        }
        let scratch = &mut *self.scratch;
        let epoch = scratch.epoch;
        let leaf = scratch.leaves.len() as u32;
        // The value's bytes stay where they are for verifying, in the event, when they are
        // there as they are (a string without escapes, a number): nothing is copied. Only a
        // decoded string goes to `values`.
        let event = self.event;
        let values = &mut scratch.values;
        let (kind, bytes, scalar) = match value {
            Value::String(raw) => match raw.decode(&mut scratch.text) {
                Ok(s) => (
                    LeafKind::Str,
                    keep(event, values, s.as_bytes()),
                    Scalar::Str(s),
                ),
                Err(kind) => {
                    scratch
                        .error
                        .get_or_insert(EventError::Malformed(JsonError::new(kind, raw.raw(), 0)));
                    return;
                }
            },
            Value::Number(text, number) => (
                LeafKind::Num(number),
                keep(event, values, text),
                Scalar::Num(text, number),
            ),
            Value::True => (LeafKind::True, (0, 0), Scalar::Bool(true)),
            Value::False => (LeafKind::False, (0, 0), Scalar::Bool(false)),
            Value::Null => (LeafKind::Null, (0, 0), Scalar::Null),
        };
        scratch.leaves.push(Leaf {
            kind,
            bytes,
            positions: (scratch.positions.len() as u32, positions.len() as u32),
            next: NO_LEAF,
        });
        scratch.positions.extend_from_slice(positions);
        let in_array = !positions.is_empty();
        let seen = &mut scratch.path_seen[path.0 as usize];
        if seen.epoch != epoch {
            *seen = PathSeen {
                epoch,
                in_arrays: in_array,
                count: 1,
                first: leaf,
                last: leaf,
                ..PathSeen::default()
            };
            scratch.seen_paths.push(path.0);
        } else {
            seen.in_arrays |= in_array;
            seen.count += 1;
            let last = seen.last;
            seen.last = leaf;
            scratch.leaves[last as usize].next = leaf;
        }
        let index = &self.snapshot.tree.root[path.0 as usize].index;
        if index.is_empty() {
            return; // kept only for the states past the root
        }
        scratch.work.lookups += 1;
        let (touched, via) = (&mut scratch.touched, &mut scratch.via);
        index.hits(
            &scalar,
            &mut scratch.folded,
            &mut scratch.set,
            &mut |hit: Hit| touched.reach(hit.branch, epoch, leaf, in_array, via, UNRESTRICTED),
        );
    }
}

impl<N> Collector<'_, '_, '_, N> {
    /// [`Visitor::leaf`] at a path where no branch verifies values: the value is looked up and
    /// not kept, and the branches it hits are candidates that need no verifying.
    fn look_up(&mut self, path: PathId, value: Value<'_>) {
        let scratch = &mut *self.scratch;
        let scalar = match value {
            Value::String(raw) => match raw.decode(&mut scratch.text) {
                Ok(s) => Scalar::Str(s),
                Err(kind) => {
                    scratch
                        .error
                        .get_or_insert(EventError::Malformed(JsonError::new(kind, raw.raw(), 0)));
                    return;
                }
            },
            Value::Number(text, number) => Scalar::Num(text, number),
            Value::True => Scalar::Bool(true),
            Value::False => Scalar::Bool(false),
            Value::Null => Scalar::Null,
        };
        let epoch = scratch.epoch;
        scratch.work.lookups += 1;
        let touched = &mut scratch.touched;
        self.snapshot.tree.root[path.0 as usize].index.hits(
            &scalar,
            &mut scratch.folded,
            &mut scratch.set,
            &mut |hit: Hit| touched.open(hit.branch, epoch, UNRESTRICTED),
        );
    }
}

/// Loading rule files, explaining results, and statistics.
impl<N: Clone + Eq + Hash> Ruleset<N> {
    /// Adds every rule of a rule file (a JSON object of rule name → pattern, see
    /// [`rules`](crate::rules)) in one update: all of them, or none if one is invalid. Returns
    /// how many rules were added.
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
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_json_rules(&self, text: &[u8]) -> Result<usize, crate::rules::RuleFileError>
    where
        N: for<'a> From<&'a str>,
    {
        use crate::rules::RuleFileError;
        // Read twice, one rule at a time, rather than holding every pattern (or the file's
        // whole tree) at once: a million rules then take the memory of the rule set alone.
        // The first pass only validates, so that either every rule is added or none.
        let limits = crate::json::ParseLimits {
            max_size: crate::rules::MAX_RULE_FILE_SIZE,
            ..crate::json::ParseLimits::default()
        };
        let check = |name: &str, json: &crate::json::Json| -> Result<Pattern, RuleFileError> {
            let pattern = Pattern::from_json(json).map_err(|error| RuleFileError::Pattern {
                name: name.to_string(),
                error,
            })?;
            check_fields(&pattern).map_err(|error| RuleFileError::Rule {
                name: name.to_string(),
                error,
            })?;
            Ok(pattern)
        };
        let mut count = 0;
        let is_object = crate::json::Json::for_each_member(text, &limits, &mut |name, json| {
            check(&name, &json).map(|_| count += 1)
        })??;
        if !is_object {
            return Err(RuleFileError::NotAnObject);
        }
        let mut writer = self.writer();
        if count >= LARGE_BATCH.max(writer.branches.len() / 16) {
            self.publish_pending(&mut writer);
        }
        crate::json::Json::for_each_member(text, &limits, &mut |name, json| {
            check(&name, &json).map(|pattern| writer.insert(N::from(name.as_str()), &pattern))
        })??;
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

/// What a compiled rule set holds: sizes and an estimate of its memory.
///
/// ```
/// use evmatch::Ruleset;
/// let rules = Ruleset::new();
/// rules.add_json("orders", r#"{"$or": [{"a": ["x"]}, {"b": [{"wildcard": "*.png"}]}]}"#)?;
/// let stats = rules.stats();
/// assert_eq!(stats.branches, 2);
/// assert_eq!(stats.wildcards, 1);
/// # Ok::<(), evmatch::RulesetError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Distinct rule names.
    pub rules: usize,
    /// `$or` branches over all rules (a pattern without `$or` is one branch).
    pub branches: usize,
    /// Distinct field paths that rules test.
    pub fields: usize,
    /// States of the compiled automaton: nodes of the path trie that steers the event scan,
    /// plus the states of the matcher tree (one per distinct condition on the way from the
    /// root: rules that begin with the same conditions share states).
    pub states: usize,
    /// Wildcard matchers among the value index entries.
    pub wildcards: usize,
    /// An estimate of the heap memory the rule set holds, in bytes.
    pub memory_bytes: usize,
}

impl<N: Clone + Eq + Hash> Snapshot<N> {
    /// Statistics of this state of the rule set: see [`Stats`].
    ///
    /// ```
    /// use evmatch::Ruleset;
    /// let rules = Ruleset::new();
    /// rules.add_json("r", r#"{"detail": {"requestContext": {"condition": ["Success"]}}}"#)?;
    /// let snapshot = rules.snapshot();
    /// rules.remove(&"r");
    /// assert_eq!(snapshot.stats().rules, 1);
    /// assert_eq!(rules.stats().rules, 0);
    /// # Ok::<(), evmatch::RulesetError>(())
    /// ```
    pub fn stats(&self) -> Stats {
        let (trie_nodes, trie_bytes) = self.trie.stats();
        let mut stats = Stats {
            rules: self.name_index.len(),
            fields: self.tree.root.len(),
            states: trie_nodes,
            memory_bytes: trie_bytes,
            ..Stats::default()
        };
        stats.states += self.tree.len();
        stats.wildcards = self.tree.wildcards();
        stats.memory_bytes += self.tree.heap_bytes();
        for branch in self.branches.iter() {
            stats.branches += 1;
            stats.memory_bytes += std::mem::size_of::<BranchInfo>()
                + spilled_bytes(&branch.paths)
                + spilled_bytes(&branch.chain)
                + branch
                    .fields
                    .iter()
                    .map(|f| {
                        std::mem::size_of::<FieldCondition>()
                            + f.path().len() * 3
                            + std::mem::size_of_val(f.matchers())
                    })
                    .sum::<usize>();
        }
        stats.memory_bytes += self.branches.heap_bytes()
            + self.names.heap_bytes()
            + self
                .name_index
                .heap_bytes(|_, e| spilled_bytes(&e.branches))
            + map_bytes(&self.path_ids, |k, _| k.len())
            + self.accepts.capacity()
            + self.keep.capacity();
        stats
    }
}

/// Whether a field is `exists: false` alone.
fn is_plain_absence(field: &FieldCondition) -> bool {
    matches!(field.matchers(), [Matcher::Exists(false)])
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
    use super::{array_range, element_at, Ruleset, Touched};

    #[test]
    fn kept_values_are_verified_from_the_event_or_decoded() {
        // The exact `a` is the anchor; `b` and `n` are verified from the values kept, which
        // point into the event unless decoding an escape made new bytes.
        let rules = Ruleset::new();
        rules
            .add_json(
                "r",
                r#"{"a": ["x\"y"], "b": [{"prefix": "é"}], "n": [{"numeric": [">", 1.5]}]}"#,
            )
            .unwrap();
        let cases: &[(&str, bool)] = &[
            (r#"{"a": "x\"y", "b": "été", "n": 2}"#, true),
            (
                r#"{"a": "x\u0022y", "b": "\u00e9t\u00e9", "n": [0, 2e0]}"#,
                true,
            ),
            (
                r#"{"n": 1.75, "b": ["no", "\u00e9"], "a": ["z", "x\"y"]}"#,
                true,
            ),
            (r#"{"a": "x\"y", "b": "\u00e8t\u00e9", "n": 2}"#, false),
            (r#"{"a": "x\"y", "b": "été", "n": 1.5}"#, false),
            (r#"{"a": "x\\y", "b": "été", "n": 2}"#, false),
        ];
        for &(event, matches) in cases {
            let found = rules.matches(event.as_bytes()).unwrap();
            assert_eq!(!found.is_empty(), matches, "{event}");
        }
    }

    #[test]
    fn updates_with_no_reader_between_them_publish_and_copy_once() {
        use std::sync::Arc;
        let keys = |rules: &Ruleset<String>| Arc::as_ptr(&rules.writer().keys);
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
    fn a_rule_of_several_branches_is_found_once() {
        // Two branches of one `$or`, and three patterns added under one name (the second turns
        // the first into one of several), all matching the event, beside a rule of one
        // branch. Each name is found once however many of its branches match.
        let rules = Ruleset::new();
        let or = r#"{"$or": [{"a": ["x"]}, {"b": [{"prefix": "y"}]}]}"#;
        rules.add_json("or", or).unwrap();
        rules.add_json("twice", r#"{"a": ["x"]}"#).unwrap();
        rules.add_json("once", r#"{"b": ["yes"]}"#).unwrap();
        rules
            .add_json("twice", r#"{"b": ["yes"], "a": ["x"]}"#)
            .unwrap();
        // A third: one of several from the start.
        rules
            .add_json("twice", r#"{"b": [{"prefix": "ye"}]}"#)
            .unwrap();
        let mut found = rules.matches(br#"{"a": "x", "b": "yes"}"#).unwrap();
        found.sort_unstable();
        assert_eq!(found, ["once", "or", "twice"]);
        assert_eq!(rules.matches(br#"{"a": "x"}"#).unwrap().len(), 2);
    }

    #[test]
    fn values_are_looked_up_while_their_path_indexes_a_matcher() {
        // `qty` is first only verified (beside the anchor `sku`), then the anchor of two
        // rules, then of one, then of none again: its values are looked up exactly while
        // some rule's anchor is there.
        let rules = Ruleset::new();
        let pair = r#"{"items": {"sku": ["A"], "qty": [1]}}"#;
        rules.add_json("pair", pair).unwrap();
        let event = |qty: u32| format!(r#"{{"items": [{{"sku": "A", "qty": {qty}}}]}}"#);
        let found = |qty: u32| {
            let mut found = rules.matches(event(qty).as_bytes()).unwrap();
            found.sort_unstable();
            found
        };
        assert_eq!(found(1), ["pair"]);
        rules.add_json("one", r#"{"items": {"qty": [1]}}"#).unwrap();
        rules.add_json("two", r#"{"items": {"qty": [2]}}"#).unwrap();
        assert_eq!(found(1), ["one", "pair"]);
        assert_eq!(found(2), ["two"]);
        assert!(rules.remove(&"one"));
        assert_eq!(found(1), ["pair"]);
        assert_eq!(found(2), ["two"]);
        assert!(rules.remove(&"two"));
        assert_eq!(found(1), ["pair"]);
        assert!(found(2).is_empty());
    }

    #[test]
    fn states_reached_are_found_again_across_growth_and_events() {
        // State ids spread and dense, each listed once the first time: found again (after the
        // table has grown past them, when it is searched), and gone in the next event, also
        // when the event numbers start over after an event that left most slots with older
        // numbers; in a slot per state and in the searched table.
        for branches in [20_000, 100_003] {
            let mut touched = Touched::default();
            let all: Vec<u32> = (0..600)
                .map(|i| i * 7919 % branches)
                .chain(0..400)
                .collect();
            let events = [
                (1, &all[..]),
                (2, &all[..10]),
                (u32::MAX, &all[..20]),
                (1, &all),
            ];
            for (epoch, ids) in events {
                touched.clear(epoch == 1, branches as usize);
                assert_eq!(touched.direct, branches < 50_000);
                assert!(ids.iter().all(|&id| touched.find(id, epoch).is_none()));
                for &id in ids {
                    touched.insert(id, epoch);
                    assert!(touched.find(id, epoch).is_some());
                }
                let mut distinct = ids.to_vec();
                distinct.sort_unstable();
                distinct.dedup();
                assert_eq!(touched.ids.len(), distinct.len(), "epoch {epoch}");
                let mut first_seen = Vec::new();
                for &id in ids {
                    if !first_seen.contains(&id) {
                        first_seen.push(id);
                    }
                }
                assert_eq!(
                    touched.ids, first_seen,
                    "epoch {epoch}: in the order reached"
                );
                for &id in ids {
                    touched.insert(id, epoch);
                }
                assert_eq!(touched.ids.len(), distinct.len());
            }
        }
    }

    /// The ranges `array_range` and `element_at` find, against plain binary searches.
    fn check(outer: &[(u32, u32)]) {
        for array in 0..4 {
            let (start, end) = array_range(outer, array);
            assert_eq!(
                start,
                outer.partition_point(|&o| o < (array, 0)),
                "{outer:?}"
            );
            assert_eq!(end, outer.partition_point(|&o| o.0 <= array), "{outer:?}");
            for index in 0..8 {
                let element = start + element_at(&outer[start..end], index);
                let expected = outer.partition_point(|&o| o < (array, index));
                assert_eq!(element, expected, "{outer:?} array {array} index {index}");
            }
        }
    }

    #[test]
    fn element_ranges_are_those_of_binary_searches() {
        // One value per element (where `element_at` finds its element without a search),
        // with values of other arrays before and after, some elements repeated or missing.
        for n in 0..8 {
            let dense: Vec<(u32, u32)> = (0..n).map(|i| (1, i)).collect();
            for before in [&[][..], &[(0, 3)], &[(0, 0), (0, 1)]] {
                for after in [&[][..], &[(2, 0)], &[(2, 5), (3, 1)]] {
                    let outer = [before, &dense, after].concat();
                    check(&outer);
                    for at in before.len()..before.len() + dense.len() {
                        let mut repeated = outer.clone();
                        repeated.insert(at, outer[at]);
                        check(&repeated);
                        let mut missing = outer.clone();
                        missing.remove(at);
                        check(&missing);
                    }
                }
            }
        }
        // Sorted lists drawn at random.
        let mut x = 1u64;
        let mut next = |n: u64| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (x >> 33) % n
        };
        for _ in 0..5000 {
            let len = next(14);
            let mut outer: Vec<(u32, u32)> =
                (0..len).map(|_| (next(4) as u32, next(8) as u32)).collect();
            outer.sort_unstable();
            check(&outer);
        }
    }
}
