//! Quote stuffing: a key's message rate far above its own baseline, made of
//! orders that do not trade and do not live.
//!
//! After Egginton, Van Ness and Van Ness ("Quote Stuffing", 2016), who find
//! episodes as spikes of message rate against the security's own baseline,
//! with order lifetimes falling; and after the venue rule (MiFID II RTS 9)
//! that caps the ratio of unexecuted orders to trades. Market makers send
//! many messages too, so the baseline is the key's own: a market maker
//! always busy has a high one. The detector counts, per API key and in
//! buckets of `bucket_ms`, orders, cancels and amends, fills, and the life
//! of each cancelled order; it keeps an exponentially weighted mean of the
//! key's messages per bucket (weight `alpha`, never below `min_baseline`).
//! A key alerts when the bucket so far holds at least `min_messages`, at
//! least `rate_multiple` times its baseline, with at least
//! `min_order_to_trade` orders per fill (fills counted plus one) and a mean
//! life of its cancelled orders of at most `max_lifetime_ms`. The score is
//! the bucket's messages over the baseline.

use surveil_sim::event::CancelReason;
use surveil_sim::{Event, EventBody, Nanos};

use crate::baseline::Cooldowns;
use crate::indices::{self, EventIndices, Feed, Indexed, KeyIndex, OrderValues, Step, Table};
use crate::registry::{ParamSpec, Values};
use crate::{AbuseKind, Alert, Detector, Entity};

#[derive(Clone, Debug)]
struct KeyState {
    bucket: u64,
    messages: u32,
    orders: u32,
    fills: u32,
    cancels: u32,
    lifetime_sum: Nanos,
    baseline: f64,
}

/// Message-rate spikes against a key's own baseline.
#[derive(Debug)]
pub struct QuoteStuffing {
    bucket: Nanos,
    alpha: f64,
    min_baseline: f64,
    min_messages: u32,
    rate_multiple: f64,
    min_order_to_trade: f64,
    max_lifetime: Nanos,
    cooldown: Nanos,
    /// By key index.
    keys: Table<Option<KeyState>>,
    /// When each order was accepted, by order slot.
    born: OrderValues<Nanos>,
    /// The bucket of the last event's time, and the times it spans, so
    /// that the bucket of most events takes no division.
    current: Bucket,
    alerted: Cooldowns,
    feed: Feed,
}

/// A bucket of time: its number and the times it spans, from `start` to
/// before `end`.
#[derive(Clone, Copy, Debug)]
struct Bucket {
    number: u64,
    start: u64,
    end: u64,
}

