//! The index from order id to slab slot.
//!
//! The table stores slots alone, four bytes and a control byte per bucket,
//! and finds an order by hashing the id it is asked for and comparing it
//! with the id of the node in each candidate slot. The ids themselves live
//! once, in the slab. Every call therefore takes the slab, which must hold
//! a resting node at every slot the index names.

use std::hash::BuildHasher;

use hashbrown::HashTable;
use hashbrown::hash_table::Entry;
use rustc_hash::FxBuildHasher;

use super::slab::Slab;
use crate::types::OrderId;

#[derive(Clone, Debug, Default)]
pub(super) struct IdIndex {
    table: HashTable<u32>,
}

fn hash(id: OrderId) -> u64 {
    FxBuildHasher.hash_one(id.0)
}

impl IdIndex {
    /// Returns the slot of a resting order.
    pub(super) fn get(&self, id: OrderId, slab: &Slab) -> Option<u32> {
        self.table.find(hash(id), |&slot| slab[slot].id == id).copied()
    }

    /// Records that `id` rests in `slot`, which the slab may fill only
    /// afterwards; returns `false`, changing nothing, when `id` already
    /// rests.
    pub(super) fn insert(&mut self, id: OrderId, slot: u32, slab: &Slab) -> bool {
        let entry = self.table.entry(hash(id), |&s| slab[s].id == id, |&s| hash(slab[s].id));
        match entry {
            Entry::Occupied(_) => false,
            Entry::Vacant(v) => {
                v.insert(slot);
                true
            }
        }
    }

    /// Forgets a resting order, whose node must still be in the slab, and
    /// returns its slot.
    pub(super) fn remove(&mut self, id: OrderId, slab: &Slab) -> Option<u32> {
        let entry = self.table.find_entry(hash(id), |&slot| slab[slot].id == id).ok()?;
        Some(entry.remove().0)
    }

    /// Returns the number of orders indexed.
    pub(super) fn len(&self) -> usize {
        self.table.len()
    }

    /// Returns the bytes of the table's allocation.
    pub(super) fn memory_bytes(&self) -> usize {
        self.table.allocation_size()
    }
}
