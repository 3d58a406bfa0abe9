//! Coordinated pumps: several accounts buy an illiquid token together in a
//! short window, then sell into the buyers the move attracts (La Morgia,
//! Mei, Sassi and Stefa, ICCCN 2020, on real pump-and-dump groups).
//!
//! A pump runs in four phases: the group first buys half its position
//! quietly with bids at the touch (accumulation), then buys the rest
//! together with immediate orders that walk up the book (the push), holds
//! while the move draws in buyers (trend-chasing retail traders and
//! momentum bots, see [`crate::agents::chasers`]), and finally sells into
//! those buyers with asks first in the queue, one tick inside the touch,
//! never below what each member paid until the last quarter of the window
//! (distribution), dumping whatever is left at the end. The payoff is the first moment the group's average
//! selling price is above its average buying price.
//!
//! Variants:
//!
//! - `open`: the group's accounts trade openly, from one address and tool;
//! - `wash_cover`: the group also wash-trades among itself through the
//!   accumulation and the push, so that its buying hides among a ring's
//!   volume. That ring is wash trading in its own right, so the ground
//!   truth also holds a `wash_trading` episode of variant `pump_cover` for
//!   the same accounts, with the wash orders; the pump episode holds every
//!   order of the group, the wash orders included.
//!
//! A disguised group accumulates over three times as long, pushes over a
//! window three times as long in smaller clips, and each account trades
//! from its own address, region and client.

use rand::Rng;

use super::Window;
use crate::access::Access;
use crate::agents::{Agent, Ctx};
use crate::exchange::OrderRequest;
use crate::truth::{AbuseKind, EpisodeHandle};
use crate::types::{AccountId, InstrumentId, KeyId, Nanos, OrderId, Price, Qty, Side};

/// The variants, in the order of the scenario's weights.
pub(crate) const VARIANTS: [&str; 2] = ["open", "wash_cover"];

/// When each phase of a pump ends.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Phases {
    pub(crate) accumulation_end: Nanos,
    pub(crate) push_end: Nanos,
    pub(crate) hold_end: Nanos,
    pub(crate) distribution_end: Nanos,
}

impl Phases {
    /// The window the whole pump spans.
    pub(crate) fn window(&self, start: Nanos) -> Window {
        Window { start, end: self.distribution_end }
    }
}

#[derive(Debug)]
struct Member {
    access: Access,
    /// Lots held, and what they cost, in ticks times lots.
    position: i64,
    bought: i64,
    cost: i64,
    sold: i64,
    proceeds: i64,
    /// The member's one resting order, with the size known to rest.
    resting: Option<(OrderId, Side, Price, Qty)>,
}

impl Member {
    /// Learns the fills of the resting order since the last look.
    fn reconcile(&mut self, left: Qty) {
        let Some((id, side, price, known)) = self.resting else { return };
        self.fill(side, price, (known - left).0);
        self.resting = (left > Qty::ZERO).then_some((id, side, price, left));
    }

    fn fill(&mut self, side: Side, price: Price, lots: i64) {
        match side {
            Side::Buy => {
                self.position += lots;
                self.bought += lots;
                self.cost += lots * price.0;
            }
            Side::Sell => {
                self.position -= lots;
                self.sold += lots;
                self.proceeds += lots * price.0;
            }
        }
    }
}

/// A pump group.
pub(crate) struct PumpGroup {
    variant: &'static str,
    members: Vec<Member>,
    instrument: InstrumentId,
    phases: Phases,
    /// Lots each member means to hold after the push.
    target: i64,
    /// Clip size of the push, relative to the typical size.
    push_clip: f64,
    wash_cover: bool,
    episode: Option<EpisodeHandle>,
    wash_episode: Option<EpisodeHandle>,
    wash_turn: usize,
    /// Whether the push has begun.
    pushing: bool,
}

impl PumpGroup {
    pub(crate) fn new(
        variant: &'static str,
        accounts: Vec<Access>,
        instrument: InstrumentId,
        phases: Phases,
        target: Qty,
        push_clip: f64,
    ) -> PumpGroup {
        let members = accounts
            .into_iter()
            .map(|access| Member {
                access,
                position: 0,
                bought: 0,
                cost: 0,
                sold: 0,
                proceeds: 0,
                resting: None,
            })
            .collect();
        PumpGroup {
            variant,
            members,
            instrument,
            phases,
            target: target.0.max(1),
            push_clip,
            wash_cover: variant == "wash_cover",
            episode: None,
            wash_episode: None,
            wash_turn: 0,
            pushing: false,
        }
    }

    fn cancel_resting(&mut self, ctx: &mut Ctx<'_>, episode: EpisodeHandle, m: usize) {
        let member = &mut self.members[m];
        if let Some((id, _, _, _)) = member.resting
            && let Some(left) = ctx.cancel(member.access, id)
        {
            member.reconcile(left);
            ctx.truth.activity(episode, ctx.now);
        }
        member.resting = None;
    }