impl QuoteStuffing {
    /// The parameters it takes from the registry.
    pub const PARAMS: &'static [ParamSpec] = &[
        ParamSpec::real("bucket_ms", 1000.0, 1.0, 1e9, "the bucket messages are counted in, ms"),
        ParamSpec::real("alpha", 0.05, 0.0, 1.0, "weight of each bucket in the key's baseline"),
        ParamSpec::real(
            "min_baseline",
            2.0,
            0.0,
            1e9,
            "the baseline never falls below this, messages per bucket",
        ),
        ParamSpec::count(
            "min_messages",
            40.0,
            1.0,
            1e9,
            "messages in a bucket before it is judged",
        ),
        ParamSpec::real("rate_multiple", 8.0, 1.0, 1e9, "messages over baseline that make a spike"),
        ParamSpec::real(
            "min_order_to_trade",
            10.0,
            0.0,
            1e9,
            "orders per fill (plus one) that make a spike",
        ),
        ParamSpec::real(
            "max_lifetime_ms",
            2000.0,
            0.0,
            1e12,
            "longest mean life of the bucket's cancelled orders, ms",
        ),
        ParamSpec::real(
            "cooldown_ms",
            10_000.0,
            0.0,
            1e9,
            "shortest time between two alerts on one key, ms",
        ),
    ];

    /// Creates the detector from registry values.
    pub fn from_values(v: &Values) -> QuoteStuffing {
        QuoteStuffing {
            bucket: Nanos(v.millis("bucket_ms").0.max(1)),
            alpha: v.get("alpha"),
            min_baseline: v.get("min_baseline"),
            min_messages: v.count("min_messages") as u32,
            rate_multiple: v.get("rate_multiple"),
            min_order_to_trade: v.get("min_order_to_trade"),
            max_lifetime: v.millis("max_lifetime_ms"),
            cooldown: v.millis("cooldown_ms"),
            keys: Table::default(),
            born: OrderValues::default(),
            current: Bucket { number: 0, start: 1, end: 0 },
            alerted: Cooldowns::default(),
            feed: Feed::default(),
        }
    }

    /// Makes the bucket of `now` the current one and returns its number.
    #[inline(never)]
    fn move_to(&mut self, now: Nanos) -> u64 {
        let number = now.0 / self.bucket.0;
        let start = number * self.bucket.0;
        self.current = Bucket { number, start, end: start.saturating_add(self.bucket.0) };
        number
    }

    /// Returns the key's state with its bucket brought up to `now`: the
    /// buckets that ended are folded into the baseline, empty ones too.
    #[inline(always)]
    fn state(&mut self, key: KeyIndex, now: Nanos) -> &mut KeyState {
        let c = self.current;
        let bucket = if (c.start..c.end).contains(&now.0) { c.number } else { self.move_to(now) };
        let (alpha, floor) = (self.alpha, self.min_baseline);
        let state = self.keys.at(key.get()).get_or_insert_with(|| KeyState {
            bucket,
            messages: 0,
            orders: 0,
            fills: 0,
            cancels: 0,
            lifetime_sum: Nanos(0),
            baseline: floor,
        });
        if bucket > state.bucket {
            let empty = (bucket - state.bucket - 1).min(10_000) as i32;
            state.baseline += alpha * (f64::from(state.messages) - state.baseline);
            state.baseline *= (1.0 - alpha).powi(empty);
            state.baseline = state.baseline.max(floor);
            state.bucket = bucket;
            state.messages = 0;
            state.orders = 0;
            state.fills = 0;
            state.cancels = 0;
            state.lifetime_sum = Nanos(0);
        }
        state
    }
}

impl Detector for QuoteStuffing {
    fn name(&self) -> &str {
        "quote_stuffing"
    }

    fn kinds(&self) -> &[AbuseKind] {
        &[AbuseKind::MicroBurst]
    }

    fn cost_ns(&self) -> u32 {
        9
    }

    #[inline(always)]
    fn on_event(&mut self, event: &Event, alerts: &mut Vec<Alert>) {
        indices::on_event(self, event, alerts);
    }

    fn on_indexed(&mut self, events: Indexed<'_>, alerts: &mut Vec<Alert>) {
        indices::on_indexed(self, events, alerts);
    }
}

impl Step for QuoteStuffing {
    fn feed(&mut self) -> &mut Feed {
        &mut self.feed
    }

