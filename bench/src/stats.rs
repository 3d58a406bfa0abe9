//! Statistics of the public event stream that every run reports.

use surveil_reports::{ControlSummary, Halt, NamedCount};
use surveil_sim::event::{ControlKind, HaltCause, RejectReason};
use surveil_sim::{Event, EventBody, InstrumentSpec};

use crate::dataset::events::{CONTROLS, REJECT_REASONS, control_code, reject_code};

/// Counts kept while the stream goes by.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StreamStats {
    /// KRW per lot per tick of price, by instrument.
    notional_per_lot_tick: Vec<f64>,
    /// Events seen.
    pub events: u64,
    /// Trades seen.
    pub trades: u64,
    /// Orders accepted.
    pub orders: u64,
    /// Traded value in KRW, each trade counted once.
    pub volume_krw: f64,
    /// Traded value in KRW by API orders, each side of a trade counted
    /// separately.
    pub api_side_volume_krw: f64,
    /// What the exchange's controls did.
    pub controls: ControlTally,
}

/// Counts of what the exchange's controls did, as the public stream shows
/// it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ControlTally {
    /// Refusals per reason, indexed like [`REJECT_REASONS`].
    refusals: Vec<u64>,
    /// Control events per kind, indexed like [`CONTROLS`].
    actions: Vec<u64>,
    discrepancies: u64,
    halts: Vec<Halt>,
}

impl ControlTally {
    fn refused(&mut self, reason: RejectReason) {
        if reason.is_control() {
            bump(&mut self.refusals, usize::from(reject_code(reason)), REJECT_REASONS.len());
        }
    }

    fn acted(&mut self, time_s: f64, kind: ControlKind) {
        bump(&mut self.actions, usize::from(control_code(kind)), CONTROLS.len());
        match kind {
            ControlKind::Reconciled { discrepancies, .. } => {
                self.discrepancies += u64::from(discrepancies);
            }
            ControlKind::Halted { cause } => self.halts.push(Halt {
                cause: match cause {
                    HaltCause::Reconciliation => "reconciliation",
                    HaltCause::Overload => "overload",
                }
                .to_owned(),
                start_s: time_s,
                end_s: None,
            }),
            ControlKind::Resumed => {
                if let Some(open) = self.halts.last_mut().filter(|h| h.end_s.is_none()) {
                    open.end_s = Some(time_s);
                }
            }
            _ => {}
        }
    }

    /// Returns the counts as the results document holds them.
    pub fn summary(&self) -> ControlSummary {
        let named = |counts: &[u64], names: &[&str]| -> Vec<NamedCount> {
            counts
                .iter()
                .zip(names)
                .filter(|(n, _)| **n > 0)
                .map(|(n, name)| NamedCount { name: (*name).to_owned(), count: *n })
                .collect()
        };
        ControlSummary {
            refusals: named(&self.refusals, REJECT_REASONS),
            actions: named(&self.actions, CONTROLS),
            discrepancies: self.discrepancies,
            halts: self.halts.clone(),
        }
    }
}

fn bump(counts: &mut Vec<u64>, at: usize, len: usize) {
    if counts.is_empty() {
        counts.resize(len, 0);
    }
    counts[at] += 1;
}

impl StreamStats {
    /// Starts empty counts for a market with these instruments.
    pub fn new(instruments: &[InstrumentSpec]) -> StreamStats {
        StreamStats {
            notional_per_lot_tick: instruments
                .iter()
                .map(|i| i.krw_per_tick * i.tokens_per_lot)
                .collect(),
            ..StreamStats::default()
        }
    }

    /// Adds a batch of events.
    pub fn update(&mut self, events: &[Event]) {
        self.events += events.len() as u64;
        for event in events {
            match &event.body {
                EventBody::Trade(t) => {
                    let factor = self.notional_per_lot_tick[usize::from(t.instrument.0)];
                    let value = t.qty.0 as f64 * t.price.0 as f64 * factor;
                    let api_sides = u8::from(t.maker.access.channel.is_api())
                        + u8::from(t.taker.access.channel.is_api());
                    self.trades += 1;
                    self.volume_krw += value;
                    self.api_side_volume_krw += value * f64::from(api_sides);
                }
                EventBody::Accepted(_) => self.orders += 1,
                EventBody::Rejected(r) => self.controls.refused(r.reason),
                EventBody::CancelRejected(r) => self.controls.refused(r.reason),
                EventBody::AmendRejected(r) => self.controls.refused(r.reason),
                EventBody::Control(c) => self.controls.acted(event.time.as_secs_f64(), c.kind),
                _ => {}
            }
        }
    }

