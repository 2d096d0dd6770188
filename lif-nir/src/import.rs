//! From a NIR graph to a lif network description ([`Model`]): neuron nodes become
//! populations, each chain of linear nodes between two of them a dense projection, and the
//! chain from the graph's Input the populations' external input.

use std::collections::{BTreeMap, BTreeSet};

use lif_core::Reset;

use crate::discretise::{Neurons, Resets, discretise};
use crate::error::Error;
use crate::graph::{Graph, Nir, Node};
use crate::linear::Map;

/// Nodes with more outputs than this are refused (a population of 16 million neurons is
/// beyond what an imported network is for, and guards against shapes a file made up).
const MAX_NEURONS: usize = 1 << 24;

/// What the file cannot say: the time step and the spiking models' reset.
///
/// ```
/// use lif_core::Reset;
///
/// let opts = lif_nir::ImportOptions { dt: 1e-3, reset: Some(Reset::Subtract), ..Default::default() };
/// assert_eq!(lif_nir::ImportOptions::default().dt, 1e-4); // snnTorch's and Lava's
/// # let _ = opts;
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImportOptions {
    /// The time step in seconds (NIR's parameters are continuous-time). snnTorch,
    /// SpikingJelly and Lava export with 1e-4, Norse with 1e-3.
    pub dt: f64,
    /// The reset mechanism of the spiking neurons; `None`: zero, as snnTorch's import does,
    /// with a warning.
    pub reset: Option<Reset>,
    /// Whether a spike's reset applies on the next step (snnTorch's `reset_delay`); `None`:
    /// no delay, as snnTorch's import does, with a warning.
    pub reset_delay: Option<bool>,
    /// Quantise every weight to 8 bits with one scale per row (per target neuron): the
    /// flash-saving form for microcontrollers ([`Int8Rows`]).
    pub int8_weights: bool,
    /// How the exporter wrote time constants and meant the updates.
    pub convention: Convention,
}

/// How an exporter wrote its graph, where exporters differ from NIR's equations.
///
/// ```
/// let opts = lif_nir::ImportOptions {
///     dt: 1e-3, // Norse's
///     convention: lif_nir::Convention::Norse,
///     ..Default::default()
/// };
/// let nir = lif_nir::read("../tests/fixtures/nir/norse_ff.nir")?;
/// let model = lif_nir::import(&nir, &opts)?;
/// assert_eq!(model.populations[0].kind, "CubaLIF");
/// # Ok::<(), lif_nir::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Convention {
    /// NIR's equations, discretised as snnTorch's import does (snnTorch, and the default).
    #[default]
    SnnTorch,
    /// Norse 1.1: time constants written as `dt * tau` (Norse's `dt / tau_inv`, so read as
    /// `tau / dt`), and a CubaLIF's input jumps into the current unscaled (`w_in`, not
    /// `w_in dt / tau_syn`).
    Norse,
}

impl Default for ImportOptions {
    fn default() -> Self {
        Self {
            dt: 1e-4,
            reset: None,
            reset_delay: None,
            int8_weights: false,
            convention: Convention::SnnTorch,
        }
    }
}

/// Weights as 8-bit integers with one scale per row: `w[j][i] = q[j][i] * scale[j]`.
///
/// A row's scale is `max |w| / 127` rounded up to a multiple of 2^-16, so `|q| <= 127` and
/// every `q * scale` is exact in f64, in I16F16 and (for scales below 2^8 / 2^7) in f32: a
/// firmware that multiplies `q` by its stored scale and a host that stores the products add
/// the same numbers.
///
/// ```
/// let rows = lif_nir::Int8Rows::quantise(&[1.0, -0.5, 0.25, 0.0], 2);
/// assert_eq!(rows.q, [127, -63, 126, 0]); // scales rounded up: 517 and 130 units of 2^-16
/// assert_eq!(rows.scale[1], (0.25f64 / 127.0 * 65536.0).ceil() / 65536.0);
/// assert!(rows.values().iter().zip([1.0, -0.5, 0.25, 0.0]).all(|(v, w)| (v - w).abs() < 0.004));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Int8Rows {
    /// `(rows, cols)`, row-major.
    pub q: Vec<i8>,
    /// One per row.
    pub scale: Vec<f64>,
}

