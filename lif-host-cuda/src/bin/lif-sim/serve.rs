//! `lif-sim serve`: the dashboard. A small HTTP server on 127.0.0.1 serves one page (embedded
//! in the binary, with its vendored chart library, so it works offline) and runs every
//! request on the simulator: the request body is a run config in JSON, the same schema as
//! `lif-sim run`'s TOML, validated by the same code; it runs once in f32 and once in I16F16 and
//! the answer holds both and their difference.
//!
//! The simulation runs here rather than as WebAssembly in the page so that the dashboard
//! computes through the very path `lif-sim run` takes (the `Simulator`, whose backend can be
//! the GPU), and so that there is one build of lif-core to trust, not two.

use std::io::Read;
use std::sync::Arc;

use base64::Engine;
use lif_core::{
    ExtendedConfig, ExtendedMode, LapicqueConfig, LeakyConfig, LifConfig, SynapticConfig,
};
use serde_json::{Value, json};
use tiny_http::{Header, Method, Request, Response, Server};

use crate::config::Config;
use crate::outputs::Results;
use crate::simulate;

/// Largest run the dashboard accepts: it answers as a control moves, and its answer holds
/// every spike. `lif-sim run` takes larger ones.
pub const MAX_NEURONS: usize = 2_000;
pub const MAX_STEPS: usize = 5_000;
pub const MAX_RECORDED: usize = 8;
/// Largest request body.
const MAX_BODY: u64 = 64 << 10;

const INDEX_HTML: &str = include_str!("web/index.html");
const APP_JS: &str = include_str!("web/app.js");
const STYLE_CSS: &str = include_str!("web/style.css");
const UPLOT_JS: &str = include_str!("web/vendor/uPlot.iife.min.js");
const UPLOT_CSS: &str = include_str!("web/vendor/uPlot.min.css");

/// The scalars every request runs in, side by side.
const SCALARS: [&str; 2] = ["f32", "i16f16"];

/// Starts the server on 127.0.0.1:`port` (0 picks a free port), prints its address and
/// serves until killed. `backend` is the run config's backend key (auto, cpu or cuda).
pub fn serve(port: u16, backend: &str) -> Result<(), String> {
    if !matches!(backend, "auto" | "cpu" | "cuda") {
        return Err(format!("--backend {backend}: must be auto, cpu or cuda"));
    }
    let server = Server::http(("127.0.0.1", port))
        .map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))?;
    let addr = server
        .server_addr()
        .to_ip()
        .ok_or("the server has no IP address")?;
    println!("lif-sim dashboard: http://{addr}/ (Ctrl-C stops it)");
    let server = Arc::new(server);
    let backend: Arc<str> = backend.into();
    // A few workers, so that a long run does not hold up the page's other requests.
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let (server, backend) = (Arc::clone(&server), Arc::clone(&backend));
            std::thread::spawn(move || {
                for request in server.incoming_requests() {
                    handle(request, &backend);
                }
            })
        })
        .collect();
    for w in workers {
        w.join().map_err(|_| "a server thread failed")?;
    }
    Ok(())
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("static header is valid ASCII")
}

fn respond(request: Request, status: u16, content_type: &str, body: String) {
    let response = Response::from_string(body)
        .with_status_code(status)
        .with_header(header("Content-Type", content_type))
        .with_header(header("Cache-Control", "no-store"));
    // A client that went away is not the server's problem.
    let _ = request.respond(response);
}

