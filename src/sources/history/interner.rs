//! A compact numbering of blob ids and paths for the history index.

use std::borrow::Borrow;
use std::hash::{BuildHasher, Hash, RandomState};

use hashbrown::HashTable;

/// Distinct values numbered in order of arrival, with a lookup from value to
/// number. The lookup is a `hashbrown::HashTable` of numbers (hashed through
/// the items they name), 4 bytes a slot plus a control byte, rather than a
/// `HashMap<K, u32>` that would hold every key a second time: on a history of
/// a million blobs that is about 10 MB instead of about 50.
pub(super) struct Interner<K> {
    items: Vec<K>,
    numbers: HashTable<u32>,
    hasher: RandomState,
}

impl<K> Default for Interner<K> {
    fn default() -> Self {
        Interner {
            items: Vec::new(),
            numbers: HashTable::new(),
            hasher: RandomState::new(),
        }
    }
}

impl<K: Hash + Eq> Interner<K> {
    pub(super) fn len(&self) -> usize {
        self.items.len()
    }

    /// Every value, in the order of its number.
    pub(super) fn items(&self) -> &[K] {
        &self.items
    }

    pub(super) fn item(&self, number: u32) -> &K {
        &self.items[number as usize]
    }

    pub(super) fn get<Q>(&self, key: &Q) -> Option<u32>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = self.hasher.hash_one(key);
        self.numbers
            .find(hash, |&n| self.items[n as usize].borrow() == key)
            .copied()
    }

    /// Adds a value that [`get`](Self::get) did not find; returns its number.
    pub(super) fn insert(&mut self, key: K) -> u32 {
        let number = self.items.len() as u32;
        let (items, hasher) = (&self.items, &self.hasher);
        self.numbers
            .insert_unique(hasher.hash_one(&key), number, |&n| {
                hasher.hash_one(&items[n as usize])
            });
        self.items.push(key);
        number
    }
}
