//! Concurrent use of one key from distant regions.
//!
//! Identity products flag overlapping activity from places far apart: a
//! person who travels switches region once, but a key lent to an operator
//! abroad alternates between the owner's region and the operator's. The
//! detector counts, per API key, switches between consecutive uses from
//! regions at least `min_distance_km` apart and at most `max_gap_ms`
//! apart in time, and alerts when `min_switches` fall within `window_ms`.
//! The score is the number of switches in the window.

use std::collections::VecDeque;

use surveil_sim::{Event, Nanos, RegionId};

use super::is_use;
use crate::baseline::Cooldowns;
use crate::indices::{self, EventIndices, Feed, Indexed, Step, Table};
use crate::registry::{ParamSpec, Values};
use crate::{AbuseKind, Alert, Detector, Entity};

#[derive(Clone, Debug)]
struct KeyState {
    last_time: Nanos,
    last_region: RegionId,
    switches: VecDeque<Nanos>,
}

/// One key alternating between distant regions.
#[derive(Debug)]
pub struct KeyConcurrent {
    min_distance_km: f64,
    max_gap: Nanos,
    window: Nanos,
    min_switches: usize,
    cooldown: Nanos,
    /// By key index.
    keys: Table<Option<KeyState>>,
    alerted: Cooldowns,
    feed: Feed,
}

impl KeyConcurrent {
    /// The parameters it takes from the registry.
    pub const PARAMS: &'static [ParamSpec] = &[
        ParamSpec::real(
            "min_distance_km",
            1000.0,
            0.0,
            40_000.0,
            "regions at least this far apart are distant, km",
        ),
        ParamSpec::real(
            "max_gap_ms",
            60_000.0,
            0.0,
            1e9,
            "longest time between the two uses of a switch, ms",
        ),
        ParamSpec::real(
            "window_ms",
            600_000.0,
            1.0,
            1e10,
            "the window switches are counted over, ms",
        ),
        ParamSpec::count(
            "min_switches",
            3.0,
            1.0,
            1e6,
            "switches within the window that make concurrent use",
        ),
        ParamSpec::real(
            "cooldown_ms",
            60_000.0,
            0.0,
            1e9,
            "shortest time between two alerts on one key, ms",
        ),
    ];

    /// Creates the detector from registry values.
    pub fn from_values(v: &Values) -> KeyConcurrent {
        KeyConcurrent {
            min_distance_km: v.get("min_distance_km"),
            max_gap: v.millis("max_gap_ms"),
            window: v.millis("window_ms"),
            min_switches: v.count("min_switches"),
            cooldown: v.millis("cooldown_ms"),
            keys: Table::default(),
            alerted: Cooldowns::default(),
            feed: Feed::default(),
        }
    }
}

impl Detector for KeyConcurrent {
    fn name(&self) -> &str {
        "key_concurrent"
    }

    fn kinds(&self) -> &[AbuseKind] {
        &[AbuseKind::KeySharing]
    }

    fn cost_ns(&self) -> u32 {
        3
    }

    #[inline(always)]
    fn on_event(&mut self, event: &Event, alerts: &mut Vec<Alert>) {
        indices::on_event(self, event, alerts);
    }

    fn on_indexed(&mut self, events: Indexed<'_>, alerts: &mut Vec<Alert>) {
        indices::on_indexed(self, events, alerts);
    }
}

impl Step for KeyConcurrent {
    fn feed(&mut self) -> &mut Feed {
        &mut self.feed
    }

    #[inline(always)]
    fn step(&mut self, event: &Event, indices: &EventIndices, alerts: &mut Vec<Alert>) {
        let Some(index) = indices.access.key else { return };
        if !is_use(event) {
            return;
        }
        let access = event.body.access();
        let Some(key) = access.channel.key() else { return };
        let now = event.time;
        let state = self.keys.at(index.get()).get_or_insert_with(|| KeyState {
            last_time: now,
            last_region: access.region,
            switches: VecDeque::new(),
        });

        let switched = access.region != state.last_region
            && now.saturating_sub(state.last_time) <= self.max_gap
            && access.region.distance_km(state.last_region) >= self.min_distance_km;
        state.last_time = now;
        state.last_region = access.region;
        if !switched {
            return;
        }
        state.switches.push_back(now);
        while state.switches.front().is_some_and(|&t| now.saturating_sub(t) > self.window) {
            state.switches.pop_front();
        }

        let count = state.switches.len();
        if count >= self.min_switches {
            let alert = Alert {
                time: now,
                kind: AbuseKind::KeySharing,
                entity: Entity::Key(key),
                score: count as f64,
            };
            self.alerted.raise(alert, self.cooldown, alerts);
        }
    }
}

#[cfg(test)]
mod tests {
    use surveil_sim::{Nanos, RegionId, Side};

    use super::*;
    use crate::registry::Choice;
    use crate::testing::{accepted, api};

    fn run(regions: &[u16], step_ms: u64) -> Vec<Alert> {
        let mut detector =
            Choice::named("key_concurrent").build(&crate::Context { kinds: &[], seed: 0 }).unwrap();
        let mut alerts = Vec::new();
        for (i, &r) in regions.iter().enumerate() {
            let mut access = api(5);
            access.region = RegionId(r);
            let e = accepted(
                i as u64,
                Nanos::from_millis(i as u64 * step_ms),
                access,
                0,
                Side::Buy,
                100,
                1,
            );
            detector.on_event(&e, &mut alerts);
        }
        alerts
    }

    #[test]
    fn a_key_alternating_between_seoul_and_frankfurt_alerts() {
        // Seoul (0) and Frankfurt (9), a few seconds apart, back and forth.
        let alerts = run(&[0, 9, 0, 9, 0, 9], 5_000);
        assert_eq!(alerts.len(), 1, "{alerts:?}");
        assert_eq!(alerts[0].score, 3.0);
    }

    #[test]
    fn one_trip_or_nearby_regions_do_not() {
        assert!(run(&[0, 0, 9, 9, 9, 9], 5_000).is_empty());
        // Seoul and Incheon are next to each other.
        assert!(run(&[0, 1, 0, 1, 0, 1, 0, 1], 5_000).is_empty());
        // Far apart in time: uses an hour apart are no concurrent session.
        assert!(run(&[0, 9, 0, 9, 0, 9], 3_600_000).is_empty());
    }
}
