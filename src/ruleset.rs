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
//! * A [`FieldTrie`] of the dotted paths that rules name steers the scan; everything else in
//!   the event is skipped unparsed.
//! * Each path has one [`FieldIndex`] holding every matcher of every rule on that path.
//! * Each `$or` branch of each rule is a set of field *slots*; a value hit sets the slot's bit.
//!   A branch matches when every slot is set (or satisfied by absence) and, when its values sit
//!   in arrays, [`consistency::covers`] finds them in consistent elements; branches with
//!   `exists: false` over array values use the exact [`consistency::satisfiable`].
//!
//! Only branches that received a hit are examined (plus the few that can match on absence
//! alone), so the work per event follows the event and its matches, not the number of rules.
//!
//! Rules change by publishing a new immutable [`Snapshot`]: readers clone an `Arc` under a
//! lock held for that instant only, so matching never waits for an update to be built, and a
//! reader sees every rule of one complete rule set or none of a pending change. Snapshots share
//! the index of every path an update did not touch.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex, RwLock};

use regex_automata::PatternSet;

use crate::automaton::{FieldIndex, Hit};
use crate::consistency::{self, FieldOptions};
use crate::event::{self, EventError, FieldTrie, PathId, ScanScratch, Value, Visitor};
use crate::json::JsonError;
use crate::number::ComparableNumber;
use crate::pattern::{FieldCondition, Pattern, PatternError};
use crate::reference::Scalar;

/// The most fields one `$or` branch of a rule may test.
pub const MAX_FIELDS_PER_BRANCH: usize = 64;

/// Deepest event nesting the scanner accepts.
pub const MAX_EVENT_DEPTH: usize = 128;

/// Why a rule could not be added.
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
}

impl<N: Clone + Eq + Hash> Default for Ruleset<N> {
    fn default() -> Self {
        Ruleset::new()
    }
}

impl<N: Clone + Eq + Hash> Ruleset<N> {
    /// An empty rule set.
    pub fn new() -> Ruleset<N> {
        Ruleset {
            writer: Mutex::new(Snapshot::empty()),
            current: RwLock::new(Arc::new(Snapshot::empty())),
        }
    }

    /// Adds a pattern under `name` (in addition to any patterns the name already has).
    pub fn add(&self, name: N, pattern: &Pattern) -> Result<(), RulesetError> {
        self.add_many([(name, pattern)])
    }

    /// Parses and adds a pattern.
    pub fn add_json(&self, name: N, pattern: &str) -> Result<(), RulesetError> {
        self.add(name, &Pattern::parse(pattern)?)
    }

    /// Adds several patterns in one update: all of them, or none if one is refused.
    pub fn add_many<'p>(
        &self,
        rules: impl IntoIterator<Item = (N, &'p Pattern)>,
    ) -> Result<(), RulesetError> {
        let rules: Vec<(N, &Pattern)> = rules.into_iter().collect();
        for (_, pattern) in &rules {
            if let Some(b) = pattern
                .branches()
                .iter()
                .find(|b| b.fields().len() > MAX_FIELDS_PER_BRANCH)
            {
                return Err(RulesetError::TooManyFields {
                    fields: b.fields().len(),
                });
            }
        }
        let mut writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        for (name, pattern) in rules {
            writer.insert(name, pattern);
        }
        writer.finish();
        self.publish(&writer);
        Ok(())
    }

    /// Removes every pattern added under `name`. Returns whether there was any.
    pub fn remove(&self, name: &N) -> bool {
        let mut writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let removed = writer.delete(name);
        if removed {
            writer.finish();
            self.publish(&writer);
        }
        removed
    }

    fn publish(&self, writer: &Snapshot<N>) {
        let next = Arc::new(writer.clone());
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = next;
    }

    /// The rule set as it stands now. Later updates do not change a snapshot.
    pub fn snapshot(&self) -> Arc<Snapshot<N>> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The names of the rules that match the event, each once, in no particular order.
    pub fn matches(&self, event: &[u8]) -> Result<Vec<N>, EventError> {
        let mut out = Vec::new();
        SCRATCH.with(|scratch| {
            self.snapshot()
                .matches_into(event, &mut scratch.borrow_mut(), &mut out)
        })?;
        Ok(out)
    }

    /// [`Ruleset::matches`] for an event already parsed by `serde_json`.
    pub fn matches_value(&self, event: &serde_json::Value) -> Result<Vec<N>, EventError> {
        let bytes = serde_json::to_vec(event).unwrap_or_default();
        self.matches(&bytes)
    }

    /// How many distinct names have rules.
    pub fn len(&self) -> usize {
        self.snapshot().name_index.len()
    }

