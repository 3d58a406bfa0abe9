//! What a policy bought and what it cost, measured from one run's public
//! stream and its ground truth.
//!
//! The stream is read as it goes by (accepted orders, trades, the
//! refusals the controls caused, the controls themselves); once the run
//! ends, the ground truth says which of it was abuse and which accounts
//! were honest, and of which decoy type.
//!
//! - An episode **succeeded** when it reached its payoff (spoofing, wash
//!   trading, pumps: the kinds that have one), when a leased key traded at
//!   all (key sharing), or when no control ever refused one of its
//!   requests (micro-order bursts).
//! - It was **stopped** at the first control refusal of one of its
//!   requests after its first evidence; an abuser who left silently after
//!   a warning is not counted as stopped, because nothing public shows
//!   when it would have gone on.
//! - **Displacement** of a spoofing or pump episode is the largest move of
//!   its instrument's trade price during the episode away from the last
//!   trade before its first evidence, in basis points.
//! - **Honest cost** counts, over accounts in no episode, requests the
//!   controls refused, accounts paused for re-verification, demands to
//!   re-verify, warnings and keys expired.

use std::collections::{BTreeSet, HashSet};

use surveil_detectors::AbuseKind;
use surveil_sim::event::{Control, ControlKind, HaltCause, RejectReason};
use surveil_sim::{
    AccountId, Event, EventBody, GroundTruth, InstrumentId, InstrumentSpec, Ip, KeyId, Nanos,
    OrderId,
};

use surveil_reports::whatif::{Figures, HonestCost, HonestCosts};

use crate::score::{Cause, HonestAccounts};

#[derive(Clone, Copy, Debug)]
struct Refused {
    time: Nanos,
    account: AccountId,
    key: Option<KeyId>,
    ip: Ip,
    reason: RejectReason,
}

#[derive(Clone, Copy, Debug)]
struct Fill {
    time: Nanos,
    instrument: InstrumentId,
    price: i64,
    value_krw: f64,
    maker: OrderId,
    taker: OrderId,
}

/// What one run's stream showed, kept until the ground truth is known.
#[derive(Debug, Default)]
pub struct Tape {
    krw_per_lot_tick: Vec<f64>,
    accepted: Vec<(OrderId, InstrumentId)>,
    fills: Vec<Fill>,
    refused: Vec<Refused>,
    controls: Vec<(Nanos, Control)>,
}

impl Tape {
    /// Starts a tape for a market of these instruments.
    pub fn new(instruments: &[InstrumentSpec]) -> Tape {
        Tape {
            krw_per_lot_tick: instruments
                .iter()
                .map(|i| i.krw_per_tick * i.tokens_per_lot)
                .collect(),
            ..Tape::default()
        }
    }

    /// Records a stretch of the stream.
    pub fn record(&mut self, events: &[Event]) {
        for event in events {
            let refusal = match &event.body {
                EventBody::Accepted(a) => {
                    self.accepted.push((a.order, a.instrument));
                    None
                }
                EventBody::Trade(t) => {
                    let scale = self.krw_per_lot_tick.get(usize::from(t.instrument.0));
                    self.fills.push(Fill {
                        time: event.time,
                        instrument: t.instrument,
                        price: t.price.0,
                        value_krw: t.price.0 as f64
                            * t.qty.0 as f64
                            * scale.copied().unwrap_or(1.0),
                        maker: t.maker.order,
                        taker: t.taker.order,
                    });
                    None
                }
                EventBody::Rejected(r) => Some((r.reason, r.access)),
                EventBody::CancelRejected(r) => Some((r.reason, r.access)),
                EventBody::AmendRejected(r) => Some((r.reason, r.access)),
                EventBody::Control(c) => {
                    self.controls.push((event.time, *c));
                    None
                }
                EventBody::Cancelled(_) | EventBody::Amended(_) | EventBody::Decremented(_) => None,
            };
            if let Some((reason, access)) = refusal.filter(|(r, _)| r.is_control()) {
                self.refused.push(Refused {
                    time: event.time,
                    account: access.account,
                    key: access.channel.key(),
                    ip: access.ip,
                    reason,
                });
            }
        }
    }

    fn instrument_of(&self, order: OrderId) -> Option<InstrumentId> {
        let i = self.accepted.binary_search_by_key(&order, |&(o, _)| o).ok()?;
        Some(self.accepted[i].1)
    }

