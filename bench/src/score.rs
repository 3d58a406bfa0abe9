//! The scorer: one detector's alerts on one kind of abuse, held against the
//! ground truth.
//!
//! It implements the scoring rules of the design. An alert is a true
//! positive when the entity it names (an account, or an API key) took part in
//! an episode of the alert's kind and the alert falls between the episode's
//! start and its end plus a grace period; it then catches every such episode.
//! Precision counts incidents rather than raw alerts, so a detector that
//! repeats itself is neither rewarded nor punished for it. Entity scores and
//! honest friction look at accounts, the unit an exchange acts on; honest
//! friction is also broken down by cause, the decoy type each flagged
//! honest account was built as, or `other_honest` for those that are no
//! decoy.
//!
//! The result is a pure function of the ground truth, the set of alerts and
//! the rules: alerts are sorted by [`Alert::total_cmp`] before use and every
//! collection that is walked is ordered, so neither the order the alerts
//! arrive in nor hash-map order can change a score.

use std::collections::{BTreeMap, BTreeSet};

use surveil_detectors::{Alert, Entity};
use surveil_reports::{DetectorScore, FalseFlagCause};
use surveil_sim::truth::{AbuseKind, DecoyKind, Episode, EpisodeId, GroundTruth};
use surveil_sim::{AccountId, KeyId, Nanos};

/// The parameters of scoring that are a matter of policy, not of the data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScoringRules {
    /// How long after an episode's last public event an alert still catches
    /// it. It is also the longest gap between two false alerts on one entity
    /// that still counts them as one incident.
    pub grace: Nanos,
}

/// How one detector scored on one kind of abuse: every figure of a
/// [`DetectorScore`] except its names and wall-clock timings.
#[derive(Clone, Debug, PartialEq)]
pub struct KindScore {
    /// The number of alerts of the kind.
    pub alerts: u64,
    /// The number of incidents the alerts formed: true alerts merged per
    /// episode and entity, false alerts per entity while no gap between them
    /// exceeds the grace period.
    pub incidents: u64,
    /// The number of incidents made of true alerts.
    pub true_incidents: u64,
    /// True incidents over all incidents; `None` (undefined) when there were
    /// none.
    pub precision: Option<f64>,
    /// Caught episodes over all episodes of the kind; `None` (undefined)
    /// when there were none.
    pub recall: Option<f64>,
    /// The harmonic mean of precision and recall, an undefined precision
    /// counting as 0; `None` when recall is undefined.
    pub f1: Option<f64>,
    /// The number of episodes of the kind in the ground truth.
    pub episodes: u64,
    /// The number of those episodes at least one true alert caught.
    pub detected: u64,
    /// Flagged accounts that are abusive for the kind, over all flagged
    /// accounts and unknown keys; `None` when nothing was flagged.
    pub entity_precision: Option<f64>,
    /// Abusive accounts for the kind that were flagged, over all of them;
    /// `None` when there were none.
    pub entity_recall: Option<f64>,
    /// The median detection delay over caught episodes, in milliseconds;
    /// `None` when no episode was caught.
    pub delay_p50_ms: Option<f64>,
    /// The 90th percentile of detection delay, in milliseconds; `None` when
    /// no episode was caught.
    pub delay_p90_ms: Option<f64>,
    /// The share of episodes with a payoff that were caught at or before it;
    /// `None` when no episode of the kind had a payoff.
    pub caught_before_payoff: Option<f64>,
    /// Honest accounts flagged, per 1,000 honest accounts; 0 when the run
    /// had no honest account.
    pub false_flags_per_1k_honest: f64,
    /// The flagged honest accounts by cause, one entry per [`Cause`] in
    /// [`Cause::ALL`] order.
    pub false_flags_by_cause: Vec<CauseFlags>,
}

/// Why an honest account might look abusive: the decoy type it was built
/// as, or nothing known.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Cause {
    /// A decoy of this type.
    Decoy(DecoyKind),
    /// An honest account that is no decoy.
    OtherHonest,
}

