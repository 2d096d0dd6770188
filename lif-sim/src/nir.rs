//! `lif-sim nir`: NIR graphs (`.nir` files from snnTorch, Norse, ...), read by lif-nir.
//!
//! ```text
//! lif-sim nir inspect tests/fixtures/nir/leaky_ff.nir
//! ```

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::Subcommand;
use lif_nir::memory::{Storage, footprint};
use lif_nir::{Array, Dtype, Graph, Node, Padding};

/// `lif-sim nir ...`
#[derive(clap::Args)]
pub struct NirArgs {
    #[command(subcommand)]
    command: NirCommand,
}

#[derive(Subcommand)]
enum NirCommand {
    /// Print a .nir file's graph (nodes with types, shapes and key parameters; edges) and the
    /// flash and RAM it would need on a microcontroller in f32, I16F16, and I16F16 with 8-bit
    /// weights (4 bytes per weight, or 1 plus a 4-byte scale per output row; neuron state by
    /// model). Exits with an error after printing when the graph is not valid.
    Inspect {
        /// The .nir file.
        file: PathBuf,
    },
    /// Import a .nir file into a lif network and run it on the CPU backend: one network per
    /// sample, samples in parallel. Outputs: output.npy (samples, steps, outputs: spikes, or
    /// a readout's membrane), predictions.npy (the output neuron with the most spikes, or the
    /// largest membrane at the last step), spikes-POPULATION.npy (sample, step, neuron),
    /// summary.json (options, warnings, spikes per population, accuracy with --labels,
    /// inferences per second) and raster.png/svg (the first sample).
    Run(crate::nirrun::RunArgs),
}

/// Runs a `nir` subcommand.
pub fn run(args: &NirArgs) -> Result<(), String> {
    match &args.command {
        NirCommand::Inspect { file } => {
            let nir = lif_nir::read_unvalidated(file).map_err(|e| e.to_string())?;
            let valid = nir.graph.validate();
            print!(
                "{}",
                inspect(
                    &file.display().to_string(),
                    nir.version.as_deref(),
                    &nir.graph,
                    valid.as_ref().err()
                )
            );
            valid.map_err(|e| format!("{}: {e}", file.display()))
        }
        NirCommand::Run(args) => crate::nirrun::run(args),
    }
}

/// The text `nir inspect` prints.
fn inspect(
    name: &str,
    version: Option<&str>,
    g: &Graph,
    invalid: Option<&lif_nir::Error>,
) -> String {
    let mut s = String::new();
    let (nodes, edges) = count(g);
    let _ = writeln!(
        s,
        "{name}: NIR {}, {nodes} nodes, {edges} edges{}",
        version.unwrap_or("(no version)"),
        match invalid {
            None => ", valid".to_string(),
            Some(e) => format!(", NOT VALID: {e}"),
        }
    );
    let _ = writeln!(s, "\nnodes (input -> output shape; parameters):");
    print_nodes(&mut s, g, "", 1);
    let _ = writeln!(s, "\nedges:");
    print_edges(&mut s, g, "", 1);
    let _ = writeln!(
        s,
        "\nmicrocontroller memory, bytes (flash: parameters; RAM: state, input, spikes):"
    );
    let fps: Vec<_> = Storage::ALL.iter().map(|&st| footprint(g, st)).collect();
    // Rows: every node with a share in any storage, in the estimate's order.
    let mut rows: Vec<&str> = Vec::new();
    for fp in &fps {
        for n in &fp.nodes {
            if !rows.contains(&n.node.as_str()) {
                rows.push(&n.node);
            }
        }
    }
    let width = rows.iter().map(|n| n.len()).max().unwrap_or(4).max(5);
    let mut head = format!("  {:width$}", "node");
    for st in Storage::ALL {
        let _ = write!(head, " {:>20}", format!("{} flash/RAM", st.name()));
    }
    let _ = writeln!(s, "{head}");
    for row in rows {
        let mut line = format!("  {row:width$}");
        for fp in &fps {
            let (flash, ram) = fp
                .nodes
                .iter()
                .find(|n| n.node == row)
                .map_or((0, 0), |n| (n.flash, n.ram));
            let _ = write!(line, " {:>20}", format!("{flash}/{ram}"));
        }
        let _ = writeln!(s, "{line}");
    }
    let mut line = format!("  {:width$}", "total");
    for fp in &fps {
        let _ = write!(line, " {:>20}", format!("{}/{}", fp.flash, fp.ram));
    }
    let _ = writeln!(s, "{line}");
    s
}

fn count(g: &Graph) -> (usize, usize) {
    g.nodes
        .values()
        .fold((g.nodes.len(), g.edges.len()), |acc, n| match n {
            Node::Graph(sub) => {
                let (a, b) = count(sub);
                (acc.0 + a, acc.1 + b)
            }
            _ => acc,
        })
}

