//! A float run and a fixed-point run of the same config, side by side: where their
//! membranes differ, how many spikes they share, and where they first part. The dashboard
//! shows it for every request; `lif-sim run --compare-fixed` writes it as a figure and in
//! `summary.json`.

use lif_sim::plot::{Panel, Series, Style, figure};
use serde::Serialize;

use crate::outputs::Results;
use crate::staging::Staging;

/// Where two runs of the same config differ. Spike counts are over every neuron and step.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Comparison {
    /// The two scalars, reference first.
    pub scalars: [&'static str; 2],
    /// Largest |membrane difference| among the recorded neurons, and where.
    pub max_membrane_diff: f64,
    pub max_at_step: usize,
    pub max_at_neuron: usize,
    /// Mean |membrane difference| over the recorded neurons and steps.
    pub mean_membrane_diff: f64,
    /// Spikes of each run.
    pub spikes: [u64; 2],
    /// (neuron, step) cells where exactly one of the runs spiked.
    pub differing_spikes: u64,
    /// Spikes both runs have.
    pub common_spikes: u64,
    /// `2 * common / (spikes[0] + spikes[1])`: 1 when the rasters are equal.
    pub spike_agreement: f64,
    /// The first step at which the rasters differ, and the lowest neuron there.
    pub first_difference: Option<(usize, usize)>,
}

/// Compares two runs of the same population; both must keep every neuron's spikes.
pub fn compare(a: &Results, b: &Results) -> Comparison {
    let k = a.recorded.len().max(1);
    let (mut max, mut at, mut sum) = (0.0f64, (0usize, 0usize), 0.0f64);
    for (idx, (x, y)) in a.trace.iter().zip(&b.trace).enumerate() {
        let d = (x - y).abs();
        sum += d;
        if d > max {
            max = d;
            at = (idx / k, a.recorded.get(idx % k).copied().unwrap_or(0));
        }
    }
    let words = a.spike_neurons.div_ceil(32).max(1);
    let (mut differing, mut common) = (0u64, 0u64);
    let mut first = None;
    for (i, (x, y)) in a.spikes.iter().zip(&b.spikes).enumerate() {
        differing += u64::from((x ^ y).count_ones());
        common += u64::from((x & y).count_ones());
        if first.is_none() && x != y {
            first = Some((
                i / words,
                (i % words) * 32 + (x ^ y).trailing_zeros() as usize,
            ));
        }
    }
    let spikes = [a.summary.stats.spike_count, b.summary.stats.spike_count];
    let total = spikes[0] + spikes[1];
    Comparison {
        scalars: [a.summary.scalar, b.summary.scalar],
        max_membrane_diff: max,
        max_at_step: at.0,
        max_at_neuron: at.1,
        mean_membrane_diff: if a.trace.is_empty() {
            0.0
        } else {
            sum / a.trace.len() as f64
        },
        spikes,
        differing_spikes: differing,
        common_spikes: common,
        spike_agreement: if total == 0 {
            1.0
        } else {
            2.0 * common as f64 / total as f64
        },
        first_difference: first,
    }
}

/// `compare.png` and `.svg`: the recorded membranes of both runs overlaid (float solid,
/// fixed point dashed), their difference, and the spikes each run has that the other lacks
/// per step.
pub fn write_figure(
    stage: &Staging,
    a: &Results,
    b: &Results,
    c: &Comparison,
) -> Result<(), String> {
    let k = a.recorded.len();
    let shown = k.min(3);
    let [sa, sb] = c.scalars;
    let mut overlay = Panel {
        title: format!("membrane potential: {sa} (solid) and {sb} (dashed)"),
        x_desc: "time step".into(),
        y_desc: "membrane potential".into(),
        empty_note: (shown == 0).then(|| "no neuron recorded (use --record)".into()),
        ..Panel::default()
    };
    let mut diff = Panel {
        title: format!("membrane difference {sb} - {sa}"),
        x_desc: "time step".into(),
        y_desc: "difference".into(),
        hlines: vec![(0.0, "no difference".into())],
        ..Panel::default()
    };
    for (j, &neuron) in a.recorded.iter().take(shown).enumerate() {
        let line = |r: &Results| {
            (0..r.steps)
                .map(|t| (t as f64, r.trace[t * k + j]))
                .collect()
        };
        overlay.series.push(Series::new(
            format!("neuron {neuron}, {sa}"),
            line(a),
            Style::Line,
            j,
        ));
        overlay.series.push(Series::new(
            format!("neuron {neuron}, {sb}"),
            line(b),
            Style::Dashed,
            j,
        ));
        let d = (0..a.steps)
            .map(|t| (t as f64, b.trace[t * k + j] - a.trace[t * k + j]))
            .collect();
        diff.series
            .push(Series::new(format!("neuron {neuron}"), d, Style::Line, j));
    }
    let words = a.spike_neurons.div_ceil(32).max(1);
    let per_step = a
        .spikes
        .chunks(words)
        .zip(b.spikes.chunks(words))
        .enumerate()
        .map(|(t, (x, y))| {
            let n: u32 = x.iter().zip(y).map(|(p, q)| (p ^ q).count_ones()).sum();
            (t as f64, f64::from(n))
        })
        .collect();
    let spikes = Panel {
        title: format!(
            "spikes in only one run: {} of {} and {} ({:.4} agreement)",
            c.differing_spikes, c.spikes[0], c.spikes[1], c.spike_agreement
        ),
        x_desc: "time step".into(),
        y_desc: "spikes".into(),
        series: vec![Series::new("", per_step, Style::Line, 3)],
        integer_y: true,
        height: Some(260),
        ..Panel::default()
    };
    figure(&stage.path("compare"), &[overlay, diff, spikes], 400)
}
