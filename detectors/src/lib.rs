//! Detectors of market abuse, and the interface they share.
//!
//! A detector is a streaming state machine over the public event stream:
//! it receives each [`Event`] once, in stream order, and may raise
//! [`Alert`]s naming an account or an API key. The interface hands it
//! nothing else, so a detector cannot read ground truth; everything it
//! knows it must infer from what an exchange's surveillance desk would see.

use std::cmp::Ordering;
use std::fmt;

use serde::{Deserialize, Serialize};
pub use surveil_sim::truth::AbuseKind;
use surveil_sim::{AccountId, Event, KeyId, Nanos};

/// What an alert points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Entity {
    /// An account.
    Account(AccountId),
    /// An API key.
    Key(KeyId),
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Entity::Account(a) => a.fmt(f),
            Entity::Key(k) => k.fmt(f),
        }
    }
}

/// A detector's claim that an entity is engaged in one kind of abuse.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// The time of the event that raised it.
    pub time: Nanos,
    /// The kind of abuse claimed.
    pub kind: AbuseKind,
    /// The account or key suspected.
    pub entity: Entity,
    /// How strongly the detector believes it; higher is more suspicious.
    /// Scores are comparable within one detector, not across detectors.
    pub score: f64,
}

impl Alert {
    /// Orders alerts totally: by time, kind, entity, then score. Alerts
    /// from detectors that ran in parallel are sorted by this before they
    /// are scored, so the outcome never depends on thread timing.
    pub fn total_cmp(&self, other: &Alert) -> Ordering {
        self.time
            .cmp(&other.time)
            .then(self.kind.cmp(&other.kind))
            .then(self.entity.cmp(&other.entity))
            .then(self.score.total_cmp(&other.score))
    }
}

/// A streaming detector over the public event stream.
///
/// The harness calls [`Detector::on_event`] for every event in stream order
/// and [`Detector::finish`] once after the last one. A detector must be
/// deterministic: the same events in give the same alerts out. It may keep
/// any state it likes, but it sees nothing except the events, so a label
/// can never leak into it.
///
/// Every alert carries a score, higher meaning more suspicious. The harness
/// scores a detector at every threshold on its scores (a precision-recall
/// curve and its average precision) and, under a threshold protocol, keeps
/// only the alerts at or above a threshold chosen on another seed; so a
/// score should rank alerts by how sure the detector is, not merely say
/// yes.
///
/// # Example
///
/// A detector that flags every account whose order is rejected three
/// times, scored by the number of rejections:
///
/// ```
/// use std::collections::BTreeMap;
///
/// use surveil_detectors::{AbuseKind, Alert, Detector, Entity};
/// use surveil_sim::{AccountId, Event, EventBody};
///
/// #[derive(Default)]
/// struct Rejections {
///     counts: BTreeMap<AccountId, u32>,
/// }
///
/// impl Detector for Rejections {
///     fn name(&self) -> &str {
///         "rejections"
///     }
///
///     fn kinds(&self) -> &[AbuseKind] {
///         &[AbuseKind::MicroBurst]
///     }
///
///     fn on_event(&mut self, event: &Event, alerts: &mut Vec<Alert>) {
///         let EventBody::Rejected(rejected) = &event.body else { return };
///         let count = self.counts.entry(rejected.access.account).or_default();
///         *count += 1;
///         if *count >= 3 {
///             alerts.push(Alert {
///                 time: event.time,
///                 kind: AbuseKind::MicroBurst,
///                 entity: Entity::Account(rejected.access.account),
///                 score: f64::from(*count),
///             });
///         }
///     }
/// }
///
/// let mut detector = Rejections::default();
/// let mut alerts = Vec::new();
/// detector.finish(&mut alerts);
/// assert!(alerts.is_empty());
/// ```
pub trait Detector: Send {
    /// Returns the detector's name, unique among the detectors of a run.
    fn name(&self) -> &str;

    /// Returns the kinds of abuse this detector reports on. It is scored on
    /// each of them, and only alerts of these kinds count.
    fn kinds(&self) -> &[AbuseKind];

    /// Consumes one event and appends any alerts it raises.
    fn on_event(&mut self, event: &Event, alerts: &mut Vec<Alert>);

    /// Consumes consecutive events of the stream, in order, and appends
    /// any alerts they raise. The harness hands events over this way, a
    /// batch at a time. The default calls [`Detector::on_event`] for each
    /// event, and an override must raise exactly the alerts that would;
    /// left as it is, it is compiled for each detector with its own
    /// `on_event` inlined into the loop, so a detector behind a
    /// `Box<dyn Detector>` costs one dynamic call per batch, not per event.
    fn on_events(&mut self, events: &[Event], alerts: &mut Vec<Alert>) {
        for event in events {
            self.on_event(event, alerts);
        }
    }

    /// Consumes consecutive events of the stream, in order, together with
    /// the dense indices of the accounts, keys and addresses they name
    /// (see [`indices`]), and appends any alerts they raise. The harness's
    /// pipeline hands events over this way, indexing them once for all its
    /// detectors, so that a detector can keep its per-entity state in
    /// vectors instead of looking every id up in a hash map.
    ///
    /// The default ignores the indices and calls [`Detector::on_events`],
    /// so a detector written over plain events needs nothing more. An
    /// override must raise exactly the alerts [`Detector::on_events`]
    /// would. The harness feeds a detector either this way, with the
    /// indices of one [`indices::Indexer`] that has seen the whole stream,
    /// or through [`Detector::on_event`] and [`Detector::on_events`],
    /// never both.
    fn on_indexed(&mut self, events: Indexed<'_>, alerts: &mut Vec<Alert>) {
        self.on_events(events.events(), alerts);
    }

    /// Called once after the last event, for alerts that need the whole
    /// stream. The default raises none.
    fn finish(&mut self, alerts: &mut Vec<Alert>) {
        let _ = alerts;
    }

    /// Returns the detector's typical work per event, in nanoseconds, which
    /// the harness uses only to spread detectors evenly over its threads;
    /// it never changes what any detector outputs. The default,
    /// [`DEFAULT_COST_NS`], suits a detector that looks up a map or two per
    /// event; the built-ins return their busy time per event of the
    /// default stream with every built-in on one thread, as
    /// `DETECT_COSTS=1 cargo run --release -p surveil-bench --example
    /// detect` measures it.
    fn cost_ns(&self) -> u32 {
        DEFAULT_COST_NS
    }
}

/// The work per event [`Detector::cost_ns`] assumes for a detector that
/// does not say, in nanoseconds.
pub const DEFAULT_COST_NS: u32 = 10;

pub mod baseline;
pub mod floor;
pub mod indices;
pub mod key_sharing;
pub mod micro_burst;
pub mod pump;
pub mod registry;
pub mod spoofing;
#[cfg(test)]
pub(crate) mod testing;
pub mod wash;

pub use indices::Indexed;
pub use registry::{Choice, Context, DETECTORS, DetectorSpec, ParamSpec, RegistryError};

/// Returns the names of the built-in detectors, in the order they are
/// reported.
pub fn builtin_names() -> impl Iterator<Item = &'static str> {
    DETECTORS.iter().map(|d| d.name)
}

/// Builds a built-in detector by name with its default parameters. `kinds`
/// are the kinds the run scores (the null and random detectors report on
/// all of them) and `seed` seeds the random detector.
///
/// # Errors
///
/// Returns an error listing the known names when `name` is not one.
pub fn builtin(
    name: &str,
    kinds: &[AbuseKind],
    seed: u64,
) -> Result<Box<dyn Detector>, RegistryError> {
    Choice::named(name).build(&Context { kinds, seed })
}
