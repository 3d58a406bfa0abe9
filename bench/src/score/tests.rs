//! Tests of the scoring rules on small hand-built ground truths.
//!
//! Every case states its ground truth and alerts in a comment and works the
//! expected figures out by hand, so a wrong rule shows up as a wrong number.
//! The grace period is 100 ms throughout and times are written in ms.

use surveil_sim::truth::{Decoy, EpisodeId};

use super::*;
use AbuseKind::{KeySharing, Spoofing, WashTrading};
use DecoyKind::{BusyMarketMaker, CoincidentalPair, JumpBurst, SharedIp, TravellingMobile};

/// Builds a time from whole milliseconds.
fn ms(value: u64) -> Nanos {
    Nanos::from_millis(value)
}

/// Builds a time one nanosecond after `value` milliseconds.
fn ms_plus_1ns(value: u64) -> Nanos {
    Nanos(ms(value).0 + 1)
}

/// Builds an episode whose first evidence is its start and with no payoff.
fn episode(id: u32, kind: AbuseKind, accounts: &[u32], start_ms: u64, end_ms: u64) -> Episode {
    Episode {
        id: EpisodeId(id),
        kind,
        variant: "test".to_owned(),
        accounts: accounts.iter().copied().map(AccountId).collect(),
        keys: Vec::new(),
        ips: Vec::new(),
        start: ms(start_ms),
        first_evidence: ms(start_ms),
        payoff: None,
        end: ms(end_ms),
        orders: Vec::new(),
    }
}

/// Builds a ground truth with accounts `0..accounts` and the given keys,
/// each written as (key, owner).
fn truth(accounts: u32, keys: &[(u32, u32)], episodes: Vec<Episode>) -> GroundTruth {
    GroundTruth {
        accounts: (0..accounts).map(AccountId).collect(),
        keys: keys.iter().map(|&(k, a)| (KeyId(k), AccountId(a))).collect(),
        episodes,
        decoys: Vec::new(),
    }
}

/// Builds a decoy of `kind` over the given accounts, with no keys.
fn decoy(kind: DecoyKind, accounts: &[u32]) -> Decoy {
    Decoy {
        kind,
        variant: "test".to_owned(),
        accounts: accounts.iter().copied().map(AccountId).collect(),
        keys: Vec::new(),
    }
}

/// Returns the breakdown of a run where nothing was flagged and every one
/// of `honest` honest accounts is no decoy.
fn nothing_flagged(honest: u64) -> Vec<CauseFlags> {
    Cause::ALL
        .iter()
        .map(|&cause| {
            let accounts = if cause == Cause::OtherHonest { honest } else { 0 };
            let per_1k_accounts = (accounts > 0).then_some(0.0);
            CauseFlags { cause, accounts, flagged: 0, per_1k_accounts }
        })
        .collect()
}

/// Returns the breakdown entry of one cause.
fn cause(s: &KindScore, cause: Cause) -> &CauseFlags {
    s.false_flags_by_cause.iter().find(|c| c.cause == cause).expect("every cause is listed")
}

/// Builds an alert on an account.
fn on_account(time: Nanos, kind: AbuseKind, account: u32) -> Alert {
    Alert { time, kind, entity: Entity::Account(AccountId(account)), score: 1.0 }
}

/// Builds an alert on an API key.
fn on_key(time: Nanos, kind: AbuseKind, key: u32) -> Alert {
    Alert { time, kind, entity: Entity::Key(KeyId(key)), score: 1.0 }
}

/// Scores with the 100 ms grace period used by every test.
fn score(truth: &GroundTruth, alerts: &[Alert], kind: AbuseKind) -> KindScore {
    score_kind(truth, alerts, kind, &ScoringRules { grace: ms(100) })
}

/// Asserts two figures agree to well within rounding error.
fn assert_close(actual: f64, expected: f64) {
    assert!((actual - expected).abs() < 1e-12, "{actual} is not {expected}");
}

