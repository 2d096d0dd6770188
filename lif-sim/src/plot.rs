//! Figures as PNG and SVG (plotters), for the lif-sim CLI and the workspace examples: vertically stacked
//! panels of lines, dots, spike marks and bars, with horizontal reference lines. Text uses
//! the bundled DejaVu Sans, so no system fonts are needed.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

/// Series colours as (red, green, blue): distinct from each other and from the red
/// reference lines.
pub const COLORS: [(u8, u8, u8); 6] = [
    (31, 119, 180),
    (44, 160, 44),
    (148, 103, 189),
    (255, 127, 14),
    (23, 190, 207),
    (127, 127, 127),
];

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Style {
    /// A line through the points.
    Line,
    /// A dot per point (rasters).
    Dots,
    /// A triangle per point (spike marks).
    Marks,
    /// A bar per point: (left edge, height), all `width` wide.
    Bars {
        /// Bar width in x units.
        width: f64,
    },
}

/// One data series.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend text (empty: no legend entry).
    pub label: String,
    /// The points.
    pub points: Vec<(f64, f64)>,
    /// How to draw them.
    pub style: Style,
    /// Index into [`COLORS`].
    pub color: usize,
}

impl Series {
    /// A series of `style` in colour `color`.
    pub fn new(
        label: impl Into<String>,
        points: Vec<(f64, f64)>,
        style: Style,
        color: usize,
    ) -> Self {
        Self {
            label: label.into(),
            points,
            style,
            color,
        }
    }
}

/// One panel of a figure.
#[derive(Debug, Clone, Default)]
pub struct Panel {
    /// Panel title.
    pub title: String,
    /// X axis label.
    pub x_desc: String,
    /// Y axis label.
    pub y_desc: String,
    /// The data.
    pub series: Vec<Series>,
    /// Horizontal dashed red lines with their legend text (e.g. a threshold).
    pub hlines: Vec<(f64, String)>,
    /// Fixed x range; computed from the data when `None`.
    pub x_range: Option<(f64, f64)>,
    /// Fixed y range; computed from the data when `None`.
    pub y_range: Option<(f64, f64)>,
    /// Tick labels as integers on the y axis (neuron indices, counts).
    pub integer_y: bool,
    /// A note drawn in the middle when there is nothing to show.
    pub empty_note: Option<String>,
}

impl Panel {
    /// A spike raster of the first `rows` neurons of packed spike rows (`steps` rows of
    /// `ceil(neurons / 32)` words): a dot per spike, neuron against time step.
    pub fn raster(
        title: impl Into<String>,
        spikes: &[u32],
        neurons: usize,
        steps: usize,
        rows: usize,
    ) -> Self {
        let words = neurons.div_ceil(32);
        let rows = rows.min(neurons);
        let dots = (0..steps)
            .flat_map(|t| (0..rows).map(move |i| (t, i)))
            .filter(|&(t, i)| spikes[t * words + i / 32] >> (i % 32) & 1 == 1)
            .map(|(t, i)| (t as f64, i as f64))
            .collect();
        Panel {
            title: title.into(),
            x_desc: "time step".into(),
            y_desc: "neuron".into(),
            series: vec![Series::new("", dots, Style::Dots, 0)],
            x_range: Some((0.0, steps as f64)),
            y_range: Some((-0.5, rows as f64 - 0.5)),
            integer_y: true,
            ..Panel::default()
        }
    }
}

fn font() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // The bundled font is valid; a failure would only leave text undrawn.
        let _ = plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            include_bytes!("../assets/DejaVuSans.ttf"),
        );
    });
}

/// The largest magnitude a figure draws: larger values are drawn at this bound, and
/// non-finite ones are left out, so an axis range stays finite (an infinite one never
/// finishes drawing).
pub const LIMIT: f64 = 1e9;

/// How many of `values` a figure cannot draw as they are (non-finite, or beyond [`LIMIT`]).
pub fn clipped(values: &[f64]) -> usize {
    values
        .iter()
        .filter(|v| !(v.is_finite() && v.abs() <= LIMIT))
        .count()
}

/// `p` with its points, lines and ranges within [`LIMIT`] and non-finite points left out.
fn drawable(p: &Panel) -> Panel {
    let clip = |v: f64| v.is_finite().then(|| v.clamp(-LIMIT, LIMIT));
    let pair = |(a, b): (f64, f64)| Some((clip(a)?, clip(b)?));
    Panel {
        series: p
            .series
            .iter()
            .map(|s| Series {
                points: s.points.iter().filter_map(|&pt| pair(pt)).collect(),
                ..s.clone()
            })
            .collect(),
        hlines: p
            .hlines
            .iter()
            .filter_map(|(y, label)| Some((clip(*y)?, label.clone())))
            .collect(),
        x_range: p.x_range.and_then(pair).filter(|(a, b)| a < b),
        y_range: p.y_range.and_then(pair).filter(|(a, b)| a < b),
        ..p.clone()
    }
}

