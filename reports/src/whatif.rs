//! The what-if document: one market under several control policies, side
//! by side, and its renderings (a terminal table and an HTML page).
//!
//! For each policy the document holds what abuse still did (episodes that
//! succeeded, their volume, the price they displaced, how long they ran
//! before a control stopped them), what the controls cost honest accounts
//! (refused requests, pauses, re-verifications, warnings, expired keys, in
//! total and by decoy type) and what the safety mechanisms did (reconcile
//! checks, discrepancies, halts). Damage avoided is read against the first
//! policy of the document, normally `none`. Every figure is a sum over the
//! document's seeds; rates are per 1,000 honest accounts over those seeds.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use comfy_table::presets::ASCII_FULL_CONDENSED;
use comfy_table::{CellAlignment, ContentArrangement, Table};
use serde::{Deserialize, Serialize};

/// The abuse kinds, in the order the tables list them.
const KINDS: [&str; 5] = ["key_sharing", "spoofing", "wash_trading", "micro_burst", "pump"];

/// The causes of honest cost, in the order the tables list them.
const CAUSES: [&str; 7] = [
    "busy_market_maker",
    "travelling_mobile",
    "shared_ip",
    "institution",
    "jump_burst",
    "coincidental_pair",
    "other_honest",
];

/// One market under several policies.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WhatifReport {
    /// The scenario's name.
    pub scenario: String,
    /// The seeds every policy ran.
    pub seeds: Vec<u64>,
    /// One entry per policy, in the order asked for.
    pub policies: Vec<PolicyResult>,
}

/// One policy's run over every seed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PolicyResult {
    /// The policy's name.
    pub policy: String,
    /// Events in the public stream, summed over seeds.
    pub events: u64,
    /// The stream digest of each seed, in seed order.
    pub digests: Vec<String>,
    /// What was measured.
    pub figures: Figures,
}

/// One kind's abuse under a policy, summed over seeds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct KindFigures {
    /// Episodes injected.
    pub episodes: u64,
    /// Episodes that still succeeded.
    pub succeeded: u64,
    /// Episodes a control cut off.
    pub stopped: u64,
    /// Orders the episodes placed.
    pub orders: u64,
    /// Value of the trades the episodes' orders took part in, in KRW.
    pub traded_krw: f64,
    /// The episodes' requests the controls refused.
    pub requests_refused: u64,
    /// Sum over spoofing and pump episodes of their price displacement, in
    /// basis points.
    pub displacement_bp_sum: f64,
    /// For each stopped episode, seconds from its first evidence to the
    /// first refusal, sorted.
    pub ran_before_stop_s: Vec<f64>,
}

/// The honest accounts of one cause and what the controls cost them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HonestCost {
    /// Requests refused by a control.
    pub requests_refused: u64,
    /// Accounts paused for re-verification at least once.
    pub accounts_paused: u64,
    /// Demands to re-verify.
    pub reverifications: u64,
    /// Formal warnings.
    pub warnings: u64,
    /// Keys expired.
    pub keys_expired: u64,
}

impl HonestCost {
    /// Adds another count.
    pub fn absorb(&mut self, other: &HonestCost) {
        self.requests_refused += other.requests_refused;
        self.accounts_paused += other.accounts_paused;
        self.reverifications += other.reverifications;
        self.warnings += other.warnings;
        self.keys_expired += other.keys_expired;
    }
}

/// Honest cost in total and by cause.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HonestCosts {
    /// Over every honest account.
    pub total: HonestCost,
    /// By decoy type, and `other_honest`.
    pub by_cause: BTreeMap<String, HonestCost>,
}

/// Halts and reconciliations.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MarketFigures {
    /// Reconciliations run.
    pub reconciliations: u64,
    /// Account discrepancies they found, summed over the checks.
    pub discrepancies: u64,
    /// Halts after a failed reconciliation.
    pub reconciliation_halts: u64,
    /// Halts of an overloaded gateway.
    pub overload_halts: u64,
    /// Seconds trading was halted.
    pub halted_s: f64,
    /// Requests refused because trading was halted.
    pub refused_while_halted: u64,
}

/// Everything measured under one policy, summed over seeds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    /// By abuse kind.
    pub kinds: BTreeMap<String, KindFigures>,
    /// Honest accounts, summed over seeds.
    pub honest_accounts: u64,
    /// Honest accounts of each cause, summed over seeds.
    pub honest_by_cause: BTreeMap<String, u64>,
    /// What the honest paid.
    pub honest: HonestCosts,
    /// Halts and reconciliations.
    pub market: MarketFigures,
}