#[test]
fn alert_at_end_plus_grace_is_true_and_one_nanosecond_later_is_false() {
    // Account 1 spoofs from 1,000 to 2,000 ms; with grace its window closes
    // at exactly 2,100 ms.
    let truth = truth(10, &[], vec![episode(0, Spoofing, &[1], 1_000, 2_000)]);

    // At 2,100 ms the alert catches the episode: 1 true incident of 1,
    // 1 episode caught of 1.
    let inside = score(&truth, &[on_account(ms(2_100), Spoofing, 1)], Spoofing);
    assert_eq!((inside.true_incidents, inside.incidents, inside.detected), (1, 1, 1));
    assert_eq!((inside.precision, inside.recall, inside.f1), (Some(1.0), Some(1.0), Some(1.0)));

    // One nanosecond later it catches nothing: 0 true incidents of 1.
    let outside = score(&truth, &[on_account(ms_plus_1ns(2_100), Spoofing, 1)], Spoofing);
    assert_eq!((outside.true_incidents, outside.incidents, outside.detected), (0, 1, 0));
    assert_eq!((outside.precision, outside.recall, outside.f1), (Some(0.0), Some(0.0), Some(0.0)));
}

#[test]
fn alert_before_start_is_false_and_at_start_is_true() {
    // Account 1 spoofs from 1,000 to 2,000 ms.
    let truth = truth(10, &[], vec![episode(0, Spoofing, &[1], 1_000, 2_000)]);

    // One nanosecond before the start: a false incident, nothing caught.
    let early = score(&truth, &[on_account(Nanos(ms(1_000).0 - 1), Spoofing, 1)], Spoofing);
    assert_eq!((early.true_incidents, early.incidents, early.detected), (0, 1, 0));
    // The account is still abusive, so the flag is right at the account
    // level: entity precision 1/1, entity recall 1/1.
    assert_eq!((early.entity_precision, early.entity_recall), (Some(1.0), Some(1.0)));

    // At the start itself: caught.
    let on_time = score(&truth, &[on_account(ms(1_000), Spoofing, 1)], Spoofing);
    assert_eq!((on_time.true_incidents, on_time.incidents, on_time.detected), (1, 1, 1));
}

#[test]
fn repeated_true_alerts_on_one_entity_in_one_episode_form_one_incident() {
    // Accounts 1 and 2 spoof together from 1,000 to 3,000 ms. Account 1 is
    // alerted five times, 500 ms apart (more than the grace period) and the
    // last within grace after the end; account 2 once.
    let truth = truth(10, &[], vec![episode(0, Spoofing, &[1, 2], 1_000, 3_000)]);
    let alerts = [
        on_account(ms(1_000), Spoofing, 1),
        on_account(ms(1_500), Spoofing, 1),
        on_account(ms(2_000), Spoofing, 1),
        on_account(ms(2_500), Spoofing, 1),
        on_account(ms(3_050), Spoofing, 1),
        on_account(ms(2_000), Spoofing, 2),
    ];

    // Account 1's five alerts merge into one incident whatever the gaps,
    // account 2's is another: 6 alerts, 2 incidents, both true.
    let s = score(&truth, &alerts, Spoofing);
    assert_eq!((s.alerts, s.incidents, s.true_incidents), (6, 2, 2));
    assert_eq!(s.precision, Some(1.0));
}

#[test]
fn false_alerts_merge_per_entity_until_a_gap_exceeds_grace() {
    // Account 1 spoofs from 1,000 to 2,000 ms; accounts 5 and 6 are honest.
    let truth = truth(10, &[], vec![episode(0, Spoofing, &[1], 1_000, 2_000)]);

    // Account 5: 5,000, 5,100 (gap 100 = grace, same run), 5,150 (gap 50;
    // the run now spans 150 ms, but only gaps matter), 5,251 (gap 101 >
    // grace, new run), 5,300 (gap 49, same run): 2 false incidents.
    // Account 6: one alert at 5,000, its own incident: 3 false in all.
    // Account 1: one true alert: 1 true incident.
    // The alerts arrive shuffled; the scorer must sort them first.
    let alerts = [
        on_account(ms(5_300), Spoofing, 5),
        on_account(ms(5_000), Spoofing, 6),
        on_account(ms(5_150), Spoofing, 5),
        on_account(ms(1_500), Spoofing, 1),
        on_account(ms(5_000), Spoofing, 5),
        on_account(ms(5_251), Spoofing, 5),
        on_account(ms(5_100), Spoofing, 5),
    ];

    // Precision 1/4, recall 1/1, F1 = 2 × 0.25 × 1 / 1.25 = 0.4.
    let s = score(&truth, &alerts, Spoofing);
    assert_eq!((s.alerts, s.incidents, s.true_incidents), (7, 4, 1));
    assert_eq!((s.precision, s.recall), (Some(0.25), Some(1.0)));
    assert_close(s.f1.unwrap(), 0.4);

    // Honest accounts 5 and 6 flagged, of 9 honest (10 less account 1).
    assert_close(s.false_flags_per_1k_honest, 2000.0 / 9.0);
}

