//! Loading, defaults and error reporting of scenario files.

use std::collections::BTreeMap;

use surveil_scenarios::{ScenarioError, library, load, parse};
use surveil_sim::event::OrderType;
use surveil_sim::{AccountId, EventBody, Nanos, OrderId, Qty, Simulation};

fn invalid(source: &str) -> (usize, String, String) {
    match parse(source, "test.toml") {
        Err(ScenarioError::Invalid { file, line, field, message, .. }) => {
            assert_eq!(file, "test.toml");
            (line, field, message)
        }
        other => panic!("expected an invalid-scenario error, got {other:?}"),
    }
}

#[test]
fn every_builtin_scenario_loads() {
    for builtin in library::BUILTINS {
        let loaded = load(builtin.name).unwrap_or_else(|e| panic!("{}: {e}", builtin.name));
        assert_eq!(loaded.scenario.name, builtin.name);
    }
}

/// The default scenario file documents the defaults; the two must agree,
/// or a partial scenario file would silently mean something else.
#[test]
fn default_file_spells_out_the_built_in_defaults() {
    let from_file = load(library::DEFAULT).unwrap().config;
    let from_defaults = parse("name = \"bare\"\n", "bare.toml").unwrap().config;
    assert_eq!(from_file, from_defaults);
}

#[test]
fn default_scenario_meets_the_size_floor() {
    let config = load(library::DEFAULT).unwrap().config;
    let accounts = config.retail.accounts + config.api_traders.accounts;
    assert!(accounts >= 2000, "{accounts}");
    assert!(config.instruments.len() >= 2);
    assert!(config.duration.as_secs_f64() >= 3600.0);
    let abuse = &config.abuse;
    for episodes in [
        abuse.key_sharing.episodes,
        abuse.spoofing.episodes,
        abuse.wash_trading.episodes,
        abuse.micro_burst.episodes,
    ] {
        assert!(episodes >= 10, "{episodes}");
    }
}

#[test]
fn unknown_field_is_refused_with_its_line_and_name() {
    let (line, field, message) = invalid("name = \"x\"\n\n[retail]\naccounts = 10\nacounts = 5\n");
    assert_eq!(line, 5);
    assert_eq!(field, "retail.acounts");
    assert!(message.contains("unknown field"), "{message}");
}

#[test]
fn share_outside_zero_one_is_refused() {
    let (line, field, message) = invalid("name = \"x\"\n[retail]\nmobile_share = 1.5\n");
    assert_eq!((line, field.as_str()), (3, "retail.mobile_share"));
    assert!(message.contains("between 0 and 1") && message.contains("1.5"), "{message}");
}

#[test]
fn negative_rate_is_refused() {
    let (line, field, message) = invalid("name = \"x\"\n[retail]\nsessions_per_hour = -2\n");
    assert_eq!((line, field.as_str()), (3, "retail.sessions_per_hour"));
    assert!(message.contains("zero or more"), "{message}");
}

#[test]
fn negative_count_is_refused() {
    let (line, field, _) = invalid("name = \"x\"\n[abuse.spoofing]\nepisodes = -1\n");
    assert_eq!((line, field.as_str()), (3, "abuse.spoofing.episodes"));
}

#[test]
fn wrong_type_is_refused() {
    let (line, field, _) = invalid("name = \"x\"\nduration_s = \"an hour\"\n");
    assert_eq!((line, field.as_str()), (2, "duration_s"));
}

#[test]
fn inconsistent_instrument_names_the_instrument_and_field() {
    let source = "name = \"x\"\n\
        [[instrument]]\nsymbol = \"A-KRW\"\nkrw_per_tick = 1\ntokens_per_lot = 1\ninitial_price = 100\n\
        max_price = 1000\nmax_qty = 100\ntypical_qty = 10\nvolatility_ticks = 1\nactivity_weight = 1\nmarket_makers = 1\n\
        [[instrument]]\nsymbol = \"B-KRW\"\nkrw_per_tick = 1\ntokens_per_lot = 1\ninitial_price = 5000\n\
        max_price = 1000\nmax_qty = 100\ntypical_qty = 10\nvolatility_ticks = 1\nactivity_weight = 1\nmarket_makers = 1\n";
    let (line, field, message) = invalid(source);
    assert_eq!(field, "instrument[1].initial_price");
    assert_eq!(line, 17);
    assert!(message.contains("between 1 and 1000"), "{message}");
}

