//! The matcher tree: every `$or` branch of every rule as a path of field conditions from one
//! root, so that rules which share conditions share states.
//!
//! A branch's fields are put in one canonical order (see [`order`]) and each becomes a
//! transition: from the root, the first field's condition leads to a state; from there the
//! second field's condition leads to the next; the branch *ends* at the last state. Two
//! branches that begin with the same conditions (`source: lambda`, then `condition: Success`)
//! walk the same transitions to the same states, however many of them there are, and part
//! only where their conditions differ.
//!
//! An event walks the tree from the root: at each state it reached, each transition's path
//! is looked up with the event's values there, and every state a value leads to is reached in
//! turn; every branch that ends at a reached state had each of its fields matched by some
//! value. So the work of an event is one lookup per (state reached, path it has transitions
//! on, value there), plus the states and branches its values lead to, and does not grow with
//! the rules that share the event's values: a thousand rules under `source: lambda` are one
//! state until they differ.
//!
//! The transitions of one state on one path are kept two ways:
//!
//! - a few ([`FEW`] or less) as a list of the states they lead to, each tested on a value with
//!   its own matchers: most states of a large rule set have one or two transitions, and an
//!   index of every kind of matcher for each would cost more memory than the rules;
//! - more in a [`FieldIndex`], the value index that answers "which of these conditions accept
//!   this value" with hash maps, affix tables, range trees and a wildcard automaton, at a cost
//!   that does not grow with the transitions (see [`value_index`](super::value_index)). The
//!   root's transitions are always indexed: the scan looks values up there as it reads them.
//!
//! A condition that absence satisfies (`exists: false`) is also a transition on absence, taken
//! when the event has no value at the path. Inside arrays absence depends on which elements
//! the other fields use, so there the transition is taken too, and the branch is decided by
//! the exact consistency search once it ends.
//!
//! Array consistency (a match never combines values from different elements of one array) is
//! not tracked along the walk: a branch that ends with values from arrays at two or more of
//! its paths is checked afterwards, on the values at its paths alone.

use std::sync::Arc;

use smallvec::SmallVec;

use crate::engine::chunked::{Chunked, SplitMap};
use crate::engine::scan::PathId;
use crate::engine::value_index::{spilled_bytes, FieldIndex, Hit};
use crate::pattern::{FieldCondition, Literal, Matcher};

/// A state of the tree (the root is not one: its transitions are [`Tree::root`]).
pub(crate) type StateId = u32;

/// Transitions of one state on one path up to which they are a list, tested one by one.
pub(crate) const FEW: usize = 4;

/// A state id no state has: a new slot of [`Many::by_key`] until it is filled, at once.
const UNSET_STATE: StateId = StateId::MAX - 1;

/// The root, as the place a transition leaves from.
const ROOT: StateId = StateId::MAX;

/// In [`Tree::dirty`], the guard groups of a state rather than the index of a path.
const GUARDS: PathId = PathId(u32::MAX);

/// A state: what was matched on the way in, which branches end here, and where values and
/// absences lead on.
#[derive(Clone, Debug)]
pub(crate) struct State {
    /// The path of the transition into this state.
    path: PathId,
    /// Branches that pass through or end here: the state goes when the last one does.
    uses: u32,
    /// The condition of the transition into this state (shared with the branches' fields).
    pub(crate) matchers: Arc<[Matcher]>,
    /// Branches whose last field is the transition into this state.
    pub(crate) ends: SmallVec<[u32; 1]>,
    /// Where transitions lead on; `None` for the many states that end branches only, which
    /// then take no room for them.
    pub(crate) next: Option<Box<Next>>,
}

