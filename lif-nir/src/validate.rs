//! Graph validation: every node's parameters agree with each other, every graph has one Input
//! and one Output, edges name nodes that exist, and shapes agree along every edge.

use std::collections::BTreeMap;

use crate::error::Error;
use crate::graph::{Array, Conv, Graph, Node, Padding, Pool2d};

impl Graph {
    /// Checks the graph and every nested graph: parameters of one node agree in shape (a
    /// scalar or one-element array broadcasts), weights are at least 2-d with a bias per
    /// output, each graph has exactly one Input and one Output, every edge names existing
    /// nodes (a nested node as `subgraph.node` too), and along every edge the source's output
    /// has as many elements as the target's input (shapes are inferred through Flatten,
    /// convolutions and pooling where the file allows it, and those nodes must be able to
    /// take the input they get). Errors name the node.
    ///
    /// ```
    /// let mut nir = lif_nir::read("../tests/fixtures/nir/leaky_ff.nir")?;
    /// // A second layer that expects 9 inputs after a layer of 8 neurons:
    /// nir.graph.nodes.insert("2".into(), lif_nir::Node::Linear {
    ///     weight: lif_nir::Array::f32(vec![3, 9], vec![0.0; 27]).unwrap(),
    /// });
    /// let err = nir.graph.validate().unwrap_err();
    /// assert_eq!(err.to_string(), "edge (1, 2): node `1` puts out (8) but node `2` takes (9)");
    /// # Ok::<(), lif_nir::Error>(())
    /// ```
    pub fn validate(&self) -> Result<(), Error> {
        validate_graph(self, "")
    }

    /// The shapes (input, output) of each node where they can be inferred, by name.
    ///
    /// ```
    /// let nir = lif_nir::read("../tests/fixtures/nir/leaky_ff.nir")?;
    /// let shapes = nir.graph.shapes();
    /// assert_eq!(shapes["0"], (Some(vec![6]), Some(vec![8]))); // Affine (8, 6)
    /// # Ok::<(), lif_nir::Error>(())
    /// ```
    pub fn shapes(&self) -> BTreeMap<String, IoShapes> {
        infer(self)
    }
}

/// A node's (input, output) shapes, each `None` where the graph does not fix it.
pub type IoShapes = (Option<Vec<usize>>, Option<Vec<usize>>);

fn join(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_string()
    } else {
        format!("{parent}/{name}")
    }
}

fn validate_graph(g: &Graph, path: &str) -> Result<(), Error> {
    for (name, node) in &g.nodes {
        check_node(node, &join(path, name))?;
    }
    for kind in ["Input", "Output"] {
        let found: Vec<String> = g
            .nodes
            .iter()
            .filter(|(_, n)| n.type_name() == kind)
            .map(|(k, _)| join(path, k))
            .collect();
        if found.len() != 1 {
            return Err(Error::InputOutput {
                graph: path.to_string(),
                kind,
                found,
            });
        }
    }
    for (a, b) in &g.edges {
        for name in [a, b] {
            if resolve(g, name).is_none() {
                return Err(Error::UnknownEdgeNode {
                    graph: path.to_string(),
                    edge: (a.clone(), b.clone()),
                    name: name.clone(),
                });
            }
        }
    }
    let shapes = infer(g);
    for (name, node) in &g.nodes {
        // A reshaping node that cannot take the input it gets.
        let param = match node {
            Node::Flatten { .. } => "start_dim",
            Node::Conv1d(_) | Node::Conv2d(_) => "weight",
            Node::SumPool2d(_) | Node::AvgPool2d(_) => "kernel_size",
            _ => continue,
        };
        if let Some((Some(inp), None)) = shapes.get(name) {
            return Err(bad(
                &join(path, name),
                param,
                format!("cannot take an input of shape {}", fmt_shape(inp)),
            ));
        }
    }
    for (a, b) in &g.edges {
        let (Some((_, out)), Some((inp, _))) = (shapes.get(a), shapes.get(b)) else {
            continue; // a name inside a subgraph: checked within it
        };
        if let (Some(out), Some(inp)) = (out, inp)
            && numel(out) != numel(inp)
        {
            return Err(Error::ShapeMismatch {
                from: join(path, a),
                to: join(path, b),
                output: out.clone(),
                input: inp.clone(),
            });
        }
    }
    Ok(())
}

