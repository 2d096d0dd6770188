//! `lif-sim serve`: the dashboard. A small HTTP server on 127.0.0.1 serves one page (embedded
//! in the binary, with its vendored chart library, so it works offline) and runs every
//! request on the simulator: the request body is a run config in JSON, the same schema as
//! `lif-sim run`'s TOML, validated by the same code; it runs once in f32 and once in I16F16 and
//! the answer holds both and their difference. It also runs the shipped networks (see
//! [`network`]): `GET /api/networks` lists them and `POST /api/network` runs one and answers
//! its raster, rates and statistics.
//!
//! The simulation runs here rather than as WebAssembly in the page so that the dashboard
//! computes through the very path `lif-sim run` takes (the `Simulator`, whose backend can be
//! the GPU), and so that there is one build of lif-core to trust, not two.
//!
//! The server answers its own page only (Host and Origin are checked), computes at most
//! [`MAX_RUNS`] runs (of either kind) at once, and drops a run whose client has gone. The
//! transport, with its timeouts and size limits, is in [`http`].

mod http;
mod network;

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine;
use clap::ValueEnum;
use lif_core::{
    ExtendedConfig, ExtendedMode, LapicqueConfig, LeakyConfig, LifConfig, SynapticConfig,
};
use serde_json::{Value, json};

use crate::compare;
use crate::config::{BackendKind, Config, ModelKind};
use crate::outputs::Results;
use crate::simulate;
use http::{Client, Request, Response};

/// Largest run the dashboard accepts: it answers as a control moves, and its answer holds
/// every spike. `lif-sim run` takes larger ones.
pub const MAX_NEURONS: usize = 2_000;
pub const MAX_STEPS: usize = 5_000;
pub const MAX_RECORDED: usize = 8;
/// Largest request body.
const MAX_BODY: usize = 64 << 10;
/// Runs computed at once (each uses every core); a request beyond them gets a 503 at once, so
/// the page, its assets and `/api/meta` never wait behind runs. One page has one request in
/// flight at a time.
const MAX_RUNS: usize = 2;

const INDEX_HTML: &str = include_str!("../web/index.html");
const APP_JS: &str = include_str!("../web/app.js");
const STYLE_CSS: &str = include_str!("../web/style.css");
const UPLOT_JS: &str = include_str!("../web/vendor/uPlot.iife.min.js");
const UPLOT_CSS: &str = include_str!("../web/vendor/uPlot.min.css");

/// The files of the page: (path, content type, content).
const ASSETS: &[(&str, &str, &str)] = &[
    ("/", "text/html; charset=utf-8", INDEX_HTML),
    ("/index.html", "text/html; charset=utf-8", INDEX_HTML),
    ("/app.js", "text/javascript", APP_JS),
    ("/style.css", "text/css", STYLE_CSS),
    ("/vendor/uPlot.iife.min.js", "text/javascript", UPLOT_JS),
    ("/vendor/uPlot.min.css", "text/css", UPLOT_CSS),
];

/// The scalars every request runs in, side by side.
const SCALARS: [&str; 2] = ["f32", "i16f16"];

/// Starts the server on 127.0.0.1:`port` (0 picks a free port), prints its address and
/// serves until killed. Every run goes to `backend`.
pub fn serve(port: u16, backend: BackendKind) -> Result<(), String> {
    let listener = TcpListener::bind(("127.0.0.1", port))
        .map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))?;
    println!("lif-sim dashboard: http://{addr}/ (Ctrl-C stops it)");
    let server = Server {
        port: addr.port(),
        backend,
        runs: AtomicUsize::new(0),
    };
    http::serve(listener, MAX_BODY, move |request, client| {
        server.handle(request, client)
    })
}

struct Server {
    port: u16,
    backend: BackendKind,
    /// Runs being computed.
    runs: AtomicUsize,
}

/// One of the [`MAX_RUNS`] runs, counted in `Server::runs` until dropped.
struct RunSlot<'a>(&'a AtomicUsize);