    /// Rests one order for member `m`, replacing any it has.
    fn rest(
        &mut self,
        ctx: &mut Ctx<'_>,
        episode: EpisodeHandle,
        m: usize,
        side: Side,
        price: Price,
        qty: Qty,
    ) {
        self.cancel_resting(ctx, episode, m);
        let member = &mut self.members[m];
        if qty <= Qty::ZERO || price.0 <= 0 {
            return;
        }
        if let Some(placed) = ctx.limit(member.access, self.instrument, side, price, qty) {
            ctx.truth.order(episode, placed.id, member.access.ip, ctx.now);
            member.fill(side, price, placed.filled.0);
            if placed.resting > Qty::ZERO {
                member.resting = Some((placed.id, side, price, placed.resting));
            }
        }
    }

    /// Sends an immediate order for member `m` that walks the other side up
    /// to `limit`, and books its fills at the prices it met.
    fn take(
        &mut self,
        ctx: &mut Ctx<'_>,
        episode: EpisodeHandle,
        m: usize,
        side: Side,
        limit: Price,
        qty: Qty,
    ) {
        if qty <= Qty::ZERO || limit.0 <= 0 {
            return;
        }
        // Matching is synchronous, so the levels now are what it meets.
        let mut walk = Vec::new();
        let mut want = qty.0;
        for level in ctx.book(self.instrument).levels(side.opposite()) {
            let within = match side {
                Side::Buy => level.price <= limit,
                Side::Sell => level.price >= limit,
            };
            if !within || want == 0 {
                break;
            }
            let lots = want.min(level.qty.0);
            walk.push((level.price, lots));
            want -= lots;
        }
        let member = &mut self.members[m];
        let req = OrderRequest::ioc(self.instrument, side, limit, qty);
        if let Some(placed) = ctx.submit(member.access, req) {
            ctx.truth.order(episode, placed.id, member.access.ip, ctx.now);
            let mut left = placed.filled.0;
            for (price, lots) in walk {
                let lots = lots.min(left);
                member.fill(side, price, lots);
                left -= lots;
            }
        }
    }

    /// A wash trade between two members, strictly inside the spread.
    fn wash(&mut self, ctx: &mut Ctx<'_>, episode: EpisodeHandle) {
        let touch = ctx.touch(self.instrument);
        let (Some(bid), Some(ask)) = (touch.bid, touch.ask) else { return };
        if ask.0 - bid.0 < 2 || self.members.len() < 2 {
            return;
        }
        let n = self.members.len();
        let (s, b) = (self.wash_turn % n, (self.wash_turn + 1) % n);
        self.wash_turn += 1;
        let price = Price(ctx.rng.random_range(bid.0 + 1..ask.0));
        let qty = ctx.qty(self.instrument, 1.5);
        let seller = self.members[s].access;
        let buyer = self.members[b].access;
        let wash = *self.wash_episode.get_or_insert_with(|| {
            let accounts: Vec<AccountId> = self.members.iter().map(|m| m.access.account).collect();
            let keys: Vec<KeyId> =
                self.members.iter().filter_map(|m| m.access.channel.key()).collect();
            ctx.truth.open(AbuseKind::WashTrading, "pump_cover", &accounts, &keys, ctx.now)
        });
        if let Some(sell) = ctx.limit(seller, self.instrument, Side::Sell, price, qty) {
            for e in [episode, wash] {
                ctx.truth.order(e, sell.id, seller.ip, ctx.now);
            }
            let req = OrderRequest::ioc(self.instrument, Side::Buy, price, qty);
            if let Some(buy) = ctx.submit(buyer, req) {
                for e in [episode, wash] {
                    ctx.truth.order(e, buy.id, buyer.ip, ctx.now);
                }
                self.members[s].fill(Side::Sell, price, buy.filled.0);
                self.members[b].fill(Side::Buy, price, buy.filled.0);
            }
            if ctx.cancel(seller, sell.id).is_some() {
                for e in [episode, wash] {
                    ctx.truth.activity(e, ctx.now);
                }
            }
        }
    }

    fn check_payoff(&self, ctx: &mut Ctx<'_>, episode: EpisodeHandle) {
        let (bought, cost, sold, proceeds) = self.members.iter().fold((0, 0, 0, 0), |t, m| {
            (t.0 + m.bought, t.1 + m.cost, t.2 + m.sold, t.3 + m.proceeds)
        });
        // Average sell above average buy, compared without division.
        if sold > 0
            && bought > 0
            && i128::from(proceeds) * i128::from(bought) > i128::from(cost) * i128::from(sold)
        {
            ctx.truth.payoff(episode, ctx.now);
        }
    }
}