impl Int8Rows {
    /// Quantises `weights` (`rows` rows, row-major), each element to the nearest multiple of
    /// its row's scale.
    pub fn quantise(weights: &[f64], rows: usize) -> Self {
        let cols = weights.len() / rows.max(1);
        let mut q = Vec::with_capacity(weights.len());
        let mut scale = Vec::with_capacity(rows);
        for row in weights.chunks(cols.max(1)).take(rows) {
            let max = row.iter().fold(0.0f64, |m, w| m.max(w.abs()));
            let s = (max / 127.0 * 65536.0).ceil() / 65536.0;
            scale.push(s);
            q.extend(row.iter().map(|&w| {
                if s == 0.0 {
                    0
                } else {
                    (w / s).round().clamp(-127.0, 127.0) as i8
                }
            }));
        }
        Int8Rows { q, scale }
    }

    /// The weights the integers stand for, row-major.
    pub fn values(&self) -> Vec<f64> {
        let cols = self.q.len() / self.scale.len().max(1);
        self.q
            .iter()
            .enumerate()
            .map(|(k, &q)| f64::from(q) * self.scale[k / cols.max(1)])
            .collect()
    }
}

/// A NIR graph as a lif network: populations in an order where every projection without
/// delay goes forward, dense projections between them, and the external input.
///
/// ```
/// let nir = lif_nir::read("../tests/fixtures/nir/leaky_ff.nir")?;
/// let model = lif_nir::import(&nir, &lif_nir::ImportOptions::default())?;
/// let names: Vec<&str> = model.populations.iter().map(|p| p.name.as_str()).collect();
/// assert_eq!(names, ["1", "3"]); // the two LIF nodes
/// assert_eq!((model.inputs, model.output), (6, 1));
/// let p = &model.projections[0]; // the Affine "2": 8 -> 3, no delay
/// assert_eq!((p.source, p.target, p.delay, p.weights.len()), (0, 1, 0, 24));
/// assert_eq!(model.warnings.len(), 1); // the reset mechanism was not given
/// # Ok::<(), lif_nir::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// The time step the neurons were discretised with (seconds).
    pub dt: f64,
    /// Elements of one input sample (one time step).
    pub inputs: usize,
    /// The populations, in step order.
    pub populations: Vec<Population>,
    /// The projections between populations, in the order their sums are taken.
    pub projections: Vec<Projection>,
    /// The population whose spikes (or, for a readout, membranes) are the graph's output.
    pub output: usize,
    /// What the import chose that the file did not say, for the user to check.
    pub warnings: Vec<String>,
}

/// A population: a neuron node of the graph.
#[derive(Debug, Clone, PartialEq)]
pub struct Population {
    /// The node's name (nested nodes as `graph.node`; `output` for the readout the importer
    /// adds when linear nodes precede the graph's Output).
    pub name: String,
    /// The node's NIR type (`"LIF"`, `"CubaLIF"`, ...; `"Output"` for that readout).
    pub kind: &'static str,
    /// The neurons' parameters.
    pub neurons: Neurons,
    /// A constant input per neuron and step: the biases of the projections into it and its
    /// own leak potential.
    pub bias: Vec<f64>,
    /// NIR's membrane is `scale` times lif's (the discretisation's input scale; 1 for
    /// snnTorch's exports).
    pub scale: Vec<f64>,
    /// False for readouts (LI, CubaLI and the added `output`): their membrane is the output.
    pub spiking: bool,
    /// The map from the graph's input to this population's input, if any.
    pub input: Option<InputMap>,
}

/// The external input of a population: `W x + b` of each input sample, summed in the order
/// of `x`, the bias last ([`lif_core::projection::affine`]).
#[derive(Debug, Clone, PartialEq)]
pub struct InputMap {
    /// `(rows, inputs)`, row-major: one row per neuron.
    pub weights: Vec<f64>,
    /// One per neuron.
    pub bias: Vec<f64>,
    /// The 8-bit form of `weights` (which then hold its values), with
    /// [`ImportOptions::int8_weights`].
    pub int8: Option<Int8Rows>,
}

/// A dense projection from the spikes of `source` to the input of `target`.
#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    /// Source population.
    pub source: usize,
    /// Target population.
    pub target: usize,
    /// `(target size, source size)`, row-major, as NIR stores weights.
    pub weights: Vec<f64>,
    /// 0 for a forward projection (same step); 1 for a recurrent one (the previous step's
    /// spikes).
    pub delay: u16,
    /// The 8-bit form of `weights` (which then hold its values), with
    /// [`ImportOptions::int8_weights`].
    pub int8: Option<Int8Rows>,
}

