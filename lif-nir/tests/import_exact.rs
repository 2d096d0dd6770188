//! Imported NIR graphs reproduce snnTorch bit for bit: each snnTorch fixture of
//! `tests/fixtures/nir`, imported with `lif_nir::import` and run on the CPU backend in f32,
//! gives the output and hidden spikes snnTorch recorded, on every step and sample.
//!
//! snnTorch's import resets to zero without delay (`*.reimport.npy`, the importer's
//! defaults); the original modules use the reset the manifest names (`*.spikes.npy`, with
//! the options set to match). The weights are on a 1/64 grid, so PyTorch's batched sums are
//! exact and any order of summation gives the same bits.

use lif_core::Reset;
use lif_nir::{ImportOptions, Model};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/nir/");

fn npy<T: npyz::Deserialize>(file: &str) -> (Vec<usize>, Vec<T>) {
    let bytes = std::fs::read(format!("{DIR}{file}")).unwrap();
    let f = npyz::NpyFile::new(&bytes[..]).unwrap();
    let shape = f.shape().iter().map(|&n| n as usize).collect();
    (shape, f.into_vec().unwrap())
}

fn import(name: &str, reset: Option<(Reset, bool)>) -> Model {
    let nir = lif_nir::read(format!("{DIR}{name}.nir")).unwrap();
    let opts = ImportOptions {
        dt: 1e-4,
        reset: reset.map(|r| r.0),
        reset_delay: reset.map(|r| r.1),
        ..ImportOptions::default()
    };
    lif_nir::import(&nir, &opts).unwrap()
}

/// Runs fixture `name` on every sample; returns (output mismatches, hidden mismatches,
/// output spikes) against `want` and the hidden population `hidden`'s `want_hidden`.
fn mismatches(
    model: &Model,
    name: &str,
    want: &str,
    hidden: Option<(&str, &str)>,
) -> (usize, usize, usize) {
    let (xs, x) = npy::<f32>(&format!("{name}.input.npy"));
    // (steps, batch, input shape...): a sample's input is its elements in row-major order.
    let (steps, batch, nin) = (xs[0], xs[1], xs[2..].iter().product::<usize>());
    assert_eq!(nin, model.inputs);
    let (_, want) = npy::<u8>(want);
    let hidden = hidden.map(|(pop, file)| {
        let p = model
            .populations
            .iter()
            .position(|p| p.name == pop)
            .unwrap();
        (p, model.populations[p].neurons.len(), npy::<u8>(file).1)
    });
    let nout = model.populations[model.output].neurons.len();
    let (mut out_diff, mut hidden_diff, mut spikes) = (0, 0, 0);
    for b in 0..batch {
        let sample: Vec<f32> = (0..steps)
            .flat_map(|t| x[(t * batch + b) * nin..][..nin].to_vec())
            .collect();
        let run = model.run::<f32>(&sample).unwrap();
        for t in 0..steps {
            for j in 0..nout {
                let got = run.output[t * nout + j];
                spikes += usize::from(got == 1.0);
                out_diff += usize::from(got != f64::from(want[(t * batch + b) * nout + j]));
            }
        }
        if let Some((p, nh, wh)) = &hidden {
            let mut grid = vec![0u8; steps * nh];
            for &(t, i) in &run.events[*p] {
                grid[t as usize * nh + i as usize] = 1;
            }
            for t in 0..steps {
                for j in 0..*nh {
                    hidden_diff += usize::from(grid[t * nh + j] != wh[(t * batch + b) * nh + j]);
                }
            }
        }
    }
    (out_diff, hidden_diff, spikes)
}

#[test]
fn leaky_reimport_and_original() {
    let reimport = import("leaky_ff", None);
    assert_eq!(reimport.warnings.len(), 1, "{:?}", reimport.warnings);
    assert_eq!(
        mismatches(&reimport, "leaky_ff", "leaky_ff.reimport.npy", None),
        (0, 0, 14)
    );
    let original = import("leaky_ff", Some((Reset::Subtract, true)));
    assert!(original.warnings.is_empty());
    let r = mismatches(
        &original,
        "leaky_ff",
        "leaky_ff.spikes.npy",
        Some(("1", "leaky_ff.hidden.npy")),
    );
    assert_eq!(r, (0, 0, 19));
}