#[test]
fn key_alerts_flag_the_key_owner_and_unknown_keys_count_as_wrong() {
    // Account 3 leased its key 30 out from 1,000 to 2,000 ms. Key 31 also
    // belongs to account 3 but was not leased; key 40 belongs to honest
    // account 4; key 99 exists nowhere.
    let mut leased = episode(0, KeySharing, &[3], 1_000, 2_000);
    leased.keys = vec![KeyId(30)];
    let truth = truth(10, &[(30, 3), (31, 3), (40, 4)], vec![leased]);
    let alerts = [
        on_key(ms(1_500), KeySharing, 30),
        on_key(ms(1_500), KeySharing, 31),
        on_key(ms(1_500), KeySharing, 40),
        on_key(ms(1_500), KeySharing, 99),
    ];

    // Only key 30 is in the episode, so only its alert is true; a key's
    // owner does not make it part of an episode. Incidents: 1 true, 3 false
    // (keys 31, 40, 99); precision 1/4.
    let s = score(&truth, &alerts, KeySharing);
    assert_eq!((s.incidents, s.true_incidents, s.detected), (4, 1, 1));
    assert_eq!(s.precision, Some(0.25));

    // At the account level keys 30 and 31 flag account 3 (abusive), key 40
    // flags account 4 (honest) and key 99 is a wrong flag of its own:
    // entity precision 1 / (2 accounts + 1 unknown key) = 1/3, recall 1/1.
    assert_close(s.entity_precision.unwrap(), 1.0 / 3.0);
    assert_eq!(s.entity_recall, Some(1.0));

    // Account 4 of the 9 honest accounts (10 less account 3); the unknown
    // key names no account and adds nothing here.
    assert_close(s.false_flags_per_1k_honest, 1000.0 / 9.0);
}

#[test]
fn alert_in_two_episodes_catches_both_and_is_charged_to_the_earlier_start() {
    // Account 2 spoofs in episode 0 from 2,000 to 5,000 ms and in episode 1
    // from 1,000 to 3,000 ms (closing at 3,100 with grace).
    let truth = truth(
        10,
        &[],
        vec![episode(0, Spoofing, &[2], 2_000, 5_000), episode(1, Spoofing, &[2], 1_000, 3_000)],
    );

    // An alert at 2,500 lies in both windows: it catches both episodes,
    // recall 2/2, and forms a single incident.
    let one = score(&truth, &[on_account(ms(2_500), Spoofing, 2)], Spoofing);
    assert_eq!((one.detected, one.incidents, one.true_incidents), (2, 1, 1));
    assert_eq!(one.recall, Some(1.0));

    // That incident belongs to episode 1, which started first though its id
    // is higher. An alert at 4,000 lies in episode 0's window only, so it
    // opens a second incident, (episode 0, account 2). Charging the first
    // alert to the lower id would have merged them into one.
    let alerts = [on_account(ms(2_500), Spoofing, 2), on_account(ms(4_000), Spoofing, 2)];
    let two = score(&truth, &alerts, Spoofing);
    assert_eq!((two.detected, two.incidents, two.true_incidents), (2, 2, 2));
}

#[test]
fn alert_in_two_episodes_with_equal_starts_is_charged_to_the_lower_id() {
    // Account 2 spoofs in episode 0 from 1,000 to 5,000 ms and in episode 1
    // from 1,000 to 3,000 ms.
    let truth = truth(
        10,
        &[],
        vec![episode(0, Spoofing, &[2], 1_000, 5_000), episode(1, Spoofing, &[2], 1_000, 3_000)],
    );

    // The alert at 2,000 lies in both windows and goes to episode 0 (equal
    // starts, lower id). The alert at 4,000 lies in episode 0's only and
    // merges into the same incident: 1 incident, both episodes caught.
    let alerts = [on_account(ms(2_000), Spoofing, 2), on_account(ms(4_000), Spoofing, 2)];
    let s = score(&truth, &alerts, Spoofing);
    assert_eq!((s.detected, s.incidents, s.true_incidents), (2, 1, 1));
}

