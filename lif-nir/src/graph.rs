//! The typed graph and its parsing from the HDF5 tree.

use std::collections::BTreeMap;

use crate::error::Error;
use crate::h5::{Data, Item, Tree, Value};

/// The element type an array was stored with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dtype {
    /// 32-bit float (snnTorch and Norse exports).
    F32,
    /// 64-bit float (older files, NumPy defaults; integer datasets are read as this too).
    F64,
}

/// A parameter array as stored in the file: its shape (empty for a scalar) and its values in
/// row-major order, in the precision it was stored with.
///
/// ```
/// use lif_nir::{Array, Dtype};
///
/// let w = Array::f32(vec![2, 3], vec![0.5; 6]).unwrap();
/// assert_eq!((w.shape(), w.len(), w.dtype()), (&[2usize, 3][..], 6, Dtype::F32));
/// assert_eq!(w.get(4), Some(0.5));
/// assert!(w.is_uniform());
/// assert!(Array::f64(vec![2], vec![1.0]).is_none()); // shape and length disagree
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Array {
    shape: Vec<usize>,
    data: ArrayData,
}

/// The values of an [`Array`].
#[derive(Debug, Clone, PartialEq)]
pub enum ArrayData {
    /// Stored as f32.
    F32(Vec<f32>),
    /// Stored as f64.
    F64(Vec<f64>),
}

impl Array {
    /// An f32 array; `None` when the shape's product is not `data.len()`.
    pub fn f32(shape: Vec<usize>, data: Vec<f32>) -> Option<Self> {
        (checked_numel(&shape) == Some(data.len())).then_some(Self {
            shape,
            data: ArrayData::F32(data),
        })
    }

    /// An f64 array; `None` when the shape's product is not `data.len()`.
    pub fn f64(shape: Vec<usize>, data: Vec<f64>) -> Option<Self> {
        (checked_numel(&shape) == Some(data.len())).then_some(Self {
            shape,
            data: ArrayData::F64(data),
        })
    }

    /// The shape (empty for a 0-d scalar).
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        match &self.data {
            ArrayData::F32(v) => v.len(),
            ArrayData::F64(v) => v.len(),
        }
    }

    /// Whether the array has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The stored element type.
    pub fn dtype(&self) -> Dtype {
        match self.data {
            ArrayData::F32(_) => Dtype::F32,
            ArrayData::F64(_) => Dtype::F64,
        }
    }

    /// The values as stored.
    pub fn data(&self) -> &ArrayData {
        &self.data
    }

    /// Element `i` (row-major) widened to f64 (exact for f32).
    pub fn get(&self, i: usize) -> Option<f64> {
        match &self.data {
            ArrayData::F32(v) => v.get(i).map(|&x| f64::from(x)),
            ArrayData::F64(v) => v.get(i).copied(),
        }
    }

    /// All values widened to f64 (exact for f32).
    pub fn to_f64(&self) -> Vec<f64> {
        match &self.data {
            ArrayData::F32(v) => v.iter().map(|&x| f64::from(x)).collect(),
            ArrayData::F64(v) => v.clone(),
        }
    }

    /// Whether every element has the same value (bit for bit, as stored).
    pub fn is_uniform(&self) -> bool {
        match &self.data {
            ArrayData::F32(v) => v.windows(2).all(|w| w[0].to_bits() == w[1].to_bits()),
            ArrayData::F64(v) => v.windows(2).all(|w| w[0].to_bits() == w[1].to_bits()),
        }
    }

    /// Whether every element is finite.
    pub fn is_finite(&self) -> bool {
        match &self.data {
            ArrayData::F32(v) => v.iter().all(|x| x.is_finite()),
            ArrayData::F64(v) => v.iter().all(|x| x.is_finite()),
        }
    }

    /// An array of `shape` (an existing array's) filled with `value`, in `dtype`.
    pub(crate) fn filled(shape: Vec<usize>, value: f64, dtype: Dtype) -> Self {
        let n = shape.iter().product();
        let data = match dtype {
            Dtype::F32 => ArrayData::F32(vec![value as f32; n]),
            Dtype::F64 => ArrayData::F64(vec![value; n]),
        };
        Self { shape, data }
    }
}

