//! Ground truth: which accounts abused the market, how, and when, and which
//! honest accounts were built to look as if they did.
//!
//! Abusive participants record their episodes here as they act. Decoys,
//! honest participants shaped like a kind of abuse, are labelled when the
//! population is built. The record never enters the public event stream;
//! the harness hands it only to the scorer and the dataset writer, so a
//! detector cannot read a label.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::access::Ip;
use crate::types::{AccountId, KeyId, Nanos, OrderId};

/// The kinds of market abuse surveil injects and scores.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AbuseKind {
    /// An account's API key used by an outside operator.
    KeySharing,
    /// Large orders placed to be cancelled while trading on the other side.
    Spoofing,
    /// Trades without a change of beneficial ownership.
    WashTrading,
    /// Bursts of tiny orders and immediate cancels from one key.
    MicroBurst,
    /// Coordinated buying of an illiquid token, then selling into the move.
    Pump,
}

impl AbuseKind {
    /// Every kind, in a fixed order.
    pub const ALL: [AbuseKind; 5] = [
        AbuseKind::KeySharing,
        AbuseKind::Spoofing,
        AbuseKind::WashTrading,
        AbuseKind::MicroBurst,
        AbuseKind::Pump,
    ];

    /// Returns the name used in files, JSON and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            AbuseKind::KeySharing => "key_sharing",
            AbuseKind::Spoofing => "spoofing",
            AbuseKind::WashTrading => "wash_trading",
            AbuseKind::MicroBurst => "micro_burst",
            AbuseKind::Pump => "pump",
        }
    }
}

impl fmt::Display for AbuseKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AbuseKind {
    type Err = String;

    fn from_str(s: &str) -> Result<AbuseKind, String> {
        AbuseKind::ALL.into_iter().find(|k| k.as_str() == s).ok_or_else(|| {
            let names: Vec<_> = AbuseKind::ALL.iter().map(|k| k.as_str()).collect();
            format!("unknown abuse kind `{s}`; expected one of {}", names.join(", "))
        })
    }
}

/// An episode's index in the ground truth.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct EpisodeId(pub u32);

/// One labelled abuse episode.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Episode {
    /// Its index.
    pub id: EpisodeId,
    /// What kind of abuse it is.
    pub kind: AbuseKind,
    /// The variant within the kind, such as `layering` or `ring`.
    pub variant: String,
    /// The accounts involved, sorted.
    pub accounts: Vec<AccountId>,
    /// The API keys involved, sorted.
    pub keys: Vec<KeyId>,
    /// The source addresses the abuse came from, sorted.
    pub ips: Vec<Ip>,
    /// When the abuse began (a key handed over, a plan set in motion).
    pub start: Nanos,
    /// The first public event that shows it.
    pub first_evidence: Nanos,
    /// When it paid off, for kinds that have a payoff (the spoofer's fill,
    /// the wash ring's volume target).
    pub payoff: Option<Nanos>,
    /// Its last public event.
    pub end: Nanos,
    /// The ids of its orders, in the order they were placed.
    pub orders: Vec<OrderId>,
}

/// The look-alike types of honest participant: each is honest by ground
/// truth but behaves, to a careless rule, like one kind of abuse.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecoyKind {
    /// A market maker, whose cancel rate is as high as a spoofer's.
    BusyMarketMaker,
    /// A trader on the move whose address, region and network change often,
    /// always at a speed a person can travel.
    TravellingMobile,
    /// One of several accounts behind a single address: a VPN exit or an
    /// office network.
    SharedIp,
    /// One of several accounts of one firm, trading from one cloud region
    /// with one client tool.
    Institution,
    /// A bot that fires bursts of small orders when the external reference
    /// price jumps.
    JumpBurst,
    /// One of two unrelated retail traders who keep meeting each other at
    /// the same size.
    CoincidentalPair,
}

impl DecoyKind {
    /// Every type, in a fixed order.
    pub const ALL: [DecoyKind; 6] = [
        DecoyKind::BusyMarketMaker,
        DecoyKind::TravellingMobile,
        DecoyKind::SharedIp,
        DecoyKind::Institution,
        DecoyKind::JumpBurst,
        DecoyKind::CoincidentalPair,
    ];