impl Cause {
    /// Every cause, in the order scores list them: the decoy types, then
    /// `other_honest`.
    pub const ALL: [Cause; 7] = [
        Cause::Decoy(DecoyKind::BusyMarketMaker),
        Cause::Decoy(DecoyKind::TravellingMobile),
        Cause::Decoy(DecoyKind::SharedIp),
        Cause::Decoy(DecoyKind::Institution),
        Cause::Decoy(DecoyKind::JumpBurst),
        Cause::Decoy(DecoyKind::CoincidentalPair),
        Cause::OtherHonest,
    ];

    /// Returns the name used in JSON and in the table.
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::Decoy(kind) => kind.as_str(),
            Cause::OtherHonest => "other_honest",
        }
    }
}

/// The honest accounts of one cause, and how many of them a detector
/// flagged for one kind.
#[derive(Clone, Debug, PartialEq)]
pub struct CauseFlags {
    /// The cause.
    pub cause: Cause,
    /// The honest accounts of that cause in the run.
    pub accounts: u64,
    /// How many of them were flagged.
    pub flagged: u64,
    /// Flagged accounts per 1,000 accounts of the cause; `None` (undefined)
    /// when the run had none.
    pub per_1k_accounts: Option<f64>,
}

/// The honest accounts of a run, each with its cause. An account is honest
/// when it is in no episode of any kind; a decoy account that also took
/// part in an episode is not honest, so it is no decoy here either. An
/// account named by decoys of several types takes the first type in
/// [`DecoyKind::ALL`] order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HonestAccounts {
    causes: BTreeMap<AccountId, Cause>,
}

impl HonestAccounts {
    /// Sorts out the honest accounts of a ground truth.
    pub fn of(truth: &GroundTruth) -> HonestAccounts {
        let involved: BTreeSet<AccountId> =
            truth.episodes.iter().flat_map(|e| e.accounts.iter().copied()).collect();
        let mut decoy_kind: BTreeMap<AccountId, DecoyKind> = BTreeMap::new();
        for decoy in &truth.decoys {
            for &account in &decoy.accounts {
                let kind = decoy_kind.entry(account).or_insert(decoy.kind);
                *kind = (*kind).min(decoy.kind);
            }
        }
        let causes = truth
            .accounts
            .iter()
            .filter(|a| !involved.contains(a))
            .map(|&a| (a, decoy_kind.get(&a).map_or(Cause::OtherHonest, |&k| Cause::Decoy(k))))
            .collect();
        HonestAccounts { causes }
    }

    /// Returns the number of honest accounts.
    pub fn len(&self) -> usize {
        self.causes.len()
    }

    /// Tells whether the run had no honest account.
    pub fn is_empty(&self) -> bool {
        self.causes.is_empty()
    }

    /// Returns an account's cause, or `None` when it is not honest.
    pub fn cause(&self, account: AccountId) -> Option<Cause> {
        self.causes.get(&account).copied()
    }

    /// Returns the number of honest accounts of a cause.
    pub fn count(&self, cause: Cause) -> usize {
        self.causes.values().filter(|&&c| c == cause).count()
    }
}

impl KindScore {
    /// Completes the score with the detector's name, the kind it was scored
    /// on and its wall-clock cost, giving the row of a results document.
    pub fn into_report(
        self,
        name: impl Into<String>,
        kind: AbuseKind,
        ns_per_event: f64,
        events_per_sec: f64,
    ) -> DetectorScore {
        DetectorScore {
            name: name.into(),
            kind: kind.as_str().to_owned(),
            alerts: self.alerts,
            incidents: self.incidents,
            true_incidents: self.true_incidents,
            precision: self.precision,
            recall: self.recall,
            f1: self.f1,
            episodes: self.episodes,
            detected: self.detected,
            entity_precision: self.entity_precision,
            entity_recall: self.entity_recall,
            delay_p50_ms: self.delay_p50_ms,
            delay_p90_ms: self.delay_p90_ms,
            caught_before_payoff: self.caught_before_payoff,
            false_flags_per_1k_honest: self.false_flags_per_1k_honest,
            false_flags_by_cause: self
                .false_flags_by_cause
                .into_iter()
                .map(|c| FalseFlagCause {
                    cause: c.cause.as_str().to_owned(),
                    accounts: c.accounts,
                    flagged: c.flagged,
                    per_1k_accounts: c.per_1k_accounts,
                })
                .collect(),
            ns_per_event,
            events_per_sec,
            ..DetectorScore::default()
        }
    }
}

