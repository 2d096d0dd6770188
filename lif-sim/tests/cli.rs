//! lif-sim end to end on small configs: the files it writes, their shapes and agreement,
//! and the errors bad configs get.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{lif_sim, read_npy, stderr, summary, tmp};

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
    // Per-neuron counts (the backend's) agree with the spikes, neuron by neuron.
    let (cshape, counts) = read_npy::<u64>(&out.join("spike_counts.npy"));
    assert_eq!(cshape, vec![40]);
    for (i, &c) in counts.iter().enumerate() {
        let direct: u64 = (0..120).map(|t| u64::from(spikes[t * 40 + i])).sum();
        assert_eq!(c, direct, "neuron {i}");
    }
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
            "invalid value 'f16' for '--scalar <SCALAR>'",
        ),
        (vec!["--neurons", "4"], "input: missing"),
        (
            vec![
                "--input",
                "constant",
                "--input-arg",
                "value=0.2",
                "--scalar",
                "i16f16",
                "--param",
                "threshold=1e-10",
            ],
            "> 0 once rounded to the scalar",
        ),
        (
            vec![
                "--input",
                "constant",
                "--input-arg",
                "value=0.2",
                "--neurons",
                "18446744073709551615",
            ],
            "neurons: must be in 1..=100000000 (got 18446744073709551615)",
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

fn small_run(out: &Path, extra: &[&str]) -> Output {
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
        "--no-plots",
        "--out",
        out.to_str().unwrap(),
    ];
    a.extend_from_slice(extra);
    lif_sim(&a)
}

/// Names in `dir` that start with a dot and are lif-sim's staging or set-aside folders.
fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".lif-sim-"))
        .collect()
}