    /// Returns the name used in files and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            DecoyKind::BusyMarketMaker => "busy_market_maker",
            DecoyKind::TravellingMobile => "travelling_mobile",
            DecoyKind::SharedIp => "shared_ip",
            DecoyKind::Institution => "institution",
            DecoyKind::JumpBurst => "jump_burst",
            DecoyKind::CoincidentalPair => "coincidental_pair",
        }
    }
}

impl fmt::Display for DecoyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One labelled decoy: a participant, or a group of accounts acting
/// together in an honest way (the accounts behind one address, one firm's
/// accounts, a pair that keeps meeting), that is honest by ground truth.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decoy {
    /// Which abuse it resembles.
    pub kind: DecoyKind,
    /// The variant within the type, such as `office` or `vpn_exit`.
    pub variant: String,
    /// The accounts involved, sorted.
    pub accounts: Vec<AccountId>,
    /// The API keys involved, sorted.
    pub keys: Vec<KeyId>,
}

/// Everything the scorer knows that detectors do not.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroundTruth {
    /// Every account in the run, sorted.
    pub accounts: Vec<AccountId>,
    /// Every API key and its owning account, sorted by key.
    pub keys: Vec<(KeyId, AccountId)>,
    /// The abuse episodes, by id.
    pub episodes: Vec<Episode>,
    /// The labelled decoys, in the order the population was built.
    pub decoys: Vec<Decoy>,
}

impl GroundTruth {
    /// Returns the account that owns a key, if the key exists.
    pub fn key_owner(&self, key: KeyId) -> Option<AccountId> {
        self.keys.binary_search_by_key(&key, |&(k, _)| k).ok().map(|i| self.keys[i].1)
    }
}

#[derive(Clone, Debug)]
struct OpenEpisode {
    kind: AbuseKind,
    variant: &'static str,
    accounts: Vec<AccountId>,
    keys: Vec<KeyId>,
    ips: Vec<Ip>,
    start: Nanos,
    first_evidence: Option<Nanos>,
    payoff: Option<Nanos>,
    last: Nanos,
    orders: Vec<OrderId>,
}

/// A handle on an episode while it is being recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EpisodeHandle(usize);

impl EpisodeHandle {
    /// The episode's position among all episodes opened, kept or not.
    pub(crate) fn index(self) -> usize {
        self.0
    }
}

/// Collects episodes while the simulation runs.
#[derive(Clone, Debug, Default)]
pub struct TruthRecorder {
    episodes: Vec<OpenEpisode>,
    /// Orders recorded since [`TruthRecorder::take_fresh_orders`] was last
    /// called, with their episodes.
    fresh: Vec<(EpisodeHandle, OrderId)>,
}

impl TruthRecorder {
    /// Opens an episode that starts now.
    pub fn open(
        &mut self,
        kind: AbuseKind,
        variant: &'static str,
        accounts: &[AccountId],
        keys: &[KeyId],
        now: Nanos,
    ) -> EpisodeHandle {
        self.episodes.push(OpenEpisode {
            kind,
            variant,
            accounts: accounts.to_vec(),
            keys: keys.to_vec(),
            ips: Vec::new(),
            start: now,
            first_evidence: None,
            payoff: None,
            last: now,
            orders: Vec::new(),
        });
        EpisodeHandle(self.episodes.len() - 1)
    }

    /// Records an order the episode placed from `ip` at `now`; the first
    /// such order is the episode's first observable evidence.
    pub fn order(&mut self, episode: EpisodeHandle, order: OrderId, ip: Ip, now: Nanos) {
        let e = &mut self.episodes[episode.0];
        e.first_evidence.get_or_insert(now);
        e.orders.push(order);
        self.fresh.push((episode, order));
        if !e.ips.contains(&ip) {
            e.ips.push(ip);
        }
        e.last = e.last.max(now);
    }

