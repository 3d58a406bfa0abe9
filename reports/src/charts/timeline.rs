//! One instrument over the session: last trade price, traded value per
//! interval, the episodes that placed orders on it shaded by kind, and
//! every detector's alerts over time.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::Drawn;
use super::style::{
    FAMILY, LABEL, TICK, TITLE, clock, detector_names, is_floor, kind_colour, short, text,
};
use crate::RunReport;
use crate::series::InstrumentSeries;

/// How to read the chart.
pub const CAPTION: &str = "Top: the last trade price at the end of each interval. Middle: the \
    value traded in each interval. Shaded bands are the labelled abuse episodes that placed \
    orders on this instrument, from their start to their last public event, coloured by kind. \
    The lanes below show each of those episodes as a bar in its kind's lane. Bottom: each detector's alerts over the whole market (an alert names an account or a key, \
    not an instrument), one row per detector, a dot per interval with alerts, coloured by the \
    kind claimed and larger for more alerts; the random detector is the floor.";

pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &RunReport,
    series: &InstrumentSeries,
) -> Drawn<DB> {
    let data = &report.charts;
    let title = format!("{} ({} seed {})", series.symbol, report.scenario, report.seed);
    let area = root.titled(&title, (FAMILY, TITLE))?;
    let height = area.dim_in_pixel().1;
    let (price_area, rest) = area.split_vertically(height * 36 / 100);
    let (volume_area, rest) = rest.split_vertically(height * 20 / 100);
    let (episode_area, alert_area) = rest.split_vertically(height * 16 / 100);

    let end = report.duration_s.max(data.interval_s * series.volume_krw.len() as f64).max(1.0);
    let dt = data.interval_s;
    let episodes: Vec<_> =
        data.episodes.iter().filter(|e| e.instruments.contains(&series.symbol)).collect();

    // Price.
    let prices: Vec<(f64, f64)> = series
        .price_krw
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.map(|p| ((i as f64 + 1.0) * dt, p)))
        .collect();
    let (lo, hi) = prices
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &(_, p)| (lo.min(p), hi.max(p)));
    let (lo, hi) = if lo.is_finite() { padded(lo, hi) } else { (0.0, 1.0) };
    let mut chart = ChartBuilder::on(&price_area)
        .margin_left(10)
        .margin_right(170)
        .margin_top(6)
        .x_label_area_size(24)
        .y_label_area_size(120)
        .build_cartesian_2d(0.0..end, lo..hi)?;
    chart
        .configure_mesh()
        .x_labels(12)
        .x_label_formatter(&|x| clock(*x))
        .y_label_formatter(&|y| price_label(*y, hi - lo))
        .y_desc("price (KRW)")
        .axis_desc_style(text(LABEL))
        .label_style(text(TICK))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    chart.draw_series(episodes.iter().map(|e| band(e, lo, hi, dt)))?;
    chart.draw_series(LineSeries::new(prices, BLACK.stroke_width(1)))?;

    // Traded value.
    let top = series.volume_krw.iter().copied().fold(0.0, f64::max).max(1.0) * 1.08;
    let mut chart = ChartBuilder::on(&volume_area)
        .margin_left(10)
        .margin_right(170)
        .x_label_area_size(24)
        .y_label_area_size(120)
        .build_cartesian_2d(0.0..end, 0.0..top)?;
    chart
        .configure_mesh()
        .x_labels(12)
        .x_label_formatter(&|x| clock(*x))
        .y_labels(4)
        .y_label_formatter(&|y| short(*y))
        .y_desc(format!("KRW per {} s", short(dt)))
        .axis_desc_style(text(LABEL))
        .label_style(text(TICK))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    chart.draw_series(episodes.iter().map(|e| band(e, 0.0, top, dt)))?;
    chart.draw_series(series.volume_krw.iter().enumerate().filter(|(_, v)| **v > 0.0).map(
        |(i, &v)| {
            let x = i as f64 * dt;
            Rectangle::new([(x, 0.0), (x + dt, v)], RGBColor(0x34, 0x49, 0x5e).mix(0.75).filled())
        },
    ))?;

    // Episodes, one lane per kind.
    let mut kinds: Vec<&str> = data.episodes.iter().map(|e| e.kind.as_str()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    let lanes = kinds.len().max(1);
    let mut chart = ChartBuilder::on(&episode_area)
        .margin_left(10)
        .margin_right(170)
        .x_label_area_size(24)
        .y_label_area_size(120)
        .build_cartesian_2d(0.0..end, (0..lanes).into_segmented())?;
    chart
        .configure_mesh()
        .x_labels(12)
        .x_label_formatter(&|x| clock(*x))
        .y_labels(lanes)
        .y_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => kinds.get(*i).map(|k| (*k).to_owned()).unwrap_or_default(),
            _ => String::new(),
        })
        .label_style(text(TICK))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    chart.draw_series(episodes.iter().filter_map(|e| {
        let lane = kinds.iter().position(|k| *k == e.kind)?;
        let mut bar = Rectangle::new(
            [
                (e.start_s, SegmentValue::Exact(lane)),
                (e.end_s.max(e.start_s + dt / 4.0), SegmentValue::Exact(lane + 1)),
            ],
            kind_colour(&e.kind).mix(0.55).filled(),
        );
        bar.set_margin(3, 3, 0, 0);
        Some(bar)
    }))?;

    // Alerts, one row per detector that can alert.
    let names: Vec<String> = detector_names(report).into_iter().filter(|n| n != "null").collect();
    let rows = names.len().max(1);
    let mut chart = ChartBuilder::on(&alert_area)
        .margin_left(10)
        .margin_right(170)
        .margin_bottom(4)
        .x_label_area_size(40)
        .y_label_area_size(120)
        .build_cartesian_2d(0.0..end, (0..rows).into_segmented())?;
    chart
        .configure_mesh()
        .x_labels(12)
        .x_label_formatter(&|x| clock(*x))
        .x_desc("simulated time (min:s)")
        .y_labels(rows)
        .y_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => names.get(*i).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .axis_desc_style(text(LABEL))
        .label_style(text(TICK))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    let adt = data.alert_interval_s;
    for track in &data.alerts {
        let Some(row) = names.iter().position(|n| *n == track.detector) else { continue };
        let colour = kind_colour(&track.kind);
        let faded = if is_floor(&track.detector) { 0.45 } else { 0.85 };
        chart.draw_series(track.buckets.iter().zip(&track.counts).map(|(&b, &count)| {
            let radius = (2.0 + 1.6 * (count as f64).sqrt()).min(11.0) as i32;
            let x = (f64::from(b) + 0.5) * adt;
            Circle::new((x, SegmentValue::CenterOf(row)), radius, colour.mix(faded).filled())
        }))?;
    }
    legend(root, &kinds)?;
    Ok(())
}

