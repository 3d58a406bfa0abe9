//! Abusive participants. Each records its episode in the ground truth as it
//! acts: the accounts and keys involved, every order, the addresses used,
//! the first public evidence and, where there is one, the payoff.

use std::collections::VecDeque;

use rand::Rng;

use super::{Agent, Ctx};
use crate::access::Access;
use crate::exchange::OrderRequest;
use crate::truth::{AbuseKind, EpisodeHandle};
use crate::types::{AccountId, InstrumentId, KeyId, Nanos, OrderId, Price, Qty, Side};

/// The time window an abusive agent is active in.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Window {
    pub(crate) start: Nanos,
    pub(crate) end: Nanos,
}

/// An outside operator trading through API keys leased from their owners.
///
/// It connects from a cloud network in a region far from the owners, with a
/// tool the exchange does not recognise, while the owners keep trading from
/// home. One lease is the `distant_region` variant; several leases run from
/// one address are the `reseller` variant.
pub(crate) struct KeySharingOperator {
    /// The owners' accesses with the operator's address, region, network
    /// and client substituted.
    pub(crate) leases: Vec<Access>,
    pub(crate) window: Window,
    pub(crate) order_gap: Nanos,
    pub(crate) instrument: InstrumentId,
    pub(crate) size_multiplier: f64,
    pub(crate) episode: Option<EpisodeHandle>,
    pub(crate) open: Vec<(OrderId, Nanos, Access)>,
}

impl Agent for KeySharingOperator {
    fn wake(&mut self, ctx: &mut Ctx<'_>) -> Option<Nanos> {
        let episode = *self.episode.get_or_insert_with(|| {
            let accounts: Vec<AccountId> = self.leases.iter().map(|a| a.account).collect();
            let keys: Vec<KeyId> = self.leases.iter().filter_map(|a| a.channel.key()).collect();
            let variant = if self.leases.len() > 1 { "reseller" } else { "distant_region" };
            ctx.truth.open(AbuseKind::KeySharing, variant, &accounts, &keys, ctx.now)
        });

        let now = ctx.now;
        let ended = now >= self.window.end;
        let mut keep = Vec::with_capacity(self.open.len());
        for (order, due, access) in self.open.drain(..) {
            if due <= now || ended {
                if ctx.cancel(access, order).is_some() {
                    ctx.truth.activity(episode, now);
                }
            } else if ctx.exchange.resting_qty(order).is_some() {
                keep.push((order, due, access));
            }
        }
        self.open = keep;
        if ended {
            return None;
        }

        let access = self.leases[ctx.rng.random_range(0..self.leases.len())];
        let side = ctx.side();
        let qty = ctx.qty(self.instrument, self.size_multiplier);
        let placed = if ctx.chance(0.5) {
            ctx.take(access, self.instrument, side, qty, 1)
        } else {
            let price = ctx.passive_price(self.instrument, side);
            ctx.limit(access, self.instrument, side, price, qty)
        };
        if let Some(placed) = placed {
            ctx.truth.order(episode, placed.id, access.ip, now);
            if placed.resting > Qty::ZERO {
                let due = now + ctx.exp(Nanos::from_secs(20));
                self.open.push((placed.id, due, access));
            }
        }

        let next = now + ctx.exp(self.order_gap);
        let due = self.open.iter().map(|&(_, d, _)| d).min();
        Some(due.map_or(next, |d| d.min(next)).min(self.window.end))
    }
}

#[derive(Debug)]
struct SpoofCycle {
    genuine: OrderId,
    genuine_qty: Qty,
    spoofs: Vec<OrderId>,
    deadline: Nanos,
}

/// A spoofer: rests a small genuine order at the touch on one side, then
/// large orders on the other side (one near the touch, or several levels
/// when layering) to tilt the book. When the genuine order fills, or its
/// patience runs out, it pulls the large orders.
pub(crate) struct Spoofer {
    pub(crate) access: Access,
    pub(crate) instrument: InstrumentId,
    pub(crate) window: Window,
    pub(crate) layers: u32,
    pub(crate) spoof_size_multiplier: f64,
    pub(crate) patience: Nanos,
    pub(crate) episode: Option<EpisodeHandle>,
    cycle: Option<SpoofCycle>,
}

