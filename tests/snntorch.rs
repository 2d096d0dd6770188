//! Replays fixtures recorded with the real snnTorch 1.0.0 (float32) and requires lif-core's f32
//! models to reproduce every membrane, synaptic current and spike bit for bit.
//! Fixtures: `tests/fixtures/snntorch/*.json`, written by `scripts/gen_snntorch_fixtures.py`.

use lif_core::population::{self, Shared};
use lif_core::{
    LapicqueConfig, LapicqueSlices, LeakyConfig, LeakySlices, Reset, SynapticConfig, SynapticSlices,
};
use serde_json::Value;

fn load(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/snntorch/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["snntorch"], "1.0.0");
    v
}

fn bits(case: &Value, key: &str) -> Vec<f32> {
    case[key]
        .as_array()
        .unwrap_or_else(|| panic!("{}: no {key}", case["name"]))
        .iter()
        .map(|h| f32::from_bits(u32::from_str_radix(h.as_str().unwrap(), 16).unwrap()))
        .collect()
}

fn reset(p: &Value) -> Reset {
    match p["reset_mechanism"].as_str().unwrap() {
        "subtract" => Reset::Subtract,
        "zero" => Reset::Zero,
        "none" => Reset::None,
        other => panic!("unknown reset {other}"),
    }
}

fn num(p: &Value, k: &str) -> f64 {
    p[k].as_f64().unwrap()
}

struct Case {
    name: String,
    steps: usize,
    n: usize,
    input: Vec<f32>,
}

impl Case {
    fn new(case: &Value) -> Self {
        Case {
            name: case["name"].as_str().unwrap().to_owned(),
            steps: case["steps"].as_u64().unwrap() as usize,
            n: case["neurons"].as_u64().unwrap() as usize,
            input: bits(case, "input"),
        }
    }

    /// Compares one recorded trace, bit for bit, including the sign of zeros.
    fn expect(&self, what: &str, t: usize, got: &[f32], want: &[f32]) {
        for (i, (g, w)) in got.iter().zip(want).enumerate() {
            assert_eq!(
                g.to_bits(),
                w.to_bits(),
                "{}: {what} of neuron {i} at step {t}: lif {g:e} ({:08x}) vs snnTorch {w:e} ({:08x})",
                self.name,
                g.to_bits(),
                w.to_bits()
            );
        }
    }

    fn expect_spikes(&self, t: usize, got: &[bool], want: &[f32]) {
        let got: Vec<f32> = got.iter().map(|&s| if s { 1.0 } else { 0.0 }).collect();
        self.expect("spike", t, &got, want);
    }
}

#[test]
fn leaky_matches_snntorch_bit_for_bit() {
    let cases = load("leaky");
    let mut count = 0;
    for case in cases["cases"].as_array().unwrap() {
        let c = Case::new(case);
        let p = &case["params"];
        let model = LeakyConfig {
            beta: num(p, "beta"),
            threshold: num(p, "threshold"),
            reset: reset(p),
            reset_delay: p["reset_delay"].as_bool().unwrap(),
        }
        .build::<f32>()
        .unwrap();
        let (mem_want, spk_want) = (bits(case, "mem"), bits(case, "spk"));
        let mut mem = vec![0.0f32; c.n];
        let mut spikes = vec![false; c.n];
        for t in 0..c.steps {
            let row = t * c.n..(t + 1) * c.n;
            let mut view = LeakySlices::new(&mut mem).unwrap();
            population::step(
                &Shared(&model),
                &mut view,
                &c.input[row.clone()],
                &mut spikes[..],
            )
            .unwrap();
            c.expect("mem", t, &mem, &mem_want[row.clone()]);
            c.expect_spikes(t, &spikes, &spk_want[row]);
        }
        count += 1;
    }
    assert!(count >= 30, "only {count} Leaky cases");
}

#[test]
fn lapicque_matches_snntorch_bit_for_bit() {
    let cases = load("lapicque");
    let mut count = 0;
    for case in cases["cases"].as_array().unwrap() {
        let c = Case::new(case);
        let p = &case["params"];
        let model = LapicqueConfig {
            r: num(p, "R"),
            c: num(p, "C"),
            dt: num(p, "time_step"),
            threshold: num(p, "threshold"),
            reset: reset(p),
        }
        .build::<f32>()
        .unwrap();
        let (mem_want, spk_want) = (bits(case, "mem"), bits(case, "spk"));
        // One call over all steps: the population's time loop must equal stepwise replay.
        let mut mem = vec![0.0f32; c.n];
        let mut spikes = vec![false; c.n * c.steps];
        let mut view = LapicqueSlices::new(&mut mem).unwrap();
        population::run(
            &Shared(&model),
            &mut view,
            &c.input,
            c.steps,
            &mut spikes[..],
        )
        .unwrap();
        for t in 0..c.steps {
            let row = t * c.n..(t + 1) * c.n;
            c.expect_spikes(t, &spikes[row.clone()], &spk_want[row]);
        }
        let last = (c.steps - 1) * c.n..c.steps * c.n;
        c.expect("final mem", c.steps - 1, &mem, &mem_want[last]);
        count += 1;
    }
    assert!(count >= 10, "only {count} Lapicque cases");
}

#[test]
fn lapicque_tutorial_spike_times() {
    // The snnTorch tutorial's neuron: 10 zero steps, then a constant current.
    let model = LapicqueConfig::default().build::<f32>().unwrap();
    for (current, want) in [(0.2f32, vec![108]), (0.3, vec![36, 63, 91, 118, 146, 173])] {
        let input: Vec<f32> = (0..200)
            .map(|t| if t < 10 { 0.0 } else { current })
            .collect();
        let mut mem = [0.0f32];
        let mut spikes = [false; 200];
        population::run(
            &Shared(&model),
            &mut LapicqueSlices::new(&mut mem).unwrap(),
            &input,
            200,
            &mut spikes[..],
        )
        .unwrap();
        let got: Vec<usize> = (0..200).filter(|&t| spikes[t]).collect();
        assert_eq!(got, want, "input {current}");
    }
}

#[test]
fn synaptic_matches_snntorch_bit_for_bit() {
    let cases = load("synaptic");
    let mut count = 0;
    for case in cases["cases"].as_array().unwrap() {
        let c = Case::new(case);
        let p = &case["params"];
        let model = SynapticConfig {
            alpha: num(p, "alpha"),
            beta: num(p, "beta"),
            threshold: num(p, "threshold"),
            reset: reset(p),
            reset_delay: p["reset_delay"].as_bool().unwrap(),
        }
        .build::<f32>()
        .unwrap();
        let (mem_want, syn_want, spk_want) =
            (bits(case, "mem"), bits(case, "syn"), bits(case, "spk"));
        let mut mem = vec![0.0f32; c.n];
        let mut syn = vec![0.0f32; c.n];
        let mut spikes = [0u32; 1];
        for t in 0..c.steps {
            let row = t * c.n..(t + 1) * c.n;
            let mut view = SynapticSlices::new(&mut syn, &mut mem).unwrap();
            population::step(
                &Shared(&model),
                &mut view,
                &c.input[row.clone()],
                &mut spikes[..],
            )
            .unwrap();
            c.expect("syn", t, &syn, &syn_want[row.clone()]);
            c.expect("mem", t, &mem, &mem_want[row.clone()]);
            let unpacked: Vec<bool> = (0..c.n).map(|i| spikes[0] >> i & 1 == 1).collect();
            c.expect_spikes(t, &unpacked, &spk_want[row]);
        }
        count += 1;
    }
    assert!(count >= 30, "only {count} Synaptic cases");
}
