//! The dashboard's networks: the shipped network configs (embedded in the binary, which so
//! needs no files), `GET /api/networks` that lists them, and `POST /api/network` that runs
//! one through `lif-sim network`'s own code ([`netrun::simulate`], on the CPU backend) and
//! answers its statistics, the raster of at most [`RASTER_ROWS`] neurons and the population
//! rates.
//!
//! A request is `{"name": "cuba", "scale": 0.25, "steps": 2000, "seed": 1, "scalar": "f32"}`;
//! all but `name` are optional (the network's defaults in the listing). `scale` is at most 1,
//! so the dashboard never builds a network larger than the shipped config.

use lif_host_cuda::network::Recording;
use serde_json::{Value, json};

use crate::config::{BackendKind, ScalarKind};
use crate::netconfig::NetworkConfig;
use crate::netrun::{self, NetworkSummary, Options, RASTER_ROWS};

/// A network the dashboard runs.
struct Shipped {
    /// Its name in requests.
    name: &'static str,
    /// Where its config comes from (for messages).
    origin: &'static str,
    /// The config.
    toml: &'static str,
    /// The page's first run: a size factor and a number of steps (seed and scalar are the
    /// config's).
    scale: f64,
    steps: usize,
}

const SHIPPED: &[Shipped] = &[Shipped {
    name: "cuba",
    origin: "examples/cuba.toml",
    toml: include_str!("../../../examples/cuba.toml"),
    scale: 0.25,
    steps: 2_000,
}];

/// Most steps of a dashboard network run (2 s of CUBA); `lif-sim network` runs longer ones.
pub const MAX_STEPS: usize = 20_000;
/// Largest size factor: the shipped config's own size.
pub const MAX_SCALE: f64 = 1.0;
/// The scalars a network runs in here, by name.
const SCALARS: [(&str, ScalarKind); 2] = [("f32", ScalarKind::F32), ("i16f16", ScalarKind::I16f16)];
/// The population rates' bins (rounded to whole steps).
const RATE_BIN_MS: f64 = 5.0;
/// The fields of a request.
const FIELDS: [&str; 5] = ["name", "scale", "steps", "seed", "scalar"];

impl Shipped {
    fn config(&self) -> Result<NetworkConfig, String> {
        NetworkConfig::parse(self.toml, self.origin).map_err(|e| e.to_string())
    }

    /// The config's opening comment, up to its first empty comment line.
    fn description(&self) -> String {
        let mut words = Vec::new();
        for line in self.toml.lines() {
            match line.strip_prefix('#').map(str::trim) {
                Some("") | None => break,
                Some(text) => words.push(text),
            }
        }
        words.join(" ")
    }
}

fn scalar_name(kind: ScalarKind) -> Option<&'static str> {
    SCALARS.iter().find(|s| s.1 == kind).map(|s| s.0)
}

