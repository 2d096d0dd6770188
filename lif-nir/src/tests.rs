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
