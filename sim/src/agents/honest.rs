//! Honest participants.
//!
//! Each is a small state machine over the public book and the external
//! reference price. None of them abuses the market, but several look like
//! abusers to a careless rule: market makers cancel most of what they
//! place, mobile retail traders change IP address between sessions, and
//! some retail traders connect through foreign VPN exits.
//!
//! The models they follow: market makers quote after Avellaneda and
//! Stoikov ("High-frequency trading in a limit order book", Quantitative
//! Finance 2008), around a reservation price shifted against their
//! inventory with a half spread that widens with volatility; retail limit
//! orders rest at distances from the best price with a power-law tail, as
//! Bouchaud, Mézard and Potters measured ("Statistical properties of stock
//! order books: empirical results and models", Quantitative Finance 2002),
//! with sizes clustered at round numbers as people type them; arbitrageurs
//! trade the book toward the external reference one clip at a time; and
//! everyone's pace follows the self-exciting activity of
//! [`crate::world::Reference::activity`].

use std::collections::VecDeque;

use rand::Rng;

use super::{Agent, Ctx, SizeLaw, Touch};
use crate::access::{Access, Channel, DOMESTIC_REGIONS, Network, REGIONS, RegionId};
use crate::agents::population::IpPlan;
use crate::config::{
    ApiTraderConfig, ArbitrageConfig, ExecutionConfig, MarketMakerConfig, MomentumConfig,
    RetailConfig,
};
use crate::exchange::OrderRequest;
use crate::integral::{ceil_i64, floor_i64};
use crate::types::{InstrumentId, Nanos, OrderId, Price, Qty, Side};

/// Limit orders an agent intends to cancel at a given time.
#[derive(Debug, Default)]
pub(crate) struct OpenOrders {
    orders: Vec<(OrderId, Nanos)>,
}

impl OpenOrders {
    pub(crate) fn push(&mut self, order: OrderId, cancel_at: Nanos) {
        self.orders.push((order, cancel_at));
    }

    /// Cancels the orders that are due, forgets those that filled, and
    /// returns how many were cancelled.
    pub(crate) fn cancel_due(&mut self, ctx: &mut Ctx<'_>, access: Access) -> usize {
        let now = ctx.now;
        let mut cancelled = 0;
        self.orders.retain(|&(order, due)| {
            if due <= now {
                cancelled += usize::from(ctx.cancel(access, order).is_some());
                false
            } else {
                ctx.exchange.is_resting(order)
            }
        });
        cancelled
    }

    /// Brings forward every due time later than `latest` to `latest`.
    pub(crate) fn cancel_by(&mut self, latest: Nanos) {
        for (_, due) in &mut self.orders {
            *due = (*due).min(latest);
        }
    }

    pub(crate) fn next_due(&self) -> Option<Nanos> {
        self.orders.iter().map(|&(_, due)| due).min()
    }
}

/// Picks the earliest of an action time and an optional due time.
pub(crate) fn earliest(action: Nanos, due: Option<Nanos>) -> Nanos {
    due.map_or(action, |d| d.min(action))
}

/// Rounds a size the way a person would type it: to a multiple of 10 or
/// 50 lots as it grows, never to zero.
pub(crate) fn round_size(qty: Qty) -> Qty {
    let step = match qty.0 {
        q if q >= 200 => 50,
        q if q >= 8 => 10,
        _ => 1,
    };
    Qty(((qty.0 + step / 2) / step * step).max(1))
}

/// The farthest behind the best price a retail limit order rests, in ticks.
const MAX_PLACEMENT_TICKS: f64 = 400.0;

/// Turns a uniform draw `u` in (0, 1) into a distance behind the best
/// price, in whole ticks: a Lomax (Pareto type II) law with the given scale
/// and tail exponent, under which a distance of at least `d` has the
/// chance `(1 + d / scale)^-tail`, capped at [`MAX_PLACEMENT_TICKS`].
fn placement_distance(u: f64, scale: f64, tail: f64) -> i64 {
    let distance = scale * (u.powf(-1.0 / tail.max(0.1)) - 1.0);
    distance.clamp(0.0, MAX_PLACEMENT_TICKS) as i64
}

