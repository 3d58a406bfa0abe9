//! The simulated market as a source of facts.
//!
//! The facts are computed from the public event stream alone, the same
//! stream a detector sees: for each instrument, the book is rebuilt from
//! the events as they stream out of the simulation, and the rebuilt book
//! supplies the mid price, the spread and the depth, while the events
//! supply the order messages. Nothing is kept per event, so memory stays
//! flat however long the session.
//!
//! The stream does not say in so many words when an incoming order comes
//! to rest, so the rebuild infers it: an accepted limit or post-only order
//! rests with whatever quantity it still holds once the trades and
//! cancellations of its own request are over, which is when the next
//! request on its instrument begins (an order accepted, a cancel asked
//! for, an amend, a refusal) or the session ends. Its tests check the
//! rebuilt book against the exchange's own after every request.
//!
//! The rebuild also decides what a LOBSTER file of `N` levels would have
//! shown of the simulated market (a [`View`]): a new order only if it comes
//! to rest among the `N` best prices of its side, a cancellation only if
//! the order rests among them when it is cancelled, and every execution
//! (executions happen at the best price). Comparing a simulation with a
//! level-1 file through the level-1 view keeps deep quotes, which the file
//! could never show, out of the comparison. An amend that keeps its place
//! shows as a partial cancellation, and one that loses it as a
//! cancellation followed by a new order, as LOBSTER records them.

use std::fmt;

use indicatif::ProgressBar;
use serde::Serialize;
use surveil_scenarios::Loaded;
use surveil_sim::book::Book;
use surveil_sim::event::OrderType;
use surveil_sim::{Event, EventBody, Nanos, OrderId, Price, Qty, Side, Simulation};

use super::FactsError;
use super::collector::{BookSnapshot, Collector, Measurements};

/// Which order messages a source shows: every one, or those a LOBSTER file
/// of a number of levels would hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum View {
    /// Every order message, at any depth.
    Full,
    /// Messages at the given number of best price levels of each side.
    Levels(usize),
}

impl fmt::Display for View {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            View::Full => write!(f, "orders at every level of the book"),
            View::Levels(1) => write!(f, "orders at the best level of each side"),
            View::Levels(n) => write!(f, "orders at the {n} best levels of each side"),
        }
    }
}

/// The facts of one simulated instrument.
#[derive(Clone, Debug, PartialEq)]
pub struct SimulatedFacts {
    /// The scenario's name.
    pub scenario: String,
    /// The seed it ran with.
    pub seed: u64,
    /// The instrument's symbol.
    pub instrument: String,
    /// Which order messages the facts saw.
    pub view: View,
    /// The facts.
    pub measurements: Measurements,
}

/// Simulates a scenario and computes the facts of one instrument: the one
/// named, or else the one with the most trades (the first of them on a
/// tie). `progress` is advanced in simulated nanoseconds.
///
/// # Errors
///
/// Refuses an instrument the scenario does not trade, before anything runs.
pub fn simulate(
    loaded: &Loaded,
    seed: Option<u64>,
    instrument: Option<&str>,
    view: View,
    progress: &ProgressBar,
) -> Result<SimulatedFacts, FactsError> {
    let seed = seed.unwrap_or(loaded.config.seed);
    let mut sim = Simulation::new(&loaded.with_seed(seed));
    let specs = sim.instruments().to_vec();
    let wanted = match instrument {
        None => None,
        Some(symbol) => Some(specs.iter().position(|s| s.symbol == symbol).ok_or_else(|| {
            FactsError::UnknownInstrument {
                symbol: symbol.to_owned(),
                known: specs.iter().map(|s| s.symbol.as_str()).collect::<Vec<_>>().join(", "),
            }
        })?),
    };

    // Every instrument is followed unless one is named, since the most
    // traded one is only known at the end.
    let mut rebuilds: Vec<Option<Rebuild>> = specs
        .iter()
        .enumerate()
        .map(|(i, s)| wanted.is_none_or(|w| w == i).then(|| Rebuild::new(s.tick_size, view)))
        .collect();
    tracing::info!(scenario = %loaded.scenario.name, seed, "facts: simulation starts");
    progress.set_length(sim.duration().0);
    let mut batch = Vec::with_capacity(BATCH);
    while sim.next_batch(&mut batch, BATCH) {
        for event in &batch {
            let Some(i) = event.body.instrument().map(|i| i.0) else { continue };
            if let Some(Some(rebuild)) = rebuilds.get_mut(usize::from(i)) {
                rebuild.apply(event);
            }
        }
        batch.clear();
        progress.set_position(sim.now().0);
    }
    progress.set_position(sim.duration().0);

    let chosen = wanted.unwrap_or_else(|| most_traded(&rebuilds));
    let rebuild = rebuilds.get_mut(chosen).and_then(Option::take);
    let measurements = match rebuild {
        Some(rebuild) => rebuild.finish(sim.duration()),
        // The chosen instrument is always followed, and a scenario trades
        // at least one; an empty record is still the honest answer for a
        // market with nothing in it.
        None => Collector::new(Nanos(0), 1).finish(sim.duration(), &BookSnapshot::default()),
    };
    let symbol = specs.get(chosen).map(|s| s.symbol.clone()).unwrap_or_default();
    tracing::info!(instrument = %symbol, "facts: simulation ends");
    Ok(SimulatedFacts {
        scenario: loaded.scenario.name.clone(),
        seed,
        instrument: symbol,
        view,
        measurements,
    })
}

/// Events pulled from the simulation at a time.
const BATCH: usize = 4096;

