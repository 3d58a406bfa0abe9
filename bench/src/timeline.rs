//! The market over time, as the report's charts draw it, gathered while the
//! public stream goes by.
//!
//! Prices and traded value are kept per instrument on a fixed grid of
//! simulated time, as coarse as needed to hold at most
//! [`MAX_BUCKETS`](surveil_reports::series::MAX_BUCKETS) intervals, so
//! the series stay the same size however long the session. Traded value
//! is also summed by participant class, read from each side's public
//! access record. To tell later which instruments an episode traded on,
//! a timeline over a recorded stream keeps the instrument of every
//! accepted order, one byte per order; a timeline beside a running
//! simulation keeps none and is told at the end which instruments each
//! episode traded on, a few per episode, so that nothing in it grows with
//! the session.

use surveil_reports::series::{ClassVolume, InstrumentSeries, MAX_BUCKETS};

use surveil_sim::{
    Access, Channel, Client, Episode, Event, EventBody, InstrumentId, InstrumentSpec, Nanos,
};

/// The channel classes, in the order reports list them.
const CHANNELS: [&str; 3] = ["api", "web", "mobile"];

/// The client classes, in the order reports list them.
const CLIENTS: [&str; 4] = ["official_web", "official_app", "known_library", "unknown_tool"];

/// Grid steps a series interval is chosen from, in seconds: the smallest
/// that keeps the grid within its bound is used, so the axis reads in
/// round numbers.
const STEPS_S: [u64; 13] = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600];

/// Returns the interval, in whole seconds, of a grid of at most
/// `max_buckets` intervals over `duration`.
pub fn grid_interval(duration: Nanos, max_buckets: usize) -> Nanos {
    let seconds = duration.0.div_ceil(1_000_000_000).max(1);
    let fits = |step: u64| seconds.div_ceil(step) <= max_buckets as u64;
    let step = STEPS_S.iter().copied().find(|&s| fits(s)).unwrap_or_else(|| {
        // Past the longest step, whole hours.
        seconds.div_ceil(max_buckets as u64).div_ceil(3600) * 3600
    });
    Nanos(step * 1_000_000_000)
}

/// Price, volume and class volume, collected from the public stream.
#[derive(Clone, Debug, Default)]
pub struct Timeline {
    /// Width of one interval.
    interval: Nanos,
    /// Intervals in the session.
    buckets: usize,
    /// Per instrument: symbol, KRW per tick, KRW per lot per tick.
    instruments: Vec<(String, f64, f64)>,
    /// Per instrument, the last trade price of each interval, in ticks.
    last_price: Vec<Vec<Option<i64>>>,
    /// Per instrument, the KRW traded in each interval.
    volume: Vec<Vec<f64>>,
    /// KRW traded by each channel class, both sides counted.
    by_channel: [f64; CHANNELS.len()],
    /// KRW traded by each client class, both sides counted.
    by_client: [f64; CLIENTS.len()],
    /// The instrument of each accepted order, indexed by order id, when
    /// every order is remembered.
    order_instrument: Vec<u8>,
    /// Whether [`Timeline::update`] remembers every order's instrument.
    remembers_orders: bool,
    /// The instruments of each episode, by episode id, told by
    /// [`Timeline::note_episode_instruments`].
    noted: Vec<Vec<InstrumentId>>,
}

impl Timeline {
    /// Starts an empty timeline for a session of `duration` that remembers
    /// the instrument of every accepted order it sees.
    pub fn new(instruments: &[InstrumentSpec], duration: Nanos) -> Timeline {
        Timeline { remembers_orders: true, ..Timeline::forgetting_orders(instruments, duration) }
    }

