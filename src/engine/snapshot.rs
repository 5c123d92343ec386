//! The compiled state of a rule set: the immutable [`Snapshot`] that events are matched
//! against (see [`walk`](super::walk)), and how the branches of rules are inserted into it and
//! removed from it.
//!
//! Each `$or` branch of each rule is a [`BranchInfo`]: its fields, the paths they test, and
//! the chain of states it walks in the matcher tree ([`tree`]: its fields in the tree's order,
//! the plain `exists: false` ones kept aside as guards, checked where the branch ends). A path
//! gets its [`PathId`] the first time a rule names it, in the trie that steers the scan and at
//! the tree's root. Removed branches leave their ids behind until the snapshot is rebuilt from
//! its live ones ([`Snapshot::compact`]).
//!
//! A [`Ruleset`](crate::Ruleset) publishes snapshots; they share their tables piece by piece
//! ([`chunked`](super::chunked)), so that an update copies only what it touches.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

use smallvec::SmallVec;

use crate::engine::chunked::{Chunked, Sharded};
use crate::engine::scan::{FieldTrie, Kinds, PathId, Validation};
use crate::engine::tree::{self, StateId, Tree};
use crate::engine::value_index::{map_bytes, spilled_bytes};
use crate::number::ComparableNumber;
use crate::pattern::{AnythingBut, FieldCondition, Literal, Matcher, Pattern};

/// Branches (live and removed) below which a rule set is never rebuilt to drop removed ones.
const COMPACT_ABOVE: usize = 1024;

/// An immutable state of a [`Ruleset`](crate::Ruleset); match against it from any number of threads.
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
    pub(super) trie: Arc<FieldTrie>,
    path_ids: Arc<HashMap<Arc<str>, PathId>>,
    /// The matcher tree: the root's transitions are looked up as the scan reads values.
    pub(super) tree: Tree,
    /// Per path: the kinds of value some rule there can accept ([`ValueKinds`]); the scan keeps
    /// no other value. Only grows (a removed rule leaves its kinds behind, harmlessly).
    pub(super) accepts: Arc<Vec<u8>>,
    /// Per path: whether the values there are kept for after the scan (a path of a branch of
    /// several fields, or one that absence can satisfy: states past the root look them up, and
    /// array consistency is checked on them). Values elsewhere are only looked up at the root:
    /// the branches they reach have one field, and the lookup is their whole verdict. Only
    /// grows, like `accepts`.
    pub(super) keep: Arc<Vec<bool>>,
    /// Per path: the comparable numbers its matchers compare with ([`Points`]), which cut the
    /// number line into segments that every matcher there takes whole. Only grows, like
    /// `accepts` (a point left behind by a removed rule cuts a segment in two, harmlessly).
    pub(super) points: Arc<Vec<Points>>,
    /// Branch id → branch; `None` once removed.
    pub(crate) branches: Chunked<Arc<BranchInfo>>,
    /// Branch id → what deciding the branch needs first ([`BranchKey`]), in chunks shared
    /// between snapshots like the branches.
    pub(crate) keys: Chunked<BranchKey>,
    pub(crate) names: Chunked<N>,
    pub(crate) name_index: Sharded<N, NameEntry>,
    /// Branches not removed: how sparse `branches` is, without a pass over the names.
    live: usize,
    pub(crate) validation: Validation,
}

impl<N: Clone + Eq + Hash> Snapshot<N> {
    pub(crate) fn empty() -> Snapshot<N> {
        Snapshot {
            trie: Arc::new(FieldTrie::new()),
            path_ids: Arc::new(HashMap::new()),
            tree: Tree::default(),
            accepts: Arc::new(Vec::new()),
            keep: Arc::new(Vec::new()),
            points: Arc::new(Vec::new()),
            branches: Chunked::default(),
            keys: Chunked::default(),
            names: Chunked::default(),
            name_index: Sharded::default(),
            live: 0,
            validation: Validation::Fast,
        }
    }