#[test]
fn too_many_key_sharing_operators_for_the_owners() {
    let (line, field, message) =
        invalid("name = \"x\"\n[api_traders]\naccounts = 3\n[abuse.key_sharing]\nepisodes = 5\n");
    assert_eq!((line, field.as_str()), (5, "abuse.key_sharing.episodes"));
    assert!(message.contains("api_traders.accounts (3)"), "{message}");
}

#[test]
fn broken_toml_names_the_line() {
    let (line, _, _) = invalid("name = \"x\"\n[retail\naccounts = 3\n");
    assert_eq!(line, 2);
}

#[test]
fn unknown_name_is_not_found() {
    assert!(matches!(load("no-such-scenario"), Err(ScenarioError::NotFound(_))));
}

#[test]
fn seed_override_changes_only_the_seed() {
    let loaded = load("small").unwrap();
    let reseeded = loaded.with_seed(99);
    assert_eq!(reseeded.seed, 99);
    assert_eq!(reseeded.duration, loaded.config.duration);
}

#[test]
fn error_message_reads_well() {
    let err = parse("name = \"x\"\n[retail]\nmobile_share = 1.5\n", "my.toml").unwrap_err();
    assert_eq!(
        err.to_string(),
        "my.toml:3:16: field `retail.mobile_share`: expected a share between 0 and 1, found 1.5"
    );
}

#[test]
fn absurd_sizes_are_refused_rather_than_run() {
    let (_, field, _) = invalid("name = \"x\"\nduration_s = 1e308\n");
    assert_eq!(field, "duration_s");
    let (_, field, message) = invalid("name = \"x\"\n[retail]\naccounts = 4000000000\n");
    assert_eq!(field, "retail.accounts");
    assert!(message.contains("at most 1000000"), "{message}");
    let (_, field, _) = invalid("name = \"x\"\n[abuse.spoofing]\nmax_layers = 100000\n");
    assert_eq!(field, "abuse.spoofing.max_layers");
}

#[test]
fn a_market_that_would_never_finish_is_refused() {
    let (_, field, message) = invalid("name = \"x\"\n[market_makers]\nrefresh_ms = 1e-9\n");
    assert_eq!(field, "market_makers.refresh_ms");
    assert!(message.contains("expected at most 2e10"), "{message}");
    let (_, field, _) = invalid(
        "name = \"x\"\nduration_s = 86400\n[[instrument]]\nsymbol = \"A-KRW\"\n\
         krw_per_tick = 1\ntokens_per_lot = 1\ninitial_price = 100\nmax_price = 1000\n\
         max_qty = 1000\ntypical_qty = 10\nvolatility_ticks = 1\nactivity_weight = 1\n\
         market_makers = 900000\n",
    );
    assert_eq!(field, "market_makers.refresh_ms");
    // Abuse at a pace no market could carry: an order every nanosecond.
    for (section, field) in [
        ("key_sharing", "order_gap_s"),
        ("wash_trading", "trade_gap_s"),
        ("micro_burst", "order_gap_ms"),
    ] {
        let (_, found, message) =
            invalid(&format!("name = \"x\"\n[abuse.{section}]\nepisodes = 3\n{field} = 1e-9\n"));
        assert_eq!(found, format!("abuse.{section}.{field}"));
        assert!(message.contains("expected at most 2e10"), "{message}");
    }
    let (_, found, _) =
        invalid("name = \"x\"\n[abuse.micro_burst]\nepisodes = 3\nstuffing_rate = 1e12\n");
    assert_eq!(found, "abuse.micro_burst.stuffing_rate");
    // A long session at a sane pace is still fine.
    parse("name = \"x\"\nduration_s = 86400\n", "day.toml").unwrap();
}