    /// Starts an empty timeline for a session of `duration` that remembers
    /// no order: [`Timeline::instruments_of`] knows only the instruments
    /// given to [`Timeline::note_episode_instruments`].
    pub fn forgetting_orders(instruments: &[InstrumentSpec], duration: Nanos) -> Timeline {
        let interval = grid_interval(duration, MAX_BUCKETS);
        let buckets = usize::try_from(duration.0.div_ceil(interval.0)).unwrap_or(1).max(1);
        Timeline {
            interval,
            buckets,
            instruments: instruments
                .iter()
                .map(|i| (i.symbol.clone(), i.krw_per_tick, i.krw_per_tick * i.tokens_per_lot))
                .collect(),
            last_price: vec![vec![None; buckets]; instruments.len()],
            volume: vec![vec![0.0; buckets]; instruments.len()],
            ..Timeline::default()
        }
    }

    /// Adds a batch of events.
    pub fn update(&mut self, events: &[Event]) {
        for event in events {
            match &event.body {
                EventBody::Trade(t) => {
                    let instrument = usize::from(t.instrument.0);
                    let bucket = self.bucket(event.time);
                    let value = t.qty.0 as f64 * t.price.0 as f64 * self.instruments[instrument].2;
                    self.last_price[instrument][bucket] = Some(t.price.0);
                    self.volume[instrument][bucket] += value;
                    for access in [&t.maker.access, &t.taker.access] {
                        let (channel, client) = classes(access);
                        self.by_channel[channel] += value;
                        self.by_client[client] += value;
                    }
                }
                EventBody::Accepted(a) if self.remembers_orders => {
                    let id = usize::try_from(a.order.0).unwrap_or(usize::MAX);
                    if id >= self.order_instrument.len() {
                        self.order_instrument.resize(id + 1, u8::MAX);
                    }
                    self.order_instrument[id] = u8::try_from(a.instrument.0).unwrap_or(u8::MAX);
                }
                _ => {}
            }
        }
    }

    /// Records the instruments each episode traded on, by episode id, as
    /// the simulation knows them.
    pub fn note_episode_instruments(&mut self, per_episode: Vec<Vec<InstrumentId>>) {
        self.noted = per_episode;
    }

    /// The width of one interval.
    pub fn interval(&self) -> Nanos {
        self.interval
    }

    /// Returns the symbols of the instruments an episode's orders went to,
    /// in scenario order.
    pub fn instruments_of(&self, episode: &Episode) -> Vec<String> {
        let mut used = vec![false; self.instruments.len()];
        for order in &episode.orders {
            let slot = usize::try_from(order.0).ok().and_then(|i| self.order_instrument.get(i));
            if let Some(&i) = slot
                && let Some(flag) = used.get_mut(usize::from(i))
            {
                *flag = true;
            }
        }
        let noted = usize::try_from(episode.id.0).ok().and_then(|i| self.noted.get(i));
        for instrument in noted.into_iter().flatten() {
            if let Some(flag) = used.get_mut(usize::from(instrument.0)) {
                *flag = true;
            }
        }
        self.instruments.iter().zip(used).filter(|(_, u)| *u).map(|(i, _)| i.0.clone()).collect()
    }

    /// Returns each instrument's series. An interval without a trade
    /// carries the last price before it.
    pub fn series(&self) -> Vec<InstrumentSeries> {
        self.instruments
            .iter()
            .zip(&self.last_price)
            .zip(&self.volume)
            .map(|(((symbol, krw_per_tick, _), prices), volume)| {
                let mut last = None;
                let price_krw = prices
                    .iter()
                    .map(|p| {
                        last = p.or(last);
                        last.map(|ticks| ticks as f64 * krw_per_tick)
                    })
                    .collect();
                InstrumentSeries { symbol: symbol.clone(), price_krw, volume_krw: volume.clone() }
            })
            .collect()
    }

    /// Returns traded value by channel, then by client class.
    pub fn volume_by_class(&self) -> Vec<ClassVolume> {
        let group = |name: &str, classes: &[&str], values: &[f64]| {
            let total: f64 = values.iter().sum();
            classes
                .iter()
                .zip(values)
                .map(|(class, &volume_krw)| ClassVolume {
                    group: name.to_owned(),
                    class: (*class).to_owned(),
                    volume_krw,
                    share: if total > 0.0 { volume_krw / total } else { 0.0 },
                })
                .collect::<Vec<_>>()
        };
        let mut all = group("channel", &CHANNELS, &self.by_channel);
        all.extend(group("client", &CLIENTS, &self.by_client));
        all
    }

