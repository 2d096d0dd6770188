//! The errors of reading and validating a NIR graph. Each names the node (its path: nested
//! nodes as `subgraph/node`) or the HDF5 object it is about.

use std::fmt;

/// Why a `.nir` file could not be read or its graph is not valid.
///
/// ```
/// let err = lif_nir::Nir::from_bytes(b"not an HDF5 file".to_vec()).unwrap_err();
/// assert!(matches!(err, lif_nir::Error::Hdf5 { .. }));
/// assert!(err.to_string().starts_with("malformed HDF5"));
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The file could not be read from disk.
    Io {
        /// The file.
        path: String,
        /// The system's error.
        source: std::io::Error,
    },
    /// The bytes are not a readable HDF5 file (truncated, corrupted, or not HDF5 at all).
    Hdf5 {
        /// The HDF5 object (`/` for the file itself).
        object: String,
        /// The HDF5 reader's message.
        message: String,
    },
    /// An HDF5 file, but not laid out as a NIR file (no `node` group, no `type`, ...).
    Layout {
        /// The HDF5 object (for example `/node/nodes/fc`).
        object: String,
        /// What is wrong.
        problem: String,
    },
    /// A node of a type lif-nir does not import (for example `Delay` or `I`).
    UnsupportedNode {
        /// The node's path.
        node: String,
        /// Its NIR type, as the file names it.
        node_type: String,
    },
    /// A parameter the node's type requires is missing.
    MissingParameter {
        /// The node's path.
        node: String,
        /// Its NIR type.
        node_type: &'static str,
        /// The parameter.
        param: &'static str,
    },
    /// A parameter is present but unusable (wrong type, not finite, inconsistent shape).
    BadParameter {
        /// The node's path.
        node: String,
        /// The parameter.
        param: &'static str,
        /// What is wrong.
        problem: String,
    },
    /// An edge names a node that does not exist.
    UnknownEdgeNode {
        /// The graph's path (empty for the top level).
        graph: String,
        /// The edge, as in the file.
        edge: (String, String),
        /// The name that matches no node.
        name: String,
    },
    /// A graph without exactly one node of a kind it needs exactly one of.
    InputOutput {
        /// The graph's path (empty for the top level).
        graph: String,
        /// `Input` or `Output`.
        kind: &'static str,
        /// The nodes of that kind found.
        found: Vec<String>,
    },
    /// An edge joins nodes whose shapes disagree (different numbers of elements).
    ShapeMismatch {
        /// The source node's path.
        from: String,
        /// The target node's path.
        to: String,
        /// What the source puts out.
        output: Vec<usize>,
        /// What the target takes.
        input: Vec<usize>,
    },
    /// A valid graph that lif cannot run as given (a parameter lif's models lack, a time step
    /// longer than a time constant, a node type not yet imported, a loop without neurons).
    Import {
        /// The node's path (empty: the import as a whole).
        node: String,
        /// What is wrong.
        problem: String,
    },
}

fn shape(s: &[usize]) -> String {
    let parts: Vec<String> = s.iter().map(|n| n.to_string()).collect();
    format!("({})", parts.join(", "))
}

fn graph_name(g: &str) -> String {
    if g.is_empty() {
        "the top-level graph".into()
    } else {
        format!("subgraph `{g}`")
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { path, source } => write!(f, "{path}: {source}"),
            Error::Hdf5 { object, message } => {
                write!(f, "malformed HDF5 at {object}: {message}")
            }
            Error::Layout { object, problem } => write!(f, "not a NIR file: {object}: {problem}"),
            Error::UnsupportedNode { node, node_type } => {
                write!(f, "node `{node}`: type `{node_type}` is not supported")
            }
            Error::MissingParameter {
                node,
                node_type,
                param,
            } => write!(
                f,
                "node `{node}` ({node_type}): parameter `{param}` is missing"
            ),
            Error::BadParameter {
                node,
                param,
                problem,
            } => write!(f, "node `{node}`: parameter `{param}`: {problem}"),
            Error::UnknownEdgeNode { graph, edge, name } => write!(
                f,
                "{}: edge ({}, {}) names `{name}`, which is no node",
                graph_name(graph),
                edge.0,
                edge.1
            ),
            Error::InputOutput { graph, kind, found } => write!(
                f,
                "{} has {} {kind} nodes ({}); it needs exactly one",
                graph_name(graph),
                found.len(),
                found.join(", ")
            ),
            Error::Import { node, problem } if node.is_empty() => f.write_str(problem),
            Error::Import { node, problem } => write!(f, "node `{node}`: {problem}"),
            Error::ShapeMismatch {
                from,
                to,
                output,
                input,
            } => write!(
                f,
                "edge ({from}, {to}): node `{from}` puts out {} but node `{to}` takes {}",
                shape(output),
                shape(input)
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