/// Scores one detector's alerts on one kind of abuse.
///
/// Alerts of other kinds are ignored, and the alerts may come in any order.
pub fn score_kind(
    truth: &GroundTruth,
    alerts: &[Alert],
    kind: AbuseKind,
    rules: &ScoringRules,
) -> KindScore {
    let index = EpisodeIndex::new(truth, kind);

    // Incidents and first catches depend on which alert came first, so the
    // alerts are put in their one total order before anything is counted.
    let mut alerts: Vec<Alert> = alerts.iter().filter(|a| a.kind == kind).copied().collect();
    alerts.sort_by(Alert::total_cmp);

    let mut first_catch: Vec<Option<Nanos>> = vec![None; index.episodes.len()];
    let mut incidents = Incidents::default();
    let mut flags = Flags::default();
    for alert in &alerts {
        flags.add(truth, alert.entity);

        let caught = index.caught_by(alert, rules.grace);
        if caught.is_empty() {
            incidents.add_false(alert.entity, alert.time, rules.grace);
            continue;
        }
        for &i in &caught {
            first_catch[i].get_or_insert(alert.time);
        }

        // A true alert on an entity in several episodes is charged to one
        // of them, the earliest to start, so it forms a single incident.
        let owner = caught.iter().map(|&i| index.episodes[i]).min_by_key(|e| (e.start, e.id));
        if let Some(owner) = owner {
            incidents.add_true(owner.id, alert.entity);
        }
    }

    let true_incidents = incidents.true_count();
    let all_incidents = incidents.total();
    let detected = first_catch.iter().filter(|t| t.is_some()).count();
    let precision = ratio(true_incidents, all_incidents);
    let recall = ratio(detected, index.episodes.len());
    let f1 = recall.map(|r| {
        let p = precision.unwrap_or(0.0);
        if p + r > 0.0 { 2.0 * p * r / (p + r) } else { 0.0 }
    });

    let entities = flags.entity_figures(truth, &index.episodes);
    let delays = Delays::of(&index.episodes, &first_catch);

    KindScore {
        alerts: alerts.len() as u64,
        incidents: all_incidents as u64,
        true_incidents: true_incidents as u64,
        precision,
        recall,
        f1,
        episodes: index.episodes.len() as u64,
        detected: detected as u64,
        entity_precision: entities.precision,
        entity_recall: entities.recall,
        delay_p50_ms: delays.p50_ms,
        delay_p90_ms: delays.p90_ms,
        caught_before_payoff: caught_before_payoff(&index.episodes, &first_catch),
        false_flags_per_1k_honest: entities.false_flags_per_1k_honest,
        false_flags_by_cause: entities.by_cause,
    }
}

/// Partial and whole credit for the members of episodes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MemberCredit {
    /// The mean share of each episode's accounts named by a true alert;
    /// `None` when there were no episodes.
    pub partial: Option<f64>,
    /// The share of episodes whose every account was named by a true
    /// alert; `None` when there were no episodes.
    pub whole: Option<f64>,
}

/// Credits each episode of `kind` by the share of its accounts that true
/// alerts named, an alert on a key naming the key's owner. An account is
/// named for an episode when an alert of the kind on it, or on a key of the
/// episode it owns, falls within the episode's window `[start, end +
/// grace]`. An episode with no account is left out.
pub fn member_credit(
    truth: &GroundTruth,
    alerts: &[Alert],
    kind: AbuseKind,
    rules: &ScoringRules,
) -> MemberCredit {
    let index = EpisodeIndex::new(truth, kind);
    let mut named: Vec<BTreeSet<AccountId>> = vec![BTreeSet::new(); index.episodes.len()];
    for alert in alerts.iter().filter(|a| a.kind == kind) {
        let account = match alert.entity {
            Entity::Account(a) => Some(a),
            Entity::Key(k) => truth.key_owner(k),
        };
        let Some(account) = account else { continue };
        for i in index.caught_by(alert, rules.grace) {
            if index.episodes[i].accounts.contains(&account) {
                named[i].insert(account);
            }
        }
    }

    let mut shares = Vec::new();
    for (episode, named) in index.episodes.iter().zip(&named) {
        let members: BTreeSet<AccountId> = episode.accounts.iter().copied().collect();
        if !members.is_empty() {
            shares.push(named.len() as f64 / members.len() as f64);
        }
    }
    let n = shares.len();
    MemberCredit {
        partial: (n > 0).then(|| shares.iter().sum::<f64>() / n as f64),
        whole: ratio(shares.iter().filter(|&&s| s >= 1.0).count(), n),
    }
}