/// Imports a graph with `opts`, after validating it ([`Graph::validate`]; a graph that
/// [`crate::read`] returned passes again).
pub fn import(nir: &Nir, opts: &ImportOptions) -> Result<Model, Error> {
    nir.graph.validate()?;
    if !(opts.dt.is_finite() && opts.dt > 0.0) {
        return Err(Error::Import {
            node: String::new(),
            problem: format!("dt = {} is not a positive time step", opts.dt),
        });
    }
    let flat = Flat::new(&nir.graph)?;
    let input_name = flat.only("Input")?;
    let output_name = flat.only("Output")?;
    let sizes = flat.sizes(&input_name)?;

    // Populations: every neuron node the input reaches, in name order for now.
    let neuron_names: Vec<&String> = flat
        .nodes
        .iter()
        .filter(|(k, n)| is_population(n) && sizes.contains_key(*k))
        .map(|(k, _)| k)
        .collect();
    // Paths through linear nodes from each source (the input, then each population).
    let mut paths = Vec::new();
    for source in std::iter::once(&input_name).chain(neuron_names.iter().copied()) {
        let n = sizes[source];
        flat.paths_from(source, n, &mut paths)?;
    }

    // Step order: reverse postorder of a depth-first walk over the populations, starting
    // from those the input feeds; edges that go back (or onto themselves) get a delay.
    let succ = |name: &str| -> BTreeSet<String> {
        paths
            .iter()
            .filter(|p: &&Path| p.source == name && flat.is_neuron(&p.target))
            .map(|p| p.target.clone())
            .collect()
    };
    let mut order: Vec<String> = Vec::new();
    let mut seen = BTreeSet::new();
    let starts: Vec<String> = succ(&input_name)
        .into_iter()
        .chain(neuron_names.iter().map(|s| s.to_string()))
        .collect();
    for s in starts {
        postorder(&s, &succ, &mut seen, &mut order);
    }
    order.reverse();
    let index: BTreeMap<&str, usize> = order
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();

    let resets = Resets {
        reset: opts.reset.unwrap_or(Reset::Zero),
        delay: opts.reset_delay.unwrap_or(false),
    };
    let mut populations = Vec::new();
    for name in &order {
        let node = flat.nodes[name];
        let norse = opts.convention == Convention::Norse;
        let d = discretise(node, name, sizes[name], opts.dt, resets, norse)?;
        populations.push(Population {
            name: name.clone(),
            kind: node.type_name(),
            neurons: d.neurons,
            bias: d.bias,
            scale: d.scale,
            spiking: d.spiking,
            input: None,
        });
    }

    // The graph's Output: a population's own output, or a readout the importer adds.
    let into_output: Vec<&Path> = paths.iter().filter(|p| p.target == output_name).collect();
    let direct = match into_output.as_slice() {
        [p] if p.map.is_identity() && p.source != input_name => Some(index[p.source.as_str()]),
        _ => None,
    };
    let output = match direct {
        Some(i) => i,
        None => {
            if into_output.iter().any(|p| p.source == input_name) || into_output.is_empty() {
                return Err(Error::Import {
                    node: output_name.clone(),
                    problem: "no neurons lie between the graph's Input and Output".into(),
                });
            }
            let n = sizes[&output_name];
            populations.push(Population {
                name: "output".into(),
                kind: "Output",
                neurons: Neurons::Leaky(vec![
                    lif_core::LeakyConfig {
                        beta: 0.0,
                        threshold: f64::INFINITY,
                        reset: Reset::None,
                        reset_delay: false,
                    };
                    n
                ]),
                bias: vec![0.0; n],
                scale: vec![1.0; n],
                spiking: false,
                input: None,
            });
            populations.len() - 1
        }
    };
    let target_of = |name: &str| -> usize {
        if name == output_name {
            output
        } else {
            index[name]
        }
    };

    let mut projections = Vec::new();
    for p in paths {
        if p.target == output_name && direct.is_some() {
            continue;
        }
        let target = target_of(&p.target);
        let (rows, cols, weights, bias) = p.map.into_parts(&p.target)?;
        debug_assert_eq!(rows, populations[target].neurons.len());
        if p.source == input_name {
            if populations[target].input.is_some() {
                return Err(Error::Import {
                    node: p.target.clone(),
                    problem: "the graph's input reaches this node along two paths".into(),
                });
            }
            let (weights, int8) = quantised(weights, rows, opts.int8_weights);
            populations[target].input = Some(InputMap {
                weights,
                bias,
                int8,
            });
            continue;
        }
        let source = index[p.source.as_str()];
        for (b, x) in populations[target].bias.iter_mut().zip(bias) {
            *b += x;
        }
        debug_assert_eq!(cols, populations[source].neurons.len());
        let (weights, int8) = quantised(weights, rows, opts.int8_weights);
        projections.push(Projection {
            source,
            target,
            weights,
            delay: u16::from(target <= source),
            int8,
        });
    }

    // Sums into a target are taken projection by projection: in step order of the sources.
    projections.sort_by_key(|p| (p.source, p.target));

    let mut warnings = Vec::new();
    if populations.iter().any(|p| p.spiking) {
        if opts.reset.is_none() {
            warnings.push(
                "the file does not store the reset mechanism: using zero (snnTorch's import); \
                 a network trained with snnTorch's default subtracts the threshold"
                    .to_string(),
            );
        }
        if opts.reset_delay.is_none() && opts.reset.is_some() {
            warnings.push(
                "the file does not store the reset delay: using none (snnTorch's import)"
                    .to_string(),
            );
        }
    }
    Ok(Model {
        dt: opts.dt,
        inputs: sizes[&input_name],
        populations,
        projections,
        output,
        warnings,
    })
}

