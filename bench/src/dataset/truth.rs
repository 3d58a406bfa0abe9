//! The ground-truth tables: the episodes of abuse, who took part in them,
//! which orders were theirs, and the decoys, written apart from the public
//! events so that training data and labels never mix by accident.
//!
//! [`encode`] writes a [`GroundTruth`] as these tables and [`decode`] reads
//! them back into the same value, which is what `surveil score` scores
//! against.

use surveil_sim::truth::{DecoyKind, EpisodeId};
use surveil_sim::{AbuseKind, AccountId, Decoy, Episode, GroundTruth, Ip, KeyId, Nanos, OrderId};

use super::table::{Column, ColumnType, Columns, Schema};

/// Abuse kinds, as the files name them.
pub const ABUSE_KINDS: &[&str] =
    &["key_sharing", "spoofing", "wash_trading", "micro_burst", "pump"];

/// Decoy types, as the files name them.
pub const DECOY_KINDS: &[&str] = &[
    "busy_market_maker",
    "travelling_mobile",
    "shared_ip",
    "institution",
    "jump_burst",
    "coincidental_pair",
];

/// What an episode member is.
pub const EPISODE_MEMBERS: &[&str] = &["account", "key", "ip"];

/// What a decoy member is.
pub const DECOY_MEMBERS: &[&str] = &["account", "key"];

macro_rules! col {
    ($name:literal, $ty:expr, $nullable:literal, $unit:literal, $meaning:literal) => {
        Column { name: $name, ty: $ty, nullable: $nullable, unit: $unit, meaning: $meaning }
    };
}

/// The `episodes` table.
pub const EPISODES: Schema = Schema {
    name: "episodes",
    row: "one abuse episode",
    columns: &[
        col!("episode_id", ColumnType::U32, false, "", "the episode, from 0"),
        col!("kind", ColumnType::Dict(ABUSE_KINDS), false, "", "the kind of abuse"),
        col!(
            "variant",
            ColumnType::Text,
            false,
            "",
            "the variant within the kind, such as `layering` or `ring`"
        ),
        col!(
            "start_ns",
            ColumnType::U64,
            false,
            "ns",
            "when the abuse began (a key handed over, a plan set in motion), since the session opened"
        ),
        col!(
            "first_evidence_ns",
            ColumnType::U64,
            false,
            "ns",
            "its first order: the first public event that shows it; detection delay is measured from here"
        ),
        col!(
            "payoff_ns",
            ColumnType::U64,
            true,
            "ns",
            "when it paid off (the spoofer's genuine fill, the wash ring's volume target); null for kinds without a payoff or when it never paid off"
        ),
        col!("end_ns", ColumnType::U64, false, "ns", "its last public event"),
        col!(
            "orders",
            ColumnType::U64,
            false,
            "orders",
            "how many orders it placed (listed in order_labels)"
        ),
    ],
};

/// The `episode_members` table.
pub const EPISODE_MEMBERS_TABLE: Schema = Schema {
    name: "episode_members",
    row: "one account, API key or source address that took part in an episode",
    columns: &[
        col!("episode_id", ColumnType::U32, false, "", "the episode"),
        col!("member", ColumnType::Dict(EPISODE_MEMBERS), false, "", "account, key or ip"),
        col!(
            "id",
            ColumnType::U32,
            false,
            "",
            "the account id, the key id, or the IPv4 address as an unsigned 32-bit integer (as in the events' `ip` column)"
        ),
    ],
};

/// The `order_labels` table.
pub const ORDER_LABELS: Schema = Schema {
    name: "order_labels",
    row: "one order placed as part of an episode; orders not listed are honest",
    columns: &[
        col!("order_id", ColumnType::U64, false, "", "the order, as in the events' `order_id`"),
        col!("episode_id", ColumnType::U32, false, "", "the episode it belongs to"),
        col!("kind", ColumnType::Dict(ABUSE_KINDS), false, "", "the episode's kind"),
    ],
};

/// The `decoys` table.
pub const DECOYS: Schema = Schema {
    name: "decoys",
    row: "one decoy: an honest participant, or group of accounts, built to look like abuse",
    columns: &[
        col!("decoy_id", ColumnType::U32, false, "", "the decoy, from 0"),
        col!("kind", ColumnType::Dict(DECOY_KINDS), false, "", "the decoy type"),
        col!(
            "variant",
            ColumnType::Text,
            false,
            "",
            "the variant within the type, such as `office` or `vpn_exit`"
        ),
    ],
};