#[test]
fn delay_percentiles_use_nearest_rank_over_first_catches() {
    // Accounts 1 to 5 each spoof alone from 1,000 to 9,000 ms, with first
    // evidence at 1,200 ms.
    let episodes = (1..=5)
        .map(|a| Episode {
            first_evidence: ms(1_200),
            ..episode(a - 1, Spoofing, &[a], 1_000, 9_000)
        })
        .collect();
    let truth = truth(10, &[], episodes);

    // First catches: account 1 at 1,250 (its later alert at 1,400 does not
    // count), 2 at 1,210, 3 at 1,230, 4 at 1,220, 5 never. Delays sorted:
    // 10, 20, 30, 50 ms. Nearest rank, n = 4: p50 is rank ⌈2⌉ = 2, 20 ms;
    // p90 is rank ⌈3.6⌉ = 4, 50 ms. (Interpolating would give 25 and 44.)
    // The alerts are given latest first.
    let alerts = [
        on_account(ms(1_400), Spoofing, 1),
        on_account(ms(1_250), Spoofing, 1),
        on_account(ms(1_230), Spoofing, 3),
        on_account(ms(1_220), Spoofing, 4),
        on_account(ms(1_210), Spoofing, 2),
    ];
    let s = score(&truth, &alerts, Spoofing);
    assert_eq!((s.episodes, s.detected), (5, 4));
    assert_eq!((s.delay_p50_ms, s.delay_p90_ms), (Some(20.0), Some(50.0)));
}

#[test]
fn delay_before_first_evidence_is_clamped_at_zero() {
    // Accounts 1 and 2 each spoof from 1,000 to 9,000 ms, first evidence at
    // 1,200 ms. Account 1 is caught at 1,100 (after the start, 100 ms before
    // the evidence: delay 0, not -100); account 2 at 1,240 (40 ms).
    let episodes = (1..=2)
        .map(|a| Episode {
            first_evidence: ms(1_200),
            ..episode(a - 1, Spoofing, &[a], 1_000, 9_000)
        })
        .collect();
    let truth = truth(10, &[], episodes);
    let alerts = [on_account(ms(1_100), Spoofing, 1), on_account(ms(1_240), Spoofing, 2)];

    // Sorted delays 0, 40 ms: p50 is rank ⌈1⌉ = 1, 0 ms; p90 is rank
    // ⌈1.8⌉ = 2, 40 ms.
    let s = score(&truth, &alerts, Spoofing);
    assert_eq!((s.delay_p50_ms, s.delay_p90_ms), (Some(0.0), Some(40.0)));
}

#[test]
fn caught_before_payoff_counts_catches_at_or_before_the_payoff() {
    // Accounts 1 to 4 each spoof alone from 1,000 to 5,000 ms.
    // 1: payoff 2,000, caught at 2,000: in time.
    // 2: payoff 2,000, caught 1 ns after 2,000: late.
    // 3: payoff 3,000, never caught.
    // 4: no payoff, caught at 1,500: not counted either way.
    let payoffs = [Some(2_000), Some(2_000), Some(3_000), None];
    let episodes = (1..=4)
        .zip(payoffs)
        .map(|(a, payoff)| Episode {
            payoff: payoff.map(ms),
            ..episode(a - 1, Spoofing, &[a], 1_000, 5_000)
        })
        .collect();
    let truth = truth(10, &[], episodes);
    let alerts = [
        on_account(ms(2_000), Spoofing, 1),
        on_account(ms_plus_1ns(2_000), Spoofing, 2),
        on_account(ms(1_500), Spoofing, 4),
    ];

    // 1 in time of the 3 with a payoff.
    let s = score(&truth, &alerts, Spoofing);
    assert_close(s.caught_before_payoff.unwrap(), 1.0 / 3.0);
}

#[test]
fn caught_before_payoff_is_none_when_no_episode_has_a_payoff() {
    // Account 1 spoofs from 1,000 to 2,000 ms with no payoff, and is caught.
    let truth = truth(10, &[], vec![episode(0, Spoofing, &[1], 1_000, 2_000)]);
    let s = score(&truth, &[on_account(ms(1_500), Spoofing, 1)], Spoofing);

    assert_eq!(s.detected, 1);
    assert_eq!(s.caught_before_payoff, None);
}

