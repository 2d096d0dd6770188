//! Layers and the network that chains them: encoder -> layer -> layer, stepped in order.

use lif_core::neuron::Stored;
use lif_core::{Error, Scalar};

use crate::encoder::Encoder;
use crate::population::Population;
use crate::synapse::Synapses;

/// A stage that turns presynaptic spikes into its own spikes each step.
pub trait Stage {
    /// One step: consumes the presynaptic spikes, returns this stage's spikes.
    fn forward(&mut self, pre: &[u32]) -> Result<&[u32], Error>;
}

/// Synapses `Y` from `PRE` neurons onto a population of `POST` neurons of model `M`.
/// Each step the synaptic current starts at zero and receives the rows of the presynaptic
/// neurons that spiked; the population then steps with it as input.
#[derive(Debug, Clone)]
pub struct Layer<S: Scalar, Y, M: Stored<S>, const PRE: usize, const POST: usize, const W: usize> {
    /// The synapses.
    pub synapses: Y,
    /// The postsynaptic population.
    pub population: Population<S, M, POST, W>,
    current: [S; POST],
}

impl<S, Y, M, const PRE: usize, const POST: usize, const W: usize> Layer<S, Y, M, PRE, POST, W>
where
    S: Scalar,
    Y: Synapses<S, PRE, POST>,
    M: Stored<S>,
{
    /// A layer of synapses onto a population.
    pub fn new(synapses: Y, population: Population<S, M, POST, W>) -> Self {
        Self {
            synapses,
            population,
            current: [S::ZERO; POST],
        }
    }

    /// The synaptic current of the last step.
    pub fn current(&self) -> &[S; POST] {
        &self.current
    }
}

impl<S, Y, M, const PRE: usize, const POST: usize, const W: usize> Stage
    for Layer<S, Y, M, PRE, POST, W>
where
    S: Scalar,
    Y: Synapses<S, PRE, POST>,
    M: Stored<S>,
{
    fn forward(&mut self, pre: &[u32]) -> Result<&[u32], Error> {
        self.current = [S::ZERO; POST];
        self.synapses.accumulate(pre, &mut self.current);
        Ok(self.population.step(&self.current)?)
    }
}

/// Sensor values -> encoder -> hidden stage -> output stage.
#[derive(Debug, Clone)]
pub struct Network<E, A, B> {
    /// The input encoder.
    pub encoder: E,
    /// The first stage.
    pub hidden: A,
    /// The second stage.
    pub output: B,
}

impl<E, A: Stage, B: Stage> Network<E, A, B> {
    /// One step of the whole network; returns the output stage's spikes.
    pub fn step<S: Scalar, const C: usize>(&mut self, sensor: &[S; C]) -> Result<&[u32], Error>
    where
        E: Encoder<S, C>,
    {
        let input = self.encoder.encode(sensor)?;
        let hidden = self.hidden.forward(input)?;
        self.output.forward(hidden)
    }

    /// [`Network::step`], logging the spike count of every stage with defmt at debug level.
    #[cfg(feature = "defmt")]
    pub fn step_logged<S: Scalar, const C: usize>(
        &mut self,
        sensor: &[S; C],
    ) -> Result<&[u32], Error>
    where
        E: Encoder<S, C>,
    {
        let count = |w: &[u32]| {
            w.iter()
                .map(|x| x.count_ones())
                .fold(0u32, u32::saturating_add)
        };
        let input = self.encoder.encode(sensor)?;
        let n_in = count(input);
        let hidden = self.hidden.forward(input)?;
        let n_hidden = count(hidden);
        let out = self.output.forward(hidden)?;
        defmt::debug!(
            "lif step: {=u32} input, {=u32} hidden, {=u32} output spikes",
            n_in,
            n_hidden,
            count(out)
        );
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoder::RateEncoder;
    use crate::synapse::Dense;
    use crate::words;
    use lif_core::LeakyConfig;

    #[test]
    fn spikes_propagate_through_both_layers() {
        let leaky = LeakyConfig {
            beta: 0.5,
            ..LeakyConfig::default()
        }
        .build::<f32>()
        .unwrap();
        let mut net = Network {
            encoder: RateEncoder::<f32, 2, 1>::new(1.0, 3),
            hidden: Layer::new(
                Dense::<f32, 2, 3>::new([[2.0, 0.0, 0.0], [0.0, 2.0, 0.0]]),
                Population::<f32, _, 3, { words(3) }>::new(leaky, 0),
            ),
            output: Layer::new(
                Dense::<f32, 3, 1>::new([[2.0], [0.0], [0.0]]),
                Population::<f32, _, 1, 1>::new(leaky, 0),
            ),
        };
        // Channel 0 always fires, channel 1 never: hidden 0 fires, hidden 1 and 2 stay silent.
        let mut out = 0;
        for _ in 0..10 {
            out += net.step(&[1.0f32, 0.0]).unwrap()[0].count_ones();
            assert_eq!(net.hidden.population.spikes()[0] & 0b110, 0);
        }
        assert_eq!(net.hidden.population.spikes()[0] & 1, 1);
        assert!(out >= 5, "{out}");
    }
}