/// The `decoy_members` table.
pub const DECOY_MEMBERS_TABLE: Schema = Schema {
    name: "decoy_members",
    row: "one account or API key of a decoy",
    columns: &[
        col!("decoy_id", ColumnType::U32, false, "", "the decoy"),
        col!("member", ColumnType::Dict(DECOY_MEMBERS), false, "", "account or key"),
        col!("id", ColumnType::U32, false, "", "the account id or key id"),
    ],
};

/// The `accounts` table.
pub const ACCOUNTS: Schema = Schema {
    name: "accounts",
    row: "one account of the market, whether it traded or not",
    columns: &[col!("account", ColumnType::U32, false, "", "the account id")],
};

/// The `keys` table.
pub const KEYS: Schema = Schema {
    name: "keys",
    row: "one API key and the account that owns it",
    columns: &[
        col!("key", ColumnType::U32, false, "", "the key id"),
        col!("account", ColumnType::U32, false, "", "the owning account"),
    ],
};

/// Every ground-truth table, in the order they are written.
pub const TABLES: [Schema; 7] =
    [EPISODES, EPISODE_MEMBERS_TABLE, ORDER_LABELS, DECOYS, DECOY_MEMBERS_TABLE, ACCOUNTS, KEYS];

fn kind_code(kind: AbuseKind) -> u8 {
    AbuseKind::ALL.iter().position(|k| *k == kind).unwrap_or(0) as u8
}

fn decoy_code(kind: DecoyKind) -> u8 {
    DecoyKind::ALL.iter().position(|k| *k == kind).unwrap_or(0) as u8
}

/// Writes the ground truth as its tables, in the order of [`TABLES`].
pub fn encode(truth: &GroundTruth) -> Vec<Columns> {
    let mut tables: Vec<Columns> = TABLES.iter().map(Schema::empty).collect();
    let [episodes, members, labels, decoys, decoy_members, accounts, keys] = &mut tables[..] else {
        unreachable!("seven tables were made")
    };

    for e in &truth.episodes {
        episodes.u32s(0).push(Some(e.id.0));
        episodes.dicts(1).push(Some(kind_code(e.kind)));
        episodes.texts(2).push(Some(e.variant.clone()));
        episodes.u64s(3).push(Some(e.start.0));
        episodes.u64s(4).push(Some(e.first_evidence.0));
        episodes.u64s(5).push(e.payoff.map(|p| p.0));
        episodes.u64s(6).push(Some(e.end.0));
        episodes.u64s(7).push(Some(e.orders.len() as u64));

        let ids = e.accounts.iter().map(|a| (0, a.0));
        let ids = ids.chain(e.keys.iter().map(|k| (1, k.0)));
        for (member, id) in ids.chain(e.ips.iter().map(|ip| (2, ip.0))) {
            members.u32s(0).push(Some(e.id.0));
            members.dicts(1).push(Some(member));
            members.u32s(2).push(Some(id));
        }
        for order in &e.orders {
            labels.u64s(0).push(Some(order.0));
            labels.u32s(1).push(Some(e.id.0));
            labels.dicts(2).push(Some(kind_code(e.kind)));
        }
    }

    for (i, d) in truth.decoys.iter().enumerate() {
        decoys.u32s(0).push(Some(i as u32));
        decoys.dicts(1).push(Some(decoy_code(d.kind)));
        decoys.texts(2).push(Some(d.variant.clone()));
        let ids = d.accounts.iter().map(|a| (0, a.0));
        for (member, id) in ids.chain(d.keys.iter().map(|k| (1, k.0))) {
            decoy_members.u32s(0).push(Some(i as u32));
            decoy_members.dicts(1).push(Some(member));
            decoy_members.u32s(2).push(Some(id));
        }
    }

    for a in &truth.accounts {
        accounts.u32s(0).push(Some(a.0));
    }
    for (k, a) in &truth.keys {
        keys.u32s(0).push(Some(k.0));
        keys.u32s(1).push(Some(a.0));
    }
    tables
}

/// A ground-truth table whose rows do not fit together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("table `{table}`, row {row}: {message}")]
pub struct TruthError {
    /// The table.
    pub table: &'static str,
    /// The 1-based data row.
    pub row: usize,
    /// What was wrong.
    pub message: String,
}