    /// Measures the run against its ground truth; `session` is its length.
    pub fn measure(&self, truth: &GroundTruth, session: Nanos) -> Figures {
        let mut figures = Figures::default();
        let honest = HonestAccounts::of(truth);
        figures.honest_accounts = honest.len() as u64;
        for cause in Cause::ALL {
            figures.honest_by_cause.insert(cause.as_str().to_owned(), honest.count(cause) as u64);
        }

        for episode in &truth.episodes {
            let kind = figures.kinds.entry(episode.kind.as_str().to_owned()).or_default();
            let orders: HashSet<OrderId> = episode.orders.iter().copied().collect();
            let accounts: BTreeSet<AccountId> = episode.accounts.iter().copied().collect();
            let keys: BTreeSet<KeyId> = episode.keys.iter().copied().collect();
            let ips: BTreeSet<Ip> = episode.ips.iter().copied().collect();
            let fills: Vec<&Fill> = self
                .fills
                .iter()
                .filter(|f| orders.contains(&f.maker) || orders.contains(&f.taker))
                .collect();
            let is_ours = |r: &Refused| {
                if episode.kind == AbuseKind::KeySharing {
                    r.key.is_some_and(|k| keys.contains(&k)) && ips.contains(&r.ip)
                } else {
                    accounts.contains(&r.account)
                }
            };
            let refusals: Vec<&Refused> = self
                .refused
                .iter()
                .filter(|r| r.time >= episode.first_evidence && is_ours(r))
                .collect();

            kind.episodes += 1;
            kind.orders += episode.orders.len() as u64;
            kind.traded_krw += fills.iter().map(|f| f.value_krw).sum::<f64>();
            let succeeded = match episode.kind {
                AbuseKind::Spoofing | AbuseKind::WashTrading | AbuseKind::Pump => {
                    episode.payoff.is_some()
                }
                AbuseKind::KeySharing => !fills.is_empty(),
                AbuseKind::MicroBurst => refusals.is_empty(),
            };
            kind.succeeded += u64::from(succeeded);
            if let Some(first) = refusals.first() {
                kind.stopped += 1;
                kind.ran_before_stop_s
                    .push(first.time.saturating_sub(episode.first_evidence).as_secs_f64());
            }
            kind.requests_refused += refusals.len() as u64;
            if matches!(episode.kind, AbuseKind::Spoofing | AbuseKind::Pump) {
                let instrument = episode.orders.first().and_then(|&o| self.instrument_of(o));
                if let Some(bp) = instrument
                    .and_then(|i| self.displacement_bp(i, episode.first_evidence, episode.end))
                {
                    kind.displacement_bp_sum += bp;
                }
            }
        }
        for kind in figures.kinds.values_mut() {
            kind.ran_before_stop_s.sort_by(f64::total_cmp);
        }

        // What the honest paid.
        for r in &self.refused {
            if let Some(cause) = honest.cause(r.account) {
                add(&mut figures.honest, cause, |c| c.requests_refused += 1);
            }
            if r.reason == RejectReason::TradingHalted {
                figures.market.refused_while_halted += 1;
            }
        }
        let mut paused = BTreeSet::new();
        let mut halted_at: Option<Nanos> = None;
        for &(time, control) in &self.controls {
            let cause = control.account.and_then(|a| honest.cause(a));
            match control.kind {
                ControlKind::ReverificationRequired => {
                    if let (Some(cause), Some(account)) = (cause, control.account) {
                        add(&mut figures.honest, cause, |c| c.reverifications += 1);
                        if paused.insert(account) {
                            add(&mut figures.honest, cause, |c| c.accounts_paused += 1);
                        }
                    }
                }
                ControlKind::Warned => {
                    if let Some(cause) = cause {
                        add(&mut figures.honest, cause, |c| c.warnings += 1);
                    }
                }
                ControlKind::KeyExpired => {
                    if let Some(cause) = cause {
                        add(&mut figures.honest, cause, |c| c.keys_expired += 1);
                    }
                }
                ControlKind::Reconciled { discrepancies, .. } => {
                    figures.market.reconciliations += 1;
                    figures.market.discrepancies += u64::from(discrepancies);
                }
                ControlKind::Halted { cause } => {
                    match cause {
                        HaltCause::Reconciliation => figures.market.reconciliation_halts += 1,
                        HaltCause::Overload => figures.market.overload_halts += 1,
                    }
                    halted_at = Some(time);
                }
                ControlKind::Resumed => {
                    if let Some(from) = halted_at.take() {
                        figures.market.halted_s += time.saturating_sub(from).as_secs_f64();
                    }
                }
                ControlKind::MonitoringRaised
                | ControlKind::Reverified
                | ControlKind::KeyIssued { .. } => {}
            }
        }
        if let Some(from) = halted_at {
            figures.market.halted_s += session.saturating_sub(from).as_secs_f64();
        }
        figures
    }

    /// The largest move of the trade price in `[from, to]` away from the
    /// last trade before `from`, in basis points of it.
    fn displacement_bp(&self, instrument: InstrumentId, from: Nanos, to: Nanos) -> Option<f64> {
        let on = |f: &&Fill| f.instrument == instrument;
        let reference = self.fills.iter().filter(on).take_while(|f| f.time < from).last()?.price;
        let moved = self
            .fills
            .iter()
            .filter(on)
            .filter(|f| f.time >= from && f.time <= to)
            .map(|f| (f.price - reference).abs())
            .max()?;
        Some(moved as f64 / reference.max(1) as f64 * 10_000.0)
    }
}

/// Counts one cost to an honest account of `cause`, in total and by cause.
fn add(costs: &mut HonestCosts, cause: Cause, f: impl Fn(&mut HonestCost)) {
    f(&mut costs.total);
    f(costs.by_cause.entry(cause.as_str().to_owned()).or_default());
}