/// A retail trader on the web or mobile front end.
///
/// Trades in sessions (so activity is bursty): market orders, and limit
/// orders resting at a power-law distance behind the best price. Sessions
/// start, and orders within them follow, faster when the market is busy:
/// at the open and the close, when attention clusters, after news and when
/// prices move (see [`crate::world::Reference::activity`]). Order sizes
/// cluster at round numbers, as people type them. Mobile users get a new
/// address from their carrier each session; some travel inside the
/// country, and some connect through a foreign VPN now and then.
pub(crate) struct Retail {
    pub(crate) cfg: RetailConfig,
    pub(crate) home: Access,
    pub(crate) current: Access,
    pub(crate) uses_vpn: bool,
    pub(crate) ips: IpPlan,
    pub(crate) open: OpenOrders,
    pub(crate) session_left: u32,
    pub(crate) next_action: Nanos,
}

impl Retail {
    fn start_session(&mut self, ctx: &mut Ctx<'_>) {
        self.session_left = retail_session_orders(ctx, &self.cfg);

        let mut access = self.home;
        if self.uses_vpn && ctx.chance(0.3) {
            let region = RegionId(ctx.rng.random_range(DOMESTIC_REGIONS..REGIONS.len() as u16));
            access.region = region;
            access.network = Network::Vpn;
            access.ip = self.ips.draw(ctx.rng, region, Network::Vpn);
        } else if access.channel == Channel::Mobile {
            if ctx.chance(self.cfg.travel_share) {
                access.region = RegionId(ctx.rng.random_range(0..DOMESTIC_REGIONS));
            }
            access.ip = self.ips.draw(ctx.rng, access.region, Network::Mobile);
        }
        self.current = access;
    }

    fn place(&mut self, ctx: &mut Ctx<'_>) {
        place_retail_order(ctx, self.current, &self.cfg, &mut self.open);
    }
}

/// Draws the number of orders in a retail session: one, plus a Poisson
/// number with the configured mean of the rest.
pub(crate) fn retail_session_orders(ctx: &mut Ctx<'_>, cfg: &RetailConfig) -> u32 {
    let mean_extra = (cfg.orders_per_session - 1.0).max(0.0);
    let extra = rand_distr::Poisson::new(mean_extra.max(1e-9))
        .map_or(0.0, |d| rand_distr::Distribution::sample(&d, ctx.rng));
    1 + extra as u32
}

/// Draws the pause before a retail trader's next session: shorter when the
/// market is busy (see [`crate::world::Reference::activity`]).
pub(crate) fn retail_session_gap(ctx: &mut Ctx<'_>, cfg: &RetailConfig) -> Nanos {
    let busy = ctx.reference.activity(ctx.now).max(0.05);
    let hours_between = 1.0 / cfg.sessions_per_hour.max(1e-9) / busy;
    ctx.exp(Nanos::from_secs_f64(3600.0 * hours_between))
}

/// Places one order the way a retail trader does, from `access`: a market
/// order now and then, otherwise a limit order at or near the touch that
/// `open` will cancel when its owner loses interest.
pub(crate) fn place_retail_order(
    ctx: &mut Ctx<'_>,
    access: Access,
    cfg: &RetailConfig,
    open: &mut OpenOrders,
) {
    let instrument = ctx.pick_instrument();
    let side = ctx.side();
    let mut qty = ctx.qty(instrument, cfg.size_multiplier);
    if ctx.chance(cfg.round_size_share) {
        qty = round_size(qty);
    }
    let touch = ctx.touch(instrument);
    if ctx.chance(cfg.market_order_share) && touch.best(side.opposite()).is_some() {
        ctx.submit(access, OrderRequest::market(instrument, side, qty));
        return;
    }

    // A few orders improve the price when the spread leaves room; the rest
    // rest at or behind the best price, at a distance with a power-law
    // tail (Bouchaud, Mézard and Potters 2002).
    let best = ctx.passive_price(instrument, side);
    let spread = match (touch.bid, touch.ask) {
        (Some(b), Some(a)) => a.0 - b.0,
        _ => 1,
    };
    let behind = if spread > 1 && ctx.chance(cfg.inside_share) {
        -ctx.rng.random_range(1..spread)
    } else {
        let u: f64 = ctx.rng.random_range(f64::EPSILON..1.0);
        placement_distance(u, cfg.placement_scale, cfg.placement_tail)
    };
    let price = best - side.sign() * behind;
    if price.0 <= 0 {
        return;
    }
    if let Some(placed) = ctx.limit(access, instrument, side, price, qty)
        && placed.resting > Qty::ZERO
    {
        let lifetime = ctx.exp(cfg.order_lifetime);
        open.push(placed.id, ctx.now + lifetime);
    }
}

