//! lif-sim's library: the figures the command-line simulator and the workspace examples
//! draw. The CLI itself (`lif-sim run`, `lif-sim serve`) is this crate's binary.
//!
//! ```no_run
//! use lif_sim::plot::{Panel, Series, Style, figure};
//!
//! let trace: Vec<(f64, f64)> = (0..100).map(|t| (t as f64, (t as f64 / 10.0).sin())).collect();
//! let panel = Panel {
//!     title: "a trace".into(),
//!     series: vec![Series::new("membrane", trace, Style::Line, 0)],
//!     ..Panel::default()
//! };
//! figure(std::path::Path::new("out/trace"), &[panel], 300)?; // out/trace.png and .svg
//! # Ok::<(), String>(())
//! ```

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod plot;
