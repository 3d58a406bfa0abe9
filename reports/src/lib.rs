//! The results document of a surveil run, and its renderings.
//!
//! A [`RunReport`] records what one run simulated (scenario, seed, volume of
//! events and trades, a digest of the event stream), the abuse it injected
//! and the decoys it held, how each detector scored on each kind of abuse
//! (with its false flags broken down by cause), and what the run cost in
//! wall-clock time. This crate depends on no other surveil crate: it knows
//! the document and nothing about how its figures were produced, so any tool
//! that reads the JSON can reuse it.
//!
//! The renderings are a terminal table ([`render_table`]), the JSON itself,
//! and an HTML report ([`html`]) whose charts ([`charts`]) plotters draws
//! from the chart data the document carries ([`series`]).
//!
//! Every rendering is a pure function of the document. The JSON lists fields
//! in a fixed order and reads back to an equal document; the terminal table
//! ignores terminal width and never uses colour, so one document always
//! renders to the same bytes, on a terminal or through a pipe.

pub mod charts;
mod document;
mod error;
pub mod html;
mod ranking;
mod seeds;
pub mod series;
pub mod sweep;
mod table;
pub mod whatif;

pub use document::{
    Calibration, ControlSummary, DecoyCount, DetectorScore, EpisodeCount, FalseFlagCause, Halt,
    NamedCount, PrPoint, RunCost, RunReport,
};
pub use error::ReportError;
pub use seeds::{Interval, SeedSummary, SeedsReport, t_quantile_95};
pub use table::render_table;
