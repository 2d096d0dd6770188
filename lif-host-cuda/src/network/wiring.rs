//! Connections as the user gives them (rules, weights in f64) and the projections they
//! become (compressed rows by source, weights in the scalar).

use lif_core::connect;
use lif_core::projection::{Connectivity, Delays, Projection, Weights};
use lif_core::{Error, ParamProblem, Scalar};
use rayon::prelude::*;

/// Which synapses a connection makes, and their weights (f64, converted once).
#[derive(Debug, Clone, PartialEq)]
pub enum Synapses {
    /// Each (source, target) pair independently with probability `p`, all with `weight`
    /// (Brian2's `connect(p=...)`; self-connections included), drawn by
    /// [`lif_core::connect::bernoulli`] from the network's seed.
    Probability {
        /// Connection probability, in `[0, 1]`.
        p: f64,
        /// The weight of every synapse.
        weight: f64,
    },
    /// Each target draws `k` sources uniformly with replacement, all with `weight`
    /// ([`lif_core::connect::fan_in`]).
    FanIn {
        /// Sources per target.
        k: u32,
        /// The weight of every synapse.
        weight: f64,
    },
    /// Source `i` onto target `i` (equal sizes), all with `weight`.
    OneToOne {
        /// The weight of every synapse.
        weight: f64,
    },
    /// Every source onto every target: `weights[i * targets + j]` from source `i` to target
    /// `j` (a dense layer).
    Dense {
        /// `sources * targets` weights, row-major by source.
        weights: Vec<f64>,
    },
    /// Given synapses, compressed by source (see [`lif_core::projection::Connectivity`]).
    Sparse {
        /// `sources + 1` offsets.
        offsets: Vec<u32>,
        /// Target of each synapse.
        targets: Vec<u32>,
        /// One weight per synapse.
        weights: Vec<f64>,
    },
}

/// One delay for all synapses, or one per synapse.
#[derive(Debug, Clone, PartialEq)]
pub enum Delay {
    /// Every synapse, in steps (0: the source's spikes of the same step).
    Uniform(u16),
    /// One per synapse (each at least 1), in the order of the synapses.
    PerSynapse(Vec<u8>),
}

/// A connection between two populations of a [`super::Network`].
#[derive(Debug, Clone, PartialEq)]
pub struct Connection {
    /// Source population's index.
    pub source: usize,
    /// Target population's index.
    pub target: usize,
    /// The target's synapse channel.
    pub channel: usize,
    /// Delays in steps.
    pub delay: Delay,
    /// The synapses.
    pub synapses: Synapses,
}

/// A connection's synapses as stored: what [`Projection`] views.
#[derive(Debug, Clone)]
pub(crate) struct Stored<S> {
    pub source: usize,
    pub target: usize,
    pub channel: usize,
    pub delays: StoredDelays,
    pub kind: StoredKind<S>,
}

#[derive(Debug, Clone)]
pub(crate) enum StoredDelays {
    Uniform(u16),
    PerSynapse(Vec<u8>),
}

#[derive(Debug, Clone)]
pub(crate) enum StoredKind<S> {
    Dense(Vec<S>),
    Sparse {
        offsets: Vec<u32>,
        targets: Vec<u32>,
        weights: StoredWeights<S>,
    },
}

#[derive(Debug, Clone)]
pub(crate) enum StoredWeights<S> {
    Uniform(S),
    PerSynapse(Vec<S>),
}

impl<S: Scalar> Stored<S> {
    pub(crate) fn view(&self) -> Projection<'_, S> {
        Projection {
            source: self.source,
            target: self.target,
            channel: self.channel,
            delays: match &self.delays {
                StoredDelays::Uniform(d) => Delays::Uniform(*d),
                StoredDelays::PerSynapse(d) => Delays::PerSynapse(d),
            },
            connectivity: match &self.kind {
                StoredKind::Dense(w) => Connectivity::Dense { weights: w },
                StoredKind::Sparse {
                    offsets,
                    targets,
                    weights,
                } => Connectivity::Sparse {
                    offsets,
                    targets,
                    weights: match weights {
                        StoredWeights::Uniform(w) => Weights::Uniform(*w),
                        StoredWeights::PerSynapse(w) => Weights::PerSynapse(w),
                    },
                },
            },
        }
    }

    /// Bytes of the stored synapses (indices, weights, delays).
    pub(crate) fn bytes(&self) -> usize {
        let delays = match &self.delays {
            StoredDelays::Uniform(_) => 0,
            StoredDelays::PerSynapse(d) => d.len(),
        };
        delays
            + match &self.kind {
                StoredKind::Dense(w) => w.len() * size_of::<S>(),
                StoredKind::Sparse {
                    offsets,
                    targets,
                    weights,
                } => {
                    (offsets.len() + targets.len()) * 4
                        + match weights {
                            StoredWeights::Uniform(_) => 0,
                            StoredWeights::PerSynapse(w) => w.len() * size_of::<S>(),
                        }
                }
            }
    }
}

/// `items` grouped by `key` (below `groups`), keeping their order within each group (a
/// counting sort), with the `groups + 1` offsets of the groups.
pub(crate) fn group_by<T: Copy>(
    groups: usize,
    items: Vec<T>,
    key: impl Fn(&T) -> usize,
) -> (Vec<u32>, Vec<T>) {
    let mut offsets = vec![0u32; groups + 1];
    for item in &items {
        offsets[key(item) + 1] += 1;
    }
    for g in 0..groups {
        offsets[g + 1] += offsets[g];
    }
    let mut fill: Vec<usize> = offsets.iter().map(|&o| o as usize).collect();
    let mut out: Vec<Option<T>> = vec![None; items.len()];
    for item in items {
        let at = &mut fill[key(&item)];
        out[*at] = Some(item);
        *at += 1;
    }
    (offsets, out.into_iter().flatten().collect())
}

