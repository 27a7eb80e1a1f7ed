//! The chart of docs/benchmarks.md: req/s and p99 against the connection count, one line per
//! swept scenario. Drawn with plotters' bitmap backend and a bundled TTF (DejaVu Sans, read
//! with ab_glyph), so it needs no system fonts or fontconfig.

use std::path::Path;

use anyhow::{anyhow, Result};
use plotters::prelude::*;

static FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

/// One line of the chart.
pub struct Series {
    /// Scenario letter (picks the colour: z grey, the peer red).
    pub id: &'static str,
    /// Legend text.
    pub label: String,
    /// (connections, req/s, p99 ms), by connections.
    pub points: Vec<(f64, f64, f64)>,
}

fn e<E: std::fmt::Display>(err: E) -> anyhow::Error {
    anyhow!("drawing the chart: {err}")
}

/// Writes the chart as a PNG to `path`.
pub fn draw(path: &Path, title: &str, series: &[Series]) -> Result<()> {
    plotters::style::register_font("sans-serif", FontStyle::Normal, FONT)
        .map_err(|_| anyhow!("the bundled font does not load"))?;
    let points = || series.iter().flat_map(|s| s.points.iter());
    let max_c = points().map(|p| p.0).fold(1.0, f64::max);
    let max_rps = points().map(|p| p.1).fold(1.0, f64::max);
    let max_p99 = points().map(|p| p.2).fold(1.0, f64::max);
    let min_p99 = points().map(|p| p.2).fold(f64::MAX, f64::min).max(0.01);

    let root = BitMapBackend::new(path, (1400, 620)).into_drawing_area();
    root.fill(&WHITE).map_err(e)?;
    let root = root.titled(title, ("sans-serif", 22)).map_err(e)?;
    let (left, right) = root.split_horizontally(700);
    let x_range = || (0.8f64..max_c * 1.25).log_scale();
    let color = |i: usize| match series[i].id {
        "z" => RGBColor(140, 140, 140).to_rgba(),
        "a" => RGBColor(31, 119, 180).to_rgba(),
        "c" => RGBColor(44, 160, 44).to_rgba(),
        "p" => RGBColor(214, 39, 40).to_rgba(),
        _ => Palette99::pick(i).to_rgba(),
    };

    let mut rps = ChartBuilder::on(&left)
        .caption("throughput (req/s, higher is better)", ("sans-serif", 18))
        .margin(20)
        .x_label_area_size(45)
        .y_label_area_size(75)
        .build_cartesian_2d(x_range(), 0f64..max_rps * 1.1)
        .map_err(e)?;
    rps.configure_mesh()
        .x_desc("connections")
        .y_desc("req/s")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| format!("{y:.0}"))
        .label_style(("sans-serif", 14))
        .light_line_style(WHITE)
        .draw()
        .map_err(e)?;
    for (i, s) in series.iter().enumerate() {
        let c = color(i);
        rps.draw_series(LineSeries::new(
            s.points.iter().map(|p| (p.0, p.1)),
            c.stroke_width(2),
        ))
        .map_err(e)?
        .label(s.label.as_str())
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2)));
        rps.draw_series(
            s.points
                .iter()
                .map(|p| Circle::new((p.0, p.1), 4, c.filled())),
        )
        .map_err(e)?;
    }
    rps.configure_series_labels()
        .label_font(("sans-serif", 14))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperLeft)
        .draw()
        .map_err(e)?;

    let mut p99 = ChartBuilder::on(&right)
        .caption(
            "p99 latency (ms, log scale, lower is better)",
            ("sans-serif", 18),
        )
        .margin(20)
        .x_label_area_size(45)
        .y_label_area_size(75)
        .build_cartesian_2d(x_range(), (min_p99 * 0.7..max_p99 * 1.5).log_scale())
        .map_err(e)?;
    p99.configure_mesh()
        .x_desc("connections")
        .y_desc("p99 ms")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| format!("{y}"))
        .label_style(("sans-serif", 14))
        .light_line_style(WHITE)
        .draw()
        .map_err(e)?;
    for (i, s) in series.iter().enumerate() {
        let c = color(i);
        p99.draw_series(LineSeries::new(
            s.points.iter().map(|p| (p.0, p.2)),
            c.stroke_width(2),
        ))
        .map_err(e)?
        .label(s.label.as_str())
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2)));
        p99.draw_series(
            s.points
                .iter()
                .map(|p| Circle::new((p.0, p.2), 4, c.filled())),
        )
        .map_err(e)?;
    }
    p99.configure_series_labels()
        .label_font(("sans-serif", 14))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperLeft)
        .draw()
        .map_err(e)?;
    root.present().map_err(e)?;
    Ok(())
}
