//! Key sharing and account leasing: an account's API key in the hands of
//! an outside operator.
//!
//! Variants:
//!
//! - `distant_region`: one leased key, used by the operator from a cloud
//!   server abroad while its owner keeps trading from home, so the key is
//!   seen in two places farther apart than anyone can travel between its
//!   uses (the velocity and concurrency signals of identity products);
//! - `reseller`: several leased keys run by one operator from one cloud
//!   address with one unknown client tool;
//! - `behaviour_drift`: one key whose trading departs from its owner's
//!   history: another instrument, several times the owner's sizes, and
//!   immediate orders where the owner rests limit orders.
//!
//! A disguised operator routes through each owner's own region and kind of
//! network, copies the owner's client, instrument and sizes (a drifting
//! one keeps its drift, which is its signature), and trades in short
//! sessions separated by long pauses instead of all through its window.

use rand::Rng;

use super::Window;
use crate::access::Access;
use crate::agents::{Agent, Ctx};
use crate::exchange::OrderRequest;
use crate::truth::{AbuseKind, EpisodeHandle};
use crate::types::{AccountId, InstrumentId, KeyId, Nanos, OrderId, Qty};

/// The variants, in the order of the scenario's weights.
pub(crate) const VARIANTS: [&str; 3] = ["distant_region", "reseller", "behaviour_drift"];

/// Short sessions with long pauses between them: how a disguised operator
/// keeps out of the way.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sessions {
    pub(crate) length: Nanos,
    pub(crate) pause: Nanos,
}

/// One leased key as the operator uses it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Lease {
    /// The owner's access with the operator's address, region, network and
    /// client substituted.
    pub(crate) access: Access,
    /// The instrument the operator trades through this key.
    pub(crate) instrument: InstrumentId,
    /// Its order size relative to the instrument's typical size.
    pub(crate) size_multiplier: f64,
}

/// An outside operator trading through one or several leased keys.
pub(crate) struct KeySharingOperator {
    pub(crate) variant: &'static str,
    pub(crate) leases: Vec<Lease>,
    pub(crate) window: Window,
    pub(crate) order_gap: Nanos,
    /// Share of orders that take liquidity at once rather than rest.
    pub(crate) taker_share: f64,
    /// Whether immediate orders are market orders rather than
    /// immediate-or-cancel limits.
    pub(crate) market_orders: bool,
    /// `None` trades all through the window.
    pub(crate) sessions: Option<Sessions>,
    pub(crate) session_end: Nanos,
    pub(crate) episode: Option<EpisodeHandle>,
    pub(crate) open: Vec<(OrderId, Nanos, Access)>,
}

impl KeySharingOperator {
    fn cancel_due(&mut self, ctx: &mut Ctx<'_>, episode: EpisodeHandle, all: bool) {
        let now = ctx.now;
        let mut keep = Vec::with_capacity(self.open.len());
        for (order, due, access) in self.open.drain(..) {
            if due <= now || all {
                if ctx.cancel(access, order).is_some() {
                    ctx.truth.activity(episode, now);
                }
            } else if ctx.exchange.resting_qty(order).is_some() {
                keep.push((order, due, access));
            }
        }
        self.open = keep;
    }
}

impl Agent for KeySharingOperator {
    fn wake(&mut self, ctx: &mut Ctx<'_>) -> Option<Nanos> {
        let episode = *self.episode.get_or_insert_with(|| {
            let accounts: Vec<AccountId> = self.leases.iter().map(|l| l.access.account).collect();
            let keys: Vec<KeyId> =
                self.leases.iter().filter_map(|l| l.access.channel.key()).collect();
            ctx.truth.open(AbuseKind::KeySharing, self.variant, &accounts, &keys, ctx.now)
        });
        let now = ctx.now;
        let ended = now >= self.window.end;
        self.cancel_due(ctx, episode, ended);
        if ended {
            return None;
        }

        // Between sessions the operator clears what rests and stays away.
        if let Some(sessions) = self.sessions {
            if self.session_end == Nanos(0) {
                self.session_end = now + ctx.jitter(sessions.length, 0.5, 1.5);
            }
            if now >= self.session_end {
                self.cancel_due(ctx, episode, true);
                let back = now + ctx.exp(sessions.pause);
                self.session_end = back + ctx.jitter(sessions.length, 0.5, 1.5);
                return Some(back.min(self.window.end));
            }
        }

        let lease = self.leases[ctx.rng.random_range(0..self.leases.len())];
        let (access, instrument) = (lease.access, lease.instrument);
        let side = ctx.side();
        let qty = ctx.qty(instrument, lease.size_multiplier);
        let placed = if ctx.chance(self.taker_share) {
            if self.market_orders && ctx.touch(instrument).best(side.opposite()).is_some() {
                ctx.submit(access, OrderRequest::market(instrument, side, qty))
            } else {
                ctx.take(access, instrument, side, qty, 1)
            }
        } else {
            let price = ctx.passive_price(instrument, side);
            ctx.limit(access, instrument, side, price, qty)
        };
        if let Some(placed) = placed {
            ctx.truth.order(episode, placed.id, access.ip, now);
            if placed.resting > Qty::ZERO {
                let due = now + ctx.exp(Nanos::from_secs(20));
                self.open.push((placed.id, due, access));
            }
        } else if ctx.exchange.refused_by_controls() {
            // A key whitelist or an expiry kept the operator out: the
            // refusals are its public trace.
            ctx.truth.attempt(episode, access.ip, now);
        }

        let next = now + ctx.exp(self.order_gap);
        let due = self.open.iter().map(|&(_, d, _)| d).min();
        Some(due.map_or(next, |d| d.min(next)).min(self.window.end))
    }
}