fn checked_numel(shape: &[usize]) -> Option<usize> {
    shape.iter().try_fold(1usize, |a, &b| a.checked_mul(b))
}

/// A convolution's padding: explicit sizes per spatial dimension, or a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Padding {
    /// Zeros added on each side, per spatial dimension (one value: the same for all).
    Explicit(Vec<usize>),
    /// `"same"` or `"valid"`, as PyTorch names them.
    Named(String),
}

/// A convolution (Conv1d or Conv2d) as NIR stores it; PyTorch's semantics.
#[derive(Debug, Clone, PartialEq)]
pub struct Conv {
    /// `(out_channels, in_channels / groups, kernel...)`.
    pub weight: Array,
    /// One per output channel.
    pub bias: Array,
    /// Per spatial dimension (one value: the same for all).
    pub stride: Vec<usize>,
    /// Per spatial dimension, or named.
    pub padding: Padding,
    /// Per spatial dimension (one value: the same for all).
    pub dilation: Vec<usize>,
    /// Channel groups.
    pub groups: usize,
    /// The input's spatial shape (length, or height and width) when the file gives it, as
    /// nir 1.0.8 writes it; a shape with the channels first is accepted too.
    pub input_shape: Option<Vec<usize>>,
}

/// A 2-d pooling window (SumPool2d or AvgPool2d).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pool2d {
    /// Window height and width.
    pub kernel_size: Vec<usize>,
    /// Steps between windows.
    pub stride: Vec<usize>,
    /// Zeros added on each side.
    pub padding: Vec<usize>,
}

