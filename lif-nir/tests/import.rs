//! The importer on small graphs built in code: what each node becomes, the step order and
//! delays of cycles, readouts, nested graphs, and a typed error for each graph lif cannot
//! run.

use std::collections::BTreeMap;

use lif_core::Reset;
use lif_nir::{Array, Error, Graph, ImportOptions, Model, Neurons, Nir, Node};

fn a(v: &[f32]) -> Array {
    Array::f32(vec![v.len()], v.to_vec()).unwrap()
}

fn m(rows: usize, cols: usize, v: &[f32]) -> Array {
    Array::f32(vec![rows, cols], v.to_vec()).unwrap()
}

fn lif(n: usize, tau: f32, thr: f32) -> Node {
    Node::Lif {
        tau: a(&vec![tau; n]),
        r: a(&vec![tau / 1e-4; n]),
        v_leak: a(&vec![0.0; n]),
        v_threshold: a(&vec![thr; n]),
        v_reset: a(&vec![0.0; n]),
    }
}

/// A neuron node with its parameter arrays reshaped (a layer after a convolution).
fn shaped(node: Node, shape: &[usize]) -> Node {
    let re = |x: &Array| Array::f64(shape.to_vec(), x.to_f64()).unwrap();
    match node {
        Node::Lif {
            tau,
            r,
            v_leak,
            v_threshold,
            v_reset,
        } => Node::Lif {
            tau: re(&tau),
            r: re(&r),
            v_leak: re(&v_leak),
            v_threshold: re(&v_threshold),
            v_reset: re(&v_reset),
        },
        other => other,
    }
}

fn graph(nodes: Vec<(&str, Node)>, edges: &[(&str, &str)]) -> Graph {
    Graph {
        nodes: nodes
            .into_iter()
            .map(|(k, n)| (k.to_string(), n))
            .collect::<BTreeMap<_, _>>(),
        edges: edges
            .iter()
            .map(|(x, y)| (x.to_string(), y.to_string()))
            .collect(),
    }
}

fn import(g: Graph, opts: ImportOptions) -> Result<Model, Error> {
    let nir = Nir {
        version: Some("1.0.8".into()),
        graph: g,
    };
    nir.graph.validate()?;
    lif_nir::import(&nir, &opts)
}

fn io(n: usize) -> [(&'static str, Node); 2] {
    [
        ("input", Node::Input { shape: vec![n] }),
        ("output", Node::Output { shape: vec![n] }),
    ]
}

fn chain() -> Graph {
    let [i, o] = io(2);
    graph(
        vec![
            i,
            o,
            (
                "fc",
                Node::Affine {
                    weight: m(2, 2, &[1.0, 0.0, 0.0, 1.0]),
                    bias: a(&[0.0, 0.25]),
                },
            ),
            ("lif", lif(2, 1e-3, 1.0)),
        ],
        &[("input", "fc"), ("fc", "lif"), ("lif", "output")],
    )
}

#[test]
fn lif_becomes_leaky_with_snntorch_import_parameters() {
    let model = import(chain(), ImportOptions::default()).unwrap();
    let Neurons::Leaky(cfg) = &model.populations[0].neurons else {
        panic!()
    };
    // beta = 1 - dt/tau in f32, as NumPy computes it for an f32 array.
    assert_eq!(cfg[0].beta, f64::from(1.0f32 - 1e-4f32 / 1e-3f32));
    assert_eq!(
        (cfg[0].threshold, cfg[0].reset, cfg[0].reset_delay),
        (1.0, Reset::Zero, false)
    );
    let input = model.populations[0].input.as_ref().unwrap();
    assert_eq!(input.bias, [0.0, 0.25]);
    assert_eq!(model.warnings.len(), 1);
    // A constant input of 0.5 + 0.25 on neuron 1 crosses 1.0 at the second step.
    let run = model.run::<f32>(&[0.0, 0.5, 0.0, 0.5, 0.0, 0.5]).unwrap();
    assert_eq!(run.output, [0.0, 0.0, 0.0, 1.0, 0.0, 0.0]);
    assert_eq!(run.predicted(true), Some(1));
}

#[test]
fn an_input_scale_other_than_one_moves_into_the_threshold() {
    let mut g = chain();
    if let Some(Node::Lif { r, .. }) = g.nodes.get_mut("lif") {
        *r = a(&[5.0, 5.0]); // w = r dt / tau = 0.5
    }
    let model = import(g, ImportOptions::default()).unwrap();
    let Neurons::Leaky(cfg) = &model.populations[0].neurons else {
        panic!()
    };
    // In f32, as NumPy computes it: w = (r * dt) / tau, threshold / w.
    let w = 5.0f32 * 1e-4f32 / 1e-3f32;
    assert!((w - 0.5).abs() < 1e-6 && w != 0.5);
    let want = (f64::from(1.0f32 / w), f64::from(w));
    assert_eq!((cfg[0].threshold, model.populations[0].scale[0]), want);
}

#[test]
fn a_cycle_becomes_a_delayed_projection_and_the_order_follows_the_edges() {
    let [i, o] = io(2);
    let w = m(2, 2, &[0.5, 0.0, 0.0, 0.5]);
    let g = graph(
        vec![
            i,
            o,
            ("a_in", Node::Linear { weight: w.clone() }),
            // Named so that name order and step order differ.
            ("z_first", lif(2, 1e-3, 1.0)),
            ("b_second", lif(2, 1e-3, 1.0)),
            ("fwd", Node::Linear { weight: w.clone() }),
            (
                "back",
                Node::Affine {
                    weight: w,
                    bias: a(&[0.125, 0.125]),
                },
            ),
        ],
        &[
            ("input", "a_in"),
            ("a_in", "z_first"),
            ("z_first", "fwd"),
            ("fwd", "b_second"),
            ("b_second", "back"),
            ("back", "z_first"),
            ("b_second", "output"),
        ],
    );
    let model = import(g, ImportOptions::default()).unwrap();
    let names: Vec<&str> = model.populations.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["z_first", "b_second"]);
    let links: Vec<(usize, usize, u16)> = model
        .projections
        .iter()
        .map(|p| (p.source, p.target, p.delay))
        .collect();
    assert_eq!(links, [(0, 1, 0), (1, 0, 1)]);
    // The recurrent Affine's bias is a constant input of its target.
    assert_eq!(model.populations[0].bias, [0.125, 0.125]);
    assert_eq!(model.output, 1);
}

