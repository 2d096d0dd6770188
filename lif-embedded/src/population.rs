//! A fixed-capacity population of one lif-core model.

use lif_core::neuron::Stored;
use lif_core::population::{self, Generated, Shared};
use lif_core::{Counter, Error, Scalar, StateSlices, Stimulus};

/// `N` neurons of model `M` in scalar `S`, with their spikes of the last step packed in `W`
/// words (`W` must be [`crate::words`]`(N)`, checked at compile time).
///
/// The state is lif-core's structure of arrays (`M::Arrays<N>`), stepped by
/// [`lif_core::population::run`]: the firmware runs exactly the host's loop.
#[derive(Debug, Clone)]
pub struct Population<S: Scalar, M: Stored<S>, const N: usize, const W: usize> {
    model: M,
    state: M::Arrays<N>,
    spikes: [u32; W],
    _scalar: core::marker::PhantomData<S>,
}

impl<S: Scalar, M: Stored<S>, const N: usize, const W: usize> Population<S, M, N, W> {
    const WORDS_MATCH: () = assert!(W == N.div_ceil(32), "W must be words(N)");

    /// A population whose neurons start in `model`'s initial state under `seed` (neuron `i`
    /// uses random stream `i`).
    pub fn new(model: M, seed: u64) -> Self {
        let () = Self::WORDS_MATCH;
        let mut state = M::Arrays::<N>::default();
        {
            let mut view = M::view(&mut state);
            for i in 0..N {
                view.set(i, model.initial_state(seed, i as u64));
            }
        }
        Self {
            model,
            state,
            spikes: [0; W],
            _scalar: core::marker::PhantomData,
        }
    }

    /// Advances every neuron one step with one input value each; returns the spikes.
    pub fn step(&mut self, input: &[S; N]) -> Result<&[u32; W], Error> {
        let mut view = M::view(&mut self.state);
        population::step(&Shared(&self.model), &mut view, input, &mut self.spikes[..])?;
        Ok(&self.spikes)
    }

    /// Spikes of the last step.
    pub fn spikes(&self) -> &[u32; W] {
        &self.spikes
    }

    /// The model (shared parameters).
    pub fn model(&self) -> &M {
        &self.model
    }

    /// The whole state, one array per state variable.
    pub fn state(&self) -> &M::Arrays<N> {
        &self.state
    }

    /// The state of neuron `i`.
    pub fn neuron(&mut self, i: usize) -> Option<M::State> {
        M::view(&mut self.state).get(i)
    }

    /// Advances every neuron one step with input generated on the device from `stimulus` at
    /// global step `t`: the same lif-core code as the host's and the GPU's generated runs.
    /// Neuron `i` takes its draws from `draws` by its index (lif-core's
    /// `input::input_draws(seed)`, as on the host): no per-neuron input state. Returns the
    /// spikes.
    pub fn step_stimulus(
        &mut self,
        stimulus: &Stimulus<S>,
        draws: Counter,
        t: u64,
    ) -> Result<&[u32; W], Error> {
        let mut view = M::view(&mut self.state);
        let mut source = Generated::new(*stimulus, draws, t, 0);
        population::run_from(
            &Shared(&self.model),
            &mut view,
            &mut source,
            1,
            &mut self.spikes[..],
        )?;
        Ok(&self.spikes)
    }

    /// Applies a modulation signal to every neuron (`nm = transform(signal)` for the
    /// extended model; other models ignore it). A non-finite float signal is an error.
    pub fn modulate(&mut self, signal: S) -> Result<(), Error> {
        let mut view = M::view(&mut self.state);
        population::modulate(&Shared(&self.model), &mut view, signal)
    }

    /// Bytes of state per neuron (the spike bit not included).
    pub const STATE_BYTES_PER_NEURON: usize = core::mem::size_of::<M::State>();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::words;
    use lif_core::{I16F16, LeakyConfig, Neuron};

    #[test]
    fn steps_like_single_neurons() {
        let model = LeakyConfig::default().build::<I16F16>().unwrap();
        let mut pop: Population<I16F16, _, 40, { words(40) }> = Population::new(model, 0);
        let mut single = [model.initial_state(0, 0); 40];
        for t in 0..30 {
            let input: [I16F16; 40] = core::array::from_fn(|i| I16F16::from_num((i + t) % 7) / 10);
            let spikes = *pop.step(&input).unwrap();
            for (i, s) in single.iter_mut().enumerate() {
                assert_eq!(model.step(s, input[i]), crate::spikes::get(&spikes, i));
            }
        }
        for (i, s) in single.iter().enumerate() {
            assert_eq!(pop.neuron(i).unwrap(), *s);
        }
        assert_eq!(
            Population::<I16F16, lif_core::Leaky<I16F16>, 40, 2>::STATE_BYTES_PER_NEURON,
            4
        );
    }

    #[test]
    fn generated_input_equals_the_host_stimulus() {
        use lif_core::input::input_draws;
        use lif_core::{Shape, Stimulus};
        let model = LeakyConfig::default().build::<I16F16>().unwrap();
        let stimulus = Stimulus::new(Shape::Sine {
            amplitude: I16F16::from_num(0.3),
            offset: I16F16::from_num(0.2),
            period: 9.0,
        })
        .with_noise(I16F16::from_num(0.1));
        let mut pop: Population<I16F16, _, 40, { words(40) }> = Population::new(model, 5);
        let draws = input_draws(5);
        let mut single = [model.initial_state(5, 0); 40];
        let mut fired = 0;
        for t in 0..50 {
            let spikes = *pop.step_stimulus(&stimulus, draws, t).unwrap();
            for (i, s) in single.iter_mut().enumerate() {
                let x = stimulus.value(draws, i as u64, t);
                let spiked = model.step(s, x);
                fired += usize::from(spiked);
                assert_eq!(spiked, crate::spikes::get(&spikes, i), "t {t} neuron {i}");
            }
        }
        assert!(fired > 0);
        assert_eq!(
            pop.step_stimulus(&Stimulus::poisson(I16F16::ONE * 2, I16F16::ONE), draws, 0),
            Err(Error::Param {
                name: "p",
                value: 2.0,
                problem: lif_core::ParamProblem::OutOfRange { allowed: "[0, 1]" }
            })
        );
    }

    #[test]
    fn non_finite_input_is_an_error() {
        let model = LeakyConfig::default().build::<f32>().unwrap();
        let mut pop: Population<f32, _, 3, 1> = Population::new(model, 0);
        assert_eq!(
            pop.step(&[0.0, f32::NAN, 0.0]),
            Err(Error::NonFinite {
                buffer: "input",
                index: 1
            })
        );
    }
}