/// One node of a NIR graph, with its parameters as stored (f32 or f64 arrays with shapes).
///
/// Neuron parameters follow NIR's continuous-time definitions (for example LIF:
/// `tau dv/dt = (v_leak - v) + r I`, a spike when `v > v_threshold`, then `v = v_reset`);
/// choosing a time step and a discretisation is the importer's job, not the reader's.
/// Parameters that older files omit get nir's defaults when read (`v_reset` 0, `w_in` 1).
///
/// ```
/// let nir = lif_nir::Nir::from_bytes(std::fs::read("../tests/fixtures/nir/leaky_ff.nir")?)?;
/// match &nir.graph.nodes["1"] {
///     lif_nir::Node::Lif { tau, v_threshold, .. } => {
///         assert_eq!(tau.shape(), &[8]);
///         assert_eq!(v_threshold.get(0), Some(0.5));
///     }
///     other => panic!("not a LIF: {}", other.type_name()),
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// The graph's input.
    Input {
        /// The shape of one sample.
        shape: Vec<usize>,
    },
    /// The graph's output.
    Output {
        /// The shape of one sample.
        shape: Vec<usize>,
    },
    /// `y = W x + b`.
    Affine {
        /// `(out, in)`.
        weight: Array,
        /// `(out,)`.
        bias: Array,
    },
    /// `y = W x`.
    Linear {
        /// `(out, in)`.
        weight: Array,
    },
    /// `y = s * x`, element-wise.
    Scale {
        /// One per element (or a scalar).
        scale: Array,
    },
    /// Merges dimensions `start_dim..=end_dim` (of a sample, without batch) into one.
    Flatten {
        /// First merged dimension.
        start_dim: i64,
        /// Last merged dimension (negative: from the end).
        end_dim: i64,
        /// The input's shape when the file gives it.
        input_shape: Option<Vec<usize>>,
    },
    /// Leaky integrate-and-fire: `tau dv/dt = (v_leak - v) + r I`; spike when
    /// `v > v_threshold`, then `v = v_reset`.
    Lif {
        /// Membrane time constant (s).
        tau: Array,
        /// Resistance.
        r: Array,
        /// Leak (resting) potential.
        v_leak: Array,
        /// Firing threshold.
        v_threshold: Array,
        /// Potential after a spike.
        v_reset: Array,
    },
    /// Current-based LIF: `tau_syn dI/dt = -I + w_in S`, then LIF driven by `I`.
    CubaLif {
        /// Membrane time constant (s).
        tau_mem: Array,
        /// Synaptic current time constant (s).
        tau_syn: Array,
        /// Resistance.
        r: Array,
        /// Leak potential.
        v_leak: Array,
        /// Firing threshold.
        v_threshold: Array,
        /// Potential after a spike.
        v_reset: Array,
        /// Input weight of the synaptic current.
        w_in: Array,
    },
    /// Integrate-and-fire: `dv/dt = r I`; spike when `v > v_threshold`, then `v = v_reset`.
    If {
        /// Resistance.
        r: Array,
        /// Firing threshold.
        v_threshold: Array,
        /// Potential after a spike.
        v_reset: Array,
    },
    /// Leaky integrator (no spikes; a readout): `tau dv/dt = (v_leak - v) + r I`.
    Li {
        /// Time constant (s).
        tau: Array,
        /// Resistance.
        r: Array,
        /// Leak potential.
        v_leak: Array,
    },
    /// Current-based leaky integrator (a readout): `tau_syn dI/dt = -I + w_in S`, then LI.
    CubaLi {
        /// Membrane time constant (s).
        tau_mem: Array,
        /// Synaptic current time constant (s).
        tau_syn: Array,
        /// Resistance.
        r: Array,
        /// Leak potential.
        v_leak: Array,
        /// Input weight of the synaptic current.
        w_in: Array,
    },
    /// A spike wherever the input exceeds the threshold (Heaviside).
    Threshold {
        /// One per element (or a scalar).
        threshold: Array,
    },
    /// 1-d convolution over `(channels, length)`.
    Conv1d(Conv),
    /// 2-d convolution over `(channels, height, width)`.
    Conv2d(Conv),
    /// Sum over each window.
    SumPool2d(Pool2d),
    /// Mean over each window.
    AvgPool2d(Pool2d),
    /// A nested graph (NIR's `NIRGraph` node), with its own Input and Output.
    Graph(Graph),
}

impl Node {
    /// The NIR type name (`"LIF"`, `"CubaLIF"`, `"NIRGraph"`, ...).
    pub fn type_name(&self) -> &'static str {
        match self {
            Node::Input { .. } => "Input",
            Node::Output { .. } => "Output",
            Node::Affine { .. } => "Affine",
            Node::Linear { .. } => "Linear",
            Node::Scale { .. } => "Scale",
            Node::Flatten { .. } => "Flatten",
            Node::Lif { .. } => "LIF",
            Node::CubaLif { .. } => "CubaLIF",
            Node::If { .. } => "IF",
            Node::Li { .. } => "LI",
            Node::CubaLi { .. } => "CubaLI",
            Node::Threshold { .. } => "Threshold",
            Node::Conv1d(_) => "Conv1d",
            Node::Conv2d(_) => "Conv2d",
            Node::SumPool2d(_) => "SumPool2d",
            Node::AvgPool2d(_) => "AvgPool2d",
            Node::Graph(_) => "NIRGraph",
        }
    }

    /// The node's parameter arrays by name, in the file's names (empty for nodes without
    /// float parameters).
    pub fn params(&self) -> Vec<(&'static str, &Array)> {
        match self {
            Node::Affine { weight, bias } => vec![("weight", weight), ("bias", bias)],
            Node::Linear { weight } => vec![("weight", weight)],
            Node::Scale { scale } => vec![("scale", scale)],
            Node::Lif {
                tau,
                r,
                v_leak,
                v_threshold,
                v_reset,
            } => vec![
                ("tau", tau),
                ("r", r),
                ("v_leak", v_leak),
                ("v_threshold", v_threshold),
                ("v_reset", v_reset),
            ],
            Node::CubaLif {
                tau_mem,
                tau_syn,
                r,
                v_leak,
                v_threshold,
                v_reset,
                w_in,
            } => vec![
                ("tau_mem", tau_mem),
                ("tau_syn", tau_syn),
                ("r", r),
                ("v_leak", v_leak),
                ("v_threshold", v_threshold),
                ("v_reset", v_reset),
                ("w_in", w_in),
            ],
            Node::If {
                r,
                v_threshold,
                v_reset,
            } => vec![("r", r), ("v_threshold", v_threshold), ("v_reset", v_reset)],
            Node::Li { tau, r, v_leak } => vec![("tau", tau), ("r", r), ("v_leak", v_leak)],
            Node::CubaLi {
                tau_mem,
                tau_syn,
                r,
                v_leak,
                w_in,
            } => vec![
                ("tau_mem", tau_mem),
                ("tau_syn", tau_syn),
                ("r", r),
                ("v_leak", v_leak),
                ("w_in", w_in),
            ],
            Node::Threshold { threshold } => vec![("threshold", threshold)],
            Node::Conv1d(c) | Node::Conv2d(c) => vec![("weight", &c.weight), ("bias", &c.bias)],
            _ => Vec::new(),
        }
    }

    /// Whether the node is a neuron model (has state and, except LI and CubaLI, spikes).
    pub fn is_neuron(&self) -> bool {
        matches!(
            self,
            Node::Lif { .. }
                | Node::CubaLif { .. }
                | Node::If { .. }
                | Node::Li { .. }
                | Node::CubaLi { .. }
        )
    }
}

