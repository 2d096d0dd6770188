//! lif-sim end to end on small configs: the files it writes, their shapes and agreement,
//! and the errors bad configs get.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn lif_sim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lif-sim"))
        .args(args)
        .output()
        .expect("run lif-sim")
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("lif-sim-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn read_npy<T: npyz::Deserialize>(path: &Path) -> (Vec<u64>, Vec<T>) {
    let bytes = std::fs::read(path).unwrap();
    let npy = npyz::NpyFile::new(&bytes[..]).unwrap();
    let shape = npy.shape().to_vec();
    (shape, npy.into_vec::<T>().unwrap())
}

fn summary(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn flags_run_writes_consistent_outputs() {
    let out = tmp("flags");
    let o = lif_sim(&[
        "run",
        "--model",
        "leaky",
        "--neurons",
        "40",
        "--steps",
        "120",
        "--backend",
        "cpu",
        "--input",
        "constant",
        "--input-arg",
        "value=0.3",
        "--record",
        "0,39",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (shape, spikes) = read_npy::<u8>(&out.join("spikes.npy"));
    assert_eq!(shape, vec![120, 40]);
    let total: u64 = spikes.iter().map(|&s| s as u64).sum();
    let s = summary(&out);
    assert_eq!(s["spike_count"].as_u64().unwrap(), total);
    assert!(total > 0);
    let csv_rows = std::fs::read_to_string(out.join("spikes.csv"))
        .unwrap()
        .lines()
        .count()
        - 1;
    assert_eq!(csv_rows as u64, total);
    assert_eq!(s["backend"], "cpu");
    assert_eq!(s["neurons"], 40);
    let counts: u64 = s["spike_count_by_neuron"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_u64().unwrap())
        .sum();
    assert_eq!(counts, total);
    // The recorded membrane is lif-core's f32 Leaky, exactly.
    let (mshape, trace) = read_npy::<f64>(&out.join("membrane.npy"));
    assert_eq!(mshape, vec![120, 2]);
    let model = lif_core::LeakyConfig::default().build::<f32>().unwrap();
    let mut st = lif_core::Neuron::initial_state(&model, 0, 0);
    for t in 0..120 {
        lif_core::Neuron::step(&model, &mut st, 0.3f32);
        assert_eq!(trace[t * 2], st.mem as f64, "step {t}");
    }
    // Regular firing under constant input: the ISI CV is small.
    assert!(s["isi_cv"].as_f64().unwrap() < 0.5);
    for plot in ["membrane", "raster", "rates", "input"] {
        let png = std::fs::read(out.join(format!("{plot}.png"))).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{plot}.png");
        let svg = std::fs::read_to_string(out.join(format!("{plot}.svg"))).unwrap();
        assert!(
            svg.contains("<svg") && svg.contains("time step") || plot == "rates",
            "{plot}.svg"
        );
    }
}

#[test]
fn config_file_with_flag_overrides() {
    let dir = tmp("config");
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("sim.toml");
    std::fs::write(
        &cfg,
        r#"
model = "lif"
scalar = "i16f16"
backend = "cpu"
neurons = 8
steps = 300
seed = 3
[params]
refractory_steps = 5
[input]
kind = "pulse"
amplitude = 40.0
width = 50
period = 100
[record]
neurons = [2]
"#,
    )
    .unwrap();
    let out = dir.join("out");
    let o = lif_sim(&[
        "run",
        cfg.to_str().unwrap(),
        "--steps",
        "200",
        "--dt",
        "0.2",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let s = summary(&out);
    assert_eq!(s["steps"], 200, "the flag overrides the file");
    assert_eq!(s["dt"], 0.2);
    assert_eq!(s["scalar"], "I16F16");
    let (shape, _) = read_npy::<u8>(&out.join("spikes.npy"));
    assert_eq!(shape, vec![200, 8]);
    assert!(s["spike_count"].as_u64().unwrap() > 0);
    assert!(out.join("membrane.csv").exists());
    let (tshape, th) = read_npy::<f64>(&out.join("threshold.npy"));
    assert_eq!(tshape, vec![200, 1]);
    assert!(th.iter().all(|&v| v == 20.0), "Lif's threshold is its V_th");
    // --no-plots writes the data only.
    let out2 = dir.join("noplots");
    let o = lif_sim(&[
        "run",
        cfg.to_str().unwrap(),
        "--no-plots",
        "--out",
        out2.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out2.join("spikes.npy").exists() && !out2.join("raster.png").exists());
}

#[test]
fn file_inputs_csv_and_npy() {
    let dir = tmp("files");
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join("in.csv");
    let rows: Vec<String> = (0..50)
        .map(|t| format!("{},{}", 0.1 * (t % 3) as f64, 0.5))
        .collect();
    std::fs::write(&csv, format!("a,b\n{}\n", rows.join("\n"))).unwrap();
    let out = dir.join("csv");
    let o = lif_sim(&[
        "run",
        "--model",
        "leaky",
        "--neurons",
        "2",
        "--steps",
        "50",
        "--backend",
        "cpu",
        "--input",
        "file",
        "--input-arg",
        &format!("path={}", csv.display()),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let npy = dir.join("in.npy");
    {
        use npyz::WriterBuilder;
        let mut w = npyz::WriteOptions::<f64>::new()
            .default_dtype()
            .shape(&[50])
            .writer(std::fs::File::create(&npy).unwrap())
            .begin_nd()
            .unwrap();
        w.extend((0..50).map(|t| if t % 10 < 5 { 0.6 } else { 0.0 }))
            .unwrap();
        w.finish().unwrap();
    }
    let out = dir.join("npy");
    let o = lif_sim(&[
        "run",
        "--model",
        "synaptic",
        "--neurons",
        "3",
        "--steps",
        "50",
        "--backend",
        "cpu",
        "--input",
        "file",
        "--input-arg",
        &format!("path={}", npy.display()),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Too short a file is refused with its size.
    let o = lif_sim(&[
        "run",
        "--model",
        "leaky",
        "--neurons",
        "2",
        "--steps",
        "80",
        "--input",
        "file",
        "--input-arg",
        &format!("path={}", csv.display()),
        "--out",
        dir.join("short").to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("has 50 rows, the run needs steps = 80"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn bad_configs_name_the_field() {
    let out = tmp("bad");
    let out = out.to_str().unwrap();
    let base = ["run", "--model", "leaky", "--steps", "10"];
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                "--input",
                "constant",
                "--input-arg",
                "value=0.2",
                "--neurons",
                "0",
            ],
            "neurons: must be in 1..=",
        ),
        (
            vec![
                "--input",
                "sine",
                "--input-arg",
                "amplitude=1",
                "--input-arg",
                "period=0",
            ],
            "input.period: must be > 0",
        ),
        (
            vec![
                "--input",
                "poisson",
                "--input-arg",
                "p=1.5",
                "--input-arg",
                "amplitude=1",
            ],
            "input.p: must be in [0, 1]",
        ),
        (
            vec![
                "--input",
                "constant",
                "--input-arg",
                "value=0.2",
                "--param",
                "beta=2",
            ],
            "parameter `beta` = 2 is out of range",
        ),
        (
            vec![
                "--input",
                "constant",
                "--input-arg",
                "value=0.2",
                "--param",
                "bta=0.5",
            ],
            "unknown field `bta`",
        ),
        (vec!["--input", "wobble"], "unknown variant `wobble`"),
        (vec!["--input", "constant"], "missing field `value`"),
        (
            vec![
                "--input",
                "constant",
                "--input-arg",
                "value=0.2",
                "--record",
                "9",
            ],
            "record.neurons: index 9 is not below neurons = 4",
        ),
        (
            vec!["--input", "file", "--input-arg", "path=/nonexistent/x.npy"],
            "input.path: cannot read /nonexistent/x.npy",
        ),
        (
            vec![
                "--input",
                "constant",
                "--input-arg",
                "value=0.2",
                "--scalar",
                "f16",
            ],
            "unknown variant `f16`",
        ),
    ];
    for (extra, want) in cases {
        let mut args: Vec<&str> = base.to_vec();
        if !extra.contains(&"--neurons") {
            args.extend(["--neurons", "4"]);
        }
        args.extend(extra.iter());
        args.extend(["--out", out]);
        let o = lif_sim(&args);
        assert!(!o.status.success(), "{args:?} succeeded");
        assert!(
            stderr(&o).contains(want),
            "{args:?}: stderr {:?} lacks {want:?}",
            stderr(&o)
        );
        assert!(!Path::new(out).exists(), "a failed run left {out}");
    }
}

#[test]
fn output_folder_rules() {
    let out = tmp("exists");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("keep.txt"), "x").unwrap();
    let args = |force: bool| {
        let mut a = vec![
            "run",
            "--model",
            "leaky",
            "--neurons",
            "2",
            "--steps",
            "3",
            "--input",
            "constant",
            "--input-arg",
            "value=0.1",
            "--out",
            out.to_str().unwrap(),
        ];
        if force {
            a.push("--force");
        }
        lif_sim(&a)
    };
    let o = args(false);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("exists and is not empty"));
    assert!(out.join("keep.txt").exists());
    let o = args(true);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.join("summary.json").exists() && !out.join("keep.txt").exists());
    let o = lif_sim(&[
        "run",
        "--model",
        "leaky",
        "--neurons",
        "2",
        "--steps",
        "3",
        "--input",
        "constant",
        "--input-arg",
        "value=0.1",
        "--out",
        "/proc/lif-sim-cannot/out",
    ]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("cannot create a folder there"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn help_explains_the_options() {
    let o = lif_sim(&["--help"]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("run"));
    let o = lif_sim(&["run", "--help"]);
    let text = String::from_utf8_lossy(&o.stdout);
    for flag in [
        "--model",
        "--scalar",
        "--backend",
        "--neurons",
        "--steps",
        "--seed",
        "--param",
        "--input",
        "--input-arg",
        "--record",
        "--out",
        "--force",
    ] {
        assert!(text.contains(flag), "run --help lacks {flag}");
    }
}

#[test]
fn modulation_drives_the_extended_model() {
    let run = |dir: &str, modulation: bool| {
        let out = tmp(dir);
        let mut args = vec![
            "run",
            "--model",
            "extended",
            "--neurons",
            "10",
            "--steps",
            "300",
            "--backend",
            "cpu",
            "--no-plots",
            "--param",
            "stochastic=false",
            "--input",
            "constant",
            "--input-arg",
            "value=0.3",
        ];
        if modulation {
            args.extend([
                "--modulation",
                "sine",
                "--modulation-arg",
                "amplitude=4",
                "--modulation-arg",
                "period=100",
            ]);
        }
        let out_s = out.to_str().unwrap().to_owned();
        args.extend(["--out", &out_s]);
        let o = lif_sim(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        summary(&out)["spike_count"].as_u64().unwrap()
    };
    // Input 0.3 alone stays below threshold 1; the neuromodulator's drive makes it fire.
    assert_eq!(run("nomod", false), 0);
    assert!(run("mod", true) > 0);
    let o = lif_sim(&[
        "run",
        "--model",
        "extended",
        "--neurons",
        "2",
        "--steps",
        "3",
        "--input",
        "constant",
        "--input-arg",
        "value=0.1",
        "--modulation",
        "noise",
        "--modulation-arg",
        "mean=0",
        "--modulation-arg",
        "std=1",
        "--out",
        tmp("modnoise").to_str().unwrap(),
    ]);
    assert!(
        stderr(&o).contains("modulation.kind: must be constant, step, pulse, ramp or sine"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn noise_is_added_seeded_and_per_neuron() {
    let run = |name: &str, extra: &[&str]| {
        let out = tmp(name);
        let mut args = vec![
            "run",
            "--model",
            "leaky",
            "--neurons",
            "8",
            "--steps",
            "50",
            "--input",
            "poisson",
            "--input-arg",
            "p=0.3",
            "--input-arg",
            "amplitude=0.4",
            "--record",
            "0,1",
            "--no-plots",
            "--out",
        ];
        args.push(out.to_str().unwrap());
        args.extend_from_slice(extra);
        let o = lif_sim(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        let membrane = std::fs::read_to_string(out.join("membrane.csv")).unwrap();
        let _ = std::fs::remove_dir_all(&out);
        membrane
    };
    let plain = run("noise-0", &[]);
    let noisy = run("noise-a", &["--noise", "0.05", "--seed", "4"]);
    assert_ne!(plain, noisy);
    assert_eq!(noisy, run("noise-b", &["--noise", "0.05", "--seed", "4"]));
    assert_ne!(noisy, run("noise-c", &["--noise", "0.05", "--seed", "5"]));
    // Neurons 0 and 1 get different noise.
    let row = noisy
        .lines()
        .nth(10)
        .unwrap()
        .split(',')
        .collect::<Vec<_>>();
    assert_ne!(row[1], row[2]);
    let o = lif_sim(&[
        "run",
        "--model",
        "leaky",
        "--neurons",
        "8",
        "--steps",
        "5",
        "--input",
        "constant",
        "--input-arg",
        "value=0.1",
        "--noise=-1",
        "--out",
        tmp("noise-bad").to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("noise: must be a finite value >= 0"),
        "{}",
        stderr(&o)
    );
}