fn handle(mut request: Request, backend: &str) {
    let path = request.url().split('?').next().unwrap_or("").to_owned();
    let (status, kind, body) = match (request.method(), path.as_str()) {
        (Method::Get, "/") | (Method::Get, "/index.html") => {
            (200, "text/html; charset=utf-8", INDEX_HTML.to_owned())
        }
        (Method::Get, "/app.js") => (200, "text/javascript", APP_JS.to_owned()),
        (Method::Get, "/style.css") => (200, "text/css", STYLE_CSS.to_owned()),
        (Method::Get, "/vendor/uPlot.iife.min.js") => (200, "text/javascript", UPLOT_JS.to_owned()),
        (Method::Get, "/vendor/uPlot.min.css") => (200, "text/css", UPLOT_CSS.to_owned()),
        (Method::Get, "/api/meta") => (200, "application/json", meta(backend).to_string()),
        (Method::Post, "/api/simulate") => {
            let mut text = String::new();
            match request
                .as_reader()
                .take(MAX_BODY + 1)
                .read_to_string(&mut text)
            {
                Ok(n) if n as u64 > MAX_BODY => (
                    413,
                    "application/json",
                    json!({"error": format!("request: larger than {MAX_BODY} bytes")}).to_string(),
                ),
                Ok(_) => match simulate_request(&text, backend) {
                    Ok(v) => (200, "application/json", v.to_string()),
                    Err(e) => (400, "application/json", json!({ "error": e }).to_string()),
                },
                Err(e) => (
                    400,
                    "application/json",
                    json!({"error": format!("request: {e}")}).to_string(),
                ),
            }
        }
        (_, "/api/simulate") => (
            405,
            "application/json",
            json!({"error": "use POST with a JSON run config"}).to_string(),
        ),
        _ => (404, "text/plain", format!("not found: {path}")),
    };
    respond(request, status, kind, body);
}

/// Runs one dashboard request: a JSON run config, in f32 and in I16F16.
pub fn simulate_request(text: &str, backend: &str) -> Result<Value, String> {
    let body: Value =
        serde_json::from_str(text).map_err(|e| format!("request: not a JSON object ({e})"))?;
    let obj = body
        .as_object()
        .ok_or("request: not a JSON object")?
        .clone();
    for key in ["scalar", "backend"] {
        if obj.contains_key(key) {
            return Err(format!(
                "{key}: set by the dashboard, not the request (it runs f32 and i16f16 on the server's backend)"
            ));
        }
    }
    if obj
        .get("input")
        .and_then(|i| i.get("kind"))
        .and_then(Value::as_str)
        == Some("file")
    {
        return Err("input.kind: the dashboard does not read files (use lif-sim run)".into());
    }
    let mut table = match toml::Value::try_from(Value::Object(obj)) {
        Ok(toml::Value::Table(t)) => t,
        Ok(_) => return Err("request: not a JSON object".into()),
        Err(e) => return Err(format!("request: {e}")),
    };
    table.insert("backend".into(), backend.into());
    let mut runs = serde_json::Map::new();
    let mut results: Vec<Option<Results>> = Vec::new();
    let mut threshold = None;
    for scalar in SCALARS {
        table.insert("scalar".into(), scalar.into());
        // Errors in the config itself are the request's; errors of one scalar (a value that
        // does not fit I16F16) are that scalar's, and the other still runs.
        let cfg = Config::from_table(table.clone()).map_err(|e| e.to_string())?;
        check_limits(&cfg)?;
        match simulate::dispatch(&cfg, false) {
            Ok((r, th)) => {
                threshold = Some(th);
                runs.insert(scalar.into(), run_json(&r));
                results.push(Some(r));
            }
            Err(e) => {
                runs.insert(scalar.into(), json!({ "error": e }));
                results.push(None);
            }
        }
    }
    // The same error in both scalars is the request's (a bad parameter), not a scalar's.
    let errors: Vec<&str> = runs
        .values()
        .filter_map(|r| r.get("error").and_then(Value::as_str))
        .collect();
    if errors.len() == SCALARS.len() && errors.windows(2).all(|w| w[0] == w[1]) {
        return Err(errors[0].to_owned());
    }
    let compare = match (&results[0], &results[1]) {
        (Some(a), Some(b)) => compare(a, b),
        _ => Value::Null,
    };
    Ok(json!({
        "runs": runs,
        "compare": compare,
        "threshold": threshold.map(|(v, label)| json!({ "value": v, "label": label })),
    }))
}

fn check_limits(cfg: &Config) -> Result<(), String> {
    if cfg.neurons > MAX_NEURONS {
        return Err(format!(
            "neurons: the dashboard runs at most {MAX_NEURONS} (got {}); lif-sim run takes more",
            cfg.neurons
        ));
    }
    if cfg.steps > MAX_STEPS {
        return Err(format!(
            "steps: the dashboard runs at most {MAX_STEPS} (got {}); lif-sim run takes more",
            cfg.steps
        ));
    }
    if cfg.record.neurons.len() > MAX_RECORDED {
        return Err(format!(
            "record.neurons: the dashboard records at most {MAX_RECORDED} neurons (got {})",
            cfg.record.neurons.len()
        ));
    }
    Ok(())
}

