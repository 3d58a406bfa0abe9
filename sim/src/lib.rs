//! The simulated exchange behind surveil.
//!
//! A spot crypto exchange with one continuous limit order book per
//! instrument, quoted in KRW, where automated API trading sits next to
//! retail flow and labelled abuse. The market is integer throughout (ticks,
//! lots, nanoseconds) and deterministic: the same [`Config`] gives the same
//! event stream, byte for byte.
//!
//! What flows out is split in two: the public [`event::Event`] stream, which
//! is all a detector may see, and the [`truth::GroundTruth`], which only the
//! scorer and dataset writers receive.

pub mod access;
pub mod agents;
pub mod book;
pub mod config;
mod controls;
pub mod digest;
pub mod event;
pub mod exchange;
pub mod integral;
pub mod matching;
pub mod policy;
pub mod reconcile;
pub mod rng;
mod schedule;
pub mod simulation;
pub mod truth;
pub mod types;
pub mod world;

pub use access::{Access, Channel, Client, Ip, Network, RegionId};
pub use config::Config;
pub use digest::EventDigest;
pub use event::{Event, EventBody};
pub use exchange::{Exchange, InstrumentSpec, OrderRequest};
pub use simulation::{Simulation, run_to_end};
pub use truth::{AbuseKind, Decoy, DecoyKind, Episode, GroundTruth};
pub use types::{AccountId, InstrumentId, KeyId, Nanos, OrderId, Price, Qty, Side};
