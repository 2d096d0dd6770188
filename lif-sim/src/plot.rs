//! Figures as PNG and SVG (plotters), for the lif-sim CLI and the workspace examples:
//! vertically stacked panels of lines, dots, spike marks and bars, with horizontal reference
//! lines and the legend beside the data. Text uses the bundled DejaVu Sans, so no system
//! fonts are needed.

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
    /// A dashed line through the points.
    Dashed,
    /// A small dot per point (rasters: one row per neuron).
    Dots,
    /// A large dot per point (spikes marked where the membrane crosses the threshold).
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
    /// Height in pixels; the figure's `height` when `None`.
    pub height: Option<u32>,
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
    let heights: Vec<u32> = panels.iter().map(|p| p.height.unwrap_or(height)).collect();
    let size = (WIDTH, heights.iter().sum::<u32>().max(1));
    let png = stem.with_extension("png");
    let area = BitMapBackend::new(&png, size).into_drawing_area();
    draw(&area, panels, &heights)?;
    area.present()
        .map_err(|e| format!("{}: {e}", png.display()))?;
    let svg = stem.with_extension("svg");
    let area = SVGBackend::new(&svg, size).into_drawing_area();
    draw(&area, panels, &heights)?;
    area.present()
        .map_err(|e| format!("{}: {e}", svg.display()))?;
    Ok(())
}

/// Figure width in pixels.
const WIDTH: u32 = 1000;
/// Width of the legend strip right of a panel's data, in pixels.
const LEGEND: u32 = 190;

fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panels: &[Panel],
    heights: &[u32],
) -> Result<(), String> {
    area.fill(&WHITE).map_err(|e| e.to_string())?;
    // One panel's legend strip is every panel's, so that their time axes line up.
    let strip = panels
        .iter()
        .any(|p| !p.hlines.is_empty() || p.series.iter().any(|s| !s.label.is_empty()));
    let mut rest = area.clone();
    for (panel, &h) in panels.iter().zip(heights) {
        let (sub, below) = rest.split_vertically(h);
        draw_panel(&sub, panel, strip).map_err(|e| format!("{}: {e}", panel.title))?;
        rest = below;
    }
    Ok(())
}

/// A series' colour.
fn color(index: usize) -> RGBColor {
    let (r, g, b) = COLORS[index % COLORS.len()];
    RGBColor(r, g, b)
}

fn span(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    if !lo.is_finite() {
        return (-1.0, 1.0);
    }
    let pad = if hi > lo {
        (hi - lo) * 0.08
    } else {
        1e-3 * (1.0 + hi.abs())
    };
    (lo - pad, hi + pad)
}

fn integer_label(x: &f64) -> String {
    tick(*x, 100.0)
}

