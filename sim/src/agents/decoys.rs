//! Decoys: honest participants built to look like abusers.
//!
//! Each decoy trades honestly, and the population labels it in the ground
//! truth with the [`DecoyKind`](crate::truth::DecoyKind) it resembles, so
//! that a detector's false flags can be traced to their cause. No decoy
//! reads or writes the ground truth while it trades, and, like every agent,
//! each draws only from its own random stream.
//!
//! - A [`DeepBookMaker`] quotes a ladder at the touch, requoting as the
//!   book moves, and rests a large order beyond its ladder that it moves
//!   with the touch: large orders cancelled unfilled just after a fill on
//!   the other side, the trace a spoofing rule looks for.
//! - A [`SessionTrader`] trades like a retail trader from an access that
//!   follows a [`Route`]: a plausible itinerary between regions (a
//!   traveller), one office address shared with colleagues, or a VPN exit
//!   shared with strangers that the VPN client now and then swaps for
//!   another country's, which looks like impossible travel.
//! - A [`JumpBurster`] watches the external reference price and, when it
//!   jumps, sprays a burst of immediate-or-cancel orders of one or two
//!   minimum sizes: the message rate and order size of quote stuffing.
//! - A [`RoundLotQuoter`] and a [`RoundLotTaker`] are strangers who favour
//!   the same round size on the busiest instrument: one keeps it resting at
//!   the best price, stepping inside the spread when it opens, and the other
//!   takes any best level that shows exactly that size, so they fill each
//!   other exactly, again and again, as a wash-trading pair would.
//!
//! Institutions need no agent of their own: each of a firm's accounts runs
//! an execution algorithm, and the population gives them one address, one
//! cloud region and one in-house tool.

use rand::Rng;
use rand_distr::{Distribution, Exp};

use super::honest::{
    OpenOrders, earliest, place_retail_order, retail_session_gap, retail_session_orders,
};
use super::{Agent, Ctx};
use crate::access::{Access, Ip, Network, REGIONS, RegionId};
use crate::agents::population::IpPlan;
use crate::config::{MarketMakerConfig, RetailConfig};
use crate::exchange::OrderRequest;
use crate::integral::round_i64;
use crate::rng::Stream;
use crate::types::{InstrumentId, Nanos, OrderId, Price, Qty, Side};

/// How many ticks beyond its outermost ladder level a deep-book maker
/// rests its large order.
const DEEP_OFFSET_TICKS: i64 = 2;

/// The size of a deep-book maker's large order relative to the
/// instrument's typical size.
const DEEP_SIZE_MULTIPLIER: f64 = 12.0;

/// How far, in ticks, a deep-book maker lets its large order stray from
/// where it wants it before moving it.
const DEEP_TOLERANCE_TICKS: i64 = 1;

/// How many typical orders others must rest at a price before a deep-book
/// maker joins it.
const JOIN_DEPTH: f64 = 3.0;

/// A resting order of a deep-book maker.
#[derive(Clone, Copy, Debug)]
struct BookQuote {
    id: OrderId,
    side: Side,
    price: Price,
    known_qty: Qty,
    large: bool,
}

/// A market maker that quotes where the book trades rather than around the
/// external reference: its ladder joins the best price where others already
/// rest some size, on each side, and steps back from it, the side that
/// would add to its inventory shifted further back. Beyond the ladder it rests one large order on each side
/// to show depth, and rests it afresh whenever the touch has moved or the
/// maker has had a fill, so that large orders are pulled unfilled all
/// session long, many of them moments after a fill on the other side.
pub(crate) struct DeepBookMaker {
    cfg: MarketMakerConfig,
    access: Access,
    instrument: InstrumentId,
    quotes: Vec<BookQuote>,
    inventory: i64,
    /// The book's count of reductions when the maker last learned what is
    /// left of its orders; see [`Ctx::quotes_unchanged`].
    reductions_seen: Option<u64>,
    /// Room, kept between wakes so that a wake allocates nothing, for the
    /// ladder's prices on one side, for the orders kept, and for the
    /// orders missing (a price, and whether it is the large order).
    ladder: Vec<Price>,
    kept: Vec<BookQuote>,
    missing: Vec<(Price, bool)>,
}

