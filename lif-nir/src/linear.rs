//! The linear nodes (Affine, Linear, Scale, Flatten) as affine maps, and their composition
//! along a chain of edges.

use crate::error::Error;
use crate::graph::{Array, Node};

/// Composed maps larger than this many weights are refused: an import is meant for networks
/// that fit a host's memory many times over, and a microcontroller's flash far less.
pub(crate) const MAX_WEIGHTS: usize = 1 << 26;

/// `y = W x + b` with `W` of `(rows, cols)`, row-major, in f64 (every value of a file widens
/// exactly); `Identity` keeps a chain of Flatten nodes free of roundings and of an `n x n`
/// matrix.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Map {
    Identity(usize),
    Affine {
        rows: usize,
        cols: usize,
        weights: Vec<f64>,
        bias: Vec<f64>,
    },
}

impl Map {
    pub(crate) fn outputs(&self) -> usize {
        match self {
            Map::Identity(n) => *n,
            Map::Affine { rows, .. } => *rows,
        }
    }

    /// The map of a linear node that takes `inputs` elements.
    pub(crate) fn of(node: &Node, name: &str, inputs: usize) -> Result<Map, Error> {
        let dense = |weight: &Array, bias: Option<&Array>| {
            let s = weight.shape();
            let (rows, cols) = (s[0], weight.len() / s[0].max(1));
            if s.len() != 2 || cols != inputs {
                return Err(Error::Import {
                    node: name.to_string(),
                    problem: format!(
                        "weight of shape {s:?} cannot take {inputs} inputs (a 2-d (out, in) matrix is needed)"
                    ),
                });
            }
            Ok(Map::Affine {
                rows,
                cols,
                weights: weight.to_f64(),
                bias: bias.map_or(vec![0.0; rows], |b| broadcast(b, rows)),
            })
        };
        match node {
            Node::Affine { weight, bias } => dense(weight, Some(bias)),
            Node::Linear { weight } => dense(weight, None),
            Node::Scale { scale } => {
                if scale.len() != 1 && scale.len() != inputs {
                    return Err(Error::Import {
                        node: name.to_string(),
                        problem: format!("{} scales for {inputs} inputs", scale.len()),
                    });
                }
                let s = broadcast(scale, inputs);
                let mut weights = vec![0.0; inputs * inputs];
                for (i, v) in s.into_iter().enumerate() {
                    weights[i * inputs + i] = v;
                }
                Ok(Map::Affine {
                    rows: inputs,
                    cols: inputs,
                    weights,
                    bias: vec![0.0; inputs],
                })
            }
            Node::Flatten { .. } | Node::Input { .. } | Node::Output { .. } => {
                Ok(Map::Identity(inputs))
            }
            other => Err(Error::Import {
                node: name.to_string(),
                problem: format!(
                    "{} nodes are read and validated but not yet imported into a network",
                    other.type_name()
                ),
            }),
        }
    }

    /// `next` applied after `self`.
    pub(crate) fn then(self, next: Map, name: &str) -> Result<Map, Error> {
        match (self, next) {
            (Map::Identity(_), m) | (m, Map::Identity(_)) => Ok(m),
            (
                Map::Affine {
                    cols,
                    weights: w1,
                    bias: b1,
                    ..
                },
                Map::Affine {
                    rows,
                    cols: mid,
                    weights: w2,
                    bias: b2,
                },
            ) => {
                if rows.saturating_mul(cols) > MAX_WEIGHTS {
                    return Err(too_large(name, rows, cols));
                }
                let mut weights = vec![0.0; rows * cols];
                let mut bias = b2;
                for r in 0..rows {
                    for k in 0..mid {
                        let a = w2[r * mid + k];
                        if a == 0.0 {
                            continue;
                        }
                        bias[r] += a * b1[k];
                        for c in 0..cols {
                            weights[r * cols + c] += a * w1[k * cols + c];
                        }
                    }
                }
                Ok(Map::Affine {
                    rows,
                    cols,
                    weights,
                    bias,
                })
            }
        }
    }

    /// The weights `(rows, cols)` and bias, with the identity written out.
    pub(crate) fn into_parts(self) -> (usize, usize, Vec<f64>, Vec<f64>) {
        match self {
            Map::Identity(n) => {
                let mut w = vec![0.0; n * n];
                for i in 0..n {
                    w[i * n + i] = 1.0;
                }
                (n, n, w, vec![0.0; n])
            }
            Map::Affine {
                rows,
                cols,
                weights,
                bias,
            } => (rows, cols, weights, bias),
        }
    }
}

pub(crate) fn too_large(name: &str, rows: usize, cols: usize) -> Error {
    Error::Import {
        node: name.to_string(),
        problem: format!(
            "the composed map has {rows} x {cols} weights, more than the {MAX_WEIGHTS} an import allows"
        ),
    }
}

/// `a` as `n` values: itself, or its one value repeated.
pub(crate) fn broadcast(a: &Array, n: usize) -> Vec<f64> {
    if a.len() == 1 {
        vec![a.get(0).unwrap_or(0.0); n]
    } else {
        a.to_f64()
    }
}
