//! The surveil harness: it runs scenarios, feeds the public event stream to
//! detectors and scores their alerts against the ground truth.
//!
//! The harness is the only part of surveil that sees both sides of the
//! information barrier: detectors receive public events only, and the ground
//! truth reaches nothing but the scorer. Scores are a pure function of the
//! ground truth and the alerts, whatever order the alerts arrive in, so the
//! same scenario and seed always score the same.

pub mod calibrate;
pub mod chart_data;
pub mod check;
pub mod dataset;
pub mod detector_config;
pub mod external;
pub mod facts;
pub mod latency;
pub mod memory;
pub mod pipeline;
pub mod pr_curve;
pub mod replay;
pub mod run;
pub mod score;
pub mod seeds;
pub mod stats;
pub mod sweep;
pub mod thresholds;
pub mod timeline;
pub mod whatif;
pub mod workload;