    /// The id of `path`, given one if it is new, and its name as the rule set keeps it (one
    /// copy for every field on the path).
    fn path_name(&mut self, path: &str) -> (PathId, Arc<str>) {
        if let Some((name, &id)) = self.path_ids.get_key_value(path) {
            return (id, name.clone());
        }
        let id = PathId(self.tree.root.len() as u32);
        let name: Arc<str> = path.into();
        Arc::make_mut(&mut self.path_ids).insert(name.clone(), id);
        Arc::make_mut(&mut self.trie).insert(path, id);
        self.tree.add_path();
        Arc::make_mut(&mut self.accepts).push(0);
        Arc::make_mut(&mut self.keep).push(false);
        Arc::make_mut(&mut self.points).push(Some(Arc::from([ComparableNumber::ABOVE_ALL])));
        (id, name)
    }

    pub(crate) fn insert(&mut self, name: N, pattern: &Pattern) {
        let index = self.name_slot(&name);
        for branch in pattern.branches() {
            self.insert_branch(&name, index, branch.fields());
        }
    }

    /// Adds `n` to the points of `path` ([`Snapshot::points`]), which stop being kept past
    /// [`MAX_POINTS`].
    fn add_point(&mut self, path: PathId, n: ComparableNumber) {
        let Some(points) = &self.points[path.0 as usize] else {
            return;
        };
        if points.binary_search(&n).is_ok() {
            return; // (the padding sorts above every number)
        }
        let mut grown: Vec<ComparableNumber> = points
            .iter()
            .copied()
            .filter(|&p| p != ComparableNumber::ABOVE_ALL)
            .collect();
        let Err(at) = grown.binary_search(&n) else {
            return;
        };
        grown.insert(at, n);
        let grown = (grown.len() <= MAX_POINTS).then(|| {
            // Padded to a power of two with points above every number, at least one of them,
            // for the search of `segment`.
            grown.resize(
                (grown.len() + 1).next_power_of_two(),
                ComparableNumber::ABOVE_ALL,
            );
            Arc::from(grown)
        });
        Arc::make_mut(&mut self.points)[path.0 as usize] = grown;
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
            fields: Vec::with_capacity(fields.len()),
            paths: SmallVec::new(),
            chain: SmallVec::new(),
        };
        let verified = fields.len() > 1 || fields.iter().any(FieldCondition::matches_absent);
        for (slot, field) in fields.iter().enumerate() {
            let (path, name) = self.path_name(field.path());
            info.fields.push(field.stored(name));
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
            for matcher in field.matchers() {
                number_points(matcher, |n| self.add_point(path, n));
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
        self.keys.push(key);
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
            for &branch in new {
                if let Some(key) = self.keys.get_mut(branch as usize) {
                    *key = key.shared();
                }
            }
        }
    }

    /// Removed rules leave their ids, paths and index capacity behind. Once the removed
    /// branches outnumber the live ones, the snapshot is rebuilt from the live branches alone,
    /// so that memory follows the rules present rather than every rule ever added (the cost,
    /// linear in the live rules, is paid at most once per as many removals).
    pub(crate) fn is_sparse(&self) -> bool {
        let total = self.branches.len();
        total >= COMPACT_ABOVE && self.live * 2 <= total
    }

    /// Rebuilds the snapshot from its live branches alone (see [`Snapshot::is_sparse`]).
    pub(crate) fn compact(&mut self) {
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

    pub(crate) fn delete(&mut self, name: &N) -> bool {
        let Some(entry) = self.name_index.remove(name) else {
            return false;
        };
        self.names.take(entry.index as usize);
        for id in entry.branches {
            let Some(info) = self.branches.take(id as usize) else {
                continue;
            };
            if let Some(key) = self.keys.get_mut(id as usize) {
                *key = BranchKey::REMOVED;
            }
            self.live -= 1;
            self.tree.remove(id, &info.chain, &info.guards());
        }
        true
    }

    pub(crate) fn finish(&mut self) {
        self.tree.finish();
    }
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
                        // The path is the rule set's one copy (counted with `path_ids`).
                        std::mem::size_of::<FieldCondition>() + std::mem::size_of_val(f.matchers())
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
            + self.keep.capacity()
            + self
                .points
                .iter()
                .flatten()
                .map(|p| 16 + p.len() * 8)
                .sum::<usize>();
        stats
    }
}

