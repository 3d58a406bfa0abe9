//! A synthetic message flow shaped like a liquid instrument's, for
//! measuring the matching engine.
//!
//! A mid price wanders (how fast depends on the [`Regime`]); new orders are
//! placed near the touch with a heavy tail away from it; most resting orders
//! are eventually cancelled (86% in the calm regime, fewer as a moving mid
//! runs over more of them), about 15% of new orders are
//! immediate-or-cancel, about a quarter of orders are amended, and
//! quantities run from 1 to 100 lots. The flow is a pure function of the
//! regime, the length and the seed, and is generated before it is replayed
//! so that generating it is not part of what is measured.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use surveil_sim::book::Book;
use surveil_sim::matching::{BookReject, NewOrder, Report, SelfTradePrevention, TimeInForce};
use surveil_sim::{AccountId, OrderId, Price, Qty, Side};

/// How the mid price moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Regime {
    /// Small, mean-reverting moves.
    Calm,
    /// A random walk of about a tick every few messages.
    Volatile,
    /// A one-way slide of hundreds of ticks with wide swings: every level
    /// near the touch is swept and rebuilt again and again.
    Crash,
}

impl Regime {
    /// Every regime, calmest first.
    pub const ALL: [Regime; 3] = [Regime::Calm, Regime::Volatile, Regime::Crash];

    /// Returns the regime's name.
    pub fn name(self) -> &'static str {
        match self {
            Regime::Calm => "calm",
            Regime::Volatile => "volatile",
            Regime::Crash => "crash",
        }
    }
}

/// One message to the book.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Message {
    /// A new order.
    New(NewOrder),
    /// A cancel.
    Cancel(OrderId),
    /// An amend to a new price and quantity.
    Amend {
        /// The order.
        id: OrderId,
        /// Its new price.
        price: Price,
        /// Its new quantity.
        qty: Qty,
    },
}

/// The starting mid price, far from zero so that a crash never reaches it.
const START_MID: i64 = 1_000_000;

/// Generates `len` messages of a regime.
pub fn generate(regime: Regime, len: usize, seed: u64) -> Vec<Message> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ regime as u64);
    let mut out = Vec::with_capacity(len);
    let mut live: Vec<OrderId> = Vec::new();
    let mut next_id = 1u64;
    let mut mid = START_MID as f64;
    let mut step = 0u64;

    while out.len() < len {
        step += 1;
        mid = match regime {
            Regime::Calm => mid + 0.05 * (START_MID as f64 - mid) + rng.random_range(-0.3..0.3),
            Regime::Volatile => mid + rng.random_range(-0.15..0.15),
            Regime::Crash => mid - 0.01 + rng.random_range(-0.4..0.4),
        };
        let touch = mid.round() as i64;

        // Keep a few hundred orders resting: cancel and amend more when
        // there are more, place more when there are fewer.
        let pressure = live.len() as f64 / 400.0;
        let roll: f64 = rng.random();
        if !live.is_empty() && roll < 0.40 * pressure {
            let id = live.swap_remove(rng.random_range(0..live.len()));
            out.push(Message::Cancel(id));
        } else if !live.is_empty() && roll < 0.55 * pressure {
            let id = live[rng.random_range(0..live.len())];
            let side = if id.0.is_multiple_of(2) { Side::Buy } else { Side::Sell };
            out.push(Message::Amend {
                id,
                price: Price(passive_price(&mut rng, touch, side)),
                qty: Qty(rng.random_range(1..=100)),
            });
        } else {
            let id = OrderId(next_id);
            next_id += 1;
            let side = if id.0.is_multiple_of(2) { Side::Buy } else { Side::Sell };
            let ioc = rng.random_bool(0.15);
            let price = if ioc {
                // Takers cross by a tick or two, so they really trade.
                touch + side.sign() * rng.random_range(1..=2)
            } else {
                passive_price(&mut rng, touch, side)
            };
            let tif =
                if ioc { TimeInForce::ImmediateOrCancel } else { TimeInForce::GoodTillCancel };
            // Takers are smaller than the depth they meet, as on a liquid
            // book where most resting orders never trade.
            let qty = if ioc { rng.random_range(1..=20) } else { rng.random_range(1..=100) };
            let order = NewOrder {
                id,
                owner: Some(AccountId((step % 64) as u32)),
                side,
                price: Some(Price(price)),
                qty: Qty(qty),
                tif,
            };
            out.push(Message::New(order));
            if !ioc {
                live.push(id);
            }
        }
    }
    out
}