fn shape(s: &Option<Vec<usize>>) -> String {
    match s {
        Some(v) => format!(
            "({})",
            v.iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None => "?".into(),
    }
}

/// A parameter in a few characters: its value when uniform, else its shape and range; values
/// in the precision they are stored in (shortest form that reads back the same).
fn param(a: &Array) -> String {
    let (dtype, show): (&str, fn(f64) -> String) = match a.dtype() {
        Dtype::F32 => ("f32", |x| (x as f32).to_string()),
        Dtype::F64 => ("f64", |x| x.to_string()),
    };
    let v = a.to_f64();
    let dims: Vec<String> = a.shape().iter().map(|n| n.to_string()).collect();
    let sh = format!("[{}]", dims.join(", "));
    if a.is_uniform() {
        let x = show(v.first().copied().unwrap_or(0.0));
        if a.len() == 1 {
            format!("{x} {dtype}")
        } else {
            format!("{x} x{sh} {dtype}")
        }
    } else {
        let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        format!("{sh} {dtype} in [{}, {}]", show(lo), show(hi))
    }
}

fn print_nodes(s: &mut String, g: &Graph, path: &str, depth: usize) {
    let shapes = g.shapes();
    let indent = "  ".repeat(depth);
    for (name, node) in &g.nodes {
        let (i, o) = shapes.get(name).cloned().unwrap_or((None, None));
        let mut line = format!(
            "{indent}{name:<10} {:<9} {} -> {}",
            node.type_name(),
            shape(&i),
            shape(&o)
        );
        let mut parts: Vec<String> = node
            .params()
            .iter()
            .map(|(k, a)| match node {
                Node::Affine { .. } | Node::Linear { .. } | Node::Conv1d(_) | Node::Conv2d(_)
                    if *k == "weight" =>
                {
                    format!("weight {}", param(a))
                }
                _ => format!("{k} {}", param(a)),
            })
            .collect();
        match node {
            Node::Conv1d(c) | Node::Conv2d(c) => {
                let pad = match &c.padding {
                    Padding::Explicit(p) => format!("{p:?}"),
                    Padding::Named(n) => n.clone(),
                };
                parts.push(format!(
                    "stride {:?} padding {pad} dilation {:?} groups {}",
                    c.stride, c.dilation, c.groups
                ));
            }
            Node::SumPool2d(p) | Node::AvgPool2d(p) => parts.push(format!(
                "kernel {:?} stride {:?} padding {:?}",
                p.kernel_size, p.stride, p.padding
            )),
            Node::Flatten {
                start_dim, end_dim, ..
            } => parts.push(format!("dims {start_dim}..={end_dim}")),
            _ => {}
        }
        if !parts.is_empty() {
            let _ = write!(line, "; {}", parts.join(", "));
        }
        let _ = writeln!(s, "{}", line.trim_end());
        if let Node::Graph(sub) = node {
            let p = if path.is_empty() {
                name.clone()
            } else {
                format!("{path}/{name}")
            };
            print_nodes(s, sub, &p, depth + 1);
        }
    }
}

fn print_edges(s: &mut String, g: &Graph, path: &str, depth: usize) {
    let indent = "  ".repeat(depth);
    for (a, b) in &g.edges {
        let _ = writeln!(s, "{indent}{a} -> {b}");
    }
    for (name, node) in &g.nodes {
        if let Node::Graph(sub) = node {
            let p = if path.is_empty() {
                name.clone()
            } else {
                format!("{path}/{name}")
            };
            let _ = writeln!(s, "{indent}in {p}:");
            print_edges(s, sub, &p, depth + 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures/nir")
            .join(name)
    }

    #[test]
    fn inspect_prints_nodes_edges_and_memory() {
        let nir = lif_nir::read(fixture("leaky_ff.nir")).unwrap();
        let text = inspect("leaky_ff.nir", nir.version.as_deref(), &nir.graph, None);
        assert!(
            text.starts_with("leaky_ff.nir: NIR 1.0.8, 6 nodes, 5 edges, valid"),
            "{text}"
        );
        assert!(
            text.contains("0          Affine    (6) -> (8); weight [8, 6] f32 in ["),
            "{text}"
        );
        assert!(text.contains("v_threshold 0.5 x[8] f32"), "{text}");
        assert!(text.contains("  input -> 0\n"), "{text}");
        // 6-8-3: 72 weights and 11 biases; 8-bit weights save 3 bytes per weight less a
        // 4-byte scale per row.
        let f32 = footprint(&nir.graph, Storage::F32);
        assert!(
            text.contains(&format!("{}/{}", f32.flash, f32.ram)),
            "{text}"
        );
    }

    #[test]
    fn inspect_nested_and_invalid() {
        let nir = lif_nir::read(fixture("old_v02.nir")).unwrap();
        let text = inspect("old", nir.version.as_deref(), &nir.graph, None);
        assert!(text.contains("rnn        NIRGraph  (3) -> (3)"), "{text}");
        assert!(text.contains("    lif        LIF"), "{text}");
        assert!(text.contains("  in rnn:\n    input -> lif"), "{text}");
        assert!(text.contains("  rnn/lif "), "{text}");
        let mut g = nir.graph.clone();
        g.edges.push(("fc".into(), "nowhere".into()));
        let err = g.validate().unwrap_err();
        let text = inspect("old", None, &g, Some(&err));
        assert!(
            text.contains("NOT VALID: the top-level graph: edge (fc, nowhere)"),
            "{text}"
        );
    }
}