/// Returns the index of the followed instrument with the most executions,
/// the first of them on a tie.
fn most_traded(rebuilds: &[Option<Rebuild>]) -> usize {
    let mut best = (0, 0);
    for (i, rebuild) in rebuilds.iter().enumerate() {
        let trades = rebuild.as_ref().map_or(0, |r| r.collector.trades());
        if trades > best.1 {
            best = (i, trades);
        }
    }
    best.0
}

/// An accepted order whose request is still reporting: it may trade
/// further, or have its remainder cancelled, before it rests.
#[derive(Clone, Copy, Debug)]
struct Pending {
    id: OrderId,
    side: Side,
    price: Option<Price>,
    remaining: Qty,
    rests: bool,
}

/// One instrument's book rebuilt from the public event stream, feeding a
/// [`Collector`].
#[derive(Debug)]
pub(crate) struct Rebuild {
    book: Book,
    pending: Option<Pending>,
    view: View,
    tick: i64,
    collector: Collector,
}

impl Rebuild {
    /// Starts an empty book for an instrument whose tick is `tick` price
    /// units, at the session's opening.
    pub(crate) fn new(tick: i64, view: View) -> Rebuild {
        Rebuild {
            book: Book::new(),
            pending: None,
            view,
            tick,
            collector: Collector::new(Nanos(0), tick),
        }
    }

    /// Applies one event of this instrument.
    pub(crate) fn apply(&mut self, event: &Event) {
        if event.body.starts_request() {
            self.settle();
        }
        if event.time > self.collector.now() {
            let snapshot = BookSnapshot::of_book(&self.book, self.tick);
            self.collector.advance(event.time, &snapshot);
        }

        match &event.body {
            EventBody::Accepted(a) => {
                let rests = matches!(a.order_type, OrderType::Limit | OrderType::PostOnly);
                self.pending = Some(Pending {
                    id: a.order,
                    side: a.side,
                    price: a.price,
                    remaining: a.qty,
                    rests,
                });
            }
            EventBody::Trade(t) => {
                self.collector.execution(Some(t.maker.order), t.qty);
                self.book.reduce(t.maker.order, t.qty);
                if let Some(p) = self.pending.as_mut().filter(|p| p.id == t.taker.order) {
                    p.remaining = t.taker.remaining;
                }
            }
            EventBody::Cancelled(c) => {
                if let Some(p) = self.pending.as_mut().filter(|p| p.id == c.order) {
                    p.rests = false;
                } else if let Some(resting) = self.book.get(c.order) {
                    let shown = self.shows(resting.side, resting.price);
                    self.book.cancel(c.order);
                    if shown {
                        self.collector.cancel(c.order, resting.qty, true);
                    }
                }
            }
            EventBody::Decremented(d) => {
                if let Some(p) = self.pending.as_mut().filter(|p| p.id == d.order) {
                    p.remaining = d.remaining;
                } else {
                    self.take_off(d.order, d.by);
                }
            }
            EventBody::Amended(a) => {
                let Some(resting) = self.book.get(a.order) else { return };
                if a.priority_kept {
                    self.take_off(a.order, resting.qty - a.qty);
                } else {
                    let shown = self.shows(resting.side, resting.price);
                    self.book.cancel(a.order);
                    if shown {
                        self.collector.cancel(a.order, resting.qty, true);
                    }
                    self.pending = Some(Pending {
                        id: a.order,
                        side: a.side,
                        price: Some(a.price),
                        remaining: a.qty,
                        rests: true,
                    });
                }
            }
            EventBody::Rejected(_)
            | EventBody::CancelRejected(_)
            | EventBody::AmendRejected(_)
            | EventBody::Control(_) => {}
        }
    }

    /// Rests the pending order, if it has anything left that may rest.
    pub(crate) fn settle(&mut self) {
        let Some(p) = self.pending.take() else { return };
        let Some(price) = p.price.filter(|_| p.rests && p.remaining > Qty::ZERO) else { return };
        // The exchange only rests what does not cross, so the rebuilt book
        // accepts it too; a refusal would mean the stream is not an
        // exchange's, and the order is then left out.
        if self.book.rest(p.id, p.side, price, p.remaining).is_ok() && self.shows(p.side, price) {
            self.collector.new_order(p.id, p.remaining);
        }
    }

    /// Returns the rebuilt book.
    #[cfg(test)]
    pub(crate) fn book(&self) -> &Book {
        &self.book
    }

    /// Ends the session at `end` and computes the facts.
    pub(crate) fn finish(mut self, end: Nanos) -> Measurements {
        self.settle();
        let snapshot = BookSnapshot::of_book(&self.book, self.tick);
        self.collector.finish(end, &snapshot)
    }

    /// Takes `by` off a resting order without a trade, as a cancellation of
    /// that much.
    fn take_off(&mut self, order: OrderId, by: Qty) {
        let Some(resting) = self.book.get(order) else { return };
        if by <= Qty::ZERO {
            return;
        }
        let shown = self.shows(resting.side, resting.price);
        let left = self.book.reduce(order, by).map_or(Qty::ZERO, |r| r.qty);
        if shown {
            self.collector.cancel(order, by.min(resting.qty), left == Qty::ZERO);
        }
    }

    /// Tells whether an order resting at `price` on `side` is within the
    /// view.
    fn shows(&self, side: Side, price: Price) -> bool {
        match self.view {
            View::Full => true,
            View::Levels(1) => self.book.best(side).is_some_and(|l| l.price == price),
            View::Levels(n) => self.book.levels(side).take(n).any(|l| l.price == price),
        }
    }
}

#[cfg(test)]
mod tests;