/// The transitions out of a state.
#[derive(Clone, Debug, Default)]
pub(crate) struct Next {
    /// Transitions on values, by path (sorted).
    pub(crate) values: SmallVec<[(PathId, Out); 1]>,
    /// Transitions on absence, by path (sorted).
    pub(crate) absent: Absent,
    /// Branches that end here once some fields are absent (their plain `exists: false`
    /// fields), grouped by those fields' paths (sorted): an event decides each group with a
    /// check per path, however many branches it holds.
    pub(crate) guarded: Vec<(Guards, SmallVec<[u32; 1]>)>,
    /// With more than [`TABLE_ABOVE`] groups over at most [`TABLE_PATHS`] paths, which
    /// groups each set of present paths leaves satisfied: an event then pays a check per
    /// path and the groups it satisfies, not a check per group.
    pub(crate) guard_table: Option<Arc<GuardTable>>,
}

/// Groups of guarded branches ([`Next::guarded`]) with more than this many get a table.
const TABLE_ABOVE: usize = 8;

/// The most paths a [`GuardTable`] covers (a table of `2^TABLE_PATHS` entries).
const TABLE_PATHS: usize = 10;

/// For the groups of one state: the paths they need absent, and for each set of those paths
/// an event has (a bit per path), the groups that set leaves satisfied.
#[derive(Clone, Debug)]
pub(crate) struct GuardTable {
    pub(crate) paths: SmallVec<[PathId; TABLE_PATHS]>,
    pub(crate) satisfied: Vec<SmallVec<[u32; 4]>>,
}

impl GuardTable {
    /// The table of `groups`, if they are many over few paths.
    fn of(groups: &[(Guards, SmallVec<[u32; 1]>)]) -> Option<GuardTable> {
        if groups.len() <= TABLE_ABOVE {
            return None;
        }
        let mut paths: SmallVec<[PathId; TABLE_PATHS]> = SmallVec::new();
        for (guards, _) in groups {
            for &p in guards {
                if !paths.contains(&p) {
                    if paths.len() == TABLE_PATHS {
                        return None;
                    }
                    paths.push(p);
                }
            }
        }
        let masks: Vec<u32> = groups
            .iter()
            .map(|(guards, _)| {
                guards.iter().fold(0, |m, p| {
                    m | 1 << paths.iter().position(|q| q == p).expect("collected")
                })
            })
            .collect();
        let satisfied = (0..1u32 << paths.len())
            .map(|present| {
                (0..groups.len() as u32)
                    .filter(|&g| masks[g as usize] & present == 0)
                    .collect()
            })
            .collect();
        Some(GuardTable { paths, satisfied })
    }
}

/// The paths a group of branches needs absent ([`Next::guarded`]), sorted.
pub(crate) type Guards = SmallVec<[PathId; 2]>;

/// The transitions of one state on one path.
#[derive(Clone, Debug)]
pub(crate) enum Out {
    /// The states they lead to; each tested with its own matchers.
    Few(SmallVec<[StateId; 2]>),
    /// The states they lead to, their conditions indexed.
    Many(Arc<Many>),
}

/// Transitions on one path, indexed.
#[derive(Clone, Debug, Default)]
pub(crate) struct Many {
    /// Every transition's matchers, each hit naming the state it leads to.
    pub(crate) index: FieldIndex,
    /// The states, by the hash of their condition: how an added branch finds the transition
    /// its field shares with others.
    by_key: SplitMap<u64, StateId>,
    /// States whose key another state already holds in `by_key` (two conditions of one hash:
    /// rare, so a list).
    collided: Vec<StateId>,
}

impl Many {
    fn add(&mut self, key: u64, state: StateId, matchers: &[Matcher]) {
        for m in matchers {
            self.index.add(m, Hit { state });
        }
        let slot = self.by_key.get_or_insert_with(key, || UNSET_STATE);
        if *slot == UNSET_STATE {
            *slot = state;
        } else if *slot != state {
            self.collided.push(state);
        }
    }

    fn remove(&mut self, key: u64, state: StateId, matchers: &[Matcher]) {
        for m in matchers {
            self.index.remove(m, Hit { state });
        }
        if self.by_key.get(&key) == Some(&state) {
            // A state of the same key in `collided` stays there, found by `find`.
            self.by_key.remove(&key);
        } else {
            self.collided.retain(|s| *s != state);
        }
    }

