//! The run's plots, each as PNG and SVG: membrane traces with the threshold and spike marks,
//! a spike raster, the firing-rate histogram and the input. Text uses the bundled DejaVu
//! Sans (assets/), so no system fonts are needed.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::outputs::{Staging, spike_bit};

/// What the plots show.
pub struct PlotData<'a> {
    pub title: String,
    pub steps: usize,
    pub neurons: usize,
    pub spikes: &'a [u32],
    pub recorded: &'a [usize],
    pub trace: &'a [f64],
    /// The input of neuron 0 at every step.
    pub input: &'a [f64],
    pub threshold: f64,
    pub threshold_label: &'a str,
}

const SIZE: (u32, u32) = (1000, 560);

/// Trace colours: distinct from each other and from the red threshold line.
const COLORS: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(255, 127, 14),
    RGBColor(23, 190, 207),
    RGBColor(127, 127, 127),
];

fn step_label(x: &f64) -> String {
    format!("{x:.0}")
}
/// At most this many neurons appear in the raster (the first ones).
const RASTER_NEURONS: usize = 200;
/// At most this many recorded traces are drawn.
const TRACES: usize = 6;

fn font() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // The bundled font is valid; a failure would only leave text undrawn.
        let _ = plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            include_bytes!("../../../assets/DejaVuSans.ttf"),
        );
    });
}

fn err<E: std::fmt::Display>(what: &str) -> impl Fn(E) -> String + '_ {
    move |e| format!("plot {what}: {e}")
}

/// Writes every plot into the staging folder.
pub fn write_all(stage: &Staging, d: &PlotData) -> Result<(), String> {
    font();
    macro_rules! both_formats {
        ($name:literal, $draw:ident) => {{
            let p = stage.path(concat!($name, ".png"));
            let area = BitMapBackend::new(&p, SIZE).into_drawing_area();
            $draw(&area, d)?;
            area.present().map_err(err($name))?;
            let p = stage.path(concat!($name, ".svg"));
            let area = SVGBackend::new(&p, SIZE).into_drawing_area();
            $draw(&area, d)?;
            area.present().map_err(err($name))?;
        }};
    }
    both_formats!("membrane", membrane);
    both_formats!("raster", raster);
    both_formats!("rates", rates);
    both_formats!("input", input);
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

fn membrane<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, d: &PlotData) -> Result<(), String> {
    area.fill(&WHITE).map_err(err("membrane"))?;
    let k = d.recorded.len();
    let shown = k.min(TRACES);
    let (lo, hi) = span(
        (0..d.steps)
            .flat_map(|t| (0..shown).map(move |j| (t, j)))
            .map(|(t, j)| d.trace[t * k + j])
            .chain([d.threshold]),
    );
    let mut chart = ChartBuilder::on(area)
        .caption(
            format!("{}: membrane potential", d.title),
            ("sans-serif", 22),
        )
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d(0f64..d.steps as f64, lo..hi)
        .map_err(err("membrane"))?;
    chart
        .configure_mesh()
        .x_desc("time step")
        .x_label_formatter(&step_label)
        .y_desc("membrane potential (model units)")
        .label_style(("sans-serif", 15))
        .draw()
        .map_err(err("membrane"))?;
    if shown == 0 {
        let style = ("sans-serif", 20).into_font().color(&BLACK);
        area.draw_text("no neuron recorded (use --record)", &style, (350, 280))
            .map_err(err("membrane"))?;
        return Ok(());
    }
    let words = d.neurons.div_ceil(32);
    for (j, &neuron) in d.recorded.iter().take(shown).enumerate() {
        let color = COLORS[j % COLORS.len()];
        chart
            .draw_series(LineSeries::new(
                (0..d.steps).map(|t| (t as f64, d.trace[t * k + j])),
                color.stroke_width(2),
            ))
            .map_err(err("membrane"))?
            .label(format!("neuron {neuron}"))
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], color.stroke_width(2)));
        // Spike marks: a triangle above the threshold at every spike of this neuron.
        let mark_y = d.threshold + (hi - d.threshold) * 0.5;
        chart
            .draw_series(
                (0..d.steps)
                    .filter(|&t| spike_bit(d.spikes, words, t, neuron))
                    .map(|t| TriangleMarker::new((t as f64, mark_y), 5, color.filled())),
            )
            .map_err(err("membrane"))?;
    }
    chart
        .draw_series(DashedLineSeries::new(
            [(0.0, d.threshold), (d.steps as f64, d.threshold)],
            8,
            5,
            RED.stroke_width(2),
        ))
        .map_err(err("membrane"))?
        .label(d.threshold_label.to_string())
        .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], RED.stroke_width(2)));
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 15))
        .position(SeriesLabelPosition::LowerRight)
        .draw()
        .map_err(err("membrane"))?;
    Ok(())
}

