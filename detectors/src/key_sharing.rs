//! Key sharing: one API key used from places, or by tools, its owner does
//! not use.
//!
//! Two rules from credential-misuse monitoring in identity products:
//! - impossible travel: two uses of one key from regions farther apart
//!   than an airliner could fly in the time between them (805 km/h, the
//!   common default);
//! - unfamiliar client: after a learning period, a client fingerprint the
//!   key has never used before.
//!
//! The score is the implied speed over the speed limit, or a fixed score
//! for an unfamiliar client. A key alerts at most once per cooldown.

use std::collections::HashMap;

use surveil_sim::{Access, Client, Event, EventBody, KeyId, Nanos, RegionId};

use crate::{AbuseKind, Alert, Detector, Entity};

/// Parameters of [`KeyTravel`].
#[derive(Clone, Debug, PartialEq)]
pub struct KeyTravelParams {
    /// Speed above which travel between two uses is impossible, in km/h.
    pub max_speed_kmh: f64,
    /// Distances below this are geolocation noise, not travel, in km.
    pub min_distance_km: f64,
    /// Uses of a key before its set of clients is considered learned.
    pub learning_uses: u32,
    /// Shortest time between two alerts on one key.
    pub cooldown: Nanos,
    /// Score given to an unfamiliar client.
    pub new_client_score: f64,
}

impl Default for KeyTravelParams {
    fn default() -> KeyTravelParams {
        KeyTravelParams {
            max_speed_kmh: 805.0,
            min_distance_km: 500.0,
            learning_uses: 10,
            cooldown: Nanos::from_secs(60),
            new_client_score: 1.0,
        }
    }
}

#[derive(Clone, Debug)]
struct KeyState {
    last_time: Nanos,
    last_region: RegionId,
    uses: u32,
    clients: Vec<Client>,
    last_alert: Option<Nanos>,
}

/// Impossible travel and unfamiliar clients per API key.
#[derive(Debug, Default)]
pub struct KeyTravel {
    params: KeyTravelParams,
    keys: HashMap<KeyId, KeyState>,
}

impl KeyTravel {
    /// Creates the detector.
    pub fn new(params: KeyTravelParams) -> KeyTravel {
        KeyTravel { params, keys: HashMap::new() }
    }

    fn observe(&mut self, time: Nanos, access: &Access, alerts: &mut Vec<Alert>) {
        let Some(key) = access.channel.key() else { return };
        let p = &self.params;
        let state = self.keys.entry(key).or_insert_with(|| KeyState {
            last_time: time,
            last_region: access.region,
            uses: 0,
            clients: Vec::new(),
            last_alert: None,
        });

        let mut score: f64 = 0.0;
        if access.region != state.last_region {
            let km = access.region.distance_km(state.last_region);
            // Two uses in the same nanosecond still take a millisecond to
            // travel, so the speed stays finite.
            let hours = time.saturating_sub(state.last_time).0.max(1_000_000) as f64 / 3.6e12;
            let speed = km / hours;
            if km >= p.min_distance_km && speed > p.max_speed_kmh {
                score = score.max(speed / p.max_speed_kmh);
            }
        }
        if !state.clients.contains(&access.client) {
            if state.uses >= p.learning_uses {
                score = score.max(p.new_client_score);
            }
            state.clients.push(access.client);
        }
        state.uses = state.uses.saturating_add(1);
        state.last_time = time;
        state.last_region = access.region;

        let cooled = state.last_alert.is_none_or(|t| time.saturating_sub(t) >= p.cooldown);
        if score > 0.0 && cooled {
            state.last_alert = Some(time);
            alerts.push(Alert {
                time,
                kind: AbuseKind::KeySharing,
                entity: Entity::Key(key),
                score,
            });
        }
    }
}

impl Detector for KeyTravel {
    fn name(&self) -> &str {
        "key_travel"
    }

    fn kinds(&self) -> &[AbuseKind] {
        &[AbuseKind::KeySharing]
    }

    fn on_event(&mut self, event: &Event, alerts: &mut Vec<Alert>) {
        // Every request is a use of its key; trades and decrements repeat
        // the access of an order already seen.
        if matches!(event.body, EventBody::Trade(_) | EventBody::Decremented(_)) {
            return;
        }
        let access = event.body.access();
        self.observe(event.time, access, alerts);
    }
}