impl<N> Snapshot<N> {
    /// The segment of comparable number `n` among the points of `path` ([`Snapshot::points`]):
    /// `2i` between the points `i - 1` and `i`, `2i + 1` on point `i`. Two numbers of one
    /// segment satisfy the same matchers at `path`. `None` past [`MAX_POINTS`].
    #[inline]
    pub(super) fn segment(&self, path: PathId, n: ComparableNumber) -> Option<u32> {
        let points = self.points[path.0 as usize].as_deref()?;
        // A search without branches over a power of two of points (padded), the last above
        // every number: each step halves the span by a conditional move, never a mispredicted
        // jump, and the search ends on the first point not below `n`.
        let mut at = 0;
        let mut span = points.len();
        while span > 1 {
            span /= 2;
            if points[at + span - 1] < n {
                at += span;
            }
        }
        Some(2 * at as u32 + u32::from(points[at] == n))
    }
}

/// One `$or` branch of one rule.
#[derive(Debug)]
pub(crate) struct BranchInfo {
    /// One bit per field slot.
    pub(super) full: u64,
    /// Slots that `exists: false` may satisfy.
    pub(super) absent: u64,
    pub(crate) fields: Vec<FieldCondition>,
    /// Each slot's path, in the branch itself rather than a pointer away: verifying reads
    /// them first.
    pub(super) paths: SmallVec<[PathId; 4]>,
    /// The states of the matcher tree the branch walks, in the tree's order of its fields.
    pub(super) chain: SmallVec<[StateId; 4]>,
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

/// What deciding a branch that ended at a state reached needs before the branch itself: its
/// rule's name index, whether reaching its end decides it (one field, which absence cannot
/// satisfy), and whether its rule has other branches (only then can the name be found twice
/// in an event).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct BranchKey(u32);

impl BranchKey {
    /// The key of a removed branch.
    pub(super) const REMOVED: BranchKey = BranchKey(u32::MAX);
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

    pub(super) fn name(self) -> u32 {
        self.0 & !(Self::BY_HITS | Self::SHARED)
    }

    pub(super) fn by_hits(self) -> bool {
        self.0 & Self::BY_HITS != 0
    }

    pub(super) fn is_shared(self) -> bool {
        self.0 & Self::SHARED != 0
    }
}

#[derive(Clone, Debug)]
pub(crate) struct NameEntry {
    index: u32,
    /// Most names have one branch: kept inline, a copied shard allocates nothing for them.
    pub(crate) branches: SmallVec<[u32; 2]>,
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

/// The comparable numbers of a path that have at most this many have their segments tracked
/// (see [`Snapshot::segment`]): `2 * MAX_POINTS + 1` segments fit the bits of a `u64`.
pub(crate) const MAX_POINTS: usize = 31;

/// The numbers a path's matchers compare with: sorted, at most [`MAX_POINTS`], padded to a
/// power of two with [`ComparableNumber::ABOVE_ALL`] (at least once); `None` when there are
/// more.
pub(super) type Points = Option<Arc<[ComparableNumber]>>;

/// Calls `point` with each comparable number `matcher` compares with: a comparable value
/// satisfies the matcher or not according to where it falls among these, and nothing else.
/// (Other matchers take every comparable number alike.)
fn number_points(matcher: &Matcher, mut point: impl FnMut(ComparableNumber)) {
    match matcher {
        Matcher::Exact(Literal::Number { value: Some(n), .. }) => point(*n),
        Matcher::Numeric(range) => {
            for bound in [range.lower, range.upper] {
                if let std::ops::Bound::Included(n) | std::ops::Bound::Excluded(n) = bound {
                    point(n);
                }
            }
        }
        Matcher::AnythingBut(AnythingBut::Numbers(numbers)) => {
            numbers.iter().copied().for_each(point)
        }
        _ => {}
    }
}

/// Whether a field is `exists: false` alone.
pub(super) fn is_plain_absence(field: &FieldCondition) -> bool {
    matches!(field.matchers(), [Matcher::Exists(false)])
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

#[cfg(test)]
mod tests {
    use crate::Ruleset;

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
}