/// Writes `stem.png` and `stem.svg`: the panels stacked vertically, `height` pixels each.
/// Values beyond [`LIMIT`] are drawn at it and non-finite ones are left out.
pub fn figure(stem: &Path, panels: &[Panel], height: u32) -> Result<(), String> {
    font();
    let panels: Vec<Panel> = panels.iter().map(drawable).collect();
    let panels = panels.as_slice();
    let size = (1000, height * panels.len().max(1) as u32);
    let png = stem.with_extension("png");
    let area = BitMapBackend::new(&png, size).into_drawing_area();
    draw(&area, panels)?;
    area.present()
        .map_err(|e| format!("{}: {e}", png.display()))?;
    let svg = stem.with_extension("svg");
    let area = SVGBackend::new(&svg, size).into_drawing_area();
    draw(&area, panels)?;
    area.present()
        .map_err(|e| format!("{}: {e}", svg.display()))?;
    Ok(())
}

fn draw<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, panels: &[Panel]) -> Result<(), String> {
    area.fill(&WHITE).map_err(|e| e.to_string())?;
    for (panel, sub) in panels
        .iter()
        .zip(area.split_evenly((panels.len().max(1), 1)))
    {
        draw_panel(&sub, panel).map_err(|e| format!("{}: {e}", panel.title))?;
    }
    Ok(())
}

fn span(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    if !lo.is_finite() {
        return (-1.0, 1.0);
    }
    let pad = ((hi - lo) * 0.08).max(1e-3 * (1.0 + hi.abs()));
    (lo - pad, hi + pad)
}

fn integer_label(x: &f64) -> String {
    format!("{x:.0}")
}

fn draw_panel<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, p: &Panel) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let xs = p.series.iter().flat_map(|s| {
        s.points.iter().flat_map(move |&(x, _)| {
            let w = if let Style::Bars { width } = s.style {
                width
            } else {
                0.0
            };
            [x, x + w]
        })
    });
    let (x0, x1) = {
        let (lo, hi) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
        if lo.is_finite() && hi > lo {
            (lo, hi)
        } else {
            (0.0, 1.0)
        }
    };
    let (y0, y1) = p.y_range.unwrap_or_else(|| {
        span(
            p.series
                .iter()
                .flat_map(|s| {
                    s.points
                        .iter()
                        .map(|&(_, y)| y)
                        .chain(matches!(s.style, Style::Bars { .. }).then_some(0.0))
                })
                .chain(p.hlines.iter().map(|h| h.0)),
        )
    });
    let mut chart = ChartBuilder::on(area)
        .caption(&p.title, ("sans-serif", 20))
        .margin(10)
        .x_label_area_size(42)
        .y_label_area_size(70)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(e)?;
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(p.x_desc.as_str())
        .y_desc(p.y_desc.as_str())
        .label_style(("sans-serif", 14));
    if x1 - x0 >= 10.0 {
        mesh.x_label_formatter(&integer_label);
    }
    if p.integer_y {
        mesh.y_label_formatter(&integer_label);
    }
    mesh.draw().map_err(e)?;
    let mut legend = false;
    for s in &p.series {
        let (r, g, b) = COLORS[s.color % COLORS.len()];
        let color = RGBColor(r, g, b);
        let anno = match s.style {
            Style::Line => chart.draw_series(LineSeries::new(
                s.points.iter().copied(),
                color.stroke_width(2),
            )),
            Style::Dots => chart.draw_series(
                s.points
                    .iter()
                    .map(|&pt| Circle::new(pt, 2, color.filled())),
            ),
            Style::Marks => chart.draw_series(
                s.points
                    .iter()
                    .map(|&pt| TriangleMarker::new(pt, 5, color.filled())),
            ),
            Style::Bars { width } => chart.draw_series(s.points.iter().map(|&(x, h)| {
                Rectangle::new([(x, 0.0), (x + width * 0.9, h)], color.mix(0.75).filled())
            })),
        }
        .map_err(e)?;
        if !s.label.is_empty() {
            legend = true;
            anno.label(s.label.as_str()).legend(move |(x, y)| {
                PathElement::new([(x, y), (x + 20, y)], color.stroke_width(3))
            });
        }
    }
    for (y, label) in &p.hlines {
        legend = true;
        chart
            .draw_series(DashedLineSeries::new(
                [(x0, *y), (x1, *y)],
                8,
                5,
                RED.stroke_width(2),
            ))
            .map_err(e)?
            .label(label.as_str())
            .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], RED.stroke_width(2)));
    }
    if legend {
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(("sans-serif", 14))
            .position(SeriesLabelPosition::UpperRight)
            .draw()
            .map_err(e)?;
    }
    if let Some(note) = &p.empty_note {
        let (w, h) = area.dim_in_pixel();
        let style = ("sans-serif", 18).into_font().color(&BLACK);
        area.draw_text(note, &style, (w as i32 / 3, h as i32 / 2))
            .map_err(e)?;
    }
    Ok(())
}
