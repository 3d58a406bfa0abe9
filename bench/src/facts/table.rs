//! The table of facts: one row per measure, each with the tolerance that
//! decides whether a simulation passes against real data.
//!
//! [`measures`] lists every measure in a fixed order (facts 1 to 12),
//! with its key, its wording and its [`Rule`]. A rule compares the
//! simulated value with the real one where scales are comparable, and
//! checks the stylized property itself where the real magnitude depends on
//! the sample more than on the market (a noise floor, a ratio that must
//! fall below 1):
//!
//! - [`Rule::Factor`]: the simulated value lies between the real value
//!   divided by the factor and the real value times it; used for positive
//!   quantities whose scale matters (kurtosis, ratios, times);
//! - [`Rule::Within`]: the two differ by at most the margin; used for
//!   shares, correlations and tail indices, which are already
//!   dimensionless and may sit near zero;
//! - [`Rule::Below`] and [`Rule::Above`]: the simulated value alone is
//!   below or above a bound;
//! - [`Rule::Info`]: shown for reading, not judged (a median size in lots
//!   against one in shares, the buckets of a distribution judged as a
//!   whole).
//!
//! A measure the simulation cannot produce fails; one the real data cannot
//! produce (depth behind the touch in a level-1 file) is not applicable. A
//! fact passes when every judged measure of it passes, and fails when any
//! fails. Two measures exist only in a comparison, because they compare
//! whole distributions: the total variation distance between the spread
//! distributions (fact 5) and the mean absolute difference between the
//! intraday profiles (fact 11). Tables render to the same text and JSON for
//! the same measurements.

use std::fmt::{self, Write as _};

use serde::Serialize;
use surveil_reports::series::ReturnSeries;

use super::book::PROFILE_DISTANCES;
use super::collector::{Counts, Measurements};
use super::stats::total_variation;

/// The twelve facts, by number.
pub const FACTS: [&str; 12] = [
    "heavy tails",
    "no linear autocorrelation",
    "volatility clustering",
    "aggregational normality",
    "spread",
    "order sizes",
    "order arrivals",
    "cancel and order ratios",
    "order lifetimes",
    "depth profile",
    "intraday activity",
    "volume and volatility",
];

/// When a simulated value passes against the real one.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Rule {
    /// Shown, not judged.
    Info,
    /// Within a factor of the real value, both positive.
    Factor(f64),
    /// Within a margin of the real value.
    Within(f64),
    /// Below a bound, whatever the real value.
    Below(f64),
    /// Above a bound, whatever the real value.
    Above(f64),
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::Info => Ok(()),
            Rule::Factor(x) => write!(f, "within x{x}"),
            Rule::Within(x) => write!(f, "within {x}"),
            Rule::Below(x) => write!(f, "below {x}"),
            Rule::Above(x) => write!(f, "above {x}"),
        }
    }
}

/// The outcome of a rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The simulation passes.
    Pass,
    /// The simulation fails.
    Fail,
    /// The real data cannot say.
    NotApplicable,
}

impl Verdict {
    /// Returns the word the table shows.
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "FAIL",
            Verdict::NotApplicable => "n/a",
        }
    }
}

impl Rule {
    /// Judges a simulated value against a real one; `None` for
    /// [`Rule::Info`].
    pub fn judge(self, simulated: Option<f64>, real: Option<f64>) -> Option<Verdict> {
        let needs_real = matches!(self, Rule::Factor(_) | Rule::Within(_));
        let pass = match (self, simulated, real) {
            (Rule::Info, _, _) => return None,
            (_, _, None) if needs_real => return Some(Verdict::NotApplicable),
            (Rule::Factor(_), _, Some(r)) if r <= 0.0 => return Some(Verdict::NotApplicable),
            (_, None, _) => false,
            (Rule::Factor(f), Some(s), Some(r)) => s >= r / f && s <= r * f,
            (Rule::Within(m), Some(s), Some(r)) => (s - r).abs() <= m,
            (Rule::Below(b), Some(s), _) => s < b,
            (Rule::Above(b), Some(s), _) => s > b,
            (Rule::Factor(_) | Rule::Within(_), Some(_), None) => false,
        };
        Some(if pass { Verdict::Pass } else { Verdict::Fail })
    }
}