impl Spoofer {
    pub(crate) fn new(
        access: Access,
        instrument: InstrumentId,
        window: Window,
        layers: u32,
        spoof_size_multiplier: f64,
        patience: Nanos,
    ) -> Spoofer {
        Spoofer {
            access,
            instrument,
            window,
            layers: layers.max(1),
            spoof_size_multiplier,
            patience,
            episode: None,
            cycle: None,
        }
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
        let mut spoofs = Vec::new();
        for layer in 0..self.layers {
            let price = spoof_touch - spoof_side.sign() * i64::from(layer);
            let qty = ctx.qty(self.instrument, self.spoof_size_multiplier);
            if let Some(placed) = ctx.limit(self.access, self.instrument, spoof_side, price, qty) {
                ctx.truth.order(episode, placed.id, self.access.ip, now);
                spoofs.push(placed.id);
            }
        }
        let genuine_price: Price = match genuine_side {
            Side::Buy => bid,
            Side::Sell => ask,
        };
        let qty = ctx.qty(self.instrument, 1.0);
        if let Some(placed) =
            ctx.limit(self.access, self.instrument, genuine_side, genuine_price, qty)
        {
            ctx.truth.order(episode, placed.id, self.access.ip, now);
            let deadline = now + ctx.jitter(self.patience, 0.7, 1.3);
            self.cycle =
                Some(SpoofCycle { genuine: placed.id, genuine_qty: qty, spoofs, deadline });
        } else {
            for id in spoofs {
                ctx.cancel(self.access, id);
            }
        }
    }
}

impl Agent for Spoofer {
    fn wake(&mut self, ctx: &mut Ctx<'_>) -> Option<Nanos> {
        let episode = *self.episode.get_or_insert_with(|| {
            let keys: Vec<KeyId> = self.access.channel.key().into_iter().collect();
            let variant = if self.layers > 1 { "layering" } else { "single_order" };
            ctx.truth.open(AbuseKind::Spoofing, variant, &[self.access.account], &keys, ctx.now)
        });
        let now = ctx.now;

        let Some(cycle) = &self.cycle else {
            if now >= self.window.end {
                return None;
            }
            self.begin(ctx, episode);
            return Some(now + Nanos::from_millis(200));
        };

        let left = ctx.exchange.resting_qty(cycle.genuine).unwrap_or(Qty::ZERO);
        let filled = left < cycle.genuine_qty;
        if filled {
            ctx.truth.payoff(episode, now);
        }
        if filled || now >= cycle.deadline {
            let access = self.access;
            for &id in cycle.spoofs.iter().chain([&cycle.genuine]) {
                if ctx.cancel(access, id).is_some() {
                    ctx.truth.activity(episode, now);
                }
            }
            self.cycle = None;
            return Some(now + ctx.exp(Nanos::from_secs(8)));
        }
        Some(now + Nanos::from_millis(200))
    }
}

/// A wash-trading ring on an illiquid instrument: one member rests a sell
/// inside the spread and the next member buys it at once with an
/// immediate-or-cancel order. A ring of one account trades with itself.
pub(crate) struct WashRing {
    pub(crate) members: Vec<Access>,
    pub(crate) instrument: InstrumentId,
    pub(crate) window: Window,
    pub(crate) trade_gap: Nanos,
    pub(crate) volume_target: u32,
    pub(crate) trades: u32,
    pub(crate) turn: usize,
    pub(crate) episode: Option<EpisodeHandle>,
}

