//! Traded value by participant class, with the automated share against
//! the scenario's target.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::Drawn;
use super::style::{FAMILY, LABEL, TICK, TITLE, percent, short, text};
use crate::RunReport;

/// How to read the chart.
pub const CAPTION: &str = "The share of traded value (KRW) of each participant class, read from \
    the public access record of each side of every trade, both sides counted. Top group: by \
    channel, API against the web and mobile front ends; the red dashed line is the scenario's \
    target API share. Bottom group: by client fingerprint, the exchange's own web and app \
    against known trading libraries and unrecognised tools. The public stream does not say \
    which kind of participant (market maker, momentum bot, retail) an account is, and the \
    ground truth labels only abuse and decoys, so volume is not broken down by agent type.";

pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, report: &RunReport) -> Drawn<DB> {
    let title =
        format!("Traded value by participant class ({} seed {})", report.scenario, report.seed);
    let area = root.titled(&title, (FAMILY, TITLE))?;
    let classes = &report.charts.volume_by_class;
    let labels: Vec<String> = classes.iter().map(|c| format!("{}: {}", c.group, c.class)).collect();
    let rows = classes.len().max(1);

    let mut chart = ChartBuilder::on(&area)
        .margin(12)
        .margin_right(40)
        .x_label_area_size(46)
        .y_label_area_size(210)
        .build_cartesian_2d(0.0..1.0, (0..rows).into_segmented())?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .light_line_style(WHITE.mix(0.0))
        .x_labels(11)
        .x_label_formatter(&|x| percent(*x))
        .x_desc("share of traded value, both sides of every trade counted")
        .y_labels(rows)
        .y_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => labels.get(*i).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .axis_desc_style(text(LABEL))
        .label_style(text(TICK))
        .draw()?;

    for (i, class) in classes.iter().enumerate() {
        let colour = match (class.group.as_str(), class.class.as_str()) {
            ("channel", "api") => RGBColor(0xd3, 0x54, 0x00),
            ("channel", _) => RGBColor(0x29, 0x80, 0xb9),
            (_, "known_library" | "unknown_tool") => RGBColor(0xe6, 0x7e, 0x22),
            _ => RGBColor(0x5d, 0xad, 0xe2),
        };
        let mut bar = Rectangle::new(
            [(0.0, SegmentValue::Exact(i)), (class.share, SegmentValue::Exact(i + 1))],
            colour.filled(),
        );
        bar.set_margin(5, 5, 0, 0);
        chart.draw_series(std::iter::once(bar))?;
        chart.draw_series(std::iter::once(
            EmptyElement::at((class.share, SegmentValue::CenterOf(i)))
                + Text::new(
                    format!("{} ({} KRW)", percent_1(class.share), short(class.volume_krw)),
                    (6, -8),
                    text(TICK),
                ),
        ))?;
    }

    // The target applies to the API row only.
    if let Some(api) = classes.iter().position(|c| c.group == "channel" && c.class == "api") {
        let target = report.api_share_target;
        chart
            .draw_series(DashedLineSeries::new(
                vec![(target, SegmentValue::Exact(api)), (target, SegmentValue::Exact(api + 1))],
                5,
                3,
                RED.stroke_width(3),
            ))?
            .label(format!("target API share {}", percent_1(target)))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], RED.stroke_width(3)));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .margin(10)
            .label_font(text(LABEL))
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.4))
            .draw()?;
    }
    Ok(())
}

fn percent_1(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}
