//! The dataset card: the `README.md` of a dataset, written from the same
//! schemas the tables are written from, so that it describes exactly the
//! columns on disk.

use std::fmt::Write;

use super::table::Schema;
use super::{Metadata, events, truth};

/// What each abuse kind is, as the card describes it.
const ABUSE: [(&str, &str); 5] = [
    (
        "key_sharing",
        "an outside operator in a distant region trades through one or several leased API keys with an unknown tool, while the owners keep trading from home; members are the owners' accounts, the keys and the operator's addresses",
    ),
    (
        "spoofing",
        "large orders on one side (one level, or several when layering) while a small genuine order waits on the other, pulled as soon as the genuine order fills; the payoff is that fill",
    ),
    (
        "wash_trading",
        "one account, a pair or a ring of three trading with itself inside the spread of the illiquid token; the payoff is reaching the ring's volume target",
    ),
    (
        "micro_burst",
        "bursts of minimum-size orders behind the touch from one key, each cancelled within milliseconds",
    ),
    (
        "pump",
        "coordinated buying of an illiquid token by linked accounts, then selling into the move (named in the schema; not injected by this version)",
    ),
];

/// What each decoy type resembles.
const DECOYS: [(&str, &str); 6] = [
    (
        "busy_market_maker",
        "market makers with a cancel rate as high as a spoofer's, some resting large orders they pull after fills: looks like spoofing",
    ),
    (
        "travelling_mobile",
        "traders whose address, region and network change often, never faster than a person travels: looks like key sharing",
    ),
    ("shared_ip", "accounts behind one office network or VPN exit: looks like key sharing"),
    (
        "institution",
        "one firm's accounts trading from one cloud address with one in-house tool: looks like a key-sharing reseller",
    ),
    (
        "jump_burst",
        "bots firing bursts of small immediate orders when the reference price jumps: looks like micro-order bursts",
    ),
    (
        "coincidental_pair",
        "two unrelated retail traders who keep filling each other's round-size orders: looks like wash trading",
    ),
];

/// Renders the card of a dataset.
pub fn render(m: &Metadata) -> String {
    let mut s = String::new();
    // Writing into a string cannot fail.
    let _ = write_card(&mut s, m);
    s
}