    /// Whether there are no rules.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// One `$or` branch of one rule.
#[derive(Debug)]
struct BranchInfo {
    name: u32,
    /// One bit per field slot.
    full: u64,
    /// Slots that `exists: false` may satisfy.
    absent: u64,
    fields: Vec<FieldCondition>,
    paths: Vec<PathId>,
}

#[derive(Clone, Debug)]
struct NameEntry {
    index: u32,
    branches: Vec<u32>,
}

/// An immutable state of a [`Ruleset`]; match against it from any number of threads.
#[derive(Clone, Debug)]
pub struct Snapshot<N> {
    trie: Arc<FieldTrie>,
    path_ids: Arc<HashMap<String, PathId>>,
    fields: Vec<Arc<FieldIndex>>,
    /// Branch id → branch; `None` once removed.
    branches: Arc<Vec<Option<Arc<BranchInfo>>>>,
    names: Arc<Vec<Option<N>>>,
    name_index: Arc<HashMap<N, NameEntry>>,
    /// Branches that can match with no value hit at all (every slot accepts absence).
    absence_only: Arc<Vec<u32>>,
    wildcards: usize,
    /// Paths whose index changed since the last `finish`.
    dirty: Vec<PathId>,
}

impl<N: Clone + Eq + Hash> Snapshot<N> {
    fn empty() -> Snapshot<N> {
        Snapshot {
            trie: Arc::new(FieldTrie::new()),
            path_ids: Arc::new(HashMap::new()),
            fields: Vec::new(),
            branches: Arc::new(Vec::new()),
            names: Arc::new(Vec::new()),
            name_index: Arc::new(HashMap::new()),
            absence_only: Arc::new(Vec::new()),
            wildcards: 0,
            dirty: Vec::new(),
        }
    }

    fn path_id(&mut self, path: &str) -> PathId {
        if let Some(&id) = self.path_ids.get(path) {
            return id;
        }
        let id = PathId(self.fields.len() as u32);
        Arc::make_mut(&mut self.path_ids).insert(path.to_string(), id);
        Arc::make_mut(&mut self.trie).insert(path, id);
        self.fields.push(Arc::new(FieldIndex::default()));
        id
    }

    fn insert(&mut self, name: N, pattern: &Pattern) {
        let name_index = match self.name_index.get(&name) {
            Some(entry) => entry.index,
            None => {
                let names = Arc::make_mut(&mut self.names);
                names.push(Some(name.clone()));
                let index = (names.len() - 1) as u32;
                Arc::make_mut(&mut self.name_index).insert(
                    name.clone(),
                    NameEntry {
                        index,
                        branches: Vec::new(),
                    },
                );
                index
            }
        };
        for branch in pattern.branches() {
            let id = self.branches.len() as u32;
            let mut info = BranchInfo {
                name: name_index,
                full: 0,
                absent: 0,
                fields: branch.fields().to_vec(),
                paths: Vec::with_capacity(branch.fields().len()),
            };
            for (slot, field) in branch.fields().iter().enumerate() {
                let path = self.path_id(field.path());
                info.paths.push(path);
                info.full |= 1 << slot;
                if field.matches_absent() {
                    info.absent |= 1 << slot;
                }
                let index = Arc::make_mut(&mut self.fields[path.0 as usize]);
                let hit = Hit {
                    branch: id,
                    slot: slot as u8,
                };
                for matcher in field.matchers() {
                    index.add(matcher, hit);
                }
                self.dirty.push(path);
            }
            if info.absent == info.full {
                Arc::make_mut(&mut self.absence_only).push(id);
            }
            Arc::make_mut(&mut self.branches).push(Some(Arc::new(info)));
            Arc::make_mut(&mut self.name_index)
                .get_mut(&name)
                .expect("inserted above")
                .branches
                .push(id);
        }
    }

    fn delete(&mut self, name: &N) -> bool {
        let Some(entry) = Arc::make_mut(&mut self.name_index).remove(name) else {
            return false;
        };
        Arc::make_mut(&mut self.names)[entry.index as usize] = None;
        for id in entry.branches {
            let Some(info) = Arc::make_mut(&mut self.branches)[id as usize].take() else {
                continue;
            };
            for (slot, (field, path)) in info.fields.iter().zip(&info.paths).enumerate() {
                let index = Arc::make_mut(&mut self.fields[path.0 as usize]);
                let hit = Hit {
                    branch: id,
                    slot: slot as u8,
                };
                for matcher in field.matchers() {
                    index.remove(matcher, hit);
                }
                self.dirty.push(*path);
            }
            if info.absent == info.full {
                Arc::make_mut(&mut self.absence_only).retain(|&b| b != id);
            }
        }
        true
    }