    /// Returns the share of traded value that came from API orders, both
    /// sides of every trade counted: a trade between an API order and a
    /// retail order is half API. Value, not lots, because a lot of one
    /// token is worth nothing like a lot of another.
    pub fn algo_share(&self) -> f64 {
        if self.volume_krw == 0.0 {
            0.0
        } else {
            self.api_side_volume_krw / (2.0 * self.volume_krw)
        }
    }
}

#[cfg(test)]
mod tests {
    use surveil_sim::event::{Trade, TradeSide};
    use surveil_sim::{
        Access, AccountId, Channel, Client, InstrumentId, Ip, KeyId, Nanos, Network, OrderId,
        Price, Qty, RegionId, Side,
    };

    use super::*;

    fn access(channel: Channel) -> Access {
        Access {
            account: AccountId(1),
            channel,
            ip: Ip(1),
            region: RegionId(0),
            network: Network::Home,
            client: Client::OfficialWeb,
        }
    }

    fn trade(instrument: u16, qty: i64, maker: Channel, taker: Channel) -> Event {
        let side = |c| TradeSide { order: OrderId(1), access: access(c), remaining: Qty(0) };
        Event {
            seq: 0,
            time: Nanos(0),
            body: EventBody::Trade(Trade {
                instrument: InstrumentId(instrument),
                price: Price(100),
                qty: Qty(qty),
                taker_side: Side::Buy,
                maker: side(maker),
                taker: side(taker),
            }),
        }
    }

    fn spec(krw_per_tick: f64) -> InstrumentSpec {
        InstrumentSpec {
            symbol: "X".into(),
            krw_per_tick,
            tokens_per_lot: 1.0,
            min_price: Price(1),
            max_price: Price(1000),
            min_qty: Qty(1),
            max_qty: Qty(1000),
            tick_size: 1,
            lot_size: 1,
        }
    }

    #[test]
    fn algo_share_counts_both_sides_by_value() {
        let api = Channel::Api(KeyId(1));
        let mut stats = StreamStats::new(&[spec(1.0), spec(3.0)]);
        // Instrument 0: 10 lots, API maker against a web taker: half API.
        // Instrument 1 is worth three times as much per lot: 10 lots, both
        // sides retail.
        stats.update(&[
            trade(0, 10, api, Channel::Web),
            trade(1, 10, Channel::Mobile, Channel::Web),
        ]);
        // API value 1000 of 2 * (1000 + 3000) = 8000.
        assert!((stats.algo_share() - 0.125).abs() < 1e-12, "{}", stats.algo_share());
        assert_eq!(stats.trades, 2);
    }

    #[test]
    fn controls_are_counted_and_halts_paired_with_their_resumption() {
        use surveil_sim::event::{Control, OrderType, Rejected};
        let at = |secs: u64, body| Event { seq: 0, time: Nanos(secs * 1_000_000_000), body };
        let refused = |reason| {
            EventBody::Rejected(Rejected {
                instrument: InstrumentId(0),
                side: Side::Buy,
                order_type: OrderType::Limit,
                price: Some(Price(100)),
                qty: Qty(1),
                reason,
                access: access(Channel::Web),
            })
        };
        let control = |kind| EventBody::Control(Control { kind, account: None, key: None });
        let mut stats = StreamStats::new(&[spec(1.0)]);
        assert!(stats.controls.summary().is_empty());
        stats.update(&[
            at(1, refused(RejectReason::QtyOutOfRange)),
            at(2, refused(RejectReason::NotWhitelisted)),
            at(3, control(ControlKind::Reconciled { accounts: 10, discrepancies: 2 })),
            at(4, control(ControlKind::Halted { cause: HaltCause::Reconciliation })),
            at(5, refused(RejectReason::TradingHalted)),
            at(6, control(ControlKind::Resumed)),
            at(9, control(ControlKind::Halted { cause: HaltCause::Overload })),
        ]);
        let summary = stats.controls.summary();
        let names =
            |v: &[NamedCount]| v.iter().map(|n| (n.name.clone(), n.count)).collect::<Vec<_>>();
        // An ordinary refusal is the gateway's checks, not a control.
        assert_eq!(
            names(&summary.refusals),
            [("not_whitelisted".to_owned(), 1), ("trading_halted".to_owned(), 1)]
        );
        assert_eq!(
            names(&summary.actions),
            [
                ("reconciled".to_owned(), 1),
                ("halted_reconciliation".to_owned(), 1),
                ("halted_overload".to_owned(), 1),
                ("resumed".to_owned(), 1)
            ]
        );
        assert_eq!(summary.discrepancies, 2);
        assert_eq!(
            summary.halts,
            [
                Halt { cause: "reconciliation".to_owned(), start_s: 4.0, end_s: Some(6.0) },
                Halt { cause: "overload".to_owned(), start_s: 9.0, end_s: None },
            ]
        );
    }

    #[test]
    fn empty_stream_has_zero_share() {
        assert_eq!(StreamStats::new(&[]).algo_share(), 0.0);
    }
}
