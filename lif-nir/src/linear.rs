//! The linear nodes (Affine, Linear, Scale, Flatten, convolutions and pooling) as affine
//! maps, and their composition along a chain of edges.

use crate::error::Error;
use crate::graph::{Array, Conv, Node, Padding, Pool2d};
use crate::validate::{conv_input, dim};

/// Maps larger than this many weights (written out or composed) are refused before they
/// are allocated: an import is meant for networks that fit a host's memory many times
/// over, and a microcontroller's flash far less.
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

    /// The map of a linear node that takes `inputs` elements, shaped `shape` where the
    /// graph says (convolutions and pooling need it).
    pub(crate) fn of(
        node: &Node,
        name: &str,
        inputs: usize,
        shape: Option<&[usize]>,
    ) -> Result<Map, Error> {
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
                if inputs.saturating_mul(inputs) > MAX_WEIGHTS {
                    return Err(too_large(name, inputs, inputs));
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
            Node::Conv1d(c) | Node::Conv2d(c) => {
                let full = conv_input(c).or_else(|| shape.map(<[usize]>::to_vec));
                conv(c, name, inputs, full.as_deref())
            }
            Node::SumPool2d(p) => pool(p, name, inputs, shape, false),
            Node::AvgPool2d(p) => pool(p, name, inputs, shape, true),
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

    /// The weights `(rows, cols)` and bias, with the identity written out (`name`: the
    /// node that error names if it is too large).
    pub(crate) fn into_parts(
        self,
        name: &str,
    ) -> Result<(usize, usize, Vec<f64>, Vec<f64>), Error> {
        match self {
            Map::Identity(n) => {
                if n.saturating_mul(n) > MAX_WEIGHTS {
                    return Err(too_large(name, n, n));
                }
                let mut w = vec![0.0; n * n];
                for i in 0..n {
                    w[i * n + i] = 1.0;
                }
                Ok((n, n, w, vec![0.0; n]))
            }
            Map::Affine {
                rows,
                cols,
                weights,
                bias,
            } => Ok((rows, cols, weights, bias)),
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

fn import_error(name: &str, problem: String) -> Error {
    Error::Import {
        node: name.to_string(),
        problem,
    }
}

/// A 1-d or 2-d window geometry, as 2-d (a 1-d one has height 1): per axis (height, width)
/// the input size, kernel, stride, dilation and padding before.
struct Geometry {
    input: [usize; 2],
    kernel: [usize; 2],
    stride: [usize; 2],
    dilation: [usize; 2],
    pad: [usize; 2],
    output: [usize; 2],
}

impl Geometry {
    /// The input position of output `o` and kernel offset `k` on `axis`, if inside.
    fn at(&self, axis: usize, o: usize, k: usize) -> Option<usize> {
        (o * self.stride[axis] + k * self.dilation[axis])
            .checked_sub(self.pad[axis])
            .filter(|&i| i < self.input[axis])
    }
}

fn out_len(n: usize, k: usize, s: usize, d: usize, before: usize, after: usize) -> Option<usize> {
    let span = d.checked_mul(k.checked_sub(1)?)?.checked_add(1)?;
    Some((n + before + after).checked_sub(span)? / s.max(1) + 1)
}

/// A convolution as a dense map over `(channels, spatial...)` in row-major order (PyTorch's
/// semantics: cross-correlation, zero padding, groups; `same` pads `d (k - 1)` in all, the
/// smaller half before).
fn conv(c: &Conv, name: &str, inputs: usize, shape: Option<&[usize]>) -> Result<Map, Error> {
    let w = c.weight.shape();
    let dims = w.len() - 2;
    let Some(shape) = shape.filter(|s| s.len() == dims + 1 && crate::validate::numel(s) == inputs)
    else {
        return Err(import_error(
            name,
            format!("the input shape of this convolution is unknown ({inputs} inputs)"),
        ));
    };
    let (co, cig, groups) = (w[0], w[1], c.groups.max(1));
    if shape[0] != cig * groups || co % groups != 0 {
        return Err(import_error(
            name,
            format!(
                "{groups} groups of {cig} input channels and {co} output channels cannot take an input of shape {shape:?}"
            ),
        ));
    }
    // Axis 0 is the height (1 for a 1-d convolution), axis 1 the width.
    let sp = |v: &[usize], i: usize, one: usize| {
        if dims == 1 && i == 0 {
            Some(one)
        } else {
            dim(v, i + dims - 2)
        }
    };
    let mut g = Geometry {
        input: [if dims == 1 { 1 } else { shape[1] }, shape[dims]],
        kernel: [if dims == 1 { 1 } else { w[2] }, w[1 + dims]],
        stride: [1; 2],
        dilation: [1; 2],
        pad: [0; 2],
        output: [0; 2],
    };
    for axis in 0..2 {
        let bad = || {
            import_error(
                name,
                "stride, padding or dilation does not fit the weight".into(),
            )
        };
        g.stride[axis] = sp(&c.stride, axis, 1).ok_or_else(bad)?;
        g.dilation[axis] = sp(&c.dilation, axis, 1).ok_or_else(bad)?;
        let span = g.dilation[axis] * (g.kernel[axis] - 1);
        let (before, after) = match &c.padding {
            Padding::Explicit(p) => {
                let p = sp(p, axis, 0).ok_or_else(bad)?;
                (p, p)
            }
            Padding::Named(n) if n == "same" => (span / 2, span - span / 2),
            Padding::Named(_) => (0, 0),
        };
        g.pad[axis] = before;
        g.output[axis] = out_len(
            g.input[axis],
            g.kernel[axis],
            g.stride[axis],
            g.dilation[axis],
            before,
            after,
        )
        .ok_or_else(|| import_error(name, "the kernel is larger than the padded input".into()))?;
    }
    let [ho, wo] = g.output;
    let [hi, wi] = g.input;
    let [kh, kw] = g.kernel;
    let (rows, cols) = (co * ho * wo, inputs);
    if rows.saturating_mul(cols) > MAX_WEIGHTS {
        return Err(too_large(name, rows, cols));
    }
    let weight = c.weight.to_f64();
    let bias = broadcast(&c.bias, co);
    let mut weights = vec![0.0; rows * cols];
    let per_group = (co / groups).max(1);
    for o in 0..co {
        let first_in = (o / per_group) * cig;
        for cl in 0..cig {
            let ci = first_in + cl;
            for ky in 0..kh {
                for kx in 0..kw {
                    let v = weight[((o * cig + cl) * kh + ky) * kw + kx];
                    if v == 0.0 {
                        continue;
                    }
                    for oy in 0..ho {
                        let Some(iy) = g.at(0, oy, ky) else { continue };
                        for ox in 0..wo {
                            let Some(ix) = g.at(1, ox, kx) else { continue };
                            let (r, col) = ((o * ho + oy) * wo + ox, (ci * hi + iy) * wi + ix);
                            weights[r * cols + col] = v;
                        }
                    }
                }
            }
        }
    }
    let bias = (0..rows).map(|r| bias[r / (ho * wo)]).collect();
    Ok(Map::Affine {
        rows,
        cols,
        weights,
        bias,
    })
}

/// A 2-d pooling window over `(channels, height, width)`: the sum, or the mean (PyTorch's
/// default: padding counts towards the divisor).
fn pool(
    p: &Pool2d,
    name: &str,
    inputs: usize,
    shape: Option<&[usize]>,
    mean: bool,
) -> Result<Map, Error> {
    let Some(&[c, h, w]) = shape.filter(|s| crate::validate::numel(s) == inputs) else {
        return Err(import_error(
            name,
            format!(
                "the input shape of this pooling is unknown or not (channels, height, width) ({inputs} inputs)"
            ),
        ));
    };
    let bad = || import_error(name, "kernel, stride or padding needs 1 or 2 values".into());
    let mut g = Geometry {
        input: [h, w],
        kernel: [0; 2],
        stride: [0; 2],
        dilation: [1; 2],
        pad: [0; 2],
        output: [0; 2],
    };
    for axis in 0..2 {
        g.kernel[axis] = dim(&p.kernel_size, axis).ok_or_else(bad)?;
        g.stride[axis] = dim(&p.stride, axis).ok_or_else(bad)?;
        g.pad[axis] = dim(&p.padding, axis).ok_or_else(bad)?;
        g.output[axis] = out_len(
            g.input[axis],
            g.kernel[axis],
            g.stride[axis],
            1,
            g.pad[axis],
            g.pad[axis],
        )
        .ok_or_else(|| import_error(name, "the window is larger than the padded input".into()))?;
    }
    let [ho, wo] = g.output;
    let (rows, cols) = (c * ho * wo, inputs);
    if rows.saturating_mul(cols) > MAX_WEIGHTS {
        return Err(too_large(name, rows, cols));
    }
    let v = if mean {
        1.0 / (g.kernel[0] * g.kernel[1]) as f64
    } else {
        1.0
    };
    let mut weights = vec![0.0; rows * cols];
    for ch in 0..c {
        for oy in 0..ho {
            for ox in 0..wo {
                let r = (ch * ho + oy) * wo + ox;
                for ky in 0..g.kernel[0] {
                    let Some(iy) = g.at(0, oy, ky) else { continue };
                    for kx in 0..g.kernel[1] {
                        let Some(ix) = g.at(1, ox, kx) else { continue };
                        weights[r * cols + (ch * h + iy) * w + ix] += v;
                    }
                }
            }
        }
    }
    Ok(Map::Affine {
        rows,
        cols,
        weights,
        bias: vec![0.0; rows],
    })
}