    /// The states that may have the condition of `key` (the caller compares conditions).
    fn find(&self, key: u64) -> impl Iterator<Item = StateId> + '_ {
        self.by_key
            .get(&key)
            .copied()
            .filter(|&s| s != UNSET_STATE)
            .into_iter()
            .chain(self.collided.iter().copied())
    }

    /// Whether no transition is left.
    pub(crate) fn is_empty(&self) -> bool {
        self.by_key.is_empty() && self.collided.is_empty()
    }

    fn heap_bytes(&self) -> usize {
        self.index.heap_bytes()
            + self.by_key.heap_bytes(|_, _| 0)
            + self.collided.capacity() * std::mem::size_of::<StateId>()
    }
}

/// The order in which a branch's fields become transitions: fields that let few values
/// through first, then shallow paths before deep ones, then by path; fields that absence
/// satisfies last. Rules that share values
/// of one kind (`source`, `detail-type`, `condition`) then share the states of their first
/// transitions, and the fields that most events satisfy (`anything-but`, `exists: false`)
/// come where few events still walk, rather than at the root where each would lead every
/// event on to as many states as there are rules.
pub(crate) fn order(fields: &[FieldCondition]) -> SmallVec<[usize; 8]> {
    let mut order: SmallVec<[usize; 8]> = (0..fields.len()).collect();
    order.sort_by(|&a, &b| {
        let key = |f: &FieldCondition| {
            let class = f
                .matchers()
                .iter()
                .map(selectivity)
                .max()
                .unwrap_or(u8::MAX);
            // Among fields of one class, shallow paths first: the envelope's fields (`source`,
            // `detail-type`) and the few values a router keys on sit near the top of an
            // event and are named by most rules, while what tells one rule from another (a
            // customer, an item) sits deeper; shared transitions first keep the states that
            // many rules share few.
            let depth = f.path().bytes().filter(|&b| b == b'.').count();
            (f.matches_absent(), class, depth)
        };
        (key(&fields[a]), fields[a].path()).cmp(&(key(&fields[b]), fields[b].path()))
    });
    order
}

/// How many values a matcher lets through, roughly, by kind: lower is more selective.
fn selectivity(matcher: &Matcher) -> u8 {
    match matcher {
        Matcher::Exact(Literal::String { .. }) => 0,
        Matcher::Exact(Literal::Number { .. }) | Matcher::EqualsIgnoreCase(_) => 1,
        Matcher::Prefix { .. } | Matcher::Suffix { .. } => 2,
        Matcher::Exact(_) | Matcher::Numeric(_) | Matcher::Cidr(_) => 3,
        Matcher::Wildcard(_) => 4,
        Matcher::AnythingBut(_) => 5,
        Matcher::Exists(_) => 6,
    }
}

/// The key under which a transition's condition is found again: its matchers, hashed with
/// fixed keys (the writer and every snapshot agree).
fn condition_key(matchers: &[Matcher]) -> u64 {
    static SEEDS: ahash::RandomState =
        ahash::RandomState::with_seeds(0x2d35_8dcc, 0xaa6c_78a5, 0x8bb8_4b93, 0x962e_acba);
    SEEDS.hash_one(matchers)
}

/// The matcher tree of a rule set; its pieces are shared with the snapshots published from it.
#[derive(Clone, Debug, Default)]
pub(crate) struct Tree {
    /// The root's transitions on values, by path id (every path has an entry): the scan looks
    /// each value up here as it reads it.
    pub(crate) root: Vec<Arc<Many>>,
    /// The root's transitions on absence, by path (sorted).
    pub(crate) root_absent: Arc<Absent>,
    /// State id → state; `None` once removed (its id then goes to `free`).
    pub(crate) states: Chunked<Arc<State>>,
    free: Vec<StateId>,
    /// Indexes changed since the last [`Tree::finish`]: (state or [`ROOT`], path).
    dirty: Vec<(StateId, PathId)>,
}