impl DeepBookMaker {
    pub(crate) fn new(
        cfg: MarketMakerConfig,
        access: Access,
        instrument: InstrumentId,
    ) -> DeepBookMaker {
        DeepBookMaker {
            cfg,
            access,
            instrument,
            quotes: Vec::new(),
            inventory: 0,
            reductions_seen: None,
            ladder: Vec::new(),
            kept: Vec::new(),
            missing: Vec::new(),
        }
    }

    /// Returns the price the maker's ladder starts from on one side: the
    /// best level where others rest at least [`JOIN_DEPTH`] typical orders,
    /// so that it never stands alone beside a small order that has just
    /// improved the price; failing that, the best level others show at all.
    fn anchor(&self, ctx: &Ctx<'_>, side: Side) -> Option<Price> {
        let typical = ctx.instrument(self.instrument).typical_qty.0.max(1) as f64;
        let others = |price: Price, qty: Qty| {
            let own: i64 = self
                .quotes
                .iter()
                .filter(|q| q.side == side && q.price == price)
                .map(|q| ctx.left_of(self.instrument, q.id, q.known_qty, true).0)
                .sum();
            qty.0 - own
        };
        let book = ctx.book(self.instrument);
        let deep = book
            .levels(side)
            .find(|l| others(l.price, l.qty) as f64 >= JOIN_DEPTH * typical)
            .map(|l| l.price);
        deep.or_else(|| book.levels(side).find(|l| others(l.price, l.qty) > 0).map(|l| l.price))
    }

    /// Fills `ladder` with the prices the maker wants for its ladder on one
    /// side, best first, and returns the price it wants for its large
    /// order.
    fn wanted(&self, ctx: &Ctx<'_>, side: Side, ladder: &mut Vec<Price>) -> Price {
        let typical = ctx.instrument(self.instrument).typical_qty.0.max(1) as f64;
        let skew = round_i64(self.cfg.inventory_skew * self.inventory as f64 / typical);
        let anchor = self.anchor(ctx, side).unwrap_or_else(|| {
            let half_spread = ctx.instrument(self.instrument).quote_half_spread;
            ctx.reference(self.instrument) - side.sign() * half_spread
        });
        // Inventory moves the side that would add to it away from the
        // touch: a long maker bids lower, a short one offers higher. It never
        // improves on others' best price, so it takes no room inside the
        // spread from anyone.
        let base = anchor - side.sign() * (side.sign() * skew).max(0);
        let step = self.cfg.level_step;
        ladder.clear();
        ladder.extend((0..i64::from(self.cfg.levels)).map(|l| base - side.sign() * l * step));
        let outer = i64::from(self.cfg.levels.saturating_sub(1)) * step;
        base - side.sign() * (outer + DEEP_OFFSET_TICKS)
    }
}