/// Draws the legend in the right margin: the price line, then a swatch per
/// episode kind.
fn legend<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, kinds: &[&str]) -> Drawn<DB> {
    let x = i32::try_from(root.dim_in_pixel().0).unwrap_or(1100) - 160;
    let mut y = 50;
    root.draw(&PathElement::new(vec![(x, y), (x + 18, y)], BLACK.stroke_width(2)))?;
    root.draw(&Text::new("last price", (x + 26, y - 8), text(TICK)))?;
    y += 24;
    root.draw(&Text::new("episodes:", (x, y - 8), text(TICK)))?;
    for kind in kinds {
        y += 22;
        let colour = kind_colour(kind);
        root.draw(&Rectangle::new([(x, y - 7), (x + 18, y + 7)], colour.mix(0.55).filled()))?;
        root.draw(&Text::new((*kind).to_owned(), (x + 26, y - 8), text(TICK)))?;
    }
    y += 34;
    root.draw(&Text::new("alert dots are", (x, y - 8), text(TICK)))?;
    root.draw(&Text::new("coloured by kind", (x, y + 10), text(TICK)))?;
    Ok(())
}

/// Returns an episode's band over a panel from `lo` to `hi`.
fn band(
    episode: &crate::series::EpisodeWindow,
    lo: f64,
    hi: f64,
    dt: f64,
) -> Rectangle<(f64, f64)> {
    let end = episode.end_s.max(episode.start_s + dt / 4.0);
    Rectangle::new(
        [(episode.start_s, lo), (end, hi)],
        kind_colour(&episode.kind).mix(0.07).filled(),
    )
}

/// Formats a price tick label with as many digits as the axis's span
/// needs to tell neighbouring labels apart.
fn price_label(value: f64, span: f64) -> String {
    if value.abs() < 1_000.0 || span < 50.0 {
        let digits = if span < 0.5 {
            3
        } else if span < 5.0 {
            2
        } else {
            1
        };
        return format!("{value:.digits$}");
    }
    let whole = value.round() as i64;
    let digits = whole.unsigned_abs().to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if whole < 0 { format!("-{grouped}") } else { grouped }
}

/// Returns a range around `[lo, hi]` with a margin, never empty.
pub fn padded(lo: f64, hi: f64) -> (f64, f64) {
    let span = (hi - lo).max(hi.abs() * 1e-3).max(1e-9);
    (lo - span * 0.06, hi + span * 0.06)
}
