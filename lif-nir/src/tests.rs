//! Parsing and validation on graphs built in memory (no HDF5 file needed).

use crate::graph::{Array, Conv, Graph, Node, Padding, Pool2d};
use crate::h5::{Data, Item, Tree, Value};
use crate::{Error, Nir};

fn s(v: &str) -> Item {
    Item::Data(Data {
        shape: vec![],
        value: Value::Str(vec![v.into()]),
    })
}

fn f(shape: &[usize], v: &[f64]) -> Item {
    Item::Data(Data {
        shape: shape.to_vec(),
        value: Value::F64(v.to_vec()),
    })
}

fn node(ty: &str, params: Vec<(&str, Item)>) -> Item {
    let mut t = Tree::new();
    t.insert("type".into(), s(ty));
    for (k, v) in params {
        t.insert(k.into(), v);
    }
    Item::Group(t)
}

fn graph_tree(nodes: Vec<(&str, Item)>, edges: &[(&str, &str)]) -> Tree {
    let mut n = Tree::new();
    for (k, v) in nodes {
        n.insert(k.into(), v);
    }
    let mut g = Tree::new();
    g.insert("type".into(), s("NIRGraph"));
    g.insert("nodes".into(), Item::Group(n));
    g.insert(
        "edges".into(),
        Item::Data(Data {
            shape: vec![edges.len(), 2],
            value: Value::Str(
                edges
                    .iter()
                    .flat_map(|(a, b)| [a.to_string(), b.to_string()])
                    .collect(),
            ),
        }),
    );
    g
}

fn parse(g: Tree) -> Result<Nir, Error> {
    let mut root = Tree::new();
    root.insert("version".into(), s("1.0.8"));
    root.insert("node".into(), Item::Group(g));
    Nir::from_tree(&root)
}

fn io(n: usize) -> Vec<(&'static str, Item)> {
    vec![
        (
            "input",
            node("Input", vec![("shape", f(&[1], &[n as f64]))]),
        ),
        (
            "output",
            node("Output", vec![("shape", f(&[1], &[n as f64]))]),
        ),
    ]
}

#[test]
fn unsupported_nodes_are_named() {
    let mut nodes = io(2);
    nodes.push(("d", node("Delay", vec![("delay", f(&[2], &[1.0, 1.0]))])));
    match parse(graph_tree(nodes, &[])) {
        Err(Error::UnsupportedNode { node, node_type }) => {
            assert_eq!((node.as_str(), node_type.as_str()), ("d", "Delay"));
        }
        other => panic!("{other:?}"),
    }
    // Inside a subgraph, the path names both.
    let inner = graph_tree(vec![("i", node("I", vec![("r", f(&[1], &[1.0]))]))], &[]);
    let mut nodes = io(2);
    nodes.push(("sub", Item::Group(inner)));
    let err = parse(graph_tree(nodes, &[])).unwrap_err();
    assert_eq!(err.to_string(), "node `sub/i`: type `I` is not supported");
}

#[test]
fn missing_and_bad_parameters() {
    let mut nodes = io(2);
    nodes.push((
        "lif",
        node("LIF", vec![("v_threshold", f(&[2], &[1.0, 1.0]))]),
    ));
    let err = parse(graph_tree(nodes, &[])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "node `lif` (LIF): parameter `tau` is missing"
    );
    let mut nodes = io(2);
    nodes.push(("s", node("Scale", vec![("scale", s("2"))])));
    assert!(matches!(
        parse(graph_tree(nodes, &[])),
        Err(Error::BadParameter { param: "scale", .. })
    ));
    let mut nodes = io(2);
    nodes.push(("s", node("Scale", vec![("scale", f(&[1], &[f64::NAN]))])));
    assert!(parse(graph_tree(nodes, &[])).is_err());
    // Not a NIR layout at all.
    let mut root = Tree::new();
    root.insert("x".into(), s("y"));
    assert!(matches!(Nir::from_tree(&root), Err(Error::Layout { .. })));
}

fn arr(shape: &[usize]) -> Array {
    Array::f64(shape.to_vec(), vec![0.5; shape.iter().product()]).unwrap()
}

