//! The report's charts, drawn with plotters from a results document.
//!
//! Each chart is drawn by one function generic over the plotters backend,
//! so the SVG in the page and the PNG beside it come from the same code.
//! Text is laid out and, in PNGs, rasterised with DejaVu Sans, compiled
//! into the binary ([`FONT`]), so charts draw the same on a machine with
//! no system fonts; the SVGs name the family `sans-serif` and leave the
//! browser to pick its own. A chart is listed only when the document holds
//! its data: the facts charts only when the run carries them, and no chart
//! at all from a document written before charts existed.

mod delays;
mod facts;
mod pr;
mod scores;
mod style;
pub(crate) mod sweep;
mod timeline;
mod volume;

use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::RunReport;
use crate::error::ReportError;

/// DejaVu Sans, unmodified; its licence, which allows redistributing it
/// inside software, is `reports/fonts/LICENSE-DejaVu.txt`.
pub const FONT: &[u8] = include_bytes!("../../fonts/DejaVuSans.ttf");

/// One chart of the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chart {
    /// A file name stem, unique in the report, such as `scores`.
    pub name: String,
    /// The chart's title, for the page's heading.
    pub title: String,
    /// One paragraph on how to read it.
    pub caption: String,
    /// Width and height in pixels.
    pub size: (u32, u32),
    what: What,
}

/// What a chart draws.
#[derive(Clone, Debug, PartialEq, Eq)]
enum What {
    Timeline(usize),
    Scores,
    Delays,
    PrCurves,
    Volume,
    ReturnDistribution,
    AbsReturnAcf,
}

/// The result of drawing on a plotters backend.
type Drawn<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// Lists the charts the document holds data for, in page order.
pub fn charts(report: &RunReport) -> Vec<Chart> {
    let data = &report.charts;
    let mut list = Vec::new();
    let chart = |name: String, title: String, caption: &str, size, what| Chart {
        name,
        title,
        caption: caption.to_owned(),
        size,
        what,
    };
    for (i, series) in data.series.iter().enumerate() {
        list.push(chart(
            format!("market-{}", file_stem(&series.symbol)),
            format!("{}: price, traded value, episodes and alerts", series.symbol),
            timeline::CAPTION,
            (1100, 860),
            What::Timeline(i),
        ));
    }
    if !report.detectors.is_empty() {
        list.push(chart(
            "scores".to_owned(),
            "Precision, recall and F1 by kind".to_owned(),
            scores::CAPTION,
            (1100, 640),
            What::Scores,
        ));
    }
    if data.delays.iter().any(|d| !d.delays_ms.is_empty()) {
        list.push(chart(
            "delays".to_owned(),
            "Detection delays".to_owned(),
            delays::CAPTION,
            (1100, 520),
            What::Delays,
        ));
    }
    if !data.pr_curves.is_empty() {
        list.push(chart(
            "pr-curves".to_owned(),
            "Precision-recall curves".to_owned(),
            pr::CAPTION,
            (1100, 640),
            What::PrCurves,
        ));
    }
    if !data.volume_by_class.is_empty() {
        list.push(chart(
            "volume-by-class".to_owned(),
            "Traded value by participant class".to_owned(),
            volume::CAPTION,
            (1100, 480),
            What::Volume,
        ));
    }
    if data.facts.as_ref().is_some_and(|f| !f.sessions.is_empty()) {
        list.push(chart(
            "returns".to_owned(),
            "Return distribution against a normal one".to_owned(),
            facts::RETURNS_CAPTION,
            (1100, 520),
            What::ReturnDistribution,
        ));
        list.push(chart(
            "abs-return-acf".to_owned(),
            "Autocorrelation of absolute returns".to_owned(),
            facts::ACF_CAPTION,
            (1100, 480),
            What::AbsReturnAcf,
        ));
    }
    list
}

/// Draws a chart as an SVG document.
///
/// # Errors
///
/// Returns [`ReportError::Draw`] when plotters refuses to draw it.
pub fn render_svg(chart: &Chart, report: &RunReport) -> Result<String, ReportError> {
    register_font();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, chart.size).into_drawing_area();
        draw(chart, report, &root).map_err(|e| draw_error(chart, &e))?;
        root.present().map_err(|e| draw_error(chart, &e))?;
    }
    Ok(svg)
}

/// Draws a chart as a PNG image.
///
/// # Errors
///
/// Returns [`ReportError::Draw`] when plotters refuses to draw it or the
/// image cannot be encoded.
pub fn render_png(chart: &Chart, report: &RunReport) -> Result<Vec<u8>, ReportError> {
    register_font();
    let (width, height) = chart.size;
    let mut pixels = vec![0u8; width as usize * height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, chart.size).into_drawing_area();
        draw(chart, report, &root).map_err(|e| draw_error(chart, &e))?;
        root.present().map_err(|e| draw_error(chart, &e))?;
    }
    encode_png(&chart.name, &pixels, chart.size)
}

/// Encodes RGB pixels as a PNG; `name` names the chart in errors.
pub(crate) fn encode_png(
    name: &str,
    pixels: &[u8],
    (width, height): (u32, u32),
) -> Result<Vec<u8>, ReportError> {
    // The best compression keeps the PNGs small enough to commit and
    // mail; encoding a chart takes a fraction of a second.
    let mut png = Vec::new();
    let encoder = image::codecs::png::PngEncoder::new_with_quality(
        &mut png,
        image::codecs::png::CompressionType::Best,
        image::codecs::png::FilterType::Adaptive,
    );
    image::ImageEncoder::write_image(
        encoder,
        pixels,
        width,
        height,
        image::ExtendedColorType::Rgb8,
    )
    .map_err(|e| ReportError::Draw { chart: name.to_owned(), message: e.to_string() })?;
    Ok(png)
}

fn draw<DB: DrawingBackend>(
    chart: &Chart,
    report: &RunReport,
    root: &DrawingArea<DB, Shift>,
) -> Drawn<DB> {
    root.fill(&WHITE)?;
    let data = &report.charts;
    match chart.what {
        What::Timeline(i) => timeline::draw(root, report, &data.series[i]),
        What::Scores => scores::draw(root, report),
        What::Delays => delays::draw(root, report),
        What::PrCurves => pr::draw(root, report),
        What::Volume => volume::draw(root, report),
        What::ReturnDistribution => facts::draw_returns(root, report),
        What::AbsReturnAcf => facts::draw_acf(root, report),
    }
}

fn draw_error<E: std::error::Error>(chart: &Chart, err: &E) -> ReportError {
    ReportError::Draw { chart: chart.name.clone(), message: err.to_string() }
}

/// Registers the embedded font once per process, for every family name
/// the charts use.
pub(crate) fn register_font() {
    static REGISTERED: OnceLock<()> = OnceLock::new();
    REGISTERED.get_or_init(|| {
        // The font is a fixed, valid file compiled in; a failure here
        // would be a broken build, and text would then be left out
        // rather than the chart refused.
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
        let _ = plotters::style::register_font("sans-serif", FontStyle::Bold, FONT);
    });
}

/// Returns a symbol or name made safe for a file name: letters and digits
/// kept, everything else a dash.
pub(crate) fn file_stem(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
        .collect()
}
