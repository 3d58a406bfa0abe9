//! The summary of a sweep: each point of a grid of scenarios and
//! parameters, summarised over its seeds, and the HTML page that charts
//! every detector's F1, recall and delay against each swept parameter.
//!
//! The summary holds no wall-clock figure, so the summary of a sweep is
//! the same bytes however it was run: in one process or in shards merged
//! afterwards, on one worker or many.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::charts::sweep as chart;
use crate::error::ReportError;
use crate::html::{PAGE, STYLE, escape, write_atomically};
use crate::seeds::Interval;

/// One swept key and its values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepAxis {
    /// The dotted key as the spec writes it, such as `api_share`.
    pub key: String,
    /// Its values as the spec writes them, in order.
    pub values: Vec<String>,
    /// Whether every value is a number.
    pub numeric: bool,
}

/// One detector and kind at one point of the grid, over its seeds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepGroup {
    /// The scenario as the spec names it.
    pub scenario: String,
    /// The value of each axis, in the order of [`SweepSummary::axes`].
    pub values: Vec<String>,
    /// The detector.
    pub detector: String,
    /// The abuse kind.
    pub kind: String,
    /// The seeds that ran.
    pub seeds: u64,
    /// Precision over the seeds.
    pub precision: Interval,
    /// Recall over the seeds.
    pub recall: Interval,
    /// F1 over the seeds.
    pub f1: Interval,
    /// Median detection delay over the seeds, in simulated milliseconds.
    pub delay_p50_ms: Interval,
    /// Honest accounts flagged per 1,000 over the seeds.
    pub false_flags_per_1k_honest: Interval,
    /// The API share the runs reached, over the seeds.
    pub algo_share: Interval,
}

/// A cell that failed, with its error.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FailedCell {
    /// Its position in the grid.
    pub cell: u64,
    /// The scenario, axis values and seed, in one line.
    pub describe: String,
    /// Why it failed.
    pub error: String,
}

/// The summary of a sweep.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepSummary {
    /// The version of surveil that ran the cells.
    pub surveil_version: String,
    /// The digest of the spec the cells came from.
    pub spec_fingerprint: String,
    /// Cells summarised (including failed ones).
    pub cells: u64,
    /// Cells that ran.
    pub cells_ok: u64,
    /// The swept keys.
    pub axes: Vec<SweepAxis>,
    /// One group per grid point, detector and kind, in grid order.
    pub groups: Vec<SweepGroup>,
    /// Cells that failed, in grid order.
    pub failed: Vec<FailedCell>,
}

/// The realistic share of traded value from API orders, marked on charts
/// against `api_share`.
pub const REALISTIC_API_SHARE: f64 = 0.30;

impl SweepSummary {
    /// Returns the summary as pretty-printed JSON ending in a newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self)
            .expect("a sweep summary is plain data that always serialises");
        text.push('\n');
        text
    }

    /// Renders the page: what was swept, the failed cells if any, and one
    /// chart per axis.
    ///
    /// # Errors
    ///
    /// Returns [`ReportError::Draw`] when a chart cannot be drawn.
    pub fn render_page(&self) -> Result<String, ReportError> {
        let mut page = String::new();
        let title = "surveil sweep report";
        let _ = write!(
            page,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{title}</h1>\n"
        );
        let _ = writeln!(
            page,
            "<p>{} cells, {} ran, {} failed. Swept: {}.</p>",
            self.cells,
            self.cells_ok,
            self.failed.len(),
            escape(&self.axes.iter().map(|a| a.key.as_str()).collect::<Vec<_>>().join(", "))
        );
        if !self.failed.is_empty() {
            page.push_str("<section id=\"failed\">\n<h2>Failed cells</h2>\n<pre>");
            for f in &self.failed {
                let _ = writeln!(page, "{} {}: {}", f.cell, escape(&f.describe), escape(&f.error));
            }
            page.push_str("</pre>\n</section>\n");
        }
        for (i, axis) in self.axes.iter().enumerate() {
            let svg = chart::render_svg(self, i)?;
            let _ = write!(
                page,
                "<section id=\"{}\">\n<h2>F1, recall and delay against {}</h2>\n<figure>\n{}\n\
                 <figcaption>{}</figcaption>\n</figure>\n</section>\n",
                escape(&chart::file_name(axis)),
                escape(&axis.key),
                svg.trim(),
                escape(chart::CAPTION)
            );
        }
        let _ = write!(
            page,
            "<footer>Written by surveil {} from the cells of spec {}.</footer>\n</body>\n</html>\n",
            escape(&self.surveil_version),
            escape(&self.spec_fingerprint)
        );
        Ok(page)
    }

    /// Writes the page and one PNG per axis into `dir`, each through a
    /// temporary file, the page last.
    ///
    /// # Errors
    ///
    /// Returns [`ReportError`] when a chart cannot be drawn or a file
    /// cannot be written.
    pub fn write_report(&self, dir: &Path) -> Result<(), ReportError> {
        fs::create_dir_all(dir).map_err(|e| ReportError::Write {
            path: dir.display().to_string(),
            message: e.to_string(),
        })?;
        let page = self.render_page()?;
        for (i, axis) in self.axes.iter().enumerate() {
            let png = chart::render_png(self, i)?;
            write_atomically(&dir.join(format!("{}.png", chart::file_name(axis))), &png)?;
        }
        write_atomically(&dir.join(PAGE), page.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn summary() -> SweepSummary {
        let interval = |m: f64| Interval { n: 2, mean: Some(m), half_width: Some(0.05) };
        let mut groups = Vec::new();
        for (i, share) in ["0.1", "0.3", "0.6"].iter().enumerate() {
            for (d, detector) in ["spoof_cancel", "random"].iter().enumerate() {
                let f1 = 0.2 * i as f64 + 0.3 * (1 - d) as f64;
                groups.push(SweepGroup {
                    scenario: "small".to_owned(),
                    values: vec![(*share).to_owned()],
                    detector: (*detector).to_owned(),
                    kind: "spoofing".to_owned(),
                    seeds: 2,
                    precision: interval(f1),
                    recall: interval(f1),
                    f1: interval(f1),
                    delay_p50_ms: interval(1000.0 * (i + 1) as f64),
                    false_flags_per_1k_honest: interval(1.0),
                    algo_share: interval(0.3),
                });
            }
        }
        SweepSummary {
            surveil_version: "0.1.0".to_owned(),
            spec_fingerprint: "ab".repeat(32),
            cells: 6,
            cells_ok: 6,
            axes: vec![SweepAxis {
                key: "api_share".to_owned(),
                values: vec!["0.1".to_owned(), "0.3".to_owned(), "0.6".to_owned()],
                numeric: true,
            }],
            groups,
            failed: Vec::new(),
        }
    }

    #[test]
    fn the_page_has_one_chart_per_axis_and_is_deterministic() {
        let summary = summary();
        let page = summary.render_page().unwrap();
        assert_eq!(page.matches("<svg").count(), 1);
        assert!(page.contains("against api_share"));
        assert_eq!(page, summary.render_page().unwrap());
        let dir = tempfile::tempdir().unwrap();
        summary.write_report(dir.path()).unwrap();
        let png = fs::read(dir.path().join("sweep-api_share.png")).unwrap();
        assert!(png.starts_with(b"\x89PNG"));
    }
}
