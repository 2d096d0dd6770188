//! The run's plots, each as PNG and SVG through `lif_sim::plot`: membrane traces with
//! the threshold and spike marks, a spike raster, the firing-rate histogram and the input.

use lif_sim::plot::{Panel, Series, Style, figure};

use crate::staging::Staging;

/// What the plots show.
pub struct PlotData<'a> {
    pub title: String,
    pub steps: usize,
    pub neurons: usize,
    /// Packed spikes of neurons `0..spike_neurons`, (steps, ceil(spike_neurons / 32)).
    pub spike_neurons: usize,
    pub spikes: &'a [u32],
    pub recorded: &'a [usize],
    /// Spikes of the recorded neurons, (steps, recorded).
    pub recorded_spikes: &'a [bool],
    pub trace: &'a [f64],
    /// Their thresholds, (steps, recorded).
    pub thresholds: &'a [f64],
    /// The input of neuron 0 at every step.
    pub input: &'a [f64],
    pub threshold: f64,
    pub threshold_label: &'a str,
    /// Spikes of every neuron over the run (the backend's counts).
    pub counts: &'a [u64],
    /// Spikes of all neurons at each step.
    pub population: &'a [u32],
    /// The time axis.
    pub time: TimeAxis,
    /// Unit of the membrane potential.
    pub voltage_unit: &'static str,
}

/// At most this many neurons appear in the raster (the first ones).
pub const RASTER_NEURONS: usize = 200;
/// At most this many recorded traces are drawn.
const TRACES: usize = 6;
const HEIGHT: u32 = 560;

/// The time axis: steps, or time in the model's unit where it has one.
pub struct TimeAxis {
    /// Time per step (1 for steps).
    pub scale: f64,
    /// Axis label.
    pub label: &'static str,
}

/// Writes every plot into the staging folder.
pub fn write_all(stage: &Staging, d: &PlotData) -> Result<(), String> {
    let k = d.recorded.len();
    let shown = k.min(TRACES);
    let x = |t: usize| t as f64 * d.time.scale;
    let mut membrane = Panel {
        title: format!("{}: membrane potential", d.title),
        x_desc: d.time.label.into(),
        y_desc: format!("membrane potential ({})", d.voltage_unit),
        hlines: vec![(d.threshold, d.threshold_label.into())],
        empty_note: (shown == 0).then(|| "no neuron recorded (use --record)".into()),
        ..Panel::default()
    };
    for (j, &neuron) in d.recorded.iter().take(shown).enumerate() {
        let line = (0..d.steps).map(|t| (x(t), d.trace[t * k + j])).collect();
        membrane.series.push(Series::new(
            format!("neuron {neuron}"),
            line,
            Style::Line,
            j,
        ));
        // A spike is marked where the membrane crossed the threshold that applied to it.
        let marks = (0..d.steps)
            .filter(|&t| d.recorded_spikes[t * k + j])
            .map(|t| (x(t), d.thresholds[t * k + j]))
            .collect();
        membrane
            .series
            .push(Series::new("", marks, Style::Marks, j));
        // A moving (adaptive) threshold is drawn as the neuron's own line.
        if (0..d.steps).any(|t| d.thresholds[t * k + j] != d.threshold) {
            let th = (0..d.steps)
                .map(|t| (x(t), d.thresholds[t * k + j]))
                .collect();
            let label = format!("threshold of neuron {neuron}");
            membrane
                .series
                .push(Series::new(label, th, Style::Dashed, j));
        }
    }
    figure(&stage.path("membrane"), &[membrane], HEIGHT)?;

    let rows = d.spike_neurons.min(RASTER_NEURONS);
    let title = if rows < d.neurons {
        format!(
            "{}: spike raster (first {rows} of {} neurons)",
            d.title, d.neurons
        )
    } else {
        format!("{}: spike raster", d.title)
    };
    let mut raster = Panel::raster(title, d.spikes, d.spike_neurons, d.steps, rows);
    for s in &mut raster.series {
        for p in &mut s.points {
            p.0 *= d.time.scale;
        }
    }
    raster.x_desc = d.time.label.into();
    raster.x_range = Some((0.0, x(d.steps)));
    raster.height = Some(420);
    // The population rate of every neuron, not only the rows shown.
    let rate = Panel {
        title: format!("population rate of all {} neurons", d.neurons),
        x_desc: d.time.label.into(),
        y_desc: "rate (per step)".into(),
        series: vec![Series::new(
            "",
            d.population
                .iter()
                .enumerate()
                .map(|(t, &c)| (x(t), f64::from(c) / d.neurons as f64))
                .collect(),
            Style::Line,
            0,
        )],
        x_range: Some((0.0, x(d.steps))),
        height: Some(230),
        ..Panel::default()
    };
    figure(&stage.path("raster"), &[raster, rate], HEIGHT)?;

    const BINS: usize = 25;
    let rates: Vec<f64> = d
        .counts
        .iter()
        .map(|&c| c as f64 / d.steps as f64)
        .collect();
    let width = rates.iter().copied().fold(0.0, f64::max).max(1e-6) / BINS as f64;
    let mut counts = [0usize; BINS + 1];
    for r in &rates {
        counts[((r / width) as usize).min(BINS)] += 1;
    }
    let bars = counts
        .iter()
        .enumerate()
        .map(|(b, &c)| (b as f64 * width, c as f64))
        .collect();
    let histogram = Panel {
        title: format!("{}: firing rates of {} neurons", d.title, d.neurons),
        x_desc: "firing rate (spikes per step)".into(),
        y_desc: "neurons".into(),
        series: vec![Series::new("", bars, Style::Bars { width }, 0)],
        y_range: Some((
            0.0,
            counts.iter().copied().max().unwrap_or(1) as f64 * 1.1 + 0.5,
        )),
        integer_y: true,
        ..Panel::default()
    };
    figure(&stage.path("rates"), &[histogram], HEIGHT)?;

    let input = Panel {
        title: format!("{}: input to neuron 0", d.title),
        x_desc: d.time.label.into(),
        y_desc: "input (model units)".into(),
        series: vec![Series::new(
            "",
            d.input
                .iter()
                .enumerate()
                .map(|(t, &v)| (x(t), v))
                .collect(),
            Style::Line,
            0,
        )],
        ..Panel::default()
    };
    figure(&stage.path("input"), &[input], HEIGHT)
}