#[test]
fn linear_nodes_before_the_output_get_a_readout() {
    let [i, _] = io(2);
    let g = graph(
        vec![
            i,
            ("output", Node::Output { shape: vec![1] }),
            (
                "fc",
                Node::Linear {
                    weight: m(2, 2, &[1.0, 0.0, 0.0, 1.0]),
                },
            ),
            ("lif", lif(2, 1e-3, 0.5)),
            (
                "flat",
                Node::Flatten {
                    start_dim: 0,
                    end_dim: -1,
                    input_shape: None,
                },
            ),
            ("scale", Node::Scale { scale: a(&[2.0]) }),
            (
                "sum",
                Node::Linear {
                    weight: m(1, 2, &[1.0, 1.0]),
                },
            ),
        ],
        &[
            ("input", "fc"),
            ("fc", "lif"),
            ("lif", "flat"),
            ("flat", "scale"),
            ("scale", "sum"),
            ("sum", "output"),
        ],
    );
    let model = import(g, ImportOptions::default()).unwrap();
    let out = &model.populations[model.output];
    assert_eq!(
        (out.name.as_str(), out.kind, out.spiking),
        ("output", "Output", false)
    );
    // Flatten, Scale and Linear compose into one map: 2 * (s0 + s1).
    assert_eq!(model.projections[0].weights, [2.0, 2.0]);
    let run = model.run::<f32>(&[1.0, 0.0, 1.0, 1.0]).unwrap();
    assert_eq!(run.output, [2.0, 4.0]);
}

#[test]
fn li_is_a_readout_whose_membrane_is_the_output() {
    let [i, o] = io(1);
    let g = graph(
        vec![
            i,
            o,
            (
                "fc",
                Node::Linear {
                    weight: m(1, 1, &[1.0]),
                },
            ),
            (
                "li",
                Node::Li {
                    tau: a(&[1e-3]),
                    r: a(&[10.0]),
                    v_leak: a(&[0.0]),
                },
            ),
        ],
        &[("input", "fc"), ("fc", "li"), ("li", "output")],
    );
    let model = import(g, ImportOptions::default()).unwrap();
    assert!(
        model.warnings.is_empty(),
        "no spiking neurons: the reset does not matter"
    );
    let run = model.run::<f32>(&[1.0, 1.0]).unwrap();
    // v = 0.9 v + 1 (r dt / tau = 1): 1, 1.9.
    assert_eq!(run.output, [1.0, f64::from(0.9f32 * 1.0 + 1.0)]);
    assert_eq!(run.predicted(false), Some(0));
}

