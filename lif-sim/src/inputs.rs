//! Turning an input spec into what the simulator consumes: a lif-core [`Stimulus`], which
//! every backend generates itself, or the rows of an input file.

use std::path::Path;

use lif_core::input::{StepDraws, input_draws};
use lif_core::{Counter, Scalar, Shape, Stimulus};

use crate::config::{ConfigError, InputSpec};

/// The input of a run of `n` neurons.
pub enum Source<S> {
    /// Generated on the backend by lif-core.
    Generated(Stimulus<S>),
    /// Rows of a file, row-major with `cols` = 1 or n values per step (at least `steps`
    /// rows), with the file's noise drawn on the host from the same input draws and by the
    /// same lif-core code the backends use.
    File {
        cols: usize,
        data: Vec<f64>,
        noise: Option<(Stimulus<S>, Counter)>,
    },
}

fn convert<S: Scalar>(field: &str, v: f64) -> Result<S, ConfigError> {
    S::from_f64(v).ok_or_else(|| ConfigError(format!("{field}: {v} does not fit {}", S::NAME)))
}

/// The lif-core shape of a signal every neuron shares (constant, step, pulse, ramp, sine);
/// the other kinds are refused. `field` names the spec in errors.
pub fn shape<S: Scalar>(
    field: &str,
    spec: &InputSpec,
    steps: usize,
) -> Result<Shape<S>, ConfigError> {
    let f = |name: &str, v: f64| convert::<S>(&format!("{field}.{name}"), v);
    Ok(match *spec {
        InputSpec::Constant { value } => Shape::Constant(f("value", value)?),
        InputSpec::Step { before, after, at } => Shape::Step {
            before: f("before", before)?,
            after: f("after", after)?,
            at,
        },
        InputSpec::Pulse {
            amplitude,
            start,
            width,
            period,
        } => Shape::Pulse {
            amplitude: f("amplitude", amplitude)?,
            start,
            width,
            period,
        },
        InputSpec::Ramp { from, to } => Shape::Ramp {
            from: f("from", from)?,
            to: f("to", to)?,
            steps: steps as u64,
        },
        InputSpec::Sine {
            amplitude,
            period,
            offset,
        } => Shape::Sine {
            amplitude: f("amplitude", amplitude)?,
            offset: f("offset", offset)?,
            period,
        },
        InputSpec::Noise { .. } | InputSpec::Poisson { .. } | InputSpec::File { .. } => {
            return Err(ConfigError(format!(
                "{field}.kind: must be constant, step, pulse, ramp or sine"
            )));
        }
    })
}

impl<S: Scalar> Source<S> {
    /// The source of `spec`, plus Gaussian noise of standard deviation `noise` when > 0.
    pub fn new(
        spec: &InputSpec,
        noise: f64,
        n: usize,
        steps: usize,
        seed: u64,
    ) -> Result<Self, ConfigError> {
        let std: S = convert("noise", noise)?;
        if noise > 0.0 && std == S::ZERO {
            return Err(ConfigError(format!(
                "noise: {noise} rounds to 0 in {}",
                S::NAME
            )));
        }
        Ok(match spec {
            InputSpec::Constant { .. }
            | InputSpec::Step { .. }
            | InputSpec::Pulse { .. }
            | InputSpec::Ramp { .. }
            | InputSpec::Sine { .. } => {
                Source::Generated(Stimulus::new(shape("input", spec, steps)?).with_noise(std))
            }
            InputSpec::Noise { mean, std: s } => {
                // Two independent normals add up to one of their combined variance: one draw
                // per neuron-step.
                let combined = (s * s + noise * noise).sqrt();
                Source::Generated(Stimulus::gaussian(
                    convert("input.mean", *mean)?,
                    convert("input.std", combined)?,
                ))
            }
            InputSpec::Poisson { p, amplitude } => Source::Generated(
                Stimulus::poisson(
                    convert("input.p", *p)?,
                    convert("input.amplitude", *amplitude)?,
                )
                .with_noise(std),
            ),
            InputSpec::File { path } => {
                let (rows, cols, data) = load(path)?;
                if rows < steps {
                    return Err(ConfigError(format!(
                        "input.path: {} has {rows} rows, the run needs steps = {steps}",
                        path.display()
                    )));
                }
                if cols != 1 && cols != n {
                    return Err(ConfigError(format!(
                        "input.path: {} has {cols} columns, expected 1 or neurons = {n}",
                        path.display()
                    )));
                }
                if let Some(v) = data.iter().find(|v| !v.is_finite()) {
                    return Err(ConfigError(format!(
                        "input.path: {} holds a non-finite value ({v})",
                        path.display()
                    )));
                }
                let noise = (std != S::ZERO).then(|| {
                    (
                        Stimulus::constant(S::ZERO).with_noise(std),
                        input_draws(seed),
                    )
                });
                Source::File { cols, data, noise }
            }
        })
    }

