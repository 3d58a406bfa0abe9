//! Micro-order bursts and quote stuffing: abrupt floods of tiny orders,
//! each cancelled within milliseconds (Egginton, Van Ness and Van Ness,
//! "Quote Stuffing", 2016).
//!
//! Variants:
//!
//! - `single_key`: bursts of minimum-size orders a few ticks behind the
//!   touch from one key;
//! - `quote_stuffing`: longer bursts sent several times as fast, at and
//!   just behind the touch, that flood the book;
//! - `multi_key`: one operator's bursts spread over a few of its keys, sent
//!   from one address.
//!
//! A disguised burster sizes its orders a few lots above the minimum, and
//! a disguised `multi_key` operator spreads its bursts over so many keys
//! that no one key sends many messages a second.

use std::collections::VecDeque;

use rand::Rng;

use crate::access::Access;
use crate::agents::{Agent, Ctx};
use crate::truth::{AbuseKind, EpisodeHandle};
use crate::types::{AccountId, InstrumentId, KeyId, Nanos, OrderId, Qty};

/// The variants, in the order of the scenario's weights.
pub(crate) const VARIANTS: [&str; 3] = ["single_key", "quote_stuffing", "multi_key"];

/// A micro-order burster.
pub(crate) struct MicroBurster {
    pub(crate) variant: &'static str,
    /// The operator's keys; orders go out through them in turn.
    pub(crate) keys: Vec<Access>,
    pub(crate) instrument: InstrumentId,
    pub(crate) first_burst: Nanos,
    pub(crate) bursts_left: u32,
    pub(crate) burst_length: Nanos,
    pub(crate) order_gap: Nanos,
    /// How far behind the touch orders go, in ticks: `lo..hi`.
    pub(crate) behind: (i64, i64),
    /// Lots above the instrument's minimum size: `0` for the minimum.
    pub(crate) extra_lots: (i64, i64),
    pub(crate) burst_end: Option<Nanos>,
    pub(crate) open: VecDeque<(OrderId, Nanos, Access)>,
    pub(crate) next_key: usize,
    /// When the next order of the burst goes out; cancels fall due in
    /// between.
    pub(crate) next_order: Nanos,
    pub(crate) episode: Option<EpisodeHandle>,
}

impl Agent for MicroBurster {
    fn wake(&mut self, ctx: &mut Ctx<'_>) -> Option<Nanos> {
        let episode = *self.episode.get_or_insert_with(|| {
            let accounts: Vec<AccountId> = self.keys.iter().map(|a| a.account).collect();
            let keys: Vec<KeyId> = self.keys.iter().filter_map(|a| a.channel.key()).collect();
            ctx.truth.open(AbuseKind::MicroBurst, self.variant, &accounts, &keys, ctx.now)
        });
        let now = ctx.now;

        while let Some(&(order, due, access)) = self.open.front() {
            if due > now {
                break;
            }
            self.open.pop_front();
            if ctx.cancel(access, order).is_some() {
                ctx.truth.activity(episode, now);
            }
        }

        let in_burst = match self.burst_end {
            Some(end) => now < end,
            None if self.bursts_left > 0 && now >= self.first_burst => {
                self.bursts_left -= 1;
                self.burst_end = Some(now + ctx.jitter(self.burst_length, 0.5, 1.5));
                true
            }
            None => false,
        };

        if in_burst && now < self.next_order {
            return Some(
                self.open.front().map_or(self.next_order, |&(_, due, _)| due.min(self.next_order)),
            );
        }
        if in_burst {
            let access = self.keys[self.next_key % self.keys.len()];
            self.next_key += 1;
            let side = ctx.side();
            let behind = ctx.rng.random_range(self.behind.0..self.behind.1);
            let price = ctx.passive_price(self.instrument, side) - side.sign() * behind;
            let spec = &ctx.instrument(self.instrument).spec;
            let (min, max) = (spec.min_qty, spec.max_qty);
            let extra = ctx.rng.random_range(self.extra_lots.0..=self.extra_lots.1);
            let qty = Qty((min.0 + extra).min(max.0));
            if price.0 > 0
                && let Some(placed) = ctx.limit(access, self.instrument, side, price, qty)
            {
                ctx.truth.order(episode, placed.id, access.ip, now);
                let life = Nanos::from_millis(ctx.rng.random_range(2..40));
                self.open.push_back((placed.id, now + life, access));
            }
            let next = now + ctx.exp(self.order_gap);
            self.next_order = next;
            return Some(self.open.front().map_or(next, |&(_, due, _)| due.min(next)));
        }

        if self.burst_end.is_some() {
            // The burst is over: clear what is left, then rest before the next.
            if let Some(&(_, due, _)) = self.open.front() {
                return Some(due);
            }
            self.burst_end = None;
            if self.bursts_left == 0 {
                return None;
            }
            self.first_burst = now + Nanos::from_secs(ctx.rng.random_range(30..120));
        }
        Some(self.first_burst)
    }
}
