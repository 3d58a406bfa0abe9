//! Key sharing: one API key used from places, or by tools, its owner does
//! not use.
//!
//! The rules come from credential-misuse monitoring in identity products,
//! each its own detector so that each is scored on its own:
//! - [`KeyTravel`], impossible travel: two uses of one key from regions
//!   farther apart than an airliner could fly in the time between them
//!   (805 km/h, Okta's default), or, after a learning period, a client
//!   fingerprint the key has never used before;
//! - [`KeyConcurrent`], concurrency: one key switching back and forth
//!   between distant regions within minutes, which one traveller cannot do;
//! - [`KeyUnfamiliar`], unfamiliar properties: a client, network kind or
//!   region new to the key after a learning period of uses and of time
//!   (Microsoft Entra's rule, learning for at least some days in
//!   production, scaled here to a simulated session);
//! - [`KeyFanout`], ring structure: one key used from many IPs, or one IP
//!   using many keys, within a window.
//!
//! VPN hopping and honest travel are the known false positives of all of
//! them; the decoys of the simulated market include both.
//!
//! [`KeyTravel`]'s score is the implied speed over the speed limit, or a
//! fixed score for an unfamiliar client. A key alerts at most once per
//! cooldown.

mod concurrent;
mod fanout;
mod unfamiliar;

pub use concurrent::KeyConcurrent;
pub use fanout::KeyFanout;
pub use unfamiliar::KeyUnfamiliar;

use surveil_sim::{Access, Client, Event, EventBody, KeyId, Nanos, RegionId};

use crate::baseline::Cooldowns;
use crate::indices::{self, EventIndices, Feed, Indexed, KeyIndex, Step, Table};
use crate::registry::{ParamSpec, Values};
use crate::{AbuseKind, Alert, Detector, Entity};

/// Tells whether an event is a use of its access: every request is, while
/// trades and decrements repeat the access of an order already seen, and
/// the exchange's own controls are no request.
pub(crate) fn is_use(event: &Event) -> bool {
    !matches!(event.body, EventBody::Trade(_) | EventBody::Decremented(_) | EventBody::Control(_))
}

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
    /// The client of the last use, one of `clients`.
    last_client: Option<Client>,
    uses: u32,
    clients: Vec<Client>,
}

/// Impossible travel and unfamiliar clients per API key.
#[derive(Debug, Default)]
pub struct KeyTravel {
    params: KeyTravelParams,
    /// By key index.
    keys: Table<Option<KeyState>>,
    alerted: Cooldowns,
    feed: Feed,
}

impl KeyTravel {
    /// The parameters it takes from the registry.
    pub const PARAMS: &'static [ParamSpec] = &[
        ParamSpec::real(
            "max_speed_kmh",
            805.0,
            1.0,
            1e7,
            "travel speed above which two uses are impossible, km/h",
        ),
        ParamSpec::real(
            "min_distance_km",
            500.0,
            0.0,
            40_000.0,
            "distances below this are geolocation noise, km",
        ),
        ParamSpec::count(
            "learning_uses",
            10.0,
            0.0,
            1e9,
            "uses of a key before its clients are learned",
        ),
        ParamSpec::real(
            "cooldown_ms",
            60_000.0,
            0.0,
            1e9,
            "shortest time between two alerts on one key, ms",
        ),
        ParamSpec::real("new_client_score", 1.0, 0.0, 1e6, "score of an unfamiliar client"),
    ];

    /// Creates the detector.
    pub fn new(params: KeyTravelParams) -> KeyTravel {
        KeyTravel { params, ..KeyTravel::default() }
    }

    /// Creates the detector from registry values.
    pub fn from_values(v: &Values) -> KeyTravel {
        KeyTravel::new(KeyTravelParams {
            max_speed_kmh: v.get("max_speed_kmh"),
            min_distance_km: v.get("min_distance_km"),
            learning_uses: v.count("learning_uses") as u32,
            cooldown: v.millis("cooldown_ms"),
            new_client_score: v.get("new_client_score"),
        })
    }

    fn observe(
        &mut self,
        time: Nanos,
        access: &Access,
        key: KeyId,
        index: KeyIndex,
        alerts: &mut Vec<Alert>,
    ) {
        let p = &self.params;
        let state = self.keys.at(index.get()).get_or_insert_with(|| KeyState {
            last_time: time,
            last_region: access.region,
            last_client: None,
            uses: 0,
            clients: Vec::new(),
        });

        // Most uses repeat the region and client of the one before, and
        // then nothing can be new.
        if access.region == state.last_region && state.last_client == Some(access.client) {
            state.uses = state.uses.saturating_add(1);
            state.last_time = time;
            return;
        }

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
        state.last_client = Some(access.client);

        if score > 0.0 {
            let alert =
                Alert { time, kind: AbuseKind::KeySharing, entity: Entity::Key(key), score };
            self.alerted.raise(alert, p.cooldown, alerts);
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

    fn cost_ns(&self) -> u32 {
        5
    }

    #[inline(always)]
    fn on_event(&mut self, event: &Event, alerts: &mut Vec<Alert>) {
        indices::on_event(self, event, alerts);
    }

    fn on_indexed(&mut self, events: Indexed<'_>, alerts: &mut Vec<Alert>) {
        indices::on_indexed(self, events, alerts);
    }
}

impl Step for KeyTravel {
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
        self.observe(event.time, access, key, index, alerts);
    }
}
