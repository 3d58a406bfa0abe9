//! Precision-recall curves of the detectors whose alerts carry scores,
//! one panel per abuse kind.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::Drawn;
use super::style::{FAMILY, FLOOR, LABEL, TICK, TITLE, detector_colour, detector_names, text};
use crate::RunReport;

/// How to read the chart.
pub const CAPTION: &str = "For each detector whose alerts carry more than one distinct score, \
    precision against recall as the threshold falls: each point keeps the alerts scoring at \
    least one threshold and scores them exactly as the run is scored, so the curve's last \
    point is the detector's figure in the score table. The random detector's scores are \
    random, so its curve (dashed grey) is the floor. Detectors that give every alert the same \
    score have a single point in the score chart and no curve here.";

pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, report: &RunReport) -> Drawn<DB> {
    let title = format!("Precision-recall curves ({} seed {})", report.scenario, report.seed);
    let area = root.titled(&title, (FAMILY, TITLE))?;
    let names = detector_names(report);
    let mut kinds: Vec<&str> = Vec::new();
    for curve in &report.charts.pr_curves {
        if !kinds.contains(&curve.kind.as_str()) {
            kinds.push(&curve.kind);
        }
    }
    let columns = 2.min(kinds.len()).max(1);
    let panels = area.split_evenly((kinds.len().div_ceil(columns), columns));

    for (kind, panel) in kinds.iter().zip(&panels) {
        let mut chart = ChartBuilder::on(panel)
            .caption(*kind, (FAMILY, LABEL + 2))
            .margin(10)
            .x_label_area_size(36)
            .y_label_area_size(50)
            .build_cartesian_2d(0.0..1.02, 0.0..1.05)?;
        chart
            .configure_mesh()
            .x_desc("recall")
            .y_desc("precision")
            .x_labels(6)
            .y_labels(6)
            .axis_desc_style(text(TICK))
            .label_style(text(TICK))
            .light_line_style(WHITE.mix(0.0))
            .draw()?;
        for curve in report.charts.pr_curves.iter().filter(|c| c.kind == *kind) {
            let points: Vec<(f64, f64)> = curve
                .points
                .iter()
                .filter_map(|p| Some((p.recall?, p.precision.unwrap_or(0.0))))
                .collect();
            let colour = detector_colour(&curve.detector, &names);
            let label = curve.detector.clone();
            if curve.detector == "random" {
                chart
                    .draw_series(DashedLineSeries::new(points, 6, 4, FLOOR.stroke_width(2)))?
                    .label("random (floor)")
                    .legend(|(x, y)| {
                        PathElement::new(vec![(x, y), (x + 18, y)], FLOOR.stroke_width(2))
                    });
            } else {
                chart.draw_series(points.iter().map(|&p| Circle::new(p, 3, colour.filled())))?;
                chart
                    .draw_series(LineSeries::new(points, colour.stroke_width(2)))?
                    .label(label)
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2))
                    });
            }
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .margin(8)
            .label_font(text(TICK))
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.4))
            .draw()?;
    }
    Ok(())
}
