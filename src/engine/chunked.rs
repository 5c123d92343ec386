//! Tables that snapshots share piece by piece.
//!
//! A published [`Snapshot`](super::snapshot::Snapshot) shares its tables with the rule set's
//! writer, and the writer's next change copies what it touches. Copying a whole table of a
//! hundred thousand rules (their names, their branches, the index from name to branches) for
//! one added rule took tens of milliseconds, most of it allocating: a `String` and a `Vec` per
//! entry. Split into pieces that are shared on their own, a change copies one piece.
//!
//! - [`Chunked`] is a vector of slots in chunks of [`CHUNK`]: reading a slot costs one more
//!   load than a flat vector (the chunk's pointer, from a list small enough to stay in the
//!   cache), and a change copies one chunk.
//! - [`Sharded`] is a hash map in [`SHARDS`] maps, picked by the key's hash under fixed seeds:
//!   a change copies one shard.
//! - [`SplitMap`] is one plain hash map while small and splits into shards once large: the
//!   value tables of the matcher tree, most of which hold a few keys (a shard list each would
//!   cost more than the keys) and a few of which hold a hundred thousand (the customers under
//!   `condition: Success`), which a change would otherwise copy whole.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

use crate::engine::value_index::map_bytes;

/// Elements per chunk of a [`Chunked`] vector (a power of two).
pub(crate) const CHUNK: usize = 1 << CHUNK_BITS;
const CHUNK_BITS: u32 = 10;

/// Shards of a [`Sharded`] map (a power of two).
pub(crate) const SHARDS: usize = 256;

/// A vector of slots, each empty or holding a value, whose clones share its chunks until one
/// of them changes. Every chunk is an array of [`CHUNK`] slots from the start: reading a slot
/// follows the one pointer in the list of chunks, with no length to check beyond the list's
/// (a growable vector per chunk put its length and address in a separate place, one more line
/// to miss).
#[derive(Clone, Debug)]
pub(crate) struct Chunked<T> {
    chunks: Vec<Arc<[Option<T>; CHUNK]>>,
    len: usize,
}

impl<T> Default for Chunked<T> {
    fn default() -> Self {
        Chunked {
            chunks: Vec::new(),
            len: 0,
        }
    }
}

impl<T> Chunked<T> {
    /// Slots pushed so far.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The value in slot `index`, if it holds one.
    #[inline(always)]
    pub(crate) fn get(&self, index: usize) -> Option<&T> {
        self.chunks.get(index >> CHUNK_BITS)?[index & (CHUNK - 1)].as_ref()
    }

    /// The values, in slot order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &T> {
        self.chunks.iter().flat_map(|chunk| chunk.iter().flatten())
    }

    /// Where the first chunk lies: a witness, for tests, of whether an update copied it.
    #[cfg(test)]
    pub(crate) fn first_chunk(&self) -> Option<*const [Option<T>; CHUNK]> {
        self.chunks.first().map(Arc::as_ptr)
    }

    /// Heap bytes held, counting shared chunks in full.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.chunks.capacity() * std::mem::size_of::<Arc<[Option<T>; CHUNK]>>()
            + self.chunks.len() * std::mem::size_of::<(usize, usize, [Option<T>; CHUNK])>()
    }
}

impl<T: Clone> Chunked<T> {
    /// The slot at `index`, its chunk copied first if a clone shares it.
    fn slot_mut(&mut self, index: usize) -> &mut Option<T> {
        let chunk = &mut self.chunks[index >> CHUNK_BITS];
        &mut Arc::make_mut(chunk)[index & (CHUNK - 1)]
    }

    /// Puts `value` in a new slot at the end.
    pub(crate) fn push(&mut self, value: T) {
        if self.len.is_multiple_of(CHUNK) {
            self.chunks.push(Arc::new(std::array::from_fn(|_| None)));
        }
        *self.slot_mut(self.len) = Some(value);
        self.len += 1;
    }

    /// The value in slot `index`, its chunk copied first if a clone shares it.
    pub(crate) fn get_mut(&mut self, index: usize) -> Option<&mut T> {
        if index >= self.len {
            return None;
        }
        self.slot_mut(index).as_mut()
    }

    /// Slot `index` (below [`Chunked::len`]), to fill again after [`Chunked::take`].
    pub(crate) fn get_mut_slot(&mut self, index: usize) -> &mut Option<T> {
        self.slot_mut(index)
    }

    /// Empties slot `index`, returning what it held.
    pub(crate) fn take(&mut self, index: usize) -> Option<T> {
        if index >= self.len {
            return None;
        }
        self.slot_mut(index).take()
    }
}

/// A hash map whose clones share its shards until one of them changes.
#[derive(Clone, Debug)]
pub(crate) struct Sharded<K, V> {
    shards: Arc<[Arc<HashMap<K, V>>]>,
    len: usize,
}