/// A NIR graph: nodes by name and directed edges between them. Recurrence is a cycle of
/// edges (`lif -> w_rec -> lif`), fed with the previous step's output.
///
/// ```
/// let nir = lif_nir::read("../tests/fixtures/nir/leaky_ff.nir")?;
/// assert_eq!(nir.graph.nodes.len(), 6);
/// assert!(nir.graph.edges.contains(&("input".to_string(), "0".to_string())));
/// # Ok::<(), lif_nir::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Graph {
    /// Nodes by name.
    pub nodes: BTreeMap<String, Node>,
    /// `(source, target)` pairs of node names, in the file's order.
    pub edges: Vec<(String, String)>,
}

/// A NIR file: its version string and its graph.
///
/// ```
/// let nir = lif_nir::Nir::from_bytes(std::fs::read("../tests/fixtures/nir/old_v02.nir")?)?;
/// assert_eq!(nir.version.as_deref(), Some("0.2.0"));
/// nir.graph.validate()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Nir {
    /// The `version` dataset (absent in the earliest files).
    pub version: Option<String>,
    /// The top-level graph.
    pub graph: Graph,
}

impl Nir {
    /// Parses a `.nir` file's bytes into the typed graph, without validating it (see
    /// [`Graph::validate`]; [`crate::read`] does both). Never panics on malformed input.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, Error> {
        let tree = crate::h5::read_tree(bytes).map_err(|e| Error::Hdf5 {
            object: e.path,
            message: e.message,
        })?;
        Self::from_tree(&tree)
    }

    /// The graph of a file's HDF5 tree.
    pub(crate) fn from_tree(tree: &Tree) -> Result<Self, Error> {
        let version = match tree.get("version") {
            Some(Item::Data(d)) => Some(string(d, "/version")?),
            Some(Item::Group(_)) => {
                return Err(layout("/version", "a group, not a string"));
            }
            None => None,
        };
        let node = match tree.get("node") {
            Some(Item::Group(g)) => g,
            _ => return Err(layout("/", "no `node` group")),
        };
        let ty = type_of(node, "/node")?;
        if ty != "NIRGraph" {
            return Err(layout("/node", format!("type `{ty}`, not NIRGraph")));
        }
        let graph = parse_graph(node, "", "/node", 0)?;
        Ok(Self { version, graph })
    }
}

