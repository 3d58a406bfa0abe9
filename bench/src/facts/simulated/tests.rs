//! The rebuilt book against the exchange's own, and the level view against
//! hand-placed orders.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use surveil_sim::matching::SelfTradePrevention;
use surveil_sim::{Access, book::LevelView};
use surveil_sim::{
    AccountId, Channel, Client, Exchange, InstrumentId, InstrumentSpec, Ip, KeyId, Network,
    OrderRequest, RegionId,
};

use super::*;

const I: InstrumentId = InstrumentId(0);

fn spec() -> InstrumentSpec {
    InstrumentSpec {
        symbol: "TEST-KRW".into(),
        krw_per_tick: 1.0,
        tokens_per_lot: 1.0,
        min_price: Price(1),
        max_price: Price(1_000),
        min_qty: Qty(1),
        max_qty: Qty(100),
        tick_size: 1,
        lot_size: 1,
    }
}

fn who(account: u32) -> Access {
    Access {
        account: AccountId(account),
        channel: Channel::Api(KeyId(account)),
        ip: Ip(1),
        region: RegionId(0),
        network: Network::Cloud,
        client: Client::KnownLibrary(0),
    }
}

fn levels(book: &Book, side: Side) -> Vec<LevelView> {
    book.levels(side).collect()
}

/// Sends one random request: an order of any type, a cancel or an amend of
/// an order placed before (resting or not), from one of three accounts so
/// that self-trade prevention has work to do.
fn random_request(ex: &mut Exchange, rng: &mut ChaCha8Rng, now: Nanos, placed: &mut Vec<OrderId>) {
    let access = who(rng.random_range(1..=3));
    let side = if rng.random_bool(0.5) { Side::Buy } else { Side::Sell };
    let price = Price(rng.random_range(95..=105));
    let qty = Qty(rng.random_range(1..=20));
    match rng.random_range(0..10) {
        0..=5 => {
            let order_type = match rng.random_range(0..10) {
                0 => OrderType::ImmediateOrCancel,
                1 => OrderType::FillOrKill,
                2 => OrderType::PostOnly,
                3 => OrderType::Market,
                _ => OrderType::Limit,
            };
            let request = if order_type == OrderType::Market {
                OrderRequest::market(I, side, qty)
            } else {
                OrderRequest::typed(I, side, order_type, price, qty)
            };
            if let Ok(p) = ex.submit(now, access, request) {
                placed.push(p.id);
            }
        }
        6..=7 if !placed.is_empty() => {
            let id = placed[rng.random_range(0..placed.len())];
            let _ = ex.cancel(now, access, id);
        }
        _ if !placed.is_empty() => {
            let id = placed[rng.random_range(0..placed.len())];
            let qty = if rng.random_bool(0.1) { Qty(0) } else { qty };
            let _ = ex.amend(now, access, id, price, qty);
        }
        _ => {}
    }
}

#[test]
fn the_rebuilt_book_matches_the_exchange_after_every_request() {
    let modes = [
        SelfTradePrevention::Off,
        SelfTradePrevention::CancelIncoming,
        SelfTradePrevention::CancelResting,
        SelfTradePrevention::CancelBoth,
        SelfTradePrevention::DecrementBoth,
    ];
    for (seed, stp) in modes.into_iter().enumerate() {
        let mut ex = Exchange::with_self_trade_prevention(vec![spec()], stp);
        let mut rebuild = Rebuild::new(1, View::Full);
        let mut rng = ChaCha8Rng::seed_from_u64(seed as u64);
        let (mut placed, mut events) = (Vec::new(), Vec::new());
        for step in 0..20_000u64 {
            // Several requests share a time now and then, as in one wake.
            let now = Nanos(1_000 * (step / 3));
            random_request(&mut ex, &mut rng, now, &mut placed);
            ex.drain_events(&mut events);
            for event in events.drain(..) {
                rebuild.apply(&event);
            }
            rebuild.settle();
            for side in [Side::Buy, Side::Sell] {
                assert_eq!(
                    levels(rebuild.book(), side),
                    levels(ex.book(I), side),
                    "{stp:?}, step {step}, {side:?} side"
                );
            }
        }
        assert!(rebuild.collector.trades() > 1_000, "{stp:?}: the flow must trade");
    }
}

/// Places and cancels orders at and behind the touch and returns the
/// counts the view let through.
fn level_view_counts(view: View) -> (u64, u64, u64) {
    let mut ex = Exchange::new(vec![spec()]);
    let mut rebuild = Rebuild::new(1, view);
    let mut events = Vec::new();
    fn send(ex: &mut Exchange, t: u64, request: OrderRequest) -> Option<OrderId> {
        ex.submit(Nanos(t), who(1), request).map(|p| p.id).ok()
    }
    let best_bid = send(&mut ex, 1, OrderRequest::limit(I, Side::Buy, Price(100), Qty(5)));
    let deep_bid = send(&mut ex, 2, OrderRequest::limit(I, Side::Buy, Price(98), Qty(5)));
    send(&mut ex, 3, OrderRequest::limit(I, Side::Sell, Price(102), Qty(5)));
    send(&mut ex, 4, OrderRequest::limit(I, Side::Sell, Price(105), Qty(5)));
    // A buy of 2 at 102 fills on arrival and never rests; the ask at 103
    // then arrives second, behind the 3 left at 102.
    send(&mut ex, 5, OrderRequest::limit(I, Side::Buy, Price(102), Qty(2)));
    send(&mut ex, 6, OrderRequest::limit(I, Side::Sell, Price(103), Qty(3)));
    if let Some(id) = deep_bid {
        let _ = ex.cancel(Nanos(7), who(1), id);
    }
    if let Some(id) = best_bid {
        let _ = ex.cancel(Nanos(8), who(1), id);
    }
    ex.drain_events(&mut events);
    for event in &events {
        rebuild.apply(event);
    }
    let m = rebuild.finish(Nanos(10));
    (m.counts.new_orders, m.counts.cancellations, m.counts.trades)
}

#[test]
fn a_level_view_shows_only_what_happens_at_the_best_levels() {
    // Every level: five orders rest (the buy at 102 fills on arrival and
    // never rests), two are cancelled, one execution.
    assert_eq!(level_view_counts(View::Full), (5, 2, 1));
    // The best level: the bid at 100 and the ask at 102 arrive at the
    // touch; the bid at 98, the ask at 105 and the ask at 103 behind 102
    // do not. Only the cancellation of the bid at 100 is at the touch.
    assert_eq!(level_view_counts(View::Levels(1)), (2, 1, 1));
    // Two levels a side: the bid at 98 and the ask at 105 arrive second
    // (so does the ask at 103, pushing 105 to third); the cancellations of
    // both bids happen within the two best bids.
    assert_eq!(level_view_counts(View::Levels(2)), (5, 2, 1));
}
