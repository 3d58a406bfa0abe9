//! Spoofing and layering: large orders on one side, placed to tilt the
//! book and cancelled before they can fill, while the same owner trades on
//! the other side (Commodity Exchange Act §4c(a)(5)(C); MAR Annex I).
//!
//! Variants:
//!
//! - `single_order`: one large order one tick behind the touch;
//! - `layering`: large orders over several levels (Tao, Day, Ling and
//!   Drapeau 2022 on multilevel spoof placement);
//! - `multi_account`: the owner spreads the large orders over several of
//!   its accounts and trades the genuine order from one of them, which
//!   plainly also holds the first large order.
//!
//! A disguised spoofer sizes its orders closer to normal depth (two and a
//! half to five typical sizes), leaves them resting for seconds after its
//! genuine fill instead of pulling them at once, keeps them where they
//! sometimes take small fills (at the touch), and, when it has several accounts, keeps the
//! genuine account free of large orders.

use super::Window;
use crate::access::Access;
use crate::agents::{Agent, Ctx};
use crate::truth::{AbuseKind, EpisodeHandle};
use crate::types::{AccountId, InstrumentId, KeyId, Nanos, OrderId, Price, Qty, Side};

/// The variants, in the order of the scenario's weights.
pub(crate) const VARIANTS: [&str; 3] = ["single_order", "layering", "multi_account"];

#[derive(Debug)]
struct SpoofCycle {
    genuine: OrderId,
    genuine_qty: Qty,
    spoofs: Vec<(OrderId, Access)>,
    deadline: Nanos,
    /// When the large orders are pulled, once the genuine order filled.
    pull_at: Option<Nanos>,
}

/// How a spoofer places and pulls its large orders.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SpoofStyle {
    pub(crate) layers: u32,
    /// Large-order size relative to the instrument's typical size.
    pub(crate) size_multiplier: f64,
    /// How long the genuine order waits to fill before everything is
    /// pulled.
    pub(crate) patience: Nanos,
    /// Mean wait between the genuine fill and pulling the large orders.
    pub(crate) pull_delay: Nanos,
    /// Whether the genuine order's account holds a large order too.
    pub(crate) genuine_account_spoofs: bool,
    /// Whether the first large order joins the touch rather than resting
    /// one tick behind it.
    pub(crate) at_touch: bool,
}

/// A spoofer: rests a small genuine order at the touch on one side, then
/// large orders on the other side to tilt the book. When the genuine order
/// fills, or its patience runs out, it pulls the large orders.
pub(crate) struct Spoofer {
    variant: &'static str,
    /// The owner's accounts; the first trades the genuine orders.
    accounts: Vec<Access>,
    instrument: InstrumentId,
    window: Window,
    style: SpoofStyle,
    episode: Option<EpisodeHandle>,
    cycle: Option<SpoofCycle>,
}

impl Spoofer {
    pub(crate) fn new(
        variant: &'static str,
        accounts: Vec<Access>,
        instrument: InstrumentId,
        window: Window,
        style: SpoofStyle,
    ) -> Spoofer {
        let style = SpoofStyle { layers: style.layers.max(1), ..style };
        Spoofer { variant, accounts, instrument, window, style, episode: None, cycle: None }
    }

    /// The account that holds large order `layer`.
    fn spoof_account(&self, layer: u32) -> Access {
        let n = self.accounts.len();
        if n == 1 {
            return self.accounts[0];
        }
        let skip = usize::from(!self.style.genuine_account_spoofs);
        let slots = n - skip;
        self.accounts[skip + layer as usize % slots]
    }

    fn begin(&mut self, ctx: &mut Ctx<'_>, episode: EpisodeHandle) {
        let touch = ctx.touch(self.instrument);
        let (Some(bid), Some(ask)) = (touch.bid, touch.ask) else { return };
        let genuine_side = ctx.side();
        let spoof_side = genuine_side.opposite();
        let now = ctx.now;

        // The large orders go in first, so the book already leans when the
        // genuine order arrives.
        let spoof_touch = match spoof_side {
            Side::Buy => bid,
            Side::Sell => ask,
        };
        // Plainly one tick behind the touch, where fills are rare; a
        // disguised spoofer joins the touch and takes the odd small fill.
        let behind = i64::from(!self.style.at_touch);
        let mut spoofs = Vec::new();
        for layer in 0..self.style.layers {
            let price = spoof_touch - spoof_side.sign() * (i64::from(layer) + behind);
            // Disguised sizes stay close to their multiple of normal depth.
            let sigma = if self.style.at_touch { 0.25 } else { 0.7 };
            let qty = ctx.qty_spread(self.instrument, self.style.size_multiplier, sigma);
            let access = self.spoof_account(layer);
            if let Some(placed) = ctx.limit(access, self.instrument, spoof_side, price, qty) {
                ctx.truth.order(episode, placed.id, access.ip, now);
                spoofs.push((placed.id, access));
            }
        }
        let genuine_price: Price = match genuine_side {
            Side::Buy => bid,
            Side::Sell => ask,
        };
        let qty = ctx.qty(self.instrument, 1.0);
        let genuine = self.accounts[0];
        if let Some(placed) = ctx.limit(genuine, self.instrument, genuine_side, genuine_price, qty)
        {
            ctx.truth.order(episode, placed.id, genuine.ip, now);
            let deadline = now + ctx.jitter(self.style.patience, 0.7, 1.3);
            self.cycle = Some(SpoofCycle {
                genuine: placed.id,
                genuine_qty: qty,
                spoofs,
                deadline,
                pull_at: None,
            });
        } else {
            for (id, access) in spoofs {
                if ctx.cancel(access, id).is_some() {
                    ctx.truth.activity(episode, now);
                }
            }
        }
    }
}

impl Agent for Spoofer {
    fn wake(&mut self, ctx: &mut Ctx<'_>) -> Option<Nanos> {
        let episode = *self.episode.get_or_insert_with(|| {
            let accounts: Vec<AccountId> = self.accounts.iter().map(|a| a.account).collect();
            let keys: Vec<KeyId> = self.accounts.iter().filter_map(|a| a.channel.key()).collect();
            ctx.truth.open(AbuseKind::Spoofing, self.variant, &accounts, &keys, ctx.now)
        });
        let now = ctx.now;

        let Some(cycle) = &mut self.cycle else {
            if now >= self.window.end {
                return None;
            }
            self.begin(ctx, episode);
            return Some(now + Nanos::from_millis(200));
        };

        let left = ctx.exchange.resting_qty(cycle.genuine).unwrap_or(Qty::ZERO);
        if left < cycle.genuine_qty && cycle.pull_at.is_none() {
            ctx.truth.payoff(episode, now);
            let delay = if self.style.pull_delay == Nanos(0) {
                Nanos(0)
            } else {
                ctx.jitter(self.style.pull_delay, 0.5, 1.5)
            };
            cycle.pull_at = Some(now + delay);
        }
        let pull = cycle.pull_at.map_or(now >= cycle.deadline, |t| now >= t);
        if pull {
            let genuine = (cycle.genuine, self.accounts[0]);
            for &(id, access) in cycle.spoofs.iter().chain([&genuine]) {
                if ctx.cancel(access, id).is_some() {
                    ctx.truth.activity(episode, now);
                }
            }
            self.cycle = None;
            return Some(now + ctx.exp(Nanos::from_secs(8)));
        }
        let next = now + Nanos::from_millis(200);
        Some(cycle.pull_at.map_or(next, |t| t.min(next)))
    }
}