fn layout(object: &str, problem: impl Into<String>) -> Error {
    Error::Layout {
        object: object.into(),
        problem: problem.into(),
    }
}

fn string(d: &Data, object: &str) -> Result<String, Error> {
    match &d.value {
        Value::Str(v) if v.len() == 1 => Ok(v[0].clone()),
        _ => Err(layout(object, "not a single string")),
    }
}

fn type_of(group: &Tree, object: &str) -> Result<String, Error> {
    match group.get("type") {
        Some(Item::Data(d)) => string(d, &format!("{object}/type")),
        _ => Err(layout(object, "no `type` string")),
    }
}

/// Nested NIRGraph nodes deeper than this are refused.
const MAX_NESTING: usize = 16;

fn join(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_string()
    } else {
        format!("{parent}/{name}")
    }
}

fn parse_graph(group: &Tree, path: &str, object: &str, depth: usize) -> Result<Graph, Error> {
    if depth > MAX_NESTING {
        return Err(layout(object, "subgraphs nested too deep"));
    }
    let nodes_group = match group.get("nodes") {
        Some(Item::Group(g)) => g,
        _ => return Err(layout(object, "no `nodes` group")),
    };
    let mut nodes = BTreeMap::new();
    for (name, item) in nodes_group {
        let node_path = join(path, name);
        let node_object = format!("{object}/nodes/{name}");
        let Item::Group(g) = item else {
            return Err(layout(&node_object, "a dataset, not a node group"));
        };
        let node = parse_node(g, &node_path, &node_object, depth)?;
        nodes.insert(name.clone(), node);
    }
    let edges = match group.get("edges") {
        Some(Item::Data(d)) => edges(d, &format!("{object}/edges"))?,
        Some(Item::Group(_)) => return Err(layout(object, "`edges` is a group")),
        None => Vec::new(),
    };
    Ok(Graph { nodes, edges })
}

fn edges(d: &Data, object: &str) -> Result<Vec<(String, String)>, Error> {
    let Value::Str(v) = &d.value else {
        return Err(layout(object, "not strings"));
    };
    if v.is_empty() {
        return Ok(Vec::new());
    }
    if d.shape.len() != 2 || d.shape[1] != 2 {
        return Err(layout(object, format!("shape {:?}, not (n, 2)", d.shape)));
    }
    Ok(v.chunks_exact(2)
        .map(|p| (p[0].clone(), p[1].clone()))
        .collect())
}

/// Reads one node's parameters.
struct Params<'a> {
    g: &'a Tree,
    node: &'a str,
    ty: &'static str,
}