/// One measure of the table, without its value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Measure {
    /// The fact it belongs to, from 1 to 12.
    pub fact: u8,
    /// Its key in JSON.
    pub key: &'static str,
    /// What it is, with its unit.
    pub label: &'static str,
    /// When the simulation passes.
    pub rule: Rule,
}

const fn measure(fact: u8, key: &'static str, label: &'static str, rule: Rule) -> Measure {
    Measure { fact, key, label, rule }
}

/// Returns every measure of a session, in table order, with its value.
pub fn measures(m: &Measurements) -> Vec<(Measure, Option<f64>)> {
    let r = &m.returns;
    let mut rows = vec![
        (
            measure(1, "kurtosis_1s", "excess kurtosis, 1 s returns", Rule::Factor(3.0)),
            r.kurtosis[0],
        ),
        (
            measure(1, "kurtosis_1min", "excess kurtosis, 1 min returns", Rule::Factor(3.0)),
            r.kurtosis[2],
        ),
        (measure(1, "hill_1s", "Hill tail index, 1 s returns", Rule::Within(1.0)), r.hill_1s),
        (measure(1, "hill_1min", "Hill tail index, 1 min returns", Rule::Within(1.5)), r.hill_1min),
        (
            measure(1, "zero_share_1s", "share of 1 s returns that are zero", Rule::Info),
            r.zero_share_1s,
        ),
        (
            measure(2, "acf_lag1", "autocorrelation of 1 s returns, lag 1", Rule::Within(0.1)),
            r.acf_lag1,
        ),
        (
            measure(
                2,
                "mean_abs_acf_3_30",
                "mean |autocorrelation|, lags 3-30 s",
                Rule::Below(0.05),
            ),
            r.mean_abs_acf,
        ),
        (
            measure(
                3,
                "abs_acf_1_10",
                "autocorrelation of |1 s returns|, lags 1-10 s",
                Rule::Factor(2.0),
            ),
            r.abs_return_acf[0],
        ),
        (
            measure(
                3,
                "abs_acf_31_60",
                "autocorrelation of |1 s returns|, lags 31-60 s",
                Rule::Factor(3.0),
            ),
            r.abs_return_acf[1],
        ),
        (measure(4, "kurtosis_10s", "excess kurtosis, 10 s returns", Rule::Info), r.kurtosis[1]),
        (
            measure(4, "kurtosis_ratio_10s_1s", "kurtosis 10 s / kurtosis 1 s", Rule::Below(1.0)),
            r.kurtosis_ratio_10s_1s,
        ),
        (
            measure(
                4,
                "kurtosis_ratio_1min_10s",
                "kurtosis 1 min / kurtosis 10 s",
                Rule::Below(1.0),
            ),
            r.kurtosis_ratio_1min_10s,
        ),
        (
            measure(5, "spread_mean", "mean spread, ticks (time-weighted)", Rule::Factor(2.0)),
            m.spread.mean_ticks,
        ),
    ];

    for (i, (key, label)) in SPREAD_KEYS.iter().enumerate() {
        rows.push((measure(5, key, label, Rule::Info), m.spread.buckets.map(|b| b[i])));
    }

    let s = &m.sizes;
    rows.extend([
        (measure(6, "size_median", "median new order size, lots or shares", Rule::Info), s.median),
        (
            measure(6, "size_p90", "90th percentile / median size", Rule::Factor(2.0)),
            s.p90_over_median,
        ),
        (
            measure(6, "size_p99", "99th percentile / median size", Rule::Factor(2.0)),
            s.p99_over_median,
        ),
        (
            measure(6, "round_10", "share of sizes >= 10 at multiples of 10", Rule::Within(0.2)),
            s.round_10,
        ),
        (
            measure(6, "round_100", "share of sizes >= 100 at multiples of 100", Rule::Info),
            s.round_100,
        ),
        (
            measure(7, "gap_mean", "mean gap between new orders, s", Rule::Info),
            m.arrivals.mean_gap_s,
        ),
        (
            measure(7, "gap_cv", "coefficient of variation of the gaps", Rule::Factor(2.0)),
            m.arrivals.cv,
        ),
        (
            measure(8, "cancels_per_trade", "cancellations per execution", Rule::Factor(2.0)),
            m.ratios.cancels_per_trade,
        ),
        (
            measure(8, "orders_per_trade", "new orders per execution", Rule::Factor(2.0)),
            m.ratios.orders_per_trade,
        ),
        (
            measure(9, "lifetime_median", "median lifetime of orders, s", Rule::Factor(3.0)),
            m.lifetimes.median_lifetime_s,
        ),
        (
            measure(9, "first_fill_median", "median time to first fill, s", Rule::Factor(3.0)),
            m.lifetimes.median_first_fill_s,
        ),
        (
            measure(9, "filled_share", "share of new orders that trade", Rule::Within(0.15)),
            m.lifetimes.filled_share,
        ),
        (
            measure(10, "touch_depth", "depth at the touch, median order sizes", Rule::Factor(2.0)),
            m.depth.touch_in_median_sizes,
        ),
    ]);

    for (i, (key, label)) in DEPTH_KEYS.iter().enumerate() {
        rows.push((measure(10, key, label, Rule::Factor(2.0)), m.depth.profile[i]));
    }

    let d = &m.intraday;
    rows.extend([
        (
            measure(
                11,
                "intraday_opening",
                "activity in the opening 13th / session mean",
                Rule::Info,
            ),
            d.opening,
        ),
        (
            measure(
                11,
                "intraday_closing",
                "activity in the closing 13th / session mean",
                Rule::Info,
            ),
            d.closing,
        ),
        (
            measure(11, "intraday_midday", "activity in the middle 13ths (5-9) / mean", Rule::Info),
            d.midday,
        ),
        (
            measure(11, "u_ratio", "U ratio: opening and closing / middle", Rule::Factor(1.5)),
            d.u_ratio,
        ),
        (
            measure(
                12,
                "volume_volatility",
                "corr. of volume and realised vol., per minute",
                Rule::Within(0.3),
            ),
            r.volume_volatility,
        ),
    ]);
    rows
}

