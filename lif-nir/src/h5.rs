//! The one place that touches the HDF5 crate: a `.nir` file read whole into an owned tree of
//! groups and datasets. Swapping the HDF5 reader means rewriting this file only.
//!
//! The crate is `hdf5-pure` (pinned). Both pure-Rust readers on crates.io read every real
//! `.nir` file we have (snnTorch, Norse, nir 0.2.0 and 1.0.8; gzip and contiguous; f32, f64,
//! i64, variable-length strings). In the same fuzz loop (truncated and byte-flipped `.nir`
//! files), neither panicked, but `hdf5-reader` 0.12.1 spent 50 s and 16 GB of memory on one
//! byte-flipped 37 KB file, while `hdf5-pure` 0.47.0 stayed under 0.25 s and a few MB over
//! 100,000 mutants; it also has fewer dependencies (flate2, byteorder).

use std::collections::BTreeMap;

/// Nested groups deeper than this are refused (NIR graphs nest a few levels at most).
const MAX_DEPTH: usize = 32;
/// Datasets with more elements than this are refused before they are read.
const MAX_ELEMENTS: u64 = 1 << 28;
/// Deflate expands at most about 1032 to 1: a compressed dataset larger than this many times
/// the file cannot be real (checked before reading, so a corrupted shape allocates nothing).
const MAX_EXPANSION: u64 = 1100;
/// Objects (groups and datasets) in one file, at most.
const MAX_OBJECTS: usize = 1 << 20;

/// A dataset's values, converted to one of the types NIR files use.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    /// 32-bit floats.
    F32(Vec<f32>),
    /// 64-bit floats.
    F64(Vec<f64>),
    /// Integers of any width and sign, as i64.
    Int(Vec<i64>),
    /// Strings (variable or fixed length).
    Str(Vec<String>),
    /// A type NIR never writes (compound, enum, ...): its name, an error if a node needs it.
    Other(String),
}

/// A dataset: its shape (empty for a scalar) and values in row-major order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Data {
    pub shape: Vec<usize>,
    pub value: Value,
}

/// A group member.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Item {
    Group(Tree),
    Data(Data),
}

/// A group's members by name.
pub(crate) type Tree = BTreeMap<String, Item>;

/// Why the HDF5 layer failed: the object's path in the file and the reader's message.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct H5Error {
    pub path: String,
    pub message: String,
}

fn err(path: &str, e: impl std::fmt::Display) -> H5Error {
    H5Error {
        path: if path.is_empty() {
            "/".into()
        } else {
            path.into()
        },
        message: e.to_string(),
    }
}

/// Reads the whole file into a tree (every group and dataset).
pub(crate) fn read_tree(bytes: Vec<u8>) -> Result<Tree, H5Error> {
    let len = bytes.len() as u64;
    let file = hdf5_pure::File::from_bytes(bytes).map_err(|e| err("", e))?;
    let mut ctx = Ctx { objects: 0, len };
    read_group(&file.root(), "", 0, &mut ctx)
}

/// What the whole read keeps track of.
struct Ctx {
    /// Objects seen so far.
    objects: usize,
    /// The file's length in bytes.
    len: u64,
}

fn read_group(
    g: &hdf5_pure::Group,
    path: &str,
    depth: usize,
    ctx: &mut Ctx,
) -> Result<Tree, H5Error> {
    if depth > MAX_DEPTH {
        return Err(err(path, format!("groups nested deeper than {MAX_DEPTH}")));
    }
    let mut tree = Tree::new();
    let datasets = g.datasets().map_err(|e| err(path, e))?;
    let groups = g.groups().map_err(|e| err(path, e))?;
    ctx.objects += datasets.len() + groups.len();
    if ctx.objects > MAX_OBJECTS {
        return Err(err(path, format!("more than {MAX_OBJECTS} objects")));
    }
    for name in datasets {
        let p = format!("{path}/{name}");
        let d = g.dataset(&name).map_err(|e| err(&p, e))?;
        let data = read_data(&d, &p, ctx.len)?;
        tree.insert(name, Item::Data(data));
    }
    for name in groups {
        let p = format!("{path}/{name}");
        let child = g.group(&name).map_err(|e| err(&p, e))?;
        let sub = read_group(&child, &p, depth + 1, ctx)?;
        tree.insert(name, Item::Group(sub));
    }
    Ok(tree)
}

fn read_data(d: &hdf5_pure::Dataset, path: &str, file_len: u64) -> Result<Data, H5Error> {
    use hdf5_pure::DType;
    let dims = d.shape().map_err(|e| err(path, e))?;
    let mut elements: u64 = 1;
    for &n in &dims {
        elements = elements
            .checked_mul(n)
            .filter(|&e| e <= MAX_ELEMENTS)
            .ok_or_else(|| err(path, format!("shape {dims:?} too large")))?;
    }
    let shape = dims
        .iter()
        .map(|&n| usize::try_from(n).map_err(|_| err(path, format!("shape {dims:?} too large"))))
        .collect::<Result<Vec<_>, _>>()?;
    // The stored bytes must fit in the file (contiguous) or inflate from it (filtered).
    let size = d.element_size().map_err(|e| err(path, e))?;
    let room = if d.filters().is_empty() {
        file_len
    } else {
        file_len.saturating_mul(MAX_EXPANSION)
    };
    if elements.saturating_mul(size.max(1)) > room {
        return Err(err(
            path,
            format!("shape {dims:?} of {size}-byte elements cannot fit in a {file_len}-byte file"),
        ));
    }
    let dtype = d.dtype().map_err(|e| err(path, e))?;
    let value = match dtype {
        DType::F32 => Value::F32(d.read_f32().map_err(|e| err(path, e))?),
        DType::F64 => Value::F64(d.read_f64().map_err(|e| err(path, e))?),
        DType::I8
        | DType::I16
        | DType::I32
        | DType::I64
        | DType::U8
        | DType::U16
        | DType::U32
        | DType::U64 => Value::Int(d.read_i64().map_err(|e| err(path, e))?),
        DType::String | DType::VariableLengthString => {
            Value::Str(d.read_string().map_err(|e| err(path, e))?)
        }
        other => Value::Other(other.to_string()),
    };
    let n = match &value {
        Value::F32(v) => v.len(),
        Value::F64(v) => v.len(),
        Value::Int(v) => v.len(),
        Value::Str(v) => v.len(),
        Value::Other(_) => elements as usize,
    };
    if n as u64 != elements {
        return Err(err(
            path,
            format!("{n} values for shape {shape:?} ({elements} elements)"),
        ));
    }
    Ok(Data { shape, value })
}