#[test]
fn spoofing_needs_room_for_a_large_order() {
    let instrument = "[[instrument]]\nsymbol = \"A-KRW\"\nkrw_per_tick = 1\n\
        tokens_per_lot = 1\ninitial_price = 100\nmax_price = 1000\nmax_qty = 1\n\
        min_qty = 1\ntypical_qty = 1\nvolatility_ticks = 1\nactivity_weight = 1\n\
        market_makers = 2\n";
    let (_, field, message) = invalid(&format!("name = \"x\"\n{instrument}"));
    assert_eq!(field, "instrument[0].max_qty");
    assert!(message.contains("abuse.spoofing.episodes = 0"), "{message}");
    parse(&format!("name = \"x\"\n[abuse.spoofing]\nepisodes = 0\n{instrument}"), "t.toml")
        .unwrap();
}

#[test]
fn a_market_without_abuse_is_valid() {
    let source = "name = \"calm\"\nduration_s = 60\n\
        [abuse.key_sharing]\nepisodes = 0\n[abuse.spoofing]\nepisodes = 0\n\
        [abuse.wash_trading]\nepisodes = 0\n[abuse.micro_burst]\nepisodes = 0\n";
    let loaded = parse(source, "calm.toml").unwrap();
    assert_eq!(loaded.config.abuse.spoofing.episodes, 0);
}

#[test]
fn integer_too_large_for_any_type_still_names_its_field() {
    let (line, field, _) = invalid("name = \"x\"\n[retail]\naccounts = 18446744073709551616\n");
    assert_eq!((line, field.as_str()), (3, "retail.accounts"));
}

#[test]
fn single_bracket_instrument_gets_a_hint() {
    let (_, field, message) = invalid("name = \"x\"\n[instrument]\nsymbol = \"A\"\n");
    assert_eq!(field, "instrument");
    assert!(message.contains("[[instrument]]"), "{message}");
}

#[test]
fn relation_error_names_the_field_the_file_spells_out() {
    // The episode count is left to its default (12); the file only sets the
    // owners, so that is the line to point at.
    let (line, field, message) = invalid("name = \"x\"\n[api_traders]\naccounts = 2\n");
    assert_eq!((line, field.as_str()), (3, "api_traders.accounts"));
    assert!(message.contains("(12)") && message.contains("(2)"), "{message}");
}

#[test]
fn empty_name_and_too_many_episodes_are_refused() {
    assert_eq!(invalid("name = \" \"\n").1, "name");
    let (_, field, message) = invalid("name = \"x\"\n[abuse.micro_burst]\nepisodes = 100000\n");
    assert_eq!(field, "abuse.micro_burst.episodes");
    assert!(message.contains("at most 1000"), "{message}");
}

#[test]
fn a_directory_is_not_a_scenario() {
    let dir = std::env::temp_dir();
    let err = load(dir.to_str().unwrap()).unwrap_err();
    assert!(err.to_string().contains("is a directory"), "{err}");
}

#[test]
fn syntax_error_without_a_field_reads_cleanly() {
    let err = parse("name = \"x\"\nname = \"y\"\n", "dup.toml").unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("dup.toml:2:"), "{text}");
    assert!(!text.contains("(document)"), "{text}");
}

#[test]
fn self_trade_prevention_is_chosen_by_the_scenario() {
    use surveil_sim::matching::SelfTradePrevention;
    // Prevention on leaves no room for an account trading with itself.
    let source = "name = \"x\"\n[exchange]\nself_trade_prevention = \"cancel_both\"\n\
        [abuse.wash_trading.variants]\nself_trade = 0\n";
    let loaded = parse(source, "x.toml").unwrap();
    assert_eq!(loaded.config.self_trade_prevention, SelfTradePrevention::CancelBoth);
    assert_eq!(load("default").unwrap().config.self_trade_prevention, SelfTradePrevention::Off);

    let (line, field, message) =
        invalid("name = \"x\"\n[exchange]\nself_trade_prevention = \"maybe\"\n");
    assert_eq!((line, field.as_str()), (3, "exchange.self_trade_prevention"));
    assert!(message.contains("cancel_incoming"), "{message}");
}

