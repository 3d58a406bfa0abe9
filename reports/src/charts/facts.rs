//! The return statistics behind two stylized facts, simulated beside
//! real: the distribution of returns against a normal one (heavy tails)
//! and the autocorrelation of absolute returns (volatility clustering).

use plotters::coord::Shift;
use plotters::prelude::*;

use super::Drawn;
use super::style::{FAMILY, LABEL, TICK, TITLE, text};
use crate::RunReport;

/// How to read the return distribution.
pub const RETURNS_CAPTION: &str = "The density of returns standardised to mean 0 and variance 1, \
    per session, on a logarithmic axis, against the standard normal density (dashed), in bins \
    of a quarter of a standard deviation; a line joins neighbouring bins only, empty bins are \
    left out, and the outermost bins also count any return beyond 40 standard deviations. \
    Real returns have heavier tails than the normal: more mass far from the centre. Drawn \
    from the output of surveil facts --json, given to surveil report --facts.";

/// How to read the autocorrelation.
pub const ACF_CAPTION: &str = "The autocorrelation of absolute returns at each lag, per session. \
    In real markets it stays positive and decays slowly (volatility clusters); a simulation \
    whose line falls to zero at once has no clustering.";

const SESSIONS: [RGBColor; 3] =
    [RGBColor(0x1f, 0x77, 0xb4), RGBColor(0xd6, 0x27, 0x28), RGBColor(0x2c, 0xa0, 0x2c)];

pub fn draw_returns<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &RunReport,
) -> Drawn<DB> {
    let Some(facts) = &report.charts.facts else { return Ok(()) };
    let area = root.titled("Return distribution against a normal one", (FAMILY, TITLE))?;
    // Each session's non-empty bins, as runs of neighbouring bins: a line
    // joins the bins of one run, never across empty ones.
    let runs: Vec<Vec<Vec<(f64, f64)>>> = facts
        .sessions
        .iter()
        .map(|s| {
            let mut runs: Vec<Vec<(f64, f64)>> = Vec::new();
            let mut previous = None;
            for (i, &share) in s.histogram.iter().enumerate() {
                if share <= 0.0 {
                    continue;
                }
                let x = s.histogram_lo + (i as f64 + 0.5) * s.histogram_width;
                let point = (x, share / s.histogram_width);
                match runs.last_mut() {
                    Some(run) if previous == Some(i.wrapping_sub(1)) => run.push(point),
                    _ => runs.push(vec![point]),
                }
                previous = Some(i);
            }
            runs
        })
        .collect();
    let densities: Vec<Vec<(f64, f64)>> =
        runs.iter().map(|r| r.iter().flatten().copied().collect()).collect();
    let reach = densities.iter().flatten().map(|p| p.0.abs()).fold(4.0, f64::max).min(40.0);
    let lowest = densities.iter().flatten().map(|p| p.1).fold(1e-3, f64::min).max(1e-7);

    let mut chart = ChartBuilder::on(&area)
        .margin(12)
        .x_label_area_size(46)
        .y_label_area_size(70)
        .build_cartesian_2d(-reach..reach, (lowest * 0.5..1.0).log_scale())?;
    chart
        .configure_mesh()
        .x_desc("standardised return")
        .y_desc("density (log scale)")
        .y_label_formatter(&|y| format!("{y:.0e}"))
        .axis_desc_style(text(LABEL))
        .label_style(text(TICK))
        .draw()?;
    let normal = (0..=400).map(|i| {
        let x = -reach + 2.0 * reach * f64::from(i) / 400.0;
        (x, (-x * x / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt())
    });
    let normal: Vec<(f64, f64)> = normal.filter(|p| p.1 >= lowest * 0.5).collect();
    chart
        .draw_series(DashedLineSeries::new(normal, 6, 4, BLACK.stroke_width(2)))?
        .label("standard normal")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], BLACK.stroke_width(2)));
    for ((session, (points, runs)), colour) in
        facts.sessions.iter().zip(densities.iter().zip(&runs)).zip(SESSIONS)
    {
        for run in runs.iter().filter(|r| r.len() > 1) {
            chart.draw_series(LineSeries::new(run.iter().copied(), colour.stroke_width(2)))?;
        }
        chart
            .draw_series(points.iter().map(|&p| Circle::new(p, 3, colour.filled())))?
            .label(format!("{} ({} s returns)", session.label, session.horizon_s))
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .margin(10)
        .label_font(text(TICK))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.4))
        .draw()
}

pub fn draw_acf<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &RunReport,
) -> Drawn<DB> {
    let Some(facts) = &report.charts.facts else { return Ok(()) };
    let area = root.titled("Autocorrelation of absolute returns", (FAMILY, TITLE))?;
    let lags = facts.sessions.iter().map(|s| s.abs_acf.len()).max().unwrap_or(1).max(1);
    let values = facts.sessions.iter().flat_map(|s| s.abs_acf.iter().flatten().copied());
    let (lo, hi) = values.fold((0.0f64, 0.1f64), |(lo, hi), v| (lo.min(v), hi.max(v)));

    let mut chart = ChartBuilder::on(&area)
        .margin(12)
        .x_label_area_size(46)
        .y_label_area_size(70)
        .build_cartesian_2d(0.5..lags as f64 + 0.5, (lo - 0.05)..(hi + 0.05))?;
    chart
        .configure_mesh()
        .x_desc("lag (return intervals)")
        .y_desc("autocorrelation of |return|")
        .axis_desc_style(text(LABEL))
        .label_style(text(TICK))
        .draw()?;
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(0.5, 0.0), (lags as f64 + 0.5, 0.0)],
        BLACK.stroke_width(1),
    )))?;
    for (session, colour) in facts.sessions.iter().zip(SESSIONS) {
        let points: Vec<(f64, f64)> = session
            .abs_acf
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| (i as f64 + 1.0, v)))
            .collect();
        chart.draw_series(points.iter().map(|&p| Circle::new(p, 3, colour.filled())))?;
        chart
            .draw_series(LineSeries::new(points, colour.stroke_width(2)))?
            .label(format!("{} ({} s returns)", session.label, session.horizon_s))
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .margin(10)
        .label_font(text(TICK))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.4))
        .draw()
}