/// Reads the ground truth back from its tables, given in the order of
/// [`TABLES`]. Null checks were made when the tables were read.
///
/// # Errors
///
/// Returns a [`TruthError`] when a member, label or decoy names an episode
/// or decoy that is not in its table.
pub fn decode(tables: &[Columns]) -> Result<GroundTruth, TruthError> {
    let [episodes, members, labels, decoys, decoy_members, accounts, keys] = tables else {
        return Err(TruthError { table: "episodes", row: 0, message: "tables missing".into() });
    };
    let v = |c: Option<u64>| c.unwrap_or_default();

    let mut out = GroundTruth::default();
    for i in 0..episodes.rows() {
        let id = episodes.u32_at(0, i).unwrap_or_default();
        if id as usize != i {
            return Err(TruthError {
                table: "episodes",
                row: i + 1,
                message: format!("episode_id is {id}; episodes are numbered 0, 1, 2, … in order"),
            });
        }
        out.episodes.push(Episode {
            id: EpisodeId(id),
            kind: AbuseKind::ALL[usize::from(episodes.dict_at(1, i).unwrap_or_default())],
            variant: episodes.text_at(2, i).unwrap_or_default().to_owned(),
            accounts: Vec::new(),
            keys: Vec::new(),
            ips: Vec::new(),
            start: Nanos(v(episodes.u64_at(3, i))),
            first_evidence: Nanos(v(episodes.u64_at(4, i))),
            payoff: episodes.u64_at(5, i).map(Nanos),
            end: Nanos(v(episodes.u64_at(6, i))),
            orders: Vec::new(),
        });
    }

    for i in 0..members.rows() {
        let id = members.u32_at(0, i).unwrap_or_default();
        let n = out.episodes.len();
        let Some(e) = out.episodes.get_mut(id as usize) else {
            return Err(missing("episode_members", i, id, n));
        };
        let member = members.u32_at(2, i).unwrap_or_default();
        match members.dict_at(1, i).unwrap_or_default() {
            0 => e.accounts.push(AccountId(member)),
            1 => e.keys.push(KeyId(member)),
            _ => e.ips.push(Ip(member)),
        }
    }
    for i in 0..labels.rows() {
        let id = labels.u32_at(1, i).unwrap_or_default();
        let n = out.episodes.len();
        let Some(e) = out.episodes.get_mut(id as usize) else {
            return Err(missing("order_labels", i, id, n));
        };
        e.orders.push(OrderId(v(labels.u64_at(0, i))));
    }
    for (i, e) in out.episodes.iter().enumerate() {
        let written = v(episodes.u64_at(7, i));
        if written != e.orders.len() as u64 {
            return Err(TruthError {
                table: "episodes",
                row: i + 1,
                message: format!(
                    "orders is {written} but order_labels lists {} orders of the episode",
                    e.orders.len()
                ),
            });
        }
    }

    for i in 0..decoys.rows() {
        out.decoys.push(Decoy {
            kind: DecoyKind::ALL[usize::from(decoys.dict_at(1, i).unwrap_or_default())],
            variant: decoys.text_at(2, i).unwrap_or_default().to_owned(),
            accounts: Vec::new(),
            keys: Vec::new(),
        });
    }
    for i in 0..decoy_members.rows() {
        let id = decoy_members.u32_at(0, i).unwrap_or_default();
        let n = out.decoys.len();
        let Some(d) = out.decoys.get_mut(id as usize) else {
            return Err(TruthError {
                table: "decoy_members",
                row: i + 1,
                message: format!("decoy {id} is not in `decoys`, which has {n} rows"),
            });
        };
        let member = decoy_members.u32_at(2, i).unwrap_or_default();
        match decoy_members.dict_at(1, i).unwrap_or_default() {
            0 => d.accounts.push(AccountId(member)),
            _ => d.keys.push(KeyId(member)),
        }
    }

    out.accounts = (0..accounts.rows())
        .map(|i| AccountId(accounts.u32_at(0, i).unwrap_or_default()))
        .collect();
    out.keys = (0..keys.rows())
        .map(|i| {
            (
                KeyId(keys.u32_at(0, i).unwrap_or_default()),
                AccountId(keys.u32_at(1, i).unwrap_or_default()),
            )
        })
        .collect();
    if !out.keys.is_sorted_by_key(|&(k, _)| k) {
        return Err(TruthError {
            table: "keys",
            row: 1,
            message: "keys must be sorted by key".into(),
        });
    }
    Ok(out)
}

fn missing(table: &'static str, row: usize, id: u32, episodes: usize) -> TruthError {
    TruthError {
        table,
        row: row + 1,
        message: format!("episode {id} is not in `episodes`, which has {episodes} rows"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabularies_match_the_names_used_everywhere() {
        let kinds: Vec<_> = AbuseKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(kinds, ABUSE_KINDS);
        let decoys: Vec<_> = DecoyKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(decoys, DECOY_KINDS);
    }
}
