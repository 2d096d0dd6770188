//! Reads NIR graphs (the Neuromorphic Intermediate Representation; `.nir` files are HDF5)
//! into a typed, validated graph: the first step of running networks trained in snnTorch,
//! Norse and other tools with lif.
//!
//! Files of nir 0.2 to 1.0.8 are read, with their arrays gzip-compressed (1.0.8) or
//! contiguous (earlier writers, or `compression=None`), in f32 or f64. Parameters that older
//! files omit get nir's defaults (`v_reset` 0, `w_in` 1). The HDF5 layer is pure Rust (no C
//! library) and a malformed file is an [`Error`], never a panic.
//!
//! Supported nodes: Input, Output, Affine, Linear, Scale, Flatten, LIF, CubaLIF, IF, LI,
//! CubaLI, Threshold, Conv1d, Conv2d, SumPool2d, AvgPool2d and nested graphs (NIRGraph).
//! Any other type is [`Error::UnsupportedNode`], naming the node and its type.
//!
//! ```
//! let nir = lif_nir::read("../tests/fixtures/nir/leaky_ff.nir")?; // parsed and validated
//! assert_eq!(nir.version.as_deref(), Some("1.0.8"));
//! let types: Vec<&str> = nir.graph.nodes.values().map(|n| n.type_name()).collect();
//! assert_eq!(types, ["Affine", "LIF", "Affine", "LIF", "Input", "Output"]);
//! # Ok::<(), lif_nir::Error>(())
//! ```
//!
//! The file: a root dataset `version` and a group `node` (the graph) holding `type`
//! (`"NIRGraph"`), `edges` (pairs of node names) and `nodes/<name>/`, each with its `type`
//! and one dataset per parameter. `dt` is not stored: choosing it is the importer's job
//! (snnTorch exports assume 1e-4 s, Norse 1e-3 s).

#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod discretise;
mod error;
mod graph;
mod h5;
#[cfg(feature = "host")]
mod host;
mod import;
mod linear;
pub mod memory;
#[cfg(test)]
mod tests;
mod validate;

pub use discretise::Neurons;
pub use error::Error;
pub use graph::{Array, ArrayData, Conv, Dtype, Graph, Nir, Node, Padding, Pool2d};
#[cfg(feature = "host")]
pub use host::Run;
pub use import::{
    Convention, ImportOptions, InputMap, Int8Rows, Model, Population, Projection, import,
};
pub use validate::IoShapes;

use std::path::Path;

/// Reads a `.nir` file, parses it and validates its graph ([`Graph::validate`]).
///
/// ```
/// match lif_nir::read("no/such/file.nir") {
///     Err(lif_nir::Error::Io { path, .. }) => assert_eq!(path, "no/such/file.nir"),
///     other => panic!("{other:?}"),
/// }
/// ```
pub fn read(path: impl AsRef<Path>) -> Result<Nir, Error> {
    let nir = read_unvalidated(path)?;
    nir.graph.validate()?;
    Ok(nir)
}

/// Reads and parses a `.nir` file without validating the graph (to inspect a file that
/// [`read`] refuses).
///
/// ```
/// let nir = lif_nir::read_unvalidated("../tests/fixtures/nir/norse_ff.nir")?;
/// assert!(nir.graph.nodes.contains_key("3"));
/// # Ok::<(), lif_nir::Error>(())
/// ```
pub fn read_unvalidated(path: impl AsRef<Path>) -> Result<Nir, Error> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.display().to_string(),
        source,
    })?;
    Nir::from_bytes(bytes)
}
