//! The value index of one field path: every matcher that any rule puts on the path, compiled
//! together, so that testing a value costs about the same for one rule as for a hundred
//! thousand.
//!
//! Each kind of matcher has the structure that answers "which matchers accept this value" in
//! time independent of how many there are:
//!
//! | matchers | structure | cost per value |
//! |---|---|---|
//! | exact strings, numbers, literals; IP literals | hash maps (numbers keyed by comparable value) | one lookup |
//! | `prefix`, `suffix` (and their ASCII ignore-case forms) | hash maps of affixes, by length | one lookup per distinct affix length |
//! | ASCII `equals-ignore-case` | hash map of ASCII-lowercased values | one lookup |
//! | `wildcard` | each wildcard keyed by its rarest literal piece, all keys in one Aho-Corasick automaton; wildcards whose key occurs are then tested | one pass over the value, plus one test per candidate |
//! | `exists: true` | a list of rules, all hit | none |
//! | `numeric`, `cidr` | ranges sorted by low end under a segment tree of high ends | `O(log n)` plus one step per range found |
//! | `anything-but` lists of strings or numbers | every matcher, less those whose list names the value (a hash map) | one lookup, plus one step per matcher |
//! | other `anything-but` forms, non-ASCII ignore-case | a list, tested one by one | per matcher |
//!
//! Wildcards are not compiled into one automaton of all their patterns: thousands of rules with
//! overlapping stars on one field (`*:function:*-17:*`, `*:function:*-18:*`, …) make such an
//! automaton's states explode, and matching falls from millions of values per second to
//! hundreds. Keyed by the literal that the fewest of them share, each value meets only the few
//! wildcards whose key it contains.
//!
//! ASCII ignore-case matching is exact AWS semantics, not an approximation: a pattern made of
//! ASCII characters accepts for each character its lower or upper case form only, which is what
//! comparing ASCII-lowercased bytes does (a non-ASCII byte in the value never equals one of the
//! pattern's).
//!
//! Every entry carries the [`Hit`]s it produces: the states of the matcher tree that the
//! transitions with that matcher lead to. Transitions that share a matcher share the entry.

use ahash::AHashMap as HashMap;
use std::sync::Arc;

use aho_corasick::{AhoCorasick, MatchKind};

use crate::cidr::IpAddress;
use crate::engine::chunked::SplitMap;
use crate::number::ComparableNumber;
use std::ops::Bound;

use crate::pattern::{AnythingBut, Literal, Matcher, NumericRange, Wildcard};
use crate::reference::{scalar_matches, Scalar};

/// What a matcher leads to: a state of the matcher tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Hit {
    /// The state.
    pub state: u32,
}

/// A key of a value table: short ones (most values rules name) held in the table's own
/// bucket, so that a lookup that finds one compares it without a further miss.
type Key = smallvec::SmallVec<[u8; 16]>;

/// The hits of a table entry: most values are named by one or two rules.
type Hits = smallvec::SmallVec<[Hit; 2]>;

/// Affixes of one kind, by their bytes, with the distinct lengths present.
#[derive(Clone, Debug, Default)]
struct Affixes {
    map: HashMap<Key, Hits>,
    /// Sorted; recomputed on change.
    lengths: Vec<usize>,
}

impl Affixes {
    fn add(&mut self, affix: &[u8], hit: Hit) {
        self.map.entry(affix.into()).or_default().push(hit);
        if let Err(at) = self.lengths.binary_search(&affix.len()) {
            self.lengths.insert(at, affix.len());
        }
    }

    fn remove(&mut self, affix: &[u8], hit: Hit) {
        if remove_hit(&mut self.map, affix, hit) {
            self.lengths = {
                let mut l: Vec<usize> = self.map.keys().map(|k| k.len()).collect();
                l.sort_unstable();
                l.dedup();
                l
            };
        }
    }

    #[inline]
    fn prefixes_of(&self, value: &[u8], emit: &mut impl FnMut(Hit)) {
        // Most paths hold no affix of a kind: no call, no loop for them.
        if self.lengths.is_empty() {
            return;
        }
        self.lookup_prefixes(value, emit);
    }

    fn lookup_prefixes(&self, value: &[u8], emit: &mut impl FnMut(Hit)) {
        for &len in &self.lengths {
            if len > value.len() {
                break;
            }
            if let Some(hits) = self.map.get(&value[..len]) {
                hits.iter().copied().for_each(&mut *emit);
            }
        }
    }

    #[inline]
    fn suffixes_of(&self, value: &[u8], emit: &mut impl FnMut(Hit)) {
        if self.lengths.is_empty() {
            return;
        }
        self.lookup_suffixes(value, emit);
    }

    fn lookup_suffixes(&self, value: &[u8], emit: &mut impl FnMut(Hit)) {
        for &len in &self.lengths {
            if len > value.len() {
                break;
            }
            if let Some(hits) = self.map.get(&value[value.len() - len..]) {
                hits.iter().copied().for_each(&mut *emit);
            }
        }
    }

    fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// Removes one hit from a keyed list; returns whether the key disappeared.
fn remove_hit<K, Q>(map: &mut HashMap<K, Hits>, key: &Q, hit: Hit) -> bool
where
    K: std::borrow::Borrow<Q> + std::hash::Hash + Eq,
    Q: std::hash::Hash + Eq + ?Sized,
{
    let Some(hits) = map.get_mut(key) else {
        return false;
    };
    hits.retain(|h| *h != hit);
    if hits.is_empty() {
        map.remove(key);
        true
    } else {
        false
    }
}

fn remove_from(list: &mut Vec<Hit>, hit: Hit) {
    list.retain(|h| *h != hit);
}

/// Closed ranges `[low, high]` with their hits, and the structure that finds every range
/// holding a point in `O(log n)` plus the number found: the ranges sorted by their low end,
/// under a segment tree of their high ends. A point lies in a range exactly when the range
/// starts at or before it (a prefix of the sorted ranges) and ends at or after it (subtrees
/// whose greatest high end is below the point are skipped whole).
///
/// Most sets of ranges barely overlap (a price band per rule): there the few ranges that hold
/// a point are the last ones of the prefix, found by walking back from its end while the
/// greatest high end so far still reaches the point. The walk touches a line or two where the
/// tree's descent touched one per level; past a few steps the tree takes over.
#[derive(Clone, Debug)]
struct Ranges<K> {
    entries: HashMap<(K, K), Hits>,
    /// Built by `rebuild`: the distinct ranges, sorted.
    sorted: Vec<(K, K)>,
    /// Built by `rebuild`: the hits of `sorted[i]` are `hits[spans[i]..spans[i + 1]]`, so that
    /// a found range costs no hash lookup.
    spans: Vec<u32>,
    hits: Vec<Hit>,
    /// Segment tree over `sorted`: node `i` holds the greatest high end under it.
    greatest: Vec<K>,
    /// Built by `rebuild`: `reach[i]` is the greatest high end of `sorted[..=i]`.
    reach: Vec<K>,
    /// The set of ranges changed since the last `rebuild`.
    changed: bool,
    /// The hits of some range changed since the last `rebuild`.
    hits_changed: bool,
}

impl<K> Default for Ranges<K> {
    fn default() -> Self {
        Ranges {
            entries: HashMap::new(),
            sorted: Vec::new(),
            spans: Vec::new(),
            hits: Vec::new(),
            greatest: Vec::new(),
            reach: Vec::new(),
            changed: false,
            hits_changed: false,
        }
    }
}

impl<K: Copy + Ord + std::hash::Hash> Ranges<K> {
    fn add(&mut self, low: K, high: K, hit: Hit) {
        let hits = self.entries.entry((low, high)).or_default();
        self.changed |= hits.is_empty();
        self.hits_changed = true;
        hits.push(hit);
    }

    fn remove(&mut self, low: K, high: K, hit: Hit) {
        self.changed |= remove_hit(&mut self.entries, &(low, high), hit);
        self.hits_changed = true;
    }

    fn rebuild(&mut self) {
        // A hit added to or removed from a range that stays changes only the flat hits.
        if std::mem::take(&mut self.changed) {
            self.sorted = self.entries.keys().copied().collect();
            self.sorted.sort_unstable();
            self.greatest.clear();
            if let Some(&(_, high)) = self.sorted.first() {
                self.greatest.resize(4 * self.sorted.len(), high);
                self.build(0, 0, self.sorted.len());
            }
            self.reach.clear();
            let mut reach = None;
            for &(_, high) in &self.sorted {
                let greatest = reach.map_or(high, |r: K| r.max(high));
                reach = Some(greatest);
                self.reach.push(greatest);
            }
        }
        if !std::mem::take(&mut self.hits_changed) {
            return;
        }
        self.hits.clear();
        self.spans.clear();
        self.spans.push(0);
        for range in &self.sorted {
            self.hits.extend_from_slice(&self.entries[range]);
            self.spans.push(self.hits.len() as u32);
        }
    }

    fn build(&mut self, node: usize, from: usize, to: usize) -> K {
        let greatest = if to - from == 1 {
            self.sorted[from].1
        } else {
            let mid = (from + to) / 2;
            let left = self.build(2 * node + 1, from, mid);
            left.max(self.build(2 * node + 2, mid, to))
        };
        self.greatest[node] = greatest;
        greatest
    }

    fn containing(&self, point: K, emit: &mut impl FnMut(Hit)) {
        // A few ranges (five numeric rules on a field) are quicker to test one by one than
        // to find in the tree.
        const LINEAR: usize = 16;
        if self.sorted.len() <= LINEAR {
            for (i, &(low, high)) in self.sorted.iter().enumerate() {
                if low > point {
                    break;
                }
                if high >= point {
                    self.emit(i, emit);
                }
            }
            return;
        }
        // Ranges walked back before the tree is asked for the rest of the prefix.
        const WALK: usize = 8;
        let starts = self.sorted.partition_point(|&(low, _)| low <= point);
        let mut end = starts;
        while end > 0 && self.reach[end - 1] >= point {
            if starts - end == WALK {
                self.stab(0, 0, self.sorted.len(), end, point, emit);
                return;
            }
            end -= 1;
            if self.sorted[end].1 >= point {
                self.emit(end, emit);
            }
        }
    }