    fn finish(&mut self) {
        let mut dirty = std::mem::take(&mut self.dirty);
        dirty.sort_unstable();
        dirty.dedup();
        for path in dirty {
            Arc::make_mut(&mut self.fields[path.0 as usize]).finish();
        }
        self.wildcards = self
            .fields
            .iter()
            .map(|f| f.wildcard_count())
            .max()
            .unwrap_or(0);
    }

    /// Matches an event, appending the names of the matching rules to `out` (each once).
    /// `scratch` is reused from call to call, so that matching allocates nothing once it has
    /// grown to the size of the events and rule set.
    pub fn matches_into(
        &self,
        event: &[u8],
        scratch: &mut Scratch,
        out: &mut Vec<N>,
    ) -> Result<(), EventError> {
        scratch.begin(self);
        let mut visitor = Collector {
            snapshot: self,
            scratch,
        };
        let Collector { scratch, .. } = {
            let mut scan_scratch = std::mem::take(&mut visitor.scratch.scan);
            let result = event::scan(
                event,
                &self.trie,
                MAX_EVENT_DEPTH,
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
        self.decide(scratch, out);
        Ok(())
    }

    fn decide(&self, scratch: &mut Scratch, out: &mut Vec<N>) {
        let epoch = scratch.epoch;
        let mut sorted = false;
        let candidates = scratch.touched.len() + self.absence_only.len();
        for c in 0..candidates {
            let id = if c < scratch.touched.len() {
                scratch.touched[c]
            } else {
                self.absence_only[c - scratch.touched.len()]
            };
            let Some(info) = &self.branches[id as usize] else {
                continue;
            };
            let state = scratch.branch_state[id as usize];
            let (mut mask, in_arrays) = if state.epoch == epoch {
                (state.mask, state.in_arrays)
            } else {
                (0, false)
            };
            let mut exact = false;
            let mut absent_ok = 0u64;
            let mut absent = info.absent;
            while absent != 0 {
                let slot = absent.trailing_zeros() as usize;
                absent &= absent - 1;
                let seen = scratch.path_seen[info.paths[slot].0 as usize];
                if seen.epoch != epoch {
                    absent_ok |= 1 << slot;
                } else if seen.in_arrays && in_arrays {
                    // Absence then depends on which elements the other fields use.
                    exact = true;
                }
            }
            mask |= absent_ok;
            let matched = if exact {
                if !sorted {
                    scratch.hits.sort_unstable();
                    sorted = true;
                }
                self.exact_search(id, info, scratch)
            } else if mask != info.full {
                false
            } else if !in_arrays {
                true
            } else {
                if !sorted {
                    scratch.hits.sort_unstable();
                    sorted = true;
                }
                let hits = branch_hits(&scratch.hits, id);
                let mut options: Vec<(u64, &[(u32, u32)])> = hits
                    .iter()
                    .map(|&(_, slot, leaf)| (1u64 << slot, scratch.leaf_positions(leaf)))
                    .collect();
                consistency::covers(&mut options, info.full & !absent_ok)
            };
            if matched && scratch.name_seen[info.name as usize] != epoch {
                scratch.name_seen[info.name as usize] = epoch;
                if let Some(name) = &self.names[info.name as usize] {
                    out.push(name.clone());
                }
            }
        }
    }

    fn exact_search(&self, id: u32, info: &BranchInfo, scratch: &Scratch) -> bool {
        let hits = branch_hits(&scratch.hits, id);
        let fields: Vec<FieldOptions<'_>> = (0..info.fields.len())
            .map(|slot| {
                let accepts_absence = info.absent & (1 << slot) != 0;
                FieldOptions {
                    matching: hits
                        .iter()
                        .filter(|h| h.1 as usize == slot)
                        .map(|h| scratch.leaf_positions(h.2))
                        .collect(),
                    accepts_absence,
                    present: if accepts_absence {
                        (0..scratch.leaves.len() as u32)
                            .filter(|&l| scratch.leaves[l as usize].0 == info.paths[slot])
                            .map(|l| scratch.leaf_positions(l))
                            .collect()
                    } else {
                        Vec::new()
                    },
                }
            })
            .collect();
        consistency::satisfiable(&fields)
    }
}

/// The hits of one branch in a sorted hit list.
fn branch_hits(hits: &[(u32, u8, u32)], id: u32) -> &[(u32, u8, u32)] {
    let start = hits.partition_point(|h| h.0 < id);
    let end = start + hits[start..].partition_point(|h| h.0 == id);
    &hits[start..end]
}

#[derive(Clone, Copy, Debug, Default)]
struct BranchState {
    epoch: u32,
    mask: u64,
    in_arrays: bool,
}

#[derive(Clone, Copy, Debug, Default)]
struct PathSeen {
    epoch: u32,
    in_arrays: bool,
}

/// Reusable working memory for [`Snapshot::matches_into`].
#[derive(Debug)]
pub struct Scratch {
    scan: ScanScratch,
    epoch: u32,
    branch_state: Vec<BranchState>,
    path_seen: Vec<PathSeen>,
    name_seen: Vec<u32>,
    touched: Vec<u32>,
    /// (branch, slot, leaf)
    hits: Vec<(u32, u8, u32)>,
    /// (path, first position, number of positions)
    leaves: Vec<(PathId, u32, u32)>,
    positions: Vec<(u32, u32)>,
    text: Vec<u8>,
    folded: Vec<u8>,
    set: PatternSet,
    error: Option<EventError>,
}

impl Default for Scratch {
    fn default() -> Self {
        Scratch {
            scan: ScanScratch::default(),
            epoch: 0,
            branch_state: Vec::new(),
            path_seen: Vec::new(),
            name_seen: Vec::new(),
            touched: Vec::new(),
            hits: Vec::new(),
            leaves: Vec::new(),
            positions: Vec::new(),
            text: Vec::new(),
            folded: Vec::new(),
            set: PatternSet::new(0),
            error: None,
        }
    }
}

impl Scratch {
    /// Fresh working memory.
    pub fn new() -> Scratch {
        Scratch::default()
    }

    fn begin<N>(&mut self, snapshot: &Snapshot<N>) {
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            // Stamps from 2^32 events ago could look current: start over.
            self.branch_state.iter_mut().for_each(|s| s.epoch = 0);
            self.path_seen.iter_mut().for_each(|s| s.epoch = 0);
            self.name_seen.iter_mut().for_each(|s| *s = 0);
            self.epoch = 1;
        }
        if self.branch_state.len() < snapshot.branches.len() {
            self.branch_state
                .resize(snapshot.branches.len(), BranchState::default());
        }
        if self.path_seen.len() < snapshot.fields.len() {
            self.path_seen
                .resize(snapshot.fields.len(), PathSeen::default());
        }
        if self.name_seen.len() < snapshot.names.len() {
            self.name_seen.resize(snapshot.names.len(), 0);
        }
        if self.set.capacity() < snapshot.wildcards {
            self.set = PatternSet::new(snapshot.wildcards);
        }
        self.touched.clear();
        self.hits.clear();
        self.leaves.clear();
        self.positions.clear();
        self.error = None;
    }

    fn leaf_positions(&self, leaf: u32) -> &[(u32, u32)] {
        let (_, start, len) = self.leaves[leaf as usize];
        &self.positions[start as usize..(start + len) as usize]
    }
}

struct Collector<'s, 'c, N> {
    snapshot: &'s Snapshot<N>,
    scratch: &'c mut Scratch,
}

impl<N> Visitor for Collector<'_, '_, N> {
    fn leaf(&mut self, path: PathId, value: Value<'_>, positions: &[(u32, u32)]) {
        let scratch = &mut *self.scratch;
        let epoch = scratch.epoch;
        let leaf = scratch.leaves.len() as u32;
        scratch
            .leaves
            .push((path, scratch.positions.len() as u32, positions.len() as u32));
        scratch.positions.extend_from_slice(positions);
        let in_array = !positions.is_empty();
        let seen = &mut scratch.path_seen[path.0 as usize];
        if seen.epoch != epoch {
            *seen = PathSeen {
                epoch,
                in_arrays: in_array,
            };
        } else {
            seen.in_arrays |= in_array;
        }
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
            Value::Number(text) => Scalar::Num(text, ComparableNumber::parse_bytes(text).ok()),
            Value::True => Scalar::Bool(true),
            Value::False => Scalar::Bool(false),
            Value::Null => Scalar::Null,
        };
        let index = &self.snapshot.fields[path.0 as usize];
        let branch_state = &mut scratch.branch_state;
        let touched = &mut scratch.touched;
        let hits = &mut scratch.hits;
        index.hits(
            &scalar,
            &mut scratch.folded,
            &mut scratch.set,
            &mut |hit: Hit| {
                let state = &mut branch_state[hit.branch as usize];
                if state.epoch != epoch {
                    *state = BranchState {
                        epoch,
                        mask: 0,
                        in_arrays: false,
                    };
                    touched.push(hit.branch);
                }
                state.mask |= 1 << hit.slot;
                state.in_arrays |= in_array;
                hits.push((hit.branch, hit.slot, leaf));
            },
        );
    }
}
