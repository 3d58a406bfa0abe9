//! Micro-order bursts and quote stuffing: a key that suddenly floods the
//! book with tiny orders ([`BurstRate`]), or with orders far above its own
//! usual rate that never trade and live briefly ([`QuoteStuffing`], in its
//! own module).
//!
//! [`BurstRate`] follows Egginton, Van Ness and Van Ness ("Quote Stuffing", 2016): a spike
//! in one key's message rate, made of orders at the instrument's minimum
//! size (near the smallest size seen, and at most a quarter of the typical
//! one). Market makers also send many messages a second, but of ordinary
//! size, so the share of tiny orders is what separates the two. The score
//! is the message rate over the threshold times the tiny share.

use std::collections::VecDeque;

use surveil_sim::event::CancelReason;
use surveil_sim::{Event, EventBody, Nanos};

use crate::baseline::{Cooldowns, SizeBaseline};
use crate::indices::{self, EventIndices, Feed, Indexed, Step, Table};
use crate::registry::{ParamSpec, Values};
use crate::{AbuseKind, Alert, Detector, Entity};

mod stuffing;

pub use stuffing::QuoteStuffing;

/// Parameters of [`BurstRate`].
#[derive(Clone, Debug, PartialEq)]
pub struct BurstRateParams {
    /// The window the rate is measured over.
    pub window: Nanos,
    /// Orders and cancels within the window that make a burst.
    pub min_messages: usize,
    /// Share of the window's orders that must be tiny.
    pub min_tiny_share: f64,
    /// An order is tiny up to this multiple of the smallest size seen.
    pub tiny_multiple: i64,
    /// Shortest time between two alerts on one key.
    pub cooldown: Nanos,
}

impl Default for BurstRateParams {
    fn default() -> BurstRateParams {
        BurstRateParams {
            window: Nanos::from_secs(1),
            min_messages: 60,
            min_tiny_share: 0.5,
            tiny_multiple: 2,
            cooldown: Nanos::from_secs(10),
        }
    }
}

#[derive(Clone, Debug, Default)]
struct KeyState {
    /// Message times in the window, and whether each was a tiny order.
    messages: VecDeque<(Nanos, Option<bool>)>,
    orders: usize,
    tiny: usize,
}

/// Orders an instrument must have seen before any order on it counts as
/// tiny.
const WARMUP: u64 = 500;

/// A tiny order is at most this share of the instrument's typical size.
const TINY_OF_TYPICAL: f64 = 0.25;

/// Message-rate spikes of tiny orders per API key.
#[derive(Debug, Default)]
pub struct BurstRate {
    params: BurstRateParams,
    sizes: SizeBaseline,
    /// By key index.
    keys: Table<KeyState>,
    alerted: Cooldowns,
    feed: Feed,
}

impl BurstRate {
    /// The parameters it takes from the registry.
    pub const PARAMS: &'static [ParamSpec] = &[
        ParamSpec::real("window_ms", 1000.0, 1.0, 1e9, "the window the rate is measured over, ms"),
        ParamSpec::count(
            "min_messages",
            60.0,
            1.0,
            1e9,
            "orders and cancels within the window that make a burst",
        ),
        ParamSpec::real(
            "min_tiny_share",
            0.5,
            0.0,
            1.0,
            "share of the window's orders that must be tiny",
        ),
        ParamSpec::count(
            "tiny_multiple",
            2.0,
            1.0,
            1e9,
            "an order is tiny up to this multiple of the smallest size seen",
        ),
        ParamSpec::real(
            "cooldown_ms",
            10_000.0,
            0.0,
            1e9,
            "shortest time between two alerts on one key, ms",
        ),
    ];

    /// Creates the detector.
    pub fn new(params: BurstRateParams) -> BurstRate {
        BurstRate { params, ..BurstRate::default() }
    }

    /// Creates the detector from registry values.
    pub fn from_values(v: &Values) -> BurstRate {
        BurstRate::new(BurstRateParams {
            window: v.millis("window_ms"),
            min_messages: v.count("min_messages"),
            min_tiny_share: v.get("min_tiny_share"),
            tiny_multiple: v.count("tiny_multiple") as i64,
            cooldown: v.millis("cooldown_ms"),
        })
    }
}

impl Detector for BurstRate {
    fn name(&self) -> &str {
        "burst_rate"
    }

    fn kinds(&self) -> &[AbuseKind] {
        &[AbuseKind::MicroBurst]
    }

    fn cost_ns(&self) -> u32 {
        14
    }

    #[inline(always)]
    fn on_event(&mut self, event: &Event, alerts: &mut Vec<Alert>) {
        indices::on_event(self, event, alerts);
    }

    fn on_indexed(&mut self, events: Indexed<'_>, alerts: &mut Vec<Alert>) {
        indices::on_indexed(self, events, alerts);
    }
}

impl Step for BurstRate {
    fn feed(&mut self) -> &mut Feed {
        &mut self.feed
    }