/// The episodes of one kind, and for each entity the episodes it took part
/// in, so an alert is matched without scanning every episode.
struct EpisodeIndex<'a> {
    /// The episodes of the kind, in ground-truth order.
    episodes: Vec<&'a Episode>,
    /// For each account and key, the positions in `episodes` of the episodes
    /// it belongs to, in ascending order.
    by_entity: BTreeMap<Entity, Vec<usize>>,
}

impl<'a> EpisodeIndex<'a> {
    /// Indexes the episodes of `kind`.
    fn new(truth: &'a GroundTruth, kind: AbuseKind) -> EpisodeIndex<'a> {
        let episodes: Vec<&Episode> = truth.episodes.iter().filter(|e| e.kind == kind).collect();

        let mut by_entity: BTreeMap<Entity, Vec<usize>> = BTreeMap::new();
        for (i, episode) in episodes.iter().enumerate() {
            let accounts = episode.accounts.iter().map(|&a| Entity::Account(a));
            let keys = episode.keys.iter().map(|&k| Entity::Key(k));
            for entity in accounts.chain(keys) {
                let list = by_entity.entry(entity).or_default();
                // An episode that names an entity twice is indexed once.
                if list.last() != Some(&i) {
                    list.push(i);
                }
            }
        }
        EpisodeIndex { episodes, by_entity }
    }

    /// Returns the positions of the episodes the alert catches: those its
    /// entity belongs to whose window `[start, end + grace]` holds its time.
    fn caught_by(&self, alert: &Alert, grace: Nanos) -> Vec<usize> {
        let Some(candidates) = self.by_entity.get(&alert.entity) else {
            return Vec::new();
        };
        candidates
            .iter()
            .copied()
            .filter(|&i| {
                let episode = self.episodes[i];
                let closes = Nanos(episode.end.0.saturating_add(grace.0));
                episode.start <= alert.time && alert.time <= closes
            })
            .collect()
    }
}

/// Incidents formed so far by the alerts of one detector and kind.
#[derive(Default)]
struct Incidents {
    /// Each episode and entity with at least one true alert.
    true_pairs: BTreeSet<(EpisodeId, Entity)>,
    /// The number of runs of false alerts.
    false_runs: usize,
    /// The time of the latest false alert on each entity.
    last_false: BTreeMap<Entity, Nanos>,
}

impl Incidents {
    /// Counts a true alert charged to `episode`.
    fn add_true(&mut self, episode: EpisodeId, entity: Entity) {
        self.true_pairs.insert((episode, entity));
    }

    /// Counts a false alert; it opens a new incident unless the previous
    /// false alert on the same entity came at most `grace` earlier.
    fn add_false(&mut self, entity: Entity, time: Nanos, grace: Nanos) {
        let previous = self.last_false.insert(entity, time);
        let continues = previous.is_some_and(|p| time.saturating_sub(p) <= grace);
        if !continues {
            self.false_runs += 1;
        }
    }

    /// Returns the number of incidents made of true alerts.
    fn true_count(&self) -> usize {
        self.true_pairs.len()
    }

    /// Returns the number of incidents of either sort.
    fn total(&self) -> usize {
        self.true_pairs.len() + self.false_runs
    }
}

/// The accounts a detector's alerts named, directly or through a key.
#[derive(Default)]
struct Flags {
    /// Accounts named by an alert, or owning a key named by one.
    accounts: BTreeSet<AccountId>,
    /// Keys named by an alert that the ground truth does not know. They
    /// point at no account, so each is a flag that cannot be right.
    unknown_keys: BTreeSet<KeyId>,
}

/// The account-level figures of one detector and kind.
struct EntityFigures {
    /// See [`KindScore::entity_precision`].
    precision: Option<f64>,
    /// See [`KindScore::entity_recall`].
    recall: Option<f64>,
    /// See [`KindScore::false_flags_per_1k_honest`].
    false_flags_per_1k_honest: f64,
    /// See [`KindScore::false_flags_by_cause`].
    by_cause: Vec<CauseFlags>,
}

impl Flags {
    /// Records the account an alert's entity stands for.
    fn add(&mut self, truth: &GroundTruth, entity: Entity) {
        match entity {
            Entity::Account(account) => {
                self.accounts.insert(account);
            }
            Entity::Key(key) => match truth.key_owner(key) {
                Some(owner) => {
                    self.accounts.insert(owner);
                }
                None => {
                    self.unknown_keys.insert(key);
                }
            },
        }
    }

