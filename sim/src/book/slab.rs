//! Storage for a book's resting orders: fixed-size chunks of nodes, with
//! the free slots chained through the nodes themselves.
//!
//! A slot number never changes while its order rests, so queues and the id
//! index refer to orders by slot. The slab grows one chunk at a time, never
//! by copying what it holds, so its spare room is at most one chunk however
//! many orders rest; a freed slot is reused before the slab grows. A free
//! slot holds a quantity of zero, which no resting order has, and links to
//! the next free slot through its `next` field.

use std::ops::{Index, IndexMut};

use super::{NIL, Node};
use crate::types::Qty;

/// Slots per chunk: a power of two, so that a slot splits into chunk and
/// offset with a shift and a mask. 1,024 nodes are 40 KiB.
const CHUNK_BITS: u32 = 10;
const CHUNK: usize = 1 << CHUNK_BITS;
const OFFSET_MASK: u32 = (CHUNK as u32) - 1;

#[derive(Clone, Debug)]
pub(super) struct Slab {
    chunks: Vec<Vec<Node>>,
    /// The most recently freed slot, or [`NIL`].
    free_head: u32,
    /// Slots ever handed out: the next slot when no free one is left.
    len: u32,
}

impl Slab {
    pub(super) fn new() -> Slab {
        Slab { chunks: Vec::new(), free_head: NIL, len: 0 }
    }

    /// Returns the slot the next [`Slab::insert`] will use.
    pub(super) fn next_slot(&self) -> u32 {
        if self.free_head == NIL { self.len } else { self.free_head }
    }

    /// Stores a node (whose quantity must be positive) and returns its slot.
    pub(super) fn insert(&mut self, node: Node) -> u32 {
        debug_assert!(node.qty > Qty::ZERO, "a resting node holds a positive quantity");
        if self.free_head != NIL {
            let slot = self.free_head;
            self.free_head = self[slot].next;
            self[slot] = node;
            return slot;
        }
        let slot = self.len;
        if slot as usize == self.chunks.len() * CHUNK {
            self.chunks.push(Vec::with_capacity(CHUNK));
        }
        if let Some(chunk) = self.chunks.last_mut() {
            chunk.push(node);
        }
        self.len += 1;
        slot
    }

    /// Frees a slot; its node must no longer be linked into any queue.
    pub(super) fn free(&mut self, slot: u32) {
        let head = self.free_head;
        let node = &mut self[slot];
        node.qty = Qty::ZERO;
        node.next = head;
        self.free_head = slot;
    }

    /// Returns the node in a slot, free or resting, if the slot was ever
    /// handed out.
    pub(super) fn get(&self, slot: u32) -> Option<&Node> {
        let chunk = self.chunks.get((slot >> CHUNK_BITS) as usize)?;
        chunk.get((slot & OFFSET_MASK) as usize)
    }

    /// Returns the number of slots ever handed out, free or resting.
    pub(super) fn slots(&self) -> usize {
        self.len as usize
    }

    /// Returns the free slots, most recently freed first. The walk stops
    /// after [`Slab::slots`] steps, so a corrupted chain cannot loop.
    pub(super) fn free_slots(&self) -> impl Iterator<Item = u32> + '_ {
        let mut slot = self.free_head;
        let mut steps = 0;
        std::iter::from_fn(move || {
            if slot == NIL || steps > self.slots() {
                return None;
            }
            steps += 1;
            let this = slot;
            slot = self.get(this).map_or(NIL, |n| n.next);
            Some(this)
        })
    }

    /// Returns the bytes the chunks take, counted from their capacity.
    pub(super) fn memory_bytes(&self) -> usize {
        let nodes: usize = self.chunks.iter().map(|c| c.capacity() * size_of::<Node>()).sum();
        nodes + self.chunks.capacity() * size_of::<Vec<Node>>()
    }
}

impl Default for Slab {
    fn default() -> Slab {
        Slab::new()
    }
}

impl Index<u32> for Slab {
    type Output = Node;

    fn index(&self, slot: u32) -> &Node {
        &self.chunks[(slot >> CHUNK_BITS) as usize][(slot & OFFSET_MASK) as usize]
    }
}

impl IndexMut<u32> for Slab {
    fn index_mut(&mut self, slot: u32) -> &mut Node {
        &mut self.chunks[(slot >> CHUNK_BITS) as usize][(slot & OFFSET_MASK) as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{OrderId, Price, Side};

    fn node(id: u64) -> Node {
        Node {
            id: OrderId(id),
            price: Price(1),
            qty: Qty(1),
            owner: 0,
            prev: NIL,
            next: NIL,
            side: Side::Buy,
        }
    }

    #[test]
    fn freed_slots_are_reused_last_freed_first() {
        let mut slab = Slab::new();
        let slots: Vec<u32> = (0..3).map(|id| slab.insert(node(id))).collect();
        assert_eq!(slots, vec![0, 1, 2]);
        slab.free(0);
        slab.free(2);
        assert_eq!(slab.free_slots().collect::<Vec<_>>(), vec![2, 0]);
        assert_eq!(slab.next_slot(), 2);
        assert_eq!(slab.insert(node(7)), 2);
        assert_eq!(slab[2].id, OrderId(7));
        assert_eq!(slab.insert(node(8)), 0);
        assert_eq!(slab.insert(node(9)), 3);
        assert_eq!(slab.slots(), 4);
    }

    #[test]
    fn growth_adds_a_chunk_without_moving_what_rests() {
        let mut slab = Slab::new();
        for id in 0..(CHUNK as u64 + 1) {
            slab.insert(node(id));
        }
        assert_eq!(slab.chunks.len(), 2);
        assert_eq!(slab[CHUNK as u32].id, OrderId(CHUNK as u64));
        assert_eq!(slab[5].id, OrderId(5));
        assert!(slab.get(CHUNK as u32 + 1).is_none());
    }
}
