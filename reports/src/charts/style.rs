//! Colours, fonts and number formats shared by the charts.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The font family every chart's text uses.
pub const FAMILY: &str = "sans-serif";

/// The size of chart titles, in pixels.
pub const TITLE: u32 = 22;

/// The size of axis descriptions and legends.
pub const LABEL: u32 = 16;

/// The size of tick labels.
pub const TICK: u32 = 14;

/// Returns the colour of an abuse kind, the same in every chart.
pub fn kind_colour(kind: &str) -> RGBColor {
    match kind {
        "key_sharing" => RGBColor(0x8e, 0x44, 0xad),
        "spoofing" => RGBColor(0xd3, 0x54, 0x00),
        "wash_trading" => RGBColor(0x16, 0xa0, 0x85),
        "micro_burst" => RGBColor(0x29, 0x80, 0xb9),
        "pump" => RGBColor(0xc0, 0x39, 0x2b),
        _ => RGBColor(0x7f, 0x8c, 0x8d),
    }
}

/// Colours for up to a dozen detectors, more than the run report's
/// charts need: a sweep draws every detector in one panel.
pub const PALETTE: [RGBColor; 12] = [
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x8c, 0x56, 0x4b),
    RGBColor(0xe3, 0x77, 0xc2),
    RGBColor(0xbc, 0xbd, 0x22),
    RGBColor(0x17, 0xbe, 0xcf),
    RGBColor(0x00, 0x00, 0x80),
    RGBColor(0x80, 0x80, 0x00),
    RGBColor(0x00, 0x80, 0x80),
];

/// The colours of detectors in a run's charts, by position among the
/// detectors drawn; the floors have their own.
const DETECTORS: &[RGBColor] = PALETTE.split_at(8).0;

/// The colour of the random floor.
pub const FLOOR: RGBColor = RGBColor(0x55, 0x55, 0x55);

/// Returns the colour of the detector at `index` among `names`, or the
/// floor's colour for `null` and `random`.
pub fn detector_colour(name: &str, names: &[String]) -> RGBColor {
    if is_floor(name) {
        return FLOOR;
    }
    let position = names.iter().filter(|n| !is_floor(n)).position(|n| n == name).unwrap_or(0);
    DETECTORS[position % DETECTORS.len()]
}

/// Tells whether a detector is one of the floors every run scores.
pub fn is_floor(name: &str) -> bool {
    name == "null" || name == "random"
}

/// Returns the names of the detectors in the document, each once, in the
/// order they first appear.
pub fn detector_names(report: &crate::RunReport) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for d in &report.detectors {
        if !names.contains(&d.name) {
            names.push(d.name.clone());
        }
    }
    names
}

/// Returns the kinds scored in the document, each once, in order.
pub fn kinds(report: &crate::RunReport) -> Vec<String> {
    let mut kinds: Vec<String> = Vec::new();
    for d in &report.detectors {
        if !kinds.contains(&d.kind) {
            kinds.push(d.kind.clone());
        }
    }
    kinds
}

/// A text style of the chart family.
pub fn text(size: u32) -> TextStyle<'static> {
    (FAMILY, size).into_font().color(&BLACK)
}

/// A text style centred on its position.
pub fn centred(size: u32) -> TextStyle<'static> {
    text(size).pos(Pos::new(HPos::Center, VPos::Center))
}

/// Formats a figure with an SI-like suffix: 1.2k, 3.4M, 5.6G, 7.8T.
pub fn short(value: f64) -> String {
    let magnitude = value.abs();
    let (scaled, suffix) = if magnitude >= 1e12 {
        (value / 1e12, "T")
    } else if magnitude >= 1e9 {
        (value / 1e9, "G")
    } else if magnitude >= 1e6 {
        (value / 1e6, "M")
    } else if magnitude >= 1e3 {
        (value / 1e3, "k")
    } else {
        (value, "")
    };
    let digits = if scaled.abs() >= 100.0 || scaled == scaled.trunc() { 0 } else { 1 };
    format!("{scaled:.digits$}{suffix}")
}

/// Formats a simulated time in seconds as minutes and seconds.
pub fn clock(seconds: f64) -> String {
    let whole = seconds.max(0.0).round() as u64;
    format!("{}:{:02}", whole / 60, whole % 60)
}

/// Formats a share between 0 and 1 as a percentage.
pub fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_numbers_read_with_suffixes() {
        assert_eq!(short(950.0), "950");
        assert_eq!(short(1_500.0), "1.5k");
        assert_eq!(short(90_000_000.0), "90M");
        assert_eq!(short(2.5e9), "2.5G");
        assert_eq!(clock(3599.6), "60:00");
        assert_eq!(clock(75.0), "1:15");
    }
}
