//! The reference's order semantics: `submit`, `amend` and `cancel_order`,
//! written from the rules in the matching module's documentation on the
//! reference book's plain vectors.
//!
//! Each rule is taken at its word. The next order an incoming order meets is
//! found by scanning for the best price and the earliest arrival; an order's
//! owner is compared with each resting order it meets; fill-or-kill "fills
//! completely or, changing nothing, is cancelled whole", so the reference
//! plays the order out on a copy of the book and keeps the copy only if every
//! lot traded.
//!
//! Where the rules are silent, the reference reads them as follows.
//!
//! - A request that could be refused for several reasons may be refused for
//!   any of them: the reference returns every reason that applies.
//! - An amend's quantity is the order's new open quantity, compared with
//!   what is left of it, not with what it first asked for; an amend to the
//!   same price and quantity is a lower-or-equal one and keeps priority.
//! - A post-only order whose limit reaches the other side's best is
//!   refused even when that best is its own account's order: it cannot rest
//!   crossed, and self-trade prevention applies only to an order that trades.
//! - When self-trade prevention acts on both orders, the resting order's
//!   report comes first, as the matching module's rule tests show.

use surveil_sim::matching::{
    BookReject, CancelCause, NewOrder, Report, SelfTradePrevention, TimeInForce,
};
use surveil_sim::types::{AccountId, OrderId, Price, Qty, Side};

use super::ReferenceBook;

/// What the reference expects of one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Expected {
    /// Refused, changing nothing, for any one of these reasons: all that
    /// apply.
    Refused(Vec<BookReject>),
    /// Accepted, with these reports in this order.
    Accepted(Vec<Report>),
}

/// How the matching of an incoming order ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ending {
    /// The order filled, or nothing more on the other side was within its
    /// limit.
    Done,
    /// Self-trade prevention cancels what is left of the incoming order.
    SelfTrade,
}

/// Tells whether an order on `side` limited to `limit` (none for a market
/// order) may trade with a resting order at `price`.
fn within(side: Side, limit: Option<Price>, price: Price) -> bool {
    match (side, limit) {
        (_, None) => true,
        (Side::Buy, Some(limit)) => price <= limit,
        (Side::Sell, Some(limit)) => price >= limit,
    }
}

/// Tells whether two orders belong to the same known account; an unknown
/// owner matches nobody, not even another unknown owner.
fn same_account(a: Option<AccountId>, b: Option<AccountId>) -> bool {
    matches!((a, b), (Some(a), Some(b)) if a == b)
}

impl ReferenceBook {
    /// Submits an order under `stp`, as [`surveil_sim::book::Book::submit`]
    /// is specified to.
    pub(crate) fn submit(&mut self, order: &NewOrder, stp: SelfTradePrevention) -> Expected {
        let reasons = self.submit_refusals(order);
        if !reasons.is_empty() {
            return Expected::Refused(reasons);
        }

        // Fill-or-kill is played out on a copy, which is kept only if the
        // order traded every lot; otherwise nothing changes.
        if order.tif == TimeInForce::FillOrKill {
            let mut trial = self.clone();
            let mut reports = Vec::new();
            trial.take(order, stp, &mut reports);
            let traded: i64 = reports
                .iter()
                .map(|r| match *r {
                    Report::Fill { taker, qty, .. } if taker == order.id => qty.0,
                    _ => 0,
                })
                .sum();
            if Qty(traded) == order.qty {
                *self = trial;
                return Expected::Accepted(reports);
            }
            let killed =
                Report::Cancelled { id: order.id, qty: order.qty, cause: CancelCause::FillOrKill };
            return Expected::Accepted(vec![killed]);
        }

        let mut reports = Vec::new();
        let (left, ending) = self.take(order, stp, &mut reports);
        if left > Qty::ZERO {
            let rests = matches!(order.tif, TimeInForce::GoodTillCancel | TimeInForce::PostOnly);
            let report = match (ending, order.price) {
                (Ending::SelfTrade, _) => {
                    Report::Cancelled { id: order.id, qty: left, cause: CancelCause::SelfTrade }
                }
                (Ending::Done, Some(price)) if rests => {
                    let refusals = self.rest_owned(order.id, order.owner, order.side, price, left);
                    assert!(refusals.is_empty(), "a matched remainder must rest: {refusals:?}");
                    Report::Rested { id: order.id, price, qty: left }
                }
                (Ending::Done, _) => {
                    Report::Cancelled { id: order.id, qty: left, cause: CancelCause::Unfilled }
                }
            };
            reports.push(report);
        }
        Expected::Accepted(reports)
    }

    /// Cancels a resting order at its owner's request.
    pub(crate) fn cancel_order(&mut self, id: OrderId) -> Expected {
        match self.cancel(id) {
            Some(order) => Expected::Accepted(vec![Report::Cancelled {
                id,
                qty: order.qty,
                cause: CancelCause::Requested,
            }]),
            None => Expected::Refused(vec![BookReject::UnknownOrder]),
        }
    }

