//! What a graph would need on a microcontroller: flash for its parameters and RAM for its
//! state, per number format. An estimate from the graph alone, before any import.
//!
//! The model (bytes):
//!
//! - **Weights** (Affine, Linear, Conv): 4 per weight in f32 and I16F16; with 8-bit weights,
//!   1 per weight plus one 4-byte scale per output row (per output channel for
//!   convolutions). Biases stay 4 bytes each.
//! - **Element-wise parameters** (neurons, Scale, Threshold): 4 per value; a parameter whose
//!   values are all equal is stored once.
//! - **Neuron state** (RAM): per neuron, 4 per state variable (LIF, IF and LI hold `v`;
//!   CubaLIF and CubaLI hold `v` and `I`) plus a 4-byte input accumulator; spiking neurons
//!   add two bits (this step's spikes and the last step's, in 32-bit words).
//! - **Input** (RAM): the top-level graph's input vector, 4 per element.
//!
//! Flatten and pooling store nothing.

use crate::graph::{Graph, Node};
use crate::validate::numel;

/// How numbers are stored on the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    /// Everything in f32.
    F32,
    /// Everything in I16F16 fixed point (also 4 bytes).
    I16F16,
    /// I16F16, but weights in 8 bits with a scale per output row (the flash-saving option).
    I16F16Int8Weights,
}

impl Storage {
    /// Every storage, in the order `lif-sim nir inspect` prints them.
    pub const ALL: [Storage; 3] = [Storage::F32, Storage::I16F16, Storage::I16F16Int8Weights];

    /// A short name (`f32`, `i16f16`, `i16f16+i8w`).
    pub fn name(self) -> &'static str {
        match self {
            Storage::F32 => "f32",
            Storage::I16F16 => "i16f16",
            Storage::I16F16Int8Weights => "i16f16+i8w",
        }
    }
}

/// One node's share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeFootprint {
    /// The node's path (nested nodes as `subgraph/node`).
    pub node: String,
    /// Flash bytes (parameters).
    pub flash: usize,
    /// RAM bytes (state, spikes, input).
    pub ram: usize,
}

/// The whole graph's flash and RAM, with each node's share.
///
/// ```
/// use lif_nir::memory::{Storage, footprint};
///
/// let nir = lif_nir::read("../tests/fixtures/nir/leaky_ff.nir")?;
/// let f32 = footprint(&nir.graph, Storage::F32);
/// let i8w = footprint(&nir.graph, Storage::I16F16Int8Weights);
/// // 6-8-3 layers: 72 weights shrink from 4 bytes to 1, plus 11 row scales.
/// assert_eq!(f32.flash - i8w.flash, 72 * 3 - 11 * 4);
/// assert_eq!(f32.ram, i8w.ram);
/// # Ok::<(), lif_nir::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Footprint {
    /// Per node with a share, by path.
    pub nodes: Vec<NodeFootprint>,
    /// Total flash bytes.
    pub flash: usize,
    /// Total RAM bytes.
    pub ram: usize,
}

/// The flash and RAM `graph` needs in `storage` (see the module's model).
pub fn footprint(graph: &Graph, storage: Storage) -> Footprint {
    let mut nodes = Vec::new();
    collect(graph, "", storage, &mut nodes);
    Footprint {
        flash: nodes.iter().fold(0, |a, n| a.saturating_add(n.flash)),
        ram: nodes.iter().fold(0, |a, n| a.saturating_add(n.ram)),
        nodes,
    }
}

fn collect(graph: &Graph, path: &str, storage: Storage, out: &mut Vec<NodeFootprint>) {
    let shapes = graph.shapes();
    for (name, node) in &graph.nodes {
        let p = if path.is_empty() {
            name.clone()
        } else {
            format!("{path}/{name}")
        };
        if let Node::Graph(sub) = node {
            collect(sub, &p, storage, out);
            continue;
        }
        let size = shapes
            .get(name)
            .and_then(|s| s.1.as_ref())
            .map(|s| numel(s));
        let (flash, ram) = match node {
            // A subgraph's Input is an interface, not a buffer.
            Node::Input { .. } if !path.is_empty() => (0, 0),
            _ => node_bytes(node, size, storage),
        };
        if flash + ram > 0 {
            out.push(NodeFootprint {
                node: p,
                flash,
                ram,
            });
        }
    }
}

fn node_bytes(node: &Node, size: Option<usize>, storage: Storage) -> (usize, usize) {
    let weights = |numel: usize, rows: usize| match storage {
        Storage::F32 | Storage::I16F16 => numel * 4,
        Storage::I16F16Int8Weights => numel + rows * 4,
    };
    let stored = |node: &Node| -> usize {
        node.params()
            .iter()
            .map(|(_, a)| if a.is_uniform() { 4 } else { a.len() * 4 })
            .sum()
    };
    match node {
        Node::Input { shape } => (0, numel(shape).saturating_mul(4)),
        Node::Affine { weight, bias } => {
            let rows = weight.len() / weight.shape().last().copied().unwrap_or(1).max(1);
            (weights(weight.len(), rows) + bias.len() * 4, 0)
        }
        Node::Linear { weight } => {
            let rows = weight.len() / weight.shape().last().copied().unwrap_or(1).max(1);
            (weights(weight.len(), rows), 0)
        }
        Node::Conv1d(c) | Node::Conv2d(c) => {
            let out = c.weight.shape().first().copied().unwrap_or(0);
            (weights(c.weight.len(), out) + c.bias.len() * 4, 0)
        }
        Node::Scale { .. } | Node::Threshold { .. } => (stored(node), 0),
        n if n.is_neuron() => {
            let count =
                size.unwrap_or_else(|| n.params().iter().map(|(_, a)| a.len()).max().unwrap_or(1));
            let (vars, spikes) = match n {
                Node::Lif { .. } | Node::If { .. } => (1, true),
                Node::CubaLif { .. } => (2, true),
                Node::Li { .. } => (1, false),
                _ => (2, false),
            };
            let words = if spikes {
                2 * count.div_ceil(32) * 4
            } else {
                0
            };
            (stored(n), count * (vars + 1) * 4 + words)
        }
        _ => (0, 0),
    }
}
