//! Order semantics on top of the book: order types, amendments and
//! self-trade prevention, each reported as it happens.
//!
//! Every operation either changes nothing and returns a [`BookReject`], or
//! succeeds and appends the [`Report`]s that describe what happened, in the
//! order it happened. The rules:
//!
//! - A marketable order walks the other side best price first, oldest order
//!   first within a price, and stops at its own limit. Every fill is at the
//!   resting order's price. A partly filled resting order keeps its place.
//! - Good-till-cancel rests its remainder; immediate-or-cancel and market
//!   orders cancel it ([`CancelCause::Unfilled`]); fill-or-kill fills
//!   completely or, changing nothing, is cancelled whole
//!   ([`CancelCause::FillOrKill`]); post-only rests and is rejected if it
//!   would take liquidity. A market order is immediate-or-cancel without a
//!   limit (or fill-or-kill), and is rejected on an empty other side.
//! - Amending to a lower quantity at the same price keeps queue priority; a
//!   higher quantity or another price loses it, and the amended order then
//!   matches like a new good-till-cancel order (an amend across the spread
//!   trades at once). Amending to zero cancels. Cancelling or amending an
//!   order that does not rest is rejected.
//! - Self-trade prevention compares the incoming order's owner with each
//!   resting order it meets, and applies the incoming order's mode:
//!   [`SelfTradePrevention`] describes each. Fills made before the meeting
//!   stand; what the mode cancels or decrements is reported with
//!   [`CancelCause::SelfTrade`] or [`Report::Decremented`]. A fill-or-kill
//!   order counts as fillable only the liquidity it could trade without
//!   meeting its own orders (under cancel-resting, its own orders are
//!   stepped over); if it is killed, nothing changes, own orders included.

use crate::book::{Book, RestError};
use crate::types::{AccountId, OrderId, Price, Qty, Side};

/// How long an order may live.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TimeInForce {
    /// Rests its remainder until cancelled.
    GoodTillCancel,
    /// Cancels its remainder at once.
    ImmediateOrCancel,
    /// Fills completely at once or not at all.
    FillOrKill,
    /// Only rests: rejected if it would trade on arrival.
    PostOnly,
}

/// What happens when an order meets a resting order of the same account.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SelfTradePrevention {
    /// Nothing: the account trades with itself.
    #[default]
    Off,
    /// The incoming order's remainder is cancelled; the resting order stays.
    CancelIncoming,
    /// The resting order is cancelled and the incoming order goes on
    /// matching behind it.
    CancelResting,
    /// Both the resting order and the incoming order's remainder are
    /// cancelled.
    CancelBoth,
    /// Both are reduced by the smaller of their quantities without a trade;
    /// whichever reaches zero is gone, and a remaining incoming order goes
    /// on matching.
    DecrementBoth,
}

/// An order arriving at the book.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NewOrder {
    /// Its id, which must not belong to a resting order.
    pub id: OrderId,
    /// Its account, for self-trade prevention; `None` when unknown.
    pub owner: Option<AccountId>,
    /// Its side.
    pub side: Side,
    /// Its limit; `None` for a market order.
    pub price: Option<Price>,
    /// Its quantity.
    pub qty: Qty,
    /// How long it may live.
    pub tif: TimeInForce,
}

/// Why an order, or part of one, left the book without trading.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CancelCause {
    /// Its owner asked (a cancel, or an amend to zero).
    Requested,
    /// An immediate-or-cancel or market order's remainder.
    Unfilled,
    /// A fill-or-kill order that could not fill completely.
    FillOrKill,
    /// Self-trade prevention.
    SelfTrade,
}

/// One thing that happened to the book.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Report {
    /// An incoming order (the taker) traded with a resting one (the maker)
    /// at the maker's price.
    Fill {
        /// The resting order.
        maker: OrderId,
        /// The incoming order.
        taker: OrderId,
        /// The price, the maker's.
        price: Price,
        /// The quantity traded.
        qty: Qty,
        /// What is left of the maker; zero means it left the book.
        maker_remaining: Qty,
        /// What is left of the taker.
        taker_remaining: Qty,
    },
    /// An order's remainder now rests.
    Rested {
        /// The order.
        id: OrderId,
        /// Its price.
        price: Price,
        /// The quantity resting.
        qty: Qty,
    },
    /// An order, or an incoming order's remainder, left without trading.
    Cancelled {
        /// The order.
        id: OrderId,
        /// The quantity that left.
        qty: Qty,
        /// Why.
        cause: CancelCause,
    },
    /// Self-trade prevention took quantity off an order without a trade.
    Decremented {
        /// The order.
        id: OrderId,
        /// The quantity taken off.
        by: Qty,
        /// What is left; zero means the order is gone.
        remaining: Qty,
    },
    /// A resting order was amended; if it lost priority, the reports of it
    /// matching and resting again follow.
    Amended {
        /// The order.
        id: OrderId,
        /// Its new price.
        price: Price,
        /// Its new quantity.
        qty: Qty,
        /// Whether it kept its place in the queue.
        priority_kept: bool,
    },
}