    #[inline(always)]
    fn step(&mut self, event: &Event, indices: &EventIndices, alerts: &mut Vec<Alert>) {
        let now = event.time;
        let (key, tiny) = match &event.body {
            EventBody::Accepted(e) => {
                self.sizes.observe(e.instrument, e.qty);
                let Some(key) = e.access.channel.key() else { return };
                // Until the instrument has shown a spread of sizes, its
                // smallest size so far says nothing about what is tiny.
                // A tiny order is near the smallest size seen and well below
                // the typical one: the smallest size alone can still be an
                // ordinary quote early in a session.
                // The size test first: most orders fail it, and the
                // typical size costs an exponential.
                let smallest = self.sizes.smallest(e.instrument).map_or(1, |q| q.0);
                let tiny = e.qty.0 <= smallest * self.params.tiny_multiple
                    && self
                        .sizes
                        .typical(e.instrument, WARMUP)
                        .is_some_and(|t| (e.qty.0 as f64) <= TINY_OF_TYPICAL * t);
                (key, Some(tiny))
            }
            EventBody::Cancelled(c) if c.reason == CancelReason::Requested => {
                let Some(key) = c.access.channel.key() else { return };
                (key, None)
            }
            EventBody::Amended(a) => {
                let Some(key) = a.access.channel.key() else { return };
                (key, None)
            }
            _ => return,
        };

        // Every event that names a key has its index.
        let Some(index) = indices.access.key else { return };
        let p = &self.params;
        let state = self.keys.at(index.get());
        state.messages.push_back((now, tiny));
        if let Some(t) = tiny {
            state.orders += 1;
            state.tiny += usize::from(t);
        }
        while let Some(&(t, tiny)) = state.messages.front() {
            if now.saturating_sub(t) < p.window {
                break;
            }
            state.messages.pop_front();
            if let Some(was_tiny) = tiny {
                state.orders -= 1;
                state.tiny -= usize::from(was_tiny);
            }
        }

        // A busy market maker passes the message count on most of its
        // orders but sends no tiny ones, and then the share need not be
        // divided out.
        let count = state.messages.len();
        if count < p.min_messages || state.orders == 0 {
            return;
        }
        if state.tiny == 0 && p.min_tiny_share > 0.0 {
            return;
        }
        let tiny_share = state.tiny as f64 / state.orders as f64;
        if tiny_share >= p.min_tiny_share {
            let score = count as f64 / p.min_messages as f64 * tiny_share;
            let alert =
                Alert { time: now, kind: AbuseKind::MicroBurst, entity: Entity::Key(key), score };
            self.alerted.raise(alert, p.cooldown, alerts);
        }
    }
}

#[cfg(test)]
mod tests {
    use surveil_sim::event::{Accepted, OrderType};
    use surveil_sim::{
        Access, AccountId, Channel, Client, InstrumentId, Ip, KeyId, Network, OrderId, Price, Qty,
        RegionId, Side,
    };

    use super::*;

    fn accepted(seq: u64, time: Nanos, key: u32, qty: i64) -> Event {
        let access = Access {
            account: AccountId(key),
            channel: Channel::Api(KeyId(key)),
            ip: Ip(1),
            region: RegionId(0),
            network: Network::Cloud,
            client: Client::KnownLibrary(0),
        };
        Event {
            seq,
            time,
            body: EventBody::Accepted(Accepted {
                order: OrderId(seq),
                instrument: InstrumentId(0),
                side: Side::Buy,
                order_type: OrderType::Limit,
                price: Some(Price(100)),
                qty: Qty(qty),
                access,
            }),
        }
    }

    fn alerts_for(events: &[Event]) -> Vec<Alert> {
        let mut detector = BurstRate::new(BurstRateParams::default());
        let mut alerts = Vec::new();
        for e in events {
            detector.on_event(e, &mut alerts);
        }
        alerts
    }

    #[test]
    fn a_flood_of_minimum_size_orders_from_one_key_alerts() {
        // 600 ordinary orders from many keys, then 100 one-lot orders from
        // key 7 within half a second.
        let mut events: Vec<Event> = (0..600)
            .map(|i| {
                accepted(i, Nanos::from_millis(i * 100), 100 + i as u32 % 50, 10 + (i % 7) as i64)
            })
            .collect();
        let start = Nanos::from_secs(61);
        events.extend((0..100).map(|i| accepted(600 + i, start + Nanos::from_millis(i * 5), 7, 1)));
        let alerts = alerts_for(&events);
        assert!(!alerts.is_empty());
        assert!(alerts.iter().all(|a| a.entity == Entity::Key(KeyId(7))), "{alerts:?}");
    }

    #[test]
    fn the_opening_flurry_is_not_judged_before_sizes_are_known() {
        // The first orders of a session, however fast, cannot be tiny: no
        // size spread is known yet.
        let events: Vec<Event> =
            (0..200).map(|i| accepted(i, Nanos::from_millis(i * 2), 7, 8)).collect();
        assert!(alerts_for(&events).is_empty());
    }
}
