//! Unfamiliar properties of a key's use.
//!
//! Identity products learn each credential's usual properties (client,
//! network, region) and flag a use with one never seen before, once a
//! learning period is over (Microsoft Entra learns for at least five days
//! before judging properties; a simulated session is an hour, so the period
//! here is counted in uses and in minutes). A key's owner runs one tool
//! from one place; an operator it is leased to brings its own. The score
//! adds one weight per new property of the use: a new client counts
//! `client_weight`, a new network kind `network_weight` and a new region
//! `region_weight`; the key alerts when the sum reaches `min_score`.

use surveil_sim::{Client, Event, Nanos, Network, RegionId};

use super::is_use;
use crate::baseline::Cooldowns;
use crate::indices::{self, EventIndices, Feed, Indexed, Step, Table};
use crate::registry::{ParamSpec, Values};
use crate::{AbuseKind, Alert, Detector, Entity};

#[derive(Clone, Debug)]
struct KeyState {
    first_use: Nanos,
    uses: u64,
    clients: Vec<Client>,
    networks: Vec<Network>,
    regions: Vec<RegionId>,
    /// The client, network and region of the last use, all three known:
    /// most uses repeat them, and then nothing can be new.
    last: Option<(Client, Network, RegionId)>,
}

/// Clients, networks and regions new to a key after it has been learned.
#[derive(Debug)]
pub struct KeyUnfamiliar {
    learning_uses: u64,
    learning: Nanos,
    client_weight: f64,
    network_weight: f64,
    region_weight: f64,
    min_score: f64,
    cooldown: Nanos,
    /// By key index.
    keys: Table<Option<KeyState>>,
    alerted: Cooldowns,
    feed: Feed,
}

impl KeyUnfamiliar {
    /// The parameters it takes from the registry.
    pub const PARAMS: &'static [ParamSpec] = &[
        ParamSpec::count(
            "learning_uses",
            10.0,
            0.0,
            1e9,
            "uses of a key before its properties are learned",
        ),
        ParamSpec::real(
            "learning_ms",
            300_000.0,
            0.0,
            1e12,
            "time from a key's first use before its properties are learned, ms",
        ),
        ParamSpec::real("client_weight", 1.0, 0.0, 1e6, "score of a new client fingerprint"),
        ParamSpec::real("network_weight", 0.5, 0.0, 1e6, "score of a new network kind"),
        ParamSpec::real("region_weight", 0.5, 0.0, 1e6, "score of a new region"),
        ParamSpec::real("min_score", 1.0, 0.0, 1e6, "score at which a use alerts"),
        ParamSpec::real(
            "cooldown_ms",
            60_000.0,
            0.0,
            1e9,
            "shortest time between two alerts on one key, ms",
        ),
    ];

    /// Creates the detector from registry values.
    pub fn from_values(v: &Values) -> KeyUnfamiliar {
        KeyUnfamiliar {
            learning_uses: v.count("learning_uses") as u64,
            learning: v.millis("learning_ms"),
            client_weight: v.get("client_weight"),
            network_weight: v.get("network_weight"),
            region_weight: v.get("region_weight"),
            min_score: v.get("min_score"),
            cooldown: v.millis("cooldown_ms"),
            keys: Table::default(),
            alerted: Cooldowns::default(),
            feed: Feed::default(),
        }
    }
}

/// Adds `item` to `seen`, telling whether it was new.
fn learn<T: PartialEq>(seen: &mut Vec<T>, item: T) -> bool {
    let new = !seen.contains(&item);
    if new {
        seen.push(item);
    }
    new
}

impl Detector for KeyUnfamiliar {
    fn name(&self) -> &str {
        "key_unfamiliar"
    }

    fn kinds(&self) -> &[AbuseKind] {
        &[AbuseKind::KeySharing]
    }

    fn cost_ns(&self) -> u32 {
        4
    }

    #[inline(always)]
    fn on_event(&mut self, event: &Event, alerts: &mut Vec<Alert>) {
        indices::on_event(self, event, alerts);
    }

    fn on_indexed(&mut self, events: Indexed<'_>, alerts: &mut Vec<Alert>) {
        indices::on_indexed(self, events, alerts);
    }
}

impl Step for KeyUnfamiliar {
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
            first_use: now,
            uses: 0,
            clients: Vec::new(),
            networks: Vec::new(),
            regions: Vec::new(),
            last: None,
        });

        let seen = (access.client, access.network, access.region);
        if state.last == Some(seen) {
            state.uses += 1;
            return;
        }
        state.last = Some(seen);

        let learned = state.uses >= self.learning_uses
            && now.saturating_sub(state.first_use) >= self.learning;
        let mut score = 0.0;
        if learn(&mut state.clients, access.client) {
            score += self.client_weight;
        }
        if learn(&mut state.networks, access.network) {
            score += self.network_weight;
        }
        if learn(&mut state.regions, access.region) {
            score += self.region_weight;
        }
        state.uses += 1;

        if learned && score > 0.0 && score >= self.min_score {
            let alert =
                Alert { time: now, kind: AbuseKind::KeySharing, entity: Entity::Key(key), score };
            self.alerted.raise(alert, self.cooldown, alerts);
        }
    }
}

#[cfg(test)]
mod tests {
    use surveil_sim::{Client, Nanos, Network, RegionId, Side};

    use crate::registry::Choice;
    use crate::testing::{accepted, api};

    #[test]
    fn a_new_tool_from_a_new_place_after_learning_alerts_with_every_new_property() {
        let mut detector = Choice::parse("key_unfamiliar:learning_ms=1000")
            .unwrap()
            .build(&crate::Context { kinds: &[], seed: 0 })
            .unwrap();
        let mut alerts = Vec::new();
        for i in 0..20 {
            let e = accepted(i, Nanos::from_millis(i * 100), api(3), 0, Side::Buy, 100, 1);
            detector.on_event(&e, &mut alerts);
        }
        assert!(alerts.is_empty(), "the owner's own uses are learned: {alerts:?}");

        let mut stranger = api(3);
        stranger.client = Client::Unknown(77);
        stranger.network = Network::Vpn;
        stranger.region = RegionId(9);
        detector.on_event(
            &accepted(20, Nanos::from_secs(5), stranger, 0, Side::Buy, 100, 1),
            &mut alerts,
        );
        assert_eq!(alerts.len(), 1);
        assert_eq!(alerts[0].score, 2.0);
    }

    #[test]
    fn nothing_is_judged_during_the_learning_period() {
        let mut detector =
            Choice::named("key_unfamiliar").build(&crate::Context { kinds: &[], seed: 0 }).unwrap();
        let mut alerts = Vec::new();
        for i in 0..50 {
            let mut access = api(3);
            access.client = Client::Unknown(i as u16);
            detector.on_event(
                &accepted(i, Nanos::from_secs(i), access, 0, Side::Buy, 100, 1),
                &mut alerts,
            );
        }
        assert!(alerts.is_empty(), "{alerts:?}");
    }
}
