//! The queue of wake-ups, earliest first.
//!
//! A four-ary min-heap ordered by (time, sequence number): the sequence
//! number is unique to each wake-up, so no two keys are equal and the order
//! in which wake-ups leave the queue is the same as any other priority
//! queue over the same keys would give. Four children to a node halve the
//! depth of a binary heap, and the agent's next wake usually replaces the
//! one just taken at the top, so most operations are one sift down a
//! shallow tree.

use crate::types::Nanos;

/// One agent's next wake-up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Wake {
    /// When the agent wakes.
    pub(crate) time: Nanos,
    /// The order in which wake-ups were scheduled, which breaks ties.
    pub(crate) seq: u64,
    /// The agent's index.
    pub(crate) agent: u32,
}

impl Wake {
    fn key(&self) -> (Nanos, u64) {
        (self.time, self.seq)
    }
}

const ARITY: usize = 4;

/// The wake-ups waiting, earliest first.
#[derive(Debug, Default)]
pub(crate) struct WakeQueue {
    heap: Vec<Wake>,
}

impl WakeQueue {
    /// Returns the earliest wake-up, if any.
    pub(crate) fn peek(&self) -> Option<&Wake> {
        self.heap.first()
    }

    /// Tells whether no wake-up is waiting.
    pub(crate) fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Forgets every wake-up.
    pub(crate) fn clear(&mut self) {
        self.heap.clear();
    }

    /// Adds a wake-up.
    pub(crate) fn push(&mut self, wake: Wake) {
        let mut i = self.heap.len();
        self.heap.push(wake);
        while i > 0 {
            let parent = (i - 1) / ARITY;
            if self.heap[parent].key() <= wake.key() {
                break;
            }
            self.heap[i] = self.heap[parent];
            i = parent;
        }
        self.heap[i] = wake;
    }

    /// Removes the earliest wake-up.
    pub(crate) fn pop(&mut self) -> Option<Wake> {
        let last = self.heap.pop()?;
        if self.heap.is_empty() {
            return Some(last);
        }
        let top = self.heap[0];
        self.sift_down(last);
        Some(top)
    }

    /// Replaces the earliest wake-up with `wake`; does nothing on an empty
    /// queue.
    pub(crate) fn replace_top(&mut self, wake: Wake) {
        if !self.heap.is_empty() {
            self.sift_down(wake);
        }
    }

    /// Puts `wake` in the place of the top and sifts it down to where it
    /// belongs.
    fn sift_down(&mut self, wake: Wake) {
        let len = self.heap.len();
        let mut i = 0;
        loop {
            let first = i * ARITY + 1;
            if first >= len {
                break;
            }
            let end = (first + ARITY).min(len);
            let mut least = first;
            for child in first + 1..end {
                if self.heap[child].key() < self.heap[least].key() {
                    least = child;
                }
            }
            if self.heap[least].key() >= wake.key() {
                break;
            }
            self.heap[i] = self.heap[least];
            i = least;
        }
        self.heap[i] = wake;
    }
}

#[cfg(test)]
mod tests {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;

    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Any mix of pushes, pops and replacements of the top gives the
        /// wake-ups in the order a binary heap of the same keys gives.
        #[test]
        fn wakes_leave_in_the_order_of_their_keys(
            ops in proptest::collection::vec((0u8..3, 0u64..50), 1..400),
        ) {
            let mut queue = WakeQueue::default();
            let mut reference = BinaryHeap::new();
            for (seq, (op, time)) in ops.into_iter().enumerate() {
                let wake = Wake { time: Nanos(time), seq: seq as u64, agent: seq as u32 };
                match op {
                    0 => {
                        queue.push(wake);
                        reference.push(Reverse((wake.time, wake.seq, wake.agent)));
                    }
                    1 => {
                        let got = queue.pop().map(|w| (w.time, w.seq, w.agent));
                        prop_assert_eq!(got, reference.pop().map(|r| r.0));
                    }
                    _ => {
                        if let Some(mut top) = reference.peek_mut() {
                            *top = Reverse((wake.time, wake.seq, wake.agent));
                        }
                        queue.replace_top(wake);
                    }
                }
                let top = queue.peek().map(|w| (w.time, w.seq, w.agent));
                prop_assert_eq!(top, reference.peek().map(|r| r.0));
            }
        }
    }
}
