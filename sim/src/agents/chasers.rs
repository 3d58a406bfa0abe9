//! Trend chasers: honest retail traders who buy into a sharp rise of the
//! illiquid token and sell a few minutes later.
//!
//! They are the buyers a pump needs, and the one point where the honest
//! market reacts to a pump: a chaser watches only the public book (the mid
//! price now against a minute ago), never the ground truth or any abuser,
//! so it buys into every sharp rise alike, natural or manufactured. A
//! scenario with pumps builds them (`abuse.pump.chasers`); they are honest
//! in the ground truth.

use std::collections::VecDeque;

use super::honest::earliest;
use super::{Agent, Ctx};
use crate::access::Access;
use crate::exchange::OrderRequest;
use crate::integral::round_i64;
use crate::types::{InstrumentId, Nanos, Qty, Side};

/// How far back a chaser compares the mid price.
const LOOKBACK: Nanos = Nanos::from_secs(60);

/// The rise over the lookback that draws a chaser in, as a share of the
/// price, and the least number of ticks it must be.
const RISE_SHARE: f64 = 0.005;
const MIN_RISE_TICKS: i64 = 3;

/// A retail trader who chases sharp rises of one instrument.
pub(crate) struct TrendChaser {
    pub(crate) access: Access,
    pub(crate) instrument: InstrumentId,
    /// Mean time between looks at the market.
    pub(crate) check_gap: Nanos,
    /// Order size relative to the instrument's typical size.
    pub(crate) size_multiplier: f64,
    /// Chance of acting on a rise it sees.
    pub(crate) eagerness: f64,
    pub(crate) mids: VecDeque<(Nanos, i64)>,
    pub(crate) position: Qty,
    pub(crate) exit_at: Option<Nanos>,
}

impl Agent for TrendChaser {
    fn wake(&mut self, ctx: &mut Ctx<'_>) -> Option<Nanos> {
        let now = ctx.now;
        let touch = ctx.touch(self.instrument);
        let next = now + ctx.exp(self.check_gap);
        let (Some(bid), Some(ask)) = (touch.bid, touch.ask) else { return Some(next) };

        // Twice the mid, so that it stays in whole ticks.
        let mid2 = bid.0 + ask.0;
        self.mids.push_back((now, mid2));
        while self.mids.len() > 1 && self.mids[1].0 + LOOKBACK <= now {
            self.mids.pop_front();
        }
        let (then, then_mid2) = self.mids[0];

        if self.position > Qty::ZERO {
            if self.exit_at.is_some_and(|t| now >= t) {
                let req = OrderRequest::market(self.instrument, Side::Sell, self.position);
                if let Some(placed) = ctx.submit(self.access, req) {
                    self.position -= placed.filled;
                }
                if self.position <= Qty::ZERO {
                    self.position = Qty::ZERO;
                    self.exit_at = None;
                }
            }
            return Some(earliest(next, self.exit_at));
        }

        let rise = (mid2 - then_mid2) / 2;
        let needed = round_i64(mid2 as f64 / 2.0 * RISE_SHARE).max(MIN_RISE_TICKS);
        let looked_long_enough = now.saturating_sub(then) >= Nanos(LOOKBACK.0 / 2);
        if looked_long_enough && rise >= needed && ctx.chance(self.eagerness) {
            let qty = ctx.qty(self.instrument, self.size_multiplier);
            let req = OrderRequest::market(self.instrument, Side::Buy, qty);
            if let Some(placed) = ctx.submit(self.access, req)
                && placed.filled > Qty::ZERO
            {
                self.position = placed.filled;
                self.exit_at = Some(now + ctx.exp(Nanos::from_secs(150)));
            }
        }
        Some(next)
    }
}
