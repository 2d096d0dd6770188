//! The dashboard's server (`lif-sim serve`) over real HTTP: its page and assets, the run
//! endpoint against lif-core's own neuron loop, and the answers bad requests get (the server
//! stays up through all of them). The page itself is tested in a browser by
//! scripts/dashboard-e2e.sh.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use base64::Engine;
use lif_core::{I16F16, LeakyConfig, Neuron, Scalar};
use serde_json::{Value, json};

struct Server {
    child: Child,
    url: String,
    agent: ureq::Agent,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start() -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_lif-sim"))
            .args(["serve", "--port", "0", "--backend", "cpu"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("start lif-sim serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read the address");
        let start = line.find("http://").expect("an address in the first line");
        let url = line[start..]
            .split_whitespace()
            .next()
            .unwrap()
            .trim_end_matches('/')
            .to_owned();
        assert!(url.starts_with("http://127.0.0.1:"), "{line}");
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        Server { child, url, agent }
    }

    fn get(&self, path: &str) -> (u16, String) {
        let mut r = self
            .agent
            .get(&format!("{}{path}", self.url))
            .call()
            .unwrap();
        (r.status().as_u16(), r.body_mut().read_to_string().unwrap())
    }

    fn post(&self, body: &str) -> (u16, Value) {
        let mut r = self
            .agent
            .post(&format!("{}/api/simulate", self.url))
            .header("Content-Type", "application/json")
            .send(body)
            .unwrap();
        let status = r.status().as_u16();
        let text = r
            .body_mut()
            .with_config()
            .limit(64 << 20)
            .read_to_string()
            .unwrap();
        (status, serde_json::from_str(&text).unwrap())
    }
}

#[test]
fn serves_the_page_and_its_assets() {
    let s = Server::start();
    let (status, page) = s.get("/");
    assert_eq!(status, 200);
    assert!(page.contains("<title>lif dashboard</title>"));
    // Everything the page loads comes from the server itself.
    for asset in [
        "/app.js",
        "/style.css",
        "/vendor/uPlot.iife.min.js",
        "/vendor/uPlot.min.css",
    ] {
        assert!(page.contains(asset), "{asset} is not referenced");
        let (status, body) = s.get(asset);
        assert_eq!(status, 200, "{asset}");
        assert!(body.len() > 100, "{asset} is nearly empty");
    }
    assert!(
        !page.contains("https://"),
        "the page refers to another site"
    );
    assert_eq!(s.get("/nope").0, 404);
    assert_eq!(s.get("/api/simulate").0, 405);
}

#[test]
fn meta_lists_every_model_and_the_extended_presets() {
    let s = Server::start();
    let (status, text) = s.get("/api/meta");
    assert_eq!(status, 200);
    let meta: Value = serde_json::from_str(&text).unwrap();
    let names: Vec<&str> = meta["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["leaky", "lapicque", "synaptic", "lif", "extended"]);
    let leaky = &meta["models"][0];
    let beta = leaky["params"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "beta")
        .unwrap();
    assert_eq!(beta["default"], json!(LeakyConfig::default().beta));
    assert_eq!(beta["kind"], "number");
    let presets: Vec<&str> = meta["models"][4]["presets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        presets,
        [
            "deterministic",
            "stochastic",
            "adaptive_threshold",
            "dynamic_probability",
            "neuromodulation",
            "all"
        ]
    );
    assert_eq!(
        meta["models"][4]["presets"][1]["params"]["stochastic"],
        true
    );
}

fn membranes(run: &Value) -> Vec<Vec<f64>> {
    run["membrane"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            m.as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect()
        })
        .collect()
}

fn spikes(run: &Value) -> Vec<u32> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(run["spikes"].as_str().unwrap())
        .unwrap();
    bytes
        .chunks(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

/// lif-core's own loop: every neuron stepped alone, from its initial state.
fn reference<S: Scalar>(
    cfg: &LeakyConfig,
    input: f64,
    n: usize,
    steps: usize,
) -> (Vec<Vec<f64>>, Vec<u32>) {
    let model = cfg.build::<S>().unwrap();
    let words = n.div_ceil(32);
    let mut spikes = vec![0u32; steps * words];
    let mut trace = vec![Vec::new(); n];
    for (i, tr) in trace.iter_mut().enumerate() {
        let mut state = model.initial_state(3, i as u64);
        for t in 0..steps {
            if model.step(&mut state, S::from_f64(input).unwrap()) {
                spikes[t * words + i / 32] |= 1 << (i % 32);
            }
            tr.push(<lif_core::Leaky<S> as Neuron<S>>::membrane(&state).to_f64());
        }
    }
    (trace, spikes)
}

#[test]
fn a_run_is_lif_core_in_f32_and_in_i16f16() {
    let s = Server::start();
    let (n, steps) = (40, 120);
    let (status, body) = s.post(
        &json!({
            "model": "leaky", "neurons": n, "steps": steps, "seed": 3,
            "params": { "beta": 0.93, "threshold": 0.8, "reset": "zero" },
            "input": { "kind": "constant", "value": 0.21 },
            "record": { "neurons": [0, 1, 39] },
        })
        .to_string(),
    );
    assert_eq!(status, 200, "{body}");
    let cfg = LeakyConfig {
        beta: 0.93,
        threshold: 0.8,
        reset: lif_core::Reset::Zero,
        ..LeakyConfig::default()
    };
    let (want_f32, spikes_f32) = reference::<f32>(&cfg, 0.21, n, steps);
    let (want_fix, spikes_fix) = reference::<I16F16>(&cfg, 0.21, n, steps);
    let f32_run = &body["runs"]["f32"];
    let fix_run = &body["runs"]["i16f16"];
    assert_eq!(
        membranes(f32_run),
        [&want_f32[0], &want_f32[1], &want_f32[39]].map(|v| v.clone())
    );
    assert_eq!(
        membranes(fix_run),
        [&want_fix[0], &want_fix[1], &want_fix[39]].map(|v| v.clone())
    );
    assert_eq!(spikes(f32_run), spikes_f32);
    assert_eq!(spikes(fix_run), spikes_fix);
    let fired = spikes_f32.iter().map(|w| w.count_ones()).sum::<u32>();
    assert!(fired > 0, "the test input should make the neurons fire");
    assert_eq!(f32_run["summary"]["spike_count"], json!(fired));
    // The comparison is computed from the same two runs.
    let max = want_f32
        .iter()
        .zip(&want_fix)
        .enumerate()
        .filter(|(i, _)| [0, 1, 39].contains(i))
        .flat_map(|(_, (a, b))| a.iter().zip(b).map(|(x, y)| (x - y).abs()))
        .fold(0.0, f64::max);
    assert_eq!(body["compare"]["max_membrane_diff"], json!(max));
    let differing: u32 = spikes_f32
        .iter()
        .zip(&spikes_fix)
        .map(|(a, b)| (a ^ b).count_ones())
        .sum();
    assert_eq!(body["compare"]["differing_spikes"], json!(differing));
}

#[test]
fn bad_requests_get_a_message_and_the_server_stays_up() {
    let s = Server::start();
    let cases: &[(&str, u16, &str)] = &[
        ("not json", 400, "request: not a JSON object"),
        ("[1, 2]", 400, "request: not a JSON object"),
        (
            r#"{"model":"leaky","neurons":-3,"steps":10,"input":{"kind":"constant","value":0.1}}"#,
            400,
            "neurons:",
        ),
        (
            r#"{"model":"leaky","neurons":10,"steps":1e400,"input":{"kind":"constant","value":0.1}}"#,
            400,
            "request: not a JSON object",
        ),
        (
            r#"{"model":"leaky","neurons":10,"steps":999999,"input":{"kind":"constant","value":0.1}}"#,
            400,
            "steps: the dashboard runs at most",
        ),
        (
            r#"{"model":"leaky","neurons":10,"steps":10,"input":{"kind":"file","path":"/etc/passwd"}}"#,
            400,
            "input.kind: the dashboard does not read files",
        ),
        (
            r#"{"model":"leaky","scalar":"f64","neurons":10,"steps":10,"input":{"kind":"constant","value":0.1}}"#,
            400,
            "scalar: set by the dashboard",
        ),
        (
            r#"{"model":"leaky","neurons":10,"steps":10,"params":{"beta":1.5},"input":{"kind":"constant","value":0.1}}"#,
            400,
            "parameter `beta` = 1.5 is out of range",
        ),
        (
            r#"{"model":"leaky","neurons":10,"steps":10,"noise":-1,"input":{"kind":"constant","value":0.1}}"#,
            400,
            "noise: must be a finite value >= 0",
        ),
        (
            r#"{"model":"nope","neurons":10,"steps":10,"input":{"kind":"constant","value":0.1}}"#,
            400,
            "model:",
        ),
        (
            r#"{"model":"lif","neurons":10,"steps":10,"params":{"v_reset":30},"input":{"kind":"constant","value":1}}"#,
            400,
            "parameter `v_reset` = 30 conflicts with v_th",
        ),
    ];
    for (body, status, says) in cases {
        let (got, answer) = s.post(body);
        let msg = answer["error"].as_str().unwrap_or_default();
        assert_eq!(got, *status, "{body} -> {answer}");
        assert!(msg.contains(says), "{body}: {msg:?} does not say {says:?}");
    }
    let huge = format!(r#"{{"pad":"{}"}}"#, "x".repeat(100_000));
    assert_eq!(s.post(&huge).0, 413);
    // A value only I16F16 cannot hold: f32 runs, I16F16 says why it did not.
    let (status, body) = s.post(
        r#"{"model":"leaky","neurons":4,"steps":10,"input":{"kind":"constant","value":40000}}"#,
    );
    assert_eq!(status, 200);
    assert!(body["runs"]["f32"]["membrane"].is_array());
    let err = body["runs"]["i16f16"]["error"].as_str().unwrap();
    assert!(err.contains("does not fit I16F16"), "{err}");
    assert!(body["compare"].is_null());
    assert_eq!(s.get("/api/meta").0, 200, "the server went down");
}
