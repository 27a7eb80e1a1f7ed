//! The chart of docs/benchmarks.md: req/s and p99 against the connection count, one line per
//! swept scenario. Drawn with plotters' bitmap backend and a bundled TTF (DejaVu Sans, read
//! with ab_glyph), so it needs no system fonts or fontconfig.

use std::path::Path;

use anyhow::{anyhow, Result};
use plotters::{
    coord::ranged1d::{AsRangedCoord, ValueFormatter},
    prelude::*,
};

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
    let x_range = (0.8f64..max_c * 1.25).log_scale();
    panel(
        &left,
        series,
        Panel {
            caption: "throughput (req/s, higher is better)",
            y_desc: "req/s",
            y_label: &|y| format!("{y:.0}"),
            y_of: |p| p.1,
        },
        x_range.clone(),
        0f64..max_rps * 1.1,
    )?;
    panel(
        &right,
        series,
        Panel {
            caption: "p99 latency (ms, log scale, lower is better)",
            y_desc: "p99 ms",
            y_label: &|y| format!("{y}"),
            y_of: |p| p.2,
        },
        x_range,
        (min_p99 * 0.7..max_p99 * 1.5).log_scale(),
    )?;
    root.present().map_err(e)?;
    Ok(())
}

/// What differs between the two panels: the title, the y axis and which figure it shows.
struct Panel<'a> {
    caption: &'a str,
    y_desc: &'a str,
    y_label: &'a dyn Fn(&f64) -> String,
    /// Picks the y value of a (connections, req/s, p99 ms) point.
    y_of: fn(&(f64, f64, f64)) -> f64,
}

/// Draws one panel: every series as a line with its points, against connections (log scale).
fn panel<DB, X, Y>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    series: &[Series],
    spec: Panel<'_>,
    x_range: X,
    y_range: Y,
) -> Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
    X: AsRangedCoord<Value = f64>,
    X::CoordDescType: Ranged<ValueType = f64> + ValueFormatter<f64>,
    Y: AsRangedCoord<Value = f64>,
    Y::CoordDescType: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let mut chart = ChartBuilder::on(area)
        .caption(spec.caption, ("sans-serif", 18))
        .margin(20)
        .x_label_area_size(45)
        .y_label_area_size(75)
        .build_cartesian_2d(x_range, y_range)
        .map_err(e)?;
    chart
        .configure_mesh()
        .x_desc("connections")
        .y_desc(spec.y_desc)
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(spec.y_label)
        .label_style(("sans-serif", 14))
        .light_line_style(WHITE)
        .draw()
        .map_err(e)?;
    let y_of = spec.y_of;
    for (i, s) in series.iter().enumerate() {
        let c = match s.id {
            "x" => RGBColor(0, 0, 0).to_rgba(),
            "y" => RGBColor(148, 103, 189).to_rgba(),
            "z" => RGBColor(140, 140, 140).to_rgba(),
            "a" => RGBColor(31, 119, 180).to_rgba(),
            "c" => RGBColor(44, 160, 44).to_rgba(),
            "p" => RGBColor(214, 39, 40).to_rgba(),
            _ => Palette99::pick(i).to_rgba(),
        };
        chart
            .draw_series(LineSeries::new(
                s.points.iter().map(|p| (p.0, y_of(p))),
                c.stroke_width(2),
            ))
            .map_err(e)?
            .label(s.label.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2)));
        chart
            .draw_series(
                s.points
                    .iter()
                    .map(|p| Circle::new((p.0, y_of(p)), 4, c.filled())),
            )
            .map_err(e)?;
    }
    chart
        .configure_series_labels()
        .label_font(("sans-serif", 14))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperLeft)
        .draw()
        .map_err(e)?;
    Ok(())
}