#[test]
fn if_and_threshold_nodes() {
    let [i, o] = io(1);
    let g = graph(
        vec![
            i,
            o,
            (
                "fc",
                Node::Linear {
                    weight: m(1, 1, &[1.0]),
                },
            ),
            (
                "if",
                Node::If {
                    r: a(&[1.0]),
                    v_threshold: a(&[1.5]),
                    v_reset: a(&[0.0]),
                },
            ),
            (
                "w",
                Node::Linear {
                    weight: m(1, 1, &[1.0]),
                },
            ),
            (
                "th",
                Node::Threshold {
                    threshold: a(&[0.5]),
                },
            ),
        ],
        &[
            ("input", "fc"),
            ("fc", "if"),
            ("if", "w"),
            ("w", "th"),
            ("th", "output"),
        ],
    );
    let model = import(g, ImportOptions::default()).unwrap();
    let run = model.run::<f32>(&[1.0, 1.0, 1.0, 1.0]).unwrap();
    // IF integrates 1 per step without leak: spikes at steps 1 and 3 (reset to zero).
    assert_eq!(run.output, [0.0, 1.0, 0.0, 1.0]);
}

#[test]
fn nested_graphs_are_flattened() {
    let nir = lif_nir::read("../tests/fixtures/nir/old_v02.nir").unwrap();
    let model = lif_nir::import(&nir, &ImportOptions::default()).unwrap();
    let names: Vec<&str> = model.populations.iter().map(|p| p.name.as_str()).collect();
    assert!(names.contains(&"cuba"), "{names:?}");
    assert!(names.iter().any(|n| n.starts_with("rnn.")), "{names:?}");
    assert!(
        model
            .projections
            .iter()
            .any(|p| p.delay == 1 && p.source == p.target)
    );
    let run = model.run::<f32>(&vec![0.5; 4 * model.inputs]).unwrap();
    assert_eq!(run.steps, 4);
}

#[test]
fn fixed_point_runs_the_same_model() {
    let model = import(chain(), ImportOptions::default()).unwrap();
    let x = [0.0, 0.5, 0.0, 0.5, 0.0, 0.5];
    let f = model.run::<f32>(&x).unwrap();
    let q = model.run::<lif_core::I16F16>(&x).unwrap();
    assert_eq!(f.output, q.output);
}