#[test]
fn decoys_section_sets_counts_and_leaves_the_rest_to_the_defaults() {
    let source = "name = \"x\"\n[decoys]\ntravelling_mobile = 5\ncoincidental_pairs = 0\n";
    let decoys = parse(source, "x.toml").unwrap().config.decoys;
    let defaults = load(library::DEFAULT).unwrap().config.decoys;
    assert_eq!((decoys.travelling_mobile, decoys.coincidental_pairs), (5, 0));
    assert_eq!(decoys.shared_ips, defaults.shared_ips);
    assert_eq!(decoys.busy_market_makers, defaults.busy_market_makers);
}

#[test]
fn default_scenario_has_decoys_of_every_type() {
    let d = load(library::DEFAULT).unwrap().config.decoys;
    for (name, count) in [
        ("busy_market_makers", d.busy_market_makers),
        ("travelling_mobile", d.travelling_mobile),
        ("shared_ips", d.shared_ips),
        ("institutions", d.institutions),
        ("jump_bursters", d.jump_bursters),
        ("coincidental_pairs", d.coincidental_pairs),
    ] {
        assert!(count > 0, "{name}");
    }
    assert!(d.accounts_per_shared_ip >= 2 && d.accounts_per_institution >= 2);
}

#[test]
fn a_group_of_one_account_is_refused_unless_there_are_no_groups() {
    let (line, field, message) = invalid("name = \"x\"\n[decoys]\naccounts_per_shared_ip = 1\n");
    assert_eq!((line, field.as_str()), (3, "decoys.accounts_per_shared_ip"));
    assert!(message.contains("2 or more accounts per shared address"), "{message}");

    let (_, field, message) = invalid("name = \"x\"\n[decoys]\naccounts_per_institution = 0\n");
    assert_eq!(field, "decoys.accounts_per_institution");
    assert!(message.contains("per firm, found 0"), "{message}");

    let no_firms = "name = \"x\"\n[decoys]\ninstitutions = 0\naccounts_per_institution = 1\n";
    assert_eq!(parse(no_firms, "x.toml").unwrap().config.decoys.accounts_per_institution, 1);
}

#[test]
fn absurd_decoy_counts_and_misspelt_decoy_fields_are_refused() {
    let (_, field, message) = invalid("name = \"x\"\n[decoys]\njump_bursters = 2000000\n");
    assert_eq!(field, "decoys.jump_bursters");
    assert!(message.contains("at most 1000000"), "{message}");

    let (_, field, message) = invalid("name = \"x\"\n[decoys]\naccounts_per_shared_ip = 5000\n");
    assert_eq!(field, "decoys.accounts_per_shared_ip");
    assert!(message.contains("at most 1000"), "{message}");

    let (line, field, message) = invalid("name = \"x\"\n[decoys]\nshared_ip = 3\n");
    assert_eq!((line, field.as_str()), (3, "decoys.shared_ip"));
    assert!(message.contains("unknown field"), "{message}");
}

#[test]
fn a_missing_required_field_is_named_itself_not_the_key_beside_it() {
    let (line, field, message) = invalid("duration_s = 60\nseed = 3\n");
    assert_eq!((line, field.as_str()), (1, "name"));
    assert_eq!(message, "required, and missing: it has no default");

    let (line, field, _) = invalid("name = \"x\"\n[[instrument]]\nsymbol = \"A-KRW\"\n");
    assert_eq!((line, field.as_str()), (2, "instrument[0].krw_per_tick"));
}

#[test]
fn type_errors_speak_of_numbers_and_tables_not_rust_types() {
    let (_, field, message) = invalid("name = \"x\"\n[retail]\naccounts = 3.5\n");
    assert_eq!(field, "retail.accounts");
    assert!(message.ends_with("expected a whole number from 0 to 4294967295"), "{message}");

    let (_, _, message) = invalid("name = \"x\"\nseed = -5\n");
    assert!(message.ends_with("expected a whole number from 0 to 18446744073709551615"));

    let (_, field, message) = invalid("name = \"x\"\n[abuse]\nspoofing = 3\n");
    assert_eq!(field, "abuse.spoofing");
    assert!(message.ends_with("expected a table of settings"), "{message}");
}