#[test]
fn null_detector_catches_nothing_and_leaves_precision_undefined() {
    // Two spoofing episodes, one with a payoff, and no alerts at all.
    let paid = Episode { payoff: Some(ms(1_500)), ..episode(1, Spoofing, &[2], 1_000, 2_000) };
    let truth = truth(10, &[], vec![episode(0, Spoofing, &[1], 1_000, 2_000), paid]);

    // Nothing flagged and nothing caught: precision is undefined (no
    // incidents), recall 0 of 2, F1 0. Entity precision is undefined too
    // (nothing flagged), entity recall 0 of 2. The episode with a payoff
    // was not caught before it, so that share is 0 rather than absent.
    let s = score(&truth, &[], Spoofing);
    let expected = KindScore {
        alerts: 0,
        incidents: 0,
        true_incidents: 0,
        precision: None,
        recall: Some(0.0),
        f1: Some(0.0),
        episodes: 2,
        detected: 0,
        entity_precision: None,
        entity_recall: Some(0.0),
        delay_p50_ms: None,
        delay_p90_ms: None,
        caught_before_payoff: Some(0.0),
        false_flags_per_1k_honest: 0.0,
        false_flags_by_cause: nothing_flagged(8),
    };
    assert_eq!(s, expected);
}

#[test]
fn alerts_of_other_kinds_are_ignored() {
    // Account 1 wash-trades from 1,000 to 2,000 ms; account 2 spoofs over
    // the same span. A spoofing alert names account 1 at 1,500 ms.
    let truth = truth(
        10,
        &[],
        vec![episode(0, WashTrading, &[1], 1_000, 2_000), episode(1, Spoofing, &[2], 1_000, 2_000)],
    );
    let alerts = [on_account(ms(1_500), Spoofing, 1)];

    // Scored for wash trading, the spoofing alert does not exist.
    let wash = score(&truth, &alerts, WashTrading);
    assert_eq!((wash.alerts, wash.incidents, wash.detected), (0, 0, 0));
    assert_eq!(wash.entity_precision, None);

    // Scored for spoofing, it counts but is false: account 1 is in no
    // spoofing episode. It is not honest either (it wash-trades), so it
    // adds no false flag.
    let spoof = score(&truth, &alerts, Spoofing);
    assert_eq!((spoof.alerts, spoof.incidents, spoof.true_incidents), (1, 1, 0));
    assert_eq!((spoof.entity_precision, spoof.entity_recall), (Some(0.0), Some(0.0)));
    assert_eq!(spoof.false_flags_per_1k_honest, 0.0);
}

#[test]
fn run_without_honest_accounts_has_no_false_flag_rate() {
    // The only account spoofs; its alert comes after the window closes.
    let truth = truth(1, &[], vec![episode(0, Spoofing, &[0], 1_000, 2_000)]);
    let s = score(&truth, &[on_account(ms(5_000), Spoofing, 0)], Spoofing);

    // 0 honest accounts: the rate is 0, not NaN.
    assert_eq!((s.true_incidents, s.incidents), (0, 1));
    assert_eq!(s.false_flags_per_1k_honest, 0.0);
}

#[test]
fn into_report_keeps_every_figure_in_its_field() {
    let figures = KindScore {
        alerts: 1,
        incidents: 2,
        true_incidents: 3,
        precision: Some(0.4),
        recall: Some(0.5),
        f1: Some(0.6),
        episodes: 7,
        detected: 8,
        entity_precision: Some(0.9),
        entity_recall: Some(0.1),
        delay_p50_ms: Some(11.0),
        delay_p90_ms: Some(12.0),
        caught_before_payoff: Some(0.13),
        false_flags_per_1k_honest: 14.0,
        false_flags_by_cause: vec![
            CauseFlags {
                cause: Cause::Decoy(SharedIp),
                accounts: 24,
                flagged: 3,
                per_1k_accounts: Some(125.0),
            },
            CauseFlags {
                cause: Cause::OtherHonest,
                accounts: 0,
                flagged: 0,
                per_1k_accounts: None,
            },
        ],
    };
    let report = figures.into_report("cancel_ratio", WashTrading, 15.0, 16.0);

    let expected = DetectorScore {
        name: "cancel_ratio".to_owned(),
        kind: "wash_trading".to_owned(),
        alerts: 1,
        incidents: 2,
        true_incidents: 3,
        precision: Some(0.4),
        recall: Some(0.5),
        f1: Some(0.6),
        episodes: 7,
        detected: 8,
        entity_precision: Some(0.9),
        entity_recall: Some(0.1),
        delay_p50_ms: Some(11.0),
        delay_p90_ms: Some(12.0),
        caught_before_payoff: Some(0.13),
        false_flags_per_1k_honest: 14.0,
        false_flags_by_cause: vec![
            FalseFlagCause {
                cause: "shared_ip".to_owned(),
                accounts: 24,
                flagged: 3,
                per_1k_accounts: Some(125.0),
            },
            FalseFlagCause {
                cause: "other_honest".to_owned(),
                accounts: 0,
                flagged: 0,
                per_1k_accounts: None,
            },
        ],
        ns_per_event: 15.0,
        events_per_sec: 16.0,
        ..DetectorScore::default()
    };
    assert_eq!(report, expected);
}