impl Drop for RunSlot<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Server {
    fn handle(&self, request: &Request, client: &Client) -> Response {
        if let Err(e) = self.check_origin(request) {
            return Response::error(403, e);
        }
        let path = request.path.as_str();
        let read = matches!(request.method.as_str(), "GET" | "HEAD");
        if let Some(&(_, kind, text)) = ASSETS.iter().find(|a| a.0 == path) {
            return match read {
                true => Response::new(200, kind, text.as_bytes()),
                false => not_allowed("GET, HEAD", "use GET"),
            };
        }
        match (read, request.method.as_str(), path) {
            (true, _, "/api/meta") => Response::json(200, &meta(self.backend)),
            (false, _, "/api/meta") => not_allowed("GET, HEAD", "use GET"),
            (_, "POST", "/api/simulate") => match std::str::from_utf8(&request.body) {
                Ok(text) => match self.simulate(text, client) {
                    Ok(v) => Response::json(200, &v),
                    Err((status, e)) => Response::error(status, e),
                },
                Err(_) => Response::error(400, "request: not UTF-8"),
            },
            (_, _, "/api/simulate") => not_allowed("POST", "use POST with a JSON run config"),
            (true, _, "/api/networks") => match network::list() {
                Ok(v) => Response::json(200, &v),
                Err(e) => Response::error(500, e),
            },
            (false, _, "/api/networks") => not_allowed("GET, HEAD", "use GET"),
            (_, "POST", "/api/network") => match std::str::from_utf8(&request.body) {
                Ok(text) => match self.network(text, client) {
                    Ok(v) => Response::json(200, &v),
                    Err((status, e)) => Response::error(status, e),
                },
                Err(_) => Response::error(400, "request: not UTF-8"),
            },
            (_, _, "/api/network") => {
                not_allowed("POST", "use POST with a JSON network run ({\"name\": ...})")
            }
            _ => Response::new(404, "text/plain", format!("not found: {path}").into_bytes()),
        }
    }

    /// Only this server's own page may use it. The Host must be the served address: another
    /// name means a page of another site reached this server through its own DNS name (DNS
    /// rebinding) to read it. A browser's Origin, when sent, must be that address too: another
    /// means another site's page sending requests here (a `text/plain` POST needs no CORS
    /// preflight). Clients that send no Origin (curl, scripts) pass on the Host alone.
    fn check_origin(&self, request: &Request) -> Result<(), String> {
        let port = self.port;
        let ours = |host: &str| {
            let (name, p) = host.rsplit_once(':').unwrap_or((host, "80"));
            p == port.to_string() && (name == "127.0.0.1" || name.eq_ignore_ascii_case("localhost"))
        };
        let hosts: Vec<&str> = request.header("host").collect();
        match hosts[..] {
            [host] if ours(host) => {}
            [host] => {
                return Err(format!(
                    "Host: {host:?} is not this server's address (127.0.0.1:{port} or localhost:{port})"
                ));
            }
            [] => return Err(format!("Host: missing (this server is 127.0.0.1:{port})")),
            _ => return Err("Host: given more than once".into()),
        }
        for origin in request.header("origin") {
            let scheme = origin
                .get(..7)
                .filter(|s| s.eq_ignore_ascii_case("http://"));
            if scheme.is_none() || !ours(&origin[7..]) {
                return Err(format!(
                    "Origin: {origin:?} is not this server's page (http://127.0.0.1:{port}); \
                     the dashboard answers only its own page"
                ));
            }
        }
        Ok(())
    }

    /// Runs one request (see [`simulate_request`]) in one of the [`MAX_RUNS`] slots.
    fn simulate(&self, text: &str, client: &Client) -> Result<Value, (u16, String)> {
        simulate_request(
            text,
            self.backend,
            || self.slot(),
            busy,
            |next| gone(client, next),
        )
    }

    /// Runs one network request (see [`network::network_request`]) in one of the
    /// [`MAX_RUNS`] slots.
    fn network(&self, text: &str, client: &Client) -> Result<Value, (u16, String)> {
        network::network_request(text, || self.slot(), busy, |next| gone(client, next))
    }

    /// One of the [`MAX_RUNS`] slots, or `None` when all are taken.
    fn slot(&self) -> Option<RunSlot<'_>> {
        self.runs
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < MAX_RUNS).then_some(n + 1)
            })
            .ok()
            .map(|_| RunSlot(&self.runs))
    }
}

/// The message of a run refused for want of a slot.
fn busy() -> String {
    format!(
        "busy: the dashboard computes at most {MAX_RUNS} runs at once and that many are \
         running (other pages or clients); try again when one finishes"
    )
}