    /// Host rows for steps `t0..t0 + len`, row-major (len, n); `None` for generated input.
    pub fn chunk(&mut self, t0: u64, len: usize, n: usize) -> Result<Option<Vec<S>>, ConfigError> {
        let Source::File { cols, data, noise } = self else {
            return Ok(None);
        };
        let mut out = Vec::with_capacity(len * n);
        for k in 0..len {
            let t = t0 as usize + k;
            let row = &data[t * *cols..(t + 1) * *cols];
            for i in 0..n {
                let v = if *cols == 1 { row[0] } else { row[i] };
                let mut x: S = convert(&format!("input at step {t}"), v)?;
                if let Some((stimulus, draws)) = noise {
                    x = stimulus.sample(x, &StepDraws::new(*draws, t as u64), i as u64);
                }
                out.push(x);
            }
        }
        Ok(Some(out))
    }
}

/// Reads a .npy (float32 or float64, 1-D or 2-D, C or Fortran order) or .csv file into
/// row-major (rows, cols, values).
///
/// CSV: comma-separated numbers, one row per line; blank lines are skipped and a UTF-8 byte
/// order mark is ignored. The first line is a header when none of its cells is a number;
/// any other cell that is not a number, or is empty, is an error naming its row and column.
fn load(path: &Path) -> Result<(usize, usize, Vec<f64>), ConfigError> {
    let err = |e: &dyn std::fmt::Display| {
        ConfigError(format!("input.path: cannot read {}: {e}", path.display()))
    };
    if path.extension().is_some_and(|e| e == "npy") {
        let bytes = std::fs::read(path).map_err(|e| err(&e))?;
        load_npy(&bytes).map_err(|e| err(&e))
    } else {
        let text = std::fs::read_to_string(path).map_err(|e| err(&e))?;
        load_csv(&text).map_err(|e| err(&e))
    }
}

/// The header fields of a .npy file that decide how its data is read, checked against the
/// file's length before anything is allocated.
fn load_npy(bytes: &[u8]) -> Result<(usize, usize, Vec<f64>), String> {
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err("not a .npy file (no NUMPY magic)".into());
    }
    let (len_bytes, start): (usize, usize) = match bytes[6] {
        1 => (2, 10),
        2 | 3 => (4, 12),
        v => return Err(format!("unsupported .npy format version {v}")),
    };
    if bytes.len() < start {
        return Err("the file ends inside its header".into());
    }
    let header_len = bytes[8..8 + len_bytes]
        .iter()
        .rev()
        .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
    let data_start = start
        .checked_add(header_len)
        .filter(|&end| end <= bytes.len())
        .ok_or("the header is longer than the file")?;
    let header = std::str::from_utf8(&bytes[start..data_start])
        .map_err(|_| "the header is not text".to_owned())?;
    let field = |key: &str| -> Result<&str, String> {
        let at = header
            .find(&format!("'{key}'"))
            .ok_or_else(|| format!("the header has no '{key}'"))?;
        let rest = header[at + key.len() + 2..].trim_start();
        rest.strip_prefix(':')
            .map(str::trim_start)
            .ok_or_else(|| format!("the header's '{key}' has no value"))
    };
    let descr = field("descr")?;
    let descr = descr
        .strip_prefix('\'')
        .and_then(|d| d.split('\'').next())
        .ok_or("the header's 'descr' is not a string")?;
    let itemsize = match descr {
        "<f4" | "=f4" | ">f4" => 4,
        "<f8" | "=f8" | ">f8" => 8,
        other => return Err(format!("dtype {other} is not float32 or float64")),
    };
    let fortran = field("fortran_order")?.starts_with("True");
    let shape_text = field("shape")?;
    let shape_text = shape_text
        .strip_prefix('(')
        .and_then(|s| s.split(')').next())
        .ok_or("the header's 'shape' is not a tuple")?;
    let shape: Vec<u64> = shape_text
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| d.parse::<u64>())
        .collect::<Result<_, _>>()
        .map_err(|_| format!("the header's shape ({shape_text}) is not a list of sizes"))?;
    let (rows, cols) = match shape.as_slice() {
        [r] => (*r, 1),
        [r, c] => (*r, *c),
        other => return Err(format!("shape {other:?} is not 1-D or 2-D")),
    };
    let need = rows
        .checked_mul(cols)
        .and_then(|n| n.checked_mul(itemsize))
        .ok_or_else(|| format!("shape {shape:?} is too large"))?;
    let have = (bytes.len() - data_start) as u64;
    if need != have {
        return Err(format!(
            "shape {shape:?} of {descr} needs {need} bytes of data, the file holds {have}"
        ));
    }
    let (rows, cols) = (rows as usize, cols as usize);
    let npy = npyz::NpyFile::new(bytes).map_err(|e| e.to_string())?;
    let stored: Vec<f64> = if itemsize == 8 {
        npy.into_vec::<f64>().map_err(|e| e.to_string())?
    } else {
        npy.into_vec::<f32>()
            .map_err(|e| e.to_string())?
            .into_iter()
            .map(f64::from)
            .collect()
    };
    let data = if fortran && cols > 1 {
        // Column-major on disk: element (r, c) is at c * rows + r.
        (0..rows * cols)
            .map(|k| stored[(k % cols) * rows + k / cols])
            .collect()
    } else {
        stored
    };
    Ok((rows, cols, data))
}