impl Agent for WashRing {
    fn wake(&mut self, ctx: &mut Ctx<'_>) -> Option<Nanos> {
        let episode = *self.episode.get_or_insert_with(|| {
            let accounts: Vec<AccountId> = self.members.iter().map(|a| a.account).collect();
            let keys: Vec<KeyId> = self.members.iter().filter_map(|a| a.channel.key()).collect();
            let variant = match self.members.len() {
                1 => "self_trade",
                2 => "pair",
                _ => "ring",
            };
            ctx.truth.open(AbuseKind::WashTrading, variant, &accounts, &keys, ctx.now)
        });
        let now = ctx.now;
        if now >= self.window.end {
            return None;
        }

        // Only a price strictly inside the spread guarantees that the two
        // orders meet each other and nobody else.
        let touch = ctx.touch(self.instrument);
        if let (Some(bid), Some(ask)) = (touch.bid, touch.ask)
            && ask.0 - bid.0 >= 2
        {
            let n = self.members.len();
            let seller = self.members[self.turn % n];
            let buyer = self.members[(self.turn + 1) % n];
            let price = Price(ctx.rng.random_range(bid.0 + 1..ask.0));
            let qty = ctx.qty(self.instrument, 2.0);
            if let Some(sell) = ctx.limit(seller, self.instrument, Side::Sell, price, qty) {
                ctx.truth.order(episode, sell.id, seller.ip, now);
                let buy =
                    ctx.submit(buyer, OrderRequest::ioc(self.instrument, Side::Buy, price, qty));
                if let Some(buy) = buy {
                    ctx.truth.order(episode, buy.id, buyer.ip, now);
                    if buy.filled > Qty::ZERO {
                        self.trades += 1;
                        if self.trades == self.volume_target {
                            ctx.truth.payoff(episode, now);
                        }
                    }
                }
                if ctx.cancel(seller, sell.id).is_some() {
                    ctx.truth.activity(episode, now);
                }
            }
            self.turn += 1;
        }
        Some(now + ctx.exp(self.trade_gap))
    }
}

/// A micro-order burster: in each burst, floods one book with minimum-size
/// orders a few ticks behind the touch and cancels each within tens of
/// milliseconds.
pub(crate) struct MicroBurster {
    pub(crate) access: Access,
    pub(crate) instrument: InstrumentId,
    pub(crate) first_burst: Nanos,
    pub(crate) bursts_left: u32,
    pub(crate) burst_length: Nanos,
    pub(crate) order_gap: Nanos,
    pub(crate) burst_end: Option<Nanos>,
    pub(crate) open: VecDeque<(OrderId, Nanos)>,
    pub(crate) episode: Option<EpisodeHandle>,
}

impl Agent for MicroBurster {
    fn wake(&mut self, ctx: &mut Ctx<'_>) -> Option<Nanos> {
        let episode = *self.episode.get_or_insert_with(|| {
            let keys: Vec<KeyId> = self.access.channel.key().into_iter().collect();
            let variant = if self.bursts_left > 1 { "repeated_bursts" } else { "single_burst" };
            ctx.truth.open(AbuseKind::MicroBurst, variant, &[self.access.account], &keys, ctx.now)
        });
        let now = ctx.now;

        while let Some(&(order, due)) = self.open.front() {
            if due > now {
                break;
            }
            self.open.pop_front();
            if ctx.cancel(self.access, order).is_some() {
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

        if in_burst {
            let side = ctx.side();
            let behind = ctx.rng.random_range(3..12);
            let price = ctx.passive_price(self.instrument, side) - side.sign() * behind;
            let qty = ctx.instrument(self.instrument).spec.min_qty;
            if price.0 > 0
                && let Some(placed) = ctx.limit(self.access, self.instrument, side, price, qty)
            {
                ctx.truth.order(episode, placed.id, self.access.ip, now);
                let life = Nanos::from_millis(ctx.rng.random_range(2..40));
                self.open.push_back((placed.id, now + life));
            }
            let next = now + ctx.exp(self.order_gap);
            return Some(self.open.front().map_or(next, |&(_, due)| due.min(next)));
        }

        if self.burst_end.is_some() {
            // The burst is over: clear what is left, then rest before the next.
            if let Some(&(_, due)) = self.open.front() {
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