/// Why the book refused a request; a refused request changes nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum BookReject {
    /// An order with this id is already resting.
    #[error("an order with this id is already resting")]
    DuplicateId,
    /// No order with this id is resting.
    #[error("no order with this id is resting")]
    UnknownOrder,
    /// A market order met an empty other side.
    #[error("a market order needs liquidity on the other side")]
    NoLiquidity,
    /// A post-only order would have traded on arrival.
    #[error("a post-only order would take liquidity")]
    WouldTakeLiquidity,
    /// The quantity is not positive.
    #[error("the quantity must be positive")]
    NonPositiveQty,
    /// An order without a price must be immediate-or-cancel or fill-or-kill.
    #[error("an order without a price must be immediate-or-cancel or fill-or-kill")]
    MarketMustBeImmediate,
}

/// Tells whether an order on `side` with `limit` may trade at `price`.
fn crosses(side: Side, limit: Option<Price>, price: Price) -> bool {
    match (side, limit) {
        (_, None) => true,
        (Side::Buy, Some(l)) => price <= l,
        (Side::Sell, Some(l)) => price >= l,
    }
}

/// How a match ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stop {
    /// The order filled, or the other side ran out or stopped crossing.
    Exhausted,
    /// Self-trade prevention cancels the incoming order's remainder.
    SelfTrade,
}

impl Book {
    /// Submits an order.
    ///
    /// # Errors
    ///
    /// Refuses, changing nothing, a duplicate live id, a non-positive
    /// quantity, a market order on an empty other side or with a
    /// time-in-force that would rest it, and a post-only order that would
    /// trade.
    pub fn submit(
        &mut self,
        order: &NewOrder,
        stp: SelfTradePrevention,
        out: &mut Vec<Report>,
    ) -> Result<(), BookReject> {
        // A non-positive quantity is refused before a duplicate id, as
        // `submit_fresh` refuses it.
        if order.qty > Qty::ZERO && self.get(order.id).is_some() {
            return Err(BookReject::DuplicateId);
        }
        self.submit_fresh(order, stp, out)
    }

    /// Submits an order whose id rests nowhere in this book, as
    /// [`Book::submit`] does after its check for a duplicate id: the
    /// gateway gives every order a fresh id, so the look-up it would make
    /// could only fail.
    pub(crate) fn submit_fresh(
        &mut self,
        order: &NewOrder,
        stp: SelfTradePrevention,
        out: &mut Vec<Report>,
    ) -> Result<(), BookReject> {
        if order.qty <= Qty::ZERO {
            return Err(BookReject::NonPositiveQty);
        }
        debug_assert!(self.get(order.id).is_none(), "order {} is not fresh", order.id.0);
        let opposite = order.side.opposite();
        let touch = self.best(opposite).map(|l| l.price);
        match (order.price, order.tif) {
            (None, TimeInForce::GoodTillCancel | TimeInForce::PostOnly) => {
                return Err(BookReject::MarketMustBeImmediate);
            }
            (None, _) if touch.is_none() => return Err(BookReject::NoLiquidity),
            (Some(price), TimeInForce::PostOnly)
                if touch.is_some_and(|t| crosses(order.side, Some(price), t)) =>
            {
                return Err(BookReject::WouldTakeLiquidity);
            }
            _ => {}
        }

        // A fill-or-kill order that cannot fill completely changes nothing.
        if order.tif == TimeInForce::FillOrKill && self.fillable(order, stp) < order.qty {
            out.push(Report::Cancelled {
                id: order.id,
                qty: order.qty,
                cause: CancelCause::FillOrKill,
            });
            return Ok(());
        }

        let mut left = order.qty;
        let stop = self.match_incoming(order, &mut left, stp, out);
        if left == Qty::ZERO {
            return Ok(());
        }
        let cause = match (stop, order.tif, order.price) {
            (Stop::SelfTrade, _, _) => CancelCause::SelfTrade,
            (Stop::Exhausted, TimeInForce::GoodTillCancel | TimeInForce::PostOnly, Some(price)) => {
                self.rest_owned(order.id, order.owner, order.side, price, left).map_err(
                    |e| match e {
                        RestError::DuplicateId(_) => BookReject::DuplicateId,
                        RestError::WouldCross | RestError::NonPositiveQty => {
                            unreachable!("a matched remainder rests uncrossed: {e}")
                        }
                    },
                )?;
                out.push(Report::Rested { id: order.id, price, qty: left });
                return Ok(());
            }
            (Stop::Exhausted, _, _) => {
                debug_assert!(order.tif != TimeInForce::FillOrKill, "a fillable FOK filled");
                CancelCause::Unfilled
            }
        };
        out.push(Report::Cancelled { id: order.id, qty: left, cause });
        Ok(())
    }

