//! The HTML report: one self-contained page with every chart as inline
//! SVG, and the same charts as PNG files beside it.
//!
//! The page loads nothing from outside: no script, no style sheet, no
//! font, no image; it reads the same offline. Every file is written under
//! a temporary name in the output directory and renamed once complete, the
//! page last, so a `report.html` that exists always comes with its PNGs,
//! and an interrupted run leaves no file that looks finished.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use crate::charts::{self, Chart};
use crate::error::ReportError;
use crate::{RunReport, render_table};

/// The page's file name in the output directory.
pub const PAGE: &str = "report.html";

/// What [`write_report`] wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WrittenReport {
    /// The page.
    pub page: PathBuf,
    /// The PNG charts, in page order.
    pub pngs: Vec<PathBuf>,
}

/// Renders the page: a summary of the run, the score table and every
/// chart the document holds data for, each with a caption.
///
/// # Errors
///
/// Returns [`ReportError::Draw`] when a chart cannot be drawn.
pub fn render_page(report: &RunReport) -> Result<String, ReportError> {
    let charts = charts::charts(report);
    let mut page = String::new();
    let title = format!("surveil report: {} seed {}", report.scenario, report.seed);
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        escape(&title),
        escape(&title)
    );

    page.push_str("<nav><ul>\n<li><a href=\"#scores-table\">Score table</a></li>\n");
    for chart in &charts {
        let _ = writeln!(
            page,
            "<li><a href=\"#{}\">{}</a></li>",
            escape(&chart.name),
            escape(&chart.title)
        );
    }
    page.push_str("</ul></nav>\n");

    if report.charts == crate::series::ChartData::default() {
        page.push_str(
            "<p class=\"note\">This results document holds no chart data: it was written \
             before reports had charts. Run the scenario again to get them.</p>\n",
        );
    }
    let _ = write!(
        page,
        "<section id=\"scores-table\">\n<h2>Score table</h2>\n<pre>{}</pre>\n</section>\n",
        escape(&render_table(report))
    );
    for chart in &charts {
        let svg = charts::render_svg(chart, report)?;
        let _ = write!(
            page,
            "<section id=\"{}\">\n<h2>{}</h2>\n<figure>\n{}\n<figcaption>{}</figcaption>\n\
             </figure>\n</section>\n",
            escape(&chart.name),
            escape(&chart.title),
            svg.trim(),
            escape(&chart.caption)
        );
    }
    let _ = write!(
        page,
        "<footer>Written by surveil {} from the results document of this run; digest {}.\
         </footer>\n</body>\n</html>\n",
        escape(&report.surveil_version),
        escape(&report.digest)
    );
    Ok(page)
}

/// Writes the page and one PNG per chart into `dir`, creating it if
/// needed; files already there under the same names are replaced.
///
/// # Errors
///
/// Returns [`ReportError::Draw`] when a chart cannot be drawn and
/// [`ReportError::Write`] when a file cannot be written; whatever was
/// not complete is removed.
pub fn write_report(report: &RunReport, dir: &Path) -> Result<WrittenReport, ReportError> {
    fs::create_dir_all(dir).map_err(|e| write_error(dir, &e))?;

    // Everything is drawn before anything is written, so a chart that
    // cannot be drawn leaves the directory as it was.
    let page = render_page(report)?;
    let charts: Vec<(Chart, Vec<u8>)> = charts::charts(report)
        .into_iter()
        .map(|chart| charts::render_png(&chart, report).map(|png| (chart, png)))
        .collect::<Result<_, _>>()?;

    let mut pngs = Vec::new();
    for (chart, png) in &charts {
        let path = dir.join(format!("{}.png", chart.name));
        write_atomically(&path, png)?;
        pngs.push(path);
    }
    let page_path = dir.join(PAGE);
    write_atomically(&page_path, page.as_bytes())?;
    Ok(WrittenReport { page: page_path, pngs })
}

/// Writes `bytes` to a temporary name beside `path` and renames it to
/// `path` once complete, removing the temporary file on failure.
///
/// # Errors
///
/// Returns [`ReportError::Write`] naming `path`.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temporary = path.with_file_name(format!(".{name}.partial"));
    let written = fs::write(&temporary, bytes).and_then(|()| fs::rename(&temporary, path));
    written.map_err(|e| {
        let _ = fs::remove_file(&temporary);
        write_error(path, &e)
    })
}

fn write_error(path: &Path, err: &std::io::Error) -> ReportError {
    ReportError::Write { path: path.display().to_string(), message: err.to_string() }
}

/// Escapes text for HTML content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The page's own style sheet, inline so the page needs nothing else.
pub(crate) const STYLE: &str = "
body { font-family: sans-serif; margin: 2em auto; max-width: 1180px; padding: 0 1em;
       color: #222; }
h1 { font-size: 1.6em; }
h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ccc; }
pre { font-size: 12px; overflow-x: auto; background: #f7f7f7; padding: 1em; }
figure { margin: 0; }
figure svg { max-width: 100%; height: auto; display: block; }
figcaption { color: #444; margin-top: 0.5em; line-height: 1.4; }
nav ul { columns: 2; }
.note { background: #fff4e0; padding: 0.8em; }
footer { margin-top: 3em; color: #666; font-size: 0.9em; }
";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::tests::report;

    #[test]
    fn page_holds_one_svg_per_chart_and_loads_nothing_from_outside() {
        let report = report();
        let page = render_page(&report).unwrap();
        let charts = charts::charts(&report);
        assert_eq!(page.matches("<svg").count(), charts.len());
        // Two instruments, scores, delays, curves, volume and two facts.
        assert_eq!(charts.len(), 8, "{charts:?}");
        for outside in ["<script", "<link", "<img", "src=", "@import", "url("] {
            assert!(!page.contains(outside), "the page refers to `{outside}`");
        }
        assert!(page.contains("<title>surveil report: default seed 42</title>"));
    }

    #[test]
    fn page_of_a_document_without_charts_says_so() {
        let mut report = report();
        report.charts = crate::series::ChartData::default();
        let page = render_page(&report).unwrap();
        // The score chart needs only the scores.
        assert_eq!(page.matches("<svg").count(), 1);
        assert!(page.contains("holds no chart data"));
    }

    #[test]
    fn rendering_is_deterministic() {
        let report = report();
        assert_eq!(render_page(&report).unwrap(), render_page(&report).unwrap());
        let chart = &charts::charts(&report)[0];
        assert_eq!(
            charts::render_png(chart, &report).unwrap(),
            charts::render_png(chart, &report).unwrap()
        );
    }

    #[test]
    fn report_directory_gets_the_page_and_a_png_per_chart_and_no_partial_file() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("nested").join("report");
        let written = write_report(&report(), &out).unwrap();

        assert_eq!(written.page, out.join(PAGE));
        assert_eq!(written.pngs.len(), 8);
        for png in &written.pngs {
            let bytes = fs::read(png).unwrap();
            assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "{} is no PNG", png.display());
        }
        let leftovers: Vec<_> = fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".partial"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    #[test]
    fn unwritable_directory_is_named_in_the_error() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        fs::write(&blocker, "not a directory").unwrap();
        let err = write_report(&report(), &blocker.join("report")).unwrap_err();
        assert!(matches!(err, ReportError::Write { .. }), "{err}");
        assert!(err.to_string().contains("file"), "{err}");
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
    }
}
