//! Ring structure of keys and addresses: one key on many IPs, one IP on
//! many keys.
//!
//! A leased key is used from its owner's address and from the operator's;
//! an operator running many leased keys uses them all from one address.
//! The detector keeps, per API key, the IPs it was used from within
//! `window_ms`, and per IP the keys used from it; a key alerts when it has
//! `max_ips` or more IPs, and every key on an IP alerts when the IP has
//! `max_keys` or more keys; both only when the use adds an IP to the key
//! or a key to the IP, so a key that keeps its addresses does not alert
//! again on every order. The score is the larger of the two counts
//! over its threshold. Offices and shared cloud exits (the `shared_ip`
//! decoys) are its known false positives.

use surveil_sim::{Event, Ip, KeyId, Nanos};

use super::is_use;
use crate::baseline::Cooldowns;
use crate::indices::{self, EventIndices, Feed, Indexed, Step, Table};
use crate::registry::{ParamSpec, Values};
use crate::{AbuseKind, Alert, Detector, Entity};

/// Items last seen at a time, pruned to a window.
#[derive(Clone, Debug)]
struct Recent<T> {
    items: Vec<(T, Nanos)>,
    /// No item was last seen before this, so while it is inside the
    /// window there is nothing to prune.
    oldest: Nanos,
}

impl<T> Default for Recent<T> {
    fn default() -> Recent<T> {
        Recent { items: Vec::new(), oldest: Nanos(0) }
    }
}

impl<T: PartialEq + Copy> Recent<T> {
    /// Records `item` at `now` and forgets what is older than `window`;
    /// returns the number of items left and whether `item` was new.
    #[inline(always)]
    fn see(&mut self, item: T, now: Nanos, window: Nanos) -> (usize, bool) {
        if now.saturating_sub(self.oldest) > window {
            self.items.retain(|&(_, t)| now.saturating_sub(t) <= window);
            self.oldest = self.items.iter().map(|&(_, t)| t).min().unwrap_or(now);
        }
        if self.items.is_empty() {
            self.oldest = now;
        }
        let new = match self.items.iter_mut().find(|(i, _)| *i == item) {
            Some(entry) => {
                entry.1 = now;
                false
            }
            None => {
                self.items.push((item, now));
                true
            }
        };
        (self.items.len(), new)
    }
}

/// Keys used from many IPs and IPs using many keys.
#[derive(Debug)]
pub struct KeyFanout {
    window: Nanos,
    max_ips: usize,
    max_keys: usize,
    cooldown: Nanos,
    /// By key index.
    key_ips: Table<Recent<Ip>>,
    /// By address index.
    ip_keys: Table<Recent<KeyId>>,
    alerted: Cooldowns,
    feed: Feed,
}

impl KeyFanout {
    /// The parameters it takes from the registry.
    pub const PARAMS: &'static [ParamSpec] = &[
        ParamSpec::real(
            "window_ms",
            600_000.0,
            1.0,
            1e12,
            "the window IPs and keys are counted over, ms",
        ),
        ParamSpec::count("max_ips", 2.0, 2.0, 1e6, "IPs of one key within the window that alert"),
        ParamSpec::count("max_keys", 4.0, 2.0, 1e6, "keys on one IP within the window that alert"),
        ParamSpec::real(
            "cooldown_ms",
            60_000.0,
            0.0,
            1e9,
            "shortest time between two alerts on one key, ms",
        ),
    ];

    /// Creates the detector from registry values.
    pub fn from_values(v: &Values) -> KeyFanout {
        KeyFanout {
            window: v.millis("window_ms"),
            max_ips: v.count("max_ips"),
            max_keys: v.count("max_keys"),
            cooldown: v.millis("cooldown_ms"),
            key_ips: Table::default(),
            ip_keys: Table::default(),
            alerted: Cooldowns::default(),
            feed: Feed::default(),
        }
    }

    fn alert(&mut self, key: KeyId, now: Nanos, score: f64, alerts: &mut Vec<Alert>) {
        let alert =
            Alert { time: now, kind: AbuseKind::KeySharing, entity: Entity::Key(key), score };
        self.alerted.raise(alert, self.cooldown, alerts);
    }
}