    /// Cancels a resting order at its owner's request.
    ///
    /// # Errors
    ///
    /// Refuses an order that is not resting.
    pub fn cancel_order(&mut self, id: OrderId, out: &mut Vec<Report>) -> Result<(), BookReject> {
        let order = self.cancel(id).ok_or(BookReject::UnknownOrder)?;
        out.push(Report::Cancelled { id, qty: order.qty, cause: CancelCause::Requested });
        Ok(())
    }

    /// Amends a resting order to a new price and quantity; see the module
    /// documentation for when it keeps its queue priority. An amended order
    /// that loses priority is treated as a new good-till-cancel order from
    /// the same owner, with `stp` as its self-trade prevention.
    ///
    /// # Errors
    ///
    /// Refuses an order that is not resting.
    pub fn amend(
        &mut self,
        id: OrderId,
        price: Price,
        qty: Qty,
        stp: SelfTradePrevention,
        out: &mut Vec<Report>,
    ) -> Result<(), BookReject> {
        let current = self.get(id).ok_or(BookReject::UnknownOrder)?;
        let owner = self.owner(id).flatten();
        if qty <= Qty::ZERO {
            return self.cancel_order(id, out);
        }
        if price == current.price && qty <= current.qty {
            self.reduce(id, current.qty - qty);
            out.push(Report::Amended { id, price, qty, priority_kept: true });
            return Ok(());
        }

        self.cancel(id);
        out.push(Report::Amended { id, price, qty, priority_kept: false });
        let order = NewOrder {
            id,
            owner,
            side: current.side,
            price: Some(price),
            qty,
            tif: TimeInForce::GoodTillCancel,
        };
        self.submit(&order, stp, out)
    }

    /// Matches an incoming order against the other side, applying
    /// self-trade prevention, and leaves its unfilled quantity in `left`.
    fn match_incoming(
        &mut self,
        order: &NewOrder,
        left: &mut Qty,
        stp: SelfTradePrevention,
        out: &mut Vec<Report>,
    ) -> Stop {
        let opposite = order.side.opposite();
        while *left > Qty::ZERO {
            let Some((slot, maker, maker_owner)) = self.head(opposite) else { break };
            if !crosses(order.side, order.price, maker.price) {
                break;
            }

            let own = stp != SelfTradePrevention::Off
                && order.owner.is_some()
                && maker_owner == order.owner;
            if own {
                match stp {
                    SelfTradePrevention::Off => unreachable!("checked above"),
                    SelfTradePrevention::CancelIncoming => return Stop::SelfTrade,
                    SelfTradePrevention::CancelResting | SelfTradePrevention::CancelBoth => {
                        self.remove_at(slot);
                        out.push(Report::Cancelled {
                            id: maker.id,
                            qty: maker.qty,
                            cause: CancelCause::SelfTrade,
                        });
                        if stp == SelfTradePrevention::CancelBoth {
                            return Stop::SelfTrade;
                        }
                    }
                    SelfTradePrevention::DecrementBoth => {
                        let by = (*left).min(maker.qty);
                        let maker_left = self.take_at(slot, by);
                        *left -= by;
                        out.push(Report::Decremented { id: maker.id, by, remaining: maker_left });
                        out.push(Report::Decremented { id: order.id, by, remaining: *left });
                    }
                }
                continue;
            }

            let qty = (*left).min(maker.qty);
            let maker_remaining = self.take_at(slot, qty);
            *left -= qty;
            out.push(Report::Fill {
                maker: maker.id,
                taker: order.id,
                price: maker.price,
                qty,
                maker_remaining,
                taker_remaining: *left,
            });
        }
        Stop::Exhausted
    }

    /// Returns how much of `order` could trade at once, under `stp`,
    /// without changing anything: the fill-or-kill test.
    fn fillable(&self, order: &NewOrder, stp: SelfTradePrevention) -> Qty {
        let mut total = Qty::ZERO;
        for (resting, owner) in self.orders(order.side.opposite()) {
            if total >= order.qty || !crosses(order.side, order.price, resting.price) {
                break;
            }
            let own =
                stp != SelfTradePrevention::Off && order.owner.is_some() && owner == order.owner;
            if own {
                if stp == SelfTradePrevention::CancelResting {
                    continue;
                }
                break;
            }
            total += resting.qty;
        }
        total.min(order.qty)
    }
}

#[cfg(test)]
mod tests;