/// A price on `side` behind the touch: at least a tick away and mostly within
/// a few ticks, with a heavy (Pareto) tail.
fn passive_price(rng: &mut ChaCha8Rng, touch: i64, side: Side) -> i64 {
    let u: f64 = rng.random_range(0.0001..1.0);
    let distance = 1 + (u.powf(-1.0 / 1.3) - 1.0).min(500.0) as i64;
    touch - side.sign() * distance
}

/// What applying a flow did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Applied {
    /// Messages applied.
    pub messages: u64,
    /// Fills reported.
    pub fills: u64,
    /// Requests the book refused (cancels and amends of orders that had
    /// already filled, mostly).
    pub refused: u64,
    /// New orders that rested.
    pub rested: u64,
    /// Resting orders cancelled by their owner.
    pub cancelled: u64,
    /// Amends applied.
    pub amended: u64,
}

/// Applies a flow to a book, reusing one report buffer, and counts what
/// happened.
pub fn apply(book: &mut Book, messages: &[Message], reports: &mut Vec<Report>) -> Applied {
    let mut applied = Applied::default();
    for message in messages {
        reports.clear();
        let result: Result<(), BookReject> = match *message {
            Message::New(order) => {
                book.submit(&order, SelfTradePrevention::CancelIncoming, reports)
            }
            Message::Cancel(id) => book.cancel_order(id, reports),
            Message::Amend { id, price, qty } => {
                book.amend(id, price, qty, SelfTradePrevention::CancelIncoming, reports)
            }
        };
        applied.messages += 1;
        applied.refused += u64::from(result.is_err());
        for report in reports.iter() {
            match report {
                Report::Fill { .. } => applied.fills += 1,
                Report::Rested { .. } => applied.rested += 1,
                Report::Cancelled {
                    cause: surveil_sim::matching::CancelCause::Requested, ..
                } => {
                    applied.cancelled += 1;
                }
                Report::Amended { .. } => applied.amended += 1,
                _ => {}
            }
        }
    }
    applied
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count_new(flow: &[Message], ioc: bool) -> usize {
        flow.iter()
            .filter(|m| match m {
                Message::New(o) => (o.tif == TimeInForce::ImmediateOrCancel) == ioc,
                _ => false,
            })
            .count()
    }

    #[test]
    fn flow_is_deterministic_and_differs_by_regime() {
        assert_eq!(generate(Regime::Calm, 1000, 3), generate(Regime::Calm, 1000, 3));
        assert_ne!(generate(Regime::Calm, 1000, 3), generate(Regime::Crash, 1000, 3));
    }

    /// The shape the engine's benchmark promises: about 15% of new orders
    /// immediate-or-cancel, most resting orders cancelled, a fifth amended,
    /// and real trading.
    #[test]
    fn flow_has_the_promised_shape() {
        for regime in Regime::ALL {
            let flow = generate(regime, 200_000, 7);
            let (ioc, gtc) = (count_new(&flow, true), count_new(&flow, false));
            let ioc_share = ioc as f64 / (ioc + gtc) as f64;
            assert!((0.13..0.17).contains(&ioc_share), "{regime:?}: IOC {ioc_share:.3}");

            let mut book = Book::new();
            let applied = apply(&mut book, &flow, &mut Vec::new());
            book.check_invariants().unwrap();
            let cancelled = applied.cancelled as f64 / gtc as f64;
            let amended = applied.amended as f64 / gtc as f64;
            // The calm book cancels most of what rests; a moving mid runs
            // over more resting orders, which then fill instead.
            let floor = match regime {
                Regime::Calm => 0.8,
                Regime::Volatile => 0.55,
                Regime::Crash => 0.3,
            };
            assert!(cancelled > floor, "{regime:?}: cancelled {cancelled:.3}");
            assert!((0.1..0.45).contains(&amended), "{regime:?}: amended {amended:.3}");
            assert!(applied.fills as f64 > 0.1 * ioc as f64, "{regime:?}: {applied:?}");
        }
    }
}
