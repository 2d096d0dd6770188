//! The dashboard's server (`lif-sim serve`) over real HTTP: its page and assets, the run
//! endpoint against lif-core's own neuron loop, and the answers bad requests get (the server
//! stays up through all of them). The page itself is tested in a browser by
//! scripts/dashboard-e2e.sh.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

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
        Server::start_with(Stdio::inherit())
    }

    /// A server whose log (stderr) comes line by line through the receiver.
    fn start_logged() -> (Server, mpsc::Receiver<String>) {
        let mut s = Server::start_with(Stdio::piped());
        let stderr = s.child.stderr.take().expect("stderr");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        (s, rx)
    }

    fn start_with(stderr: Stdio) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_lif-sim"))
            .args(["serve", "--port", "0", "--backend", "cpu"])
            .stdout(Stdio::piped())
            .stderr(stderr)
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

    /// 127.0.0.1:PORT
    fn addr(&self) -> &str {
        self.url.trim_start_matches("http://")
    }

    /// A connection to the server, with generous timeouts that turn a hang into a failure.
    fn connect(&self) -> TcpStream {
        let c = TcpStream::connect(self.addr()).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        c.set_write_timeout(Some(Duration::from_secs(30))).unwrap();
        c
    }

    /// Sends `request` as written (any method and headers) and reads the answer to its end.
    fn raw(&self, request: &str) -> String {
        let mut c = self.connect();
        c.write_all(request.as_bytes()).unwrap();
        let mut answer = String::new();
        c.read_to_string(&mut answer).unwrap();
        answer
    }

    fn post(&self, body: &str) -> (u16, Value) {
        self.post_to("/api/simulate", body)
    }

    fn post_to(&self, path: &str, body: &str) -> (u16, Value) {
        let mut r = self
            .agent
            .post(&format!("{}{path}", self.url))
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
    assert_eq!(s.get("/api/network").0, 405);
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

/// The status of a raw answer.
fn status(answer: &str) -> u16 {
    answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// The body of a raw answer, after its head.
fn body_of(answer: &str) -> &str {
    answer.split_once("\r\n\r\n").map_or("", |(_, b)| b)
}

/// A run as large as the dashboard takes.
const LARGEST_RUN: &str = r#"{"model":"leaky","neurons":2000,"steps":5000,"input":{"kind":"constant","value":0.3},"record":{"neurons":[0,1,2,3,4,5,6,7]}}"#;

#[test]
fn slow_clients_do_not_hold_the_server() {
    let s = Server::start();
    // Four clients announce a 50 kB body and send one byte of it, and one sends nothing.
    let mut slow: Vec<TcpStream> = (0..4)
        .map(|_| {
            let mut c = s.connect();
            let head = format!(
                "POST /api/simulate HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
                 Content-Length: 50000\r\n\r\n{{",
                s.addr()
            );
            c.write_all(head.as_bytes()).unwrap();
            c
        })
        .collect();
    let mut idle = s.connect();
    // The page's requests still answer, within a deadline far above what they take.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(1)))
        .build()
        .into();
    for path in ["/api/meta", "/", "/app.js"] {
        let r = agent.get(&format!("{}{path}", s.url)).call();
        assert_eq!(r.map(|r| r.status().as_u16()).ok(), Some(200), "{path}");
    }
    // The slow ones are answered 408 once their time is up (and do not hang: the
    // connections' 30 s timeouts would fail the test), the idle one is closed unanswered.
    for c in &mut slow {
        let mut answer = String::new();
        c.read_to_string(&mut answer).unwrap();
        assert_eq!(status(&answer), 408, "{answer}");
        assert!(body_of(&answer).contains("not received within"), "{answer}");
    }
    let mut nothing = Vec::new();
    idle.read_to_end(&mut nothing).unwrap();
    assert!(nothing.is_empty());
}

#[test]
fn a_body_over_the_limit_is_refused_before_it_is_read() {
    let s = Server::start();
    // Only the head is sent: the answer comes from the announced length.
    let answer = s.raw(&format!(
        "POST /api/simulate HTTP/1.1\r\nHost: {}\r\nContent-Length: 10000000\r\n\r\n",
        s.addr()
    ));
    assert_eq!(status(&answer), 413, "{answer}");
    assert!(
        body_of(&answer).contains("larger than 65536 bytes"),
        "{answer}"
    );
    let answer = s.raw(&format!(
        "POST /api/simulate HTTP/1.1\r\nHost: {}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        s.addr()
    ));
    assert_eq!(status(&answer), 411, "{answer}");
    let huge_head = format!(
        "GET / HTTP/1.1\r\nHost: {}\r\nX-Pad: {}\r\n\r\n",
        s.addr(),
        "x".repeat(20_000)
    );
    assert_eq!(status(&s.raw(&huge_head)), 431);
    assert_eq!(s.get("/api/meta").0, 200);
}

#[test]
fn only_the_served_address_may_use_the_server() {
    let s = Server::start();
    let run = r#"{"model":"leaky","neurons":4,"steps":10,"input":{"kind":"constant","value":0.5}}"#;
    // Another site's page posting without a preflight.
    for origin in ["http://evil.example", "null", "https://127.0.0.1:1"] {
        let mut r = s
            .agent
            .post(&format!("{}/api/simulate", s.url))
            .header("Origin", origin)
            .header("Content-Type", "text/plain")
            .send(run)
            .unwrap();
        assert_eq!(r.status().as_u16(), 403, "{origin}");
        let msg = r.body_mut().read_to_string().unwrap();
        assert!(msg.contains("Origin:") && msg.contains(origin), "{msg}");
    }
    // A page reaching the server through its own name (DNS rebinding).
    for host in ["evil.example", "evil.example:80"]
        .into_iter()
        .map(str::to_owned)
        .chain([format!(
            "evil.example:{}",
            s.addr().rsplit_once(':').unwrap().1
        )])
    {
        for path in ["/", "/api/meta"] {
            let answer = s.raw(&format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n"));
            assert_eq!(status(&answer), 403, "{host} {path}: {answer}");
            assert!(body_of(&answer).contains("Host:"), "{answer}");
        }
    }
    let answer = s.raw("GET /api/meta HTTP/1.0\r\n\r\n");
    assert_eq!(status(&answer), 403, "no Host: {answer}");
    // The served address, by either name, with or without an Origin.
    let port = s.addr().rsplit_once(':').unwrap().1;
    for (host, origin) in [
        (s.addr().to_owned(), String::new()),
        (format!("localhost:{port}"), String::new()),
        (
            s.addr().to_owned(),
            format!("Origin: http://127.0.0.1:{port}\r\n"),
        ),
        (
            format!("localhost:{port}"),
            format!("Origin: http://localhost:{port}\r\n"),
        ),
    ] {
        let answer = s.raw(&format!(
            "POST /api/simulate HTTP/1.1\r\nHost: {host}\r\n{origin}Content-Length: {}\r\n\r\n{run}",
            run.len()
        ));
        assert_eq!(status(&answer), 200, "{host} {origin}: {answer}");
    }
}

#[test]
fn head_answers_every_get_route_without_a_body() {
    let s = Server::start();
    for path in [
        "/",
        "/index.html",
        "/app.js",
        "/style.css",
        "/vendor/uPlot.iife.min.js",
        "/vendor/uPlot.min.css",
        "/api/meta",
        "/api/networks",
    ] {
        let (_, body) = s.get(path);
        let answer = s.raw(&format!(
            "HEAD {path} HTTP/1.1\r\nHost: {}\r\n\r\n",
            s.addr()
        ));
        assert_eq!(status(&answer), 200, "{path}: {answer}");
        let length = format!("\r\ncontent-length: {}\r\n", body.len());
        assert!(answer.to_lowercase().contains(&length), "{path}: {answer}");
        assert!(
            answer.ends_with("\r\n\r\n"),
            "HEAD {path} has a body: {answer}"
        );
    }
    let answer = s.raw(&format!(
        "HEAD /api/simulate HTTP/1.1\r\nHost: {}\r\n\r\n",
        s.addr()
    ));
    assert_eq!(status(&answer), 405, "{answer}");
    assert!(answer.contains("Allow: POST"), "{answer}");
    assert_eq!(
        status(&s.raw(&format!(
            "HEAD /nope HTTP/1.1\r\nHost: {}\r\n\r\n",
            s.addr()
        ))),
        404
    );
}

#[test]
fn a_null_is_refused_by_its_field() {
    let s = Server::start();
    let run = |fields: &str| {
        format!(
            r#"{{"model":"leaky","neurons":10,"steps":10,"input":{{"kind":"constant","value":0.1}},{fields}}}"#
        )
    };
    let cases = [
        (run(r#""params":{"beta":null}"#), "params.beta: must be a number, got null"),
        (run(r#""params":{"reset":null}"#), "params.reset: must be one of subtract, zero, none, got null"),
        (run(r#""seed":null"#), "seed: must be a whole number, got null"),
        (run(r#""record":{"neurons":[1,null]}"#), "record.neurons[1]: must be a neuron index, got null"),
        (run(r#""record":null"#), "record: must be an object, got null"),
        (
            r#"{"model":"leaky","neurons":10,"steps":10,"input":{"kind":"constant","value":null}}"#.into(),
            "input.value: must be a number, got null",
        ),
        (
            r#"{"model":"lif","neurons":10,"steps":10,"params":{"refractory_steps":null},"input":{"kind":"constant","value":1}}"#.into(),
            "params.refractory_steps: must be a whole number, got null",
        ),
        (run(r#""seed":18446744073709551615"#), "seed: 18446744073709551615 is too large"),
    ];
    for (body, says) in cases {
        let (got, answer) = s.post(&body);
        let msg = answer["error"].as_str().unwrap_or_default();
        assert_eq!(got, 400, "{body} -> {answer}");
        assert!(msg.contains(says), "{body}: {msg:?} does not say {says:?}");
    }
}

#[test]
fn runs_beyond_the_limit_get_503_while_the_page_answers() {
    let s = Server::start();
    let meta_agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(2)))
        .build()
        .into();
    let answers = std::thread::scope(|scope| {
        let runs: Vec<_> = (0..5)
            .map(|_| scope.spawn(|| s.post(LARGEST_RUN)))
            .collect();
        // While they run (each takes far longer than the page's requests), the page answers.
        let mut checked = 0;
        while checked == 0 || !runs.iter().all(|r| r.is_finished()) {
            for path in ["/api/meta", "/"] {
                let r = meta_agent.get(&format!("{}{path}", s.url)).call();
                assert_eq!(r.map(|r| r.status().as_u16()).ok(), Some(200), "{path}");
            }
            checked += 1;
        }
        runs.into_iter()
            .map(|r| r.join().unwrap())
            .collect::<Vec<_>>()
    });
    let ok = answers.iter().filter(|(status, _)| *status == 200).count();
    let busy: Vec<&Value> = answers
        .iter()
        .filter(|(status, _)| *status == 503)
        .map(|(_, body)| body)
        .collect();
    assert_eq!(ok + busy.len(), answers.len(), "{answers:?}");
    assert!(ok >= 1, "no run was computed");
    assert!(
        !busy.is_empty(),
        "five runs at once were all computed together"
    );
    for b in busy {
        let msg = b["error"].as_str().unwrap();
        assert!(
            msg.starts_with("busy: the dashboard computes at most"),
            "{msg}"
        );
    }
}

#[test]
fn a_run_whose_client_left_is_abandoned() {
    let (s, log) = Server::start_logged();
    let mut c = s.connect();
    let request = format!(
        "POST /api/simulate HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\n\r\n{LARGEST_RUN}",
        s.addr(),
        LARGEST_RUN.len()
    );
    c.write_all(request.as_bytes()).unwrap();
    drop(c);
    // The server notices before one of the two scalars' runs (f32 or i16f16), not after both.
    let line = loop {
        let line = log
            .recv_timeout(Duration::from_secs(60))
            .expect("no word of the abandoned run within 60 s");
        if line.contains("abandoned") {
            break line;
        }
    };
    assert!(
        line.ends_with("abandoned before f32") || line.ends_with("abandoned before i16f16"),
        "{line}"
    );
    // Its slot is free again: runs go on.
    let (status, _) = s.post(
        r#"{"model":"leaky","neurons":4,"steps":10,"input":{"kind":"constant","value":0.5}}"#,
    );
    assert_eq!(status, 200);
}

// ---- networks ------------------------------------------------------------------------------

fn ints(v: &Value) -> Vec<u64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap())
        .collect()
}

fn reals(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

#[test]
fn the_shipped_networks_are_listed() {
    let s = Server::start();
    let (code, text) = s.get("/api/networks");
    assert_eq!(code, 200, "{text}");
    let list: Value = serde_json::from_str(&text).unwrap();
    let cuba = &list["networks"][0];
    assert_eq!(list["networks"].as_array().unwrap().len(), 1);
    assert_eq!(cuba["name"], "cuba");
    assert_eq!(cuba["title"], "CUBA");
    assert_eq!(cuba["dt_ms"], 0.1);
    assert_eq!(
        cuba["populations"],
        json!([
            { "name": "exc", "model": "lif", "neurons": 3200 },
            { "name": "inh", "model": "lif", "neurons": 800 },
        ])
    );
    assert_eq!(
        cuba["defaults"],
        json!({ "scale": 0.25, "steps": 2000, "seed": 1, "scalar": "f32" })
    );
    assert!(cuba["description"].as_str().unwrap().contains("Vogels"));
    assert_eq!(
        list["limits"],
        json!({ "scale": 1.0, "steps": 20000, "raster_rows": 400 })
    );
    assert_eq!(list["scalars"], json!(["f32", "i16f16"]));
    // The listing is read, the run posted; the other methods are refused with their Allow.
    let answer = s.raw(&format!(
        "POST /api/networks HTTP/1.1\r\nHost: {}\r\nContent-Length: 2\r\n\r\n{{}}",
        s.addr()
    ));
    assert_eq!(status(&answer), 405, "{answer}");
    assert!(answer.contains("Allow: GET, HEAD"), "{answer}");
    for method in ["GET", "PUT", "DELETE"] {
        let answer = s.raw(&format!(
            "{method} /api/network HTTP/1.1\r\nHost: {}\r\nContent-Length: 0\r\n\r\n",
            s.addr()
        ));
        assert_eq!(status(&answer), 405, "{method}: {answer}");
        assert!(answer.contains("Allow: POST"), "{method}: {answer}");
        assert!(body_of(&answer).contains("\"error\""), "{answer}");
    }
}

/// The spikes `lif-sim network` writes for CUBA with these settings, per population.
fn cli_network(scale: f64, steps: usize, seed: u64, scalar: &str) -> (Vec<Vec<[u32; 2]>>, Value) {
    let out = std::env::temp_dir().join(format!(
        "lif-sim-serve-net-{}-{scale}-{steps}-{seed}-{scalar}",
        std::process::id()
    ));
    let o = Command::new(env!("CARGO_BIN_EXE_lif-sim"))
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .args(["network", "examples/cuba.toml", "--no-plots", "--force"])
        .args(["--scale", &scale.to_string(), "--steps", &steps.to_string()])
        .args([
            "--seed",
            &seed.to_string(),
            "--scalar",
            scalar,
            "--threads",
            "1",
        ])
        .arg("--out")
        .arg(&out)
        .output()
        .expect("run lif-sim network");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let events = ["exc", "inh"]
        .iter()
        .map(|p| {
            let bytes = std::fs::read(out.join(format!("spikes-{p}.npy"))).unwrap();
            let npy = npyz::NpyFile::new(&bytes[..]).unwrap();
            let flat: Vec<u32> = npy.into_vec().unwrap();
            flat.chunks(2).map(|c| [c[0], c[1]]).collect()
        })
        .collect();
    let _ = std::fs::remove_dir_all(&out);
    (events, summary)
}

/// The raster of a population in an answer, as (step, neuron) pairs.
fn raster(pop: &Value) -> Vec<[u32; 2]> {
    let (t, i) = (ints(&pop["raster"]["t"]), ints(&pop["raster"]["i"]));
    assert_eq!(t.len(), i.len(), "t and i pair up");
    t.iter()
        .zip(&i)
        .map(|(&t, &i)| [t as u32, i as u32])
        .collect()
}

/// What every answer must satisfy: sizes, raster rows, and rates consistent with the spikes.
fn check_answer(body: &Value, steps: u64) {
    let dt = body["dt_ms"].as_f64().unwrap();
    assert_eq!(dt, 0.1);
    assert_eq!(body["steps"], steps);
    assert_eq!(body["backend"], "cpu");
    let seconds = steps as f64 * dt / 1000.0;
    let pops = body["populations"].as_array().unwrap();
    let total: u64 = pops.iter().map(|p| p["neurons"].as_u64().unwrap()).sum();
    assert_eq!(body["neurons"], total);
    let bin_ms = body["rate_bin_ms"].as_f64().unwrap();
    assert!((bin_ms - 5.0).abs() < 1e-9, "{bin_ms}");
    let t_ms = reals(&body["rate_t_ms"]);
    let per_bin = (bin_ms / dt).round() as u64;
    assert_eq!(t_ms.len() as u64, steps.div_ceil(per_bin));
    let mut row0 = 0;
    for p in pops {
        let (n, spikes) = (
            p["neurons"].as_u64().unwrap(),
            p["spikes"].as_u64().unwrap(),
        );
        let rows = p["raster"]["rows"].as_u64().unwrap();
        assert_eq!(p["raster"]["row0"], row0);
        assert_eq!(rows, (n * 400).div_ceil(total).min(n), "{p}");
        row0 += rows;
        let r = raster(p);
        assert!(
            r.iter()
                .all(|&[t, i]| u64::from(t) < steps && u64::from(i) < rows)
        );
        assert!(r.windows(2).all(|w| w[0] < w[1]), "by step, then neuron");
        if rows == n {
            assert_eq!(r.len() as u64, spikes, "every spike is in the raster");
        } else {
            assert!((r.len() as u64) < spikes);
        }
        let rate = p["rate_hz"].as_f64().unwrap();
        assert!((rate - spikes as f64 / n as f64 / seconds).abs() < 1e-9 * rate.max(1.0));
        // The binned rates hold every spike: rate x bin length x neurons.
        let binned = reals(&p["rate_binned_hz"]);
        assert_eq!(binned.len(), t_ms.len());
        let counted: f64 = binned
            .iter()
            .enumerate()
            .map(|(k, r)| {
                let len = per_bin.min(steps - k as u64 * per_bin);
                r * len as f64 * dt / 1000.0 * n as f64
            })
            .sum();
        assert!(
            (counted - spikes as f64).abs() < 1e-6,
            "{counted} vs {spikes}"
        );
    }
    assert!(row0 <= 400 + pops.len() as u64);
    assert_eq!(body["raster_rows"], row0);
    assert!(body["timing_s"]["total"].as_f64().unwrap() > 0.0);
}

#[test]
fn a_network_run_is_lif_sim_network() {
    let s = Server::start();
    // 200 neurons: every one has its raster row.
    let request =
        json!({ "name": "cuba", "scale": 0.05, "steps": 1500, "seed": 2, "scalar": "f32" });
    let (status, body) = s.post_to("/api/network", &request.to_string());
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["name"], "cuba");
    assert_eq!(body["title"], "CUBA");
    assert_eq!(
        (body["scale"].as_f64(), body["seed"].as_u64()),
        (Some(0.05), Some(2))
    );
    assert_eq!(body["scalar"], "f32");
    assert_eq!(body["duration_ms"], 150.0);
    let pops = body["populations"].as_array().unwrap();
    assert_eq!(
        pops.iter()
            .map(|p| (p["name"].as_str().unwrap(), p["neurons"].as_u64().unwrap()))
            .collect::<Vec<_>>(),
        [("exc", 160), ("inh", 40)]
    );
    check_answer(&body, 1500);
    assert!(pops[0]["spikes"].as_u64().unwrap() > 0, "CUBA fires");
    assert!(body["population_rate_peak_hz"].as_f64().is_some());
    // The same spikes and statistics as `lif-sim network` with the same settings.
    let (events, summary) = cli_network(0.05, 1500, 2, "f32");
    for (p, pop) in pops.iter().enumerate() {
        assert_eq!(raster(pop), events[p], "{}", pop["name"]);
        let want = &summary["populations"][p];
        for key in ["spikes", "rate_hz", "cv_isi", "cv_neurons"] {
            assert_eq!(pop[key], want[key], "{key}");
        }
    }
    assert_eq!(body["synapses"], summary["synapses"]);
    assert_eq!(
        body["population_rate_peak_hz"],
        summary["population_rate_peak_hz"]
    );
    // The same request again: the same network and spikes.
    let (_, again) = s.post_to("/api/network", &request.to_string());
    assert_eq!(again["populations"], body["populations"]);
}

#[test]
fn a_larger_network_shows_the_first_rows_of_each_population() {
    let s = Server::start();
    // Defaults: scale 0.25 (1000 neurons), 2000 steps, seed 1; in I16F16.
    let (status, body) = s.post_to("/api/network", r#"{"name":"cuba","scalar":"i16f16"}"#);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scalar"], "i16f16");
    assert_eq!(body["neurons"], 1000);
    check_answer(&body, 2000);
    let rows: Vec<u64> = body["populations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["raster"]["rows"].as_u64().unwrap())
        .collect();
    assert_eq!(rows, [320, 80]);
    let (events, summary) = cli_network(0.25, 2000, 1, "i16f16");
    for (p, pop) in body["populations"].as_array().unwrap().iter().enumerate() {
        let shown: Vec<[u32; 2]> = events[p]
            .iter()
            .copied()
            .filter(|&[_, i]| u64::from(i) < rows[p])
            .collect();
        assert_eq!(raster(pop), shown, "{}", pop["name"]);
        assert_eq!(pop["spikes"], summary["populations"][p]["spikes"]);
    }
}

#[test]
fn bad_network_requests_get_400_naming_the_field() {
    let s = Server::start();
    let cases: &[(&str, &str)] = &[
        ("not json", "request: not a JSON object"),
        ("[1]", "request: not a JSON object"),
        ("{}", "name: missing"),
        (
            r#"{"name":"nope"}"#,
            "name: no shipped network is called \"nope\"",
        ),
        (r#"{"name":null}"#, "name: must be one of cuba, got null"),
        (
            r#"{"name":"cuba","scale":0}"#,
            "scale: must be a number in (0, 1]",
        ),
        (
            r#"{"name":"cuba","scale":-0.5}"#,
            "scale: must be a number in (0, 1]",
        ),
        (
            r#"{"name":"cuba","scale":10}"#,
            "scale: must be a number in (0, 1]",
        ),
        (
            r#"{"name":"cuba","scale":null}"#,
            "scale: must be a number in (0, 1]",
        ),
        (
            r#"{"name":"cuba","steps":0}"#,
            "steps: must be a whole number from 1 to 20000",
        ),
        (
            r#"{"name":"cuba","steps":20001}"#,
            "steps: must be a whole number from 1 to 20000",
        ),
        (
            r#"{"name":"cuba","steps":1e400}"#,
            "request: not a JSON object",
        ),
        (
            r#"{"name":"cuba","steps":"100"}"#,
            "steps: must be a whole number",
        ),
        (
            r#"{"name":"cuba","seed":1.5}"#,
            "seed: must be a whole number",
        ),
        (
            r#"{"name":"cuba","scalar":"f64"}"#,
            "scalar: must be one of f32, i16f16, got \"f64\"",
        ),
        (
            r#"{"name":"cuba","backend":"cuda"}"#,
            "backend: not a field of a network run",
        ),
    ];
    for (body, says) in cases {
        let (got, answer) = s.post_to("/api/network", body);
        let msg = answer["error"].as_str().unwrap_or_default();
        assert_eq!(got, 400, "{body} -> {answer}");
        assert!(
            msg.starts_with(says),
            "{body}: {msg:?} does not start with {says:?}"
        );
    }
    let huge = format!(r#"{{"name":"cuba","pad":"{}"}}"#, "x".repeat(100_000));
    assert_eq!(s.post_to("/api/network", &huge).0, 413);
    // Another site's page may not run networks either.
    let run = r#"{"name":"cuba","scale":0.01,"steps":10}"#;
    let mut r = s
        .agent
        .post(&format!("{}/api/network", s.url))
        .header("Origin", "http://evil.example")
        .header("Content-Type", "text/plain")
        .send(run)
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    assert!(r.body_mut().read_to_string().unwrap().contains("Origin:"));
    let answer = s.raw(&format!(
        "POST /api/network HTTP/1.1\r\nHost: evil.example\r\nContent-Length: {}\r\n\r\n{run}",
        run.len()
    ));
    assert_eq!(status(&answer), 403, "{answer}");
    assert_eq!(
        s.post_to("/api/network", run).0,
        200,
        "the server went down"
    );
}

#[test]
fn network_runs_share_the_run_limit() {
    let s = Server::start();
    // The largest network run the dashboard takes, five at once: at most two are computed.
    let run = r#"{"name":"cuba","scale":1,"steps":20000}"#;
    let answers = std::thread::scope(|scope| {
        let runs: Vec<_> = (0..5)
            .map(|_| scope.spawn(|| s.post_to("/api/network", run)))
            .collect();
        runs.into_iter()
            .map(|r| r.join().unwrap())
            .collect::<Vec<_>>()
    });
    let ok: Vec<&Value> = answers
        .iter()
        .filter(|a| a.0 == 200)
        .map(|a| &a.1)
        .collect();
    let busy: Vec<&Value> = answers
        .iter()
        .filter(|a| a.0 == 503)
        .map(|a| &a.1)
        .collect();
    assert_eq!(ok.len() + busy.len(), answers.len(), "{answers:?}");
    assert!(
        !ok.is_empty() && !busy.is_empty(),
        "{} ran, {} refused",
        ok.len(),
        busy.len()
    );
    for b in busy {
        let msg = b["error"].as_str().unwrap();
        assert!(
            msg.starts_with("busy: the dashboard computes at most"),
            "{msg}"
        );
    }
    let body = ok[0];
    assert_eq!(body["neurons"], 4000);
    check_answer(body, 20000);
}