#[test]
fn synaptic_reimport_and_original() {
    let reimport = import("synaptic_ff", None);
    let r = mismatches(&reimport, "synaptic_ff", "synaptic_ff.reimport.npy", None);
    assert_eq!(r, (0, 0, 85));
    let original = import("synaptic_ff", Some((Reset::Zero, true)));
    let r = mismatches(
        &original,
        "synaptic_ff",
        "synaptic_ff.spikes.npy",
        Some(("1", "synaptic_ff.hidden.npy")),
    );
    assert_eq!(r, (0, 0, 42));
}

/// RLeaky against the original module (snnTorch cannot re-import this file): the cycle
/// `1.lif -> 1.w_rec -> 1.lif` becomes a projection with a delay of one step. snnTorch sums
/// `(beta mem + input) + recurrent`, lif `beta mem + (input + recurrent)`; the spikes agree.
#[test]
fn rleaky_original() {
    let model = import("rleaky", Some((Reset::Subtract, true)));
    let rec = &model.projections;
    assert!(
        rec.iter().any(|p| p.source == p.target && p.delay == 1),
        "{rec:?}"
    );
    let r = mismatches(
        &model,
        "rleaky",
        "rleaky.spikes.npy",
        Some(("1.lif", "rleaky.hidden.npy")),
    );
    assert_eq!(r, (0, 0, 5));
}

/// Conv2d -> Leaky -> AvgPool2d -> Flatten -> Affine -> Leaky against the original module:
/// the convolution is a dense projection from the input, the pooling, flattening and Affine
/// compose into one projection (each weight a quarter of the Affine's, exact).
#[test]
fn conv_original() {
    let model = import("conv", None);
    let first = &model.populations[0];
    assert_eq!((first.name.as_str(), first.neurons.len()), ("1", 32));
    assert_eq!(model.projections.len(), 1);
    let r = mismatches(
        &model,
        "conv",
        "conv.spikes.npy",
        Some(("1", "conv.hidden.npy")),
    );
    assert_eq!(r, (0, 0, 47));
}

/// Norse's Linear -> LIFCell -> Linear -> LIBoxCell (CubaLIF and LI in the file), imported
/// with `Convention::Norse` at Norse's dt: the LI readout's membranes follow Norse's own run
/// to float rounding (Norse adds `dt * tau_inv * ((v_leak - v) + i)` to `v`, lif multiplies
/// by `beta` and adds the scaled input: the same recurrence, rounded differently), which
/// needs the hidden layer to fire where Norse's does (a different spike moves a membrane by
/// a weight, about 0.1).
#[test]
fn norse_within_rounding() {
    let nir = lif_nir::read(format!("{DIR}norse_ff.nir")).unwrap();
    let opts = ImportOptions {
        dt: 1e-3,
        convention: lif_nir::Convention::Norse,
        ..ImportOptions::default()
    };
    let model = lif_nir::import(&nir, &opts).unwrap();
    let (xs, x) = npy::<f32>("norse_ff.input.npy");
    let (steps, batch, nin) = (xs[0], xs[1], xs[2]);
    let (_, want) = npy::<f32>("norse_ff.output.npy");
    let nout = want.len() / (steps * batch);
    let (mut worst, mut scale) = (0.0f64, 0.0f64);
    let mut hidden = 0;
    for b in 0..batch {
        let sample: Vec<f32> = (0..steps)
            .flat_map(|t| x[(t * batch + b) * nin..][..nin].to_vec())
            .collect();
        let run = model.run::<f32>(&sample).unwrap();
        hidden += run.events[0].len();
        for t in 0..steps {
            for j in 0..nout {
                let w = f64::from(want[(t * batch + b) * nout + j]);
                worst = worst.max((run.output[t * nout + j] - w).abs());
                scale = scale.max(w.abs());
            }
        }
    }
    eprintln!(
        "norse_ff: largest difference {worst:e} on membranes up to {scale}, {hidden} hidden spikes"
    );
    assert!(hidden > 0, "the hidden layer fires");
    assert!(worst <= 1e-6, "{worst} on membranes up to {scale}");
}
