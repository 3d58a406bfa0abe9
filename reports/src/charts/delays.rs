//! The distribution of detection delays: one row per detector and kind,
//! a dot per caught episode, with the median and 90th percentile marked.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::Drawn;
use super::style::{FAMILY, LABEL, TICK, TITLE, detector_colour, detector_names, text};
use crate::RunReport;

/// How to read the chart.
pub const CAPTION: &str = "One row per detector and kind with at least one caught episode; a \
    dot per caught episode at its delay, from the episode's first public event to the first \
    alert that catches it, in simulated time on a logarithmic axis (a catch within a \
    millisecond, or before the first public event, is drawn at 1 ms). The black bar is the \
    median delay and the grey bar the 90th percentile, by the nearest-rank rule the score \
    table uses; n is the number of caught episodes.";

/// Delays below this are drawn at it, so that they fit a log axis.
const FLOOR_MS: f64 = 1.0;

pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, report: &RunReport) -> Drawn<DB> {
    let title = format!("Detection delays ({} seed {})", report.scenario, report.seed);
    let area = root.titled(&title, (FAMILY, TITLE))?;
    let names = detector_names(report);
    let rows: Vec<_> = report.charts.delays.iter().filter(|d| !d.delays_ms.is_empty()).collect();
    let labels: Vec<String> = rows
        .iter()
        .map(|d| format!("{} / {} (n={})", d.detector, d.kind, d.delays_ms.len()))
        .collect();
    let most = rows.iter().flat_map(|d| d.delays_ms.iter().copied()).fold(FLOOR_MS, f64::max);
    let top = 10f64.powf((most * 2.0).log10().ceil());

    let mut chart = ChartBuilder::on(&area)
        .margin(12)
        .margin_right(30)
        .x_label_area_size(50)
        .y_label_area_size(300)
        .build_cartesian_2d((FLOOR_MS..top).log_scale(), (0..rows.len().max(1)).into_segmented())?;
    chart
        .configure_mesh()
        .x_desc("delay (simulated ms, log scale)")
        .x_label_formatter(&|x| super::style::short(*x))
        .y_labels(rows.len().max(1))
        .y_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => labels.get(*i).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .axis_desc_style(text(LABEL))
        .label_style(text(TICK))
        .draw()?;

    for (row, delays) in rows.iter().enumerate() {
        let colour = detector_colour(&delays.detector, &names);
        let values: Vec<f64> = delays.delays_ms.iter().map(|d| d.max(FLOOR_MS)).collect();
        chart.draw_series(values.iter().enumerate().map(|(i, &v)| {
            // Spread the dots of one row over its height, in a fixed
            // pattern, so that equal delays do not hide each other.
            let offset = [0, -6, 6, -3, 3, -9, 9][i % 7];
            EmptyElement::at((v, SegmentValue::CenterOf(row)))
                + Circle::new((0, offset), 4, colour.mix(0.8).filled())
        }))?;
        for (percent, style) in
            [(50, BLACK.stroke_width(3)), (90, RGBColor(0x88, 0x88, 0x88).stroke_width(3))]
        {
            let rank = (percent * values.len()).div_ceil(100).max(1);
            let v = values[rank - 1];
            chart.draw_series(std::iter::once(
                EmptyElement::at((v, SegmentValue::CenterOf(row)))
                    + PathElement::new(vec![(0, -13), (0, 13)], style),
            ))?;
        }
    }
    Ok(())
}