/// Whether `client` has gone, logged as abandoning its run before `next`.
fn gone(client: &Client, next: &str) -> bool {
    let gone = client.gone();
    if gone {
        eprintln!("lif-sim serve: the client left; its run is abandoned before {next}");
    }
    gone
}

fn not_allowed(allow: &'static str, message: &str) -> Response {
    Response {
        allow: Some(allow),
        ..Response::error(405, message)
    }
}

/// Runs one dashboard request: a JSON run config, in f32 and in I16F16. The config is checked
/// first (a bad one is refused with 400 even when the server is busy); then the runs take a
/// slot from `slot` (`None`: 503 with `busy()`'s message), and `gone(what)` is asked before
/// each scalar's run and before the answer is built.
///
/// "Abandoned" means: once `gone` says the client has left (it closed the connection), nothing
/// more is computed for it: no further scalar is run, no comparison and no answer is built,
/// and the slot is freed. A scalar's run already under way is not interrupted (the simulator
/// runs it whole), so at most one scalar's run is computed for a client that has left.
pub fn simulate_request<S>(
    text: &str,
    backend: BackendKind,
    slot: impl FnOnce() -> Option<S>,
    busy: impl FnOnce() -> String,
    gone: impl Fn(&str) -> bool,
) -> Result<Value, (u16, String)> {
    let bad = |e: String| (400, e);
    let body: Value =
        serde_json::from_str(text).map_err(|e| bad(format!("request: not a JSON object ({e})")))?;
    let obj = body
        .as_object()
        .ok_or_else(|| bad("request: not a JSON object".into()))?;
    for key in ["scalar", "backend"] {
        if obj.contains_key(key) {
            return Err(bad(format!(
                "{key}: set by the dashboard, not the request (it runs f32 and i16f16 on the server's backend)"
            )));
        }
    }
    if obj
        .get("input")
        .and_then(|i| i.get("kind"))
        .and_then(Value::as_str)
        == Some("file")
    {
        return Err(bad(
            "input.kind: the dashboard does not read files (use lif-sim run)".into(),
        ));
    }
    let model = obj.get("model").and_then(Value::as_str).unwrap_or("leaky");
    let mut table = toml::Table::new();
    for (key, value) in obj {
        table.insert(key.clone(), to_toml(key, value, model).map_err(bad)?);
    }
    // Errors in the config itself are the request's, found before anything runs.
    let mut configs = Vec::new();
    for scalar in SCALARS {
        table.insert("scalar".into(), scalar.into());
        let mut cfg = Config::from_table(table.clone()).map_err(|e| bad(e.to_string()))?;
        cfg.backend = backend;
        check_limits(&cfg).map_err(bad)?;
        configs.push(cfg);
    }
    let Some(_slot) = slot() else {
        return Err((503, busy()));
    };
    let abandoned = || (499, "the client left".to_owned());
    let mut runs = serde_json::Map::new();
    let mut results: Vec<Option<Results>> = Vec::new();
    let mut threshold = None;
    for (scalar, cfg) in SCALARS.into_iter().zip(&configs) {
        if gone(scalar) {
            return Err(abandoned());
        }
        // Errors of one scalar (a value that does not fit I16F16) are that scalar's, and the
        // other still runs.
        match simulate::dispatch(cfg) {
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
    if gone("the answer") {
        return Err(abandoned());
    }
    // The same error in both scalars is the request's (a bad parameter), not a scalar's.
    let errors: Vec<&str> = runs
        .values()
        .filter_map(|r| r.get("error").and_then(Value::as_str))
        .collect();
    if errors.len() == SCALARS.len() && errors.windows(2).all(|w| w[0] == w[1]) {
        return Err(bad(errors[0].to_owned()));
    }
    let compare = match (&results[0], &results[1]) {
        (Some(a), Some(b)) => serde_json::to_value(compare::compare(a, b)).unwrap_or(Value::Null),
        _ => Value::Null,
    };
    Ok(json!({
        "runs": runs,
        "compare": compare,
        "threshold": threshold.map(|(v, label)| json!({ "value": v, "label": label })),
    }))
}

/// The request's JSON `value` at `path` (`params.beta`, `record.neurons[1]`) as TOML, which
/// the config is read from. TOML has no null and no integer above `i64::MAX`: those are
/// refused here, naming their field, instead of failing the conversion as a whole.
fn to_toml(path: &str, value: &Value, model: &str) -> Result<toml::Value, String> {
    Ok(match value {
        Value::Null => {
            return Err(format!(
                "{path}: must be {}, got null",
                expected(path, model)
            ));
        }
        Value::Bool(b) => toml::Value::Boolean(*b),
        Value::String(s) => toml::Value::String(s.clone()),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => toml::Value::Integer(i),
            (None, Some(f)) if n.is_f64() => toml::Value::Float(f),
            _ => return Err(format!("{path}: {n} is too large (at most {})", i64::MAX)),
        },
        Value::Array(items) => toml::Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| to_toml(&format!("{path}[{i}]"), v, model))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(fields) => toml::Value::Table(
            fields
                .iter()
                .map(|(k, v)| Ok((k.clone(), to_toml(&format!("{path}.{k}"), v, model)?)))
                .collect::<Result<_, String>>()?,
        ),
    })
}