impl Agent for DeepBookMaker {
    fn wake(&mut self, ctx: &mut Ctx<'_>) -> Option<Nanos> {
        // Learn the fills since the last wake from what is left of each
        // order.
        let (mut inventory, instrument) = (self.inventory, self.instrument);
        let reductions = ctx.book(instrument).reductions();
        let unchanged = ctx.quotes_unchanged(instrument, self.reductions_seen);
        self.quotes.retain_mut(|q| {
            let left = ctx.left_of(instrument, q.id, q.known_qty, unchanged);
            inventory += q.side.sign() * (q.known_qty - left).0;
            q.known_qty = left;
            left > Qty::ZERO
        });
        // A fill changes what depth the maker wants to show, so both large
        // orders are pulled and rested afresh.
        let filled = inventory != self.inventory;
        self.inventory = inventory;

        let (access, instrument) = (self.access, self.instrument);
        let mut ladder = std::mem::take(&mut self.ladder);
        let mut missing = std::mem::take(&mut self.missing);
        for side in [Side::Buy, Side::Sell] {
            let deep = self.wanted(ctx, side, &mut ladder);

            // Pull the ladder orders no longer wanted, and the large order
            // once it is out of place; keep the rest and their priority.
            let mut kept = std::mem::take(&mut self.kept);
            kept.clear();
            for q in self.quotes.drain(..) {
                let stays = q.side != side
                    || if q.large {
                        !filled && (q.price.0 - deep.0).abs() < DEEP_TOLERANCE_TICKS
                    } else {
                        ladder.contains(&q.price)
                    };
                if stays {
                    kept.push(q);
                } else if let Some(left) = ctx.cancel(access, q.id) {
                    self.inventory += q.side.sign() * (q.known_qty - left).0;
                }
            }
            self.kept = std::mem::replace(&mut self.quotes, kept);

            // Place what is missing, never crossing the other side: a maker
            // does not take.
            let has_large = self.quotes.iter().any(|q| q.side == side && q.large);
            missing.clear();
            missing.extend(
                ladder
                    .iter()
                    .copied()
                    .filter(|&p| {
                        !self.quotes.iter().any(|q| q.side == side && q.price == p && !q.large)
                    })
                    .map(|p| (p, false))
                    .chain((!has_large).then_some((deep, true))),
            );
            for &(price, large) in &missing {
                let touch = ctx.touch(instrument);
                let crosses = match side {
                    Side::Buy => touch.ask.is_some_and(|a| price >= a),
                    Side::Sell => touch.bid.is_some_and(|b| price <= b),
                };
                if price.0 <= 0 || crosses {
                    continue;
                }
                let multiplier =
                    if large { DEEP_SIZE_MULTIPLIER } else { self.cfg.size_multiplier };
                let qty = ctx.qty(instrument, multiplier);
                if let Some(placed) = ctx.limit(access, instrument, side, price, qty)
                    && placed.resting > Qty::ZERO
                {
                    let known_qty = placed.resting;
                    self.quotes.push(BookQuote { id: placed.id, side, price, known_qty, large });
                }
            }
        }
        self.ladder = ladder;
        self.missing = missing;
        self.reductions_seen = ctx.still(instrument, reductions);
        Some(ctx.now + ctx.jitter(self.cfg.refresh, 0.5, 1.5))
    }
}

/// The chance that a traveller sets off on a trip when a session begins.
const TRIP_CHANCE: f64 = 0.4;

/// The farthest a traveller goes on one trip, in kilometres: far enough
/// for Seoul to Tokyo, near enough that half a trip's time still covers the
/// distance at an airliner's speed.
const MAX_TRIP_KM: f64 = 1500.0;

/// The share of trips that go to the nearest other region.
const NEAREST_SHARE: f64 = 0.8;

/// The share of a traveller's sessions on hotel or café Wi-Fi rather than
/// the mobile network.
const WIFI_SHARE: f64 = 0.3;

/// The chance that a traveller's phone changes mobile address between two
/// orders of a session, as it hands over from one cell to another.
const HANDOVER_CHANCE: f64 = 0.2;

/// The mean time a VPN client stays on one exit before it reconnects to
/// another.
const VPN_HOP_GAP: Nanos = Nanos::from_secs(30 * 60);

/// Draws when a VPN client first reconnects to another exit: exponentially
/// distributed with mean [`VPN_HOP_GAP`], as every later reconnection is.
pub(crate) fn first_vpn_hop(rng: &mut Stream) -> Nanos {
    let mean = VPN_HOP_GAP.as_secs_f64();
    let draw = Exp::new(1.0 / mean).map_or(mean, |d| d.sample(rng));
    Nanos::from_secs_f64(draw)
}

/// Returns how long a trip of `km` takes door to door: by metro or car
/// below 100 km, by high-speed rail below 500 km, and by air beyond, each
/// with time to get going. No trip is faster than 800 km/h on average, the
/// cruising speed of an airliner.
pub(crate) fn trip_duration(km: f64) -> Nanos {
    let hours = if km < 100.0 {
        0.1 + km / 60.0
    } else if km < 500.0 {
        0.3 + km / 250.0
    } else {
        2.0 + km / 800.0
    };
    Nanos::from_secs_f64(hours * 3600.0)
}

/// A trip under way: the traveller can still be reached, from near where
/// it set off, until `midway`, and is out of reach from then until it
/// arrives at `to`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Trip {
    to: RegionId,
    midway: Nanos,
    arrival: Nanos,
}

/// How a [`SessionTrader`]'s access changes over time.
pub(crate) enum Route {
    /// One address for good: a desk on an office network.
    Fixed,
    /// Trips between regions at a plausible speed, with a new mobile or
    /// Wi-Fi address every session and now and then a new mobile address
    /// between orders.
    Travel { trip: Option<Trip> },
    /// A commercial VPN exit shared with strangers. Now and then the VPN
    /// client reconnects to an exit in another country, and at the next
    /// reconnection it goes back to the preferred one.
    Vpn { preferred: (Ip, RegionId), away: bool, next_hop: Nanos },
}

