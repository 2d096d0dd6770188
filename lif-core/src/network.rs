//! Networks: populations joined by projections, and the one order in which a step runs.
//!
//! A network is a list of populations (any model, shared or per-neuron parameters), each
//! with its synapse channels ([`crate::synapse`]), and a list of projections
//! ([`crate::projection`]). Step `t` runs the populations in their order; for each one:
//!
//! 1. **Deliver**: each projection into it, in the network's order of projections, adds its
//!    spiking sources' weights into the population's delay buffer: the spikes of step `t`
//!    for a delay of 0 (the source was stepped earlier in this step), those of step `t - 1`
//!    otherwise ([`prepare`]).
//! 2. **Decay and collect**: each channel decays and takes the step's arrivals; the input is
//!    the external input (a [`crate::Stimulus`] or an array, else 0), plus the bias, plus
//!    each channel times its gain ([`crate::synapse::Synapses::collect`]).
//! 3. **Step**: the population loop steps the neurons with that input
//!    ([`crate::population::run_from`]), giving the population's spikes of step `t`.
//!
//! Every sum has a fixed order: a target adds its arrivals by step of delivery, then by
//! projection, then by source index, then by synapse; its input adds external input, bias and
//! channels in that order. The CPU backend splits targets among threads and each thread
//! delivers into its own targets in that same order; the GPU kernels and the firmware run
//! this module's functions. So f32 results are the same bits on the firmware, on any number
//! of CPU threads and on the GPU; fixed-point sums saturate at each addition.

use crate::error::{Error, ProjectionProblem};
use crate::projection::{Delays, Projection};
use crate::scalar::Scalar;
use crate::synapse::Synapses;

/// Steps 1 and 2 of the module's order for the neurons of `syn` at step `t`: delivers each
/// `(projection, spikes)` of `incoming` (the projections into this population in network
/// order, each with the source's spike words of the step it carries: step `t` when it has
/// delay 0, step `t - 1` otherwise, all zeros before the first step), then collects the
/// step's input into `input`, which holds the external input (or zeros) for `syn.range()`.
#[inline(always)]
pub fn prepare<'p, S: Scalar + 'p>(
    t: u64,
    incoming: impl IntoIterator<Item = (&'p Projection<'p, S>, &'p [u32])>,
    syn: &mut Synapses<'_, S>,
    bias: Option<&[S]>,
    input: &mut [S],
) {
    for (p, spikes) in incoming {
        let emitted = if p.reads_previous_step() {
            t.wrapping_sub(1)
        } else {
            t
        };
        p.deliver(spikes, emitted, syn);
    }
    syn.collect(t, bias, input);
}

/// The delay buffer population `target` needs: the longest delay of the projections into
/// it, at least 1 step.
pub fn slots_for<S: Scalar>(target: usize, projections: &[Projection<'_, S>]) -> usize {
    projections
        .iter()
        .filter(|p| p.target == target)
        .map(Projection::max_delay)
        .max()
        .unwrap_or(0)
        .max(1)
}

/// Checks every projection of a network whose populations have `sizes[i]` neurons,
/// `channels[i]` synapse channels and delay buffers of `slots[i]` steps: populations that
/// exist, sizes that match, delays the buffer holds, channels that exist, and delay 0 only
/// from a population stepped before its target.
pub fn check<S: Scalar>(
    sizes: &[usize],
    channels: &[usize],
    slots: &[usize],
    projections: &[Projection<'_, S>],
) -> Result<(), Error> {
    let n = sizes.len();
    for (index, p) in projections.iter().enumerate() {
        for population in [p.source, p.target] {
            if population >= n || population >= channels.len() || population >= slots.len() {
                return Err(Error::Projection {
                    index,
                    problem: ProjectionProblem::Population {
                        population,
                        populations: n,
                    },
                });
            }
        }
        if matches!(p.delays, Delays::Uniform(0)) && p.source >= p.target {
            return Err(Error::Projection {
                index,
                problem: ProjectionProblem::ZeroDelayBackward,
            });
        }
        let (Some(&src), Some(&tgt), Some(&ch), Some(&sl)) = (
            sizes.get(p.source),
            sizes.get(p.target),
            channels.get(p.target),
            slots.get(p.target),
        ) else {
            continue;
        };
        p.check(index, src, tgt, ch, sl)?;
    }
    Ok(())
}