    #[inline]
    fn emit(&self, i: usize, emit: &mut impl FnMut(Hit)) {
        let span = self.spans[i] as usize..self.spans[i + 1] as usize;
        self.hits[span].iter().copied().for_each(emit);
    }

    fn stab(
        &self,
        node: usize,
        from: usize,
        to: usize,
        starts: usize,
        point: K,
        emit: &mut impl FnMut(Hit),
    ) {
        if from >= starts || self.greatest[node] < point {
            return;
        }
        if to - from == 1 {
            self.emit(from, emit);
            return;
        }
        let mid = (from + to) / 2;
        self.stab(2 * node + 1, from, mid, starts, point, emit);
        self.stab(2 * node + 2, mid, to, starts, point, emit);
    }

    fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// A numeric range as closed bounds in millionths (the comparable domain is discrete, so an
/// excluded bound is the included one next to it).
fn closed(range: &NumericRange) -> (i64, i64) {
    let low = match range.lower {
        Bound::Included(b) => b.millionths(),
        Bound::Excluded(b) => b.millionths().saturating_add(1),
        Bound::Unbounded => i64::MIN,
    };
    let high = match range.upper {
        Bound::Included(b) => b.millionths(),
        Bound::Excluded(b) => b.millionths().saturating_sub(1),
        Bound::Unbounded => i64::MAX,
    };
    (low, high)
}

/// The wildcards of a field, each keyed by a literal piece that any value it matches contains.
#[derive(Clone, Debug, Default)]
struct Wildcards {
    patterns: Vec<(Wildcard, Vec<Hit>)>,
    /// One automaton over the distinct keys; `None` when there are none.
    keys: Option<Arc<AhoCorasick>>,
    /// Key id → the patterns keyed by it.
    keyed: Vec<Vec<u32>>,
    /// Patterns of stars only (`*`): no literal to key them, every value is a candidate.
    unkeyed: Vec<u32>,
}

impl Wildcards {
    /// Chooses every pattern's key and builds the automaton. A pattern's key is its literal
    /// piece that the fewest patterns of the field contain (ties: the longest), so that a
    /// piece many rules share (`:function:`) does not make all of them candidates.
    fn rebuild(&mut self) {
        self.keys = None;
        self.keyed.clear();
        self.unkeyed.clear();
        let mut load: HashMap<&str, usize> = HashMap::new();
        for (w, _) in &self.patterns {
            for piece in w.pieces().iter().filter(|p| !p.is_empty()) {
                *load.entry(piece.as_str()).or_default() += 1;
            }
        }
        let mut ids: HashMap<&str, u32> = HashMap::new();
        let mut literals: Vec<&str> = Vec::new();
        for (index, (w, _)) in self.patterns.iter().enumerate() {
            let key = w
                .pieces()
                .iter()
                .filter(|p| !p.is_empty())
                .min_by_key(|p| (load[p.as_str()], std::cmp::Reverse(p.len())));
            let Some(key) = key else {
                self.unkeyed.push(index as u32);
                continue;
            };
            let id = *ids.entry(key.as_str()).or_insert_with(|| {
                literals.push(key.as_str());
                (literals.len() - 1) as u32
            });
            if self.keyed.len() <= id as usize {
                self.keyed.push(Vec::new());
            }
            self.keyed[id as usize].push(index as u32);
        }
        if !literals.is_empty() {
            // Literal keys of at most AWS's pattern size always build; should one fail all
            // the same, every wildcard becomes a candidate of every value.
            match AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .build(&literals)
            {
                Ok(automaton) => self.keys = Some(Arc::new(automaton)),
                Err(_) => {
                    self.keyed.clear();
                    self.unkeyed = (0..self.patterns.len() as u32).collect();
                }
            }
        }
    }

    fn matches(&self, value: &str, seen: &mut Candidates, emit: &mut impl FnMut(Hit)) {
        seen.clear();
        let mut test = |index: u32| {
            if seen.insert(index) {
                let (wildcard, hits) = &self.patterns[index as usize];
                if wildcard.is_match(value) {
                    hits.iter().copied().for_each(&mut *emit);
                }
            }
        };
        self.unkeyed.iter().copied().for_each(&mut test);
        if let Some(keys) = &self.keys {
            for found in keys.find_overlapping_iter(value) {
                self.keyed[found.pattern().as_usize()]
                    .iter()
                    .copied()
                    .for_each(&mut test);
            }
        }
    }
}

/// Which wildcards of a field a value has already been tested against: a bit set cleared in
/// time proportional to what was set.
#[derive(Clone, Debug, Default)]
pub struct Candidates {
    bits: Vec<u64>,
    set: Vec<u32>,
}

impl Candidates {
    /// An empty set.
    pub fn new() -> Candidates {
        Candidates::default()
    }

    fn clear(&mut self) {
        for &index in &self.set {
            self.bits[index as usize / 64] = 0;
        }
        self.set.clear();
    }

