//! Wash trading: trades with no change of beneficial ownership (MAR Annex
//! I; Victor and Weintraud, WWW 2021, on rings whose net positions stay
//! near zero).
//!
//! One member rests a sell strictly inside the spread, so that nobody else
//! can meet it first, and the next member buys it at once with an
//! immediate-or-cancel order. The ring passes one size all the way round
//! before it draws the next, so every member ends each round where it
//! started. Variants:
//!
//! - `self_trade`: one account trading with itself (it needs self-trade
//!   prevention off);
//! - `pair`: two accounts of one owner;
//! - `ring`: three or more accounts passing volume round;
//! - `volume_inflation`: a ring that trades several times as fast, in
//!   larger sizes, to inflate the illiquid token's volume.
//!
//! A plain ring trades round sizes at the middle of the spread. A disguised
//! one jitters its timing (gaps several times longer and irregular) and its
//! sizes (each trade up to 15% off the round's size, and the resting side a
//! little larger than the taking one, so the resting order is never filled
//! exactly), prices
//! anywhere inside the spread, and mixes in small real trades with the
//! rest of the market.

use rand::Rng;

use super::Window;
use crate::access::Access;
use crate::agents::{Agent, Ctx};
use crate::exchange::OrderRequest;
use crate::integral::round_i64;
use crate::truth::{AbuseKind, EpisodeHandle};
use crate::types::{AccountId, InstrumentId, KeyId, Nanos, Price, Qty, Side};

/// The variants, in the order of the scenario's weights.
pub(crate) const VARIANTS: [&str; 4] = ["self_trade", "pair", "ring", "volume_inflation"];

/// A wash-trading ring on an illiquid instrument.
pub(crate) struct WashRing {
    pub(crate) variant: &'static str,
    pub(crate) members: Vec<Access>,
    pub(crate) instrument: InstrumentId,
    pub(crate) window: Window,
    pub(crate) trade_gap: Nanos,
    /// Wash-trade size relative to the instrument's typical size.
    pub(crate) size_multiplier: f64,
    pub(crate) volume_target: u32,
    pub(crate) disguised: bool,
    pub(crate) trades: u32,
    pub(crate) turn: usize,
    /// The size the ring is passing round this round.
    pub(crate) round_qty: Qty,
    pub(crate) episode: Option<EpisodeHandle>,
}

/// Rounds a size to a multiple of ten lots, never to zero.
fn round_lots(qty: Qty) -> Qty {
    Qty(((qty.0 + 5) / 10 * 10).max(10))
}

impl WashRing {
    /// A small real trade with the rest of the market, as cover.
    fn cover_trade(&mut self, ctx: &mut Ctx<'_>, episode: EpisodeHandle) {
        let member = self.members[ctx.rng.random_range(0..self.members.len())];
        let side = ctx.side();
        let qty = ctx.qty(self.instrument, 0.5);
        if let Some(placed) = ctx.take(member, self.instrument, side, qty, 0) {
            ctx.truth.order(episode, placed.id, member.ip, ctx.now);
        }
    }
}

impl Agent for WashRing {
    fn wake(&mut self, ctx: &mut Ctx<'_>) -> Option<Nanos> {
        let episode = *self.episode.get_or_insert_with(|| {
            let accounts: Vec<AccountId> = self.members.iter().map(|a| a.account).collect();
            let keys: Vec<KeyId> = self.members.iter().filter_map(|a| a.channel.key()).collect();
            ctx.truth.open(AbuseKind::WashTrading, self.variant, &accounts, &keys, ctx.now)
        });
        let now = ctx.now;
        if now >= self.window.end {
            return None;
        }
        if self.disguised && ctx.chance(0.3) {
            self.cover_trade(ctx, episode);
        }

        // Only a price strictly inside the spread guarantees that the two
        // orders meet each other and nobody else.
        let touch = ctx.touch(self.instrument);
        let (Some(bid), Some(ask)) = (touch.bid, touch.ask) else {
            return Some(now + Nanos::from_secs(1));
        };
        if ask.0 - bid.0 < 2 {
            // No room inside the spread: look again shortly.
            return Some(now + Nanos::from_secs(1));
        }

        let n = self.members.len();
        let seller = self.members[self.turn % n];
        let buyer = self.members[(self.turn + 1) % n];
        if self.turn.is_multiple_of(n) {
            let qty = ctx.qty(self.instrument, self.size_multiplier);
            self.round_qty = if self.disguised { qty } else { round_lots(qty) };
        }
        let (price, sell_qty, buy_qty) = if self.disguised {
            // Each trade a little off the round's size, and the resting
            // side a little larger than the taking one.
            let price = Price(ctx.rng.random_range(bid.0 + 1..ask.0));
            let jitter: f64 = ctx.rng.random_range(0.85..1.15);
            let buy = Qty(round_i64(self.round_qty.0 as f64 * jitter).max(1));
            let extra = ctx.rng.random_range(1..=(buy.0 / 4).max(1));
            (price, buy + Qty(extra), buy)
        } else {
            (Price((bid.0 + ask.0) / 2), self.round_qty, self.round_qty)
        };
        if let Some(sell) = ctx.limit(seller, self.instrument, Side::Sell, price, sell_qty) {
            ctx.truth.order(episode, sell.id, seller.ip, now);
            let buy =
                ctx.submit(buyer, OrderRequest::ioc(self.instrument, Side::Buy, price, buy_qty));
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
        let gap = if self.disguised {
            ctx.jitter(self.trade_gap, 1.5, 6.5)
        } else {
            ctx.exp(self.trade_gap)
        };
        Some(now + gap)
    }
}