impl Figures {
    /// Adds another seed's figures.
    pub fn absorb(&mut self, other: &Figures) {
        for (name, k) in &other.kinds {
            let mine = self.kinds.entry(name.clone()).or_default();
            mine.episodes += k.episodes;
            mine.succeeded += k.succeeded;
            mine.stopped += k.stopped;
            mine.orders += k.orders;
            mine.traded_krw += k.traded_krw;
            mine.requests_refused += k.requests_refused;
            mine.displacement_bp_sum += k.displacement_bp_sum;
            mine.ran_before_stop_s.extend(&k.ran_before_stop_s);
            mine.ran_before_stop_s.sort_by(f64::total_cmp);
        }
        self.honest_accounts += other.honest_accounts;
        for (cause, n) in &other.honest_by_cause {
            *self.honest_by_cause.entry(cause.clone()).or_default() += n;
        }
        self.honest.total.absorb(&other.honest.total);
        for (cause, c) in &other.honest.by_cause {
            self.honest.by_cause.entry(cause.clone()).or_default().absorb(c);
        }
        let m = &other.market;
        self.market.reconciliations += m.reconciliations;
        self.market.discrepancies += m.discrepancies;
        self.market.reconciliation_halts += m.reconciliation_halts;
        self.market.overload_halts += m.overload_halts;
        self.market.halted_s += m.halted_s;
        self.market.refused_while_halted += m.refused_while_halted;
    }
}

impl WhatifReport {
    fn baseline(&self) -> Option<&Figures> {
        self.policies.first().map(|p| &p.figures)
    }
}

fn kind<'a>(f: &'a Figures, name: &str) -> Option<&'a KindFigures> {
    f.kinds.get(name)
}

/// Returns the median of a sorted list, or `None` when it is empty.
fn median(sorted: &[f64]) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len();
    Some(if n % 2 == 1 { sorted[n / 2] } else { (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0 })
}

fn per_1k(count: u64, accounts: u64) -> String {
    if accounts == 0 {
        "-".to_owned()
    } else {
        format!("{:.2}", count as f64 * 1000.0 / accounts as f64)
    }
}

/// One row of the comparison: a label and one cell per policy.
type Row = (String, Vec<String>);

/// The rows of the comparison, grouped by what they measure.
fn rows(report: &WhatifReport) -> Vec<(&'static str, Vec<Row>)> {
    let base = report.baseline().cloned().unwrap_or_default();
    let each = |f: &dyn Fn(&Figures) -> String| -> Vec<String> {
        report.policies.iter().map(|p| f(&p.figures)).collect()
    };
    let mut abuse = Vec::new();
    for name in KINDS {
        abuse.push((
            format!("{name}: succeeded / episodes"),
            each(&|f| {
                kind(f, name).map_or("-".into(), |k| format!("{} / {}", k.succeeded, k.episodes))
            }),
        ));
    }
    for name in KINDS {
        abuse.push((
            format!("{name}: traded, M KRW"),
            each(&|f| kind(f, name).map_or("-".into(), |k| format!("{:.1}", k.traded_krw / 1e6))),
        ));
    }
    for name in KINDS {
        abuse.push((
            format!("{name}: stopped, median s ran first"),
            each(&|f| {
                kind(f, name).map_or("-".into(), |k| match median(&k.ran_before_stop_s) {
                    Some(m) => format!("{} ({m:.0} s)", k.stopped),
                    None => format!("{}", k.stopped),
                })
            }),
        ));
    }

    let traded = |f: &Figures, name: &str| kind(f, name).map_or(0.0, |k| k.traded_krw);
    let displaced = |f: &Figures, name: &str| kind(f, name).map_or(0.0, |k| k.displacement_bp_sum);
    let damage = vec![
        (
            "wash volume not printed, M KRW".to_owned(),
            each(&|f| {
                format!("{:.1}", (traded(&base, "wash_trading") - traded(f, "wash_trading")) / 1e6)
            }),
        ),
        (
            "spoofing displacement avoided, bp".to_owned(),
            each(&|f| format!("{:.0}", displaced(&base, "spoofing") - displaced(f, "spoofing"))),
        ),
        (
            "pump displacement avoided, bp".to_owned(),
            each(&|f| format!("{:.0}", displaced(&base, "pump") - displaced(f, "pump"))),
        ),
        (
            "shared-key requests refused".to_owned(),
            each(&|f| {
                kind(f, "key_sharing").map_or("0".into(), |k| k.requests_refused.to_string())
            }),
        ),
    ];

    let honest =
        |f: &Figures, g: &dyn Fn(&HonestCost) -> u64| per_1k(g(&f.honest.total), f.honest_accounts);
    let cost = vec![
        ("requests refused /1k honest".to_owned(), each(&|f| honest(f, &|c| c.requests_refused))),
        ("accounts paused /1k honest".to_owned(), each(&|f| honest(f, &|c| c.accounts_paused))),
        ("re-verifications /1k honest".to_owned(), each(&|f| honest(f, &|c| c.reverifications))),
        ("warnings /1k honest".to_owned(), each(&|f| honest(f, &|c| c.warnings))),
        ("keys expired /1k honest".to_owned(), each(&|f| honest(f, &|c| c.keys_expired))),
    ];

    let mut decoys = Vec::new();
    for cause in CAUSES {
        decoys.push((
            format!("{cause}: refused / paused / expired per 1k"),
            each(&|f| {
                let n = f.honest_by_cause.get(cause).copied().unwrap_or(0);
                let c = f.honest.by_cause.get(cause).cloned().unwrap_or_default();
                format!(
                    "{} / {} / {}",
                    per_1k(c.requests_refused, n),
                    per_1k(c.accounts_paused, n),
                    per_1k(c.keys_expired, n)
                )
            }),
        ));
    }

    let market = vec![
        (
            "reconciliations (discrepancies)".to_owned(),
            each(&|f| format!("{} ({})", f.market.reconciliations, f.market.discrepancies)),
        ),
        (
            "halts: reconciliation / overload".to_owned(),
            each(&|f| format!("{} / {}", f.market.reconciliation_halts, f.market.overload_halts)),
        ),
        ("halted, s".to_owned(), each(&|f| format!("{:.0}", f.market.halted_s))),
    ];
    vec![
        ("abuse", abuse),
        ("damage avoided against the first policy", damage),
        ("cost to honest accounts", cost),
        ("cost to honest accounts by decoy type", decoys),
        ("safety mechanisms", market),
    ]
}