    #[inline(always)]
    fn step(&mut self, event: &Event, indices: &EventIndices, alerts: &mut Vec<Alert>) {
        let now = event.time;
        let (min_messages, multiple, ratio, max_life, cooldown) = (
            self.min_messages,
            self.rate_multiple,
            self.min_order_to_trade,
            self.max_lifetime,
            self.cooldown,
        );
        let (key, state) = match &event.body {
            EventBody::Accepted(e) => {
                let (Some(key), Some(index), Some(order)) =
                    (e.access.channel.key(), indices.access.key, indices.order)
                else {
                    return;
                };
                self.born.insert(order, now);
                let state = self.state(index, now);
                state.messages += 1;
                state.orders += 1;
                (key, state)
            }
            EventBody::Cancelled(c) => {
                let born = indices.order.and_then(|order| self.born.remove(order));
                let (Some(key), Some(index)) = (c.access.channel.key(), indices.access.key) else {
                    return;
                };
                if c.reason != CancelReason::Requested {
                    return;
                }
                let state = self.state(index, now);
                state.messages += 1;
                if let Some(born) = born {
                    state.cancels += 1;
                    state.lifetime_sum += now.saturating_sub(born);
                }
                (key, state)
            }
            EventBody::Amended(a) => {
                let (Some(key), Some(index)) = (a.access.channel.key(), indices.access.key) else {
                    return;
                };
                let state = self.state(index, now);
                state.messages += 1;
                (key, state)
            }
            EventBody::Trade(t) => {
                let maker = (&t.maker, indices.maker.key, indices.maker_order);
                let taker = (&t.taker, indices.access.key, indices.order);
                for (party, key, order) in [maker, taker] {
                    if let (0, Some(order)) = (party.remaining.0, order) {
                        self.born.remove(order);
                    }
                    if let Some(key) = key {
                        self.state(key, now).fills += 1;
                    }
                }
                return;
            }
            // Self-trade prevention can take an order's whole quantity.
            EventBody::Decremented(d) => {
                if let (0, Some(order)) = (d.remaining.0, indices.order) {
                    self.born.remove(order);
                }
                return;
            }
            _ => return,
        };

        if state.messages < min_messages || state.cancels == 0 {
            return;
        }
        // Each test only when the ones before it pass, the dearest last:
        // the mean life is at most `max_life` when the sum of lives is
        // below `max_life + 1` lives, which takes no division.
        let rate = f64::from(state.messages) / state.baseline;
        let short_lived = || {
            let sum = u128::from(state.lifetime_sum.0);
            sum < (u128::from(max_life.0) + 1) * u128::from(state.cancels)
        };
        if rate >= multiple
            && f64::from(state.orders) / f64::from(state.fills + 1) >= ratio
            && short_lived()
        {
            let alert = Alert {
                time: now,
                kind: AbuseKind::MicroBurst,
                entity: Entity::Key(key),
                score: rate,
            };
            self.alerted.raise(alert, cooldown, alerts);
        }
    }
}

#[cfg(test)]
mod tests {
    use surveil_sim::{Nanos, Side};

    use super::*;
    use crate::registry::Choice;
    use crate::testing::{accepted, api, cancelled};

    /// A key that places and cancels `per_second` orders a second for
    /// `seconds` seconds, each cancel `life_ms` after its order.
    fn stream(
        per_second: u64,
        seconds: u64,
        life_ms: u64,
        start_s: u64,
        seq: &mut u64,
    ) -> Vec<Event> {
        let mut events = Vec::new();
        for s in 0..seconds {
            for i in 0..per_second {
                let t = Nanos::from_millis((start_s + s) * 1000 + i * 1000 / per_second);
                *seq += 1;
                let order = *seq;
                events.push(accepted(order, t, api(6), 0, Side::Buy, 100, 1));
                *seq += 1;
                events.push(cancelled(
                    *seq,
                    t + Nanos::from_millis(life_ms),
                    api(6),
                    order,
                    0,
                    Side::Buy,
                    1,
                ));
            }
        }
        events.sort_by_key(|e| (e.time, e.seq));
        events
    }

    fn alerts_for(events: &[Event]) -> Vec<Alert> {
        let mut d =
            Choice::named("quote_stuffing").build(&crate::Context { kinds: &[], seed: 0 }).unwrap();
        let mut alerts = Vec::new();
        for e in events {
            d.on_event(e, &mut alerts);
        }
        alerts
    }

    #[test]
    fn a_quiet_key_that_suddenly_stuffs_alerts() {
        let mut seq = 0;
        let mut events = stream(1, 60, 300, 0, &mut seq);
        events.extend(stream(100, 2, 5, 60, &mut seq));
        let alerts = alerts_for(&events);
        assert!(!alerts.is_empty());
        assert!(alerts[0].time >= Nanos::from_secs(60));
        assert!(alerts[0].score >= 8.0, "{alerts:?}");
    }

    #[test]
    fn a_key_always_that_busy_does_not() {
        let mut seq = 0;
        let events = stream(50, 200, 5, 0, &mut seq);
        let alerts = alerts_for(&events);
        // Until the baseline has learned the rate, the first seconds look
        // like a spike; after that the key is its own normal.
        assert!(alerts.iter().all(|a| a.time < Nanos::from_secs(100)), "{alerts:?}");
    }
}