fn affine(out: usize, inp: usize) -> Node {
    Node::Affine {
        weight: arr(&[out, inp]),
        bias: arr(&[out]),
    }
}

fn lif(n: usize) -> Node {
    Node::Lif {
        tau: arr(&[n]),
        r: arr(&[n]),
        v_leak: arr(&[n]),
        v_threshold: arr(&[n]),
        v_reset: arr(&[]),
    }
}

fn chain(nodes: Vec<(&str, Node)>) -> Graph {
    let names: Vec<String> = nodes.iter().map(|(k, _)| k.to_string()).collect();
    Graph {
        nodes: nodes.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
        edges: names
            .windows(2)
            .map(|w| (w[0].clone(), w[1].clone()))
            .collect(),
    }
}

#[test]
fn validation_names_the_node() {
    let good = || {
        chain(vec![
            ("in", Node::Input { shape: vec![4] }),
            ("fc", affine(3, 4)),
            ("lif", lif(3)),
            ("out", Node::Output { shape: vec![3] }),
        ])
    };
    good().validate().unwrap();

    let mut g = good();
    g.nodes.insert("fc".into(), affine(3, 5));
    assert_eq!(
        g.validate().unwrap_err().to_string(),
        "edge (in, fc): node `in` puts out (4) but node `fc` takes (5)"
    );

    let mut g = good();
    g.nodes.insert(
        "fc".into(),
        Node::Affine {
            weight: arr(&[3, 4]),
            bias: arr(&[2]),
        },
    );
    assert!(
        matches!(g.validate(), Err(Error::BadParameter { node, param: "bias", .. }) if node == "fc")
    );

    let mut g = good();
    if let Some(Node::Lif { r, .. }) = g.nodes.get_mut("lif") {
        *r = arr(&[2]);
    }
    assert_eq!(
        g.validate().unwrap_err().to_string(),
        "node `lif`: parameter `r`: shape (2) disagrees with tau's (3)"
    );

    let mut g = good();
    g.edges.push(("lif".into(), "nowhere".into()));
    assert!(matches!(g.validate(), Err(Error::UnknownEdgeNode { name, .. }) if name == "nowhere"));

    let mut g = good();
    g.nodes.insert("in2".into(), Node::Input { shape: vec![4] });
    assert_eq!(
        g.validate().unwrap_err().to_string(),
        "the top-level graph has 2 Input nodes (in, in2); it needs exactly one"
    );

    // A recurrent cycle and a nested graph, reached as `sub` and as `sub.lif`.
    let mut g = good();
    g.nodes.insert("rec".into(), affine(3, 3));
    g.edges.push(("lif".into(), "rec".into()));
    g.edges.push(("rec".into(), "lif".into()));
    let mut sub = chain(vec![
        ("input", Node::Input { shape: vec![3] }),
        ("lif", lif(3)),
        ("output", Node::Output { shape: vec![3] }),
    ]);
    sub.validate().unwrap();
    g.nodes.insert("sub".into(), Node::Graph(sub.clone()));
    g.edges.push(("lif".into(), "sub".into()));
    g.edges.push(("sub.lif".into(), "out".into()));
    g.validate().unwrap();
    sub.nodes.insert("lif".into(), lif(4));
    g.nodes.insert("sub".into(), Node::Graph(sub));
    assert_eq!(
        g.validate().unwrap_err().to_string(),
        "edge (sub/input, sub/lif): node `sub/input` puts out (3) but node `sub/lif` takes (4)"
    );
}