/// One scalar's run, for the page: spikes as base64 of the packed little-endian words
/// (steps x ceil(neurons / 32)), the population rate per step, the recorded membranes and
/// thresholds per neuron, and the run's summary (counts and rates per neuron among them).
fn run_json(r: &Results) -> Value {
    let words = r.neurons.div_ceil(32);
    let bytes: Vec<u8> = r.spikes.iter().flat_map(|w| w.to_le_bytes()).collect();
    let rate: Vec<f64> = r
        .spikes
        .chunks(words)
        .map(|row| f64::from(row.iter().map(|w| w.count_ones()).sum::<u32>()) / r.neurons as f64)
        .collect();
    let k = r.recorded.len();
    let column = |values: &[f64], j: usize| -> Vec<f64> {
        values.iter().skip(j).step_by(k.max(1)).copied().collect()
    };
    json!({
        "neurons": r.neurons,
        "steps": r.steps,
        "words": words,
        "spikes": base64::engine::general_purpose::STANDARD.encode(bytes),
        "rate": rate,
        "recorded": r.recorded,
        "membrane": (0..k).map(|j| column(&r.trace, j)).collect::<Vec<_>>(),
        "threshold": (0..k).map(|j| column(&r.thresholds, j)).collect::<Vec<_>>(),
        "input": r.input,
        "summary": r.summary,
    })
}

/// Where f32 and I16F16 differ: the largest membrane difference among the recorded neurons
/// (and where), the mean one, and the spikes on which they disagree.
fn compare(a: &Results, b: &Results) -> Value {
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
    let differing: u32 = a
        .spikes
        .iter()
        .zip(&b.spikes)
        .map(|(x, y)| (x ^ y).count_ones())
        .sum();
    json!({
        "max_membrane_diff": max,
        "max_at_step": at.0,
        "max_at_neuron": at.1,
        "mean_membrane_diff": if a.trace.is_empty() { 0.0 } else { sum / a.trace.len() as f64 },
        "differing_spikes": differing,
        "spikes": [
            a.spikes.iter().map(|w| w.count_ones()).sum::<u32>(),
            b.spikes.iter().map(|w| w.count_ones()).sum::<u32>(),
        ],
    })
}

/// A slider's range for a numeric parameter: (model, name, min, max, step).
const RANGES: &[(&str, &str, f64, f64, f64)] = &[
    ("leaky", "beta", 0.0, 1.0, 0.005),
    ("leaky", "threshold", 0.05, 3.0, 0.05),
    ("lapicque", "r", 0.5, 20.0, 0.1),
    ("lapicque", "c", 0.0005, 0.05, 0.0005),
    ("lapicque", "dt", 0.0001, 0.01, 0.0001),
    ("lapicque", "threshold", 0.05, 3.0, 0.05),
    ("synaptic", "alpha", 0.0, 1.0, 0.005),
    ("synaptic", "beta", 0.0, 1.0, 0.005),
    ("synaptic", "threshold", 0.05, 3.0, 0.05),
    ("lif", "tau", 1.0, 100.0, 0.5),
    ("lif", "v_rest", -20.0, 20.0, 0.5),
    ("lif", "v_reset", -30.0, 10.0, 0.5),
    ("lif", "v_th", 1.0, 50.0, 0.5),
    ("lif", "r", 0.1, 10.0, 0.1),
    ("lif", "dt", 0.01, 1.0, 0.01),
    ("lif", "refractory_steps", 0.0, 100.0, 1.0),
    ("extended", "v_th", 0.1, 3.0, 0.05),
    ("extended", "v_reset", -1.0, 1.0, 0.05),
    ("extended", "tau", 1.0, 100.0, 0.5),
    ("extended", "dt", 0.1, 10.0, 0.1),
    ("extended", "eta", 0.0, 1.0, 0.01),
    ("extended", "min_threshold", 0.0, 2.0, 0.05),
    ("extended", "max_threshold", 0.5, 5.0, 0.05),
    ("extended", "noise_std", 0.0, 1.0, 0.01),
    ("extended", "base_alpha", 0.1, 10.0, 0.1),
    ("extended", "tau_adapt", 1.0, 100.0, 1.0),
    ("extended", "adaptation_decay", 0.0, 1.0, 0.01),
    ("extended", "spike_increase", 0.0, 2.0, 0.05),
    ("extended", "depression_rate", 0.0, 1.0, 0.01),
    ("extended", "recovery_rate", 0.0, 1.0, 0.01),
    ("extended", "nm_init", -2.0, 2.0, 0.05),
];

