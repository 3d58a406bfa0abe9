//! Micro-order bursts and quote stuffing: a key that suddenly floods the
//! book with tiny orders.
//!
//! After Egginton, Van Ness and Van Ness ("Quote Stuffing", 2016): a spike
//! in one key's message rate, made of orders at the instrument's minimum
//! size. Market makers also send many messages a second, but of ordinary
//! size, so the share of tiny orders is what separates the two. The score
//! is the message rate over the threshold times the tiny share.

use std::collections::{HashMap, VecDeque};

use surveil_sim::event::CancelReason;
use surveil_sim::{Event, EventBody, KeyId, Nanos};

use crate::baseline::SizeBaseline;
use crate::{AbuseKind, Alert, Detector, Entity};

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
    last_alert: Option<Nanos>,
}

/// Message-rate spikes of tiny orders per API key.
#[derive(Debug, Default)]
pub struct BurstRate {
    params: BurstRateParams,
    sizes: SizeBaseline,
    keys: HashMap<KeyId, KeyState>,
}

impl BurstRate {
    /// Creates the detector.
    pub fn new(params: BurstRateParams) -> BurstRate {
        BurstRate { params, ..BurstRate::default() }
    }
}

impl Detector for BurstRate {
    fn name(&self) -> &str {
        "burst_rate"
    }

    fn kinds(&self) -> &[AbuseKind] {
        &[AbuseKind::MicroBurst]
    }

    fn on_event(&mut self, event: &Event, alerts: &mut Vec<Alert>) {
        let now = event.time;
        let (key, tiny) = match &event.body {
            EventBody::Accepted(e) => {
                self.sizes.observe(e.instrument, e.qty);
                let smallest = self.sizes.smallest(e.instrument).map_or(1, |q| q.0);
                let Some(key) = e.access.channel.key() else { return };
                (key, Some(e.qty.0 <= smallest * self.params.tiny_multiple))
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

        let p = &self.params;
        let state = self.keys.entry(key).or_default();
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

        let count = state.messages.len();
        if count < p.min_messages || state.orders == 0 {
            return;
        }
        let tiny_share = state.tiny as f64 / state.orders as f64;
        let cooled = state.last_alert.is_none_or(|t| now.saturating_sub(t) >= p.cooldown);
        if tiny_share >= p.min_tiny_share && cooled {
            state.last_alert = Some(now);
            let score = count as f64 / p.min_messages as f64 * tiny_share;
            alerts.push(Alert {
                time: now,
                kind: AbuseKind::MicroBurst,
                entity: Entity::Key(key),
                score,
            });
        }
    }
}