    /// Adds `index`; false when it was there already.
    fn insert(&mut self, index: u32) -> bool {
        let (word, bit) = (index as usize / 64, 1u64 << (index % 64));
        if self.bits.len() <= word {
            self.bits.resize(word + 1, 0);
        }
        if self.bits[word] & bit != 0 {
            return false;
        }
        self.bits[word] |= bit;
        self.set.push(index);
        true
    }
}

/// All the matchers on one field path.
#[derive(Clone, Debug, Default)]
pub struct FieldIndex {
    /// Exact strings: split into shared shards once many (customer ids under one state), so
    /// that a change copies one shard.
    strings: SplitMap<Key, Hits>,
    addresses: HashMap<IpAddress, Hits>,
    numbers: HashMap<ComparableNumber, Hits>,
    number_spellings: HashMap<Key, Hits>,
    trues: Vec<Hit>,
    falses: Vec<Hit>,
    nulls: Vec<Hit>,
    exists: Vec<Hit>,
    prefixes: Affixes,
    suffixes: Affixes,
    folded: HashMap<Key, Hits>,
    folded_prefixes: Affixes,
    folded_suffixes: Affixes,
    wildcards: Wildcards,
    numeric: Ranges<i64>,
    cidr: Ranges<IpAddress>,
    except: Except,
    others: Vec<(Matcher, Vec<Hit>)>,
    wildcards_changed: bool,
    /// How many matchers are indexed here: none at the root of a path whose fields only come
    /// after others in the tree (an item's `qty` after its `sku`), whose values then skip
    /// the root's lookups.
    indexed: usize,
}

/// `anything-but` lists of strings or numbers: every such matcher accepts every value except
/// the few it lists, so a value hits them all but those its exclusion entry names, without a
/// test per matcher.
#[derive(Clone, Debug, Default)]
struct Except {
    /// Every matcher, numbered, with its hit, in increasing order of number.
    all: Vec<(u32, Hit)>,
    /// String → the matchers that exclude it, in increasing order.
    strings: HashMap<Key, Vec<u32>>,
    /// Comparable number → the matchers that exclude it, in increasing order.
    numbers: HashMap<ComparableNumber, Vec<u32>>,
    next: u32,
}

impl Except {
    fn add(&mut self, excluded: &AnythingBut, hit: Hit) {
        let id = self.next;
        self.next += 1;
        self.all.push((id, hit));
        match excluded {
            // A value listed twice is one exclusion: each list holds an id once.
            AnythingBut::Strings(list) => {
                for s in list {
                    let ids = self.strings.entry(s.as_bytes().into()).or_default();
                    if ids.last() != Some(&id) {
                        ids.push(id);
                    }
                }
            }
            AnythingBut::Numbers(list) => {
                for &n in list {
                    let ids = self.numbers.entry(n).or_default();
                    if ids.last() != Some(&id) {
                        ids.push(id);
                    }
                }
            }
            // `FieldIndex::add` sends only string and number lists here.
            _ => {}
        }
    }

