//! The evaluation of one event against a [`Snapshot`]: from the values the scan reads to the
//! names of the rules that match.
//!
//! [`Snapshot::matches_with`] scans the event with a [`Collector`] as its visitor. Each value
//! at a path some rule names is looked up in the root's value index for that path, and the
//! states of the matcher tree it reaches are listed ([`Touched`]); a value at a path where
//! branches need more than that lookup (a branch of several fields, or one that absence can
//! satisfy) is also kept, as a [`Leaf`]. [`Snapshot::decide`] then walks the tree on from the
//! states reached, testing the kept values against each state's transitions, and decides each
//! branch that ends at a state reached ([`Snapshot::decide_branch`]): it matches, unless
//! values from arrays at two of its paths call for the consistency check, or absence where
//! the path has values in arrays for the exact search.
//!
//! All of it runs in a reusable [`Scratch`], so that a warm matcher allocates nothing per
//! event (except the small vectors of the consistency fold for branches whose values sit in
//! arrays).

use std::hash::Hash;

use crate::consistency::{self, FieldOptions};
use crate::engine::scan::{self, EventError, PathId, ScanScratch, Value, Visitor};
use crate::engine::snapshot::{is_plain_absence, BranchInfo, BranchKey, Snapshot};
use crate::engine::tree::{Out, StateId};
use crate::engine::value_index::{Candidates, Hit};
use crate::json::JsonError;
use crate::number::ComparableNumber;
use crate::reference::{scalar_matches, Scalar};

/// Deepest event nesting the scanner accepts.
pub const MAX_EVENT_DEPTH: usize = 128;

/// Largest event the matcher accepts, in bytes: 16 MiB, as for [`json::Json::parse`]
/// (EventBridge itself takes events of up to 256 KiB).
///
/// [`json::Json::parse`]: crate::json::Json::parse
pub const MAX_EVENT_SIZE: usize = 16 << 20;

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

impl<N: Clone + Eq + Hash> Snapshot<N> {
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
            let result = scan::scan(
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

    #[inline]
    fn segment(&self, path: PathId, n: ComparableNumber) -> Option<u32> {
        self.snapshot.segment(path, n)
    }

    fn points(&self, path: PathId) -> Option<&[ComparableNumber]> {
        self.snapshot.points[path.0 as usize].as_deref()
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
                Err(_) => {
                    scratch.error.get_or_insert(raw.error(self.event));
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
            &mut |hit: Hit| touched.reach(hit.state, epoch, leaf, in_array, via, UNRESTRICTED),
        );
    }
}

impl<N> Collector<'_, '_, '_, N> {
    /// [`Visitor::leaf`] at a path where no branch needs the values after the scan: the value
    /// is looked up at the root and not kept; the states it reaches end one-field branches,
    /// which need nothing more.
    fn look_up(&mut self, path: PathId, value: Value<'_>) {
        let scratch = &mut *self.scratch;
        let scalar = match value {
            Value::String(raw) => match raw.decode(&mut scratch.text) {
                Ok(s) => Scalar::Str(s),
                Err(_) => {
                    scratch.error.get_or_insert(raw.error(self.event));
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
            &mut |hit: Hit| touched.open(hit.state, epoch, UNRESTRICTED),
        );
    }
}

impl<N: Clone + Eq + Hash> Snapshot<N> {
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
                                    touched.reach(hit.state, epoch, leaf, in_array, via, parent)
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
}

impl<N: Clone + Eq + Hash> Snapshot<N> {
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
        let Some(&key) = self.keys.get(id as usize) else {
            return;
        };
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
            LeafKind::Str => Scalar::Str(scan::text(bytes).unwrap_or_default()),
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
        match self.probe(state, epoch) {
            Ok(index) => index,
            Err(at) => {
                self.slots[at] = u64::from(epoch) << 32 | self.ids.len() as u64;
                self.add(state)
            }
        }
    }

    /// In the searched table (not empty): `state`'s place in `ids` if event `epoch` reached
    /// it, else the free slot where it goes.
    #[inline(always)]
    fn probe(&self, state: u32, epoch: u32) -> Result<usize, usize> {
        let mask = self.slots.len() - 1;
        let mut at = Self::start(state, mask);
        loop {
            let slot = self.slots[at];
            if (slot >> 32) as u32 != epoch {
                return Err(at);
            }
            let index = slot as u32 as usize;
            if self.ids[index] == state {
                return Ok(index);
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
        self.probe(state, epoch).ok()
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

#[cfg(test)]
mod tests {
    use super::{array_range, element_at, Touched};
    use crate::Ruleset;

    #[test]
    fn kept_values_are_verified_from_the_event_or_decoded() {
        // The exact `a` is the first transition; `b` and `n` are tested on the values kept,
        // which point into the event unless decoding an escape made new bytes.
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
    fn values_are_looked_up_while_their_path_indexes_a_matcher() {
        // `qty` first only follows `sku` in the tree, then begins two rules, then one, then
        // none again: its values are looked up at the root exactly while some rule begins
        // there.
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