impl<K, V> Default for Sharded<K, V> {
    fn default() -> Self {
        Sharded {
            shards: (0..SHARDS).map(|_| Arc::new(HashMap::new())).collect(),
            len: 0,
        }
    }
}

/// The shard of a key: its hash under seeds fixed for the process, so that every clone of a
/// map (and every map) puts a key in the same shard.
fn shard_of<K: Hash + ?Sized>(key: &K) -> usize {
    static SEEDS: ahash::RandomState =
        ahash::RandomState::with_seeds(0x5851_f42d, 0x4c95_7f2d, 0x9e37_79b9, 0x7f4a_7c15);
    SEEDS.hash_one(key) as usize & (SHARDS - 1)
}

impl<K: Clone + Eq + Hash, V: Clone> Sharded<K, V> {
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn get(&self, key: &K) -> Option<&V> {
        self.shards[shard_of(key)].get(key)
    }

    /// The shard that holds (or would hold) `key`, copied first if a clone shares it.
    fn shard_mut(&mut self, key: &K) -> &mut HashMap<K, V> {
        if Arc::get_mut(&mut self.shards).is_none() {
            self.shards = self.shards.iter().cloned().collect();
        }
        let shards = Arc::get_mut(&mut self.shards).expect("a list of shards of its own");
        Arc::make_mut(&mut shards[shard_of(key)])
    }

    pub(crate) fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        // Looked up first: a key that is not there copies no shard.
        self.get(key)?;
        self.shard_mut(key).get_mut(key)
    }

    pub(crate) fn insert(&mut self, key: K, value: V) {
        if self.shard_mut(&key).insert(key, value).is_none() {
            self.len += 1;
        }
    }

    pub(crate) fn remove(&mut self, key: &K) -> Option<V> {
        self.get(key)?; // as in `get_mut`
        let removed = self.shard_mut(key).remove(key);
        self.len -= usize::from(removed.is_some());
        removed
    }

    /// Heap bytes held (as [`map_bytes`] counts them), counting shared shards in full.
    pub(crate) fn heap_bytes(&self, each: impl Fn(&K, &V) -> usize) -> usize {
        self.shards.len() * std::mem::size_of::<Arc<HashMap<K, V>>>()
            + self
                .shards
                .iter()
                .map(|shard| map_bytes(shard, &each))
                .sum::<usize>()
    }
}

/// Keys above which a [`SplitMap`] splits into shards.
const SPLIT_ABOVE: usize = 4096;

/// A hash map, one table while small, in [`SHARDS`] shared shards once it holds more than
/// [`SPLIT_ABOVE`] keys (and from then on).
#[derive(Clone, Debug)]
pub(crate) enum SplitMap<K, V> {
    Flat(ahash::AHashMap<K, V>),
    Split(Arc<[Arc<ahash::AHashMap<K, V>>]>),
}

impl<K, V> Default for SplitMap<K, V> {
    fn default() -> Self {
        SplitMap::Flat(ahash::AHashMap::new())
    }
}

