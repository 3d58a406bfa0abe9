//! Balance and position reconciliation.
//!
//! Two ledgers of every account's cash (in KRW price units times lots,
//! signed: what it received minus what it paid) and holdings (lots per
//! instrument, signed) are kept apart: the exchange books each fill as the
//! gateway reports it, and settlement builds its own from the public trade
//! tape. The simulated market has no deposits or withdrawals, so every
//! account starts at zero in both and only fills move them. At each check
//! the two must agree for every account; an account where they do not is a
//! discrepancy, and one discrepancy halts trading.
//!
//! Without an injected fault the ledgers agree by construction, and a test
//! over a whole default session checks that the check never fires then.

use std::collections::{BTreeSet, HashMap};

use crate::event::{Event, EventBody};
use crate::types::{AccountId, InstrumentId, Price, Qty};

/// One ledger of cash and holdings per account.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ledger {
    cash: HashMap<AccountId, i128>,
    holdings: HashMap<(AccountId, InstrumentId), i64>,
    /// Book the next fill twice: the injected fault.
    double_next: bool,
}

impl Ledger {
    /// Books a fill: the buyer pays and receives the lots, the seller the
    /// reverse.
    pub fn fill(
        &mut self,
        buyer: AccountId,
        seller: AccountId,
        instrument: InstrumentId,
        price: Price,
        qty: Qty,
    ) {
        let times = if std::mem::take(&mut self.double_next) { 2 } else { 1 };
        for _ in 0..times {
            let value = i128::from(price.0) * i128::from(qty.0);
            *self.cash.entry(buyer).or_default() -= value;
            *self.cash.entry(seller).or_default() += value;
            *self.holdings.entry((buyer, instrument)).or_default() += qty.0;
            *self.holdings.entry((seller, instrument)).or_default() -= qty.0;
        }
    }

    /// Books every trade of a stretch of the public stream.
    pub fn settle(&mut self, events: &[Event]) {
        for event in events {
            if let EventBody::Trade(t) = &event.body {
                let (buyer, seller) = (t.buyer().access.account, t.seller().access.account);
                self.fill(buyer, seller, t.instrument, t.price, t.qty);
            }
        }
    }

    /// Makes the next fill be booked twice.
    pub fn inject_double_booking(&mut self) {
        self.double_next = true;
    }

    /// Returns the number of accounts either ledger knows, and the accounts
    /// whose cash or holdings differ between the two, in id order.
    pub fn compare(&self, other: &Ledger) -> Comparison {
        let accounts: BTreeSet<AccountId> =
            self.cash.keys().chain(other.cash.keys()).copied().collect();
        let cash = |l: &Ledger, a: &AccountId| l.cash.get(a).copied().unwrap_or(0);
        let mut differing: BTreeSet<AccountId> =
            accounts.iter().filter(|a| cash(self, a) != cash(other, a)).copied().collect();
        for key in self.holdings.keys().chain(other.holdings.keys()) {
            let mine = self.holdings.get(key).copied().unwrap_or(0);
            let theirs = other.holdings.get(key).copied().unwrap_or(0);
            if mine != theirs {
                differing.insert(key.0);
            }
        }
        Comparison { accounts: accounts.len(), differing: differing.into_iter().collect() }
    }
}

/// The outcome of comparing two ledgers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comparison {
    /// Accounts either ledger knows.
    pub accounts: usize,
    /// Accounts whose balances differ, in id order.
    pub differing: Vec<AccountId>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ledgers_agree_until_a_fill_is_booked_twice() {
        let (a, b, i) = (AccountId(1), AccountId(2), InstrumentId(0));
        let (mut booked, mut settled) = (Ledger::default(), Ledger::default());
        booked.fill(a, b, i, Price(10), Qty(3));
        settled.fill(a, b, i, Price(10), Qty(3));
        assert!(booked.compare(&settled).differing.is_empty());

        booked.inject_double_booking();
        booked.fill(b, a, i, Price(11), Qty(1));
        settled.fill(b, a, i, Price(11), Qty(1));
        let c = booked.compare(&settled);
        assert_eq!((c.accounts, c.differing), (2, vec![a, b]));
    }
}
