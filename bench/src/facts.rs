//! `surveil facts`: the stylized facts of a market, simulated or real, and
//! how far a simulation is from a real day.
//!
//! Stylized facts are the statistical regularities that real order-driven
//! markets share whatever the instrument (Cont, "Empirical properties of
//! asset returns: stylized facts and statistical issues", Quantitative
//! Finance, 2001). Vyetrenko, Byrd, Petosa, Mahfouz, Dervovic, Veloso and
//! Balch ("Get Real: Realism Metrics for Robust Limit Order Book Market
//! Simulations", 2020) use them to check simulated order flow against
//! real; this module measures twelve of them on one instrument:
//!
//! 1. heavy tails of returns at 1 s and 1 min (excess kurtosis, Hill tail
//!    index);
//! 2. no linear autocorrelation of returns beyond the first lags;
//! 3. volatility clustering: absolute returns stay positively correlated
//!    and the correlation decays slowly;
//! 4. aggregational normality: kurtosis falls as the horizon grows;
//! 5. the distribution of the spread, in ticks;
//! 6. the distribution of order sizes, with clustering at round sizes;
//! 7. order arrivals burstier than a Poisson stream;
//! 8. cancellations and new orders per execution;
//! 9. how long orders rest, and how soon they first fill;
//! 10. the depth profile by distance from the touch;
//! 11. the intraday profile of activity over normalised session time;
//! 12. the correlation of traded volume and volatility, per minute.
//!
//! The precise definitions are in the modules that compute them:
//! [`returns`] (facts 1 to 4 and 12), [`book`] (5 and 10), [`orders`]
//! (6 to 9) and [`intraday`] (11), on top of the statistics in [`stats`].
//! Every fact is free of the price level, the currency and the unit of
//! size: returns are logarithmic, spreads and distances are in ticks, and
//! sizes, depths and activity are divided by the session's own median or
//! mean, so a BTC-like token quoted in KRW compares with a US stock.
//!
//! A source drives a [`Collector`] in time order: the simulation through
//! the book it rebuilds from the public event stream ([`simulated`]), a
//! LOBSTER day through its message and order book files ([`real`]). The
//! [`table`] module turns the measurements into rows and, for a
//! comparison, judges each simulated value against the real one with a
//! stated tolerance. The same inputs always give the same table: the
//! simulation is deterministic, and nothing is iterated in hash order on
//! the way to the output.

pub mod book;
pub mod charts;
pub mod collector;
pub mod intraday;
pub mod orders;
pub mod real;
pub mod returns;
pub mod simulated;
pub mod stats;
pub mod table;

use thiserror::Error;

pub use collector::{BookSnapshot, Collector, Counts, Measurements};
pub use real::{LOBSTER_TICK, RealFacts, lobster_facts};
pub use simulated::{SimulatedFacts, View, simulate};
pub use table::{Comparison, FactTable, Rule, SourceInfo, Verdict};

use crate::replay::ReplayError;

/// Why the facts could not be computed.
#[derive(Debug, Error)]
pub enum FactsError {
    /// A data file could not be read, or a row of it is malformed; the
    /// message names the file, the line and the field.
    #[error(transparent)]
    Data(#[from] ReplayError),

    /// The message file holds no data row.
    #[error("{path}: no data rows: a LOBSTER message file holds one message per row")]
    NoData {
        /// The file, as the user named it.
        path: String,
    },

    /// The scenario does not trade the instrument asked for.
    #[error("unknown instrument `{symbol}`: the scenario trades {known}")]
    UnknownInstrument {
        /// The symbol asked for.
        symbol: String,
        /// The symbols the scenario trades.
        known: String,
    },

    /// The number of levels the real files cover is unknown, so the
    /// simulation cannot be shown as they would show it.
    #[error(
        "{path}: cannot tell how many price levels the file covers; give its order book file \
         with --orderbook, or keep LOBSTER's file name (..._message_N.csv)"
    )]
    UnknownLevels {
        /// The message file, as the user named it.
        path: String,
    },
}

impl SimulatedFacts {
    /// Describes the simulated session for a table's header.
    pub fn source(&self) -> SourceInfo {
        SourceInfo {
            kind: "simulated",
            scenario: Some(self.scenario.clone()),
            seed: Some(self.seed),
            instrument: Some(self.instrument.clone()),
            messages: None,
            orderbook: None,
            levels: None,
            book: "rebuilt from the public event stream".to_owned(),
            view: self.view.to_string(),
            counts: self.measurements.counts,
        }
    }
}

impl RealFacts {
    /// Describes the real session for a table's header.
    pub fn source(&self) -> SourceInfo {
        let levels = match self.levels {
            Some(1) => " (1 level per side)".to_owned(),
            Some(n) => format!(" ({n} levels per side)"),
            None => String::new(),
        };
        let book = match &self.orderbook {
            Some(file) => format!("{file}{levels}"),
            None => "none (no order book file given, so no price, spread or depth)".to_owned(),
        };
        SourceInfo {
            kind: "lobster",
            scenario: None,
            seed: None,
            instrument: None,
            messages: Some(self.messages.clone()),
            orderbook: self.orderbook.clone(),
            levels: self.levels,
            book,
            view: "every order message in the file".to_owned(),
            counts: self.measurements.counts,
        }
    }
}