fn names() -> String {
    SHIPPED
        .iter()
        .map(|n| n.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// `GET /api/networks`: every shipped network with its populations (at scale 1) and the
/// defaults of the page's first run, and the limits of a request.
pub fn list() -> Result<Value, String> {
    let mut networks = Vec::new();
    for net in SHIPPED {
        let cfg = net.config()?;
        let populations: Vec<Value> = cfg
            .populations
            .iter()
            .map(|p| json!({ "name": p.name, "model": p.model.name(), "neurons": p.neurons }))
            .collect();
        networks.push(json!({
            "name": net.name,
            "title": cfg.name.as_deref().unwrap_or(net.name),
            "description": net.description(),
            "source": net.origin,
            "dt_ms": cfg.dt,
            "populations": populations,
            "projections": cfg.projections.len(),
            "defaults": {
                "scale": net.scale,
                "steps": net.steps.min(cfg.steps),
                "seed": cfg.seed,
                "scalar": scalar_name(cfg.scalar).unwrap_or(SCALARS[0].0),
            },
        }));
    }
    Ok(json!({
        "networks": networks,
        "scalars": SCALARS.map(|s| s.0),
        "limits": { "scale": MAX_SCALE, "steps": MAX_STEPS, "raster_rows": RASTER_ROWS },
        "rate_bin_ms": RATE_BIN_MS,
    }))
}

/// A request, checked, and the config it runs.
struct Run {
    net: &'static Shipped,
    scale: f64,
    scalar: &'static str,
    cfg: NetworkConfig,
}

/// Reads and checks a request; errors name the field.
fn parse_request(text: &str) -> Result<Run, String> {
    let body: Value =
        serde_json::from_str(text).map_err(|e| format!("request: not a JSON object ({e})"))?;
    let obj = body.as_object().ok_or("request: not a JSON object")?;
    if let Some(key) = obj.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(format!(
            "{key}: not a field of a network run (they are {})",
            FIELDS.join(", ")
        ));
    }
    let net = match obj.get("name") {
        None => return Err(format!("name: missing (one of {})", names())),
        Some(Value::String(n)) => SHIPPED.iter().find(|s| s.name == n).ok_or_else(|| {
            format!(
                "name: no shipped network is called {n:?} (one of {})",
                names()
            )
        })?,
        Some(v) => return Err(format!("name: must be one of {}, got {v}", names())),
    };
    let mut cfg = net.config()?;
    let scale = match obj.get("scale") {
        None => net.scale,
        Some(v) => match v.as_f64() {
            Some(s) if s > 0.0 && s <= MAX_SCALE => s,
            _ => {
                return Err(format!(
                    "scale: must be a number in (0, {MAX_SCALE}] (the dashboard runs the \
                     network at most at its own size; lif-sim network --scale takes more), \
                     got {v}"
                ));
            }
        },
    };
    let steps = match obj.get("steps") {
        None => net.steps.min(cfg.steps),
        Some(v) => match v.as_u64() {
            Some(n) if (1..=MAX_STEPS as u64).contains(&n) => n as usize,
            _ => {
                return Err(format!(
                    "steps: must be a whole number from 1 to {MAX_STEPS} (lif-sim network runs \
                     more), got {v}"
                ));
            }
        },
    };
    if let Some(v) = obj.get("seed") {
        cfg.seed = v.as_u64().ok_or_else(|| {
            format!(
                "seed: must be a whole number from 0 to {}, got {v}",
                u64::MAX
            )
        })?;
    }
    let scalar = match obj.get("scalar") {
        None => scalar_name(cfg.scalar).unwrap_or(SCALARS[0].0),
        Some(v) => {
            let known = v
                .as_str()
                .and_then(|s| SCALARS.iter().find(|k| k.0 == s))
                .map(|k| k.0);
            known.ok_or_else(|| {
                let all: Vec<&str> = SCALARS.iter().map(|s| s.0).collect();
                format!("scalar: must be one of {}, got {v}", all.join(", "))
            })?
        }
    };
    cfg.scalar = SCALARS
        .iter()
        .find(|s| s.0 == scalar)
        .map_or(cfg.scalar, |s| s.1);
    cfg.steps = steps;
    if scale != 1.0 {
        cfg.scale(scale).map_err(|e| format!("scale: {e}"))?;
    }
    cfg.validate().map_err(|e| e.to_string())?;
    Ok(Run {
        net,
        scale,
        scalar,
        cfg,
    })
}

/// Runs one network request. As `simulate_request`: the request is checked first (400 even
/// when the server is busy), then the run takes a slot from `slot` (`None`: 503 with
/// `busy()`'s message), and `gone(what)` is asked before the run and before the answer.
pub fn network_request<S>(
    text: &str,
    slot: impl FnOnce() -> Option<S>,
    busy: impl FnOnce() -> String,
    gone: impl Fn(&str) -> bool,
) -> Result<Value, (u16, String)> {
    let run = parse_request(text).map_err(|e| (400, e))?;
    let Some(_slot) = slot() else {
        return Err((503, busy()));
    };
    let abandoned = || (499, "the client left".to_owned());
    if gone("the network run") {
        return Err(abandoned());
    }
    let opts = Options {
        threads: None,
        scale: run.scale,
        plots: false,
        backend: BackendKind::Cpu,
    };
    let (summary, rec) = netrun::simulate(&run.cfg, &opts).map_err(|e| (400, e))?;
    if gone("the answer") {
        return Err(abandoned());
    }
    Ok(answer(&run, &summary, &rec))
}

/// The page's view of a run: per population its statistics, its raster rows (the first
/// neurons of each population, in proportion to its size, at most [`RASTER_ROWS`] in all, as
/// `lif-sim network`'s raster.png) as spike steps `t` and neuron indices `i`, and its rate in
/// Hz in bins of about [`RATE_BIN_MS`] (the last bin may be shorter; its rate is over its own
/// length).
fn answer(run: &Run, s: &NetworkSummary, rec: &Recording) -> Value {
    let cfg = &run.cfg;
    let total: usize = cfg.populations.iter().map(|p| p.neurons).sum();
    let per_bin = ((RATE_BIN_MS / cfg.dt).round() as usize).max(1);
    let bins = cfg.steps.div_ceil(per_bin);
    let bin_steps = |k: usize| per_bin.min(cfg.steps - k * per_bin);
    let bin_t_ms: Vec<f64> = (0..bins)
        .map(|k| ((k * per_bin) as f64 + bin_steps(k) as f64 / 2.0) * cfg.dt)
        .collect();
    let mut row0 = 0;
    let mut populations = Vec::new();
    for ((pc, ps), events) in cfg.populations.iter().zip(&s.populations).zip(&rec.events) {
        let rows = (pc.neurons * RASTER_ROWS)
            .div_ceil(total.max(1))
            .min(pc.neurons);
        let (mut t, mut i) = (Vec::new(), Vec::new());
        let mut counts = vec![0u64; bins];
        for &(step, neuron) in events {
            if (neuron as usize) < rows {
                t.push(step);
                i.push(neuron);
            }
            if let Some(c) = counts.get_mut(step as usize / per_bin) {
                *c += 1;
            }
        }
        let rate: Vec<f64> = counts
            .iter()
            .enumerate()
            .map(|(k, &c)| c as f64 * 1000.0 / (bin_steps(k) as f64 * cfg.dt * pc.neurons as f64))
            .collect();
        populations.push(json!({
            "name": pc.name,
            "model": pc.model.name(),
            "neurons": pc.neurons,
            "spikes": ps.stats.spikes,
            "rate_hz": ps.stats.rate_hz,
            "cv_isi": ps.stats.cv_isi,
            "cv_neurons": ps.stats.cv_neurons,
            "raster": { "row0": row0, "rows": rows, "t": t, "i": i },
            "rate_binned_hz": rate,
        }));
        row0 += rows;
    }
    json!({
        "name": run.net.name,
        "title": s.name.as_deref().unwrap_or(run.net.name),
        "scale": run.scale,
        "steps": s.steps,
        "seed": s.seed,
        "scalar": run.scalar,
        "dt_ms": s.dt_ms,
        "duration_ms": s.steps as f64 * s.dt_ms,
        "backend": s.backend,
        "threads": s.threads,
        "neurons": s.neurons,
        "synapses": s.synapses,
        "populations": populations,
        "raster_rows": row0,
        "rate_bin_ms": per_bin as f64 * cfg.dt,
        "rate_t_ms": bin_t_ms,
        "population_rate_peak_hz": s.population_rate_peak_hz,
        "timing_s": s.timing_s,
        "neuron_steps_per_s": s.neuron_steps_per_s,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_network_parses_and_is_described() {
        let list = list().unwrap();
        let cuba = &list["networks"][0];
        assert_eq!(cuba["name"], "cuba");
        assert_eq!(cuba["title"], "CUBA");
        assert_eq!(cuba["populations"][0]["neurons"], 3200);
        assert_eq!(cuba["populations"][1]["neurons"], 800);
        let about = cuba["description"].as_str().unwrap();
        assert!(about.starts_with("The CUBA benchmark") && about.ends_with("dt = 0.1 ms."));
    }

    #[test]
    fn a_request_is_the_network_with_its_fields_applied() {
        let run =
            parse_request(r#"{"name":"cuba","scale":0.1,"steps":300,"seed":7,"scalar":"i16f16"}"#)
                .unwrap();
        assert_eq!(run.cfg.populations[0].neurons, 320);
        assert_eq!(run.cfg.populations[1].neurons, 80);
        assert_eq!((run.cfg.steps, run.cfg.seed), (300, 7));
        assert_eq!(run.cfg.scalar, ScalarKind::I16f16);
        let run = parse_request(r#"{"name":"cuba"}"#).unwrap();
        assert_eq!((run.scale, run.cfg.steps, run.scalar), (0.25, 2000, "f32"));
    }

    #[test]
    fn bad_requests_name_their_field() {
        for (body, says) in [
            ("[]", "request: not a JSON object"),
            ("{}", "name: missing"),
            (r#"{"name":"cubaa"}"#, "name: no shipped network"),
            (r#"{"name":7}"#, "name: must be one of cuba"),
            (
                r#"{"name":"cuba","scale":0}"#,
                "scale: must be a number in (0, 1]",
            ),
            (
                r#"{"name":"cuba","scale":1.5}"#,
                "scale: must be a number in (0, 1]",
            ),
            (
                r#"{"name":"cuba","scale":"big"}"#,
                "scale: must be a number",
            ),
            (
                r#"{"name":"cuba","steps":0}"#,
                "steps: must be a whole number from 1",
            ),
            (
                r#"{"name":"cuba","steps":20001}"#,
                "steps: must be a whole number from 1",
            ),
            (
                r#"{"name":"cuba","steps":10.5}"#,
                "steps: must be a whole number",
            ),
            (
                r#"{"name":"cuba","seed":-1}"#,
                "seed: must be a whole number",
            ),
            (
                r#"{"name":"cuba","scalar":"f64"}"#,
                "scalar: must be one of f32, i16f16",
            ),
            (r#"{"name":"cuba","scalar":null}"#, "scalar: must be one of"),
            (r#"{"name":"cuba","threads":64}"#, "threads: not a field"),
        ] {
            let e = parse_request(body).err().unwrap_or_default();
            assert!(
                e.starts_with(says),
                "{body}: {e:?} does not start with {says:?}"
            );
        }
    }
}