#[test]
fn nearest_rank_picks_the_documented_ranks() {
    // Values 1..=10 ms. p50: rank ⌈5⌉ = 5; p90: rank ⌈9⌉ = 9 (a float
    // ceiling of 0.9 × 10 could land on 10); p100: rank 10. With one value,
    // every percentile is that value; with none, there is no percentile.
    let values: Vec<Nanos> = (1..=10).map(ms).collect();
    assert_eq!(nearest_rank(&values, 50), Some(ms(5)));
    assert_eq!(nearest_rank(&values, 90), Some(ms(9)));
    assert_eq!(nearest_rank(&values, 100), Some(ms(10)));
    assert_eq!(nearest_rank(&values[..1], 50), Some(ms(1)));
    assert_eq!(nearest_rank(&[], 50), None);
}

#[test]
fn false_flags_break_down_by_decoy_type_and_other_honest() {
    // Accounts 0 to 19. Account 1 spoofs from 1,000 to 2,000 ms. Decoys:
    // market makers 2 and 3; travellers 1 and 9 (account 1 abuses, so it is
    // no honest traveller); accounts 4, 5 and 6 behind one address, 6
    // owning key 50; the pair 7 and 8. No institution or jump burster.
    let mut t = truth(20, &[(50, 6)], vec![episode(0, Spoofing, &[1], 1_000, 2_000)]);
    t.decoys = vec![
        decoy(BusyMarketMaker, &[2, 3]),
        decoy(TravellingMobile, &[1, 9]),
        decoy(SharedIp, &[4, 5, 6]),
        decoy(CoincidentalPair, &[7, 8]),
    ];

    // Honest accounts: 19 (all but 1). By cause: market makers 2, traveller
    // 1 (account 9), shared address 3, pair 2, institution and jump burst
    // 0, and the 11 others (0 and 10 to 19).
    //
    // Flagged: 2 (twice, one account), 3, 6 through key 50, 9, 12, the
    // abusive 1 (not honest) and unknown key 99 (no account).
    let at = ms(5_000);
    let alerts = [
        on_account(at, Spoofing, 2),
        on_account(ms(6_000), Spoofing, 2),
        on_account(at, Spoofing, 3),
        on_key(at, Spoofing, 50),
        on_account(at, Spoofing, 9),
        on_account(at, Spoofing, 12),
        on_account(ms(1_500), Spoofing, 1),
        on_key(at, Spoofing, 99),
    ];
    let s = score(&t, &alerts, Spoofing);

    // Market makers 2 of 2: 1,000 per 1,000. Traveller 1 of 1: 1,000.
    // Shared address 1 of 3: 333.3. Institution and jump burst: no
    // accounts, so no rate. Pair 0 of 2: 0. Others 1 of 11: 90.9.
    let expected = [
        (Cause::Decoy(BusyMarketMaker), 2, 2, Some(1000.0)),
        (Cause::Decoy(TravellingMobile), 1, 1, Some(1000.0)),
        (Cause::Decoy(SharedIp), 3, 1, Some(1000.0 / 3.0)),
        (Cause::Decoy(DecoyKind::Institution), 0, 0, None),
        (Cause::Decoy(JumpBurst), 0, 0, None),
        (Cause::Decoy(CoincidentalPair), 2, 0, Some(0.0)),
        (Cause::OtherHonest, 11, 1, Some(1000.0 / 11.0)),
    ];
    assert_eq!(s.false_flags_by_cause.len(), expected.len());
    for (got, (cause, accounts, flagged, rate)) in s.false_flags_by_cause.iter().zip(expected) {
        assert_eq!((got.cause, got.accounts, got.flagged), (cause, accounts, flagged));
        match (got.per_1k_accounts, rate) {
            (Some(a), Some(b)) => assert_close(a, b),
            (a, b) => assert_eq!(a, b, "{cause:?}"),
        }
    }

    // The five flagged honest accounts of 19 make the overall rate.
    assert_close(s.false_flags_per_1k_honest, 5000.0 / 19.0);
}