impl Agent for Retail {
    fn wake(&mut self, ctx: &mut Ctx<'_>) -> Option<Nanos> {
        self.open.cancel_due(ctx, self.current);
        if ctx.now >= self.next_action {
            if self.session_left == 0 {
                self.start_session(ctx);
            }
            self.place(ctx);
            self.session_left -= 1;
            let busy = ctx.reference.activity(ctx.now).max(0.05);
            self.next_action = if self.session_left > 0 {
                ctx.now + ctx.exp(Nanos((self.cfg.order_gap.0 as f64 / busy) as u64))
            } else {
                ctx.now + retail_session_gap(ctx, &self.cfg)
            };
        }
        Some(earliest(self.next_action, self.open.next_due()))
    }
}

/// A small honest API trader: a hobbyist's bot on a home line or a rented
/// server, trading a few times a minute. These accounts' keys are the ones
/// outside operators lease.
pub(crate) struct ApiTrader {
    pub(crate) cfg: ApiTraderConfig,
    pub(crate) access: Access,
    pub(crate) instrument: InstrumentId,
    pub(crate) open: OpenOrders,
    pub(crate) next_action: Nanos,
}

impl Agent for ApiTrader {
    fn wake(&mut self, ctx: &mut Ctx<'_>) -> Option<Nanos> {
        self.open.cancel_due(ctx, self.access);
        if ctx.now >= self.next_action {
            let side = ctx.side();
            let qty = ctx.qty(self.instrument, self.cfg.size_multiplier);
            if ctx.chance(self.cfg.taker_share) {
                ctx.take(self.access, self.instrument, side, qty, 1);
            } else {
                let price = ctx.passive_price(self.instrument, side);
                if let Some(placed) = ctx.limit(self.access, self.instrument, side, price, qty)
                    && placed.resting > Qty::ZERO
                {
                    let lifetime = ctx.exp(self.cfg.order_lifetime);
                    self.open.push(placed.id, ctx.now + lifetime);
                }
            }
            self.next_action = ctx.now + ctx.exp(self.cfg.order_gap);
        }
        Some(earliest(self.next_action, self.open.next_due()))
    }
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Quote {
    id: OrderId,
    side: Side,
    level: u32,
    price: Price,
    known_qty: Qty,
}

/// How far inventory may shift a maker's quotes, in half spreads.
const MAX_SKEW_HALF_SPREADS: f64 = 2.0;

/// A market maker after Avellaneda and Stoikov (2008): it quotes a few
/// levels on both sides of a reservation price, the fair price shifted
/// against its inventory by more when volatility is high, with a half
/// spread that grows with the realised volatility of the reference. Its
/// fair price follows the reference at a bounded speed, so that after a
/// jump it reprices over a few seconds, as a desk would that hedges on
/// another venue, rather than all at once. Each maker has its own appetite
/// for risk, so their spreads differ and the best quote on each side is
/// usually one maker's alone. A quote keeps its place until it is a
/// tolerance or more from where the maker wants it; most are cancelled
/// unfilled, which is normal.
pub(crate) struct MarketMaker {
    pub(crate) cfg: MarketMakerConfig,
    pub(crate) access: Access,
    pub(crate) instrument: InstrumentId,
    pub(crate) quotes: Vec<Quote>,
    pub(crate) inventory: i64,
    /// The fair price and when it was last moved; `None` before the first
    /// wake.
    fair: Option<(f64, Nanos)>,
    /// This maker's half spread relative to the common one, drawn at the
    /// first wake.
    spread_factor: f64,
    /// The prices wanted at this wake, kept between wakes so that a wake
    /// allocates nothing.
    wanted: Vec<(Side, u32, Price)>,
    /// Room for the quotes kept at a wake, swapped with `quotes`.
    kept: Vec<Quote>,
    /// Whether a quote rests for each entry of `wanted`, at a wake.
    present: Vec<bool>,
    /// The law of the maker's quote sizes, worked out at its first quote.
    sizes: Option<SizeLaw>,
    /// The book's count of reductions when the maker last learned what is
    /// left of its quotes, if nothing but the maker's own cancels changed
    /// the book's orders during that wake; see [`Ctx::quotes_unchanged`].
    reductions_seen: Option<u64>,
}

impl MarketMaker {
    pub(crate) fn new(cfg: MarketMakerConfig, access: Access, instrument: InstrumentId) -> Self {
        MarketMaker {
            cfg,
            access,
            instrument,
            quotes: Vec::new(),
            inventory: 0,
            fair: None,
            spread_factor: 1.0,
            wanted: Vec::new(),
            kept: Vec::new(),
            present: Vec::new(),
            sizes: None,
            reductions_seen: None,
        }
    }