impl Route {
    /// Returns when the trader arrives, while it is out of reach on a trip.
    fn out_of_reach_until(&self, now: Nanos) -> Option<Nanos> {
        match self {
            Route::Travel { trip: Some(t) } if t.midway <= now && now < t.arrival => {
                Some(t.arrival)
            }
            Route::Fixed | Route::Travel { .. } | Route::Vpn { .. } => None,
        }
    }

    /// Returns the time by which every resting order must be gone: the
    /// point of a trip from which the trader is out of reach.
    fn reachable_until(&self) -> Option<Nanos> {
        match self {
            Route::Travel { trip: Some(t) } => Some(t.midway),
            Route::Fixed | Route::Travel { .. } | Route::Vpn { .. } => None,
        }
    }

    /// Prepares the access for a new session. A traveller may set off on a
    /// trip now; it goes on trading from where it is until midway.
    fn start_session(&mut self, ctx: &mut Ctx<'_>, access: &mut Access) {
        match self {
            Route::Fixed => {}
            Route::Travel { trip } => {
                Route::arrive(ctx, trip, access);
                access.network =
                    if ctx.chance(WIFI_SHARE) { Network::Home } else { Network::Mobile };
                access.ip = IpPlan.draw(ctx.rng, access.region, access.network);
                if trip.is_none()
                    && ctx.chance(TRIP_CHANCE)
                    && let Some(to) = pick_destination(ctx, access.region)
                {
                    let duration = trip_duration(access.region.distance_km(to));
                    let midway = ctx.now + Nanos(duration.0 / 2);
                    *trip = Some(Trip { to, midway, arrival: ctx.now + duration });
                }
            }
            Route::Vpn { .. } => self.reconnect_if_due(ctx, access),
        }
    }

    /// Updates the access between two orders of a session.
    fn between_orders(&mut self, ctx: &mut Ctx<'_>, access: &mut Access) {
        match self {
            Route::Fixed => {}
            Route::Travel { trip } => {
                if Route::arrive(ctx, trip, access) {
                    access.ip = IpPlan.draw(ctx.rng, access.region, access.network);
                } else if access.network == Network::Mobile && ctx.chance(HANDOVER_CHANCE) {
                    access.ip = IpPlan.draw(ctx.rng, access.region, Network::Mobile);
                }
            }
            Route::Vpn { .. } => self.reconnect_if_due(ctx, access),
        }
    }

    /// Ends a trip that has arrived, moving the access to its destination;
    /// tells whether it did.
    fn arrive(ctx: &Ctx<'_>, trip: &mut Option<Trip>, access: &mut Access) -> bool {
        match *trip {
            Some(t) if ctx.now >= t.arrival => {
                access.region = t.to;
                *trip = None;
                true
            }
            Some(_) | None => false,
        }
    }

    fn reconnect_if_due(&mut self, ctx: &mut Ctx<'_>, access: &mut Access) {
        let Route::Vpn { preferred, away, next_hop } = self else { return };
        if ctx.now < *next_hop {
            return;
        }
        if *away {
            (access.ip, access.region) = *preferred;
        } else {
            let others: Vec<RegionId> = (0..REGIONS.len() as u16)
                .map(RegionId)
                .filter(|r| !r.region().domestic && *r != preferred.1)
                .collect();
            if let Some(&region) = others.get(ctx.rng.random_range(0..others.len().max(1))) {
                access.region = region;
                access.ip = IpPlan.draw(ctx.rng, region, Network::Vpn);
            }
        }
        *away = !*away;
        *next_hop = ctx.now + ctx.exp(VPN_HOP_GAP);
    }
}

/// Picks where a trip from `from` goes: the nearest other region more
/// often than not, since most trips are short, and otherwise any region
/// within a trip's reach. Returns `None` when no region is within reach.
fn pick_destination(ctx: &mut Ctx<'_>, from: RegionId) -> Option<RegionId> {
    let reachable: Vec<RegionId> = (0..REGIONS.len() as u16)
        .map(RegionId)
        .filter(|&r| r != from && from.distance_km(r) <= MAX_TRIP_KM)
        .collect();
    let nearest = reachable
        .iter()
        .copied()
        .min_by(|a, b| from.distance_km(*a).total_cmp(&from.distance_km(*b)));
    if ctx.chance(NEAREST_SHARE) {
        return nearest;
    }
    reachable.get(ctx.rng.random_range(0..reachable.len().max(1))).copied()
}