/// A weight in `S`, or the error naming it.
fn weight<S: Scalar>(v: f64) -> Result<S, Error> {
    S::from_f64(v).ok_or(Error::Param {
        name: "weight",
        value: v,
        problem: if v.is_finite() {
            ParamProblem::Overflow { scalar: S::NAME }
        } else {
            ParamProblem::NotFinite
        },
    })
}

fn weights<S: Scalar>(v: &[f64]) -> Result<Vec<S>, Error> {
    v.iter().map(|&w| weight(w)).collect()
}

/// Builds connection number `index` between populations of `sources` and `targets` neurons
/// under `seed`. Sizes of given arrays are checked later, by lif-core, with the rest.
pub(crate) fn build<S: Scalar>(
    c: &Connection,
    index: u32,
    sources: usize,
    targets: usize,
    seed: u64,
) -> Result<Stored<S>, Error> {
    let too_big = |what: &'static str, n: usize| Error::Length {
        buffer: what,
        expected: u32::MAX as usize,
        actual: n,
    };
    let ns = u32::try_from(sources).map_err(|_| too_big("source population", sources))?;
    let nt = u32::try_from(targets).map_err(|_| too_big("target population", targets))?;
    let kind = match &c.synapses {
        Synapses::Probability { p, weight: w } => {
            if !(0.0..=1.0).contains(p) {
                return Err(Error::Param {
                    name: "p",
                    value: *p,
                    problem: ParamProblem::OutOfRange { allowed: "[0, 1]" },
                });
            }
            let w = weight::<S>(*w)?;
            // Rows are independent (each from its own stream): drawn in parallel by blocks
            // of sources, then joined in source order.
            let block = 4096u32;
            let parts: Vec<(Vec<u32>, Vec<u32>)> = (0..ns.div_ceil(block))
                .into_par_iter()
                .map(|b| {
                    let lo = b * block;
                    let hi = (lo + block).min(ns);
                    let mut lens = Vec::with_capacity((hi - lo) as usize);
                    let expected = (*p * f64::from(hi - lo) * targets as f64 * 1.01) as usize;
                    let mut t = Vec::with_capacity(expected.min(1 << 28));
                    for i in lo..hi {
                        let before = t.len();
                        connect::bernoulli(seed, index, i, *p, nt, |j| t.push(j));
                        lens.push((t.len() - before) as u32);
                    }
                    (lens, t)
                })
                .collect();
            let total: usize = parts.iter().map(|(_, t)| t.len()).sum();
            if u32::try_from(total).is_err() {
                return Err(too_big("synapses", total));
            }
            let mut offsets = Vec::with_capacity(sources + 1);
            let mut t = Vec::with_capacity(total);
            offsets.push(0u32);
            for (lens, part) in parts {
                for len in lens {
                    let last = offsets.last().copied().unwrap_or(0);
                    offsets.push(last + len);
                }
                t.extend_from_slice(&part);
            }
            StoredKind::Sparse {
                offsets,
                targets: t,
                weights: StoredWeights::Uniform(w),
            }
        }
        Synapses::FanIn { k, weight: w } => {
            let w = weight::<S>(*w)?;
            // Drawn per target, stored per source: grouped stably by source, so each
            // source's synapses stay in target order.
            let mut drawn = Vec::with_capacity(targets * *k as usize);
            for j in 0..nt {
                connect::fan_in(seed, index, j, *k, ns, |i| drawn.push((i, j)));
            }
            let (offsets, grouped) = group_by(sources, drawn, |&(i, _)| i as usize);
            StoredKind::Sparse {
                offsets,
                targets: grouped.into_iter().map(|(_, j)| j).collect(),
                weights: StoredWeights::Uniform(w),
            }
        }
        Synapses::OneToOne { weight: w } => {
            if sources != targets {
                return Err(Error::Length {
                    buffer: "one-to-one target population",
                    expected: sources,
                    actual: targets,
                });
            }
            StoredKind::Sparse {
                offsets: (0..=ns).collect(),
                targets: (0..nt).collect(),
                weights: StoredWeights::Uniform(weight::<S>(*w)?),
            }
        }
        Synapses::Dense { weights: w } => StoredKind::Dense(weights(w)?),
        Synapses::Sparse {
            offsets,
            targets: t,
            weights: w,
        } => StoredKind::Sparse {
            offsets: offsets.clone(),
            targets: t.clone(),
            weights: StoredWeights::PerSynapse(weights(w)?),
        },
    };
    Ok(Stored {
        source: c.source,
        target: c.target,
        channel: c.channel,
        delays: match &c.delay {
            Delay::Uniform(d) => StoredDelays::Uniform(*d),
            Delay::PerSynapse(d) => StoredDelays::PerSynapse(d.clone()),
        },
        kind,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_by_keeps_the_order_within_each_group() {
        let items = vec![(2, 'a'), (0, 'b'), (2, 'c'), (1, 'd'), (0, 'e')];
        let (offsets, grouped) = group_by(4, items, |&(k, _)| k);
        assert_eq!(offsets, [0, 2, 3, 5, 5]);
        assert_eq!(grouped, [(0, 'b'), (0, 'e'), (1, 'd'), (2, 'a'), (2, 'c')]);
    }
}