#[test]
fn a_grace_period_longer_than_any_session_is_refused() {
    let (line, field, message) = invalid("name = \"x\"\n[scoring]\ngrace_s = 1e300\n");
    assert_eq!((line, field.as_str()), (3, "scoring.grace_s"));
    assert!(message.starts_with("expected at most 2678400 seconds"), "{message}");
}

#[test]
fn stealth_is_a_level_or_a_share() {
    let source = "name = \"x\"\n[abuse.spoofing]\nstealth = \"hard\"\n\
        [abuse.pump]\nstealth = 0.6\n[abuse.wash_trading]\nstealth = \"easy\"\n";
    let abuse = parse(source, "x.toml").unwrap().config.abuse;
    assert_eq!((abuse.spoofing.stealth, abuse.pump.stealth), (1.0, 0.6));
    assert_eq!((abuse.wash_trading.stealth, abuse.key_sharing.stealth), (0.0, 0.25));

    let (line, field, message) = invalid("name = \"x\"\n[abuse.pump]\nstealth = \"sneaky\"\n");
    assert_eq!((line, field.as_str()), (3, "abuse.pump.stealth"));
    assert!(
        message.contains("`easy`, `medium`, `hard`") && message.contains("sneaky"),
        "{message}"
    );
    let (_, field, message) = invalid("name = \"x\"\n[abuse.spoofing]\nstealth = 1.5\n");
    assert_eq!(field, "abuse.spoofing.stealth");
    assert!(message.contains("found 1.5"), "{message}");
}

#[test]
fn variants_need_a_weight_and_room_to_be_what_they_are() {
    let (line, field, message) = invalid(
        "name = \"x\"\n[abuse.micro_burst.variants]\nsingle_key = 0\nquote_stuffing = 0\n\
         multi_key = 0\n",
    );
    assert_eq!((line, field.as_str()), (2, "abuse.micro_burst.variants"));
    assert!(message.contains("at least one variant"), "{message}");

    let (line, field, message) = invalid("name = \"x\"\n[abuse.wash_trading]\nmax_ring_size = 2\n");
    assert_eq!((line, field.as_str()), (3, "abuse.wash_trading.max_ring_size"));
    assert!(message.contains("`ring`") && message.contains("found 2"), "{message}");
    let source = "name = \"x\"\n[abuse.wash_trading]\nmax_ring_size = 2\n\
        [abuse.wash_trading.variants]\nring = 0\n";
    assert!(parse(source, "x.toml").is_ok());

    let (_, field, _) = invalid("name = \"x\"\n[abuse.spoofing]\nmax_accounts = 1\n");
    assert_eq!(field, "abuse.spoofing.max_accounts");
    let (_, field, _) = invalid("name = \"x\"\n[abuse.key_sharing]\nmax_keys_per_operator = 1\n");
    assert_eq!(field, "abuse.key_sharing.max_keys_per_operator");
    let (_, field, _) = invalid("name = \"x\"\n[abuse.pump]\nmax_accounts = 1\n");
    assert_eq!(field, "abuse.pump.max_accounts");
    let (_, field, _) = invalid("name = \"x\"\n[abuse.pump.variants]\nopen = 1\nwhisper = 2\n");
    assert_eq!(field, "abuse.pump.variants.whisper");

    let (line, field, message) =
        invalid("name = \"x\"\n[exchange]\nself_trade_prevention = \"cancel_incoming\"\n");
    assert_eq!((line, field.as_str()), (3, "exchange.self_trade_prevention"));
    assert!(message.contains("`self_trade`"), "{message}");
}

#[test]
fn every_builtin_scenario_has_a_description() {
    for builtin in library::BUILTINS {
        let loaded = load(builtin.name).unwrap();
        assert_eq!(loaded.scenario.name, builtin.name);
        assert!(!loaded.scenario.description.trim().is_empty(), "{}", builtin.name);
    }
}