/// The choices of a parameter that is an enum: (name, choices).
const CHOICES: &[(&str, &str, &[&str])] = &[
    ("leaky", "reset", &["subtract", "zero", "none"]),
    ("lapicque", "reset", &["subtract", "zero", "none"]),
    ("synaptic", "reset", &["subtract", "zero", "none"]),
    ("lif", "integration", &["exact", "euler"]),
    ("lif", "reset", &["hard", "soft"]),
    (
        "extended",
        "transform",
        &["sigmoid", "tanh", "relu", "identity"],
    ),
];

/// The input amplitude's slider per model, in its input units: (min, max, default).
fn input_range(model: &str) -> (f64, f64, f64) {
    match model {
        "lif" => (0.0, 60.0, 25.0),
        "extended" => (0.0, 3.0, 1.3),
        "lapicque" => (0.0, 1.0, 0.25),
        _ => (0.0, 1.5, 0.3),
    }
}

/// Describes every parameter of a model from its default config (serialized by lif-core) and
/// the tables above.
fn model_meta(name: &str, label: &str, defaults: Value, presets: Option<Value>) -> Value {
    let mut params = Vec::new();
    if let Value::Object(fields) = &defaults {
        for (param, default) in fields {
            let mut p = json!({ "name": param, "default": default });
            if let Some(&(_, _, min, max, step)) =
                RANGES.iter().find(|r| r.0 == name && r.1 == param)
            {
                p["kind"] = json!("number");
                p["min"] = json!(min);
                p["max"] = json!(max);
                p["step"] = json!(step);
                p["integer"] = json!(default.is_u64() || default.is_i64());
            } else if let Some((_, _, choices)) =
                CHOICES.iter().find(|c| c.0 == name && c.1 == param)
            {
                p["kind"] = json!("choice");
                p["choices"] = json!(choices);
            } else if default.is_boolean() {
                p["kind"] = json!("bool");
            } else {
                p["kind"] = json!("number");
            }
            params.push(p);
        }
    }
    let (min, max, default) = input_range(name);
    let mut m = json!({
        "name": name,
        "label": label,
        "params": params,
        "input": { "min": min, "max": max, "default": default },
    });
    if let Some(p) = presets {
        m["presets"] = p;
    }
    m
}

/// What the page builds its controls from.
pub fn meta(backend: &str) -> Value {
    let to = |v: Result<Value, serde_json::Error>| v.unwrap_or(Value::Null);
    let presets: Vec<Value> = ExtendedMode::ALL
        .iter()
        .map(|&mode| {
            json!({
                "name": to(serde_json::to_value(mode)),
                "params": to(serde_json::to_value(ExtendedConfig::mode(mode))),
            })
        })
        .collect();
    json!({
        "backend": backend,
        "limits": {
            "neurons": MAX_NEURONS,
            "steps": MAX_STEPS,
            "recorded": MAX_RECORDED,
        },
        "scalars": SCALARS,
        "models": [
            model_meta("leaky", "Leaky (snnTorch)", to(serde_json::to_value(LeakyConfig::default())), None),
            model_meta("lapicque", "Lapicque (snnTorch)", to(serde_json::to_value(LapicqueConfig::default())), None),
            model_meta("synaptic", "Synaptic (snnTorch)", to(serde_json::to_value(SynapticConfig::default())), None),
            model_meta("lif", "LIF (BrainPy)", to(serde_json::to_value(LifConfig::default())), None),
            model_meta(
                "extended",
                "Extended LIF",
                to(serde_json::to_value(ExtendedConfig::mode(ExtendedMode::Deterministic))),
                Some(Value::Array(presets)),
            ),
        ],
    })
}