/// The keys and labels of the spread buckets.
const SPREAD_KEYS: [(&str, &str); 6] = [
    ("spread_1", "share of time at 1 tick"),
    ("spread_2", "share of time at 2 ticks"),
    ("spread_3_4", "share of time at 3-4 ticks"),
    ("spread_5_8", "share of time at 5-8 ticks"),
    ("spread_9_16", "share of time at 9-16 ticks"),
    ("spread_17", "share of time at 17 ticks or more"),
];

/// The keys and labels of the depth profile, one per entry of
/// [`PROFILE_DISTANCES`].
const DEPTH_KEYS: [(&str, &str); PROFILE_DISTANCES.len()] = [
    ("depth_1", "depth 1 tick behind the touch / touch"),
    ("depth_2", "depth 2 ticks behind / touch"),
    ("depth_3", "depth 3 ticks behind / touch"),
    ("depth_4", "depth 4 ticks behind / touch"),
    ("depth_5_9", "depth 5-9 ticks behind (mean) / touch"),
];

/// A measure that exists only in a comparison: its value, and whether the
/// real data had what it needs (if not, it is not applicable, whatever
/// the simulation did).
struct Joint {
    spec: Measure,
    value: Option<f64>,
    real_available: bool,
}

/// The measures that exist only in a comparison.
fn comparison_measures(sim: &Measurements, real: &Measurements) -> [Joint; 2] {
    let spread = sim.spread.buckets.zip(real.spread.buckets).map(|(a, b)| total_variation(&a, &b));
    [
        Joint {
            spec: measure(
                5,
                "spread_distance",
                "distance of the spread distributions (TV)",
                Rule::Below(0.3),
            ),
            value: spread,
            real_available: real.spread.buckets.is_some(),
        },
        Joint {
            spec: measure(11, "intraday_distance", "mean difference of the 13 slices", Rule::Info),
            value: sim.intraday.distance(&real.intraday),
            real_available: real.intraday.profile.is_some(),
        },
    ]
}

/// Where a session's figures come from, for the table's header and the
/// JSON document.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SourceInfo {
    /// `simulated` or `lobster`.
    pub kind: &'static str,
    /// The scenario, for a simulation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
    /// The seed, for a simulation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// The instrument, for a simulation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instrument: Option<String>,
    /// The message file, for real data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub messages: Option<String>,
    /// The order book file, for real data when one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub orderbook: Option<String>,
    /// Levels per side of the real files, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub levels: Option<usize>,
    /// Where the mid, spread and depth come from.
    pub book: String,
    /// Which order messages were seen.
    pub view: String,
    /// What the figures rest on.
    pub counts: Counts,
}