fn load_csv(text: &str) -> Result<(usize, usize, Vec<f64>), String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut data = Vec::new();
    let (mut rows, mut cols) = (0, 0);
    let mut first = true;
    for (ln, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        let parsed: Vec<Option<f64>> = cells.iter().map(|c| c.parse::<f64>().ok()).collect();
        if std::mem::take(&mut first) && parsed.iter().all(Option::is_none) {
            continue; // a header: no cell is a number
        }
        if rows > 0 && cells.len() != cols {
            return Err(format!(
                "line {} has {} cells, the first row has {cols}",
                ln + 1,
                cells.len()
            ));
        }
        for (c, (cell, v)) in cells.iter().zip(&parsed).enumerate() {
            match v {
                Some(v) => data.push(*v),
                None if cell.is_empty() => {
                    return Err(format!("line {}, column {}: empty cell", ln + 1, c + 1));
                }
                None => {
                    return Err(format!(
                        "line {}, column {}: {cell:?} is not a number",
                        ln + 1,
                        c + 1
                    ));
                }
            }
        }
        cols = cells.len();
        rows += 1;
    }
    Ok((rows, cols, data))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn npy(descr: &str, fortran: bool, shape: &str, data: &[u8]) -> Vec<u8> {
        let header = format!(
            "{{'descr': '{descr}', 'fortran_order': {}, 'shape': {shape}, }}",
            if fortran { "True" } else { "False" }
        );
        let mut header = header.into_bytes();
        while (10 + header.len() + 1) % 64 != 0 {
            header.push(b' ');
        }
        header.push(b'\n');
        let mut out = b"\x93NUMPY\x01\x00".to_vec();
        out.extend((header.len() as u16).to_le_bytes());
        out.extend(header);
        out.extend(data);
        out
    }

    fn f64s(v: &[f64]) -> Vec<u8> {
        v.iter().flat_map(|x| x.to_le_bytes()).collect()
    }

    #[test]
    fn npy_orders_and_shapes() {
        let c = npy("<f8", false, "(2, 3)", &f64s(&[1., 2., 3., 4., 5., 6.]));
        assert_eq!(load_npy(&c).unwrap(), (2, 3, vec![1., 2., 3., 4., 5., 6.]));
        // The same matrix stored column by column.
        let f = npy("<f8", true, "(2, 3)", &f64s(&[1., 4., 2., 5., 3., 6.]));
        assert_eq!(load_npy(&f).unwrap(), (2, 3, vec![1., 2., 3., 4., 5., 6.]));
        let f32s: Vec<u8> = [0.5f32, 1.5].iter().flat_map(|x| x.to_le_bytes()).collect();
        assert_eq!(
            load_npy(&npy("<f4", false, "(2,)", &f32s)).unwrap(),
            (2, 1, vec![0.5, 1.5])
        );
        let huge = npy("<f8", false, "(4294967296, 4294967296)", &f64s(&[1.0]));
        assert!(load_npy(&huge).unwrap_err().contains("too large"));
        let short = npy("<f8", false, "(3, 3)", &f64s(&[1.0; 8]));
        assert!(load_npy(&short).unwrap_err().contains("needs 72 bytes"));
        let ints = npy("<i8", false, "(1,)", &f64s(&[1.0]));
        assert!(load_npy(&ints).unwrap_err().contains("dtype <i8"));
        assert!(load_npy(b"hello").is_err());
        // Truncated anywhere, in either header version: an error, never a panic.
        let mut v2 = c.clone();
        v2[6] = 2;
        for file in [&c, &v2] {
            for cut in 0..file.len() {
                assert!(load_npy(&file[..cut]).is_err());
            }
        }
    }

    #[test]
    fn csv_rules() {
        assert_eq!(
            load_csv("\u{feff}1,2\n3,4\n").unwrap(),
            (2, 2, vec![1., 2., 3., 4.])
        );
        assert_eq!(load_csv("a,b\n1,2\n\n3,4\n").unwrap().0, 2);
        assert!(
            load_csv("1,x\n3,4")
                .unwrap_err()
                .contains("line 1, column 2: \"x\"")
        );
        assert!(
            load_csv("a,1\n3,4")
                .unwrap_err()
                .contains("line 1, column 1")
        );
        assert!(
            load_csv("1,,2\n")
                .unwrap_err()
                .contains("line 1, column 2: empty cell")
        );
        assert!(
            load_csv("1,2\n3\n")
                .unwrap_err()
                .contains("line 2 has 1 cells")
        );
    }
}