impl Tree {
    /// Gives the tree a root entry for a new path id (ids are handed out in order).
    pub(crate) fn add_path(&mut self) {
        self.root.push(Arc::new(Many::default()));
    }

    /// Slots for states, live or free: the size of a table indexed by state id.
    pub(crate) fn capacity(&self) -> usize {
        self.states.len()
    }

    /// States in the tree.
    pub(crate) fn len(&self) -> usize {
        self.states.len() - self.free.len()
    }

    /// Adds branch `branch`, whose fields (in the order of [`order`]) are at `paths` and
    /// which needs the paths `guards` absent; returns the states it walks, the last one where
    /// it ends.
    pub(crate) fn insert(
        &mut self,
        branch: u32,
        fields: &[(PathId, &FieldCondition)],
        guards: &Guards,
    ) -> SmallVec<[StateId; 4]> {
        let mut chain = SmallVec::new();
        let mut at = ROOT;
        for &(path, field) in fields {
            let matchers = field.shared_matchers();
            let key = condition_key(matchers);
            let next = match self.find(at, path, key, matchers) {
                Some(next) => next,
                None => self.create(at, path, key, matchers),
            };
            self.state_mut(next).uses += 1;
            chain.push(next);
            at = next;
        }
        let end = self.state_mut(at);
        if guards.is_empty() {
            end.ends.push(branch);
        } else {
            let next = end.next.get_or_insert_with(Box::default);
            match next.guarded.iter_mut().find(|(g, _)| g == guards) {
                Some((_, branches)) => branches.push(branch),
                None => {
                    next.guarded
                        .push((guards.clone(), smallvec::smallvec![branch]));
                    next.guard_table = None;
                    self.dirty.push((at, GUARDS));
                }
            }
        }
        chain
    }

    /// Takes branch `branch` out: `chain` is what [`Tree::insert`] returned for it. States no
    /// other branch uses go, with the transitions into them.
    pub(crate) fn remove(&mut self, branch: u32, chain: &[StateId], guards: &Guards) {
        if let Some(&last) = chain.last() {
            let mut regroup = false;
            let end = self.state_mut(last);
            if guards.is_empty() {
                end.ends.retain(|b| *b != branch);
            } else if let Some(next) = end.next.as_deref_mut() {
                if let Some(i) = next.guarded.iter().position(|(g, _)| g == guards) {
                    next.guarded[i].1.retain(|b| *b != branch);
                    if next.guarded[i].1.is_empty() {
                        next.guarded.swap_remove(i);
                        next.guard_table = None;
                        regroup = true;
                    }
                }
                if next.values.is_empty() && next.absent.is_empty() && next.guarded.is_empty() {
                    end.next = None;
                }
            }
            if regroup {
                self.dirty.push((last, GUARDS));
            }
        }
        for (i, &id) in chain.iter().enumerate().rev() {
            let state = self.state_mut(id);
            state.uses -= 1;
            if state.uses > 0 {
                continue;
            }
            let Some(state) = self.states.take(id as usize) else {
                continue;
            };
            let from = if i == 0 { ROOT } else { chain[i - 1] };
            self.detach(from, &state, id);
            self.free.push(id);
        }
    }

    /// Brings the indexes changed since the last call up to date.
    pub(crate) fn finish(&mut self) {
        let mut dirty = std::mem::take(&mut self.dirty);
        dirty.sort_unstable();
        dirty.dedup();
        for (at, path) in dirty {
            if at == ROOT {
                Arc::make_mut(&mut self.root[path.0 as usize])
                    .index
                    .finish();
            } else if self.states.get(at as usize).is_some() {
                if let Some(next) = self.state_mut(at).next.as_deref_mut() {
                    if path == GUARDS {
                        next.guard_table = GuardTable::of(&next.guarded).map(Arc::new);
                    } else if let Ok(i) = next.values.binary_search_by_key(&path, |(p, _)| *p) {
                        if let Out::Many(many) = &mut next.values[i].1 {
                            Arc::make_mut(many).index.finish();
                        }
                    }
                }
            }
        }
    }