/// What the field at `path` takes, for the message about a null there.
fn expected(path: &str, model: &str) -> String {
    if let Some(param) = path.strip_prefix("params.") {
        return match model_defaults(model).get(param) {
            Some(Value::Bool(_)) => "true or false".into(),
            Some(Value::String(_)) => match CHOICES.iter().find(|c| c.0 == model && c.1 == param) {
                Some((_, _, choices)) => format!("one of {}", choices.join(", ")),
                None => "a name".into(),
            },
            Some(Value::Number(n)) if n.is_f64() => "a number".into(),
            Some(Value::Number(_)) => "a whole number".into(),
            _ => "a value".into(),
        };
    }
    let kind = |p: &str| {
        path.strip_prefix(p)
            .is_some_and(|rest| rest.starts_with('.'))
    };
    match path {
        "model" => {
            let names: Vec<_> = ModelKind::value_variants()
                .iter()
                .map(|m| m.name())
                .collect();
            format!("one of {}", names.join(", "))
        }
        "neurons" | "steps" | "seed" => "a whole number".into(),
        "dt" | "noise" => "a number".into(),
        "params" | "input" | "modulation" | "record" => "an object".into(),
        "input.kind" | "modulation.kind" => "the name of a signal kind".into(),
        "record.neurons" => "a list of neuron indices".into(),
        p if p.starts_with("record.neurons[") => "a neuron index".into(),
        _ if kind("input") || kind("modulation") => "a number".into(),
        _ => "a value".into(),
    }
}

/// A model's parameters with their defaults, as lif-core serializes them (null for no model).
fn model_defaults(model: &str) -> Value {
    let value = match model {
        "leaky" => serde_json::to_value(LeakyConfig::default()),
        "lapicque" => serde_json::to_value(LapicqueConfig::default()),
        "synaptic" => serde_json::to_value(SynapticConfig::default()),
        "lif" => serde_json::to_value(LifConfig::default()),
        "extended" => serde_json::to_value(ExtendedConfig::mode(ExtendedMode::Deterministic)),
        _ => return Value::Null,
    };
    value.unwrap_or(Value::Null)
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
    // The page's rate histogram needs every neuron's rate, which summary.json leaves out.
    let mut summary = serde_json::to_value(&r.summary).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut summary {
        let rates: Vec<f64> = r
            .spike_counts
            .iter()
            .map(|&c| c as f64 / r.steps as f64)
            .collect();
        m.insert("rate_per_step_by_neuron".into(), rates.into());
    }
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
        "summary": summary,
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
pub fn meta(backend: BackendKind) -> Value {
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
        "backend": backend.name(),
        "limits": {
            "neurons": MAX_NEURONS,
            "steps": MAX_STEPS,
            "recorded": MAX_RECORDED,
        },
        "scalars": SCALARS,
        "models": [
            model_meta("leaky", "Leaky (snnTorch)", model_defaults("leaky"), None),
            model_meta("lapicque", "Lapicque (snnTorch)", model_defaults("lapicque"), None),
            model_meta("synaptic", "Synaptic (snnTorch)", model_defaults("synaptic"), None),
            model_meta("lif", "LIF (BrainPy)", model_defaults("lif"), None),
            model_meta("extended", "Extended LIF", model_defaults("extended"), Some(Value::Array(presets))),
        ],
    })
}