/// `weights` and, when asked, their 8-bit form (the weights then its values).
fn quantised(weights: Vec<f64>, rows: usize, int8: bool) -> (Vec<f64>, Option<Int8Rows>) {
    if int8 {
        let q = Int8Rows::quantise(&weights, rows);
        (q.values(), Some(q))
    } else {
        (weights, None)
    }
}

fn is_population(n: &Node) -> bool {
    n.is_neuron() || matches!(n, Node::Threshold { .. })
}

fn postorder(
    n: &str,
    succ: &dyn Fn(&str) -> BTreeSet<String>,
    seen: &mut BTreeSet<String>,
    out: &mut Vec<String>,
) {
    if !seen.insert(n.to_string()) {
        return;
    }
    for s in succ(n) {
        postorder(&s, succ, seen, out);
    }
    out.push(n.to_string());
}

/// A chain of linear nodes from a source (the Input or a population) to a population or
/// the Output, composed into one map.
struct Path {
    source: String,
    target: String,
    map: Map,
}

impl Map {
    fn is_identity(&self) -> bool {
        matches!(self, Map::Identity(_))
    }
}

/// The graph with nested graphs flattened: their nodes as `graph.node`, their Input and
/// Output as pass-through nodes.
struct Flat<'g> {
    nodes: BTreeMap<String, &'g Node>,
    succ: BTreeMap<String, Vec<String>>,
    top_io: BTreeMap<&'static str, Vec<String>>,
    /// Each node's input shape where the graph fixes it ([`Graph::shapes`]).
    shapes: BTreeMap<String, Vec<usize>>,
}

impl<'g> Flat<'g> {
    fn new(g: &'g Graph) -> Result<Self, Error> {
        let mut f = Flat {
            nodes: BTreeMap::new(),
            succ: BTreeMap::new(),
            top_io: BTreeMap::new(),
            shapes: BTreeMap::new(),
        };
        f.add(g, "")?;
        for v in f.succ.values_mut() {
            v.sort();
            v.dedup();
        }
        Ok(f)
    }

    fn add(&mut self, g: &'g Graph, prefix: &str) -> Result<(), Error> {
        let full = |n: &str| format!("{prefix}{n}");
        for (name, (input, _)) in g.shapes() {
            if let Some(shape) = input {
                self.shapes.insert(full(&name), shape);
            }
        }
        for (name, node) in &g.nodes {
            match node {
                Node::Graph(sub) => self.add(sub, &format!("{}.", full(name)))?,
                _ => {
                    if prefix.is_empty() {
                        let t = node.type_name();
                        if t == "Input" || t == "Output" {
                            self.top_io.entry(t).or_default().push(name.clone());
                        }
                    }
                    self.nodes.insert(full(name), node);
                }
            }
        }
        // An edge to or from a nested graph goes to its Input or from its Output.
        let io = |name: &str, kind: &str| -> String {
            let mut g = g;
            let mut path = String::new();
            let mut rest = name;
            loop {
                match g.nodes.get(rest) {
                    Some(Node::Graph(sub)) => {
                        path.push_str(rest);
                        path.push('.');
                        let inner = sub
                            .nodes
                            .iter()
                            .find(|(_, n)| n.type_name() == kind)
                            .map(|(k, _)| k.as_str())
                            .unwrap_or_default();
                        g = sub;
                        rest = inner;
                    }
                    _ => return format!("{prefix}{path}{rest}"),
                }
            }
        };
        for (a, b) in &g.edges {
            let (a, b) = (io(a, "Output"), io(b, "Input"));
            self.succ.entry(a).or_default().push(b);
        }
        Ok(())
    }