#[test]
fn the_suite_has_every_kind_at_every_stealth_level() {
    for kind in ["key_sharing", "spoofing", "wash_trading", "micro_burst", "pump"] {
        for (level, stealth) in [("easy", 0.0), ("medium", 0.25), ("hard", 1.0)] {
            let name = format!("{kind}-{level}");
            let a = load(&name).unwrap_or_else(|e| panic!("{name}: {e}")).config.abuse;
            let kinds = [
                ("key_sharing", a.key_sharing.episodes, a.key_sharing.stealth),
                ("spoofing", a.spoofing.episodes, a.spoofing.stealth),
                ("wash_trading", a.wash_trading.episodes, a.wash_trading.stealth),
                ("micro_burst", a.micro_burst.episodes, a.micro_burst.stealth),
                ("pump", a.pump.episodes, a.pump.stealth),
            ];
            for (other, episodes, s) in kinds {
                if other == kind {
                    assert!(episodes > 0 && s == stealth, "{name}");
                } else {
                    assert_eq!(episodes, 0, "{name}: {other}");
                }
            }
        }
    }
    let default = load("default").unwrap().config;
    assert!(default.abuse.pump.episodes > 0);
    assert_eq!(load("high_automation").unwrap().api_share, 0.60);
    assert_eq!(load("long").unwrap().config.duration.as_secs_f64(), 86_400.0);
    let calm = load("calm").unwrap().config;
    assert_eq!(calm.abuse.pump.episodes + calm.abuse.spoofing.episodes, 0);
    assert_eq!(calm.decoys, default.decoys);
}

/// Per account that sent both limit and immediate-or-cancel orders in the
/// first half hour of the ABIDES-shaped scenario, with value traders
/// posting at fair looks or not: whether it ever had a second limit order
/// accepted while an earlier one still rested.
fn value_trader_postings(post_when_fair: bool) -> BTreeMap<AccountId, bool> {
    let mut config = load("abides-rmsc04").expect("the scenario loads").config;
    config.duration = Nanos(1800 * 1_000_000_000);
    config.arbitrage.post_when_fair = post_when_fair;

    let mut sim = Simulation::new(&config);
    let mut batch = Vec::new();
    let mut sent: BTreeMap<AccountId, (bool, bool)> = BTreeMap::new();
    let mut resting: BTreeMap<AccountId, Vec<OrderId>> = BTreeMap::new();
    let mut doubled: BTreeMap<AccountId, bool> = BTreeMap::new();
    let gone = |resting: &mut BTreeMap<AccountId, Vec<OrderId>>, account, order| {
        if let Some(orders) = resting.get_mut(&account) {
            orders.retain(|&o| o != order);
        }
    };
    while sim.next_batch(&mut batch, 4096) {
        for event in batch.drain(..) {
            match event.body {
                EventBody::Accepted(a) if a.access.channel.is_api() => {
                    let account = a.access.account;
                    let kinds = sent.entry(account).or_default();
                    match a.order_type {
                        OrderType::Limit => {
                            kinds.0 = true;
                            let orders = resting.entry(account).or_default();
                            *doubled.entry(account).or_default() |= !orders.is_empty();
                            orders.push(a.order);
                        }
                        OrderType::ImmediateOrCancel => kinds.1 = true,
                        _ => {}
                    }
                }
                EventBody::Cancelled(c) => gone(&mut resting, c.access.account, c.order),
                EventBody::Trade(t) => {
                    for side in [t.maker, t.taker] {
                        if side.remaining == Qty::ZERO {
                            gone(&mut resting, side.access.account, side.order);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    sent.into_iter()
        .filter(|(_, (limit, ioc))| *limit && *ioc)
        .map(|(account, _)| (account, doubled.get(&account).copied().unwrap_or(false)))
        .collect()
}

/// A value trader that posts at the looks finding the book fair leaves
/// one passive order at a time and cancels it at its next look; without
/// the option it only takes mispriced depth.
#[test]
fn value_traders_post_one_passive_order_at_fair_looks_only_when_asked() {
    let posting = value_trader_postings(true);
    assert!(posting.len() >= 90, "{} of 102 value traders both took and posted", posting.len());
    let doubled: Vec<_> = posting.iter().filter(|(_, d)| **d).map(|(a, _)| a).collect();
    assert!(doubled.is_empty(), "accounts with two passive orders at once: {doubled:?}");

    assert!(value_trader_postings(false).is_empty());
}