impl Detector for KeyFanout {
    fn name(&self) -> &str {
        "key_fanout"
    }

    fn kinds(&self) -> &[AbuseKind] {
        &[AbuseKind::KeySharing]
    }

    fn cost_ns(&self) -> u32 {
        6
    }

    #[inline(always)]
    fn on_event(&mut self, event: &Event, alerts: &mut Vec<Alert>) {
        indices::on_event(self, event, alerts);
    }

    fn on_indexed(&mut self, events: Indexed<'_>, alerts: &mut Vec<Alert>) {
        indices::on_indexed(self, events, alerts);
    }
}

impl Step for KeyFanout {
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

        let (ips, new_ip) = self.key_ips.at(index.get()).see(access.ip, now, self.window);
        let on_ip = self.ip_keys.at(indices.access.ip.get());
        let (keys, new_key) = on_ip.see(key, now, self.window);
        // The scores only when an alert is due: most uses raise none.
        let key_score = |ips: usize, max_ips: usize| ips as f64 / max_ips as f64;
        if keys >= self.max_keys && new_key {
            let ip_score = keys as f64 / self.max_keys as f64;
            let all: Vec<KeyId> = on_ip.items.iter().map(|&(k, _)| k).collect();
            for k in all {
                let own = if k == key { key_score(ips, self.max_ips) } else { 0.0 };
                self.alert(k, now, ip_score.max(own), alerts);
            }
        } else if ips >= self.max_ips && new_ip {
            self.alert(key, now, key_score(ips, self.max_ips), alerts);
        }
    }
}

#[cfg(test)]
mod tests {
    use surveil_sim::{Ip, KeyId, Nanos, Side};

    use super::*;
    use crate::registry::Choice;
    use crate::testing::{accepted, api};

    fn detector() -> Box<dyn Detector> {
        Choice::named("key_fanout").build(&crate::Context { kinds: &[], seed: 0 }).unwrap()
    }

    #[test]
    fn one_key_on_two_ips_alerts_on_the_key_once_per_cooldown() {
        let mut d = detector();
        let mut alerts = Vec::new();
        for (i, ip) in [1, 1, 2, 1, 3].into_iter().enumerate() {
            let mut access = api(8);
            access.ip = Ip(ip);
            d.on_event(
                &accepted(i as u64, Nanos::from_secs(i as u64), access, 0, Side::Buy, 100, 1),
                &mut alerts,
            );
        }
        assert_eq!(alerts.len(), 1, "{alerts:?}");
        assert_eq!(alerts[0].entity, Entity::Key(KeyId(8)));
        assert_eq!(alerts[0].score, 1.0);
        assert_eq!(alerts[0].time, Nanos::from_secs(2));
    }

    #[test]
    fn four_keys_on_one_ip_alert_on_every_key() {
        let mut d = detector();
        let mut alerts = Vec::new();
        for k in 1..=4 {
            let mut access = api(k);
            access.ip = Ip(99);
            d.on_event(
                &accepted(
                    u64::from(k),
                    Nanos::from_secs(u64::from(k)),
                    access,
                    0,
                    Side::Buy,
                    100,
                    1,
                ),
                &mut alerts,
            );
        }
        let keys: Vec<_> = alerts.iter().map(|a| a.entity).collect();
        assert_eq!(keys, (1..=4).map(|k| Entity::Key(KeyId(k))).collect::<Vec<_>>());
    }

    #[test]
    fn addresses_outside_the_window_are_forgotten() {
        let mut d = detector();
        let mut alerts = Vec::new();
        for (i, ip) in [1, 2, 3].into_iter().enumerate() {
            let mut access = api(8);
            access.ip = Ip(ip);
            let t = Nanos::from_secs(i as u64 * 1000);
            d.on_event(&accepted(i as u64, t, access, 0, Side::Buy, 100, 1), &mut alerts);
        }
        assert!(alerts.is_empty(), "{alerts:?}");
    }
}