impl<K: Clone + Eq + Hash, V: Clone> SplitMap<K, V> {
    /// The value of `key`.
    #[inline]
    pub(crate) fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        match self {
            SplitMap::Flat(map) => map.get(key),
            SplitMap::Split(shards) => shards[shard_of(key)].get(key),
        }
    }

    /// The one table, while the map is not split.
    #[inline]
    pub(crate) fn flat(&self) -> Option<&ahash::AHashMap<K, V>> {
        match self {
            SplitMap::Flat(map) => Some(map),
            SplitMap::Split(_) => None,
        }
    }

    /// The table that holds (or would hold) `key`, copied first if a clone shares it.
    fn table_mut<Q>(&mut self, key: &Q) -> &mut ahash::AHashMap<K, V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        match self {
            SplitMap::Flat(map) => map,
            SplitMap::Split(shards) => {
                if Arc::get_mut(shards).is_none() {
                    *shards = shards.iter().cloned().collect();
                }
                let shards = Arc::get_mut(shards).expect("a list of shards of its own");
                Arc::make_mut(&mut shards[shard_of(key)])
            }
        }
    }

    /// The value of `key`, changeable (its table copied first if shared).
    pub(crate) fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        // Looked up first: a key that is not there copies no shard.
        self.get(key)?;
        self.table_mut(key).get_mut(key)
    }

    /// The value of `key`, made `new()` first if there is none.
    pub(crate) fn get_or_insert_with(&mut self, key: K, new: impl FnOnce() -> V) -> &mut V {
        if let SplitMap::Flat(map) = self {
            if map.len() >= SPLIT_ABOVE && !map.contains_key(&key) {
                let mut shards: Vec<ahash::AHashMap<K, V>> =
                    (0..SHARDS).map(|_| ahash::AHashMap::new()).collect();
                for (k, v) in map.drain() {
                    shards[shard_of(&k)].insert(k, v);
                }
                *self = SplitMap::Split(shards.into_iter().map(Arc::new).collect());
            }
        }
        self.table_mut(&key).entry(key).or_insert_with(new)
    }

    /// Takes `key` out, returning its value.
    pub(crate) fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.get(key)?; // as in `get_mut`
        self.table_mut(key).remove(key)
    }

    /// Whether no key is left.
    pub(crate) fn is_empty(&self) -> bool {
        match self {
            SplitMap::Flat(map) => map.is_empty(),
            SplitMap::Split(shards) => shards.iter().all(|s| s.is_empty()),
        }
    }

    /// Heap bytes held (as [`map_bytes`] counts them), counting shared shards in full.
    pub(crate) fn heap_bytes(&self, each: impl Fn(&K, &V) -> usize) -> usize {
        match self {
            SplitMap::Flat(map) => map_bytes(map, each),
            SplitMap::Split(shards) => {
                shards.len() * std::mem::size_of::<Arc<ahash::AHashMap<K, V>>>()
                    + shards.iter().map(|s| map_bytes(s, &each)).sum::<usize>()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_copies_the_one_chunk_it_touches() {
        let mut a = Chunked::default();
        for i in 0..3 * CHUNK + 5 {
            a.push(i);
        }
        let b = a.clone();
        assert_eq!(a.take(CHUNK + 7), Some(CHUNK + 7));
        assert_eq!(a.take(CHUNK + 7), None);
        assert_eq!(a.take(3 * CHUNK + 5), None, "past the end");
        a.push(0);
        assert_eq!(
            (a.get(CHUNK + 7), b.get(CHUNK + 7)),
            (None, Some(&(CHUNK + 7)))
        );
        assert_eq!((a.len(), b.len()), (3 * CHUNK + 6, 3 * CHUNK + 5));
        assert_eq!(
            (a.get(3 * CHUNK + 5), b.get(3 * CHUNK + 5)),
            (Some(&0), None)
        );
        let shared: Vec<bool> = (0..4)
            .map(|c| Arc::ptr_eq(&a.chunks[c], &b.chunks[c]))
            .collect();
        assert_eq!(shared, [true, false, true, false]);
        assert!(a
            .iter()
            .copied()
            .eq((0..3 * CHUNK + 5).filter(|&i| i != CHUNK + 7).chain([0])));
    }

    #[test]
    fn a_change_copies_the_one_shard_it_touches() {
        let mut a = Sharded::default();
        for i in 0..1000 {
            a.insert(i.to_string(), i);
        }
        let b = a.clone();
        a.insert("new".to_string(), -1);
        *a.get_mut(&"7".to_string()).unwrap() = 70;
        assert_eq!(a.remove(&"8".to_string()), Some(8));
        assert_eq!(a.remove(&"8".to_string()), None);
        assert_eq!((a.len(), b.len()), (1000, 1000));
        assert_eq!(a.get(&"7".to_string()), Some(&70));
        assert_eq!(b.get(&"7".to_string()), Some(&7));
        assert_eq!(b.get(&"8".to_string()), Some(&8));
        let touched = ["new", "7", "8"].map(|k| shard_of(&k.to_string()));
        for (s, (x, y)) in a.shards.iter().zip(b.shards.iter()).enumerate() {
            assert_eq!(Arc::ptr_eq(x, y), !touched.contains(&s), "shard {s}");
        }
        let total: usize = a.shards.iter().map(|shard| shard.len()).sum();
        assert_eq!(total, 1000);
    }

    #[test]
    fn a_split_map_splits_when_large_and_its_clones_share_shards() {
        let mut map: SplitMap<u64, u64> = SplitMap::default();
        for k in 0..(SPLIT_ABOVE as u64 + 10) {
            *map.get_or_insert_with(k, || 0) += k;
        }
        assert!(
            matches!(map, SplitMap::Split(_)),
            "split past {SPLIT_ABOVE} keys"
        );
        let before = map.clone();
        *map.get_mut(&7).unwrap() = 70;
        assert_eq!(map.remove(&8), Some(8));
        assert_eq!((map.get(&7), map.get(&8)), (Some(&70), None));
        assert_eq!((before.get(&7), before.get(&8)), (Some(&7), Some(&8)));
        // The change copied the shards of 7 and 8, no other.
        let (SplitMap::Split(a), SplitMap::Split(b)) = (&map, &before) else {
            unreachable!()
        };
        let copied = a
            .iter()
            .zip(b.iter())
            .filter(|(x, y)| !Arc::ptr_eq(x, y))
            .count();
        assert!((1..=2).contains(&copied), "{copied} shards copied");
        for k in 0..(SPLIT_ABOVE as u64 + 10) {
            if k != 7 && k != 8 {
                assert_eq!(map.get(&k), Some(&k));
            }
        }
        assert!(!map.is_empty());
    }
}