impl Params<'_> {
    fn data(&self, param: &'static str) -> Result<Option<&Data>, Error> {
        match self.g.get(param) {
            None => Ok(None),
            Some(Item::Data(d)) => Ok(Some(d)),
            Some(Item::Group(_)) => Err(self.bad(param, "a group, not an array")),
        }
    }

    fn bad(&self, param: &'static str, problem: impl Into<String>) -> Error {
        Error::BadParameter {
            node: self.node.to_string(),
            param,
            problem: problem.into(),
        }
    }

    fn missing(&self, param: &'static str) -> Error {
        Error::MissingParameter {
            node: self.node.to_string(),
            node_type: self.ty,
            param,
        }
    }

    fn array_opt(&self, param: &'static str) -> Result<Option<Array>, Error> {
        let Some(d) = self.data(param)? else {
            return Ok(None);
        };
        let shape = d.shape.clone();
        let a = match &d.value {
            Value::F32(v) => Array {
                shape,
                data: ArrayData::F32(v.clone()),
            },
            Value::F64(v) => Array {
                shape,
                data: ArrayData::F64(v.clone()),
            },
            Value::Int(v) => Array {
                shape,
                data: ArrayData::F64(v.iter().map(|&x| x as f64).collect()),
            },
            Value::Str(_) => return Err(self.bad(param, "strings, not numbers")),
            Value::Other(t) => return Err(self.bad(param, format!("unsupported type {t}"))),
        };
        if !a.is_finite() {
            return Err(self.bad(param, "not finite"));
        }
        Ok(Some(a))
    }

    fn array(&self, param: &'static str) -> Result<Array, Error> {
        self.array_opt(param)?.ok_or_else(|| self.missing(param))
    }

    /// Integers (any numeric type with integral values), a scalar as one value.
    fn ints_opt(&self, param: &'static str) -> Result<Option<Vec<i64>>, Error> {
        let Some(d) = self.data(param)? else {
            return Ok(None);
        };
        let whole = |x: f64| {
            (x.fract() == 0.0 && x.abs() < 9.0e15)
                .then_some(x as i64)
                .ok_or_else(|| self.bad(param, format!("{x} is not an integer")))
        };
        let v = match &d.value {
            Value::Int(v) => v.clone(),
            Value::F32(v) => v
                .iter()
                .map(|&x| whole(f64::from(x)))
                .collect::<Result<_, _>>()?,
            Value::F64(v) => v.iter().map(|&x| whole(x)).collect::<Result<_, _>>()?,
            _ => return Err(self.bad(param, "not integers")),
        };
        Ok(Some(v))
    }

    fn ints(&self, param: &'static str) -> Result<Vec<i64>, Error> {
        self.ints_opt(param)?.ok_or_else(|| self.missing(param))
    }

    fn sizes(&self, param: &'static str) -> Result<Vec<usize>, Error> {
        self.sizes_opt(param)?.ok_or_else(|| self.missing(param))
    }

    fn sizes_opt(&self, param: &'static str) -> Result<Option<Vec<usize>>, Error> {
        let Some(v) = self.ints_opt(param)? else {
            return Ok(None);
        };
        v.iter()
            .map(|&x| usize::try_from(x).map_err(|_| self.bad(param, format!("{x} is negative"))))
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    fn int(&self, param: &'static str) -> Result<i64, Error> {
        match self.ints(param)?.as_slice() {
            [x] => Ok(*x),
            v => Err(self.bad(param, format!("{} values, not one", v.len()))),
        }
    }

    /// The shape of a graph's Input/Output (`shape` in files, possibly inside a type group).
    fn io_shape(&self) -> Result<Vec<usize>, Error> {
        self.sizes("shape")
    }

    /// An optional input shape, stored as a dataset or as a group `{input: array}`.
    fn input_type(&self, param: &'static str) -> Result<Option<Vec<usize>>, Error> {
        match self.g.get(param) {
            Some(Item::Group(g)) => {
                let inner = Params {
                    g,
                    node: self.node,
                    ty: self.ty,
                };
                inner.sizes_opt("input")
            }
            _ => self.sizes_opt(param),
        }
    }

    /// A parameter that older files omit: filled with `value`, shaped and typed like `like`.
    fn array_or(&self, param: &'static str, like: &Array, value: f64) -> Result<Array, Error> {
        Ok(self
            .array_opt(param)?
            .unwrap_or_else(|| Array::filled(like.shape().to_vec(), value, like.dtype())))
    }

    fn padding(&self) -> Result<Padding, Error> {
        match self.data("padding")? {
            Some(Data {
                value: Value::Str(s),
                ..
            }) if s.len() == 1 => Ok(Padding::Named(s[0].clone())),
            Some(_) => Ok(Padding::Explicit(self.sizes("padding")?)),
            None => Err(self.missing("padding")),
        }
    }

    fn conv(&self) -> Result<Conv, Error> {
        let groups = self.int("groups")?;
        Ok(Conv {
            weight: self.array("weight")?,
            bias: self.array("bias")?,
            stride: self.sizes("stride")?,
            padding: self.padding()?,
            dilation: self.sizes("dilation")?,
            groups: usize::try_from(groups)
                .ok()
                .filter(|&g| g > 0)
                .ok_or_else(|| self.bad("groups", format!("{groups} is not positive")))?,
            input_shape: self.input_type("input_shape")?,
        })
    }

    fn pool(&self) -> Result<Pool2d, Error> {
        Ok(Pool2d {
            kernel_size: self.sizes("kernel_size")?,
            stride: self.sizes("stride")?,
            padding: self.sizes("padding")?,
        })
    }
}

