//! The queue of wake-ups, earliest first.
//!
//! Wake-ups are ordered by (time, sequence number): the sequence number is
//! unique to each wake-up, so no two keys are equal and the order in which
//! wake-ups leave the queue is the same as any other priority queue over
//! the same keys would give.
//!
//! The queue is two four-ary min-heaps, and its earliest wake-up is the
//! earlier of their two tops. A wake-up due within a short horizon of the
//! time it was scheduled at goes in the near heap, any other in the far
//! one. A market holds a few participants who wake every few milliseconds
//! and thousands who wake a few times an hour: the frequent ones share the
//! small near heap, whose sifts are short, and seldom pass through the
//! large far heap. Four children to a node halve the depth of a binary
//! heap, and an agent's next wake usually replaces the one just taken at
//! the top of the same heap, so most operations are one sift down a
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
    /// Returns the wake-up's place in the order, as one number, so that a
    /// comparison needs no branch between its two parts.
    fn key(&self) -> u128 {
        u128::from(self.time.0) << 64 | u128::from(self.seq)
    }
}

/// How soon after it is scheduled a wake-up must be due to go in the near
/// heap: longer than the few tens of milliseconds between a market maker's
/// wakes, shorter than the pauses of most participants.
const NEAR_HORIZON: Nanos = Nanos::from_millis(100);

/// The wake-ups waiting, earliest first.
#[derive(Debug)]
pub(crate) struct WakeQueue {
    /// Wake-ups due within `horizon` of the time they were scheduled at.
    near: Heap,
    /// Every other wake-up.
    far: Heap,
    horizon: Nanos,
}

impl Default for WakeQueue {
    fn default() -> WakeQueue {
        WakeQueue::with_horizon(NEAR_HORIZON)
    }
}

impl WakeQueue {
    /// Starts an empty queue whose near heap takes the wake-ups due within
    /// `horizon` of the time they are scheduled at.
    pub(crate) fn with_horizon(horizon: Nanos) -> WakeQueue {
        WakeQueue { near: Heap::default(), far: Heap::default(), horizon }
    }

    /// Tells whether the earliest wake-up is at the top of the near heap.
    fn near_first(&self) -> bool {
        match (self.near.peek(), self.far.peek()) {
            (Some(near), Some(far)) => near.key() < far.key(),
            (near, _) => near.is_some(),
        }
    }

    /// Returns the earliest wake-up, if any.
    pub(crate) fn peek(&self) -> Option<&Wake> {
        if self.near_first() { self.near.peek() } else { self.far.peek() }
    }

    /// Tells whether no wake-up is waiting.
    pub(crate) fn is_empty(&self) -> bool {
        self.near.heap.is_empty() && self.far.heap.is_empty()
    }

    /// Forgets every wake-up.
    pub(crate) fn clear(&mut self) {
        self.near.heap.clear();
        self.far.heap.clear();
    }

    /// Tells whether a wake-up scheduled at `now` belongs in the near heap.
    fn is_near(&self, wake: &Wake, now: Nanos) -> bool {
        wake.time.0.saturating_sub(now.0) < self.horizon.0
    }

    /// Adds a wake-up scheduled at `now`.
    pub(crate) fn push(&mut self, wake: Wake, now: Nanos) {
        if self.is_near(&wake, now) { self.near.push(wake) } else { self.far.push(wake) }
    }

    /// Removes the earliest wake-up.
    pub(crate) fn pop(&mut self) -> Option<Wake> {
        if self.near_first() { self.near.pop() } else { self.far.pop() }
    }

    /// Replaces the earliest wake-up with `wake`, scheduled at the time of
    /// the one replaced; does nothing on an empty queue.
    pub(crate) fn replace_top(&mut self, wake: Wake) {
        let near_first = self.near_first();
        let Some(&top) = (if near_first { self.near.peek() } else { self.far.peek() }) else {
            return;
        };
        let near = self.is_near(&wake, top.time);
        match (near_first, near) {
            (true, true) => self.near.replace_top(wake),
            (false, false) => self.far.replace_top(wake),
            (true, false) => {
                self.near.pop();
                self.far.push(wake);
            }
            (false, true) => {
                self.far.pop();
                self.near.push(wake);
            }
        }
    }
}

const ARITY: usize = 4;

/// A four-ary min-heap of wake-ups.
#[derive(Debug, Default)]
struct Heap {
    heap: Vec<Wake>,
}

impl Heap {
    fn peek(&self) -> Option<&Wake> {
        self.heap.first()
    }

    fn push(&mut self, wake: Wake) {
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

    fn pop(&mut self) -> Option<Wake> {
        let last = self.heap.pop()?;
        if self.heap.is_empty() {
            return Some(last);
        }
        let top = self.heap[0];
        self.sift_down(last);
        Some(top)
    }

    fn replace_top(&mut self, wake: Wake) {
        if !self.heap.is_empty() {
            self.sift_down(wake);
        }
    }

    /// Puts `wake` in the place of the top and sifts it down to where it
    /// belongs.
    fn sift_down(&mut self, wake: Wake) {
        let len = self.heap.len();
        let key = wake.key();
        let mut i = 0;
        loop {
            let first = i * ARITY + 1;
            if first >= len {
                break;
            }
            let end = (first + ARITY).min(len);
            let mut least = first;
            let mut least_key = self.heap[first].key();
            for child in first + 1..end {
                let child_key = self.heap[child].key();
                if child_key < least_key {
                    least = child;
                    least_key = child_key;
                }
            }
            if least_key >= key {
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
        /// Any mix of pushes, pops and replacements of the top, near and
        /// far, gives the wake-ups in the order a binary heap of the same
        /// keys gives.
        #[test]
        fn wakes_leave_in_the_order_of_their_keys(
            ops in proptest::collection::vec((0u8..3, 0u64..50), 1..400),
        ) {
            let mut queue = WakeQueue::with_horizon(Nanos(10));
            let mut reference = BinaryHeap::new();
            let mut now = Nanos(0);
            for (seq, (op, delay)) in ops.into_iter().enumerate() {
                let wake = Wake { time: now + Nanos(delay), seq: seq as u64, agent: seq as u32 };
                match op {
                    0 => {
                        queue.push(wake, now);
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
                if let Some(&Reverse((time, _, _))) = reference.peek() {
                    now = now.max(time);
                }
            }
        }
    }
}
