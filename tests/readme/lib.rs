//! The README's Rust examples, compiled and run as doctests of the workspace's root package
//! (which has every crate as a dev-dependency), so the README cannot drift from the API.

#![deny(missing_docs)]

#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
