//! The surveil harness: runs scenarios, feeds detectors, scores them.

pub mod pipeline;
pub mod run;
pub mod stats;