impl Agent for PumpGroup {
    fn wake(&mut self, ctx: &mut Ctx<'_>) -> Option<Nanos> {
        let episode = *self.episode.get_or_insert_with(|| {
            let accounts: Vec<AccountId> = self.members.iter().map(|m| m.access.account).collect();
            let keys: Vec<KeyId> =
                self.members.iter().filter_map(|m| m.access.channel.key()).collect();
            ctx.truth.open(AbuseKind::Pump, self.variant, &accounts, &keys, ctx.now)
        });
        let now = ctx.now;
        for m in &mut self.members {
            if let Some((id, ..)) = m.resting {
                let left = ctx.exchange.resting_qty(id).unwrap_or(Qty::ZERO);
                m.reconcile(left);
            }
        }
        let p = self.phases;
        let n = self.members.len();
        let m = ctx.rng.random_range(0..n);
        let touch = ctx.touch(self.instrument);
        let typical = ctx.instrument(self.instrument).typical_qty;

        if now < p.accumulation_end {
            // Quiet bids at the touch for half of the position:
            // bought below the reference, it is what makes the pump pay.
            if self.wash_cover && ctx.chance(0.5) {
                self.wash(ctx, episode);
            }
            let quiet = self.target / 2;
            let member = &self.members[m];
            if member.position < quiet
                && member.resting.is_none()
                && let (Some(bid), Some(ask)) = (touch.bid, touch.ask)
            {
                // First in the queue: one tick above the bid when the
                // spread leaves room.
                let price = if ask.0 - bid.0 >= 2 { bid + 1 } else { bid };
                let qty = Qty((quiet - member.position).min(typical.0));
                self.rest(ctx, episode, m, Side::Buy, price, qty);
            }
            return Some(now + ctx.exp(Nanos::from_secs(4)));
        }

        if now < p.push_end {
            // Everyone buys together, walking up the book; the quiet bids
            // are pulled as the push begins.
            if !self.pushing {
                self.pushing = true;
                for i in 0..n {
                    self.cancel_resting(ctx, episode, i);
                }
            }
            if self.wash_cover && ctx.chance(0.3) {
                self.wash(ctx, episode);
            }
            let member = &self.members[m];
            if member.position < self.target
                && let Some(ask) = touch.ask
            {
                let clip = ctx.qty(self.instrument, self.push_clip);
                let qty = Qty((self.target - member.position).min(clip.0));
                self.take(ctx, episode, m, Side::Buy, ask + 1, qty);
            }
            // Clips are paced so that the group buys the rest of its
            // position within the window, however small they are, with
            // room for the clips the book leaves short.
            let clip_lots = (typical.0 as f64 * self.push_clip).max(1.0);
            let clips = ((self.target as f64 / 2.0 / clip_lots).ceil() as u64).max(4);
            let wakes = 2 * clips * n as u64;
            let gap = Nanos((p.push_end.0 - p.accumulation_end.0) / wakes.max(1));
            return Some(now + ctx.exp(gap.max(Nanos::from_millis(50))));
        }

        if now < p.hold_end {
            for i in 0..n {
                self.cancel_resting(ctx, episode, i);
            }
            return Some(p.hold_end);
        }

        if now < p.distribution_end {
            // Asks first in the queue, one tick inside the ask when the
            // spread leaves room, so that the chasers' market orders meet
            // the group's asks before the makers' quotes (which follow the
            // reference price, not the pump); members join rather than
            // undercut one another, and until the last quarter of the
            // window no member asks less than it paid.
            let late = now.0 >= p.distribution_end.0 - (p.distribution_end.0 - p.hold_end.0) / 4;
            let ours = self
                .members
                .iter()
                .filter_map(|x| x.resting.filter(|r| r.1 == Side::Sell).map(|r| r.2))
                .min();
            let member = &self.members[m];
            let wanted = match (touch.bid, touch.ask) {
                (Some(bid), Some(ask)) => {
                    let inside =
                        if ours != Some(ask) && ask.0 - bid.0 >= 2 { ask - 1 } else { ask };
                    let paid = member.cost / member.bought.max(1);
                    Some(if late { inside } else { Price(inside.0.max(paid + 1)) })
                }
                _ => None,
            };
            if let Some(price) = wanted {
                match member.resting {
                    None if member.position > 0 => {
                        let qty = Qty(member.position.min(typical.0 * 2));
                        self.rest(ctx, episode, m, Side::Sell, price, qty);
                    }
                    // Left behind by the touch: pull it and place it afresh.
                    Some((_, _, resting, _)) if price < resting => {
                        self.cancel_resting(ctx, episode, m);
                    }
                    _ => {}
                }
            }
            self.check_payoff(ctx, episode);
            return Some(now + ctx.exp(Nanos::from_millis(700)));
        }

        // The end: cancel what rests and dump what is left into the bids.
        for i in 0..n {
            self.cancel_resting(ctx, episode, i);
            let left = self.members[i].position;
            if left > 0
                && let Some(bid) = ctx.touch(self.instrument).bid
            {
                self.take(ctx, episode, i, Side::Sell, bid - 5, Qty(left));
            }
        }
        self.check_payoff(ctx, episode);
        None
    }
}