#[test]
fn account_in_decoys_of_two_types_counts_once_under_the_first_type() {
    // Account 3 is labelled a jump burster and then a market maker; market
    // makers come first in the order of types, so it is one market maker.
    let mut t = truth(10, &[], Vec::new());
    t.decoys = vec![decoy(JumpBurst, &[3]), decoy(BusyMarketMaker, &[3])];
    let s = score(&t, &[on_account(ms(1_000), Spoofing, 3)], Spoofing);

    assert_eq!(cause(&s, Cause::Decoy(BusyMarketMaker)).accounts, 1);
    assert_eq!(cause(&s, Cause::Decoy(BusyMarketMaker)).flagged, 1);
    assert_eq!(cause(&s, Cause::Decoy(JumpBurst)).accounts, 0);
    assert_eq!(cause(&s, Cause::Decoy(JumpBurst)).flagged, 0);
    // The other 9 accounts are honest and no decoy.
    assert_eq!(cause(&s, Cause::OtherHonest).accounts, 9);
}

#[test]
fn honest_accounts_sort_out_causes_and_leave_out_the_abusive() {
    // Account 4 wash-trades and is also labelled a pair member; 5 is only a
    // pair member; 6 is a market maker.
    let mut t = truth(8, &[], vec![episode(0, WashTrading, &[4], 1_000, 2_000)]);
    t.decoys = vec![decoy(CoincidentalPair, &[4, 5]), decoy(BusyMarketMaker, &[6])];
    let honest = HonestAccounts::of(&t);

    assert_eq!(honest.len(), 7);
    assert_eq!(honest.cause(AccountId(4)), None);
    assert_eq!(honest.cause(AccountId(5)), Some(Cause::Decoy(CoincidentalPair)));
    assert_eq!(honest.cause(AccountId(6)), Some(Cause::Decoy(BusyMarketMaker)));
    assert_eq!(honest.cause(AccountId(0)), Some(Cause::OtherHonest));
    assert_eq!(honest.count(Cause::Decoy(CoincidentalPair)), 1);
    assert_eq!(honest.count(Cause::OtherHonest), 5);
}

#[test]
fn cause_names_match_the_decoy_types_then_other_honest() {
    let names: Vec<&str> = Cause::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(
        names,
        [
            "busy_market_maker",
            "travelling_mobile",
            "shared_ip",
            "institution",
            "jump_burst",
            "coincidental_pair",
            "other_honest"
        ]
    );
}

#[test]
fn member_credit_counts_each_named_member_and_whole_rings_apart() {
    // Ring A is accounts 1, 2, 3 over 0-1000 ms; ring B is account 4 with
    // key 40 over 0-1000 ms; ring C is accounts 5 and 6, never named.
    // Alerts: accounts 1 and 2 inside A's window, account 3 after its
    // grace (not credited), and key 40 of account 4 inside B's.
    let mut with_key = episode(1, WashTrading, &[4], 0, 1000);
    with_key.keys = vec![KeyId(40)];
    let t = truth(
        10,
        &[(40, 4)],
        vec![
            episode(0, WashTrading, &[1, 2, 3], 0, 1000),
            with_key,
            episode(2, WashTrading, &[5, 6], 0, 1000),
        ],
    );
    let alerts = [
        on_account(ms(10), WashTrading, 1),
        on_account(ms(20), WashTrading, 2),
        on_account(ms(1101), WashTrading, 3),
        on_key(ms(30), WashTrading, 40),
        on_account(ms(40), Spoofing, 5),
    ];
    let credit = member_credit(&t, &alerts, WashTrading, &ScoringRules { grace: ms(100) });

    // Shares 2/3, 1 and 0: mean 5/9; one ring of three named whole.
    assert_close(credit.partial.unwrap(), 5.0 / 9.0);
    assert_close(credit.whole.unwrap(), 1.0 / 3.0);
    let none = member_credit(&t, &alerts, KeySharing, &ScoringRules { grace: ms(100) });
    assert_eq!((none.partial, none.whole), (None, None));
}