/// The facts of one session.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FactTable {
    /// Where the figures come from.
    pub source: SourceInfo,
    /// One entry per measure.
    pub rows: Vec<TableRow>,
    /// The distribution and memory of the session's 1 s returns, which
    /// `surveil report --facts` draws.
    pub return_series: Vec<ReturnSeries>,
}

/// One measure of one session.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TableRow {
    /// The fact, from 1 to 12.
    pub fact: u8,
    /// The key of the measure.
    pub key: &'static str,
    /// What it is.
    pub measure: &'static str,
    /// Its value; `null` when undefined.
    pub value: Option<f64>,
}

/// A simulated session set against a real one.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    /// The simulated session.
    pub simulated: SourceInfo,
    /// The real session.
    pub real: SourceInfo,
    /// One entry per measure.
    pub rows: Vec<ComparedRow>,
    /// One verdict per fact.
    pub facts: Vec<FactVerdict>,
    /// The facts that pass.
    pub passed: usize,
    /// The facts that fail.
    pub failed: usize,
    /// The distribution and memory of both sessions' 1 s returns, the
    /// simulation's first, which `surveil report --facts` draws.
    pub return_series: Vec<ReturnSeries>,
}

/// One measure of both sessions.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ComparedRow {
    /// The fact, from 1 to 12.
    pub fact: u8,
    /// The key of the measure.
    pub key: &'static str,
    /// What it is.
    pub measure: &'static str,
    /// The simulated value; `null` when undefined.
    pub simulated: Option<f64>,
    /// The real value; `null` when undefined, or for a measure of the
    /// comparison itself.
    pub real: Option<f64>,
    /// The rule, in words; empty for a measure shown for reading.
    pub tolerance: String,
    /// The outcome; `null` for a measure shown for reading.
    pub verdict: Option<Verdict>,
}

/// The verdict on one fact.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FactVerdict {
    /// The fact, from 1 to 12.
    pub fact: u8,
    /// Its name.
    pub name: &'static str,
    /// Pass when every judged measure passes, fail when any fails.
    pub verdict: Verdict,
}

impl FactTable {
    /// Builds the table of one session.
    pub fn new(source: SourceInfo, m: &Measurements) -> FactTable {
        let rows = measures(m)
            .into_iter()
            .map(|(spec, value)| TableRow {
                fact: spec.fact,
                key: spec.key,
                measure: spec.label,
                value,
            })
            .collect();
        let return_series = vec![labelled(&source, m)];
        FactTable { source, rows, return_series }
    }

    /// Renders the table as one JSON document, ending in a newline.
    pub fn to_json(&self) -> String {
        json(self)
    }

    /// Renders the table for a terminal; the text ends in a newline.
    pub fn render(&self) -> String {
        let mut out = String::new();
        write_source(&mut out, "source", &self.source);
        out.push('\n');
        let mut grid = vec![cells(&["fact", "measure", "value"])];
        for (i, row) in self.rows.iter().enumerate() {
            let first = i == 0 || self.rows[i - 1].fact != row.fact;
            grid.push(vec![fact_cell(row.fact, first), row.measure.to_owned(), value(row.value)]);
        }
        write_grid(&mut out, &grid, &[false, false, true]);
        out
    }
}

impl Comparison {
    /// Sets a simulated session against a real one.
    pub fn new(
        simulated: SourceInfo,
        sim: &Measurements,
        real: SourceInfo,
        reality: &Measurements,
    ) -> Comparison {
        let row = |spec: Measure, simulated, real, verdict| ComparedRow {
            fact: spec.fact,
            key: spec.key,
            measure: spec.label,
            simulated,
            real,
            tolerance: spec.rule.to_string(),
            verdict,
        };
        let mut rows: Vec<ComparedRow> = measures(sim)
            .into_iter()
            .zip(measures(reality))
            .map(|((spec, s), (_, r))| row(spec, s, r, spec.rule.judge(s, r)))
            .collect();
        // The comparison's own measures go last in their fact.
        for joint in comparison_measures(sim, reality) {
            let Joint { spec, value, real_available } = joint;
            let verdict = match spec.rule {
                Rule::Info => None,
                _ if !real_available => Some(Verdict::NotApplicable),
                rule => rule.judge(value, None),
            };
            let at = rows.iter().rposition(|r| r.fact == spec.fact).map_or(rows.len(), |i| i + 1);
            rows.insert(at, row(spec, value, None, verdict));
        }

        let facts: Vec<FactVerdict> = (1..=FACTS.len() as u8)
            .map(|fact| {
                let verdicts = rows.iter().filter(|r| r.fact == fact).filter_map(|r| r.verdict);
                let verdict = verdicts.fold(Verdict::NotApplicable, |acc, v| match (acc, v) {
                    (Verdict::Fail, _) | (_, Verdict::Fail) => Verdict::Fail,
                    (Verdict::Pass, _) | (_, Verdict::Pass) => Verdict::Pass,
                    _ => Verdict::NotApplicable,
                });
                FactVerdict { fact, name: FACTS[usize::from(fact) - 1], verdict }
            })
            .collect();
        let count = |v: Verdict| facts.iter().filter(|f| f.verdict == v).count();
        let return_series = vec![labelled(&simulated, sim), labelled(&real, reality)];
        Comparison {
            return_series,
            simulated,
            real,
            passed: count(Verdict::Pass),
            failed: count(Verdict::Fail),
            rows,
            facts,
        }
    }