#[test]
fn shapes_through_conv_pool_and_flatten() {
    let conv = Node::Conv2d(Conv {
        weight: arr(&[4, 2, 3, 3]),
        bias: arr(&[4]),
        stride: vec![1],
        padding: Padding::Explicit(vec![1, 1]),
        dilation: vec![1],
        groups: 1,
        input_shape: None,
    });
    let g = |cols: usize| {
        chain(vec![
            (
                "in",
                Node::Input {
                    shape: vec![2, 8, 8],
                },
            ),
            ("conv", conv.clone()),
            (
                "spk",
                Node::If {
                    r: arr(&[]),
                    v_threshold: arr(&[]),
                    v_reset: arr(&[]),
                },
            ),
            (
                "pool",
                Node::SumPool2d(Pool2d {
                    kernel_size: vec![2, 2],
                    stride: vec![2, 2],
                    padding: vec![0, 0],
                }),
            ),
            (
                "flat",
                Node::Flatten {
                    start_dim: 0,
                    end_dim: -1,
                    input_shape: None,
                },
            ),
            ("fc", affine(3, cols)),
            ("out", Node::Output { shape: vec![3] }),
        ])
    };
    let ok = g(64);
    ok.validate().unwrap();
    let shapes = ok.shapes();
    assert_eq!(shapes["conv"].1, Some(vec![4, 8, 8]));
    assert_eq!(shapes["pool"].1, Some(vec![4, 4, 4]));
    assert_eq!(shapes["flat"].1, Some(vec![64]));
    assert_eq!(
        g(63).validate().unwrap_err().to_string(),
        "edge (flat, fc): node `flat` puts out (64) but node `fc` takes (63)"
    );
}

fn int(shape: &[usize], v: &[i64]) -> Item {
    Item::Data(Data {
        shape: shape.to_vec(),
        value: Value::Int(v.to_vec()),
    })
}

fn f32s(shape: &[usize], x: f32) -> Item {
    Item::Data(Data {
        shape: shape.to_vec(),
        value: Value::F32(vec![x; shape.iter().product()]),
    })
}

/// The layout nir 1.0.8's writer gives these nodes (checked with h5py on a file it wrote):
/// scalar int64 `groups`, `dilation` and Conv1d `input_shape`; spatial `input_shape`; a string
/// `padding`; Flatten's `input_type` as a dataset; CubaLI in float64.
#[test]
fn conv_pool_and_element_wise_nodes_as_nir_writes_them() {
    let nodes = vec![
        (
            "input",
            node("Input", vec![("shape", int(&[3], &[2, 8, 8]))]),
        ),
        (
            "conv",
            node(
                "Conv2d",
                vec![
                    ("weight", f32s(&[4, 2, 3, 3], 0.125)),
                    ("bias", f32s(&[4], 0.0)),
                    ("stride", int(&[2], &[1, 1])),
                    ("padding", int(&[2], &[1, 1])),
                    ("dilation", int(&[2], &[1, 1])),
                    ("groups", int(&[], &[1])),
                    ("input_shape", int(&[2], &[8, 8])),
                ],
            ),
        ),
        (
            "if",
            node(
                "IF",
                vec![
                    ("r", f32s(&[4, 8, 8], 1.0)),
                    ("v_threshold", f32s(&[4, 8, 8], 1.0)),
                    ("v_reset", f32s(&[4, 8, 8], 0.0)),
                ],
            ),
        ),
        (
            "pool",
            node(
                "SumPool2d",
                vec![
                    ("kernel_size", int(&[2], &[2, 2])),
                    ("stride", int(&[2], &[2, 2])),
                    ("padding", int(&[2], &[0, 0])),
                ],
            ),
        ),
        (
            "avg",
            node(
                "AvgPool2d",
                vec![
                    ("kernel_size", int(&[2], &[2, 2])),
                    ("stride", int(&[2], &[2, 2])),
                    ("padding", int(&[2], &[0, 0])),
                ],
            ),
        ),
        (
            "flat",
            node(
                "Flatten",
                vec![
                    ("start_dim", int(&[], &[0])),
                    ("end_dim", int(&[], &[-1])),
                    ("input_type", int(&[3], &[4, 2, 2])),
                ],
            ),
        ),
        (
            "c1",
            node(
                "Conv1d",
                vec![
                    ("weight", f32s(&[1, 1, 3], 1.0)),
                    ("bias", f32s(&[1], 0.0)),
                    ("stride", int(&[], &[1])),
                    ("padding", s("same")),
                    ("dilation", int(&[], &[1])),
                    ("groups", int(&[], &[1])),
                    ("input_shape", int(&[], &[16])),
                ],
            ),
        ),
        ("scale", node("Scale", vec![("scale", f32s(&[16], 0.5))])),
        (
            "thr",
            node("Threshold", vec![("threshold", f32s(&[16], 0.25))]),
        ),
        (
            "li",
            node(
                "CubaLI",
                vec![
                    ("tau_mem", f(&[16], &[0.02; 16])),
                    ("tau_syn", f(&[16], &[0.005; 16])),
                    ("r", f(&[16], &[1.0; 16])),
                    ("v_leak", f(&[16], &[0.0; 16])),
                    ("w_in", f(&[16], &[1.0; 16])),
                ],
            ),
        ),
        ("output", node("Output", vec![("shape", int(&[1], &[16]))])),
    ];
    let edges = [
        ("input", "conv"),
        ("conv", "if"),
        ("if", "pool"),
        ("pool", "avg"),
        ("avg", "flat"),
        ("flat", "c1"),
        ("c1", "scale"),
        ("scale", "thr"),
        ("thr", "li"),
        ("li", "output"),
    ];
    let nir = parse(graph_tree(nodes, &edges)).unwrap();
    nir.graph.validate().unwrap();
    let shapes = nir.graph.shapes();
    assert_eq!(shapes["conv"], (Some(vec![2, 8, 8]), Some(vec![4, 8, 8])));
    assert_eq!(shapes["avg"].1, Some(vec![4, 2, 2]));
    assert_eq!(shapes["c1"], (Some(vec![1, 16]), Some(vec![1, 16])));
    let Node::Conv1d(c1) = &nir.graph.nodes["c1"] else {
        panic!("c1");
    };
    assert_eq!(c1.padding, Padding::Named("same".into()));
    let types: Vec<&str> = nir.graph.nodes.values().map(|n| n.type_name()).collect();
    assert_eq!(
        types,
        [
            "AvgPool2d",
            "Conv1d",
            "Conv2d",
            "Flatten",
            "IF",
            "Input",
            "CubaLI",
            "Output",
            "SumPool2d",
            "Scale",
            "Threshold"
        ]
    );
    // A Conv2d whose input_shape fits neither way names the node.
    let mut g = nir.graph.clone();
    if let Some(Node::Conv2d(c)) = g.nodes.get_mut("conv") {
        c.input_shape = Some(vec![3, 8, 8]);
    }
    assert!(
        matches!(g.validate(), Err(Error::BadParameter { node, param: "input_shape", .. }) if node == "conv")
    );
}

