//! Every fixture of `scripts/nir_fixtures.py` parses into the graph its manifest describes
//! (written by the Python side from nir's own reading of the same file): node types,
//! parameter shapes and dtypes, the first values and each array's sum, edges, nesting.

use std::path::PathBuf;

use lif_nir::{ArrayData, Dtype, Graph, Node};
use serde_json::Value;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/nir")
}

fn manifest() -> Value {
    let text = std::fs::read_to_string(dir().join("manifest.json")).expect("manifest.json");
    serde_json::from_str(&text).expect("manifest is JSON")
}

/// Compares one graph with the manifest's description, recursing into subgraphs.
fn check_graph(g: &Graph, want: &Value, at: &str) {
    let nodes = want["nodes"].as_object().expect("nodes");
    let names: Vec<&String> = g.nodes.keys().collect();
    let want_names: Vec<&String> = nodes.keys().collect();
    assert_eq!(names, want_names, "{at}: node names");
    let edges: Vec<(String, String)> = want["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e[0].as_str().unwrap().to_string(),
                e[1].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(g.edges, edges, "{at}: edges");
    for (name, node) in &g.nodes {
        let w = &nodes[name];
        let here = format!("{at}/{name}");
        assert_eq!(
            node.type_name(),
            w["type"].as_str().unwrap(),
            "{here}: type"
        );
        if let Node::Graph(sub) = node {
            check_graph(sub, w, &here);
            continue;
        }
        let params = w["params"].as_object().unwrap();
        match node {
            Node::Input { shape } | Node::Output { shape } => {
                let p = &params["shape"];
                assert_eq!(
                    p["shape"][0].as_u64().unwrap() as usize,
                    shape.len(),
                    "{here}"
                );
                assert_eq!(shape[0] as f64, p["first"][0].as_f64().unwrap(), "{here}");
                let sum: usize = shape.iter().sum();
                assert_eq!(sum as f64, p["sum"].as_f64().unwrap(), "{here}");
            }
            _ => {
                let ours = node.params();
                let mut names: Vec<&str> = ours.iter().map(|(n, _)| *n).collect();
                names.sort_unstable();
                let mut want: Vec<&str> = params.keys().map(|k| k.as_str()).collect();
                want.sort_unstable();
                assert_eq!(names, want, "{here}: parameters");
                for (pname, a) in ours {
                    let p = &params[pname];
                    let shape: Vec<usize> = p["shape"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|x| x.as_u64().unwrap() as usize)
                        .collect();
                    assert_eq!(a.shape(), shape.as_slice(), "{here}.{pname}: shape");
                    let dtype = match p["dtype"].as_str().unwrap() {
                        "float32" => Dtype::F32,
                        "float64" => Dtype::F64,
                        other => panic!("{here}.{pname}: dtype {other}"),
                    };
                    assert_eq!(a.dtype(), dtype, "{here}.{pname}: dtype");
                    for (i, v) in p["first_bits"].as_array().unwrap().iter().enumerate() {
                        // Exact: the stored bits, as the Python side read them.
                        let want = u64::from_str_radix(v.as_str().unwrap(), 16).unwrap();
                        let got = match a.data() {
                            ArrayData::F32(d) => u64::from(d[i].to_bits()),
                            ArrayData::F64(d) => d[i].to_bits(),
                        };
                        assert_eq!(got, want, "{here}.{pname}[{i}]: bits");
                    }
                    let sum: f64 = a.to_f64().iter().sum();
                    let want = p["sum"].as_f64().unwrap();
                    assert!(
                        (sum - want).abs() <= 1e-9 * want.abs().max(1.0),
                        "{here}.{pname}: sum {sum} vs {want}"
                    );
                }
            }
        }
    }
}

#[test]
fn every_fixture_matches_its_manifest() {
    let m = manifest();
    let fixtures = m["fixtures"].as_object().unwrap();
    assert!(fixtures.len() >= 5, "{} fixtures", fixtures.len());
    for (name, f) in fixtures {
        let path = dir().join(f["file"].as_str().unwrap());
        let nir = lif_nir::read(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        check_graph(&nir.graph, &f["graph"], name);
    }
}

#[test]
fn versions_and_storage() {
    let m = manifest();
    let v = |file: &str| lif_nir::read(dir().join(file)).unwrap().version;
    assert_eq!(v("leaky_ff.nir").as_deref(), m["versions"]["nir"].as_str());
    assert_eq!(
        v("old_v02.nir").as_deref(),
        m["versions"]["nir_old"].as_str()
    );
    assert_eq!(v("old_v02.nir").as_deref(), Some("0.2.0"));
}

#[test]
fn snntorch_leaky_parameters() {
    // snnTorch exports Leaky as LIF with tau = dt / (1 - beta), r = tau / dt, in f32.
    let nir = lif_nir::read(dir().join("leaky_ff.nir")).unwrap();
    let Node::Lif {
        tau, r, v_reset, ..
    } = &nir.graph.nodes["1"]
    else {
        panic!("node 1 is not a LIF");
    };
    let beta = 0.8f32;
    let want = 1e-4f32 / (1.0 - beta);
    assert_eq!(tau.get(0), Some(f64::from(want)));
    assert_eq!(r.get(0), Some(f64::from(want / 1e-4f32)));
    assert!(v_reset.to_f64().iter().all(|&v| v == 0.0));
    assert_eq!(tau.dtype(), Dtype::F32);
}

#[test]
fn old_files_get_nir_defaults_and_nested_graphs() {
    let nir = lif_nir::read(dir().join("old_v02.nir")).unwrap();
    let Node::CubaLif { w_in, v_reset, .. } = &nir.graph.nodes["cuba"] else {
        panic!("cuba");
    };
    assert_eq!(
        (w_in.to_f64(), v_reset.to_f64()),
        (vec![1.0; 3], vec![0.0; 3])
    );
    assert_eq!(w_in.dtype(), Dtype::F64);
    let Node::Graph(rnn) = &nir.graph.nodes["rnn"] else {
        panic!("rnn is not a subgraph");
    };
    assert!(rnn.edges.contains(&("rec".into(), "lif".into())));
    assert_eq!(nir.graph.shapes()["rnn"], (Some(vec![3]), Some(vec![3])));
}

#[test]
fn norse_scalars_are_zero_d() {
    let nir = lif_nir::read(dir().join("norse_ff.nir")).unwrap();
    let Node::CubaLif { tau_mem, .. } = &nir.graph.nodes["1"] else {
        panic!("node 1 is not a CubaLIF");
    };
    assert_eq!(tau_mem.shape(), &[] as &[usize]);
    assert_eq!(tau_mem.len(), 1);
    // The neurons take their size from the Affine before them.
    assert_eq!(nir.graph.shapes()["1"], (Some(vec![8]), Some(vec![8])));
}

#[test]
fn flattened_recurrent_snntorch_graph() {
    // nirtorch flattens snnTorch's RLeaky subgraph into dotted names with a plain cycle.
    let nir = lif_nir::read(dir().join("rleaky.nir")).unwrap();
    let e = &nir.graph.edges;
    assert!(e.contains(&("1.lif".into(), "1.w_rec".into())));
    assert!(e.contains(&("1.w_rec".into(), "1.lif".into())));
    assert_eq!(nir.graph.nodes["1.lif"].type_name(), "LIF");
}