    /// Renders the comparison as one JSON document, ending in a newline.
    pub fn to_json(&self) -> String {
        json(self)
    }

    /// Renders the comparison for a terminal: the two sources, the table,
    /// then the verdict per fact. The text ends in a newline.
    pub fn render(&self) -> String {
        let mut out = String::new();
        write_source(&mut out, "simulated", &self.simulated);
        write_source(&mut out, "real", &self.real);
        out.push('\n');
        let mut grid =
            vec![cells(&["fact", "measure", "simulated", "real", "tolerance", "verdict"])];
        for (i, row) in self.rows.iter().enumerate() {
            let first = i == 0 || self.rows[i - 1].fact != row.fact;
            grid.push(vec![
                fact_cell(row.fact, first),
                row.measure.to_owned(),
                value(row.simulated),
                value(row.real),
                row.tolerance.clone(),
                row.verdict.map_or(String::new(), |v| v.word().to_owned()),
            ]);
        }
        write_grid(&mut out, &grid, &[false, false, true, true, false, false]);

        out.push('\n');
        let list = |v: Verdict| {
            let facts: Vec<String> =
                self.facts.iter().filter(|f| f.verdict == v).map(|f| f.fact.to_string()).collect();
            if facts.is_empty() { "none".to_owned() } else { facts.join(", ") }
        };
        let _ = writeln!(
            out,
            "verdict    {} of {} facts pass; passing: {}; failing: {}; not applicable: {}",
            self.passed,
            self.facts.len(),
            list(Verdict::Pass),
            list(Verdict::Fail),
            list(Verdict::NotApplicable)
        );
        if self.rows.iter().any(|r| r.verdict == Some(Verdict::NotApplicable)) {
            let why = match (&self.real.orderbook, self.real.levels) {
                (None, _) => "without its order book file it shows no prices at all".to_owned(),
                (Some(_), Some(levels)) => format!(
                    "its order book file holds {levels} level{} per side, too few for the \
                     depth behind the touch",
                    if levels == 1 { "" } else { "s" }
                ),
                (Some(_), None) => "its order book file does not show that far".to_owned(),
            };
            let _ = writeln!(out, "n/a        the real data cannot give this measure: {why}");
        }
        out
    }
}

/// Writes the header lines that describe one source.
fn write_source(out: &mut String, title: &str, source: &SourceInfo) {
    let c = &source.counts;
    let what = match (&source.scenario, &source.messages) {
        (Some(scenario), _) => format!(
            "scenario {scenario} (seed {}), instrument {}",
            source.seed.unwrap_or_default(),
            source.instrument.as_deref().unwrap_or("-")
        ),
        (None, Some(messages)) => messages.clone(),
        (None, None) => String::new(),
    };
    let _ = writeln!(out, "{title:<10} {what}, {} s", number(c.session_s));
    let _ = writeln!(out, "{:<10} book: {}; {}", "", source.book, source.view);
    let _ = writeln!(
        out,
        "{:<10} {} one-second returns, {} new orders, {} cancellations, {} executions",
        "", c.returns_1s, c.new_orders, c.cancellations, c.trades
    );
}

/// The first cell of a row: the fact's number and name on its first row.
fn fact_cell(fact: u8, first: bool) -> String {
    if first { format!("{fact:>2} {}", FACTS[usize::from(fact) - 1]) } else { String::new() }
}

fn cells(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| (*w).to_owned()).collect()
}

