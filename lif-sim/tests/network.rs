//! `lif-sim network` end to end: the CUBA network's statistics inside the band Brian2 gives
//! for the same network (tests/fixtures/cuba_brian2_band.json, made by
//! scripts/cuba_brian2.py --band), its outputs, the same bits on 1 and 2 threads, and the
//! errors bad network configs get.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{json, stderr, tmp};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// lif-sim run from the repository's root, where the configs name their files.
fn lif_sim(args: &[&str]) -> Output {
    common::lif_sim_in(&root(), args)
}

fn floats(v: &serde_json::Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn run_cuba(out: &Path, seed: u64, threads: usize) -> serde_json::Value {
    let o = lif_sim(&[
        "network",
        "examples/cuba.toml",
        "--scale",
        "0.25",
        "--seed",
        &seed.to_string(),
        "--threads",
        &threads.to_string(),
        "--no-plots",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    json(&out.join("summary.json"))
}

#[test]
fn cuba_at_1000_neurons_fires_like_brian2() {
    let band = json(&root().join("tests/fixtures/cuba_brian2_band.json"));
    assert_eq!(band["neurons"], 1000);
    let (re, ri, cv) = (
        floats(&band["rate_e_hz"]),
        floats(&band["rate_i_hz"]),
        floats(&band["cv"]),
    );
    let lo = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = |v: &[f64]| v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let mut rates_e = Vec::new();
    for seed in 1..=3 {
        let out = tmp(&format!("cuba{seed}"));
        let s = run_cuba(&out, seed, 2);
        let pops = s["populations"].as_array().unwrap();
        assert_eq!(pops[0]["neurons"], 800);
        assert_eq!(pops[1]["neurons"], 200);
        let (e, i) = (
            pops[0]["rate_hz"].as_f64().unwrap(),
            pops[1]["rate_hz"].as_f64().unwrap(),
        );
        // Each seed inside Brian2's range over 8 seeds, widened by 10%.
        assert!(
            e >= 0.9 * lo(&re) && e <= 1.1 * hi(&re),
            "seed {seed}: E rate {e}"
        );
        assert!(
            i >= 0.9 * lo(&ri) && i <= 1.1 * hi(&ri),
            "seed {seed}: I rate {i}"
        );
        // CV over the neurons of both populations with 3 spikes or more, as Brian2's.
        let (mut sum, mut count) = (0.0, 0.0);
        for p in pops {
            let k = p["cv_neurons"].as_f64().unwrap();
            sum += p["cv_isi"].as_f64().unwrap() * k;
            count += k;
        }
        let c = sum / count;
        assert!(
            c >= lo(&cv) - 0.1 && c <= hi(&cv) + 0.1,
            "seed {seed}: CV {c}"
        );
        rates_e.push(e);
        let events = std::fs::read(out.join("spikes-exc.npy")).unwrap();
        let npy = npyz::NpyFile::new(&events[..]).unwrap();
        assert_eq!(npy.shape()[1], 2);
        assert_eq!(
            npy.shape()[0],
            pops[0]["spikes"].as_u64().unwrap(),
            "one row per spike"
        );
        let _ = std::fs::remove_dir_all(&out);
    }
    // The mean over seeds within 10% of Brian2's mean.
    let (ours, theirs) = (mean(&rates_e), mean(&re));
    assert!(
        (ours - theirs).abs() <= 0.1 * theirs,
        "E rate {ours} vs Brian2 {theirs}"
    );
}

#[test]
fn a_network_run_is_the_same_bits_on_1_and_2_threads() {
    let (a, b) = (tmp("t1"), tmp("t2"));
    let sa = run_cuba(&a, 5, 1);
    let sb = run_cuba(&b, 5, 2);
    assert_eq!(sa["populations"], sb["populations"]);
    for name in ["spikes-exc.npy", "spikes-inh.npy"] {
        assert_eq!(
            std::fs::read(a.join(name)).unwrap(),
            std::fs::read(b.join(name)).unwrap(),
            "{name}"
        );
    }
    let _ = std::fs::remove_dir_all(&a);
    let _ = std::fs::remove_dir_all(&b);
}

#[test]
fn bad_network_configs_get_errors_naming_the_part() {
    let dir = tmp("bad");
    std::fs::create_dir_all(&dir).unwrap();
    let base =
        "dt = 0.1\nsteps = 10\n[[population]]\nname = \"a\"\nmodel = \"leaky\"\nneurons = 4\n";
    let cases = [
        (
            "[[projection]]\nfrom = \"a\"\nto = \"b\"\nrule = \"all\"\nweight = 1.0\n",
            "unknown population `b`",
        ),
        (
            "[[projection]]\nfrom = \"a\"\nto = \"a\"\nrule = \"all\"\nweight = 1.0\nchannel = \"x\"\n",
            "has no channel `x`",
        ),
        (
            "[[projection]]\nfrom = \"a\"\nto = \"a\"\nrule = \"all\"\nweight = 1.0\ndelay = 0\n",
            "delay 0",
        ),
        (
            "[[projection]]\nfrom = \"a\"\nto = \"a\"\nrule = { probability = 2.0 }\nweight = 1.0\n",
            "`p` = 2",
        ),
        (
            "[[projection]]\nfrom = \"a\"\nto = \"a\"\nrule = \"all\"\nweight = 1e9\n",
            "does not fit",
        ),
        (
            "[[population]]\nname = \"a\"\nmodel = \"lif\"\nneurons = 2\n",
            "used twice",
        ),
        (
            "[[projection]]\nfrom = \"a\"\nto = \"a\"\nrule = \"sometimes\"\nweight = 1.0\n",
            "projection",
        ),
    ];
    for (k, (extra, want)) in cases.iter().enumerate() {
        let path = dir.join(format!("bad{k}.toml"));
        let scalar = if want.contains("fit") {
            "scalar = \"i16f16\"\n"
        } else {
            ""
        };
        std::fs::write(&path, format!("{scalar}{base}{extra}")).unwrap();
        let out = dir.join(format!("out{k}"));
        let o = lif_sim(&[
            "network",
            path.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        let err = stderr(&o);
        assert!(!o.status.success(), "case {k} succeeded");
        assert!(err.contains(want), "case {k}: {err}");
        assert!(!out.exists(), "case {k} left an output folder");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn recorded_membranes_are_written_per_population() {
    let dir = tmp("record");
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("net.toml");
    std::fs::write(
        &cfg,
        "dt = 0.1\nsteps = 50\n[[population]]\nname = \"a\"\nmodel = \"lif\"\nneurons = 8\n\
         params = { tau = 20.0, v_rest = -49.0, v_reset = -60.0, v_th = -50.0 }\n\
         initial_membrane = [-60.0, -50.0]\nrecord = [0, 7]\n",
    )
    .unwrap();
    let out = dir.join("out");
    let o = lif_sim(&[
        "network",
        cfg.to_str().unwrap(),
        "--no-plots",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let bytes = std::fs::read(out.join("membrane-a.npy")).unwrap();
    let npy = npyz::NpyFile::new(&bytes[..]).unwrap();
    assert_eq!(npy.shape(), &[50, 2]);
    let v: Vec<f64> = npy.into_vec().unwrap();
    // Every membrane between reset and threshold (v_rest = -49 pulls it up to the threshold).
    assert!(v.iter().all(|&x| (-60.0..-49.9).contains(&x)), "{v:?}");
    // Out of range: refused, naming the population.
    std::fs::write(
        &cfg,
        "dt = 0.1\nsteps = 5\n[[population]]\nname = \"a\"\nmodel = \"leaky\"\nneurons = 8\nrecord = [8]\n",
    )
    .unwrap();
    let o = lif_sim(&[
        "network",
        cfg.to_str().unwrap(),
        "--out",
        dir.join("o2").to_str().unwrap(),
    ]);
    assert!(stderr(&o).contains("population `a`.record"));
    let _ = std::fs::remove_dir_all(&dir);
}