/// The node an edge's name refers to: a node of `g`, or `sub.node` inside a subgraph.
fn resolve<'g>(g: &'g Graph, name: &str) -> Option<&'g Node> {
    if let Some(n) = g.nodes.get(name) {
        return Some(n);
    }
    let (head, rest) = name.split_once('.')?;
    match g.nodes.get(head)? {
        Node::Graph(sub) => resolve(sub, rest),
        _ => None,
    }
}

/// The number of elements of a shape (saturating: shapes come from files).
pub(crate) fn numel(s: &[usize]) -> usize {
    s.iter().fold(1usize, |a, &b| a.saturating_mul(b))
}

fn bad(node: &str, param: &'static str, problem: String) -> Error {
    Error::BadParameter {
        node: node.to_string(),
        param,
        problem,
    }
}

fn fmt_shape(s: &[usize]) -> String {
    let parts: Vec<String> = s.iter().map(|n| n.to_string()).collect();
    format!("({})", parts.join(", "))
}

fn check_node(node: &Node, path: &str) -> Result<(), Error> {
    match node {
        Node::Affine { weight, bias } => {
            check_weight(weight, path)?;
            let rows = weight.shape()[..weight.shape().len() - 1]
                .iter()
                .product::<usize>();
            if bias.len() != rows {
                return Err(bad(
                    path,
                    "bias",
                    format!(
                        "{} values for a weight of shape {}",
                        bias.len(),
                        fmt_shape(weight.shape())
                    ),
                ));
            }
        }
        Node::Linear { weight } => check_weight(weight, path)?,
        Node::Conv1d(c) => check_conv(c, 1, path)?,
        Node::Conv2d(c) => check_conv(c, 2, path)?,
        Node::SumPool2d(p) | Node::AvgPool2d(p) => check_pool(p, path)?,
        Node::Graph(g) => validate_graph(g, path)?,
        Node::Input { .. } | Node::Output { .. } | Node::Flatten { .. } => {}
        _ => {
            // Neurons, Scale, Threshold: one size for all parameters (scalars broadcast).
            let params = node.params();
            let Some((first, size)) = params
                .iter()
                .find(|(_, a)| a.len() != 1)
                .map(|(n, a)| (*n, a.shape().to_vec()))
            else {
                return Ok(());
            };
            for (name, a) in &params {
                if a.len() != 1 && a.shape() != size.as_slice() {
                    return Err(bad(
                        path,
                        name,
                        format!(
                            "shape {} disagrees with {first}'s {}",
                            fmt_shape(a.shape()),
                            fmt_shape(&size)
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

fn check_weight(weight: &Array, path: &str) -> Result<(), Error> {
    if weight.shape().len() < 2 || weight.is_empty() {
        return Err(bad(
            path,
            "weight",
            format!(
                "shape {}: needs (out, in), neither 0",
                fmt_shape(weight.shape())
            ),
        ));
    }
    Ok(())
}

fn per_dim(v: &[usize], dims: usize) -> bool {
    v.len() == 1 || v.len() == dims
}

fn check_conv(c: &Conv, dims: usize, path: &str) -> Result<(), Error> {
    let w = c.weight.shape();
    if w.len() != dims + 2 || c.weight.is_empty() {
        return Err(bad(
            path,
            "weight",
            format!(
                "shape {}: needs (out, in / groups{})",
                fmt_shape(w),
                ", kernel".repeat(dims)
            ),
        ));
    }
    if c.bias.len() != w[0] {
        return Err(bad(
            path,
            "bias",
            format!("{} values for {} output channels", c.bias.len(), w[0]),
        ));
    }
    if !w[0].is_multiple_of(c.groups) {
        return Err(bad(
            path,
            "groups",
            format!("{} groups for {} output channels", c.groups, w[0]),
        ));
    }
    for (name, v) in [("stride", &c.stride), ("dilation", &c.dilation)] {
        if !per_dim(v, dims) || v.contains(&0) {
            return Err(bad(
                path,
                name,
                format!("{v:?}: needs 1 or {dims} positive values"),
            ));
        }
    }
    match &c.padding {
        Padding::Explicit(p) if !per_dim(p, dims) => {
            return Err(bad(
                path,
                "padding",
                format!("{p:?}: needs 1 or {dims} values"),
            ));
        }
        Padding::Named(s) if s != "same" && s != "valid" => {
            return Err(bad(
                path,
                "padding",
                format!("`{s}`: needs \"same\", \"valid\" or sizes"),
            ));
        }
        // As in PyTorch: with a stride the output cannot keep the input's size.
        Padding::Named(s) if s == "same" && c.stride.iter().any(|&v| v != 1) => {
            return Err(bad(
                path,
                "padding",
                format!("\"same\" with stride {:?}: needs stride 1", c.stride),
            ));
        }
        _ => {}
    }
    if let Some(s) = &c.input_shape
        && conv_input(c).is_none()
    {
        return Err(bad(
            path,
            "input_shape",
            format!(
                "{} (spatial, or channels first) for a weight of shape {} and {} groups",
                fmt_shape(s),
                fmt_shape(w),
                c.groups
            ),
        ));
    }
    Ok(())
}

/// A convolution's full input shape `(channels, spatial...)` from its `input_shape` (spatial,
/// or with the channels first), when given and consistent with the weight.
pub(crate) fn conv_input(c: &Conv) -> Option<Vec<usize>> {
    let s = c.input_shape.as_ref()?;
    let w = c.weight.shape();
    let dims = w.len().checked_sub(2)?;
    let channels = w.get(1)?.checked_mul(c.groups)?;
    if s.len() == dims {
        let mut full = vec![channels];
        full.extend_from_slice(s);
        Some(full)
    } else if s.len() == dims + 1 && s[0] == channels {
        Some(s.clone())
    } else {
        None
    }
}

fn check_pool(p: &Pool2d, path: &str) -> Result<(), Error> {
    for (name, v) in [("kernel_size", &p.kernel_size), ("stride", &p.stride)] {
        if !per_dim(v, 2) || v.contains(&0) {
            return Err(bad(
                path,
                name,
                format!("{v:?}: needs 1 or 2 positive values"),
            ));
        }
    }
    if !per_dim(&p.padding, 2) {
        return Err(bad(
            path,
            "padding",
            format!("{:?}: needs 1 or 2 values", p.padding),
        ));
    }
    Ok(())
}

/// Value `i` of a per-dimension setting (one value: the same for every dimension).
pub(crate) fn dim(v: &[usize], i: usize) -> Option<usize> {
    if v.len() == 1 {
        v.first().copied()
    } else {
        v.get(i).copied()
    }
}

/// `floor((n + 2 p - d (k - 1) - 1) / s) + 1`, or `None` when the window does not fit.
fn window(n: usize, k: usize, s: usize, p: usize, d: usize) -> Option<usize> {
    if s == 0 {
        return None;
    }
    let span = d.checked_mul(k.checked_sub(1)?)?.checked_add(1)?;
    let padded = n.checked_add(p.checked_mul(2)?)?;
    Some(padded.checked_sub(span)? / s + 1)
}

/// A node's output shape given its input shape (for nodes whose output follows the input).
fn out_from(node: &Node, inp: &[usize]) -> Option<Vec<usize>> {
    match node {
        Node::Flatten {
            start_dim, end_dim, ..
        } => {
            let n = inp.len() as i64;
            let fix = |d: i64| if d < 0 { d + n } else { d };
            let (s, e) = (fix(*start_dim), fix(*end_dim));
            if s < 0 || e < s || e >= n {
                return None;
            }
            let (s, e) = (s as usize, e as usize);
            let mut out = inp[..s].to_vec();
            out.push(numel(&inp[s..=e]));
            out.extend_from_slice(&inp[e + 1..]);
            Some(out)
        }
        Node::Conv1d(c) | Node::Conv2d(c) => {
            let w = c.weight.shape();
            let dims = w.len().checked_sub(2)?;
            if inp.len() != dims + 1 {
                return None;
            }
            let mut out = vec![w[0]];
            for i in 0..dims {
                let n = inp[i + 1];
                let o = match &c.padding {
                    Padding::Named(s) if s == "same" => Some(n),
                    Padding::Named(_) => {
                        window(n, w[i + 2], dim(&c.stride, i)?, 0, dim(&c.dilation, i)?)
                    }
                    Padding::Explicit(p) => window(
                        n,
                        w[i + 2],
                        dim(&c.stride, i)?,
                        dim(p, i)?,
                        dim(&c.dilation, i)?,
                    ),
                }?;
                out.push(o);
            }
            Some(out)
        }
        Node::SumPool2d(p) | Node::AvgPool2d(p) => {
            if inp.len() != 3 {
                return None;
            }
            let mut out = vec![inp[0]];
            for i in 0..2 {
                out.push(window(
                    inp[i + 1],
                    dim(&p.kernel_size, i)?,
                    dim(&p.stride, i)?,
                    dim(&p.padding, i)?,
                    1,
                )?);
            }
            Some(out)
        }
        _ => Some(inp.to_vec()),
    }
}

type Shapes = BTreeMap<String, IoShapes>;

/// Each node's (input, output) shape: from its own parameters where they fix it, then
/// propagated along edges into nodes whose shape follows their input.
fn infer(g: &Graph) -> Shapes {
    let mut shapes: Shapes = BTreeMap::new();
    for (name, node) in &g.nodes {
        let s = match node {
            Node::Input { shape } | Node::Output { shape } => {
                (Some(shape.clone()), Some(shape.clone()))
            }
            Node::Affine { weight, .. } | Node::Linear { weight } if weight.shape().len() >= 2 => {
                let s = weight.shape();
                let (rows, cols) = (s[s.len() - 2], s[s.len() - 1]);
                let lead = &s[..s.len() - 2];
                let with = |n: usize| {
                    let mut v = lead.to_vec();
                    v.push(n);
                    v
                };
                (Some(with(cols)), Some(with(rows)))
            }
            Node::Flatten {
                input_shape: Some(s),
                ..
            } => (Some(s.clone()), out_from(node, s)),
            Node::Conv1d(c) | Node::Conv2d(c) => match conv_input(c) {
                Some(s) => (Some(s.clone()), out_from(node, &s)),
                None => (None, None),
            },
            Node::Graph(sub) => {
                let io = |kind: &str| {
                    sub.nodes.values().find_map(|n| match n {
                        Node::Input { shape } if kind == "Input" => Some(shape.clone()),
                        Node::Output { shape } if kind == "Output" => Some(shape.clone()),
                        _ => None,
                    })
                };
                (io("Input"), io("Output"))
            }
            _ => {
                // Element-wise nodes: the shape of their largest parameter, unless all are
                // scalars (then it follows the input).
                let big = node
                    .params()
                    .into_iter()
                    .filter(|(_, a)| a.len() > 1)
                    .map(|(_, a)| a.shape().to_vec())
                    .next();
                (big.clone(), big)
            }
        };
        shapes.insert(name.clone(), s);
    }
    // Propagate into nodes whose input is still unknown; each pass fixes at least one node
    // or stops.
    for _ in 0..=g.nodes.len() {
        let mut changed = false;
        for (a, b) in &g.edges {
            let Some(out) = shapes.get(a).and_then(|s| s.1.clone()) else {
                continue;
            };
            let (Some(node), Some(entry)) = (g.nodes.get(b), shapes.get_mut(b)) else {
                continue;
            };
            if entry.0.is_none() {
                entry.1 = out_from(node, &out);
                entry.0 = Some(out);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    shapes
}