    fn remove(&mut self, excluded: &AnythingBut, hit: Hit) {
        // The matcher is the one with this hit whose exclusions are `excluded`'s: any of
        // several identical ones will do.
        let excludes = |id: u32| match excluded {
            AnythingBut::Strings(list) => list.iter().all(|s| {
                self.strings
                    .get(s.as_bytes())
                    .is_some_and(|ids| ids.contains(&id))
            }),
            AnythingBut::Numbers(list) => list
                .iter()
                .all(|n| self.numbers.get(n).is_some_and(|ids| ids.contains(&id))),
            _ => false,
        };
        let Some(at) = self
            .all
            .iter()
            .position(|&(id, h)| h == hit && excludes(id))
        else {
            return;
        };
        let (id, _) = self.all.remove(at);
        let forget = |ids: &mut Vec<u32>| ids.retain(|&i| i != id);
        match excluded {
            AnythingBut::Strings(list) => {
                for s in list {
                    if let Some(ids) = self.strings.get_mut(s.as_bytes()) {
                        forget(ids);
                        if ids.is_empty() {
                            self.strings.remove(s.as_bytes());
                        }
                    }
                }
            }
            AnythingBut::Numbers(list) => {
                for n in list {
                    if let Some(ids) = self.numbers.get_mut(n) {
                        forget(ids);
                        if ids.is_empty() {
                            self.numbers.remove(n);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn hits(&self, value: &Scalar<'_>, emit: &mut impl FnMut(Hit)) {
        if self.all.is_empty() {
            return;
        }
        let excluded: &[u32] = match value {
            Scalar::Str(s) => lookup(&self.strings, s.as_bytes()).map_or(&[], Vec::as_slice),
            Scalar::Num(_, Some(n)) => self.numbers.get(n).map_or(&[], Vec::as_slice),
            _ => &[],
        };
        if excluded.len() == self.all.len() {
            return; // the usual case of a common value: every matcher excludes it
        }
        // Both lists hold ids in increasing order (ids are handed out in order, and removal
        // keeps the order): walk them side by side.
        let mut excluded = excluded.iter().peekable();
        for &(id, hit) in &self.all {
            while excluded.next_if(|&&e| e < id).is_some() {}
            if excluded.next_if(|&&e| e == id).is_none() {
                emit(hit);
            }
        }
    }
}

/// Keys of a table up to which a lookup compares them one by one rather than hashing the
/// value: an event value is usually rejected by its length alone, which is cheaper than
/// hashing it (callgrind, CityLots: a few rules per path are the common case).
const FEW_KEYS: usize = 4;

/// `map.get(key)`, by comparison when the map is small.
#[inline(always)]
fn lookup<'m, V>(map: &'m HashMap<Key, V>, key: &[u8]) -> Option<&'m V> {
    if map.is_empty() {
        None
    } else if map.len() <= FEW_KEYS {
        map.iter().find(|(k, _)| ***k == *key).map(|(_, v)| v)
    } else {
        map.get(key)
    }
}

fn ascii_lower(text: &str) -> Vec<u8> {
    text.bytes().map(|b| b.to_ascii_lowercase()).collect()
}

impl FieldIndex {
    /// Whether no matcher is indexed here: every value's lookup would find nothing.
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.indexed == 0
    }

    /// Adds a matcher for `hit`. `exists: false` is not a value matcher and is ignored here.
    pub fn add(&mut self, matcher: &Matcher, hit: Hit) {
        self.indexed += 1;
        match matcher {
            Matcher::Exact(Literal::String { value, ip: None }) => self
                .strings
                .get_or_insert_with(value.as_bytes().into(), Hits::new)
                .push(hit),
            Matcher::Exact(Literal::String { ip: Some(ip), .. }) => {
                self.addresses.entry(*ip).or_default().push(hit)
            }
            Matcher::Exact(Literal::Number { value: Some(n), .. }) => {
                self.numbers.entry(*n).or_default().push(hit)
            }
            Matcher::Exact(Literal::Number { text, value: None }) => self
                .number_spellings
                .entry(text.as_bytes().into())
                .or_default()
                .push(hit),
            Matcher::Exact(Literal::Bool(true)) => self.trues.push(hit),
            Matcher::Exact(Literal::Bool(false)) => self.falses.push(hit),
            Matcher::Exact(Literal::Null) => self.nulls.push(hit),
            Matcher::Exists(true) => self.exists.push(hit),
            Matcher::Exists(false) => {}
            Matcher::Prefix {
                value,
                ignore_case: false,
            } => self.prefixes.add(value.as_bytes(), hit),
            Matcher::Suffix {
                value,
                ignore_case: false,
            } => self.suffixes.add(value.as_bytes(), hit),
            Matcher::Prefix {
                value,
                ignore_case: true,
            } if value.is_ascii() => self.folded_prefixes.add(&ascii_lower(value), hit),
            Matcher::Suffix {
                value,
                ignore_case: true,
            } if value.is_ascii() => self.folded_suffixes.add(&ascii_lower(value), hit),
            Matcher::EqualsIgnoreCase(value) if value.is_ascii() => self
                .folded
                .entry(ascii_lower(value).into())
                .or_default()
                .push(hit),
            Matcher::Wildcard(w) => {
                match self.wildcards.patterns.iter_mut().find(|(x, _)| x == w) {
                    Some((_, hits)) => hits.push(hit),
                    None => {
                        self.wildcards.patterns.push((w.clone(), vec![hit]));
                        self.wildcards_changed = true;
                    }
                }
            }
            Matcher::Numeric(range) => {
                let (low, high) = closed(range);
                self.numeric.add(low, high, hit)
            }
            Matcher::Cidr(range) => self.cidr.add(range.low(), range.high(), hit),
            Matcher::AnythingBut(
                excluded @ (AnythingBut::Strings(_) | AnythingBut::Numbers(_)),
            ) => self.except.add(excluded, hit),
            other => match self.others.iter_mut().find(|(m, _)| m == other) {
                Some((_, hits)) => hits.push(hit),
                None => self.others.push((other.clone(), vec![hit])),
            },
        }
    }

    /// Removes what [`FieldIndex::add`] added for the same matcher and hit.
    pub fn remove(&mut self, matcher: &Matcher, hit: Hit) {
        self.indexed = self.indexed.saturating_sub(1);
        match matcher {
            Matcher::Exact(Literal::String { value, ip: None }) => {
                if let Some(hits) = self.strings.get_mut(value.as_bytes()) {
                    hits.retain(|h| *h != hit);
                    if hits.is_empty() {
                        self.strings.remove(value.as_bytes());
                    }
                }
            }
            Matcher::Exact(Literal::String { ip: Some(ip), .. }) => {
                remove_hit(&mut self.addresses, ip, hit);
            }
            Matcher::Exact(Literal::Number { value: Some(n), .. }) => {
                remove_hit(&mut self.numbers, n, hit);
            }
            Matcher::Exact(Literal::Number { text, value: None }) => {
                remove_hit(&mut self.number_spellings, text.as_bytes(), hit);
            }
            Matcher::Exact(Literal::Bool(true)) => remove_from(&mut self.trues, hit),
            Matcher::Exact(Literal::Bool(false)) => remove_from(&mut self.falses, hit),
            Matcher::Exact(Literal::Null) => remove_from(&mut self.nulls, hit),
            Matcher::Exists(true) => remove_from(&mut self.exists, hit),
            Matcher::Exists(false) => {}
            Matcher::Prefix {
                value,
                ignore_case: false,
            } => self.prefixes.remove(value.as_bytes(), hit),
            Matcher::Suffix {
                value,
                ignore_case: false,
            } => self.suffixes.remove(value.as_bytes(), hit),
            Matcher::Prefix {
                value,
                ignore_case: true,
            } if value.is_ascii() => self.folded_prefixes.remove(&ascii_lower(value), hit),
            Matcher::Suffix {
                value,
                ignore_case: true,
            } if value.is_ascii() => self.folded_suffixes.remove(&ascii_lower(value), hit),
            Matcher::EqualsIgnoreCase(value) if value.is_ascii() => {
                remove_hit(&mut self.folded, ascii_lower(value).as_slice(), hit);
            }
            Matcher::Wildcard(w) => {
                if let Some(at) = self.wildcards.patterns.iter().position(|(x, _)| x == w) {
                    remove_from(&mut self.wildcards.patterns[at].1, hit);
                    if self.wildcards.patterns[at].1.is_empty() {
                        self.wildcards.patterns.remove(at);
                        self.wildcards_changed = true;
                    }
                }
            }
            Matcher::Numeric(range) => {
                let (low, high) = closed(range);
                self.numeric.remove(low, high, hit)
            }
            Matcher::Cidr(range) => self.cidr.remove(range.low(), range.high(), hit),
            Matcher::AnythingBut(
                excluded @ (AnythingBut::Strings(_) | AnythingBut::Numbers(_)),
            ) => self.except.remove(excluded, hit),
            other => {
                if let Some(at) = self.others.iter().position(|(m, _)| m == other) {
                    remove_from(&mut self.others[at].1, hit);
                    if self.others[at].1.is_empty() {
                        self.others.remove(at);
                    }
                }
            }
        }
    }

    /// Brings the wildcard automaton and the range trees up to date after changes.
    pub fn finish(&mut self) {
        self.numeric.rebuild();
        self.cidr.rebuild();
        if self.wildcards_changed {
            self.wildcards.rebuild();
            self.wildcards_changed = false;
        }
    }

    /// Reports every matcher that accepts `value`. `folded` and `set` are scratch space.
    pub fn hits(
        &self,
        value: &Scalar<'_>,
        folded: &mut Vec<u8>,
        set: &mut Candidates,
        emit: &mut impl FnMut(Hit),
    ) {
        self.exists.iter().copied().for_each(&mut *emit);
        match *value {
            Scalar::Str(s) => {
                let bytes = s.as_bytes();
                let hits = match self.strings.flat() {
                    Some(flat) => lookup(flat, bytes),
                    None => self.strings.get(bytes),
                };
                if let Some(hits) = hits {
                    hits.iter().copied().for_each(&mut *emit);
                }
                if !(self.addresses.is_empty() && self.cidr.is_empty()) {
                    if let Some(ip) = IpAddress::parse(s) {
                        if let Some(hits) = self.addresses.get(&ip) {
                            hits.iter().copied().for_each(&mut *emit);
                        }
                        self.cidr.containing(ip, emit);
                    }
                }
                self.prefixes.prefixes_of(bytes, emit);
                self.suffixes.suffixes_of(bytes, emit);
                if !(self.folded.is_empty()
                    && self.folded_prefixes.is_empty()
                    && self.folded_suffixes.is_empty())
                {
                    if self.folded.len() <= FEW_KEYS
                        && self.folded_prefixes.is_empty()
                        && self.folded_suffixes.is_empty()
                    {
                        // A few keys, stored folded: compared in place, no folded copy.
                        for (key, hits) in &self.folded {
                            if key.len() == bytes.len()
                                && key
                                    .iter()
                                    .zip(bytes)
                                    .all(|(k, b)| *k == b.to_ascii_lowercase())
                            {
                                hits.iter().copied().for_each(&mut *emit);
                            }
                        }
                    } else {
                        folded.clear();
                        folded.extend(bytes.iter().map(u8::to_ascii_lowercase));
                        if let Some(hits) = self.folded.get(folded.as_slice()) {
                            hits.iter().copied().for_each(&mut *emit);
                        }
                        self.folded_prefixes.prefixes_of(folded, emit);
                        self.folded_suffixes.suffixes_of(folded, emit);
                    }
                }
                if !self.wildcards.patterns.is_empty() {
                    self.wildcards.matches(s, set, emit);
                }
            }
            Scalar::Num(spelling, comparable) => {
                let hits = match comparable {
                    Some(n) => self.numbers.get(&n),
                    None => self.number_spellings.get(spelling),
                };
                if let Some(hits) = hits {
                    hits.iter().copied().for_each(&mut *emit);
                }
                if let Some(n) = comparable {
                    self.numeric.containing(n.millionths(), emit);
                }
            }
            Scalar::Bool(true) => self.trues.iter().copied().for_each(&mut *emit),
            Scalar::Bool(false) => self.falses.iter().copied().for_each(&mut *emit),
            Scalar::Null => self.nulls.iter().copied().for_each(&mut *emit),
        }
        if !self.except.all.is_empty() {
            self.except.hits(value, emit);
        }
        for (matcher, hits) in &self.others {
            if scalar_matches(matcher, value) {
                hits.iter().copied().for_each(&mut *emit);
            }
        }
    }
}

/// Heap bytes of a hash map of hit lists: its table plus each key's and list's own storage.
pub(crate) fn map_bytes<K, V, S>(
    map: &std::collections::HashMap<K, V, S>,
    each: impl Fn(&K, &V) -> usize,
) -> usize {
    // A hashbrown table holds a power of two of buckets at most 7/8 full, one control byte each.
    let buckets = (map.capacity() * 8 / 7).next_power_of_two();
    buckets * (std::mem::size_of::<(K, V)>() + 1)
        + map.iter().map(|(k, v)| each(k, v)).sum::<usize>()
}

#[allow(clippy::ptr_arg)] // the capacity, not the length, is what is held
fn hits_bytes(hits: &Vec<Hit>) -> usize {
    hits.capacity() * std::mem::size_of::<Hit>()
}

/// The heap bytes of a table's key or hits: none while they fit in the bucket.
pub(crate) fn spilled_bytes<A: smallvec::Array>(list: &smallvec::SmallVec<A>) -> usize {
    if list.spilled() {
        list.capacity() * std::mem::size_of::<A::Item>()
    } else {
        0
    }
}

fn keyed_bytes(key: &Key, hits: &Hits) -> usize {
    spilled_bytes(key) + spilled_bytes(hits)
}

impl Affixes {
    fn heap_bytes(&self) -> usize {
        map_bytes(&self.map, keyed_bytes) + self.lengths.capacity() * 8
    }
}

impl<K> Ranges<K> {
    fn heap_bytes(&self) -> usize {
        let size = std::mem::size_of::<K>();
        map_bytes(&self.entries, |_, hits| spilled_bytes(hits))
            + self.sorted.capacity() * 2 * size
            + (self.greatest.capacity() + self.reach.capacity()) * size
            + self.spans.capacity() * std::mem::size_of::<u32>()
            + self.hits.capacity() * std::mem::size_of::<Hit>()
    }
}

impl FieldIndex {
    /// An estimate of the heap bytes the index holds.
    pub(crate) fn heap_bytes(&self) -> usize {
        let mut bytes = std::mem::size_of::<FieldIndex>()
            + self.strings.heap_bytes(keyed_bytes)
            + map_bytes(&self.addresses, |_, hits| spilled_bytes(hits))
            + map_bytes(&self.numbers, |_, hits| spilled_bytes(hits))
            + map_bytes(&self.number_spellings, keyed_bytes)
            + map_bytes(&self.folded, keyed_bytes)
            + [&self.trues, &self.falses, &self.nulls, &self.exists]
                .iter()
                .map(|hits| hits_bytes(hits))
                .sum::<usize>();
        for affixes in [
            &self.prefixes,
            &self.suffixes,
            &self.folded_prefixes,
            &self.folded_suffixes,
        ] {
            bytes += affixes.heap_bytes();
        }
        bytes += self.numeric.heap_bytes() + self.cidr.heap_bytes();
        let wildcards = &self.wildcards;
        bytes += wildcards
            .patterns
            .iter()
            .map(|(w, hits)| {
                std::mem::size_of::<(Wildcard, Vec<Hit>)>()
                    + w.as_str().len() * 2
                    + hits_bytes(hits)
            })
            .sum::<usize>()
            + wildcards.keys.as_ref().map_or(0, |k| k.memory_usage())
            + wildcards
                .keyed
                .iter()
                .map(|k| 24 + k.capacity() * 4)
                .sum::<usize>()
            + wildcards.unkeyed.capacity() * 4;
        let except = &self.except;
        bytes += except.all.capacity() * std::mem::size_of::<(u32, Hit)>()
            + map_bytes(&except.strings, |k, v| k.len() + v.capacity() * 4)
            + map_bytes(&except.numbers, |_, v| v.capacity() * 4)
            + self
                .others
                .iter()
                .map(|(_, hits)| std::mem::size_of::<(Matcher, Vec<Hit>)>() + hits_bytes(hits))
                .sum::<usize>();
        bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anything_but_lists_let_through_exactly_what_they_do_not_name() {
        // Overlapping lists, a value listed twice, one list naming every value, the same
        // matcher twice, and removals in between: the hits are those of the plain reading.
        let words = ["a", "b", "c", "d"];
        let lists: Vec<Vec<&str>> = vec![
            vec!["a"],
            vec!["a", "a"],
            vec!["b", "c"],
            vec!["a", "b", "c", "d"],
            vec!["d", "a"],
            vec!["c"],
            vec!["b", "c"],
        ];
        let mut except = Except::default();
        let mut live = Vec::new();
        let strings =
            |list: &[&str]| AnythingBut::Strings(list.iter().map(|s| s.to_string()).collect());
        for (branch, list) in lists.iter().enumerate() {
            let hit = Hit {
                state: branch as u32,
            };
            except.add(&strings(list), hit);
            live.push((list.clone(), hit));
        }
        // A value listed twice by one matcher counts once: here it must not look excluded by
        // both matchers.
        let mut twice = Except::default();
        twice.add(&strings(&["a", "a"]), Hit { state: 0 });
        twice.add(&strings(&["b"]), Hit { state: 1 });
        let mut got = Vec::new();
        twice.hits(&Scalar::Str("a"), &mut |h| got.push(h.state));
        assert_eq!(got, [1]);
        for removed in [None, Some(2), Some(0), Some(3)] {
            if let Some(branch) = removed {
                let at = live.iter().position(|(_, h)| h.state == branch).unwrap();
                let (list, hit) = live.remove(at);
                except.remove(&strings(&list), hit);
            }
            for word in words.iter().chain(&["e"]) {
                let mut got = Vec::new();
                except.hits(&Scalar::Str(word), &mut |h| got.push(h.state));
                let expected: Vec<u32> = live
                    .iter()
                    .filter(|(list, _)| !list.contains(word))
                    .map(|(_, h)| h.state)
                    .collect();
                assert_eq!(got, expected, "{word} after removing {removed:?}");
            }
        }
    }

    #[test]
    fn ranges_find_exactly_the_ranges_holding_a_point() {
        // Few ranges are searched one by one, many in the tree: both ways, and the edge
        // (a third are removed again: 24 leave 16 ranges, 27 leave 18).
        for count in [1, 5, 24, 27, 300] {
            ranges_hold(count);
        }
    }

    fn ranges_hold(count: u32) {
        // Deterministic pseudo-random ranges, some nested, some equal, some empty.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % 200) as i64
        };
        let mut ranges = Ranges::default();
        let mut plain = Vec::new();
        for branch in 0..count {
            let (a, b) = (next(), next());
            let hit = Hit { state: branch };
            ranges.add(a, b, hit);
            plain.push((a, b, hit));
        }
        ranges.rebuild();
        // A second hit on some ranges that stay, and removals that leave ranges in place:
        // changes to the hits of standing ranges.
        let seconds: Vec<_> = plain
            .iter()
            .filter(|(_, _, h)| h.state % 4 == 1)
            .map(|&(a, b, h)| {
                (
                    a,
                    b,
                    Hit {
                        state: h.state + 10_000,
                    },
                )
            })
            .collect();
        for &(a, b, hit) in &seconds {
            ranges.add(a, b, hit);
        }
        plain.extend(seconds);
        for (a, b, hit) in plain.iter().filter(|(_, _, h)| h.state % 3 == 0) {
            ranges.remove(*a, *b, *hit);
        }
        plain.retain(|(_, _, h)| h.state % 3 != 0);
        ranges.rebuild();
        assert_found_as_listed(&ranges, &plain, -1..=201, &format!("{count} ranges"));
    }

    /// Checks that `ranges` finds, at every point of `points`, exactly the hits of the ranges
    /// of `plain` that hold it.
    fn assert_found_as_listed(
        ranges: &Ranges<i64>,
        plain: &[(i64, i64, Hit)],
        points: std::ops::RangeInclusive<i64>,
        what: &str,
    ) {
        for point in points {
            let mut found = Vec::new();
            ranges.containing(point, &mut |h| found.push(h));
            found.sort();
            let mut expected: Vec<Hit> = plain
                .iter()
                .filter(|(a, b, _)| *a <= point && point <= *b)
                .map(|(_, _, h)| *h)
                .collect();
            expected.sort();
            assert_eq!(found, expected, "{what}, at {point}");
        }
    }

    #[test]
    fn ranges_that_barely_overlap_are_found_by_the_walk_and_the_tree() {
        // A band per rule, some touching or overlapping the next, with none, one or twelve
        // wide ranges among them: the walk back from the prefix's end finds the few, and
        // hands over to the tree when the wide ones keep it going.
        for wide in [0, 1, 12] {
            let mut ranges = Ranges::default();
            let mut plain = Vec::new();
            for branch in 0..100u32 {
                let low = i64::from(branch) * 10;
                let high = low + [5, 9, 10, 14][branch as usize % 4];
                plain.push((low, high, Hit { state: branch }));
            }
            for w in 0..wide {
                let hit = Hit { state: 1000 + w };
                plain.push((i64::from(w) * 40, 600 + i64::from(w) * 20, hit));
            }
            for &(low, high, hit) in &plain {
                ranges.add(low, high, hit);
            }
            ranges.rebuild();
            assert_found_as_listed(&ranges, &plain, -1..=1010, &format!("{wide} wide ranges"));
        }
    }

    #[test]
    fn excluded_bounds_close_on_the_next_millionth() {
        let n = |s: &str| ComparableNumber::parse(s).unwrap();
        let range = NumericRange {
            lower: Bound::Excluded(n("1")),
            upper: Bound::Excluded(n("2")),
        };
        assert_eq!(closed(&range), (1_000_001, 1_999_999));
        let open = NumericRange {
            lower: Bound::Unbounded,
            upper: Bound::Included(n("-0.5")),
        };
        assert_eq!(closed(&open), (i64::MIN, -500_000));
    }
}