fn write_card(s: &mut String, m: &Metadata) -> std::fmt::Result {
    writeln!(s, "# surveil dataset: scenario `{}`, seed {}\n", m.scenario.name, m.seed)?;
    writeln!(
        s,
        "A simulated session of a KRW spot crypto exchange with labelled market abuse, \
         written by surveil {} (`surveil generate`). One continuous limit order book per \
         instrument, price-time priority, integer prices, quantities and times. The public \
         event stream (what an exchange's surveillance desk sees) and the ground truth \
         (what only the simulator knows) are in separate tables, so that a model trained on \
         the events cannot read a label by accident.\n",
        m.surveil_version
    )?;

    writeln!(s, "## At a glance\n")?;
    writeln!(s, "| | |\n| --- | --- |")?;
    writeln!(
        s,
        "| scenario | `{}` (its TOML source is in `metadata.json`, `scenario.source`) |",
        m.scenario.name
    )?;
    writeln!(s, "| seed | {} |", m.seed)?;
    writeln!(s, "| session | {} s of simulated time |", m.duration_ns as f64 / 1e9)?;
    writeln!(s, "| events | {} ({} trades) |", m.events, m.trades)?;
    writeln!(s, "| API share of traded value | {:.2}% |", m.algo_share * 100.0)?;
    writeln!(s, "| event-stream digest (BLAKE3) | `{}` |", m.digest)?;
    writeln!(s, "| table format | {} |", m.format)?;
    writeln!(s, "| LOBSTER order book depth | {} levels per side |\n", m.lobster_depth)?;

    writeln!(s, "Instruments (the events' `instrument` column is the index):\n")?;
    writeln!(
        s,
        "| index | symbol | tick size (price units) | lot size (lots) | KRW per price unit | tokens per lot |"
    )?;
    writeln!(s, "| ---: | --- | ---: | ---: | ---: | ---: |")?;
    for i in &m.instruments {
        writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} |",
            i.id, i.symbol, i.tick_size, i.lot_size, i.krw_per_tick, i.tokens_per_lot
        )?;
    }

    writeln!(s, "\n## Files\n")?;
    writeln!(s, "| file | rows | what |\n| --- | ---: | --- |")?;
    for t in &m.tables {
        let row = std::iter::once(&events::EVENTS)
            .chain(truth::TABLES.iter())
            .find(|schema| schema.name == t.name)
            .map_or("", |schema| schema.row);
        writeln!(s, "| `{}` | {} | {} |", t.file, t.rows, row)?;
    }
    for l in &m.lobster {
        writeln!(s, "| `{}` | {} | LOBSTER messages of {} |", l.messages, l.rows, l.symbol)?;
        writeln!(
            s,
            "| `{}` | {} | LOBSTER order book of {} after each message, {} levels |",
            l.orderbook, l.rows, l.symbol, m.lobster_depth
        )?;
    }
    writeln!(
        s,
        "| `metadata.json` | | scenario, seed, version, calibration, instruments, row counts, digest |"
    )?;

    writeln!(
        s,
        "\nTimes are nanoseconds since the session opened; prices are integer price units of \
         the instrument (multiply by its KRW per price unit for KRW); quantities are integer \
         lots. In Parquet, integers are stored at the widths below and strings of a fixed \
         vocabulary are dictionary-encoded; in CSV, the same columns come in the same order \
         under a header row and a null is an empty field.\n"
    )?;

    let has_events = m.tables.iter().any(|t| t.name == events::EVENTS.name);
    if has_events {
        writeln!(s, "## The public event stream\n")?;
        writeln!(
            s,
            "One wide table in stream order, with a `type` column and nullable fields, rather \
             than one table per kind of record: the order of events across kinds is part of \
             their meaning (a cancel after a fill, the trades an incoming order makes before it \
             rests), one table keeps it without a join on `seq`, and in Parquet a column that \
             is null for most rows costs a few bits per row. Each row has the access record of \
             the request behind it; a trade's row has the incoming (taker) order's access, and \
             the resting (maker) order's in the `maker_*` columns. The BLAKE3 digest of the \
             stream (`metadata.json`, `digest`) is the one `surveil run` prints for the same \
             scenario and seed.\n"
        )?;
        table(s, &events::EVENTS)?;
    }

    writeln!(s, "## The ground truth\n")?;
    writeln!(
        s,
        "An episode is one act of abuse by its members. An alert (account or key, time, kind) \
         is a true positive when its entity is a member of an episode of the same kind and its \
         time lies between the episode's `start_ns` and `end_ns` plus the scenario's grace \
         period; detection delay is measured from `first_evidence_ns`. An account in no \
         episode is honest; decoys are honest accounts built to look like abuse, for tracing \
         false positives to a cause. An order not in `order_labels` is honest.\n"
    )?;
    writeln!(s, "| abuse kind | what it is |\n| --- | --- |")?;
    for (kind, what) in ABUSE {
        writeln!(s, "| `{kind}` | {what} |")?;
    }
    writeln!(s, "\n| decoy type | what it is |\n| --- | --- |")?;
    for (kind, what) in DECOYS {
        writeln!(s, "| `{kind}` | {what} |")?;
    }
    writeln!(s)?;
    for schema in &truth::TABLES {
        table(s, schema)?;
    }

    writeln!(s, "## LOBSTER files\n")?;
    writeln!(
        s,
        "Per instrument, a message file (time, type, order id, size, price, direction) and an \
         order book file (ask price, ask size, bid price, bid size for each of {} levels; an \
         empty level is 9999999999 or -9999999999 with size 0), without header rows, in the \
         layout of LOBSTER (lobsterdata.com). Time is seconds after the session opened, with \
         up to nine decimals; price is in the instrument's price units, size in lots; \
         direction is that of the resting order (1 buy, -1 sell). Executions of an incoming \
         order come before the submission (type 1) of what of it rests; deletions (type 3) and \
         partial cancellations (type 2) cover cancels, self-trade prevention and amends. \
         Refusals and unfilled remainders of immediate orders never reach the book and have \
         no message. The book starts empty, so `surveil replay MESSAGES --orderbook ORDERBOOK` \
         rebuilds it with no mismatch.\n",
        m.lobster_depth
    )?;

    writeln!(s, "## How it was made\n")?;
    writeln!(
        s,
        "`surveil generate {} --seed {} --format {} --depth {}` simulated the scenario stored \
         in `metadata.json` (the same scenario and seed always give the same files, byte for \
         byte). Every participant draws from its own ChaCha stream seeded from the seed and its \
         id; abusive participants record their episodes as they act, and decoys are labelled \
         when the population is built. When a run's API share of traded value lands more \
         than three quarters of a point from the scenario's target, the session is simulated \
         again with rescaled retail order sizes, as `surveil run` does: this dataset is from \
         run {} of that calibration, with retail sizes x{} (target {}).",
        m.scenario.name,
        m.seed,
        m.format,
        m.lobster_depth,
        m.calibration.runs,
        m.calibration.retail_size_multiplier,
        if m.calibration.met { "met" } else { "not met; the closest run is kept" }
    )?;
    Ok(())
}

fn table(s: &mut String, schema: &Schema) -> std::fmt::Result {
    writeln!(s, "### `{}`\n\nOne row is {}.\n", schema.name, schema.row)?;
    writeln!(s, "| column | type | unit | null | meaning |\n| --- | --- | --- | --- | --- |")?;
    for c in schema.columns {
        let ty = c.ty.describe();
        let null = if c.nullable { "yes" } else { "no" };
        let mut meaning = c.meaning.to_owned();
        if let super::table::ColumnType::Dict(values) = c.ty {
            let _ = write!(meaning, " (values: {})", values.join(", "));
        }
        writeln!(s, "| `{}` | {ty} | {} | {null} | {meaning} |", c.name, c.unit)?;
    }
    writeln!(s)
}