    fn bucket(&self, time: Nanos) -> usize {
        usize::try_from(time.0 / self.interval.0).unwrap_or(usize::MAX).min(self.buckets - 1)
    }
}

/// Returns the positions in [`CHANNELS`] and [`CLIENTS`] of one side's
/// access record.
fn classes(access: &Access) -> (usize, usize) {
    let channel = match access.channel {
        Channel::Api(_) => 0,
        Channel::Web => 1,
        Channel::Mobile => 2,
    };
    let client = match access.client {
        Client::OfficialWeb => 0,
        Client::OfficialApp => 1,
        Client::KnownLibrary(_) => 2,
        Client::Unknown(_) => 3,
    };
    (channel, client)
}

#[cfg(test)]
mod tests {
    use surveil_sim::event::{Accepted, OrderType};
    use surveil_sim::{AccountId, Ip, Network, OrderId, Price, Qty, RegionId, Side};

    use super::*;

    const SECOND: u64 = 1_000_000_000;

    #[test]
    fn grid_holds_at_most_the_bound_in_round_steps() {
        assert_eq!(grid_interval(Nanos(3600 * SECOND), 400), Nanos(10 * SECOND));
        assert_eq!(grid_interval(Nanos(60 * SECOND), 400), Nanos(SECOND));
        assert_eq!(grid_interval(Nanos(1), 400), Nanos(SECOND));
        // Ten days fit in 400 intervals of one hour.
        assert_eq!(grid_interval(Nanos(240 * 3600 * SECOND), 400), Nanos(3600 * SECOND));
        // A hundred days need whole hours beyond the longest step.
        let long = grid_interval(Nanos(2400 * 3600 * SECOND), 400);
        assert_eq!(long, Nanos(6 * 3600 * SECOND));
    }

    /// A timeline beside a running simulation holds the same few hundred
    /// intervals whether the session lasts an hour or a day, and keeps no
    /// record of the orders it sees.
    #[test]
    fn a_forgetting_timeline_stays_the_same_size_however_long_the_session() {
        let spec = InstrumentSpec {
            symbol: "T-KRW".into(),
            krw_per_tick: 1.0,
            tokens_per_lot: 1.0,
            min_price: Price(1),
            max_price: Price(1000),
            min_qty: Qty(1),
            max_qty: Qty(1000),
            tick_size: 1,
            lot_size: 1,
        };
        let access = Access {
            account: AccountId(1),
            channel: Channel::Web,
            ip: Ip(1),
            region: RegionId(0),
            network: Network::Home,
            client: Client::OfficialWeb,
        };
        for hours in [1, 24, 240] {
            let duration = Nanos(hours * 3600 * SECOND);
            let mut timeline = Timeline::forgetting_orders(std::slice::from_ref(&spec), duration);
            let accepted: Vec<Event> = (0..10_000u64)
                .map(|i| Event {
                    seq: i,
                    time: Nanos(i * duration.0 / 10_000),
                    body: EventBody::Accepted(Accepted {
                        order: OrderId(i + 1),
                        instrument: InstrumentId(0),
                        side: Side::Buy,
                        order_type: OrderType::Limit,
                        price: Some(Price(100)),
                        qty: Qty(1),
                        access,
                    }),
                })
                .collect();
            timeline.update(&accepted);
            assert!(timeline.order_instrument.is_empty(), "{hours} h");
            let series = timeline.series();
            assert!(series[0].price_krw.len() <= MAX_BUCKETS, "{hours} h");
            assert!(series[0].volume_krw.len() <= MAX_BUCKETS, "{hours} h");
        }
    }
}