/// A trader who trades in sessions the way a retail trader does, from an
/// access that follows its [`Route`]. On a trip it trades from near where
/// it set off until midway, with every resting order cancelled by then,
/// and sends nothing until it arrives; so no two of its requests come from
/// places farther apart than it could travel in the time between them.
pub(crate) struct SessionTrader {
    pub(crate) cfg: RetailConfig,
    pub(crate) access: Access,
    pub(crate) route: Route,
    pub(crate) open: OpenOrders,
    pub(crate) session_left: u32,
    pub(crate) next_action: Nanos,
}

impl Agent for SessionTrader {
    fn wake(&mut self, ctx: &mut Ctx<'_>) -> Option<Nanos> {
        if let Some(arrival) = self.route.out_of_reach_until(ctx.now) {
            self.next_action = self.next_action.max(arrival);
            return Some(arrival);
        }

        self.open.cancel_due(ctx, self.access);
        if ctx.now >= self.next_action {
            if self.session_left == 0 {
                self.route.start_session(ctx, &mut self.access);
                self.session_left = retail_session_orders(ctx, &self.cfg);
            } else {
                self.route.between_orders(ctx, &mut self.access);
            }
            place_retail_order(ctx, self.access, &self.cfg, &mut self.open);
            self.session_left -= 1;
            self.next_action = if self.session_left > 0 {
                ctx.now + ctx.exp(self.cfg.order_gap)
            } else {
                ctx.now + retail_session_gap(ctx, &self.cfg)
            };
        }

        // Nothing may be left resting when the trader goes out of reach.
        if let Some(midway) = self.route.reachable_until() {
            self.open.cancel_by(Nanos(midway.0.saturating_sub(1)));
        }
        Some(earliest(self.next_action, self.open.next_due()))
    }
}

/// How often a jump burster looks at the reference price.
const LOOK_GAP: Nanos = Nanos::from_millis(50);

/// The fewest and most orders in one burst.
const BURST_CLIPS: (u32, u32) = (70, 110);

/// The mean gap between two orders of a burst.
const CLIP_GAP: Nanos = Nanos::from_millis(6);

/// The mean gap between an execution bot's regular child orders.
const CHILD_GAP: Nanos = Nanos::from_secs(30);

/// Returns the smallest move of the reference price between two looks, in
/// ticks, that a jump burster treats as a jump: five times the instrument's
/// one-second volatility, and never less than three ticks, so the ordinary
/// wander of 50 ms never qualifies.
pub(crate) fn jump_threshold(volatility_ticks: f64) -> i64 {
    ((volatility_ticks * 5.0).round() as i64).max(3)
}

/// What a jump burster trades for.
pub(crate) enum BurstStyle {
    /// Trades the book toward the reference price after it jumps, on the
    /// side of the jump, never beyond the new reference.
    Arbitrage,
    /// Works a parent order in regular child orders and, after a jump,
    /// sprays small orders at the touch on the parent's side to catch the
    /// liquidity that returns to the book.
    Execution { side: Side, left: Qty, next_child: Nanos },
}

/// A burst under way.
#[derive(Clone, Copy, Debug)]
struct Burst {
    side: Side,
    /// The arbitrage bot's worst acceptable price; `None` for the
    /// execution bot, which prices each order at the touch.
    limit: Option<Price>,
    clips_left: u32,
}

/// An arbitrage or execution bot that, when the reference price jumps,
/// fires a burst of immediate-or-cancel orders of one or two minimum sizes,
/// a few milliseconds apart, for most of a second.
pub(crate) struct JumpBurster {
    pub(crate) access: Access,
    pub(crate) instrument: InstrumentId,
    pub(crate) style: BurstStyle,
    pub(crate) threshold: i64,
    last_reference: Option<Price>,
    burst: Option<Burst>,
}