#[test]
fn output_folder_rules() {
    let root = tmp("folders");
    std::fs::create_dir_all(&root).unwrap();
    // A folder of the user's: never replaced, not even with --force (also spelled `dir/.`).
    let theirs = root.join("theirs");
    std::fs::create_dir_all(&theirs).unwrap();
    std::fs::write(theirs.join("keep.txt"), "x").unwrap();
    let o = small_run(&theirs, &[]);
    assert!(
        stderr(&o).contains("exists and is not empty"),
        "{}",
        stderr(&o)
    );
    for spelled in [theirs.clone(), theirs.join(".")] {
        let o = small_run(&spelled, &["--force"]);
        assert!(!o.status.success());
        assert!(
            stderr(&o).contains("lif-sim did not write it"),
            "{}",
            stderr(&o)
        );
        assert_eq!(
            std::fs::read_to_string(theirs.join("keep.txt")).unwrap(),
            "x"
        );
    }
    // lif-sim's own results: refused without --force, replaced with it.
    let ours = root.join("ours");
    assert!(small_run(&ours, &[]).status.success());
    assert!(ours.join(".lif-sim-output").is_file());
    let o = small_run(&ours, &[]);
    assert!(stderr(&o).contains("use --force"), "{}", stderr(&o));
    let before = std::fs::read_to_string(ours.join("summary.json")).unwrap();
    let o = small_run(&ours, &["--force", "--seed", "3"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let after = std::fs::read_to_string(ours.join("summary.json")).unwrap();
    assert_ne!(before, after);
    // A file is named as one; an empty folder is used.
    let file = root.join("file");
    std::fs::write(&file, "x").unwrap();
    let o = small_run(&file, &["--force"]);
    assert!(
        stderr(&o).contains("exists and is not a folder"),
        "{}",
        stderr(&o)
    );
    let empty = root.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    assert!(small_run(&empty, &[]).status.success());
    // Any name the OS takes: 250 characters.
    let long = root.join("n".repeat(250));
    let o = small_run(&long, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(leftovers(&root).is_empty(), "{:?}", leftovers(&root));
    let o = small_run(Path::new("/proc/lif-sim-cannot/out"), &[]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("cannot create a folder there"),
        "{}",
        stderr(&o)
    );
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn of_two_runs_on_one_folder_one_wins() {
    let root = tmp("race");
    std::fs::create_dir_all(&root).unwrap();
    for round in 0..4 {
        let out = root.join(format!("out{round}"));
        let args: Vec<String> = [
            "run",
            "--model",
            "leaky",
            "--neurons",
            "2000",
            "--steps",
            "300",
            "--input",
            "constant",
            "--input-arg",
            "value=0.1",
            "--no-plots",
            "--out",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain([out.to_str().unwrap().to_owned()])
        .collect();
        let spawn = |seed: &str| {
            Command::new(env!("CARGO_BIN_EXE_lif-sim"))
                .args(&args)
                .args(["--seed", seed])
                .output()
                .expect("run lif-sim")
        };
        let (a, b) = std::thread::scope(|s| {
            let a = s.spawn(|| spawn("1"));
            let b = s.spawn(|| spawn("2"));
            (a.join().unwrap(), b.join().unwrap())
        });
        let wins = [&a, &b].iter().filter(|o| o.status.success()).count();
        assert_eq!(wins, 1, "{}\n{}", stderr(&a), stderr(&b));
        let loser = if a.status.success() { &b } else { &a };
        assert!(
            stderr(loser).contains("exists and is not empty")
                || stderr(loser).contains("another run wrote it meanwhile"),
            "{}",
            stderr(loser)
        );
        let seed = summary(&out)["seed"].as_u64().unwrap();
        assert_eq!(seed, if a.status.success() { 1 } else { 2 });
    }
    assert!(leftovers(&root).is_empty(), "{:?}", leftovers(&root));
    let _ = std::fs::remove_dir_all(&root);
}

/// Starts a long run into `root/out` and waits until its staging folder is there.
fn start_long_run(root: &Path) -> std::process::Child {
    let child = Command::new(env!("CARGO_BIN_EXE_lif-sim"))
        .args([
            "run",
            "--model",
            "leaky",
            "--neurons",
            "20000",
            "--steps",
            "20000",
            "--input",
            "constant",
            "--input-arg",
            "value=0.1",
            "--no-plots",
            "--out",
        ])
        .arg(root.join("out"))
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while leftovers(root).is_empty() && start.elapsed().as_secs() < 30 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(!leftovers(root).is_empty(), "no staging folder appeared");
    child
}

#[test]
fn a_killed_run_leaves_no_staging_folder() {
    let root = tmp("killed");
    std::fs::create_dir_all(&root).unwrap();
    let out = root.join("out");
    for signal in ["INT", "TERM"] {
        let mut child = start_long_run(&root);
        let kill = Command::new("kill")
            .args([format!("-{signal}"), child.id().to_string()])
            .status()
            .unwrap();
        assert!(kill.success());
        let status = child.wait().unwrap();
        assert!(!status.success());
        assert!(
            leftovers(&root).is_empty(),
            "SIG{signal}: {:?}",
            leftovers(&root)
        );
        assert!(!out.exists());
    }
    // A run that died without a chance to clean up (SIGKILL) is cleaned up by the next one.
    let mut child = start_long_run(&root);
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(leftovers(&root).len(), 1);
    assert!(small_run(&root.join("next"), &[]).status.success());
    assert!(leftovers(&root).is_empty(), "{:?}", leftovers(&root));
    let _ = std::fs::remove_dir_all(&root);
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

#[test]
fn every_u64_seed_is_taken_as_given() {
    let out = tmp("seed-max");
    let o = lif_sim(&[
        "run",
        "--model",
        "leaky",
        "--neurons",
        "3",
        "--steps",
        "4",
        "--seed",
        "18446744073709551615",
        "--input",
        "poisson",
        "--input-arg",
        "p=0.5",
        "--input-arg",
        "amplitude=1",
        "--no-plots",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(summary(&out)["seed"].as_u64(), Some(u64::MAX));
    let _ = std::fs::remove_dir_all(&out);
}

/// Runs lif-sim, killing it after `limit`: `None` when it did not finish in time.
fn lif_sim_within(args: &[&str], limit: std::time::Duration) -> Option<Output> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lif-sim"))
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run lif-sim");
    let start = std::time::Instant::now();
    while start.elapsed() < limit {
        if child.try_wait().expect("wait").is_some() {
            return Some(child.wait_with_output().expect("output"));
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

#[test]
fn an_infinite_membrane_is_plotted_clipped_not_forever() {
    let out = tmp("inf-membrane");
    let o = lif_sim_within(
        &[
            "run",
            "--model",
            "leaky",
            "--neurons",
            "2",
            "--steps",
            "5",
            "--input",
            "constant",
            "--input-arg",
            "value=3e38",
            "--param",
            "beta=1",
            "--param",
            "reset=none",
            "--record",
            "0",
            "--out",
            out.to_str().unwrap(),
        ],
        std::time::Duration::from_secs(60),
    )
    .expect("lif-sim hung while plotting an infinite membrane");
    assert!(o.status.success(), "{}", stderr(&o));
    let s = summary(&out);
    // The membrane reaches +inf at step 1 (3e38 + 3e38 in f32) and stays there.
    assert!(s["plot_clipped_values"].as_u64().unwrap() >= 4, "{s}");
    for plot in ["membrane", "raster", "rates", "input"] {
        assert!(out.join(format!("{plot}.png")).is_file(), "{plot}.png");
    }
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn a_run_too_large_for_memory_is_refused_before_it_starts() {
    let out = tmp("huge");
    let record: Vec<String> = (0..2000).map(|i| i.to_string()).collect();
    let record = record.join(",");
    let o = lif_sim(&[
        "run",
        "--model",
        "leaky",
        "--neurons",
        "100000000",
        "--steps",
        "10000000",
        "--input",
        "constant",
        "--input-arg",
        "value=0.1",
        "--record",
        &record,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(
        e.contains("of memory") && e.contains("GiB") && e.contains("available"),
        "{e}"
    );
    assert!(!out.exists());
    let parent = out.parent().unwrap();
    assert!(leftovers(parent).is_empty(), "{:?}", leftovers(parent));
}

#[test]
fn summary_stays_small_for_many_neurons() {
    let out = tmp("many");
    let o = lif_sim(&[
        "run",
        "--model",
        "leaky",
        "--neurons",
        "200000",
        "--steps",
        "1",
        "--input",
        "constant",
        "--input-arg",
        "value=2",
        "--no-plots",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let bytes = std::fs::metadata(out.join("summary.json")).unwrap().len();
    assert!(bytes < 4096, "summary.json is {bytes} bytes");
    let (shape, counts) = read_npy::<u64>(&out.join("spike_counts.npy"));
    assert_eq!(shape, vec![200_000]);
    assert_eq!(
        counts.iter().sum::<u64>(),
        summary(&out)["spike_count"].as_u64().unwrap()
    );
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn outputs_are_byte_identical_across_repeats_and_thread_counts() {
    let files = [
        "spikes.npy",
        "spikes.csv",
        "spike_counts.npy",
        "membrane.npy",
        "membrane.csv",
        "threshold.npy",
    ];
    let run = |name: &str, threads: &str| {
        let out = tmp(name);
        let o = Command::new(env!("CARGO_BIN_EXE_lif-sim"))
            .env("RAYON_NUM_THREADS", threads)
            .args([
                "run",
                "--model",
                "extended",
                "--neurons",
                "3000",
                "--steps",
                "60",
                "--seed",
                "9",
                "--param",
                "stochastic=true",
                "--input",
                "sine",
                "--input-arg",
                "amplitude=0.5",
                "--input-arg",
                "offset=0.6",
                "--input-arg",
                "period=17",
                "--noise",
                "0.2",
                "--record",
                "0,1500,2999",
                "--no-plots",
                "--out",
            ])
            .arg(&out)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        let bytes: Vec<Vec<u8>> = files
            .iter()
            .map(|f| std::fs::read(out.join(f)).unwrap())
            .collect();
        let mut s = summary(&out);
        for timing in ["wall_time_s", "neuron_steps_per_s"] {
            s.as_object_mut().unwrap().remove(timing);
        }
        let _ = std::fs::remove_dir_all(&out);
        (bytes, s)
    };
    let one = run("bytes-1", "1");
    assert!(one.1["spike_count"].as_u64().unwrap() > 0);
    assert_eq!(one, run("bytes-1b", "1"));
    assert_eq!(one, run("bytes-2", "2"));
    assert_eq!(one, run("bytes-3", "3"));
}

/// The README's main job (its flags, a smaller output folder name).
const MAIN_JOB: [&str; 19] = [
    "run",
    "--model",
    "leaky",
    "--neurons",
    "100",
    "--steps",
    "400",
    "--input",
    "sine",
    "--input-arg",
    "amplitude=0.06",
    "--input-arg",
    "offset=0.07",
    "--input-arg",
    "period=200",
    "--noise",
    "0.03",
    "--record",
    "0,1,2",
];

#[test]
fn the_main_jobs_neurons_differ() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let flags = MAIN_JOB[1..].join(" ");
    assert!(
        readme.replace(" \\\n    ", " ").contains(&flags),
        "the README's main job is not {flags}"
    );
    let out = tmp("main-job");
    let mut args = MAIN_JOB.to_vec();
    args.extend(["--out", out.to_str().unwrap()]);
    let o = lif_sim(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let (_, spikes) = read_npy::<u8>(&out.join("spikes.npy"));
    let column = |i: usize| (0..400).map(|t| spikes[t * 100 + i]).collect::<Vec<u8>>();
    let distinct: std::collections::HashSet<Vec<u8>> = (0..100).map(column).collect();
    assert!(
        distinct.len() > 90,
        "only {} distinct spike trains",
        distinct.len()
    );
    assert!(summary(&out)["spike_count"].as_u64().unwrap() > 100);
    let (_, trace) = read_npy::<f64>(&out.join("membrane.npy"));
    let differ = (0..400)
        .filter(|t| trace[t * 3] != trace[t * 3 + 1])
        .count();
    assert!(
        differ > 300,
        "neurons 0 and 1 differ at only {differ} steps"
    );
    for plot in ["membrane", "raster", "rates", "input"] {
        assert!(out.join(format!("{plot}.png")).is_file());
    }
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn the_fixed_point_comparison_counts_what_the_two_runs_write() {
    let run = |name: &str, extra: &[&str]| {
        let out = tmp(name);
        let mut args = MAIN_JOB.to_vec();
        args.extend(extra);
        args.extend(["--out", out.to_str().unwrap()]);
        let o = lif_sim(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        out
    };
    let both = run("cmp-both", &["--compare-fixed"]);
    let fixed = run("cmp-fixed", &["--scalar", "i16f16", "--no-plots"]);
    let (_, a) = read_npy::<u8>(&both.join("spikes.npy"));
    let (_, b) = read_npy::<u8>(&fixed.join("spikes.npy"));
    let differing = a.iter().zip(&b).filter(|(x, y)| x != y).count() as u64;
    let common = a
        .iter()
        .zip(&b)
        .filter(|(x, y)| **x == 1 && **y == 1)
        .count() as u64;
    let (na, nb) = (
        a.iter().map(|&x| u64::from(x)).sum::<u64>(),
        b.iter().map(|&x| u64::from(x)).sum::<u64>(),
    );
    let c = &summary(&both)["compare"];
    assert_eq!(c["scalars"], serde_json::json!(["f32", "I16F16"]));
    assert_eq!(c["differing_spikes"].as_u64(), Some(differing));
    assert_eq!(c["common_spikes"].as_u64(), Some(common));
    assert_eq!(c["spikes"], serde_json::json!([na, nb]));
    let agreement = 2.0 * common as f64 / (na + nb) as f64;
    assert_eq!(c["spike_agreement"].as_f64(), Some(agreement));
    let first = a
        .iter()
        .zip(&b)
        .position(|(x, y)| x != y)
        .map(|i| serde_json::json!([i / 100, i % 100]))
        .unwrap_or(serde_json::Value::Null);
    assert_eq!(c["first_difference"], first);
    assert!(both.join("compare.png").is_file());
    // The membranes differ by fixed point's rounding, not by chance.
    let max = c["max_membrane_diff"].as_f64().unwrap();
    assert!(max > 0.0 && max < 0.01, "{max}");
    for d in [both, fixed] {
        let _ = std::fs::remove_dir_all(d);
    }
}