    /// Wildcard matchers on transitions (a condition shared by several rules counts once).
    pub(crate) fn wildcards(&self) -> usize {
        self.states
            .iter()
            .flat_map(|s| s.matchers.iter())
            .filter(|m| matches!(m, Matcher::Wildcard(_)))
            .count()
    }

    /// Heap bytes of the states and the root (shared pieces counted in full; the matchers,
    /// shared with the rules' branches, are counted there).
    pub(crate) fn heap_bytes(&self) -> usize {
        let mut bytes = self.states.heap_bytes()
            + self.root.capacity() * std::mem::size_of::<Arc<Many>>()
            + spilled_bytes(&*self.root_absent);
        for many in &self.root {
            bytes += ARC + std::mem::size_of::<Many>() + many.heap_bytes();
        }
        for state in self.states.iter() {
            bytes += ARC + std::mem::size_of::<State>() + spilled_bytes(&state.ends);
            if let Some(next) = &state.next {
                bytes += std::mem::size_of::<Next>()
                    + spilled_bytes(&next.values)
                    + spilled_bytes(&next.absent)
                    + next.guarded.capacity() * std::mem::size_of::<(Guards, SmallVec<[u32; 1]>)>()
                    + next
                        .guarded
                        .iter()
                        .map(|(g, b)| spilled_bytes(g) + spilled_bytes(b))
                        .sum::<usize>()
                    + next.guard_table.as_ref().map_or(0, |t| {
                        ARC + std::mem::size_of::<GuardTable>()
                            + t.satisfied
                                .iter()
                                .map(|s| std::mem::size_of_val(s) + spilled_bytes(s))
                                .sum::<usize>()
                    });
                for (_, out) in &next.values {
                    bytes += match out {
                        Out::Few(list) => spilled_bytes(list),
                        Out::Many(many) => ARC + std::mem::size_of::<Many>() + many.heap_bytes(),
                    };
                }
            }
        }
        bytes
    }

    fn state_mut(&mut self, id: StateId) -> &mut State {
        Arc::make_mut(self.states.get_mut(id as usize).expect("a live state"))
    }

    /// The state that the transition from `at` on `path` with `matchers` leads to, if there
    /// is one.
    fn find(&self, at: StateId, path: PathId, key: u64, matchers: &[Matcher]) -> Option<StateId> {
        let same = |id: &StateId| {
            self.states
                .get(*id as usize)
                .is_some_and(|s| s.path == path && *s.matchers == *matchers)
        };
        if at == ROOT {
            return self.root[path.0 as usize].find(key).find(same);
        }
        let next = self.states.get(at as usize)?.next.as_deref()?;
        let i = next.values.binary_search_by_key(&path, |(p, _)| *p).ok()?;
        match &next.values[i].1 {
            Out::Few(list) => list.iter().copied().find(same),
            Out::Many(many) => many.find(key).find(same),
        }
    }