    /// Amends a resting order to `price` and `qty`. An order that loses its
    /// priority re-enters as a new good-till-cancel order of the same owner
    /// under `stp`.
    ///
    /// # Panics
    ///
    /// On a negative quantity, which the rules do not define (they define
    /// an amend to zero) and the tests never send.
    pub(crate) fn amend(
        &mut self,
        id: OrderId,
        price: Price,
        qty: Qty,
        stp: SelfTradePrevention,
    ) -> Expected {
        assert!(qty >= Qty::ZERO, "the rules leave an amend to a negative quantity undefined");
        let Some(current) = self.find(id).copied() else {
            return Expected::Refused(vec![BookReject::UnknownOrder]);
        };
        if qty == Qty::ZERO {
            return self.cancel_order(id);
        }

        // Fewer lots (or as many) at the same price: the order keeps its
        // arrival, so its place.
        let order = current.order;
        if price == order.price && qty <= order.qty {
            let side = self.orders_mut(order.side);
            let kept = side.iter_mut().find(|q| q.order.id == id).expect("found above");
            kept.order.qty = qty;
            return Expected::Accepted(vec![Report::Amended {
                id,
                price,
                qty,
                priority_kept: true,
            }]);
        }

        self.cancel(id);
        let mut reports = vec![Report::Amended { id, price, qty, priority_kept: false }];
        let again = NewOrder {
            id,
            owner: current.owner,
            side: order.side,
            price: Some(price),
            qty,
            tif: TimeInForce::GoodTillCancel,
        };
        match self.submit(&again, stp) {
            Expected::Accepted(more) => reports.extend(more),
            Expected::Refused(reasons) => {
                panic!("an amended order re-enters as a valid order, yet {reasons:?}")
            }
        }
        Expected::Accepted(reports)
    }

    /// Returns every reason to refuse `order`: empty if it is acceptable.
    fn submit_refusals(&self, order: &NewOrder) -> Vec<BookReject> {
        let mut reasons = Vec::new();
        if order.qty <= Qty::ZERO {
            reasons.push(BookReject::NonPositiveQty);
        }
        if self.get(order.id).is_some() {
            reasons.push(BookReject::DuplicateId);
        }

        let others = self.orders(order.side.opposite());
        if order.price.is_none() {
            if matches!(order.tif, TimeInForce::GoodTillCancel | TimeInForce::PostOnly) {
                reasons.push(BookReject::MarketMustBeImmediate);
            }
            if others.is_empty() {
                reasons.push(BookReject::NoLiquidity);
            }
        }
        let would_trade = others.iter().any(|q| within(order.side, order.price, q.order.price));
        if order.tif == TimeInForce::PostOnly && would_trade {
            reasons.push(BookReject::WouldTakeLiquidity);
        }
        reasons
    }

    /// Matches an incoming order against the other side, one resting order
    /// at a time, applying self-trade prevention to each it meets; reports
    /// what happens and returns the quantity left and how matching ended.
    fn take(
        &mut self,
        order: &NewOrder,
        stp: SelfTradePrevention,
        reports: &mut Vec<Report>,
    ) -> (Qty, Ending) {
        let makers = order.side.opposite();
        let mut left = order.qty;
        while left > Qty::ZERO {
            let Some(i) = self.next_to_trade(makers) else { break };
            let maker = self.orders(makers)[i];
            if !within(order.side, order.price, maker.order.price) {
                break;
            }

            let mode =
                if same_account(order.owner, maker.owner) { stp } else { SelfTradePrevention::Off };
            let resting = maker.order;
            match mode {
                SelfTradePrevention::Off => {
                    let qty = left.min(resting.qty);
                    left -= qty;
                    let maker_remaining = self.take_lots(makers, i, qty);
                    reports.push(Report::Fill {
                        maker: resting.id,
                        taker: order.id,
                        price: resting.price,
                        qty,
                        maker_remaining,
                        taker_remaining: left,
                    });
                }
                SelfTradePrevention::CancelIncoming => return (left, Ending::SelfTrade),
                SelfTradePrevention::CancelResting | SelfTradePrevention::CancelBoth => {
                    self.orders_mut(makers).remove(i);
                    reports.push(Report::Cancelled {
                        id: resting.id,
                        qty: resting.qty,
                        cause: CancelCause::SelfTrade,
                    });
                    if mode == SelfTradePrevention::CancelBoth {
                        return (left, Ending::SelfTrade);
                    }
                }
                SelfTradePrevention::DecrementBoth => {
                    let by = left.min(resting.qty);
                    left -= by;
                    let remaining = self.take_lots(makers, i, by);
                    reports.push(Report::Decremented { id: resting.id, by, remaining });
                    reports.push(Report::Decremented { id: order.id, by, remaining: left });
                }
            }
        }
        (left, Ending::Done)
    }

    /// Takes `qty` lots off the order at position `i` of `side`, removing it
    /// if none are left, and returns what is left.
    fn take_lots(&mut self, side: Side, i: usize, qty: Qty) -> Qty {
        let orders = self.orders_mut(side);
        orders[i].order.qty -= qty;
        let left = orders[i].order.qty;
        if left == Qty::ZERO {
            orders.remove(i);
        }
        left
    }
}
