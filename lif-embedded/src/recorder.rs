//! Recording the last `T` steps of spikes and of chosen neurons' membranes.

use heapless::HistoryBuf;
use lif_core::Scalar;
use lif_core::neuron::Stored;

use crate::population::Population;

/// Keeps the packed spikes (`W` words) of the last `T` steps and one chosen state variable
/// (usually the membrane) of `K` probed neurons.
#[derive(Debug)]
pub struct Recorder<S, const K: usize, const W: usize, const T: usize> {
    probes: [usize; K],
    spikes: HistoryBuf<[u32; W], T>,
    traces: HistoryBuf<[S; K], T>,
}

impl<S: Scalar, const K: usize, const W: usize, const T: usize> Recorder<S, K, W, T> {
    /// A recorder probing neurons `probes` (indices past the population record zero).
    pub fn new(probes: [usize; K]) -> Self {
        Self {
            probes,
            spikes: HistoryBuf::new(),
            traces: HistoryBuf::new(),
        }
    }

    /// Records the population's current spikes and the probed neurons' `variable`.
    pub fn record<M: Stored<S>, const N: usize>(
        &mut self,
        population: &mut Population<S, M, N, W>,
        variable: impl Fn(&M::State) -> S,
    ) {
        self.spikes.write(*population.spikes());
        let mut row = [S::ZERO; K];
        for (v, &i) in row.iter_mut().zip(&self.probes) {
            if let Some(s) = population.neuron(i) {
                *v = variable(&s);
            }
        }
        self.traces.write(row);
    }

    /// Recorded spike rows, oldest first.
    pub fn spikes(&self) -> impl Iterator<Item = &[u32; W]> {
        self.spikes.oldest_ordered()
    }

    /// Recorded traces of the probed neurons, oldest first.
    pub fn traces(&self) -> impl Iterator<Item = &[S; K]> {
        self.traces.oldest_ordered()
    }

    /// Number of recorded steps (at most `T`).
    pub fn len(&self) -> usize {
        self.traces.len()
    }

    /// True before the first record.
    pub fn is_empty(&self) -> bool {
        self.traces.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lif_core::{I16F16, LeakyConfig};

    #[test]
    fn keeps_the_last_t_steps() {
        let model = LeakyConfig::default().build::<I16F16>().unwrap();
        let mut pop = Population::<I16F16, _, 4, 1>::new(model, 0);
        let mut rec = Recorder::<I16F16, 2, 1, 3>::new([1, 9]);
        for t in 0..5 {
            pop.step(&[I16F16::from_num(t) / 4; 4]).unwrap();
            rec.record(&mut pop, |s| s.mem);
        }
        assert_eq!(rec.len(), 3);
        let traces: Vec<_> = rec.traces().copied().collect();
        assert_eq!(traces[2][0], pop.neuron(1).unwrap().mem);
        assert_eq!(traces[2][1], I16F16::ZERO);
        assert!(traces[0][0] < traces[1][0]);
        assert_eq!(rec.spikes().count(), 3);
    }
}
