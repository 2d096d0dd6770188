//! The statistics by which networks are compared across simulators (a chaotic network's
//! spike times never agree, its statistics do): mean rate, mean coefficient of variation of
//! interspike intervals, and the peak of the population rate's spectrum.

use rustfft::FftPlanner;
use rustfft::num_complex::Complex;
use serde::Serialize;

/// Statistics of one population's spikes.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct PopulationStats {
    /// Spikes in all.
    pub spikes: u64,
    /// Mean rate over all neurons and the whole run, in Hz.
    pub rate_hz: f64,
    /// Mean over neurons with at least 3 spikes of `std(ISI) / mean(ISI)` (population
    /// standard deviation); `None` when no neuron has 3 spikes.
    pub cv_isi: Option<f64>,
    /// Neurons that entered `cv_isi`.
    pub cv_neurons: usize,
}

/// The statistics of `events` ((step, neuron), by step) of `neurons` neurons over `steps`
/// steps of `dt_ms`.
pub fn population(
    events: &[(u32, u32)],
    neurons: usize,
    steps: usize,
    dt_ms: f64,
) -> PopulationStats {
    let seconds = steps as f64 * dt_ms / 1000.0;
    let spikes = events.len() as u64;
    let rate_hz = if neurons == 0 || seconds <= 0.0 {
        0.0
    } else {
        spikes as f64 / neurons as f64 / seconds
    };
    // Per neuron: last spike, count, sum and sum of squares of intervals (in steps).
    let mut last = vec![u32::MAX; neurons];
    let mut acc = vec![(0u32, 0f64, 0f64); neurons];
    for &(t, i) in events {
        let i = i as usize;
        if i >= neurons {
            continue;
        }
        if last[i] != u32::MAX {
            let d = f64::from(t - last[i]);
            let a = &mut acc[i];
            a.0 += 1;
            a.1 += d;
            a.2 += d * d;
        }
        last[i] = t;
    }
    let cvs: Vec<f64> = acc
        .iter()
        .filter(|a| a.0 >= 2)
        .map(|&(k, s, s2)| {
            let k = f64::from(k);
            let mean = s / k;
            let var = (s2 / k - mean * mean).max(0.0);
            var.sqrt() / mean
        })
        .collect();
    PopulationStats {
        spikes,
        rate_hz,
        cv_isi: (!cvs.is_empty()).then(|| cvs.iter().sum::<f64>() / cvs.len() as f64),
        cv_neurons: cvs.len(),
    }
}

/// The population rate of every population together in 1 ms bins (spikes per bin, whole
/// bins only; `dt_ms` rounded to whole steps per bin, at least 1).
pub fn binned_rate(events: &[&[(u32, u32)]], steps: usize, dt_ms: f64) -> (Vec<f64>, f64) {
    let per_bin = ((1.0 / dt_ms).round() as usize).max(1);
    let bins = steps / per_bin;
    let mut rate = vec![0.0; bins];
    for evs in events {
        for &(t, _) in *evs {
            if let Some(b) = rate.get_mut(t as usize / per_bin) {
                *b += 1.0;
            }
        }
    }
    (rate, per_bin as f64 * dt_ms)
}

/// The frequency (Hz) of the largest peak of the spectrum of `rate` (bins of `bin_ms`),
/// its mean removed, 0 Hz excluded; `None` for fewer than 4 bins or a flat rate.
pub fn spectrum_peak(rate: &[f64], bin_ms: f64) -> Option<f64> {
    let n = rate.len();
    if n < 4 {
        return None;
    }
    let mean = rate.iter().sum::<f64>() / n as f64;
    let mut buf: Vec<Complex<f64>> = rate.iter().map(|&r| Complex::new(r - mean, 0.0)).collect();
    FftPlanner::new().plan_fft_forward(n).process(&mut buf);
    let (k, power) = buf[1..=n / 2]
        .iter()
        .map(|c| c.norm_sqr())
        .enumerate()
        .fold(
            (0, 0.0),
            |best, (k, p)| if p > best.1 { (k + 1, p) } else { best },
        );
    (power > 0.0).then(|| k as f64 / (n as f64 * bin_ms / 1000.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regular_spiking_has_cv_zero_and_its_rate() {
        // Neuron 0 fires every 100 steps of 0.1 ms: 100 Hz, CV 0; neuron 1 never.
        let events: Vec<(u32, u32)> = (0..100).map(|k| (k * 100, 0)).collect();
        let s = population(&events, 2, 10_000, 0.1);
        assert_eq!(s.spikes, 100);
        assert!((s.rate_hz - 50.0).abs() < 1e-9);
        assert_eq!(s.cv_isi, Some(0.0));
        assert_eq!(s.cv_neurons, 1);
        // Alternating intervals 1 and 3: mean 2, std 1.
        let s = population(&[(0, 0), (1, 0), (4, 0), (5, 0), (8, 0)], 1, 10, 1.0);
        assert_eq!(s.cv_isi, Some(0.5));
    }

    #[test]
    fn a_rate_oscillating_at_40_hz_peaks_at_40_hz() {
        // 1 s of 1 ms bins, rate modulated at 40 Hz.
        let rate: Vec<f64> = (0..1000)
            .map(|k| 10.0 + 5.0 * (2.0 * std::f64::consts::PI * 40.0 * k as f64 / 1000.0).sin())
            .collect();
        let peak = spectrum_peak(&rate, 1.0).unwrap();
        assert!((peak - 40.0).abs() < 1e-9, "{peak}");
        assert_eq!(spectrum_peak(&[1.0; 100], 1.0), None);
    }
}