    /// Learns the fills since the last wake from what is left of each quote.
    fn reconcile(&mut self, ctx: &Ctx<'_>) {
        let (mut inventory, instrument) = (self.inventory, self.instrument);
        if ctx.quotes_unchanged(instrument, self.reductions_seen) {
            // Nothing but the maker's own cancels has reduced an order
            // since it last looked: every quote holds what it knows of.
            debug_assert!(self.quotes.iter().all(|q| {
                q.known_qty > Qty::ZERO && ctx.resting_in(instrument, q.id) == Some(q.known_qty)
            }));
            return;
        }
        self.quotes.retain_mut(|q| {
            let left = ctx.resting_in(instrument, q.id).unwrap_or(Qty::ZERO);
            inventory += q.side.sign() * (q.known_qty - left).0;
            q.known_qty = left;
            left > Qty::ZERO
        });
        self.inventory = inventory;
    }

    /// Moves the fair price toward the reference, at most at the maker's
    /// speed, and returns it.
    fn follow_reference(&mut self, ctx: &mut Ctx<'_>) -> f64 {
        let reference = ctx.reference(self.instrument).0 as f64;
        let fair = match self.fair {
            None => {
                let d = self.cfg.spread_dispersion.clamp(0.0, 0.95);
                if d > 0.0 {
                    self.spread_factor = ctx.rng.random_range(1.0 - d..1.0 + d);
                }
                reference
            }
            Some((fair, since)) => {
                let most = self.cfg.fair_speed * (ctx.now.0 - since.0) as f64 / 1e9;
                fair + (reference - fair).clamp(-most, most)
            }
        };
        self.fair = Some((fair, ctx.now));
        fair
    }