impl JumpBurster {
    pub(crate) fn new(
        access: Access,
        instrument: InstrumentId,
        style: BurstStyle,
        threshold: i64,
    ) -> JumpBurster {
        JumpBurster { access, instrument, style, threshold, last_reference: None, burst: None }
    }

    /// Sends one order of the burst under way.
    fn clip(&mut self, ctx: &mut Ctx<'_>, burst: Burst) {
        let min = ctx.instrument(self.instrument).spec.min_qty;
        let qty = Qty(min.0 * ctx.rng.random_range(1..=2));
        let price = burst.limit.or_else(|| ctx.touch(self.instrument).best(burst.side.opposite()));
        let Some(price) = price.filter(|p| p.0 > 0) else { return };
        let placed =
            ctx.submit(self.access, OrderRequest::ioc(self.instrument, burst.side, price, qty));
        if let (Some(placed), BurstStyle::Execution { left, .. }) = (placed, &mut self.style) {
            *left = Qty((left.0 - placed.filled.0).max(0));
        }
    }

    /// Sends the execution bot's regular child order when one is due, and
    /// starts a new parent on a random side when the last one is done.
    fn child(&mut self, ctx: &mut Ctx<'_>) {
        let BurstStyle::Execution { side, left, next_child } = &mut self.style else { return };
        if ctx.now < *next_child {
            return;
        }
        if *left <= Qty::ZERO {
            *side = ctx.side();
            *left = ctx.qty(self.instrument, 8.0);
        }
        let qty = ctx.qty(self.instrument, 0.5).min(*left);
        if let Some(placed) = ctx.take(self.access, self.instrument, *side, qty, 0) {
            *left = Qty((left.0 - placed.filled.0).max(0));
        }
        *next_child = ctx.now + ctx.jitter(CHILD_GAP, 0.6, 1.4);
    }
}

impl Agent for JumpBurster {
    fn wake(&mut self, ctx: &mut Ctx<'_>) -> Option<Nanos> {
        let now = ctx.now;
        if let Some(mut burst) = self.burst {
            self.clip(ctx, burst);
            burst.clips_left -= 1;
            if burst.clips_left > 0 {
                self.burst = Some(burst);
                return Some(now + ctx.jitter(CLIP_GAP, 0.5, 1.5));
            }
            // The jump has been traded; what the reference does from here
            // on is measured afresh.
            self.burst = None;
            self.last_reference = Some(ctx.reference(self.instrument));
            return Some(now + LOOK_GAP);
        }

        let reference = ctx.reference(self.instrument);
        let moved = self.last_reference.map_or(0, |last| reference.0 - last.0);
        self.last_reference = Some(reference);
        if moved.abs() >= self.threshold {
            let (side, limit) = match self.style {
                BurstStyle::Arbitrage => {
                    let side = if moved > 0 { Side::Buy } else { Side::Sell };
                    (side, Some(reference - side.sign()))
                }
                BurstStyle::Execution { side, .. } => (side, None),
            };
            let clips = ctx.rng.random_range(BURST_CLIPS.0..=BURST_CLIPS.1);
            self.burst = Some(Burst { side, limit, clips_left: clips });
            return Some(now + Nanos(1));
        }

        self.child(ctx);
        Some(now + LOOK_GAP)
    }
}

/// The mean length of a round-lot quoter's session.
const QUOTER_SESSION: Nanos = Nanos::from_secs(20 * 60);

/// The mean pause between a round-lot quoter's sessions.
const QUOTER_PAUSE: Nanos = Nanos::from_secs(2 * 60);

/// The mean time between a round-lot quoter's looks at its order.
const QUOTER_LOOK: Nanos = Nanos::from_millis(250);

/// The mean length of a round-lot taker's session.
const TAKER_SESSION: Nanos = Nanos::from_secs(10 * 60);

/// The most round lots a taker fills in one session.
const TAKER_FILLS: u32 = 3;

/// The mean time between a round-lot taker's looks at the book.
const TAKER_LOOK: Nanos = Nanos::from_millis(250);

/// The shortest pause between a round-lot taker's sessions; a random
/// pause with mean [`TAKER_PAUSE`] comes on top.
const TAKER_REST: Nanos = Nanos::from_secs(10 * 60);

/// The mean of the random part of a round-lot taker's pause.
const TAKER_PAUSE: Nanos = Nanos::from_secs(5 * 60);