    fn only(&self, kind: &'static str) -> Result<String, Error> {
        match self.top_io.get(kind).map(Vec::as_slice) {
            Some([one]) => Ok(one.clone()),
            other => Err(Error::InputOutput {
                graph: String::new(),
                kind,
                found: other.map(<[String]>::to_vec).unwrap_or_default(),
            }),
        }
    }

    fn is_neuron(&self, name: &str) -> bool {
        self.nodes.get(name).is_some_and(|n| is_population(n))
    }

    fn shape_of(&self, name: &str) -> Option<&[usize]> {
        self.shapes.get(name).map(Vec::as_slice)
    }

    fn successors(&self, name: &str) -> &[String] {
        self.succ.get(name).map_or(&[], Vec::as_slice)
    }

    /// The number of elements each node puts out, following edges from the input; every
    /// node must be reached, and with one size.
    fn sizes(&self, input: &str) -> Result<BTreeMap<String, usize>, Error> {
        let Node::Input { shape } = self.nodes[input] else {
            unreachable!("the Input node")
        };
        let n = crate::validate::numel(shape);
        if n > MAX_NEURONS {
            return Err(Error::Import {
                node: input.to_string(),
                problem: format!("takes {n} values, more than the {MAX_NEURONS} an import allows"),
            });
        }
        let mut sizes = BTreeMap::from([(input.to_string(), n)]);
        let mut work = vec![input.to_string()];
        while let Some(a) = work.pop() {
            let out = sizes[&a];
            for b in self.successors(&a) {
                let node = self.nodes.get(b.as_str()).ok_or_else(|| Error::Import {
                    node: b.clone(),
                    problem: "an edge names a node that does not exist".into(),
                })?;
                let n = if is_population(node) {
                    neuron_count(node).unwrap_or(out)
                } else {
                    Map::of(node, b, out, self.shape_of(b))?.outputs()
                };
                if is_population(node) && n != out {
                    return Err(Error::Import {
                        node: b.clone(),
                        problem: format!("has {n} neurons but takes {out} inputs from `{a}`"),
                    });
                }
                if n > MAX_NEURONS {
                    return Err(Error::Import {
                        node: b.clone(),
                        problem: format!(
                            "puts out {n} values, more than the {MAX_NEURONS} an import allows"
                        ),
                    });
                }
                if sizes.insert(b.clone(), n).is_none() {
                    work.push(b.clone());
                }
            }
        }
        if let Some(lost) = self.nodes.keys().find(|k| !sizes.contains_key(*k)) {
            return Err(Error::Import {
                node: lost.clone(),
                problem: "the graph's input does not reach this node".into(),
            });
        }
        Ok(sizes)
    }

    /// Every path from `source` (putting out `n` elements) through linear nodes to a
    /// population or the Output, in successor-name order.
    fn paths_from(&self, source: &str, n: usize, out: &mut Vec<Path>) -> Result<(), Error> {
        let mut stack = vec![source.to_string()];
        self.walk(source, source, Map::Identity(n), &mut stack, out)
    }

    fn walk(
        &self,
        source: &str,
        at: &str,
        map: Map,
        stack: &mut Vec<String>,
        out: &mut Vec<Path>,
    ) -> Result<(), Error> {
        for b in self.successors(at) {
            let node = self.nodes[b.as_str()];
            let is_top_output = self.top_io.get("Output").is_some_and(|o| o.contains(b));
            if is_population(node) || is_top_output {
                out.push(Path {
                    source: source.to_string(),
                    target: b.clone(),
                    map: map.clone(),
                });
                continue;
            }
            if stack.contains(b) {
                return Err(Error::Import {
                    node: b.clone(),
                    problem: "a cycle of linear nodes without neurons (an algebraic loop)".into(),
                });
            }
            let next = Map::of(node, b, map.outputs(), self.shape_of(b))?;
            let composed = map.clone().then(next, b)?;
            stack.push(b.clone());
            self.walk(source, b, composed, stack, out)?;
            stack.pop();
        }
        Ok(())
    }
}

/// The number of neurons a node's parameters fix (`None` when they are all scalars).
fn neuron_count(node: &Node) -> Option<usize> {
    node.params()
        .into_iter()
        .map(|(_, a)| a.len())
        .filter(|&n| n > 1)
        .max()
}