    /// Fills `self.wanted` with the prices the maker wants on each level of
    /// each side, the bid and the ask of each level in turn, so that the
    /// entry for a side and a level is at [`wanted_slot`].
    fn want(&mut self, ctx: &mut Ctx<'_>) {
        let fair = self.follow_reference(ctx);
        let inst = ctx.instrument(self.instrument);
        let typical = inst.typical_qty.0.max(1) as f64;
        let average_volatility = inst.volatility;
        let base_half_spread = inst.quote_half_spread as f64;
        let volatility = ctx.reference.realised_volatility(self.instrument);

        // The half spread widens with volatility; the reservation price
        // moves against inventory in proportion to the variance, as the
        // Avellaneda-Stoikov reservation price does, within a bound.
        let half_spread =
            (base_half_spread + self.cfg.volatility_half_spread * volatility) * self.spread_factor;
        let variance_ratio = if average_volatility > 0.0 {
            (volatility / average_volatility).powi(2).clamp(0.25, 4.0)
        } else {
            1.0
        };
        let most = MAX_SKEW_HALF_SPREADS * half_spread;
        let skew = (self.cfg.inventory_skew * variance_ratio * self.inventory as f64 / typical)
            .clamp(-most, most);
        let reservation = fair - skew;

        let step = self.cfg.level_step;
        let bid = Price(floor_i64(reservation - half_spread));
        let ask = Price(ceil_i64(reservation + half_spread).max(bid.0 + 1));
        self.wanted.clear();
        for l in 0..self.cfg.levels {
            let away = i64::from(l) * step;
            self.wanted.push((Side::Buy, l, bid - away));
            self.wanted.push((Side::Sell, l, ask + away));
        }
    }
}

/// Returns the position in a maker's wanted prices of a side and level.
fn wanted_slot(side: Side, level: u32) -> usize {
    level as usize * 2 + usize::from(side == Side::Sell)
}

impl Agent for MarketMaker {
    fn wake(&mut self, ctx: &mut Ctx<'_>) -> Option<Nanos> {
        let reductions = ctx.book(self.instrument).reductions();
        self.reconcile(ctx);
        self.want(ctx);
        let wanted = std::mem::take(&mut self.wanted);
        let tolerance = self.cfg.requote_tolerance.max(1);

        // Pull quotes that have strayed too far from where they are
        // wanted; keep the rest and their queue priority. The best quotes
        // are kept where they should be; those behind them, which matter
        // less, are let stray one level step further.
        let access = self.access;
        let step = self.cfg.level_step;
        let mut kept = std::mem::take(&mut self.kept);
        kept.clear();
        for q in self.quotes.drain(..) {
            let close =
                wanted.get(wanted_slot(q.side, q.level)).is_some_and(|&(side, level, price)| {
                    let tolerance = if level == 0 { tolerance } else { tolerance + step };
                    side == q.side && level == q.level && (price.0 - q.price.0).abs() < tolerance
                });
            if close {
                kept.push(q);
            } else if let Some(left) = ctx.cancel(access, q.id) {
                self.inventory += q.side.sign() * (q.known_qty - left).0;
            }
        }
        self.kept = std::mem::replace(&mut self.quotes, kept);

        // Place what is missing, never crossing the other side: a maker
        // does not take. A maker holds at most one quote per side and level.
        self.present.clear();
        self.present.resize(wanted.len(), false);
        for q in &self.quotes {
            if let Some(present) = self.present.get_mut(wanted_slot(q.side, q.level)) {
                *present = true;
            }
        }
        for (slot, &(side, level, price)) in wanted.iter().enumerate() {
            debug_assert_eq!(slot, wanted_slot(side, level));
            if price.0 <= 0 || self.present[slot] {
                continue;
            }
            let touch = ctx.touch(self.instrument);
            let crosses = match side {
                Side::Buy => touch.ask.is_some_and(|a| price >= a),
                Side::Sell => touch.bid.is_some_and(|b| price <= b),
            };
            if crosses {
                continue;
            }
            // Market makers quote consistent, round sizes, unlike retail
            // traders.
            let (instrument, multiplier) = (self.instrument, self.cfg.size_multiplier);
            let sizes =
                *self.sizes.get_or_insert_with(|| ctx.size_law(instrument, multiplier, 0.25));
            let qty = round_size(ctx.size(&sizes));
            // A quote that left the book at once (self-trade prevention
            // may take it) is not kept: the quotes are what rests.
            if let Some(placed) = ctx.limit(access, self.instrument, side, price, qty)
                && placed.resting > Qty::ZERO
            {
                self.quotes.push(Quote {
                    id: placed.id,
                    side,
                    level,
                    price,
                    known_qty: placed.resting,
                });
            }
        }
        self.wanted = wanted;
        self.reductions_seen = ctx.still(self.instrument, reductions);
        Some(ctx.now + ctx.jitter(self.cfg.refresh, 0.5, 1.5))
    }
}

/// A momentum trader: buys after the mid price has risen over its lookback
/// or when bids outweigh offers at the touch, and the reverse. It is the
/// participant a spoofer tries to fool: the market orders that respond to
/// volume imbalance are the ones Cartea, Jaimungal and Wang ("Spoofing and
/// price manipulation in order-driven markets", 2020) model a spoofer
/// tilting the imbalance to move.
pub(crate) struct Momentum {
    pub(crate) cfg: MomentumConfig,
    pub(crate) access: Access,
    pub(crate) instrument: InstrumentId,
    pub(crate) mids: VecDeque<i64>,
}

impl Agent for Momentum {
    fn wake(&mut self, ctx: &mut Ctx<'_>) -> Option<Nanos> {
        let book = ctx.book(self.instrument);
        if let (Some(bid), Some(ask)) = (book.best_bid(), book.best_ask()) {
            let mid2 = bid.price.0 + ask.price.0;
            self.mids.push_back(mid2);
            if self.mids.len() > self.cfg.lookback as usize {
                self.mids.pop_front();
            }
            let trend = (mid2 - self.mids[0]) / 2;
            let imbalance = bid.qty.0 as f64 / (bid.qty.0 + ask.qty.0) as f64;
            let side = if trend >= self.cfg.threshold || imbalance > self.cfg.imbalance_threshold {
                Some(Side::Buy)
            } else if trend <= -self.cfg.threshold || imbalance < 1.0 - self.cfg.imbalance_threshold
            {
                Some(Side::Sell)
            } else {
                None
            };
            if let Some(side) = side {
                let qty = ctx.qty(self.instrument, self.cfg.size_multiplier);
                ctx.take(self.access, self.instrument, side, qty, 1);
                self.mids.clear();
            }
        }
        Some(ctx.now + ctx.exp(self.cfg.check_gap))
    }
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Parent {
    side: Side,
    left: Qty,
    children_left: u32,
    gap: Nanos,
}

/// An execution algorithm: works a parent order by sending equal child
/// orders at regular intervals, each crossing the spread by one tick. This
/// is the time-weighted schedule, which Almgren and Chriss ("Optimal
/// execution of portfolio transactions", Journal of Risk 2000) show to be
/// optimal for a trader indifferent to the risk of waiting.
pub(crate) struct Execution {
    pub(crate) cfg: ExecutionConfig,
    pub(crate) access: Access,
    pub(crate) instrument: InstrumentId,
    pub(crate) parent: Option<Parent>,
}

impl Agent for Execution {
    fn wake(&mut self, ctx: &mut Ctx<'_>) -> Option<Nanos> {
        let mut parent = match self.parent {
            Some(p) => p,
            None => {
                let children = self.cfg.children.max(1);
                let duration = ctx.jitter(self.cfg.parent_duration, 0.5, 1.5);
                Parent {
                    side: ctx.side(),
                    left: ctx.qty(self.instrument, self.cfg.parent_size_multiplier),
                    children_left: children,
                    gap: Nanos(duration.0 / u64::from(children)),
                }
            }
        };

        let min_qty = ctx.instrument(self.instrument).spec.min_qty;
        let child = Qty((parent.left.0 / i64::from(parent.children_left)).max(min_qty.0));
        let child = child.min(parent.left);
        if child >= min_qty
            && let Some(placed) = ctx.take(self.access, self.instrument, parent.side, child, 1)
        {
            parent.left -= placed.filled;
        }
        parent.children_left -= 1;

        if parent.children_left == 0 || parent.left < min_qty {
            self.parent = None;
            Some(ctx.now + ctx.exp(self.cfg.pause))
        } else {
            self.parent = Some(parent);
            Some(ctx.now + ctx.jitter(parent.gap, 0.8, 1.2))
        }
    }
}

/// An arbitrageur: when the book's touch strays from the external
/// reference price by more than its threshold, it takes the depth priced
/// beyond the threshold, one clip at a time (at most its clip size per
/// look), which works the book back toward the reference over several
/// trades, as arbitrage between venues does, instead of sweeping it in one.
///
/// With [`ArbitrageConfig::post_when_fair`] it also trades when the book
/// agrees with the reference, the way the value traders of ABIDES (Byrd,
/// Hybinette and Balch 2020) send an order at every wake: it cancels what
/// it posted at its last look and posts a limit order on the side the
/// reference favours, from one tick inside the other side's best price to
/// one spread behind its own side's, without crossing.
pub(crate) struct Arbitrageur {
    pub(crate) cfg: ArbitrageConfig,
    pub(crate) access: Access,
    pub(crate) instrument: InstrumentId,
    /// The passive order left resting at the last look, if any.
    pub(crate) posted: Option<OrderId>,
}

impl Arbitrageur {
    /// Posts a limit order on the side of the mid price that the reference
    /// lies on, behind the other side's best price by a uniform draw of one
    /// tick to twice the spread.
    fn post(&mut self, ctx: &mut Ctx<'_>, reference: Price, touch: Touch) {
        let (Some(bid), Some(ask)) = (touch.bid, touch.ask) else {
            return;
        };
        let spread = (ask.0 - bid.0).max(1);
        let side = if 2 * reference.0 >= bid.0 + ask.0 { Side::Buy } else { Side::Sell };
        let behind = ctx.rng.random_range(1..=2 * spread);
        let price = match side {
            Side::Buy => ask - behind,
            Side::Sell => bid + behind,
        };
        if price.0 <= 0 {
            return;
        }
        let qty = ctx.qty(self.instrument, self.cfg.size_multiplier);
        if let Some(placed) = ctx.limit(self.access, self.instrument, side, price, qty)
            && placed.resting > Qty::ZERO
        {
            self.posted = Some(placed.id);
        }
    }
}

impl Agent for Arbitrageur {
    fn wake(&mut self, ctx: &mut Ctx<'_>) -> Option<Nanos> {
        if let Some(order) = self.posted.take() {
            ctx.cancel(self.access, order);
        }
        let reference = ctx.reference(self.instrument);
        let touch = ctx.touch(self.instrument);
        let threshold = self.cfg.threshold;
        let trade = match (touch.bid, touch.ask) {
            (_, Some(ask)) if ask.0 <= reference.0 - threshold => {
                Some((Side::Buy, reference - threshold))
            }
            (Some(bid), _) if bid.0 >= reference.0 + threshold => {
                Some((Side::Sell, reference + threshold))
            }
            _ => None,
        };
        if let Some((side, limit)) = trade {
            // Take all the depth that is mispriced against the reference,
            // up to what the desk will risk at once.
            let mispriced: i64 = ctx
                .book(self.instrument)
                .levels(side.opposite())
                .take_while(|l| match side {
                    Side::Buy => l.price <= limit,
                    Side::Sell => l.price >= limit,
                })
                .map(|l| l.qty.0)
                .sum();
            // It sends its clip whole and lets the limit price stop it,
            // so its orders seldom fill exactly.
            let clip = ctx.qty(self.instrument, self.cfg.size_multiplier * self.cfg.max_clip);
            let qty = if mispriced > 0 { clip } else { Qty::ZERO };
            if qty > Qty::ZERO {
                ctx.submit(self.access, OrderRequest::ioc(self.instrument, side, limit, qty));
            }
        } else if self.cfg.post_when_fair {
            self.post(ctx, reference, touch);
        }
        Some(ctx.now + ctx.exp(self.cfg.check_gap))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placement_distances_have_the_lomax_tail() {
        // The share of draws at least `d` ticks behind is `(1 + d / 20)^-0.7`.
        let n = 100_000;
        let draws: Vec<i64> =
            (0..n).map(|i| placement_distance((i as f64 + 0.5) / n as f64, 20.0, 0.7)).collect();
        for d in [1, 10, 40, 100] {
            let share = draws.iter().filter(|&&x| x >= d).count() as f64 / n as f64;
            let expected = (1.0 + d as f64 / 20.0).powf(-0.7);
            assert!(
                (share - expected).abs() < 0.01,
                "at {d} ticks: {share:.4} against {expected:.4}"
            );
        }
        assert!(draws.iter().all(|&x| (0..=400).contains(&x)));
    }

    #[test]
    fn sizes_round_as_people_type_them() {
        let cases = [(1, 1), (3, 3), (8, 10), (12, 10), (15, 20), (44, 40), (46, 50), (230, 250)];
        for (raw, rounded) in cases {
            assert_eq!(round_size(Qty(raw)), Qty(rounded), "{raw}");
        }
    }
}
