//! A sweep's chart for one axis: each detector's F1, recall and median
//! delay against the axis's values, one line per detector and kind.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::Drawn;
use super::style::{FAMILY, FLOOR, LABEL, PALETTE, TICK, TITLE, is_floor, text};
use crate::error::ReportError;
use crate::sweep::{REALISTIC_API_SHARE, SweepAxis, SweepGroup, SweepSummary};

/// How to read the chart.
pub const CAPTION: &str = "Three panels: F1, recall and the median detection delay (simulated \
    seconds) against the swept value, a line per detector and kind. Each point is the mean \
    over the seeds, and over every value of the other swept keys when there are any; the bars \
    are 95% confidence intervals over the seeds, drawn only where a point averages one grid \
    point. The floors (null and random) are grey. Against api_share, the dashed line marks \
    the realistic 30% share of traded value from API orders.";

/// Chart size in pixels.
const SIZE: (u32, u32) = (1500, 620);

/// Returns the file stem of an axis's chart.
pub fn file_name(axis: &SweepAxis) -> String {
    format!("sweep-{}", axis.key.replace(|c: char| !c.is_ascii_alphanumeric() && c != '_', "-"))
}

/// Draws the chart of axis `axis` as SVG.
///
/// # Errors
///
/// Returns [`ReportError::Draw`] when plotters refuses to draw it.
pub fn render_svg(summary: &SweepSummary, axis: usize) -> Result<String, ReportError> {
    super::register_font();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        draw(&root, summary, axis).map_err(|e| error(summary, axis, &e))?;
        root.present().map_err(|e| error(summary, axis, &e))?;
    }
    Ok(svg)
}

/// Draws the chart of axis `axis` as PNG.
///
/// # Errors
///
/// Returns [`ReportError::Draw`] when it cannot be drawn or encoded.
pub fn render_png(summary: &SweepSummary, axis: usize) -> Result<Vec<u8>, ReportError> {
    super::register_font();
    let mut pixels = vec![0u8; SIZE.0 as usize * SIZE.1 as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, SIZE).into_drawing_area();
        draw(&root, summary, axis).map_err(|e| error(summary, axis, &e))?;
        root.present().map_err(|e| error(summary, axis, &e))?;
    }
    super::encode_png(&file_name(&summary.axes[axis]), &pixels, SIZE)
}

fn error<E: std::error::Error>(summary: &SweepSummary, axis: usize, e: &E) -> ReportError {
    ReportError::Draw { chart: file_name(&summary.axes[axis]), message: e.to_string() }
}

/// One line of a panel: a detector and kind, a point per axis value.
struct Line {
    label: String,
    detector: String,
    /// Per axis value: the mean and, when one grid point is averaged, the
    /// half width of its interval.
    points: Vec<Option<(f64, Option<f64>)>>,
}

const METRICS: [&str; 3] = ["F1", "recall", "median delay (s)"];

fn metric(group: &SweepGroup, i: usize) -> (Option<f64>, Option<f64>) {
    let scale = if i == 2 { 1e-3 } else { 1.0 };
    let interval = match i {
        0 => &group.f1,
        1 => &group.recall,
        _ => &group.delay_p50_ms,
    };
    (interval.mean.map(|m| m * scale), interval.half_width.map(|h| h * scale))
}