fn problem(r: Result<Model, Error>) -> String {
    match r {
        Err(e @ Error::Import { .. }) => e.to_string(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn what_lif_cannot_run_is_a_typed_error_naming_the_node() {
    // A time step longer than the membrane time constant.
    let e = problem(import(
        chain(),
        ImportOptions {
            dt: 2e-3,
            ..Default::default()
        },
    ));
    assert!(
        e.starts_with("node `lif`: neuron 0:") && e.contains("smaller dt"),
        "{e}"
    );
    // A reset potential other than 0.
    let mut g = chain();
    if let Some(Node::Lif { v_reset, .. }) = g.nodes.get_mut("lif") {
        *v_reset = a(&[0.5, 0.5]);
    }
    let e = problem(import(g, ImportOptions::default()));
    assert!(e.starts_with("node `lif`: v_reset is not 0"), "{e}");
    // A non-positive time step.
    let e = problem(import(
        chain(),
        ImportOptions {
            dt: 0.0,
            ..Default::default()
        },
    ));
    assert!(e.contains("dt = 0"), "{e}");
    // A loop of linear nodes.
    let [i, o] = io(1);
    let one = || Node::Linear {
        weight: m(1, 1, &[1.0]),
    };
    let g = graph(
        vec![i, o, ("p", one()), ("q", one()), ("lif", lif(1, 1e-3, 1.0))],
        &[
            ("input", "p"),
            ("p", "q"),
            ("q", "p"),
            ("q", "lif"),
            ("lif", "output"),
        ],
    );
    let e = problem(import(g, ImportOptions::default()));
    assert!(e.contains("algebraic loop"), "{e}");
    // No neurons at all.
    let [i, o] = io(1);
    let g = graph(vec![i, o, ("p", one())], &[("input", "p"), ("p", "output")]);
    let e = problem(import(g, ImportOptions::default()));
    assert!(e.contains("no neurons"), "{e}");
}

#[test]
fn convolutions_and_pooling_are_dense_maps() {
    // A 1-d convolution (2 taps, padding 1, stride 2) on 5 inputs: outputs at -1..0, 1..2, 3..4.
    let [i, _] = io(5);
    let conv = lif_nir::Conv {
        weight: Array::f32(vec![1, 1, 2], vec![0.5, 2.0]).unwrap(),
        bias: a(&[0.25]),
        stride: vec![2],
        padding: lif_nir::Padding::Explicit(vec![1]),
        dilation: vec![1],
        groups: 1,
        input_shape: Some(vec![5]),
    };
    let g = graph(
        vec![
            i,
            ("output", Node::Output { shape: vec![3] }),
            ("conv", Node::Conv1d(conv)),
            ("lif", lif(3, 1e-3, 100.0)),
        ],
        &[("input", "conv"), ("conv", "lif"), ("lif", "output")],
    );
    let model = import(g, ImportOptions::default()).unwrap();
    let input = model.populations[0].input.as_ref().unwrap();
    #[rustfmt::skip]
    let want = [
        2.0, 0.0, 0.0, 0.0, 0.0,
        0.0, 0.5, 2.0, 0.0, 0.0,
        0.0, 0.0, 0.0, 0.5, 2.0,
    ];
    assert_eq!(
        (input.weights.as_slice(), input.bias.as_slice()),
        (&want[..], &[0.25; 3][..])
    );

    // A 2x2 sum pool over (1, 2, 4) after a spiking layer: a projection of ones.
    let [i, _] = io(8);
    let pool = lif_nir::Pool2d {
        kernel_size: vec![2],
        stride: vec![2],
        padding: vec![0],
    };
    let g = graph(
        vec![
            (
                "input",
                Node::Input {
                    shape: vec![1, 2, 4],
                },
            ),
            ("output", Node::Output { shape: vec![2] }),
            ("lif", shaped(lif(8, 1e-3, 1.0), &[1, 2, 4])),
            ("pool", Node::SumPool2d(pool)),
            ("out", lif(2, 1e-3, 100.0)),
        ],
        &[
            ("input", "lif"),
            ("lif", "pool"),
            ("pool", "out"),
            ("out", "output"),
        ],
    );
    let _ = i;
    let model = import(g, ImportOptions::default()).unwrap();
    #[rustfmt::skip]
    let ones = [
        1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0,
        0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0,
    ];
    assert_eq!(model.projections[0].weights, ones);
}

#[test]
fn a_dilated_valid_convolution_keeps_its_size_through_validation_and_import() {
    // 2 taps, dilation 3, no padding, on 6 inputs: span 4, so 3 outputs, each x[o] and x[o + 3].
    let conv = |padding: &str, stride: usize| lif_nir::Conv {
        weight: Array::f32(vec![1, 1, 2], vec![0.5, 2.0]).unwrap(),
        bias: a(&[0.0]),
        stride: vec![stride],
        padding: lif_nir::Padding::Named(padding.into()),
        dilation: vec![3],
        groups: 1,
        input_shape: Some(vec![6]),
    };
    let net = |c: lif_nir::Conv, outputs: usize| {
        let [i, _] = io(6);
        graph(
            vec![
                i,
                (
                    "output",
                    Node::Output {
                        shape: vec![outputs],
                    },
                ),
                ("conv", Node::Conv1d(c)),
                ("lif", lif(outputs, 1e-3, 100.0)),
            ],
            &[("input", "conv"), ("conv", "lif"), ("lif", "output")],
        )
    };
    let model = import(net(conv("valid", 1), 3), ImportOptions::default()).unwrap();
    #[rustfmt::skip]
    let want = [
        0.5, 0.0, 0.0, 2.0, 0.0, 0.0,
        0.0, 0.5, 0.0, 0.0, 2.0, 0.0,
        0.0, 0.0, 0.5, 0.0, 0.0, 2.0,
    ];
    assert_eq!(model.populations[0].input.as_ref().unwrap().weights, want);
    // Taking it for 6 - 2 + 1 = 5 outputs (no dilation) is a shape error, not a 5-row map.
    assert!(import(net(conv("valid", 1), 5), ImportOptions::default()).is_err());
    // "same" keeps the size only with stride 1, as in PyTorch.
    match import(net(conv("same", 2), 6), ImportOptions::default()) {
        Err(Error::BadParameter { node, param, .. }) => {
            assert_eq!((node.as_str(), param), ("conv", "padding"))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_pooling_of_unknown_shape_is_refused_by_name() {
    let [i, o] = io(4);
    let pool = lif_nir::Pool2d {
        kernel_size: vec![2],
        stride: vec![2],
        padding: vec![0],
    };
    let g = graph(
        vec![
            i,
            o,
            ("pool", Node::AvgPool2d(pool)),
            ("lif", lif(1, 1e-3, 1.0)),
        ],
        &[("input", "pool"), ("pool", "lif"), ("lif", "output")],
    );
    // Validation finds it first: the pooling cannot take the flat input it gets.
    match import(g, ImportOptions::default()) {
        Err(Error::BadParameter { node, param, .. }) => {
            assert_eq!((node.as_str(), param), ("pool", "kernel_size"))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_sample_of_the_wrong_length_is_a_shape_error() {
    let model = import(chain(), ImportOptions::default()).unwrap();
    let e = model.run::<f32>(&[1.0, 2.0, 3.0]).unwrap_err();
    assert!(
        matches!(e, lif_host_cuda::SimError::Shape { actual: 3, .. }),
        "{e}"
    );
}