/// Returns the round size pair number `pair` favours on an instrument:
/// twice its typical order rounded up to a multiple of ten lots, plus ten
/// lots per pair before it, so that each pair's size is its own, within the
/// instrument's limits.
pub(crate) fn round_lot(pair: u32, typical: Qty, min: Qty, max: Qty) -> Qty {
    let lots = (typical.0.max(1) * 2 + 9) / 10 * 10 + 10 * i64::from(pair);
    Qty(lots.clamp(min.0, max.0))
}

/// A round-lot trader's session under way.
#[derive(Clone, Copy, Debug)]
struct RoundLotSession {
    /// For a quoter, the side it rests on.
    side: Side,
    end: Nanos,
    /// For a taker, the round lots it still means to fill.
    fills_left: u32,
}

/// A retail trader on one instrument who, in each session, keeps one order
/// of its round size resting on one side: one tick inside the spread
/// whenever the spread is two ticks or more, at the touch otherwise. It
/// rests another each time one fills, replaces its order with a fresh
/// round lot when others have taken part of it, and steps inside again
/// when others join its price; outbid, it waits where it is, so quoters do
/// not outbid one another until the spread closes.
pub(crate) struct RoundLotQuoter {
    pub(crate) access: Access,
    pub(crate) instrument: InstrumentId,
    pub(crate) lot: Qty,
    pub(crate) next_session: Nanos,
    session: Option<RoundLotSession>,
    order: Option<(OrderId, Price)>,
}

impl RoundLotQuoter {
    pub(crate) fn new(
        access: Access,
        instrument: InstrumentId,
        lot: Qty,
        first: Nanos,
    ) -> RoundLotQuoter {
        RoundLotQuoter { access, instrument, lot, next_session: first, session: None, order: None }
    }
}

impl Agent for RoundLotQuoter {
    fn wake(&mut self, ctx: &mut Ctx<'_>) -> Option<Nanos> {
        let now = ctx.now;
        let session = match self.session {
            Some(s) if now >= s.end => {
                if let Some((order, _)) = self.order.take() {
                    ctx.cancel(self.access, order);
                }
                self.session = None;
                self.next_session = now + ctx.exp(QUOTER_PAUSE);
                return Some(self.next_session);
            }
            Some(s) => s,
            None if now >= self.next_session => {
                let end = now + ctx.exp(QUOTER_SESSION);
                let s = RoundLotSession { side: ctx.side(), end, fills_left: 0 };
                self.session = Some(s);
                s
            }
            None => return Some(self.next_session),
        };

        // An order that no longer rests has filled. One that others have
        // partly taken is replaced by a whole round lot, and one that shares
        // the best price with others steps inside the spread as soon as the
        // spread leaves room.
        let side = session.side;
        let room = |ctx: &Ctx<'_>| {
            let touch = ctx.touch(self.instrument);
            matches!((touch.bid, touch.ask), (Some(b), Some(a)) if a.0 - b.0 >= 2)
        };
        if let Some((order, price)) = self.order {
            let shares_best = ctx.touch(self.instrument).best(side) == Some(price)
                && ctx.book(self.instrument).depth_at(side, price) != self.lot;
            match ctx.exchange.resting_qty(order) {
                None => self.order = None,
                Some(left) if left < self.lot || (room(ctx) && shares_best) => {
                    ctx.cancel(self.access, order);
                    self.order = None;
                }
                Some(_) => {}
            }
        }
        if self.order.is_none() {
            let best = ctx.passive_price(self.instrument, side);
            let price = if room(ctx) { best + side.sign() } else { best };
            if price.0 > 0
                && let Some(placed) = ctx.limit(self.access, self.instrument, side, price, self.lot)
                && placed.resting > Qty::ZERO
            {
                self.order = Some((placed.id, price));
            }
        }
        Some((now + ctx.exp(QUOTER_LOOK)).min(session.end))
    }
}

/// A retail trader on one instrument who trades only its round size, and
/// only when the best price on one side shows exactly that size, so that
/// the order fills whole at one price; it takes such a level on whichever
/// side it appears. A session ends after a few fills or a few minutes, and
/// the next starts at least ten minutes later.
pub(crate) struct RoundLotTaker {
    pub(crate) access: Access,
    pub(crate) instrument: InstrumentId,
    pub(crate) lot: Qty,
    pub(crate) next_session: Nanos,
    session: Option<RoundLotSession>,
}