/// `shapes()` and the memory estimate run on graphs that are not valid (inspect prints them
/// before validating): zero strides, 1-d convolution weights, empty settings and absurd
/// shapes give unknown shapes and errors, never a panic or an overflow.
#[test]
fn shapes_of_invalid_graphs_never_panic() {
    let conv = |weight: Array, stride: Vec<usize>| {
        Node::Conv2d(Conv {
            weight,
            bias: arr(&[1]),
            stride,
            padding: Padding::Explicit(vec![]),
            dilation: vec![],
            groups: 1,
            input_shape: None,
        })
    };
    for node in [
        conv(arr(&[4]), vec![1]),
        conv(arr(&[1, 1, 3, 3]), vec![0]),
        conv(arr(&[1, 1, 3, 3]), vec![]),
        Node::SumPool2d(Pool2d {
            kernel_size: vec![],
            stride: vec![0, 0],
            padding: vec![],
        }),
        Node::Flatten {
            start_dim: i64::MIN,
            end_dim: i64::MAX,
            input_shape: None,
        },
    ] {
        let g = chain(vec![
            (
                "in",
                Node::Input {
                    shape: vec![usize::MAX, usize::MAX, 3],
                },
            ),
            ("x", node.clone()),
            ("out", Node::Output { shape: vec![3] }),
        ]);
        let _ = g.shapes();
        for st in crate::memory::Storage::ALL {
            let f = crate::memory::footprint(&g, st);
            assert_eq!(f.ram, usize::MAX, "{}", node.type_name());
        }
        assert!(g.validate().is_err(), "{}", node.type_name());
    }
}