/// Gathers the lines of one metric against one axis, in the order the
/// detectors and kinds first appear.
fn lines(summary: &SweepSummary, axis: usize, m: usize) -> Vec<Line> {
    // The null floor is 0 everywhere and left out; the random floor is one
    // line over every kind it is scored on.
    let mut keys: Vec<(String, String)> = Vec::new();
    for g in summary.groups.iter().filter(|g| g.detector != "null") {
        let kind = if is_floor(&g.detector) { String::new() } else { g.kind.clone() };
        let key = (g.detector.clone(), kind);
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    let several_kinds = |d: &str| keys.iter().filter(|(k, _)| k == d).count() > 1;
    let values = &summary.axes[axis].values;
    keys.iter()
        .map(|(detector, kind)| {
            let points = values
                .iter()
                .map(|v| {
                    let at: Vec<(Option<f64>, Option<f64>)> = summary
                        .groups
                        .iter()
                        .filter(|g| g.detector == *detector && (kind.is_empty() || g.kind == *kind))
                        .filter(|g| g.values.get(axis) == Some(v))
                        .map(|g| metric(g, m))
                        .collect();
                    let means: Vec<f64> = at.iter().filter_map(|p| p.0).collect();
                    if means.is_empty() {
                        return None;
                    }
                    let mean = means.iter().sum::<f64>() / means.len() as f64;
                    let half = if at.len() == 1 { at[0].1 } else { None };
                    Some((mean, half))
                })
                .collect();
            let label = if is_floor(detector) {
                format!("{detector} (mean over kinds)")
            } else if several_kinds(detector) {
                format!("{detector} / {kind}")
            } else {
                detector.clone()
            };
            Line { label, detector: detector.clone(), points }
        })
        .collect()
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    summary: &SweepSummary,
    axis: usize,
) -> Drawn<DB> {
    root.fill(&WHITE)?;
    let spec = &summary.axes[axis];
    let title = format!("F1, recall and delay against {}", spec.key);
    let area = root.titled(&title, (FAMILY, TITLE))?;
    let (panels_area, legend_area) = area.split_horizontally(area.dim_in_pixel().0 - 260);
    let panels = panels_area.split_evenly((1, 3));

    // Numeric axes keep their spacing; other values sit at equal steps.
    let xs: Vec<f64> = if spec.numeric {
        spec.values.iter().map(|v| v.parse().unwrap_or(0.0)).collect()
    } else {
        (0..spec.values.len()).map(|i| i as f64).collect()
    };
    let (lo, hi) = xs.iter().fold((f64::MAX, f64::MIN), |(a, b), &x| (a.min(x), b.max(x)));
    let pad = if hi > lo { (hi - lo) * 0.05 } else { 0.5 };
    let x_range = (lo - pad)..(hi + pad);
    let label_of = |x: &f64| -> String {
        if spec.numeric {
            let text = format!("{x:.3}");
            text.trim_end_matches('0').trim_end_matches('.').to_owned()
        } else {
            let i = x.round();
            if (x - i).abs() < 1e-6 && i >= 0.0 {
                spec.values.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        }
    };
    let names: Vec<String> = {
        let mut names: Vec<String> = Vec::new();
        for g in &summary.groups {
            if !names.contains(&g.detector) {
                names.push(g.detector.clone());
            }
        }
        names
    };

    let mut legend: Vec<(String, RGBColor)> = Vec::new();
    for (m, panel) in panels.iter().enumerate() {
        let lines = lines(summary, axis, m);
        let top = if m == 2 {
            let most = lines
                .iter()
                .flat_map(|l| l.points.iter().flatten().map(|(v, h)| v + h.unwrap_or(0.0)))
                .fold(0.0, f64::max);
            (most * 1.1).max(1.0)
        } else {
            1.05
        };
        let mut chart = ChartBuilder::on(panel)
            .caption(METRICS[m], (FAMILY, LABEL + 2))
            .margin(10)
            .x_label_area_size(45)
            .y_label_area_size(55)
            .build_cartesian_2d(x_range.clone(), 0.0..top)?;
        let x_labels = if spec.numeric { 8 } else { spec.values.len() * 2 + 1 };
        chart
            .configure_mesh()
            .x_desc(spec.key.as_str())
            .x_labels(x_labels)
            .x_label_formatter(&label_of)
            .y_labels(6)
            .axis_desc_style(text(LABEL))
            .label_style(text(TICK))
            .draw()?;

        if spec.key == "api_share" && x_range.contains(&REALISTIC_API_SHARE) {
            let dashes = (0..20).map(|k| {
                let y0 = top * f64::from(k) / 20.0;
                PathElement::new(
                    vec![(REALISTIC_API_SHARE, y0), (REALISTIC_API_SHARE, y0 + top / 40.0)],
                    BLACK.stroke_width(2),
                )
            });
            chart.draw_series(dashes)?;
            chart.draw_series(std::iter::once(
                EmptyElement::at((REALISTIC_API_SHARE, top))
                    + Text::new("30% realistic", (4, 4), text(TICK)),
            ))?;
        }

        for line in &lines {
            let colour = if is_floor(&line.detector) {
                FLOOR
            } else {
                let i = names.iter().filter(|n| !is_floor(n)).position(|n| *n == line.detector);
                PALETTE[i.unwrap_or(0) % PALETTE.len()]
            };
            let points: Vec<(f64, f64)> =
                line.points.iter().zip(&xs).filter_map(|(p, &x)| p.map(|(v, _)| (x, v))).collect();
            chart.draw_series(LineSeries::new(points.clone(), colour.stroke_width(2)))?;
            chart.draw_series(points.iter().map(|&p| Circle::new(p, 3, colour.filled())))?;
            let bars = line.points.iter().zip(&xs).filter_map(|(p, &x)| match p {
                Some((v, Some(h))) => Some(PathElement::new(
                    vec![(x, (v - h).max(0.0)), (x, (v + h).min(top))],
                    colour.mix(0.6).stroke_width(1),
                )),
                _ => None,
            });
            chart.draw_series(bars)?;
            if m == 0 {
                legend.push((line.label.clone(), colour));
            }
        }
    }

    for (i, (label, colour)) in legend.iter().enumerate() {
        let y = 50 + 22 * i as i32;
        legend_area.draw(&PathElement::new(vec![(10, y), (34, y)], colour.stroke_width(3)))?;
        legend_area.draw(&Text::new(label.clone(), (42, y - 8), text(TICK)))?;
    }
    Ok(())
}