fn parse_node(g: &Tree, path: &str, object: &str, depth: usize) -> Result<Node, Error> {
    let ty = type_of(g, object)?;
    let known: &'static str = match ty.as_str() {
        "Input" => "Input",
        "Output" => "Output",
        "Affine" => "Affine",
        "Linear" => "Linear",
        "Scale" => "Scale",
        "Flatten" => "Flatten",
        "LIF" => "LIF",
        "CubaLIF" => "CubaLIF",
        "IF" => "IF",
        "LI" => "LI",
        "CubaLI" => "CubaLI",
        "Threshold" => "Threshold",
        "Conv1d" => "Conv1d",
        "Conv2d" => "Conv2d",
        "SumPool2d" => "SumPool2d",
        "AvgPool2d" => "AvgPool2d",
        "NIRGraph" => "NIRGraph",
        _ => {
            return Err(Error::UnsupportedNode {
                node: path.to_string(),
                node_type: ty,
            });
        }
    };
    let p = Params {
        g,
        node: path,
        ty: known,
    };
    let node = match known {
        "Input" => Node::Input {
            shape: p.io_shape()?,
        },
        "Output" => Node::Output {
            shape: p.io_shape()?,
        },
        "Affine" => Node::Affine {
            weight: p.array("weight")?,
            bias: p.array("bias")?,
        },
        "Linear" => Node::Linear {
            weight: p.array("weight")?,
        },
        "Scale" => Node::Scale {
            scale: p.array("scale")?,
        },
        "Flatten" => Node::Flatten {
            start_dim: p.int("start_dim")?,
            end_dim: p.int("end_dim")?,
            input_shape: p.input_type("input_type")?,
        },
        "LIF" => {
            let v_threshold = p.array("v_threshold")?;
            Node::Lif {
                tau: p.array("tau")?,
                r: p.array("r")?,
                v_leak: p.array("v_leak")?,
                v_reset: p.array_or("v_reset", &v_threshold, 0.0)?,
                v_threshold,
            }
        }
        "CubaLIF" => {
            let v_threshold = p.array("v_threshold")?;
            let tau_syn = p.array("tau_syn")?;
            Node::CubaLif {
                tau_mem: p.array("tau_mem")?,
                r: p.array("r")?,
                v_leak: p.array("v_leak")?,
                v_reset: p.array_or("v_reset", &v_threshold, 0.0)?,
                w_in: p.array_or("w_in", &tau_syn, 1.0)?,
                tau_syn,
                v_threshold,
            }
        }
        "IF" => {
            let v_threshold = p.array("v_threshold")?;
            Node::If {
                r: p.array("r")?,
                v_reset: p.array_or("v_reset", &v_threshold, 0.0)?,
                v_threshold,
            }
        }
        "LI" => Node::Li {
            tau: p.array("tau")?,
            r: p.array("r")?,
            v_leak: p.array("v_leak")?,
        },
        "CubaLI" => {
            let tau_syn = p.array("tau_syn")?;
            Node::CubaLi {
                tau_mem: p.array("tau_mem")?,
                r: p.array("r")?,
                v_leak: p.array("v_leak")?,
                w_in: p.array_or("w_in", &tau_syn, 1.0)?,
                tau_syn,
            }
        }
        "Threshold" => Node::Threshold {
            threshold: p.array("threshold")?,
        },
        "Conv1d" => Node::Conv1d(p.conv()?),
        "Conv2d" => Node::Conv2d(p.conv()?),
        "SumPool2d" => Node::SumPool2d(p.pool()?),
        "AvgPool2d" => Node::AvgPool2d(p.pool()?),
        _ => Node::Graph(parse_graph(g, path, object, depth + 1)?),
    };
    Ok(node)
}