impl RoundLotTaker {
    pub(crate) fn new(
        access: Access,
        instrument: InstrumentId,
        lot: Qty,
        first: Nanos,
    ) -> RoundLotTaker {
        RoundLotTaker { access, instrument, lot, next_session: first, session: None }
    }
}

impl Agent for RoundLotTaker {
    fn wake(&mut self, ctx: &mut Ctx<'_>) -> Option<Nanos> {
        let now = ctx.now;
        let mut session = match self.session {
            Some(s) if now >= s.end || s.fills_left == 0 => {
                self.session = None;
                self.next_session = now + TAKER_REST + ctx.exp(TAKER_PAUSE);
                return Some(self.next_session);
            }
            Some(s) => s,
            None if now >= self.next_session => {
                let end = now + ctx.jitter(TAKER_SESSION, 0.5, 1.5);
                RoundLotSession { side: Side::Buy, end, fills_left: TAKER_FILLS }
            }
            None => return Some(self.next_session),
        };

        // Buying the offer is looked at first, then selling to the bid.
        for side in [Side::Buy, Side::Sell] {
            let level = ctx.book(self.instrument).best(side.opposite());
            let Some(level) = level.filter(|l| l.qty == self.lot) else { continue };
            let order = OrderRequest::ioc(self.instrument, side, level.price, self.lot);
            if ctx.submit(self.access, order).is_some_and(|p| p.filled == self.lot) {
                session.fills_left -= 1;
            }
            break;
        }
        self.session = Some(session);
        Some((now + ctx.jitter(TAKER_LOOK, 0.5, 1.5)).min(session.end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_half_trip_is_faster_than_an_airliner() {
        // A traveller is last heard from near its start halfway through a
        // trip, so even half the trip's time must cover the distance at
        // 800 km/h or less, for every pair of regions within reach.
        for a in 0..REGIONS.len() as u16 {
            for b in 0..REGIONS.len() as u16 {
                let km = RegionId(a).distance_km(RegionId(b));
                if km > MAX_TRIP_KM {
                    continue;
                }
                let hours = trip_duration(km).as_secs_f64() / 3600.0 / 2.0;
                assert!(km / hours <= 800.0, "{a} to {b}: {km} km in {hours} h");
            }
        }
        // Without the limit on reach, the longest hauls would break it.
        let far = RegionId(0).distance_km(RegionId(13));
        assert!(far / (trip_duration(far).as_secs_f64() / 7200.0) > 800.0);
    }

    #[test]
    fn trips_take_time_to_get_going_and_then_go_at_the_mode_speed() {
        assert_eq!(trip_duration(0.0), Nanos::from_secs(6 * 60));
        // Seoul to Daejeon, about 140 km by rail: 0.3 + 140/250 hours.
        let rail = RegionId(0).distance_km(RegionId(3));
        let expected = (0.3 + rail / 250.0) * 3600.0;
        assert!((trip_duration(rail).as_secs_f64() - expected).abs() < 1e-6);
        // Seoul to Tokyo, about 1,160 km by air: 2 + 1,160/800 hours.
        let air = RegionId(0).distance_km(RegionId(4));
        let expected = (2.0 + air / 800.0) * 3600.0;
        assert!((trip_duration(air).as_secs_f64() - expected).abs() < 1e-6);
    }

    #[test]
    fn jump_threshold_scales_with_volatility_and_has_a_floor() {
        assert_eq!(jump_threshold(4.0), 20);
        assert_eq!(jump_threshold(0.3), 3);
        assert_eq!(jump_threshold(0.0), 3);
    }

    #[test]
    fn round_lot_is_twice_typical_rounded_up_to_ten_plus_ten_per_pair() {
        assert_eq!(round_lot(0, Qty(30), Qty(1), Qty(1000)), Qty(60));
        assert_eq!(round_lot(0, Qty(21), Qty(1), Qty(1000)), Qty(50));
        assert_eq!(round_lot(3, Qty(21), Qty(1), Qty(1000)), Qty(80));
        assert_eq!(round_lot(0, Qty(30), Qty(1), Qty(40)), Qty(40));
        assert_eq!(round_lot(0, Qty(1), Qty(1), Qty(1000)), Qty(10));
    }
}