/// Renders the comparison as a plain-ASCII table, one column per policy.
pub fn render_whatif_table(report: &WhatifReport) -> String {
    let mut out = String::new();
    let seeds: Vec<String> = report.seeds.iter().map(u64::to_string).collect();
    let _ = writeln!(out, "scenario   {} (seeds {})", report.scenario, seeds.join(","));
    for p in &report.policies {
        let digests: Vec<&str> = p.digests.iter().map(|d| &d[..d.len().min(16)]).collect();
        let _ = writeln!(out, "{:<10} {} events, digest {}", p.policy, p.events, digests.join(","));
    }
    out.push('\n');
    let mut table = Table::new();
    table.load_preset(ASCII_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Disabled);
    let mut header = vec!["".to_owned()];
    header.extend(report.policies.iter().map(|p| p.policy.clone()));
    table.set_header(header);
    for (group, rows) in rows(report) {
        let mut title = vec![format!("[{group}]")];
        title.extend(report.policies.iter().map(|_| String::new()));
        table.add_row(title);
        for (label, cells) in rows {
            let mut row = vec![label];
            row.extend(cells);
            table.add_row(row);
        }
    }
    for i in 1..=report.policies.len() {
        if let Some(column) = table.column_mut(i) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    let _ = writeln!(out, "{table}");
    out
}

/// Renders the comparison as a self-contained HTML page.
pub fn render_whatif_page(report: &WhatifReport) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>surveil what-if: {0}</title>\
         <style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}\
         td,th{{border:1px solid #ccc;padding:.2em .6em}}td.n{{text-align:right}}</style></head><body>\
         <h1>What-if: {0}</h1><p>Seeds {1}; every figure is summed over them.</p>",
        escape(&report.scenario),
        report.seeds.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")
    );
    for (group, rows) in rows(report) {
        let _ = write!(out, "<h2>{}</h2><table><tr><th></th>", escape(group));
        for p in &report.policies {
            let _ = write!(out, "<th>{}</th>", escape(&p.policy));
        }
        out.push_str("</tr>");
        for (label, cells) in rows {
            let _ = write!(out, "<tr><td>{}</td>", escape(&label));
            for cell in cells {
                let _ = write!(out, "<td class=\"n\">{}</td>", escape(&cell));
            }
            out.push_str("</tr>");
        }
        out.push_str("</table>");
    }
    out.push_str("</body></html>\n");
    out
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damage_is_read_against_the_first_policy() {
        let mut none = Figures::default();
        none.kinds.insert(
            "wash_trading".into(),
            KindFigures { traded_krw: 5e6, ..KindFigures::default() },
        );
        let mut all = none.clone();
        all.kinds.get_mut("wash_trading").unwrap().traded_krw = 2e6;
        let report = WhatifReport {
            scenario: "t".into(),
            seeds: vec![1],
            policies: vec![
                PolicyResult { policy: "none".into(), figures: none, ..PolicyResult::default() },
                PolicyResult { policy: "all".into(), figures: all, ..PolicyResult::default() },
            ],
        };
        let damage = &rows(&report)[1].1[0];
        assert_eq!(damage.1, vec!["0.0".to_owned(), "3.0".to_owned()]);
        assert!(render_whatif_page(&report).contains("<th>all</th>"));
    }
}