    /// A new state, with the transition from `at` into it.
    fn create(
        &mut self,
        at: StateId,
        path: PathId,
        key: u64,
        matchers: &Arc<[Matcher]>,
    ) -> StateId {
        let state = Arc::new(State {
            path,
            uses: 0,
            matchers: matchers.clone(),
            ends: SmallVec::new(),
            next: None,
        });
        let id = match self.free.pop() {
            Some(id) => {
                *self.states.get_mut_slot(id as usize) = Some(state);
                id
            }
            None => {
                self.states.push(state);
                (self.states.len() - 1) as StateId
            }
        };
        let absent = accepts_absence(matchers);
        if at == ROOT {
            Arc::make_mut(&mut self.root[path.0 as usize]).add(key, id, matchers);
            self.dirty.push((ROOT, path));
            if absent {
                add_absent(Arc::make_mut(&mut self.root_absent), path, id);
            }
            return id;
        }
        let mut indexed = false;
        let mut few_to_many: Option<SmallVec<[StateId; 2]>> = None;
        {
            let from = self.state_mut(at).next.get_or_insert_with(Box::default);
            let i = match from.values.binary_search_by_key(&path, |(p, _)| *p) {
                Ok(i) => i,
                Err(i) => {
                    from.values.insert(i, (path, Out::Few(SmallVec::new())));
                    i
                }
            };
            match &mut from.values[i].1 {
                Out::Few(list) if list.len() < FEW => list.push(id),
                Out::Few(list) => {
                    list.push(id);
                    few_to_many = Some(list.clone());
                }
                Out::Many(many) => {
                    Arc::make_mut(many).add(key, id, matchers);
                    indexed = true;
                }
            }
            if absent {
                add_absent(&mut from.absent, path, id);
            }
        }
        if let Some(list) = few_to_many {
            // Past a few transitions on one path, testing each on every value costs more
            // than one lookup: index them.
            let mut many = Many::default();
            for &s in &list {
                let m = &self.states.get(s as usize).expect("a live state").matchers;
                many.add(condition_key(m), s, m);
            }
            let from = self.state_mut(at).next.as_deref_mut().expect("just added");
            let i = from
                .values
                .binary_search_by_key(&path, |(p, _)| *p)
                .expect("just added");
            from.values[i].1 = Out::Many(Arc::new(many));
            indexed = true;
        }
        if indexed {
            self.dirty.push((at, path));
        }
        id
    }

    /// Takes the transition from `from` into `state` (`id`) out.
    fn detach(&mut self, from: StateId, state: &State, id: StateId) {
        let path = state.path;
        let key = condition_key(&state.matchers);
        let absent = accepts_absence(&state.matchers);
        if from == ROOT {
            Arc::make_mut(&mut self.root[path.0 as usize]).remove(key, id, &state.matchers);
            self.dirty.push((ROOT, path));
            if absent {
                remove_absent(Arc::make_mut(&mut self.root_absent), path, id);
            }
            return;
        }
        let mut indexed = false;
        {
            let Some(slot) = self.states.get_mut(from as usize) else {
                return;
            };
            let from_state = Arc::make_mut(slot);
            let Some(next) = from_state.next.as_deref_mut() else {
                return;
            };
            if let Ok(i) = next.values.binary_search_by_key(&path, |(p, _)| *p) {
                let empty = match &mut next.values[i].1 {
                    Out::Few(list) => {
                        list.retain(|s| *s != id);
                        list.is_empty()
                    }
                    Out::Many(many) => {
                        let many = Arc::make_mut(many);
                        many.remove(key, id, &state.matchers);
                        indexed = true;
                        many.is_empty()
                    }
                };
                if empty {
                    next.values.remove(i);
                    indexed = false;
                }
            }
            if absent {
                remove_absent(&mut next.absent, path, id);
            }
            if next.values.is_empty() && next.absent.is_empty() && next.guarded.is_empty() {
                from_state.next = None;
            }
        }
        if indexed {
            self.dirty.push((from, path));
        }
    }
}

/// The bookkeeping of an `Arc`'s allocation: its two counts.
const ARC: usize = 2 * std::mem::size_of::<usize>();

/// Whether a condition is met by absence (`exists: false` among its matchers).
fn accepts_absence(matchers: &[Matcher]) -> bool {
    matchers.iter().any(|m| matches!(m, Matcher::Exists(false)))
}

/// Transitions on absence, by path (sorted), each to the states absence there leads to.
pub(crate) type Absent = SmallVec<[(PathId, SmallVec<[StateId; 1]>); 1]>;

fn add_absent(list: &mut Absent, path: PathId, id: StateId) {
    match list.binary_search_by_key(&path, |(p, _)| *p) {
        Ok(i) => list[i].1.push(id),
        Err(i) => list.insert(i, (path, smallvec::smallvec![id])),
    }
}

fn remove_absent(list: &mut Absent, path: PathId, id: StateId) {
    if let Ok(i) = list.binary_search_by_key(&path, |(p, _)| *p) {
        list[i].1.retain(|s| *s != id);
        if list[i].1.is_empty() {
            list.remove(i);
        }
    }
}