/// Writes rows of cells as aligned columns, numbers right-aligned, with
/// two spaces between columns and no trailing spaces.
fn write_grid(out: &mut String, grid: &[Vec<String>], right: &[bool]) {
    let columns = right.len();
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            grid.iter().map(|row| row.get(c).map_or(0, |s| s.chars().count())).max().unwrap_or(0)
        })
        .collect();
    for row in grid {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            if c > 0 {
                line.push_str("  ");
            }
            let pad = widths[c].saturating_sub(cell.chars().count());
            if right[c] {
                line.push_str(&" ".repeat(pad));
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.push_str(&" ".repeat(pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
}

/// Formats a value for the table: `-` when undefined.
fn value(x: Option<f64>) -> String {
    x.map_or_else(|| "-".to_owned(), number)
}

/// Formats a number with about three significant digits.
pub fn number(x: f64) -> String {
    let a = x.abs();
    if a >= 100.0 || x == x.trunc() && a < 1e15 {
        format!("{x:.0}")
    } else if a >= 10.0 {
        format!("{x:.1}")
    } else if a >= 1.0 {
        format!("{x:.2}")
    } else if a >= 0.001 {
        format!("{x:.3}")
    } else {
        format!("{x:.1e}")
    }
}

/// Returns a session's return statistics named after their source: the
/// scenario, seed and instrument of a simulation, the file of a real day.
fn labelled(source: &SourceInfo, m: &Measurements) -> ReturnSeries {
    let label = match (&source.scenario, source.seed, &source.instrument, &source.messages) {
        (Some(scenario), Some(seed), Some(instrument), _) => {
            format!("simulated {scenario} (seed {seed}) {instrument}")
        }
        (_, _, _, Some(messages)) => {
            let file = std::path::Path::new(messages)
                .file_name()
                .map_or_else(|| messages.clone(), |name| name.to_string_lossy().into_owned());
            format!("real {file}")
        }
        _ => source.kind.to_owned(),
    };
    ReturnSeries { label, ..m.return_series.clone() }
}

fn json<T: Serialize>(value: &T) -> String {
    // The documents hold strings, integers, floats (never NaN: undefined
    // values are None), lists and structs, none of which serde_json
    // refuses; a failure would still come out as a JSON error message.
    let mut text =
        serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_judge_as_their_words_say() {
        assert_eq!(Rule::Factor(2.0).judge(Some(5.0), Some(10.0)), Some(Verdict::Pass));
        assert_eq!(Rule::Factor(2.0).judge(Some(4.9), Some(10.0)), Some(Verdict::Fail));
        assert_eq!(Rule::Factor(2.0).judge(Some(20.0), Some(10.0)), Some(Verdict::Pass));
        assert_eq!(Rule::Factor(2.0).judge(Some(-1.0), Some(10.0)), Some(Verdict::Fail));
        assert_eq!(Rule::Factor(2.0).judge(Some(1.0), Some(-1.0)), Some(Verdict::NotApplicable));
        assert_eq!(Rule::Within(0.1).judge(Some(0.25), Some(0.3)), Some(Verdict::Pass));
        assert_eq!(Rule::Within(0.1).judge(Some(0.45), Some(0.3)), Some(Verdict::Fail));
        assert_eq!(Rule::Below(1.0).judge(Some(0.5), None), Some(Verdict::Pass));
        assert_eq!(Rule::Below(1.0).judge(Some(1.0), Some(0.1)), Some(Verdict::Fail));
        assert_eq!(Rule::Above(1.0).judge(Some(1.5), None), Some(Verdict::Pass));
        assert_eq!(Rule::Within(0.1).judge(None, Some(0.3)), Some(Verdict::Fail));
        assert_eq!(Rule::Within(0.1).judge(Some(0.3), None), Some(Verdict::NotApplicable));
        assert_eq!(Rule::Info.judge(Some(1.0), Some(2.0)), None);
        assert_eq!(Rule::Factor(3.0).to_string(), "within x3");
        assert_eq!(Rule::Within(0.15).to_string(), "within 0.15");
    }

    #[test]
    fn numbers_keep_about_three_significant_digits() {
        let shown: Vec<String> =
            [35.54, 3.6927, 0.02512, 1234.6, 2.0, -0.4, 0.0004].map(number).into();
        assert_eq!(shown, ["35.5", "3.69", "0.025", "1235", "2", "-0.400", "4.0e-4"]);
    }
}