    /// Records a request of the episode from `ip` that the exchange's
    /// controls refused at `now`: a public event too, so the first one is
    /// evidence when no order came before it.
    pub fn attempt(&mut self, episode: EpisodeHandle, ip: Ip, now: Nanos) {
        let e = &mut self.episodes[episode.0];
        e.first_evidence.get_or_insert(now);
        if !e.ips.contains(&ip) {
            e.ips.push(ip);
        }
        e.last = e.last.max(now);
    }

    /// Records other public activity of the episode at `now` (a cancel, a
    /// trade), which extends its end.
    pub fn activity(&mut self, episode: EpisodeHandle, now: Nanos) {
        let e = &mut self.episodes[episode.0];
        e.last = e.last.max(now);
    }

    /// Returns whether orders were recorded since the last
    /// [`TruthRecorder::take_fresh_orders`].
    pub(crate) fn has_fresh_orders(&self) -> bool {
        !self.fresh.is_empty()
    }

    /// Hands out the orders recorded since the last call, oldest first,
    /// with their episodes.
    pub(crate) fn take_fresh_orders(&mut self) -> std::vec::Drain<'_, (EpisodeHandle, OrderId)> {
        self.fresh.drain(..)
    }

    /// Returns the handles of the episodes [`TruthRecorder::finish`] will
    /// keep, in the order it numbers them: those with evidence so far.
    pub(crate) fn evidenced(&self) -> impl Iterator<Item = EpisodeHandle> + '_ {
        self.episodes
            .iter()
            .enumerate()
            .filter(|(_, e)| e.first_evidence.is_some())
            .map(|(i, _)| EpisodeHandle(i))
    }

    /// Records the episode's payoff; only the first call counts.
    pub fn payoff(&mut self, episode: EpisodeHandle, now: Nanos) {
        self.episodes[episode.0].payoff.get_or_insert(now);
    }

    /// Returns the number of episodes opened so far.
    pub(crate) fn opened(&self) -> usize {
        self.episodes.len()
    }

    /// Returns the accounts of the episodes opened from index `from` on.
    pub(crate) fn accounts_since(&self, from: usize) -> impl Iterator<Item = AccountId> + '_ {
        self.episodes[from.min(self.episodes.len())..]
            .iter()
            .flat_map(|e| e.accounts.iter().copied())
    }

    /// Finishes recording, adding the decoys labelled when the population
    /// was built. Episodes that never placed an order left no evidence and
    /// are dropped, because no detector could see them.
    pub fn finish(
        self,
        accounts: Vec<AccountId>,
        keys: Vec<(KeyId, AccountId)>,
        decoys: Vec<Decoy>,
    ) -> GroundTruth {
        let episodes = self
            .episodes
            .into_iter()
            .filter_map(|e| {
                let first_evidence = e.first_evidence?;
                Some((e, first_evidence))
            })
            .enumerate()
            .map(|(i, (mut e, first_evidence))| {
                e.accounts.sort();
                e.accounts.dedup();
                e.keys.sort();
                e.keys.dedup();
                e.ips.sort();
                Episode {
                    id: EpisodeId(i as u32),
                    kind: e.kind,
                    variant: e.variant.to_owned(),
                    accounts: e.accounts,
                    keys: e.keys,
                    ips: e.ips,
                    start: e.start,
                    first_evidence,
                    payoff: e.payoff,
                    end: e.last,
                    orders: e.orders,
                }
            })
            .collect();
        GroundTruth { accounts, keys, episodes, decoys }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_episode_that_never_acted_leaves_no_label() {
        let mut recorder = TruthRecorder::default();
        let idle =
            recorder.open(AbuseKind::Spoofing, "single_order", &[AccountId(1)], &[], Nanos(5));
        let acted =
            recorder.open(AbuseKind::Spoofing, "single_order", &[AccountId(2)], &[], Nanos(6));
        recorder.order(acted, OrderId(9), Ip(1), Nanos(7));
        recorder.activity(idle, Nanos(8));
        let truth = recorder.finish(vec![AccountId(1), AccountId(2)], Vec::new(), Vec::new());
        assert_eq!(truth.episodes.len(), 1);
        let e = &truth.episodes[0];
        assert_eq!(
            (e.id, e.accounts.as_slice(), e.first_evidence),
            (EpisodeId(0), &[AccountId(2)][..], Nanos(7))
        );
    }
}