/// A tick label with as many decimals as an axis spanning `span` needs, and no "-0".
fn tick(v: f64, span: f64) -> String {
    let decimals = (1.0 - span.abs().max(1e-12).log10().floor()).clamp(0.0, 6.0) as usize;
    let text = format!("{v:.decimals$}");
    if text.bytes().all(|b| matches!(b, b'-' | b'0' | b'.')) {
        text.trim_start_matches('-').to_owned()
    } else {
        text
    }
}

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    p: &Panel,
    strip: bool,
) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    // The legend: labelled series and reference lines, beside the data, never over it.
    let entries: Vec<(String, RGBColor, Style)> = p
        .series
        .iter()
        .filter(|s| !s.label.is_empty())
        .map(|s| (s.label.clone(), color(s.color), s.style))
        .chain(
            p.hlines
                .iter()
                .map(|(_, l)| (l.clone(), RED, Style::Dashed)),
        )
        .collect();
    let (area, legend) = if !strip {
        (area.clone(), None)
    } else {
        let (w, _) = area.dim_in_pixel();
        let (data, legend) = area.split_horizontally(w.saturating_sub(LEGEND));
        (data, Some(legend))
    };
    let area = &area;
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
    let (x0, x1) = p.x_range.unwrap_or_else(|| {
        let (lo, hi) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
        if lo.is_finite() && hi > lo {
            (lo, hi)
        } else {
            (0.0, 1.0)
        }
    });
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
        .caption(&p.title, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(48)
        .y_label_area_size(92)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(e)?;
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(p.x_desc.as_str())
        .y_desc(p.y_desc.as_str())
        .label_style(("sans-serif", 16))
        .axis_desc_style(("sans-serif", 16))
        .light_line_style(WHITE.mix(0.0))
        .bold_line_style(BLACK.mix(0.08));
    let x_ticks = |v: &f64| tick(*v, x1 - x0);
    let y_ticks = |v: &f64| tick(*v, y1 - y0);
    if x1 - x0 >= 10.0 {
        mesh.x_label_formatter(&integer_label);
    } else {
        mesh.x_label_formatter(&x_ticks);
    }
    if p.integer_y {
        // One label per whole number at most, so no two labels read the same.
        mesh.y_labels(((y1 - y0).floor() as usize + 1).clamp(2, 10))
            .y_label_formatter(&integer_label);
    } else {
        mesh.y_label_formatter(&y_ticks);
    }
    mesh.draw().map_err(e)?;
    for (y, _) in &p.hlines {
        chart
            .draw_series(DashedLineSeries::new(
                [(x0, *y), (x1, *y)],
                8,
                5,
                RED.stroke_width(2),
            ))
            .map_err(e)?;
    }
    for s in &p.series {
        let c = color(s.color);
        match s.style {
            Style::Line => chart
                .draw_series(LineSeries::new(s.points.iter().copied(), c.stroke_width(2)))
                .map(|_| ()),
            Style::Dashed => chart
                .draw_series(DashedLineSeries::new(
                    s.points.iter().copied(),
                    6,
                    4,
                    c.stroke_width(2),
                ))
                .map(|_| ()),
            Style::Dots => {
                // Small dots for a crowded raster, larger ones where rows are few.
                let r = if y1 - y0 <= 50.0 { 2 } else { 1 };
                chart
                    .draw_series(s.points.iter().map(|&pt| Circle::new(pt, r, c.filled())))
                    .map(|_| ())
            }
            Style::Marks => chart
                .draw_series(s.points.iter().map(|&pt| Circle::new(pt, 4, c.filled())))
                .map(|_| ()),
            Style::Bars { width } => chart
                .draw_series(s.points.iter().map(|&(x, h)| {
                    Rectangle::new([(x, 0.0), (x + width * 0.9, h)], c.mix(0.75).filled())
                }))
                .map(|_| ()),
        }
        .map_err(e)?;
    }
    if let Some(note) = &p.empty_note {
        let (w, h) = area.dim_in_pixel();
        let style = ("sans-serif", 18).into_font().color(&BLACK);
        area.draw_text(note, &style, (w as i32 / 3, h as i32 / 2))
            .map_err(e)?;
    }
    if let Some(legend) = legend {
        let font = ("sans-serif", 15).into_font().color(&BLACK);
        for (k, (label, c, style)) in entries.iter().enumerate() {
            let y = 60 + 24 * k as i32;
            let swatch = match style {
                Style::Dots | Style::Marks => legend
                    .draw(&Circle::new((14, y), 4, c.filled()))
                    .map(|_| ()),
                Style::Dashed => legend
                    .draw(&PathElement::new([(4, y), (11, y)], c.stroke_width(3)))
                    .and_then(|_| {
                        legend.draw(&PathElement::new([(17, y), (26, y)], c.stroke_width(3)))
                    })
                    .map(|_| ()),
                _ => legend
                    .draw(&PathElement::new([(4, y), (26, y)], c.stroke_width(3)))
                    .map(|_| ()),
            };
            swatch.map_err(e)?;
            legend.draw_text(label, &font, (34, y - 8)).map_err(e)?;
        }
    }
    Ok(())
}
