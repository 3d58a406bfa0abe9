//! Each detector's precision, recall and F1, one panel per abuse kind,
//! against the random floor.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::Drawn;
use super::style::{
    FAMILY, FLOOR, LABEL, TICK, TITLE, centred, detector_colour, detector_names, is_floor, kinds,
    text,
};
use crate::{DetectorScore, RunReport};

/// How to read the chart.
pub const CAPTION: &str = "One panel per abuse kind; in each, a bar per detector for precision, \
    recall and F1, with the figure above it. The dashed grey line over each group is the \
    random detector's figure, which names random accounts at random times: a detector below it \
    does no better than chance. The null detector never alerts, so its recall and F1 are 0 and \
    its precision undefined; it is the floor under every bar. A missing bar is an undefined \
    figure: precision of a detector that raised no alert.";

const METRICS: [&str; 3] = ["precision", "recall", "F1"];

fn metric(score: &DetectorScore, i: usize) -> Option<f64> {
    match i {
        0 => score.precision,
        1 => score.recall,
        _ => score.f1,
    }
}

pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, report: &RunReport) -> Drawn<DB> {
    let title = format!("Scores by kind ({} seed {})", report.scenario, report.seed);
    let area = root.titled(&title, (FAMILY, TITLE))?;
    let names = detector_names(report);
    let kinds = kinds(report);
    let (area, legend) = area.split_vertically(area.dim_in_pixel().1 - 40);
    let columns = 2.min(kinds.len()).max(1);
    let panels = area.split_evenly((kinds.len().div_ceil(columns), columns));

    for (kind, panel) in kinds.iter().zip(&panels) {
        let scored: Vec<&DetectorScore> =
            report.detectors.iter().filter(|d| d.kind == *kind && !is_floor(&d.name)).collect();
        let random = report.detectors.iter().find(|d| d.kind == *kind && d.name == "random");
        let episodes = report.detectors.iter().find(|d| d.kind == *kind).map_or(0, |d| d.episodes);

        let mut chart = ChartBuilder::on(panel)
            .caption(format!("{kind} ({episodes} episodes)"), (FAMILY, LABEL + 2))
            .margin(8)
            .y_label_area_size(50)
            .build_cartesian_2d(0.0..3.0, -0.1..1.12)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .y_labels(6)
            .y_label_formatter(&|y| if *y < 0.0 { String::new() } else { format!("{y:.1}") })
            .y_desc("score")
            .axis_desc_style(text(TICK))
            .label_style(text(TICK))
            .light_line_style(WHITE.mix(0.0))
            .draw()?;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, 0.0), (3.0, 0.0)],
            BLACK.stroke_width(1),
        )))?;

        let width = 0.8 / scored.len().max(1) as f64;
        for (g, label) in METRICS.iter().enumerate() {
            let left = g as f64 + 0.1;
            chart.draw_series(std::iter::once(Text::new(
                (*label).to_owned(),
                (g as f64 + 0.5, -0.05),
                centred(TICK),
            )))?;
            for (j, score) in scored.iter().enumerate() {
                let Some(value) = metric(score, g) else { continue };
                let x0 = left + j as f64 * width;
                let colour = detector_colour(&score.name, &names);
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x0 + width * 0.08, 0.0), (x0 + width * 0.92, value.max(0.004))],
                    colour.filled(),
                )))?;
                chart.draw_series(std::iter::once(Text::new(
                    format!("{value:.2}"),
                    (x0 + width / 2.0, value + 0.05),
                    centred(TICK - 2),
                )))?;
            }
            if let Some(floor) = random.and_then(|r| metric(r, g)) {
                chart.draw_series(DashedLineSeries::new(
                    vec![(left - 0.04, floor), (left + 0.84, floor)],
                    6,
                    4,
                    FLOOR.stroke_width(2),
                ))?;
            }
        }
    }

    // One legend for all panels: every detector drawn, then the floor.
    let mut entries: Vec<(String, RGBColor, bool)> = names
        .iter()
        .filter(|n| !is_floor(n))
        .map(|n| (n.clone(), detector_colour(n, &names), false))
        .collect();
    entries.push(("random (floor)".to_owned(), FLOOR, true));
    let mut x = 60;
    for (name, colour, dashed) in entries {
        let y = 20;
        if dashed {
            legend.draw(&PathElement::new(vec![(x, y), (x + 22, y)], colour.stroke_width(3)))?;
        } else {
            legend.draw(&Rectangle::new([(x, y - 7), (x + 22, y + 7)], colour.filled()))?;
        }
        legend.draw(&Text::new(name.clone(), (x + 28, y - 8), text(LABEL)))?;
        x += 28 + 11 * name.len() as i32 + 30;
    }
    Ok(())
}