    /// Compares the flagged accounts with the abusive accounts of `episodes`
    /// (one kind) and with the honest accounts of the whole run.
    fn entity_figures(&self, truth: &GroundTruth, episodes: &[&Episode]) -> EntityFigures {
        let abusive: BTreeSet<AccountId> =
            episodes.iter().flat_map(|e| e.accounts.iter().copied()).collect();
        let hits = self.accounts.intersection(&abusive).count();
        let flags = self.accounts.len() + self.unknown_keys.len();

        // Honesty is judged against every episode, not just this kind's: an
        // account caught for the wrong kind of abuse is not an honest one.
        let honest = HonestAccounts::of(truth);
        let flagged_causes: Vec<Cause> =
            self.accounts.iter().filter_map(|&a| honest.cause(a)).collect();
        let by_cause = Cause::ALL
            .iter()
            .map(|&cause| {
                let accounts = honest.count(cause);
                let flagged = flagged_causes.iter().filter(|&&c| c == cause).count();
                CauseFlags {
                    cause,
                    accounts: accounts as u64,
                    flagged: flagged as u64,
                    per_1k_accounts: ratio(flagged, accounts).map(|r| r * 1000.0),
                }
            })
            .collect();

        EntityFigures {
            precision: ratio(hits, flags),
            recall: ratio(hits, abusive.len()),
            false_flags_per_1k_honest: ratio(flagged_causes.len(), honest.len()).unwrap_or(0.0)
                * 1000.0,
            by_cause,
        }
    }
}

/// Percentiles of detection delay over the caught episodes.
struct Delays {
    /// See [`KindScore::delay_p50_ms`].
    p50_ms: Option<f64>,
    /// See [`KindScore::delay_p90_ms`].
    p90_ms: Option<f64>,
}

impl Delays {
    /// Measures each caught episode's delay from its first evidence to its
    /// first catch. An alert may catch an episode after it starts but before
    /// its first public event; that delay counts as zero.
    fn of(episodes: &[&Episode], first_catch: &[Option<Nanos>]) -> Delays {
        let mut delays: Vec<Nanos> = episodes
            .iter()
            .zip(first_catch)
            .filter_map(|(e, caught)| caught.map(|t| t.saturating_sub(e.first_evidence)))
            .collect();
        delays.sort();

        let at = |percent| nearest_rank(&delays, percent).map(Nanos::as_millis_f64);
        Delays { p50_ms: at(50), p90_ms: at(90) }
    }
}

/// Returns the `percent`-th percentile of sorted values by the nearest-rank
/// method: the value at rank ⌈percent·n/100⌉, counted from 1. It is always
/// one of the values, never an interpolation; `None` when there are none.
fn nearest_rank(sorted: &[Nanos], percent: usize) -> Option<Nanos> {
    // Integer arithmetic keeps the ceiling exact, where 0.9 × 10 in floating
    // point need not come out as exactly 9.
    let rank = (percent * sorted.len()).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

/// Returns the share of episodes with a payoff whose first catch came at or
/// before it, or `None` when no episode had a payoff.
fn caught_before_payoff(episodes: &[&Episode], first_catch: &[Option<Nanos>]) -> Option<f64> {
    let mut with_payoff = 0;
    let mut in_time = 0;
    for (episode, caught) in episodes.iter().zip(first_catch) {
        let Some(payoff) = episode.payoff else { continue };
        with_payoff += 1;
        if caught.is_some_and(|t| t <= payoff) {
            in_time += 1;
        }
    }
    ratio(in_time, with_payoff)
}

/// Returns `part / whole`, or `None` when `whole` is 0 and the ratio is
/// undefined.
fn ratio(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

#[cfg(test)]
mod tests;