fn raster<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, d: &PlotData) -> Result<(), String> {
    area.fill(&WHITE).map_err(err("raster"))?;
    let shown = d.neurons.min(RASTER_NEURONS);
    let caption = if shown < d.neurons {
        format!(
            "{}: spike raster (first {shown} of {} neurons)",
            d.title, d.neurons
        )
    } else {
        format!("{}: spike raster", d.title)
    };
    let mut chart = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(60)
        .build_cartesian_2d(0f64..d.steps as f64, -0.5f64..shown as f64 - 0.5)
        .map_err(err("raster"))?;
    chart
        .configure_mesh()
        .x_desc("time step")
        .x_label_formatter(&step_label)
        .y_desc("neuron")
        .y_label_formatter(&step_label)
        .label_style(("sans-serif", 15))
        .draw()
        .map_err(err("raster"))?;
    let words = d.neurons.div_ceil(32);
    let size = if shown > 60 || d.steps > 500 { 1 } else { 2 };
    chart
        .draw_series(
            (0..d.steps)
                .flat_map(|t| (0..shown).map(move |i| (t, i)))
                .filter(|&(t, i)| spike_bit(d.spikes, words, t, i))
                .map(|(t, i)| Circle::new((t as f64, i as f64), size, BLACK.filled())),
        )
        .map_err(err("raster"))?;
    Ok(())
}

fn rates<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, d: &PlotData) -> Result<(), String> {
    area.fill(&WHITE).map_err(err("rates"))?;
    let words = d.neurons.div_ceil(32);
    let rates: Vec<f64> = (0..d.neurons)
        .map(|i| {
            (0..d.steps)
                .filter(|&t| spike_bit(d.spikes, words, t, i))
                .count() as f64
                / d.steps as f64
        })
        .collect();
    const BINS: usize = 25;
    let max = rates.iter().copied().fold(0.0, f64::max).max(1e-9);
    let width = max / BINS as f64;
    let mut counts = [0usize; BINS + 1];
    for r in &rates {
        counts[((r / width) as usize).min(BINS)] += 1;
    }
    let top = counts.iter().copied().max().unwrap_or(1).max(1);
    let mut chart = ChartBuilder::on(area)
        .caption(
            format!("{}: firing rates of {} neurons", d.title, d.neurons),
            ("sans-serif", 22),
        )
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(60)
        .build_cartesian_2d(0f64..max + width, 0usize..top + top / 10 + 1)
        .map_err(err("rates"))?;
    chart
        .configure_mesh()
        .x_desc("firing rate (spikes per step)")
        .y_desc("neurons")
        .label_style(("sans-serif", 15))
        .draw()
        .map_err(err("rates"))?;
    chart
        .draw_series(
            counts
                .iter()
                .enumerate()
                .filter(|(_, c)| **c > 0)
                .map(|(b, &c)| {
                    let x0 = b as f64 * width;
                    Rectangle::new([(x0, 0), (x0 + width * 0.9, c)], BLUE.mix(0.7).filled())
                }),
        )
        .map_err(err("rates"))?;
    Ok(())
}

fn input<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, d: &PlotData) -> Result<(), String> {
    area.fill(&WHITE).map_err(err("input"))?;
    let (lo, hi) = span(d.input.iter().copied().chain([0.0]));
    let mut chart = ChartBuilder::on(area)
        .caption(
            format!("{}: input to neuron 0", d.title),
            ("sans-serif", 22),
        )
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d(0f64..d.steps as f64, lo..hi)
        .map_err(err("input"))?;
    chart
        .configure_mesh()
        .x_desc("time step")
        .x_label_formatter(&step_label)
        .y_desc("input (model units)")
        .label_style(("sans-serif", 15))
        .draw()
        .map_err(err("input"))?;
    chart
        .draw_series(LineSeries::new(
            d.input.iter().enumerate().map(|(t, &v)| (t as f64, v)),
            BLUE.stroke_width(2),
        ))
        .map_err(err("input"))?;
    Ok(())
}
